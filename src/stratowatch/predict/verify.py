r"""Hindcast verification on real flights: predict the descent of a tracked balloon from its own
data and measure the error against where it really went.

Procedure (`hindcast`):

1. Read the track (APRS logs with ``A=`` feet, SHAB APRS CSV, position CSV: the readers of
   `io.readers`), keep fixes with an altitude, sorted by time.
2. Find the final descent: the longest tail of the flight in which the altitude falls faster
   than 1 m/s over every 10-minute window. Its first fix is the prediction start (the burst
   of a latex balloon; the start of the sunset descent of a solar balloon).
3. Estimate the wind profile from the flight before that point: the velocity between
   successive fixes of each tracker (20 s to 10 min apart) is the wind at their mean altitude
   (a free balloon drifts with the air: the assumption of every balloon predictor,
   [TAWHIRI]_), averaged in altitude bins (500 m) and turned into a steady, horizontally
   uniform `profile_wind`. Any other wind source can be
   given instead.
4. Fit the parachute model's sea-level descent rate to the observed descent,
   :math:`v_{sl} = \operatorname{median}(-w_i \sqrt{\rho(h_i)/\rho_0})` ([USSA1976]_), or use
   a given rate.
5. Predict the descent from the start fix to the altitude of the last fix; the landing error
   is the distance from the predicted to the last observed position. Then predict again from
   every later descent fix and compare each prediction with the fixes that follow it: errors
   by lead time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..atmosphere.standard import RHO0, density
from ..atmosphere.wind import GriddedWind, WindField, profile_wind
from ..errors import InputError
from ..flight.earth import meridian_radius, prime_vertical_radius
from ..io.readers import read_observations
from ..timeutil import iso
from .core import predict
from .regions import distance_km

__all__ = ["Track", "load_track", "ascent_wind", "final_descent_start", "hindcast", "Hindcast"]

FloatArray = npt.NDArray[np.float64]
LEAD_BINS_MIN = (0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 240.0)


@dataclass(frozen=True, eq=False)
class Track:
    """A flight: fixes sorted by time (epoch s, deg, deg, m) and each fix's tracker name."""

    name: str
    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    source: npt.NDArray[np.str_]
    issues: int = 0


def load_track(paths: str | Path | Sequence[str | Path]) -> Track:
    """Read one flight from one or several files (several trackers on one balloon)."""
    items: list[str | Path] = [paths] if isinstance(paths, str | Path) else list(paths)
    obs = read_observations(items)
    ok = obs.positional & np.isfinite(obs.alt)
    if int(ok.sum()) < 10:
        raise InputError(
            f"a track needs at least 10 fixes with an altitude, found {int(ok.sum())}",
            path=str(items[0]),
            expected="a balloon flight (APRS log, SHAB CSV or position CSV)",
        )
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(obs.time[idx], kind="stable")]
    return Track(
        name=Path(items[0]).stem,
        time=obs.time[idx].astype(np.float64),
        lat=obs.lat[idx].astype(np.float64),
        lon=obs.lon[idx].astype(np.float64),
        alt=obs.alt[idx].astype(np.float64),
        source=obs.source[idx],
        issues=len(obs.issues),
    )


def _vertical_speed(track: Track, window_s: float = 600.0) -> FloatArray:
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


def final_descent_start(track: Track, *, min_rate: float = 1.0) -> int:
    """Index of the first fix of the final descent (falling faster than ``min_rate`` m/s)."""
    w = _vertical_speed(track)
    sinking = w < -min_rate
    if not sinking[-1]:
        # the last window may be on the ground: ignore a flat tail below 20 % of the top
        low = track.alt < 0.2 * np.nanmax(track.alt)
        sinking = sinking | (low & (np.arange(w.size) > int(np.argmax(track.alt))))
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
    # (the burst itself)
    near = np.flatnonzero(np.abs(track.time - track.time[j]) <= 600.0)
    return int(near[np.argmax(track.alt[near])])


def ascent_wind(track: Track, end: int | None = None, *, bin_m: float = 500.0) -> GriddedWind:
    """The wind profile the flight measured before fix ``end`` (default: the descent start):
    successive-fix velocities of each tracker averaged in altitude bins."""
    stop = final_descent_start(track) if end is None else end
    us: list[FloatArray] = []
    vs: list[FloatArray] = []
    hs: list[FloatArray] = []
    for src in np.unique(track.source[:stop]):
        sel = np.flatnonzero(track.source[:stop] == src)
        if sel.size < 2:
            continue
        t = track.time[sel]
        dt = np.diff(t)
        good = (dt >= 20.0) & (dt <= 600.0)
        a, b = sel[:-1][good], sel[1:][good]
        if a.size == 0:
            continue
        # displacement with the WGS84 radii of curvature at the pair's mean latitude/height
        mid_lat = 0.5 * (track.lat[a] + track.lat[b])
        mid_h = 0.5 * (track.alt[a] + track.alt[b])
        dx = np.radians(((track.lon[b] - track.lon[a] + 180.0) % 360.0) - 180.0)
        dx = dx * (prime_vertical_radius(mid_lat) + mid_h) * np.cos(np.radians(mid_lat))
        dy = np.radians(track.lat[b] - track.lat[a]) * (meridian_radius(mid_lat) + mid_h)
        us.append(dx / dt[good])
        vs.append(dy / dt[good])
        hs.append(0.5 * (track.alt[a] + track.alt[b]))
    if not hs:
        raise InputError(
            "too few successive fixes before the descent to estimate the wind",
            path=track.name,
            expected="fixes 20 s to 10 min apart during the ascent",
        )
    h = np.concatenate(hs)
    u = np.concatenate(us)
    v = np.concatenate(vs)
    keep = np.hypot(u, v) < 150.0  # drops GPS glitches (no balloon drifts at > 150 m/s)
    h, u, v = h[keep], u[keep], v[keep]
    k = np.floor(h / bin_m).astype(np.int64)
    levels, inv = np.unique(k, return_inverse=True)
    cnt = np.bincount(inv)
    hc = np.bincount(inv, weights=h) / cnt
    uc = np.bincount(inv, weights=u) / cnt
    vc = np.bincount(inv, weights=v) / cnt
    return profile_wind(
        hc,
        uc,
        vc,
        source=f"{track.name} ascent ({int(levels.size)} levels of {bin_m:g} m)",
        kind="profile",
        warnings=("wind estimated from the flight's own track before the descent",),
    )


def fitted_descent_rate(track: Track, start: int) -> float:
    """Sea-level descent rate (m/s) of the parachute model fitted to the descent fixes."""
    w = _vertical_speed(track, 120.0)[start:]
    h = track.alt[start:]
    ok = (w < -0.5) & np.isfinite(w)
    if not ok.any():
        return 5.0
    rho = density(h[ok])
    return float(np.median(-w[ok] * np.sqrt(rho / RHO0)))


@dataclass(frozen=True, eq=False)
class Hindcast:
    """Result of `hindcast`: landing error (km), errors by lead time, what was used."""

    track: str
    start_time: float
    start_lat: float
    start_lon: float
    start_alt: float
    end_alt: float
    observed_lat: float
    observed_lon: float
    predicted_lat: float
    predicted_lon: float
    landing_error_km: float
    descent_distance_km: float
    descent_rate: float
    wind: str
    by_lead: list[dict[str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "track": self.track,
            "start": {
                "time": iso(self.start_time),
                "lat": round(self.start_lat, 5),
                "lon": round(self.start_lon, 5),
                "alt_m": round(self.start_alt, 1),
            },
            "end_alt_m": round(self.end_alt, 1),
            "observed_end": [round(self.observed_lat, 5), round(self.observed_lon, 5)],
            "predicted_end": [round(self.predicted_lat, 5), round(self.predicted_lon, 5)],
            "landing_error_km": round(self.landing_error_km, 3),
            "descent_distance_km": round(self.descent_distance_km, 3),
            "descent_rate_m_s": round(self.descent_rate, 3),
            "wind": self.wind,
            "by_lead": self.by_lead,
            "warnings": self.warnings,
        }


def hindcast(
    track: Track | str | Path | Sequence[str | Path],
    *,
    wind: str | WindField | None = None,
    descent_rate: float | None = None,
    max_starts: int = 40,
) -> Hindcast:
    """Predict a real flight's final descent and measure the error (see module notes).

    Parameters
    ----------
    track : a `Track` or the file(s) of one flight.
    wind : None or ``"ascent"``: the profile the flight itself measured before its descent;
        else any wind source (``climatology``, a GFS file, a `WindField`).
    descent_rate : sea-level parachute descent rate (m/s); default: fitted to the descent.
    max_starts : at most this many later start fixes for the errors by lead time.
    """
    trk = track if isinstance(track, Track) else load_track(track)
    start = final_descent_start(trk)
    field_: str | WindField = (
        ascent_wind(trk, start) if (wind is None or wind == "ascent") else wind
    )
    rate = fitted_descent_rate(trk, start) if descent_rate is None else float(descent_rate)
    ground = float(trk.alt[-1])
    t0 = float(trk.time[start])
    hours = max((trk.time[-1] - t0) * 3.0 / 3600.0, 1.0)

    def run(k: int) -> Any:
        return predict(
            float(trk.time[k]), float(trk.lat[k]), float(trk.lon[k]), float(trk.alt[k]),
            profile="descent", wind=field_, hours=hours, descent_rate=rate, ground=ground,
            wind_sigma=0.0, output_step_s=10.0,
        )  # fmt: skip

    first = run(start)
    err = float(distance_km(first.end_lat[0], first.end_lon[0], trk.lat[-1], trk.lon[-1]))
    travelled = float(distance_km(trk.lat[start], trk.lon[start], trk.lat[-1], trk.lon[-1]))
    # errors by lead time, from the start and later descent fixes
    later = np.arange(start, trk.time.size - 1)
    if later.size > max_starts:
        later = np.unique(np.linspace(start, trk.time.size - 2, max_starts).astype(np.int64))
    leads: list[FloatArray] = []
    errs: list[FloatArray] = []
    for k in later:
        if trk.alt[k] <= ground + 50.0:
            continue
        p = first if k == start else run(int(k))
        after = np.arange(k + 1, trk.time.size)
        tt = trk.time[after]
        lat_p = np.interp(tt, p.times, p.lat[0], right=np.nan)
        lon_p = np.interp(tt, p.times, p.lon[0], right=np.nan)
        # past the predicted landing the object stays where it landed
        landed = ~np.isfinite(lat_p)
        lat_p[landed] = p.end_lat[0]
        lon_p[landed] = p.end_lon[0]
        leads.append((tt - trk.time[k]) / 60.0)
        errs.append(distance_km(lat_p, lon_p, trk.lat[after], trk.lon[after]))
    lead = np.concatenate(leads) if leads else np.zeros(0)
    error = np.concatenate(errs) if errs else np.zeros(0)
    by_lead = []
    for lo_, hi_ in zip(LEAD_BINS_MIN[:-1], LEAD_BINS_MIN[1:], strict=True):
        sel = (lead >= lo_) & (lead < hi_)
        if sel.any():
            by_lead.append(
                {
                    "lead_min_from": lo_,
                    "lead_min_to": hi_,
                    "n": int(sel.sum()),
                    "median_km": round(float(np.median(error[sel])), 3),
                    "p90_km": round(float(np.quantile(error[sel], 0.9)), 3),
                }
            )
    meta = field_.meta if not isinstance(field_, str) else None
    return Hindcast(
        track=trk.name,
        start_time=t0,
        start_lat=float(trk.lat[start]),
        start_lon=float(trk.lon[start]),
        start_alt=float(trk.alt[start]),
        end_alt=ground,
        observed_lat=float(trk.lat[-1]),
        observed_lon=float(trk.lon[-1]),
        predicted_lat=float(first.end_lat[0]),
        predicted_lon=float(first.end_lon[0]),
        landing_error_km=err,
        descent_distance_km=travelled,
        descent_rate=rate,
        wind=meta.source if meta is not None else first.wind_source,
        by_lead=by_lead,
        warnings=list(first.warnings)
        + ([f"{trk.issues} unreadable packet(s) skipped"] if trk.issues else []),
    )
