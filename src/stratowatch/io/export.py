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
- GeoJSON (RFC 7946) as given (non-finite property values become ``null``).
- KML 2.2 (OGC 07-147r2): one Folder per layer, one Style per distinct style; Points carry a
  ``TimeStamp``; LineStrings with ``times`` become ``gx:Track`` (animated in Google Earth),
  others ``LineString``; Polygons with outer and inner rings; scalar properties in
  ``ExtendedData``.
- CZML 1.0 (Cesium): a document packet with a clock spanning every time in the data, then one
  packet per geometry part: points (with availability from their time on), polylines, polygons
  (with holes), and for timed LineStrings a sampled ``position`` (``epoch`` + seconds offsets in
  ``cartographicDegrees``) with a ``path``, so the object moves along it.
- CSV: one row per point / vertex (``feature, part, ring, vertex, layer, name, geometry, time,
  lon, lat, alt_m`` and every scalar property).
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..timeutil import iso, to_epoch

__all__ = [
    "write_features",
    "validate_features",
    "features_to_kml",
    "features_to_czml",
    "features_to_csv",
    "SUPPORTED_SUFFIXES",
]

SUPPORTED_SUFFIXES = (".geojson", ".json", ".kml", ".czml", ".csv")

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"

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
        text = json.dumps(_clean(features), allow_nan=False)
    elif suffix == ".kml":
        text = features_to_kml(features)
    elif suffix == ".czml":
        text = json.dumps(features_to_czml(features), allow_nan=False)
    else:
        text = features_to_csv(features)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


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
        nvert = (
            len(parts[0].rings[0]) if len(parts) == 1 and parts[0].kind == "LineString" else None
        )
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


def _rgba(color: str, opacity: float) -> list[int]:
    return [int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), round(255 * opacity)]


def _kml_color(color: str, opacity: float) -> str:
    """KML colours are aabbggrr hex."""
    r, g, b, a = _rgba(color, opacity)
    return f"{a:02x}{b:02x}{g:02x}{r:02x}"


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


# ----------------------------------------------------------------------------- KML


def _coord_text(pts: list[tuple[float, float, float | None]]) -> str:
    return " ".join(f"{lon:.6f},{lat:.6f},{0.0 if a is None else a:.1f}" for lon, lat, a in pts)


def _alt_mode(pts: list[tuple[float, float, float | None]]) -> str:
    return "absolute" if any(a is not None and a != 0.0 for _, _, a in pts) else "clampToGround"


def features_to_kml(fc: dict[str, Any], *, name: str = "stratowatch") -> str:
    """The collection as a KML 2.2 document (string). See the module docstring."""
    validate_features(fc)
    ET.register_namespace("", KML_NS)
    ET.register_namespace("gx", GX_NS)
    k = f"{{{KML_NS}}}"
    gx = f"{{{GX_NS}}}"
    root = ET.Element(k + "kml")
    doc = ET.SubElement(root, k + "Document")
    ET.SubElement(doc, k + "name").text = str(fc.get("name", name))
    styles: dict[tuple[str, float, float], str] = {}
    folders: dict[str, ET.Element] = {}
    for i, f in _iter_features(fc):
        props = _props(f)
        parts = _geometry_parts(f.get("geometry"), i)
        style = _style(props)
        if style not in styles:
            sid = f"s{len(styles)}"
            styles[style] = sid
            st = ET.Element(k + "Style", id=sid)
            color, width, opacity = style
            ic = ET.SubElement(st, k + "IconStyle")
            ET.SubElement(ic, k + "color").text = _kml_color(color, 1.0)
            ET.SubElement(ic, k + "scale").text = "0.8"
            ls = ET.SubElement(st, k + "LineStyle")
            ET.SubElement(ls, k + "color").text = _kml_color(color, max(opacity, 0.6))
            ET.SubElement(ls, k + "width").text = f"{width:g}"
            ps = ET.SubElement(st, k + "PolyStyle")
            ET.SubElement(ps, k + "color").text = _kml_color(color, min(opacity, 0.35))
            doc.insert(len(styles), st)  # after <name>, before folders
        layer = str(props.get("layer", "features"))
        if layer not in folders:
            folders[layer] = ET.SubElement(doc, k + "Folder")
            ET.SubElement(folders[layer], k + "name").text = layer
        pm = ET.SubElement(folders[layer], k + "Placemark")
        ET.SubElement(pm, k + "name").text = str(props.get("name", f"{layer} {i}"))
        nvert = (
            len(parts[0].rings[0]) if len(parts) == 1 and parts[0].kind == "LineString" else None
        )
        t, ts = _times(props, i, nvert)
        if t is not None:
            stamp = ET.SubElement(pm, k + "TimeStamp")
            ET.SubElement(stamp, k + "when").text = iso(t)
        elif props.get("time_start") is not None or props.get("time_end") is not None:
            span = ET.SubElement(pm, k + "TimeSpan")
            for key, tag in (("time_start", "begin"), ("time_end", "end")):
                if props.get(key) is not None:
                    ET.SubElement(span, k + tag).text = iso(_epoch(props[key], key))
        # KML 2.2 schema order: name, TimePrimitive, styleUrl, ExtendedData, geometry
        ET.SubElement(pm, k + "styleUrl").text = "#" + styles[style]
        data = _scalars(props)
        if data:
            ext = ET.SubElement(pm, k + "ExtendedData")
            for key, val in data.items():
                d = ET.SubElement(ext, k + "Data", name=key)
                ET.SubElement(d, k + "value").text = "" if val is None else str(val)
        container = pm
        if len(parts) > 1:
            container = ET.SubElement(pm, k + "MultiGeometry")
        for part in parts:
            pts = part.rings[0]
            if part.kind == "Point":
                g = ET.SubElement(container, k + "Point")
                ET.SubElement(g, k + "altitudeMode").text = _alt_mode(pts)
                ET.SubElement(g, k + "coordinates").text = _coord_text(pts)
            elif part.kind == "LineString" and len(ts) == len(pts):
                g = ET.SubElement(container, gx + "Track")
                ET.SubElement(g, k + "altitudeMode").text = _alt_mode(pts)
                for tt in ts:
                    ET.SubElement(g, k + "when").text = iso(tt)
                for lon, lat, a in pts:
                    ET.SubElement(
                        g, gx + "coord"
                    ).text = f"{lon:.6f} {lat:.6f} {0.0 if a is None else a:.1f}"
            elif part.kind == "LineString":
                g = ET.SubElement(container, k + "LineString")
                ET.SubElement(g, k + "tessellate").text = "1"
                ET.SubElement(g, k + "altitudeMode").text = _alt_mode(pts)
                ET.SubElement(g, k + "coordinates").text = _coord_text(pts)
            else:
                g = ET.SubElement(container, k + "Polygon")
                ET.SubElement(g, k + "tessellate").text = "1"
                ET.SubElement(g, k + "altitudeMode").text = _alt_mode(pts)
                for r, ring in enumerate(part.rings):
                    b = ET.SubElement(g, k + ("outerBoundaryIs" if r == 0 else "innerBoundaryIs"))
                    lr = ET.SubElement(b, k + "LinearRing")
                    ET.SubElement(lr, k + "coordinates").text = _coord_text(ring)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


# ----------------------------------------------------------------------------- CZML


def _flat(pts: list[tuple[float, float, float | None]]) -> list[float]:
    out: list[float] = []
    for lon, lat, a in pts:
        out += [lon, lat, 0.0 if a is None else a]
    return out


def features_to_czml(fc: dict[str, Any], *, name: str = "stratowatch") -> list[dict[str, Any]]:
    """The collection as a CZML document (list of packets). See the module docstring."""
    validate_features(fc)
    all_times: list[float] = []
    for i, f in _iter_features(fc):
        props = _props(f)
        t, ts = _times(props, i, None)
        all_times += ([t] if t is not None else []) + ts
        for key in ("time_start", "time_end"):
            if props.get(key) is not None:
                all_times.append(_epoch(props[key], key))
    doc: dict[str, Any] = {"id": "document", "name": str(fc.get("name", name)), "version": "1.0"}
    t_end = None
    if all_times:
        t0, t_end = min(all_times), max(all_times)
        if t_end <= t0:
            t_end = t0 + 1.0
        doc["clock"] = {
            "interval": f"{iso(t0)}/{iso(t_end)}",
            "currentTime": iso(t0),
            "multiplier": 600,
            "range": "LOOP_STOP",
            "step": "SYSTEM_CLOCK_MULTIPLIER",
        }
    packets: list[dict[str, Any]] = [doc]
    for i, f in _iter_features(fc):
        props = _props(f)
        parts = _geometry_parts(f.get("geometry"), i)
        color, width, opacity = _style(props)
        layer = str(props.get("layer", "features"))
        fname = str(props.get("name", f"{layer} {i}"))
        nvert = (
            len(parts[0].rings[0]) if len(parts) == 1 and parts[0].kind == "LineString" else None
        )
        t, ts = _times(props, i, nvert)
        desc = "".join(f"<b>{key}</b>: {val}<br/>" for key, val in _scalars(props).items())
        t_a = t if t is not None else None
        if props.get("time_start") is not None:
            t_a = _epoch(props["time_start"], "time_start")
        t_b = _epoch(props["time_end"], "time_end") if props.get("time_end") is not None else t_end
        for part in parts:
            pid = f"f{i}" if len(parts) == 1 else f"f{i}-{part.part}"
            pkt: dict[str, Any] = {"id": pid, "name": fname, "description": desc}
            pkt["properties"] = {"layer": layer}
            if t_a is not None and t_b is not None and t_b > t_a:
                pkt["availability"] = f"{iso(t_a)}/{iso(t_b)}"
            pts = part.rings[0]
            rgba = {"rgba": _rgba(color, max(opacity, 0.6))}
            if part.kind == "Point":
                pkt["position"] = {"cartographicDegrees": _flat(pts)}
                pkt["point"] = {
                    "color": rgba,
                    "pixelSize": 8,
                    "outlineColor": {"rgba": [255, 255, 255, 255]},
                    "outlineWidth": 1,
                }
            elif part.kind == "LineString":
                pkt["polyline"] = {
                    "positions": {"cartographicDegrees": _flat(pts)},
                    "width": width,
                    "material": {"solidColor": {"color": rgba}},
                    "clampToGround": _alt_mode(pts) == "clampToGround",
                }
                if len(ts) == len(pts):
                    packets.append(pkt)
                    sampled: list[float] = []
                    for tt, (lon, lat, a) in zip(ts, pts, strict=True):
                        sampled += [tt - ts[0], lon, lat, 0.0 if a is None else a]
                    pkt = {
                        "id": pid + "-moving",
                        "name": fname,
                        "description": desc,
                        "properties": {"layer": layer},
                        "availability": f"{iso(ts[0])}/{iso(max(ts[-1], ts[0] + 1.0))}",
                        "position": {
                            "epoch": iso(ts[0]),
                            "cartographicDegrees": sampled,
                            "interpolationAlgorithm": "LINEAR",
                        },
                        "point": {"color": rgba, "pixelSize": 10},
                        "path": {
                            "material": {"solidColor": {"color": rgba}},
                            "width": width,
                            "leadTime": 0,
                            "trailTime": 1e9,
                        },
                    }
            else:
                poly: dict[str, Any] = {
                    "positions": {"cartographicDegrees": _flat(pts)},
                    "material": {"solidColor": {"color": {"rgba": _rgba(color, opacity)}}},
                    "outline": True,
                    "outlineColor": rgba,
                }
                if _alt_mode(pts) == "absolute":
                    poly["perPositionHeight"] = True
                if len(part.rings) > 1:
                    poly["holes"] = {"cartographicDegrees": [_flat(r) for r in part.rings[1:]]}
                pkt["polygon"] = poly
            packets.append(pkt)
    return packets


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
