"""Ensembles on an engine: the members of one `predict.PredictPlan` in chunks.

The plan (validated parameters, stages, the wind field and its error model, the terrain) is
shared once per worker (`Engine.share`); each task integrates members ``first .. first + count
- 1`` (`PredictPlan.run`, which draws only those members' perturbations, keyed by their global
index) and sends back their end states (and their paths when asked). The client joins the
chunks in member order (`PredictPlan.collect`, `PredictPlan.finish`), so the `Prediction` is
identical to ``predict(...)`` in-process with the same seed, whatever the engine and the
chunking.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..predict.core import PredictChunk, Prediction, PredictPlan
from .engine import Engine, InProcessEngine

__all__ = ["run_prediction", "chunk_size"]

#: the most members one task integrates (bounds a worker's memory: ~4 KB of wind modes and,
#: with paths, ~7 KB per member for 48 h at 10 min)
MAX_CHUNK = 20_000
#: the fewest members worth a task (below this the task overhead dominates)
MIN_CHUNK = 500


def chunk_size(members: int, engine: Engine) -> int:
    """Members per task: enough tasks to keep every worker busy (4 per worker, so a slow
    one does not hold up the end) but no more than `MAX_CHUNK` and no fewer than
    `MIN_CHUNK` members in each; in-process, 20 chunks (progress) of 500 .. 20,000."""
    n = max(int(members), 1)
    if isinstance(engine, InProcessEngine):
        return min(max(MIN_CHUNK, math.ceil(n / 20)), MAX_CHUNK)
    tasks = max(4 * max(engine.workers, 1), math.ceil(n / MAX_CHUNK))
    return min(max(MIN_CHUNK, math.ceil(n / tasks)), MAX_CHUNK)


def _run_chunk(plan: PredictPlan, item: tuple[int, int, bool, str, bool]) -> PredictChunk:
    first, count, paths, dtype, tops = item
    return plan.run(first, count, paths=paths, path_dtype=np.dtype(dtype), top_points=tops)


def run_prediction(
    plan: PredictPlan,
    *,
    engine: Engine | None = None,
    chunk: int | None = None,
    paths: bool = True,
    path_dtype: Any = np.float64,
    top_points: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Prediction:
    """Run a `PredictPlan`'s members on ``engine`` (default in-process) and join them.

    Parameters
    ----------
    plan : from `predict.plan_prediction` (the same parameters as `predict.predict`).
    engine : an `Engine` (`open_engine`); None runs in this process.
    chunk : members per task (default `chunk_size`); the result does not depend on it.
    paths, path_dtype : keep the members' paths (see `predict.predict`); without them a task
        returns ~80 bytes per member.
    top_points : with ``paths=False``, each task still integrates its members' paths (in
        ``path_dtype``) and returns their highest points and starts (~60 bytes per member
        more), so the flight's key points (`report.keypoints.flight_summary`) are the same
        as with the paths.
    progress : ``callable(done_members, total_members)`` as chunks arrive.

    Returns
    -------
    The `Prediction`, identical to ``predict(...)`` with the plan's parameters, except
    ``elapsed_s`` (wall time of the distributed run, including the transfers).
    """
    eng = engine if engine is not None else InProcessEngine()
    size = chunk_size(plan.members, eng) if chunk is None else int(chunk)
    if size < 1:
        raise ConfigError(f"chunk must be >= 1 member, got {chunk!r}")
    dtype = np.dtype(path_dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ConfigError(f"path_dtype must be float64 or float32, got {path_dtype!r}")
    t0 = _time.perf_counter()
    items = [(a, c, bool(paths), dtype.name, bool(top_points)) for a, c in plan.chunks(size)]
    shared = eng.share(plan)
    arrivals = (r for _, r in eng.run(_run_chunk, items, shared=shared))
    chunks, stored = plan.collect(arrivals, progress=progress)
    return plan.finish(chunks, paths=stored, elapsed_s=_time.perf_counter() - t0)
