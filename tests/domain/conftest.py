"""Shared fixtures for the domain tests: the shipped working-day calendar."""

from __future__ import annotations

import pytest

from foi_workflow.calendar_data import build_calendar
from foi_workflow.domain.calendar import WorkingCalendar


@pytest.fixture(scope="session")
def calendar() -> WorkingCalendar:
    """The calendar users get: official 2008–2026 from official-cn.json, 2027+ estimated."""
    return build_calendar()
