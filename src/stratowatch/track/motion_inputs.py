"""Inputs of `explain_motion`: the reports (files, observations or a tracking result) reduced to
time-ordered epochs with their position and time uncertainties, and the verdict names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .geometry import enu_offset, offset_latlon
from .observations import Observations
from .tracker import Track, TrackingResult

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


PASSIVE = "passive at one altitude"
CHANGES = "needed altitude changes"
PROPULSION = "needed propulsion beyond what the winds allow"
VERDICTS: tuple[str, str, str] = (PASSIVE, CHANGES, PROPULSION)
_KEYS = ("passive", "altitude_changes", "propulsion")
_SAME_EPOCH_S = 60.0
_CAP = 200_000  # candidate hypotheses per expansion (memory and time bound)
_LOG2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class _Epochs:
    """Report epochs: time (s), lat, lon (deg), R (n, 2, 2) m^2 east/north at the report,
    alt / alt_sigma (m, NaN unknown), and the number of reports fused into each."""

    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    cov: FloatArray
    alt: FloatArray
    alt_sigma: FloatArray
    count: IntArray
    time_sigma: FloatArray


def _observations_from(
    source: Any, track_id: int | None, warnings: list[str]
) -> tuple[FloatArray, ...]:
    """(time, lat, lon, sigma_e, sigma_n, time_sigma, alt, alt_sigma) of the reports."""
    if isinstance(source, str | Path) or (
        isinstance(source, Sequence) and source and all(isinstance(p, str | Path) for p in source)
    ):
        from ..io.readers import read_observations

        paths = [source] if isinstance(source, str | Path) else list(source)
        source = read_observations(paths)
    if isinstance(source, TrackingResult):
        tracks = list(source.tracks)
        if not tracks:
            raise InputError("the tracking result has no track", expected="at least one track")
        if track_id is None:
            confirmed = [t for t in tracks if t.status == "confirmed"]
            tr = max(confirmed or tracks, key=lambda t: (t.n_updates, len(t)))
        else:
            try:
                tr = source.track(track_id)
            except KeyError:
                raise InputError(
                    "no such track",
                    field="track_id",
                    value=track_id,
                    expected=", ".join(str(t.track_id) for t in tracks),
                ) from None
        idx = tr.obs_index[tr.obs_index >= 0]
        source = source.observations.take(np.unique(idx))
    if isinstance(source, Observations):
        obs = source.sorted()
        pos = obs.positional
        if not pos.all():
            warnings.append(f"{int((~pos).sum())} report(s) without a position (angles) ignored")
        o = obs.take(pos)
        return (
            o.time,
            o.lat,
            o.lon,
            o.sigma_h,
            o.sigma_h,
            o.time_sigma,
            o.alt,
            np.where(np.isfinite(o.alt), o.sigma_alt, np.nan),
        )
    if isinstance(source, Track):
        warnings.append(
            "explained from the track's own states at its report times, which already assumed "
            "a wind; pass the reports (or the TrackingResult) for an independent test"
        )
        k = source.obs_index >= 0
        return (
            source.time[k],
            source.lat[k],
            source.lon[k],
            source.sigma_e[k],
            source.sigma_n[k],
            np.zeros(int(k.sum())),
            source.alt[k],
            source.sigma_alt[k],
        )
    raise InputError(
        "cannot explain the motion of this input",
        value=type(source).__name__,
        expected="Observations, a TrackingResult, a Track, or report file path(s)",
    )


def _epochs(cols: tuple[FloatArray, ...], max_reports: int, warnings: list[str]) -> _Epochs:
    t, lat, lon, se, sn, ts, alt, sa = (np.asarray(c, dtype=np.float64) for c in cols)
    n = t.size
    if n == 0:
        raise InputError("no reports with a position", expected="at least two position reports")
    for name, a in (("time", t), ("lat", lat), ("lon", lon), ("sigma", se), ("sigma", sn)):
        bad = ~np.isfinite(a)
        if bad.any():
            raise InputError(
                f"non-finite {name} in report {int(np.argmax(bad)) + 1}",
                field=name,
                value=float(a[bad][0]),
                expected="finite values",
            )
    if np.any(np.abs(lat) > 90.0):
        i = int(np.argmax(np.abs(lat) > 90.0))
        raise InputError(
            f"latitude out of range in report {i + 1}",
            field="lat",
            value=float(lat[i]),
            expected="-90..90",
        )
    if np.any(se <= 0) or np.any(sn <= 0):
        raise InputError("report sigma must be > 0 m", field="sigma_h", expected="> 0 m")
    order = np.argsort(t, kind="stable")
    t, lat, lon, se, sn, ts, alt, sa = (a[order] for a in (t, lat, lon, se, sn, ts, alt, sa))
    ts = np.where(np.isfinite(ts) & (ts > 0), ts, 0.0)
    # fuse reports of one moment (information form, on the first one's tangent plane)
    groups: list[list[int]] = []
    for i in range(n):
        if groups and t[i] - t[groups[-1][0]] <= _SAME_EPOCH_S:
            groups[-1].append(i)
        else:
            groups.append([i])
    if len(groups) < 2:
        raise InputError(
            "fewer than two report times",
            value=n,
            expected="reports at two or more different times (at least a minute apart)",
        )
    et, ela, elo, ecov, ealt, easig, cnt, ets = [], [], [], [], [], [], [], []
    for g in groups:
        i0 = g[0]
        if len(g) == 1:
            et.append(t[i0])
            ela.append(lat[i0])
            elo.append(lon[i0])
            ecov.append(np.diag([se[i0] ** 2, sn[i0] ** 2]))
            ets.append(ts[i0])
        else:
            e, nn = enu_offset(lat[i0], lon[i0], lat[g], lon[g])
            info = np.zeros((2, 2))
            vec = np.zeros(2)
            for k, j in enumerate(g):
                w = np.diag([1.0 / se[j] ** 2, 1.0 / sn[j] ** 2])
                info += w
                vec += w @ np.array([e[k], nn[k]])
            cov = np.linalg.inv(info)
            m = cov @ vec
            la2, lo2 = offset_latlon(lat[i0], lon[i0], m[0], m[1])
            et.append(float(np.mean(t[g])))
            ela.append(float(la2))
            elo.append(float(lo2))
            ecov.append(cov)
            ets.append(float(np.min(ts[g])))
        a_ok = [j for j in g if np.isfinite(alt[j]) and np.isfinite(sa[j]) and sa[j] > 0]
        if a_ok:
            wts = np.array([1.0 / sa[j] ** 2 for j in a_ok])
            ealt.append(float(np.sum(wts * alt[a_ok]) / wts.sum()))
            easig.append(float(1.0 / math.sqrt(wts.sum())))
        else:
            ealt.append(math.nan)
            easig.append(math.nan)
        cnt.append(len(g))
    ep = _Epochs(
        time=np.array(et),
        lat=np.array(ela),
        lon=np.array(elo),
        cov=np.array(ecov),
        alt=np.array(ealt),
        alt_sigma=np.array(easig),
        count=np.array(cnt, dtype=np.int64),
        time_sigma=np.array(ets),
    )
    if ep.time.size > max_reports:
        keep = _thin(ep.time, max_reports)
        warnings.append(
            f"{ep.time.size} report times thinned to {keep.size} (about one per "
            f"{(ep.time[-1] - ep.time[0]) / (keep.size - 1) / 3600:.1f} h) for the search"
        )
        ep = _Epochs(*(getattr(ep, f)[keep] for f in ep.__dataclass_fields__))
    return ep


def _thin(t: FloatArray, n: int) -> IntArray:
    """Indices of at most n times, first and last kept, roughly evenly spaced in time."""
    targets = np.linspace(t[0], t[-1], n)
    idx = np.unique(np.clip(np.searchsorted(t, targets), 0, t.size - 1))
    idx = np.unique(np.concatenate([[0], idx, [t.size - 1]]))
    return idx.astype(np.int64)


def _with_time_uncertainty(ep: _Epochs) -> FloatArray:
    """Report covariances plus the along-track spread of their time uncertainty:
    R + sigma_t^2 v v^T, with v the ground velocity from the neighbouring reports."""
    n = ep.time.size
    out = ep.cov.copy()
    for i in range(n):
        if ep.time_sigma[i] <= 0:
            continue
        a = max(i - 1, 0)
        b = min(i + 1, n - 1)
        if b == a:
            continue
        ea, na = enu_offset(ep.lat[i], ep.lon[i], ep.lat[a], ep.lon[a])
        eb, nb = enu_offset(ep.lat[i], ep.lon[i], ep.lat[b], ep.lon[b])
        dt = ep.time[b] - ep.time[a]
        v = np.array([float(eb - ea), float(nb - na)]) / dt
        out[i] = out[i] + ep.time_sigma[i] ** 2 * np.outer(v, v)
    return out
