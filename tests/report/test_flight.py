"""The flight report's numbers (burst, landing, regions) on cases with known answers, and
``predict --out`` writing the report, the regions and the density grid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xarray as xr
from typer.testing import CliRunner

from stratowatch.atmosphere import CalmWind, open_wind
from stratowatch.cli.main import app
from stratowatch.predict import predict
from stratowatch.report.flight import flight_features, flight_page, flight_summary


def test_burst_and_landing_in_calm_air() -> None:
    """Still air: the balloon rises at 5 m/s to 30 km (burst after (30000 - 100) / 5 s) and
    comes down where it started."""
    pred = predict(
        "2023-06-01T12:00Z", 52.2, 0.1, 100.0, profile="standard", wind=CalmWind(),
        hours=6, members=1, ascent_rate=5.0, burst_alt=30_000.0, output_step_s=60.0,
    )  # fmt: skip
    s = flight_summary(pred)
    assert s["top_word"] == "burst" and s["word"] == "landing"
    assert s["top"]["alt"] == pytest.approx(30_000.0, abs=300.0)  # one output step
    assert s["top"]["time"] - s["start"]["time"] == pytest.approx(29_900.0 / 5.0, abs=61.0)
    assert s["end"]["lat"] == pytest.approx(52.2, abs=1e-6)
    assert s["end"]["lon"] == pytest.approx(0.1, abs=1e-6)
    page = flight_page(pred)
    assert "Median landing" not in page and "Landing" in page


def test_float_and_backward_words() -> None:
    wind = open_wind("climatology")
    fl = predict("2023-02-01T19:00Z", 45.78, -108.5, 18300.0, profile="float", wind=wind,
                 hours=12, members=20, seed=3)  # fmt: skip
    s = flight_summary(fl)
    assert s["top_word"] == "highest point" and s["word"] == "end"
    back = predict("2023-02-01T19:00Z", 45.78, -108.5, 18300.0, profile="float", wind=wind,
                   hours=12, members=20, seed=3, backward=True)  # fmt: skip
    assert flight_summary(back)["word"] == "origin"
    fc = flight_features(back)
    regions = [f for f in fc["features"] if f["properties"]["layer"] == "end_region"]
    assert [f["properties"]["name"] for f in regions] == [
        "90 % origin region",
        "50 % origin region",
    ]


def test_predict_out_writes_regions_and_density(tmp_path: Path) -> None:
    out = tmp_path / "flight.geojson"
    args = ["predict", "--time", "2023-06-01T12:00Z", "--lat", "52.2", "--lon", "0.1",
            "--alt", "100", "--profile", "standard", "--hours", "6", "--members", "200",
            "--seed", "1", "--json", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["files"] == [str(out), str(tmp_path / "flight.density.nc")]
    fc = json.loads(out.read_text())
    regions = {
        f["properties"]["level"]: f["properties"]
        for f in fc["features"]
        if f["properties"]["layer"] == "end_region"
    }
    assert set(regions) == {0.5, 0.9}
    assert regions[0.9]["members_inside"] == pytest.approx(0.9, abs=0.05)
    ds = xr.open_dataset(tmp_path / "flight.density.nc")
    assert ds.attrs["members"] == 200 and ds.attrs["Conventions"] == "CF-1.8"
    ds.close()
    # an unwritable --out is a clear error, not a traceback
    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad = CliRunner().invoke(app, [*args[:-1], str(blocker / "flight.html")])
    assert bad.exit_code != 0
    assert "Traceback" not in bad.output and "cannot write" in bad.output
