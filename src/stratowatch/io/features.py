"""Reading a FeatureCollection for the writers: validation, geometry parts, times, styles.

Shared by the CSV writer (`io.export`), KML (`io.kml`) and CZML (`io.czml`); the conventions are
those of `stratowatch.io.export`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..timeutil import to_epoch

_RESERVED = {"time", "times", "time_start", "time_end", "layer", "name", "style"}
_DEFAULT_COLOR = "#3366cc"


@dataclass(frozen=True)
class _Part:
    """One drawable part of a feature: a point, a line, or a polygon (rings)."""

    feature: int
    part: int
    kind: str  # "Point" | "LineString" | "Polygon"
    rings: list[list[tuple[float, float, float | None]]]  # Point/Line: one ring


# ----------------------------------------------------------------------------- validation


def _clean(obj: Any) -> Any:
    """JSON-ready copy: non-finite floats -> None, tuples -> lists, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, str):
        return _clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _position(value: Any, where: str) -> tuple[float, float, float | None]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise InputError(
            "bad coordinate", field=where, value=value, expected="[lon, lat] or [lon, lat, alt_m]"
        )
    try:
        nums = [float(x) for x in value]
    except (TypeError, ValueError):
        raise InputError(
            "coordinate is not numeric", field=where, value=value, expected="numbers"
        ) from None
    if not all(math.isfinite(x) for x in nums):
        raise InputError(
            "non-finite coordinate", field=where, value=value, expected="finite lon, lat, alt"
        )
    lon, lat = nums[0], nums[1]
    if not -90.0 <= lat <= 90.0:
        raise InputError("latitude out of range", field=where, value=lat, expected="-90..90")
    if not -540.0 <= lon <= 540.0:
        raise InputError("longitude out of range", field=where, value=lon, expected="-180..180")
    return lon, lat, (nums[2] if len(nums) == 3 else None)


def _line(value: Any, where: str, min_len: int) -> list[tuple[float, float, float | None]]:
    if not isinstance(value, list | tuple) or len(value) < min_len:
        raise InputError(
            "too few positions", field=where, value=value, expected=f">= {min_len} positions"
        )
    return [_position(c, f"{where}[{i}]") for i, c in enumerate(value)]


def _geometry_parts(geom: Any, fi: int) -> list[_Part]:
    where = f"features[{fi}].geometry"
    if not isinstance(geom, dict) or "type" not in geom:
        raise InputError("feature without geometry", field=where, value=geom, expected="a dict")
    gtype = geom["type"]
    coords = geom.get("coordinates")
    cw = where + ".coordinates"
    if gtype == "Point":
        return [_Part(fi, 0, "Point", [[_position(coords, cw)]])]
    if gtype == "MultiPoint":
        return [
            _Part(fi, k, "Point", [[_position(c, f"{cw}[{k}]")]])
            for k, c in enumerate(_seq(coords, cw))
        ]
    if gtype == "LineString":
        return [_Part(fi, 0, "LineString", [_line(coords, cw, 2)])]
    if gtype == "MultiLineString":
        return [
            _Part(fi, k, "LineString", [_line(c, f"{cw}[{k}]", 2)])
            for k, c in enumerate(_seq(coords, cw))
        ]
    if gtype == "Polygon":
        return [_Part(fi, 0, "Polygon", _rings(coords, cw))]
    if gtype == "MultiPolygon":
        return [
            _Part(fi, k, "Polygon", _rings(c, f"{cw}[{k}]")) for k, c in enumerate(_seq(coords, cw))
        ]
    raise InputError(
        "unsupported geometry type",
        field=where + ".type",
        value=gtype,
        expected="Point, LineString, Polygon or their Multi- forms",
    )


def _seq(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise InputError("coordinates must be a list", field=where, value=value, expected="list")
    return list(value)


def _rings(value: Any, where: str) -> list[list[tuple[float, float, float | None]]]:
    rings = _seq(value, where)
    if not rings:
        raise InputError("polygon without rings", field=where, expected=">= 1 linear ring")
    return [_line(r, f"{where}[{k}]", 4) for k, r in enumerate(rings)]


def _iter_features(fc: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
        raise InputError(
            "not a FeatureCollection",
            field="type",
            value=fc.get("type") if isinstance(fc, dict) else type(fc).__name__,
            expected="FeatureCollection",
        )
    feats = fc.get("features", [])
    if not isinstance(feats, list):
        raise InputError("features must be a list", field="features", expected="list")
    for i, f in enumerate(feats):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputError("not a Feature", field=f"features[{i}]", expected="type: Feature")
        yield i, f


def _props(f: dict[str, Any]) -> dict[str, Any]:
    p = f.get("properties") or {}
    return p if isinstance(p, dict) else {}


def _times(props: dict[str, Any], fi: int, n: int | None) -> tuple[float | None, list[float]]:
    """(time, times) as epoch seconds; checks ``times`` length against the vertex count."""
    t = None
    if props.get("time") is not None:
        t = _epoch(props["time"], f"features[{fi}].properties.time")
    ts: list[float] = []
    if props.get("times") is not None:
        raw = props["times"]
        where = f"features[{fi}].properties.times"
        if not isinstance(raw, list | tuple):
            raise InputError("times must be a list", field=where, value=raw, expected="list")
        ts = [_epoch(x, f"{where}[{k}]") for k, x in enumerate(raw)]
        if n is not None and len(ts) != n:
            raise InputError(
                "times do not match the vertices",
                field=where,
                value=len(ts),
                expected=f"{n} times (one per vertex)",
            )
    return t, ts


def _epoch(value: Any, where: str) -> float:
    try:
        out = to_epoch(value)
    except InputError as exc:
        raise InputError(exc.message, field=where, value=value, expected=exc.expected) from None
    if not math.isfinite(out):
        raise InputError("non-finite time", field=where, value=value, expected="ISO 8601 time")
    return out


def validate_features(fc: dict[str, Any]) -> None:
    """Check a FeatureCollection; raise `InputError` naming the first bad feature/field."""
    for i, f in _iter_features(fc):
        parts = _geometry_parts(f.get("geometry"), i)
        props = _props(f)
        lines = [p for p in parts if p.kind == "LineString"]
        nvert = sum(len(p.rings[0]) for p in lines) if lines and len(lines) == len(parts) else None
        _times(props, i, nvert)
        for key in ("time_start", "time_end"):
            if props.get(key) is not None:
                _epoch(props[key], f"features[{i}].properties.{key}")


# ----------------------------------------------------------------------------- styles


def _style(props: dict[str, Any]) -> tuple[str, float, float]:
    """(#rrggbb, width px, opacity 0..1) of a feature's style, with defaults."""
    st = props.get("style") or {}
    color = str(st.get("color", _DEFAULT_COLOR)) if isinstance(st, dict) else _DEFAULT_COLOR
    if not (len(color) == 7 and color.startswith("#")):
        color = _DEFAULT_COLOR
    try:
        int(color[1:], 16)
    except ValueError:
        color = _DEFAULT_COLOR
    width = float(st.get("width", 2.0)) if isinstance(st, dict) else 2.0
    opacity = float(st.get("opacity", 1.0)) if isinstance(st, dict) else 1.0
    opacity = min(max(opacity if math.isfinite(opacity) else 1.0, 0.0), 1.0)
    return color, width if math.isfinite(width) else 2.0, opacity


def _scalars(props: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in props.items():
        if k in _RESERVED:
            continue
        if hasattr(v, "item") and not isinstance(v, str):
            try:
                v = v.item()
            except (TypeError, ValueError):
                continue
        if v is None or isinstance(v, str | int | float | bool):
            out[k] = None if isinstance(v, float) and not math.isfinite(v) else v
    return out


# ----------------------------------------------------------------------------- CSV
