"""Engines that run independent tasks: in-process (the default), a thread pool, or a Dask
distributed cluster (a running scheduler, or a `LocalCluster` started for the run).

Every engine does the same two things:

- `Engine.share` puts one object (a wind field, a prediction plan) where the tasks run, once:
  in-process and threads keep the object itself; Dask scatters it to every worker
  (``broadcast=True``), so a wind field is pickled and sent once per worker, never re-read or
  re-sent per task.
- `Engine.run` calls ``fn(shared, item)`` for each item and yields ``(index, result)`` as
  results arrive (any order); `Engine.map` returns them in item order.

Tasks must be pure functions of their arguments (members seeded by their index): then any
engine, any number of workers and any chunking give identical results.

Choosing an engine (`open_engine`): ``None``, ``""`` or ``"inprocess"``; ``"threads"`` or
``"threads:N"``; ``"local"`` or ``"local:N"`` (a `distributed.LocalCluster` of N single-threaded
worker processes, closed with the engine); ``"tcp://host:8786"`` (any address a
`distributed.Client` takes, e.g. from ``dask scheduler``, dask-jobqueue or the Dask helm
chart); or a scheduler file (``*.json``, as written by ``dask scheduler --scheduler-file``).
The environment variable ``STRATOWATCH_SCHEDULER`` gives the default.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ConfigError

__all__ = [
    "Engine",
    "InProcessEngine",
    "ThreadEngine",
    "DaskEngine",
    "open_engine",
    "engine_spec",
    "ENV_SCHEDULER",
]

ENV_SCHEDULER = "STRATOWATCH_SCHEDULER"
T = TypeVar("T")
R = TypeVar("R")


def _cpu_count() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def _set_compiled_threads(n: int) -> None:
    """Threads the compiled kernels of this task may use (numba's count is per thread)."""
    import numba

    numba.set_num_threads(max(1, min(int(n), int(numba.config.NUMBA_NUM_THREADS))))  # type: ignore[attr-defined]


class Engine:
    """Base class: run ``fn(shared, item)`` over items (see module notes).

    Attributes
    ----------
    name : ``inprocess``, ``threads`` or ``dask``.
    workers : how many tasks run at once (the total threads of a Dask cluster).
    """

    name = "engine"

    @property
    def workers(self) -> int:
        return 1

    def share(self, obj: Any) -> Any:
        """A handle to ``obj`` for the tasks (the object itself unless distributed)."""
        return obj

    def run(
        self, fn: Callable[[Any, T], R], items: Sequence[T], *, shared: Any = None
    ) -> Iterator[tuple[int, R]]:
        """Yield ``(index, fn(shared_obj, items[index]))`` as each task finishes."""
        raise NotImplementedError

    def map(
        self,
        fn: Callable[[Any, T], R],
        items: Sequence[T],
        *,
        shared: Any = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[R]:
        """``[fn(shared_obj, item) for item in items]``, computed by the engine, in order;
        ``progress(done, total)`` after each task."""
        out: list[Any] = [None] * len(items)
        for k, (i, r) in enumerate(self.run(fn, items, shared=shared), start=1):
            out[i] = r
            if progress is not None:
                progress(k, len(items))
        return out

    def describe(self) -> dict[str, Any]:
        """What runs the tasks (for ``--json`` outputs and logs)."""
        return {"engine": self.name, "workers": self.workers}

    def close(self) -> None:
        """Release the engine's resources (threads, a cluster it started)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessEngine(Engine):
    """Run the tasks one after the other in this process (the compiled kernels still use
    every core)."""

    name = "inprocess"

    def run(
        self, fn: Callable[[Any, T], R], items: Sequence[T], *, shared: Any = None
    ) -> Iterator[tuple[int, R]]:
        for i, item in enumerate(items):
            yield i, fn(shared, item)


class ThreadEngine(Engine):
    """Run the tasks on ``threads`` threads of this process, each task's compiled kernels on
    one thread (they release the GIL)."""

    name = "threads"

    def __init__(self, threads: int | None = None) -> None:
        n = _cpu_count() if threads is None else int(threads)
        if n < 1:
            raise ConfigError(f"threads must be >= 1, got {threads!r}")
        self._n = n
        self._pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="stratowatch")
        self._per_task = max(1, _cpu_count() // n)

    @property
    def workers(self) -> int:
        return self._n

    def _call(self, fn: Callable[[Any, T], R], shared: Any, item: T) -> R:
        _set_compiled_threads(self._per_task)
        return fn(shared, item)

    def run(
        self, fn: Callable[[Any, T], R], items: Sequence[T], *, shared: Any = None
    ) -> Iterator[tuple[int, R]]:
        futures: dict[Future[R], int] = {
            self._pool.submit(self._call, fn, shared, item): i for i, item in enumerate(items)
        }
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield futures[f], f.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _dask_task(fn: Callable[[Any, T], R], shared: Any, item: T) -> R:
    """Run one task on a Dask worker thread: its compiled kernels on that one thread (Dask
    runs one task per worker thread; give workers as many threads as they have cores)."""
    _set_compiled_threads(1)
    return fn(shared, item)


class DaskEngine(Engine):
    """Run the tasks on a Dask distributed cluster.

    Parameters
    ----------
    address : a scheduler address (``tcp://host:8786``), a scheduler file (JSON), or
        ``local`` / ``local:N`` to start a `distributed.LocalCluster` of N worker processes
        with one thread each (default: one per core), closed with the engine.
    timeout_s : how long to wait for the scheduler (s).
    """

    name = "dask"

    def __init__(self, address: str, *, timeout_s: float = 20.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise ConfigError(
                "the Dask engine needs the 'distributed' package (pip install 'dask[distributed]')"
            ) from exc
        self._cluster: Any = None
        self.address = address
        spec = address.strip()
        try:
            if spec == "local" or spec.startswith("local:"):
                n = _cpu_count() if spec == "local" else _positive(spec[6:], "local:N")
                self._cluster = LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=40,
                )  # fmt: skip
                self.client = Client(self._cluster, timeout=f"{timeout_s}s")
            elif spec.endswith(".json"):
                if not Path(spec).is_file():
                    raise ConfigError(f"scheduler file {spec} does not exist")
                self.client = Client(scheduler_file=spec, timeout=f"{timeout_s}s")
            else:
                self.client = Client(spec, timeout=f"{timeout_s}s")
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ConfigError(
                f"cannot reach the Dask scheduler at {spec!r} within {timeout_s:g} s ({exc}); "
                "start one (`dask scheduler` and `dask worker ADDRESS`), or use "
                "--scheduler local"
            ) from None
        self._lock = threading.Lock()

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        return int(sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def share(self, obj: Any) -> Any:
        if self.workers == 0:
            self.client.wait_for_workers(1, timeout=60)
        return self.client.scatter(obj, broadcast=True, hash=False)

    def run(
        self, fn: Callable[[Any, T], R], items: Sequence[T], *, shared: Any = None
    ) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        futures = [self.client.submit(_dask_task, fn, shared, item, pure=False) for item in items]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for f in as_completed(futures):
                i = index[f.key]
                yield i, f.result()
                futures[i] = None  # type: ignore[call-overload]  # release the result
        finally:
            alive = [f for f in futures if f is not None]
            if alive:
                self.client.cancel(alive)

    def describe(self) -> dict[str, Any]:
        info = self.client.scheduler_info()
        ws = info.get("workers", {})
        return {
            "engine": self.name,
            "scheduler": "local" if self._cluster is not None else self.address,
            "workers": len(ws),
            "threads": int(sum(w.get("nthreads", 1) for w in ws.values())),
        }

    def close(self) -> None:
        with self._lock:
            try:
                self.client.close()
            finally:
                if self._cluster is not None:
                    self._cluster.close()
                    self._cluster = None


def _positive(text: str, what: str) -> int:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not (math.isfinite(v) and v >= 1 and v == int(v)):
        raise ConfigError(f"{what}: expected a whole number >= 1, got {text!r}")
    return int(v)


def engine_spec(scheduler: str | None) -> str:
    """The engine a ``--scheduler`` value asks for, with ``STRATOWATCH_SCHEDULER`` as the
    default (``inprocess`` when neither is set)."""
    spec = scheduler if scheduler is not None else os.environ.get(ENV_SCHEDULER, "")
    spec = spec.strip()
    return spec or "inprocess"


def open_engine(scheduler: str | None = None) -> Engine:
    """The engine for a ``--scheduler`` value (see module notes); close it when done (it is a
    context manager)."""
    spec = engine_spec(scheduler)
    low = spec.lower()
    if low in ("inprocess", "none", "in-process", "serial"):
        return InProcessEngine()
    if low == "threads" or low.startswith("threads:"):
        return ThreadEngine(None if low == "threads" else _positive(low[8:], "threads:N"))
    if (
        low == "local"
        or low.startswith("local:")
        or "://" in spec
        or spec.endswith(".json")
        or (":" in spec and spec.rsplit(":", 1)[1].isdigit())
    ):
        return DaskEngine(spec)
    raise ConfigError(
        f"unknown scheduler {spec!r}; expected inprocess, threads[:N], local[:N], a Dask "
        "scheduler address (tcp://host:8786) or a scheduler file (*.json)"
    )
