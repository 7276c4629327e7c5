"""Debris fall and scoring: 100,000 fragments in a 50-member wind ensemble from 18 km.

One break-up over Billings, MT (2023-02-01 19:00Z, 18 km) with the default fragment classes
(envelope fabric, payload structure, solar panels, small fragments): 500 representatives of each
class in each of 50 members of the perturbed climatology = 100,000 trajectories (2,000 per
member), each with full 3-D drag down to the ground; then Ec / P(land) scoring against the
population model and the 50/90/99 % footprint. A warm-up run compiles the kernels first.

Run: .venv/bin/python benchmarks/bench_debris.py
"""

from __future__ import annotations

import os
import time

import numpy as np

from stratowatch.assess.debris import break_up_and_fall, footprint, score_impacts
from stratowatch.assess.planner import ensemble_wind
from stratowatch.timeutil import to_epoch


def main() -> None:
    # the planner's debris ensemble: perturbed climatology, 16 Fourier modes per member
    wind = ensemble_wind("climatology", members=50, seed=1)
    t0 = to_epoch("2023-02-01T19:00Z")
    args = ([t0], [45.78], [-108.5], [18_000.0], wind)
    imp = break_up_and_fall(*args, samples=2)  # warm-up: compile / load caches
    score_impacts(imp)
    footprint(imp)

    start = time.perf_counter()
    imp = break_up_and_fall(*args, samples=500, seed=7)
    t_fall = time.perf_counter() - start
    start = time.perf_counter()
    (score,) = score_impacts(imp)
    fp = footprint(imp, break_time=t0)
    t_score = time.perf_counter() - start
    n = imp.lat.size
    falls = ", ".join(
        f"{c.name} {np.median(imp.time[imp.cls == k] - t0) / 60:.0f}"
        for k, c in enumerate(imp.classes)
    )
    print(f"fragments: {n:,} ({imp.members} wind members x {n // imp.members:,})")
    print(f"median fall time (min): {falls}")
    print(
        f"fall: {t_fall:.2f} s ({n / t_fall:,.0f} fragments/s), all landed: {bool(imp.landed.all())}"
    )
    print(f"score + footprint: {t_score:.2f} s")
    print(
        f"total: {t_fall + t_score:.2f} s (load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)"
    )
    print(
        f"Ec {score.ec:.3g}, P(land) {score.p_land:.2f}, footprint 50/90/99 %: "
        + ", ".join(f"{fp.areas[p] / 1e6:.1f}" for p in (50, 90, 99))
        + " km2"
    )


if __name__ == "__main__":
    main()
