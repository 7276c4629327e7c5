"""Build the packed wind climatology shipped in ``src/stratowatch/data/``.

Reads the HWM93 monthly climatology (``../shared/data/wind/hwm93_monthly_climatology.nc``:
u, v on month x altitude 0..40 km x latitude -90..90 x longitude 0..350) and writes
``climatology_hwm93.npz``: u and v as int16 in units of ``scale`` m/s (0.01 m/s; HWM93 winds
stay far below the +-327 m/s the format holds), the axes as float32, and an attribution text
(also written beside it as ``climatology_hwm93.txt``). Compressed with zlib by `numpy.savez_compressed`.

Run: ``.venv/bin/python tools/build_climatology.py [SOURCE.nc]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "wind" / "hwm93_monthly_climatology.nc"
OUT = ROOT / "src" / "stratowatch" / "data" / "climatology_hwm93.npz"
SCALE = 0.01  # m/s per count

ATTRIBUTION = """\
stratowatch embedded wind climatology (climatology_hwm93.npz)

Derived by tools/build_climatology.py from hwm93_monthly_climatology.nc: monthly
climatological eastward/northward wind (m/s) on month 1..12 (15th of each month, 12 UT),
geometric altitude 0..40 km every 1 km, latitude -90..90 every 5 deg, longitude 0..350 every
10 deg, sampled from the NRL Horizontal Wind Model 1993 (HWM93; conditions F10.7 = F10.7A = 150,
Ap = 4). Stored here as int16 counts of 0.01 m/s (quantisation error <= 0.005 m/s).

Cite: Hedin, A. E., et al. (1996). Empirical wind model for the upper, middle and lower
atmosphere. J. Atmos. Terr. Phys. 58(13), 1421-1447.

A smooth climatology: no weather systems. Use a forecast or a sounding when one is available.
"""


def build(source: Path, out: Path) -> Path:
    """Pack ``source`` into ``out`` (npz) and write the attribution text beside it."""
    with xr.open_dataset(source) as ds:
        ds = ds.transpose("month", "altitude_km", "latitude", "longitude")
        u = ds["u"].values.astype(np.float64)
        v = ds["v"].values.astype(np.float64)
        month = ds["month"].values.astype(np.int16)
        alt = (ds["altitude_km"].values * 1000.0).astype(np.float32)
        lat = ds["latitude"].values.astype(np.float32)
        lon = ds["longitude"].values.astype(np.float32)
        source_attr = str(ds.attrs.get("source", ""))
        conditions = str(ds.attrs.get("conditions", ""))
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        raise SystemExit("source holds non-finite winds")
    limit = 32767 * SCALE
    if max(np.abs(u).max(), np.abs(v).max()) >= limit:
        raise SystemExit(f"winds exceed the int16 range (+-{limit} m/s)")
    text = ATTRIBUTION + f"\nSource attributes: {source_attr}; {conditions}\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        u=np.round(u / SCALE).astype(np.int16),
        v=np.round(v / SCALE).astype(np.int16),
        scale=np.float64(SCALE),
        month=month,
        alt_m=alt,
        lat=lat,
        lon=lon,
        attribution=np.array(text),
    )
    out.with_suffix(".txt").write_text(text)
    return out


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    path = build(source, OUT)
    sys.stdout.write(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
