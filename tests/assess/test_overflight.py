"""Overflight (sites, borders), aviation, and the path reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.assess import (
    FlightPath,
    assess_aviation,
    border_crossings,
    read_path,
    site_overflight,
)
from stratowatch.assess.aviation import flight_level, us_airspace_class
from stratowatch.errors import InputError
from stratowatch.geo import Site, offset_m

T0 = 1_675_000_000.0


def _straight_path(
    lat0: float, lon0: float, north_offsets: list[float], speed: float, hours: float
) -> FlightPath:
    """Members moving east at ``speed`` m/s, each ``north_offsets[k]`` m north of (lat0, lon0)."""
    t = T0 + np.arange(0, hours * 3600 + 1, 1800.0)
    east = (t - T0) * speed - hours * 3600 * speed / 2
    lats, lons = [], []
    for dn in north_offsets:
        la, lo = offset_m(lat0, lon0, east, np.full(east.shape, dn))
        lats.append(la)
        lons.append(lo)
    return FlightPath.from_arrays(t, np.array(lats), np.array(lons), 18_000.0)


def test_site_closest_approach_and_dwell_analytic() -> None:
    """A member passing d = 3 km from a site of radius r = 5 km at 20 m/s spends
    2 sqrt(r^2 - d^2) / v = 400 s inside; one passing 8 km away never does: p = 0.5."""
    path = _straight_path(10.0, 20.0, [3000.0, 8000.0], 20.0, 6.0)
    (res,) = site_overflight(path, [Site("X", 10.0, 20.0, 5000.0)])
    assert res.probability == 0.5
    assert res.min_distance == pytest.approx(3000.0, rel=2e-3)
    assert res.dwell_max == pytest.approx(400.0, rel=1e-2)
    assert res.dwell_mean == pytest.approx(200.0, rel=1e-2)
    assert res.time_closest == pytest.approx(T0 + 3 * 3600, abs=60)


def test_border_crossing_into_canada() -> None:
    """Northward along 110 W at 25 m/s from 47 N: crosses 49 N after 222.4 km / 25 m/s = 2.47 h."""
    t = T0 + np.arange(0, 6 * 3600 + 1, 600.0)
    lat = 47.0 + (t - T0) * 25.0 / 111_195.0
    path = FlightPath.from_arrays(t, lat, np.full(t.shape, -110.0), 18_000.0)
    start, crossings = border_crossings(path, step=300.0)
    assert start == "US"
    (ca,) = crossings
    assert ca.iso == "CA" and ca.probability == 1.0
    assert ca.time_mean == pytest.approx(T0 + 2.47 * 3600, abs=900)
    assert "enters Canada" in ca.statement() and "p = 1.00" in ca.statement()


def test_aviation_levels_and_statement() -> None:
    assert flight_level(18_288.0)[()] == pytest.approx(600.0)
    assert us_airspace_class(10_000.0) == "A"
    assert us_airspace_class(19_000.0) == "E"
    assert us_airspace_class(3_000.0).startswith("below A")
    t = T0 + np.arange(0, 3 * 3600 + 1, 600.0)
    path = FlightPath.from_arrays(
        t, np.linspace(45.9, 45.7, t.size), np.linspace(-108.7, -108.3, t.size), 18_300.0
    )
    av = assess_aviation(path, airport_radius=20_000.0)
    assert "above commercial traffic" in av.statement
    assert "FL450-FL180" in av.statement
    assert av.airports[0].icao == "KBIL"  # Billings Logan International
    low = FlightPath.from_arrays(t, 45.8, -108.5, 11_000.0)
    assert "airliner cruise band" in assess_aviation(low).statement


def test_read_path_reports(shared_data: Path) -> None:
    """The public reports of the 2023 balloon, with blank altitudes interpolated."""
    path = read_path(shared_data / "scenarios" / "feb2023_public_reports.csv")
    assert path.members == 1 and path.times.size == 8
    assert np.all((path.alt >= 18_300) & (path.alt <= 18_900))
    sites = [Site("Malmstrom AFB", 47.5047, -111.1872, 5000.0)]
    (mal,) = site_overflight(path, sites)
    assert mal.probability == 1.0


def test_read_path_bad_rows(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text(
        "time,lat,lon,alt\n2023-02-01T00:00Z,45,-100,18000\n2023-02-01T01:00Z,95,-100,18000\n"
    )
    with pytest.raises(InputError) as info:
        read_path(p)
    assert info.value.line == 3 and info.value.field == "lat"
    p.write_text("time,lat,lon,alt\nyesterday,45,-100,18000\n")
    with pytest.raises(InputError, match="line 2"):
        read_path(p)
    p.write_text("time,lat,lon\n2023-02-01T00:00Z,45,-100\n")
    with pytest.raises(InputError, match="no altitude"):
        read_path(p)
    assert read_path(p, default_alt=18_000.0).alt[0, 0] == 18_000.0


def test_border_crossing_ensemble_from_the_aleutians() -> None:
    """A 30-member float ensemble from the Bering Sea (2023-01-28, 18.3 km, climatology) enters
    the US first, then Canada with high probability and a spread of hours."""
    from stratowatch.predict import predict

    pred = predict(
        "2023-01-28T12:00Z",
        55.5,
        -168.0,
        18_300.0,
        wind="climatology",
        hours=96,
        members=30,
        wind_sigma=3.5,
        seed=1,
    )
    start, crossings = border_crossings(FlightPath.from_prediction(pred))
    assert start == ""
    first = {c.iso: c for c in reversed(crossings) if not c.reentry}
    assert crossings[0].iso == "US" and crossings[0].probability == 1.0
    ca = first["CA"]
    assert ca.probability >= 0.8
    assert 1800.0 < ca.time_std < 24 * 3600.0
    assert ca.time_mean > crossings[0].time_mean


def test_read_path_tracker_state_file(tmp_path: Path) -> None:
    """A tracker's state CSV holds several objects: one must be chosen by its track_id."""
    p = tmp_path / "states.csv"
    p.write_text(
        "track_id,time,lat,lon,alt\n"
        "T1,2023-02-01T00:00Z,45,-100,18000\nT1,2023-02-01T01:00Z,45.1,-99.5,18000\n"
        "T2,2023-02-01T00:30Z,40,-90,12000\n"
    )
    with pytest.raises(InputError, match="2 tracks"):
        read_path(p)
    t1 = read_path(p, track_id="T1")
    assert t1.members == 1 and t1.times.size == 2
    with pytest.raises(InputError, match="no such track"):
        read_path(p, track_id="T9")


def _random_ensemble(seed: int, lat0: float, lon0: float, spread_deg: float) -> FlightPath:
    """Members wandering from (lat0, lon0): random walks of ~100 km per 10-min step (fast, to
    cross the dateline and reach the pole within the path) plus a few NaN-free loiterers."""
    rng = np.random.default_rng(seed)
    t = T0 + np.arange(0, 48 * 3600 + 1, 600.0)
    m = 60
    lat = lat0 + np.cumsum(rng.normal(0.0, spread_deg, (m, t.size)), axis=1)
    lat = 90.0 - np.abs(((lat + 90.0) % 360.0) - 180.0)  # reflect at the poles
    lon = (lon0 + np.cumsum(rng.normal(0.0, 2 * spread_deg, (m, t.size)), axis=1) + 180) % 360
    lon[:5] = lon0 + 180.0  # members standing still at the start
    lat[:5] = lat0
    return FlightPath.from_arrays(t, lat, lon - 180.0, 18_000.0)


@pytest.mark.parametrize(
    ("lat0", "lon0", "spread"),
    [(46.0, -110.0, 0.3), (60.0, 179.5, 0.8), (-89.0, 0.0, 0.5), (0.0, 10.0, 3.0)],
)
def test_site_overflight_prefilter_is_exact(lat0: float, lon0: float, spread: float) -> None:
    """The spherical prefilter only skips segments that cannot matter: closest distance, its
    time and the dwell are bit-identical to computing every point in WGS84, for sites near,
    far, at the antipode and on the dateline, small and large radii."""
    from stratowatch.assess.overflight import (
        _site_segments,
        _site_segments_exact,
        _sphere_xy,
        _unit_vectors,
    )
    from stratowatch.geo import local_xy

    path = _random_ensemble(int(abs(lat0) + abs(lon0)), lat0, lon0, spread)
    sites = [
        Site("on the start", lat0, lon0, 5000.0),
        Site("near", lat0 + 0.7, lon0 - 0.5, 50_000.0),
        Site("far", -lat0 / 2, lon0 + 90.0, 20_000.0),
        Site("antipode", -lat0, lon0 - 180.0 if lon0 > 0 else lon0 + 180.0, 10_000.0),
        Site("huge", lat0 - 3.0 if lat0 > -80 else lat0 + 3.0, lon0, 800_000.0),
    ]
    for site in sites:
        fast = _site_segments(path, site)
        exact = _site_segments_exact(path, site)
        for a, b in zip(fast, exact, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=site.name)
        # the error bound holds with room to spare where it is used
        xa, ya, bound = _sphere_xy(_unit_vectors(path.lat, path.lon), site.lat, site.lon)
        x, y = local_xy(path.lat, path.lon, site.lat, site.lon)
        ok = np.isfinite(bound)
        assert np.all(np.hypot(xa - x, ya - y)[ok] < 0.5 * bound[ok])


def test_airports_prefilter_is_exact() -> None:
    """The k-d tree prefilter of `airports_near` keeps every airport within the radius: the
    same airports, distances and times as measuring every airport exactly."""
    from stratowatch.assess import aviation

    t = T0 + np.arange(0, 12 * 3600 + 1, 600.0)
    path = FlightPath.from_arrays(
        t, np.linspace(47.5, 39.0, t.size), np.linspace(-112.0, -95.0, t.size), 18_300.0
    )
    fast = {r: aviation.airports_near(path, r) for r in (10_000.0, 50_000.0, 250_000.0)}
    keep = aviation._maybe_near
    try:
        aviation._maybe_near = lambda alat, *_: np.ones(alat.size, dtype=bool)  # type: ignore[assignment]
        for r, got in fast.items():
            assert got == aviation.airports_near(path, r)
            assert got and all(a.distance <= r for a in got)
    finally:
        aviation._maybe_near = keep
