"""The `foi` console script: a plain `foi clock …` line is answered without Typer (clock_core.fast);
every other command line goes to the Typer app (cli/main.py).

    foi = "foi_workflow.cli.launch:main"   (pyproject.toml)
"""

from __future__ import annotations

import sys
from typing import Any, Optional


def main(argv: Optional[list[str]] = None) -> Any:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["clock"]:
        from .clock_core import fast

        status = fast(args[1:])
        if status is not None:
            return status
    from .main import app

    return app(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
