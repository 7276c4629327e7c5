"""Track types: the states of one tracked object and its altitude estimate.

These are the currency between tracking, prediction, assessment, I/O and the service, so they
live below all of them and import only numpy, `errors` and `timeutil`. The algorithms that make
them (filter, association, smoother) are in `stratowatch.track`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..timeutil import iso

__all__ = ["AltitudeEstimate", "SmootherData", "Track", "TrackEstimate"]

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
class Track:
    """One track's states (arrays of length n, time-ordered; SI units): filtered, or
    RTS-smoothed when ``smoothed`` (see `smooth_track`).

    Columns: time (epoch s), lat, lon (deg), alt (m), sigma_e, sigma_n, sigma_alt (m),
    ve, vn, vz (m/s, ground velocity), sigma_ve, sigma_vn (m/s), wind_u, wind_v (m/s, the
    model wind at the state), obs_index (row of the observation that updated it, -1 when
    coasting).
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

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def __repr__(self) -> str:
        return (
            f"Track({self.track_id}, {self.status}, n={len(self)}, "
            f"{iso(self.time[0])}..{iso(self.time[-1])}, alt={self.altitude.mean:.0f}"
            f"+-{self.altitude.sigma:.0f} m)"
        )

    def state_at(self, t: float) -> int:
        """Index of the last state at or before ``t`` (0 when ``t`` precedes the track)."""
        return max(int(np.searchsorted(self.time, t, side="right")) - 1, 0)

    @property
    def estimate(self) -> TrackEstimate:
        """``"smoothed"`` (every state uses all reports: hindsight only) or ``"filtered"``
        (each state uses the reports up to its time: usable for forecasts)."""
        return "smoothed" if self.smoothed else "filtered"

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
