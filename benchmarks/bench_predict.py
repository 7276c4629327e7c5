"""Prediction ensembles: 1,000-member 48 h float at 18 km on the GFS sample, with the wind
file's own error model (forecast lead 120 h, sigma by altitude and latitude, evaluated in the
compiled loop: what users run), and with a fixed 3.5 m/s sigma against a straightforward
numpy + scipy RegularGridInterpolator implementation of the same ensemble (same wind, same
perturbation modes, same Heun scheme and step), measured in the same run; then 100,000
members in chunks, with the peak resident memory; and a ballistic fall of 100,000 fragments
over 50 perturbed-wind members.

Run: .venv/bin/python benchmarks/bench_predict.py [--members 1000] [--big 100000]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
from pathlib import Path

import numba
import numpy as np
from scipy.interpolate import RegularGridInterpolator

from stratowatch.atmosphere.perturb import EARTH_RADIUS, PerturbedWind
from stratowatch.atmosphere.sources import open_wind
from stratowatch.atmosphere.wind import GriddedWind
from stratowatch.flight import fall
from stratowatch.flight.earth import meridian_radius, prime_vertical_radius
from stratowatch.predict import predict
from stratowatch.predict.regions import distance_km

ROOT = Path(__file__).resolve().parents[1]
GFS = Path(os.environ.get("STRATOWATCH_SHARED_DATA", ROOT.parent / "shared" / "data")) / "wind"
GFS_FILE = GFS / "gfs_2011011012_f120_2p5deg.grib2"
T0 = "2011-01-15T12:00Z"
LAT, LON, ALT = 47.5, -111.0, 18_000.0
HOURS = 48.0
DT = 600.0


def baseline(
    wind: GriddedWind, pw: PerturbedWind, t0: float, n: int, hours: float, dt: float
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """The same ensemble with numpy arrays over members and scipy's RegularGridInterpolator:
    the wind at 18 km per grid column (linear in height), bilinear in lat/lon by RGI, the
    perturbation modes summed with numpy, Heun steps in geodetic coordinates."""
    g = wind.grid
    z = g.z[0].astype(np.float64)  # (nz, ny, nx)
    u3 = g.u[0].astype(np.float64)
    v3 = g.v[0].astype(np.float64)
    k = np.clip((z < ALT).sum(axis=0) - 1, 0, z.shape[0] - 2)
    zi = np.take_along_axis(z, k[None], 0)[0]
    zj = np.take_along_axis(z, k[None] + 1, 0)[0]
    w = np.clip((ALT - zi) / (zj - zi), 0.0, 1.0)
    u2 = (1 - w) * np.take_along_axis(u3, k[None], 0)[0] + w * np.take_along_axis(
        u3, k[None] + 1, 0
    )[0]
    v2 = (1 - w) * np.take_along_axis(v3, k[None], 0)[0] + w * np.take_along_axis(
        v3, k[None] + 1, 0
    )[0]
    lats = g.lat0 + g.dlat * np.arange(g.ny)
    lons = g.lon0 + g.dlon * np.arange(g.nx + 1)  # closed around the globe
    ru = RegularGridInterpolator((lats, lons), np.concatenate([u2, u2[:, :1]], axis=1))
    rv = RegularGridInterpolator((lats, lons), np.concatenate([v2, v2[:, :1]], axis=1))
    kx, ky, kz, kr, om, pu, pv, amp = pw.modes.arrays()
    members = np.arange(n) % pw.members
    kx, ky, kz, kr, om, pu, pv = (a[members] for a in (kx, ky, kz, kr, om, pu, pv))
    assert pw.sigma is not None
    am = amp[members] * pw.sigma

    def uv(t: float, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pts = np.column_stack([lat, (lon - lons[0]) % 360.0 + lons[0]])
        r = EARTH_RADIUS
        la, lo = np.radians(lat), np.radians(lon)
        x = (r * np.cos(la) * np.cos(lo))[:, None]
        y = (r * np.cos(la) * np.sin(lo))[:, None]
        zz = (r * np.sin(la))[:, None]
        arg = kx * x + ky * y + kz * zz + kr * ALT + om * t
        du = am * np.cos(arg + pu).sum(axis=1)
        dv = am * np.cos(arg + pv).sum(axis=1)
        return ru(pts) + du, rv(pts) + dv

    def rates(lat: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dlat = np.degrees(v / (meridian_radius(lat) + ALT))
        dlon = np.degrees(u / ((prime_vertical_radius(lat) + ALT) * np.cos(np.radians(lat))))
        return dlat, dlon

    lat = np.full(n, LAT)
    lon = np.full(n, LON)
    steps = int(round(hours * 3600 / dt))
    start = time.perf_counter()
    t = t0
    for _ in range(steps):
        a_lat, a_lon = rates(lat, *uv(t, lat, lon))
        p_lat, p_lon = lat + dt * a_lat, lon + dt * a_lon
        b_lat, b_lon = rates(p_lat, *uv(t + dt, p_lat, p_lon))
        lat = lat + 0.5 * dt * (a_lat + b_lat)
        lon = (lon + 0.5 * dt * (a_lon + b_lon) + 180.0) % 360.0 - 180.0
        t += dt
    return lat, lon, time.perf_counter() - start, n * steps


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--fall", type=int, default=100_000, help="fragments for the fall run")
    args = ap.parse_args()
    if not GFS_FILE.exists():
        print(f"GFS sample not found at {GFS_FILE}; skipped")
        return 0
    t = time.perf_counter()
    wind = open_wind(GFS_FILE)
    assert isinstance(wind, GriddedWind)
    print(f"read GFS sample: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    predict(T0, LAT, LON, ALT, wind=wind, hours=1.0, members=2)  # compile / load the cache
    print(f"warm-up (compile or load cache): {time.perf_counter() - t:.2f} s")
    n = args.members
    best_m = math.inf
    pm = None
    for _ in range(5):
        p = predict(T0, LAT, LON, ALT, wind=wind, hours=HOURS, members=n, dt_s=DT, seed=1)
        if p.elapsed_s < best_m:
            best_m, pm = p.elapsed_s, p
    assert pm is not None
    w = pm.params["uncertainty"]["wind"]
    print(
        f"stratowatch, the file's error model ({w['kind']}, lead {w['lead_h']:g} h, sigma u/v "
        f"{w['sigma_u_m_s']}/{w['sigma_v_m_s']} m/s at the start): {n} members x {HOURS:g} h: "
        f"{best_m:.3f} s (best of 5), {pm.member_steps / best_m / 1e6:.2f} M member-steps/s; "
        f"r50 {pm.end['r50_km']:.0f} km, r90 {pm.end['r90_km']:.0f} km"
    )
    pw = PerturbedWind(wind, members=n, sigma=3.5, seed=1)
    best = math.inf
    pred = None
    for _ in range(5):
        p = predict(T0, LAT, LON, ALT, wind=pw, hours=HOURS, members=n, dt_s=DT, seed=1)
        if p.elapsed_s < best:
            best, pred = p.elapsed_s, p
    assert pred is not None
    rate = pred.member_steps / best
    e = pred.end
    print(
        f"stratowatch, fixed sigma 3.5 m/s: {n} members x {HOURS:g} h float at 18 km: "
        f"{best:.3f} s (best of 5), {pred.member_steps} member-steps, {rate / 1e6:.2f} M "
        f"member-steps/s; median end {e['lat']:.2f}, {e['lon']:.2f}, r50 {e['r50_km']:.0f} km, "
        f"r90 {e['r90_km']:.0f} km"
    )
    # the machine is shared: also measure one thread, which load from other jobs disturbs less
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    best1 = min(
        predict(T0, LAT, LON, ALT, wind=pw, hours=HOURS, members=n, dt_s=DT, seed=1).elapsed_s
        for _ in range(5)
    )
    numba.set_num_threads(threads)
    print(
        f"stratowatch, 1 thread: {best1:.3f} s (best of 5), {pred.member_steps / best1 / 1e6:.2f} M member-steps/s"
    )
    # best of 2: the machine is shared, both sides get their least-disturbed run
    runs = [baseline(wind, pw, float(pred.times[0]), n, HOURS, DT) for _ in range(2)]
    blat, blon, bt, bsteps = min(runs, key=lambda r: r[2])
    brate = bsteps / bt
    agree = distance_km(blat, blon, pred.end_lat, pred.end_lon)
    print(
        f"numpy + scipy RegularGridInterpolator: {bt:.3f} s (best of 2), "
        f"{brate / 1e6:.3f} M member-steps/s; "
        f"same members' end points agree within median {np.median(agree):.1f} km "
        f"(90 %: {np.quantile(agree, 0.9):.1f} km) after ~{np.median(distance_km(LAT, LON, blat, blon)):.0f} km"
    )
    print(
        f"speed-up: {bt / best:.1f}x ({threads} threads), {bt / best1:.1f}x (1 thread) "
        "in member-steps/s"
    )
    if args.fall > 0:
        clim = open_wind("climatology")
        ens = PerturbedWind(clim, members=50, seed=0)
        beta = np.random.default_rng(0).lognormal(np.log(20.0), 1.0, args.fall)
        member = np.arange(args.fall) % 50
        fall(1675539600.0, 33.6, -78.6, 18288.0, 20.0, 0.0, 0.0, beta[:50], ens, member=member[:50])
        t = time.perf_counter()
        r = fall(1675539600.0, 33.6, -78.6, 18288.0, 20.0, 0.0, 0.0, beta, ens, member=member)
        print(
            f"fall: {args.fall} fragments (beta lognormal, median 20 kg/m2) x 50 wind members "
            f"from 60,000 ft: {time.perf_counter() - t:.2f} s, {r.landed.mean() * 100:.0f} % "
            f"landed, median fall {np.median(r.duration):.0f} s"
        )
    if args.big > 0:
        t = time.perf_counter()
        big = predict(
            T0, LAT, LON, ALT, wind=wind, hours=HOURS, members=args.big, dt_s=DT, seed=2,
            chunk=20_000,
        )  # fmt: skip
        wall = time.perf_counter() - t
        print(
            f"{args.big} members in chunks of 20,000: integration {big.elapsed_s:.2f} s, "
            f"wall {wall:.2f} s, {big.member_steps / big.elapsed_s / 1e6:.2f} M member-steps/s, "
            f"peak RSS {peak_rss_mib():.0f} MiB (paths {big.lat.nbytes * 3 / 2**20:.0f} MiB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
