r"""Sampling intervals for the Monte Carlo risk figures (Ec, P(land), P(territory)).

A window's break-up is simulated in ``R`` independent *realisations* (one forecast member's
position, its own debris wind member and its own fragment draws), so every figure is a mean over
``R`` i.i.d. values and its Monte Carlo error is estimated from those values alone:

* proportions (P(land), P(territory)): the Wilson score interval ([Wilson1927]_, recommended
  over the Wald interval for small counts by [Brown2001]_); it never collapses to a bare 0 or 1:
  0 of 40 gives [0, 0.063] at 90 %.
* means of non-negative, heavy-tailed values (Ec, fragments on land): the BCa bootstrap over
  realisations ([Efron1987]_, [Efron1993]_ ch. 14), which resamples whole realisations and so
  carries both the position and the fragment sampling error, and follows the skewness of the
  mean. The planner smooths the population density first (`assess.density`), which removes
  most of the heavy tail the bootstrap cannot see in 40 realisations. When no realisation has a casualty
  (``k = 0``) the bootstrap interval is [0, 0]; the upper bound is then the one-sided
  Clopper-Pearson bound on the hit probability, :math:`1 - (\alpha/2)^{1/R}`
  ([ClopperPearson1934]_; the "rule of three" for 95 %), times a conditional Ec per hit
  supplied by the caller.
* a model factor ``F`` (the population model's 90 % error factor, `geo.population`) is combined
  with the sampling interval in log space, in quadrature (independent, log-normal errors):
  :math:`E_{hi} = E\,\exp\sqrt{\ln^2(E^{s}_{hi}/E) + \ln^2 F}`, likewise below.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.special import betaincinv, ndtr, ndtri

from ..errors import ConfigError

__all__ = [
    "z_value",
    "wilson_interval",
    "bootstrap_mean_interval",
    "zero_hit_upper",
    "clopper_pearson",
    "rare_hit_interval",
    "combine_factor",
]

FloatArray = npt.NDArray[np.float64]


def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile for ``confidence`` (0.9 -> 1.645)."""
    if not (0.0 < confidence < 1.0):
        raise ConfigError(f"confidence must be in (0, 1), got {confidence}")
    return float(ndtri(0.5 + confidence / 2.0))


def wilson_interval(
    k: npt.ArrayLike, n: int, *, confidence: float = 0.9
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval of a proportion ``k / n`` (arrays of counts), two-sided.

    Examples: 0 of 40 at 90 % -> (0, 0.0634); 40 of 40 -> (0.937, 1).
    """
    if n < 1:
        raise ConfigError(f"sample size must be >= 1, got {n}")
    z = z_value(confidence)
    kk = np.asarray(k, dtype=np.float64)
    p = kk / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = np.clip(centre - half, 0.0, 1.0)
    hi = np.clip(centre + half, 0.0, 1.0)
    lo = np.where(kk <= 0, 0.0, lo)
    hi = np.where(kk >= n, 1.0, hi)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def bootstrap_mean_interval(
    values: npt.ArrayLike,
    *,
    confidence: float = 0.9,
    resamples: int = 2000,
    seed: int = 0,
    method: str = "bca",
) -> tuple[FloatArray, FloatArray]:
    r"""Bootstrap interval of the mean of each row of ``values`` (E, R).

    ``method="bca"`` (default): bias-corrected and accelerated percentiles ([Efron1987]_;
    [Efron1993]_ ch. 14), which follow the skewness of a mean of heavy-tailed values (a few
    realisations that reach a town) that the plain percentile interval misses: bias correction
    :math:`z_0 = \Phi^{-1}(\#\{\bar x^*_b < \bar x\}/B)`, acceleration of the mean
    :math:`a = \sum d_i^3 / (6 (\sum d_i^2)^{3/2})`, :math:`d_i = x_i - \bar x`, quantiles
    :math:`\Phi(z_0 + (z_0 + z_\alpha)/(1 - a(z_0 + z_\alpha)))`. ``"percentile"``: the
    plain percentile interval. All rows share the same resampling weights (multinomial counts
    over the R columns), so the cost is one (E, R) x (R, B) product, summed in the same order
    whatever the BLAS threads."""
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    n_e, n_r = x.shape
    if n_r < 1:
        raise ConfigError("no realisations to bootstrap")
    if method not in ("bca", "percentile"):
        raise ConfigError(f"unknown bootstrap method {method!r}: bca or percentile")
    if n_r == 1:
        return x[:, 0].copy(), x[:, 0].copy()
    z_value(confidence)  # validates
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_r, np.full(n_r, 1.0 / n_r), size=resamples).astype(np.float64)
    # (E, B) resampled means by numpy's own loops, not BLAS: a BLAS product's summation order
    # follows its thread count, and a last-bit change moves a mean across ``mean`` (z0) and the
    # interval with it (seen: the demo's CI differed with OPENBLAS_NUM_THREADS=1)
    means = np.einsum("er,br->eb", x, counts) / n_r
    a = (1.0 - confidence) / 2.0
    mean = x.mean(axis=1)
    if method == "percentile":
        lo, hi = np.quantile(means, [a, 1.0 - a], axis=1)
        return np.minimum(lo, mean), np.maximum(hi, mean)
    less = (means < mean[:, None]).mean(axis=1) + 0.5 * (means == mean[:, None]).mean(axis=1)
    z0 = ndtri(np.clip(less, 1.0 / resamples, 1.0 - 1.0 / resamples))
    d = x - mean[:, None]
    s2 = (d**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = np.where(s2 > 0, (d**3).sum(axis=1) / (6.0 * s2**1.5), 0.0)
    lo = np.empty(n_e)
    hi = np.empty(n_e)
    srt = np.sort(means, axis=1)
    for k, zq in ((0, ndtri(a)), (1, ndtri(1.0 - a))):
        w = z0 + zq
        q = ndtr(z0 + w / np.maximum(1.0 - acc * w, 1e-6))
        idx = np.clip(np.round(q * (resamples - 1)).astype(np.int64), 0, resamples - 1)
        (lo if k == 0 else hi)[:] = srt[np.arange(n_e), idx]
    flat = s2 <= 0  # all realisations equal: no spread
    lo[flat] = mean[flat]
    hi[flat] = mean[flat]
    return np.minimum(lo, mean), np.maximum(hi, mean)


def zero_hit_upper(n: int, *, confidence: float = 0.9) -> float:
    """Upper bound of a probability when 0 of ``n`` trials hit: the one-sided Clopper-Pearson
    bound at the upper tail of a two-sided ``confidence`` interval, 1 - (alpha/2)^(1/n)
    (n = 40, 90 %: 0.072)."""
    if n < 1:
        raise ConfigError(f"sample size must be >= 1, got {n}")
    z_value(confidence)
    a = (1.0 - confidence) / 2.0
    return float(1.0 - a ** (1.0 / n))


def clopper_pearson(
    k: npt.ArrayLike, n: int, *, confidence: float = 0.9
) -> tuple[FloatArray, FloatArray]:
    """Exact (Clopper-Pearson) two-sided interval of a proportion ``k / n`` ([ClopperPearson1934]_):
    the ``alpha/2`` and ``1 - alpha/2`` quantiles of Beta(k, n - k + 1) and Beta(k + 1, n - k).
    Examples: 1 of 40 at 90 % -> (0.0013, 0.113)."""
    if n < 1:
        raise ConfigError(f"sample size must be >= 1, got {n}")
    z_value(confidence)
    a = (1.0 - confidence) / 2.0
    kk = np.asarray(k, dtype=np.float64)
    lo = np.where(kk > 0, betaincinv(np.maximum(kk, 1e-9), n - kk + 1, a), 0.0)
    hi = np.where(kk < n, betaincinv(kk + 1, np.maximum(n - kk, 1e-9), 1.0 - a), 1.0)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def rare_hit_interval(
    mean: npt.ArrayLike, hits: npt.ArrayLike, n: int, *, confidence: float = 0.9
) -> tuple[FloatArray, FloatArray]:
    r"""Interval of a mean of ``n`` values of which only ``hits`` are non-zero, from the count
    alone: the mean is :math:`(k/n)\,\bar x_{hit}`, and with few hits its error is dominated by
    the binomial error of :math:`k` (which a bootstrap over the n values under-states: with
    k = 1 every resample holds 0, 1 or 2 copies of the same value). The interval is the mean
    scaled by the Clopper-Pearson bounds over :math:`k/n`: 1 of 40 at 90 % -> [0.05, 4.5] x
    the mean. Events without hits give [0, 0] (they take the zero-hit bound)."""
    m = np.asarray(mean, dtype=np.float64)
    k = np.asarray(hits, dtype=np.float64)
    lo, hi = clopper_pearson(k, n, confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        r_lo = np.where(k > 0, lo / p, 0.0)
        r_hi = np.where(k > 0, hi / p, 0.0)
    return np.asarray(m * r_lo, dtype=np.float64), np.asarray(m * r_hi, dtype=np.float64)


def combine_factor(
    value: npt.ArrayLike, lo: npt.ArrayLike, hi: npt.ArrayLike, factor: float
) -> tuple[FloatArray, FloatArray]:
    """Widen a sampling interval [lo, hi] around ``value`` by a multiplicative model error
    ``factor`` (its own 90 % bound), adding the log-widths in quadrature. Where the value is 0
    the upper bound is ``hi * factor`` and the lower bound 0."""
    if not (math.isfinite(factor) and factor >= 1.0):
        raise ConfigError(f"model error factor must be >= 1, got {factor}")
    v = np.asarray(value, dtype=np.float64)
    lo_a = np.asarray(lo, dtype=np.float64)
    hi_a = np.asarray(hi, dtype=np.float64)
    lf2 = math.log(factor) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(v > 0, np.log(np.maximum(hi_a, v) / v), 0.0)
        down = np.where((v > 0) & (lo_a > 0), np.log(v / np.minimum(lo_a, v)), 0.0)
        new_hi = np.where(v > 0, v * np.exp(np.sqrt(up**2 + lf2)), hi_a * factor)
        new_lo = np.where((v > 0) & (lo_a > 0), v * np.exp(-np.sqrt(down**2 + lf2)), 0.0)
    return np.asarray(new_lo, dtype=np.float64), np.asarray(new_hi, dtype=np.float64)
