"""The demo's second process (`demo.side`): the same results as in the main process, a fallback
when a job cannot go there, the job's own errors raised; and the whole demo gives the same
summary and layers with it (the CLI in a fresh process: the worker forked) and without it."""

from __future__ import annotations

import json
import operator
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stratowatch.demo import DemoConfig, run_demo
from stratowatch.demo.side import SideProcess, _start_method, side_wanted, spare_core
from stratowatch.geo.geodesy import haversine
from stratowatch.geo.land import _lookup, land_mask_bits


@pytest.fixture(scope="module", params=["fork", "spawn"])
def side(request: pytest.FixtureRequest) -> Any:
    proc = SideProcess(enabled=True, method=request.param)
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


def test_no_fork_once_numba_threads_run() -> None:
    # a compiled parallel loop starts numba's OpenMP threads, which a forked child cannot use
    _lookup(land_mask_bits(), np.zeros(4), np.zeros(4))
    assert _start_method() == "spawn"


def test_the_side_process_is_used_when_a_cpu_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATOWATCH_DEMO_SIDE", "0")
    assert side_wanted() is False
    monkeypatch.setenv("STRATOWATCH_DEMO_SIDE", "1")
    assert side_wanted() is True
    monkeypatch.delenv("STRATOWATCH_DEMO_SIDE")
    assert isinstance(side_wanted(), bool)  # the machine's idle share decides
    monkeypatch.setattr("stratowatch.demo.side._cpus", lambda: 1)
    assert spare_core() is False  # one CPU: never


def _comparable(path: Path) -> Any:
    def strip(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("elapsed_s", "stages_s")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    return strip(json.loads((path / "summary.json").read_text()))


def test_the_demo_is_the_same_with_and_without_the_second_process(tmp_path: Path) -> None:
    # the CLI in a fresh interpreter: the side process is forked before the first parallel loop
    cmd = [sys.executable, "-m", "stratowatch", "demo", "--members", "100", "--seed", "5"]
    env = {**os.environ, "STRATOWATCH_DEMO_SIDE": "1"}  # whatever the machine's load
    done = subprocess.run(
        [*cmd, "--out", str(tmp_path / "two"), "--json"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    a = run_demo(tmp_path / "one", config=DemoConfig(members=100, seed=5), processes=False)
    # the stages that moved ran and gave the same answers
    assert a.summary["steering"] is not None and a.summary["hindsight"]["motion"] is not None
    assert _comparable(tmp_path / "one") == _comparable(tmp_path / "two")
    for name in ("layers.geojson", "layers.czml"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    stages = json.loads((tmp_path / "two" / "summary.json").read_text())["run"]["stages_s"]
    assert set(stages) == set(a.timings)


_ORPHAN_PROBE = """
import os, sys, time
from stratowatch.demo.side import SideProcess
side = SideProcess(enabled=True, method=sys.argv[1])
print(side.submit(os.getpid).result()[0], flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_the_side_process_ends_when_the_demo_is_killed(method: str) -> None:
    # kill -9 of the demo: its side worker must not live on (it failed before `lifeline`:
    # blocked on its job queue, re-parented, for ever)
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_PROBE, method], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    worker = int(proc.stdout.readline())
    assert worker != proc.pid
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15.0
    alive = True
    while alive and time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            alive = False
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive, f"the side worker ({method}) outlived the demo"
