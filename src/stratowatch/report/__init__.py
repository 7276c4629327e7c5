"""A self-contained HTML report: an interactive offline map (Leaflet), plots and tables.

The report only presents: it takes the same GeoJSON FeatureCollection the exporters write (see
`stratowatch.io.export` for the feature conventions: ``layer``, ``name``, ``time``/``times``,
``style``), plus tables, plots and a member density whose numbers the caller computed with the
library, and embeds all of it as JSON in one HTML file together with the map code
(``map.js``), the bundled Leaflet 1.9.4 and Leaflet.heat 0.2.0 (``vendor/``, BSD-2-Clause, built
from ``frontend/`` by ``tools/build_frontend.py``) and the Natural Earth 1:50m basemap
(``data/ne_50m_basemap.json``, public domain). It makes no network request: no CDN, no tiles,
no web fonts.

The same ``map.js`` is the service's live map: ``stratowatch.createApp(root, {basemap})``
returns an app whose ``setData(data)`` takes the object `report_data` builds and whose
``update(featureCollection)`` replaces the layers an update carries.

Map semantics (the time slider at time t):
- Points with ``time`` appear once ``time <= t`` (reports, engagement windows); a Point's
  ``radius_km`` draws its uncertainty circle; points of the ``sites`` layer carry their name.
- LineStrings with ``times`` are drawn up to t, with a marker at the interpolated position.
- Polygons with ``time`` (a corridor or footprint at a lead time) show the latest one with
  ``time <= t`` among those sharing ``layer`` and ``group``; a polygon smaller than a few pixels
  at the current zoom also gets a marker, so footprints stay visible at every zoom.
- ``time_start``/``time_end`` limit a feature to that span; features without times always show.
- The density heat map shows the frame with the latest time <= t.

Modules: `stratowatch.report.page` (the demo's page), `stratowatch.report.flight` (the
``predict --out flight.html`` page).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.export import validate_features

__all__ = [
    "Table",
    "Plot",
    "Series",
    "Density",
    "density_from_members",
    "report_data",
    "render_report",
    "write_report",
]


@dataclass(frozen=True)
class Table:
    """A table: ``columns`` headers and ``rows`` of already formatted cells (str or number)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    note: str = ""


@dataclass(frozen=True)
class Series:
    """One plotted series: x in epoch seconds, y values (None: a gap); ``colors`` per point
    (optional); a series with an empty name stays out of the plot's legend."""

    name: str
    x: Sequence[float]
    y: Sequence[float | None]
    color: str = "#3366cc"
    mode: str = "points+line"  # "points", "line" or "points+line"
    colors: Sequence[str] | None = None
    tips: Sequence[str] | None = None
    dash: str | None = None  # SVG dash pattern, e.g. "6 4"


@dataclass(frozen=True)
class Plot:
    """A small time plot; ``log_y`` plots log10(y); ``hlines`` (y, label) reference lines;
    ``vlines`` (epoch s, label) events marked across the plot; ``y_min``/``y_max`` fix the
    axis. Clicking the plot moves the map's time slider there."""

    id: str
    title: str
    y_label: str
    series: Sequence[Series]
    log_y: bool = False
    hlines: Sequence[tuple[float, str]] = field(default_factory=tuple)
    note: str = ""
    vlines: Sequence[tuple[float, str]] = field(default_factory=tuple)
    y_min: float | None = None
    y_max: float | None = None


@dataclass(frozen=True)
class Density:
    """Member positions for the heat map: ``frames`` of (epoch s, [(lat, lon), ...]); the map
    shows the latest frame at or before the slider time."""

    name: str
    frames: Sequence[tuple[float, Sequence[tuple[float, float]]]]
    visible: bool = True


def density_from_members(
    times: Any,
    lat: Any,
    lon: Any,
    *,
    name: str = "Member density",
    every_s: float = 3 * 3600.0,
    max_members: int = 300,
    end: tuple[Any, Any, Any] | None = None,
) -> Density:
    """Heat-map frames from an ensemble's member positions.

    Parameters
    ----------
    times : (nt,) epoch s; lat, lon : (members, nt) degrees (NaN once a member stopped).
    every_s : spacing of the frames, s (the nearest output times are used).
    max_members : members drawn (evenly spaced indices; members are exchangeable).
    end : optional (end_time, end_lat, end_lon) per member: adds a frame at the median end
        time with where each member ended (landing points), shown from then on.
    """
    import numpy as np

    t = np.asarray(times, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    if la.shape != lo.shape or la.ndim != 2 or la.shape[1] != t.size:
        raise InputError(
            "member positions do not match the times",
            field="lat/lon",
            value=(la.shape, lo.shape, t.shape),
            expected="(members, nt) arrays and (nt,) times",
        )
    idx = np.unique(np.linspace(0, la.shape[0] - 1, min(max_members, la.shape[0])).astype(int))
    step = abs(float(t[1] - t[0])) if t.size > 1 else 1.0
    every = max(int(round(every_s / step)), 1)
    frames: list[tuple[float, list[tuple[float, float]]]] = []
    for k in range(0, t.size, every):
        ok = np.isfinite(la[idx, k]) & np.isfinite(lo[idx, k])
        pts = [
            (round(float(a), 3), round(float(b), 3))
            for a, b in zip(la[idx, k][ok], lo[idx, k][ok], strict=True)
        ]
        if pts:
            frames.append((float(t[k]), pts))
    if end is not None:
        et, ela, elo = (np.asarray(x, dtype=np.float64) for x in end)
        ok = np.isfinite(ela) & np.isfinite(elo)
        if ok.any():
            sel = np.flatnonzero(ok)
            sel = sel[
                np.unique(np.linspace(0, sel.size - 1, min(4 * max_members, sel.size)).astype(int))
            ]
            t_end = float(np.nanmedian(et[ok]))
            frames = [f for f in frames if f[0] < t_end]
            frames.append(
                (t_end, [(round(float(ela[i]), 3), round(float(elo[i]), 3)) for i in sel])
            )
    frames.sort(key=lambda f: f[0])
    return Density(name=name, frames=frames)


def _finite(x: Any) -> Any:
    """``x`` for JSON with NaN and infinities as null (dicts, lists, tuples and arrays walked).
    Plain floats inside a list are handled in place, without a call each: the report's data
    holds about 10^5 of them."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        isfinite = math.isfinite
        return [(v if isfinite(v) else None) if type(v) is float else _finite(v) for v in x]
    if hasattr(x, "tolist") and not isinstance(x, str):
        return _finite(x.tolist())
    return x


def _asset(name: str) -> str:
    path = resources.files("stratowatch") / "report"
    for part in name.split("/"):
        path = path / part
    return path.read_text(encoding="utf-8")


def _script_json(obj: Any) -> str:
    text = json.dumps(_finite(obj), allow_nan=False, separators=(",", ":"))
    # inside <script>: never close the element or open a comment
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _basemap_json() -> str:
    text = (resources.files("stratowatch") / "data" / "ne_50m_basemap.json").read_text(
        encoding="utf-8"
    )
    return text.strip().replace("</", "<\\/")


#: a layer with more points than this (an ensemble's member points) is not named point by point
PLACE_POINTS_PER_LAYER = 60


def _with_places(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the features with a ``place`` property (`stratowatch.geo.places`, e.g.
    "United States, 42 km NNE of Billings, Montana") on every Point of the layers that have at
    most `PLACE_POINTS_PER_LAYER` points, and on the median and recommended points of larger
    ones, so each tooltip says where a point is."""
    from ..geo.places import describe_points

    per_layer: dict[str, int] = {}
    for f in features:
        g = f.get("geometry") or {}
        if g.get("type") == "Point":
            lid = str((f.get("properties") or {}).get("layer", ""))
            per_layer[lid] = per_layer.get(lid, 0) + 1
    pick = []
    for i, f in enumerate(features):
        g = f.get("geometry") or {}
        props = f.get("properties") or {}
        few = per_layer.get(str(props.get("layer", "")), 0) <= PLACE_POINTS_PER_LAYER
        key = str(props.get("name", "")).startswith(("median", "recommended"))
        if g.get("type") == "Point" and "place" not in props and (few or key):
            c = g.get("coordinates") or []
            if len(c) >= 2 and all(isinstance(v, int | float) for v in c[:2]):
                if math.isfinite(c[0]) and math.isfinite(c[1]) and abs(c[1]) <= 90.0:
                    pick.append(i)
    if not pick:
        return list(features)
    lat = [float(features[i]["geometry"]["coordinates"][1]) for i in pick]
    lon = [float(features[i]["geometry"]["coordinates"][0]) for i in pick]
    found = describe_points(lat, lon)
    out = list(features)
    for i, d in zip(pick, found, strict=True):
        f = dict(out[i])
        f["properties"] = {**(f.get("properties") or {}), "place": d.text}
        out[i] = f
    return out


def report_data(
    features: dict[str, Any],
    *,
    title: str,
    layers: Sequence[tuple[str, str]] = (),
    hidden_layers: Sequence[str] = (),
    headline: Sequence[tuple[str, str]] = (),
    tables: Sequence[Table] = (),
    plots: Sequence[Plot] = (),
    notes: Sequence[str] = (),
    legend: Sequence[tuple[str, str]] = (),
    time_start: float | None = None,
    fit_layers: Sequence[str] = (),
    density: Density | None = None,
    center_lon: float | None = None,
) -> dict[str, Any]:
    """The JSON object the map front end draws (``app.setData``); see `render_report`."""
    validate_features(features)
    present: list[str] = []
    for f in features.get("features", []):
        lid = str((f.get("properties") or {}).get("layer", "features"))
        if lid not in present:
            present.append(lid)
    order = [(lid, name) for lid, name in layers]
    order += [(lid, lid) for lid in present if lid not in dict(layers)]
    for p in plots:
        for s in p.series:
            if len(s.x) != len(s.y):
                raise InputError(
                    "plot series x and y differ in length",
                    field=f"plots[{p.id}].{s.name}",
                    value=(len(s.x), len(s.y)),
                    expected="equal lengths",
                )
    data: dict[str, Any] = {
        "title": title,
        "features": _with_places(features.get("features", [])),
        "layers": [
            {"id": lid, "name": name, "visible": lid not in hidden_layers} for lid, name in order
        ],
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
                "vlines": [[x, lab] for x, lab in p.vlines],
                "y_min": p.y_min,
                "y_max": p.y_max,
                "note": p.note,
                "series": [
                    {
                        "name": s.name,
                        "x": list(s.x),
                        "y": list(s.y),
                        "color": s.color,
                        "mode": s.mode,
                        "dash": s.dash,
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
        "center_lon": center_lon,
        "density": None
        if density is None
        else {
            "name": density.name,
            "visible": density.visible,
            "frames": [{"t": t, "pts": [list(p) for p in pts]} for t, pts in density.frames],
        },
    }
    return data


def render_report(
    features: dict[str, Any],
    *,
    title: str,
    subtitle: str = "",
    layers: Sequence[tuple[str, str]] = (),
    hidden_layers: Sequence[str] = (),
    headline: Sequence[tuple[str, str]] = (),
    tables: Sequence[Table] = (),
    plots: Sequence[Plot] = (),
    notes: Sequence[str] = (),
    legend: Sequence[tuple[str, str]] = (),
    time_start: float | None = None,
    fit_layers: Sequence[str] = (),
    density: Density | None = None,
    center_lon: float | None = None,
) -> str:
    """The report as one self-contained HTML string.

    Parameters
    ----------
    features : FeatureCollection (the exporters' conventions); validated first.
    title, subtitle : page heading.
    layers : (layer id, display name) in drawing order; layers found in ``features`` but not
        listed are appended with their id as name.
    hidden_layers : layer ids unticked at load.
    headline : (label, value) key figures shown above the map.
    tables, plots : presented as given (tables scroll inside their box on a phone).
    notes : paragraphs (sources, caveats) at the end.
    legend : (colour "#rrggbb", label) entries drawn on the map.
    time_start : initial slider time (epoch s); default the earliest time in the data.
    fit_layers : layer ids the initial (and reset) view is fitted to; default all features.
    density : member positions for the heat map (`density_from_members`).
    center_lon : longitude the map is centred on (paths are drawn continuous around it);
        default the circular mean of the data.
    """
    data = report_data(
        features,
        title=title,
        layers=layers,
        hidden_layers=hidden_layers,
        headline=headline,
        tables=tables,
        plots=plots,
        notes=notes,
        legend=legend,
        time_start=time_start,
        fit_layers=fit_layers,
        density=density,
        center_lon=center_lon,
    )
    page = _asset("template.html")
    # one pass over the placeholders, so text inside one asset is never substituted again
    parts = {
        "__TITLE__": html.escape(title),
        "__SUBTITLE__": html.escape(subtitle),
        "/*__LEAFLET_CSS__*/": _asset("vendor/leaflet.css"),
        "/*__CSS__*/": _asset("report.css"),
        "/*__LEAFLET_JS__*/": _asset("vendor/leaflet.js"),
        "/*__HEAT_JS__*/": _asset("vendor/leaflet-heat.js"),
        "/*__MAP_JS__*/": _asset("map.js"),
        "__BASEMAP__": _basemap_json(),
        "__DATA__": _script_json(data),
    }
    pattern = re.compile("|".join(re.escape(k) for k in parts))
    return pattern.sub(lambda m: parts[m.group(0)], page)


def write_report(path: str | Path, html_text: str) -> Path:
    """Write the rendered report (UTF-8); an unwritable path is an `InputError`."""
    from ..io.export import write_text

    p = Path(path)
    write_text(p, html_text)
    return p
