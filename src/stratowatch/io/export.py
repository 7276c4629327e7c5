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
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..timeutil import iso
from .features import _clean, _geometry_parts, _iter_features, _props, _scalars, _times
from .features import validate_features as validate_features
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


def write_features(path: str | Path, features: dict[str, Any], *, validate: bool = True) -> Path:
    """Write a FeatureCollection to ``path``; the format follows the suffix.

    Parameters
    ----------
    path : output file; ``.geojson``/``.json``, ``.kml``, ``.czml`` or ``.csv``.
    features : a GeoJSON FeatureCollection dict following the conventions of this module.
    validate : check the collection first (`validate_features`); False only when the caller
        has just checked this same, unchanged collection (writing it in several formats).

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
    if validate:
        validate_features(features)
    if suffix in (".geojson", ".json"):
        from .geojson import to_rfc7946  # shapely: imported when writing GeoJSON

        text = json.dumps(_clean(to_rfc7946(features)), allow_nan=False)
    elif suffix == ".kml":
        text = features_to_kml(features)
    elif suffix == ".czml":
        text = json.dumps(features_to_czml(features), allow_nan=False)
    else:
        text = _csv_text(features)
    write_text(p, text)
    return p


def features_to_czml(fc: dict[str, Any], *, name: str = "stratowatch") -> list[dict[str, Any]]:
    """CZML packets of a FeatureCollection (`stratowatch.io.czml.features_to_czml`; czml3 is
    imported on first use, so importing this module stays cheap)."""
    from .czml import features_to_czml as _to_czml

    return _to_czml(fc, name=name)


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
    return _csv_text(fc)


def _csv_text(fc: dict[str, Any]) -> str:
    """`features_to_csv` of a collection already checked by `validate_features`."""
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
