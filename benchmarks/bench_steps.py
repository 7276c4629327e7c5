"""Integration error of the default time step against the ensemble's own spread.

A float ensemble (48 h at 18.3 km from Montana, 2023-02-01 19 UTC, the issue 14 start) is run
with the largest step ``dt_s`` at 600 s ... 7,200 s and compared, member by member, with the
same members (same seed: the same wind errors) run at 300 s steps. Printed per step: the
distance between the two end points (median, p90, p99, max, km), the order of convergence
from the medians of successive steps (Heun's scheme is second order: 2.0), and, for scale, the
ensemble's own spread: the median and 90th-percentile distance of the members' ends from
their median end (r50, r90). Accuracy, not speed: no timing here.

Two winds: the embedded climatology (a 10-degree grid: the 1 h bound of the step decides) and
the GFS sample in ../shared/data (2.5-degree grid: the 0.75-cell bound of the step shortens
the steps in fast flow) when it is there.

Run: .venv/bin/python benchmarks/bench_steps.py [--members 3000]
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np

from stratowatch.predict import predict
from stratowatch.predict.regions import distance_km

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("STRATOWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
GFS_FILE = DATA / "wind" / "gfs_2011011012_f120_2p5deg.grib2"
STEPS = (600.0, 1800.0, 3600.0, 7200.0)
REF_STEP = 300.0


def _ends(dt: float, members: int, wind: str, start: dict[str, object]) -> tuple:
    p = predict(dt_s=dt, members=members, seed=3, wind=wind, hours=48.0, **start)  # type: ignore[arg-type]
    return p.lat[:, -1].astype(float), p.lon[:, -1].astype(float), p.member_steps / members


def run(wind: str, start: dict[str, object], members: int) -> None:
    rlat, rlon, _ = _ends(REF_STEP, members, wind, start)
    ok = np.isfinite(rlat)
    clat, clon = float(np.median(rlat[ok])), float(np.median(rlon[ok]))
    spread = distance_km(np.full(ok.sum(), clat), np.full(ok.sum(), clon), rlat[ok], rlon[ok])
    print(f"\n{wind}: {members:,} members, 48 h float; reference: {REF_STEP:.0f} s steps")
    print(f"  ensemble spread of the ends: r50 {np.median(spread):,.0f} km, "
          f"r90 {np.percentile(spread, 90):,.0f} km")  # fmt: skip
    print("  dt_s    steps/member   end error km: median     p90     p99      max   order")
    prev = None
    for dt in STEPS:
        lat, lon, steps = _ends(dt, members, wind, start)
        both = ok & np.isfinite(lat)
        d = distance_km(rlat[both], rlon[both], lat[both], lon[both])
        med = float(np.median(d))
        order = "" if prev is None else f"{math.log(med / prev[1]) / math.log(dt / prev[0]):5.2f}"
        mark = "  (default)" if dt == 3600.0 else ""
        print(f"  {dt:5.0f}  {steps:12.1f}  {med:20.3f} {np.percentile(d, 90):7.2f} "
              f"{np.percentile(d, 99):7.2f} {d.max():8.2f}   {order}{mark}")  # fmt: skip
        prev = (dt, med)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=3000)
    args = ap.parse_args()
    run("climatology", {"time": "2023-02-01T19:00Z", "lat": 45.78, "lon": -108.5, "alt": 18300.0},
        args.members)  # fmt: skip
    if GFS_FILE.exists():
        run(str(GFS_FILE), {"time": "2011-01-15T12:00Z", "lat": 47.5, "lon": -111.0,
                            "alt": 18000.0}, args.members)  # fmt: skip
    else:
        print(f"\n(no {GFS_FILE}: the GFS case is skipped)")


if __name__ == "__main__":
    main()
