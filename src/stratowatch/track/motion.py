r"""Was it steering? Passive drift, altitude changes or propulsion, judged from a track's reports.

`explain_motion` asks which of three explanations of the reports the winds support:

- **passive at one altitude**: the balloon drifted with the wind at one altitude of the band;
- **needed altitude changes**: it flew a piecewise-constant altitude schedule, changing level at
  report times (and, on long gaps, once in between), as a balloon that steers by altitude does;
- **needed propulsion beyond what the winds allow**: even the best schedule leaves residuals
  the wind error cannot explain; an airspeed of its own (a propeller) is needed.

Model
-----
Between consecutive decision times (the reports, with long gaps split into at most
``max_pieces`` pieces) the balloon flies at one of the levels :math:`h_1..h_L` of the band.
Its position obeys :math:`\mathbf x_{j+1} = \Phi_{h_j}(\mathbf x_j) + \boldsymbol\epsilon_j`,
where :math:`\Phi_h` is the drift at altitude h over the piece, computed by the compiled
integrator (`flight.integrate`) on a grid of start points and interpolated, and
:math:`\boldsymbol\epsilon_j` the displacement caused by the wind's error: a Gauss-Markov
(Ornstein-Uhlenbeck) velocity error of RMS :math:`\sigma` per component and time constant
:math:`\tau = \sqrt{\pi/2}\,T_L`, which has the long-time diffusivity of the Gaussian space-time
covariance of `atmosphere.perturb` along a path (Lagrangian time :math:`T_L`) [Stohl1998]_
(the integrated-OU, or Singer, motion model [BarShalom2001]_). The error is carried in the
state (it is common to every altitude, whose errors are correlated over kilometres), so the
error seen on consecutive short intervals is correlated. Reports are
:math:`\mathbf y_i = \mathbf x_i + \boldsymbol\eta_i` with their own covariance (radius and,
through the local ground velocity, their time uncertainty). Reported altitudes constrain the
level flown right after the report. The altitude grid's spacing adds its quantization error.

With the error model linear and Gaussian and independent of the schedule, every schedule has
the same Kalman covariance; each hypothesis (a schedule prefix) is one mean and one log
weight: a mixture Kalman filter [ChenLiu2000]_ over the altitude schedules. The search
expands every hypothesis by every level sequence up to the next report, weights it by prior x
predictive likelihood and carries ``max_hypotheses`` draws on by systematic resampling
[Kitagawa1996]_ (sequential Monte Carlo fully adapted to each report, whose evidence is
unbiased [DoucetDeFreitasGordon2001]_); the single-altitude schedules are run exactly, so the
passive evidence is exact. It runs twice: without and with propulsion (a constant airspeed per
piece, :math:`N(0, \sigma_a^2)` per component). The evidence of each explanation is the prior-weighted
sum of the likelihoods of its schedules: one level for all pieces, uniform (passive); a Markov
chain over levels (switch with probability q at each decision time, to any other level)
conditioned on at least one switch (altitude changes); the same chain without the condition
plus the airspeed (propulsion). Posterior probabilities follow from the prior of the three
explanations (Bayes factors, [KassRaftery1995]_). They are calibrated when the model's
assumptions hold: tests/track/test_motion.py draws paths from the prior in a known wind with
direction shear and checks that the 90 % sets hold the truth ~90 % of the time.

Goodness of fit: the normalized innovations squared of a schedule sum to a chi-square with 2
degrees of freedom per report after the first if the model is right ([BarShalom2001]_, NIS
test); the p-value is reported with each fit.

This is hindsight: it uses every report, before and after each piece.

References
----------
.. [ChenLiu2000] Chen, R., Liu, J. S. (2000). Mixture Kalman filters. *J. R. Statist. Soc. B*
   62(3), 493-508.
.. [KassRaftery1995] Kass, R. E., Raftery, A. E. (1995). Bayes factors. *J. Am. Statist.
   Assoc.* 90(430), 773-795.
.. [Kitagawa1996] Kitagawa, G. (1996). Monte Carlo filter and smoother for non-Gaussian
   nonlinear state space models. *J. Comput. Graph. Statist.* 5(1), 1-25.
.. [DoucetDeFreitasGordon2001] Doucet, A., de Freitas, N., Gordon, N. (eds.) (2001).
   *Sequential Monte Carlo Methods in Practice*. Springer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import chdtrc, logsumexp

from ..atmosphere.wind import WindField
from ..errors import ConfigError, InputError
from ..flight.integrate import integrate
from ..flight.models import Float, Stage
from ..flight.windargs import KernelWind, kernel_wind, resolve_wind
from ..predict.reach import (
    DEFAULT_BAND,
    WindError,
    _kernel_threads,
    altitude_levels,
    level_endpoints,
    wind_error_for,
)
from ..timeutil import iso
from .geometry import enu_offset, offset_latlon
from .observations import Observations
from .tracker import Track, TrackingResult

__all__ = [
    "VERDICTS",
    "MotionPiece",
    "MotionFit",
    "MotionExplanation",
    "explain_motion",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PASSIVE = "passive at one altitude"
CHANGES = "needed altitude changes"
PROPULSION = "needed propulsion beyond what the winds allow"
VERDICTS: tuple[str, str, str] = (PASSIVE, CHANGES, PROPULSION)
_KEYS = ("passive", "altitude_changes", "propulsion")
_SAME_EPOCH_S = 60.0
_CAP = 200_000  # candidate hypotheses per expansion (memory and time bound)
_LOG2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class _Epochs:
    """Report epochs: time (s), lat, lon (deg), R (n, 2, 2) m^2 east/north at the report,
    alt / alt_sigma (m, NaN unknown), and the number of reports fused into each."""

    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    cov: FloatArray
    alt: FloatArray
    alt_sigma: FloatArray
    count: IntArray
    time_sigma: FloatArray


def _observations_from(
    source: Any, track_id: int | None, warnings: list[str]
) -> tuple[FloatArray, ...]:
    """(time, lat, lon, sigma_e, sigma_n, time_sigma, alt, alt_sigma) of the reports."""
    if isinstance(source, str | Path) or (
        isinstance(source, Sequence) and source and all(isinstance(p, str | Path) for p in source)
    ):
        from ..io.readers import read_observations

        paths = [source] if isinstance(source, str | Path) else list(source)
        source = read_observations(paths)
    if isinstance(source, TrackingResult):
        tracks = list(source.tracks)
        if not tracks:
            raise InputError("the tracking result has no track", expected="at least one track")
        if track_id is None:
            confirmed = [t for t in tracks if t.status == "confirmed"]
            tr = max(confirmed or tracks, key=lambda t: (t.n_updates, len(t)))
        else:
            try:
                tr = source.track(track_id)
            except KeyError:
                raise InputError(
                    "no such track",
                    field="track_id",
                    value=track_id,
                    expected=", ".join(str(t.track_id) for t in tracks),
                ) from None
        idx = tr.obs_index[tr.obs_index >= 0]
        source = source.observations.take(np.unique(idx))
    if isinstance(source, Observations):
        obs = source.sorted()
        pos = obs.positional
        if not pos.all():
            warnings.append(f"{int((~pos).sum())} report(s) without a position (angles) ignored")
        o = obs.take(pos)
        return (
            o.time,
            o.lat,
            o.lon,
            o.sigma_h,
            o.sigma_h,
            o.time_sigma,
            o.alt,
            np.where(np.isfinite(o.alt), o.sigma_alt, np.nan),
        )
    if isinstance(source, Track):
        warnings.append(
            "explained from the track's own states at its report times, which already assumed "
            "a wind; pass the reports (or the TrackingResult) for an independent test"
        )
        k = source.obs_index >= 0
        return (
            source.time[k],
            source.lat[k],
            source.lon[k],
            source.sigma_e[k],
            source.sigma_n[k],
            np.zeros(int(k.sum())),
            source.alt[k],
            source.sigma_alt[k],
        )
    raise InputError(
        "cannot explain the motion of this input",
        value=type(source).__name__,
        expected="Observations, a TrackingResult, a Track, or report file path(s)",
    )


def _epochs(cols: tuple[FloatArray, ...], max_reports: int, warnings: list[str]) -> _Epochs:
    t, lat, lon, se, sn, ts, alt, sa = (np.asarray(c, dtype=np.float64) for c in cols)
    n = t.size
    if n == 0:
        raise InputError("no reports with a position", expected="at least two position reports")
    for name, a in (("time", t), ("lat", lat), ("lon", lon), ("sigma", se), ("sigma", sn)):
        bad = ~np.isfinite(a)
        if bad.any():
            raise InputError(
                f"non-finite {name} in report {int(np.argmax(bad)) + 1}",
                field=name,
                value=float(a[bad][0]),
                expected="finite values",
            )
    if np.any(np.abs(lat) > 90.0):
        i = int(np.argmax(np.abs(lat) > 90.0))
        raise InputError(
            f"latitude out of range in report {i + 1}",
            field="lat",
            value=float(lat[i]),
            expected="-90..90",
        )
    if np.any(se <= 0) or np.any(sn <= 0):
        raise InputError("report sigma must be > 0 m", field="sigma_h", expected="> 0 m")
    order = np.argsort(t, kind="stable")
    t, lat, lon, se, sn, ts, alt, sa = (a[order] for a in (t, lat, lon, se, sn, ts, alt, sa))
    ts = np.where(np.isfinite(ts) & (ts > 0), ts, 0.0)
    # fuse reports of one moment (information form, on the first one's tangent plane)
    groups: list[list[int]] = []
    for i in range(n):
        if groups and t[i] - t[groups[-1][0]] <= _SAME_EPOCH_S:
            groups[-1].append(i)
        else:
            groups.append([i])
    if len(groups) < 2:
        raise InputError(
            "fewer than two report times",
            value=n,
            expected="reports at two or more different times (at least a minute apart)",
        )
    et, ela, elo, ecov, ealt, easig, cnt, ets = [], [], [], [], [], [], [], []
    for g in groups:
        i0 = g[0]
        if len(g) == 1:
            et.append(t[i0])
            ela.append(lat[i0])
            elo.append(lon[i0])
            ecov.append(np.diag([se[i0] ** 2, sn[i0] ** 2]))
            ets.append(ts[i0])
        else:
            e, nn = enu_offset(lat[i0], lon[i0], lat[g], lon[g])
            info = np.zeros((2, 2))
            vec = np.zeros(2)
            for k, j in enumerate(g):
                w = np.diag([1.0 / se[j] ** 2, 1.0 / sn[j] ** 2])
                info += w
                vec += w @ np.array([e[k], nn[k]])
            cov = np.linalg.inv(info)
            m = cov @ vec
            la2, lo2 = offset_latlon(lat[i0], lon[i0], m[0], m[1])
            et.append(float(np.mean(t[g])))
            ela.append(float(la2))
            elo.append(float(lo2))
            ecov.append(cov)
            ets.append(float(np.min(ts[g])))
        a_ok = [j for j in g if np.isfinite(alt[j]) and np.isfinite(sa[j]) and sa[j] > 0]
        if a_ok:
            wts = np.array([1.0 / sa[j] ** 2 for j in a_ok])
            ealt.append(float(np.sum(wts * alt[a_ok]) / wts.sum()))
            easig.append(float(1.0 / math.sqrt(wts.sum())))
        else:
            ealt.append(math.nan)
            easig.append(math.nan)
        cnt.append(len(g))
    ep = _Epochs(
        time=np.array(et),
        lat=np.array(ela),
        lon=np.array(elo),
        cov=np.array(ecov),
        alt=np.array(ealt),
        alt_sigma=np.array(easig),
        count=np.array(cnt, dtype=np.int64),
        time_sigma=np.array(ets),
    )
    if ep.time.size > max_reports:
        keep = _thin(ep.time, max_reports)
        warnings.append(
            f"{ep.time.size} report times thinned to {keep.size} (about one per "
            f"{(ep.time[-1] - ep.time[0]) / (keep.size - 1) / 3600:.1f} h) for the search"
        )
        ep = _Epochs(*(getattr(ep, f)[keep] for f in ep.__dataclass_fields__))
    return ep


def _thin(t: FloatArray, n: int) -> IntArray:
    """Indices of at most n times, first and last kept, roughly evenly spaced in time."""
    targets = np.linspace(t[0], t[-1], n)
    idx = np.unique(np.clip(np.searchsorted(t, targets), 0, t.size - 1))
    idx = np.unique(np.concatenate([[0], idx, [t.size - 1]]))
    return idx.astype(np.int64)


def _with_time_uncertainty(ep: _Epochs) -> FloatArray:
    """Report covariances plus the along-track spread of their time uncertainty:
    R + sigma_t^2 v v^T, with v the ground velocity from the neighbouring reports."""
    n = ep.time.size
    out = ep.cov.copy()
    for i in range(n):
        if ep.time_sigma[i] <= 0:
            continue
        a = max(i - 1, 0)
        b = min(i + 1, n - 1)
        if b == a:
            continue
        ea, na = enu_offset(ep.lat[i], ep.lon[i], ep.lat[a], ep.lon[a])
        eb, nb = enu_offset(ep.lat[i], ep.lon[i], ep.lat[b], ep.lon[b])
        dt = ep.time[b] - ep.time[a]
        v = np.array([float(eb - ea), float(nb - na)]) / dt
        out[i] = out[i] + ep.time_sigma[i] ** 2 * np.outer(v, v)
    return out


# --------------------------------------------------------------------------- flows
def _unit(lat: FloatArray, lon: FloatArray) -> FloatArray:
    la = np.radians(lat)
    lo = np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _latlon(u: FloatArray) -> tuple[FloatArray, FloatArray]:
    nrm = np.linalg.norm(u, axis=-1)
    v = u / nrm[..., None]
    return np.degrees(np.arcsin(np.clip(v[..., 2], -1, 1))), np.degrees(
        np.arctan2(v[..., 1], v[..., 0])
    )


def _flows(
    kw: KernelWind,
    t: float,
    dur: float,
    lat: FloatArray,
    lon: FloatArray,
    levels: FloatArray,
    *,
    spacing_m: float = 100e3,
    max_nodes: int = 12,
) -> tuple[FloatArray, FloatArray]:
    """End points (K, L) of drifting ``dur`` s at each level from each (lat, lon).

    Few start points are integrated directly; many are interpolated (bilinear, on unit
    vectors) from a grid of start points covering them on the tangent plane at their mean."""
    k = lat.size
    if k <= 16:
        la, lo, _ = level_endpoints(kw, t, lat, lon, levels, dur, dt_max=min(dur, 1800.0))
        return la, lo
    c = int(np.argmin(np.abs(lat - np.median(lat)) + np.abs(lon - np.median(lon))))
    lat0, lon0 = float(lat[c]), float(lon[c])
    e, n = enu_offset(lat0, lon0, lat, lon)
    e0, e1 = float(e.min()) - 1e3, float(e.max()) + 1e3
    n0, n1 = float(n.min()) - 1e3, float(n.max()) + 1e3
    nx = int(np.clip(math.ceil((e1 - e0) / spacing_m) + 1, 2, max_nodes))
    ny = int(np.clip(math.ceil((n1 - n0) / spacing_m) + 1, 2, max_nodes))
    ge = np.linspace(e0, e1, nx)
    gn = np.linspace(n0, n1, ny)
    gE, gN = np.meshgrid(ge, gn, indexing="ij")
    glat, glon = offset_latlon(lat0, lon0, gE.ravel(), gN.ravel())
    ela, elo, _ = level_endpoints(kw, t, glat, glon, levels, dur, dt_max=min(dur, 1800.0))
    uv = _unit(ela, elo).reshape(nx, ny, levels.size, 3)
    fx = np.clip((e - e0) / (e1 - e0) * (nx - 1), 0, nx - 1 - 1e-9)
    fy = np.clip((n - n0) / (n1 - n0) * (ny - 1), 0, ny - 1 - 1e-9)
    ix = fx.astype(np.int64)
    iy = fy.astype(np.int64)
    wx = (fx - ix)[:, None, None]
    wy = (fy - iy)[:, None, None]
    u = (
        (1 - wx) * (1 - wy) * uv[ix, iy]
        + wx * (1 - wy) * uv[ix + 1, iy]
        + (1 - wx) * wy * uv[ix, iy + 1]
        + wx * wy * uv[ix + 1, iy + 1]
    )
    return _latlon(u)


# --------------------------------------------------------------------------- Kalman pieces
def _ou(sigma: float, tau: float, dur: float) -> tuple[FloatArray, FloatArray]:
    """Transition F (4x4) and noise Q (4x4) of the integrated Ornstein-Uhlenbeck model over
    ``dur`` s for state (x_e, x_n, u_e, u_n); the drift itself is added separately."""
    a = math.exp(-dur / tau)
    b = tau * (1.0 - a)
    f = np.eye(4)
    f[0, 2] = f[1, 3] = b
    f[2, 2] = f[3, 3] = a
    s2 = sigma * sigma
    qxx = s2 * tau * tau * (2.0 * dur / tau - 3.0 + 4.0 * a - a * a)
    qxu = s2 * tau * (1.0 - a) ** 2
    quu = s2 * (1.0 - a * a)
    q = np.zeros((4, 4))
    q[0, 0] = q[1, 1] = max(qxx, 0.0)
    q[0, 2] = q[2, 0] = q[1, 3] = q[3, 1] = qxu
    q[2, 2] = q[3, 3] = quu
    return f, q


@dataclass
class _Hyps:
    """Hypotheses (particles): current mean (lat, lon, u_e, u_n), schedule (level index per
    piece), log prior, log likelihood, NIS sum, model variant (0: winds only, 1: with
    propulsion), number of level changes, log weight (normalized over the set)."""

    lat: FloatArray
    lon: FloatArray
    ue: FloatArray
    un: FloatArray
    sched: npt.NDArray[np.int16]
    lp: FloatArray
    ll: FloatArray
    nis: FloatArray
    mv: IntArray
    switches: IntArray
    lw: FloatArray

    def take(self, idx: IntArray) -> _Hyps:
        return _Hyps(
            self.lat[idx],
            self.lon[idx],
            self.ue[idx],
            self.un[idx],
            self.sched[idx],
            self.lp[idx],
            self.ll[idx],
            self.nis[idx],
            self.mv[idx],
            self.switches[idx],
            self.lw[idx],
        )

    @property
    def size(self) -> int:
        return int(self.lat.size)


@dataclass(frozen=True)
class _Piece:
    start: float
    end: float
    epoch: int  # index of the epoch it starts from
    last_of_interval: bool


def _pieces(times: FloatArray, piece_s: float, max_pieces: int) -> list[_Piece]:
    out = []
    for i in range(times.size - 1):
        span = times[i + 1] - times[i]
        k = int(min(max(math.ceil(span / piece_s - 1e-9), 1), max_pieces))
        edges = np.linspace(times[i], times[i + 1], k + 1)
        for j in range(k):
            out.append(_Piece(float(edges[j]), float(edges[j + 1]), i, j == k - 1))
    return out


class _Search:
    """The mixture Kalman filter over altitude schedules (see module notes)."""

    def __init__(
        self,
        ep: _Epochs,
        cov: FloatArray,
        kw: KernelWind,
        levels: FloatArray,
        errs: list[WindError],
        speed: float,
        *,
        q_switch: float,
        airspeed_sigma: float,
        piece_s: float,
        max_pieces: int,
        max_hyps: int,
        dz: float,
        seed: int,
    ) -> None:
        self.ep = ep
        self.cov = cov
        self.kw = kw
        self.levels = levels
        self.errs = errs
        self.speed = speed
        self.q = q_switch
        self.sa = airspeed_sigma
        self.pieces = _pieces(ep.time, piece_s, max_pieces)
        self.max_hyps = max_hyps
        self.dz = dz
        self.nl = levels.size
        self.alt_var_level = dz * dz / 12.0 if self.nl > 1 else 0.0
        self._lev_noise: dict[int, float] = {}
        self.rng = np.random.default_rng(seed)

    # -- one-hypothesis-per-row helpers
    def _alt_loglik(self, epoch: int, level_idx: IntArray) -> FloatArray:
        a = self.ep.alt[epoch]
        if not np.isfinite(a):
            return np.zeros(level_idx.shape)
        var = self.ep.alt_sigma[epoch] ** 2 + self.alt_var_level
        d = a - self.levels[level_idx]
        return -0.5 * (d * d / var + math.log(2 * math.pi * var))

    def _level_noise(self, j: int) -> float:
        """Per-component variance (m^2) of piece j's drift error from flying between levels:
        |d(h_k+1) - d(h_k)|^2 / 12 averaged over the levels, at the report the piece starts
        from (one value per piece, so every hypothesis shares the covariance)."""
        if self.nl < 2:
            return 0.0
        if j not in self._lev_noise:
            pc = self.pieces[j]
            la, lo, _ = level_endpoints(
                self.kw,
                pc.start,
                self.ep.lat[pc.epoch : pc.epoch + 1],
                self.ep.lon[pc.epoch : pc.epoch + 1],
                self.levels,
                pc.end - pc.start,
                dt_max=min(pc.end - pc.start, 1800.0),
            )
            e, n = enu_offset(la[0, :-1], lo[0, :-1], la[0, 1:], lo[0, 1:])
            self._lev_noise[j] = float(np.mean(e * e + n * n)) / 24.0
        return self._lev_noise[j]

    def initial(self, mv: int) -> tuple[_Hyps, FloatArray]:
        p = np.zeros((4, 4))
        p[:2, :2] = self.cov[0]
        s = self.errs[0].sigma
        p[2, 2] = p[3, 3] = s * s
        one = np.ones(1)
        h = _Hyps(
            self.ep.lat[:1].copy(),
            self.ep.lon[:1].copy(),
            0 * one,
            0 * one,
            np.full((1, len(self.pieces)), -1, dtype=np.int16),
            0 * one,
            0 * one,
            0 * one,
            np.full(1, mv, dtype=np.int64),
            np.zeros(1, dtype=np.int64),
            0 * one,
        )
        return h, p

    def predict(
        self, h: _Hyps, p: FloatArray, j: int, *, forced: IntArray | None = None
    ) -> tuple[_Hyps, FloatArray, FloatArray]:
        """Expand every hypothesis by every level (or the ``forced`` level per row) over piece
        j; returns the new hypotheses, covariance, and the drift end points used."""
        pc = self.pieces[j]
        dur = pc.end - pc.start
        err = self.errs[pc.epoch]
        tau = math.sqrt(math.pi / 2.0) * err.lagrangian_time(self.speed)
        if forced is None:
            elat, elon = _flows(self.kw, pc.start, dur, h.lat, h.lon, self.levels)
            k = h.size
            rep = np.repeat(np.arange(k), self.nl)
            lev = np.tile(np.arange(self.nl), k)
            nlat = elat.ravel()
            nlon = elon.ravel()
        else:
            elat = np.empty((h.size, self.nl))
            elon = np.empty((h.size, self.nl))
            la, lo, _ = level_endpoints(
                self.kw, pc.start, h.lat, h.lon, self.levels, dur, dt_max=min(dur, 1800.0)
            )
            elat[:], elon[:] = la, lo
            rep = np.arange(h.size)
            lev = forced.astype(np.int64)
            nlat = elat[rep, lev]
            nlon = elon[rep, lev]
        f, q = _ou(err.sigma, tau, dur)
        q[0, 0] += self._level_noise(j)
        q[1, 1] = q[0, 0]
        if h.mv[0] == 1:
            q[0, 0] += (self.sa * dur) ** 2
            q[1, 1] += (self.sa * dur) ** 2
        a = f[2, 2]
        b = f[0, 2]
        ue = h.ue[rep]
        un = h.un[rep]
        nlat, nlon = offset_latlon(nlat, nlon, b * ue, b * un)
        prev = h.sched[rep, j - 1].astype(np.int64) if j > 0 else np.full(rep.size, -1)
        same = prev == lev
        if j == 0:
            dlp = np.full(rep.size, -math.log(self.nl))
        else:
            stay = math.log1p(-self.q) if self.q < 1.0 else -math.inf
            move = math.log(self.q / (self.nl - 1)) if self.nl > 1 and self.q > 0 else -math.inf
            dlp = np.where(same, stay, move)
        sched = h.sched[rep].copy()
        sched[:, j] = lev
        lp = h.lp[rep] + dlp
        ll = h.ll[rep].copy()
        if j == 0 or self.pieces[j - 1].last_of_interval:
            # a reported altitude constrains the level flown right after the report
            ll += self._alt_loglik(pc.epoch, lev)
        out = _Hyps(
            nlat,
            nlon,
            a * ue,
            a * un,
            sched,
            lp,
            ll,
            h.nis[rep].copy(),
            h.mv[rep].copy(),
            h.switches[rep] + ((~same) & (prev >= 0)).astype(np.int64),
            h.lw[rep] + dlp + (ll - h.ll[rep]),
        )
        return out, f @ p @ f.T + q, np.stack([elat, elon])

    def update(self, h: _Hyps, p: FloatArray, epoch: int) -> tuple[_Hyps, FloatArray, FloatArray]:
        """Kalman update with report ``epoch``; returns hypotheses, covariance, innovations."""
        ylat, ylon = self.ep.lat[epoch], self.ep.lon[epoch]
        r = self.cov[epoch]
        ze, zn = enu_offset(ylat, ylon, h.lat, h.lon)
        nu = -np.stack([ze, zn], axis=1)
        s = p[:2, :2] + r
        si = np.linalg.inv(s)
        gain = p[:, :2] @ si
        nis = np.einsum("ki,ij,kj->k", nu, si, nu)
        _, logdet = np.linalg.slogdet(s)
        ll = h.ll - 0.5 * (nis + logdet + 2 * _LOG2PI)
        if epoch == self.ep.time.size - 1:
            # the last report's altitude: the level of the piece that ends there
            last = h.sched[:, len(self.pieces) - 1].astype(np.int64)
            ll = ll + self._alt_loglik(epoch, last)
        dx = nu @ gain.T
        nlat, nlon = offset_latlon(ylat, ylon, ze + dx[:, 0], zn + dx[:, 1])
        ikh = np.eye(4)
        ikh[:, :2] -= gain
        pn = ikh @ p @ ikh.T + gain @ r @ gain.T
        out = _Hyps(
            np.asarray(nlat),
            np.asarray(nlon),
            h.ue + dx[:, 2],
            h.un + dx[:, 3],
            h.sched,
            h.lp,
            ll,
            h.nis + nis,
            h.mv,
            h.switches,
            h.lw + (ll - h.ll),
        )
        return out, pn, nu

    def resample(self, h: _Hyps, n: int) -> _Hyps:
        """Systematic resampling to ``n`` draws [Kitagawa1996]_, kept as the distinct
        hypotheses drawn with log weights log(count / n): copies of one schedule share its
        mean, so they are carried once."""
        w = np.exp(h.lw - logsumexp(h.lw))
        if h.size <= n and np.all(w > 0):
            out = h.take(np.arange(h.size))
            out.lw = np.log(w)
            return out
        pos = (self.rng.random() + np.arange(n)) / n
        idx = np.minimum(np.searchsorted(np.cumsum(w), pos), h.size - 1)
        cnt = np.bincount(idx, minlength=h.size)
        keep = np.flatnonzero(cnt)
        out = h.take(keep)
        out.lw = np.log(cnt[keep] / n)
        return out

    def run(self, mv: int) -> tuple[_Hyps, float]:
        """Sequential Monte Carlo over schedules from the Markov prior, fully adapted to each
        report: every hypothesis is expanded by every level sequence up to the next report and
        weighted by prior x predictive likelihood, the evidence grows by the weights' sum, and
        ``max_hyps`` draws carry on [DoucetDeFreitasGordon2001]_. Returns the final weighted
        hypotheses and the log evidence log sum_s p(s) p(y | s)."""
        h, p = self.initial(mv)
        log_z = 0.0
        n_p = len(self.pieces)
        j = 0
        while j < n_p:
            k = j
            while not self.pieces[k].last_of_interval:
                k += 1
            room = max(_CAP // (self.nl ** (k - j + 1)), self.nl)
            h = self.resample(h, min(self.max_hyps, room))
            for jj in range(j, k + 1):
                h, p, _ = self.predict(h, p, jj)
            h, p, _ = self.update(h, p, self.pieces[k].epoch + 1)
            inc = float(logsumexp(h.lw))
            log_z += inc
            h.lw = h.lw - inc
            j = k + 1
        return h, log_z

    def run_constant(self) -> _Hyps:
        """The L single-altitude schedules, exactly."""
        h, p = self.initial(0)
        h = h.take(np.zeros(self.nl, dtype=np.int64))
        lev = np.arange(self.nl)
        for j in range(len(self.pieces)):
            h, p, _ = self.predict(h, p, j, forced=lev)
            if self.pieces[j].last_of_interval:
                h, p, _ = self.update(h, p, self.pieces[j].epoch + 1)
        return h

    def replay(self, sched: IntArray, mv: int) -> dict[str, Any]:
        """One schedule through the filter, with the RTS smoother [BarShalom2001]_: smoothed
        positions at the reports, innovations (km, sigma) and the NIS."""
        h, p = self.initial(mv)
        means = [(float(h.lat[0]), float(h.lon[0]), 0.0, 0.0)]
        covs_f = [p.copy()]
        preds: list[tuple[float, float, float, float]] = []
        covs_p: list[FloatArray] = []
        fs: list[FloatArray] = []
        resid: list[dict[str, float]] = []
        n_p = len(self.pieces)
        j = 0
        while j < n_p:
            # the pieces of one report interval make one transition for the smoother
            k = j
            while not self.pieces[k].last_of_interval:
                k += 1
            f_tot = np.eye(4)
            for jj in range(j, k + 1):
                h, p, _ = self.predict(h, p, jj, forced=np.array([sched[jj]]))
                pc = self.pieces[jj]
                tau = math.sqrt(math.pi / 2.0) * self.errs[pc.epoch].lagrangian_time(self.speed)
                f_i, _ = _ou(self.errs[pc.epoch].sigma, tau, pc.end - pc.start)
                f_tot = f_i @ f_tot
            fs.append(f_tot)
            covs_p.append(p.copy())
            preds.append((float(h.lat[0]), float(h.lon[0]), float(h.ue[0]), float(h.un[0])))
            epoch = self.pieces[k].epoch + 1
            s = p[:2, :2] + self.cov[epoch]
            h, p, nu = self.update(h, p, epoch)
            resid.append(
                {
                    "time": float(self.ep.time[epoch]),
                    "distance_km": float(np.hypot(*nu[0])) / 1e3,
                    "nsigma": float(math.sqrt(max(nu[0] @ np.linalg.solve(s, nu[0]), 0.0))),
                }
            )
            means.append((float(h.lat[0]), float(h.lon[0]), float(h.ue[0]), float(h.un[0])))
            covs_f.append(p.copy())
            j = k + 1
        # Rauch-Tung-Striebel: m_s(i) = m_f(i) + G (m_s(i+1) - m_p(i+1)),
        # G = P_f(i) F^T P_p(i+1)^-1, the drift's Jacobian taken as the identity
        sm = list(means)
        for i in range(len(means) - 2, -1, -1):
            g = covs_f[i] @ fs[i].T @ np.linalg.inv(covs_p[i])
            de, dn = enu_offset(preds[i][0], preds[i][1], sm[i + 1][0], sm[i + 1][1])
            diff = np.array(
                [float(de), float(dn), sm[i + 1][2] - preds[i][2], sm[i + 1][3] - preds[i][3]]
            )
            corr = g @ diff
            la, lo = offset_latlon(means[i][0], means[i][1], corr[0], corr[1])
            sm[i] = (float(la), float(lo), means[i][2] + corr[2], means[i][3] + corr[3])
        return {
            "smoothed": sm,
            "residuals": resid,
            "nis": float(h.nis[0]),
            "loglik": float(h.ll[0]),
        }


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MotionPiece:
    """One piece of a schedule: start/end (epoch s), altitude (m)."""

    start: float
    end: float
    alt: float

    def describe(self) -> dict[str, Any]:
        return {"start": iso(self.start), "end": iso(self.end), "alt_m": round(self.alt, 1)}


@dataclass(frozen=True, eq=False)
class MotionFit:
    """A schedule's fit to the reports.

    pieces : the schedule (merged where the altitude does not change); log_likelihood : of
    the reports (positions and altitudes) given the schedule, with the wind and report errors;
    chi2, dof, p_value : normalized innovations squared and their chi-square p-value;
    residuals : per report after the first {time, distance_km, nsigma}; path : the schedule
    flown from the smoothed position at each report (lat, lon, alt, times) for maps.
    """

    pieces: tuple[MotionPiece, ...]
    log_likelihood: float
    chi2: float
    dof: int
    p_value: float
    residuals: tuple[dict[str, float], ...]
    path: dict[str, FloatArray] = field(default_factory=dict, repr=False)

    def describe(self) -> dict[str, Any]:
        return {
            "pieces": [p.describe() for p in self.pieces],
            "log_likelihood": round(self.log_likelihood, 3),
            "chi2": round(self.chi2, 3),
            "dof": self.dof,
            "p_value": round(self.p_value, 4),
            "residuals": [
                {
                    "time": iso(r["time"]),
                    "distance_km": round(r["distance_km"], 2),
                    "nsigma": round(r["nsigma"], 2),
                }
                for r in self.residuals
            ],
        }


@dataclass(frozen=True, eq=False)
class MotionExplanation:
    """The result of `explain_motion`.

    verdict : one of `VERDICTS`; probability : its posterior probability; probabilities :
    {passive, altitude_changes, propulsion}; log_evidence : the same keys (natural log);
    passive : best single-altitude fit; schedule : best fit with altitude changes (None when
    no change is possible, e.g. two reports); altitude : per piece {start, end, mean_m, lo90_m,
    hi90_m} posterior; prior, band (m), levels (m), wind_source, wind_error, warnings.
    """

    verdict: str
    probability: float
    probabilities: dict[str, float]
    log_evidence: dict[str, float]
    passive: MotionFit
    schedule: MotionFit | None
    altitude: tuple[dict[str, float], ...]
    prior: tuple[float, float, float]
    band: tuple[float, float]
    levels: FloatArray
    n_reports: int
    wind_source: str
    wind_error: WindError
    airspeed_sigma: float
    hypotheses: int
    warnings: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        """The verdict in words that match its probability: as is from 0.9, "probably" from
        0.5, else "undecided" (no explanation is more likely than not)."""
        p = self.probability
        if p >= 0.9:
            return f"{self.verdict} (p = {p:.2f})"
        if p >= 0.5:
            return f"probably {self.verdict} (p = {p:.2f})"
        return f"undecided: the most probable is {self.verdict} (p = {p:.2f})"

    @property
    def explanation(self) -> str:
        """One paragraph in plain language; its numbers are the result's."""
        pa = self.passive
        alt = pa.pieces[0].alt / 1e3
        head = self.headline
        body = (
            f"best single altitude {alt:.1f} km (chi2 {pa.chi2:.1f} for {pa.dof} dof, "
            f"fit p = {pa.p_value:.2g})"
        )
        if self.schedule is not None:
            sc = self.schedule
            steps = ", ".join(f"{p.alt / 1e3:.1f}" for p in sc.pieces)
            dll = sc.log_likelihood - pa.log_likelihood
            body += (
                f"; best schedule with changes {steps} km fits better by "
                f"{dll:.1f} in log-likelihood (fit p = {sc.p_value:.2g})"
            )
        pr = self.probabilities
        return (
            f"{head}: {body}. P(passive) = {pr['passive']:.2f}, P(altitude changes) = "
            f"{pr['altitude_changes']:.2f}, P(propulsion) = {pr['propulsion']:.2f} "
            f"(wind error {self.wind_error.sigma:.1f} m/s, {self.n_reports} report times)."
        )

    def summary(self) -> dict[str, Any]:
        """JSON-ready (the CLI's ``explain_motion`` object)."""
        return {
            "verdict": self.verdict,
            "probability": round(self.probability, 4),
            "headline": self.headline,
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "log_evidence": {k: round(v, 3) for k, v in self.log_evidence.items()},
            "passive": self.passive.describe(),
            "schedule": None if self.schedule is None else self.schedule.describe(),
            "altitude": [
                {
                    "start": iso(a["start"]),
                    "end": iso(a["end"]),
                    "mean_m": round(a["mean_m"], 1),
                    "lo90_m": round(a["lo90_m"], 1),
                    "hi90_m": round(a["hi90_m"], 1),
                }
                for a in self.altitude
            ],
            "prior": {k: round(v, 4) for k, v in zip(_KEYS, self.prior, strict=True)},
            "band_m": list(self.band),
            "levels": len(self.levels),
            "reports": self.n_reports,
            "wind": self.wind_source,
            "wind_error": self.wind_error.describe(),
            "airspeed_sigma_m_s": self.airspeed_sigma,
            "hypotheses": self.hypotheses,
            "explanation": self.explanation,
            "warnings": list(self.warnings),
        }

    def to_features(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection: layers ``motion_passive`` and ``motion_schedule`` (the
        best fits as LineStrings with ``times``), for `io.export.write_features` / the map."""
        feats = []
        for name, fit, color in (
            ("motion_passive", self.passive, "#2ca02c"),
            ("motion_schedule", self.schedule, "#d62728"),
        ):
            if fit is None or not fit.path:
                continue
            pth = fit.path
            ok = np.isfinite(pth["lat"])
            coords = [
                [round(float(o), 6), round(float(a), 6), round(float(h), 1)]
                for a, o, h in zip(pth["lat"][ok], pth["lon"][ok], pth["alt"][ok], strict=True)
            ]
            if len(coords) < 2:
                continue
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {
                        "layer": name,
                        "name": "best single altitude"
                        if name == "motion_passive"
                        else "best schedule with altitude changes",
                        "times": [iso(t) for t in pth["time"][ok]],
                        "log_likelihood": round(fit.log_likelihood, 3),
                        "p_value": round(fit.p_value, 4),
                        "style": {"color": color, "width": 2},
                    },
                }
            )
        return {
            "type": "FeatureCollection",
            "features": feats,
            "properties": {
                "verdict": self.verdict,
                "probability": round(self.probability, 4),
                "explanation": self.explanation,
            },
        }


def _merge(
    pieces: Sequence[_Piece], sched: IntArray, levels: FloatArray
) -> tuple[MotionPiece, ...]:
    out: list[MotionPiece] = []
    for pc, li in zip(pieces, sched, strict=True):
        alt = float(levels[int(li)])
        if out and out[-1].alt == alt:
            out[-1] = MotionPiece(out[-1].start, pc.end, alt)
        else:
            out.append(MotionPiece(pc.start, pc.end, alt))
    return tuple(out)


def _path(
    search: _Search, sched: IntArray, smoothed: Sequence[tuple[float, float, float, float]]
) -> dict[str, FloatArray]:
    """The schedule flown from the smoothed position at each report (10-min points)."""
    lat: list[FloatArray] = []
    lon: list[FloatArray] = []
    alt: list[FloatArray] = []
    tt: list[FloatArray] = []
    epoch_of_piece = [pc.epoch for pc in search.pieces]
    cur = None
    for j, pc in enumerate(search.pieces):
        if j == 0 or search.pieces[j - 1].last_of_interval:
            s = smoothed[epoch_of_piece[j]]
            cur = (s[0], s[1])
        assert cur is not None
        dur = pc.end - pc.start
        step = min(600.0, dur)
        with _kernel_threads(dur / step):
            r = integrate(
                [Stage(Float(), dt_max=600.0)],
                search.kw,
                pc.start,
                cur[0],
                cur[1],
                float(search.levels[int(sched[j])]),
                duration=dur,
                out_step=step,
            )
        ok = np.isfinite(r.lat[0])
        times = pc.start + step * np.arange(r.lat.shape[1])
        lat.append(r.lat[0][ok])
        lon.append(r.lon[0][ok])
        alt.append(r.alt[0][ok])
        tt.append(times[ok])
        cur = (float(r.end_lat[0]), float(r.end_lon[0]))
    return {
        "lat": np.concatenate(lat),
        "lon": np.concatenate(lon),
        "alt": np.concatenate(alt),
        "time": np.concatenate(tt),
    }


def _fit(search: _Search, sched: IntArray, mv: int, with_path: bool) -> MotionFit:
    rep = search.replay(sched, mv)
    dof = 2 * (search.ep.time.size - 1)
    return MotionFit(
        pieces=_merge(search.pieces, sched, search.levels),
        log_likelihood=rep["loglik"],
        chi2=rep["nis"],
        dof=dof,
        p_value=float(chdtrc(dof, rep["nis"])),
        residuals=tuple(rep["residuals"]),
        path=_path(search, sched, rep["smoothed"]) if with_path else {},
    )


def explain_motion(
    track_or_reports: Any,
    wind: str | WindField = "climatology",
    *,
    band: Sequence[float] = DEFAULT_BAND,
    dz: float = 500.0,
    track_id: int | None = None,
    prior: Sequence[float] = (1 / 3, 1 / 3, 1 / 3),
    switch_probability: float = 0.3,
    airspeed_sigma: float = 5.0,
    wind_sigma: float | None = None,
    piece_hours: float = 24.0,
    max_pieces: int = 2,
    max_hypotheses: int = 4000,
    max_reports: int = 40,
    paths: bool = True,
    seed: int = 0,
    use_altitudes: bool = True,
) -> MotionExplanation:
    """Is a path passive drift at one altitude, a schedule of altitude changes, or propelled?

    Parameters
    ----------
    track_or_reports : `Observations` (all positional rows, one object), a `TrackingResult`
        (its confirmed track with the most reports, or ``track_id``, with that track's
        reports), a `Track` (its own
        states at its report times), or report file path(s) (`io.readers.read_observations`).
    wind : ``climatology`` (default), a wind file, or a `WindField`.
    band : (low, high) m the balloon can fly in; dz : level spacing (m).
    prior : prior probabilities of (passive, altitude changes, propulsion).
    switch_probability : prior probability of a level change at each decision time.
    airspeed_sigma : m/s per component, prior of the airspeed under propulsion.
    wind_sigma : m/s per component overriding the wind source's error model.
    piece_hours, max_pieces : report gaps longer than ``piece_hours`` get up to
        ``max_pieces`` altitude pieces. max_hypotheses : particles (schedule hypotheses)
        carried from report to report. max_reports : report times kept (thinned evenly
        beyond). paths : compute the best fits' paths (for maps). seed : resampling seed.
    use_altitudes : let reported altitudes constrain the level flown after each report (off:
        judge from the horizontal path alone).

    Returns
    -------
    MotionExplanation (see the module notes for the model and its calibration).

    Raises
    ------
    InputError for unusable reports (fewer than two times, NaN, out-of-range coordinates);
    ConfigError for impossible parameters.
    """
    warnings: list[str] = []
    pr = np.asarray(prior, dtype=np.float64)
    if pr.shape != (3,) or not np.all(np.isfinite(pr)) or np.any(pr < 0) or pr.sum() <= 0:
        raise ConfigError(
            f"prior must be three probabilities (passive, changes, propulsion), got {prior!r}"
        )
    pr = pr / pr.sum()
    if not (0.0 < switch_probability < 1.0):
        raise ConfigError(f"switch_probability must be in (0, 1), got {switch_probability!r}")
    if not (math.isfinite(airspeed_sigma) and airspeed_sigma > 0):
        raise ConfigError(f"airspeed_sigma must be > 0 m/s, got {airspeed_sigma!r}")
    if not (math.isfinite(piece_hours) and piece_hours > 0) or max_pieces < 1:
        raise ConfigError("piece_hours must be > 0 and max_pieces >= 1")
    if max_hypotheses < 1 or max_reports < 2:
        raise ConfigError("max_hypotheses must be >= 1 and max_reports >= 2")
    levels = altitude_levels(band, dz=dz)
    cols = _observations_from(track_or_reports, track_id, warnings)
    if not use_altitudes:
        cols = (*cols[:6], np.full_like(cols[6], np.nan), np.full_like(cols[7], np.nan))
    ep = _epochs(cols, max_reports, warnings)
    base = resolve_wind(wind)
    meta = base.meta
    if (
        meta.time_start is not None
        and meta.time_end is not None
        and meta.time_end > meta.time_start
    ):
        if ep.time[0] < meta.time_start - 1.0 or ep.time[-1] > meta.time_end + 1.0:
            raise InputError(
                f"the reports ({iso(ep.time[0])} .. {iso(ep.time[-1])}) are outside the wind "
                f"data's span {iso(meta.time_start)} .. {iso(meta.time_end)} ({meta.source})",
                expected="a wind that covers the track",
            )
    for w in meta.warnings:
        warnings.append(w)
    kw = kernel_wind(base)
    mid = 0.5 * (levels[0] + levels[-1])
    errs = [
        wind_error_for(base, time=float(t), lat=float(a), lon=float(o), alt=mid, sigma=wind_sigma)
        for t, a, o in zip(ep.time, ep.lat, ep.lon, strict=True)
    ]
    # mean drift speed along the track (the Lagrangian decorrelation of the wind error)
    e, n = enu_offset(ep.lat[:-1], ep.lon[:-1], ep.lat[1:], ep.lon[1:])
    speed = float(np.sum(np.hypot(e, n)) / max(ep.time[-1] - ep.time[0], 1.0))
    alt_ok = np.isfinite(ep.alt)
    if alt_ok.any() and (
        np.any(ep.alt[alt_ok] < levels[0] - 2 * ep.alt_sigma[alt_ok])
        or np.any(ep.alt[alt_ok] > levels[-1] + 2 * ep.alt_sigma[alt_ok])
    ):
        warnings.append("a reported altitude lies outside the band")
    search = _Search(
        ep,
        _with_time_uncertainty(ep),
        kw,
        levels,
        errs,
        speed,
        q_switch=switch_probability,
        airspeed_sigma=airspeed_sigma,
        piece_s=piece_hours * 3600.0,
        max_pieces=max_pieces,
        max_hyps=max_hypotheses,
        dz=dz,
        seed=seed,
    )
    hc = search.run_constant()
    hm, log_zm = search.run(0)
    hp, log_zp = search.run(1)
    n_bound = len(search.pieces) - 1
    z_passive = float(logsumexp(hc.ll)) - math.log(levels.size)
    sw = hm.switches > 0
    wm = np.exp(hm.lw - logsumexp(hm.lw))
    f_sw = float(wm[sw].sum())
    if n_bound > 0 and f_sw > 0.0:
        # sum over schedules with a change of p(s) p(y|s), divided by their prior mass
        p_any = -math.expm1(n_bound * math.log1p(-switch_probability))
        z_changes = log_zm + math.log(f_sw) - math.log(p_any)
    else:
        z_changes = -math.inf
        if n_bound == 0:
            warnings.append("one piece only (two reports): altitude changes cannot be tested")
    z_prop = log_zp
    logz = np.array([z_passive, z_changes, z_prop])
    with np.errstate(divide="ignore"):
        post_log = np.log(pr) + logz
    post = np.exp(post_log - logsumexp(post_log))
    probs = {k: float(v) for k, v in zip(_KEYS, post, strict=True)}
    best = int(np.argmax(post))
    # best fits
    ib = int(np.argmax(hc.ll))
    passive_fit = _fit(search, hc.sched[ib].astype(np.int64), 0, paths)
    schedule_fit = None
    if sw.any():
        isw = np.flatnonzero(sw)
        js = int(isw[np.argmax(hm.ll[isw])])
        schedule_fit = _fit(search, hm.sched[js].astype(np.int64), 0, paths)
    # altitude posterior per piece, mixing the three explanations
    wc = post[0] * np.exp(hc.ll - logsumexp(hc.ll))
    ws = np.where(sw, wm, 0.0)
    ws = post[1] * ws / ws.sum() if ws.sum() > 0 else ws
    wp = post[2] * np.exp(hp.lw - logsumexp(hp.lw))
    altitude = []
    for j, pc in enumerate(search.pieces):
        mass = np.bincount(hc.sched[:, j], weights=wc, minlength=levels.size)
        mass = mass + np.bincount(hm.sched[:, j], weights=ws, minlength=levels.size)
        mass = mass + np.bincount(hp.sched[:, j], weights=wp, minlength=levels.size)
        mass = mass / mass.sum()
        lo90, hi90 = _quantiles(levels, mass, dz, (0.05, 0.95))
        altitude.append(
            {
                "start": pc.start,
                "end": pc.end,
                "mean_m": float(np.sum(mass * levels)),
                "lo90_m": lo90,
                "hi90_m": hi90,
            }
        )
    return MotionExplanation(
        verdict=VERDICTS[best],
        probability=float(post[best]),
        probabilities=probs,
        log_evidence={k: float(v) for k, v in zip(_KEYS, logz, strict=True)},
        passive=passive_fit,
        schedule=schedule_fit,
        altitude=tuple(altitude),
        prior=(float(pr[0]), float(pr[1]), float(pr[2])),
        band=(float(levels[0]), float(levels[-1])),
        levels=levels,
        n_reports=int(ep.time.size),
        wind_source=meta.source,
        wind_error=errs[0],
        airspeed_sigma=float(airspeed_sigma),
        hypotheses=int(hm.size + hp.size),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _quantiles(
    levels: FloatArray, mass: FloatArray, dz: float, qs: tuple[float, float]
) -> tuple[float, float]:
    """Quantiles of the altitude when each level's mass spreads uniformly over its cell
    (half a spacing either side, clipped to the band)."""
    if levels.size == 1:
        return float(levels[0]), float(levels[0])
    lo_edge = np.maximum(levels - dz / 2.0, levels[0])
    hi_edge = np.minimum(levels + dz / 2.0, levels[-1])
    cum = np.concatenate([[0.0], np.cumsum(mass)])
    out = []
    for q in qs:
        k = int(np.clip(np.searchsorted(cum, q, side="left") - 1, 0, levels.size - 1))
        frac = (q - cum[k]) / mass[k] if mass[k] > 0 else 0.5
        out.append(float(lo_edge[k] + np.clip(frac, 0.0, 1.0) * (hi_edge[k] - lo_edge[k])))
    return out[0], out[1]
