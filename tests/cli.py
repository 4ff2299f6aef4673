"""Running `foi` in-process for the CLI tests: foi(...) returns the result, ok/bad assert the exit."""

from __future__ import annotations

from typer.testing import CliRunner

from foi_workflow.cli.main import app

runner = CliRunner()


def foi(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def ok(*args: str):
    res = foi(*args)
    assert res.exit_code == 0, res.output
    return res


def bad(*args: str):
    """A refused command: exit status 2 (the field and the rule are on stderr)."""
    res = foi(*args)
    assert res.exit_code == 2, res.output
    return res
