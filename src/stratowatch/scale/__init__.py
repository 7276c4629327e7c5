"""Scale out: the same computations in-process, on threads, or on a Dask cluster.

- `engine`: `open_engine("local" | "tcp://host:8786" | ...)`, the `Engine` classes.
- `ensemble`: `run_prediction(plan, engine=...)`: an ensemble's members in chunks.
- `sweep`: `run_sweep(spec, engine=...)`: launch times x flight parameters, a table.
- `campaign`: `run_campaign(flights, options, engine=...)`: a hindcast campaign, a flight
  per task.
- `warmup`: compile the numba kernels once (after install) so first runs start fast.

Members are seeded by their index (`predict.plan_prediction`), so every engine and every
chunking gives identical results; see ``docs/scale.md``.
"""

from __future__ import annotations

from .engine import DaskEngine, Engine, InProcessEngine, ThreadEngine, engine_spec, open_engine
from .ensemble import chunk_size, run_prediction

__all__ = [
    "Engine",
    "InProcessEngine",
    "ThreadEngine",
    "DaskEngine",
    "open_engine",
    "engine_spec",
    "run_prediction",
    "chunk_size",
]
