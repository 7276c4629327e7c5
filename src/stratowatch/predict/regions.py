r"""Statistics of ensemble positions: medians on the sphere, distances, confidence ellipses and
origin-probability grids.

Positions are projected to azimuthal-equidistant east/north metres about the median point
(WGS84 geodesics, `geo.geodesy`, [Karney2013]_). A confidence region of probability p is the ellipse
of the bivariate normal fitted to the members (mean and covariance),

.. math::
    (\mathbf x - \bar{\mathbf x})^T \Sigma^{-1} (\mathbf x - \bar{\mathbf x}) \le
    \chi^2_2(p) = -2 \ln(1 - p),

whose semi-axes are :math:`\sqrt{\chi^2_2(p)\,\lambda_i}` for the eigenvalues
:math:`\lambda_i` of :math:`\Sigma` [WILKS2011]_. Because trajectory ensembles
are not always Gaussian, each region also reports its empirical coverage (the fraction of members
actually inside), so a user can see when the ellipse is not honest.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ..geo.geodesy import EARTH_RADIUS, distance_m, local_xy, median_lonlat, offset_m, wrap180

__all__ = [
    "median_lonlat",
    "wrap180",
    "local_en",
    "from_local_en",
    "distance_km",
    "ellipse",
    "ellipse_polygon",
    "radius_quantiles_km",
    "histogram_map",
]

FloatArray = npt.NDArray[np.float64]


def local_en(
    lat: npt.ArrayLike, lon: npt.ArrayLike, lat0: float, lon0: float, alt0: float = 0.0
) -> tuple[FloatArray, FloatArray]:
    """East/north offsets (m) of points about (lat0, lon0): azimuthal-equidistant coordinates on
    WGS84 (`geo.local_xy`, exact geodesic distance at any range), scaled to height ``alt0`` (m)
    by (R + alt0) / R."""
    x, y = local_xy(lat, lon, lat0, lon0)
    k = 1.0 + alt0 / EARTH_RADIUS
    return x * k, y * k


def from_local_en(
    east: npt.ArrayLike, north: npt.ArrayLike, lat0: float, lon0: float
) -> tuple[FloatArray, FloatArray]:
    """Inverse of `local_en` (at height 0)."""
    return offset_m(lat0, lon0, east, north)


def distance_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Geodesic distance (km) on WGS84 (`geo.distance_m`)."""
    return distance_m(lat1, lon1, lat2, lon2) / 1000.0


#: the WGS84 geodesic distance between two points differs from the great-circle distance on
#: the sphere of radius `EARTH_RADIUS` by at most the ratio of the ellipsoid's extreme radii of
#: curvature to R (6335.4 and 6399.6 km against 6371.0 km: -0.56 %, +0.45 % [Karney2013]_);
#: bounds 1 % and 1 m wide hold with a margin (rounding of the spherical formula included)
_SPHERE_REL = 0.01
_SPHERE_ABS_KM = 1e-3
#: below this many points every geodesic is solved (the bounds would save little)
_EXACT_POINTS = 2000


def _sphere_km(lat: FloatArray, lon: FloatArray, lat0: float, lon0: float) -> FloatArray:
    """Great-circle distance (km) on the sphere of radius `EARTH_RADIUS` (haversine)."""
    p1 = math.radians(lat0)
    p2 = np.radians(lat)
    h = (
        np.sin((p2 - p1) * 0.5) ** 2
        + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lon - lon0) * 0.5) ** 2
    )
    return np.asarray(2.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * (EARTH_RADIUS / 1000.0))


def radius_quantiles_km(
    lat: FloatArray, lon: FloatArray, lat0: float, lon0: float, levels: tuple[float, ...]
) -> list[float]:
    """Radii (km) about (lat0, lon0) holding each fraction ``levels`` of the points: quantiles
    (numpy's linear rule) of their WGS84 geodesic distances (`distance_km`).

    For many points the geodesic is solved only for the points that can sit at the quantiles'
    ranks: spherical distances bound every geodesic one within 1 %, so the points surely
    nearer or farther than those ranks keep their side (as -inf / +inf) and the quantiles are
    bit-identical to solving all of them."""
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return [float("nan")] * len(levels)
    la = np.asarray(lat, dtype=np.float64)[ok]
    lo = np.asarray(lon, dtype=np.float64)[ok]
    n = la.size
    if n <= _EXACT_POINTS:
        d = distance_km(la, lo, lat0, lon0)
        return [float(np.quantile(d, q)) for q in levels]
    s = _sphere_km(la, lo, lat0, lon0)
    low = s * (1.0 - _SPHERE_REL) - _SPHERE_ABS_KM
    high = s * (1.0 + _SPHERE_REL) + _SPHERE_ABS_KM
    exact = np.full(n, np.nan)
    out = []
    for q in levels:
        v = float(q) * (n - 1)
        # the ranks numpy interpolates between, with one rank to spare each side
        r_lo = min(max(math.floor(v) - 1, 0), n - 1)
        r_hi = min(max(math.ceil(v) + 1, 0), n - 1)
        # every distance at ranks r_lo..r_hi lies in [a, b]
        a = float(np.partition(low, r_lo)[r_lo])
        b = float(np.partition(high, r_hi)[r_hi])
        cand = (high >= a) & (low <= b)
        need = cand & np.isnan(exact)
        if need.any():
            exact[need] = distance_km(la[need], lo[need], lat0, lon0)
        d = np.where(high < a, -np.inf, np.inf)
        d[cand] = exact[cand]
        out.append(float(np.quantile(d, q)))
    return out


def ellipse(lat: FloatArray, lon: FloatArray, level: float) -> dict[str, Any] | None:
    """The normal-theory confidence ellipse of points at probability ``level``.

    Returns centre (lat, lon: medians), ``semi_major_km``, ``semi_minor_km``,
    ``orientation_deg`` (major axis, clockwise from north), ``coverage`` (fraction of points
    inside) and ``n`` (points used); None with fewer than 3 points.
    """
    ok = np.isfinite(lat) & np.isfinite(lon)
    if int(ok.sum()) < 3:
        return None
    la = lat[ok]
    lo = lon[ok]
    clat, clon = median_lonlat(la, lo)
    e, n = local_en(la, lo, clat, clon)
    me, mn = float(e.mean()), float(n.mean())
    cov = np.cov(np.vstack([e - me, n - mn]))
    vals, vecs = np.linalg.eigh(cov)
    vals = np.clip(vals, 0.0, None)
    k2 = -2.0 * math.log(1.0 - level)
    major = vecs[:, 1]
    orient = math.degrees(math.atan2(float(major[0]), float(major[1]))) % 180.0
    # coverage: Mahalanobis distance of each point
    d = np.vstack([e - me, n - mn])
    inv = np.linalg.pinv(cov)
    md2 = np.einsum("ij,ik,kj->j", d, inv, d)
    clat_m, clon_m = from_local_en(me, mn, clat, clon)
    return {
        "lat": float(clat_m),
        "lon": float(clon_m),
        "semi_major_km": math.sqrt(k2 * float(vals[1])) / 1e3,
        "semi_minor_km": math.sqrt(k2 * float(vals[0])) / 1e3,
        "orientation_deg": orient,
        "level": float(level),
        "coverage": float(np.mean(md2 <= k2 + 1e-12)),
        "n": int(la.size),
    }


def ellipse_polygon(region: dict[str, Any], points: int = 48) -> list[list[float]]:
    """A closed [lon, lat] ring approximating an `ellipse` result."""
    a = region["semi_major_km"] * 1e3
    b = region["semi_minor_km"] * 1e3
    th = math.radians(region["orientation_deg"])
    s = np.linspace(0.0, 2.0 * math.pi, points + 1)
    x = a * np.cos(s)
    y = b * np.sin(s)
    # major axis along azimuth th (clockwise from north): east = x sin th + y cos th, ...
    east = x * math.sin(th) + y * math.cos(th)
    north = x * math.cos(th) - y * math.sin(th)
    la, lo = from_local_en(east, north, region["lat"], region["lon"])
    ring = [[float(o), float(a_)] for a_, o in zip(la, lo, strict=True)]
    ring[-1] = ring[0]
    return ring


def histogram_map(
    lat: FloatArray, lon: FloatArray, cell_deg: float, weights: FloatArray | None = None
) -> dict[str, Any]:
    """Probability of points per lat/lon cell (``cell_deg``): the cells with points, sorted by
    probability, each with its cumulative probability (the smallest set of cells holding 50 %
    is those with ``cumulative <= 0.5`` plus the next)."""
    ok = np.isfinite(lat) & np.isfinite(lon)
    w = np.ones(int(ok.sum())) if weights is None else np.asarray(weights, dtype=np.float64)[ok]
    if not ok.any() or w.sum() <= 0:
        return {"cell_deg": cell_deg, "cells": []}
    i = np.floor((lat[ok] + 90.0) / cell_deg).astype(np.int64)
    j = np.floor((wrap180(lon[ok]) + 180.0) / cell_deg).astype(np.int64)
    key = i * 100_000 + j
    uniq, inv = np.unique(key, return_inverse=True)
    p = np.bincount(inv, weights=w) / w.sum()
    order = np.argsort(-p, kind="stable")
    cells = []
    cum = 0.0
    for k in order:
        ii, jj = divmod(int(uniq[k]), 100_000)
        cum += float(p[k])
        cells.append(
            {
                "lat_min": -90.0 + ii * cell_deg,
                "lon_min": -180.0 + jj * cell_deg,
                "probability": float(p[k]),
                "cumulative": cum,
            }
        )
    return {"cell_deg": cell_deg, "cells": cells}
