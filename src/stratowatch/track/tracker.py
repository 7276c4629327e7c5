"""Multi-target tracking: gating, global-nearest-neighbour assignment, track management, the
altitude-hypothesis bank, and the per-report "same object?" probabilities.

For each scan (reports sharing a time, within ``scan_window``) every live track is predicted to
the scan time with the wind-aware model (`FilterBatch.predict`), all track-report innovations
are computed at once, pairs beyond the chi-square gate are excluded, and
`scipy.optimize.linear_sum_assignment` minimises the summed cost d^2 + ln det S (the GNN
assignment with the Gaussian likelihood cost [Blackman1999]_; or the Mahalanobis distance d),
confirmed tracks first, tentative ones on the reports left. Unassigned reports start
tentative tracks; ``confirm_hits`` updates confirm a track; ``delete_misses`` consecutive missed
scans (for scanning sensors) or ``max_coast`` seconds without an update end it. A gated pair
is refused when its likelihood is below the new-object density (a new object explains the
report better).

"Same object?" per report: with detection probability P_D and a density ``new_object_density``
(per m^2) of reports from new objects or clutter, the probability that the report belongs to
track k is

    p_k = P_D L_k(y_k) / (sum_j P_D L_j(y_j) + lambda)                     [BarShalom2009]_

and p_new = lambda / (same denominator), evaluated with every live track's predicted horizontal
distribution (the single-scan marginal association probability of JPDA/MHT). L_k is the
heavy-tailed likelihood of `stratowatch.track.likelihood` (Student-t core plus a measured
misreport rate), so a report far outside a track's gate gets a small but honest p_k, never a
30-sigma Gaussian tail. The gate and the assignment keep the Gaussian d^2 (the filter's own
model); each `Decision` says in words what was done and why, in agreement with its numbers.

Unknown altitude: a track started from a report without altitude carries one filter row per
candidate float altitude (``alt_hypotheses``). Each row drifts with the wind at its own
altitude; the product of its innovation likelihoods measures how well that altitude's wind
explains the observed drift. Posterior weights w_i ~ prior_i exp(loglik_i) give the altitude
estimate and its spread (a multiple-model bank, [BarShalom2001]_).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from ..core.observations import Observations
from ..core.track import (
    AltitudeEstimate,
    Track,
    TrackHistory,
    _altitude_method,
    _smoother_data,
)
from ..timeutil import to_epoch
from .association import _Association
from .config import TrackerConfig
from .decision import STATUSES, Decision, TrackingResult
from .recording import _records_between
from .smoother import smooth_track
from .state import CONFIRMED, ENDED, TENTATIVE
from .triangulate import sightings_to_fixes

__all__ = [
    "TrackerConfig",
    "Track",
    "AltitudeEstimate",
    "TrackHistory",
    "Decision",
    "TrackingResult",
    "STATUSES",
    "track_observations",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Tracker(_Association):
    """The whole tracker: one `scan` per group of simultaneous reports, then `result`."""

    # --- one scan ----------------------------------------------------------------------------
    def scan(self, idx: IntArray) -> None:
        o = self.obs
        cfg = self.cfg
        t_scan = float(o.time[idx].max())
        live = self.live_tracks()
        if live.size:
            # a track silent for longer than max_coast is over before this scan is associated
            # (not only after it: a long gap without any scan must not revive it)
            last = np.array([self.last_update[i] for i in live.tolist()], dtype=np.float64)
            stale = live[t_scan - last > cfg.max_coast]
            for tid in stale.tolist():
                self.status[tid] = ENDED
                self.ended_at[tid] = t_scan
            live = live[t_scan - last <= cfg.max_coast]
        if live.size:
            live_rows = np.flatnonzero(np.isin(self.row_track, live)).astype(np.int64)
            self.batch.predict(live_rows, t_scan, self.wind, cfg.motion)
            self.batch.mark_prior(live_rows)
        pos = idx[o.positional[idx]]
        ang = idx[~o.positional[idx]]
        updated_tracks: list[int] = []
        updated_obs: list[int] = []
        if pos.size:
            ut, uo = self.associate_positions(live, pos)
            updated_tracks += ut
            updated_obs += uo
        for i in ang.tolist():
            live_now = self.live_tracks()
            tid = self.associate_angle(live_now, i)
            if tid is not None:
                updated_tracks.append(tid)
                updated_obs.append(i)
        self.manage(live, updated_tracks, updated_obs, t_scan)
        # record the states
        if updated_tracks:
            tr = np.array(updated_tracks, dtype=np.int64)
            rows = self.map_rows(tr)
            self.record(rows, tr, np.array(updated_obs, dtype=np.int64))
        if cfg.record_coasting:
            # tracks live before this scan and not updated in it (new tracks have their state)
            coast = np.setdiff1d(
                np.intersect1d(live, self.live_tracks()),
                np.array(updated_tracks, dtype=np.int64),
            )
            if coast.size:
                rows = self.map_rows(coast)
                self.record(rows, coast, np.full(coast.size, -1, dtype=np.int64))
        self.compact()

    def compact(self, min_rows: int = 2000) -> None:
        """Drop the filter rows of ended tracks once they outnumber the live ones (a long feed
        with clutter would otherwise grow without bound); the altitude estimates were recorded
        with each state."""
        if self.row_track.size < min_rows:
            return
        st = np.asarray(self.status, dtype=np.int64)
        dead = st[self.row_track] == ENDED
        if int(dead.sum()) * 2 < self.row_track.size:
            return
        b = self.batch
        keep = ~dead
        new_index = np.cumsum(keep) - 1
        b.keep(keep)
        self.row_track = self.row_track[keep]
        self.row_logprior = self.row_logprior[keep]
        self.row_bank = self.row_bank[keep]
        alive = st != ENDED
        self.track_first_row = np.where(alive, new_index[self.track_first_row], -1)

    def manage(self, live: IntArray, updated: list[int], updated_obs: list[int], t: float) -> None:
        cfg = self.cfg
        upd = set(updated)
        for tid, i in zip(updated, updated_obs, strict=True):
            self.sources[tid].add(str(self.obs.source[i]))
            c = int(self.src_code[i])
            if c not in self.track_src[tid]:
                self.track_src[tid].append(c)
                self.track_multi[tid] = True
        for tid in upd:
            self.hits[tid] += 1
            self.misses[tid] = 0
            self.last_update[tid] = t
            if self.status[tid] == TENTATIVE and self.hits[tid] >= cfg.confirm_hits:
                self.status[tid] = CONFIRMED
            if self.hits[tid] >= cfg.confirm_hits and math.isnan(self.confirmed_at[tid]):
                self.confirmed_at[tid] = t
        for tid in live.tolist():
            if tid in upd:
                continue
            self.misses[tid] += 1
            st = self.status[tid]
            limit = cfg.delete_misses if st == CONFIRMED else cfg.tentative_misses
            if (limit is not None and self.misses[tid] >= limit) or (
                t - self.last_update[tid] > cfg.max_coast
            ):
                self.status[tid] = ENDED
                self.ended_at[tid] = t

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Every scan in time order (`scan` is the step: one call per scan);
        ``progress(reports_done, reports_total)`` after each."""
        o = self.obs
        n = len(o)
        if n == 0:
            return
        start = 0
        # scans: runs of reports within scan_window of the run's first time
        while start < n:
            stop = int(np.searchsorted(o.time, o.time[start] + self.cfg.scan_window, "right"))
            stop = max(stop, start + 1)
            self.scan(np.arange(start, stop, dtype=np.int64))
            start = stop
            if progress is not None:
                progress(start, n)

    def result(self, wind_source: str) -> TrackingResult:
        table = self.rec.table()
        table = table[np.lexsort((table[:, 16], table[:, 1], table[:, 0]))]
        rts = self.rec.rts_table()
        # every smoother record by record number, the most-probable row's first
        rts = rts[np.lexsort((-rts[:, 2], rts[:, 0]))]
        keep_all = self.cfg.smooth or self.cfg.record_hypotheses
        K = self.hyp.size
        weights = self.rec.weight_table(K)
        o = self.obs
        bounds = np.searchsorted(table[:, 0], np.arange(len(self.status) + 1) - 0.5)
        # per state row, for all tracks at once (a run makes thousands of short clutter tracks:
        # per-track numpy calls were most of this): its report's source, kind and whether it
        # carried an altitude, and where its smoother records lie
        seq_all = table[:, 16].astype(np.int64)
        obs_all = table[:, 15].astype(np.int64)
        upd_all = obs_all >= 0
        src_of = [str(x) for x in o.source.tolist()]
        kind_of = [str(x) for x in o.kind.tolist()]
        src_all = [src_of[i] if i >= 0 else "" for i in obs_all.tolist()]
        kind_all = [kind_of[i] if i >= 0 else "" for i in obs_all.tolist()]
        rep_all = np.zeros(len(table), dtype=bool)
        rep_all[upd_all] = np.isfinite(o.alt[obs_all[upd_all]])
        rep_cum = np.concatenate([[0], np.cumsum(rep_all)])
        rec_lo = np.searchsorted(rts[:, 0], seq_all - 0.5)
        rec_hi = np.searchsorted(rts[:, 0], seq_all + 0.5)
        tracks = []
        for tid in range(len(self.status)):
            a, b = int(bounds[tid]), int(bounds[tid + 1])
            if a == b:
                continue
            sel = table[a:b]
            seqs = seq_all[a:b]
            obs_i = obs_all[a:b]
            upd = upd_all[a:b]
            src = src_all[a:b]
            kind = kind_all[a:b]
            # an altitude reported at or before each state (the running OR within the track)
            reported = (rep_cum[a + 1 : b + 1] - rep_cum[a]) > 0
            recs = _records_between(rts, rec_lo[a:b], rec_hi[a:b])
            w = wd = None
            hits = sel[:, 17].astype(np.int64)
            if self.track_bank[tid]:
                wrows = weights[np.searchsorted(weights[:, 0], seqs.astype(np.float64))]
                w, wd = wrows[:, 1 : 1 + K], wrows[:, 1 + K :]
                alt_est = AltitudeEstimate.from_weights(
                    self.hyp, w[-1], wd[-1], _altitude_method(int(hits[-1]), bool(reported[-1]))
                )
            else:
                alt_est = AltitudeEstimate(float(sel[-1, 4]), float(sel[-1, 7]), "measured")
            chain = keep_all and bool(self.track_bank[tid])
            history = TrackHistory(
                seq=seqs,
                hits=hits,
                source=tuple(src),
                kind=tuple(kind),
                reported_alt=reported,
                alt_weights=w,
                drift_weights=wd,
                records=recs if chain else None,
                confirmed_time=self.confirmed_at[tid],
                ended_time=self.ended_at[tid],
            )
            tracks.append(
                Track(
                    track_id=tid,
                    status=history.status_at(math.inf),
                    time=sel[:, 1].copy(),
                    lat=sel[:, 2].copy(),
                    lon=sel[:, 3].copy(),
                    alt=sel[:, 4].copy(),
                    sigma_e=sel[:, 5].copy(),
                    sigma_n=sel[:, 6].copy(),
                    sigma_alt=sel[:, 7].copy(),
                    ve=sel[:, 8].copy(),
                    vn=sel[:, 9].copy(),
                    vz=sel[:, 10].copy(),
                    sigma_ve=sel[:, 11].copy(),
                    sigma_vn=sel[:, 12].copy(),
                    wind_u=sel[:, 13].copy(),
                    wind_v=sel[:, 14].copy(),
                    obs_index=obs_i,
                    sources=tuple(sorted(self.sources[tid])),
                    n_updates=self.hits[tid],
                    altitude=alt_est,
                    rts=_smoother_data(seqs, recs),
                    ended=not math.isnan(history.ended_time),
                    kinds=tuple(sorted({k for k, u in zip(kind, upd.tolist(), strict=True) if u})),
                    history=history,
                )
            )
        return TrackingResult(
            tracks=tuple(tracks),
            observations=self.obs,
            decisions=tuple(sorted(self.decisions, key=lambda d: d.obs_index)),
            wind_source=wind_source,
            config=self.cfg,
        )


def track_observations(
    observations: Observations,
    *,
    wind: str | WindField = "calm",
    config: TrackerConfig | None = None,
    smooth: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    as_of: float | str | None = None,
) -> TrackingResult:
    """Turn observations of any kind into tracks.

    Observations are sorted by time and repeats removed first (`Observations.without_repeats`:
    out-of-order and duplicated reports never cause duplicate updates); sightings of one moment from different
    places are triangulated into fixes. ``wind`` is a `WindField` or a name for `open_wind`
    (``calm``, ``climatology``, a file). ``smooth`` (default: ``config.smooth``, off) returns
    RTS-smoothed tracks, every state using all reports, instead of filtered ones.
    ``progress(done, total)`` is called after each scan (reports done of all). ``as_of`` (epoch
    s or ISO time) uses only the observations at or before that time: what was known then
    (`TrackingResult.as_of` cuts a finished run the same way).
    """
    field_ = open_wind(wind)
    cfg = config or TrackerConfig.for_wind(field_)
    if as_of is not None:
        observations = observations.take(np.flatnonzero(observations.time <= to_epoch(as_of)))
    obs = sightings_to_fixes(observations.without_repeats())
    # the tracker writes temporarily into rows it converts (radar plots): use a private copy
    obs = obs.take(np.arange(len(obs)))
    if smooth is not None and smooth != cfg.smooth:
        cfg = dataclasses.replace(cfg, smooth=smooth)
    tr = _Tracker(obs, field_, cfg)
    tr.run(progress)
    result = tr.result(field_.meta.source)
    if cfg.smooth:
        result = dataclasses.replace(
            result, tracks=tuple(smooth_track(t, field_) for t in result.tracks)
        )
    return result
