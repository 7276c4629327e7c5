r"""Geodesy on the WGS84 ellipsoid: distances, azimuths, forward points and local coordinates.

All distances and directions outside the compiled flight kernels go through this module, which
solves the direct and inverse geodesic problems with `pyproj.Geod` (Karney's algorithms, accurate
to a few nanometres at any distance [Karney2013]_) on the WGS84 ellipsoid [NIMA8350]_.

Local "east/north" coordinates of a point about a centre are its azimuthal-equidistant
coordinates: with geodesic distance :math:`s` and initial azimuth :math:`\alpha` from the centre,

.. math:: x = s\,\sin\alpha, \qquad y = s\,\cos\alpha .

Distances from the centre are exact at every range (not only within the ~100 km where a tangent
plane holds), which is what the tracker needs for innovations of thousands of kilometres.
`offset_m` is the exact inverse (the direct problem along :math:`\operatorname{atan2}(x, y)`).

`EARTH_RADIUS` (the IUGG mean radius :math:`R_1 = 6371008.8` m [Moritz2000]_) is the one sphere
radius of the project, for spherical quantities such as cell areas and refraction; the flight
kernels keep their own metric terms in `flight.earth`.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # pyproj (~50 ms to import) loads when a geodesic is first solved
    from pyproj import Geod

__all__ = [
    "EARTH_RADIUS",
    "NMI",
    "FT",
    "WGS84",  # noqa: F822  (made on first use: module __getattr__)
    "distance_m",
    "inverse",
    "forward",
    "haversine",
    "offset_m",
    "local_xy",
    "median_lonlat",
    "wrap180",
]

FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS = 6_371_008.8  # m, IUGG mean radius R1
NMI = 1852.0  # m per international nautical mile
FT = 0.3048  # m per international foot

_GEOD: Geod | None = None
_GEOD_LOCK = threading.Lock()


def _wgs84() -> Geod:
    """The WGS84 ellipsoid (a = 6378137 m, 1/f = 298.257223563) as a `pyproj.Geod`, made
    on first use (the module attribute ``WGS84``)."""
    global _GEOD
    with _GEOD_LOCK:
        if _GEOD is None:
            from pyproj import Geod

            _GEOD = Geod(ellps="WGS84")
        return _GEOD


def __getattr__(name: str) -> Geod:
    if name == "WGS84":
        return _wgs84()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _flat(*args: npt.ArrayLike) -> tuple[tuple[int, ...], list[FloatArray]]:
    arrs = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    shape = arrs[0].shape
    return shape, [np.ascontiguousarray(a, dtype=np.float64).ravel() for a in arrs]


def inverse(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Inverse geodesic problem on WGS84; arrays broadcast.

    Returns
    -------
    azimuth1 : ndarray
        Initial azimuth at point 1 (degrees clockwise from north, in (-180, 180]).
    azimuth2 : ndarray
        Azimuth of the geodesic where it arrives at point 2 (degrees, same convention).
    distance : ndarray
        Geodesic distance (m). NaN inputs give NaN.
    """
    shape, (la1, lo1, la2, lo2) = _flat(lat1, lon1, lat2, lon2)
    az12, az21, dist = _wgs84().inv(lo1, la1, lo2, la2)
    az2 = (np.asarray(az21, dtype=np.float64) + 360.0) % 360.0 - 180.0
    return (
        np.asarray(az12, dtype=np.float64).reshape(shape),
        az2.reshape(shape),
        np.asarray(dist, dtype=np.float64).reshape(shape),
    )


def forward(
    lat: npt.ArrayLike, lon: npt.ArrayLike, azimuth: npt.ArrayLike, distance: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Direct geodesic problem on WGS84: the point ``distance`` metres from (lat, lon) along the
    initial ``azimuth`` (degrees clockwise from north); arrays broadcast; lon in [-180, 180)."""
    shape, (la, lo, az, s) = _flat(lat, lon, azimuth, distance)
    lo2, la2, _ = _wgs84().fwd(lo, la, az, s)
    lo2 = (np.asarray(lo2, dtype=np.float64) + 180.0) % 360.0 - 180.0
    return np.asarray(la2, dtype=np.float64).reshape(shape), lo2.reshape(shape)


def distance_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Geodesic distance (m) on WGS84 between points given in degrees; arrays broadcast."""
    return inverse(lat1, lon1, lat2, lon2)[2]


def haversine(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Geodesic distance (m) on WGS84 (the historical name of `distance_m`, kept for callers)."""
    return distance_m(lat1, lon1, lat2, lon2)


def offset_m(
    lat: npt.ArrayLike, lon: npt.ArrayLike, east: npt.ArrayLike, north: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Degrees of the point with azimuthal-equidistant coordinates (``east``, ``north``) metres
    about (lat, lon): the geodesic of length hypot(east, north) along atan2(east, north)."""
    e = np.asarray(east, dtype=np.float64)
    n = np.asarray(north, dtype=np.float64)
    return forward(lat, lon, np.degrees(np.arctan2(e, n)), np.hypot(e, n))


def local_xy(
    lat: npt.ArrayLike, lon: npt.ArrayLike, lat0: float, lon0: float
) -> tuple[FloatArray, FloatArray]:
    """East/north metres of points about (lat0, lon0): azimuthal-equidistant coordinates
    (geodesic distance times sine/cosine of the initial azimuth); exact distance at any range."""
    az, _, s = inverse(lat0, lon0, lat, lon)
    a = np.radians(az)
    return s * np.sin(a), s * np.cos(a)


def wrap180(lon: npt.ArrayLike) -> FloatArray:
    """Longitude(s) wrapped to [-180, 180)."""
    return np.asarray((np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0)


def median_lonlat(lat: FloatArray, lon: FloatArray) -> tuple[float, float]:
    """Median latitude and longitude of points (NaNs ignored), robust across the dateline:
    longitudes are unwrapped about their circular mean first."""
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return float("nan"), float("nan")
    la = lat[ok]
    lo = lon[ok]
    r = np.radians(lo)
    ref = math.degrees(math.atan2(float(np.sin(r).mean()), float(np.cos(r).mean())))
    d = wrap180(lo - ref)
    return float(np.median(la)), float(wrap180(ref + float(np.median(d))))
