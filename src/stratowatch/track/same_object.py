""" "Same object?" for a new report against existing tracks, and the track's drift as wind data.

`propagate` is the one place where a track's state is carried to another time: an ensemble
from the prediction engine (`stratowatch.predict.predict`, float profile) started from the
track's state (position sigma, altitude estimate, velocity sigma as wind error), forward or
backward in time. `same_object` compares a report with that predicted distribution:

    L_k = P_D N(x_report - mean_k; 0, C_k + R_report) [* N(alt; alt_k, s_k^2 + s_report^2)]
    p_k = L_k / (sum_j L_j + lambda),  p_new = lambda / (sum_j L_j + lambda)   [BarShalom2009]_

with C_k the ensemble's horizontal covariance, R_report the report's own covariance (radius
and time uncertainty times the ensemble's speed), and lambda the density of reports from other
objects (per m^2, times 1/40 km when altitude is used: any altitude 0-40 km equally likely).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import CalmWind, WindField
from ..timeutil import iso
from .filter import wind_uv
from .geometry import distance_m, enu_offset, offset_latlon
from .observations import Observations, make_observations
from .tracker import Track

__all__ = [
    "Ensemble",
    "propagate",
    "SameObjectVerdict",
    "same_object",
    "same_track",
    "WindSamples",
    "track_wind",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Ensemble:
    """Members' positions at one time: lat, lon (deg), alt (m), ground velocity ve, vn (m/s)."""

    time: float
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    ve: FloatArray
    vn: FloatArray


def propagate(
    track: Track,
    time: float,
    *,
    wind: str | WindField = "calm",
    members: int = 400,
    seed: int = 0,
) -> Ensemble:
    """An ensemble of ``track``'s position at ``time`` (epoch s), from its nearest state.

    The prediction engine (`stratowatch.predict.predict`, float profile, forward or backward)
    carries members drawn from the state: position spread = the state's position sigma, float
    altitude = the track's altitude estimate +- its sigma, wind error = the track's velocity
    sigma (how well its drift relative to the wind is known). Lead times under a minute use
    the state's Gaussian directly. Ground velocities are the wind at the members' ends.
    """
    from ..predict import predict  # the predictor sits above tracking's filter; import late

    field_ = open_wind(wind)
    k = track.state_at(time)
    if k + 1 < len(track) and abs(track.time[k + 1] - time) < abs(track.time[k] - time):
        k += 1
    lead = float(time) - float(track.time[k])
    a = track.altitude
    alt0 = float(a.mean) if math.isfinite(a.mean) else float(track.alt[k])
    alt_sig = float(a.sigma) if math.isfinite(a.sigma) else float(track.sigma_alt[k])
    pos_sig = float(max(track.sigma_e[k], track.sigma_n[k]))
    wind_sig = float(math.sqrt(0.5 * (track.sigma_ve[k] ** 2 + track.sigma_vn[k] ** 2)))
    if abs(lead) < 60.0:
        rng = np.random.default_rng(seed)
        lat, lon = offset_latlon(
            np.full(members, track.lat[k]),
            np.full(members, track.lon[k]),
            rng.normal(0.0, track.sigma_e[k], members),
            rng.normal(0.0, track.sigma_n[k], members),
        )
        alt = alt0 + rng.normal(0.0, max(alt_sig, 1.0), members)
    else:
        pred = predict(
            float(track.time[k]),
            float(track.lat[k]),
            float(track.lon[k]),
            alt0,
            profile="float",
            wind=field_,
            hours=abs(lead) / 3600.0,
            members=members,
            float_alt=alt0,
            wind_sigma=0.0 if isinstance(field_, CalmWind) else wind_sig,
            alt_sigma=alt_sig,
            pos_sigma_m=pos_sig,
            backward=lead < 0,
            seed=seed,
            output_step_s=max(abs(lead), 60.0),
        )
        lat, lon, alt = pred.end_lat, pred.end_lon, pred.end_alt
        ok = np.isfinite(lat) & np.isfinite(lon)
        lat, lon, alt = lat[ok], lon[ok], alt[ok]
        if isinstance(field_, CalmWind):
            # calm air moves nothing: carry the track's own velocity and its uncertainty
            rng = np.random.default_rng(seed)
            ve = track.ve[k] + rng.normal(0.0, track.sigma_ve[k], lat.size)
            vn = track.vn[k] + rng.normal(0.0, track.sigma_vn[k], lat.size)
            lat, lon = offset_latlon(lat, lon, ve * lead, vn * lead)
    tt = np.full(lat.size, float(time))
    u, v = wind_uv(field_, tt, lat, lon, alt)
    return Ensemble(float(time), lat, lon, alt, u, v)


@dataclass(frozen=True)
class SameObjectVerdict:
    """Probabilities that a report belongs to each track (``p_track``) or to a new object."""

    report_time: float
    report_lat: float
    report_lon: float
    track_ids: tuple[int, ...]
    p_track: tuple[float, ...]
    p_new: float
    distance_km: tuple[float, ...]
    sigma_km: tuple[float, ...]
    explanation: str

    def describe(self) -> dict[str, Any]:
        return {
            "time": iso(self.report_time),
            "lat": self.report_lat,
            "lon": self.report_lon,
            "tracks": [
                {"track_id": t, "p_same": p, "distance_km": round(d, 1), "sigma_km": round(s, 1)}
                for t, p, d, s in zip(
                    self.track_ids, self.p_track, self.distance_km, self.sigma_km, strict=True
                )
            ],
            "p_new": self.p_new,
            "explanation": self.explanation,
        }


def same_object(
    tracks: Track | list[Track] | tuple[Track, ...],
    report: Observations,
    index: int = 0,
    *,
    wind: str | WindField = "calm",
    members: int = 400,
    p_detect: float = 0.9,
    new_object_density: float = 4e-15,
    seed: int = 0,
    label: str = "report",
) -> SameObjectVerdict:
    """Is row ``index`` of ``report`` the same object as one of ``tracks``, or a new one?

    Each track's ensemble (`propagate`) at the report time gives the predicted distribution;
    see the module docstring for the probabilities. ``label`` names the report in the text.
    """
    tl = [tracks] if isinstance(tracks, Track) else list(tracks)
    field_ = open_wind(wind)
    t = float(report.time[index])
    rlat, rlon, ralt = float(report.lat[index]), float(report.lon[index]), float(report.alt[index])
    sig_h = float(report.sigma_h[index])
    sig_t = float(report.time_sigma[index])
    use_alt = math.isfinite(ralt)
    loglike = []
    dist = []
    sig = []
    for k, tr in enumerate(tl):
        ens = propagate(tr, t, wind=field_, members=members, seed=seed + k)
        e, n = enu_offset(rlat, rlon, ens.lat, ens.lon)
        m = np.array([e.mean(), n.mean()])
        C = np.cov(np.vstack([e, n])) + np.eye(2) * sig_h**2
        vel = np.array([ens.ve.mean(), ens.vn.mean()])
        C = C + sig_t**2 * np.outer(vel, vel)
        d2 = float(m @ np.linalg.solve(C, m))
        ll = math.log(p_detect) - 0.5 * (
            d2 + math.log(np.linalg.det(C)) + 2 * math.log(2 * math.pi)
        )
        if use_alt:
            va = float(np.var(ens.alt)) + float(report.sigma_alt[index]) ** 2
            ll += -0.5 * ((ralt - float(ens.alt.mean())) ** 2 / va + math.log(2 * math.pi * va))
        loglike.append(ll)
        dist.append(float(distance_m(rlat, rlon, ens.lat.mean(), ens.lon.mean())) / 1000.0)
        sig.append(math.sqrt(0.5 * (C[0, 0] + C[1, 1])) / 1000.0)
    lam = new_object_density / (40_000.0 if use_alt else 1.0)
    ll_all = np.array(loglike + [math.log(lam)])
    mx = float(ll_all.max())
    w = np.exp(ll_all - mx)
    p = w / w.sum()
    p_tracks = tuple(float(x) for x in p[:-1])
    p_new = float(p[-1])
    where = f"{iso(t)} at {rlat:.2f}, {rlon:.2f}"
    if tl:
        b = int(np.argmax(p_tracks))
        tid = tl[b].track_id
        detail = f"{dist[b]:.0f} km from track {tid}'s predicted position (spread {sig[b]:.0f} km)"
        if p_tracks[b] >= p_new:
            text = (
                f"{label} {where} is consistent with track {tid}: p = {p_tracks[b]:.3g}; {detail}"
            )
        else:
            text = (
                f"{label} {where} is a different object: p(same as track {tid}) = "
                f"{p_tracks[b]:.2g}, p(new object) = {p_new:.3g}; {detail}"
            )
    else:
        text = f"{label} {where}: no tracks to compare; a new object"
    return SameObjectVerdict(
        t, rlat, rlon, tuple(x.track_id for x in tl), p_tracks, p_new, tuple(dist), tuple(sig), text
    )


def same_track(
    tracks: Track | list[Track] | tuple[Track, ...],
    other: Track,
    *,
    wind: str | WindField = "calm",
    members: int = 400,
    p_detect: float = 0.9,
    new_object_density: float = 4e-15,
    seed: int = 0,
) -> SameObjectVerdict:
    """Is track ``other`` the same object as one of ``tracks`` (track-to-track)?

    ``other``'s first state (position with its sigmas, altitude estimate) is treated as a
    report and compared with each track's ensemble at that time (`same_object`).
    """
    tl = [tracks] if isinstance(tracks, Track) else list(tracks)
    tl = [t for t in tl if t is not other]
    a = other.altitude
    row = {
        "time": float(other.time[0]),
        "lat": float(other.lat[0]),
        "lon": float(other.lon[0]),
        "sigma_h": float(max(other.sigma_e[0], other.sigma_n[0], 1.0)),
        "kind": "fix",
        "source": f"track {other.track_id}",
    }
    if math.isfinite(a.mean) and math.isfinite(a.sigma):
        row["alt"] = float(a.mean)
        row["sigma_alt"] = float(max(a.sigma, 1.0))
    return same_object(
        tl,
        make_observations([row]),
        0,
        wind=wind,
        members=members,
        p_detect=p_detect,
        new_object_density=new_object_density,
        seed=seed,
        label=f"track {other.track_id} (first state)",
    )


@dataclass(frozen=True)
class WindSamples:
    """Wind measured by a track's own drift: at each updated state (after the second update)
    time (epoch s), lat, lon (deg), alt (m), u, v (m/s) and one-sigma (m/s)."""

    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    u: FloatArray
    v: FloatArray
    sigma: FloatArray

    def as_tuple(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """(alt, u, v, sigma), e.g. for `atmosphere.wind.profile_wind` or a bias correction."""
        return self.alt, self.u, self.v, self.sigma


def track_wind(track: Track, *, min_updates: int = 2) -> WindSamples:
    """The track's velocity as measurements of the wind at its altitude.

    A free balloon drifts with the horizontal wind (the premise of every balloon
    predictor, e.g. Tawhiri), so the filtered ground velocity is a wind
    measurement whose sigma is the filter's velocity sigma. States before the
    ``min_updates``-th update (velocity not yet observed) are left out.
    """
    upd = np.flatnonzero(track.obs_index >= 0)
    sel = upd[min_updates - 1 :] if upd.size >= min_updates else upd[:0]
    alt = track.alt[sel].copy()
    if track.altitude.hypotheses is not None:
        alt[:] = track.altitude.mean
    return WindSamples(
        track.time[sel].copy(),
        track.lat[sel].copy(),
        track.lon[sel].copy(),
        alt,
        track.ve[sel].copy(),
        track.vn[sel].copy(),
        np.sqrt(0.5 * (track.sigma_ve[sel] ** 2 + track.sigma_vn[sel] ** 2)),
    )
