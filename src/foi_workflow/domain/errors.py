"""Errors the domain raises for bad input or an illegal move, worded for staff (Chinese)."""

from __future__ import annotations


class FoiError(Exception):
    """Base of every user-facing error: names the field, the rule, and says what is wrong."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        self.field = field
        self.rule = rule
        self.message = message
        super().__init__(self.text())

    def text(self) -> str:
        return f"{self.field}：{self.message}（依据：{self.rule}）"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


class InputError(FoiError):
    """A value given by a user or a file is malformed or breaks a rule; nothing was done."""


class CalendarRangeError(InputError):
    """A date lies outside the span the working-day calendar covers."""
