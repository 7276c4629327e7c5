"""Issue 13 item 5: every bad input gets an exit code and a message naming the problem.

Each test runs the CLI as a user would (CliRunner) and asserts the exit code, words of the
message, and that no traceback was printed. The rules are listed in docs/cli.md ("What the CLI
checks").
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app

runner = CliRunner()
GFS = "wind/gfs_2011011012_f120_2p5deg.grib2"
PREDICT = ["predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5"]
PREDICT += ["--alt", "18300", "--hours", "2"]
ENGAGE = ["engage", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5"]
ENGAGE += ["--alt", "18300", "--hours", "0", "--members", "4", "--samples", "1"]


def _run(args: list[str]) -> tuple[int, str]:
    res = runner.invoke(app, args)
    text = " ".join(res.output.split())  # rich wraps long lines on a narrow terminal
    assert "Traceback" not in res.output, res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), (
        res.exception
    )
    return res.exit_code, text


def _last_json(output: str) -> dict:  # type: ignore[type-arg]
    return json.loads(output.strip().splitlines()[-1])


# ------------------------------------------------------------------ unwritable --out


def test_predict_out_under_a_file(blocked: Path) -> None:
    t0 = time.perf_counter()
    code, text = _run([*PREDICT, "--out", str(blocked / "flight.html")])
    assert code == 2
    assert "--out" in text and "not-a-folder is a file" in text
    assert "integration" not in text  # refused before the run
    assert time.perf_counter() - t0 < 60


def test_predict_out_is_a_folder_or_unknown_suffix(tmp_path: Path) -> None:
    code, text = _run([*PREDICT, "--out", str(tmp_path)])
    assert code == 2 and "unsupported output format" in text
    folder = tmp_path / "x.geojson"
    folder.mkdir()
    code, text = _run([*PREDICT, "--out", str(folder)])
    assert code == 2 and "the output file is a folder" in text
    code, text = _run([*PREDICT, "--out", str(tmp_path / "x.txt")])
    assert code == 2 and ".html" in text and ".geojson" in text


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_predict_out_in_a_read_only_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, text = _run([*PREDICT, "--out", str(ro / "p.geojson")])
    finally:
        ro.chmod(0o700)
    assert code == 2 and "cannot write in the folder" in text and "Permission denied" in text


def test_track_out_under_a_file(fixes: Path, blocked: Path) -> None:
    code, text = _run(["track", str(fixes), "--out", str(blocked / "t.geojson")])
    assert code == 2 and "--out" in text and "is a file" in text
    code, text = _run(["track", str(fixes), "--out", str(fixes.parent / "t.txt")])
    assert code == 2 and "unsupported output format" in text


def test_wind_fetch_out_under_a_file(blocked: Path) -> None:
    code, text = _run(
        ["wind", "fetch", "gfs", "--run", "2023020100", "--bbox", "-120,30,-100,50",
         "--out", str(blocked / "gfs")]
    )  # fmt: skip
    assert code == 2 and "--out" in text and "is a file" in text


def test_assess_and_engage_out_under_a_file(fixes: Path, blocked: Path) -> None:
    """(engage --out as a file name, --out to a folder and assess --out holding the path are
    in tests/assess/test_engage_cli.py.)"""
    code, text = _run(["assess", str(fixes), "--out", str(blocked / "a.geojson")])
    assert code == 2 and "cannot write the output" in text and "is a file" in text
    code, text = _run([*ENGAGE, "--out", str(blocked / "e.geojson")])
    assert code == 2 and "cannot write the output" in text
    code, text = _run([*ENGAGE, "--out", str(blocked / "folder")])
    assert code == 2 and "cannot write the output" in text
    code, text = _run(["assess", str(fixes), "--out", str(fixes.parent / "a.txt")])
    assert code == 2 and "unsupported output format" in text


def test_verify_markdown_under_a_file(fixes: Path, blocked: Path) -> None:
    code, text = _run(["verify", str(fixes), "--markdown", str(blocked / "calibration.md")])
    assert code == 2 and "--markdown" in text and "is a file" in text


# ------------------------------------------------------------------ memory


def test_predict_memory_estimated_before_allocating() -> None:
    code, text = _run([*PREDICT, "--members", "100000000"])
    assert code == 2
    assert "not enough memory" in text and "100,000,000 members" in text
    assert "GB" in text and "limit" in text and "available" in text
    assert "fewer --members" in text and "--output-step" in text


def test_check_memory_limit_and_estimate() -> None:
    from stratowatch.cli.validate import check_memory, estimate_predict_bytes
    from stratowatch.errors import ConfigError

    need, steps = estimate_predict_bytes(1000, 48.0, 600.0)
    assert steps == 289
    assert need == 1000 * (400 + 6_000 + 48 * 289)  # all 1,000 in flight at once
    check_memory(need, what="x", hints=["y"], available=10 * need)
    with pytest.raises(ConfigError, match="limit is 8.0 MB"):
        check_memory(9_000_000, what="x", hints=["y"], available=10_000_000)
    # without kept paths (predict without --out) only the chunks in flight hold paths
    from stratowatch.cli.validate import PATH_CHUNK_MEMBERS
    from stratowatch.scale.ensemble import MAX_CHUNK

    assert PATH_CHUNK_MEMBERS == MAX_CHUNK
    import os

    big, _ = estimate_predict_bytes(10_000_000, 48.0, 600.0)
    lean, _ = estimate_predict_bytes(10_000_000, 48.0, 600.0, paths=False)
    in_flight = MAX_CHUNK * (os.cpu_count() or 1)
    assert big == 10_000_000 * (400 + 48 * 289) + in_flight * 6_000
    assert lean == 10_000_000 * 400 + in_flight * (6_000 + 48 * 289)
    assert lean < big / 25  # without --out, 10 million members fit where their paths do not
    assert estimate_predict_bytes(1000, 48.0, 600.0, paths=False)[0] == need


# ------------------------------------------------------------------ --hours


@pytest.mark.parametrize("hours", ["100000", "721", "0", "-5", "nan"])
def test_predict_hours_out_of_range(hours: str) -> None:
    args = [a for a in PREDICT if a not in ("--hours", "2")]
    code, text = _run([*args, "--hours", hours])
    assert code == 2 and "--hours" in text and "720 h (30 days)" in text


def test_predict_long_run_warns() -> None:
    args = [a for a in PREDICT if a not in ("--hours", "2")]
    code, text = _run([*args, "--hours", "300", "--wind", "calm", "--output-step", "3600"])
    assert code == 0 and "warning: a long run (300 h = 12.5 days)" in text
    res = runner.invoke(
        app, [*args, "--hours", "300", "--wind", "calm", "--output-step", "3600", "--json"]
    )
    assert any("a long run" in w for w in _last_json(res.stdout)["warnings"])


# ------------------------------------------------------------------ wind area and time


@pytest.mark.shared
def test_predict_start_outside_regional_wind(regional_wind: Path) -> None:
    code, text = _run(
        ["predict", "--time", "2011-01-15T12:00Z", "--lat", "20", "--lon", "-90", "--alt",
         "18000", "--hours", "2", "--wind", str(regional_wind)]
    )  # fmt: skip
    assert code == 3
    assert "outside the wind data's area" in text
    assert "latitude 30..60, longitude -130..-100" in text and regional_wind.name in text
    # inside the area it runs
    code, text = _run(
        ["predict", "--time", "2011-01-15T12:00Z", "--lat", "45", "--lon", "-115", "--alt",
         "18000", "--hours", "2", "--wind", str(regional_wind)]
    )  # fmt: skip
    assert code == 0, text


@pytest.mark.shared
def test_wind_sample_and_track_outside_regional_wind(regional_wind: Path, fixes: Path) -> None:
    code, text = _run(
        ["wind", "sample", "--source", str(regional_wind), "--lat", "45", "--lon", "-80",
         "--alt", "18000"]
    )  # fmt: skip
    assert code == 3 and "the point (45, -80) is outside the wind data's area" in text
    east = fixes.parent / "east.csv"
    east.write_text(fixes.read_text().replace("-11", "-8"))  # the same fixes over Ohio
    code, text = _run(["track", str(east), "--wind", str(regional_wind), "--allow-stale-wind"])
    assert code == 3 and "the first report (47.3, -81.5) is outside the wind data's area" in text
    # over Montana, inside its area, the old file is accepted with --allow-stale-wind
    code, text = _run(
        ["track", str(fixes), "--wind", str(regional_wind), "--allow-stale-wind",
         "--no-second-look"]
    )  # fmt: skip
    assert code == 0 and "used anyway" in text


@pytest.mark.shared
def test_stale_wind_needs_allow(regional_wind: Path, fixes: Path) -> None:
    """The 2011-01-15 12Z GFS analysis (here its Montana cut, read like the GRIB) for a 2026
    flight: an error naming the wind's time, unless --allow-stale-wind."""
    wind = str(regional_wind)
    args = [a for a in PREDICT if a not in ("--time", "2023-02-01T19:00Z")]
    code, text = _run([*args, "--time", "2026-02-01T19:00Z", "--wind", wind])
    assert code == 3
    assert "the start (2026-02-01T19:00:00Z): 5,496.3 days outside" in text
    assert "valid time 2011-01-15T12:00:00Z" in text and "more than 3 days" in text
    assert "--allow-stale-wind" in text
    code, text = _run([*args, "--time", "2026-02-01T19:00Z", "--wind", wind, "--allow-stale-wind"])
    assert code == 0 and "used anyway (--allow-stale-wind)" in text
    # the same rule in wind sample and track
    code, text = _run(
        ["wind", "sample", "--source", wind, "--time", "2023-02-01T00:00Z", "--lat", "45",
         "--lon", "-110", "--alt", "18000"]
    )  # fmt: skip
    assert code == 3 and "more than 3 days" in text and "--source climatology" in text
    code, text = _run(["track", str(fixes), "--wind", wind, "--no-second-look"])
    assert code == 3 and "the reports (2023-02-01T15:00:00Z .. 2023-02-01T17:00:00Z): " in text


@pytest.mark.shared
def test_stale_grib_file(shared_data: Path) -> None:
    args = [a for a in PREDICT if a not in ("--time", "2023-02-01T19:00Z")]
    code, text = _run([*args, "--time", "2026-02-01T19:00Z", "--wind", str(shared_data / GFS)])
    assert (
        code == 3 and "valid time 2011-01-15T12:00:00Z (gfs_2011011012_f120_2p5deg.grib2)" in text
    )


def test_stale_wind_rule() -> None:
    """3 days either side of the wind's valid span; climatology and calm air are exempt."""
    from stratowatch.atmosphere import open_wind
    from stratowatch.atmosphere.wind import WindMeta
    from stratowatch.cli.validate import check_wind_time
    from stratowatch.errors import DomainError
    from stratowatch.timeutil import to_epoch

    class _W:
        meta = WindMeta(
            source="f.grib2",
            kind="gridded",
            time_start=to_epoch("2023-02-01T00:00Z"),
            time_end=to_epoch("2023-02-02T00:00Z"),
        )

    w = _W()
    assert check_wind_time(w, to_epoch("2023-02-04T23:00Z")) == []  # 2.96 days after the end
    assert check_wind_time(w, to_epoch("2023-01-29T01:00Z")) == []
    with pytest.raises(DomainError, match="3.0 days outside"):
        check_wind_time(w, to_epoch("2023-02-05T00:00Z") + 1.0)
    with pytest.raises(DomainError, match=r"2023-02-01T00:00:00Z \.\. 2023-02-02T00:00:00Z"):
        check_wind_time(w, [to_epoch("2023-02-01T12:00Z"), to_epoch("2023-02-09T00:00Z")])
    assert "used anyway" in check_wind_time(w, 0.0, allow_stale=True)[0]
    for spec in ("climatology", "calm"):
        assert check_wind_time(open_wind(spec), to_epoch("2031-02-01T19:00Z")) == []


# ------------------------------------------------------------------ coordinates


LON_MESSAGE = "longitude out of range (got 400.0); expected degrees east, -180 <= lon < 360"


def test_lon_400_rejected_the_same_way_everywhere(tmp_path: Path) -> None:
    code, text = _run([*[a if a != "-108.5" else "400" for a in PREDICT]])
    assert code == 2 and "--lon" in text and LON_MESSAGE in text
    code, text = _run(["wind", "sample", "--lat", "45", "--lon", "400", "--alt", "18000"])
    assert code == 2 and "--lon" in text and LON_MESSAGE in text
    bad = tmp_path / "bad.csv"
    bad.write_text("time,lat,lon,alt\n2023-02-01T19:00Z,45.0,400,18000\n")
    code, text = _run(["track", str(bad), "--strict"])
    assert code == 2 and "line 2" in text and LON_MESSAGE in text


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--lat", "91", "latitude out of range (got 91.0)"),
        ("--lat", "nan", "not a finite number (got nan)"),
        ("--lon", "-180.5", "longitude out of range"),
        ("--lon", "inf", "not a finite number"),
        ("--alt", "-1000", "altitude out of range"),
        ("--alt", "200000", "-500 <= alt <= 100,000"),
    ],
)
def test_predict_and_wind_sample_coordinates(option: str, value: str, words: str) -> None:
    args = list(PREDICT)
    args[args.index(option) + 1] = value
    code, text = _run(args)
    assert code == 2 and option in text and words in text
    sample = ["wind", "sample", "--lat", "45", "--lon", "-100", "--alt", "18000"]
    sample[sample.index(option) + 1] = value
    code, text = _run(sample)
    assert code == 2 and option in text and words in text


def test_lon_400_in_engage_and_assess(tmp_path: Path) -> None:
    args = list(ENGAGE)
    args[args.index("--lon") + 1] = "400"
    code, text = _run(args)
    assert code == 2 and "--lon" in text and LON_MESSAGE in text
    path = tmp_path / "path.csv"
    path.write_text("time,lat,lon,alt\n2023-02-01T19:00Z,45,400,18000\n")
    code, text = _run(["assess", str(path)])
    assert code == 2 and "line 2" in text and LON_MESSAGE in text
    geo = tmp_path / "path.geojson"
    geo.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":'
        '"Point","coordinates":[400,45,18000]},"properties":{"time":"2023-02-01T19:00Z"}}]}'
    )
    code, text = _run(["assess", str(geo)])
    assert code == 2 and "longitude[0]" in text and "-180 <= lon < 360" in text


@pytest.mark.shared
def test_engage_hours_and_wind_checks(regional_wind: Path) -> None:
    args = [a for a in ENGAGE if a not in ("--hours", "0")]
    code, text = _run([*args, "--hours", "1000"])
    assert code == 2 and "--hours" in text and "0 to 720 h" in text
    code, text = _run([*args, "--hours", "0", "--wind", str(regional_wind)])
    assert code == 3 and "4,400.3 days outside the wind data's valid time" in text
    args[args.index("--lon") + 1] = "-90"
    code, text = _run([*args, "--hours", "0", "--wind", str(regional_wind)])
    assert code == 3 and "outside the wind data's area" in text


def test_lon_in_0_360_is_normalised() -> None:
    res = runner.invoke(app, [*[a if a != "-108.5" else "251.5" for a in PREDICT], "--json"])
    assert res.exit_code == 0, res.output
    assert _last_json(res.stdout)["start"]["lon"] == pytest.approx(-108.5)
