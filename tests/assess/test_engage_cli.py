"""Engagement planner and the `assess` / `engage` commands, on the 2023 scenario and bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratowatch.assess import FlightPath, plan_engagement
from stratowatch.atmosphere.wind import CalmWind
from stratowatch.cli.main import app
from stratowatch.errors import ConfigError

runner = CliRunner()


def _last_json(output: str) -> dict:  # type: ignore[type-arg]
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def conus_track(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The public reports from Malmstrom (2023-02-01 15:00Z) to the shoot-down: the
    continental-US part of the path."""
    src = shared_data / "scenarios" / "feb2023_public_reports.csv"
    out = tmp_path_factory.mktemp("scen") / "conus.csv"
    with src.open() as fh, out.open("w", newline="") as fo:
        rows = [r for r in csv.DictReader(fh) if r["time_utc"] >= "2023-02-01T15"]
        w = csv.DictWriter(fo, fieldnames=["time_utc", "lat", "lon", "alt_m"])
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in ("time_utc", "lat", "lon", "alt_m")})
    return out


def test_engage_conus_recommends_over_water(conus_track: Path, tmp_path: Path) -> None:
    """Along the reported continental-US path (one wind member: this tests the window logic),
    windows over towns fail Ec < 1e-4; with the state census backgrounds (geo.population) the
    ranch land of south-eastern Montana / northern Wyoming is below it (measured Ec 2.7-4.3e-5
    on 2023-02-01 23Z-02-02 04Z, ~0.1-0.3 people/km2): the recommendation is the earliest of
    those, and the over-water window off Surfside (where the real engagement was) is ok with
    Ec below 1e-5."""
    res = runner.invoke(
        app,
        ["engage", "--track", str(conus_track), "--every", "60", "--out", str(tmp_path),
         "--members", "1", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    assert len(d["windows"]) > 60
    assert {"time", "lat", "lon", "ec", "p_land"} <= set(d["windows"][0])
    rec = d["recommended"]
    assert rec is not None, d["reason"]
    assert rec["territory"] == "US" and rec["ec_hi"] < 1e-4
    assert rec["ec_lo"] <= rec["ec"] <= rec["ec_hi"]
    assert 44.0 < rec["lat"] < 46.0 and -108.0 < rec["lon"] < -105.0, rec
    assert rec["ec"] == pytest.approx(2.9e-5, rel=0.5)
    # every window before it fails, and the reasons say why
    before = [w for w in d["windows"] if w["time"] < rec["time"]]
    assert before and not any(w["ok"] for w in before)
    assert any("over land" in line for line in d["explanation"])
    surf = d["windows"][-1]
    assert surf["over_land"] is False and surf["territory"] == "US" and surf["ok"]
    assert surf["coast_distance_km"] < 22.3 and surf["ec_hi"] < 1e-5
    assert (tmp_path / "engage.json").is_file()
    feats = json.loads((tmp_path / "engage.geojson").read_text())["features"]
    layers = {f["properties"]["layer"] for f in feats}
    assert {"engage_windows", "engage_recommended", "debris"} <= layers


def test_engage_hours_zero_scores_one_point() -> None:
    res = runner.invoke(
        app,
        [
            "engage",
            "--lat",
            "45.78",
            "--lon",
            "-108.5",
            "--alt",
            "18300",
            "--time",
            "2023-02-01T19:00Z",
            "--hours",
            "0",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    assert len(d["windows"]) == 1
    assert d["windows"][0]["ec"] > 1e-3  # Billings
    assert d["recommended"] is None and "no window" in d["reason"]


def test_engage_from_point_predicts_forward() -> None:
    """From 33.3 N 80.5 W the float path (climatological westerlies) reaches the Atlantic."""
    res = runner.invoke(
        app,
        [
            "engage",
            "--lat",
            "33.3",
            "--lon",
            "-80.5",
            "--alt",
            "18900",
            "--time",
            "2023-02-04T12:00Z",
            "--hours",
            "6",
            "--every",
            "30",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    assert len(d["windows"]) == 13
    assert d["windows"][-1]["lon"] > d["windows"][0]["lon"]
    assert d["windows"][0]["p_land"] == 1.0


def test_planner_threshold_must_be_positive() -> None:
    path = FlightPath.from_arrays([1.6e9], [45.0], [-100.0], [18_000.0])
    for bad in (0.0, -1e-4, float("nan")):
        with pytest.raises(ConfigError):
            plan_engagement(path, CalmWind(), threshold=bad)


@pytest.mark.parametrize("value", ["0", "-1e-4"])
def test_cli_threshold_not_positive(value: str) -> None:
    res = runner.invoke(
        app,
        [
            "engage",
            "--lat",
            "45",
            "--lon",
            "-100",
            "--alt",
            "18000",
            "--time",
            "2023-02-01T19:00Z",
            "--hours",
            "0",
            "--threshold",
            value,
        ],
    )
    assert res.exit_code == 2
    assert "threshold" in res.output and "Traceback" not in res.output


def test_cli_track_outside_wind_data(conus_track: Path, shared_data: Path) -> None:
    """A 2023 track with a GFS file valid 2011-01-15 12Z: a clear domain error, exit code 3."""
    grib = shared_data / "wind" / "gfs_2011011012_f120_2p5deg.grib2"
    res = runner.invoke(
        app, ["engage", "--track", str(conus_track), "--wind", str(grib), "--every", "600"]
    )
    assert res.exit_code == 3, res.output
    assert "outside the wind data" in res.output and "Traceback" not in res.output


def test_cli_engage_needs_track_or_position() -> None:
    res = runner.invoke(app, ["engage", "--lat", "45"])
    assert res.exit_code == 2 and "--track" in res.output


def test_cli_assess_sites_and_borders(shared_data: Path, tmp_path: Path) -> None:
    reports = shared_data / "scenarios" / "feb2023_public_reports.csv"
    sites = shared_data / "geo" / "sensitive_sites_example.csv"
    out = tmp_path / "assess.geojson"
    res = runner.invoke(
        app, ["assess", str(reports), "--sites", str(sites), "--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    malmstrom = next(s for s in d["sites"] if s["name"] == "Malmstrom Air Force Base")
    assert malmstrom["probability"] == 1.0 and malmstrom["time_closest"].startswith("2023-02-01")
    entered = [b["country"] for b in d["borders"]]
    assert entered[:2] == ["US", "CA"]
    assert "above commercial traffic" in d["aviation"]["statement"]
    assert out.is_file()


def test_cli_assess_bad_sites_file(shared_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "sites.csv"
    bad.write_text("name,lat,lon,radius_km\nA,45,-100,5\nB,45,-100,abc\n")
    reports = shared_data / "scenarios" / "feb2023_public_reports.csv"
    res = runner.invoke(app, ["assess", str(reports), "--sites", str(bad)])
    assert res.exit_code == 2
    assert "line 3" in res.output and "radius_km" in res.output and "Traceback" not in res.output


def test_cli_assess_reads_a_prediction_export(tmp_path: Path) -> None:
    """`predict` output (GeoJSON with member paths) is a valid `assess` input: one member each."""
    from stratowatch.io.export import write_features
    from stratowatch.predict import predict

    pred = predict(
        "2023-02-01T15:00Z",
        47.3,
        -111.5,
        18_300.0,
        wind="climatology",
        hours=6,
        members=8,
        wind_sigma=3.5,
        seed=2,
    )
    path = write_features(tmp_path / "pred.geojson", pred.to_features(member_paths=True))
    sites = tmp_path / "sites.csv"
    sites.write_text("name,lat,lon,radius_km\nfield,47.3,-110.5,110\n")
    res = runner.invoke(app, ["assess", str(path), "--sites", str(sites), "--json"])
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    assert d["members"] == 8
    assert d["sites"][0]["probability"] == 1.0  # starts 76 km from the centre of a 110 km circle


BILLINGS_ARGS = [
    "engage",
    "--lat",
    "45.78",
    "--lon",
    "-108.5",
    "--alt",
    "18300",
    "--time",
    "2023-02-01T19:00Z",
]


def test_engage_must_show_billings_120h() -> None:
    """Issue 9 item 3: every window has ec, ec_lo, ec_hi, p_land, p_territory; windows whose
    median point is 100-400 km offshore show the members' land share; a recommended window has
    ec_lo <= ec <= ec_hi < threshold."""
    res = runner.invoke(
        app,
        [*BILLINGS_ARGS, "--hours", "120", "--every", "60", "--wind", "climatology"]
        + ["--seed", "1", "--json"],
    )
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    assert len(d["windows"]) == 121
    for w in d["windows"]:
        assert {"ec", "ec_lo", "ec_hi", "p_land", "p_territory", "over_land"} <= set(w)
        assert w["ec_lo"] <= w["ec"] <= w["ec_hi"]
        assert w["p_land_ci"][0] <= w["p_land"] <= w["p_land_ci"][1]
        assert w["realisations"] == 40
    offshore = [
        w for w in d["windows"] if not w["over_land"] and 100 <= w["coast_distance_km"] <= 400
    ]
    assert offshore
    # the forecast spread reaches land from well offshore: the members' land share shows it
    assert max(w["p_land"] for w in offshore) > 0.1
    assert any(w["p_land"] > 0.1 and w["coast_distance_km"] >= 100 for w in offshore)
    rec = d["recommended"]
    if rec is not None:
        assert rec["ec_lo"] <= rec["ec"] <= rec["ec_hi"] < d["threshold"]
    else:
        # measured (climatology, ~12 m/s wind error): members spread 200-2000 km, so even the
        # Atlantic windows put debris on land in ~25 % of break-ups; the reason says so
        assert "no window has Ec" in d["reason"] and "position spread" in d["reason"]
    assert all(isinstance(w["ec"], float) for w in d["windows"])  # never NaN (null)
    for w in d["windows"]:
        if w["ok"]:
            assert w["ec_hi"] < d["threshold"]


def test_engage_out_file_is_a_file(tmp_path: Path) -> None:
    """Issue 13: `engage --out x.geojson` writes that file, not a directory."""
    out = tmp_path / "x.geojson"
    res = runner.invoke(
        app, [*BILLINGS_ARGS, "--hours", "0", "--members", "6", "--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    assert out.is_file()
    feats = json.loads(out.read_text())["features"]
    assert feats and feats[0]["properties"]["layer"] == "engage_windows"
    assert "ec_hi" in feats[0]["properties"]


def test_engage_out_unwritable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(
        app, [*BILLINGS_ARGS, "--hours", "0", "--members", "4", "--out", str(blocker / "sub")]
    )
    assert res.exit_code == 2
    assert "out" in res.output.lower() or "write" in res.output.lower()


def test_engage_track_hours_beyond_its_end(tmp_path: Path) -> None:
    """Issue 13: `--track F --hours N` forecasts beyond the track's end as its help says."""
    track = tmp_path / "t.csv"
    track.write_text(
        "time,lat,lon,alt\n2023-02-01T19:00Z,45.78,-108.5,18300\n2023-02-01T20:00Z,45.76,-107.9,18300\n"
    )
    res = runner.invoke(
        app,
        ["engage", "--track", str(track), "--hours", "4", "--every", "60", "--members", "8"]
        + ["--json"],
    )
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    times = [w["time"] for w in d["windows"]]
    assert times[0] == "2023-02-01T19:00:00Z" and times[-1] == "2023-02-01T23:00:00Z"
    assert len(times) == 5
    # beyond the track the forecast members spread out
    assert d["windows"][-1]["position_spread_km"] > d["windows"][0]["position_spread_km"]
    # without --hours the windows cover the track only
    res = runner.invoke(
        app, ["engage", "--track", str(track), "--every", "60", "--members", "4"] + ["--json"]
    )
    assert [w["time"] for w in _last_json(res.stdout)["windows"]][-1] == "2023-02-01T20:00:00Z"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--members", "0"], "members"),
        (["--position-sigma", "-1"], "position_sigma"),
        (["--every", "0"], "every"),
        (["--lon", "400"], "lon"),
        (["--lat", "nan"], "lat"),
        (["--alt", "-5"], "alt"),
    ],
)
def test_engage_bad_options(args: list[str], needle: str) -> None:
    res = runner.invoke(app, [*BILLINGS_ARGS, "--hours", "0", *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output


def test_cli_assess_out_holds_the_path(tmp_path: Path) -> None:
    """Issue 13: `assess --out` without --sites/--debris wrote an empty FeatureCollection."""
    track = tmp_path / "t.csv"
    track.write_text(
        "time,lat,lon,alt\n2023-02-01T19:00Z,45.78,-108.5,18300\n2023-02-01T20:00Z,45.76,-107.9,18300\n"
    )
    out = tmp_path / "a.geojson"
    res = runner.invoke(app, ["assess", str(track), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    feats = json.loads(out.read_text())["features"]
    assert [f["properties"]["layer"] for f in feats] == ["path"]
    assert feats[0]["geometry"]["coordinates"][0][:2] == [-108.5, 45.78]
    assert feats[0]["properties"]["times"][0] == "2023-02-01T19:00:00Z"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["assess", str(track), "--out", str(blocker / "a.geojson")])
    assert res.exit_code == 2 and "cannot write" in res.output
