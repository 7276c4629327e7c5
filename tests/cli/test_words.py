"""Issue 13 item 4: words people understand (predict's key points, places, --explain)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.report.words import name_coordinates

runner = CliRunner()
#: a standard flight from the Norfolk coast: climatology (June) carries it into the North Sea
NORFOLK = ["predict", "--time", "2023-06-01T12:00Z", "--lat", "52.9", "--lon", "1.6", "--alt"]
NORFOLK += ["100", "--profile", "standard", "--hours", "6"]


def _last_json(output: str) -> dict:  # type: ignore[type-arg]
    return json.loads(output.strip().splitlines()[-1])


def test_single_member_says_landing_with_burst_and_place() -> None:
    res = runner.invoke(app, NORFOLK)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "median" not in text and "50 % within" not in text and "within 0.0 km" not in text
    assert re.search(
        r"burst: 2023-06-01 \d\d:\d\dZ at 52\.\d+, [12]\.\d+ \(.+\), 2\d,\d{3} m", text
    )
    assert "landing: 2023-06-01" in text
    assert "over water" in text and "off United Kingdom" in text  # the North Sea
    assert "nearest place:" in text
    assert re.search(r"maximum altitude: 2\d,\d{3} m", text)
    # the JSON carries the same facts as fields
    obj = _last_json(runner.invoke(app, [*NORFOLK, "--json"]).stdout)
    assert obj["end_word"] == "landing"
    end = obj["places"]["end"]
    assert end["surface"] == "water" and end["coast_country_iso"] == "GB"
    assert end["nearest_place"]["country_iso"] == "GB" and end["nearest_place"]["distance_km"] > 0
    assert obj["burst"]["alt_m"] == obj["max_alt_m"]  # one member: its burst is its highest point
    assert obj["places"]["burst"]["text"] in text
    assert f"maximum altitude: {obj['max_alt_m']:,.0f} m" in text
    assert f"{obj['burst']['alt_m']:,.0f} m" in text


def test_ensemble_says_median_and_spread() -> None:
    res = runner.invoke(app, [*NORFOLK, "--members", "40", "--seed", "3", "--json"])
    assert res.exit_code == 0, res.output
    obj = _last_json(res.stdout)
    res = runner.invoke(app, [*NORFOLK, "--members", "40", "--seed", "3"])
    text = " ".join(res.stdout.split())
    assert "median burst:" in text and "median landing:" in text
    e = obj["end"]
    assert (
        f"50 % of the members land within {e['r50_km']:,.1f} km of the median landing, "
        f"90 % within {e['r90_km']:,.1f} km" in text
    )
    lo, hi = obj["max_alt_5_95_m"]
    assert f"5-95 %: {lo:,.0f}-{hi:,.0f} m" in text


def test_float_end_and_backward_origin() -> None:
    base = ["predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5"]
    base += ["--alt", "18300", "--hours", "6"]
    text = " ".join(runner.invoke(app, base).stdout.split())
    assert "end: 2023-02-02 01:00Z" in text and "still flying at the end of the run" in text
    assert "burst" not in text and "on land in United States" in text
    text = " ".join(runner.invoke(app, [*base, "--backward"]).stdout.split())
    assert "origin: 2023-02-01 13:00Z" in text


def test_name_coordinates() -> None:
    out = name_coordinates("report 2023-02-03T15:00:00Z at 10.40, -75.50 is a different object")
    assert out.startswith("report 2023-02-03T15:00:00Z at 10.40, -75.50 (Colombia, ")
    assert out.endswith(") is a different object")
    assert name_coordinates("p(same) 0.50, 0.30") == "p(same) 0.50, 0.30"
    assert name_coordinates(out) == out  # already named: unchanged


@pytest.mark.shared
def test_track_explain_agrees_with_the_numbers(shared_data: Path) -> None:
    reports = shared_data / "scenarios" / "feb2023_public_reports.csv"
    res = runner.invoke(app, ["track", str(reports), "--explain", "--json"])
    assert res.exit_code == 0, res.output
    obj = _last_json(res.stdout)
    text, facts = obj["explanation"], obj["explanation_facts"]
    assert facts["reports"] == obj["observations"] == 8
    assert f"{facts['reports']} position reports were read" in text
    t = facts["tracks"][0]
    assert t["status"] == "confirmed" and "describe one object" in text
    assert f"Object {t['track_id']} ({t['reports']} reports)" in text
    assert f"about {t['distance_km']:,.0f} km" in text
    assert f"about {t['mean_speed_m_s']:.0f} m/s ({t['mean_speed_m_s'] * 3.6:.0f} km/h)" in text
    assert f"about {t['alt_m'] / 1000:.1f} km altitude" in text
    assert f"give or take {t['alt_sigma_m'] / 1000:.1f} km" in text
    assert f"known to about {t['last_sigma_km']:,.1f} km" in text
    assert t["end_place"] in text and "Myrtle Beach" in t["end_place"]
    # the numbers are the track's own: the JSON track entry
    tr = obj["tracks"][0]
    assert t["alt_m"] == round(tr["altitude"]["mean_m"], 0)
    assert [t["end_lat"], t["end_lon"]] == [round(x, 2) for x in tr["last"]]
    assert tr["last_place"]["text"] == t["end_place"]
    assert f"--lat {t['end_lat']:.2f} --lon {t['end_lon']:.2f}" in text
    # the terminal prints the same paragraph after the tracks
    plain = runner.invoke(app, ["track", str(reports), "--explain"])
    assert " ".join(text.split()) in " ".join(plain.stdout.split())


def test_engage_explain_agrees_with_the_numbers() -> None:
    """A break-up 14 km off Myrtle Beach (the 2023 shoot-down point), one window."""
    args = ["engage", "--lat", "33.55", "--lon", "-78.83", "--alt", "18900", "--time"]
    args += ["2023-02-04T19:39Z", "--hours", "0", "--members", "4", "--samples", "1"]
    res = runner.invoke(app, [*args, "--explain", "--json"])
    assert res.exit_code == 0, res.output
    d = _last_json(res.stdout)
    text = d["explanation_text"]
    w = d["windows"][0]
    assert "Myrtle Beach" in w["place"] and w["place"] in text
    assert "1 moment to bring the balloon down was tried, at 2023-02-04 19:39Z" in text
    assert f"simulated {d['method']['realisations_per_window']} times" in text
    assert "0.0001 (about 1 in 10,000 chance of one casualty)" in text and "450.101" in text
    ec, hi = f"Ec {w['ec']:.2g}", f"{w['ec_hi']:.2g}"
    assert ec in text and hi in text
    assert f"chance of debris on land {100 * w['p_land']:.0f} %" in text
    if d["recommended"] is None:
        assert "the moment tried does not meet the limit inside US territory" in text
    else:
        assert "recommended one is 2023-02-04 19:39Z" in text
    plain = runner.invoke(app, [*args, "--explain"])
    out = " ".join(plain.stdout.split())
    assert " ".join(text.split()) in out
    assert f"window: 2023-02-04T19:39:00Z at 33.550, -78.830 ({w['place']})" in out
