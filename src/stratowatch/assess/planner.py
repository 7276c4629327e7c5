"""Glue used by the CLI and service: build the path and the ensemble wind, then plan.

`engage` takes a track/prediction file or a current position (predicted forward with
`stratowatch.predict.predict`, the float profile, in the chosen wind), wraps the wind in a
`PerturbedWind` ensemble for the debris, and returns the `EngagementPlan` and its GeoJSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..atmosphere.perturb import PerturbedWind
from ..atmosphere.sources import open_wind
from ..errors import ConfigError, DomainError, InputError
from ..geo.coords import check_point
from ..timeutil import iso, to_epoch
from .debris import debris_assessment
from .engage import (
    DEFAULT_PLACEMENTS,
    DEFAULT_POSITIONS,
    DEFAULT_THRESHOLD,
    EngagementPlan,
    format_ec,
    plan_engagement,
)
from .path import FlightPath, read_path

__all__ = [
    "ensemble_wind",
    "predicted_path",
    "forecast",
    "extend_path",
    "engage",
    "plan_features",
    "check_wind_covers",
]

STEADY_TOLERANCE = 6 * 3600.0  # s: a wind file is used up to 6 h beyond its valid times


def check_wind_covers(wind: Any, path: FlightPath) -> None:
    """Raise `DomainError` when the path's times or region lie outside the wind data (a file's
    valid times +- 6 h; a single-time analysis is otherwise used as a steady field)."""
    meta = getattr(wind, "meta", None)
    if meta is None:
        return
    t0, t1 = float(path.times[0]), float(path.times[-1])
    if meta.time_start is not None and meta.time_end is not None:
        lo = meta.time_start - STEADY_TOLERANCE
        hi = meta.time_end + STEADY_TOLERANCE
        if t0 < lo or t1 > hi:
            raise DomainError(
                f"the path ({iso(t0)} .. {iso(t1)}) is outside the wind data "
                f"{meta.source} (valid {iso(meta.time_start)} .. {iso(meta.time_end)}, used up "
                "to 6 h beyond); use a wind file that covers it, or the climatology"
            )
    lat_ok = (path.lat >= meta.lat_min - 1e-6) & (path.lat <= meta.lat_max + 1e-6)
    if not lat_ok.all():
        raise DomainError(
            f"the path leaves the wind data's region (latitudes {meta.lat_min}..{meta.lat_max}, "
            f"{meta.source}); use a wind file that covers it, or the climatology"
        )


DEBRIS_MODES = 16


def ensemble_wind(wind: Any, *, members: int, seed: int = 0, n_modes: int = DEBRIS_MODES) -> Any:
    """``wind`` (name, path or field) as a `PerturbedWind` of ``members`` (> 1), else as is.

    Debris falls last minutes to an hour over tens of km, far inside the perturbations'
    350 km / 10 h correlation scales, so each member's error there is nearly one random
    offset per height: 16 Fourier modes (instead of 48) give its Gaussian spread to a few
    per cent at a third of the cost."""
    if members < 1:
        raise ConfigError(f"members must be >= 1, got {members}")
    base = open_wind(wind)
    if members == 1:
        return base
    return PerturbedWind(base, members=members, seed=seed, n_modes=n_modes)


def predicted_path(
    time: Any,
    lat: float,
    lon: float,
    alt: float,
    *,
    wind: Any,
    hours: float,
    members: int = 1,
    seed: int = 0,
) -> FlightPath:
    """The float path from the current state, an ensemble of ``members`` (one point when
    ``hours`` is 0). The spread is the prediction engine's (`stratowatch.predict.predict`, its
    wind perturbations for this wind source)."""
    t0 = to_epoch(time)
    if hours == 0:
        return FlightPath.from_arrays([t0], [lat], [lon], [alt], source="point")
    return FlightPath.from_prediction(
        forecast(t0, lat, lon, alt, wind=wind, hours=hours, members=members, seed=seed)
    )


def forecast(
    time: Any,
    lat: float,
    lon: float,
    alt: float,
    *,
    wind: Any,
    hours: float,
    members: int = 1,
    seed: int = 0,
) -> Any:
    """The float-profile `Prediction` the planner engages along (the single call site of the
    prediction engine here)."""
    from ..predict import predict

    return predict(
        to_epoch(time),
        lat,
        lon,
        alt,
        profile="float",
        wind=wind,
        hours=hours,
        members=members,
        float_alt=alt,
        seed=seed,
    )


def extend_path(
    path: FlightPath, *, until: float, wind: Any, members: int, seed: int = 0
) -> FlightPath:
    """``path`` continued by a float forecast from its last (median) point to ``until``
    (epoch s): the track part is repeated for every forecast member."""
    t_last = float(path.times[-1])
    if until <= t_last + 1.0:
        return path
    la, lo, al = (float(np.median(a[:, -1])) for a in (path.lat, path.lon, path.alt))
    pred = forecast(
        t_last, la, lo, al, wind=wind, hours=(until - t_last) / 3600.0, members=members, seed=seed
    )
    ahead = FlightPath.from_prediction(pred)
    keep = ahead.times > t_last + 1e-6
    n = ahead.members
    rows = np.arange(n) % path.members
    times = np.concatenate([path.times, ahead.times[keep]])
    lat = np.concatenate([path.lat[rows], ahead.lat[:, keep]], axis=1)
    lon = np.concatenate([path.lon[rows], ahead.lon[:, keep]], axis=1)
    alt = np.concatenate([path.alt[rows], ahead.alt[:, keep]], axis=1)
    return FlightPath.from_arrays(
        times, lat, lon, alt, source=f"{path.source} + forecast to {iso(until)}"
    )


def plan_features(plan: EngagementPlan) -> dict[str, Any]:
    """The windows (and the recommendation) as a GeoJSON FeatureCollection."""
    feats: list[dict[str, Any]] = []
    for w in plan.windows:
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [w.lon, w.lat, w.alt]},
                "properties": {
                    "layer": "engage_windows",
                    "name": f"window {iso(w.time)}",
                    "time": iso(w.time),
                    "ec": w.ec,
                    "ec_lo": w.ec_lo,
                    "ec_hi": w.ec_hi,
                    "ec_text": format_ec(w.ec, w.ec_lo, w.ec_hi, confidence=w.confidence),
                    "p_land": w.p_land,
                    "p_land_ci": [w.p_land_lo, w.p_land_hi],
                    "ok": w.ok,
                    "style": {"color": "#1a9850" if w.ok else "#d73027"},
                },
            }
        )
    if plan.recommended is not None:
        r = plan.recommended
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r.lon, r.lat, r.alt]},
                "properties": {
                    "layer": "engage_recommended",
                    "name": "recommended engagement",
                    "time": iso(r.time),
                    "ec": r.ec,
                    "ec_lo": r.ec_lo,
                    "ec_hi": r.ec_hi,
                    "p_land": r.p_land,
                    "reason": plan.reason,
                    "style": {"color": "#0000ff", "width": 3},
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _check_position(lat: float, lon: float, alt: float) -> None:
    """The one coordinate rule of every command (`stratowatch.geo.coords`); a break-up is
    above sea level."""
    check_point(lat, lon, alt)
    if not alt > 0:
        raise InputError(
            "altitude must be above sea level", field="alt", value=alt, expected="> 0 m"
        )


def engage(
    *,
    track: str | Path | None = None,
    track_id: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    alt: float | None = None,
    time: Any = None,
    hours: float | None = None,
    every_min: float = 10.0,
    threshold: float = DEFAULT_THRESHOLD,
    own: str | None = "US",
    wind: Any = "climatology",
    members: int = DEFAULT_POSITIONS,
    samples: int = 3,
    seed: int = 0,
    sheltering: float = 0.0,
    position_sigma_m: float = 0.0,
    confidence: float = 0.9,
    placements: int = DEFAULT_PLACEMENTS,
    footprint: bool = False,
    engine: Any = None,
) -> tuple[EngagementPlan, dict[str, Any]]:
    """Plan from the current state predicted forward ``hours`` (default 48) as a ``members``
    ensemble, or from a track file: windows from ``time`` (default: the track's start) for
    ``hours`` (default: to the track's end); a horizon beyond the track's end continues it with
    a forecast from its last point. Each window breaks up at ``members`` positions, each in its
    own debris wind member (a `PerturbedWind` of ``members``), its debris field also laid at
    ``placements - 1`` further positions, so the forecast has ``members x placements`` members.
    With ``footprint`` the features
    also hold the recommended window's debris footprint (50/90/99 %). ``engine``: where the
    debris falls run (`stratowatch.scale.open_engine`; None: in this process)."""
    if not (threshold > 0):
        raise ConfigError(f"threshold must be a positive expected-casualty value, got {threshold}")
    if not (every_min > 0):
        raise ConfigError(f"--every must be positive minutes, got {every_min}")
    if hours is not None and not (hours >= 0):
        raise ConfigError(f"--hours must be >= 0, got {hours}")
    if isinstance(members, bool) or int(members) != members or members < 1:
        raise ConfigError(f"members must be a whole number >= 1, got {members!r}")
    base = open_wind(wind)
    start: float | None = None
    if track is not None:
        path = read_path(track, default_alt=alt, track_id=track_id)
        start = float(path.times[0]) if time is None else to_epoch(time)
        if not (float(path.times[0]) - 1.0 <= start <= float(path.times[-1]) + 1.0):
            raise InputError(
                "--time is outside the track",
                field="time",
                value=iso(start),
                expected=f"{iso(float(path.times[0]))} .. {iso(float(path.times[-1]))}",
            )
        plan_hours = hours
        if hours is not None and hours > 0 and start + hours * 3600.0 > float(path.times[-1]):
            path = extend_path(
                path,
                until=start + hours * 3600.0,
                wind=base,
                members=members * placements,
                seed=seed,
            )
        elif hours is None:
            plan_hours = None
    else:
        if lat is None or lon is None or alt is None or time is None:
            raise InputError("the current position needs --lat, --lon, --alt and --time")
        _check_position(lat, lon, alt)
        plan_hours = 48.0 if hours is None else hours
        path = predicted_path(
            time,
            lat,
            lon,
            alt,
            wind=base,
            hours=plan_hours,
            members=members * placements,
            seed=seed,
        )
    check_wind_covers(base, path)
    ens = ensemble_wind(base, members=members, seed=seed + 1)
    plan = plan_engagement(
        path,
        ens,
        every=every_min * 60.0,
        hours=plan_hours,
        threshold=threshold,
        own=own,
        samples=samples,
        seed=seed,
        start=start,
        sheltering=sheltering,
        positions=members,
        position_sigma_m=position_sigma_m,
        confidence=confidence,
        placements=placements,
        engine=engine,
    )
    features = plan_features(plan)
    if footprint and plan.recommended is not None:
        r = plan.recommended
        debris = debris_assessment(
            r.time,
            r.lat,
            r.lon,
            r.alt,
            ens,
            samples=max(samples, 10),
            seed=seed,
            sheltering=sheltering,
        )
        features["features"].extend(debris.footprint.to_features()["features"])
    return plan, features
