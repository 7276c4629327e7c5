"""`JobRunner`: prediction and engagement jobs in a pool of worker processes, with their
status in the database.

A job is stored ``queued`` (with its audit row) before the client is answered. A dispatcher
thread claims queued jobs oldest first (``running``, attempt counted) while a worker is free,
and records the result (``done``) or the library's error message (``failed``). On start-up,
jobs that a stopped or crashed server left ``running`` are queued again (runs are
deterministic given their seed), up to two attempts, then marked failed; jobs still
``queued`` simply run. A worker process that dies fails its job and the pool is rebuilt.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import StratowatchError
from ..lifeline import die_with_parent
from ..store import Store
from .events import EventBus
from .work import run_job

__all__ = ["JobRunner"]

log = logging.getLogger("stratowatch.service")


class JobRunner:
    """Runs jobs from the store on ``workers`` processes; publishes status events."""

    def __init__(self, store: Store, bus: EventBus, *, workers: int, wind_spec: str) -> None:
        self.store = store
        self.bus = bus
        self.workers = max(int(workers), 1)
        self.wind_spec = wind_spec
        self._cond = threading.Condition()
        self._running = 0
        self._stop = False
        self._pool: ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._done_events: dict[str, threading.Event] = {}

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn: a clean interpreter per worker (no fork of a threaded server)
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def start(self) -> tuple[list[str], list[str]]:
        """Recover interrupted jobs and start dispatching; returns (requeued, failed)."""
        requeued, failed = self.store.recover_jobs()
        for job_id in failed:
            info = self.store.get_job(job_id)
            if info is not None:
                self.bus.publish(info.kind, {"id": job_id, "status": "failed"})
        self._pool = self._new_pool()
        self._thread = threading.Thread(target=self._loop, name="stratowatch-jobs", daemon=True)
        self._thread.start()
        return requeued, failed

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        if self._pool is not None:
            # running jobs stay "running" in the store: the next start re-queues them
            self._pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, job_id: str) -> None:
        """A new job was stored: wake the dispatcher."""
        with self._cond:
            self._done_events.setdefault(job_id, threading.Event())
            self._cond.notify_all()

    def wait(self, job_id: str, timeout: float) -> bool:
        """Block up to ``timeout`` s until the job finished (True) or not."""
        with self._cond:
            ev = self._done_events.setdefault(job_id, threading.Event())
        info = self.store.get_job(job_id)
        if info is None or info.status in ("done", "failed"):
            with self._cond:
                self._done_events.pop(job_id, None)
            return True
        return ev.wait(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stop and self._running >= self.workers:
                    self._cond.wait(1.0)
                if self._stop:
                    return
            try:
                queued = self.store.queued_jobs()
            except Exception:  # database unavailable for a moment: try again
                log.exception("cannot list queued jobs")
                queued = []
            started = False
            for job_id in queued:
                with self._cond:
                    if self._stop or self._running >= self.workers:
                        break
                info = self.store.claim_job(job_id)
                if info is None:
                    continue
                self.bus.publish(info.kind, {"id": job_id, "status": "running"})
                with self._cond:
                    self._running += 1
                started = True
                self._launch(job_id, info.kind, info.request)
            if not started:
                with self._cond:
                    if not self._stop:
                        self._cond.wait(1.0)

    def _launch(self, job_id: str, kind: str, request: dict[str, Any]) -> None:
        assert self._pool is not None
        try:
            fut = self._pool.submit(run_job, kind, request, self.wind_spec)
        except (BrokenProcessPool, RuntimeError) as exc:
            self._pool = self._new_pool()
            self._finish(job_id, kind, None, f"worker pool unavailable: {exc}")
            return
        fut.add_done_callback(lambda f: self._collect(job_id, kind, f))

    def _collect(self, job_id: str, kind: str, fut: Future[dict[str, Any]]) -> None:
        if fut.cancelled():
            return  # server stopping: the job stays running and is re-queued at start-up
        exc = fut.exception()
        if exc is None:
            self._finish(job_id, kind, fut.result(), None)
        elif isinstance(exc, StratowatchError):
            self._finish(job_id, kind, None, str(exc))
        elif isinstance(exc, BrokenProcessPool):
            with self._cond:
                if not self._stop:
                    self._pool = self._new_pool()
            self._finish(job_id, kind, None, "the worker process died while running this job")
        else:
            log.error("job %s failed: %r", job_id, exc)
            self._finish(job_id, kind, None, f"internal error: {type(exc).__name__}: {exc}")

    def _finish(
        self, job_id: str, kind: str, result: dict[str, Any] | None, error: str | None
    ) -> None:
        with self._cond:
            stopping = self._stop
        if stopping:
            return
        try:
            self.store.finish_job(job_id, result=result, error=error)
        except Exception:
            log.exception("cannot record job %s", job_id)
            error = "could not store the result"
        finally:
            with self._cond:
                self._running -= 1
                ev = self._done_events.pop(job_id, None)
                self._cond.notify_all()
        if ev is not None:
            ev.set()
        self.bus.publish(kind, {"id": job_id, "status": "failed" if error is not None else "done"})
