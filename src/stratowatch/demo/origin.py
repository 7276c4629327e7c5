"""Stage ``origin``: the back-trajectory ensemble from the first report (a reconstruction)."""

from __future__ import annotations

from typing import Any

from ..atmosphere.wind import WindField
from ..scenario import Report
from .config import DemoConfig
from .features import _median_line, _region_features
from .members import _ensemble_summary

__all__ = ["stage_origin"]


def stage_origin(
    cfg: DemoConfig, reports: list[Report], track_summary: dict[str, Any], wind: WindField
) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """Back-trajectory ensemble from the first report: where did it come from? (A
    reconstruction: it uses the float altitude estimated from every report.)"""
    from ..predict import predict

    first = reports[0]
    pred = predict(
        first.time,
        first.lat,
        first.lon,
        track_summary["float_alt_m"],
        profile="float",
        wind=wind,
        hours=cfg.origin_hours,
        members=cfg.origin_members,
        alt_sigma=float(track_summary["float_alt_sigma_m"]),
        pos_sigma_m=first.radius / 2.448,  # the radius is a 95 % radius
        time_sigma_s=first.time_sigma,
        backward=True,
        seed=cfg.seed + 1,
    )
    end = _ensemble_summary(pred)
    summary = {
        "from": {"name": first.place, "time": first.time_iso, "lat": first.lat, "lon": first.lon},
        "hours": cfg.origin_hours,
        "members": cfg.origin_members,
        "median": {"time": end["time"], "lat": end["lat"], "lon": end["lon"]},
        "r50_km": end["r50_km"],
        "r90_km": end["r90_km"],
        "warnings": list(pred.warnings),
    }
    feats = _region_features(pred, "origin", every_s=12 * 3600.0, color="#8e44ad")
    feats.append(_median_line(pred, "origin", "back-trajectory (median)", "#8e44ad"))
    return pred, summary, feats
