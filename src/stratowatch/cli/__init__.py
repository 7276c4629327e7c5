"""The `stratowatch` command line: thin; parse, call the library, present with rich.

Importing it (the ``stratowatch`` command does, before numpy) holds OpenBLAS to one thread
unless ``OPENBLAS_NUM_THREADS`` is set: the commands' parallelism is numba's threads (one per
core) and Dask's workers, and no BLAS call here is big enough to gain from more (the largest
are the trackers' 6x6 covariances). Each OpenBLAS library (numpy's and scipy's) otherwise
starts a pool of worker threads that spin after use, taking CPU from the integrators' threads
on a small machine: ``predict`` of 100,000 members x 48 h used 6 % less CPU time without them
at the same wall time (``docs/benchmarks.md``). The library itself leaves the setting alone.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
