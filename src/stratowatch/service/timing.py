"""Where a request's time goes, reported in its ``Server-Timing`` response header (W3C Server
Timing, [SERVERTIMING]_): the outermost middleware stamps the arrival, a route adds spans.

References
----------
.. [SERVERTIMING] W3C, "Server Timing", Working Draft, https://www.w3.org/TR/server-timing/
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

__all__ = ["ARRIVED", "Spans"]

#: ASGI scope key: `time.perf_counter()` when the request reached the app.
ARRIVED = "stratowatch.arrived"


class Spans:
    """Consecutive spans of one request, ms: ``mark(name)`` closes the span that began at the
    previous mark (the first at the request's arrival, when stamped)."""

    def __init__(self, scope: MutableMapping[str, Any]) -> None:
        now = time.perf_counter()
        self._last = float(scope.get(ARRIVED, now))
        self.spans: list[tuple[str, float]] = []

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.spans.append((name, (now - self._last) * 1e3))
        self._last = now

    def header(self) -> str:
        """The ``Server-Timing`` header value, e.g. ``wait;dur=0.41, commit;dur=2.30``."""
        return ", ".join(f"{n};dur={d:.2f}" for n, d in self.spans)
