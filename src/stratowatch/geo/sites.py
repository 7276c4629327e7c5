"""Sites of interest: named points with a radius, read from CSV or GeoJSON.

CSV: a header with ``name, lat, lon, radius_km`` (``radius_m`` also accepted; ``category`` and
``note`` optional, other columns ignored), one site per row. GeoJSON: a FeatureCollection of
Point features whose properties carry ``name`` and ``radius_km`` (or ``radius_m``).
Every bad row raises `InputError` naming the file, the line (CSV) or feature index, the field
and what was expected.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["Site", "read_sites"]


@dataclass(frozen=True)
class Site:
    """A named site: centre (degrees) and radius (m)."""

    name: str
    lat: float
    lon: float
    radius: float
    category: str = ""


def _number(
    raw: Any, *, path: Path, line: int | None, field: str, lo: float, hi: float, expected: str
) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(
            "not a number", path=path, line=line, field=field, value=raw, expected=expected
        ) from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise InputError(
            "value out of range", path=path, line=line, field=field, value=raw, expected=expected
        )
    return value


def _site(props: dict[str, Any], lat: Any, lon: Any, *, path: Path, line: int | None) -> Site:
    name = str(props.get("name") or "").strip()
    if not name:
        raise InputError(
            "site without a name", path=path, line=line, field="name", expected="a non-empty name"
        )
    la = _number(lat, path=path, line=line, field="lat", lo=-90, hi=90, expected="degrees -90..90")
    lo = _number(
        lon, path=path, line=line, field="lon", lo=-180, hi=360, expected="degrees -180..360"
    )
    if props.get("radius_km") not in (None, ""):
        r = 1000.0 * _number(
            props["radius_km"],
            path=path,
            line=line,
            field="radius_km",
            lo=1e-6,
            hi=20_000,
            expected="a radius in km, > 0",
        )
    elif props.get("radius_m") not in (None, ""):
        r = _number(
            props["radius_m"],
            path=path,
            line=line,
            field="radius_m",
            lo=1e-3,
            hi=2e7,
            expected="a radius in m, > 0",
        )
    else:
        raise InputError(
            "missing radius",
            path=path,
            line=line,
            field="radius_km",
            expected="radius_km or radius_m > 0",
        )
    lo = (lo + 180.0) % 360.0 - 180.0
    return Site(name, la, lo, r, str(props.get("category") or ""))


def read_sites(path: str | Path) -> list[Site]:
    """Sites from a ``.csv`` or ``.geojson``/``.json`` file (see the module notes)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("sites file not found", path=p)
    suffix = p.suffix.lower()
    sites: list[Site] = []
    if suffix in (".geojson", ".json"):
        try:
            doc = json.loads(p.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not valid JSON: {exc}", path=p) from None
        feats = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(feats, list):
            raise InputError(
                "no features", path=p, expected="a GeoJSON FeatureCollection of Points"
            )
        for k, f in enumerate(feats):
            geom = f.get("geometry") if isinstance(f, dict) else None
            coords = geom.get("coordinates") if isinstance(geom, dict) else None
            if (
                not isinstance(geom, dict)
                or geom.get("type") != "Point"
                or not isinstance(coords, list)
                or len(coords) < 2
            ):
                raise InputError(
                    f"feature {k} is not a Point",
                    path=p,
                    field="geometry",
                    expected="Point geometry [lon, lat]",
                )
            props = f.get("properties") or {}
            sites.append(_site(props, coords[1], coords[0], path=p, line=k + 1))
    elif suffix == ".csv":
        with p.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = [c.strip().lower() for c in (reader.fieldnames or [])]
            missing = [c for c in ("name", "lat", "lon") if c not in fields]
            if missing or not ({"radius_km", "radius_m"} & set(fields)):
                raise InputError(
                    "missing columns",
                    path=p,
                    line=1,
                    value=",".join(fields),
                    expected="columns name, lat, lon and radius_km (or radius_m)",
                )
            reader.fieldnames = fields
            for row in reader:
                if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue
                sites.append(
                    _site(row, row.get("lat"), row.get("lon"), path=p, line=reader.line_num)
                )
    else:
        raise InputError(
            "unsupported sites file", path=p, value=suffix, expected=".csv or .geojson"
        )
    if not sites:
        raise InputError("no sites in file", path=p, expected="at least one site")
    return sites
