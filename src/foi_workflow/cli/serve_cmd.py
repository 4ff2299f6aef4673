"""`foi serve`: one long-running process serving the project's scheduled deployments."""

from __future__ import annotations
