"""Tracking results as a JSON summary, a CSV state table and a GeoJSON FeatureCollection."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..atmosphere.wind import WindField
from ..errors import InputError
from ..timeutil import iso
from .same_object import SameObjectVerdict, same_object, same_track
from .tracker import TrackingResult

__all__ = [
    "STATE_COLUMNS",
    "review_new_objects",
    "tracking_summary",
    "write_state_csv",
    "tracks_feature_collection",
]

STATE_COLUMNS = (
    "track_id",
    "time",
    "lat",
    "lon",
    "alt",
    "sigma_e_m",
    "sigma_n_m",
    "sigma_alt_m",
    "ve",
    "vn",
    "vz",
    "sigma_ve",
    "sigma_vn",
    "wind_u",
    "wind_v",
    "obs_line",
    "source",
)


def review_new_objects(
    result: TrackingResult, *, wind: str | WindField, members: int = 400, seed: int = 0
) -> list[SameObjectVerdict]:
    """Second look at every unconfirmed track against the confirmed tracks, now that they hold
    all their reports (ensembles from each track's nearest state): a single-report track by its
    report (`same_object`, keeping the report's own time uncertainty), a longer one by its
    first state (`same_track`)."""
    confirmed = list(result.confirmed)
    out = []
    for tr in result.tracks:
        if not confirmed or tr in confirmed:
            continue
        i = int(tr.obs_index[0])
        if tr.n_updates > 1 or i < 0 or not np.isfinite(result.observations.lat[i]):
            out.append(
                same_track(
                    confirmed,
                    tr,
                    wind=wind,
                    members=members,
                    p_detect=result.config.p_detect,
                    new_object_density=result.config.new_object_density,
                    seed=seed,
                )
            )
            continue
        out.append(
            same_object(
                confirmed,
                result.observations,
                i,
                wind=wind,
                members=members,
                p_detect=result.config.p_detect,
                new_object_density=result.config.new_object_density,
                seed=seed,
            )
        )
    return out


def tracking_summary(
    result: TrackingResult, *, reviews: list[SameObjectVerdict] | None = None
) -> dict[str, Any]:
    """A JSON-ready summary: input counts and issues, whether the states are RTS-smoothed,
    tracks (span, altitude estimate), association decisions and (optionally) second looks at
    new objects."""
    obs = result.observations
    return {
        "wind": result.wind_source,
        "smoothed": all(t.smoothed for t in result.tracks)
        if result.tracks
        else result.config.smooth,
        "observations": len(obs),
        "issues": [str(e) for e in obs.issues],
        "n_issues": len(obs.issues),
        "tracks": [t.describe() for t in result.tracks],
        "decisions": [d.describe() for d in result.decisions],
        "same_object_review": [v.describe() for v in (reviews or [])],
    }


def write_state_csv(path: str | Path, result: TrackingResult) -> Path:
    """One row per track state: ``track_id,time,lat,lon,alt`` then uncertainties (m), ground
    velocity and model wind (m/s), the observation's source line and source."""
    p = Path(path)
    obs = result.observations
    try:
        handle = p.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write file: {exc.strerror}", path=p) from None
    with handle:
        w = csv.writer(handle)
        w.writerow(STATE_COLUMNS)
        for tr in result.tracks:
            for k in range(len(tr)):
                i = int(tr.obs_index[k])
                w.writerow(
                    [
                        tr.track_id,
                        iso(tr.time[k]),
                        f"{tr.lat[k]:.6f}",
                        f"{tr.lon[k]:.6f}",
                        f"{tr.alt[k]:.1f}",
                        f"{tr.sigma_e[k]:.1f}",
                        f"{tr.sigma_n[k]:.1f}",
                        f"{tr.sigma_alt[k]:.1f}",
                        f"{tr.ve[k]:.2f}",
                        f"{tr.vn[k]:.2f}",
                        f"{tr.vz[k]:.2f}",
                        f"{tr.sigma_ve[k]:.2f}",
                        f"{tr.sigma_vn[k]:.2f}",
                        f"{tr.wind_u[k]:.2f}",
                        f"{tr.wind_v[k]:.2f}",
                        int(obs.line[i]) if i >= 0 else "",
                        str(obs.source[i]) if i >= 0 else "",
                    ]
                )
    return p


def _num(x: float, nd: int = 1) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def tracks_feature_collection(result: TrackingResult) -> dict[str, Any]:
    """Tracks as LineStrings (``properties.times`` per vertex, layer ``track``) and the
    observations they used as Points (layer ``reports``), for `io.export.write_features`."""
    palette = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
    feats: list[dict[str, Any]] = []
    obs = result.observations
    for tr in result.tracks:
        color = palette[tr.track_id % len(palette)]
        coords = [
            [round(float(lo), 6), round(float(la), 6), _num(a)]
            for lo, la, a in zip(tr.lon, tr.lat, tr.alt, strict=True)
        ]
        props: dict[str, Any] = {
            "layer": "track",
            "name": f"track {tr.track_id}",
            "track_id": tr.track_id,
            "status": tr.status,
            "times": [iso(t) for t in tr.time],
            "altitude_m": _num(tr.altitude.mean),
            "altitude_sigma_m": _num(tr.altitude.sigma),
            "style": {"color": color, "width": 3},
        }
        if len(tr) >= 2:
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": props,
                }
            )
        for k in range(len(tr)):
            i = int(tr.obs_index[k])
            if i < 0:
                continue
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": coords[k]},
                    "properties": {
                        "layer": "reports",
                        "name": f"{obs.kind[i]} {obs.source[i]}",
                        "time": iso(tr.time[k]),
                        "track_id": tr.track_id,
                        "sigma_m": _num(float(obs.sigma_h[i])),
                        "description": str(obs.text[i]),
                        "style": {"color": color},
                    },
                }
            )
    return {"type": "FeatureCollection", "features": feats}
