"""Prediction engine against analytic answers (issue 3, "Must show")."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from stratowatch.atmosphere.sources import open_wind
from stratowatch.atmosphere.wind import GriddedWind, profile_wind
from stratowatch.flight import Ascent, Float, ParachuteDescent, Stage, integrate
from stratowatch.flight.earth import parallel_displacement_deg
from stratowatch.predict import predict
from stratowatch.predict.regions import distance_km

GFS_NAME = "gfs_2011011012_f120_2p5deg.grib2"


def test_uniform_east_wind_matches_ellipsoidal_parallel() -> None:
    """10 m/s eastward at 45 N, 24 h at 18 km: dlon = u T / ((N + h) cos lat), within 0.1 %
    (in practice ~1e-7); the latitude stays on the parallel."""
    wind = profile_wind([0.0, 40_000.0], [10.0, 10.0], [0.0, 0.0], source="uniform 10 m/s")
    p = predict("2024-01-01T00:00Z", 45.0, 0.0, 18_000.0, wind=wind, hours=24.0, wind_sigma=0)
    expected = parallel_displacement_deg(45.0, 18_000.0, 10.0 * 24 * 3600)
    assert p.end_lon[0] == pytest.approx(expected, rel=1e-3)
    assert abs(p.end_lon[0] / expected - 1.0) < 1e-5
    assert abs(p.end_lat[0] - 45.0) < 1e-5
    # a sphere of radius 6371 km would be off by ~0.3 %: the ellipsoid matters at this level
    sphere = math.degrees(864_000.0 / ((6_371_008.8 + 18_000.0) * math.cos(math.radians(45.0))))
    assert abs(sphere / expected - 1.0) > 1e-3


@pytest.mark.parametrize(("lat", "lon"), [(60.0, 170.0), (88.0, -30.0)])
def test_solid_body_rotation_returns_to_start(
    lat: float, lon: float, make_polar_rotation: Callable[[float, float], GriddedWind]
) -> None:
    """A solid-body rotation about the Earth's axis with a 24 h period carries the parcel once
    around its parallel (across the dateline, and 2 degrees from the pole): it returns to
    its start within 0.1 % of the circumference."""
    wind = make_polar_rotation(24 * 3600.0, 18_000.0)
    p = predict(0.0, lat, lon, 18_000.0, wind=wind, hours=24.0, wind_sigma=0)
    circumference = 2 * math.pi * 6_380.0 * math.cos(math.radians(lat))
    miss = float(distance_km(p.end_lat[0], p.end_lon[0], lat, lon))
    assert miss < 1e-3 * circumference
    # half way it is on the other side of the globe
    half = p.times.size // 2
    assert abs(((p.lon[0, half] - lon + 180.0) % 360.0) - 180.0) == pytest.approx(180.0, abs=1.0)
    # it crossed the dateline: longitudes stay wrapped to [-180, 180)
    assert np.nanmax(p.lon) < 180.0 and np.nanmin(p.lon) >= -180.0


@pytest.mark.shared
def test_forward_then_backward_returns_on_gfs(shared_data: Path) -> None:
    """48 h forward on the GFS sample (a steady field), then 48 h backward from the end point:
    back within 0.5 % of the distance travelled."""
    wind = open_wind(shared_data / "wind" / GFS_NAME)
    fwd = predict("2011-01-15T12:00Z", 47.5, -111.0, 18_000.0, wind=wind, hours=48, wind_sigma=0)
    travelled = float(
        np.nansum(distance_km(fwd.lat[0, :-1], fwd.lon[0, :-1], fwd.lat[0, 1:], fwd.lon[0, 1:]))
    )
    assert travelled > 1000.0
    back = predict(
        fwd.end_time[0], fwd.end_lat[0], fwd.end_lon[0], 18_000.0,
        wind=wind, hours=48, backward=True, wind_sigma=0,
    )  # fmt: skip
    miss = float(distance_km(back.end_lat[0], back.end_lon[0], 47.5, -111.0))
    assert miss < 0.005 * travelled
    assert back.times[-1] < back.times[0]


def _descent_drift_exact(v_sl: float, h0: float, a: float, b: float) -> float:
    """East drift (radians of longitude at the equator) of a parachute descent in
    u = a + b h: integral of u(h) / ((R + h) |w(h)|) dh, R the equatorial radius."""
    rates = ParachuteDescent(v_sl)

    def integrand(h: float) -> float:
        return (a + b * h) / (-float(rates.rate(0.0, h)) * (6_378_137.0 + h))

    return quad(integrand, 0.0, h0, limit=200)[0]


def test_integrator_is_second_order() -> None:
    """Heun's method: halving the step divides the error by ~4 (observed order 1.6-2.4).
    A parachute descent from 30 km through a linearly sheared wind for 30 min (no stage end
    inside, so only the step matters), against the same run with a 1 s step."""
    a, b, v_sl, h0 = 5.0, 1e-3, 5.0, 30_000.0
    wind = profile_wind([0.0, 40_000.0], [a, a + b * 40_000.0], [0.0, 0.0], source="shear")

    def lon_after(dt: float) -> float:
        stage = Stage(ParachuteDescent(v_sl), until_below=0.0, dt_max=dt, dz_max=1e9)
        r = integrate([stage], wind, 0.0, 0.0, 0.0, h0, duration=1800.0, out_step=1800.0)
        assert r.end_alt[0] > 0.0
        return math.radians(float(r.end_lon[0])) * 6_378_137.0

    ref = lon_after(1.0)
    errs = [abs(lon_after(dt) - ref) for dt in (60.0, 30.0, 15.0)]
    orders = [math.log2(errs[i] / errs[i + 1]) for i in range(len(errs) - 1)]
    assert all(1.6 < o < 2.4 for o in orders), (errs, orders)


def test_dense_output_between_steps_follows_the_analytic_path(
    make_polar_rotation: Callable[[float, float], GriddedWind],
) -> None:
    """Solid-body rotation (24 h period) at 30 N on a 1 degree grid, path written every
    20 s: most outputs fall inside steps and come from the step's Hermite interpolant, and
    every one lies on the analytic path (longitude lon0 + 360 t / P on the parallel) within
    0.1 % of the circumference; the points between step ends are no worse than the ends."""
    period, lat0, lon0 = 24 * 3600.0, 30.0, 10.0
    wind = make_polar_rotation(period, 18_000.0)
    stage = Stage(Float(), dt_max=3600.0)
    r = integrate([stage], wind, 0.0, lat0, lon0, 18_000.0, duration=period, out_step=20.0)
    n_out = r.lat.shape[1]
    assert int(r.steps[0]) < n_out / 3  # the output times did not cut the steps
    t = np.arange(n_out) * 20.0
    expected_lon = (lon0 + 360.0 * t / period + 180.0) % 360.0 - 180.0
    miss = distance_km(r.lat[0], r.lon[0], np.full(t.size, lat0), expected_lon)
    circumference = 2 * math.pi * 6_380.0 * math.cos(math.radians(lat0))
    assert np.all(np.isfinite(miss)) and float(np.max(miss)) < 1e-3 * circumference
    # the error grows smoothly along the path: no saw-tooth between the step ends
    assert float(np.max(np.abs(np.diff(miss)))) < 0.05 * float(np.max(miss)) + 0.01


def test_default_step_converges_on_the_climatology_ensemble() -> None:
    """The default largest step (1 h, HYSPLIT's) against 10 min steps on a 48 h climatology
    float ensemble: the end points move a median of a few km (second order: 36 times the
    10 min step's error), under 1 % of the ensemble's own spread."""
    kw = dict(wind="climatology", hours=48.0, members=200, seed=3)
    coarse = predict("2023-02-01T19:00Z", 45.78, -108.5, 18_300.0, **kw)
    fine = predict("2023-02-01T19:00Z", 45.78, -108.5, 18_300.0, dt_s=600.0, **kw)
    d = distance_km(coarse.end_lat, coarse.end_lon, fine.end_lat, fine.end_lon)
    mlat, mlon = float(np.median(fine.end_lat)), float(np.median(fine.end_lon))
    spread = float(np.median(distance_km(fine.end_lat, fine.end_lon, mlat, mlon)))
    assert float(np.median(d)) < 0.01 * spread, (float(np.median(d)), spread)
    assert 0.1 < float(np.median(d)) < 10.0
    # the paths are written every 10 min either way
    assert coarse.lat.shape == fine.lat.shape


def test_stage_ends_are_located_within_one_percent_of_a_step() -> None:
    """Ascent to burst then parachute descent in calm air: the flight time equals the analytic
    ascent time plus the descent integral, to far better than 1 % of a step."""
    rate, burst, v_sl, dt = 5.0, 30_000.0, 5.0, 60.0
    stages = [
        Stage(Ascent(rate), until_above=burst, dt_max=dt),
        Stage(ParachuteDescent(v_sl), until_below=0.0, dt_max=dt),
    ]
    r = integrate(stages, open_wind("calm"), 0.0, 10.0, 10.0, 1_000.0, duration=1e5, out_step=1e4)
    descent = quad(lambda h: 1.0 / -float(ParachuteDescent(v_sl).rate(0.0, h)), 0, burst)[0]
    expected = (burst - 1_000.0) / rate + descent
    assert abs(r.end_time[0] - expected) < 0.01 * dt
    assert r.end_alt[0] == 0.0


def test_ensemble_regions_and_reproducibility() -> None:
    """A perturbed 200-member ensemble: r50 < r90, the 90 % ellipse holds ~90 % of members,
    the same seed gives the same members, a different seed different ones."""
    wind = profile_wind([0.0, 40_000.0], [15.0, 15.0], [0.0, 0.0], source="uniform")
    kw = dict(wind=wind, hours=24.0, members=200, wind_sigma=3.5, seed=3)
    p = predict("2024-02-01T00:00Z", 40.0, -100.0, 18_000.0, **kw)  # type: ignore[arg-type]
    q = predict("2024-02-01T00:00Z", 40.0, -100.0, 18_000.0, **kw)  # type: ignore[arg-type]
    assert np.array_equal(p.end_lat, q.end_lat)
    other = predict("2024-02-01T00:00Z", 40.0, -100.0, 18_000.0, **{**kw, "seed": 4})  # type: ignore[arg-type]
    assert not np.array_equal(p.end_lat, other.end_lat)
    e = p.end
    assert 0.0 < e["r50_km"] < e["r90_km"]
    # 3.5 m/s of correlated error over 24 h: spread of the order of 100 km, not 1 or 10,000
    assert 30.0 < e["r50_km"] < 400.0
    last = [r for r in p.regions((0.5, 0.9)) if r["time"] == p.times[-1]]
    assert len(last) == 2
    r50, r90 = sorted(last, key=lambda r: r["level"])
    assert r50["semi_major_km"] < r90["semi_major_km"]
    assert 0.8 < r90["coverage"] <= 1.0
    assert 0.35 < r50["coverage"] < 0.65
    # the median path starts at the start and ends near the median end point
    mp = p.median_path()
    assert mp["lat"][0] == pytest.approx(40.0) and mp["lon"][0] == pytest.approx(-100.0)
    assert float(distance_km(mp["lat"][-1], mp["lon"][-1], e["lat"], e["lon"])) < 20.0


def test_alt_position_and_time_spread() -> None:
    """alt_sigma spreads float altitudes; pos_sigma_m and time_sigma_s spread the starts."""
    wind = profile_wind([0.0, 40_000.0], [10.0, 30.0], [0.0, 0.0], source="shear")
    p = predict(
        0.0, 0.0, 0.0, 18_000.0, wind=wind, hours=6, members=300, wind_sigma=0,
        alt_sigma=500.0, pos_sigma_m=2_000.0, time_sigma_s=600.0,
    )  # fmt: skip
    assert np.std(p.alt[:, 0]) == pytest.approx(500.0, rel=0.15)
    assert np.std(p.lat[:, 0]) * 111.2 == pytest.approx(2.0, rel=0.15)
    assert np.std(p.end_time) == pytest.approx(600.0, rel=0.15)
    # higher members fly faster in this shear: end longitude correlates with altitude
    assert np.corrcoef(p.alt[:, 0], p.end_lon)[0, 1] > 0.5


def test_backward_origin_map() -> None:
    """Backward float: the origin map's probabilities sum to 1, most mass near the truth."""
    wind = profile_wind([0.0, 40_000.0], [20.0, 20.0], [0.0, 0.0], source="uniform")
    p = predict(
        86_400.0, 45.0, 10.0, 18_000.0, wind=wind, hours=24, backward=True, members=100,
        wind_sigma=2.0,
    )  # fmt: skip
    om = p.origin_map(cell_deg=1.0)
    probs = np.array([c["probability"] for c in om["cells"]])
    assert probs.sum() == pytest.approx(1.0)
    truth_lon = 10.0 - parallel_displacement_deg(45.0, 18_000.0, 20.0 * 86_400.0)
    assert p.end["lon"] == pytest.approx(truth_lon, abs=1.0)
    assert p.end_time[0] == pytest.approx(0.0)


def test_trajectory_over_the_pole(make_global_grid: Callable[..., GriddedWind]) -> None:
    """A uniform 10 m/s flow along -x (ECEF) on a 1 deg grid carries a parcel from 89 N, 0 E
    over the North Pole to 89 N, 180 E: 2 degrees of meridian arc, (M + h) * 2 pi / 180 =
    224.0 km, in 22,400 s. The parcel passes within 1 km of that point at that time."""

    def uv(la: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s_lat, lam = np.sin(np.radians(la)), np.radians(lo)
        return 10.0 * np.sin(lam), 10.0 * s_lat * np.cos(lam)

    wind = make_global_grid(uv, step=1.0)
    p = predict(0.0, 89.0, 0.0, 18_000.0, wind=wind, hours=7.0, output_step_s=60.0, wind_sigma=0)
    d = distance_km(p.lat[0], p.lon[0], 89.0, 180.0)
    k = int(np.nanargmin(d))
    assert d[k] < 1.0
    arc_m = math.radians(2.0) * (6_399_593.6 + 18_000.0)  # meridian radius at the pole + h
    assert p.times[k] == pytest.approx(arc_m / 10.0, abs=120.0)
    assert np.nanmax(p.lat[0]) > 89.99  # it really went over the pole
