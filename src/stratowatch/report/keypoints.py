"""Key points of a prediction as numbers (start, burst or highest point, end), shared by the
flight page (`report.flight`) and its words (`report.words`)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.tops import top_index

__all__ = ["flight_summary", "top_index"]

FloatArray = npt.NDArray[np.float64]


def _circ_median_lon(lon: FloatArray) -> float:
    lon = lon[np.isfinite(lon)]
    if lon.size == 0:
        return float("nan")
    c = math.degrees(math.atan2(np.sin(np.radians(lon)).mean(), np.cos(np.radians(lon)).mean()))
    return float(c + np.median((lon - c + 180.0) % 360.0 - 180.0))


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def flight_summary(pred: Any) -> dict[str, Any]:
    """Key figures of a prediction, as numbers (SI, degrees, epoch s): ``start``, ``top``
    (burst or highest point: time, lat, lon, alt, their 5-95 % spread), ``end`` (median time,
    lat, lon, r50/r90 km, landed fraction), ``members``, ``word`` ("landing", "end" or
    "origin") and ``top_word`` ("burst" or "highest point")."""
    from ..predict.regions import median_lonlat

    times = np.asarray(pred.times, dtype=np.float64)
    # the paths stay in their own precision (float32 for big ensembles: no float64 copy of
    # 100,000 paths); only the picked points are widened, which gives the same numbers. A
    # run without its paths kept these points (found the same way, chunk by chunk) and the
    # start (column 0 of ``lat``, ``lon``, ``alt``)
    lat = np.asarray(pred.lat)
    lon = np.asarray(pred.lon)
    alt = np.asarray(pred.alt)
    n = lat.shape[0]
    tops = pred.highest_points()
    top_alt, top_t, top_lat, top_lon = tops.alt, tops.time, tops.lat, tops.lon
    tlat, tlon = median_lonlat(top_lat, top_lon)
    end = pred.end
    landed = float(np.mean(np.asarray(pred.landed, dtype=bool)))
    word = "origin" if pred.backward else ("landing" if landed > 0.5 else "end")
    # a burst is a top followed by a descent; a float stays at its highest level
    descended = bool(np.nanmedian(top_alt - np.asarray(pred.end_alt, dtype=np.float64)) > 1000.0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "members": n,
            "profile": pred.profile,
            "backward": bool(pred.backward),
            "wind": pred.wind_source,
            "start": {
                "time": float(times[0]),
                "lat": float(np.nanmedian(lat[:, 0].astype(np.float64))),
                "lon": _wrap(_circ_median_lon(lon[:, 0].astype(np.float64))),
                "alt": float(np.nanmedian(alt[:, 0].astype(np.float64))),
            },
            "top_word": "burst" if descended and not pred.backward else "highest point",
            "top": {
                "time": float(np.median(top_t)),
                "time_5_95": [float(np.percentile(top_t, 5)), float(np.percentile(top_t, 95))],
                "lat": tlat,
                "lon": tlon,
                "alt": float(np.nanmedian(top_alt)),
                "alt_5_95": [
                    float(np.nanpercentile(top_alt, 5)),
                    float(np.nanpercentile(top_alt, 95)),
                ],
            },
            "word": word,
            "end": {
                "time": float(end["time"]),
                "time_5_95": [
                    float(np.nanpercentile(pred.end_time, 5)),
                    float(np.nanpercentile(pred.end_time, 95)),
                ],
                "lat": float(end["lat"]),
                "lon": float(end["lon"]),
                "alt": float(end["alt"]),
                "r50_km": float(end["r50_km"]),
                "r90_km": float(end["r90_km"]),
                "landed_fraction": landed,
            },
            "top_points": (top_lat, top_lon, top_t),
            # each member's highest finite altitude (non-finite: a member without any)
            "top_alt": top_alt,
        }
