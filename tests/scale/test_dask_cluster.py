"""Issue 14, must show: `stratowatch predict --members 20000 --scheduler tcp://...` on a real
scheduler with two worker processes gives exactly the in-process result (same seed); the
sweep of the issue gives the same JSON in-process and on the scheduler; so does `engage`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

STRATOWATCH = str(Path(sys.executable).parent / "stratowatch")
PREDICT = ["predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5",
           "--alt", "18300", "--hours", "12", "--members", "20000", "--seed", "3", "--json"]  # fmt: skip
SWEEP = ["sweep", "--from", "2023-02-01T00:00Z", "--to", "2023-02-02T00:00Z", "--every", "3h",
         "--float-alt", "17000,18000,19000", "--members", "200", "--wind", "climatology",
         "--json"]  # fmt: skip


def _run(args: list[str]) -> tuple[dict, str]:
    p = subprocess.run(
        [STRATOWATCH, *args], capture_output=True, text=True, timeout=600, check=False
    )
    assert p.returncode == 0, p.stderr[-3000:]
    last = p.stdout.strip().splitlines()[-1]
    return json.loads(last), last


@pytest.mark.slow
def test_predict_20000_members_on_the_scheduler_equals_in_process(dask_scheduler: str) -> None:
    dist, _ = _run([*PREDICT, "--scheduler", dask_scheduler])
    local, _ = _run(PREDICT)
    assert dist.pop("engine") == {"engine": "dask", "scheduler": dask_scheduler, "workers": 2,
                                  "threads": 2}  # fmt: skip
    for d in (dist, local):
        d.pop("elapsed_s")
    assert dist == local
    assert local["members"] == 20000
    assert local["end"]["r90_km"] > local["end"]["r50_km"] > 0.0


@pytest.mark.slow
def test_sweep_json_is_identical_on_the_scheduler(dask_scheduler: str) -> None:
    _, dist = _run([*SWEEP, "--scheduler", dask_scheduler])
    local_obj, local = _run(SWEEP)
    assert dist == local  # byte for byte
    assert local_obj["cells"] == 27  # 9 launch times x 3 float altitudes
    assert {r["float_alt_m"] for r in local_obj["rows"]} == {17000.0, 18000.0, 19000.0}


ENGAGE = ["engage", "--lat", "45.78", "--lon", "-108.5", "--alt", "18300", "--time",
          "2023-02-01T19:00Z", "--hours", "2", "--every", "30", "--members", "8", "--samples",
          "10", "--seed", "1", "--json"]  # fmt: skip


@pytest.mark.slow
def test_engage_on_the_scheduler_equals_in_process(dask_scheduler: str) -> None:
    """The debris falls of every window (5 windows x 8 positions x 4 fragment classes x 10
    samples = 1,600 falls, two tasks) run on the two workers: the plan is the in-process plan,
    window by window."""
    dist, _ = _run([*ENGAGE, "--scheduler", dask_scheduler])
    local, _ = _run(ENGAGE)
    assert dist.pop("engine")["engine"] == "dask"
    assert dist == local
    assert len(local["windows"]) == 5
