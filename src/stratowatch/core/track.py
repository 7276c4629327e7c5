"""Track types: the states of one tracked object and its altitude estimate.

These are the currency between tracking, prediction, assessment, I/O and the service, so they
live below all of them and import only numpy, `errors` and `timeutil`. The algorithms that make
them (filter, association, smoother) are in `stratowatch.track`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import DomainError
from ..timeutil import iso, to_epoch

__all__ = ["AltitudeEstimate", "SmootherData", "Track", "TrackEstimate", "TrackHistory"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: whether a track's states are filtered (causal) or RTS-smoothed (hindsight)
TrackEstimate = Literal["filtered", "smoothed"]


@dataclass(frozen=True, eq=False)
class SmootherData:
    """What the backward pass needs per recorded state (arrays of length n).

    uid : filter row the state comes from (a chain is a run of one row).
    mean : filtered [lat, lon, alt, d_e, d_n, vz] (deg, m, m/s; d relative to the wind).
    P : filtered covariance (n, 6, 6) over [e, n, u, d_e, d_n, vz] at ``mean``.
    prior, prior_P : the same before the state's update (NaN for a track's first state).
    wind : model wind (u, v) at the state, m/s.
    vreset : the update restarted the vertical state (burst, cut-down).
    """

    uid: IntArray
    mean: FloatArray
    P: FloatArray
    prior: FloatArray
    prior_P: FloatArray
    wind: FloatArray
    vreset: npt.NDArray[np.bool_]


def _spacing_var(hyp: FloatArray) -> float:
    """Variance of a uniform spread over one hypothesis-grid spacing (m^2)."""
    return float(np.median(np.diff(hyp)) ** 2 / 12.0) if hyp.size > 1 else 0.0


def _mixture(hyp: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Mean and standard deviation (m) of the altitude mixture with weights ``w``."""
    mean = float(np.sum(w * hyp))
    var = float(np.sum(w * (hyp - mean) ** 2)) + _spacing_var(hyp)
    return mean, math.sqrt(var)


def _normalised(score: FloatArray) -> FloatArray:
    """Posterior weights exp(score) normalised along the last axis."""
    w: FloatArray = np.exp(score - score.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return w


def _altitude_method(hits: int, reported_alt: bool) -> str:
    if hits < 2:
        return "prior only (one report)"
    return "wind drift + reported altitudes" if reported_alt else "wind drift"


def _smoother_data(seqs: IntArray, recs: FloatArray) -> SmootherData:
    """Smoother data of one track's records ``seqs``: the chain of the row most probable at the
    last record when every row was kept (``recs`` holds the track's records, sorted by record
    number, the most-probable row first: the tracker's recorder table), else its most probable
    row at each record."""
    sel = recs[recs[:, 2] > 0.5]
    if recs.shape[0] > sel.shape[0] and seqs.size > 1:
        uid = sel[-1, 1]
        chain = recs[recs[:, 1] == uid]
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


@dataclass(frozen=True)
class AltitudeEstimate:
    """Altitude of a track: mean and one-sigma (m), how it was obtained, and for tracks
    started without altitude the hypothesis weights, overall and from the drift alone."""

    mean: float
    sigma: float
    method: str
    hypotheses: FloatArray | None = None
    weights: FloatArray | None = None
    drift_mean: float | None = None
    drift_sigma: float | None = None
    drift_weights: FloatArray | None = None

    @staticmethod
    def from_weights(
        hypotheses: FloatArray, weights: FloatArray, drift_weights: FloatArray, method: str
    ) -> AltitudeEstimate:
        """The estimate of a hypothesis bank from its normalised posterior weights (overall and
        from the horizontal drift alone): the mixture mean and standard deviation, each
        hypothesis spread uniformly over one grid spacing (variance spacing^2 / 12)."""
        mean, sd = _mixture(hypotheses, weights)
        md, sdd = _mixture(hypotheses, drift_weights)
        return AltitudeEstimate(
            mean, sd, method, hypotheses, weights.copy(), md, sdd, drift_weights.copy()
        )

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mean_m": round(self.mean, 1),
            "sigma_m": round(self.sigma, 1),
            "method": self.method,
        }
        if self.drift_mean is not None and self.drift_sigma is not None:
            out["from_drift_alone_m"] = round(self.drift_mean, 1)
            out["from_drift_alone_sigma_m"] = round(self.drift_sigma, 1)
        return out


@dataclass(frozen=True, eq=False)
class TrackHistory:
    """What the filter knew at each recorded state of a track, so that `Track.as_of` can cut
    the track at any time exactly as a run without the later reports would have left it.

    seq : (n,) the tracker's record number of each state.
    hits : (n,) the track's update count after each state.
    source, kind : (n,) source and kind of the report that updated each state (not used when
        coasting).
    reported_alt : (n,) whether a reported altitude had been used up to each state.
    alt_weights, drift_weights : (n, K) posterior weights of the altitude hypotheses after
        each state (overall, and from the horizontal drift alone); None for a track started
        with a measured altitude.
    records : smoother records of every altitude-hypothesis row of the track (kept with
        ``record_hypotheses``), so a cut track is smoothed along the row most probable at
        the cut; None otherwise.
    confirmed_time, ended_time : when the track was confirmed / ended (NaN: not yet).
    """

    seq: IntArray
    hits: IntArray
    source: tuple[str, ...]
    kind: tuple[str, ...]
    reported_alt: npt.NDArray[np.bool_]
    alt_weights: FloatArray | None
    drift_weights: FloatArray | None
    records: FloatArray | None
    confirmed_time: float
    ended_time: float

    def status_at(self, t: float) -> str:
        """The track's status (`STATUSES`) after the last scan at or before ``t``."""
        if self.confirmed_time <= t:
            return "confirmed"
        return "deleted" if self.ended_time <= t else "tentative"


@dataclass(frozen=True, eq=False)
class Track:
    """One track's states (arrays of length n, time-ordered; SI units): filtered (each state
    from the reports up to its time: ``kind == "filtered"``), or RTS-smoothed (each state from
    all the track's reports, hindsight: ``kind == "smoothed"``, see `smooth_track`).

    Columns: time (epoch s), lat, lon (deg), alt (m), sigma_e, sigma_n, sigma_alt (m),
    ve, vn, vz (m/s, ground velocity), sigma_ve, sigma_vn (m/s), wind_u, wind_v (m/s, the
    model wind at the state), obs_index (row of the observation that updated it, -1 when
    coasting). For a float-altitude track (started without altitude) ``alt``/``sigma_alt``
    are the hypothesis-mixture estimate: as known at each state when filtered, from all
    reports when smoothed. ``altitude`` is the estimate after the last state.
    """

    track_id: int
    status: str
    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    sigma_e: FloatArray
    sigma_n: FloatArray
    sigma_alt: FloatArray
    ve: FloatArray
    vn: FloatArray
    vz: FloatArray
    sigma_ve: FloatArray
    sigma_vn: FloatArray
    wind_u: FloatArray
    wind_v: FloatArray
    obs_index: IntArray
    sources: tuple[str, ...]
    n_updates: int
    altitude: AltitudeEstimate
    smoothed: bool = False
    rts: SmootherData | None = field(default=None, repr=False)
    ended: bool = False
    kinds: tuple[str, ...] = ()
    history: TrackHistory | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @property
    def kind(self) -> TrackEstimate:
        """``filtered`` (causal: each state from the reports up to its time) or ``smoothed``
        (hindsight: each state from all the track's reports)."""
        return "smoothed" if self.smoothed else "filtered"

    def as_of(self, t: float | str) -> Track:
        """This track as it stood at time ``t``: the filtered states at or before ``t``, the
        altitude estimate, update count, sources and status after the last of them.

        Identical to the track a run without the reports after ``t`` produces (the tracker is
        sequential; `tests/track/test_as_of.py`), so a forecast from it cannot see later
        reports. Raises `DomainError` for a smoothed track (its states use later reports:
        cut the filtered track, then smooth it), a track without history (built by hand) or
        ``t`` before the track's first state.
        """
        when = to_epoch(t)
        if self.smoothed:
            raise DomainError(
                f"track {self.track_id} is smoothed: every state uses all its reports; take "
                "as_of of the filtered track (then smooth the result if wanted)"
            )
        h = self.history
        if h is None:
            raise DomainError(
                f"track {self.track_id} has no filter history (built by hand); as_of needs a "
                "track from track_observations"
            )
        k = int(np.searchsorted(self.time, when, side="right"))
        if k == 0:
            raise DomainError(
                f"track {self.track_id} starts at {iso(self.time[0])}, after {iso(when)}"
            )
        if k == len(self) and h.status_at(when) == self.status:
            return self
        cut = slice(0, k)
        hits = int(h.hits[k - 1])
        if h.alt_weights is not None and h.drift_weights is not None:
            assert self.altitude.hypotheses is not None
            altitude = AltitudeEstimate.from_weights(
                self.altitude.hypotheses,
                h.alt_weights[k - 1],
                h.drift_weights[k - 1],
                _altitude_method(hits, bool(h.reported_alt[k - 1])),
            )
        else:
            altitude = AltitudeEstimate(
                float(self.alt[k - 1]), float(self.sigma_alt[k - 1]), "measured"
            )
        rts = self.rts
        if rts is not None:
            if h.records is not None:
                recs = h.records[h.records[:, 0] <= h.seq[k - 1] + 0.5]
                rts = _smoother_data(h.seq[cut], recs)
            else:
                rts = SmootherData(
                    uid=rts.uid[cut],
                    mean=rts.mean[cut],
                    P=rts.P[cut],
                    prior=rts.prior[cut],
                    prior_P=rts.prior_P[cut],
                    wind=rts.wind[cut],
                    vreset=rts.vreset[cut],
                )
        history = TrackHistory(
            seq=h.seq[cut],
            hits=h.hits[cut],
            source=h.source[:k],
            kind=h.kind[:k],
            reported_alt=h.reported_alt[cut],
            alt_weights=None if h.alt_weights is None else h.alt_weights[cut],
            drift_weights=None if h.drift_weights is None else h.drift_weights[cut],
            records=None if h.records is None else h.records[h.records[:, 0] <= h.seq[k - 1] + 0.5],
            confirmed_time=h.confirmed_time if h.confirmed_time <= when else math.nan,
            ended_time=h.ended_time if h.ended_time <= when else math.nan,
        )
        cols = {
            name: getattr(self, name)[cut].copy()
            for name in (
                "time", "lat", "lon", "alt", "sigma_e", "sigma_n", "sigma_alt", "ve", "vn",
                "vz", "sigma_ve", "sigma_vn", "wind_u", "wind_v", "obs_index",
            )
        }  # fmt: skip
        return dataclasses.replace(
            self,
            **cols,
            status=h.status_at(when),
            sources=tuple(sorted({h.source[i] for i in np.flatnonzero(cols["obs_index"] >= 0)})),
            ended=bool(h.ended_time <= when),
            kinds=tuple(sorted({h.kind[i] for i in np.flatnonzero(cols["obs_index"] >= 0)})),
            n_updates=hits,
            altitude=altitude,
            rts=rts,
            history=history,
        )

    def __repr__(self) -> str:
        return (
            f"Track({self.track_id}, {self.status}, n={len(self)}, "
            f"{iso(self.time[0])}..{iso(self.time[-1])}, alt={self.altitude.mean:.0f}"
            f"+-{self.altitude.sigma:.0f} m)"
        )

    def state_at(self, t: float) -> int:
        """Index of the last state at or before ``t`` (0 when ``t`` precedes the track)."""
        return max(int(np.searchsorted(self.time, t, side="right")) - 1, 0)

    def describe(self) -> dict[str, Any]:
        return {
            "track_id": self.track_id,
            "status": self.status,
            "ended": self.ended,
            "smoothed": self.smoothed,
            "start": iso(self.time[0]),
            "end": iso(self.time[-1]),
            "n_states": len(self),
            "n_updates": self.n_updates,
            "sources": list(self.sources),
            "first": [round(float(self.lat[0]), 4), round(float(self.lon[0]), 4)],
            "last": [round(float(self.lat[-1]), 4), round(float(self.lon[-1]), 4)],
            "altitude": self.altitude.describe(),
        }
