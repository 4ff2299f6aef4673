"""The deadline alert tables: alerts raised by the sweep, cleared when the case moves on."""

from __future__ import annotations

from .models import Base  # noqa: F401  (tables are declared on the shared metadata)
