"""Sightings and radar plots: triangulation, EKF updates, tracks from angles only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stratowatch.track import make_observations, track_observations, triangulate
from stratowatch.track.geometry import distance_m, offset_latlon, sensor_angles
from stratowatch.track.triangulate import sightings_to_fixes

TARGET = (45.20, -100.00, 18_000.0)
OBSERVERS = ((45.00, -100.40, 600.0), (45.05, -99.55, 500.0), (44.80, -99.90, 550.0))


def _angles(
    obs: tuple[float, float, float], lat: float, lon: float, alt: float
) -> tuple[float, float, float]:
    az, el, r, _ = sensor_angles(*obs, lat, lon, alt)
    return float(az), float(el), float(r)


def test_two_exact_sightings_recover_position_and_altitude() -> None:
    s = np.array(OBSERVERS[:2])
    ang = np.array([_angles(tuple(o), *TARGET) for o in s])
    tri = triangulate(s[:, 0], s[:, 1], s[:, 2], ang[:, 0], ang[:, 1], math.radians(0.1))
    assert float(distance_m(tri.lat, tri.lon, TARGET[0], TARGET[1])) < 5.0
    assert tri.alt == pytest.approx(TARGET[2], abs=5.0)


def test_noisy_sightings_within_their_covariance() -> None:
    """Errors of 0.2 deg sightings from 3 places stay inside 4 sigma of the reported
    covariance, and sigma grows with the angle noise."""
    rng = np.random.default_rng(7)
    s = np.array(OBSERVERS)
    sig = math.radians(0.2)
    ang = np.array([_angles(tuple(o), *TARGET) for o in s])
    az = ang[:, 0] + rng.normal(0, sig, 3)
    el = ang[:, 1] + rng.normal(0, sig, 3)
    tri = triangulate(s[:, 0], s[:, 1], s[:, 2], az, el, sig)
    err_h = float(distance_m(tri.lat, tri.lon, TARGET[0], TARGET[1]))
    assert err_h < 4 * tri.sigma_h
    assert abs(tri.alt - TARGET[2]) < 4 * tri.sigma_alt
    tri2 = triangulate(s[:, 0], s[:, 1], s[:, 2], az, el, 2 * sig)
    assert tri2.sigma_h == pytest.approx(2 * tri.sigma_h, rel=1e-3)


def test_one_place_cannot_triangulate() -> None:
    from stratowatch.errors import InputError

    with pytest.raises(InputError, match="one place"):
        triangulate([45.0, 45.0], [-100.0, -100.0], 0.0, [0.1, 0.2], [0.3, 0.3], 0.01)


def _sighting(
    t: float, o: tuple[float, float, float], lat: float, lon: float, alt: float, name: str
) -> dict[str, object]:
    az, el, _ = _angles(o, lat, lon, alt)
    return dict(
        time=t,
        sensor_lat=o[0],
        sensor_lon=o[1],
        sensor_alt=o[2],
        az=az,
        el=el,
        sigma_ang=math.radians(0.05),
        kind="sighting",
        source=name,
    )


def test_sightings_start_and_update_a_track() -> None:
    """Two simultaneous sightings start a track (triangulated); later single sightings
    update it by EKF and keep it on the moving object."""
    rows = []
    t0 = 1.675e9
    for k in range(6):
        lat, lon = offset_latlon(TARGET[0], TARGET[1], 10.0 * 600 * k, 0.0)
        lat, lon = float(lat), float(lon)
        names = ("A", "B") if k == 0 else (("A",) if k % 2 else ("C",))
        for name in names:
            o = {"A": OBSERVERS[0], "B": OBSERVERS[1], "C": OBSERVERS[2]}[name]
            rows.append(_sighting(t0 + 600 * k, o, lat, lon, TARGET[2], name))
    obs = make_observations(rows)
    fixes = sightings_to_fixes(obs)
    assert int(np.sum(fixes.kind == "fix")) == 1
    res = track_observations(obs, wind="calm")
    assert len(res.tracks) == 1
    tr = res.tracks[0]
    assert tr.n_updates == 6
    lat_end, lon_end = offset_latlon(TARGET[0], TARGET[1], 10.0 * 600 * 5, 0.0)
    assert float(distance_m(tr.lat[-1], tr.lon[-1], lat_end, lon_end)) < 1500.0
    assert tr.ve[-1] == pytest.approx(10.0, abs=3.0)


def test_radar_plots_make_a_track() -> None:
    rng = np.random.default_rng(1)
    site = (44.9, -100.3, 400.0)
    rows = []
    for k in range(30):
        lat, lon = offset_latlon(TARGET[0], TARGET[1], 15.0 * 60 * k, -5.0 * 60 * k)
        az, el, r = _angles(site, float(lat), float(lon), TARGET[2])
        rows.append(
            dict(
                time=1.675e9 + 60.0 * k,
                sensor_lat=site[0],
                sensor_lon=site[1],
                sensor_alt=site[2],
                az=az + rng.normal(0, 1e-3),
                el=el + rng.normal(0, 1e-3),
                range=r + rng.normal(0, 150.0),
                sigma_ang=1e-3,
                sigma_range=150.0,
                kind="radar",
                source="radar",
            )
        )
    res = track_observations(make_observations(rows), wind="calm")
    assert len(res.tracks) == 1
    tr = res.tracks[0]
    assert tr.n_updates == 30
    assert tr.ve[-1] == pytest.approx(15.0, abs=2.0)
    assert tr.vn[-1] == pytest.approx(-5.0, abs=2.0)
    assert tr.alt[-1] == pytest.approx(TARGET[2], abs=300.0)
