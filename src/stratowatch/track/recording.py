"""Recording: the states of each update (and, for smoothing, of every altitude hypothesis)
and the smoother data of a finished track."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..core.track import SmootherData
from .state import _State

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Recording(_State):
    def record(self, rows: IntArray, tracks: IntArray, obs_index: IntArray) -> None:
        """Record the states of ``rows`` (one per track); when smoothing, also every other
        altitude-hypothesis row of float-altitude tracks (the smoother follows one row)."""
        seq = self.rec.add(self.batch, rows, tracks, obs_index)
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

    def smoother_data(
        self, seqs: IntArray, rts: FloatArray, map_pos: IntArray, by_uid: FloatArray
    ) -> SmootherData:
        """Smoother data of one track's records ``seqs``: the row of its final most probable
        state when every row was kept (``by_uid``: the rows sorted by uid, record), else its
        most probable row at each record."""
        sel = rts[map_pos[seqs]]
        if by_uid.shape[0] and seqs.size > 1:
            uid = rts[map_pos[seqs[-1]], 1]
            a, b = np.searchsorted(by_uid[:, 1], [uid - 0.5, uid + 0.5])
            chain = by_uid[a:b]
            if chain.shape[0] == seqs.size and np.array_equal(chain[:, 0], seqs):
                sel = chain
        m = sel.shape[0]
        return SmootherData(
            uid=sel[:, 1].astype(np.int64),
            mean=sel[:, 3:9].copy(),
            P=sel[:, 11:47].reshape(m, 6, 6).copy(),
            prior=sel[:, 47:53].copy(),
            prior_P=sel[:, 53:89].reshape(m, 6, 6).copy(),
            wind=sel[:, 9:11].copy(),
            vreset=sel[:, 89] > 0.5,
        )
