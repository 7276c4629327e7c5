"""Stages ``coverage`` and ``outcome``, scored afterwards: the later reports' coverage by the
forecast (and by the same ensemble in the uncorrected wind), and the forecast against the real
outcome at the outcome's own time."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..atmosphere.wind import WindField
from ..scenario import Report
from .config import DemoConfig
from .engagement import _debris_wind, _ec_upper, _window_dict
from .features import _feature, _point
from .members import _ensemble_at, coverage_of

__all__ = ["stage_coverage", "stage_uncorrected", "stage_outcome", "_when"]


def stage_coverage(pred: Any, reports: list[Report]) -> list[dict[str, Any]]:
    """For each report after the forecast start: distance from the median, inside 50/90 %."""
    t0 = float(np.asarray(pred.times)[0])
    t1 = float(np.asarray(pred.times)[-1])
    out = []
    for r in reports:
        if r.time <= t0 + 60.0:
            continue
        row: dict[str, Any] = {
            "name": r.place,
            "time": r.time_iso,
            "lat": r.lat,
            "lon": r.lon,
            "radius_km": r.radius / 1000.0,
            "lead_h": round((r.time - t0) / 3600.0, 2),
            "within_forecast": r.time <= t1,
        }
        if r.time <= t1:
            row.update(coverage_of(pred, r.time, r.lat, r.lon))
        out.append(row)
    return out


def stage_uncorrected(
    cfg: DemoConfig,
    pred: Any,
    wind: WindField,
    reports: list[Report],
    forecast: dict[str, Any],
) -> dict[str, Any] | None:
    """The same ensemble in the uncorrected wind, to the last later report, and its coverage of
    the later reports: what the drift correction buys (scored afterwards; None when the
    correction is off or no report follows the start)."""
    from ..predict import predict

    t0 = float(np.asarray(pred.times)[0])
    later = [r for r in reports if r.time > t0 + 60.0]
    if not cfg.bias_correct or not later:
        return None
    start = forecast["start"]
    horizon = (float(np.asarray(pred.times)[-1]) - t0) / 3600.0
    hours = min(horizon, (max(r.time for r in later) - t0) / 3600.0 + 1.0)
    raw = predict(
        t0,
        start["lat"],
        start["lon"],
        start["alt_m"],
        profile="float",
        wind=wind,
        hours=hours,
        members=cfg.members,
        alt_sigma=start["alt_sigma_m"],
        pos_sigma_m=start["radius_km"] * 1000.0 / 2.448,
        seed=cfg.seed,
    )
    return {
        "wind": wind.meta.source,
        "hours": round(hours, 2),
        "at_72h": _ensemble_at(raw, t0 + 72 * 3600.0) if hours >= 72 else None,
        "coverage": [
            {k: c.get(k) for k in ("name", "time", "distance_km", "inside_50", "inside_90")}
            for c in stage_coverage(raw, reports)
        ],
    }


def stage_outcome(
    cfg: DemoConfig,
    pred: Any,
    wind: WindField,
    engagement: dict[str, Any],
    outcome: Report | None,
    *,
    path: Any = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The forecast against what really happened, at the same time: where the forecast's
    members were at the outcome's time against the real position (distance from the median,
    inside the 50/90 % regions), what the planner made of that moment from the forecast alone,
    and the real point scored alike (hindsight: it uses the real position). None when the file
    has no outcome (a row of kind ``engagement``) after the forecast start. ``path``: the
    forecast as a `FlightPath` when the caller has it (else made from ``pred``)."""
    from ..assess.engage import plan_engagement
    from ..assess.path import FlightPath

    t0 = float(np.asarray(pred.times)[0])
    if outcome is None or outcome.time <= t0:
        return None, []
    t1 = float(np.asarray(pred.times)[-1])
    dwind = _debris_wind(cfg, wind)
    lead_h = (outcome.time - t0) / 3600.0
    alt = float(engagement["start"]["alt_m"]) if outcome.alt is None else outcome.alt
    real_path = FlightPath.from_arrays([outcome.time], [outcome.lat], [outcome.lon], alt)
    real = plan_engagement(
        real_path,
        dwind,
        hours=0,
        threshold=cfg.threshold,
        own=cfg.own,
        samples=cfg.window_samples,
        seed=cfg.seed,
    ).windows[0]
    out: dict[str, Any] = {
        "event": {
            "name": outcome.place,
            "time": outcome.time_iso,
            "lat": outcome.lat,
            "lon": outcome.lon,
            "alt_m": outcome.alt,
            "description": outcome.description,
        },
        "lead_h": round(lead_h, 2),
        "within_forecast": outcome.time <= t1,
        "real_point": _window_dict(real),
    }
    if outcome.time <= t1:
        at = coverage_of(pred, outcome.time, outcome.lat, outcome.lon)
        fc_window = plan_engagement(
            FlightPath.from_prediction(pred) if path is None else path,
            dwind,
            start=outcome.time,
            hours=0,
            threshold=cfg.threshold,
            own=cfg.own,
            samples=cfg.window_samples,
            seed=cfg.seed,
        ).windows[0]
        out["forecast_at_time"] = at
        out["forecast_window"] = _window_dict(fc_window)
    rec = engagement["recommended"]
    if rec is not None:
        from ..timeutil import to_epoch

        dt_h = (to_epoch(rec["time"]) - outcome.time) / 3600.0
        out["recommended"] = {
            "time": rec["time"],
            "hours_after_outcome": round(dt_h, 2),
            "lat": rec["lat"],
            "lon": rec["lon"],
        }
    out["statement"] = _outcome_statement(out, cfg.threshold)
    feats = [
        _feature(
            _point(outcome.lon, outcome.lat, outcome.alt),
            layer="outcome",
            name=f"{outcome.place}: real outcome {outcome.time_iso[5:16]}Z",
            time=outcome.time_iso,
            ec=real.ec,
            style={"color": "#c0392b"},
        )
    ]
    if "forecast_at_time" in out and "median_lat" in out["forecast_at_time"]:
        at = out["forecast_at_time"]
        feats.append(
            _feature(
                _point(at["median_lon"], at["median_lat"]),
                layer="outcome",
                name=f"forecast median at {outcome.time_iso[5:16]}Z ({at['distance_km']:.0f} km "
                "from the real position)",
                time=outcome.time_iso,
                distance_km=at["distance_km"],
                style={"color": "#1b4f72"},
            )
        )
    return out, feats


def _when(text: str) -> str:
    """``2023-02-04T19:39:00Z`` -> ``02-04 19:39Z``."""
    return f"{text[5:10]} {text[11:16]}Z"


def _outcome_statement(out: dict[str, Any], threshold: float) -> str:
    ev = out["event"]
    when = _when(ev["time"])
    parts = []
    at = out.get("forecast_at_time")
    if at and "distance_km" in at:
        region = (
            "inside its 50 % region"
            if at["inside_50"]
            else ("inside its 90 % region" if at["inside_90"] else "outside its 90 % region")
        )
        parts.append(
            f"At {when} (+{out['lead_h']:.1f} h) the forecast's median was {at['distance_km']:.0f} "
            f"km from the real position ({region})"
        )
        fw = out.get("forecast_window")
        if fw is not None:
            verdict = "under" if _ec_upper(fw) < threshold else "above"
            parts.append(
                f"the forecast scored an engagement at that time at Ec {fw['ec']:.2g} ({verdict} "
                f"the limit {threshold:g}), P(land) {fw['p_land']:.2f}"
            )
    else:
        parts.append(f"The outcome at {when} lies beyond the forecast's horizon")
    rec = out.get("recommended")
    if rec is not None:
        h = rec["hours_after_outcome"]
        parts.append(
            f"its recommended window ({_when(rec['time'])}) is {abs(h):.0f} h "
            + ("after" if h >= 0 else "before")
            + " the real shoot-down"
        )
    else:
        parts.append("it recommended no window")
    parts.append(
        f"the real point itself scores Ec {out['real_point']['ec']:.2g} (hindsight: its position)"
    )
    return "; ".join(parts) + "."
