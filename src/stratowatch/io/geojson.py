"""GeoJSON as RFC 7946 wants it: longitudes in [-180, 180], geometries cut at the antimeridian,
valid polygons with counter-clockwise outer rings and clockwise holes.

The library's FeatureCollections keep their longitudes continuous along a path (a track over
the Aleutians may run from 170 to 190 degrees), which is what a map wants. `to_rfc7946` turns
such a collection into the interchange form:

- Points: longitude wrapped into [-180, 180).
- LineStrings: cut where they cross the antimeridian into a MultiLineString (RFC 7946 §3.1.9);
  the crossing point is interpolated (latitude, altitude) and ends one part at +-180 and starts
  the next at -+180. A per-vertex ``times`` list is re-made for the new vertices (the crossing
  time interpolated linearly), flattened over the parts in order.
- Polygons: rings unwrapped, repaired with shapely's ``make_valid`` (self-intersections, parts
  that overlap inside a MultiPolygon are merged with a union), cut into the [-180, 180] strip,
  and oriented (``shapely.geometry.polygon.orient``: exterior counter-clockwise, RFC 7946
  §3.1.6). A ring that goes once around the globe (a region holding a pole) is closed through
  that pole. Polygons are written in 2-D (their altitude, if any, is dropped).

References
----------
.. [RFC7946] Butler H. et al. (2016), The GeoJSON Format, IETF RFC 7946.
"""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from ..timeutil import iso, to_epoch

__all__ = ["to_rfc7946", "wrap_lon", "split_line", "polygonal"]

Coord = list[float]


def wrap_lon(lon: float) -> float:
    """Longitude in [-180, 180) (180 itself stays 180)."""
    if -180.0 <= lon <= 180.0:
        return lon
    return (lon + 180.0) % 360.0 - 180.0


def _unwrap(coords: list[Coord]) -> list[Coord]:
    """The same positions with each longitude step wrapped to +-180 (a continuous line)."""
    out: list[Coord] = []
    for c in coords:
        c2 = [float(x) for x in c]
        if out:
            prev = out[-1][0]
            c2[0] = prev + ((c2[0] - prev + 180.0) % 360.0) - 180.0
        out.append(c2)
    return out


def split_line(
    coords: list[Coord], times: list[float] | None = None
) -> tuple[list[list[Coord]], list[list[float]] | None]:
    """Cut a line at the antimeridian: parts with longitudes in [-180, 180] (and their times).

    Parameters
    ----------
    coords : [lon, lat] or [lon, lat, alt_m] positions, degrees (any longitude range).
    times : optional epoch s per position.
    """
    pts = _unwrap(coords)
    parts: list[list[Coord]] = [[]]
    tparts: list[list[float]] = [[]]

    def band(lon: float) -> int:
        return math.floor((lon + 180.0) / 360.0)

    for j, p in enumerate(pts):
        if j > 0:
            q = pts[j - 1]
            b0, b1 = band(q[0]), band(p[0])
            step = 1 if b1 > b0 else -1
            for b in range(b0, b1, step):
                edge = -180.0 + 360.0 * (b + (1 if step > 0 else 0))
                w = (edge - q[0]) / (p[0] - q[0])
                mid = [edge] + [q[i] + w * (p[i] - q[i]) for i in range(1, len(p))]
                parts[-1].append([edge - 360.0 * b] + mid[1:])
                nb = b + step
                parts.append([[edge - 360.0 * nb] + mid[1:]])
                if times is not None:
                    tm = times[j - 1] + w * (times[j] - times[j - 1])
                    tparts[-1].append(tm)
                    tparts.append([tm])
        k = band(p[0])
        parts[-1].append([p[0] - 360.0 * k] + p[1:])
        if times is not None:
            tparts[-1].append(times[j])
    keep = [i for i, part in enumerate(parts) if len(part) >= 2]
    if not keep:  # a single position: nothing to cut
        keep = [0]
    return [parts[i] for i in keep], (None if times is None else [tparts[i] for i in keep])


def _close_over_pole(ring: list[Coord]) -> list[Coord]:
    """A ring whose unwrapped longitudes go once around the globe, closed through the pole."""
    lon0, lon1 = ring[0][0], ring[-1][0]
    if abs(abs(lon1 - lon0) - 360.0) > 1e-6:
        return ring
    mean_lat = sum(c[1] for c in ring) / len(ring)
    pole = 90.0 if mean_lat >= 0 else -90.0
    return [*ring, [lon1, pole], [lon0, pole], ring[0]]


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of a geometry (empty Polygon if none)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return unary_union(parts) if parts else Polygon()


def _rfc_polygon(rings_list: list[list[list[Coord]]]) -> BaseGeometry:
    """Polygons (lists of rings) -> one valid, cut, oriented (Multi)Polygon in [-180, 180]."""
    polys = []
    for rings in rings_list:
        outer = _close_over_pole(_unwrap([c[:2] for c in rings[0]]))
        # holes keep the outer ring's longitude frame
        holes = []
        for r in rings[1:]:
            h = _unwrap([c[:2] for c in r])
            shift = 360.0 * round((h[0][0] - outer[0][0]) / 360.0)
            holes.append([[c[0] - shift, c[1]] for c in h])
        polys.append(shapely.make_valid(Polygon(outer, holes)))
    geom = polygonal(unary_union([polygonal(p) for p in polys]))
    pieces = []
    for k in range(-2, 3):
        piece = polygonal(
            geom.intersection(box(-180.0 + 360.0 * k, -90.0, 180.0 + 360.0 * k, 90.0))
        )
        if not piece.is_empty:
            pieces.append(translate(piece, xoff=-360.0 * k))
    out = polygonal(unary_union(pieces)) if pieces else Polygon()
    if not out.is_valid:
        out = polygonal(shapely.make_valid(out))
    if isinstance(out, MultiPolygon):
        return MultiPolygon([orient(p, sign=1.0) for p in out.geoms])
    return orient(out, sign=1.0) if not out.is_empty else out


def _round(obj: Any, nd: int = 6) -> Any:
    if isinstance(obj, list | tuple):
        return [_round(v, nd) for v in obj]
    if isinstance(obj, float):
        return round(obj, nd)
    return obj


def to_rfc7946(fc: dict[str, Any]) -> dict[str, Any]:
    """A copy of a (validated) FeatureCollection in RFC 7946 form (see the module docstring).

    A polygon that repairs to nothing (zero area) becomes a Point at its first vertex with
    ``collapsed: true`` in its properties, so no feature is lost.
    """
    out_feats = []
    for f in fc.get("features", []):
        g = f["geometry"]
        props = dict(f.get("properties") or {})
        gtype = g["type"]
        c = g["coordinates"]
        if gtype == "Point":
            geom: dict[str, Any] = {"type": "Point", "coordinates": [wrap_lon(float(c[0])), *c[1:]]}
        elif gtype == "MultiPoint":
            geom = {
                "type": "MultiPoint",
                "coordinates": [[wrap_lon(float(p[0])), *p[1:]] for p in c],
            }
        elif gtype in ("LineString", "MultiLineString"):
            lines = [c] if gtype == "LineString" else list(c)
            times = props.get("times")
            nvert = sum(len(ln) for ln in lines)
            ts = (
                [to_epoch(t) for t in times]
                if isinstance(times, list | tuple) and len(times) == nvert and len(lines) == 1
                else None
            )
            parts: list[list[Coord]] = []
            tparts: list[list[float]] = []
            for ln in lines:
                ps, tp = split_line(ln, ts)
                parts += ps
                tparts += tp or []
            if len(parts) == 1:
                geom = {"type": "LineString", "coordinates": _round(parts[0])}
            else:
                geom = {"type": "MultiLineString", "coordinates": _round(parts)}
            if ts is not None:
                props["times"] = [iso(t) for tp_ in tparts for t in tp_]
        elif gtype in ("Polygon", "MultiPolygon"):
            polys = [c] if gtype == "Polygon" else list(c)
            shp = _rfc_polygon(polys)
            if shp.is_empty:
                props["collapsed"] = True
                first = polys[0][0][0]
                geom = {
                    "type": "Point",
                    "coordinates": [wrap_lon(float(first[0])), float(first[1])],
                }
            else:
                geom = _round(mapping(shp))
                geom = {"type": geom["type"], "coordinates": _tolists(geom["coordinates"])}
        else:  # validated upstream; keep anything else as it is
            geom = g
        out_feats.append({"type": "Feature", "geometry": geom, "properties": props})
    out = {k: v for k, v in fc.items() if k != "features"}
    out["features"] = out_feats
    return out


def _tolists(obj: Any) -> Any:
    if isinstance(obj, list | tuple):
        return [_tolists(v) for v in obj]
    return obj
