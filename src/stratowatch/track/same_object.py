""" "Same object?" for a new report against existing tracks, and the track's drift as wind data.

`propagate` is the one place where a track's state is carried to another time: an ensemble
from the prediction engine (`stratowatch.predict.predict`, float profile) started from the
track's state (position sigma, altitude estimate, velocity sigma as wind error), forward or
backward in time. `same_object` compares a report with that predicted distribution with the
heavy-tailed likelihood and the stated prior of `stratowatch.track.likelihood`:

    L_k = (1 - eps) t_6(x_report - mean_k; C_k + R_report) [* t_6(alt)] + eps h(r) [/ 40 km]
    p_k = (1 - pi)/K L_k / (sum_j (1 - pi)/K L_j + pi / A [/ 40 km])          [BarShalom2009]_

with C_k the ensemble's horizontal covariance, R_report the report's own covariance (radius
and time uncertainty times the ensemble's speed), eps the measured misreport rate of the
report's kind, h the misreport displacement law, pi = 0.5 the prior of a new object and A the
Earth's surface. Probabilities are printed no smaller than 1e-6 ("< 1e-6").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import CalmWind, WindField
from ..errors import ConfigError
from ..timeutil import iso
from .filter import wind_uv
from .geometry import distance_m, enu_offset, offset_latlon
from .likelihood import (
    ALT_RANGE,
    EARTH_AREA,
    MISREPORT,
    PRIOR_NEW,
    MisreportModel,
    clip_probability,
    format_probability,
    probability_relation,
    report_loglik,
)
from .observations import Observations, make_observations
from .tracker import Track

__all__ = [
    "Ensemble",
    "propagate",
    "SameObjectVerdict",
    "same_object",
    "same_track",
    "explain_same_object",
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
    """Probabilities that a report belongs to each track (``p_track``) or to a new object,
    with the prior and likelihoods behind them.

    ``bayes_factor``: L_k / L_new per track (how much more likely the report is if it is track
    k than if it is a new object; posterior odds = prior odds x this); ``nsigma``: the
    Mahalanobis distance to each track's prediction; ``prior_new``: the prior probability of a
    new object; ``misreport_rate``: eps used for the report's kind.
    """

    report_time: float
    report_lat: float
    report_lon: float
    track_ids: tuple[int, ...]
    p_track: tuple[float, ...]
    p_new: float
    distance_km: tuple[float, ...]
    sigma_km: tuple[float, ...]
    explanation: str
    nsigma: tuple[float, ...] = ()
    bayes_factor: tuple[float, ...] = ()
    prior_new: float = PRIOR_NEW
    misreport_rate: float = math.nan

    @property
    def verdict(self) -> str:
        """``same`` (a track has p >= 0.5), ``new`` (p_new >= 0.5) or ``ambiguous``."""
        return _verdict(self.p_track, self.p_new)

    def describe(self) -> dict[str, Any]:
        return {
            "time": iso(self.report_time),
            "lat": self.report_lat,
            "lon": self.report_lon,
            "verdict": self.verdict,
            "tracks": [
                {
                    "track_id": t,
                    "p_same": clip_probability(p),
                    "p_same_text": format_probability(p),
                    "distance_km": round(d, 1),
                    "sigma_km": round(s, 1),
                    "nsigma": round(n, 2) if math.isfinite(n) else None,
                    "bayes_factor": float(f"{b:.3g}"),
                }
                for t, p, d, s, n, b in zip(
                    self.track_ids,
                    self.p_track,
                    self.distance_km,
                    self.sigma_km,
                    self.nsigma or (math.nan,) * len(self.track_ids),
                    self.bayes_factor or (math.nan,) * len(self.track_ids),
                    strict=True,
                )
            ],
            "p_new": clip_probability(self.p_new),
            "p_new_text": format_probability(self.p_new),
            "prior_new": self.prior_new,
            "misreport_rate": round(self.misreport_rate, 6),
            "explanation": self.explanation,
        }


def _verdict(p_track: tuple[float, ...] | list[float], p_new: float) -> str:
    if p_track and max(p_track) >= 0.5:
        return "same"
    if p_new >= 0.5:
        return "new"
    return "ambiguous"


def explain_same_object(
    label: str,
    where: str,
    track_ids: tuple[int, ...],
    p_track: tuple[float, ...],
    p_new: float,
    distance_km: tuple[float, ...],
    sigma_km: tuple[float, ...],
) -> str:
    """The plain-language verdict; its words follow the numbers: "is track k" / "is probably
    track k" only when p(track k) >= 0.95 / 0.5, "is a different object" / "is probably a
    different object" only when p(new) >= 0.95 / 0.5, otherwise "cannot tell"."""
    if not track_ids:
        return f"{label} {where}: no tracks to compare; a new object"
    b = int(np.argmax(p_track))
    tid = track_ids[b]
    pb, pn = probability_relation(p_track[b]), probability_relation(p_new)
    detail = (
        f"{distance_km[b]:.0f} km from track {tid}'s predicted position "
        f"(spread {sigma_km[b]:.0f} km)"
    )
    odds = f"p(same as track {tid}) {pb}, p(new object) {pn}"
    verdict = _verdict(p_track, p_new)
    if verdict == "same":
        head = "is the same object as" if p_track[b] >= 0.95 else "is probably the same object as"
        return f"{label} {where} {head} track {tid}: {odds}; {detail}"
    if verdict == "new":
        head = "is a different object" if p_new >= 0.95 else "is probably a different object"
        return f"{label} {where} {head}: {odds}; {detail}"
    if len(track_ids) > 1 and p_new < p_track[b]:
        order = np.argsort(p_track)[::-1][:2]
        which = ", ".join(
            f"p(track {track_ids[int(i)]}) {probability_relation(p_track[int(i)])}" for i in order
        )
        return (
            f"{label} {where}: cannot tell which tracked object it is: {which}, "
            f"p(new object) {pn}; {detail}"
        )
    return (
        f"{label} {where}: cannot tell whether it is track {tid} or a new object: {odds}; {detail}"
    )


def same_object(
    tracks: Track | list[Track] | tuple[Track, ...],
    report: Observations,
    index: int = 0,
    *,
    wind: str | WindField = "calm",
    members: int = 400,
    prior_new: float = PRIOR_NEW,
    new_object_area: float = EARTH_AREA,
    new_object_density: float | None = None,
    misreport: MisreportModel = MISREPORT,
    seed: int = 0,
    label: str = "report",
    sources: Sequence[str] | None = None,
) -> SameObjectVerdict:
    """Is row ``index`` of ``report`` the same object as one of ``tracks``, or a new one?

    Each track's ensemble (`propagate`) at the report time gives the predicted distribution;
    the likelihoods and prior are those of the module docstring (`stratowatch.track.likelihood`):
    ``prior_new`` is the prior probability of a new object, ``new_object_area`` (m^2) where
    it could be, ``misreport`` the misreport model. ``new_object_density`` (per m^2), when
    given, replaces prior and area by the tracker's form p_k ~ L_k, p_new ~ density (a clutter
    density for scanning sensors; `review_new_objects` passes the tracker's). ``label`` names
    the report in the text.
    GPS telemetry can be a misreport of a track only when its transmitter (``sources``,
    default the report's ``source``) already feeds that track: a glitch is its own
    transmitter's.
    """
    if not 0.0 < prior_new < 1.0:
        raise ConfigError(
            f"prior_new must be strictly between 0 and 1 (got {prior_new}): a prior of 0 or 1 "
            "decides the answer before looking at the report"
        )
    tl = [tracks] if isinstance(tracks, Track) else list(tracks)
    field_ = open_wind(wind)
    t = float(report.time[index])
    rlat, rlon, ralt = float(report.lat[index]), float(report.lon[index]), float(report.alt[index])
    sig_h = float(report.sigma_h[index])
    sig_t = float(report.time_sigma[index])
    use_alt = math.isfinite(ralt)
    eps = float(misreport.rate(str(report.kind[index])))
    gps = str(report.kind[index]) in ("fix", "aprs")
    srcs = set(sources) if sources is not None else {str(report.source[index])}
    loglike: list[float] = []
    dist: list[float] = []
    sig: list[float] = []
    nsig: list[float] = []
    for k, tr in enumerate(tl):
        ens = propagate(tr, t, wind=field_, members=members, seed=seed + k)
        e, n = enu_offset(rlat, rlon, ens.lat, ens.lon)
        m = np.array([e.mean(), n.mean()])
        C = np.cov(np.vstack([e, n])) + np.eye(2) * sig_h**2
        vel = np.array([ens.ve.mean(), ens.vn.mean()])
        C = C + sig_t**2 * np.outer(vel, vel)
        d2 = float(m @ np.linalg.solve(C, m))
        logdet = float(np.log(np.linalg.det(C)))
        r = float(distance_m(rlat, rlon, ens.lat.mean(), ens.lon.mean()))
        eps_k = 0.0 if gps and not srcs & set(tr.sources) else eps
        if use_alt:
            va = float(np.var(ens.alt)) + float(report.sigma_alt[index]) ** 2
            ll = report_loglik(
                d2,
                logdet,
                r,
                eps_k,
                d2_alt=(ralt - float(ens.alt.mean())) ** 2 / va,
                logdet_alt=math.log(va),
                model=misreport,
            )
        else:
            ll = report_loglik(d2, logdet, r, eps_k, model=misreport)
        loglike.append(float(ll))
        dist.append(r / 1000.0)
        sig.append(math.sqrt(0.5 * (C[0, 0] + C[1, 1])) / 1000.0)
        nsig.append(math.sqrt(d2))
    alt_term = math.log(ALT_RANGE) if use_alt else 0.0
    if new_object_density is not None:
        if not new_object_density > 0.0:
            raise ConfigError(f"new_object_density must be > 0 per m^2 (got {new_object_density})")
        # the tracker's form: P_D L_k against the density (P_D cancels for one report)
        log_new = math.log(new_object_density) - alt_term
        scores = np.array(loglike + [log_new])
        prior_new = new_object_density * EARTH_AREA / (1.0 + new_object_density * EARTH_AREA)
    else:
        log_new = -math.log(new_object_area) - alt_term
        K = max(len(tl), 1)
        scores = np.array(
            [math.log1p(-prior_new) - math.log(K) + x for x in loglike]
            + [math.log(prior_new) + log_new]
        )
    p = np.exp(scores - scores.max())
    p /= p.sum()
    p_tracks = tuple(float(x) for x in p[:-1])
    p_new = float(p[-1])
    where = f"{iso(t)} at {rlat:.2f}, {rlon:.2f}"
    ids = tuple(x.track_id for x in tl)
    text = explain_same_object(label, where, ids, p_tracks, p_new, tuple(dist), tuple(sig))
    return SameObjectVerdict(
        t,
        rlat,
        rlon,
        ids,
        p_tracks,
        p_new,
        tuple(dist),
        tuple(sig),
        text,
        tuple(nsig),
        tuple(math.exp(min(x - log_new, 700.0)) for x in loglike),
        prior_new,
        eps,
    )


def same_track(
    tracks: Track | list[Track] | tuple[Track, ...],
    other: Track,
    *,
    wind: str | WindField = "calm",
    members: int = 400,
    prior_new: float = PRIOR_NEW,
    new_object_area: float = EARTH_AREA,
    new_object_density: float | None = None,
    misreport: MisreportModel = MISREPORT,
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
        "kind": _track_kind(other),
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
        prior_new=prior_new,
        new_object_area=new_object_area,
        new_object_density=new_object_density,
        misreport=misreport,
        seed=seed,
        label=f"track {other.track_id} (first state)",
        sources=other.sources,
    )


def _track_kind(track: Track) -> str:
    """``fix`` when every report of the track is GPS telemetry (the misreport rate of its
    first state is then GPS's), else ``report``."""
    return "fix" if track.kinds and set(track.kinds) <= {"fix", "aprs"} else "report"


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
