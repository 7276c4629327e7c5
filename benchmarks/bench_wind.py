"""Wind interpolation speed: 1,000,000 points from the GFS GRIB2 sample.

Compares stratowatch's compiled kernel (`GriddedWind.uv` -> `interp_grid`: bilinear per level,
then linear in each column's own geometric height) with a plain scipy `RegularGridInterpolator`
baseline measured in the same run (trilinear on a fixed (mean level height, lat, lon) grid, i.e.
a simpler model that ignores the column-by-column height of the levels).

Run: ``.venv/bin/python benchmarks/bench_wind.py``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.interpolate import RegularGridInterpolator

from stratowatch.atmosphere import open_wind
from stratowatch.timeutil import to_epoch

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STRATOWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
N = 1_000_000
REPEAT = 3


def best_of(fn: object, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    path = SHARED / "wind" / "gfs_2011011012_f120_2p5deg.grib2"
    if not path.is_file():
        print(f"skipped: {path} not found")
        return 0
    t_open = time.perf_counter()
    wind = open_wind(path)
    t_open = time.perf_counter() - t_open
    g = wind.grid  # type: ignore[attr-defined]
    rng = np.random.default_rng(1)
    lat = rng.uniform(-89.0, 89.0, N)
    lon = rng.uniform(-180.0, 180.0, N)
    alt = rng.uniform(0.0, 27_000.0, N)
    t = np.full(N, to_epoch("2011-01-15T12:00Z"))
    wind.uv(t[:10], lat[:10], lon[:10], alt[:10])  # compile / load the cached kernel
    t_ours = best_of(lambda: wind.uv(t, lat, lon, alt))
    u_ours, v_ours = wind.uv(t, lat, lon, alt)

    # baseline: trilinear on (mean height of each level, lat, lon), lon closed around the globe
    zmean = g.z[0].mean(axis=(1, 2)).astype(np.float64)
    lats = g.lat0 + g.dlat * np.arange(g.ny)
    lons = g.lon0 + g.dlon * np.arange(g.nx + 1)
    uu = np.concatenate([g.u[0], g.u[0][:, :, :1]], axis=2).astype(np.float64)
    vv = np.concatenate([g.v[0], g.v[0][:, :, :1]], axis=2).astype(np.float64)
    ru = RegularGridInterpolator((zmean, lats, lons), uu, bounds_error=False, fill_value=None)
    rv = RegularGridInterpolator((zmean, lats, lons), vv, bounds_error=False, fill_value=None)
    pts = np.column_stack([np.clip(alt, zmean[0], zmean[-1]), lat, lon % 360.0])
    ru(pts[:10])
    t_scipy = best_of(lambda: (ru(pts), rv(pts)), repeat=2)
    u_s = ru(pts)
    rms = float(np.sqrt(np.mean((u_s - u_ours) ** 2)))

    print(f"file open + load (GRIB2, 26 levels, 2.5 deg global): {t_open:.2f} s")
    print(
        f"stratowatch GriddedWind.uv: {N:,} points in {t_ours * 1e3:.0f} ms "
        f"= {N / t_ours / 1e6:.2f} M points/s (best of {REPEAT}, {os.cpu_count()} cores)"
    )
    print(
        f"scipy RegularGridInterpolator (u and v): {N:,} points in {t_scipy * 1e3:.0f} ms "
        f"= {N / t_scipy / 1e6:.2f} M points/s"
    )
    print(
        f"speed-up vs scipy: {t_scipy / t_ours:.1f}x; RMS u difference (column heights vs "
        f"mean heights): {rms:.2f} m/s"
    )
    ok = t_ours < 1.0
    print("target (< 1 s for 1,000,000 points):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
