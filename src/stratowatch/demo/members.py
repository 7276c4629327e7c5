"""An ensemble's members at a time: positions, median and radii, coverage of a report by its
50/90 % regions, the median path, the prediction cut at a horizon and its spread over time."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from ..timeutil import iso
from .config import FloatArray

__all__ = [
    "coverage_of",
    "pred_backward",
    "_members_at",
    "_inside",
    "_ensemble_summary",
    "_ensemble_at",
    "_median_path",
    "_cut",
    "_spread",
]


def _members_at(pred: Any, t: float) -> tuple[FloatArray, FloatArray]:
    """Member positions (deg) at time ``t``, linear in time between output steps."""
    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.asarray(pred.lat, dtype=np.float64)
    lon = np.asarray(pred.lon, dtype=np.float64)
    order = np.argsort(times)
    times, lat, lon = times[order], lat[:, order], lon[:, order]
    if t <= times[0]:
        return lat[:, 0], lon[:, 0]
    if t >= times[-1]:
        return lat[:, -1], lon[:, -1]
    j = int(np.searchsorted(times, t))
    w = (t - times[j - 1]) / (times[j] - times[j - 1])
    dlon = (lon[:, j] - lon[:, j - 1] + 180.0) % 360.0 - 180.0
    return (1 - w) * lat[:, j - 1] + w * lat[:, j], lon[:, j - 1] + w * dlon


def _inside(region: dict[str, Any] | None, lat: float, lon: float) -> bool:
    """Whether (lat, lon) lies inside an ellipse of `predict.regions.ellipse`."""
    from ..predict.regions import local_en

    if region is None:
        return False
    east, north = local_en(lat, lon, region["lat"], region["lon"])
    th = math.radians(region["orientation_deg"])
    # inverse of the rotation in `predict.regions.ellipse_polygon` (it is its own inverse)
    x = float(east) * math.sin(th) + float(north) * math.cos(th)
    y = float(east) * math.cos(th) - float(north) * math.sin(th)
    a = max(region["semi_major_km"] * 1e3, 1.0)
    b = max(region["semi_minor_km"] * 1e3, 1.0)
    return (x / a) ** 2 + (y / b) ** 2 <= 1.0


def coverage_of(pred: Any, t: float, lat: float, lon: float) -> dict[str, Any]:
    """How well an ensemble covers a later report at (t, lat, lon).

    The members' positions at t (linear between output steps) give the median position and
    the 50 % and 90 % regions of `stratowatch.predict.regions.ellipse` (normal-theory ellipses,
    chi-square with 2 degrees of freedom [WILKS2011]_), the same regions the map draws. Returns
    the report's distance from the median (km), whether it lies inside each region, and each
    region's empirical coverage (fraction of members inside: how honest the ellipse is).
    """
    from ..predict.regions import distance_km, ellipse, median_lonlat

    mlat, mlon = _members_at(pred, t)
    alive = int((np.isfinite(mlat) & np.isfinite(mlon)).sum())
    e50, e90 = ellipse(mlat, mlon, 0.5), ellipse(mlat, mlon, 0.9)
    if e50 is None or e90 is None:
        return {"members_alive": alive, "inside_50": False, "inside_90": False}
    clat, clon = median_lonlat(mlat, mlon)
    return {
        "median_lat": round(clat, 4),
        "median_lon": round(clon, 4),
        "distance_km": round(float(distance_km(lat, lon, clat, clon)), 1),
        "inside_50": _inside(e50, lat, lon),
        "inside_90": _inside(e90, lat, lon),
        "r90_semi_axes_km": [round(e90["semi_major_km"], 1), round(e90["semi_minor_km"], 1)],
        "coverage_90": round(e90["coverage"], 3),
        "members_alive": alive,
    }


def _ensemble_summary(pred: Any) -> dict[str, Any]:
    end = dict(pred.end)
    return {
        "time": end["time"] if isinstance(end["time"], str) else iso(end["time"]),
        "lat": round(float(end["lat"]), 4),
        "lon": round((float(end["lon"]) + 180.0) % 360.0 - 180.0, 4),
        "r50_km": round(float(end["r50_km"]), 1),
        "r90_km": round(float(end["r90_km"]), 1),
    }


def _ensemble_at(pred: Any, t: float) -> dict[str, Any]:
    """Median position and 50/90 % radii (km) of the members at time ``t``."""
    from ..predict.regions import median_lonlat, radius_quantiles_km

    mlat, mlon = _members_at(pred, t)
    clat, clon = median_lonlat(mlat, mlon)
    r50, r90 = radius_quantiles_km(mlat, mlon, clat, clon, (0.5, 0.9))
    return {
        "time": iso(t),
        "lat": round(clat, 4),
        "lon": round(clon, 4),
        "r50_km": round(r50, 1),
        "r90_km": round(r90, 1),
    }


def pred_backward(pred: Any) -> bool:
    """True for a backward run (times decreasing)."""
    t = np.asarray(pred.times, dtype=np.float64)
    return bool(len(t) > 1 and t[-1] < t[0])


def _median_path(pred: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Times, median latitude and (circular) median longitude of the members at each output."""
    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.nanmedian(np.asarray(pred.lat, dtype=np.float64), axis=0)
    lon_r = np.radians(np.asarray(pred.lon, dtype=np.float64))
    lon = np.degrees(np.arctan2(np.nanmedian(np.sin(lon_r), 0), np.nanmedian(np.cos(lon_r), 0)))
    return times, lat, lon


def _cut(pred: Any, hours: float) -> Any:
    """The prediction up to ``hours`` after its start (members' ends at that time)."""
    times = np.asarray(pred.times, dtype=np.float64)
    m = int(np.searchsorted(times - times[0], hours * 3600.0 + 1e-6, side="right"))
    if m >= times.size:
        return pred
    lat, lon, alt = pred.lat[:, :m], pred.lon[:, :m], pred.alt[:, :m]
    alive = np.isfinite(lat[:, -1])
    end_time = np.where(alive, times[m - 1], pred.end_time)
    return replace(
        pred,
        times=times[:m].copy(),
        lat=lat.copy(),
        lon=lon.copy(),
        alt=alt.copy(),
        end_time=end_time,
        end_lat=np.where(alive, lat[:, -1], pred.end_lat),
        end_lon=np.where(alive, lon[:, -1], pred.end_lon),
        end_alt=np.where(alive, alt[:, -1], pred.end_alt),
        landed=pred.landed & ~alive,
    )


def _spread(pred: Any) -> dict[str, list[Any]]:
    """Equal-area radius of the 90 % region, sqrt(a*b) of `predict.regions.ellipse` (km)."""
    from ..predict.regions import ellipse

    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.asarray(pred.lat, dtype=np.float64)
    lon = np.asarray(pred.lon, dtype=np.float64)
    out: dict[str, list[Any]] = {"time": [], "r90_km": []}
    for k in range(0, len(times), max(1, len(times) // 36)):
        reg = ellipse(lat[:, k], lon[:, k], 0.9)
        if reg is None:
            continue
        out["time"].append(iso(float(times[k])))
        out["r90_km"].append(round(math.sqrt(reg["semi_major_km"] * reg["semi_minor_km"]), 1))
    return out
