"""Measure how often the engagement planner's 90 % intervals hold the truth.

For each test window (a break-up position cloud: a centre and a 1-sigma Gaussian position
error per axis, 18.3 km, 2023-02-01 19:00Z, climatology winds with their measured error), the
*truth* is the model's expectation estimated with many samples and no smoothing (``--truth-falls``
falls, each laid at ``--truth-placements`` fresh positions: the model's own definition of Ec,
P(land), P(US territory)); then ``--runs`` independent runs of `plan_engagement` as the CLI
runs it (40 break-up positions x 5 placements, 3 fragments per class, a new debris-wind
ensemble and seed per run) report their intervals, and we count how many hold the truth.

Run: ``.venv/bin/python tools/engage_coverage.py [--runs 40] [--smoothing 0 0.3] [--json F]``
(~10-20 min on 2 cores). The table goes to docs/assessment.md.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

from stratowatch.assess import FlightPath, plan_engagement
from stratowatch.assess.debris import break_up_and_fall, land_scores, realisation_scores
from stratowatch.assess.engage import _place
from stratowatch.assess.planner import ensemble_wind
from stratowatch.geo import offset_m, territory_at
from stratowatch.timeutil import to_epoch

T0 = to_epoch("2023-02-01T19:00Z")
ALT = 18_300.0
# name: (lat, lon, 1-sigma position error per axis m, what)
WINDOWS = {
    "rural": (46.2, -104.0, 40_000.0, "rural Montana / Dakotas border"),
    "city": (45.95, -108.3, 30_000.0, "25 km north-east of Billings, MT"),
    "coast": (33.55, -78.88, 25_000.0, "off Surfside Beach, SC (the 2023 engagement)"),
    "offshore": (41.0, -69.0, 60_000.0, "Atlantic, ~80 km south-east of Cape Cod"),
}


def _positions(
    lat: float, lon: float, sigma: float, shape: tuple[int, ...], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    e = rng.standard_normal(shape) * sigma
    n = rng.standard_normal(shape) * sigma
    la, lo = offset_m(np.full(shape, lat), np.full(shape, lon), e, n)
    return np.asarray(la), np.asarray(lo)


def truth(
    name: str, *, falls: int, placements: int, chunk: int = 500, seed: int = 777
) -> dict[str, float]:
    """Unsmoothed high-sample expectation of Ec, P(land), P(US) for one window."""
    lat, lon, sigma, _ = WINDOWS[name]
    rng = np.random.default_rng(seed)
    ec: list[np.ndarray] = []
    land: list[np.ndarray] = []
    us = 0.0
    n_us = 0
    for c in range(0, falls, chunk):
        n = min(chunk, falls - c)
        wind = ensemble_wind("climatology", members=n, seed=seed + 1 + c)
        b_lat, b_lon = _positions(lat, lon, sigma, (1, n * placements), rng)
        imp = break_up_and_fall(
            [T0], b_lat[:, :n], b_lon[:, :n], ALT, wind, samples=3, seed=seed + 2 + c
        )
        placed = _place(imp, b_lat, b_lon, n, placements)
        rs = realisation_scores(placed, smoothing=0.0)
        any_land, _ = land_scores(imp)
        ec.append(rs.ec[0])
        land.append(any_land[0])
        terr = territory_at(b_lat, b_lon)
        us += float((terr == "US").sum())
        n_us += terr.size
    e = np.concatenate(ec)
    la = np.concatenate(land)
    return {
        "ec": float(e.mean()),
        "ec_se": float(e.std(ddof=1) / math.sqrt(e.size)),
        "p_land": float(la.mean()),
        "p_land_se": float(la.std(ddof=1) / math.sqrt(la.size)),
        "p_us": us / n_us,
        "falls": falls,
        "placements": placements,
    }


def runs(name: str, *, n_runs: int, smoothing: float, seed0: int = 100) -> list[dict[str, float]]:
    lat, lon, sigma, _ = WINDOWS[name]
    path = FlightPath.from_arrays([T0], [lat], [lon], [ALT])
    out = []
    for k in range(n_runs):
        seed = seed0 + k
        wind = ensemble_wind("climatology", members=40, seed=10_000 + seed)
        plan = plan_engagement(
            path,
            wind,
            hours=0,
            positions=40,
            placements=5,
            position_sigma_m=sigma,
            samples=3,
            seed=seed,
            smoothing=smoothing,
        )
        (w,) = plan.windows
        us = next(((p, lo, hi) for c, p, lo, hi in w.p_territory if c == "US"), None)
        n_all = w.realisations * 5
        if us is None:  # no position in US territory: Wilson bound of 0 of n
            from stratowatch.assess.stats import wilson_interval

            lo_a, hi_a = wilson_interval([0], n_all)
            us = (0.0, float(lo_a[0]), float(hi_a[0]))
        out.append(
            {
                "ec": w.ec,
                "ec_lo_s": w.ec_lo_sampling,
                "ec_hi_s": w.ec_hi_sampling,
                "ec_lo": w.ec_lo,
                "ec_hi": w.ec_hi,
                "p_land": w.p_land,
                "p_land_lo": w.p_land_lo,
                "p_land_hi": w.p_land_hi,
                "p_us": us[0],
                "p_us_lo": us[1],
                "p_us_hi": us[2],
            }
        )
    return out


def summarize(tr: dict[str, float], rr: list[dict[str, float]]) -> dict[str, float]:
    ec = np.array([r["ec"] for r in rr])
    cov_s = np.mean([r["ec_lo_s"] <= tr["ec"] <= r["ec_hi_s"] for r in rr])
    cov_t = np.mean([r["ec_lo"] <= tr["ec"] <= r["ec_hi"] for r in rr])
    below = np.mean([r["ec_hi_s"] < tr["ec"] for r in rr])
    cov_l = np.mean([r["p_land_lo"] <= tr["p_land"] <= r["p_land_hi"] for r in rr])
    cov_u = np.mean([r["p_us_lo"] <= tr["p_us"] <= r["p_us_hi"] for r in rr])
    hw = np.median([(r["ec_hi_s"] - r["ec_lo_s"]) / 2 for r in rr])
    return {
        "truth_ec": tr["ec"],
        "truth_ec_se": tr["ec_se"],
        "mean_ec": float(ec.mean()),
        "bias": float(ec.mean() / tr["ec"] - 1.0) if tr["ec"] > 0 else float("nan"),
        "sd_ec": float(ec.std(ddof=1)),
        "median_half_width": float(hw),
        "cover_sampling": float(cov_s),
        "cover_total": float(cov_t),
        "upper_below_truth": float(below),
        "truth_p_land": tr["p_land"],
        "cover_p_land": float(cov_l),
        "truth_p_us": tr["p_us"],
        "cover_p_us": float(cov_u),
        "runs": len(rr),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--windows", nargs="*", default=list(WINDOWS))
    ap.add_argument("--smoothing", type=float, nargs="*", default=[0.0, 0.3])
    ap.add_argument("--truth-falls", type=int, default=2000)
    ap.add_argument("--truth-placements", type=int, default=50)
    ap.add_argument("--json", help="write the results to this file")
    a = ap.parse_args(argv)
    results: dict[str, object] = {}
    for name in a.windows:
        t = time.perf_counter()
        tr = truth(name, falls=a.truth_falls, placements=a.truth_placements)
        print(
            f"{name}: truth Ec {tr['ec']:.3g} +- {tr['ec_se']:.2g}, P(land) {tr['p_land']:.3f}, "
            f"P(US) {tr['p_us']:.3f} ({time.perf_counter() - t:.0f} s)",
            flush=True,
        )
        for k in a.smoothing:
            t = time.perf_counter()
            s = summarize(tr, runs(name, n_runs=a.runs, smoothing=k))
            results[f"{name}/{k:g}"] = s
            print(
                f"  smoothing {k:g}: cover Ec sampling {s['cover_sampling']:.2f} (total "
                f"{s['cover_total']:.2f}, upper < truth {s['upper_below_truth']:.2f}), bias "
                f"{s['bias']:+.2f}, run sd {s['sd_ec']:.2g}, half-width {s['median_half_width']:.2g}; "
                f"P(land) {s['cover_p_land']:.2f}, P(US) {s['cover_p_us']:.2f} "
                f"({time.perf_counter() - t:.0f} s)",
                flush=True,
            )
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
