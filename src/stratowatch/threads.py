"""Numba's parallel loops on small inputs run on the calling thread alone (`serial_below`).

A parallel loop ends at a barrier that waits until every worker thread has run its share. On
a busy machine (a service answering several requests at once, the demo's two processes, a
user's other work) a worker is often not scheduled when the loop starts, and the barrier
then waits for the operating system's next time slice: milliseconds, whatever the size of the
loop. Measured on the project's 2-core machine under a load average of 2 (numba's OpenMP
layer): a 1-member 48 h prediction took 6.1 ms (median) / 16.1 ms (p90) with two threads,
against 0.9 / 1.2 ms on one. So a loop whose work is below a few milliseconds runs on one
thread. `numba.set_num_threads` applies to the calling thread only, so other threads (the
service's requests, the demo's second thread) keep theirs, and the results are the same
(every member or point is computed alone, in the same order of operations).

Each caller states its work in its own unit (member-steps, points, draws) and the minimum
worth two threads, from its measured cost per unit (``docs/benchmarks.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["serial_below"]


@contextmanager
def serial_below(work: float, minimum: float) -> Iterator[None]:
    """Within the block, numba's parallel loops called from this thread use one thread when
    ``work < minimum``; otherwise nothing changes."""
    if work >= minimum:
        yield
        return
    import numba  # already imported by every caller's compiled code

    n = numba.get_num_threads()
    if n == 1:
        yield
        return
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(n)
