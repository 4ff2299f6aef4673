"""Regenerate the shipped official calendar (official-cn.json) and the lunisolar dates of the
estimated years (domain/lunisolar_table.py) from the `holidays` package.

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


LUNISOLAR = Path(__file__).parents[1] / "domain" / "lunisolar_table.py"


def lunisolar_module() -> str:
    """domain/lunisolar_table.py: the lunisolar dates holiday_law needs for every calendar year,
    read from `holidays` once here so that building the calendar never imports the package."""
    from holidays.calendars.chinese import _ChineseLunisolar

    from ..domain.calendar import FIRST_YEAR, LAST_YEAR

    cal = _ChineseLunisolar()
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        days = [getter(year)[0] for getter in (cal.lunar_new_year_date, cal.qingming_date,
                                               cal.dragon_boat_date, cal.mid_autumn_date)]
        rows.append(f"    {year}: ({', '.join(f'({d.month}, {d.day})' for d in days)}),")
    return (f'''"""The lunisolar dates of the law's holidays, {FIRST_YEAR}–{LAST_YEAR}: generated from holidays
{metadata.version('holidays')} by `python -m foi_workflow.calendar_data.snapshot` (do not edit); the tests check
every year against the package. Per year, (month, day) of: the Spring Festival (lunar new
year's day), Qingming, the Dragon Boat Festival, the Mid-Autumn Festival.
"""

DATES: dict[int, tuple[tuple[int, int], ...]] = {{
''' + "\n".join(rows) + "\n}\n")


def main() -> None:
    SNAPSHOT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {SNAPSHOT}", file=sys.stderr)
    LUNISOLAR.write_text(lunisolar_module(), "utf-8")
    print(f"wrote {LUNISOLAR}", file=sys.stderr)


if __name__ == "__main__":
    main()
