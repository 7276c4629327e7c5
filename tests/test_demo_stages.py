"""The demo's own computations, on cases with known answers: coverage of a report by an
ensemble (normal-theory regions), the wind bias measured by a track's drift, the bias-corrected
wind, Ec colours, bad settings and bad output folders."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from stratowatch.atmosphere import CalmWind, open_wind
from stratowatch.demo import (
    DemoConfig,
    _bias_corrected,
    coverage_of,
    drift_bias,
    ec_color,
    run_demo,
)
from stratowatch.errors import ConfigError, InputError
from stratowatch.geo.geodesy import offset_m
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
