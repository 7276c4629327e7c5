"""Glue used by the CLI and service: build the path and the ensemble wind, then plan.

`engage` takes a track/prediction file or a current position (predicted forward with
`stratowatch.predict.predict`, the float profile, in the chosen wind), wraps the wind in a
`PerturbedWind` ensemble for the debris, and returns the `EngagementPlan` and its GeoJSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..atmosphere.perturb import PerturbedWind
from ..atmosphere.sources import open_wind
from ..errors import ConfigError, DomainError, InputError
from ..timeutil import iso, to_epoch
from .debris import debris_assessment
from .engage import DEFAULT_THRESHOLD, EngagementPlan, plan_engagement
from .path import FlightPath, read_path

__all__ = ["ensemble_wind", "predicted_path", "engage", "plan_features", "check_wind_covers"]

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
    """The float path from the current state (one point when ``hours`` is 0)."""
    t0 = to_epoch(time)
    if hours == 0:
        return FlightPath.from_arrays([t0], [lat], [lon], [alt], source="point")
    from ..predict import predict  # the prediction engine: the single call site

    pred = predict(
        t0,
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
    return FlightPath.from_prediction(pred)


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
                    "p_land": w.p_land,
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
                    "p_land": r.p_land,
                    "reason": plan.reason,
                    "style": {"color": "#0000ff", "width": 3},
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def engage(
    *,
    track: str | Path | None = None,
    track_id: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    alt: float | None = None,
    time: Any = None,
    hours: float = 48.0,
    every_min: float = 10.0,
    threshold: float = DEFAULT_THRESHOLD,
    own: str | None = "US",
    wind: Any = "climatology",
    members: int = 10,
    samples: int = 4,
    seed: int = 0,
    sheltering: float = 0.0,
    footprint: bool = False,
) -> tuple[EngagementPlan, dict[str, Any]]:
    """Plan from a track file (whole track, or ``hours`` from ``time`` when given), or from the
    current state predicted forward ``hours``. With ``footprint`` the features also hold the
    recommended window's debris footprint (50/90/99 %) from a finer break-up run."""
    if not (threshold > 0):
        raise ConfigError(f"threshold must be a positive expected-casualty value, got {threshold}")
    if not (every_min > 0):
        raise ConfigError(f"--every must be positive minutes, got {every_min}")
    if not (hours >= 0):
        raise ConfigError(f"--hours must be >= 0, got {hours}")
    base = open_wind(wind)
    if track is not None:
        path = read_path(track, default_alt=alt, track_id=track_id)
        start = None if time is None else to_epoch(time)
        h: float | None = hours if hours == 0 or time is not None else None
        plan_hours = h
    else:
        if lat is None or lon is None or alt is None or time is None:
            raise InputError("the current position needs --lat, --lon, --alt and --time")
        path = predicted_path(time, lat, lon, alt, wind=base, hours=hours, members=1, seed=seed)
        start = None
        plan_hours = hours
    check_wind_covers(base, path)
    ens = ensemble_wind(base, members=members, seed=seed)
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
            samples=max(samples, 20),
            seed=seed,
            sheltering=sheltering,
        )
        features["features"].extend(debris.footprint.to_features()["features"])
    return plan, features
