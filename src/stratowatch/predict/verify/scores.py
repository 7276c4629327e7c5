r"""Scores of an ensemble forecast of a landing point against the true landing.

**Regions.** The ones `predict` prints: circles about the median end point
(`predict.regions.median_lonlat`) holding 50 % and 90 % of the members' ends, radii
:math:`r_{50}`, :math:`r_{90}` (`predict.regions.radius_quantiles_km`). The truth is inside
when its distance from the median end is at most the radius. The normal-theory ellipses of
`predict.regions.ellipse` (drawn at each lead time) and the highest density regions of the
members' kernel density (the end regions of `io.ensemble`, [Hyndman1996]_) are scored too.

**Quantile (PIT).** With :math:`d_i` the distances of the N members' ends from the median
end and :math:`d_o` the truth's, the truth's quantile is the mid-rank
:math:`q = (\#\{d_i < d_o\} + \tfrac12\#\{d_i = d_o\}) / N`. If the truth behaves like one
more member, :math:`q` is uniform on [0, 1]: its histogram (a rank histogram of the distance
from the ensemble centre, a multivariate rank of the kind discussed by [GNEITING2008]_) is
flat; a pile-up near 1 means the spread is too small, near 0 too large.

**CRPS.** For a scalar quantity, the continuous ranked probability score of an ensemble
:math:`x_1..x_N` (the empirical distribution) at the observation :math:`y` is, in the kernel
form of [GR2007]_ (eq. 21),

.. math::
    \mathrm{CRPS} = \frac1N\sum_i |x_i - y| - \frac1{2N^2}\sum_{i,j}|x_i - x_j| .

For the landing *position* the same form with Euclidean distances on the local tangent plane
(km) is the energy score ([GR2007]_ eq. 22, :math:`\beta = 1`), its multivariate
generalisation: ``crps_km``. For one member it is the landing error; it rewards an ensemble
both for being close and for being sharp, in km. ``crps_distance_km`` is the scalar CRPS of
the distance from the median end (forecast :math:`d_i`, observation :math:`d_o`), which only
judges the spread. Lower is better for both.

**Intervals.** Coverage over n starts gets the Wilson score interval [WILSON1927]_ at 90 %.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ..regions import distance_km, ellipse, local_en, median_lonlat, radius_quantiles_km

__all__ = [
    "crps_ensemble",
    "energy_score",
    "gaussian_crps",
    "truth_quantile",
    "wilson_interval",
    "score_ensemble",
]

FloatArray = npt.NDArray[np.float64]


def crps_ensemble(x: npt.ArrayLike, y: float) -> float:
    """CRPS of the ensemble ``x`` (scalars) at the observation ``y`` ([GR2007]_ eq. 21),
    computed in O(N log N) from the sorted members."""
    xs = np.sort(np.asarray(x, dtype=np.float64).ravel())
    n = xs.size
    if n == 0:
        return math.nan
    mean_abs = float(np.mean(np.abs(xs - y)))
    # sum_{i,j} |x_i - x_j| = 2 sum_i (2 i - n + 1) x_(i), i = 0..n-1
    pair = 2.0 * float(np.sum((2.0 * np.arange(n) - n + 1.0) * xs))
    return mean_abs - pair / (2.0 * n * n)


def energy_score(points: npt.ArrayLike, y: npt.ArrayLike, *, chunk: int = 2048) -> float:
    """Energy score ([GR2007]_ eq. 22, beta = 1) of ensemble ``points`` (N, d) at ``y`` (d,):
    the CRPS generalised to vectors, in the points' units."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim == 1:
        p = p[:, None]
    yy = np.asarray(y, dtype=np.float64).reshape(1, -1)
    n = p.shape[0]
    if n == 0:
        return math.nan
    first = float(np.mean(np.sqrt(((p - yy) ** 2).sum(axis=1))))
    total = 0.0
    for i0 in range(0, n, chunk):
        blk = p[i0 : i0 + chunk]
        total += float(np.sqrt(((blk[:, None, :] - p[None, :, :]) ** 2).sum(axis=2)).sum())
    return float(first - total / (2.0 * n * n))


def gaussian_crps(mu: float, sigma: float, y: float) -> float:
    """Closed-form CRPS of a normal N(mu, sigma^2) at ``y`` ([GNEITING2005]_):
    sigma [z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)], z = (y - mu) / sigma."""
    z = (y - mu) / sigma
    phi = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
    return sigma * (z * (2.0 * cdf - 1.0) + 2.0 * phi - 1.0 / math.sqrt(math.pi))


def truth_quantile(member_values: npt.ArrayLike, truth: float) -> float:
    """Mid-rank quantile of ``truth`` among ``member_values`` (module notes)."""
    d = np.asarray(member_values, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return math.nan
    return float((np.sum(d < truth) + 0.5 * np.sum(d == truth)) / d.size)


def wilson_interval(k: int, n: int, level: float = 0.9) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n at ``level`` ([WILSON1927]_)."""
    if n <= 0:
        return math.nan, math.nan
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _inside_ellipse(
    lat: FloatArray, lon: FloatArray, tlat: float, tlon: float, level: float
) -> bool:
    """Whether the truth lies in the normal-theory ellipse of `predict.regions.ellipse`."""
    e = ellipse(lat, lon, level)
    if e is None:
        return False
    ok = np.isfinite(lat) & np.isfinite(lon)
    clat, clon = median_lonlat(lat[ok], lon[ok])
    x, y = local_en(lat[ok], lon[ok], clat, clon)
    cov = np.cov(np.vstack([x, y]))
    tx, ty = local_en(np.array([tlat]), np.array([tlon]), clat, clon)
    d = np.array([float(tx[0]) - x.mean(), float(ty[0]) - y.mean()])
    md2 = float(d @ np.linalg.pinv(cov) @ d)
    return md2 <= -2.0 * math.log(1.0 - level) + 1e-12


def _inside_hdr(
    lat: FloatArray, lon: FloatArray, tlat: float, tlon: float, levels: tuple[float, ...]
) -> dict[float, bool] | None:
    """Whether the truth lies in the highest density regions of the members' kernel density
    (the end regions `io.ensemble` draws on the map: Gaussian KDE, Scott's rule, threshold
    exceeded at a fraction p of the members); None when the members have no 2-D spread."""
    from scipy.stats import gaussian_kde

    if lat.size < 5 or np.unique(np.round(np.c_[lat, lon], 6), axis=0).shape[0] < 5:
        return None
    clat, clon = median_lonlat(lat, lon)
    x, y = local_en(lat, lon, clat, clon)
    tx, ty = local_en(np.array([tlat]), np.array([tlon]), clat, clon)
    try:
        kde = gaussian_kde(np.vstack([x, y]))
    except (np.linalg.LinAlgError, ValueError):
        return None
    at_members = kde(np.vstack([x, y]))
    at_truth = float(kde(np.vstack([tx, ty]))[0])
    return {lv: at_truth >= float(np.quantile(at_members, 1.0 - lv)) for lv in levels}


def score_ensemble(
    end_lat: FloatArray, end_lon: FloatArray, truth_lat: float, truth_lon: float
) -> dict[str, Any]:
    """All scores of one ensemble of end points against the truth (module notes)."""
    ok = np.isfinite(end_lat) & np.isfinite(end_lon)
    la, lo = end_lat[ok], end_lon[ok]
    mlat, mlon = median_lonlat(la, lo)
    d = distance_km(la, lo, mlat, mlon)
    d_o = float(distance_km(truth_lat, truth_lon, mlat, mlon))
    r50, r90 = radius_quantiles_km(la, lo, mlat, mlon, (0.5, 0.9))
    x, y = local_en(la, lo, truth_lat, truth_lon)
    hdr = _inside_hdr(la, lo, truth_lat, truth_lon, (0.5, 0.9))
    return {
        "members": int(la.size),
        "median_end": [round(mlat, 5), round(mlon, 5)],
        "median_error_km": round(d_o, 3),
        "r50_km": round(r50, 3),
        "r90_km": round(r90, 3),
        "quantile": round(truth_quantile(d, d_o), 4),
        "in_50": bool(d_o <= r50),
        "in_90": bool(d_o <= r90),
        "in_50_ellipse": _inside_ellipse(la, lo, truth_lat, truth_lon, 0.5),
        "in_90_ellipse": _inside_ellipse(la, lo, truth_lat, truth_lon, 0.9),
        "in_50_hdr": None if hdr is None else hdr[0.5],
        "in_90_hdr": None if hdr is None else hdr[0.9],
        "crps_km": round(energy_score(np.stack([x, y], axis=1) / 1e3, [0.0, 0.0]), 4),
        "crps_distance_km": round(crps_ensemble(d, d_o), 4),
    }
