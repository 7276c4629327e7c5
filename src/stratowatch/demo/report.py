"""Stage ``outputs``: summary.json, report.html and the layers as GeoJSON, KML and CZML."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..geo.geodesy import haversine
from ..io.export import validate_features, write_features

__all__ = ["_report_view", "_write_outputs", "_jsonable", "write_layers", "output_files", "LAYERS"]


def _report_view(summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` with the keys the report page reads under their earlier names
    (``engagement.billings`` / ``shootdown`` / ``recommended_to_shootdown_km``,
    ``forecast.without_bias_correction``, ``scenario.shootdown``), for `report.page.demo_page`
    until it reads the new schema. summary.json itself carries only the new keys."""
    view = json.loads(json.dumps(_jsonable(summary)))
    en, fo = view["engagement"], view["forecast"]
    en["billings"] = en["start"]
    out = view.get("outcome") or {}
    nan_window = {k: math.nan for k in ("ec", "p_land", "lat", "lon")}
    en["shootdown"] = out.get("real_point") or nan_window
    rec = en.get("recommended")
    ev = out.get("event")
    en["recommended_to_shootdown_km"] = (
        round(float(haversine(rec["lat"], rec["lon"], ev["lat"], ev["lon"])) / 1000.0, 1)
        if rec is not None and ev is not None
        else math.nan
    )
    fo["without_bias_correction"] = view.get("uncorrected")
    view["scenario"]["shootdown"] = view["scenario"].get("outcome")
    return view


LAYERS = ("geojson", "kml", "czml")


def output_files(out: Path) -> dict[str, Path]:
    """The demo's files in ``out``, by key."""
    return {
        "summary": out / "summary.json",
        "report": out / "report.html",
        "geojson": out / "layers.geojson",
        "kml": out / "layers.kml",
        "czml": out / "layers.czml",
    }


def write_layers(out: Path, fc: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Write the map layers ``fc`` in the formats ``keys`` (of `LAYERS`); ``fc`` has been
    checked (`validate_features`) by the caller."""
    files = output_files(out)
    for key in keys:
        write_features(files[key], fc, validate=False)


def _write_outputs(
    out: Path,
    summary: dict[str, Any],
    fc: dict[str, Any],
    html: str,
    *,
    layers: tuple[str, ...] = LAYERS,
) -> dict[str, Path]:
    """Write summary.json, report.html and the layers in the formats ``layers`` (the others
    are written by the caller, e.g. in the demo's second process)."""
    out.mkdir(parents=True, exist_ok=True)
    files = output_files(out)
    if layers:
        validate_features(fc)  # once for the formats
        write_layers(out, fc, layers)
    files["report"].write_text(html, encoding="utf-8")
    summary["files"] = {k: p.name for k, p in files.items()}
    files["summary"].write_text(json.dumps(_jsonable(summary), indent=2, allow_nan=False) + "\n")
    return files


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
