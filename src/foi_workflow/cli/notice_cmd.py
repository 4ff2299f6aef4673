"""`foi notice`: list, show and re-render the notices issued for cases."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
