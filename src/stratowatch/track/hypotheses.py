"""Altitude hypotheses: a track started without altitude carries one filter row per candidate
altitude; the most probable row represents it and the rows' likelihoods give its altitude
estimate (see `stratowatch.track.tracker`)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .filter import wind_uv
from .recording import _Recording
from .state import TENTATIVE

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Hypotheses(_Recording):
    def map_rows(self, tracks: IntArray) -> IntArray:
        """The most probable row (altitude hypothesis) of each track in ``tracks``."""
        if tracks.size == 0:
            return np.zeros(0, dtype=np.int64)
        if not self.track_bank[tracks].any():
            return self.track_first_row[tracks]
        live = np.isin(self.row_track, tracks)
        rows = np.flatnonzero(live)
        score = self.batch.loglik[rows] + self.row_logprior[rows]
        order = np.lexsort((-score, self.row_track[rows]))
        r_sorted = rows[order]
        tr_sorted = self.row_track[r_sorted]
        first = np.concatenate([[True], tr_sorted[1:] != tr_sorted[:-1]])
        best = dict(zip(tr_sorted[first].tolist(), r_sorted[first].tolist(), strict=True))
        return np.array([best[int(t)] for t in tracks], dtype=np.int64)

    def new_tracks(self, idx: IntArray) -> IntArray:
        """Start one tentative track per observation index (positional kinds), all at once."""
        o = self.obs
        cfg = self.cfg
        n = idx.size
        first = len(self.status)
        ids = np.arange(first, first + n, dtype=np.int64)
        self.status += [TENTATIVE] * n
        # one update: confirmed already when confirm_hits is 1 (`STATUSES`)
        self.confirmed_at += (
            o.time[idx] if cfg.confirm_hits <= 1 else np.full(n, math.nan)
        ).tolist()
        self.ended_at += [math.nan] * n
        self.hits += [1] * n
        self.misses += [0] * n
        self.last_update += o.time[idx].tolist()
        self.sources += [{s} for s in o.source[idx].tolist()]
        self.track_src += [[c] for c in self.src_code[idx].tolist()]
        self.track_src1 = np.concatenate([self.track_src1, self.src_code[idx]])
        self.track_multi = np.concatenate([self.track_multi, np.zeros(idx.size, dtype=bool)])
        known = np.isfinite(o.alt[idx])
        hyp = np.asarray(cfg.alt_hypotheses, dtype=np.float64)
        K = hyp.size
        # rows: one per track with a measured altitude; one per hypothesis otherwise
        reps = np.where(known, 1, K)
        obs_of_row = np.repeat(idx, reps)
        tid_of_row = np.repeat(ids, reps)
        bank = np.repeat(~known, reps)
        m = obs_of_row.size
        hyp_index = np.arange(m) - np.repeat(np.cumsum(reps) - reps, reps)
        alts = np.where(bank, hyp[np.minimum(hyp_index, K - 1)], o.alt[obs_of_row])
        sa = np.where(np.isfinite(o.sigma_alt[obs_of_row]), o.sigma_alt[obs_of_row], 1000.0)
        # hypothesis rows hold their altitude: reports score them, never move them
        sig_alt = np.where(bank, 1.0, sa)
        vz_sig = np.where(bank, 0.0, cfg.init_vz_sigma)
        qz = np.where(bank, 0.0, np.nan)
        logprior = np.where(bank, -math.log(K), 0.0)
        sig_h2 = (
            o.sigma_h[obs_of_row] ** 2 + (o.time_sigma[obs_of_row] * cfg.init_velocity_sigma) ** 2
        )
        P = np.zeros((m, 6, 6))
        P[:, 0, 0] = sig_h2
        P[:, 1, 1] = sig_h2
        P[:, 2, 2] = sig_alt**2
        P[:, 3, 3] = cfg.init_velocity_sigma**2
        P[:, 4, 4] = cfg.init_velocity_sigma**2
        P[:, 5, 5] = vz_sig**2
        t = o.time[obs_of_row]
        rows = self.batch.add(t, o.lat[obs_of_row], o.lon[obs_of_row], alts, P, qz=qz)
        # the wind at the start, so the first recorded velocity is meaningful
        u, v = wind_uv(self.wind, t, self.batch.lat[rows], self.batch.lon[rows], alts)
        self.batch.wind[rows, 0] = u
        self.batch.wind[rows, 1] = v
        self.row_track = np.concatenate([self.row_track, tid_of_row])
        self.row_logprior = np.concatenate([self.row_logprior, logprior])
        self.row_bank = np.concatenate([self.row_bank, bank])
        first_row = rows[np.cumsum(reps) - reps]
        self.track_first_row = np.concatenate([self.track_first_row, first_row])
        self.track_bank = np.concatenate([self.track_bank, ~known])
        self.record(first_row, ids, idx)
        return ids

    def _start_from_point(
        self, i: int, lat: float, lon: float, alt: float, sig_h: float, sig_alt: float
    ) -> int:
        o = self.obs
        saved = (o.lat[i], o.lon[i], o.alt[i], o.sigma_h[i], o.sigma_alt[i])
        o.lat[i], o.lon[i], o.alt[i], o.sigma_h[i], o.sigma_alt[i] = lat, lon, alt, sig_h, sig_alt
        try:
            tid = int(self.new_tracks(np.array([i], dtype=np.int64))[0])
        finally:
            o.lat[i], o.lon[i], o.alt[i], o.sigma_h[i], o.sigma_alt[i] = saved
        return tid
