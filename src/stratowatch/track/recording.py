"""Recording: the states of each update with the altitude estimate known then (and, for
smoothing, of every altitude hypothesis), and the smoother records of a finished track."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..core.track import _normalised, _spacing_var
from .state import _State

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Recording(_State):
    def bank_weights(self, tracks: IntArray) -> tuple[FloatArray, FloatArray]:
        """Current posterior weights (n, K) of the altitude hypotheses of float-altitude
        ``tracks``, overall and from the horizontal drift alone (each track's K rows are
        contiguous from its first row)."""
        rows = self.track_first_row[tracks][:, None] + np.arange(self.hyp.size)[None, :]
        prior = self.row_logprior[rows]
        return (
            _normalised(self.batch.loglik[rows] + prior),
            _normalised(self.batch.loglik_h[rows] + prior),
        )

    def record(self, rows: IntArray, tracks: IntArray, obs_index: IntArray) -> None:
        """Record the states of ``rows`` (one per track) with each track's altitude estimate
        as known now (the hypothesis mixture for float-altitude tracks); when smoothing, also
        every other altitude-hypothesis row of float-altitude tracks (the smoother follows one
        row)."""
        alt = self.batch.alt[rows].copy()
        sigma_alt = np.sqrt(self.batch.P[rows, 2, 2])
        bank = self.track_bank[tracks]
        if bank.any():
            w, wd = self.bank_weights(tracks[bank])
            mean = w @ self.hyp
            var = np.sum(w * (self.hyp[None, :] - mean[:, None]) ** 2, axis=1)
            alt[bank] = mean
            sigma_alt[bank] = np.sqrt(var + _spacing_var(self.hyp))
        hits = np.array([self.hits[i] for i in tracks.tolist()], dtype=np.int64)
        seq = self.rec.add(self.batch, rows, tracks, obs_index, hits, alt, sigma_alt)
        if bank.any():
            self.rec.add_weights(seq[bank], w, wd)
        if not (self.cfg.smooth or self.cfg.record_hypotheses):
            return
        for r, tid, s in zip(rows.tolist(), tracks.tolist(), seq.tolist(), strict=True):
            if not self.track_bank[tid]:
                continue
            others = np.flatnonzero((self.row_track == tid) & (np.arange(self.row_track.size) != r))
            if others.size:
                self.rec.add_rts(
                    self.batch, others.astype(np.int64), np.full(others.size, s), False
                )


def _records_between(rts: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """The smoother records (rows of the recorder's table sorted by record number, the
    most-probable row first) of the record numbers whose rows in ``rts`` start at ``lo`` and
    end before ``hi`` (``np.searchsorted`` of the numbers -/+ 0.5 in its first column)."""
    counts = hi - lo
    idx = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    return rts[idx]
