"""Perturbed wind ensembles (issue 2): statistics of the random-Fourier-feature errors."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.atmosphere import CalmWind, open_wind
from stratowatch.atmosphere.perturb import (
    EARTH_RADIUS,
    PerturbedWind,
    member_normals,
    member_uniforms,
    perturbation_at,
)
from stratowatch.errors import ConfigError, InputError

M = 4000


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


@pytest.fixture(scope="module")
def ens() -> PerturbedWind:
    return PerturbedWind(CalmWind(), members=M, sigma=3.5, seed=7)


def test_rms_is_sigma(ens: PerturbedWind) -> None:
    """Across members, each component has RMS sigma (3.5 m/s) at any point."""
    m = np.arange(M)
    for lat, lon in ((45.0, -110.0), (89.9, 10.0), (-30.0, 179.99)):
        du, dv = ens.perturbation(1.7e9, lat, lon, 18_000.0, m)
        assert np.sqrt(np.mean(du**2)) == pytest.approx(3.5, rel=0.05)
        assert np.sqrt(np.mean(dv**2)) == pytest.approx(3.5, rel=0.05)
        assert abs(_corr(du, dv)) < 0.06  # u and v errors independent


def test_correlation_at_length_and_time(ens: PerturbedWind) -> None:
    """Gaussian covariance: correlation exp(-1/2) ~ 0.607 at separation L and at lag T;
    ~exp(-2) at 2L; independent of direction (3-D isotropic in ECEF)."""
    m = np.arange(M)
    t0 = 1.7e9
    d_lat = np.degrees(350e3 / EARTH_RADIUS)  # horizontal distance on the mean sphere
    base = ens.perturbation(t0, 45.0, -110.0, 18_000.0, m)[0]
    north = ens.perturbation(t0, 45.0 + d_lat, -110.0, 18_000.0, m)[0]
    east = ens.perturbation(t0, 45.0, -110.0 + d_lat / np.cos(np.radians(45.0)), 18_000.0, m)[0]
    north2 = ens.perturbation(t0, 45.0 + 2 * d_lat, -110.0, 18_000.0, m)[0]
    later = ens.perturbation(t0 + 10 * 3600.0, 45.0, -110.0, 18_000.0, m)[0]
    expected = np.exp(-0.5)
    assert _corr(base, north) == pytest.approx(expected, abs=0.05)
    assert _corr(base, east) == pytest.approx(expected, abs=0.06)  # arc vs chord: ~0.1 % shorter
    assert _corr(base, later) == pytest.approx(expected, abs=0.05)
    assert _corr(base, north2) == pytest.approx(np.exp(-2.0), abs=0.05)


def test_no_seam_at_dateline_and_pole(ens: PerturbedWind) -> None:
    m = np.arange(50)
    a = ens.perturbation(1.7e9, 10.0, 179.9999, 1000.0, m)
    b = ens.perturbation(1.7e9, 10.0, -179.9999, 1000.0, m)
    assert np.allclose(a, b, atol=1e-3)
    # at the pole every longitude is the same point
    p = ens.perturbation(1.7e9, 90.0, 0.0, 1000.0, m)
    q = ens.perturbation(1.7e9, 90.0, 123.0, 1000.0, m)
    assert np.allclose(p, q, atol=1e-6)


def test_reproducible_by_seed_and_compiled_kernel_agrees() -> None:
    a = PerturbedWind(open_wind("climatology"), members=5, seed=3)
    b = PerturbedWind(open_wind("climatology"), members=5, seed=3)
    c = PerturbedWind(open_wind("climatology"), members=5, seed=4)
    assert a.uncertainty.kind == "climatology"  # drawn from the source's own error model
    m = np.arange(5)
    ua, va = a.uv(1.7e9, 45.0, -110.0, 18_000.0, m)
    ub, vb = b.uv(1.7e9, 45.0, -110.0, 18_000.0, m)
    uc, _ = c.uv(1.7e9, 45.0, -110.0, 18_000.0, m)
    assert np.array_equal(ua, ub) and np.array_equal(va, vb)
    assert not np.allclose(ua, uc)
    base_u, base_v = a.base.uv(1.7e9, 45.0, -110.0, 18_000.0)
    for k in range(5):
        du, dv = perturbation_at(
            k, 1.7e9, 45.0, -110.0, 18_000.0, *a.modes.arrays(), a.kernel_uncertainty
        )
        assert ua[k] == pytest.approx(float(base_u) + du, abs=1e-9)
        assert va[k] == pytest.approx(float(base_v) + dv, abs=1e-9)
    assert a.meta.members == 5 and a.meta.kind == "perturbed"


def test_modes_are_the_member_keyed_draws_whatever_the_chunk() -> None:
    """The modes come from one fused parallel pass; they are exactly the member-keyed normal
    and uniform draws (`member_normals` / `member_uniforms`) split by column, for any first
    member, and the phases' cosines and sines the kernel sums with are those of the phases."""
    clim = open_wind("climatology")
    whole = PerturbedWind(clim, members=12, seed=9)
    unc = whole.uncertainty
    k = whole.modes.kx.shape[1]
    z = member_normals(9, 0, 0, 12, 5 * k)
    ph = 2.0 * np.pi * member_uniforms(9, 1, 0, 12, 2 * k)
    m = whole.modes
    assert np.array_equal(m.kx, z[:, :k] / unc.length_m)
    assert np.array_equal(m.kz, z[:, 2 * k : 3 * k] / unc.length_m)
    assert np.array_equal(m.kr, z[:, 3 * k : 4 * k] / unc.vertical_m)
    assert np.array_equal(m.omega, z[:, 4 * k :] / unc.time_s)
    assert np.array_equal(m.phase_u, ph[:, :k]) and np.array_equal(m.phase_v, ph[:, k:])
    cu, su, cv, sv = m.trig()
    assert np.allclose(cu, np.cos(m.phase_u), atol=1e-15)
    assert np.allclose(sv, np.sin(m.phase_v), atol=1e-15)
    part = PerturbedWind(clim, members=5, seed=9, first_member=7)
    assert np.array_equal(part.modes.ky, m.ky[7:12])
    assert np.array_equal(part.modes.trig()[1], su[7:12])


def test_control_member_and_bad_parameters() -> None:
    w = PerturbedWind(CalmWind(), members=3, sigma=3.5, control=True)
    u, v = w.uv(0.0, 0.0, 0.0, 0.0, np.array([0, 1]))
    assert u[0] == 0.0 and v[0] == 0.0 and u[1] != 0.0
    with pytest.raises(ConfigError):
        PerturbedWind(CalmWind(), members=0)
    with pytest.raises(ConfigError):
        PerturbedWind(CalmWind(), members=2, length_m=-1.0)
    with pytest.raises(InputError, match="member"):
        w.uv(0.0, 0.0, 0.0, 0.0, 3)
    with pytest.raises(InputError, match="lat"):
        w.uv(0.0, 95.0, 0.0, 0.0, 0)
