"""Derive the offline basemap the report draws (``src/stratowatch/data/ne_50m_basemap.json``).

Source: Natural Earth 1:50m vector data (public domain, naturalearthdata.com), as GeoJSON files
in one folder (the ``ne_50m_*`` files of the Natural Earth release, converted with ogr2ogr or
taken from a GeoJSON mirror of it):

========================================  ======================================================
``ne_50m_land``                           land polygons (drawn filled; their outline is the coast)
``ne_50m_lakes``                          lakes and reservoirs (filled with the sea colour)
``ne_50m_admin_0_boundary_lines_land``    country borders on land
``ne_50m_admin_1_states_provinces_lines`` state / province borders (where 1:50m has them: US,
                                          Canada, Brazil, Australia)
``ne_50m_admin_1_states_provinces_lakes`` state / province names and label points
``ne_50m_admin_0_countries``              country names (label at the largest part)
``ne_50m_populated_places_simple``        place names with Natural Earth's ``min_zoom``
========================================  ======================================================

What is done: lines and rings are simplified (Douglas-Peucker, ``--tolerance`` degrees, topology
kept), coordinates are quantized to ``1 / --scale`` degree and delta-encoded (each part is a
flat list ``[x0, y0, dx1, dy1, ...]`` of integers), attributes are cut to a name, a position, a
minimum zoom and a population. The result is a few hundred kB of JSON that the report embeds
(``src/stratowatch/report/map.js`` decodes it). Nothing is fetched at run time.

Run from the project root: ``.venv/bin/python tools/build_basemap.py --source DIR``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "stratowatch" / "data" / "ne_50m_basemap.json"


def _load(source: Path, stem: str) -> list[dict[str, Any]]:
    for suffix in (".geojson", ".json"):
        p = source / (stem + suffix)
        if p.exists():
            feats: list[dict[str, Any]] = json.loads(p.read_text(encoding="utf-8"))["features"]
            return feats
    raise SystemExit(f"missing {stem}.geojson in {source}")


def _encode(coords: Any, scale: int) -> list[int]:
    """Quantize and delta-encode one ring / line; repeated points after rounding are dropped."""
    out: list[int] = []
    px = py = None
    for c in coords:
        x, y = round(float(c[0]) * scale), round(float(c[1]) * scale)
        if (x, y) == (px, py):
            continue
        if px is None:
            out += [x, y]
        else:
            out += [x - px, y - py]  # type: ignore[operator]
        px, py = x, y
    return out


def _polygons(geom: BaseGeometry) -> list[BaseGeometry]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [g for part in geom.geoms for g in _polygons(part)]
    return []


def _lines(geom: BaseGeometry) -> list[BaseGeometry]:
    if geom.is_empty:
        return []
    if geom.geom_type == "LineString":
        return [geom]
    if geom.geom_type in ("MultiLineString", "GeometryCollection"):
        return [g for part in geom.geoms for g in _lines(part)]
    return []


def polygons(feats: list[dict[str, Any]], tol: float, scale: int) -> list[list[list[int]]]:
    out = []
    for f in feats:
        for poly in _polygons(shape(f["geometry"]).simplify(tol, preserve_topology=True)):
            rings = [_encode(poly.exterior.coords, scale)]
            rings += [_encode(r.coords, scale) for r in poly.interiors]
            rings = [r for r in rings if len(r) >= 8]
            if rings and len(rings[0]) >= 8:
                out.append(rings)
    return out


def lines(feats: list[dict[str, Any]], tol: float, scale: int) -> list[list[int]]:
    out = []
    for f in feats:
        for ln in _lines(shape(f["geometry"]).simplify(tol, preserve_topology=True)):
            enc = _encode(ln.coords, scale)
            if len(enc) >= 4:
                out.append(enc)
    return out


def build(source: Path, *, tol: float, scale: int) -> dict[str, Any]:
    places = []
    for f in _load(source, "ne_50m_populated_places_simple"):
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"][:2]
        places.append(
            [
                str(p.get("name") or p.get("nameascii")),
                round(lon * scale),
                round(lat * scale),
                round(float(p.get("min_zoom") or 10.0), 1),
                int(p.get("pop_max") or 0),
                1 if (p.get("adm0cap") or 0) > 0 else 0,
            ]
        )
    places.sort(key=lambda r: (r[3], -r[4]))
    countries = []
    for f in _load(source, "ne_50m_admin_0_countries"):
        p = f["properties"]
        parts = _polygons(shape(f["geometry"]))
        if not parts:
            continue
        pt = max(parts, key=lambda g: g.area).representative_point()
        countries.append(
            [
                str(p.get("NAME") or p.get("name")),
                round(pt.x * scale),
                round(pt.y * scale),
                round(float(p.get("MIN_LABEL") or p.get("min_label") or 5.0), 1),
            ]
        )
    countries.sort(key=lambda r: r[3])
    regions = []
    for f in _load(source, "ne_50m_admin_1_states_provinces_lakes"):
        p = f["properties"]
        if p.get("latitude") is None or p.get("longitude") is None:
            continue
        regions.append(
            [
                str(p.get("name")),
                round(float(p["longitude"]) * scale),
                round(float(p["latitude"]) * scale),
                round(float(p.get("min_label") or 4.0), 1),
            ]
        )
    return {
        "source": "Natural Earth 1:50m (public domain, naturalearthdata.com): land, lakes, "
        "admin-0 boundary lines, admin-1 lines and names, admin-0 names, populated places",
        "licence": "public domain",
        "derived_by": "tools/build_basemap.py",
        "encoding": (
            "coordinates are integers in 1/scale degree; each ring or line is [x0, y0, dx1, dy1, "
            "...] (delta-encoded); land and lakes are lists of polygons (lists of rings, the first "
            "one outer); places are [name, x, y, min_zoom, population, capital]; countries and "
            "regions are [name, x, y, min_zoom]"
        ),
        "scale": scale,
        "tolerance_deg": tol,
        "land": polygons(_load(source, "ne_50m_land"), tol, scale),
        "lakes": polygons(_load(source, "ne_50m_lakes"), tol, scale),
        "borders": lines(_load(source, "ne_50m_admin_0_boundary_lines_land"), tol, scale),
        "states": lines(_load(source, "ne_50m_admin_1_states_provinces_lines"), tol, scale),
        "countries": countries,
        "regions": regions,
        "places": places,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, required=True, help="folder of ne_50m_*.geojson")
    ap.add_argument("--tolerance", type=float, default=0.01, help="simplification, degrees")
    ap.add_argument("--scale", type=int, default=100, help="quantization steps per degree")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    data = build(args.source, tol=args.tolerance, scale=args.scale)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    n = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB): {n}")


if __name__ == "__main__":
    main()
