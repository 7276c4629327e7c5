"""Stage ``forecast``: what was known at the forecast start. The track as of the start gives the
float altitude and the wind's drift correction (`drift_bias`); the horizon follows
`forecast_horizon`, a rule that uses the forecast alone."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..atmosphere.wind import GriddedWind, WindField, WindGrid
from ..scenario import Report
from ..timeutil import iso
from .config import DemoConfig
from .features import _median_line, _region_features
from .members import _cut, _ensemble_at, _ensemble_summary, _median_path, _spread
from .reports import forecast_start
from .tracking import main_track

__all__ = ["drift_bias", "forecast_horizon", "stage_forecast", "_bias_corrected"]


def _bias_corrected(wind: WindField, du: float, dv: float) -> WindField:
    """The gridded ``wind`` with a constant (du, dv) m/s added: the track's drift minus the
    model wind at the forecast start (a first-order bias correction of the wind)."""
    grid = getattr(wind, "grid", None)
    if not isinstance(grid, WindGrid) or not isinstance(wind, GriddedWind):
        return wind
    g2 = replace(
        grid,
        u=(grid.u + np.float32(du)).astype(np.float32),
        v=(grid.v + np.float32(dv)).astype(np.float32),
    )
    meta = replace(
        wind.meta,
        source=f"{wind.meta.source} + track-drift bias ({du:+.1f}, {dv:+.1f}) m/s",
        warnings=(
            *wind.meta.warnings,
            f"bias-corrected by the track's drift: du={du:+.1f}, dv={dv:+.1f} m/s",
        ),
    )
    return GriddedWind(g2, meta)


def drift_bias(track: Any, wind: WindField, *, until: float) -> dict[str, Any]:
    """Mean wind error of ``wind`` measured by the track's own drift up to time ``until``.

    Each `track.track_wind` sample (the filtered ground velocity of a free balloon, a wind
    measurement at its altitude [TAWHIRI]_) minus the model wind there, averaged with weights
    1/sigma^2 (inverse-variance mean, [Taylor1997]_ eq. 7.10). Returns du, dv (m/s), their
    one-sigma and the number of samples; zeros when no sample precedes ``until``. Give it the
    track as of ``until`` (`track.Track.as_of`): a smoothed or later-estimated track would
    carry information from after ``until``.
    """
    from ..track import track_wind

    s = track_wind(track)
    sel = s.time <= until + 1.0
    if not sel.any():
        return {"du": 0.0, "dv": 0.0, "sigma": None, "samples": 0, "until": iso(until)}
    mu, mv = wind.uv(s.time[sel], s.lat[sel], s.lon[sel], s.alt[sel])
    w = 1.0 / np.maximum(s.sigma[sel], 0.1) ** 2
    du = float(np.sum(w * (s.u[sel] - mu)) / w.sum())
    dv = float(np.sum(w * (s.v[sel] - mv)) / w.sum())
    return {
        "du": round(du, 2),
        "dv": round(dv, 2),
        "sigma": round(float(1.0 / math.sqrt(w.sum())), 2),
        "samples": int(sel.sum()),
        "until": iso(until),
    }


def forecast_horizon(
    pred: Any, *, own: str, max_hours: float, step_h: float = 1.0
) -> dict[str, Any]:
    """The forecast horizon by a rule that uses the forecast alone (never the outcome).

    An engagement is recommended only where the forecast's median point is inside ``own``
    territory (land or 12-nmi sea). The horizon is therefore the first whole ``step_h`` after the
    median path (output steps of ``pred``) leaves that territory for the last time within
    ``max_hours``; ``max_hours`` when it is still inside then or never enters it. Returns
    ``hours``, ``rule`` (in words), ``median_exit`` (ISO time or None) and ``max_hours``.
    """
    from ..geo import territory_at

    times, lat, lon = _median_path(pred)
    t0 = float(times[0])
    ok = np.isfinite(lat) & np.isfinite(lon)
    inside = np.zeros(times.size, dtype=bool)
    inside[ok] = territory_at(lat[ok], lon[ok]) == own.upper()
    rule = (
        f"until the forecast's median point leaves {own.upper()} territory (land or 12-nmi sea) "
        f"for the last time, at most {max_hours:g} h"
    )
    last_in = np.flatnonzero(inside)
    exit_time: float | None = None
    hours = float(max_hours)
    if last_in.size and last_in[-1] < times.size - 1:
        exit_time = float(times[last_in[-1] + 1])
        hours = min(max_hours, math.ceil((exit_time - t0) / 3600.0 / step_h) * step_h)
    return {
        "rule": rule,
        "hours": hours,
        "max_hours": float(max_hours),
        "median_exit": None if exit_time is None else iso(exit_time),
    }


def stage_forecast(
    cfg: DemoConfig,
    tracking: Any,
    wind: WindField,
    reports: list[Report],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Any, WindField, dict[str, Any], list[dict[str, Any]]]:
    """The ensemble forecast from the last report at or before ``cfg.forecast_from``, using
    only what was known then: the track as of that time gives the float altitude and the
    wind's drift correction. The horizon follows `forecast_horizon` (or ``cfg.hours``)."""
    from ..predict import predict

    start, _ = forecast_start(reports, cfg.forecast_from)
    t0 = start.time
    known = tracking.as_of(t0)
    track = main_track(known)
    alt = track.altitude
    bias = drift_bias(track, wind, until=t0)
    du, dv = (bias["du"], bias["dv"]) if cfg.bias_correct else (0.0, 0.0)
    fwind = _bias_corrected(wind, du, dv) if cfg.bias_correct else wind
    full_hours = cfg.max_hours if cfg.hours is None else cfg.hours
    pred = predict(
        t0,
        start.lat,
        start.lon,
        round(alt.mean, 0),
        profile="float",
        wind=fwind,
        hours=full_hours,
        members=cfg.members,
        alt_sigma=round(alt.sigma, 0),
        pos_sigma_m=start.radius / 2.448,  # a report's radius is a 95 % radius
        seed=cfg.seed,
        progress=progress,
    )
    if cfg.hours is None:
        horizon = forecast_horizon(pred, own=cfg.own, max_hours=cfg.max_hours)
        pred = _cut(pred, horizon["hours"])
    else:
        horizon = {"rule": "fixed (--hours)", "hours": float(cfg.hours), "max_hours": cfg.hours}
        horizon["median_exit"] = None
    summary = {
        "start": {
            "name": start.place,
            "time": start.time_iso,
            "lat": start.lat,
            "lon": start.lon,
            "radius_km": start.radius / 1000.0,
            "alt_m": round(alt.mean, 0),
            "alt_sigma_m": round(alt.sigma, 0),
            "reports_known": len(known.observations),
        },
        "track_as_of": {
            "time": iso(t0),
            "reports": len(known.observations),
            "track_id": track.track_id,
            "updates": track.n_updates,
            "state": {
                "time": iso(track.time[-1]),
                "lat": round(float(track.lat[-1]), 4),
                "lon": round(float(track.lon[-1]), 4),
                "ve": round(float(track.ve[-1]), 2),
                "vn": round(float(track.vn[-1]), 2),
            },
            "float_alt_m": round(alt.mean, 0),
            "float_alt_sigma_m": round(alt.sigma, 0),
            "altitude": alt.describe(),
        },
        "horizon": horizon,
        "hours": horizon["hours"],
        "members": cfg.members,
        "wind": fwind.meta.source,
        "wind_bias_ms": {**bias, "applied": cfg.bias_correct},
        "end": _ensemble_summary(pred),
        "at_72h": _ensemble_at(pred, t0 + 72 * 3600.0) if horizon["hours"] >= 72 else None,
        "spread": _spread(pred),
        "warnings": list(pred.warnings),
        "elapsed_s": round(float(getattr(pred, "elapsed_s", float("nan"))), 3),
    }
    feats = _region_features(pred, "corridor", every_s=3 * 3600.0, color="#2e86c1")
    feats.append(_median_line(pred, "corridor", "forecast median path", "#1b4f72"))
    return pred, fwind, summary, feats
