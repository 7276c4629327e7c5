"""The compiled integrator's perturbation sum equals `atmosphere.perturb` (same field)."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.atmosphere.perturb import PerturbedWind
from stratowatch.atmosphere.wind import CalmWind
from stratowatch.flight.kernel import _pert_begin, _pert_shift, _pert_xyz
from stratowatch.flight.windargs import kernel_wind


def test_pert_begin_and_shift_match_the_wind_layer() -> None:
    pw = PerturbedWind(CalmWind(), members=8, sigma=3.5, seed=11)
    kw = kernel_wind(pw)
    assert kw.use_pert and kw.members == 8
    rng = np.random.default_rng(0)
    buf = np.empty((4, pw.modes.kx.shape[1]))
    for _ in range(50):
        m = int(rng.integers(0, 8))
        t = float(rng.uniform(0, 2e5))
        lat, lon, alt = float(rng.uniform(-85, 85)), float(rng.uniform(-180, 180)), 18_000.0
        du, dv, x, y, z = _pert_begin(m, t, lat, lon, alt, kw.pert, buf)
        ru, rv = pw.perturbation(t, lat, lon, alt, m)
        assert du == pytest.approx(float(ru), abs=1e-9)
        assert dv == pytest.approx(float(rv), abs=1e-9)
        assert np.allclose((x, y, z), _pert_xyz(lat, lon, alt))
        # a step away (up to ~60 km and 10 min): the series continuation is accurate
        for dlat, dlon, dt in ((0.1, 0.2, 300.0), (0.4, -0.5, 600.0), (3.0, 4.0, 3600.0)):
            su, sv = _pert_shift(m, dt, x, y, z, lat + dlat, lon + dlon, alt, kw.pert, buf)
            eu, ev = pw.perturbation(t + dt, lat + dlat, lon + dlon, alt, m)
            assert su == pytest.approx(float(eu), abs=1e-5)
            assert sv == pytest.approx(float(ev), abs=1e-5)
