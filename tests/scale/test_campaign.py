"""Hindcast campaigns on an engine: `stratowatch verify FLIGHTS... --scheduler ...` gives the
same flights and totals as in-process, on threads and on a real scheduler with two worker
processes (each flight a task, in any order)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.predict.verify import VerifyOptions, verify_flights
from stratowatch.scale import ThreadEngine
from stratowatch.scale.campaign import run_campaign

RS41 = Path(__file__).resolve().parents[1] / "data" / "radiosondy_rs41"


def _flights(shared: Path) -> list[str]:
    return [str(shared / "tracks" / "umd_ns95"), str(RS41 / "T2940341.csv")]


def _verify(args: list[str]) -> dict:
    res = CliRunner().invoke(app, ["verify", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output.strip().splitlines()[-1])


@pytest.mark.shared
def test_threads_give_the_in_process_campaign(shared_data: Path) -> None:
    opts = VerifyOptions(members=4, seed=4, every_s=600.0)
    flights = _flights(shared_data)
    ref = verify_flights(flights, opts).summary()
    with ThreadEngine(2) as eng:
        done: list[int] = []
        got = run_campaign(flights, opts, engine=eng, progress=lambda d, t: done.append(d))
    assert got.summary() == ref
    assert sorted(done) == [1, 2]
    assert ref["totals"]["from_burst"]["n"] == 2


@pytest.mark.shared
@pytest.mark.slow
def test_verify_on_the_scheduler_equals_in_process(shared_data: Path, dask_scheduler: str) -> None:
    args = [*_flights(shared_data), "--members", "4", "--seed", "4", "--every", "10", "--json"]
    local = _verify(args)
    dist = _verify([*args, "--scheduler", dask_scheduler])
    assert dist == local
    assert [f["track"] for f in local["flights"]] == ["umd_ns95", "T2940341"]
    assert local["totals"]["all_starts"]["n"] == sum(
        1 + len(f["repredictions"]) for f in local["flights"]
    )
