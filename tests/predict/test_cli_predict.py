"""`stratowatch predict` through the CLI (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app

runner = CliRunner()
GFS = Path("wind") / "gfs_2011011012_f120_2p5deg.grib2"


def _last_json(output: str) -> dict:  # type: ignore[type-arg]
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.shared
def test_predict_json_on_gfs(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.geojson"
    res = runner.invoke(
        app,
        [
            "predict", "--time", "2011-01-15T12:00Z", "--lat", "47.5", "--lon", "-111",
            "--alt", "18000", "--profile", "float", "--hours", "24", "--members", "50",
            "--wind", str(shared_data / GFS), "--seed", "2", "--out", str(out), "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    obj = _last_json(res.output)
    assert obj["members"] == 50
    assert set(obj["end"]) >= {"time", "lat", "lon", "r50_km", "r90_km"}
    assert obj["end"]["time"] == "2011-01-16T12:00:00Z"
    # the jet carries it east-southeast: ~2,000+ km in a day at 18 km over Montana in January
    assert obj["end"]["lon"] > -100.0 and obj["end"]["lat"] < 47.5
    assert 0 < obj["end"]["r50_km"] < obj["end"]["r90_km"]
    assert any("steady field" in w for w in obj["warnings"])
    assert obj["elapsed_s"] >= 0
    fc = json.loads(out.read_text())
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) > 50


def test_predict_deterministic_with_sigma_zero() -> None:
    """--wind-sigma 0 and the flight spreads at 0 with several members: identical members,
    zero spread (the ascent/burst/descent spreads are on by default)."""
    res = runner.invoke(
        app,
        [
            "predict", "--time", "2023-02-01T12:00Z", "--lat", "47.5", "--lon", "-111",
            "--alt", "1000", "--profile", "standard", "--members", "5", "--wind-sigma", "0",
            "--ascent-sigma", "0", "--burst-sigma", "0", "--descent-sigma", "0", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    obj = _last_json(res.output)
    assert obj["end"]["r90_km"] == 0.0
    assert obj["end"]["landed_fraction"] == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--members", "0"], "members must be"),
        (
            ["--profile", "standard", "--ascent-rate", "-3"],
            "ascent rate must be a positive number of m/s, got -3",
        ),
        (["--profile", "standard", "--burst-alt", "100"], "is not above the start"),
    ],
)
def test_predict_bad_parameters_exit_2(args: list[str], message: str) -> None:
    base = ["predict", "--time", "2023-02-01T12:00Z", "--lat", "47", "--lon", "-111"]
    res = runner.invoke(app, [*base, "--alt", "1000", "--wind", "calm", *args])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_predict_without_out_keeps_no_paths_and_says_the_same(tmp_path: Path) -> None:
    """Without --out the members' paths are not kept (only their highest points and starts):
    the JSON and the terminal lines are those of the run that keeps them for --out."""
    args = [
        "predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5",
        "--alt", "1000", "--profile", "standard", "--burst-alt", "25000", "--hours", "6",
        "--members", "2000", "--seed", "4",
    ]  # fmt: skip
    out = tmp_path / "p.geojson"
    runs = {}
    for name, extra in (("without", []), ("with", ["--out", str(out)])):
        js = runner.invoke(app, [*args, *extra, "--json"])
        assert js.exit_code == 0, js.output
        text = runner.invoke(app, [*args, *extra])
        assert text.exit_code == 0, text.output
        obj = _last_json(js.output)
        for key in ("elapsed_s", "out", "files"):
            obj.pop(key, None)
        # the "wrote FILES" line (wrapped: it is the last) and the timings aside
        lines = text.output.split("\nwrote ")[0].splitlines()
        lines = [ln for ln in lines if not ln.startswith("integration ")]
        runs[name] = (obj, lines)
    assert runs["without"] == runs["with"]
    obj, lines = runs["without"]
    assert obj["burst"]["alt_m"] > 20_000 and any(ln.startswith("median burst") for ln in lines)
    assert out.exists()


def test_predict_max_step() -> None:
    """--max-step reaches the integrator: shorter steps move a 48 h climatology float's median
    end by about the step error of docs/prediction.md (km, not zero, not hundreds), and a
    step that is not a positive number is a clear error."""
    base = [
        "predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5",
        "--alt", "18300", "--hours", "48", "--members", "200", "--seed", "3", "--json",
    ]  # fmt: skip
    ends = {}
    for step in ("3600", "600"):
        res = runner.invoke(app, [*base, "--max-step", step])
        assert res.exit_code == 0, res.output
        ends[step] = _last_json(res.output)["end"]
    from stratowatch.predict.regions import distance_km

    d = float(
        distance_km(
            ends["3600"]["lat"], ends["3600"]["lon"], ends["600"]["lat"], ends["600"]["lon"]
        )
    )
    assert 0.01 < d < 30.0
    for bad in ("0", "-60", "nan"):
        res = runner.invoke(app, [*base, "--max-step", bad])
        assert res.exit_code != 0
        assert "time step" in res.output and "Traceback" not in res.output
