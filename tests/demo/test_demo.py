"""`stratowatch demo` end to end: files, summary schema, and the report/exports agreeing with
the library's numbers (one code path), issue 6; no look-ahead (the forecast is the same without
the later reports), the outcome compared at its own time and the hindsight section, issue 9."""

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
from stratowatch.scenario import BILLINGS, REPORTS_PATH, SURFSIDE, load_reports
from stratowatch.timeutil import to_epoch


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
    for key in (
        "track",
        "origin",
        "forecast",
        "coverage",
        "overflight",
        "aviation",
        "engagement",
        "steering",
        "uncorrected",
        "outcome",
        "hindsight",
    ):
        assert key in summary, key
    for w in (summary["engagement"]["start"], *summary["engagement"]["windows"]):
        assert set(w) >= {
            "time",
            "lat",
            "lon",
            "ec",
            "ec_lo",
            "ec_hi",
            "p_land",
            "p_territory",
            "ok",
            "in_own_territory",
        }
    fo = summary["forecast"]
    assert fo["members"] >= 500
    assert fo["start"]["time"] == BILLINGS.time_iso
    assert [c["name"] for c in summary["coverage"]] == ["Sabetha", "St. Louis", "Surfside Beach"]
    for c in summary["coverage"]:
        assert c["within_forecast"] and c["distance_km"] >= 0
        assert isinstance(c["inside_90"], bool)
        assert not (c["inside_50"] and not c["inside_90"])  # the 50 % region is inside the 90 %
    raw = summary["uncorrected"]
    assert [c["name"] for c in raw["coverage"]] == [c["name"] for c in summary["coverage"]]
    assert fo["wind_bias_ms"]["applied"] is True
    assert fo["wind_bias_ms"]["until"] == BILLINGS.time_iso
    assert summary["track"]["reports"] == len(load_reports())
    # float altitude from the drift: the public reports say 60,000-65,000 ft (18.3-19.8 km)
    assert 15_000 < summary["track"]["float_alt_m"] < 23_000
    assert summary["aviation"]["statement"]


def test_forecast_knows_only_the_reports_up_to_its_start(summary: dict[str, Any]) -> None:
    """The forecast's altitude is the track's as of Billings (five reports), not the estimate
    from all eight; the horizon comes from the forecast's own median leaving US territory."""
    fo = summary["forecast"]
    asof = fo["track_as_of"]
    assert asof["reports"] == fo["start"]["reports_known"] == 5
    assert asof["time"] == BILLINGS.time_iso
    assert fo["start"]["alt_m"] == asof["float_alt_m"] != summary["track"]["float_alt_m"]
    # the as-of estimate is what the five reports say: 18.3 km reported twice, +- 1 km
    assert 17_000 < asof["float_alt_m"] < 19_500
    hz = fo["horizon"]
    assert "leaves US territory" in hz["rule"]
    assert fo["hours"] == hz["hours"] == summary["engagement"]["hours"]
    if hz["median_exit"] is None:  # still inside at the cap (or never inside)
        assert hz["hours"] == hz["max_hours"]
    else:
        exit_h = (to_epoch(hz["median_exit"]) - BILLINGS.time) / 3600.0
        assert exit_h <= hz["hours"] < exit_h + 1.0 and hz["hours"] <= hz["max_hours"]
    # the forecast runs past the real shoot-down: its horizon was not chosen by it
    assert hz["hours"] > (SURFSIDE.time - BILLINGS.time) / 3600.0 + 24.0
    assert summary["run"]["forecast_start_rule"].startswith("the last report at or before")


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
    if first_ok is None:
        assert rec is None and en["reason"].startswith("no window")
    else:
        assert rec["time"] == first_ok["time"] and rec["ec"] == first_ok["ec"]
        assert rec["in_own_territory"] and rec["ec_lo"] <= rec["ec"] <= rec["ec_hi"] < thr
    for w in wins:
        assert 0.0 <= w["p_land"] <= 1.0 and 0.0 <= w["ec_lo"] <= w["ec"] <= w["ec_hi"]
        assert w["ok"] == (w["in_own_territory"] and w["ec_hi"] < thr)
    # over Billings the debris risk is far above the limit (why the military waited)
    assert en["start"]["ec"] > 10 * thr
    assert en["start"]["time"] == BILLINGS.time_iso


def test_steering_knows_only_the_reports_up_to_the_start(
    demo_run: Any, summary: dict[str, Any]
) -> None:
    """Issue 15 in the demo: the path from the Aleutians to Billings explained (passive or not)
    and the worst case for the sites from Billings, from the five reports up to the start; the
    line's numbers are the result's, and the map carries the reachable regions."""
    sg = summary["steering"]
    assert sg["as_of"] == BILLINGS.time_iso
    assert sg["reports_used"] == sg["reports_total"] == 5
    mo = sg["motion"]
    probs = mo["probabilities"]
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-3)
    assert mo["probability"] == max(probs.values())
    assert mo["reports"] == 5
    assert sg["line"].startswith("the path to 02-01 19:00Z (5 reports)")
    assert mo["headline"] in sg["line"]
    # the reachable set runs from Billings for 48 h (the forecast's horizon is longer)
    reach = sg["reach"]
    assert reach["hours"] == pytest.approx(48.0)
    worst = sg["worst_case"]
    assert [w["earliest_hours"] for w in worst] == sorted(w["earliest_hours"] for w in worst)
    if worst:
        assert f"{worst[0]['earliest_hours']:.1f} h" in sg["line"]
    else:
        assert "allowed none of" in sg["line"]
    s90 = sg["soonest_90"]
    if s90 is not None:
        assert s90["name"] in sg["line"] and 0 <= s90["earliest_hours_90"] <= 48.0
    out, result = demo_run
    assert "Could it steer?" in result.output
    geo = json.loads((out / "layers.geojson").read_text())
    layers = {f["properties"]["layer"] for f in geo["features"]}
    assert {"reach", "reach_start", "motion_passive"} <= layers


def test_outcome_is_compared_at_its_own_time(summary: dict[str, Any]) -> None:
    """The shoot-down is compared with the forecast's members at 02-04 19:39Z (the same
    time), not with the recommended window two days later."""
    oc = summary["outcome"]
    assert oc["event"]["time"] == SURFSIDE.time_iso
    assert oc["lead_h"] == pytest.approx((SURFSIDE.time - BILLINGS.time) / 3600.0, abs=0.01)
    at = oc["forecast_at_time"]
    surf = next(c for c in summary["coverage"] if c["name"] == "Surfside Beach")
    assert at["distance_km"] == surf["distance_km"] and at["inside_90"] == surf["inside_90"]
    # the forecast's window at that time is scored at the forecast's median, not the real point
    fw = oc["forecast_window"]
    assert fw["time"] == SURFSIDE.time_iso
    # (two median definitions of the same members: within 0.5 deg of a 1,000 km wide spread)
    assert (fw["lat"], fw["lon"]) == pytest.approx((at["median_lat"], at["median_lon"]), abs=0.5)
    real = oc["real_point"]
    assert (real["lat"], real["lon"], real["time"]) == (
        SURFSIDE.lat,
        SURFSIDE.lon,
        SURFSIDE.time_iso,
    )
    assert not real["over_land"] and real["in_own_territory"]
    rec = summary["engagement"]["recommended"]
    if rec is not None:
        assert oc["recommended"]["hours_after_outcome"] == pytest.approx(
            (to_epoch(rec["time"]) - SURFSIDE.time) / 3600.0, abs=0.01
        )
    else:
        assert "recommended" not in oc and "recommended no window" in oc["statement"]
    assert "km from the real position" in oc["statement"]


def test_hindsight_scores_the_whole_track(summary: dict[str, Any], demo_run: Any) -> None:
    """Labelled hindsight; windows from the Aleutians to the coast, each with its Ec (and its
    interval when the planner gives one) and region; the spans agree with the windows."""
    hs = summary["hindsight"]
    assert hs["label"].startswith("HINDSIGHT")
    wins = hs["windows"]
    assert wins[0]["time"] == summary["track"]["start"]
    assert wins[-1]["time"] == summary["track"]["end"] == SURFSIDE.time_iso
    regions = {w["region"] for w in wins}
    assert {"Alaska (land)", "contiguous US (land)"} <= regions
    assert any(r.startswith("Atlantic") for r in regions)
    thr = hs["threshold"]
    for w in wins:
        assert w["ec"] >= 0 and w["position_sigma_km"] > 0
        upper = w.get("ec_hi", w["ec"])
        assert w["meets_limit"] == (w["in_own_territory"] and upper < thr)
        if "ec_lo" in w:
            assert w["ec_lo"] <= w["ec"] <= w["ec_hi"]
    n_ok = sum(w["meets_limit"] for w in wins)
    assert sum(sp["windows"] for sp in hs["spans"]) == n_ok
    assert sum(r["meets_limit"] for r in hs["regions"].values()) == n_ok
    # the last window is the real shoot-down point, off South Carolina
    assert wins[-1]["region"].startswith("Atlantic")
    assert (wins[-1]["lat"], wins[-1]["lon"]) == pytest.approx(
        (SURFSIDE.lat, SURFSIDE.lon), abs=0.1
    )
    # the whole path explained (issue 15), from more reports than the forecast knew
    mo = hs["motion"]
    assert mo["line"].startswith("the whole path") and mo["headline"] in mo["line"]
    assert sum(mo["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert mo["reports"] > summary["steering"]["motion"]["reports"]
    # the map layer carries the same windows
    out, result = demo_run
    assert "HINDSIGHT" in result.output and "Could it steer? (hindsight)" in result.output
    geo = json.loads((out / "layers.geojson").read_text())
    pts = [
        f["properties"]
        for f in geo["features"]
        if f["properties"]["layer"] == "hindsight" and f["geometry"]["type"] == "Point"
    ]
    assert [p["ec"] for p in pts] == [w["ec"] for w in wins]


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
    assert layers >= {
        "reports",
        "track",
        "origin",
        "corridor",
        "sites",
        "windows",
        "debris",
        "outcome",
        "hindsight",
    }
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


def _run_json(args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["demo", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _without_timings(section: Any, *, top: bool = True) -> Any:
    """The section without its timings (``elapsed_s`` at any depth) and top-level warnings."""
    if isinstance(section, dict):
        drop = ("warnings", "elapsed_s") if top else ("elapsed_s",)
        return {k: _without_timings(v, top=False) for k, v in section.items() if k not in drop}
    if isinstance(section, list):
        return [_without_timings(v, top=False) for v in section]
    return section


@pytest.fixture(scope="module")
def five_and_eight(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """Issue 9's check: the first five reports (up to Billings) and the full file, 200 members,
    seed 5."""
    tmp = tmp_path_factory.mktemp("asof")
    five = tmp / "five.csv"
    five.write_text("\n".join(REPORTS_PATH.read_text().splitlines()[:6]) + "\n")
    # the hindsight section comes last and feeds nothing (the session run covers it)
    common = ["--members", "200", "--seed", "5", "--no-hindsight"]
    short = _run_json(["--reports", str(five), *common, "--out", str(tmp / "a")])
    full = _run_json([*common, "--out", str(tmp / "b")])
    return short, full


def test_forecast_is_the_same_without_the_later_reports(five_and_eight: tuple[Any, Any]) -> None:
    """No look-ahead: removing the three reports after Billings (and the outcome row) changes
    nothing in the forecast or in what follows from it (overflight, aviation, engagement, the
    steering line)."""
    short, full = five_and_eight
    assert short["forecast"]["track_as_of"]["reports"] == 5
    for key in ("forecast", "overflight", "aviation", "engagement", "steering"):
        assert _without_timings(short[key]) == _without_timings(full[key]), key
    # the five-report run has nothing to score and says so; the full one scores the rest
    assert short["coverage"] == [] and short["outcome"] is None and short["uncorrected"] is None
    assert short["run"]["forecast_start_rule"].startswith("the last report in the file")
    assert short["scenario"]["outcome"] is None and short["hindsight"] is None
    assert [c["name"] for c in full["coverage"]] == ["Sabetha", "St. Louis", "Surfside Beach"]
    # while the track from all eight reports does differ
    assert short["track"]["float_alt_m"] != full["track"]["float_alt_m"]


_ONE_ROW = b"time_utc,time_uncertainty_h,lat,lon,radius_km\n2023-02-01T19:00Z,1,45,-108,50\n"


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "cannot read reports file"),
        (b"time_utc,lat\n2023-02-01T19:00Z,45\n", [], "missing columns"),
        (b"", [], "no reports in file"),
        (b"\xff\xfe\x00t\x00i", [], "not a UTF-8 text file"),
        (_ONE_ROW.replace(b"-108", b"nan"), [], "field 'lon'"),
        (_ONE_ROW.replace(b",1,", b",-1,"), [], "negative time uncertainty"),
        (_ONE_ROW, ["--forecast-from", "2023-01-01T00:00Z"], "no report at or before"),
        (_ONE_ROW, ["--forecast-from", "yesterday"], "ISO 8601"),
    ],
)
def test_bad_reports_files_are_clear_errors(
    tmp_path: Path, content: bytes | None, args: list[str], message: str
) -> None:
    path = tmp_path / "reports.csv"
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["demo", "--reports", str(path), "--out", str(out), *args])
    assert result.exit_code in (2, 3), result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not out.exists()
