"""The running service's state: settings, store, wind, the live tracker fed from the store,
the job runner and the event bus. Built and torn down by the app's lifespan."""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from ..store import Store, StoredObservation, database_url
from ..timeutil import iso
from ..track.live import LiveTracker
from ..track.observations import Observations, make_observations
from ..track.tracker import TrackingResult
from .config import Settings
from .events import EventBus
from .jobs import JobRunner
from .sessions import MapSessions

__all__ = ["ServiceState", "TrackSnapshot"]

log = logging.getLogger("stratowatch.service")

SNAPSHOT_EVERY = 0.5  # s between track snapshots while reports keep arriving


@dataclass(frozen=True, eq=False)
class TrackSnapshot:
    """The tracks as of the last processed batch (immutable; replaced, never changed)."""

    result: TrackingResult | None
    observations: int
    as_of: float | None
    version: int
    catching_up: bool


class ServiceState:
    """Everything a request handler needs; one per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(database_url(settings.db, data_dir=settings.data_dir))
        self.wind: WindField = open_wind(settings.wind)
        self.bus = EventBus()
        self.sessions = MapSessions()
        self.jobs = JobRunner(
            self.store, self.bus, workers=settings.workers, wind_spec=settings.wind
        )
        self.tracker = LiveTracker(
            wind=self.wind, checkpoint_every=settings.tracker_checkpoint_every
        )
        self.snapshot = TrackSnapshot(None, 0, None, 0, True)
        self._inbox: queue.Queue[list[StoredObservation] | None] = queue.Queue()
        self._thread = threading.Thread(
            target=self._track_loop, name="stratowatch-tracker", daemon=True
        )
        self._count_lock = threading.Condition()
        self._enqueued = 0
        self._tracked = 0
        from .datasets import WindDatasets

        self.datasets = WindDatasets(settings.wind_dir)

    def start(self) -> None:
        requeued, failed = self.jobs.start()
        if requeued or failed:
            log.warning("jobs after restart: %d re-queued, %d failed", len(requeued), len(failed))
        self._thread.start()

    def stop(self) -> None:
        self.bus.close()
        self._inbox.put(None)
        self.jobs.stop()
        self._thread.join(timeout=5.0)
        self.store.close()

    # --- tracking ----------------------------------------------------------------------------
    def enqueue(self, rows: Sequence[StoredObservation]) -> None:
        """Stored reports for the tracker (after their commit)."""
        if rows:
            with self._count_lock:
                self._enqueued += len(rows)
            self._inbox.put(list(rows))

    def wait_tracked(self, timeout: float) -> bool:
        """Block until the tracker has taken everything enqueued so far (and the start-up
        replay is done); False on timeout."""
        with self._count_lock:
            target = self._enqueued
            return self._count_lock.wait_for(
                lambda: self._tracked >= target and not self.snapshot.catching_up, timeout
            )

    def _replay(self) -> int:
        """Feed every stored report to the tracker (start-up)."""
        after = 0
        n = 0
        while True:
            page = self.store.get_observations(after_id=after, limit=5000)
            if not page:
                break
            self._track(page, publish=False)
            after = page[-1].id
            n += len(page)
        return n

    def _track_loop(self) -> None:
        try:
            self._replay()
        except Exception:
            log.exception("replaying stored observations failed")
        snap = self.snapshot
        self.snapshot = TrackSnapshot(snap.result, snap.observations, snap.as_of,
                                      snap.version + 1, False)  # fmt: skip
        with self._count_lock:
            self._count_lock.notify_all()
        pending_rows = 0
        changed: set[int] = set()
        last_snap = time.monotonic()
        while True:
            item = self._inbox.get()
            if item is None:
                return
            batch = list(item)
            # coalesce whatever else is waiting: one tracker update for many requests
            stop = False
            while True:
                try:
                    more = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch += more
            try:
                changed |= set(self.tracker.add(self._observations(batch)).changed_tracks)
            except Exception:
                log.exception("tracking %d observations failed", len(batch))
            pending_rows += len(batch)
            # the snapshot (all tracks) costs more than an update: at most every
            # SNAPSHOT_EVERY seconds while reports keep coming, at once when they pause
            if self._inbox.empty() or stop or time.monotonic() - last_snap > SNAPSHOT_EVERY:
                try:
                    self._publish(pending_rows, changed)
                except Exception:
                    log.exception("publishing the tracks failed")
                last_snap = time.monotonic()
                with self._count_lock:
                    self._tracked += pending_rows
                    self._count_lock.notify_all()
                pending_rows = 0
                changed = set()
            if stop:
                return

    @staticmethod
    def _observations(rows: list[StoredObservation]) -> Observations:
        return make_observations([r.tracker_row() for r in rows])

    def _snapshot(self) -> TrackingResult:
        result = self.tracker.result()
        last = self.tracker.last_time
        snap = self.snapshot
        self.snapshot = TrackSnapshot(
            result,
            len(self.tracker),
            None if not math.isfinite(last) else last,
            snap.version + 1,
            snap.catching_up,
        )
        return result

    def _track(self, rows: list[StoredObservation], *, publish: bool) -> None:
        """Start-up replay: track and snapshot without events."""
        self.tracker.add(self._observations(rows))
        self._snapshot()

    def _publish(self, n_rows: int, changed: set[int]) -> None:
        result = self._snapshot()
        self.bus.publish("observations", {"accepted": n_rows, "total": len(self.tracker)})
        by_id = {t.track_id: t for t in result.tracks}
        for tid in sorted(changed):
            tr = by_id.get(tid)
            if tr is None:
                continue
            k = len(tr) - 1
            data: dict[str, Any] = {
                "id": tid,
                "status": tr.status,
                "n_updates": tr.n_updates,
                "time": iso(tr.time[k]),
                "lat": round(float(tr.lat[k]), 5),
                "lon": round(float(tr.lon[k]), 5),
                "alt": round(float(tr.alt[k]), 1) if math.isfinite(tr.alt[k]) else None,
            }
            self.bus.publish("track", data)
