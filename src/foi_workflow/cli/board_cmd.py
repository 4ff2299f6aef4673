"""`foi board`: the supervisors' table of deadline alerts, per agency, by urgency."""

from __future__ import annotations
