"""`stratowatch track` through the CLI runner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
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
    assert list(rows[0])[:6] == ["track_id", "status", "time", "lat", "lon", "alt"]
    assert {r["status"] for r in rows} == {"confirmed"}
    assert float(rows[0]["sigma_e_m"]) > 0 and rows[0]["time"] == "2023-02-01T19:00:00Z"
    gj = tmp_path / "t.geojson"
    res = runner.invoke(app, ["track", str(p), "--wind", "calm", "--out", str(gj)])
    assert res.exit_code == 0, res.output
    fc = json.loads(gj.read_text())
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == 1 and len(lines[0]["properties"]["times"]) == 4
    assert {f["properties"]["status"] for f in fc["features"]} == {"confirmed"}
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
    # ~28 sigma from the track's prediction: only a misreport (rate 0.1 for public reports)
    # could make it the same balloon
    assert review[0]["p_new"] == pytest.approx(0.95, abs=0.02)
    assert review[0]["verdict"] == "new" and review[0]["prior_new"] == pytest.approx(0.5)
    assert "is a different object" in review[0]["explanation"]
    assert [t["status"] for t in tracks] == ["confirmed", "tentative"]  # type: ignore[index]
    res = runner.invoke(app, ["track", str(p)])
    assert res.exit_code == 0 and "different object" in res.stdout
    assert "1e-206" not in res.stdout and "e-2" not in res.stdout


@pytest.mark.shared
def test_ns95_cli_reports_malformed(shared_data: Path) -> None:
    files = sorted(str(f) for f in (shared_data / "tracks" / "umd_ns95").glob("*.txt"))
    res = runner.invoke(app, ["track", *files, "--json"])
    assert res.exit_code == 0, res.output
    s = _json_line(res.stdout)
    assert len(s["tracks"]) == 1  # type: ignore[arg-type]
    assert s["n_issues"] == 92  # 88 malformed positions + 4 status packets without position
    assert "92 row(s) skipped" in res.stderr
    reps = s["repeats"]
    assert reps["n"] == 47 and reps["by_rule"] == {"payload": 46, "sequence": 1}  # type: ignore[index]
    assert "47 repeat(s) of earlier receptions dropped" in res.stderr


SCENE_CONFIG = """
p_detect = 0.9
new_object_density = 1.1e-10
refuse_unlikely = false
assignment_cost = "mahalanobis"
init_velocity_sigma = 30.0
confirm_hits = 3
delete_misses = 3
tentative_misses = 2
max_coast = 600.0
record_coasting = true

[motion]
q_h = 0.05
q_z = 1e-9
shear_sigma = 0.0
max_step = 60.0
"""


def _scene_csv(tmp_path: Path, n_obj: int = 4, n_scans: int = 30, clutter: float = 4.0) -> Path:
    """Objects at 10-30 m/s near 45 N, one scan a minute, P_D 0.9, Poisson clutter."""
    from stratowatch.timeutil import iso
    from stratowatch.track.geometry import offset_latlon

    rng = np.random.default_rng(1)
    x0 = rng.uniform(-60e3, 60e3, (n_obj, 2))
    head = rng.uniform(0, 2 * np.pi, n_obj)
    v = rng.uniform(10, 30, n_obj)[:, None] * np.column_stack([np.sin(head), np.cos(head)])
    lines = ["time,lat,lon,alt,sigma_m,sigma_alt_m"]
    for k in range(n_scans):
        pts = x0 + v * 60.0 * k
        pts = pts[rng.random(n_obj) < 0.9] + rng.normal(0, 500.0, (1, 2))
        pts = np.vstack([pts, rng.uniform(-80e3, 80e3, (rng.poisson(clutter), 2))])
        lat, lon = offset_latlon(45.0, 5.0, pts[:, 0], pts[:, 1])
        t = iso(1.7e9 + 60.0 * k)
        lines += [f"{t},{a:.6f},{b:.6f},18000,500,30" for a, b in zip(lat, lon, strict=True)]
    p = tmp_path / "scene.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_config_confirmed_only_and_status(tmp_path: Path) -> None:
    """Objects in clutter through the CLI with a TOML configuration: the state CSV and the
    JSON carry each track's status; --confirmed-only keeps only confirmed tracks."""
    scene = _scene_csv(tmp_path)
    cfg = tmp_path / "bench.toml"
    cfg.write_text(SCENE_CONFIG)
    out = tmp_path / "all.csv"
    args = ["track", str(scene), "--config", str(cfg), "--wind", "calm", "--no-smooth"]
    res = runner.invoke(app, [*args, "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    s = _json_line(res.stdout)
    counts = s["status_counts"]
    assert counts["confirmed"] == 4 and counts["deleted"] > 20  # type: ignore[index]
    statuses = {t["status"] for t in s["tracks"]}  # type: ignore[union-attr]
    assert statuses <= {"confirmed", "tentative", "deleted"} and "deleted" in statuses
    rows = list(csv.DictReader(out.open()))
    assert {r["status"] for r in rows} == statuses
    review = s["review"]
    assert review["candidates"] == counts["tentative"] + counts["deleted"]  # type: ignore[index]
    assert review["unreachable"] > review["reviewed"]  # type: ignore[index]
    # --confirmed-only
    conf = tmp_path / "confirmed.csv"
    res = runner.invoke(app, [*args, "--confirmed-only", "--out", str(conf), "--json"])
    assert res.exit_code == 0, res.output
    s2 = _json_line(res.stdout)
    assert [t["status"] for t in s2["tracks"]] == ["confirmed"] * 4  # type: ignore[union-attr]
    rows2 = list(csv.DictReader(conf.open()))
    assert {r["status"] for r in rows2} == {"confirmed"}
    assert len({r["track_id"] for r in rows2}) == 4
    gj = tmp_path / "c.geojson"
    res = runner.invoke(app, [*args, "--confirmed-only", "--out", str(gj)])
    assert res.exit_code == 0, res.output
    fc = json.loads(gj.read_text())
    assert {f["properties"]["status"] for f in fc["features"]} == {"confirmed"}
    assert "4 confirmed" in res.stdout
    # the configuration changes what the tracker does: 40 hits to confirm -> none confirmed
    cfg.write_text(SCENE_CONFIG.replace("confirm_hits = 3", "confirm_hits = 40"))
    res = runner.invoke(app, [*args, "--json"])
    assert _json_line(res.stdout)["status_counts"]["confirmed"] == 0  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("p_detec = 0.9\n", ["unknown key 'p_detec'", "valid keys:", "p_detect", "motion"]),
        ("[motion]\nqh = 1.0\n", ["unknown key 'qh' in [motion]", "q_h", "max_step"]),
        ("p_detect = 'high'\n", ["'p_detect'", "wrong type", "a number"]),
        ("p_detect = 1.5\n", ["p_detect", "0 < p_detect <= 1"]),
        ("[motion]\nq_h = -1.0\n", ["MotionModel.q_h", ">= 0"]),
        ("confirm_hits = 2.5\n", ["'confirm_hits'", "an integer"]),
        ('assignment_cost = "nearest"\n', ["'likelihood' or 'mahalanobis'"]),
        ("motion = 3\n", ["must be a table ([motion])"]),
        ("p_detect = \n", ["not a valid TOML file"]),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, words: list[str]) -> None:
    p = tmp_path / "fixes.csv"
    p.write_text(FIXES)
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    res = runner.invoke(app, ["track", str(p), "--config", str(cfg), "--wind", "calm"])
    assert res.exit_code == 2, res.output
    assert "bad.toml" in res.stderr and "Traceback" not in res.output
    for w in words:
        assert w in res.stderr, res.stderr
    res = runner.invoke(app, ["track", str(p), "--config", str(tmp_path / "none.toml")])
    assert res.exit_code == 2 and "none.toml" in res.stderr
