"""The jobs the service runs off the request thread, in worker processes: a prediction
(`stratowatch.predict.predict`) or an engagement plan (`stratowatch.assess.planner.engage`),
from a JSON request to a JSON-ready result. Plain top-level functions so that a process pool
can run them; each worker process opens a wind once and keeps it (`_wind`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..assess.planner import engage
from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from ..predict import predict
from ..timeutil import iso

__all__ = ["run_job", "prediction_kwargs", "prediction_result", "engagement_result", "jsonable"]

_WINDS: dict[str, WindField] = {}  # per worker process: wind spec -> opened field


def _wind(spec: str) -> WindField:
    if spec not in _WINDS:
        _WINDS.clear()  # one wind at a time: a gridded file can be large
        _WINDS[spec] = open_wind(spec)
    return _WINDS[spec]


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy values as Python ones and non-finite floats as None (strict JSON:
    PostgreSQL's json type refuses NaN)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _r(x: float, nd: int) -> float | None:
    return round(float(x), nd) if math.isfinite(float(x)) else None


_PREDICT_KEYS = (
    "profile", "hours", "members", "float_alt", "float_pressure", "ascent_rate", "burst_alt",
    "descent_rate", "beta", "wind_sigma", "alt_sigma", "pos_sigma_m", "time_sigma_s",
    "backward", "seed", "output_step_s", "ground",
)  # fmt: skip


def prediction_kwargs(request: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `predict` from a stored prediction request."""
    kw = {k: request[k] for k in _PREDICT_KEYS if request.get(k) is not None}
    lon = float(request["lon"])
    return {
        "time": request["time"],
        "lat": float(request["lat"]),
        "lon": (lon + 180.0) % 360.0 - 180.0 if lon > 180.0 else lon,
        "alt": float(request["alt"]),
        **kw,
    }


def prediction_result(pred: Any) -> dict[str, Any]:
    """Summary, median path, 50/90 % regions (every 3 h), member end points and GeoJSON."""
    mp = pred.median_path()
    path = [
        {
            "time": iso(t),
            "lat": _r(la, 5),
            "lon": _r(lo, 5),
            "alt": _r(al, 1),
            "members": int(m),
        }
        for t, la, lo, al, m in zip(
            mp["times"], mp["lat"], mp["lon"], mp["alt"], mp["members"], strict=True
        )
        if m > 0
    ]
    step = float(abs(pred.times[1] - pred.times[0])) if pred.times.size > 1 else 1.0
    every = max(int(round(3 * 3600.0 / step)), 1)
    regions = [
        {
            "time": iso(r["time"]),
            "level": r["level"],
            "lat": _r(r["lat"], 5),
            "lon": _r(r["lon"], 5),
            "semi_major_km": _r(r["semi_major_km"], 3),
            "semi_minor_km": _r(r["semi_minor_km"], 3),
            "orientation_deg": _r(r["orientation_deg"], 1),
            "coverage": _r(r["coverage"], 3),
        }
        for r in pred.regions((0.5, 0.9), every=every)
    ]
    idx = np.arange(pred.members)
    if idx.size > 2000:
        idx = np.linspace(0, pred.members - 1, 2000).astype(np.int64)
    ends = [
        {
            "member": int(i),
            "time": iso(float(pred.end_time[i])),
            "lat": _r(pred.end_lat[i], 5),
            "lon": _r(pred.end_lon[i], 5),
            "alt": _r(pred.end_alt[i], 1),
            "landed": bool(pred.landed[i]),
        }
        for i in idx.tolist()
        if np.isfinite(pred.end_lat[i])
    ]
    return {
        "summary": pred.summary(),
        "median_path": path,
        "regions": regions,
        "end_points": ends,
        "geojson": pred.to_features(),
    }


def engagement_result(plan: Any, features: dict[str, Any]) -> dict[str, Any]:
    return {"plan": plan.as_dict(), "geojson": features}


def run_job(kind: str, request: dict[str, Any], wind_spec: str) -> dict[str, Any]:
    """Run one job; library errors propagate (the runner records their message)."""
    wind = _wind(wind_spec)
    if kind == "prediction":
        pred = predict(wind=wind, **prediction_kwargs(request))
        return jsonable(prediction_result(pred))
    if kind == "engagement":
        plan, features = engage(
            lat=float(request["lat"]),
            lon=float(request["lon"]),
            alt=float(request["alt"]),
            time=request["time"],
            hours=float(request["hours"]),
            every_min=float(request["every_min"]),
            threshold=float(request["threshold"]),
            own=request.get("own") or None,
            wind=wind,
            members=int(request["members"]),
            samples=int(request["samples"]),
            seed=int(request["seed"]),
            sheltering=float(request["sheltering"]),
            footprint=bool(request.get("footprint", False)),
        )
        return jsonable(engagement_result(plan, features))
    raise ValueError(f"unknown job kind {kind!r}")
