"""The plane of `reachable_set`: an azimuthal-equidistant projection about the start (pyproj),
region growth on it, and conversion of regions back to longitude/latitude GeoJSON."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry.polygon import orient

from ..geo.geodesy import WGS84
from .reach_levels import (
    WindError as WindError,
)
from .reach_levels import (
    altitude_levels as altitude_levels,
)
from .reach_levels import (
    level_endpoints as level_endpoints,
)
from .reach_levels import (
    wind_error_for as wind_error_for,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- the plane
class _Plane:
    """Azimuthal equidistant plane (WGS84) centred on the start [Snyder1987]_."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = lat0
        self.lon0 = lon0
        self._t = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +datum=WGS84 +units=m",
            always_xy=True,
        )

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        x, y = self._t.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        lon, lat = self._t.transform(
            np.asarray(x, float), np.asarray(y, float), direction="INVERSE"
        )
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _circumscribed(poly: Any, d: float, quad_segs: int = 4) -> Any:
    """``poly`` grown by at least ``d`` m everywhere (shapely's round joins are inscribed
    polygons; growing by d / cos(pi / 4q) puts their edges outside the true circle)."""
    if d <= 0.0:
        return poly
    return poly.buffer(d / math.cos(math.pi / (4 * quad_segs)), quad_segs=quad_segs)


def _filled(geom: Any) -> Any:
    """One polygon without holes that contains ``geom`` (holes filled; separate parts, which
    the union of a closed chain of edge hulls does not produce, joined by their hull)."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        return shapely.Polygon()
    if len(polys) == 1:
        return shapely.Polygon(polys[0].exterior)
    merged = shapely.union_all([shapely.Polygon(p.exterior) for p in polys])
    if merged.geom_type == "Polygon":
        return shapely.Polygon(merged.exterior)
    return merged.convex_hull


def _step_region(points: FloatArray) -> Any:
    """The filled union of the edge hulls of the boundary images (see module notes).

    points : (n, L, 2) plane coordinates of every boundary vertex's image at every level."""
    n, nl, _ = points.shape
    if n == 1:
        hull = shapely.MultiPoint(points[0]).convex_hull
        return _circumscribed(hull, 1.0)
    pairs = np.concatenate([points, np.roll(points, -1, axis=0)], axis=1).reshape(-1, 2)
    # hull of each edge's 2L points (built as line strings: no per-point geometry objects)
    hulls = shapely.convex_hull(shapely.linestrings(pairs, indices=np.repeat(np.arange(n), 2 * nl)))
    # a degenerate hull (a point or a segment: all levels with the same wind) has no area
    hulls = _circumscribed_array(hulls, 1.0)
    return _filled(shapely.union_all(hulls))


def _circumscribed_array(geoms: Any, d: float) -> Any:
    return shapely.buffer(geoms, d / math.cos(math.pi / 8.0), quad_segs=2)


def _reduce(poly: Any, tol: float, max_edge: float) -> Any:
    """Fewer vertices, still an outer bound: simplify by ``tol``, grow back by ``tol`` (the
    simplified boundary is within tol of the original), fill, then split edges longer than
    ``max_edge`` so the next step samples the wind along them."""
    simple = shapely.simplify(poly, tol, preserve_topology=True)
    grown = _filled(_circumscribed(simple, tol, quad_segs=2))
    return shapely.segmentize(grown, max_edge)


# --------------------------------------------------------------------------- lon/lat output
def _to_lonlat(poly: Any, plane: _Plane, *, max_edge_m: float = 20_000.0) -> Any:
    """The plane polygon as a lon/lat shapely geometry, split at the antimeridian (RFC 7946
    section 3.1.9), exteriors counter-clockwise; a region around a pole is closed along the
    pole's latitude."""
    if poly.is_empty:
        return poly
    ring = np.asarray(shapely.segmentize(poly, max_edge_m).exterior.coords)
    lon, lat = plane.inverse(ring[:, 0], ring[:, 1])
    lon_u = np.degrees(np.unwrap(np.radians(lon)))
    turns = int(round((lon_u[-1] - lon_u[0]) / 360.0))
    if turns != 0:
        # the ring winds around a pole: close it along that pole
        px, py = plane.forward([0.0], [90.0])
        pole = 90.0 if shapely.contains_xy(poly, float(px[0]), float(py[0])) else -90.0
        coords = np.column_stack([lon_u, lat])
        shape = shapely.Polygon(np.vstack([coords, [[lon_u[-1], pole], [lon_u[0], pole]]]))
    else:
        shape = shapely.Polygon(np.column_stack([lon_u, lat]))
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    x0, _, x1, _ = shape.bounds
    parts = []
    for k in range(
        int(math.floor((x0 + 180.0) / 360.0)), int(math.floor((x1 + 180.0) / 360.0)) + 1
    ):
        window = shapely.box(-180.0 + 360.0 * k, -90.0, 180.0 + 360.0 * k, 90.0)
        piece = shapely.intersection(shape, window)
        if not piece.is_empty:
            parts.append(_shift(piece, -360.0 * k))
    if not parts:
        return shapely.Polygon()
    # pieces of a polar cap meet along the meridian where the ring was closed: merge them;
    # pieces on either side of the antimeridian stay apart (at -180 and +180)
    merged = shapely.union_all([shapely.set_precision(g, 1e-7) for g in parts])
    polys = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon" and p.area > 0]
    if not polys:
        return shapely.Polygon()
    return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]


def _shift(geom: Any, dx: float) -> Any:
    return shapely.transform(geom, lambda c: c + np.array([dx, 0.0]))


def _geodesic_area_km2(geom: Any) -> float:
    if geom.is_empty:
        return 0.0
    total = 0.0
    for p in shapely.get_parts(geom):
        a, _ = WGS84.geometry_area_perimeter(p)
        total += abs(a)
    return total / 1e6


def _geojson(geom: Any, *, digits: int = 5) -> dict[str, Any]:
    """RFC 7946 geometry: CCW exteriors (clockwise holes), rounded, valid."""
    if geom.is_empty:
        return {"type": "Polygon", "coordinates": []}
    polys = [orient(p, sign=1.0) for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]

    def ring(r: Any) -> list[list[float]]:
        c = np.round(np.asarray(r.coords), digits)
        # rounding may repeat a vertex; drop consecutive repeats (keep the closing one)
        keep = np.ones(len(c), dtype=bool)
        keep[1:] = np.any(c[1:] != c[:-1], axis=1)
        c = c[keep]
        if not np.array_equal(c[0], c[-1]):
            c = np.vstack([c, c[:1]])
        out: list[list[float]] = c.tolist()
        return out

    coords = [[ring(p.exterior), *[ring(h) for h in p.interiors]] for p in polys]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}
