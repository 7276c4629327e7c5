"""Tracking results as a JSON summary, a CSV state table and a GeoJSON FeatureCollection."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from ..errors import InputError
from ..timeutil import iso
from .geometry import advance, distance_m
from .likelihood import core_loglik
from .observations import LATE_NOTE, Observations
from .same_object import SameObjectVerdict, same_object, same_track
from .tracker import STATUSES, Track, TrackingResult

__all__ = [
    "STATE_COLUMNS",
    "REACH_SIGMA",
    "Review",
    "reachable",
    "review",
    "review_new_objects",
    "repeat_summary",
    "tracking_summary",
    "write_state_csv",
    "tracks_feature_collection",
]

STATE_COLUMNS = (
    "track_id",
    "status",
    "time",
    "lat",
    "lon",
    "alt",
    "sigma_e_m",
    "sigma_n_m",
    "sigma_alt_m",
    "ve",
    "vn",
    "vz",
    "sigma_ve",
    "sigma_vn",
    "wind_u",
    "wind_v",
    "obs_line",
    "source",
)


#: sigmas of the reachability gate (`reachable`)
REACH_SIGMA = 5.0
#: the gate also asks that the candidate's likelihood under a prediction twice as wide be at
#: least this fraction of the new-object density (else p(same) < ~1e-3 whatever the ensemble)
REACH_MIN_RATIO = 1e-3


def reachable(
    result: TrackingResult,
    candidates: Sequence[Track],
    confirmed: Sequence[Track],
    *,
    n_sigma: float = REACH_SIGMA,
    min_ratio: float = REACH_MIN_RATIO,
) -> npt.NDArray[np.bool_]:
    """Could confirmed track c have been where candidate u started, when it started?
    (n_candidates x n_confirmed booleans, vectorized over candidates.)

    From c's state nearest in time to u's start among those after c's velocity was measured
    (its second update on; time gap dt), the tracker's own motion model (the wind-relative
    velocity is a random walk of spectral density q, `MotionModel`) puts the object at
    x_c + v_c dt with a position variance

        s^2 = s_c^2 + s_v^2 dt^2 + q |dt|^3 / 3 + s_u^2 + (|v_c| s_t)^2

    (s_c, s_v: c's position and velocity sigmas; s_u, s_t: u's position and report-time
    sigmas; q for a floating balloon, `MotionModel.q_horizontal` at vz = 0). u is reachable
    when it is within ``n_sigma`` s of that point (5 sigma: a correct report is outside with
    probability 4e-6 in two dimensions) and when, with s doubled, P_D times the likelihood of
    u (`likelihood.core_loglik`) is at least ``min_ratio`` times the tracker's new-object
    density (below it p(same) stays under ~``min_ratio`` whatever the ensemble says), and
    when |dt| is within the tracker's ``max_coast`` (beyond it the tracker itself would have
    ended c). The ensemble "second look" (`review_new_objects`) is kept for reachable pairs.
    """
    n_u, n_c = len(candidates), len(confirmed)
    out = np.zeros((n_u, n_c), dtype=bool)
    if n_u == 0 or n_c == 0:
        return out
    obs = result.observations
    cfg = result.config
    q = float(cfg.motion.q_horizontal(np.zeros(1))[0])
    log_floor = math.log(min_ratio * cfg.new_object_density / cfg.p_detect)
    t_u = np.array([float(u.time[0]) for u in candidates])
    lat_u = np.array([float(u.lat[0]) for u in candidates])
    lon_u = np.array([float(u.lon[0]) for u in candidates])
    sig_u = np.array([float(max(u.sigma_e[0], u.sigma_n[0])) for u in candidates])
    i_u = np.array([int(u.obs_index[0]) for u in candidates])
    ts_u = np.where(i_u >= 0, obs.time_sigma[np.maximum(i_u, 0)], 0.0)
    for j, c in enumerate(confirmed):
        upd = np.flatnonzero(c.obs_index >= 0)
        first = int(upd[1]) if upd.size > 1 else 0
        tc = c.time[first:]
        k = np.clip(np.searchsorted(tc, t_u), 0, tc.size - 1)
        km1 = np.maximum(k - 1, 0)
        k = np.where(np.abs(tc[km1] - t_u) < np.abs(tc[k] - t_u), km1, k) + first
        dt = t_u - c.time[k]
        s_v = np.maximum(c.sigma_ve[k], c.sigma_vn[k])
        s_c = np.maximum(c.sigma_e[k], c.sigma_n[k])
        speed = np.hypot(c.ve[k], c.vn[k])
        var = s_c**2 + (s_v * dt) ** 2 + q * np.abs(dt) ** 3 / 3.0 + sig_u**2 + (speed * ts_u) ** 2
        plat, plon = advance(c.lat[k], c.lon[k], c.ve[k] * dt, c.vn[k] * dt)
        d2 = distance_m(lat_u, lon_u, plat, plon) ** 2 / var
        wide = core_loglik(d2 / 4.0, 2.0 * np.log(4.0 * var), 2)
        out[:, j] = (d2 <= n_sigma**2) & (wide >= log_floor) & (np.abs(dt) <= cfg.max_coast)
    return out


@dataclass(frozen=True)
class Review:
    """The second looks (`review_new_objects`) and what the reachability gate spared."""

    verdicts: tuple[SameObjectVerdict, ...]
    candidates: int
    unreachable: int

    def describe(self) -> dict[str, Any]:
        return {
            "candidates": self.candidates,
            "reviewed": len(self.verdicts),
            "unreachable": self.unreachable,
        }


def review_new_objects(
    result: TrackingResult,
    *,
    wind: str | WindField,
    members: int = 400,
    seed: int = 0,
    n_sigma: float = REACH_SIGMA,
    progress: Callable[[int, int], None] | None = None,
) -> list[SameObjectVerdict]:
    """Second look at every unconfirmed track against the confirmed tracks it could be (those
    that pass the `reachable` gate), now that they hold all their reports (ensembles from each
    track's nearest state): a single-report track by its report (`same_object`, keeping the
    report's own time uncertainty), a longer one by its first state (`same_track`).
    ``progress(done, total)`` is called after each candidate. `review` also says how many
    candidates the gate spared."""
    return list(
        review(
            result, wind=wind, members=members, seed=seed, n_sigma=n_sigma, progress=progress
        ).verdicts
    )


def review(
    result: TrackingResult,
    *,
    wind: str | WindField,
    members: int = 400,
    seed: int = 0,
    n_sigma: float = REACH_SIGMA,
    progress: Callable[[int, int], None] | None = None,
) -> Review:
    """`review_new_objects` with the counts of candidates and of those the gate spared."""
    confirmed = list(result.confirmed)
    cand = [tr for tr in result.tracks if confirmed and tr not in confirmed and len(tr)]
    reach = reachable(result, cand, confirmed, n_sigma=n_sigma)
    todo = [(u, reach[a]) for a, u in enumerate(cand) if reach[a].any()]
    # the second look weighs the tracks the candidate could be against a new object with the
    # tracker's own new-object density
    field_ = open_wind(wind)
    out = []
    for done, (tr, mask) in enumerate(todo, start=1):
        near = [c for c, m in zip(confirmed, mask.tolist(), strict=True) if m]
        i = int(tr.obs_index[0])
        kw: dict[str, Any] = dict(
            wind=field_,
            members=members,
            seed=seed,
            new_object_density=result.config.new_object_density,
            misreport=result.config.misreport,
        )
        if tr.n_updates > 1 or i < 0 or not np.isfinite(result.observations.lat[i]):
            out.append(same_track(near, tr, **kw))
        else:
            out.append(same_object(near, result.observations, i, **kw))
        if progress is not None:
            progress(done, len(todo))
    return Review(tuple(out), len(cand), len(cand) - len(todo))


def tracking_summary(
    result: TrackingResult,
    *,
    reviews: list[SameObjectVerdict] | Review | None = None,
    confirmed_only: bool = False,
    max_decisions: int | None = None,
) -> dict[str, Any]:
    """A JSON-ready summary: input counts, issues and repeats, whether the states are
    RTS-smoothed, tracks (status, span, altitude estimate), association decisions and
    (optionally) second looks at new objects. ``confirmed_only`` lists confirmed tracks only;
    ``max_decisions`` keeps the decisions that started tracks plus at most that many others."""
    obs = result.observations
    tracks = [t for t in result.tracks if t.status == "confirmed" or not confirmed_only]
    counts = {s: sum(t.status == s for t in result.tracks) for s in STATUSES}
    decisions = list(result.decisions)
    omitted = 0
    if max_decisions is not None and len(decisions) > max_decisions:
        keep = [d for d in decisions if d.action != "update"]
        room = max(max_decisions - len(keep), 0)
        keep += [d for d in decisions if d.action == "update"][:room]
        omitted = len(decisions) - len(keep)
        decisions = sorted(keep, key=lambda d: d.obs_index)
    if isinstance(reviews, Review):
        verdicts: list[SameObjectVerdict] = list(reviews.verdicts)
        review_counts: dict[str, Any] | None = reviews.describe()
    else:
        verdicts = list(reviews or [])
        review_counts = None
    out: dict[str, Any] = {
        "wind": result.wind_source,
        "smoothed": all(t.smoothed for t in result.tracks)
        if result.tracks
        else result.config.smooth,
        "observations": len(obs),
        "issues": [str(e) for e in obs.issues],
        "n_issues": len(obs.issues),
        "repeats": repeat_summary(obs),
        "n_tracks": len(result.tracks),
        "status_counts": counts,
        "tracks": [t.describe() for t in tracks],
        "decisions": [d.describe() for d in decisions],
        "decisions_omitted": omitted,
        "same_object_review": [v.describe() for v in verdicts],
    }
    if review_counts is not None:
        out["review"] = review_counts
    return out


def repeat_summary(obs: Observations) -> dict[str, Any]:
    """Counts of the repeats the readers dropped (by rule, latest delay) and of late packets
    (received more than 60 s after their own time, or re-timed from their sequence number)."""
    reps = obs.repeats
    by_rule: dict[str, int] = {}
    for r in reps:
        by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
    delays = [r.delay_s for r in reps if math.isfinite(r.delay_s)]
    own = np.isfinite(obs.received) & ~obs.timed_by_reception
    late = int(np.sum(own & (obs.received - obs.time > 60.0)))
    retimed = int(sum(LATE_NOTE in str(t) for t in obs.text))
    return {
        "n": len(reps),
        "by_rule": by_rule,
        "max_delay_s": round(max(delays), 1) if delays else None,
        "late_packets": late,
        "retimed_packets": retimed,
        "first": [r.describe() for r in reps[:20]],
    }


def write_state_csv(
    path: str | Path, result: TrackingResult, *, confirmed_only: bool = False
) -> Path:
    """One row per track state: ``track_id,status,time,lat,lon,alt`` then uncertainties (m),
    ground velocity and model wind (m/s), the observation's source line and source
    (``confirmed_only``: confirmed tracks only)."""
    p = Path(path)
    obs = result.observations
    try:
        handle = p.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write file: {exc.strerror}", path=p) from None
    with handle:
        w = csv.writer(handle)
        w.writerow(STATE_COLUMNS)
        stamps: dict[float, str] = {}  # the tracks share their scans' times
        line = obs.line.tolist()
        source = [str(x) for x in obs.source.tolist()]
        for tr in result.tracks:
            if confirmed_only and tr.status != "confirmed":
                continue
            # Python floats and ints (numpy's scalars format the same, several times slower)
            cols = [
                a.tolist()
                for a in (
                    tr.lat, tr.lon, tr.alt, tr.sigma_e, tr.sigma_n, tr.sigma_alt, tr.ve, tr.vn,
                    tr.vz, tr.sigma_ve, tr.sigma_vn, tr.wind_u, tr.wind_v,
                )
            ]  # fmt: skip
            times = tr.time.tolist()
            for k, i in enumerate(tr.obs_index.tolist()):
                t = times[k]
                stamp = stamps.get(t)
                if stamp is None:
                    stamp = stamps[t] = iso(t)
                (la, lo, al, se, sn, sa, ve, vn, vz, sve, svn, wu, wv) = (c[k] for c in cols)
                w.writerow(
                    [
                        tr.track_id,
                        tr.status,
                        stamp,
                        f"{la:.6f}",
                        f"{lo:.6f}",
                        f"{al:.1f}",
                        f"{se:.1f}",
                        f"{sn:.1f}",
                        f"{sa:.1f}",
                        f"{ve:.2f}",
                        f"{vn:.2f}",
                        f"{vz:.2f}",
                        f"{sve:.2f}",
                        f"{svn:.2f}",
                        f"{wu:.2f}",
                        f"{wv:.2f}",
                        int(line[i]) if i >= 0 else "",
                        source[i] if i >= 0 else "",
                    ]
                )
    return p


def _num(x: float, nd: int = 1) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def tracks_feature_collection(
    result: TrackingResult, *, confirmed_only: bool = False
) -> dict[str, Any]:
    """Tracks as LineStrings (``properties.times`` per vertex, ``status``, layer ``track``)
    and the observations they used as Points (layer ``reports``, with the track's
    ``status``), for `io.export.write_features` (``confirmed_only``: confirmed tracks only)."""
    palette = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
    feats: list[dict[str, Any]] = []
    obs = result.observations
    for tr in result.tracks:
        if confirmed_only and tr.status != "confirmed":
            continue
        color = palette[tr.track_id % len(palette)]
        coords = [
            [round(float(lo), 6), round(float(la), 6), _num(a)]
            for lo, la, a in zip(tr.lon, tr.lat, tr.alt, strict=True)
        ]
        props: dict[str, Any] = {
            "layer": "track",
            "name": f"track {tr.track_id}",
            "track_id": tr.track_id,
            "status": tr.status,
            "times": [iso(t) for t in tr.time],
            "altitude_m": _num(tr.altitude.mean),
            "altitude_sigma_m": _num(tr.altitude.sigma),
            "style": {"color": color, "width": 3},
        }
        if len(tr) >= 2:
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": props,
                }
            )
        for k in range(len(tr)):
            i = int(tr.obs_index[k])
            if i < 0:
                continue
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": coords[k]},
                    "properties": {
                        "layer": "reports",
                        "name": f"{obs.kind[i]} {obs.source[i]}",
                        "time": iso(tr.time[k]),
                        "track_id": tr.track_id,
                        "status": tr.status,
                        "sigma_m": _num(float(obs.sigma_h[i])),
                        "description": str(obs.text[i]),
                        "style": {"color": color},
                    },
                }
            )
    return {"type": "FeatureCollection", "features": feats}
