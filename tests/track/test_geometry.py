"""Local geometry: offsets, haversine distance, sensor angles and their Jacobian."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stratowatch.flight.earth import meridian_radius
from stratowatch.geo.geodesy import forward
from stratowatch.track.geometry import (
    K_REFRACTION,
    R_EARTH,
    _normal_section_offset,
    advance,
    distance_m,
    enu_offset,
    enu_offset_screened,
    offset_latlon,
    sensor_angles,
)
from stratowatch.track.triangulate import radar_to_position


def test_one_degree_of_latitude() -> None:
    """On WGS84 the meridian arc from 45 to 46 N is M(45.5 deg) * pi / 180 = 111.142 km."""
    arc = float(meridian_radius(45.5)) * math.pi / 180.0
    assert arc == pytest.approx(111_141.5, abs=1.0)
    assert distance_m(45.0, 10.0, 46.0, 10.0) == pytest.approx(arc, abs=1.0)
    e, n = enu_offset(45.0, 10.0, 46.0, 10.0)
    assert float(n) == pytest.approx(arc, abs=1.0) and abs(float(e)) < 1e-6


def test_offsets_hold_at_innovation_distances() -> None:
    """Reports 1,000-3,900 km from a prediction: the offset's length is the geodesic distance
    and `offset_latlon` inverts `enu_offset` (the tangent plane was off by several %)."""
    lat = np.array([45.0, 33.5, 60.0, 52.0])
    lon = np.array([-110.0, -78.9, -150.0, -170.0])
    e, n = enu_offset(47.0, -120.0, lat, lon)
    d = distance_m(47.0, -120.0, lat, lon)
    assert float(d.max()) > 3_500_000.0
    np.testing.assert_allclose(np.hypot(e, n), d, rtol=1e-12)
    la, lo = offset_latlon(47.0, -120.0, e, n)
    np.testing.assert_allclose(la, lat, atol=1e-9)
    np.testing.assert_allclose(lo, lon, atol=1e-9)


def test_advance_follows_the_wind() -> None:
    """A due-east displacement keeps the parallel; small steps agree with the geodesic offset."""
    la, lo = advance(45.0, -100.0, 100_000.0, 0.0)
    assert float(la) == pytest.approx(45.0, abs=1e-12)
    assert float(distance_m(45.0, -100.0, la, lo)) == pytest.approx(100_000.0, rel=2e-4)
    la1, lo1 = advance(45.0, -100.0, 300.0, -400.0)
    la2, lo2 = offset_latlon(45.0, -100.0, 300.0, -400.0)
    assert float(distance_m(la1, lo1, la2, lo2)) < 500.0**2 / (2 * R_EARTH) * 1.5  # d^2 tan(45)/2R


def test_offset_round_trip_and_dateline() -> None:
    lat, lon = offset_latlon(52.0, 179.9, 30_000.0, -20_000.0)
    assert lon < -179.0  # crossed the antimeridian eastward
    e, n = enu_offset(52.0, 179.9, lat, lon)
    assert float(e) == pytest.approx(30_000.0, rel=1e-4)
    assert float(n) == pytest.approx(-20_000.0, rel=1e-4)
    # equirectangular offsets agree with the great circle to < 0.1 % at 300 km
    la, lo = offset_latlon(45.0, -100.0, 200_000.0, 200_000.0)
    assert float(distance_m(45.0, -100.0, la, lo)) == pytest.approx(math.hypot(2e5, 2e5), rel=1e-3)


def test_curvature_drop_and_zenith() -> None:
    """A target at the sensor's height 100 km away is below the horizon by
    d^2 / (2 k R) with k = 4/3 (about 589 m)."""
    lat, lon = offset_latlon(40.0, -90.0, 0.0, 100_000.0)
    az, el, r, _ = sensor_angles(40.0, -90.0, 0.0, lat, lon, 0.0)
    drop = 100_000.0**2 / (2 * K_REFRACTION * R_EARTH)
    assert drop == pytest.approx(589.0, abs=1.0)
    assert float(el) == pytest.approx(math.atan2(-drop, 100_000.0), abs=1e-6)
    assert float(az) == pytest.approx(0.0, abs=1e-9)
    _, el_up, r_up, _ = sensor_angles(40.0, -90.0, 100.0, 40.0, -90.0, 18_100.0)
    assert float(el_up) == pytest.approx(math.pi / 2, abs=1e-3)
    assert float(r_up) == pytest.approx(18_000.0, abs=1.0)


@pytest.mark.parametrize(("lat", "lon"), [(45.3, -99.6), (49.0, -92.0)])
def test_jacobian_matches_finite_differences(lat: float, lon: float) -> None:
    s = (45.0, -100.0, 500.0)
    alt = 18_000.0
    _, _, _, jac = sensor_angles(*s, lat, lon, alt)
    h = 1.0
    num = np.zeros((3, 3))
    for k, (de, dn, du) in enumerate(((h, 0, 0), (0, h, 0), (0, 0, h))):
        la1, lo1 = offset_latlon(lat, lon, de, dn)
        la0, lo0 = offset_latlon(lat, lon, -de, -dn)
        p = np.array(sensor_angles(*s, la1, lo1, alt + du)[:3], dtype=float)
        m = np.array(sensor_angles(*s, la0, lo0, alt - du)[:3], dtype=float)
        num[:, k] = (p - m) / (2 * h)
    np.testing.assert_allclose(jac, num, rtol=2e-3, atol=1e-10)


def test_radar_inverse() -> None:
    lat, lon, alt = 44.7, -101.2, 19_500.0
    az, el, r, _ = sensor_angles(45.0, -100.0, 300.0, lat, lon, alt)
    la, lo, al = radar_to_position(45.0, -100.0, 300.0, float(az), float(el), float(r))
    assert float(distance_m(la, lo, lat, lon)) < 50.0
    assert al == pytest.approx(alt, abs=20.0)


@pytest.mark.parametrize(
    ("reach_m", "abs_m", "rel"), [(1e4, 1e-4, 1e-8), (1e5, 0.02, 2e-7), (1e6, 20.0, 2e-5)]
)
def test_normal_section_offsets_against_the_geodesic(
    reach_m: float, abs_m: float, rel: float
) -> None:
    """The screen's offsets (`_normal_section_offset`) against the WGS84 geodesic's, random
    pairs 80 S .. 80 N up to ``reach_m`` apart, across the dateline: the bounds the docstring
    states (measured: 14 mm at 100 km, 14 m at 1,000 km)."""
    rng = np.random.default_rng(7)
    n = 20_000
    la0 = rng.uniform(-80.0, 80.0, n)
    lo0 = rng.uniform(-180.0, 180.0, n)
    d = rng.uniform(0.0, reach_m, n)
    la, lo = forward(la0, lo0, rng.uniform(-180.0, 180.0, n), d)
    e, nn = enu_offset(la0, lo0, la, lo)
    ea, na = _normal_section_offset(la0, lo0, la, lo)
    err = np.hypot(ea - e, na - nn)
    assert float(err.max()) < abs_m
    assert float(np.max(err / np.maximum(d, 1.0))) < rel


def test_screened_offsets_are_exact_within_reach() -> None:
    """Pairs closer than ``exact_within`` get exactly `enu_offset`'s numbers (the gate decides
    on them); the others the normal section's; NaN stays NaN; the result broadcasts."""
    rows_lat = np.array([[45.0], [46.0], [44.5]])
    rows_lon = np.array([[-100.0], [-101.0], [179.9]])
    lat = np.array([45.01, 46.1, 44.0, np.nan, 44.5])
    lon = np.array([-100.02, -101.1, -179.8, -100.0, -179.95])
    reach = np.full((3, 5), 20_000.0)
    e, n = enu_offset_screened(rows_lat, rows_lon, lat, lon, reach)
    assert e.shape == n.shape == (3, 5)
    ex, nx = enu_offset(rows_lat, rows_lon, lat, lon)
    near = np.hypot(ex, nx) < 20_000.0
    assert near.sum() >= 3  # the close pairs, the dateline pair among them
    np.testing.assert_array_equal(e[near], ex[near])
    np.testing.assert_array_equal(n[near], nx[near])
    far = np.isfinite(ex) & ~near
    np.testing.assert_allclose(np.hypot(e[far], n[far]), np.hypot(ex[far], nx[far]), rtol=1e-4)
    assert np.isnan(e[:, 3]).all() and np.isnan(n[:, 3]).all()
