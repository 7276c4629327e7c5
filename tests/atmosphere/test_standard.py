"""US Standard Atmosphere 1976 against its published tables [USSA1976]."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.atmosphere import standard as sa

FT = 0.3048


@pytest.mark.parametrize(
    ("alt_m", "rho", "p", "t"),
    [
        # USSA1976 Table I (geometric altitude): density kg/m3, pressure Pa, temperature K
        (0.0, 1.2250, 101325.0, 288.150),
        (11000.0, 0.36480, 22699.9, 216.774),
        (20000.0, 0.088910, 5529.3, 216.650),
        (32000.0, 0.013555, 889.06, 228.490),
        (50000.0, 0.0010269, 79.779, 270.65),
    ],
)
def test_table_values(alt_m: float, rho: float, p: float, t: float) -> None:
    assert sa.density(alt_m) == pytest.approx(rho, rel=2e-3)
    assert sa.pressure(alt_m) == pytest.approx(p, rel=2e-3)
    assert sa.temperature(alt_m) == pytest.approx(t, abs=0.1)


def test_issue_reference_densities() -> None:
    """Values named in the foundation issue: 60,000 ft, sea level, 40,000 ft."""
    assert sa.density(60000 * FT) == pytest.approx(0.1163, abs=2e-4)
    assert sa.density(0.0) == pytest.approx(1.2250, abs=1e-4)
    assert sa.density(40000 * FT) == pytest.approx(0.3027, abs=2e-4)


def test_altitude_pressure_round_trip() -> None:
    z = np.linspace(-300.0, 50000.0, 1001)
    assert np.allclose(sa.altitude_from_pressure(sa.pressure(z)), z, atol=1e-3)


def test_pressure_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        sa.altitude_from_pressure([100.0, -1.0])


def test_arrays_raise_no_floating_point_warnings() -> None:
    """Regression: the compiled ufuncs once reported a spurious 'divide by zero' (a hoisted
    division by the zero lapse rate of an isothermal layer)."""
    import warnings

    z = np.linspace(-300.0, 50000.0, 2001)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sa.density(z)
        sa.pressure(z)
        sa.altitude_from_pressure(sa.pressure(z))
