"""`stratowatch demo` end to end: files, summary schema, and the report/exports agreeing with
the library's numbers (one code path). Issue 6."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.demo import EC_PLOT_FLOOR
from stratowatch.scenario import BILLINGS, SURFSIDE, load_reports


@pytest.fixture(scope="module")
def summary(demo_run: Any) -> dict[str, Any]:
    out, result = demo_run
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return data


def test_demo_writes_every_file(demo_run: Any, summary: dict[str, Any]) -> None:
    out, result = demo_run
    for name in ("report.html", "summary.json", "layers.geojson", "layers.kml", "layers.czml"):
        assert (out / name).stat().st_size > 1000, name
    # the terminal summary names the key results
    for text in ("Coverage", "Engagement", "Aviation", "recommended", "Wrote"):
        assert text in result.output
    assert summary["files"]["report"] == "report.html"


def test_summary_schema(summary: dict[str, Any]) -> None:
    for key in ("track", "origin", "forecast", "coverage", "overflight", "aviation", "engagement"):
        assert key in summary, key
    # with the wind's own error model the debris spread may leave no window under the limit
    # (the climatology's sigma_u is ~12 m/s at 18 km, docs/uncertainty.md)
    for w in summary["engagement"]["windows"]:
        assert set(w) >= {"time", "lat", "lon", "ec", "ec_lo", "ec_hi", "p_land", "p_territory"}
    rec = summary["engagement"]["recommended"]
    if rec is None:  # issue 9: the Ec upper bound over the forecast members must be < the limit
        assert summary["engagement"]["reason"].startswith("no window")
    assert summary["forecast"]["members"] >= 500
    assert summary["forecast"]["start"]["time"] == BILLINGS.time_iso
    assert [c["name"] for c in summary["coverage"]] == ["Sabetha", "St. Louis", "Surfside Beach"]
    for c in summary["coverage"]:
        assert c["within_forecast"] and c["distance_km"] >= 0
        assert isinstance(c["inside_90"], bool)
        assert not (c["inside_50"] and not c["inside_90"])  # the 50 % region is inside the 90 %
    raw = summary["forecast"]["without_bias_correction"]
    assert [c["name"] for c in raw["coverage"]] == [c["name"] for c in summary["coverage"]]
    assert summary["forecast"]["wind_bias_ms"]["applied"] is True
    assert summary["forecast"]["wind_bias_ms"]["until"] == BILLINGS.time_iso
    assert summary["track"]["reports"] == len(load_reports())
    # float altitude from the drift: the public reports say 60,000-65,000 ft (18.3-19.8 km)
    assert 15_000 < summary["track"]["float_alt_m"] < 23_000
    assert summary["aviation"]["statement"]


def test_engagement_is_consistent(summary: dict[str, Any]) -> None:
    en = summary["engagement"]
    thr = en["threshold"]
    rec = en["recommended"]
    wins = en["windows"]
    assert len(wins) > 20
    times = [w["time"] for w in wins]
    assert times == sorted(times)
    # the recommendation is the earliest acceptable window (Ec upper bound under the limit)
    first_ok = next((w for w in wins if w["ok"]), None)
    if rec is None:
        assert first_ok is None
    else:
        assert first_ok is not None and rec["time"] == first_ok["time"]
        assert rec["ec_lo"] <= rec["ec"] <= rec["ec_hi"] < thr
    for w in wins:
        assert 0.0 <= w["p_land"] <= 1.0 and 0.0 <= w["ec_lo"] <= w["ec"] <= w["ec_hi"]
    # over Billings the debris risk is far above the limit (why the military waited)
    assert en["billings"]["ec"] > 10 * thr
    assert en["shootdown"]["time"] == SURFSIDE.time_iso


def test_report_and_exports_show_the_library_numbers(
    demo_run: Any, summary: dict[str, Any]
) -> None:
    out, _ = demo_run
    page = (out / "report.html").read_text()
    m = re.search(r'<script id="sw-data" type="application/json">(.*?)</script>', page, re.S)
    assert m is not None
    data = json.loads(m.group(1))
    # coverage table == summary coverage
    cov = next(t for t in data["tables"] if t["title"].startswith("Coverage"))
    assert [r[3] for r in cov["rows"]] == [c["distance_km"] for c in summary["coverage"]]
    # Ec plot == summary windows
    ec = next(p for p in data["plots"] if p["id"] == "ec")
    floor = EC_PLOT_FLOOR * summary["engagement"]["threshold"]
    assert [max(w["ec"], floor) for w in summary["engagement"]["windows"]] == ec["series"][0]["y"]
    # the map's window points and the GeoJSON export carry the same Ec values
    geo = json.loads((out / "layers.geojson").read_text())
    ec_geo = [
        f["properties"]["ec"] for f in geo["features"] if f["properties"]["layer"] == "windows"
    ]
    ec_map = [
        f["properties"]["ec"] for f in data["features"] if f["properties"]["layer"] == "windows"
    ]
    assert ec_geo == ec_map == [w["ec"] for w in summary["engagement"]["windows"]]
    layers = {f["properties"]["layer"] for f in geo["features"]}
    assert layers >= {"reports", "track", "origin", "corridor", "sites", "windows", "debris"}
    # KML and CZML hold the same features
    root = ET.parse(out / "layers.kml").getroot()
    placemarks = list(root.iter("{http://www.opengis.net/kml/2.2}Placemark"))
    assert len(placemarks) == len(geo["features"])
    czml = json.loads((out / "layers.czml").read_text())
    assert czml[0]["id"] == "document" and "clock" in czml[0]
    assert len(czml) > len(geo["features"])


def test_demo_bad_option_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "x"), "--members", "0"])
    assert result.exit_code == 2
    assert "members" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
