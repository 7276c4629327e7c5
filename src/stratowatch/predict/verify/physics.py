r"""What a flight's own fixes say about the air: the wind profile of its ascent, its parachute
descent rate, and how the wind it meets on the way down differs from the ascent's.

**Velocities from fixes.** Each fix is paired with the first later fix of the same tracker at
least ``min_dt`` (20 s) later, if that one is at most ``max_dt`` (10 min) later; the pair's
velocity (displacement on the WGS84 ellipsoid over the time between them, [NIMA8350]_) is
placed at its mean time and altitude. On a 1 Hz log every fix starts a pair, so the pairs
overlap and the GPS noise of single fixes (a few metres) averages out; on a sparse APRS log
(a fix a minute) pairs are successive fixes.

**Ascent wind** (`ascent_profile`, `ascent_wind`). A free balloon drifts with the air (the
assumption of every balloon predictor, [TAWHIRI]_), so the horizontal velocities of the pairs
before the descent are the wind. They are averaged in altitude bins (500 m): the wind of a bin
is the summed displacement over the summed time of its pairs (a time-weighted mean), which on a
1 Hz log is the average drift through the layer, not the noise of successive fixes.

**Descent rate** (`fit_descent_rate`). The parachute law
:math:`w(h) = -v_{sl}\sqrt{\rho_0/\rho(h)}` ([USSA1976]_ density, [TAWHIRI]_) generalised to
:math:`-w = v_{sl}(\rho_0/\rho)^{\alpha}` is fitted to the pairs of the descent so far: the
exponent by least squares of :math:`\log(-w)` on :math:`\log(\rho_0/\rho)` over the whole
descent so far (the law's 1/2 holds for a constant drag area and coefficient; a drag
coefficient that changes with the Reynolds number, or a tangled parachute, bends it: several
radiosonde descents here follow :math:`\alpha \approx 0.3`), :math:`v_{sl}` as the median over
the last ``window_s`` (10 min), so the law follows the parachute's current regime.
`equivalent_parachute_rate` gives the sea-level rate of the plain law with the same fall time,
which `predict`'s parachute model then runs.

**Wind error in the descent** (`descent_wind_error`, `corrected_profile`). During the descent
the tracker keeps measuring the wind; the difference between its drift and the ascent wind at
the same altitudes is the error of the ascent wind now (the air has moved on since, and the
descent is elsewhere). Its time-weighted mean :math:`\bar e` over the last ``window_m`` (1.5 km)
of descent is added to the ascent wind below the current altitude :math:`h_0`, decaying with the
distance below: :math:`u(h) = u_{asc}(h) + \bar e\, e^{-(h_0 - h)/L_z}`. ``L_z`` (2 km by
default) is the vertical scale over which wind errors stay correlated; docs/calibration.md shows
the landing errors with ``L_z`` = 0 (no correction), 1, 2, 4 km and without decay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ...atmosphere.standard import RHO0, density
from ...atmosphere.wind import GriddedWind, profile_wind
from ...errors import InputError
from ...flight.earth import meridian_radius, prime_vertical_radius
from .track import Track

__all__ = [
    "Pairs",
    "fix_pairs",
    "AscentProfile",
    "ascent_profile",
    "ascent_wind",
    "fit_descent_rate",
    "fit_descent_law",
    "DescentFit",
    "law_fall_time",
    "equivalent_parachute_rate",
    "parachute_fall_time",
    "descent_wind_error",
    "corrected_profile",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Pairs:
    """Velocities of fix pairs: mean ``time`` (epoch s) and ``alt`` (m), ``u``/``v``/``w``
    (m/s east/north/up), ``dt`` (s) and the indexes ``a``, ``b`` of the two fixes."""

    time: FloatArray
    alt: FloatArray
    u: FloatArray
    v: FloatArray
    w: FloatArray
    dt: FloatArray
    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]


def fix_pairs(
    track: Track, lo: int, hi: int, *, min_dt: float = 20.0, max_dt: float = 600.0
) -> Pairs:
    """Velocities of the pairs of fixes ``lo..hi`` (inclusive) of each tracker (module notes)."""
    ia: list[npt.NDArray[np.int64]] = []
    ib: list[npt.NDArray[np.int64]] = []
    idx = np.arange(max(lo, 0), min(hi, track.time.size - 1) + 1)
    for src in np.unique(track.source[idx]):
        sel = idx[track.source[idx] == src]
        if sel.size < 2:
            continue
        t = track.time[sel]
        j = np.searchsorted(t, t + min_dt, side="left")
        ok = j < sel.size
        k = np.flatnonzero(ok)
        jj = j[ok]
        good = (t[jj] - t[k]) <= max_dt
        ia.append(sel[k[good]])
        ib.append(sel[jj[good]])
    a = np.concatenate(ia) if ia else np.zeros(0, dtype=np.int64)
    b = np.concatenate(ib) if ib else np.zeros(0, dtype=np.int64)
    dt = track.time[b] - track.time[a]
    mid_lat = 0.5 * (track.lat[a] + track.lat[b])
    mid_h = 0.5 * (track.alt[a] + track.alt[b])
    dx = np.radians(((track.lon[b] - track.lon[a] + 180.0) % 360.0) - 180.0)
    dx = dx * (prime_vertical_radius(mid_lat) + mid_h) * np.cos(np.radians(mid_lat))
    dy = np.radians(track.lat[b] - track.lat[a]) * (meridian_radius(mid_lat) + mid_h)
    safe = np.maximum(dt, 1e-9)
    u = np.asarray(dx / safe, dtype=np.float64)
    v = np.asarray(dy / safe, dtype=np.float64)
    keep = np.hypot(u, v) < 150.0  # drops GPS glitches (no balloon drifts at > 150 m/s)
    return Pairs(
        time=(0.5 * (track.time[a] + track.time[b]))[keep],
        alt=np.asarray(mid_h, dtype=np.float64)[keep],
        u=u[keep],
        v=v[keep],
        w=((track.alt[b] - track.alt[a]) / safe)[keep],
        dt=dt[keep],
        a=a[keep],
        b=b[keep],
    )


@dataclass(frozen=True, eq=False)
class AscentProfile:
    """The wind a flight measured before its descent: bin-mean altitude ``alt`` (m), ``u``,
    ``v`` (m/s), and per bin the number of pairs ``n``, the time ``span_s`` they cover and
    where and when it was measured (time-weighted mean ``lat``, ``lon``, ``time``)."""

    alt: FloatArray
    u: FloatArray
    v: FloatArray
    n: npt.NDArray[np.int64]
    span_s: FloatArray
    bin_m: float
    name: str
    lat: FloatArray
    lon: FloatArray
    time: FloatArray

    def at(self, alt: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """u, v (m/s) at altitudes ``alt`` (linear between levels, constant beyond)."""
        h = np.asarray(alt, dtype=np.float64)
        return np.interp(h, self.alt, self.u), np.interp(h, self.alt, self.v)

    def wind(self, du: FloatArray | None = None, dv: FloatArray | None = None) -> GriddedWind:
        """The profile (plus corrections per level) as a steady, uniform wind field; where and
        when each level was measured sets its error model (`atmosphere.uncertainty`)."""
        u = self.u if du is None else self.u + du
        v = self.v if dv is None else self.v + dv
        return profile_wind(
            self.alt,
            u,
            v,
            source=f"{self.name} ascent ({self.alt.size} levels of {self.bin_m:g} m)",
            kind="profile",
            warnings=("wind estimated from the flight's own track before the descent",),
            lat=self.lat,
            lon=self.lon,
            time=self.time,
        )


def ascent_profile(track: Track, end: int, *, bin_m: float = 500.0) -> AscentProfile:
    """The altitude-binned wind of the pairs of fixes ``0..end`` (module notes)."""
    p = fix_pairs(track, 0, end)
    if p.dt.size == 0:
        raise InputError(
            "too few fixes before the descent to estimate the wind",
            path=track.name,
            expected="fixes of the ascent at most 10 min apart",
        )
    k = np.floor(p.alt / bin_m).astype(np.int64)
    _, inv = np.unique(k, return_inverse=True)
    wsum = np.asarray(np.bincount(inv, weights=p.dt), dtype=np.float64)
    h = np.bincount(inv, weights=p.alt * p.dt) / wsum
    u = np.bincount(inv, weights=p.u * p.dt) / wsum
    v = np.bincount(inv, weights=p.v * p.dt) / wsum
    mid_lat = 0.5 * (track.lat[p.a] + track.lat[p.b])
    lon0 = float(track.lon[p.a[0]])
    mid_lon = lon0 + 0.5 * (
        ((track.lon[p.a] - lon0 + 180.0) % 360.0 - 180.0)
        + ((track.lon[p.b] - lon0 + 180.0) % 360.0 - 180.0)
    )
    return AscentProfile(
        alt=h, u=u, v=v, n=np.bincount(inv).astype(np.int64), span_s=wsum, bin_m=bin_m,
        name=track.name,
        lat=np.bincount(inv, weights=mid_lat * p.dt) / wsum,
        lon=((np.bincount(inv, weights=mid_lon * p.dt) / wsum + 180.0) % 360.0) - 180.0,
        time=np.bincount(inv, weights=p.time * p.dt) / wsum,
    )  # fmt: skip


def ascent_wind(track: Track, end: int | None = None, *, bin_m: float = 500.0) -> GriddedWind:
    """The wind profile the flight measured before fix ``end`` (default: its final descent
    start) as a steady, horizontally uniform wind field."""
    from .track import final_descent_start

    stop = final_descent_start(track) if end is None else end
    return ascent_profile(track, stop, bin_m=bin_m).wind()


def fit_descent_rate(
    track: Track,
    start: int,
    upto: int,
    *,
    window_s: float = 600.0,
    min_pairs: int = 3,
    exponent: float | None = 0.5,
    settle_s: float = 90.0,
    min_density_ratio: float = 2.0,
) -> tuple[float, float, int] | None:
    """The descent law :math:`-w = v_{sl} (\\rho_0/\\rho)^{\\alpha}` fitted to the descent
    fixes ``start..upto``: ``(v_sl, alpha, pairs used)``, or None when fewer than ``min_pairs``
    pairs fall faster than 0.5 m/s.

    ``exponent`` None fits alpha by least squares of log(-w) on log(rho0/rho) over the descent
    so far (after its first ``settle_s``), clipped to 0.2..0.8, when the pairs span a density
    ratio of at least ``min_density_ratio`` (else 0.5, the parachute law); a number fixes it.
    ``v_sl`` is the median over the pairs of the last ``window_s``."""
    p = fix_pairs(track, start, upto)
    fall = p.w < -0.5
    if int(fall.sum()) < min_pairs:
        return None
    rho = density(p.alt)
    alpha = 0.5 if exponent is None else float(exponent)
    if exponent is None:
        sel = fall & (p.time >= track.time[start] + settle_s)
        if int(sel.sum()) >= min_pairs and rho[sel].max() >= min_density_ratio * rho[sel].min():
            x = np.log(RHO0 / rho[sel])
            y = np.log(-p.w[sel])
            wt = p.dt[sel]
            xm = np.sum(wt * x) / wt.sum()
            ym = np.sum(wt * y) / wt.sum()
            slope = np.sum(wt * (x - xm) * (y - ym)) / max(np.sum(wt * (x - xm) ** 2), 1e-12)
            alpha = float(np.clip(slope, 0.2, 0.8))
    recent = fall & (p.time >= track.time[upto] - window_s)
    if int(recent.sum()) < min_pairs:
        recent = fall
    rate = -p.w[recent] * (rho[recent] / RHO0) ** alpha
    return float(np.median(rate)), alpha, int(recent.sum())


@dataclass(frozen=True)
class DescentFit:
    """A descent law :math:`-w = v_{sl}(\\rho_0/\\rho)^k` fitted to observed fixes
    (`fit_descent_law`): ``v_sl`` (m/s), ``exponent`` k, ``anchor_alt`` (m, mean altitude of
    the pairs that set the rate), the formal 1-sigma errors ``rate_sigma_ln`` (of ln w at the
    anchor) and ``exponent_sigma`` (inf when k was not fitted but set), ``pairs`` (used for
    the rate) and ``blocks`` (one-minute blocks behind the exponent)."""

    v_sl: float
    exponent: float
    anchor_alt: float
    rate_sigma_ln: float
    exponent_sigma: float
    pairs: int
    blocks: int
    exponent_fitted: bool


def _block_means(
    time: FloatArray, values: list[FloatArray], weight: FloatArray, block_s: float
) -> list[FloatArray]:
    k = np.floor((time - time[0]) / block_s).astype(np.int64)
    _, inv = np.unique(k, return_inverse=True)
    wsum = np.bincount(inv, weights=weight)
    return [np.bincount(inv, weights=v * weight) / wsum for v in values]


def fit_descent_law(
    track: Track,
    start: int,
    upto: int,
    *,
    window_s: float = 600.0,
    min_pairs: int = 3,
    exponent: float | None = None,
    settle_s: float = 90.0,
    min_density_ratio: float = 2.0,
    block_s: float = 60.0,
) -> DescentFit | None:
    """`fit_descent_rate` with the fit's formal uncertainties.

    The point estimates are those of `fit_descent_rate`. Their errors come from one-minute
    block means of the pairs (``block_s``), so that fixes a second apart, which share their
    GPS and swinging errors, are not counted as independent: the exponent's standard error
    is that of the least-squares slope of the block means of log(-w) on log(rho0/rho) (with
    n - 2 degrees of freedom), and the rate's is the standard deviation of the block means
    of log(-w (rho/rho0)^k) over the rate window divided by the root of their number (at
    least 0.5 of a single block's scatter when only one block exists). None when fewer than
    ``min_pairs`` pairs fall faster than 0.5 m/s."""
    p = fix_pairs(track, start, upto)
    fall = p.w < -0.5
    if int(fall.sum()) < min_pairs:
        return None
    rho = density(p.alt)
    x = np.log(RHO0 / rho)
    y = np.log(np.maximum(-p.w, 1e-6))
    alpha = 0.5 if exponent is None else float(exponent)
    alpha_sigma = math.inf
    fitted = False
    blocks = 0
    if exponent is None:
        sel = fall & (p.time >= track.time[start] + settle_s)
        if int(sel.sum()) >= min_pairs and rho[sel].max() >= min_density_ratio * rho[sel].min():
            wt = p.dt[sel]
            xm = np.sum(wt * x[sel]) / wt.sum()
            ym = np.sum(wt * y[sel]) / wt.sum()
            slope = np.sum(wt * (x[sel] - xm) * (y[sel] - ym)) / max(
                np.sum(wt * (x[sel] - xm) ** 2), 1e-12
            )
            alpha = float(np.clip(slope, 0.2, 0.8))
            fitted = True
            xb, yb = _block_means(p.time[sel], [x[sel], y[sel]], wt, block_s)
            blocks = int(xb.size)
            sxx = float(np.sum((xb - xb.mean()) ** 2))
            if blocks >= 4 and sxx > 0.0:
                b = float(np.sum((xb - xb.mean()) * (yb - yb.mean())) / sxx)
                res = yb - yb.mean() - b * (xb - xb.mean())
                alpha_sigma = math.sqrt(float(np.sum(res**2)) / (blocks - 2) / sxx)
    recent = fall & (p.time >= track.time[upto] - window_s)
    if int(recent.sum()) < min_pairs:
        recent = fall
    m = y[recent] - alpha * x[recent]
    rate = float(np.exp(np.median(m)))
    (mb,) = _block_means(p.time[recent], [m], p.dt[recent], block_s)
    if mb.size >= 2:
        rate_sigma = float(np.std(mb, ddof=1)) / math.sqrt(mb.size)
    else:
        rate_sigma = 0.5 * float(np.std(m)) if m.size > 1 else 0.1
    anchor = float(np.sum(p.alt[recent] * p.dt[recent]) / p.dt[recent].sum())
    return DescentFit(
        v_sl=rate, exponent=alpha, anchor_alt=anchor, rate_sigma_ln=rate_sigma,
        exponent_sigma=alpha_sigma, pairs=int(recent.sum()), blocks=blocks,
        exponent_fitted=fitted,
    )  # fmt: skip


def law_fall_time(
    v_sl: float, exponent: float, alt_from: float, alt_to: float, *, points: int = 400
) -> float:
    """Time (s) the law -w = v_sl (rho0/rho)^k takes from ``alt_from`` down to ``alt_to``."""
    if alt_from <= alt_to:
        return 0.0
    h = np.linspace(alt_to, alt_from, points)
    return float(np.trapezoid((density(h) / RHO0) ** exponent, h)) / v_sl


def parachute_fall_time(v_sl: float, alt_from: float, alt_to: float, *, points: int = 400) -> float:
    """Time (s) the parachute law with sea-level rate ``v_sl`` takes from ``alt_from`` down
    to ``alt_to`` (m)."""
    if alt_from <= alt_to:
        return 0.0
    h = np.linspace(alt_to, alt_from, points)
    return float(np.trapezoid(np.sqrt(density(h) / RHO0), h)) / v_sl


def equivalent_parachute_rate(
    v_sl: float, alpha: float, alt_from: float, alt_to: float, *, points: int = 400
) -> float:
    """The sea-level rate of the parachute law (alpha = 1/2) that falls from ``alt_from`` to
    ``alt_to`` in the same time as the law with exponent ``alpha``: the landing time is kept
    when `predict`'s parachute model (fixed alpha = 1/2) runs a fitted law."""
    if abs(alpha - 0.5) < 1e-9 or alt_from <= alt_to:
        return v_sl
    h = np.linspace(alt_to, alt_from, points)
    r = density(h) / RHO0
    duration = float(np.trapezoid(r**alpha, h)) / v_sl
    return float(np.trapezoid(np.sqrt(r), h)) / duration


def descent_wind_error(
    track: Track, profile: AscentProfile, start: int, upto: int, *, window_m: float = 1500.0
) -> tuple[float, float, int]:
    """Mean (time-weighted) difference east, north (m/s) between the drift observed over the
    last ``window_m`` of descent (fixes ``start..upto``) and the ascent wind at the same
    altitudes, and the number of pairs (0: no correction)."""
    p = fix_pairs(track, start, upto)
    sel = p.alt <= float(track.alt[upto]) + window_m
    if not sel.any():
        return 0.0, 0.0, 0
    ua, va = profile.at(p.alt[sel])
    wt = p.dt[sel]
    du = float(np.sum((p.u[sel] - ua) * wt) / wt.sum())
    dv = float(np.sum((p.v[sel] - va) * wt) / wt.sum())
    return du, dv, int(sel.sum())


def corrected_profile(
    profile: AscentProfile, du: float, dv: float, alt_now: float, *, scale_m: float
) -> GriddedWind:
    """The ascent wind plus the error ``du``, ``dv`` seen at ``alt_now``, decaying as
    exp(-(alt_now - h) / scale_m) below it (``scale_m`` inf: no decay, 0: no correction)."""
    if scale_m <= 0.0 or (du == 0.0 and dv == 0.0):
        return profile.wind()
    below = np.maximum(alt_now - profile.alt, 0.0)
    f = np.exp(-below / scale_m) if np.isfinite(scale_m) else np.ones_like(below)
    return profile.wind(du * f, dv * f)
