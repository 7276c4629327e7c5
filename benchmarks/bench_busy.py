"""Small predictions on a busy machine: one thread for small parallel loops vs two.

A parallel loop ends at a barrier that waits for every worker thread; when the machine is
busy a worker is often not scheduled and the barrier waits for the operating system's next
time slice (`stratowatch.threads`). This benchmark times the predictions a service or the
demo makes many of (1 member; 50 members; a 1-member standard flight, the Tawhiri API's
profile), in process, with the machine quiet and then with two busy-looping processes (one
per core), for the code as it is (`serial_below`: one thread below a few ms of work) against
the same code with `serial_below` switched off (every loop on all threads: the baseline).

    .venv/bin/python benchmarks/bench_busy.py [--runs 40]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any


def _spin(stop: Any) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


@contextlib.contextmanager
def _busy(n: int) -> Iterator[None]:
    stop = mp.Event()
    procs = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    time.sleep(0.5)
    try:
        yield
    finally:
        stop.set()
        for p in procs:
            p.join(5)


@contextlib.contextmanager
def _all_threads() -> Iterator[None]:
    """The baseline: `serial_below` never switches to one thread."""
    import importlib

    # (``stratowatch.flight.integrate`` as an attribute is the function of that name)
    names = ("atmosphere.perturb", "atmosphere.uncertainty.model", "flight.integrate", "geo.land")
    mods = [importlib.import_module(f"stratowatch.{n}") for n in names]

    @contextlib.contextmanager
    def never(work: float, minimum: float) -> Iterator[None]:
        yield

    old = [m.serial_below for m in mods]
    for m in mods:
        m.serial_below = never  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for m, f in zip(mods, old, strict=True):
            m.serial_below = f  # type: ignore[attr-defined]


def _times(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return statistics.median(ts) * 1e3, ts[int(0.9 * (len(ts) - 1))] * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=40)
    ns = ap.parse_args()
    import numba

    from stratowatch.predict import predict

    start = dict(time="2023-02-01T19:00Z", lat=45.78, lon=-108.5, wind="climatology", seed=3)
    cases: dict[str, Callable[[], Any]] = {
        "float, 1 member, 48 h": lambda: predict(alt=18_300, hours=48, members=1, **start),
        "float, 50 members, 48 h": lambda: predict(alt=18_300, hours=48, members=50, **start),
        "standard flight, 1 member": lambda: predict(
            alt=1_000,
            profile="standard",
            ascent_rate=5.0,
            burst_alt=30_000.0,
            descent_rate=5.0,
            members=1,
            hours=6,
            **start,
        ),  # fmt: skip
    }
    print(f"cores: {os.cpu_count()}, numba threads {numba.get_num_threads()}, layer "
          f"{numba.threading_layer() if numba.get_num_threads() else '?'}; {ns.runs} runs each; "
          "median / p90 in ms")  # fmt: skip
    for load, ctx in (
        ("quiet", contextlib.nullcontext()),
        ("busy (2 spinning processes)", _busy(2)),
    ):
        with ctx:
            print(f"\n{load}, load average {os.getloadavg()[0]:.1f}:")
            for name, fn in cases.items():
                m1, p1 = _times(fn, ns.runs)
                with _all_threads():
                    m2, p2 = _times(fn, ns.runs)
                print(f"  {name}: one thread for small loops {m1:.1f} / {p1:.1f}; all threads "
                      f"{m2:.1f} / {p2:.1f} (median {m2 / m1:.2f}x, p90 {p2 / p1:.2f}x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
