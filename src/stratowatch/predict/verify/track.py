r"""A real flight as verification sees it: fixes in time order, where it landed, where its
final descent began.

- **Reading** (`load_track`): APRS logs, SHAB CSV (`io.readers`), delimited position logs
  (``time,lat,lon,alt``, radiosonde_auto_rx, radiosondy.info; `io.logs`) and UKHAS logs. One
  flight may come from several files (several trackers on one balloon) or a folder of them.
  Fixes are sorted by time, one per time (the first reception).
- **Landing by ground dwell** (`find_landing`): after the top of the flight, the first fix
  from which the tracker stays still: over the next 60 s (at least 4 fix intervals and 4
  fixes) its least-squares vertical and horizontal speeds are below 0.5 m/s, and it does not
  go on falling afterwards. The ground altitude and the landing point are the medians of the
  fixes that follow while it stays still. A log that ends in the air (or too sparse to show a
  dwell) "lands" at its last fix, at that fix's altitude. A log that goes on for minutes on the
  ground therefore does not move the descent start or the truth.
- **Final descent** (`final_descent_start`): on the flight up to its landing, the longest
  tail falling faster than 1 m/s over every 10-minute window; it starts at the highest fix
  within 10 minutes of that tail's first fix (the burst of a latex balloon, i.e. the highest
  point of the flight; the start of the sunset descent of a solar balloon, which may have been
  higher earlier in its float). If the flight lost at least 300 m in every 30 minutes since
  its highest fix (a slow, uneven descent), the descent starts at the highest fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ...errors import InputError
from ...io.logs import looks_like_log, read_log
from ...io.readers import read_observations, sniff_format
from ..regions import local_en

__all__ = [
    "Track",
    "Landing",
    "load_track",
    "track_files",
    "find_landing",
    "final_descent_start",
    "vertical_speed",
]

FloatArray = npt.NDArray[np.float64]

_NOT_TRACKS = ("license", "licence", "source", "readme", "copying", "notice")
_NOT_TRACK_SUFFIX = (".md", ".pdf", ".png", ".jpg", ".jpeg", ".kml", ".kmz", ".zip", ".json")


@dataclass(frozen=True, eq=False)
class Track:
    """A flight: fixes sorted by time (epoch s, deg, deg, m MSL), one per time, and each fix's
    tracker name. ``issues``: rows skipped by the readers; ``notes``: what the readers fixed
    (reordering, repeated receptions)."""

    name: str
    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    source: npt.NDArray[np.str_]
    issues: int = 0
    notes: tuple[str, ...] = ()

    def upto(self, time: float) -> Track:
        """The track as known at ``time`` (epoch s): its fixes at or before it."""
        n = int(np.searchsorted(self.time, time, side="right"))
        return Track(
            self.name, self.time[:n], self.lat[:n], self.lon[:n], self.alt[:n],
            self.source[:n], self.issues, self.notes,
        )  # fmt: skip

    def head(self, n: int) -> Track:
        """The first ``n`` fixes."""
        return Track(
            self.name, self.time[:n], self.lat[:n], self.lon[:n], self.alt[:n],
            self.source[:n], self.issues, self.notes,
        )  # fmt: skip


@dataclass(frozen=True)
class Landing:
    """Where a flight ended: ``index`` of the first fix on the ground (or the last fix),
    ``time`` (epoch s), ``lat``/``lon`` (deg), ``ground`` (m MSL), ``dwell_s`` (s seen still on
    the ground, 0 if the log ends in the air) and ``landed`` (a dwell was seen)."""

    index: int
    time: float
    lat: float
    lon: float
    ground: float
    dwell_s: float
    landed: bool


def track_files(item: str | Path) -> list[Path]:
    """The track files of a flight folder (licence, source and image files left out), or the
    file itself."""
    p = Path(item)
    if not p.is_dir():
        return [p]
    files = sorted(
        f
        for f in p.iterdir()
        if f.is_file()
        and not f.name.lower().startswith(_NOT_TRACKS)
        and not f.name.startswith(".")
        and f.suffix.lower() not in _NOT_TRACK_SUFFIX
    )
    if not files:
        raise InputError("no track files in the folder", path=p, expected="flight log files")
    return files


def load_track(paths: str | Path | Sequence[str | Path]) -> Track:
    """Read one flight from one or several files, or a folder of them (see module notes)."""
    items: list[str | Path] = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise InputError("no track files given", expected="one or more flight log files")
    files = [f for item in items for f in track_files(item)]
    ts: list[FloatArray] = []
    las: list[FloatArray] = []
    los: list[FloatArray] = []
    als: list[FloatArray] = []
    srcs: list[npt.NDArray[np.str_]] = []
    issues = 0
    notes: list[str] = []
    for f in files:
        if not f.exists():
            raise InputError("file not found", path=f)
        fmt = sniff_format(f)
        if fmt == "csv" and looks_like_log(f):
            lg = read_log(f)
            ts.append(lg.time)
            las.append(lg.lat)
            los.append(lg.lon)
            als.append(lg.alt)
            srcs.append(lg.source)
            issues += len(lg.issues)
            if lg.reordered:
                notes.append(f"{f.name}: rows not in time order (sorted)")
            if lg.repeats:
                notes.append(f"{f.name}: {lg.repeats} repeated time(s), first reception kept")
            continue
        obs = read_observations([f])
        ok = obs.positional & np.isfinite(obs.alt)
        ts.append(obs.time[ok].astype(np.float64))
        las.append(obs.lat[ok].astype(np.float64))
        los.append(obs.lon[ok].astype(np.float64))
        als.append(obs.alt[ok].astype(np.float64))
        srcs.append(obs.source[ok].astype(np.str_))
        issues += len(obs.issues)
    t = np.concatenate(ts)
    if t.size < 10:
        raise InputError(
            f"a track needs at least 10 fixes with an altitude, found {t.size}",
            path=str(files[0]),
            expected="a balloon flight (APRS log, SHAB CSV, position log or UKHAS log)",
        )
    order = np.argsort(t, kind="stable")
    t = t[order]
    keep = np.ones(t.size, dtype=bool)
    keep[1:] = np.diff(t) > 0.0
    idx = order[keep]
    if (~keep).sum() and len(files) > 1:
        notes.append(f"{int((~keep).sum())} fix(es) at a time already seen in another file dropped")
    first = Path(items[0])
    name = first.name if first.is_dir() else first.stem
    return Track(
        name=name,
        time=t[keep],
        lat=np.concatenate(las)[idx],
        lon=np.concatenate(los)[idx],
        alt=np.concatenate(als)[idx],
        source=np.concatenate(srcs)[idx],
        issues=issues,
        notes=tuple(notes),
    )


def _window_slopes(t: FloatArray, x: FloatArray, ends: npt.NDArray[np.intp]) -> FloatArray:
    """Least-squares slope of x(t) over the fixes k..ends[k]-1 of each k (prefix sums)."""
    tt = t - t[0]
    c = np.concatenate([[0.0], np.cumsum(np.ones_like(tt))])
    st = np.concatenate([[0.0], np.cumsum(tt)])
    stt = np.concatenate([[0.0], np.cumsum(tt * tt)])
    sx = np.concatenate([[0.0], np.cumsum(x)])
    stx = np.concatenate([[0.0], np.cumsum(tt * x)])
    k = np.arange(t.size)
    n = c[ends] - c[k]
    a_t = st[ends] - st[k]
    a_tt = stt[ends] - stt[k]
    a_x = sx[ends] - sx[k]
    a_tx = stx[ends] - stx[k]
    den = n * a_tt - a_t * a_t
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(den > 0, (n * a_tx - a_t * a_x) / den, np.nan))


def find_landing(
    track: Track,
    *,
    dwell_s: float = 60.0,
    max_speed: float = 0.5,
    alt_tol_m: float = 30.0,
    pos_tol_m: float = 100.0,
    min_fall_m: float = 500.0,
) -> Landing:
    """Where the flight landed, by ground dwell: the first fix after the top (and at least
    ``min_fall_m`` below it) from which, over the next ``dwell_s`` (at least 4 fix intervals,
    at least 4 fixes), the least-squares vertical, east and north speeds are all below
    ``max_speed`` (GPS noise of single fixes averages out), and after which the altitude does
    not go on falling (5 % quantile of the later fixes within ``alt_tol_m`` of the window's
    median). The dwell lasts while the fixes stay within ``alt_tol_m`` / ``pos_tol_m`` of it.
    """
    t, a = track.time, track.alt
    n = t.size
    top = int(np.argmax(a))
    gaps = np.diff(t)
    step = float(np.median(gaps)) if gaps.size else 0.0
    window = max(dwell_s, 4.0 * step)
    e, nn = local_en(track.lat, track.lon, float(track.lat[top]), float(track.lon[top]))
    ends = np.searchsorted(t, t + window, side="right")  # one past each window
    full = (t[np.minimum(ends, n) - 1] - t >= 0.9 * window) & (ends - np.arange(n) >= 4)
    still = full & (np.arange(n) > top) & (a <= a[top] - min_fall_m)
    for x in (a, e, nn):
        sl = _window_slopes(t, x, ends)
        still &= np.abs(np.nan_to_num(sl, nan=np.inf)) <= max_speed
    for k in np.flatnonzero(still):
        seg = slice(int(k), int(ends[k]))
        ref_a = float(np.median(a[seg]))
        if float(np.quantile(a[k:], 0.05)) < ref_a - alt_tol_m:
            continue  # it went on down: a pause in the air, not the ground
        ref_e, ref_n = float(np.median(e[seg])), float(np.median(nn[seg]))
        near = (np.abs(a[k:] - ref_a) <= alt_tol_m) & (
            np.hypot(e[k:] - ref_e, nn[k:] - ref_n) <= pos_tol_m
        )
        if not near[0]:
            continue  # still coming down onto the window's ground
        last = int(k) + (int(np.argmin(near)) if not near.all() else near.size) - 1
        sel = slice(int(k), last + 1)
        return Landing(
            index=int(k),
            time=float(t[k]),
            lat=float(np.median(track.lat[sel])),
            lon=float(np.median(track.lon[sel])),
            ground=float(np.median(a[sel])),
            dwell_s=float(t[last] - t[k]),
            landed=True,
        )
    return Landing(
        index=n - 1,
        time=float(t[-1]),
        lat=float(track.lat[-1]),
        lon=float(track.lon[-1]),
        ground=float(a[-1]),
        dwell_s=0.0,
        landed=False,
    )


def vertical_speed(track: Track, window_s: float = 600.0) -> FloatArray:
    """Vertical speed (m/s) at each fix over the next ``window_s`` (the last fixes: the
    previous window)."""
    t, a = track.time, track.alt
    ahead = np.interp(np.minimum(t + window_s, t[-1]), t, a)
    span = np.minimum(t + window_s, t[-1]) - t
    back = np.interp(np.maximum(t - window_s, t[0]), t, a)
    span_b = t - np.maximum(t - window_s, t[0])
    w = np.where(
        span > 60.0, (ahead - a) / np.maximum(span, 1e-9), (a - back) / np.maximum(span_b, 1e-9)
    )
    return np.asarray(w)


def final_descent_start(track: Track, *, min_rate: float = 1.0, end: int | None = None) -> int:
    """Index of the first fix of the final descent (falling faster than ``min_rate`` m/s) of
    the flight up to fix ``end`` (default: its landing by `find_landing`)."""
    stop = find_landing(track).index if end is None else int(end)
    trk = track.head(stop + 1)
    if trk.time.size < 3:
        raise InputError(
            "no final descent found in the track", path=track.name,
            expected="a flight ending with a descent (altitude falling > 1 m/s)",
        )  # fmt: skip
    w = vertical_speed(trk)
    sinking = w < -min_rate
    if not sinking[-1]:
        raise InputError(
            "no final descent found in the track",
            path=track.name,
            expected="a flight ending with a descent (altitude falling > 1 m/s)",
        )
    j = w.size - 1
    while j > 0 and sinking[j - 1]:
        j -= 1
    # the windows look 10 min ahead: start at the highest fix within 10 min of the onset
    near = np.flatnonzero(np.abs(trk.time - trk.time[j]) <= 600.0)
    start = int(near[np.argmax(trk.alt[near])])
    # a slow descent with pauses (a leaking balloon): if it never stopped falling since the
    # top of the flight (every 30 min it lost at least 300 m), the descent starts at the top
    top = int(np.argmax(trk.alt))
    if top < start:
        t_end = np.minimum(trk.time[top:start] + 1800.0, trk.time[start])
        full = t_end - trk.time[top:start] >= 1800.0
        later = np.interp(t_end, trk.time, trk.alt)
        if np.all((later - trk.alt[top:start])[full] <= -300.0):
            return top
    return start
