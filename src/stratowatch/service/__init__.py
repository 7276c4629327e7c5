"""The stratowatch service: an HTTP API (FastAPI) over the library, with a database, tokens,
live tracking, prediction/engagement jobs, server-sent events and a Tawhiri-compatible
prediction endpoint. `create_app(settings)` builds it; ``stratowatch serve`` runs it."""

from __future__ import annotations

from .app import create_app
from .config import Settings

__all__ = ["Settings", "create_app"]
