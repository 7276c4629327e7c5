"""Re-measure the embedded climatology's wind error and write the table the package ships.

Measures, with `stratowatch.atmosphere.error_measure.measure_climatology_error`, the RMS
difference between the HWM93 monthly climatology and the real winds in the project's shared
data (the two global GFS fields and the radiosonde profiles), by altitude (2 km bins) and
absolute-latitude band (15 deg), and the correlation scales of that error; then forms the
table (see docs/uncertainty.md, "How the climatology table is formed"):

1. bins without data (between two pressure levels, above the GFS top at ~31 km) are linear
   between the nearest bins with data, constant above the highest;
2. a 1-2-1 running mean in altitude smooths the sampling noise of two dates;
3. in the tropical stratosphere (|lat| < 15 deg, 18-34 km) sigma_u is at least 14 m/s, the
   spread of the quasi-biennial oscillation's zonal wind for an unknown phase (Baldwin et al.
   2001: about +-20 m/s), which two dates cannot sample.

Writes ``src/stratowatch/data/wind_uncertainty_climatology.json`` and prints the table.

Run: ``.venv/bin/python tools/measure_wind_uncertainty.py [--shared ../shared/data] [--check]``
(``--check`` compares with the shipped table instead of writing it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from stratowatch.atmosphere.error_measure import form_climatology_table, measure_climatology_error
from stratowatch.atmosphere.uncertainty import (
    CLIMATOLOGY_FILE,
    CLIMATOLOGY_GRIDDED,
    CLIMATOLOGY_SOUNDINGS,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "stratowatch" / "data" / CLIMATOLOGY_FILE
GRIDDED = CLIMATOLOGY_GRIDDED
SOUNDINGS = CLIMATOLOGY_SOUNDINGS


def form_table(m: dict) -> dict:
    """The shipped table from a measurement (steps 1-3 of the module notes)."""
    return form_climatology_table(m, measured_on=list(GRIDDED) + list(SOUNDINGS))


def print_table(table: dict) -> None:
    lat = table["abs_lat"]
    print("| alt km | " + " | ".join(f"{b - 7.5:g}-{b + 7.5:g} u / v" for b in lat) + " |")
    print("|---" * (len(lat) + 1) + "|")
    su = np.asarray(table["sigma_u"])
    sv = np.asarray(table["sigma_v"])
    for k, a in enumerate(table["alt_m"]):
        cells = " | ".join(f"{su[i, k]:.1f} / {sv[i, k]:.1f}" for i in range(len(lat)))
        print(f"| {a / 1e3:g} | {cells} |")
    print(
        f"\ncorrelation: horizontal L = {table['length_m'] / 1e3:g} km, vertical "
        f"Lz = {table['vertical_m'] / 1e3:g} km; mesoscale structure-function fraction at "
        f"100 km c = {table['meta']['mesoscale_fraction_100km']:g} "
        f"(rms difference {table['meta']['structure_rms_m_s']} m/s at "
        f"{table['meta']['structure_lag_km']} km)"
    )
    for name, r in table["meta"]["sounding_rms"].items():
        print(f"  {name}: rms u {r['rms_u']:.1f}, v {r['rms_v']:.1f} m/s over {r['levels']} levels")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("STRATOWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
    ap.add_argument("--shared", type=Path, default=default, help="the shared data folder")
    ap.add_argument("--check", action="store_true", help="compare with the shipped table")
    args = ap.parse_args()
    gridded = [args.shared / p for p in GRIDDED]
    soundings = [args.shared / p for p in SOUNDINGS]
    missing = [str(p) for p in gridded + soundings if not p.is_file()]
    if missing:
        print(f"missing shared data: {', '.join(missing)}", file=sys.stderr)
        return 2
    table = form_table(measure_climatology_error(gridded, soundings))
    print_table(table)
    if args.check:
        shipped = json.loads(OUT.read_text(encoding="utf-8"))
        diff = max(
            float(np.max(np.abs(np.asarray(shipped[k]) - np.asarray(table[k]))))
            for k in ("sigma_u", "sigma_v")
        )
        print(f"largest difference from the shipped table: {diff:.3f} m/s")
        return 0 if diff < 0.05 else 1
    OUT.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
