"""`stratowatch predict --wind climatology` must not load what it does not use: xarray and
pandas (gridded and sounding files only) and scipy.spatial (KD-trees for large batches of
place names only); together about 2 s of start-up per command (docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys

_SCRIPT = """
import json, sys
from stratowatch.cli.main import main
sys.argv = ["stratowatch", "predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78",
            "--lon", "-108.5", "--alt", "18300", "--hours", "6", "--members", "4",
            "--seed", "3", "--wind", "climatology", "--json"]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
loaded = sorted(m for m in ("xarray", "pandas", "scipy.spatial", "cfgrib") if m in sys.modules)
print(json.dumps({"loaded": loaded}))
"""


def test_climatology_predict_loads_no_xarray_pandas_or_scipy_spatial() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    summary = json.loads(lines[-2])
    assert summary["members"] == 4
    # the places were named (the path that used a KD-tree before)
    assert "Billings" in summary["places"]["start"]["text"]
    assert json.loads(lines[-1])["loaded"] == []
