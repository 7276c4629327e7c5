"""`stratowatch track` through the CLI runner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app

runner = CliRunner()

FIXES = (
    "time,lat,lon,alt,sigma_m\n"
    "2023-02-01T19:00:00Z,45.78,-108.50,18300,2000\n"
    "2023-02-01T20:00:00Z,45.70,-108.20,,2000\n"
    "2023-02-01T21:00:00Z,45.62,-107.90,,2000\n"
    "2023-02-01T22:00:00Z,95.0,-107.60,,2000\n"
    "2023-02-01T23:00:00Z,45.46,-107.30,,2000\n"
)


def _json_line(out: str) -> dict[str, object]:
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_csv_in_json_summary_and_bad_row(tmp_path: Path) -> None:
    p = tmp_path / "fixes.csv"
    p.write_text(FIXES)
    res = runner.invoke(app, ["track", str(p), "--wind", "calm", "--json"])
    assert res.exit_code == 0, res.output
    s = _json_line(res.stdout)
    assert s["observations"] == 4 and s["n_issues"] == 1
    assert "line 5" in s["issues"][0] and "'lat'" in s["issues"][0]  # type: ignore[index]
    tracks = s["tracks"]
    assert isinstance(tracks, list) and len(tracks) == 1
    assert tracks[0]["n_updates"] == 4
    assert tracks[0]["altitude"]["method"] == "measured"
    assert [d["action"] for d in s["decisions"]] == ["new track"] + ["update"] * 3  # type: ignore[union-attr]


def test_strict_stops_with_file_line_field(tmp_path: Path) -> None:
    p = tmp_path / "fixes.csv"
    p.write_text(FIXES)
    res = runner.invoke(app, ["track", str(p), "--wind", "calm", "--strict"])
    assert res.exit_code == 2
    assert "line 5" in res.stderr and "field 'lat'" in res.stderr and "fixes.csv" in res.stderr
    assert "Traceback" not in res.output


def test_empty_and_missing_files(tmp_path: Path) -> None:
    p = tmp_path / "empty.csv"
    p.write_text("")
    res = runner.invoke(app, ["track", str(p)])
    assert res.exit_code == 2 and "empty file" in res.stderr
    res = runner.invoke(app, ["track", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "file not found" in res.stderr
    res = runner.invoke(app, ["track", str(p), "--format", "xml"])
    assert res.exit_code == 2 and "--format" in res.stderr


def test_out_csv_and_geojson(tmp_path: Path) -> None:
    p = tmp_path / "fixes.csv"
    p.write_text(FIXES)
    out = tmp_path / "states.csv"
    res = runner.invoke(app, ["track", str(p), "--wind", "calm", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 4
    assert list(rows[0])[:5] == ["track_id", "time", "lat", "lon", "alt"]
    assert float(rows[0]["sigma_e_m"]) > 0 and rows[0]["time"] == "2023-02-01T19:00:00Z"
    gj = tmp_path / "t.geojson"
    res = runner.invoke(app, ["track", str(p), "--wind", "calm", "--out", str(gj)])
    assert res.exit_code == 0, res.output
    fc = json.loads(gj.read_text())
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == 1 and len(lines[0]["properties"]["times"]) == 4
    kml = tmp_path / "t.kml"
    res = runner.invoke(app, ["track", str(p), "--wind", "calm", "--out", str(kml)])
    assert res.exit_code == 0, res.output
    assert "<kml" in kml.read_text()


@pytest.mark.shared
def test_feb2023_with_colombia_cli(shared_data: Path, tmp_path: Path) -> None:
    src = (shared_data / "scenarios" / "feb2023_public_reports.csv").read_text()
    extra = (
        "2023-02-03T12:00:00Z,12,10.4,-75.5,150,17500,1500,report,"
        '"Second balloon over northern Colombia, above 55000 ft","Colombian Air Force"\n'
    )
    p = tmp_path / "reports.csv"
    p.write_text(src.rstrip("\n") + "\n" + extra)
    res = runner.invoke(app, ["track", str(p), "--json"])
    assert res.exit_code == 0, res.output
    s = _json_line(res.stdout)
    tracks = s["tracks"]
    assert isinstance(tracks, list) and len(tracks) == 2
    assert tracks[0]["n_updates"] == 8
    review = s["same_object_review"]
    assert isinstance(review, list) and len(review) == 1
    assert review[0]["p_new"] > 0.999
    assert "different object" in review[0]["explanation"]
    res = runner.invoke(app, ["track", str(p)])
    assert res.exit_code == 0 and "different object" in res.stdout


@pytest.mark.shared
def test_ns95_cli_reports_malformed(shared_data: Path) -> None:
    files = sorted(str(f) for f in (shared_data / "tracks" / "umd_ns95").glob("*.txt"))
    res = runner.invoke(app, ["track", *files, "--json"])
    assert res.exit_code == 0, res.output
    s = _json_line(res.stdout)
    assert len(s["tracks"]) == 1  # type: ignore[arg-type]
    assert s["n_issues"] == 92  # 88 malformed positions + 4 status packets without position
    assert "92 row(s) skipped" in res.stderr
