"""Compiled pieces of the integrator against their references: the perturbation mode sum
equals `atmosphere.perturb` (same field), Bowring's inverse equals the iterative one."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.atmosphere.perturb import PerturbedWind
from stratowatch.atmosphere.wind import CalmWind
from stratowatch.flight.earth import ecef_to_frame, ecef_to_geodetic, geodetic_to_ecef
from stratowatch.flight.kernel import _pert_value, _sincos
from stratowatch.flight.windargs import kernel_wind


@pytest.mark.parametrize("source", ["calm", "climatology"])
def test_pert_value_matches_the_wind_layer(source: str) -> None:
    from stratowatch.atmosphere import open_wind

    base = CalmWind() if source == "calm" else open_wind("climatology")
    pw = PerturbedWind(base, members=8, sigma=3.5 if source == "calm" else None, seed=11)
    kw = kernel_wind(pw)
    assert kw.use_pert and kw.members == 8
    rng = np.random.default_rng(0)
    for _ in range(200):
        m = int(rng.integers(0, 8))
        t = float(rng.uniform(1.2e9, 1.8e9))  # epoch seconds: large omega*t arguments
        lat, lon = float(rng.uniform(-90, 90)), float(rng.uniform(-180, 180))
        alt = float(rng.uniform(0, 40_000))
        du, dv = _pert_value(m, t, lat, lon, alt, kw.pert)
        ru, rv = pw.perturbation(t, lat, lon, alt, m)
        assert du == pytest.approx(float(ru), abs=1e-6)
        assert dv == pytest.approx(float(rv), abs=1e-6)


def test_fast_sincos_accuracy() -> None:
    for a in np.concatenate([np.linspace(-50, 50, 1001), [1e5 + 0.3, -2.7e4]]):
        s, c = _sincos(float(a))
        assert abs(s - np.sin(a)) < 1e-8 and abs(c - np.cos(a)) < 1e-8


@pytest.mark.parametrize("lat", [-89.999, -60.0, 0.0, 12.3, 45.0, 89.99])
@pytest.mark.parametrize("h", [-400.0, 18_000.0, 45_000.0])
def test_bowring_inverse(lat: float, h: float) -> None:
    x, y, z = geodetic_to_ecef(lat, 170.0, h)
    la, lo, sp, cp, sl, cl = ecef_to_frame(x, y, z)
    la2, lo2, _ = ecef_to_geodetic(x, y, z)
    assert la == pytest.approx(lat, abs=1e-9) and la2 == pytest.approx(lat, abs=1e-9)
    assert lo == pytest.approx(170.0, abs=1e-9)
    assert sp == pytest.approx(np.sin(np.radians(lat)), abs=1e-10)
    assert cl == pytest.approx(np.cos(np.radians(170.0)), abs=1e-10)
