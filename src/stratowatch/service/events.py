"""Server-sent events: a small in-process bus that any thread publishes to and each
``/v1/events`` stream reads from (asyncio queues), with a ring of recent events so that a
client reconnecting with ``Last-Event-ID`` misses nothing still held."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Event", "EventBus", "format_sse"]


@dataclass(frozen=True)
class Event:
    """One event: a monotonically increasing id, a type (``track``, ``prediction``,
    ``engagement``, ``observations``) and a JSON-ready payload."""

    id: int
    type: str
    data: dict[str, Any]


def format_sse(ev: Event) -> str:
    """The event in the text/event-stream wire format."""
    payload = json.dumps(ev.data, separators=(",", ":"), allow_nan=False)
    return f"id: {ev.id}\nevent: {ev.type}\ndata: {payload}\n\n"


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop, types: frozenset[str] | None) -> None:
        self.loop = loop
        self.types = types
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=10_000)
        self.overflow = False

    def offer(self, ev: Event) -> None:  # runs in the subscriber's loop
        if self.overflow:
            return
        try:
            self.queue.put_nowait(ev)
        except asyncio.QueueFull:
            # a client this far behind is dropped; it reconnects with Last-Event-ID
            self.overflow = True


class EventBus:
    """Publish from any thread; subscribe from the event loop."""

    def __init__(self, *, keep: int = 2_000) -> None:
        self._lock = threading.Lock()
        self._next = 1
        self._recent: deque[Event] = deque(maxlen=keep)
        self._subs: set[_Subscriber] = set()
        self.closed = False

    @property
    def last_id(self) -> int:
        return self._next - 1

    def publish(self, type_: str, data: dict[str, Any]) -> Event:
        with self._lock:
            ev = Event(self._next, type_, {**data, "at": time.time()})
            self._next += 1
            self._recent.append(ev)
            subs = list(self._subs)
        for s in subs:
            if s.types is None or type_ in s.types:
                try:
                    s.loop.call_soon_threadsafe(s.offer, ev)
                except RuntimeError:  # loop closed
                    pass
        return ev

    def close(self) -> None:
        """End every stream (server shutdown)."""
        self.closed = True
        with self._lock:
            subs = list(self._subs)
        for s in subs:
            try:
                s.loop.call_soon_threadsafe(s.queue.put_nowait, None)
            except (RuntimeError, asyncio.QueueFull):
                pass

    async def stream(
        self,
        *,
        last_id: int | None = None,
        types: frozenset[str] | None = None,
        keepalive_s: float = 15.0,
    ) -> AsyncIterator[str]:
        """The SSE text of events after ``last_id`` (replayed from the ring), then live ones,
        with a comment line every ``keepalive_s`` seconds of silence."""
        sub = _Subscriber(asyncio.get_running_loop(), types)
        with self._lock:
            self._subs.add(sub)
            backlog = [e for e in self._recent if last_id is not None and e.id > last_id]
        try:
            yield f"retry: 2000\n: stratowatch events (last id {self.last_id})\n\n"
            for ev in backlog:
                if types is None or ev.type in types:
                    yield format_sse(ev)
            while not (self.closed or sub.overflow):
                try:
                    ev = await asyncio.wait_for(sub.queue.get(), keepalive_s)  # type: ignore[arg-type]
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if ev is None:
                    return
                if backlog and ev.id <= backlog[-1].id:
                    continue
                yield format_sse(ev)
        finally:
            with self._lock:
                self._subs.discard(sub)
