"""Writers. Every producer (predictions, tracks, assessments) describes its output as a GeoJSON
FeatureCollection (a dict); `write_features` writes it as GeoJSON, KML, CZML or CSV by suffix.

Conventions for features (so every format can animate them):
- ``properties.time``: ISO-8601 UTC of a Point; ``properties.times``: one ISO time per vertex of a
  LineString; ``properties.layer``: a layer name (``track``, ``reports``, ``corridor``...);
  ``properties.name``; optional ``properties.style`` {``color``: "#rrggbb", ``width``, ``opacity``}.
- Coordinates are [lon, lat] or [lon, lat, alt_m].

(The exports work fills in KML, CZML and CSV; GeoJSON and JSON are here from the start.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["write_features"]


def write_features(path: str | Path, features: dict[str, Any]) -> Path:
    """Write a FeatureCollection to ``path``; the format follows the suffix."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        p.write_text(json.dumps(features, allow_nan=False))
        return p
    raise InputError(
        "unsupported output format", path=p, value=suffix, expected=".geojson or .json"
    )
