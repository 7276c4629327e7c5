"""KML 2.2 (OGC 07-147r2) of a FeatureCollection, written with simplekml.

One Folder per layer, one shared Style per distinct style (icon, line and fill colours); Points
carry a ``TimeStamp``, features with ``time_start``/``time_end`` a ``TimeSpan``; LineStrings with
per-vertex ``times`` become ``gx:Track`` (animated in Google Earth), others ``LineString``;
Polygons keep their holes; several parts become a ``MultiGeometry``; scalar properties go to
``ExtendedData``. Positions with an altitude are ``absolute``, others clamped to the ground.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..timeutil import iso
from .features import _epoch, _geometry_parts, _iter_features, _props, _scalars, _style, _times

if TYPE_CHECKING:  # simplekml loads when a KML is written, not with every CLI command
    import simplekml

__all__ = ["features_to_kml", "KML_NS", "GX_NS"]

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"


def _kml_color(color: str, opacity: float) -> str:
    """KML colours are aabbggrr hex."""
    r, g, b = int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
    return f"{round(255 * opacity):02x}{b:02x}{g:02x}{r:02x}"


def _coords(pts: list[tuple[float, float, float | None]]) -> list[tuple[float, float, float]]:
    return [(lon, lat, 0.0 if a is None else a) for lon, lat, a in pts]


def _absolute(pts: list[tuple[float, float, float | None]]) -> bool:
    return any(a is not None and a != 0.0 for _, _, a in pts)


def features_to_kml(fc: dict[str, Any], *, name: str = "stratowatch") -> str:
    """The collection as a KML 2.2 document (string). See the module docstring."""
    import simplekml

    kml = simplekml.Kml(name=str(fc.get("name", name)))
    styles: dict[tuple[str, float, float], simplekml.Style] = {}
    folders: dict[str, Any] = {}
    for i, f in _iter_features(fc):
        props = _props(f)
        parts = _geometry_parts(f.get("geometry"), i)
        style_key = _style(props)
        if style_key not in styles:
            color, width, opacity = style_key
            st = simplekml.Style()
            st.iconstyle.color = _kml_color(color, 1.0)
            st.iconstyle.scale = 0.8
            st.linestyle.color = _kml_color(color, max(opacity, 0.6))
            st.linestyle.width = width
            st.polystyle.color = _kml_color(color, min(opacity, 0.35))
            styles[style_key] = st
        layer = str(props.get("layer", "features"))
        if layer not in folders:
            folders[layer] = kml.newfolder(name=layer)
        folder = folders[layer]
        pname = str(props.get("name", f"{layer} {i}"))
        nvert = (
            len(parts[0].rings[0]) if len(parts) == 1 and parts[0].kind == "LineString" else None
        )
        t, ts = _times(props, i, nvert)
        container = folder.newmultigeometry(name=pname) if len(parts) > 1 else folder
        geoms = []
        for part in parts:
            pts = part.rings[0]
            mode = simplekml.AltitudeMode.absolute if _absolute(pts) else None
            if part.kind == "Point":
                g = container.newpoint(coords=_coords(pts))
            elif part.kind == "LineString" and len(ts) == len(pts) and len(parts) == 1:
                g = container.newgxtrack()
                g.newwhen([iso(x) for x in ts])
                g.newgxcoord(_coords(pts))
            elif part.kind == "LineString":
                g = container.newlinestring(coords=_coords(pts))
                g.tessellate = 1
            else:
                g = container.newpolygon(
                    outerboundaryis=_coords(part.rings[0]),
                    innerboundaryis=[_coords(r) for r in part.rings[1:]],
                )
                g.tessellate = 1
            if mode is not None:
                g.altitudemode = mode
            elif part.kind != "Point" and not (part.kind == "LineString" and ts):
                g.altitudemode = simplekml.AltitudeMode.clamptoground
            geoms.append(g)
        # the Placemark: the MultiGeometry when there are several parts, else the one geometry
        pm = container if len(parts) > 1 else geoms[0]
        if len(parts) == 1:
            pm.name = pname
        pm.style = styles[style_key]
        if t is not None:
            pm.timestamp.when = iso(t)
        elif props.get("time_start") is not None or props.get("time_end") is not None:
            if props.get("time_start") is not None:
                pm.timespan.begin = iso(_epoch(props["time_start"], "time_start"))
            if props.get("time_end") is not None:
                pm.timespan.end = iso(_epoch(props["time_end"], "time_end"))
        # gx:Track keeps its own ExtendedData for per-vertex arrays; scalars go on the Placemark
        target = getattr(pm, "_placemark", pm) if isinstance(pm, simplekml.GxTrack) else pm
        for key, val in _scalars(props).items():
            cell = "" if val is None else str(val)
            if isinstance(val, float) and not math.isfinite(val):
                cell = ""
            target.extendeddata.newdata(name=key, value=cell)
    out: str = kml.kml(format=True)
    return out
