"""Choosing an engine: --scheduler values, STRATOWATCH_SCHEDULER, clear errors."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.errors import ConfigError
from stratowatch.scale import DaskEngine, InProcessEngine, ThreadEngine, engine_spec, open_engine


def test_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRATOWATCH_SCHEDULER", raising=False)
    assert engine_spec(None) == "inprocess"
    assert isinstance(open_engine(None), InProcessEngine)
    assert isinstance(open_engine("inprocess"), InProcessEngine)
    with open_engine("threads:3") as eng:
        assert isinstance(eng, ThreadEngine) and eng.workers == 3
        assert eng.map(lambda s, x: s + x, [1, 2, 3], shared=10) == [11, 12, 13]
    monkeypatch.setenv("STRATOWATCH_SCHEDULER", "threads:2")
    assert engine_spec(None) == "threads:2"
    assert engine_spec("inprocess") == "inprocess"  # the option wins over the environment
    for bad in ("threads:0", "threads:x", "local:-1", "bogus"):
        with pytest.raises(ConfigError):
            open_engine(bad)


def test_task_errors_reach_the_caller() -> None:
    def boom(shared: object, x: int) -> int:
        if x == 2:
            raise ConfigError("member 2 is bad")
        return x

    with ThreadEngine(2) as eng, pytest.raises(ConfigError, match="member 2 is bad"):
        eng.map(boom, [1, 2, 3])


def test_unreachable_scheduler_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = time.monotonic()
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        DaskEngine(f"tcp://127.0.0.1:{port}", timeout_s=2.0)
    assert time.monotonic() - t < 30.0
    with pytest.raises(ConfigError, match="does not exist"):
        DaskEngine("/nonexistent/scheduler.json")


def test_cli_reports_a_bad_scheduler() -> None:
    res = CliRunner().invoke(app, ["predict", "--time", "2023-02-01T19:00Z", "--lat", "45",
                                   "--lon", "-108", "--alt", "18000", "--scheduler", "nowhere"])  # fmt: skip
    assert res.exit_code != 0
    assert "unknown scheduler 'nowhere'" in res.output


def test_debris_falls_in_chunks_on_threads_are_the_in_process_falls() -> None:
    """`break_up_and_fall` with an engine: chunks of fragments on two threads give the same
    impacts, bit for bit, as one in-process call (every draw is made before the falls)."""
    from stratowatch.assess.fragments import break_up_and_fall
    from stratowatch.atmosphere import open_wind
    from stratowatch.atmosphere.perturb import PerturbedWind

    wind = PerturbedWind(open_wind("climatology"), members=4, seed=2)
    t = np.array([1.6753e9, 1.6753e9 + 1800.0])
    lat = np.array([[45.0, 45.2, 45.4, 45.1], [46.0, 46.1, 45.9, 46.2]])
    lon = np.array([[-108.0, -107.8, -108.3, -108.1], [-106.0, -106.2, -105.9, -106.1]])
    alt = np.full((2, 4), 18_000.0)
    one = break_up_and_fall(t, lat, lon, alt, wind, samples=100, seed=5)
    with open_engine("threads:2") as eng:
        many = break_up_and_fall(t, lat, lon, alt, wind, samples=100, seed=5, engine=eng)
    assert one.lat.size > 3000  # four chunks of at most 1,000
    for name in ("lat", "lon", "time", "speed", "landed", "ke"):
        assert np.array_equal(getattr(one, name), getattr(many, name)), name
