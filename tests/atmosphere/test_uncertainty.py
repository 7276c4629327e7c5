"""Wind-error models by source (issue 9 item 1): the climatology table re-measured on real
data, forecast error growing with lead, soundings' error growing with distance and time,
and the perturbations' statistics (sigma envelope, vertical correlation) against the model."""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from stratowatch.atmosphere import CalmWind, open_wind
from stratowatch.atmosphere.error_measure import form_climatology_table, measure_climatology_error
from stratowatch.atmosphere.perturb import PerturbedWind, member_normals
from stratowatch.atmosphere.uncertainty import (
    CLIMATOLOGY_FILE,
    CLIMATOLOGY_GRIDDED,
    CLIMATOLOGY_SOUNDINGS,
    FORECAST_GROWTH,
    WindUncertainty,
    climatology_uncertainty,
    constant_uncertainty,
    forecast_uncertainty,
    sounding_uncertainty,
)
from stratowatch.errors import ConfigError

T_JAN = 1.2950928e9  # 2011-01-15T12Z


@pytest.fixture(scope="module")
def measured(shared_data: Path) -> dict:
    return measure_climatology_error(
        [shared_data / p for p in CLIMATOLOGY_GRIDDED],
        [shared_data / p for p in CLIMATOLOGY_SOUNDINGS],
    )


@pytest.mark.shared
def test_climatology_table_is_remeasured_from_the_shared_data(measured: dict) -> None:
    """The shipped table equals the one re-measured now (tolerance 0.05 m/s per entry)."""
    shipped = json.loads(
        (resources.files("stratowatch") / "data" / CLIMATOLOGY_FILE).read_text("utf-8")
    )
    table = form_climatology_table(measured)
    for key in ("sigma_u", "sigma_v"):
        np.testing.assert_allclose(np.asarray(shipped[key]), np.asarray(table[key]), atol=0.05)
    assert shipped["length_m"] == pytest.approx(table["length_m"], abs=1000.0)
    assert shipped["vertical_m"] == pytest.approx(table["vertical_m"], abs=100.0)


@pytest.mark.shared
def test_measured_climatology_error_is_physical(measured: dict) -> None:
    """Figures an expert can check: the climatology misses the mid-latitude jet by ~15-25
    m/s (u, 9-13 km, 30-60 deg; transient eddies and the day's jet position), near-surface
    winds by ~5-10 m/s; the errors correlate over ~600 km and ~8 km vertically; the real
    soundings disagree with the climatology by the same order."""
    u = np.asarray(measured["rms_u"])
    alt = np.asarray(measured["alt_m"])
    jet = (alt >= 9000) & (alt <= 13000)
    assert 15.0 < np.nanmean(u[2:4][:, jet]) < 25.0
    assert 4.0 < np.nanmean(u[:, alt < 2000]) < 10.0
    assert 450e3 < measured["length_m"] < 750e3
    assert 5e3 < measured["vertical_m"] < 11e3
    assert 0.0 < measured["mesoscale_fraction_100km"] < 0.1
    for r in measured["sounding_rms"].values():
        assert 3.0 < r["rms_u"] < 20.0 and 2.0 < r["rms_v"] < 20.0


def test_climatology_model_shape() -> None:
    unc = climatology_uncertainty()
    su_jet, sv_jet = unc.sigma(T_JAN, 45.0, -100.0, 11_000.0)
    su_low, _ = unc.sigma(T_JAN, 45.0, -100.0, 500.0)
    su_qbo, _ = unc.sigma(T_JAN, 2.0, 0.0, 25_000.0)
    assert su_jet > 15.0 and sv_jet > 10.0 and su_low < 10.0
    assert su_qbo >= 14.0  # QBO floor
    # symmetric in latitude, independent of longitude and time
    assert unc.sigma(T_JAN, -45.0, 30.0, 11_000.0)[0] == pytest.approx(float(su_jet))
    assert unc.sigma(T_JAN + 86400 * 100, 45.0, 77.0, 11_000.0)[0] == pytest.approx(float(su_jet))


def test_forecast_error_grows_with_lead_and_saturates() -> None:
    clim = climatology_uncertainty()
    t0 = T_JAN
    times = t0 + 3600.0 * np.arange(0, 241, 6)
    fc = forecast_uncertainty(times, np.full(times.size, t0))
    assert fc.kind == "forecast"
    s = np.array([float(fc.sigma(t, 45.0, -100.0, 11_000.0)[0]) for t in times])
    assert np.all(np.diff(s) >= -1e-9) and s[-1] > 3 * s[0]
    sc = float(clim.sigma(t0, 45.0, -100.0, 11_000.0)[0])
    # day 5: about half of saturation (sqrt 2 sigma_clim), from the published growth
    f5 = dict(FORECAST_GROWTH)[5.0]
    s5 = float(fc.sigma(t0 + 5 * 86400, 45.0, -100.0, 11_000.0)[0])
    assert s5 == pytest.approx(f5 * math.sqrt(2) * sc, rel=0.02)
    assert np.all(s <= math.sqrt(2) * sc + 1e-9)
    # an analysis (reference = valid time) is small everywhere
    an = forecast_uncertainty(times, times)
    assert an.kind == "analysis"
    assert float(an.sigma(t0 + 3 * 3600, 45.0, -100.0, 11_000.0)[0]) < 0.2 * sc + 1.6


def test_steady_field_used_away_from_its_time_gets_persistence_error() -> None:
    fc = forecast_uncertainty([T_JAN], [T_JAN])
    at = float(fc.sigma(T_JAN, 45.0, -100.0, 11_000.0)[0])
    day = float(fc.sigma(T_JAN + 86400.0, 45.0, -100.0, 11_000.0)[0])
    sc = float(climatology_uncertainty().sigma(T_JAN, 45.0, -100.0, 11_000.0)[0])
    expected = math.sqrt(at**2 + 2 * (1 - math.exp(-0.5)) * sc**2)
    assert day == pytest.approx(expected, rel=1e-6)


@pytest.mark.shared
def test_gfs_file_carries_its_lead(shared_data: Path) -> None:
    w = open_wind(shared_data / "wind/gfs_2011011012_f120_2p5deg.grib2")
    unc = w.meta.uncertainty
    assert unc is not None and unc.kind == "forecast"
    d = unc.describe(T_JAN, 47.5, -111.0, 18_000.0)
    assert d["lead_h"] == pytest.approx(120.0)
    g = open_wind(shared_data / "wind/gfs_2011100800_f072_2p5deg.grb1")
    assert g.meta.uncertainty.describe(1.3182912e9, 47.5, -111.0, 18_000.0)["lead_h"] == 72.0


def test_sounding_error_grows_with_distance_and_time() -> None:
    alt = np.arange(0.0, 30_001.0, 500.0)
    t0 = 1.6e9
    unc = sounding_uncertainty(alt, np.full(alt.size, 40.0), np.full(alt.size, -100.0),
                               t0 + alt / 5.0)  # fmt: skip
    here = unc.sigma(t0 + 2000.0, 40.0, -100.0, 10_000.0)
    assert here[0] == pytest.approx(1.0, abs=1e-6)  # instrument error only
    near = float(unc.sigma(t0 + 2000.0, 40.1, -100.0, 10_000.0)[0])
    far = float(unc.sigma(t0 + 2000.0, 41.0, -100.0, 10_000.0)[0])
    later = float(unc.sigma(t0 + 2000.0 + 6 * 3600, 41.0, -100.0, 10_000.0)[0])
    assert 1.0 < near < far < later
    # the structure function: 100 km away the error is a few m/s at jet level, far below
    # the climatology's
    assert 2.0 < far < 0.5 * float(climatology_uncertainty().sigma(t0, 40, -100, 10_000.0)[0])


@pytest.mark.shared
def test_sounding_file_carries_positions(shared_data: Path) -> None:
    w = open_wind(shared_data / "soundings/wyoming_BOI_2010-12-09_12Z.csv")
    unc = w.meta.uncertainty
    assert unc.kind == "sounding" and unc.lead_mode == "measured"
    # this file reports the station's position on every level; the levels' times follow the
    # ascent (launch 11:06Z, 5 m/s): the 30 km level ~1.6 h after launch
    assert np.all(unc.station_lat == pytest.approx(43.56))
    assert np.all(np.diff(unc.station_time) >= 0.0)
    assert (unc.station_time[15] - unc.station_time[0]) / 3600.0 == pytest.approx(1.6, abs=0.1)
    d = unc.describe(float(unc.station_time[5]), 43.56, -116.21, 10_000.0)
    assert d["km_from_measurement"] < 0.01


def test_bad_models_are_refused() -> None:
    with pytest.raises(ConfigError, match="sigma"):
        constant_uncertainty(-1.0)
    with pytest.raises(ConfigError, match="sigma"):
        constant_uncertainty(float("nan"))
    with pytest.raises(ConfigError, match="sigma_u"):
        WindUncertainty("constant", np.full((1, 1, 1), np.nan), np.ones((1, 1, 1)), 1e5,
                        3600.0, 1000.0, "test")  # fmt: skip
    with pytest.raises(ConfigError, match="length_m"):
        WindUncertainty("constant", np.ones((1, 1, 1)), np.ones((1, 1, 1)), -1.0, 3600.0,
                        1000.0, "test")  # fmt: skip
    with pytest.raises(ConfigError, match="reference"):
        forecast_uncertainty([1.0e9], [1.0e9 + 86400])
    with pytest.raises(ConfigError):
        PerturbedWind(CalmWind(), members=2, sigma=-3.0)
    with pytest.raises(ConfigError):
        PerturbedWind(CalmWind(), members=2, vertical_m=0.0)


M = 3000


def test_perturbation_rms_follows_the_model() -> None:
    """Across members the perturbation's RMS equals the model's sigma at each point."""
    clim = open_wind("climatology")
    pw = PerturbedWind(clim, members=M, seed=4)
    m = np.arange(M)
    for lat, alt in ((45.0, 11_000.0), (5.0, 25_000.0), (70.0, 1_000.0)):
        du, dv = pw.perturbation(T_JAN, lat, 10.0, alt, m)
        su, sv = pw.uncertainty.sigma(T_JAN, lat, 10.0, alt)
        assert np.sqrt(np.mean(du**2)) == pytest.approx(float(su), rel=0.06)
        assert np.sqrt(np.mean(dv**2)) == pytest.approx(float(sv), rel=0.06)


def test_vertical_correlation_matches_the_model() -> None:
    """Correlation between altitudes h and h + dz is exp(-dz^2 / 2 Lz^2): ~0.61 at Lz,
    ~0.14 at 2 Lz (was ~1 at any dz before: errors uniform in the vertical)."""
    lz = 2000.0
    pw = PerturbedWind(CalmWind(), members=M, sigma=3.5, vertical_m=lz, seed=9)
    m = np.arange(M)
    a = pw.perturbation(T_JAN, 45.0, -100.0, 15_000.0, m)[0]
    b = pw.perturbation(T_JAN, 45.0, -100.0, 15_000.0 + lz, m)[0]
    c = pw.perturbation(T_JAN, 45.0, -100.0, 15_000.0 + 2 * lz, m)[0]
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(math.exp(-0.5), abs=0.05)
    assert np.corrcoef(a, c)[0, 1] == pytest.approx(math.exp(-2.0), abs=0.05)


def test_members_are_keyed_by_index() -> None:
    """Members [a, b) drawn alone equal those members of the whole ensemble."""
    whole = PerturbedWind(open_wind("climatology"), members=10, seed=5)
    part = PerturbedWind(open_wind("climatology"), members=4, seed=5, first_member=6)
    for a, b in zip(whole.modes.arrays(), part.modes.arrays(), strict=True):
        np.testing.assert_array_equal(a[6:10], b)
    u_w = whole.perturbation(T_JAN, 45.0, -100.0, 18_000.0, np.arange(6, 10))
    u_p = part.perturbation(T_JAN, 45.0, -100.0, 18_000.0, np.arange(4))
    np.testing.assert_array_equal(u_w[0], u_p[0])
    z = member_normals(3, 2, 0, 100, 8)
    np.testing.assert_array_equal(z[37:61], member_normals(3, 2, 37, 24, 8))
    assert abs(z.mean()) < 0.1 and z.std() == pytest.approx(1.0, abs=0.1)
