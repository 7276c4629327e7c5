"""The search behind `explain_motion`: wind flows between epochs at each altitude level and the
Kalman-filtered hypotheses (level schedules) expanded piece by piece with pruning."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp

from ..flight.windargs import KernelWind
from ..predict.reach_levels import WindError, level_endpoints
from .geometry import advance, enu_offset, offset_latlon
from .motion_inputs import (
    _CAP,
    _LOG2PI,
    _Epochs,
)
from .motion_inputs import (
    CHANGES as CHANGES,
)
from .motion_inputs import (
    PASSIVE as PASSIVE,
)
from .motion_inputs import (
    PROPULSION as PROPULSION,
)
from .motion_inputs import (
    VERDICTS as VERDICTS,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
        return np.asarray(-0.5 * (d * d / var + math.log(2 * math.pi * var)), dtype=np.float64)

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
        nlat, nlon = advance(nlat, nlon, b * ue, b * un)
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
