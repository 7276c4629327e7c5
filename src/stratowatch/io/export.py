"""Writers. Every producer (predictions, tracks, assessments) describes its output as a GeoJSON
FeatureCollection (a dict); `write_features` writes it as GeoJSON, KML, CZML or CSV by suffix.

Conventions for features (so every format can animate them):
- ``properties.time``: ISO-8601 UTC of a Point (or of any feature valid at one instant, e.g. a
  corridor polygon at a lead time); ``properties.times``: one ISO time per vertex of a
  LineString; ``properties.time_start`` / ``properties.time_end``: a validity span;
  ``properties.layer``: a layer name (``track``, ``reports``, ``corridor``...);
  ``properties.name``; optional ``properties.style`` {``color``: "#rrggbb", ``width``,
  ``opacity``}.
- Coordinates are [lon, lat] or [lon, lat, alt_m]. Geometries: Point, LineString, Polygon and
  their Multi- forms.

Formats
-------
- GeoJSON per RFC 7946 (`stratowatch.io.geojson.to_rfc7946`): longitudes in [-180, 180],
  lines and polygons cut at the antimeridian, polygons repaired (shapely ``make_valid``) with
  counter-clockwise outer rings; non-finite property values become ``null``.
- KML 2.2 (OGC 07-147r2) with simplekml (`stratowatch.io.kml`).
- CZML 1.0 (Cesium) with czml3's models (`stratowatch.io.czml`), every position at its altitude.
- CSV: one row per point / vertex (``feature, part, ring, vertex, layer, name, geometry, time,
  lon, lat, alt_m`` and every scalar property).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..timeutil import iso, to_epoch
from .czml import features_to_czml
from .geojson import to_rfc7946
from .kml import GX_NS, KML_NS, features_to_kml

__all__ = [
    "write_features",
    "validate_features",
    "features_to_kml",
    "features_to_czml",
    "features_to_csv",
    "SUPPORTED_SUFFIXES",
    "KML_NS",
    "GX_NS",
]

SUPPORTED_SUFFIXES = (".geojson", ".json", ".kml", ".czml", ".csv")


_RESERVED = {"time", "times", "time_start", "time_end", "layer", "name", "style"}
_DEFAULT_COLOR = "#3366cc"


@dataclass(frozen=True)
class _Part:
    """One drawable part of a feature: a point, a line, or a polygon (rings)."""

    feature: int
    part: int
    kind: str  # "Point" | "LineString" | "Polygon"
    rings: list[list[tuple[float, float, float | None]]]  # Point/Line: one ring


def write_features(path: str | Path, features: dict[str, Any]) -> Path:
    """Write a FeatureCollection to ``path``; the format follows the suffix.

    Parameters
    ----------
    path : output file; ``.geojson``/``.json``, ``.kml``, ``.czml`` or ``.csv``.
    features : a GeoJSON FeatureCollection dict following the conventions of this module.

    Raises
    ------
    InputError
        Unsupported suffix, or a malformed collection (non-finite or out-of-range coordinates,
        unknown geometry, times that cannot be parsed), naming the feature and field.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(
            "unsupported output format",
            path=p,
            value=suffix,
            expected="one of " + ", ".join(SUPPORTED_SUFFIXES),
        )
    validate_features(features)
    if suffix in (".geojson", ".json"):
        text = json.dumps(_clean(to_rfc7946(features)), allow_nan=False)
    elif suffix == ".kml":
        text = features_to_kml(features)
    elif suffix == ".czml":
        text = json.dumps(features_to_czml(features), allow_nan=False)
    else:
        text = features_to_csv(features)
    write_text(p, text)
    return p


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``, creating its folder; an OS error (no permission, a
    folder in the way, disk full) becomes an `InputError` naming the file."""
    if path.is_dir():
        raise InputError("output path is a folder", path=path, expected="a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            "cannot write the output file",
            path=path,
            value=exc.strerror or str(exc),
            expected="a writable file path",
        ) from None


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


_CSV_BASE = [
    "feature",
    "part",
    "ring",
    "vertex",
    "layer",
    "name",
    "geometry",
    "time",
    "lon",
    "lat",
    "alt_m",
]


def features_to_csv(fc: dict[str, Any]) -> str:
    """The collection as CSV text: one row per point / vertex (see the module docstring)."""
    validate_features(fc)
    extra: list[str] = []
    for _, f in _iter_features(fc):
        for key in _scalars(_props(f)):
            if key not in extra and key not in _CSV_BASE:
                extra.append(key)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_CSV_BASE + extra)
    for i, f in _iter_features(fc):
        props = _props(f)
        gtype = f["geometry"]["type"]
        parts = _geometry_parts(f["geometry"], i)
        nvert = (
            len(parts[0].rings[0]) if len(parts) == 1 and parts[0].kind == "LineString" else None
        )
        t, ts = _times(props, i, nvert)
        sc = _scalars(props)
        tail = ["" if sc.get(key) is None else sc[key] for key in extra]
        for part in parts:
            for r, ring in enumerate(part.rings):
                for v, (lon, lat, a) in enumerate(ring):
                    tv = ts[v] if ts and len(ts) == len(ring) else t
                    w.writerow(
                        [
                            i,
                            part.part,
                            r,
                            v,
                            props.get("layer", ""),
                            props.get("name", ""),
                            gtype,
                            "" if tv is None else iso(tv),
                            f"{lon:.6f}",
                            f"{lat:.6f}",
                            "" if a is None else f"{a:.1f}",
                            *tail,
                        ]
                    )
    return buf.getvalue()
