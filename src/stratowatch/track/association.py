"""Association: gating, global-nearest-neighbour assignment of reports to tracks, the
per-report "same object?" probabilities and the sensor (angle-only, radar) updates (see
`stratowatch.track.tracker`)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from .decision import Decision
from .filter import LOG2PI
from .geometry import enu_offset_screened
from .hypotheses import _Hypotheses
from .likelihood import report_loglik
from .state import CONFIRMED

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Association(_Hypotheses):
    def misreport_rates(self, tracks: IntArray, pos: IntArray) -> FloatArray:
        """Misreport rate of each report (columns) as a report of each track (rows): the
        rate of the report's kind; for GPS telemetry only when the report's transmitter
        already feeds the track (a GPS glitch is its own transmitter's: another transmitter's
        first fix far from the track is not this track's glitch)."""
        o = self.obs
        rate = self.cfg.misreport.rate(o.kind[pos])
        gps = np.isin(o.kind[pos], ("fix", "aprs"))
        eps = np.broadcast_to(rate[None, :], (tracks.size, pos.size)).copy()
        if not gps.any():
            return eps
        code = self.src_code[pos]
        own = self.track_src1[tracks][:, None] == code[None, :]
        for r in np.flatnonzero(self.track_multi[tracks]).tolist():
            own[r] = np.isin(code, self.track_src[int(tracks[r])])
        eps[:, gps] = np.where(own[:, gps], eps[:, gps], 0.0)
        return eps

    def associate_positions(self, live: IntArray, pos: IntArray) -> tuple[list[int], list[int]]:
        """GNN over all live tracks x positional reports of one scan (all pairs at once)."""
        o = self.obs
        cfg = self.cfg
        lam = cfg.new_object_density
        log_lam = math.log(lam)
        M = pos.size
        col_assigned = np.full(M, -1, dtype=np.int64)
        assigned_t: list[int] = []
        assigned_o: list[int] = []
        T = live.size
        p = np.zeros((T, M))
        p_new = np.ones(M)
        if T:
            b = self.batch
            # every row (altitude hypothesis) of every live track against every report, on
            # the horizontal distributions only (altitude jumps at burst or cut-down must not
            # split a track; altitude still enters the update). 2 x 2 algebra written out.
            rows = np.flatnonzero(np.isin(self.row_track, live)).astype(np.int64)
            vel = b.wind[rows] + b.d[rows]
            ts2 = o.time_sigma[pos] ** 2
            sh2 = o.sigma_h[pos] ** 2
            s11 = b.P[rows, 0, 0][:, None] + sh2 + ts2 * (vel[:, 0:1] ** 2)
            s22 = b.P[rows, 1, 1][:, None] + sh2 + ts2 * (vel[:, 1:2] ** 2)
            s12 = b.P[rows, 0, 1][:, None] + ts2 * (vel[:, 0:1] * vel[:, 1:2])
            # exact geodesic offsets for every pair whose Gaussian term can count: d^2 <
            # 9 gate2 (the gate's 3x reach; beyond, exp(-d^2 / 2) < 1e-36) needs a distance
            # below 3 sqrt(gate2 * largest eigenvalue of S) <= 3 sqrt(gate2 * trace S). The
            # others, which enter only the heavy-tailed probabilities, by the normal section
            # (`enu_offset_screened`, within 1e-5 of the distance to 1,000 km): the geodesics
            # of every row against every report were most of the tracker's time
            reach = 3.0 * np.sqrt(self.gate2 * (s11 + s22))
            e, n = enu_offset_screened(
                b.lat[rows, None], b.lon[rows, None], o.lat[pos], o.lon[pos], reach
            )
            det = s11 * s22 - s12 * s12
            d2_r = (s22 * e * e - 2.0 * s12 * e * n + s11 * n * n) / det
            ll_r = -0.5 * (d2_r + np.log(det)) - LOG2PI
            dist_r = np.hypot(e, n)
            # the heavy-tailed likelihood of "same object?" (likelihood.py), for the reported
            # probabilities only: gate and assignment keep the filter's Gaussian
            tr_of_row = self.row_track[rows]
            eps = self.misreport_rates(tr_of_row, pos)
            ht_r = report_loglik(d2_r, np.log(det), dist_r, eps, model=cfg.misreport)
            if rows.size == T:  # one row per track: no mixture
                ll_t, ht_t, d2h, ok = ll_r, ht_r, d2_r, d2_r < self.gate2
                dist = dist_r
            else:
                # a track's predicted distribution is the mixture of its rows
                starts = np.flatnonzero(np.concatenate([[True], tr_of_row[1:] != tr_of_row[:-1]]))
                counts = np.diff(np.append(starts, rows.size))
                score = b.loglik[rows] + self.row_logprior[rows]
                logw = score - np.repeat(np.maximum.reduceat(score, starts), counts)
                logw -= np.repeat(np.log(np.add.reduceat(np.exp(logw), starts)), counts)

                def mix(x: FloatArray) -> FloatArray:
                    lw = x + logw[:, None]
                    lmax = np.maximum.reduceat(lw, starts, axis=0)
                    return lmax + np.log(
                        np.add.reduceat(
                            np.exp(lw - np.repeat(lmax, counts, axis=0)), starts, axis=0
                        )
                    )

                ll_t = mix(ll_r)
                ht_t = mix(ht_r)
                # inside the gate when any row carrying >= 1 % of the weight is
                inside = (d2_r < self.gate2) & (logw[:, None] > math.log(0.01))
                ok = np.logical_or.reduceat(inside, starts, axis=0)
                best_row = starts + np.array(
                    [int(np.argmax(logw[a : a + c])) for a, c in zip(starts, counts, strict=True)]
                )
                d2h = d2_r[best_row]
                dist = dist_r[best_row]
            loglike = math.log(cfg.p_detect) + ll_t
            # association probabilities (single-scan marginals), heavy-tailed
            loglike_h = math.log(cfg.p_detect) + ht_t
            mx = np.maximum(loglike_h.max(axis=0), log_lam)
            like = np.exp(loglike_h - mx[None, :])
            denom = like.sum(axis=0) + np.exp(log_lam - mx)
            p = like / denom[None, :]
            p_new = np.exp(log_lam - mx) / denom
            # a gated pair is refused when a new object explains the report better
            allowed = ok & (loglike > log_lam) if cfg.refuse_unlikely else ok
            # confirmed tracks choose first, tentative ones share what is left: a young
            # (clutter-born) track must not take a confirmed object's report
            st = np.array([self.status[i] for i in live.tolist()], dtype=np.int64)
            r_parts: list[IntArray] = []
            c_parts: list[IntArray] = []
            taken = np.zeros(M, dtype=bool)
            for group in (st == CONFIRMED, st != CONFIRMED):
                allowed_g = allowed & group[:, None] & ~taken[None, :]
                tr_any = np.flatnonzero(allowed_g.any(axis=1))
                co_any = np.flatnonzero(allowed_g.any(axis=0))
                if not (tr_any.size and co_any.size):
                    continue
                sub = allowed_g[np.ix_(tr_any, co_any)]
                if cfg.assignment_cost == "mahalanobis":
                    pair = np.sqrt(np.maximum(d2h[np.ix_(tr_any, co_any)], 0.0))
                else:
                    pair = -2.0 * ll_t[np.ix_(tr_any, co_any)]
                cost = np.where(sub, pair, 1e12)
                rr, cc = linear_sum_assignment(cost)
                good = sub[rr, cc]
                r_parts.append(tr_any[rr[good]])
                c_parts.append(co_any[cc[good]])
                taken[co_any[cc[good]]] = True
            r_i = np.concatenate(r_parts) if r_parts else np.zeros(0, dtype=np.int64)
            c_i = np.concatenate(c_parts) if c_parts else np.zeros(0, dtype=np.int64)
            if r_i.size:
                trk = live[r_i]
                ob = pos[c_i]
                if rows.size == T:
                    row_sel = rows[r_i]
                    obs_for_row = ob
                else:
                    row_sel = rows[np.isin(tr_of_row, trk)]
                    which = dict(zip(trk.tolist(), ob.tolist(), strict=True))
                    obs_for_row = np.array([which[int(t)] for t in self.row_track[row_sel]])
                b.update_position(
                    row_sel,
                    o.lat[obs_for_row],
                    o.lon[obs_for_row],
                    o.alt[obs_for_row],
                    o.sigma_h[obs_for_row],
                    o.sigma_alt[obs_for_row],
                    o.time_sigma[obs_for_row],
                )
                assigned_t = trk.tolist()
                assigned_o = ob.tolist()
            col_assigned[c_i] = r_i
        unassigned = pos[col_assigned < 0]
        new_ids = self.new_tracks(unassigned) if unassigned.size else np.zeros(0, dtype=np.int64)
        new_of = dict(zip(unassigned.tolist(), new_ids.tolist(), strict=True))
        best = np.argmax(p, axis=0) if T else np.zeros(M, dtype=np.int64)
        if T:
            any_ok = ok.any(axis=0)
            any_allowed = allowed.any(axis=0)
        times = o.time[pos].tolist()
        kinds = o.kind[pos].tolist()
        srcs = o.source[pos].tolist()
        for j in range(M):
            i = int(pos[j])
            r = int(col_assigned[j])
            if r >= 0:
                tid = int(live[r])
                self.decisions.append(
                    Decision(
                        i,
                        times[j],
                        kinds[j],
                        srcs[j],
                        "update",
                        tid,
                        float(p[r, j]),
                        float(p_new[j]),
                        tid,
                        float(p[r, j]),
                        float(dist[r, j]) / 1000.0,
                        math.sqrt(float(d2h[r, j])),
                    )
                )
            elif T:
                bb = int(best[j])
                reason = (
                    "outside gate"
                    if not any_ok[j]
                    else ("refused" if not any_allowed[j] else "taken")
                )
                self.decisions.append(
                    Decision(
                        i,
                        times[j],
                        kinds[j],
                        srcs[j],
                        "new track",
                        new_of[i],
                        None,
                        float(p_new[j]),
                        int(live[bb]),
                        float(p[bb, j]),
                        float(dist[bb, j]) / 1000.0,
                        math.sqrt(float(d2h[bb, j])),
                        bool(ok[bb, j]),
                        reason=reason,
                    )
                )
            else:
                self.decisions.append(
                    Decision(
                        i,
                        times[j],
                        kinds[j],
                        srcs[j],
                        "new track",
                        new_of[i],
                        None,
                        1.0,
                        reason="no track",
                    )
                )
        return assigned_t, assigned_o

    def _angle_innovation(
        self, rows: IntArray, i: int
    ) -> tuple[FloatArray, FloatArray, FloatArray, int]:
        """`FilterBatch.angle_innovation` of observation ``i`` (a sighting or radar plot)
        against every row of ``rows``."""
        o = self.obs
        n = rows.size
        return self.batch.angle_innovation(
            rows,
            *(
                np.full(n, float(col[i]))
                for col in (
                    o.sensor_lat, o.sensor_lon, o.sensor_alt, o.az, o.el, o.range,
                    o.sigma_ang, o.sigma_range,
                )
            ),
        )  # fmt: skip

    def associate_angle(self, live: IntArray, i: int) -> int | None:
        """EKF update of the best-gated track with one sighting / radar plot, else a radar plot
        starts a track (converted to a position); a lone sighting is skipped."""
        o = self.obs
        kind = str(o.kind[i])
        if live.size:
            rows = self.map_rows(live)
            y, H, R, k = self._angle_innovation(rows, i)
            P = self.batch.P[rows]
            S = H @ P @ np.swapaxes(H, 1, 2) + R
            d2 = np.einsum("mi,mij,mj->m", y, np.linalg.inv(S), y)
            gate = self.gate3 if k == 3 else self.gate2
            b = int(np.argmin(d2))
            if d2[b] < gate:
                tid = int(live[b])
                row_sel = np.flatnonzero(self.row_track == tid).astype(np.int64)
                y2, H2, R2, _ = self._angle_innovation(row_sel, i)
                self.batch.update(row_sel, y2, H2, R2, n_h=1)
                self.decisions.append(
                    Decision(
                        i,
                        float(o.time[i]),
                        kind,
                        str(o.source[i]),
                        "update",
                        tid,
                        None,
                        0.0,
                        tid,
                        note=f"fits track {tid} ({math.sqrt(d2[b]):.1f} sigma); EKF update",
                    )
                )
                return tid
        if kind == "radar":
            from .triangulate import radar_to_position

            lat, lon, alt = radar_to_position(
                o.sensor_lat[i], o.sensor_lon[i], o.sensor_alt[i], o.az[i], o.el[i], o.range[i]
            )
            sig_h = max(float(o.range[i] * o.sigma_ang[i]), float(o.sigma_range[i]))
            tid = self._start_from_point(i, lat, lon, alt, sig_h, sig_h)
            self.decisions.append(
                Decision(
                    i,
                    float(o.time[i]),
                    kind,
                    str(o.source[i]),
                    "new track",
                    tid,
                    None,
                    1.0,
                    note=f"fits no track; new track {tid}",
                )
            )
            return None
        self.decisions.append(
            Decision(
                i,
                float(o.time[i]),
                kind,
                str(o.source[i]),
                "skipped",
                None,
                None,
                1.0,
                note="fits no track and a single sighting has no range; "
                "two sightings from different places are needed to start a track",
            )
        )
        return None
