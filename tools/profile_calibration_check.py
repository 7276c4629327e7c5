"""Sanity check of the measured-profile wind-error model on real flights (a quick look; the
calibration harness is ``stratowatch verify --members``).

For each flight log: the wind its own ascent measured (500 m bins), with and without where and
when each bin was measured (`profile_wind(..., lat=, lon=, time=)`), a 300-member parachute
descent from burst (descent rate fitted to the descent, its spread off so only the wind error
acts), and the truth's quantile among the members' distances to the median landing point,
with r50 / r90.

Run: ``.venv/bin/python tools/profile_calibration_check.py [--shared ../shared/data]``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from stratowatch.atmosphere.wind import profile_wind
from stratowatch.predict import predict
from stratowatch.predict.regions import distance_km
from stratowatch.predict.verify import (
    ascent_wind,
    final_descent_start,
    fitted_descent_rate,
    load_track,
)

ROOT = Path(__file__).resolve().parents[1]
FLIGHTS = {
    "NS-95 (2 trackers)": [
        "tracks/umd_ns95/W3EAX-10_raw_NS95.txt",
        "tracks/umd_ns95/W3EAX-11_raw_NS95.txt",
    ],
    "NS-95 (W3EAX-10)": ["tracks/umd_ns95/W3EAX-10_raw_NS95.txt"],
    "SHAB-14V": ["tracks/shab14v/SHAB14V-APRS.csv"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("STRATOWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
    ap.add_argument("--shared", type=Path, default=default)
    ap.add_argument("--members", type=int, default=300)
    args = ap.parse_args()
    for name, rel in FLIGHTS.items():
        trk = load_track([args.shared / r for r in rel])
        s = final_descent_start(trk)
        plain = ascent_wind(trk, s)
        # where and when each 500 m bin was measured: the mean of its fixes
        k = np.floor(trk.alt[:s] / 500.0).astype(np.int64)
        _, inv = np.unique(k, return_inverse=True)
        c = np.bincount(inv)
        hh = np.bincount(inv, trk.alt[:s]) / c
        la = np.bincount(inv, trk.lat[:s]) / c
        lo = np.bincount(inv, trk.lon[:s]) / c
        tt = np.bincount(inv, trk.time[:s]) / c
        g = plain.grid
        z = g.z[0, :, 0, 0].astype(float)
        placed = profile_wind(
            z, g.u[0, :, 0, 0], g.v[0, :, 0, 0], source=f"{name} ascent", kind="profile",
            lat=np.interp(z, hh, la), lon=np.interp(z, hh, lo), time=np.interp(z, hh, tt),
        )  # fmt: skip
        rate = fitted_descent_rate(trk, s)
        for wind, label in ((placed, "with positions"), (plain, "without positions")):
            p = predict(
                float(trk.time[s]), float(trk.lat[s]), float(trk.lon[s]), float(trk.alt[s]),
                profile="descent", wind=wind, hours=3.0, descent_rate=rate,
                descent_rate_sigma=0.0, ground=float(trk.alt[-1]), members=args.members,
                seed=1,
            )  # fmt: skip
            e = p.end
            d = distance_km(p.end_lat, p.end_lon, e["lat"], e["lon"])
            truth = float(distance_km(trk.lat[-1], trk.lon[-1], e["lat"], e["lon"]))
            print(
                f"{name}, {label}: truth {truth:.2f} km from the median landing, "
                f"r50 {e['r50_km']:.2f} km, r90 {e['r90_km']:.2f} km, truth quantile "
                f"{float(np.mean(d < truth)):.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
