"""A self-contained HTML report: an interactive map (inline SVG + JS), tables and plots.

The report only presents: it takes the same GeoJSON FeatureCollection the exporters write (see
`stratowatch.io.export` for the feature conventions: ``layer``, ``name``, ``time``/``times``,
``style``), plus tables and plots whose numbers the caller computed with the library, and embeds
all of it as JSON in one HTML file with its own CSS and JavaScript. It makes no network request:
no CDN, no map tiles, no web fonts; country borders come embedded as polygons.

Map semantics (the time slider at time t):
- Points with ``time`` appear once ``time <= t`` (reports, engagement windows); a Point's
  ``radius_km`` draws its uncertainty circle (an ellipse in the projection).
- LineStrings with ``times`` are drawn up to t, with a marker at the interpolated position.
- Polygons with ``time`` (a corridor or footprint at a lead time) show the latest one with
  ``time <= t`` among those sharing ``layer`` and ``group``.
- ``time_start``/``time_end`` limit a feature to that span; features without times always show.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.export import validate_features

__all__ = ["Table", "Plot", "Series", "render_report", "write_report", "border_rings"]


@dataclass(frozen=True)
class Table:
    """A table: ``columns`` headers and ``rows`` of already formatted cells (str or number)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""


@dataclass(frozen=True)
class Series:
    """One plotted series: x in epoch seconds, y values; ``colors`` per point (optional)."""

    name: str
    x: Sequence[float]
    y: Sequence[float]
    color: str = "#3366cc"
    mode: str = "points+line"  # "points", "line" or "points+line"
    colors: Sequence[str] | None = None
    tips: Sequence[str] | None = None


@dataclass(frozen=True)
class Plot:
    """A small time plot; ``log_y`` plots log10(y); ``hlines`` (y, label) reference lines."""

    id: str
    title: str
    y_label: str
    series: Sequence[Series]
    log_y: bool = False
    hlines: Sequence[tuple[float, str]] = field(default_factory=tuple)
    note: str = ""


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if hasattr(x, "tolist") and not isinstance(x, str):
        return _finite(x.tolist())
    return x


def _unwrap_ring(ring: Sequence[Sequence[float]], lon0: float) -> list[list[float]]:
    """Longitudes continuous along the ring and its mean within lon0 +- 180 (2 decimals)."""
    out: list[list[float]] = []
    prev = None
    for pt in ring:
        lon, lat = float(pt[0]), float(pt[1])
        if prev is not None:
            lon = prev + ((lon - prev + 180.0) % 360.0) - 180.0
        out.append([lon, lat])
        prev = lon
    mean = sum(p[0] for p in out) / max(len(out), 1)
    shift = 360.0 * round((mean - lon0) / 360.0)
    return [[round(p[0] - shift, 2), round(p[1], 2)] for p in out]


def border_rings(
    polygons: Iterable[Sequence[Sequence[Sequence[float]]]],
    *,
    bbox: tuple[float, float, float, float],
    margin_deg: float = 25.0,
) -> list[list[list[float]]]:
    """Outer rings of country polygons near ``bbox`` (lon_min, lat_min, lon_max, lat_max),
    their longitudes unwrapped around the box centre, for the report's map."""
    lon_min, lat_min, lon_max, lat_max = bbox
    lon0 = 0.5 * (lon_min + lon_max)
    out = []
    for poly in polygons:
        if not poly:
            continue
        ring = _unwrap_ring(poly[0], lon0)
        lons = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        if (
            max(lons) < lon_min - margin_deg
            or min(lons) > lon_max + margin_deg
            or max(lats) < lat_min - margin_deg
            or min(lats) > lat_max + margin_deg
        ):
            continue
        out.append(ring)
    return out


def _asset(name: str) -> str:
    return (resources.files("stratowatch") / "report" / name).read_text(encoding="utf-8")


def _script_json(obj: Any) -> str:
    text = json.dumps(_finite(obj), allow_nan=False, separators=(",", ":"))
    # inside <script>: never close the element or open a comment
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_report(
    features: dict[str, Any],
    *,
    title: str,
    subtitle: str = "",
    layers: Sequence[tuple[str, str]] = (),
    hidden_layers: Sequence[str] = (),
    borders: Sequence[Sequence[Sequence[float]]] = (),
    headline: Sequence[tuple[str, str]] = (),
    tables: Sequence[Table] = (),
    plots: Sequence[Plot] = (),
    notes: Sequence[str] = (),
    legend: Sequence[tuple[str, str]] = (),
    time_start: float | None = None,
    fit_layers: Sequence[str] = (),
) -> str:
    """The report as one self-contained HTML string.

    Parameters
    ----------
    features : FeatureCollection (the exporters' conventions); validated first.
    title, subtitle : page heading.
    layers : (layer id, display name) in drawing order; layers found in ``features`` but not
        listed are appended with their id as name.
    hidden_layers : layer ids unticked at load.
    borders : country outlines, rings of [lon, lat] (see `border_rings`).
    headline : (label, value) key figures shown above the map.
    tables, plots : presented as given.
    notes : paragraphs (sources, caveats) at the end.
    legend : (colour "#rrggbb", label) entries drawn on the map.
    time_start : initial slider time (epoch s); default the earliest time in the data.
    fit_layers : layer ids the initial (and reset) view is fitted to; default all features.
    """
    validate_features(features)
    present: list[str] = []
    for f in features.get("features", []):
        lid = str((f.get("properties") or {}).get("layer", "features"))
        if lid not in present:
            present.append(lid)
    order = [(lid, name) for lid, name in layers]
    order += [(lid, lid) for lid in present if lid not in dict(layers)]
    data = {
        "title": title,
        "features": features.get("features", []),
        "layers": [
            {"id": lid, "name": name, "visible": lid not in hidden_layers} for lid, name in order
        ],
        "borders": [list(r) for r in borders],
        "headline": [[a, b] for a, b in headline],
        "tables": [
            {
                "title": t.title,
                "columns": list(t.columns),
                "rows": [list(r) for r in t.rows],
                "note": t.note,
            }
            for t in tables
        ],
        "plots": [
            {
                "id": p.id,
                "title": p.title,
                "y_label": p.y_label,
                "log_y": p.log_y,
                "hlines": [[y, lab] for y, lab in p.hlines],
                "note": p.note,
                "series": [
                    {
                        "name": s.name,
                        "x": list(s.x),
                        "y": list(s.y),
                        "color": s.color,
                        "mode": s.mode,
                        "colors": None if s.colors is None else list(s.colors),
                        "tips": None if s.tips is None else list(s.tips),
                    }
                    for s in p.series
                ],
            }
            for p in plots
        ],
        "notes": list(notes),
        "legend": [[c, lab] for c, lab in legend],
        "fit_layers": list(fit_layers),
        "time_start": time_start,
    }
    for p in data["plots"]:
        for s in p["series"]:
            if len(s["x"]) != len(s["y"]):
                raise InputError(
                    "plot series x and y differ in length",
                    field=f"plots[{p['id']}].{s['name']}",
                    value=(len(s["x"]), len(s["y"])),
                    expected="equal lengths",
                )
    page = _asset("template.html")
    return (
        page.replace("__TITLE__", html.escape(title))
        .replace("__SUBTITLE__", html.escape(subtitle))
        .replace("/*__CSS__*/", _asset("report.css"))
        .replace("/*__JS__*/", _asset("report.js"))
        .replace("__DATA__", _script_json(data))
    )


def write_report(path: str | Path, html_text: str) -> Path:
    """Write the rendered report (UTF-8)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(html_text, encoding="utf-8")
    return p
