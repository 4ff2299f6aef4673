"""The statistics tables: registers the cases do not hold, and locked annual figures."""

from __future__ import annotations

from .models import Base  # noqa: F401  (tables are declared on the shared metadata)
