"""Map features of the demo: GeoJSON points, the 50/90 % regions of an ensemble over time and
its median line, in the layer conventions of `io.export` (``layer``, ``name``, ``time`` /
``times``, ``style``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..timeutil import iso
from .members import pred_backward

__all__ = ["_feature", "_point", "_region_features", "_median_line"]


def _feature(geom: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geom, "properties": props}


def _point(lon: float, lat: float, alt: float | None = None) -> dict[str, Any]:
    coords = [float(lon), float(lat)] + ([] if alt is None else [float(alt)])
    return {"type": "Point", "coordinates": coords}


def _region_features(pred: Any, layer: str, *, every_s: float, color: str) -> list[dict[str, Any]]:
    """50 % and 90 % regions (`predict.regions.ellipse`) every ``every_s``: polygons with time."""
    from ..predict.regions import ellipse, ellipse_polygon

    feats = []
    times = np.asarray(pred.times, dtype=np.float64)
    step = max(1, int(round(every_s / max(abs(float(times[1] - times[0])), 1.0))))
    sign = "-" if pred_backward(pred) else "+"
    for k in range(step, len(times), step):
        t = float(times[k])
        lead = abs(t - float(times[0])) / 3600.0
        lat = np.asarray(pred.lat, dtype=np.float64)[:, k]
        lon = np.asarray(pred.lon, dtype=np.float64)[:, k]
        for p, op in ((0.9, 0.18), (0.5, 0.3)):
            reg = ellipse(lat, lon, p)
            if reg is None:
                continue
            ring = [[round(x, 4), round(y, 4)] for x, y in ellipse_polygon(reg)]
            feats.append(
                _feature(
                    {"type": "Polygon", "coordinates": [ring]},
                    layer=layer,
                    group=f"{int(p * 100)}",
                    name=f"{int(p * 100)} % region, {sign}{lead:.0f} h",
                    time=iso(t),
                    level=p,
                    lead_h=round(lead, 2),
                    semi_major_km=round(reg["semi_major_km"], 1),
                    semi_minor_km=round(reg["semi_minor_km"], 1),
                    coverage=round(reg["coverage"], 3),
                    style={"color": color, "opacity": op},
                )
            )
    return feats


def _median_line(pred: Any, layer: str, name: str, color: str) -> dict[str, Any]:
    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.nanmedian(np.asarray(pred.lat, dtype=np.float64), axis=0)
    lon = np.nanmedian(np.asarray(pred.lon, dtype=np.float64), axis=0)
    alt = np.nanmedian(np.asarray(pred.alt, dtype=np.float64), axis=0)  # at its real altitude
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(alt)
    order = np.argsort(times[ok])
    return _feature(
        {
            "type": "LineString",
            "coordinates": [
                [round(float(lo), 4), round(float(la), 4), round(float(al), 0)]
                for lo, la, al in zip(lon[ok][order], lat[ok][order], alt[ok][order], strict=True)
            ],
        },
        layer=layer,
        name=name,
        times=[iso(t) for t in times[ok][order]],
        style={"color": color, "width": 2, "dash": "6 4"},
    )
