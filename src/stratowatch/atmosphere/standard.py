r"""US Standard Atmosphere 1976, 0-86 km geometric altitude.

Temperature, pressure and density from geometric altitude, and altitude from pressure, as numpy
ufunc-like functions over arrays and as compiled scalar kernels (``*_scalar``) that the numba
integrators call inside their loops.

Notes
-----
Geopotential altitude :math:`H = r_0 z / (r_0 + z)` with :math:`r_0 = 6356.766` km. In each layer
b with base :math:`H_b`, :math:`T_b`, :math:`P_b` and lapse rate :math:`L_b`:

.. math::
    T = T_b + L_b (H - H_b)

    P = P_b (T_b / T)^{g_0 M_0 / (R^* L_b)} \quad (L_b \ne 0), \qquad
    P = P_b \exp(-g_0 M_0 (H - H_b) / (R^* T_b)) \quad (L_b = 0)

    \rho = P M_0 / (R^* T)

Constants and layer table from [USSA1976]_ (Table 4 and eqs. 18, 33a, 33b, 42). Above 86 km the
1976 model is not piecewise-linear in H; the functions clamp there (balloons stay below ~50 km).

References
----------
.. [USSA1976] NOAA, NASA, USAF, *U.S. Standard Atmosphere, 1976*, NOAA-S/T 76-1562, Washington
   D.C., 1976. See ``docs/references.md``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = [
    "G0",
    "R_STAR",
    "M0",
    "R_AIR",
    "RHO0",
    "P0",
    "T0",
    "temperature",
    "pressure",
    "density",
    "altitude_from_pressure",
    "temperature_scalar",
    "pressure_scalar",
    "density_scalar",
    "altitude_from_pressure_scalar",
]

G0 = 9.80665  # m/s2, standard gravity
R_STAR = 8.31432  # J/(mol K), USSA1976 gas constant
M0 = 0.0289644  # kg/mol, sea-level mean molar mass of air
R_AIR = R_STAR / M0  # J/(kg K)
R0_EARTH = 6356766.0  # m, USSA1976 effective Earth radius for geopotential
T0 = 288.15  # K
P0 = 101325.0  # Pa
RHO0 = P0 / (R_AIR * T0)  # 1.2250 kg/m3

# Layer bases: geopotential altitude (m), lapse rate (K/m).
_HB = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_LB = np.array([-0.0065, 0.0, 0.0010, 0.0028, 0.0, -0.0028, -0.0020, 0.0])


def _layer_bases() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    tb = np.empty_like(_HB)
    pb = np.empty_like(_HB)
    tb[0], pb[0] = T0, P0
    k = G0 * M0 / R_STAR
    for i in range(1, len(_HB)):
        dh = _HB[i] - _HB[i - 1]
        tb[i] = tb[i - 1] + _LB[i - 1] * dh
        if _LB[i - 1] == 0.0:
            pb[i] = pb[i - 1] * np.exp(-k * dh / tb[i - 1])
        else:
            pb[i] = pb[i - 1] * (tb[i - 1] / tb[i]) ** (k / _LB[i - 1])
    return tb, pb


_TB, _PB = _layer_bases()
_K = G0 * M0 / R_STAR
# Per-layer exponents, 0 in isothermal layers. Precomputed so the compiled kernels never divide
# by a zero lapse rate: LLVM may evaluate both sides of a branch, and a 0-division sets the FP
# flag that numpy's ufunc loop reports as a "divide by zero" warning.
_nonzero = _LB != 0.0
_EXPONENT = np.where(_nonzero, _K / np.where(_nonzero, _LB, 1.0), 0.0)  # g0 M0 / (R* L_b)
_T_OVER_L = np.where(_nonzero, _TB / np.where(_nonzero, _LB, 1.0), 0.0)  # T_b / L_b


@njit(cache=True, inline="always")
def _layer(h_geopot: float) -> int:
    i = 0
    while i < 6 and h_geopot >= _HB[i + 1]:
        i += 1
    return i


@njit(cache=True)
def temperature_scalar(z: float) -> float:
    """Temperature (K) at geometric altitude ``z`` (m), clamped to 0-86 km."""
    h = R0_EARTH * z / (R0_EARTH + z)
    h = min(max(h, _HB[0]), _HB[7])
    i = _layer(h)
    return _TB[i] + _LB[i] * (h - _HB[i])


@njit(cache=True)
def pressure_scalar(z: float) -> float:
    """Pressure (Pa) at geometric altitude ``z`` (m). Below 0 m the troposphere law continues."""
    h = R0_EARTH * z / (R0_EARTH + z)
    h = min(h, _HB[7])
    i = _layer(max(h, 0.0))
    t = _TB[i] + _LB[i] * (h - _HB[i])
    if _LB[i] == 0.0:
        return _PB[i] * np.exp(-_K * (h - _HB[i]) / _TB[i])
    return _PB[i] * (_TB[i] / t) ** _EXPONENT[i]


@njit(cache=True)
def density_scalar(z: float) -> float:
    """Air density (kg/m3) at geometric altitude ``z`` (m)."""
    h = R0_EARTH * z / (R0_EARTH + z)
    h = min(h, _HB[7])
    i = _layer(max(h, 0.0))
    t = _TB[i] + _LB[i] * (h - _HB[i])
    if _LB[i] == 0.0:
        p = _PB[i] * np.exp(-_K * (h - _HB[i]) / _TB[i])
    else:
        p = _PB[i] * (_TB[i] / t) ** _EXPONENT[i]
    return p / (R_AIR * t)


@njit(cache=True)
def altitude_from_pressure_scalar(p: float) -> float:
    """Geometric altitude (m) where the standard pressure equals ``p`` (Pa)."""
    i = 0
    while i < 6 and p <= _PB[i + 1]:
        i += 1
    if _LB[i] == 0.0:
        h = _HB[i] - _TB[i] * np.log(p / _PB[i]) / _K
    else:
        h = _HB[i] + _T_OVER_L[i] * ((p / _PB[i]) ** (-_LB[i] / _K) - 1.0)
    return R0_EARTH * h / (R0_EARTH - h)


@njit(cache=True)
def _apply(kind: int, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """One of the scalar laws over a flat array (0 temperature, 1 pressure, 2 density, 3
    altitude from pressure): compiled lazily on first use, unlike a ``vectorize`` ufunc,
    whose build at import cost every process about a second."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        if kind == 0:
            out[i] = temperature_scalar(x[i])
        elif kind == 1:
            out[i] = pressure_scalar(x[i])
        elif kind == 2:
            out[i] = density_scalar(x[i])
        else:
            out[i] = altitude_from_pressure_scalar(x[i])
    return out


def _law(kind: int, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(arr).reshape(-1)
    if not flat.flags.writeable:
        flat = flat.copy()
    return _apply(kind, flat).reshape(arr.shape)


def temperature(z: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Temperature (K) at geometric altitude ``z`` (m, any shape). [USSA1976]_"""
    return _law(0, z)


def pressure(z: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Pressure (Pa) at geometric altitude ``z`` (m, any shape). [USSA1976]_"""
    return _law(1, z)


def density(z: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Air density (kg/m3) at geometric altitude ``z`` (m, any shape). [USSA1976]_"""
    return _law(2, z)


def altitude_from_pressure(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Geometric altitude (m) of standard pressure ``p`` (Pa, any shape, > 0). [USSA1976]_"""
    arr = np.asarray(p, dtype=np.float64)
    if np.any(~(arr > 0)):
        raise ValueError("pressure must be positive and finite (Pa)")
    return _law(3, arr)
