"""Stage ``engagement``: engagement windows along the forecast, the recommendation, the window at
the forecast start and the debris footprints; from the forecast alone."""

from __future__ import annotations

from typing import Any

from ..atmosphere.wind import WindField
from ..report.page import ec_color
from ..timeutil import iso
from .config import DemoConfig
from .features import _feature, _point

__all__ = ["stage_engagement", "_window_dict", "_ec_upper", "_debris_wind"]


def _window_dict(w: Any) -> dict[str, Any]:
    d: dict[str, Any] = w.as_dict()
    return d


def _ec_upper(w: dict[str, Any]) -> float:
    """The Ec a window is judged by: its upper bound when the planner gives one."""
    return float(w.get("ec_hi", w["ec"]))


def _debris_wind(cfg: DemoConfig, wind: WindField, seed_offset: int = 7) -> Any:
    from ..atmosphere.perturb import PerturbedWind

    return PerturbedWind(wind, members=cfg.debris_members, seed=cfg.seed + seed_offset)


def stage_engagement(
    cfg: DemoConfig, pred: Any, wind: WindField, *, path: Any = None
) -> tuple[dict[str, Any], Any, list[dict[str, Any]]]:
    """Engagement windows along the forecast (Ec, P(land)) to its horizon, the recommendation,
    the window at the forecast start, and the debris footprints of the start and the
    recommended windows. Uses the forecast alone (no outcome). ``path``: the forecast as a
    `FlightPath` when the caller has it (else made from ``pred``)."""
    from ..assess.debris import debris_assessment
    from ..assess.engage import plan_engagement
    from ..assess.path import FlightPath

    # the debris falls in an ensemble of the forecast's (bias-corrected) wind
    dwind = _debris_wind(cfg, wind)
    path = FlightPath.from_prediction(pred) if path is None else path
    hours = (float(path.times[-1]) - float(path.times[0])) / 3600.0
    plan = plan_engagement(
        path,
        dwind,
        every=cfg.every_min * 60.0,
        hours=hours,
        threshold=cfg.threshold,
        own=cfg.own,
        samples=cfg.window_samples,
        seed=cfg.seed,
    )
    windows = [_window_dict(w) for w in plan.windows]
    rec = plan.recommended
    first = plan.windows[0]  # the forecast starts at the start report
    feats: list[dict[str, Any]] = []
    for w in plan.windows:
        is_rec = rec is not None and w.time == rec.time
        feats.append(
            _feature(
                _point(w.lon, w.lat, w.alt),
                layer="windows",
                name=("RECOMMENDED window " if is_rec else "window ") + iso(w.time)[5:16] + "Z",
                time=iso(w.time),
                ec=float(f"{w.ec:.3g}"),
                p_land=round(w.p_land, 3),
                territory=w.territory,
                coast_km=round(w.coast_distance / 1000.0, 1),
                recommended=is_rec,
                style={"color": ec_color(w.ec, cfg.threshold)},
            )
        )
    footprints: dict[str, Any] = {}
    targets = [("start", first)] + ([("recommended", rec)] if rec is not None else [])
    for key, w in targets:
        res = debris_assessment(
            w.time, w.lat, w.lon, w.alt, dwind, samples=cfg.debris_samples, seed=cfg.seed + 3
        )
        info = res.as_dict()
        footprints[key] = info
        for f in res.footprint.to_features()["features"]:
            props = f["properties"]
            props["name"] = f"{props['name']} ({key} window {iso(w.time)[5:16]}Z)"
            props["group"] = f"{key}-{props.get('percent')}"
            props["time_start"] = iso(w.time)
            feats.append(f)
    summary = {
        "threshold": cfg.threshold,
        "every_min": cfg.every_min,
        "hours": round(hours, 2),
        "own_territory": plan.own,
        "recommended": None if rec is None else _window_dict(rec),
        "reason": plan.reason,
        "explanation": list(plan.explanation),
        "start": _window_dict(first),
        "footprints": footprints,
        "windows": windows,
        "warnings": list(plan.warnings),
    }
    return summary, plan, feats
