"""The notice register tables: each issued notice with its number, file hashes and case event."""

from __future__ import annotations

from .models import Base  # noqa: F401  (tables are declared on the shared metadata)
