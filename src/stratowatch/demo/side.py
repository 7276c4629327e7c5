"""A second process for the demo's Python-bound work (the motion analyses and the steering
stage: geodesics, hypotheses, NumPy; writing the KML and CZML layers), so that they run on the second core while the main
process runs the forecast stages; the interpreter lock keeps such work from overlapping in
threads.

Each job is a module-level function of picklable inputs and is deterministic (its random draws
come from its own seeded generators), so its result is the one the main process would compute.
When a process cannot be used (one core, a daemonic worker that may not start children,
inputs that do not pickle, a worker that died) the job runs in the main process instead, when
its result is asked for: the same function on the same inputs.
"""

from __future__ import annotations

import multiprocessing
import os
import time as _time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from ..lifeline import die_with_parent

__all__ = ["SideProcess", "side_wanted", "spare_core"]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _cpu_times() -> tuple[float, float] | None:
    """(idle, total) CPU time of the whole machine so far (Linux ``/proc/stat``, in ticks)."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            parts = fh.readline().split()
    except OSError:
        return None
    if not parts or parts[0] != "cpu":
        return None
    ticks = [float(x) for x in parts[1:]]
    return ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0), sum(ticks)


_SINCE = (_time.perf_counter(), _cpu_times())


def spare_core() -> bool:
    """True when this process may run on two CPUs or more and one of them is idle: the share
    of the machine left idle since this module was imported (the process's own start-up ran
    meanwhile) is at least 0.6 of a CPU; without ``/proc/stat``, or over too short a span, the
    1-minute load average is below the CPU count minus one. A second process only helps when
    a CPU is free: on a machine already busy it costs its overhead and gains nothing."""
    n = _cpus()
    if n < 2:
        return False
    t0, first = _SINCE
    now = _cpu_times()
    if first is not None and now is not None and _time.perf_counter() - t0 >= 0.2:
        idle, total = now[0] - first[0], now[1] - first[1]
        if total > 0:
            return idle / total * n >= 0.6
    try:
        return os.getloadavg()[0] < n - 1
    except OSError:
        return False


def side_wanted() -> bool:
    """Whether the demo uses its second process: ``STRATOWATCH_DEMO_SIDE=1`` or ``0`` decides,
    else `spare_core`."""
    env = os.environ.get("STRATOWATCH_DEMO_SIDE", "").strip()
    if env in ("0", "1"):
        return env == "1"
    return spare_core()


def _prepare() -> None:
    """The side process's first job: import what its jobs use while the main process reads the
    reports and builds the track."""
    from ..assess import steering  # noqa: F401
    from ..io import czml, kml  # noqa: F401
    from ..track import motion  # noqa: F401


def _timed(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, float]:
    t0 = _time.perf_counter()
    out = fn(*args)
    return out, _time.perf_counter() - t0


class SideJob:
    """One job: its result and duration (s) from the side process, or computed here."""

    def __init__(
        self, fn: Callable[..., Any], args: tuple[Any, ...], future: Future[Any] | None
    ) -> None:
        self._fn = fn
        self._args = args
        self._future = future

    def result(self) -> tuple[Any, float]:
        """``(result, seconds)``; an error of the job itself is raised as in the main process."""
        if self._future is not None:
            try:
                out: tuple[Any, float] = self._future.result()
                return out
            except Exception:  # noqa: BLE001 - rerun here: a real error is raised again below
                pass
        return _timed(self._fn, self._args)


def _start_method() -> str:
    """``fork`` (a copy of this process: no imports to repeat) while numba has not started its
    OpenMP threads here (the GNU OpenMP runtime does not survive a fork once started; numba then
    aborts the child), else ``spawn`` (a fresh interpreter that imports what it needs)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return "spawn"
    try:
        from numba.np.ufunc import parallel
    except ImportError:  # pragma: no cover - numba is a dependency
        return "spawn"
    started = getattr(parallel, "_is_initialized", True)
    return "spawn" if started else "fork"


class SideProcess:
    """A pool of one worker process, or none when ``enabled`` is False or it cannot start.

    The worker is forked when that is safe (`_start_method`; the demo starts it before its
    first compiled parallel loop), else spawned; ``method`` forces one."""

    def __init__(self, *, enabled: bool, method: str | None = None) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if not enabled:
            return
        try:
            method = method or _start_method()
            # the worker ends with this process, even when it is killed (`lifeline`)
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context(method),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
            self._pool.submit(_prepare)
        except Exception:  # noqa: BLE001 - e.g. a daemonic process may not have children
            self.close()

    def submit(self, fn: Callable[..., Any], *args: Any) -> SideJob:
        """Start ``fn(*args)`` in the side process (or later, here)."""
        future = None
        if self._pool is not None:
            try:
                future = self._pool.submit(_timed, fn, args)
            except Exception:  # noqa: BLE001 - a broken pool: run here
                future = None
        return SideJob(fn, args, future)

    def close(self) -> None:
        """Stop the worker (waiting for a running job only when every result was taken)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
