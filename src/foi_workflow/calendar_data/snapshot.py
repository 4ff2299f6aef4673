"""Regenerate the shipped official calendar (official-cn.json) from the `holidays` package.

Run `python -m foi_workflow.calendar_data.snapshot` after upgrading `holidays`; the test suite
checks the file against both `holidays` and `chinesecalendar`, day for day.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("official-cn.json")
YEARS = range(2008, 2027)


def build() -> dict[str, object]:
    import holidays

    cn = holidays.China(years=YEARS, language="zh_CN")
    make_up = set(cn.weekend_workdays)
    years = {}
    for year in YEARS:
        years[str(year)] = {
            "reference": f"国务院办公厅关于{year}年部分节假日安排的通知",
            "days_off": {d.isoformat(): name for d, name in sorted(cn.items()) if d.year == year},
            "make_up_workdays": sorted(d.isoformat() for d in make_up if d.year == year),
        }
    return {
        "source": f"holidays {metadata.version('holidays')} (China, zh_CN)",
        "note": "official State Council arrangements; regenerate with "
                "python -m foi_workflow.calendar_data.snapshot",
        "years": years,
    }


def main() -> None:
    SNAPSHOT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {SNAPSHOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
