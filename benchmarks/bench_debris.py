"""Debris fall and scoring: 100,000 fragments in a 50-member wind ensemble from 18 km.

One break-up over Billings, MT (2023-02-01 19:00Z, 18 km) with the default fragment classes
(envelope fabric, payload structure, solar panels, small fragments): 500 representatives of each
class in each of 50 members of the perturbed climatology = 100,000 trajectories (2,000 per
member), each with full 3-D drag down to the ground; then Ec / P(land) scoring against the
population model and the 50/90/99 % footprint. A warm-up run compiles the kernels first.

Then what users run: `stratowatch engage` from Billings over 120 h, hourly windows, each
broken up at 40 forecast members' positions (the issue 9 command), timed as a subprocess; and
the same plan in the library (40 falls per window, each laid at 5 of 200 member positions)
against the planner before issue 9 (the median point in 10 wind members, 4 per class) as the
baseline measured in the same run.

Run: .venv/bin/python benchmarks/bench_debris.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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
    engage_bench()


def engage_bench() -> None:
    from stratowatch.assess.engage import plan_engagement
    from stratowatch.assess.path import FlightPath
    from stratowatch.assess.planner import predicted_path

    path = predicted_path(
        "2023-02-01T19:00Z", 45.78, -108.5, 18_300.0, wind="climatology", hours=120, members=200
    )
    wind = ensemble_wind("climatology", members=40, seed=2)
    kw = {"every": 3600.0, "hours": 120.0, "seed": 1}
    # baseline: the planner before issue 9, the median point in 10 wind members, 4 per class
    med = np.median(path.lat, axis=0), np.median(path.lon, axis=0), np.median(path.alt, axis=0)
    median_path = FlightPath.from_arrays(path.times, *med)
    old = {"positions": 10, "placements": 1, "samples": 4}
    plan_engagement(median_path, wind, **old, **kw)  # warm-up (tiles, kernels)
    start = time.perf_counter()
    plan_engagement(median_path, wind, **old, **kw)
    t_median = time.perf_counter() - start
    start = time.perf_counter()
    plan = plan_engagement(path, wind, positions=40, placements=5, samples=3, **kw)
    t_members = time.perf_counter() - start
    print(
        f"plan 121 windows: median point x 10 wind members {t_median:.2f} s; 40 falls x 5 "
        f"placements at member positions {t_members:.2f} s (ratio {t_members / t_median:.1f}x)"
    )
    exe = Path(sys.executable).with_name("stratowatch")
    cmd = [str(exe), "engage", "--lat", "45.78", "--lon", "-108.5", "--alt", "18300"]
    cmd += ["--time", "2023-02-01T19:00Z", "--hours", "120", "--every", "60", "--seed", "1"]
    start = time.perf_counter()
    subprocess.run([*cmd, "--json"], check=True, capture_output=True)
    t_cli = time.perf_counter() - start
    print(
        f"CLI engage --hours 120 --every 60 (forecast + 121 x 40 break-ups): {t_cli:.1f} s "
        f"({t_cli / t_members:.1f}x the library plan; load {os.getloadavg()[0]:.1f})"
    )
    print(f"windows ok: {sum(w.ok for w in plan.windows)}")


if __name__ == "__main__":
    main()
