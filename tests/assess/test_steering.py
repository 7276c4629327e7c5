"""The demo's reachability line (issue 15, "show it"): the 2023 path up to Billings explained
and the winds' worst case for the sites, with no look-ahead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stratowatch.assess.steering import assess_steering, default_sites
from stratowatch.errors import InputError
from stratowatch.io.export import write_features

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "src" / "stratowatch" / "data" / "feb2023_reports.csv"
BILLINGS = "2023-02-01T19:00Z"


def test_no_look_ahead(tmp_path: Path) -> None:
    """The assessment as of Billings is identical whether or not the later reports (Sabetha,
    St. Louis, the shoot-down) are in the file."""
    lines = REPORTS.read_text().splitlines()
    first5 = tmp_path / "first5.csv"
    first5.write_text("\n".join(lines[:6]) + "\n")
    kw = {"as_of": BILLINGS, "hours": 12.0, "passive_members": 40}
    full = assess_steering(REPORTS, **kw)  # type: ignore[arg-type]
    part = assess_steering(first5, **kw)  # type: ignore[arg-type]
    a, b = full.summary(), part.summary()
    for s in (a, b):
        s.pop("reports_total")
        s["reach"].pop("elapsed_s")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert full.reports_used == 5 and full.reports_total == 8


def test_line_features_and_worst_case(tmp_path: Path) -> None:
    s = assess_steering(REPORTS, as_of=BILLINGS, hours=12.0, passive_members=40)
    line = s.line
    assert line.startswith("the path to 02-01 19:00Z (5 reports): ")
    assert s.motion.headline in line
    assert f"none of {len(default_sites())} sites" in line or "the soonest" in line
    soon = s.soonest_90()
    if soon is not None:
        assert soon["name"] in line and f"{soon['earliest_hours_90']:.1f} h" in line
    for w in s.worst_case():
        assert w["earliest_hours"] <= 12.0
    fc = s.to_features()
    layers = {f["properties"]["layer"] for f in fc["features"]}
    assert {"reach", "reach_wind90", "reach_start", "reach_sites", "motion_passive"} <= layers
    out = write_features(tmp_path / "steer.kml", fc)
    assert "<Polygon" in out.read_text()
    summary = s.summary()
    assert summary["as_of"] == "2023-02-01T19:00:00Z" and summary["line"] == line


def test_bad_as_of() -> None:
    with pytest.raises(InputError, match="fewer than two reports"):
        assess_steering(REPORTS, as_of="2023-01-20T00:00Z")
