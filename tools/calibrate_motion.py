"""Re-measure the calibration of `explain_motion` (the table in docs/reachability.md).

Cases are drawn from the model's own prior in a known wind with direction shear (the field of
tests/track/test_motion.py): the explanation uniform over passive / altitude changes /
propulsion; levels every km of 15-22 km with the true altitude uniform within its level's cell;
a change at each report with probability 0.3 to another level (at least one for "changes");
an airspeed N(0, 5^2) m/s per component and piece for "propulsion"; five reports 6-12 h apart
with 20 km errors; a correlated wind error of 3 m/s (L 350 km, T 10 h). For each case the
verdict probabilities and the 90 % altitude intervals are compared with the truth.

Run: .venv/bin/python tools/calibrate_motion.py [--cases 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from stratowatch.atmosphere.perturb import PerturbedWind
from stratowatch.atmosphere.wind import GriddedWind, WindGrid, WindMeta
from stratowatch.flight.integrate import integrate
from stratowatch.flight.models import Float, Stage
from stratowatch.predict.reach import _kernel_threads
from stratowatch.track.motion import explain_motion
from stratowatch.track.observations import Observations, make_observations

ALTS = np.array([0.0, 14000, 15000, 16000, 17000, 18000, 19000, 20000, 21000, 22000, 23000, 40000])
T0 = 1.7e9
R = 6_371_008.8
KEYS = ("passive", "altitude_changes", "propulsion")


def shear_wind(bias: tuple[float, float] = (0.0, 0.0)) -> GriddedWind:
    step = 2.5
    lats = np.arange(-90, 90.01, step)
    lons = np.arange(0, 360 - 1e-9, step)
    la, lo = np.meshgrid(lats, lons, indexing="ij")
    th = np.clip((ALTS - 15000) / 7000, 0, 1) * np.pi
    sp = 15.0 * (1 + 0.25 * np.sin(np.radians(lo)))[None] * np.cos(np.radians(la))[None] ** 0.5
    u = sp * np.cos(th)[:, None, None] + bias[0]
    v = 0.6 * sp * np.sin(th)[:, None, None] + bias[1]
    shape = (1, ALTS.size, lats.size, lons.size)
    z = np.broadcast_to(ALTS.astype(np.float32)[None, :, None, None], shape)
    grid = WindGrid(
        np.zeros(1), -90.0, step, 0.0, step, np.ascontiguousarray(z),
        np.ascontiguousarray(u[None].astype(np.float32)),
        np.ascontiguousarray(v[None].astype(np.float32)), lon_periodic=True,
    )  # fmt: skip
    return GriddedWind(
        grid, WindMeta(source="shear", kind="analytic", grid_spacing_deg=step), strict_time=False
    )


SHEAR = shear_wind()


def case(rng: np.random.Generator, k: int) -> tuple[int, np.ndarray, Observations]:
    cls = int(rng.integers(3))
    n = 5
    times = T0 + np.concatenate([[0.0], np.cumsum(rng.uniform(6, 12, n - 1) * 3600.0)])
    lev = np.arange(15000.0, 22001.0, 1000.0)
    while True:
        idx = [int(rng.integers(lev.size))]
        for _ in range(n - 2):
            if cls != 0 and rng.random() < 0.3:
                idx.append(int(rng.choice([i for i in range(lev.size) if i != idx[-1]])))
            else:
                idx.append(idx[-1])
        if cls != 1 or len(set(idx)) > 1:
            break
    alts: list[float] = []
    for j, i in enumerate(idx):
        if j and i == idx[j - 1]:
            alts.append(alts[-1])
        else:
            alts.append(rng.uniform(max(lev[i] - 500, 15000), min(lev[i] + 500, 22000)))
    air = rng.normal(0.0, 5.0, (n - 1, 2)) if cls == 2 else None
    lat = [rng.uniform(25, 50)]
    lon = [rng.uniform(-150, 150)]
    for j in range(n - 1):
        base = SHEAR if air is None else shear_wind((float(air[j, 0]), float(air[j, 1])))
        wind = PerturbedWind(base, members=k + 1, sigma=3.0, seed=12345)
        with _kernel_threads(0):
            r = integrate(
                [Stage(Float(), dt_max=600.0)], wind, times[j], lat[-1], lon[-1], alts[j],
                duration=times[j + 1] - times[j], keep_paths=False, member=np.array([k]),
            )  # fmt: skip
        lat.append(float(r.end_lat[0]))
        lon.append(float(r.end_lon[0]))
    la, lo = np.array(lat), np.array(lon)
    e = rng.normal(0.0, 20e3, (n, 2))
    ylat = la + np.degrees(e[:, 1] / R)
    ylon = lo + np.degrees(e[:, 0] / (R * np.cos(np.radians(la))))
    rows = [
        {"time": float(t), "lat": float(a), "lon": float(o), "sigma_h": 20e3, "line": i + 1}
        for i, (t, a, o) in enumerate(zip(times, ylat, ylon, strict=True))
    ]
    return cls, np.array(alts), make_observations(rows)


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.cases
    cls = np.empty(n, dtype=np.int64)
    probs = np.empty((n, 3))
    cover: list[bool] = []
    t = time.perf_counter()
    for k in range(n):
        c, alts, obs = case(rng, k)
        ex = explain_motion(obs, SHEAR, dz=1000.0, wind_sigma=3.0, paths=False, seed=k)
        cls[k] = c
        probs[k] = [ex.probabilities[x] for x in KEYS]
        cover += [a["lo90_m"] <= h <= a["hi90_m"] for a, h in zip(ex.altitude, alts, strict=True)]
    freq = np.bincount(cls, minlength=3) / n
    say(f"{n} cases in {time.perf_counter() - t:.0f} s")
    say("explanation        mean probability  frequency")
    for i, k in enumerate(KEYS):
        say(f"{k:18s} {probs[:, i].mean():17.3f}  {freq[i]:9.3f}")
    order = np.argsort(-probs, axis=1)
    cum = np.cumsum(np.take_along_axis(probs, order, axis=1), axis=1)
    size = (cum < 0.9).sum(axis=1) + 1
    held = np.mean([cls[i] in order[i, : size[i]] for i in range(n)])
    say(
        f"90 % credible sets of explanations hold the truth: {held:.3f} (mean size {size.mean():.2f})"
    )
    say(f"most probable explanation right: {np.mean(probs.argmax(axis=1) == cls):.3f}")
    say(
        f"90 % altitude intervals hold the true altitude: {np.mean(cover):.3f} ({len(cover)} pieces)"
    )
    say("P(altitude changes) bin   cases  mean p  frequency")
    pc = probs[:, 1]
    for lo, hi in ((0.0, 0.1), (0.1, 0.5), (0.5, 0.9), (0.9, 1.01)):
        m = (pc >= lo) & (pc < hi)
        if m.any():
            say(f"  [{lo:.1f}, {min(hi, 1.0):.1f}]          {m.sum():5d}  {pc[m].mean():6.3f}  "
                  f"{np.mean(cls[m] == 1):9.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
