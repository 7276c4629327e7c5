"""CZML 1.0 (Cesium) of a FeatureCollection, built and validated with czml3's models.

A document packet with a clock spanning every time in the data, then one packet per geometry
part: points (available from their time on), polylines, polygons (with holes; at their own
altitude with ``perPositionHeight`` when the positions carry one), and for LineStrings with
per-vertex ``times`` a second packet with a sampled ``position`` (``epoch`` + seconds offsets in
``cartographicDegrees``) and a ``path``, so the object moves along it. Every position is at the
altitude its feature gives (m above the ellipsoid as Cesium reads it); 2-D positions are at 0 m
and their polylines are clamped to the ground.

czml3 (BSD-3-Clause) checks every packet against its pydantic models (unknown or mistyped
properties raise), so what is written is CZML that the czml3 models accept.
"""

from __future__ import annotations

from typing import Any

from czml3 import Document, Packet
from czml3.enums import ClockRanges, ClockSteps, InterpolationAlgorithms
from czml3.properties import (
    Clock,
    Color,
    Material,
    Path,
    Point,
    Polygon,
    Polyline,
    PolylineMaterial,
    Position,
    PositionList,
    PositionListOfLists,
    SolidColorMaterial,
)
from czml3.types import TimeInterval

from ..timeutil import iso

__all__ = ["features_to_czml", "czml_document"]


def _flat(pts: list[tuple[float, float, float | None]]) -> list[float]:
    out: list[float] = []
    for lon, lat, a in pts:
        out += [lon, lat, 0.0 if a is None else a]
    return out


def _rgba(color: str, opacity: float) -> list[int]:
    return [int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16), round(255 * opacity)]


def _has_alt(pts: list[tuple[float, float, float | None]]) -> bool:
    return any(a is not None and a != 0.0 for _, _, a in pts)


def czml_document(fc: dict[str, Any], *, name: str = "stratowatch") -> Document:
    """The collection as a czml3 `Document` (validated on construction)."""
    from .export import _epoch, _geometry_parts, _iter_features, _props, _scalars, _style, _times

    all_times: list[float] = []
    for i, f in _iter_features(fc):
        props = _props(f)
        t, ts = _times(props, i, None)
        all_times += ([t] if t is not None else []) + ts
        for key in ("time_start", "time_end"):
            if props.get(key) is not None:
                all_times.append(_epoch(props[key], key))
    title = str(fc.get("name", name))
    t_end = None
    if all_times:
        t0, t_end = min(all_times), max(all_times)
        if t_end <= t0:
            t_end = t0 + 1.0
        doc = Packet(
            id="document",
            name=title,
            version="1.0",
            clock=Clock(
                interval=TimeInterval(start=iso(t0), end=iso(t_end)),
                currentTime=iso(t0),
                multiplier=600,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        )
    else:
        doc = Packet(id="document", name=title, version="1.0")
    packets = [doc]
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
        t_a = t
        if props.get("time_start") is not None:
            t_a = _epoch(props["time_start"], "time_start")
        t_b = _epoch(props["time_end"], "time_end") if props.get("time_end") is not None else t_end
        avail = (
            TimeInterval(start=iso(t_a), end=iso(t_b))
            if t_a is not None and t_b is not None and t_b > t_a
            else None
        )
        line_color = Color(rgba=_rgba(color, max(opacity, 0.6)))
        for part in parts:
            pid = f"f{i}" if len(parts) == 1 else f"f{i}-{part.part}"
            pts = part.rings[0]
            common: dict[str, Any] = {
                "id": pid,
                "name": fname,
                "description": desc,
                "properties": {"layer": layer},
            }
            if avail is not None:
                common["availability"] = avail
            if part.kind == "Point":
                packets.append(
                    Packet(
                        **common,
                        position=Position(cartographicDegrees=_flat(pts)),
                        point=Point(
                            color=line_color,
                            pixelSize=8,
                            outlineColor=Color(rgba=[255, 255, 255, 255]),
                            outlineWidth=1,
                        ),
                    )
                )
            elif part.kind == "LineString":
                packets.append(
                    Packet(
                        **common,
                        polyline=Polyline(
                            positions=PositionList(cartographicDegrees=_flat(pts)),
                            width=width,
                            material=PolylineMaterial(
                                solidColor=SolidColorMaterial(color=line_color)
                            ),
                            clampToGround=not _has_alt(pts),
                        ),
                    )
                )
                if len(ts) == len(pts):
                    sampled: list[float] = []
                    for tt, (lon, lat, a) in zip(ts, pts, strict=True):
                        sampled += [tt - ts[0], lon, lat, 0.0 if a is None else a]
                    packets.append(
                        Packet(
                            id=pid + "-moving",
                            name=fname,
                            description=desc,
                            properties={"layer": layer},
                            availability=TimeInterval(
                                start=iso(ts[0]), end=iso(max(ts[-1], ts[0] + 1.0))
                            ),
                            position=Position(
                                epoch=iso(ts[0]),
                                cartographicDegrees=sampled,
                                interpolationAlgorithm=InterpolationAlgorithms.LINEAR,
                            ),
                            point=Point(color=line_color, pixelSize=10),
                            path=Path(
                                material=PolylineMaterial(
                                    solidColor=SolidColorMaterial(color=line_color)
                                ),
                                width=width,
                                leadTime=0,
                                trailTime=1e9,
                            ),
                        )
                    )
            else:
                poly: dict[str, Any] = {
                    "positions": PositionList(cartographicDegrees=_flat(pts)),
                    "material": Material(
                        solidColor=SolidColorMaterial(color=Color(rgba=_rgba(color, opacity)))
                    ),
                    "outline": True,
                    "outlineColor": line_color,
                }
                if _has_alt(pts):
                    poly["perPositionHeight"] = True
                if len(part.rings) > 1:
                    poly["holes"] = PositionListOfLists(
                        cartographicDegrees=[_flat(r) for r in part.rings[1:]]
                    )
                packets.append(Packet(**common, polygon=Polygon(**poly)))
    return Document(packets=packets)


def features_to_czml(fc: dict[str, Any], *, name: str = "stratowatch") -> list[dict[str, Any]]:
    """The collection as a CZML document: a JSON-ready list of packets (see the module
    docstring), validated by czml3's models."""
    import json

    doc = czml_document(fc, name=name)
    packets: list[dict[str, Any]] = json.loads(doc.model_dump_json(exclude_none=True))
    return packets
