"""Choosing an engine: --scheduler values, STRATOWATCH_SCHEDULER, clear errors."""

from __future__ import annotations

import socket
import time

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
