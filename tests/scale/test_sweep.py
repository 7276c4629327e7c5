"""Launch sweeps: the grid, the table's figures on cases with known answers, chunking
independence, files, and bad input."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.errors import ConfigError, InputError
from stratowatch.scale.sweep import (
    SweepSpec,
    launch_times,
    parse_duration,
    read_polygon,
    run_sweep,
    wilson_interval,
)


def _box(path: Path, west: float, south: float, east: float, north: float) -> Path:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                                                           "coordinates": [ring]}}]}))  # fmt: skip
    return path


def test_durations_and_launch_times() -> None:
    assert parse_duration("3h") == 10_800.0
    assert parse_duration("30min") == parse_duration("30m") == 1_800.0
    assert parse_duration("1d") == 86_400.0 and parse_duration("90") == 90.0
    t = launch_times("2023-02-01T00:00Z", "2023-02-02T00:00Z", "3h")
    assert len(t) == 9 and t[-1] - t[0] == 86_400.0
    for bad in ("3x", "-2h", "0h", "nanh"):
        with pytest.raises(InputError):
            parse_duration(bad)
    with pytest.raises(InputError, match="ends before it starts"):
        launch_times("2023-02-02T00:00Z", "2023-02-01T00:00Z", "3h")


def test_wilson_interval_published_value() -> None:
    # Wilson (1927) score interval: 0 of 100 at 90 % -> [0, z^2/(n+z^2)] = [0, 0.02634]
    lo, hi = wilson_interval(0, 100)
    assert lo == pytest.approx(0.0, abs=1e-12)
    assert hi == pytest.approx(1.6449**2 / (100 + 1.6449**2), rel=1e-3)
    lo, hi = wilson_interval(50, 100)
    assert lo < 0.5 < hi and hi - 0.5 == pytest.approx(0.5 - lo)


def test_calm_air_lands_at_the_launch_site(tmp_path: Path) -> None:
    """No wind: every member comes down where it went up (distance 0, r90 0), on land in
    Montana and inside a box around the site, outside a box elsewhere."""
    spec = SweepSpec(
        times=launch_times("2023-02-01T00:00Z", "2023-02-01T06:00Z", "6h"), lat=45.78,
        lon=-108.5, alt=1000.0, ascent_rates=(4.0, 6.0), burst_alts=(20_000.0,), members=8,
        wind="calm", inside=read_polygon(_box(tmp_path / "box.geojson", -109, 45, -108, 46)),
    )  # fmt: skip
    res = run_sweep(spec)
    assert len(res.rows) == 4
    for r in res.rows:
        assert r["distance_km"] == pytest.approx(0.0, abs=1e-3)
        assert r["r90_km"] == pytest.approx(0.0, abs=1e-3)
        assert r["landed_fraction"] == 1.0 and r["end_alt_m"] == 1000.0
        assert r["p_land"] == 1.0 and r["p_inside"] == 1.0
        # 20 km up at the rate, and down under the parachute: the slower ascent lands later
    t4 = [r["end_time"] for r in res.rows if r["ascent_rate_m_s"] == 4.0]
    t6 = [r["end_time"] for r in res.rows if r["ascent_rate_m_s"] == 6.0]
    assert all(a > b for a, b in zip(t4, t6, strict=True))
    far = SweepSpec(times=spec.times[:1], lat=45.78, lon=-108.5, alt=1000.0, members=4,
                    burst_alts=(20_000.0,), wind="calm",
                    inside=read_polygon(_box(tmp_path / "far.geojson", 0, 0, 1, 1)))  # fmt: skip
    assert run_sweep(far).rows[0]["p_inside"] == 0.0


def test_chunking_and_threads_do_not_change_the_table() -> None:
    spec = SweepSpec(
        times=launch_times("2023-02-01T00:00Z", "2023-02-01T03:00Z", "3h"), lat=45.78,
        lon=-108.5, alt=1000.0, float_alts=(18_000.0,), hours=6.0, members=11, seed=2,
    )  # fmt: skip
    a = run_sweep(spec).summary()
    from stratowatch.scale import ThreadEngine

    with ThreadEngine(2) as eng:
        b = run_sweep(spec, engine=eng, chunk=4).summary()
    assert a == b
    assert a["profile"] == "float" and a["cells"] == 2
    assert all(r["landed_fraction"] == 0.0 and r["r90_km"] > r["r50_km"] > 0 for r in a["rows"])


def test_cli_files_and_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(app, [
        "sweep", "--from", "2023-02-01T00:00Z", "--to", "2023-02-01T12:00Z", "--every", "12h",
        "--burst-alt", "25000,30000", "--members", "6", "--out", str(out), "--json",
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    obj = json.loads(res.output.strip().splitlines()[-1])
    assert obj["cells"] == 4 and obj["burst_alts_m"] == [25000.0, 30000.0]
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [r["cell"] for r in rows] == ["0", "1", "2", "3"]
    assert float(rows[1]["burst_alt_m"]) == 30000.0 and "p_inside" not in rows[0]
    for r, o in zip(rows, obj["rows"], strict=True):
        assert float(r["r90_km"]) == o["r90_km"]
    page = (out / "sweep.html").read_text()
    assert "Median landing: distance from the launch site" in page and "P(on land)" in page


def test_parquet_needs_pyarrow(tmp_path: Path) -> None:
    args = ["sweep", "--from", "2023-02-01T00:00Z", "--to", "2023-02-01T00:00Z",
            "--members", "2", "--out", str(tmp_path), "--parquet"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        assert res.exit_code != 0 and "needs the optional pyarrow" in res.output
        assert not (tmp_path / "sweep.csv").exists()  # refused before any work
    else:
        assert res.exit_code == 0, res.output
        assert pq.read_table(tmp_path / "sweep.parquet").num_rows == 1


def test_bad_input(tmp_path: Path) -> None:
    t = launch_times("2023-02-01T00:00Z", "2023-02-01T00:00Z", "1h")
    with pytest.raises(ConfigError, match="not both"):
        SweepSpec(times=t, lat=45.0, lon=-100.0, burst_alts=(2e4,), float_alts=(1.8e4,))
    with pytest.raises(ConfigError, match="positive"):
        SweepSpec(times=t, lat=45.0, lon=-100.0, ascent_rates=(5.0, math.nan))
    with pytest.raises(ConfigError, match="members"):
        SweepSpec(times=t, lat=45.0, lon=-100.0, members=0)
    with pytest.raises(ConfigError, match="burst altitude"):
        run_sweep(SweepSpec(times=t, lat=45.0, lon=-100.0, alt=1000.0, burst_alts=(500.0,)))
    with pytest.raises(InputError, match="not found"):
        read_polygon(tmp_path / "missing.geojson")
    (tmp_path / "bad.geojson").write_text("{not json")
    with pytest.raises(InputError, match="GeoJSON"):
        read_polygon(tmp_path / "bad.geojson")
    (tmp_path / "pt.geojson").write_text('{"type": "Point", "coordinates": [0, 0]}')
    with pytest.raises(InputError, match="no Polygon"):
        read_polygon(tmp_path / "pt.geojson")
    with pytest.raises(InputError, match="out of range"):
        read_polygon(_box(tmp_path / "range.geojson", 0, 80, 10, 95))
    (tmp_path / "nan.geojson").write_text(
        '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, NaN], [0, 0]]]}'
    )
    with pytest.raises(InputError, match="non-finite"):
        read_polygon(tmp_path / "nan.geojson")
    res = CliRunner().invoke(app, ["sweep", "--from", "2023-02-01T00:00Z", "--to",
                                   "2023-02-01T03:00Z", "--float-alt", "18000,abc"])  # fmt: skip
    assert res.exit_code != 0 and "not a number: 'abc'" in res.output


def test_polygon_contains_skips_nan() -> None:
    import shapely

    from stratowatch.scale.sweep import Polygon

    p = Polygon("box", shapely.box(-1, -1, 1, 1))
    inside = p.contains(np.array([0.0, np.nan, 5.0]), np.array([0.0, 0.0, 0.0]))
    assert inside.tolist() == [True, False, False]
