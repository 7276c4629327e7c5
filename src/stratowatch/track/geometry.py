"""Local geometry for the tracker: metre offsets on a sphere, sensor angles and their Jacobians.

The filter keeps each state's mean as latitude/longitude/altitude and its covariance in local
east/north/up metres at that mean, so one code path works from the Aleutians to the Carolinas.
Offsets use the local-tangent (equirectangular about the mid-latitude) approximation on a sphere
of the IUGG mean radius [IUGG1980]_; the error is below 0.1 % of the offset for offsets up to
~500 km, far below report uncertainties.

Sensor geometry: a target at east/north offset (e, n) and height difference dh from a sensor
sits at local "up" u = dh - (e^2 + n^2) / (2 k R) below the sensor's horizontal plane, with the
standard 4/3-Earth refraction factor k = 4/3 [Doerry2013]_; azimuth az = atan2(e, n) (clockwise
from north), elevation el = atan2(u, sqrt(e^2 + n^2)), slant range r = sqrt(e^2 + n^2 + u^2).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "R_EARTH",
    "K_REFRACTION",
    "enu_offset",
    "offset_latlon",
    "sensor_angles",
    "distance_m",
]

FloatArray = npt.NDArray[np.float64]

R_EARTH = 6_371_008.8  # m, IUGG mean Earth radius
K_REFRACTION = 4.0 / 3.0


def enu_offset(
    lat0: npt.ArrayLike, lon0: npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """East and north offsets (m) of (lat, lon) from (lat0, lon0); broadcasts; lon wraps."""
    la0 = np.asarray(lat0, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    dlon = (np.asarray(lon, dtype=np.float64) - np.asarray(lon0, dtype=np.float64) + 180.0) % 360.0
    dlon = dlon - 180.0
    mid = np.radians(0.5 * (la0 + la))
    e = R_EARTH * np.cos(mid) * np.radians(dlon)
    n = R_EARTH * np.radians(la - la0)
    return e, n


def offset_latlon(
    lat: npt.ArrayLike, lon: npt.ArrayLike, e: npt.ArrayLike, n: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point east ``e`` and north ``n`` metres from (lat, lon) (inverse of `enu_offset`)."""
    la = np.asarray(lat, dtype=np.float64)
    new_lat = la + np.degrees(np.asarray(n, dtype=np.float64) / R_EARTH)
    new_lat = np.clip(new_lat, -89.999, 89.999)
    mid = np.radians(0.5 * (la + new_lat))
    new_lon = np.asarray(lon, dtype=np.float64) + np.degrees(
        np.asarray(e, dtype=np.float64) / (R_EARTH * np.maximum(np.cos(mid), 1e-6))
    )
    return new_lat, (new_lon + 180.0) % 360.0 - 180.0


def distance_m(
    lat0: npt.ArrayLike, lon0: npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance (m) by the haversine formula on the mean sphere."""
    p0 = np.radians(np.asarray(lat0, dtype=np.float64))
    p1 = np.radians(np.asarray(lat, dtype=np.float64))
    dl = np.radians(np.asarray(lon, dtype=np.float64) - np.asarray(lon0, dtype=np.float64))
    h = np.sin(0.5 * (p1 - p0)) ** 2 + np.cos(p0) * np.cos(p1) * np.sin(0.5 * dl) ** 2
    return np.asarray(2.0 * R_EARTH * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)


def sensor_angles(
    s_lat: npt.ArrayLike,
    s_lon: npt.ArrayLike,
    s_alt: npt.ArrayLike,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    alt: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Azimuth (rad), elevation (rad), slant range (m) of targets seen from sensors, and the
    Jacobian (..., 3, 3) of (az, el, range) with respect to the target's own local
    (east, north, up) displacements."""
    e, n = enu_offset(s_lat, s_lon, lat, lon)
    d2 = e * e + n * n
    d = np.sqrt(np.maximum(d2, 1e-6))
    u = np.asarray(alt, dtype=np.float64) - np.asarray(s_alt, dtype=np.float64)
    u = u - d2 / (2.0 * K_REFRACTION * R_EARTH)
    rho2 = d2 + u * u
    r = np.sqrt(np.maximum(rho2, 1e-6))
    az = np.arctan2(e, n) % (2.0 * np.pi)
    el = np.arctan2(u, d)
    du_de = -e / (K_REFRACTION * R_EARTH)
    du_dn = -n / (K_REFRACTION * R_EARTH)
    jac = np.zeros(np.shape(e) + (3, 3))
    jac[..., 0, 0] = n / np.maximum(d2, 1e-6)
    jac[..., 0, 1] = -e / np.maximum(d2, 1e-6)
    # el = atan2(u, d): d(el) = (d du - u dd) / rho^2
    jac[..., 1, 0] = (d * du_de - u * e / d) / rho2
    jac[..., 1, 1] = (d * du_dn - u * n / d) / rho2
    jac[..., 1, 2] = d / rho2
    jac[..., 2, 0] = (e + u * du_de) / r
    jac[..., 2, 1] = (n + u * du_dn) / r
    jac[..., 2, 2] = u / r
    # chain rule to the target's own east/north (the filter moves the target there):
    # e = R cos(mid) dlon, n = R dlat with mid the mean latitude
    la_t = np.radians(np.asarray(lat, dtype=np.float64))
    mid = 0.5 * (np.radians(np.asarray(s_lat, dtype=np.float64)) + la_t)
    dlon = e / (R_EARTH * np.cos(mid))
    de_dE = np.cos(mid) / np.cos(la_t)
    de_dN = -0.5 * np.sin(mid) * dlon
    j_e = jac[..., :, 0].copy()
    j_n = jac[..., :, 1].copy()
    jac[..., :, 0] = j_e * de_dE[..., None]
    jac[..., :, 1] = j_e * de_dN[..., None] + j_n
    return az, el, r, jac
