r"""WGS84 ellipsoid geometry for the integrators: geodetic <-> Earth-centred Earth-fixed (ECEF)
coordinates, local east/north/up bases, radii of curvature, gravity with height.

The integrators move parcels in ECEF (a step is a straight displacement along the local
east/north/up velocity, then projected back to geodetic latitude and longitude), which is
regular everywhere: across the dateline and over the poles, where ``dlon/dt`` in geodetic
coordinates would be singular.

Notes
-----
With :math:`N(\varphi) = a / \sqrt{1 - e^2 \sin^2\varphi}` (prime-vertical radius) and
:math:`M(\varphi) = a (1 - e^2) / (1 - e^2 \sin^2\varphi)^{3/2}` (meridian radius) [NIMA8350]_:

.. math::
    X = (N + h) \cos\varphi \cos\lambda,\quad Y = (N + h) \cos\varphi \sin\lambda,\quad
    Z = (N (1 - e^2) + h) \sin\varphi

and a parcel moving with eastward/northward speeds (u, v) has
:math:`\dot\varphi = v / (M + h)`, :math:`\dot\lambda = u / ((N + h)\cos\varphi)`.
The inverse uses the fixed point :math:`\varphi = \operatorname{atan2}(Z + e^2 N \sin\varphi, p)`
(:math:`p = \sqrt{X^2 + Y^2}`), which converges by a factor :math:`\sim e^2` per iteration at
every latitude, poles included.

References
----------
.. [NIMA8350] NIMA TR8350.2, *Department of Defense World Geodetic System 1984*, 3rd ed., 2000.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from ..geo.geodesy import EARTH_RADIUS

__all__ = [
    "A_WGS84",
    "F_WGS84",
    "E2_WGS84",
    "OMEGA_EARTH",
    "geodetic_to_ecef",
    "ecef_to_latlon",
    "ecef_to_geodetic",
    "geodetic_frame",
    "ecef_to_frame",
    "ecef_to_frame_h",
    "enu_basis",
    "meridian_radius",
    "prime_vertical_radius",
    "gravity",
    "parallel_displacement_deg",
]

A_WGS84 = 6378137.0  # m, semi-major axis [NIMA8350]_
F_WGS84 = 1.0 / 298.257223563  # flattening
E2_WGS84 = F_WGS84 * (2.0 - F_WGS84)  # first eccentricity squared
OMEGA_EARTH = 7.292115e-5  # rad/s, Earth rotation rate [NIMA8350]_
_R_MEAN = EARTH_RADIUS  # m, mean Earth radius for the gravity-height law
_G0 = 9.80665  # m/s2


@njit(cache=True, inline="always")
def geodetic_to_ecef(lat: float, lon: float, h: float) -> tuple[float, float, float]:
    """ECEF (m) of geodetic latitude/longitude (degrees) and ellipsoidal height (m)."""
    phi = math.radians(lat)
    lam = math.radians(lon)
    s = math.sin(phi)
    c = math.cos(phi)
    n = A_WGS84 / math.sqrt(1.0 - E2_WGS84 * s * s)
    return (n + h) * c * math.cos(lam), (n + h) * c * math.sin(lam), (n * (1.0 - E2_WGS84) + h) * s


@njit(cache=True, inline="always")
def ecef_to_latlon(x: float, y: float, z: float) -> tuple[float, float]:
    """Geodetic latitude and longitude (degrees, lon in [-180, 180]) of an ECEF point."""
    p = math.hypot(x, y)
    lon = math.degrees(math.atan2(y, x))
    phi = math.atan2(z, p * (1.0 - E2_WGS84))
    for _ in range(3):
        s = math.sin(phi)
        n = A_WGS84 / math.sqrt(1.0 - E2_WGS84 * s * s)
        phi = math.atan2(z + E2_WGS84 * n * s, p)
    return math.degrees(phi), lon


@njit(cache=True, inline="always")
def enu_basis(
    lat: float, lon: float
) -> tuple[float, float, float, float, float, float, float, float, float]:
    """Unit east, north and up vectors (ECEF components) at a geodetic point."""
    phi = math.radians(lat)
    lam = math.radians(lon)
    sp = math.sin(phi)
    cp = math.cos(phi)
    sl = math.sin(lam)
    cl = math.cos(lam)
    return -sl, cl, 0.0, -sp * cl, -sp * sl, cp, cp * cl, cp * sl, sp


@njit(cache=True, inline="always")
def gravity(h: float) -> float:
    """Gravitational acceleration (m/s2) at height h: g0 (R / (R + h))^2 [USSA1976]_."""
    r = _R_MEAN / (_R_MEAN + h)
    return _G0 * r * r


def meridian_radius(lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Meridian radius of curvature M (m) at geodetic latitude (degrees). [NIMA8350]_"""
    s = np.sin(np.radians(np.asarray(lat, dtype=np.float64)))
    return np.asarray(A_WGS84 * (1.0 - E2_WGS84) / (1.0 - E2_WGS84 * s * s) ** 1.5)


def prime_vertical_radius(lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Prime-vertical radius of curvature N (m) at geodetic latitude (degrees). [NIMA8350]_"""
    s = np.sin(np.radians(np.asarray(lat, dtype=np.float64)))
    return np.asarray(A_WGS84 / np.sqrt(1.0 - E2_WGS84 * s * s))


def parallel_displacement_deg(lat: float, alt: float, distance_m: float) -> float:
    """Longitude change (degrees) for ``distance_m`` along the parallel at ``lat``, ``alt``:
    d / ((N + h) cos(lat)) [NIMA8350]_."""
    n = float(prime_vertical_radius(lat))
    return math.degrees(distance_m / ((n + alt) * math.cos(math.radians(lat))))


@njit(cache=True, inline="always")
def ecef_to_geodetic(x: float, y: float, z: float) -> tuple[float, float, float]:
    """Geodetic latitude, longitude (degrees) and ellipsoidal height (m) of an ECEF point:
    h = p cos(phi) + (Z + e^2 N sin(phi)) sin(phi) - N, regular at the poles. [NIMA8350]_"""
    p = math.hypot(x, y)
    lon = math.degrees(math.atan2(y, x))
    phi = math.atan2(z, p * (1.0 - E2_WGS84))
    n = A_WGS84
    s = 0.0
    for _ in range(4):
        s = math.sin(phi)
        n = A_WGS84 / math.sqrt(1.0 - E2_WGS84 * s * s)
        phi = math.atan2(z + E2_WGS84 * n * s, p)
    s = math.sin(phi)
    n = A_WGS84 / math.sqrt(1.0 - E2_WGS84 * s * s)
    h = p * math.cos(phi) + (z + E2_WGS84 * n * s) * s - n
    return math.degrees(phi), lon, h


_B_WGS84 = A_WGS84 * (1.0 - F_WGS84)  # semi-minor axis
_EP2_WGS84 = E2_WGS84 / (1.0 - E2_WGS84)  # second eccentricity squared


@njit(cache=True, inline="always")
def geodetic_frame(
    lat: float, lon: float, h: float
) -> tuple[float, float, float, float, float, float, float]:
    """ECEF (x, y, z) of a geodetic point and the sines/cosines of its latitude and longitude
    (sin lat, cos lat, sin lon, cos lon): everything a step needs, from 4 trig calls."""
    phi = math.radians(lat)
    lam = math.radians(lon)
    sp = math.sin(phi)
    cp = math.cos(phi)
    sl = math.sin(lam)
    cl = math.cos(lam)
    n = A_WGS84 / math.sqrt(1.0 - E2_WGS84 * sp * sp)
    return (n + h) * cp * cl, (n + h) * cp * sl, (n * (1.0 - E2_WGS84) + h) * sp, sp, cp, sl, cl


@njit(cache=True, inline="always")
def ecef_to_frame(x: float, y: float, z: float) -> tuple[float, float, float, float, float, float]:
    """Geodetic latitude, longitude (degrees) and (sin lat, cos lat, sin lon, cos lon) of an
    ECEF point by Bowring's closed form [BOWRING1976]_ (error < 1e-10 rad below 100 km):
    tan(theta) = z a / (p b), tan(phi) = (z + e'^2 b sin^3 theta) / (p - e^2 a cos^3 theta).
    The sines and cosines come from the same ratios (no trig calls)."""
    p = math.sqrt(x * x + y * y)
    if p < 1e-6:  # on the polar axis
        sgn = 1.0 if z >= 0.0 else -1.0
        return 90.0 * sgn, 0.0, sgn, 0.0, 0.0, 1.0
    cl = x / p
    sl = y / p
    zb = z * A_WGS84
    pb = p * _B_WGS84
    r = math.sqrt(zb * zb + pb * pb)
    st = zb / r
    ct = pb / r
    num = z + _EP2_WGS84 * _B_WGS84 * st * st * st
    den = p - E2_WGS84 * A_WGS84 * ct * ct * ct
    q = math.sqrt(num * num + den * den)
    return (
        math.degrees(math.atan2(num, den)),
        math.degrees(math.atan2(y, x)),
        num / q,
        den / q,
        sl,
        cl,
    )


@njit(cache=True, inline="always")
def ecef_to_frame_h(
    x: float, y: float, z: float
) -> tuple[float, float, float, float, float, float, float]:
    """`ecef_to_frame` plus the ellipsoidal height,
    h = p cos(phi) + z sin(phi) - a sqrt(1 - e^2 sin^2 phi) [BOWRING1976]_."""
    lat, lon, sp, cp, sl, cl = ecef_to_frame(x, y, z)
    p = math.sqrt(x * x + y * y)
    h = p * cp + z * sp - A_WGS84 * math.sqrt(1.0 - E2_WGS84 * sp * sp)
    return lat, lon, h, sp, cp, sl, cl
