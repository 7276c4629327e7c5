"""The running service's state: settings, store, wind, the live tracker, the job runner and
the event bus. Built and torn down by the app's lifespan.

The live tracker runs in its own process (`TrackerProcess`), not in a thread of the server:
its work (a rewind and replay of up to ``tracker_checkpoint_every`` scans whenever reports
arrive out of time order: most of a core under a steady feed of 200 reports/s) would
otherwise hold the interpreter lock that every request needs at each step (reading the body,
the readers, the hand-offs to and from the database writer), and the requests would queue
behind it. The
process replays the store at its start, then takes each committed batch from the server, and
sends back snapshots of the tracks (pickled `TrackingResult`, unpickled by the server only
when a request reads them) and the change events.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import pickle
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
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

__all__ = ["ServiceState", "TrackSnapshot", "TrackerProcess"]

log = logging.getLogger("stratowatch.service")

SNAPSHOT_EVERY = 0.5  # s: at most one track snapshot (and its events) per this time
POLL_S = 1.0  # s between checks that the other process is still there
RESTART_S = 1.0  # s before starting a stopped tracker process again (doubling each time)
TRACKER_NICE = 10  # the tracker process's niceness, added to the server's


@dataclass(frozen=True, eq=False)
class TrackSnapshot:
    """The tracks as of the last processed batch (immutable; replaced, never changed).
    ``result`` is unpickled from ``blob`` on first use (once per snapshot)."""

    blob: bytes | None
    observations: int
    as_of: float | None
    version: int
    catching_up: bool
    _cache: dict[str, TrackingResult] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def result(self) -> TrackingResult | None:
        if self.blob is None:
            return None
        with self._lock:
            got = self._cache.get("result")
            if got is None:
                got = pickle.loads(self.blob)
                self._cache["result"] = got
            return got


def _observations(rows: list[StoredObservation]) -> Observations:
    return make_observations([r.tracker_row() for r in rows])


def _track_events(result: TrackingResult, changed: set[int]) -> list[dict[str, Any]]:
    """The ``track`` event of each changed track."""
    out = []
    by_id = {t.track_id: t for t in result.tracks}
    for tid in sorted(changed):
        tr = by_id.get(tid)
        if tr is None:
            continue
        k = len(tr) - 1
        out.append({
            "id": tid,
            "status": tr.status,
            "n_updates": tr.n_updates,
            "time": iso(tr.time[k]),
            "lat": round(float(tr.lat[k]), 5),
            "lon": round(float(tr.lon[k]), 5),
            "alt": round(float(tr.alt[k]), 1) if math.isfinite(tr.alt[k]) else None,
        })  # fmt: skip
    return out


def _tracker_main(
    url: str,
    wind_spec: str,
    checkpoint_every: int,
    inbox: Any,
    outbox: Any,
    parent: int,
    nice: int,
) -> None:
    """The tracker process: replay the store, then track each batch from ``inbox`` and send
    ``(kind, payload)`` messages through the pipe end ``outbox``: ``snapshot`` (blob,
    reports, as_of, catching_up, rows taken from the inbox, events). Exits on None, or when
    the server process is gone (``kill -9``: no orphan left behind)."""
    logging.basicConfig(level=logging.WARNING)
    if nice:
        # background work: when the CPU is short, the server's requests go first
        os.nice(nice)
    wind = open_wind(wind_spec)
    tracker = LiveTracker(wind=wind, checkpoint_every=checkpoint_every)
    taken = 0

    def snapshot(
        result: TrackingResult, catching_up: bool, events: list[tuple[str, dict[str, Any]]]
    ) -> None:
        last = tracker.last_time
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        as_of = None if not math.isfinite(last) else last
        outbox.send(("snapshot", (blob, len(tracker), as_of, catching_up, taken, events)))

    # start-up: everything stored so far; batches of rows up to that id may also be in the
    # inbox (committed while the replay read): they are dropped below
    store = Store(url, upgrade=False)
    replayed_to = 0
    try:
        while True:
            page = store.get_observations(after_id=replayed_to, limit=5000)
            if not page:
                break
            try:
                tracker.add(_observations(page))
            except Exception:
                log.exception("replaying %d stored observations failed", len(page))
            replayed_to = page[-1].id
    except Exception:
        log.exception("replaying stored observations failed")
    finally:
        store.close()
    snapshot(tracker.result(), False, [])
    pending = 0
    changed: set[int] = set()
    dirty = False  # taken or tracked since the last snapshot
    last_snap = time.monotonic()
    while True:
        # the snapshot (all tracks, pickled) costs more than an update, and grows with the
        # history: at most one every SNAPSHOT_EVERY seconds, however fast the updates come;
        # the last changes go out when that time is up, whether or not more reports arrive
        wait = POLL_S if not dirty else max(last_snap + SNAPSHOT_EVERY - time.monotonic(), 0.0)
        stop = False
        try:
            item = inbox.get(timeout=wait) if wait > 0 else inbox.get_nowait()
        except queue.Empty:
            item = []
            if not dirty and os.getppid() != parent:
                return
        if item is None:
            stop = True
        elif item:
            batch = list(item)
            taken += len(item)
            # coalesce whatever else is waiting: one tracker update for many requests
            while True:
                try:
                    more = inbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch += more
                taken += len(more)
            batch = [r for r in batch if r.id > replayed_to]
            if batch:
                try:
                    changed |= set(tracker.add(_observations(batch)).changed_tracks)
                except Exception:
                    log.exception("tracking %d observations failed", len(batch))
            pending += len(batch)
            dirty = True
        if dirty and (stop or time.monotonic() - last_snap >= SNAPSHOT_EVERY):
            try:
                result = tracker.result()
                events: list[tuple[str, dict[str, Any]]] = []
                if pending:
                    events.append(("observations", {"accepted": pending, "total": len(tracker)}))
                events += [("track", d) for d in _track_events(result, changed)]
                snapshot(result, False, events)
            except Exception:
                log.exception("publishing the tracks failed")
            last_snap = time.monotonic()
            pending = 0
            changed = set()
            dirty = False
        if stop:
            return


class TrackerProcess:
    """The live tracker in a child process (see the module docstring): `feed` committed rows,
    read `snapshot`; `wait_taken` blocks until the child has taken what was fed. A child that
    dies is started again (it replays the store, which holds every fed row)."""

    def __init__(
        self,
        url: str,
        *,
        wind_spec: str,
        checkpoint_every: int,
        on_events: Any,
        nice: int = TRACKER_NICE,
    ) -> None:
        self.url = url
        self.nice = nice
        self.wind_spec = wind_spec
        self.checkpoint_every = checkpoint_every
        self.on_events = on_events
        self._ctx = multiprocessing.get_context("spawn")
        self.snapshot = TrackSnapshot(None, 0, None, 0, True)
        self._cond = threading.Condition()
        self._fed = 0  # rows fed to the current child
        self._taken = 0  # rows it has taken
        self._stop_event = threading.Event()
        self._closing = False
        self._restarts = 0
        self._proc: Any = None
        self._inbox: Any = None
        self._outbox: Any = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        with self._cond:
            self._spawn()
        self._reader = threading.Thread(
            target=self._read_loop, name="stratowatch-tracker-reader", daemon=True
        )
        self._reader.start()

    def _spawn(self) -> None:
        if self._inbox is not None:  # the old child is gone: let the queue's thread end
            self._inbox.cancel_join_thread()
            self._inbox.close()
        self._inbox = self._ctx.Queue()
        # snapshots come back through a one-way pipe whose sending end only the child keeps
        # open: when the child dies, even in the middle of a message, the reader gets EOF
        self._outbox, send = self._ctx.Pipe(duplex=False)
        self._fed = 0
        self._taken = 0
        snap = self.snapshot
        self.snapshot = TrackSnapshot(snap.blob, snap.observations, snap.as_of, snap.version, True)
        self._proc = self._ctx.Process(
            target=_tracker_main,
            args=(
                self.url,
                self.wind_spec,
                self.checkpoint_every,
                self._inbox,
                send,
                os.getpid(),
                self.nice,
            ),
            name="stratowatch-tracker",
            daemon=True,
        )
        self._proc.start()
        send.close()

    def feed(self, rows: Sequence[StoredObservation]) -> None:
        """Committed rows for the tracker; returns at once (the queue's own thread sends)."""
        if not rows:
            return
        with self._cond:
            self._fed += len(rows)
            self._inbox.put(list(rows))

    def wait_taken(self, timeout: float) -> bool:
        """Block until the child has taken everything fed so far and the start-up replay is
        done; False on timeout."""
        with self._cond:
            target = self._fed
            return self._cond.wait_for(
                lambda: self._taken >= target and not self.snapshot.catching_up, timeout
            )

    def health(self) -> dict[str, Any]:
        """``status`` (running, starting), ``pid`` and ``pending`` (fed, not yet taken)."""
        with self._cond:
            proc = self._proc
            return {
                "status": "starting" if self.snapshot.catching_up else "running",
                "pid": None if proc is None else proc.pid,
                "pending": max(self._fed - self._taken, 0),
            }

    def _read_loop(self) -> None:
        while not self._stop_event.is_set():
            with self._cond:
                outbox, proc = self._outbox, self._proc
            try:
                if not outbox.poll(POLL_S):
                    continue
                kind, payload = outbox.recv()
            except (EOFError, OSError):  # the child is gone
                if self._closing:
                    return
                proc.join(timeout=5.0)
                # a crash at start-up would repeat: wait longer before each new try
                wait = min(RESTART_S * 2**self._restarts, 300.0)
                log.error(
                    "the tracker process stopped (exit code %s); starting it again in %.0f s",
                    proc.exitcode,
                    wait,
                )
                self._restarts += 1
                if self._stop_event.wait(wait):
                    return
                with self._cond:
                    outbox.close()
                    self._spawn()
                continue
            if kind != "snapshot":
                continue
            blob, n, as_of, catching_up, taken, events = payload
            with self._cond:
                self.snapshot = TrackSnapshot(
                    blob, n, as_of, self.snapshot.version + 1, catching_up
                )
                self._taken = taken
                if not catching_up:
                    self._restarts = 0
                self._cond.notify_all()
            for type_, data in events:
                try:
                    self.on_events(type_, data)
                except Exception:
                    log.exception("publishing a %s event failed", type_)

    def stop(self) -> None:
        # the reader keeps reading (the child may be sending) until the child has ended
        self._closing = True
        with self._cond:
            proc, inbox = self._proc, self._inbox
        if proc is not None:
            try:
                inbox.put(None)
            except (OSError, ValueError):
                pass
            proc.join(timeout=10.0)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5.0)
        self._stop_event.set()
        if self._reader is not None:
            self._reader.join(timeout=POLL_S + 1.0)


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
        self.tracker = TrackerProcess(
            self.store.url,
            wind_spec=settings.wind,
            checkpoint_every=settings.tracker_checkpoint_every,
            on_events=self.bus.publish,
        )
        from .datasets import WindDatasets

        self.datasets = WindDatasets(settings.wind_dir)

    @property
    def snapshot(self) -> TrackSnapshot:
        """The latest tracks (see `TrackSnapshot`)."""
        return self.tracker.snapshot

    def start(self) -> None:
        requeued, failed = self.jobs.start()
        if requeued or failed:
            log.warning("jobs after restart: %d re-queued, %d failed", len(requeued), len(failed))
        self.tracker.start()

    def stop(self) -> None:
        self.bus.close()
        self.tracker.stop()
        self.jobs.stop()
        self.store.close()

    # --- tracking ----------------------------------------------------------------------------
    def enqueue(self, rows: Sequence[StoredObservation]) -> None:
        """Stored reports for the tracker (after their commit)."""
        self.tracker.feed(rows)

    def wait_tracked(self, timeout: float) -> bool:
        """Block until the tracker has taken everything enqueued so far (and the start-up
        replay is done); False on timeout."""
        return self.tracker.wait_taken(timeout)
