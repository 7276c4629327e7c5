"""Hindcast harness on the real tracks (issue 3): NS-95 descent from burst with the winds
its own ascent measured; SHAB-14V sunset descent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.errors import InputError
from stratowatch.predict.verify import ascent_wind, final_descent_start, hindcast, load_track

pytestmark = pytest.mark.shared


def _ns95(shared: Path) -> list[Path]:
    return sorted((shared / "tracks" / "umd_ns95").glob("*.txt"))


def test_ns95_burst_and_ascent_wind(shared_data: Path) -> None:
    """Burst of NS-95 at 15:28:56Z, 19,818 m (65,019 ft in the packet); the ascent-derived
    wind is light (a few m/s) at low levels and westerly aloft on 2020-11-07."""
    trk = load_track(_ns95(shared_data))
    k = final_descent_start(trk)
    assert trk.alt[k] == pytest.approx(19_817.8, abs=1.0)
    assert trk.time[k] == pytest.approx(1604762936.0)  # 2020-11-07T15:28:56Z
    w = ascent_wind(trk, k)
    u, v = w.uv(0.0, 39.6, -77.3, [1_000.0, 17_000.0])
    assert abs(float(u[0])) < 8.0
    assert float(u[1]) > 2.0


def test_ns95_landing_error_baseline(shared_data: Path) -> None:
    """The baseline: NS-95's descent predicted from burst with its own ascent winds lands
    1.5 km from the last fix (it drifted 10.7 km while descending); the climatology misses by
    far more. Errors grow with lead time."""
    h = hindcast(_ns95(shared_data))
    assert h.landing_error_km == pytest.approx(1.53, abs=0.3)
    assert h.descent_distance_km == pytest.approx(10.7, abs=0.2)
    assert 3.5 < h.descent_rate < 5.5
    med = [b["median_km"] for b in h.by_lead]
    assert med[0] < 0.5 and med[0] < med[-1]
    clim = hindcast(_ns95(shared_data), wind="climatology")
    assert clim.landing_error_km > 5 * h.landing_error_km


def test_shab14v_sunset_descent(shared_data: Path) -> None:
    """SHAB-14V floats ~8 h, then sinks after sunset: the descent starts near 01:39Z at ~19 km;
    its morning-ascent winds still predict the landing within ~20 km of a 34 km drift."""
    h = hindcast(shared_data / "tracks" / "shab14v" / "SHAB14V-APRS.csv")
    assert 18_500.0 < h.start_alt < 19_500.0
    assert h.descent_distance_km == pytest.approx(34.0, abs=1.0)
    assert h.landing_error_km < 25.0


def test_verify_cli_json(shared_data: Path) -> None:
    res = CliRunner().invoke(app, ["verify", *map(str, _ns95(shared_data)), "--json"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.output.strip().splitlines()[-1])
    assert obj["landing_error_km"] == pytest.approx(1.53, abs=0.3)
    assert obj["by_lead"][0]["lead_min_from"] == 0.0


def test_verify_rejects_a_track_without_descent(tmp_path: Path) -> None:
    p = tmp_path / "climb.csv"
    rows = [
        f"2024-01-01T00:{m:02d}:00Z,45.0,{10 + m * 0.01:.3f},{1000 + 300 * m}" for m in range(30)
    ]
    p.write_text("time,lat,lon,alt\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match="no final descent"):
        hindcast(p)
