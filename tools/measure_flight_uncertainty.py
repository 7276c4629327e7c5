"""Re-measure, on real flights, the uncertainties ensembles draw from, and write the
constants the package ships (``src/stratowatch/data/uncertainty_calibration.json``).

For each flight of `stratowatch.predict.verify.measure.CALIBRATION_FLIGHTS` (three in the
project's shared data, six RS41 radiosondes in tests/data): its ascent rate, burst altitude
and descent law; the differences between the wind its descent measured and the wind its
ascent measured at the same altitude (the error of a flight-measured profile used later and
elsewhere); and, at each 2-minute re-prediction start of its descent, the error of the
descent law fitted so far. Then (`calibrate`, maximum likelihood; no coverage figure enters):
the profile-wind structure factor and Student-t degrees of freedom, the descent-law model
errors, the prior and given spreads of the rates and the burst altitude; and every constant
again with each flight left out (`stratowatch verify --leave-one-out` uses those).

Run: ``.venv/bin/python tools/measure_flight_uncertainty.py [--shared ../shared/data] [--check]``
(``--check`` compares with the shipped file instead of writing it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from stratowatch.atmosphere.uncertainty import CALIBRATION_FILE
from stratowatch.predict.verify import load_track
from stratowatch.predict.verify.measure import (
    CALIBRATION_FLIGHTS,
    calibration_document,
    measure_flight,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "stratowatch" / "data" / CALIBRATION_FILE


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("STRATOWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
    ap.add_argument("--shared", type=Path, default=default, help="the shared data folder")
    ap.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = ap.parse_args()
    ms = []
    for name, root, rel, kind, group in CALIBRATION_FLIGHTS:
        path = (args.shared if root == "shared" else ROOT) / rel
        if not path.exists():
            print(f"missing: {path}", file=sys.stderr)
            return 2
        m = measure_flight(load_track(path), kind=kind, group=group)
        print(json.dumps(m.summary()))
        ms.append(m)
    doc = calibration_document(ms)
    print(json.dumps({k: doc[k] for k in ("profile_wind", "descent_rate", "ascent_rate",
                                          "burst_alt")}, indent=1))  # fmt: skip
    if args.check:
        shipped = json.loads(OUT.read_text())
        same = all(shipped[k] == doc[k] for k in ("profile_wind", "descent_rate", "ascent_rate",
                                                   "burst_alt", "leave_one_out"))  # fmt: skip
        print("shipped file matches" if same else "shipped file DIFFERS")
        return 0 if same else 1
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
