"""The demo's second process (`demo.side`): the same results as in the main process, a fallback
when a job cannot go there, the job's own errors raised; and the whole demo gives the same
summary with and without it."""

from __future__ import annotations

import json
import operator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stratowatch.demo import DemoConfig, run_demo
from stratowatch.demo.side import SideProcess
from stratowatch.geo.geodesy import haversine


@pytest.fixture(scope="module")
def side() -> Any:
    proc = SideProcess(enabled=True)
    yield proc
    proc.close()


def test_a_job_in_the_side_process_is_the_job_here(side: SideProcess) -> None:
    rng = np.random.default_rng(3)
    args = tuple(rng.uniform(-60.0, 60.0, 50) for _ in range(4))
    job = side.submit(haversine, *args)
    assert job._future is not None  # it went to the other process
    got, seconds = job.result()
    np.testing.assert_array_equal(got, haversine(*args))
    assert seconds >= 0.0


def test_a_job_that_cannot_go_there_runs_here(side: SideProcess) -> None:
    # a lambda does not pickle: the side process cannot take it, the main process runs it
    got, _ = side.submit(operator.call, lambda: 42).result()
    assert got == 42
    got, _ = SideProcess(enabled=False).submit(operator.add, 2, 3).result()
    assert got == 5


def test_the_jobs_own_error_is_raised(side: SideProcess) -> None:
    with pytest.raises(ValueError):
        side.submit(haversine, "north", 0.0, 1.0, 2.0).result()


def _comparable(path: Path) -> Any:
    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("elapsed_s", "stages_s")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return strip(json.loads((path / "summary.json").read_text()))


def test_the_demo_is_the_same_with_and_without_the_second_process(tmp_path: Path) -> None:
    cfg = DemoConfig(members=100, seed=5)
    a = run_demo(tmp_path / "one", config=cfg, processes=False)
    b = run_demo(tmp_path / "two", config=cfg, processes=True)
    # the stages that moved ran and gave the same answers
    assert a.summary["steering"] is not None and a.summary["hindsight"]["motion"] is not None
    assert _comparable(tmp_path / "one") == _comparable(tmp_path / "two")
    assert (tmp_path / "one" / "layers.geojson").read_bytes() == (
        tmp_path / "two" / "layers.geojson"
    ).read_bytes()
    assert set(b.timings) == set(a.timings)
