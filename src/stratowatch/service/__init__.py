"""The stratowatch service: an HTTP API (FastAPI) over the library, with a database, tokens,
live tracking, prediction/engagement jobs, server-sent events and a Tawhiri-compatible
prediction endpoint. `create_app(settings)` builds it; ``stratowatch serve`` runs it.

The names are imported on first use: the service's worker processes (the live tracker, the
jobs) import their own modules without the web framework."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .config import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "Settings":
        from .config import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
