"""The demo's own computations, on cases with known answers: coverage of a report by an
ensemble (normal-theory regions), the wind bias measured by a track's drift, the bias-corrected
wind, Ec colours, bad settings and bad output folders; the forecast start and horizon rules, the
reconstructed track between reports and the hindsight regions (issue 9)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stratowatch.atmosphere import CalmWind, open_wind
from stratowatch.demo import (
    DemoConfig,
    _bias_corrected,
    _cut,
    _hindsight_region,
    coverage_of,
    drift_bias,
    ec_color,
    forecast_horizon,
    forecast_start,
    reconstructed_path,
    run_demo,
)
from stratowatch.errors import ConfigError, DomainError, InputError
from stratowatch.geo.geodesy import haversine, offset_m
from stratowatch.scenario import Report
from stratowatch.timeutil import to_epoch
from stratowatch.track import make_observations, track_observations


@dataclass
class _Ensemble:
    """The three arrays `coverage_of` reads from a `predict.Prediction`."""

    times: np.ndarray
    lat: np.ndarray
    lon: np.ndarray


def gaussian_ensemble(n: int = 20_000) -> tuple[_Ensemble, float, float]:
    """All members at (40 N, 100 W) at t=0, spread at t=3600 s with sigma 50 km east and
    20 km north (independent): the 50 % region is d^2 <= 2 ln 2 = 1.386, the 90 % region
    d^2 <= 2 ln 10 = 4.605 (chi-square, 2 degrees of freedom)."""
    rng = np.random.default_rng(1)
    lat0, lon0 = 40.0, -100.0
    e = rng.normal(0.0, 50_000.0, n)
    nn = rng.normal(0.0, 20_000.0, n)
    lat1, lon1 = offset_m(lat0, lon0, e, nn)
    lat = np.stack([np.full(n, lat0), lat1], axis=1)
    lon = np.stack([np.full(n, lon0), lon1], axis=1)
    return _Ensemble(np.array([0.0, 3600.0]), lat, lon), lat0, lon0


@pytest.mark.parametrize(
    ("sigmas_east", "in50", "in90"),
    [(1.0, True, True), (1.5, False, True), (2.5, False, False)],
)
def test_coverage_of_a_gaussian_ensemble(sigmas_east: float, in50: bool, in90: bool) -> None:
    ens, lat0, lon0 = gaussian_ensemble()
    lat, lon = offset_m(lat0, lon0, sigmas_east * 50_000.0, 0.0)
    c = coverage_of(ens, 3600.0, float(lat), float(lon))
    assert c["inside_50"] is in50 and c["inside_90"] is in90
    assert c["distance_km"] == pytest.approx(50.0 * sigmas_east, rel=0.03)
    # the 90 % ellipse of the fitted normal holds ~90 % of normal members
    assert c["coverage_90"] == pytest.approx(0.9, abs=0.01)
    assert c["r90_semi_axes_km"][0] == pytest.approx(50.0 * math.sqrt(2 * math.log(10)), rel=0.03)


def test_coverage_interpolates_members_in_time() -> None:
    """Halfway between the outputs the spread is half: 1 sigma_full east is 2 sigma there,
    d^2 = 4: outside the 50 % region, inside the 90 % one."""
    ens, lat0, lon0 = gaussian_ensemble()
    lat, lon = offset_m(lat0, lon0, 50_000.0, 0.0)
    c = coverage_of(ens, 1800.0, float(lat), float(lon))
    assert c["inside_50"] is False and c["inside_90"] is True
    assert c["r90_semi_axes_km"][0] == pytest.approx(25.0 * math.sqrt(2 * math.log(10)), rel=0.03)


def test_drift_bias_of_a_balloon_in_calm_air() -> None:
    """A balloon drifting 10 m/s east while the model says calm: the drift measures a wind
    error of (+10, 0) m/s."""
    t = np.arange(0.0, 12 * 3600.0 + 1, 1800.0)
    lat, lon = offset_m(45.0, -110.0, 10.0 * t, 0.0 * t)
    rows = [
        {
            "time": 1.675e9 + float(tk),
            "lat": float(la),
            "lon": float(lo),
            "alt": 18_000.0,
            "sigma_h": 300.0,
            "sigma_alt": 100.0,
            "kind": "fix",
        }
        for tk, la, lo in zip(t, lat, lon, strict=True)
    ]
    result = track_observations(make_observations(rows), wind="calm")
    track = max(result.tracks, key=lambda tr: tr.n_updates)
    bias = drift_bias(track, CalmWind(), until=1.675e9 + t[-1])
    assert bias["samples"] >= 10
    assert bias["du"] == pytest.approx(10.0, abs=0.5)
    assert bias["dv"] == pytest.approx(0.0, abs=0.5)
    # nothing measured before the second update: no correction
    assert drift_bias(track, CalmWind(), until=1.675e9 - 1.0)["du"] == 0.0


def test_bias_corrected_wind_adds_the_bias() -> None:
    base = open_wind("climatology")
    fixed = _bias_corrected(base, 2.0, -3.0)
    args = (1.6753e9, np.array([45.0, 33.0]), np.array([-108.0, -79.0]), np.array([18e3, 19e3]))
    u0, v0 = base.uv(*args)
    u1, v1 = fixed.uv(*args)
    np.testing.assert_allclose(u1 - u0, 2.0, atol=1e-5)
    np.testing.assert_allclose(v1 - v0, -3.0, atol=1e-5)
    assert "bias" in fixed.meta.source


def test_ec_colours_follow_the_threshold() -> None:
    thr = 1e-4
    colours = [ec_color(x, thr) for x in (0.0, 5e-5, 5e-4, 0.2, math.nan)]
    assert len(set(colours)) == 5
    assert ec_color(9.99e-5, thr) == ec_color(2e-5, thr)


@pytest.mark.parametrize(
    "cfg",
    [
        DemoConfig(members=0),
        DemoConfig(hours=-1.0),
        DemoConfig(threshold=0.0),
        DemoConfig(every_min=0.0),
        DemoConfig(seed=-1),
        DemoConfig(members=10**7),
        DemoConfig(hours=300.0),
        DemoConfig(max_hours=0.0),
        DemoConfig(hindsight_every_min=0.0),
        DemoConfig(forecast_from=math.nan),
    ],
)
def test_impossible_settings_are_refused(cfg: DemoConfig, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        run_demo(tmp_path / "out", config=cfg)
    assert not (tmp_path / "out").exists()


def test_output_folder_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "taken"
    f.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        run_demo(f)


# --- issue 9: the forecast start, the horizon rule, the reconstructed track ------------------


def _report(t: str, lat: float = 45.0, lon: float = -100.0, radius: float = 50e3) -> Report:
    return Report(to_epoch(t), 0.0, lat, lon, radius, None, None, "report", "x", "y")


def test_forecast_start_is_the_last_report_at_or_before_the_time() -> None:
    reports = [
        _report("2023-02-01T00:00Z"),
        _report("2023-02-02T00:00Z", radius=80e3),
        _report("2023-02-02T00:00Z", lat=46.0, radius=20e3),
        _report("2023-02-03T00:00Z"),
    ]
    start, rule = forecast_start(reports, to_epoch("2023-02-02T12:00Z"))
    assert start.lat == 46.0 and "--forecast-from 2023-02-02T12:00:00Z" in rule  # the sharper one
    assert forecast_start(reports, to_epoch("2023-02-01T00:00Z"))[0] is reports[0]
    assert forecast_start(reports, None)[0] is reports[-1]
    # an outcome row (kind engagement) is never a start
    shot = Report(
        to_epoch("2023-02-04T00:00Z"), 0.0, 33.5, -79.0, 1e4, None, None, "engagement", "", ""
    )
    assert forecast_start([*reports, shot], None)[0] is reports[-1]
    assert forecast_start([*reports, shot], shot.time)[0] is reports[-1]
    with pytest.raises(DomainError, match="only engagement rows"):
        forecast_start([shot], None)
    with pytest.raises(DomainError, match="no report at or before"):
        forecast_start(reports, to_epoch("2023-01-31T00:00Z"))


def _eastward(lat: float, lon0: float, lon1: float, hours: float, members: int = 11) -> Any:
    """Members along one parallel from lon0 to lon1 at constant speed, spread +-0.1 deg."""
    times = 1.6e9 + np.arange(0.0, hours * 3600.0 + 1.0, 600.0)
    frac = (times - times[0]) / (times[-1] - times[0])
    off = np.linspace(-0.1, 0.1, members)[:, None]
    lon = lon0 + (lon1 - lon0) * frac[None, :] + off
    return _Ensemble(times, np.full_like(lon, lat), lon)


def test_horizon_ends_when_the_median_leaves_own_territory_for_good() -> None:
    """From Tennessee due east at 35 N: the median leaves US territory 12 nmi off Cape
    Hatteras (coast near 75.5 W; 12 nmi ~ 0.27 deg of longitude there)."""
    ens = _eastward(35.0, -86.0, -66.0, 40.0)
    hz = forecast_horizon(ens, own="US", max_hours=40.0)
    exit_t = to_epoch(hz["median_exit"])
    lon_exit = -86.0 + 20.0 * (exit_t - ens.times[0]) / (ens.times[-1] - ens.times[0])
    assert -75.6 < lon_exit < -74.6
    assert hz["hours"] == math.ceil((exit_t - ens.times[0]) / 3600.0) < 40.0
    # never leaving (inland) or never inside (mid-Atlantic): the cap
    assert forecast_horizon(_eastward(40.0, -100.0, -95.0, 30.0), own="US", max_hours=30.0)[
        "hours"
    ] == pytest.approx(30.0)
    far = forecast_horizon(_eastward(35.0, -50.0, -40.0, 30.0), own="US", max_hours=30.0)
    assert far["hours"] == 30.0 and far["median_exit"] is None


@dataclass
class _Prediction:
    times: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    end_time: np.ndarray
    end_lat: np.ndarray
    end_lon: np.ndarray
    end_alt: np.ndarray
    landed: np.ndarray


def test_cut_prediction_ends_at_the_horizon() -> None:
    ens = _eastward(35.0, -86.0, -66.0, 40.0)
    m = ens.lat.shape[0]
    pred = _Prediction(
        ens.times,
        ens.lat,
        ens.lon,
        np.full_like(ens.lat, 18e3),
        np.full(m, ens.times[-1]),
        ens.lat[:, -1],
        ens.lon[:, -1],
        np.full(m, 18e3),
        np.zeros(m, dtype=bool),
    )
    cut = _cut(pred, 10.0)
    assert cut.times[-1] - cut.times[0] == 36_000.0 and cut.lat.shape == (m, 61)
    np.testing.assert_array_equal(cut.end_lon, ens.lon[:, 60])
    np.testing.assert_array_equal(cut.end_time, ens.times[60])
    assert _cut(pred, 100.0) is pred


@dataclass
class _Track:
    """The columns `reconstructed_path` reads from a smoothed `track.Track`."""

    time: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    ve: np.ndarray
    vn: np.ndarray
    sigma_e: np.ndarray
    sigma_n: np.ndarray
    sigma_ve: np.ndarray
    sigma_vn: np.ndarray


def _constant_velocity(t: np.ndarray, ve: float, vn: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions of a point moving at a constant local (east, north) velocity, integrated in
    60 s steps from 40 N 120 W."""
    lat, lon = [40.0], [-120.0]
    fine = np.arange(t[0], t[-1] + 1.0, 60.0)
    for _ in fine[1:]:
        la, lo = offset_m(lat[-1], lon[-1], ve * 60.0, vn * 60.0)
        lat.append(float(la))
        lon.append(float(lo))
    return np.interp(t, fine, lat), np.interp(t, fine, lon)


def test_reconstructed_path_between_states() -> None:
    """Constant velocity (12 m/s east, 5 m/s north, 1,120 km a day) with exact states: the
    Hermite path follows the track; its sigma is the bridge of the integrated random walk,
    q T^3 / 192 at mid gap (Wahba 1978); errors at the states carry through to them."""
    t = 1.6e9 + np.array([0.0, 86_400.0, 172_800.0])
    lat, lon = _constant_velocity(t, 12.0, 5.0)
    n = t.size
    zero = np.zeros(n)
    tr = _Track(t, lat, lon, np.full(n, 18e3), np.full(n, 12.0), np.full(n, 5.0), *[zero] * 4)
    q = 1.2e-3
    path, sig = reconstructed_path(tr, every_s=3600.0, q=q, members=50, seed=1)
    truth_lat, truth_lon = _constant_velocity(path.times, 12.0, 5.0)
    err = haversine(path.lat[0], path.lon[0], truth_lat, truth_lon)
    assert float(err.max()) < 200.0, err.max()  # 37 m: velocities rotated into the projection
    assert path.times.size == 49 and path.members == 50
    assert sig[0] == sig[24] == sig[-1] == 0.0
    assert sig[12] == pytest.approx(math.sqrt(q * 86_400.0**3 / 192.0), rel=1e-9)
    # member spread follows sigma
    spread = haversine(path.lat[1:, 12], path.lon[1:, 12], path.lat[0, 12], path.lon[0, 12])
    assert float(np.sqrt(np.mean(spread**2) / 2.0)) == pytest.approx(sig[12], rel=0.3)
    # a position error at the states is kept there
    noisy = _Track(*[getattr(tr, f) for f in ("time", "lat", "lon", "alt", "ve", "vn")],
                   np.full(n, 10e3), np.full(n, 10e3), zero, zero)  # fmt: skip
    _, sig2 = reconstructed_path(noisy, every_s=3600.0, q=q, members=5, seed=1)
    assert sig2[0] == pytest.approx(10e3) and sig2[12] > sig[12]


@pytest.mark.parametrize(
    ("lat", "lon", "land", "terr", "region"),
    [
        (60.5, -164.7, True, "US", "Alaska (land)"),
        (52.0, -175.0, False, "US", "Alaskan waters (Aleutians, Bering Sea)"),
        (52.9, 173.0, False, "US", "Alaskan waters (Aleutians, Bering Sea)"),
        (40.0, -100.0, True, "US", "contiguous US (land)"),
        (33.5, -78.9, False, "US", "Atlantic (US territorial sea)"),
        (30.0, -88.5, False, "US", "Gulf of Mexico (US territorial sea)"),
        (34.0, -120.0, False, "US", "Pacific (US territorial sea)"),
        (66.0, -136.0, True, "CA", "Canada"),
        (59.0, -167.0, False, "", "international waters"),
    ],
)
def test_hindsight_regions(lat: float, lon: float, land: bool, terr: str, region: str) -> None:
    w = {"lat": lat, "lon": lon, "over_land": land, "territory": terr}
    assert _hindsight_region(w, "US") == region


def test_timed_lines_with_repeated_piece_ends_export_to_czml(tmp_path: Path) -> None:
    """The motion fits repeat the vertex at each piece boundary; the steering stage drops the
    repeat so the line's times increase, as CZML's sampled positions need."""
    from stratowatch.demo.steering import _increasing
    from stratowatch.io.export import write_features

    times = ["2023-02-01T00:00:00Z", "2023-02-01T01:00:00Z", "2023-02-01T01:00:00Z"]
    times.append("2023-02-01T02:00:00Z")
    line = {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[-110.0, 45.0], [-109.0, 45.1], [-109.0, 45.1], [-108.0, 45.2]],
        },
        "properties": {"layer": "motion_passive", "name": "fit", "times": times},
    }
    fixed = _increasing(line)
    assert fixed["properties"]["times"] == [times[0], times[1], times[3]]
    assert fixed["geometry"]["coordinates"] == [[-110.0, 45.0], [-109.0, 45.1], [-108.0, 45.2]]
    assert line["properties"]["times"] == times  # the input is left alone
    assert _increasing(fixed) is fixed
    out = tmp_path / "m.czml"
    write_features(out, {"type": "FeatureCollection", "features": [fixed]})
    assert out.stat().st_size > 100


def test_steering_needs_two_report_times() -> None:
    """With fewer than two report moments up to the start there is nothing to explain: the
    stage is left out (null), not an error that stops the demo."""
    from types import SimpleNamespace

    from stratowatch.demo.steering import _report_times, stage_steering

    rows = [
        {"time": 1000.0, "lat": 45.0, "lon": -108.0, "sigma_h": 1000.0},
        {"time": 1030.0, "lat": 45.0, "lon": -108.0, "sigma_h": 1000.0},
        {"time": 1070.0, "lat": 45.1, "lon": -108.0, "sigma_h": 1000.0},
    ]
    obs = make_observations(rows)
    assert _report_times(obs) == 2  # 1000 and 1030 are one moment; 1070 is 70 s after 1000
    assert _report_times(obs.take(obs.time < 1050.0)) == 1
    tracking = SimpleNamespace(observations=obs)
    cfg = DemoConfig()
    assert stage_steering(cfg, tracking, CalmWind(), start=1050.0, hours=48.0) == (None, [])
    off = DemoConfig(steering=False)
    assert stage_steering(off, tracking, CalmWind(), start=2000.0, hours=48.0) == (None, [])
