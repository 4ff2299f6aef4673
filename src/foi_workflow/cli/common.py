"""Shared CLI plumbing: turning domain errors into a Chinese message and exit status 2."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any, Callable

import typer

from ..domain.errors import FoiError

EXIT_BAD_INPUT = 2


def fail(err: FoiError) -> None:
    typer.echo(f"错误：{err.text()}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command; a FoiError becomes a one-line Chinese message and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FoiError as err:
            fail(err)

    return wrapper


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
