"""Fixed-interval (Rauch-Tung-Striebel) smoothing of a track's recorded states.

The tracker's states are filtered: each uses only the reports up to its time. The smoother
runs backwards over a finished track so that every state uses all of them [BarShalom2001]_
(sect. 8.6)::

    C_k   = P_k F_k' P_{k+1|k}^-1
    x_k^s = x_k + C_k (x_{k+1}^s - x_{k+1|k})
    P_k^s = P_k + C_k (P_{k+1}^s - P_{k+1|k}) C_k'

with the filter's own quantities, kept per recorded state: the filtered mean and covariance,
and the prior (predicted mean and covariance at the next state's time, before its update). The
transition is the filter's F = [[I, dt I], [0, I]] over the error state [e, n, u, d_e, d_n, vz]
(the velocity is relative to the wind). As in the filter, errors live in a local east-north-up
frame at each mean: x_{k+1}^s - x_{k+1|k} is taken in the frame of the prior mean
(`enu_offset`) and the correction is applied at the filtered mean (`offset_latlon`).

A float-altitude track (started without altitude) carries one filter row per candidate
altitude; it is smoothed along the row of its final most probable altitude when the tracker
kept every row (``smooth=True``), otherwise along its most probable rows, restarting where that
row changes. Its smoothed altitude is the hypothesis-mixture estimate from all the track's
reports (``track.altitude``) at every state, where the filtered states carry the estimate as
known at each state.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from ..atmosphere.wind import CalmWind, WindField
from ..core.track import SmootherData, Track
from .filter import wind_uv
from .geometry import enu_offset, offset_latlon

__all__ = ["SmootherData", "smooth_track"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _gain(P: FloatArray, Ppred: FloatArray, dt: float) -> FloatArray:
    """C = P F' Ppred^-1 over the components with a variance (held ones have none)."""
    F = np.eye(6)
    F[0, 3] = F[1, 4] = F[2, 5] = dt
    PFt = P @ F.T
    act = np.flatnonzero(np.diag(Ppred) > 1e-9)
    C = np.zeros((6, 6))
    if act.size:
        sub = Ppred[np.ix_(act, act)]
        C[:, act] = np.linalg.solve(sub.T, PFt[:, act].T).T
    return C


def smooth_track(track: Track, wind: WindField | None = None) -> Track:
    """The RTS-smoothed version of ``track`` (same columns; the last state is unchanged).

    ``wind``: re-read the model wind at the smoothed positions for the ground velocity
    (default: keep the wind at the filtered positions). A track without smoother data
    (built by hand) or already smoothed is returned as is.
    """
    data = track.rts
    n = len(track)
    if data is None or track.smoothed or n < 2:
        return track
    xs = data.mean.copy()
    Ps = data.P.copy()
    t = track.time
    for k in range(n - 2, -1, -1):
        if data.uid[k] != data.uid[k + 1] or not np.all(np.isfinite(data.prior[k + 1])):
            continue  # another filter row (or a new start): the chain restarts here
        dt = float(t[k + 1] - t[k])
        if dt <= 0.0 and np.array_equal(data.mean[k], data.mean[k + 1]):
            xs[k], Ps[k] = xs[k + 1], Ps[k + 1]  # the same state recorded twice
            continue
        Ppred = data.prior_P[k + 1]
        C = _gain(data.P[k], Ppred, dt)
        if data.vreset[k + 1]:
            C[[2, 5], :] = 0.0
            C[:, [2, 5]] = 0.0
        pr = data.prior[k + 1]
        e, nn = enu_offset(pr[0], pr[1], xs[k + 1, 0], xs[k + 1, 1])
        diff = np.array(
            [
                float(e),
                float(nn),
                xs[k + 1, 2] - pr[2],
                xs[k + 1, 3] - pr[3],
                xs[k + 1, 4] - pr[4],
                xs[k + 1, 5] - pr[5],
            ]
        )
        dx = C @ diff
        la, lo = offset_latlon(data.mean[k, 0], data.mean[k, 1], dx[0], dx[1])
        xs[k, 0], xs[k, 1] = float(la), float(lo)
        xs[k, 2:] = data.mean[k, 2:] + dx[2:]
        Pk = data.P[k] + C @ (Ps[k + 1] - Ppred) @ C.T
        Ps[k] = 0.5 * (Pk + Pk.T)
    var = np.maximum(np.diagonal(Ps, axis1=1, axis2=2), 0.0)
    wu, wv = data.wind[:, 0].copy(), data.wind[:, 1].copy()
    if wind is not None and not isinstance(wind, CalmWind):
        e, nn = enu_offset(data.mean[:, 0], data.mean[:, 1], xs[:, 0], xs[:, 1])
        moved = np.flatnonzero(np.hypot(e, nn) > 1.0)  # states the smoother left keep theirs
        if moved.size:
            u2, v2 = wind_uv(wind, t[moved], xs[moved, 0], xs[moved, 1], xs[moved, 2])
            wu[moved], wv[moved] = u2, v2
    float_alt = track.altitude.hypotheses is not None
    return dataclasses.replace(
        track,
        lat=xs[:, 0],
        lon=xs[:, 1],
        alt=np.full(n, track.altitude.mean) if float_alt else xs[:, 2],
        sigma_e=np.sqrt(var[:, 0]),
        sigma_n=np.sqrt(var[:, 1]),
        sigma_alt=np.full(n, track.altitude.sigma) if float_alt else np.sqrt(var[:, 2]),
        ve=wu + xs[:, 3],
        vn=wv + xs[:, 4],
        vz=xs[:, 5],
        sigma_ve=np.sqrt(var[:, 3]),
        sigma_vn=np.sqrt(var[:, 4]),
        wind_u=wu,
        wind_v=wv,
        smoothed=True,
    )
