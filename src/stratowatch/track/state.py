"""The tracker's working state: one filter row per track (or per altitude hypothesis), the
per-track bookkeeping and the recorded states (`_Recorder`)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import chdtri

from ..atmosphere.wind import WindField
from ..core.observations import Observations
from .config import TrackerConfig
from .decision import Decision
from .filter import FilterBatch

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TENTATIVE, CONFIRMED, ENDED = 0, 1, 2


class _Recorder:
    """Collects state rows scan by scan (arrays), split into tracks at the end."""

    def __init__(self) -> None:
        self.chunks: list[FloatArray] = []
        self.rts_chunks: list[FloatArray] = []
        self.weight_chunks: list[FloatArray] = []
        self.n = 0

    def add_rts(self, batch: FilterBatch, rows: IntArray, seq: IntArray, is_map: bool) -> None:
        """Smoother data of ``rows`` for record numbers ``seq``: [seq, uid, is_map, mean(6),
        wind(2), P(36), prior(6), prior_P(36), vreset] (90 columns)."""
        m = rows.size
        self.rts_chunks.append(
            np.column_stack(
                [
                    seq.astype(np.float64),
                    batch.uid[rows].astype(np.float64),
                    np.full(m, float(is_map)),
                    batch.mean(rows),
                    batch.wind[rows],
                    batch.P[rows].reshape(m, 36),
                    batch.prior[rows],
                    batch.prior_P[rows].reshape(m, 36),
                    batch.vreset[rows].astype(np.float64),
                ]
            )
        )

    def rts_table(self) -> FloatArray:
        if not self.rts_chunks:
            return np.zeros((0, 90))
        return np.concatenate(self.rts_chunks)

    def add(
        self,
        batch: FilterBatch,
        rows: IntArray,
        track_ids: IntArray,
        obs_index: IntArray,
        hits: IntArray,
        alt: FloatArray,
        sigma_alt: FloatArray,
    ) -> IntArray:
        """Record the states of ``rows`` (with the tracks' update counts and altitude
        estimates); returns their record numbers."""
        if rows.size == 0:
            return np.zeros(0, dtype=np.int64)
        seq = np.arange(self.n, self.n + rows.size, dtype=np.int64)
        self.n += rows.size
        self.add_rts(batch, rows, seq, True)
        P = batch.P[rows]
        vel = batch.velocity(rows)
        self.chunks.append(
            np.column_stack(
                [
                    track_ids.astype(np.float64),
                    batch.t[rows],
                    batch.lat[rows],
                    batch.lon[rows],
                    alt,
                    np.sqrt(P[:, 0, 0]),
                    np.sqrt(P[:, 1, 1]),
                    sigma_alt,
                    vel,
                    np.sqrt(P[:, 3, 3]),
                    np.sqrt(P[:, 4, 4]),
                    batch.wind[rows],
                    obs_index.astype(np.float64),
                    seq.astype(np.float64),
                    hits.astype(np.float64),
                ]
            )
        )
        return seq

    def add_weights(self, seq: IntArray, w: FloatArray, wd: FloatArray) -> None:
        """Altitude-hypothesis weights (overall, drift alone) after the states ``seq``."""
        if seq.size:
            self.weight_chunks.append(np.column_stack([seq.astype(np.float64), w, wd]))

    def weight_table(self, k: int) -> FloatArray:
        if not self.weight_chunks:
            return np.zeros((0, 1 + 2 * k))
        out = np.concatenate(self.weight_chunks)
        return out[np.argsort(out[:, 0], kind="stable")]

    def table(self) -> FloatArray:
        if not self.chunks:
            return np.zeros((0, 18))
        return np.concatenate(self.chunks)

    def __deepcopy__(self, memo: dict[int, Any]) -> _Recorder:
        # the chunks are never changed once appended: a copy (a live tracker's checkpoint)
        # shares them and gets lists of its own to append to (copying every recorded state
        # at every checkpoint made the live tracker's cost grow with its history)
        new = _Recorder()
        new.chunks = list(self.chunks)
        new.rts_chunks = list(self.rts_chunks)
        new.weight_chunks = list(self.weight_chunks)
        new.n = self.n
        return new


class _State:
    """Arrays and lists shared by association, hypotheses and recording.

    A deep copy (`track.live`'s checkpoints) copies the working state but shares what is
    only ever added to or replaced, never changed: the observations (a new batch replaces
    them with a longer copy), the wind, the configuration, the decisions (frozen records in
    a list of the copy's own) and the recorded states (`_Recorder.__deepcopy__`)."""

    _SHARED = ("obs", "wind", "cfg")

    def __init__(self, obs: Observations, wind: WindField, cfg: TrackerConfig) -> None:
        self.obs = obs
        self.wind = wind
        self.cfg = cfg
        self.batch = FilterBatch()
        self.row_track = np.zeros(0, dtype=np.int64)
        self.row_logprior = np.zeros(0)
        self.row_bank = np.zeros(0, dtype=bool)
        # per track
        self.status: list[int] = []
        self.hits: list[int] = []
        self.misses: list[int] = []
        self.last_update: list[float] = []
        self.sources: list[set[str]] = []
        # transmitters (as codes) feeding each track, first one first
        self.src_code = np.unique(obs.source, return_inverse=True)[1].astype(np.int64)
        self.track_src: list[list[int]] = []
        self.track_src1 = np.zeros(0, dtype=np.int64)
        self.track_multi = np.zeros(0, dtype=bool)
        self.track_first_row = np.zeros(0, dtype=np.int64)
        self.track_bank = np.zeros(0, dtype=bool)
        # when each track was confirmed / ended (NaN: not yet), for `Track.as_of`
        self.confirmed_at: list[float] = []
        self.ended_at: list[float] = []
        self.hyp = np.asarray(cfg.alt_hypotheses, dtype=np.float64)
        self.rec = _Recorder()
        self.decisions: list[Decision] = []
        # chi-square quantiles of the gate (what scipy.stats.chi2.ppf computes, without
        # importing scipy.stats: 0.4 s of every `track` command's start)
        self.gate2 = float(chdtri(2, 1.0 - cfg.gate_probability))
        self.gate3 = float(chdtri(3, 1.0 - cfg.gate_probability))

    def __deepcopy__(self, memo: dict[int, Any]) -> _State:
        cls = self.__class__
        new = cls.__new__(cls)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            if key in self._SHARED:
                new.__dict__[key] = value
            elif key == "decisions":
                new.__dict__[key] = list(value)
            else:
                new.__dict__[key] = copy.deepcopy(value, memo)
        return new

    # --- tracks ------------------------------------------------------------------------------
    def live_tracks(self) -> IntArray:
        st = np.asarray(self.status, dtype=np.int64)
        return np.flatnonzero(st != ENDED).astype(np.int64)
