"""The wind-aware Kalman filter: the NCV covariance recursion, drift with the wind, and the
altitude estimate from drift alone."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.atmosphere.wind import CalmWind, profile_wind
from stratowatch.track import make_observations, track_observations, track_wind
from stratowatch.track.filter import FilterBatch, MotionModel
from stratowatch.track.geometry import enu_offset, offset_latlon
from stratowatch.track.tracker import TrackerConfig


def _one_row(sig_p: float = 100.0, sig_v: float = 2.0) -> FilterBatch:
    b = FilterBatch()
    P = np.diag([sig_p**2, sig_p**2, 50.0**2, sig_v**2, sig_v**2, 0.1**2])[None]
    b.add(np.zeros(1), np.array([45.0]), np.array([-100.0]), np.array([18_000.0]), P)
    return b


def test_prediction_covariance_is_ncv() -> None:
    """One step of P = F P F' + Q with the continuous white-noise-acceleration Q
    (Bar-Shalom et al. 2001, 6.2.2): P_xx = s_p^2 + dt^2 s_v^2 + q dt^3/3."""
    q, dt = 0.01, 60.0
    b = _one_row()
    b.predict(np.array([0]), dt, CalmWind(), MotionModel(q_h=q, shear_sigma=0.0))
    assert b.P[0, 0, 0] == pytest.approx(100.0**2 + dt**2 * 2.0**2 + q * dt**3 / 3, rel=1e-12)
    assert b.P[0, 0, 3] == pytest.approx(dt * 2.0**2 + q * dt**2 / 2, rel=1e-12)
    assert b.P[0, 3, 3] == pytest.approx(2.0**2 + q * dt, rel=1e-12)


def test_state_drifts_with_the_wind() -> None:
    """With no velocity of its own, a state moves with the wind at its altitude: 12 m/s east
    at 18 km for one hour is 43.2 km east."""
    wind = profile_wind([0.0, 30_000.0], [0.0, 20.0], [0.0, 0.0], source="test")
    b = _one_row()
    b.predict(np.array([0]), 3600.0, wind, MotionModel())
    e, _ = enu_offset(45.0, -100.0, b.lat[0], b.lon[0])
    assert float(e) == pytest.approx(43_200.0, rel=1e-3)
    # an east wind keeps the state on its parallel (a rhumb line, not a geodesic)
    assert abs(float(b.lat[0]) - 45.0) < 1e-5
    assert b.velocity(np.array([0]))[0, 0] == pytest.approx(12.0)


def _drifting_reports(alt: float, wind_of_alt: float, hours: int, sigma: float) -> object:
    rng = np.random.default_rng(3)
    rows = []
    for h in range(hours):
        e = wind_of_alt * 3600.0 * h
        lat, lon = offset_latlon(40.0, -120.0, e + rng.normal(0, sigma), rng.normal(0, sigma))
        rows.append(
            dict(
                time=1.6e9 + 3600.0 * h,
                lat=float(lat),
                lon=float(lon),
                sigma_h=sigma,
                kind="report",
            )
        )
    return make_observations(rows)


def test_altitude_from_drift_alone() -> None:
    """In a wind that grows 1 m/s per km, a balloon drifting 15 m/s east seen only in
    position (2 km sigma, hourly for 12 h) must be placed near 15 km."""
    wind = profile_wind([0.0, 40_000.0], [0.0, 40.0], [0.0, 0.0], source="shear")
    obs = _drifting_reports(15_000.0, 15.0, 12, 2000.0)
    cfg = TrackerConfig(motion=MotionModel(q_h=1e-6), init_velocity_sigma=1.0)
    res = track_observations(obs, wind=wind, config=cfg)  # type: ignore[arg-type]
    assert len(res.tracks) == 1
    a = res.tracks[0].altitude
    assert a.method == "wind drift"
    assert abs(a.mean - 15_000.0) < 1500.0
    assert a.sigma < 1500.0
    # calm air cannot tell altitudes apart: the estimate stays as wide as the prior
    res_calm = track_observations(obs, wind="calm", config=cfg)  # type: ignore[arg-type]
    assert res_calm.tracks[0].altitude.sigma > 5000.0


def test_track_velocity_is_a_wind_measurement() -> None:
    wind = profile_wind([0.0, 40_000.0], [0.0, 40.0], [0.0, 0.0], source="shear")
    obs = _drifting_reports(15_000.0, 15.0, 12, 2000.0)
    res = track_observations(obs, wind=wind)  # type: ignore[arg-type]
    w = track_wind(res.tracks[0])
    alt, u, v, sigma = w.as_tuple()
    assert alt.size == 11
    assert abs(u[-1] - 15.0) < 3 * sigma[-1] and sigma[-1] < 2.0
    assert abs(v[-1]) < 3 * sigma[-1]


def test_propagated_ensemble_drifts_with_the_wind() -> None:
    """The prediction engine carries the track 6 h ahead at its estimated altitude: about
    15 m/s x 6 h = 324 km east of the last state, spread growing with the lead time."""
    from stratowatch.track import propagate

    wind = profile_wind([0.0, 40_000.0], [0.0, 40.0], [0.0, 0.0], source="shear")
    obs = _drifting_reports(15_000.0, 15.0, 12, 2000.0)
    cfg = TrackerConfig(motion=MotionModel(q_h=1e-6), init_velocity_sigma=1.0)
    tr = track_observations(obs, wind=wind, config=cfg).tracks[0]  # type: ignore[arg-type]
    ens = propagate(tr, tr.time[-1] + 6 * 3600.0, wind=wind, members=200)
    e, n = enu_offset(tr.lat[-1], tr.lon[-1], ens.lat, ens.lon)
    assert float(np.median(e)) == pytest.approx(324_000.0, rel=0.1)
    assert abs(float(np.median(n))) < 20_000.0
    back = propagate(tr, tr.time[-1] - 3 * 3600.0, wind=wind, members=200)
    eb, _ = enu_offset(tr.lat[-1], tr.lon[-1], back.lat, back.lon)
    assert float(np.median(eb)) == pytest.approx(-162_000.0, rel=0.1)
