"""The main job: replay the February 2023 balloon incident end to end, offline.

`run_demo` chains the library as a user would: public reports -> track (float altitude, wind along
it) -> back-trajectory from the first report (origin region) -> ensemble forecast from the
Billings report and its coverage of the later reports -> overflight of example sites, border
crossings, aviation statement -> engagement windows (Ec, P(land)), recommendation and debris
footprints -> ``summary.json``, ``report.html`` and the same layers as GeoJSON, KML and CZML.

Every number in the summary and the report comes from the library calls made here; the report
only presents them (one code path). The schema of ``summary.json`` is documented in
``docs/demo.md``.
"""

from __future__ import annotations

import json
import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import __version__
from .atmosphere import open_wind
from .atmosphere.wind import GriddedWind, WindField, WindGrid
from .errors import ConfigError, InputError
from .geo.geodesy import haversine
from .io.export import write_features
from .report.page import EC_PLOT_FLOOR as EC_PLOT_FLOOR  # re-exported
from .report.page import demo_page, ec_color
from .scenario import (
    BILLINGS,
    COLOMBIA,
    REPORTS_PATH,
    SITES_PATH,
    SOURCES,
    SURFSIDE,
    Report,
    load_reports,
)
from .timeutil import iso

__all__ = [
    "DemoConfig",
    "DemoResult",
    "STAGES",
    "run_demo",
    "ec_color",
    "coverage_of",
]

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str, int, int], None]

#: Stage names in order (the CLI shows them in its progress bar).
STAGES = (
    "reports",
    "track",
    "origin",
    "forecast",
    "coverage",
    "overflight",
    "engagement",
    "outputs",
)


@dataclass(frozen=True)
class DemoConfig:
    """Settings of the demo run (the defaults are what ``stratowatch demo`` uses)."""

    members: int = 600
    # 72 h 39 min after Billings the balloon was shot down; the forecast runs on to 144 h so
    # the engagement planner sees the path reach the Atlantic coast
    hours: float = 144.0
    origin_hours: float = 96.0
    origin_members: int = 300
    seed: int = 2023
    wind: str = "climatology"
    every_min: float = 60.0  # engagement-window spacing
    debris_members: int = 6  # wind members the debris falls in
    window_samples: int = 5  # fragments per class and member for each engagement window
    border_members: int = 300  # forecast members used for border crossings
    debris_samples: int = 50  # fragments per class and member for the two footprints
    threshold: float = 1e-4  # FAA 14 CFR 450.101 public-risk limit (Ec per event)
    bias_correct: bool = True  # correct the wind by the track's drift before forecasting
    reports: Path = REPORTS_PATH
    sites: Path = SITES_PATH

    def check(self) -> None:
        """Raise `ConfigError` for impossible settings."""
        if not 10 <= self.members <= 100_000:
            raise ConfigError(
                f"members must be 10..100000 (regions need >= 10), got {self.members}"
            )
        if not 1 <= self.origin_members <= 100_000 or not 1 <= self.debris_members <= 1000:
            raise ConfigError(
                f"origin_members must be 1..100000 and debris_members 1..1000, got "
                f"{self.origin_members}, {self.debris_members}"
            )
        if not (0 < self.hours <= 240 and 0 < self.origin_hours <= 240):
            raise ConfigError(f"hours must be in (0, 240], got {self.hours}, {self.origin_hours}")
        if not (self.threshold > 0 and math.isfinite(self.threshold)):
            raise ConfigError(f"threshold must be a positive Ec, got {self.threshold}")
        if not (self.every_min > 0 and math.isfinite(self.every_min)):
            raise ConfigError(f"every_min must be > 0 minutes, got {self.every_min}")
        if self.seed < 0:
            raise ConfigError(f"seed must be >= 0, got {self.seed}")
        if min(self.debris_samples, self.window_samples, self.border_members) < 1:
            raise ConfigError("debris_samples, window_samples and border_members must be >= 1")


@dataclass
class DemoResult:
    """What the demo computed: the summary dict, the map layers, files written, timings (s)."""

    summary: dict[str, Any]
    features: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers


def _feature(geom: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geom, "properties": props}


def _point(lon: float, lat: float, alt: float | None = None) -> dict[str, Any]:
    coords = [float(lon), float(lat)] + ([] if alt is None else [float(alt)])
    return {"type": "Point", "coordinates": coords}


def _members_at(pred: Any, t: float) -> tuple[FloatArray, FloatArray]:
    """Member positions (deg) at time ``t``, linear in time between output steps."""
    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.asarray(pred.lat, dtype=np.float64)
    lon = np.asarray(pred.lon, dtype=np.float64)
    order = np.argsort(times)
    times, lat, lon = times[order], lat[:, order], lon[:, order]
    if t <= times[0]:
        return lat[:, 0], lon[:, 0]
    if t >= times[-1]:
        return lat[:, -1], lon[:, -1]
    j = int(np.searchsorted(times, t))
    w = (t - times[j - 1]) / (times[j] - times[j - 1])
    dlon = (lon[:, j] - lon[:, j - 1] + 180.0) % 360.0 - 180.0
    return (1 - w) * lat[:, j - 1] + w * lat[:, j], lon[:, j - 1] + w * dlon


def _inside(region: dict[str, Any] | None, lat: float, lon: float) -> bool:
    """Whether (lat, lon) lies inside an ellipse of `predict.regions.ellipse`."""
    from .predict.regions import local_en

    if region is None:
        return False
    east, north = local_en(lat, lon, region["lat"], region["lon"])
    th = math.radians(region["orientation_deg"])
    # inverse of the rotation in `predict.regions.ellipse_polygon` (it is its own inverse)
    x = float(east) * math.sin(th) + float(north) * math.cos(th)
    y = float(east) * math.cos(th) - float(north) * math.sin(th)
    a = max(region["semi_major_km"] * 1e3, 1.0)
    b = max(region["semi_minor_km"] * 1e3, 1.0)
    return (x / a) ** 2 + (y / b) ** 2 <= 1.0


def coverage_of(pred: Any, t: float, lat: float, lon: float) -> dict[str, Any]:
    """How well an ensemble covers a later report at (t, lat, lon).

    The members' positions at t (linear between output steps) give the median position and
    the 50 % and 90 % regions of `stratowatch.predict.regions.ellipse` (normal-theory ellipses,
    chi-square with 2 degrees of freedom [WILKS2011]_), the same regions the map draws. Returns
    the report's distance from the median (km), whether it lies inside each region, and each
    region's empirical coverage (fraction of members inside: how honest the ellipse is).
    """
    from .predict.regions import distance_km, ellipse, median_lonlat

    mlat, mlon = _members_at(pred, t)
    alive = int((np.isfinite(mlat) & np.isfinite(mlon)).sum())
    e50, e90 = ellipse(mlat, mlon, 0.5), ellipse(mlat, mlon, 0.9)
    if e50 is None or e90 is None:
        return {"members_alive": alive, "inside_50": False, "inside_90": False}
    clat, clon = median_lonlat(mlat, mlon)
    return {
        "median_lat": round(clat, 4),
        "median_lon": round(clon, 4),
        "distance_km": round(float(distance_km(lat, lon, clat, clon)), 1),
        "inside_50": _inside(e50, lat, lon),
        "inside_90": _inside(e90, lat, lon),
        "r90_semi_axes_km": [round(e90["semi_major_km"], 1), round(e90["semi_minor_km"], 1)],
        "coverage_90": round(e90["coverage"], 3),
        "members_alive": alive,
    }


# ----------------------------------------------------------------------------- stages


def stage_reports(cfg: DemoConfig) -> tuple[list[Report], list[dict[str, Any]]]:
    """The public reports and their map layer (points with uncertainty circles)."""
    reports = load_reports(cfg.reports)
    feats = [
        _feature(
            _point(r.lon, r.lat, r.alt),
            layer="reports",
            name=r.place,
            time=r.time_iso,
            radius_km=r.radius / 1000.0,
            time_sigma_h=r.time_sigma / 3600.0,
            kind=r.kind,
            description=r.description,
            source=r.source,
            style={"color": "#d35400"},
        )
        for r in reports
    ]
    return reports, feats


def _bias_corrected(wind: WindField, du: float, dv: float) -> WindField:
    """The gridded ``wind`` with a constant (du, dv) m/s added: the track's drift minus the
    model wind at the forecast start (a first-order bias correction of the wind)."""
    grid = getattr(wind, "grid", None)
    if not isinstance(grid, WindGrid) or not isinstance(wind, GriddedWind):
        return wind
    g2 = replace(
        grid,
        u=(grid.u + np.float32(du)).astype(np.float32),
        v=(grid.v + np.float32(dv)).astype(np.float32),
    )
    meta = replace(
        wind.meta,
        source=f"{wind.meta.source} + track-drift bias ({du:+.1f}, {dv:+.1f}) m/s",
        warnings=(
            *wind.meta.warnings,
            f"bias-corrected by the track's drift: du={du:+.1f}, dv={dv:+.1f} m/s",
        ),
    )
    return GriddedWind(g2, meta)


def stage_track(
    cfg: DemoConfig, wind: WindField
) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """Reports -> tracks (tracker + wind), estimated float altitude, wind along the track, and
    "same object?" for the 2023-02-03 Colombia report (the real second balloon)."""
    from .io.readers import read_reports_csv
    from .track import (
        TrackerConfig,
        make_observations,
        same_object,
        smooth_track,
        track_observations,
        track_wind,
    )

    obs = read_reports_csv(cfg.reports)
    # filtered tracks, with every altitude hypothesis kept so the track can be smoothed along
    # its final float altitude
    tcfg = replace(TrackerConfig.for_wind(wind), record_hypotheses=True)
    result = track_observations(obs, wind=wind, config=tcfg)
    main = max(result.tracks, key=lambda tr: (tr.n_updates, len(tr)))
    n_reports = len(obs)
    decisions = [d.describe() for d in result.decisions]
    # "same object?": the second balloon reported over Colombia on 2023-02-03 (> 55,000 ft)
    colombia = make_observations(
        [
            {
                "time": COLOMBIA.time,
                "time_sigma": 12 * 3600.0,  # only the date was reported
                "lat": COLOMBIA.lat,
                "lon": COLOMBIA.lon,
                "alt": COLOMBIA.alt,
                "sigma_h": 100_000.0,
                "sigma_alt": 1500.0,
                "kind": "report",
                "source": COLOMBIA.source,
                "text": COLOMBIA.name,
            }
        ]
    )
    verdict = same_object(list(result.tracks), colombia, wind=wind, seed=cfg.seed)
    same = [{"report": COLOMBIA.name, **verdict.describe()}]
    # what is drawn and tabulated is the smoothed track (each state from all reports: no kink
    # at the vague Malmstrom report); the forecast's drift correction keeps the filtered one
    # (what was known at the Billings time), see `stage_forecast`
    smooth = smooth_track(main, wind)
    samples = track_wind(smooth)
    dist = haversine(smooth.lat[:-1], smooth.lon[:-1], smooth.lat[1:], smooth.lon[1:]).sum()
    span = float(main.time[-1] - main.time[0])
    wind_along = [
        {
            "time": iso(smooth.time[k]),
            "lat": round(float(smooth.lat[k]), 3),
            "lon": round(float(smooth.lon[k]), 3),
            "alt_m": round(float(smooth.alt[k]), 0),
            "track_ve": round(float(smooth.ve[k]), 2),
            "track_vn": round(float(smooth.vn[k]), 2),
            "wind_u": round(float(smooth.wind_u[k]), 2),
            "wind_v": round(float(smooth.wind_v[k]), 2),
        }
        for k in range(len(smooth))
    ]
    summary = {
        "reports": n_reports,
        "tracks": len(result.tracks),
        "track_id": main.track_id,
        "states": len(main),
        "updates": main.n_updates,
        "start": iso(main.time[0]),
        "end": iso(main.time[-1]),
        "float_alt_m": round(main.altitude.mean, 0),
        "float_alt_sigma_m": round(main.altitude.sigma, 0),
        "altitude": main.altitude.describe(),
        "mean_speed_ms": round(float(dist / span), 2) if span > 0 else None,
        "wind_source": result.wind_source,
        "wind_along": wind_along,
        "decisions": decisions,
        "same_object": same,
        "drift_wind": [
            {
                "time": iso(samples.time[k]),
                "alt_m": round(float(samples.alt[k]), 0),
                "u": round(float(samples.u[k]), 2),
                "v": round(float(samples.v[k]), 2),
                "sigma": round(float(samples.sigma[k]), 2),
            }
            for k in range(len(samples.time))
        ],
    }
    feats = [
        _feature(
            _point(COLOMBIA.lon, COLOMBIA.lat, COLOMBIA.alt),
            layer="reports",
            name=COLOMBIA.name,
            time=COLOMBIA.time_iso,
            radius_km=100.0,
            p_same=round(max(verdict.p_track, default=0.0), 4),
            p_new=round(verdict.p_new, 4),
            description=verdict.explanation,
            source=COLOMBIA.source,
            style={"color": "#7d3c98"},
        ),
        _feature(
            {
                "type": "LineString",
                "coordinates": [
                    [round(float(lo), 4), round(float(la), 4), round(float(al), 0)]
                    for lo, la, al in zip(smooth.lon, smooth.lat, smooth.alt, strict=True)
                ],
            },
            layer="track",
            name=f"track {main.track_id} (smoothed)",
            times=[iso(t) for t in main.time],
            float_alt_m=summary["float_alt_m"],
            style={"color": "#17202a", "width": 2.5},
        ),
    ]
    for tr in result.tracks:
        if tr is main or len(tr) < 1:
            continue
        feats.append(
            _feature(
                _point(float(tr.lon[-1]), float(tr.lat[-1])),
                layer="track",
                name=f"track {tr.track_id} ({tr.status}, {tr.n_updates} updates)",
                time=iso(tr.time[0]),
                style={"color": "#7d3c98"},
            )
        )
    return main, summary, feats


def _ensemble_summary(pred: Any) -> dict[str, Any]:
    end = dict(pred.end)
    return {
        "time": end["time"] if isinstance(end["time"], str) else iso(end["time"]),
        "lat": round(float(end["lat"]), 4),
        "lon": round((float(end["lon"]) + 180.0) % 360.0 - 180.0, 4),
        "r50_km": round(float(end["r50_km"]), 1),
        "r90_km": round(float(end["r90_km"]), 1),
    }


def _ensemble_at(pred: Any, t: float) -> dict[str, Any]:
    """Median position and 50/90 % radii (km) of the members at time ``t``."""
    from .predict.regions import median_lonlat, radius_quantiles_km

    mlat, mlon = _members_at(pred, t)
    clat, clon = median_lonlat(mlat, mlon)
    r50, r90 = radius_quantiles_km(mlat, mlon, clat, clon, (0.5, 0.9))
    return {
        "time": iso(t),
        "lat": round(clat, 4),
        "lon": round(clon, 4),
        "r50_km": round(r50, 1),
        "r90_km": round(r90, 1),
    }


def _region_features(pred: Any, layer: str, *, every_s: float, color: str) -> list[dict[str, Any]]:
    """50 % and 90 % regions (`predict.regions.ellipse`) every ``every_s``: polygons with time."""
    from .predict.regions import ellipse, ellipse_polygon

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


def pred_backward(pred: Any) -> bool:
    """True for a backward run (times decreasing)."""
    t = np.asarray(pred.times, dtype=np.float64)
    return bool(len(t) > 1 and t[-1] < t[0])


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


def stage_origin(
    cfg: DemoConfig, reports: list[Report], track_summary: dict[str, Any], wind: WindField
) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """Back-trajectory ensemble from the first report: where did it come from?"""
    from .predict import predict

    first = reports[0]
    pred = predict(
        first.time,
        first.lat,
        first.lon,
        track_summary["float_alt_m"],
        profile="float",
        wind=wind,
        hours=cfg.origin_hours,
        members=cfg.origin_members,
        alt_sigma=float(track_summary["float_alt_sigma_m"]),
        pos_sigma_m=first.radius / 2.448,  # the radius is a 95 % radius
        time_sigma_s=first.time_sigma,
        backward=True,
        seed=cfg.seed + 1,
    )
    end = _ensemble_summary(pred)
    summary = {
        "from": {"name": first.place, "time": first.time_iso, "lat": first.lat, "lon": first.lon},
        "hours": cfg.origin_hours,
        "members": cfg.origin_members,
        "median": {"time": end["time"], "lat": end["lat"], "lon": end["lon"]},
        "r50_km": end["r50_km"],
        "r90_km": end["r90_km"],
        "warnings": list(pred.warnings),
    }
    feats = _region_features(pred, "origin", every_s=12 * 3600.0, color="#8e44ad")
    feats.append(_median_line(pred, "origin", "back-trajectory (median)", "#8e44ad"))
    return pred, summary, feats


def drift_bias(track: Any, wind: WindField, *, until: float) -> dict[str, Any]:
    """Mean wind error of ``wind`` measured by the track's own drift up to time ``until``.

    Each `track.track_wind` sample (the filtered ground velocity of a free balloon, a wind
    measurement at its altitude [TAWHIRI]_) minus the model wind there, averaged with weights
    1/sigma^2 (inverse-variance mean, [Taylor1997]_ eq. 7.10). Returns du, dv (m/s), their
    one-sigma and the number of samples; zeros when no sample precedes ``until``.
    """
    from .track import track_wind

    s = track_wind(track)
    sel = s.time <= until + 1.0
    if not sel.any():
        return {"du": 0.0, "dv": 0.0, "sigma": None, "samples": 0}
    mu, mv = wind.uv(s.time[sel], s.lat[sel], s.lon[sel], s.alt[sel])
    w = 1.0 / np.maximum(s.sigma[sel], 0.1) ** 2
    du = float(np.sum(w * (s.u[sel] - mu)) / w.sum())
    dv = float(np.sum(w * (s.v[sel] - mv)) / w.sum())
    return {
        "du": round(du, 2),
        "dv": round(dv, 2),
        "sigma": round(float(1.0 / math.sqrt(w.sum())), 2),
        "samples": int(sel.sum()),
        "until": iso(until),
    }


def stage_forecast(
    cfg: DemoConfig,
    main_track: Any,
    track_summary: dict[str, Any],
    wind: WindField,
    reports: list[Report] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Any, WindField, dict[str, Any], list[dict[str, Any]]]:
    """The ensemble forecast from the Billings report, with the wind bias-corrected by the
    track's own drift up to that time; with ``reports``, also the same ensemble in the
    uncorrected wind and its coverage of them (what the correction buys)."""
    from .predict import predict

    bias = drift_bias(main_track, wind, until=BILLINGS.time)
    du, dv = (bias["du"], bias["dv"]) if cfg.bias_correct else (0.0, 0.0)
    fwind = _bias_corrected(wind, du, dv) if cfg.bias_correct else wind

    def run(w: WindField, hours: float, cb: Callable[[int, int], None] | None) -> Any:
        return predict(
            BILLINGS.time,
            BILLINGS.lat,
            BILLINGS.lon,
            track_summary["float_alt_m"],
            profile="float",
            wind=w,
            hours=hours,
            members=cfg.members,
            alt_sigma=float(track_summary["float_alt_sigma_m"]),
            pos_sigma_m=50_000.0 / 2.448,  # the Billings report's 50 km is a 95 % radius
            seed=cfg.seed,
            progress=cb,
        )

    pred = run(fwind, cfg.hours, progress)
    raw: dict[str, Any] | None = None
    if cfg.bias_correct and reports:
        # the same ensemble in the uncorrected wind, to the last report: what the correction buys
        last = max(r.time for r in reports)
        hours_raw = min(cfg.hours, (last - BILLINGS.time) / 3600.0 + 1.0)
        pred_raw = run(wind, hours_raw, None)
        raw = {
            "wind": wind.meta.source,
            "hours": round(hours_raw, 2),
            "at_72h": _ensemble_at(pred_raw, BILLINGS.time + 72 * 3600.0),
            "coverage": [
                {k: c.get(k) for k in ("name", "time", "distance_km", "inside_50", "inside_90")}
                for c in stage_coverage(pred_raw, reports)
            ],
        }
    summary = {
        "start": {
            "name": BILLINGS.name,
            "time": BILLINGS.time_iso,
            "lat": BILLINGS.lat,
            "lon": BILLINGS.lon,
            "alt_m": track_summary["float_alt_m"],
        },
        "hours": cfg.hours,
        "members": cfg.members,
        "wind": fwind.meta.source,
        "wind_bias_ms": {**bias, "applied": cfg.bias_correct},
        "end": _ensemble_summary(pred),
        "at_72h": _ensemble_at(pred, BILLINGS.time + 72 * 3600.0),
        "warnings": list(pred.warnings),
        "elapsed_s": round(float(getattr(pred, "elapsed_s", float("nan"))), 3),
        "without_bias_correction": raw,
    }
    feats = _region_features(pred, "corridor", every_s=3 * 3600.0, color="#2e86c1")
    feats.append(_median_line(pred, "corridor", "forecast median path", "#1b4f72"))
    return pred, fwind, summary, feats


def stage_coverage(pred: Any, reports: list[Report]) -> list[dict[str, Any]]:
    """For each report after the forecast start: distance from the median, inside 50/90 %."""
    t0 = float(np.asarray(pred.times)[0])
    t1 = float(np.asarray(pred.times)[-1])
    out = []
    for r in reports:
        if r.time <= t0 + 60.0:
            continue
        row: dict[str, Any] = {
            "name": r.place,
            "time": r.time_iso,
            "lat": r.lat,
            "lon": r.lon,
            "radius_km": r.radius / 1000.0,
            "lead_h": round((r.time - t0) / 3600.0, 2),
            "within_forecast": r.time <= t1,
        }
        if r.time <= t1:
            row.update(coverage_of(pred, r.time, r.lat, r.lon))
        out.append(row)
    return out


def stage_overflight(
    cfg: DemoConfig, pred: Any
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Overflight of the example sites, border crossings and the aviation statement."""
    from .assess.aviation import assess_aviation
    from .assess.overflight import border_crossings, site_overflight
    from .assess.path import FlightPath
    from .geo import read_sites

    path = FlightPath.from_prediction(pred)
    sites = read_sites(cfg.sites)
    over = site_overflight(path, sites)
    # border crossings on a random subset of the (exchangeable) members, hourly: p to +-0.03
    sub = slice(0, min(path.members, cfg.border_members))
    start, crossings = border_crossings(
        FlightPath(path.times, path.lat[sub], path.lon[sub], path.alt[sub], path.source),
        step=3600.0,
    )
    av = assess_aviation(path)
    summary = {
        "sites_file": cfg.sites.name,
        "start_territory": start,
        "sites": [
            {
                "name": o.site.name,
                "p": round(o.probability, 3),
                "closest_km": round(o.min_distance / 1000.0, 1),
                "median_closest_km": round(o.median_distance / 1000.0, 1),
                "time": iso(o.time_closest),
                "dwell_mean_min": round(o.dwell_mean / 60.0, 1),
            }
            for o in over
        ],
        "borders": [
            {
                "country": c.iso,
                "name": c.name,
                "p": round(c.probability, 3),
                "time": iso(c.time_mean),
                "time_std_h": round(c.time_std / 3600.0, 2),
                "text": c.statement(),
            }
            for c in crossings
        ],
    }
    aviation = av.as_dict()
    feats = [
        _feature(
            _point(o.site.lon, o.site.lat),
            layer="sites",
            name=o.site.name,
            radius_km=o.site.radius / 1000.0,
            category=o.site.category,
            p_overflight=round(o.probability, 3),
            closest_km=round(o.min_distance / 1000.0, 1),
            style={"color": "#c0392b" if o.probability > 0 else "#566573"},
        )
        for o in over
    ]
    return summary, aviation, feats


def _window_dict(w: Any) -> dict[str, Any]:
    d: dict[str, Any] = w.as_dict()
    return d


def stage_engagement(
    cfg: DemoConfig, pred: Any, wind: WindField
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Engagement windows along the forecast (Ec, P(land)), the recommendation, the Billings
    window and the real shoot-down point scored alike, and the debris footprints of the
    recommended and the Billings windows."""
    from .assess.debris import debris_assessment
    from .assess.engage import plan_engagement
    from .assess.path import FlightPath
    from .atmosphere.perturb import PerturbedWind

    # the debris falls in an ensemble of the forecast's (bias-corrected) wind
    dwind = PerturbedWind(wind, members=cfg.debris_members, seed=cfg.seed + 7)
    path = FlightPath.from_prediction(pred)
    plan = plan_engagement(
        path,
        dwind,
        every=cfg.every_min * 60.0,
        hours=cfg.hours,
        threshold=cfg.threshold,
        own="US",
        samples=cfg.window_samples,
        seed=cfg.seed,
    )
    shot_alt = 18_900.0 if SURFSIDE.alt is None else SURFSIDE.alt
    shot_path = FlightPath.from_arrays([SURFSIDE.time], [SURFSIDE.lat], [SURFSIDE.lon], shot_alt)
    shot = plan_engagement(
        shot_path,
        dwind,
        hours=0,
        threshold=cfg.threshold,
        samples=cfg.window_samples,
        seed=cfg.seed,
    )
    windows = [_window_dict(w) for w in plan.windows]
    rec = plan.recommended
    billings = plan.windows[0]  # the forecast starts at the Billings report
    feats: list[dict[str, Any]] = []
    for w in plan.windows:
        is_rec = rec is not None and w.time == rec.time
        feats.append(
            _feature(
                _point(w.lon, w.lat, w.alt),
                layer="windows",
                name=("RECOMMENDED window " if is_rec else "window ") + iso(w.time)[5:16] + "Z",
                time=iso(w.time),
                ec=float(f"{w.ec:.3g}"),
                p_land=round(w.p_land, 3),
                territory=w.territory,
                coast_km=round(w.coast_distance / 1000.0, 1),
                recommended=is_rec,
                style={"color": ec_color(w.ec, cfg.threshold)},
            )
        )
    footprints: dict[str, Any] = {}
    targets = [("billings", billings)] + ([("recommended", rec)] if rec is not None else [])
    for key, w in targets:
        res = debris_assessment(
            w.time, w.lat, w.lon, w.alt, dwind, samples=cfg.debris_samples, seed=cfg.seed + 3
        )
        info = res.as_dict()
        footprints[key] = info
        for f in res.footprint.to_features()["features"]:
            props = f["properties"]
            props["name"] = f"{props['name']} ({key} window {iso(w.time)[5:16]}Z)"
            props["group"] = f"{key}-{props.get('percent')}"
            props["time_start"] = iso(w.time)
            feats.append(f)
    summary = {
        "threshold": cfg.threshold,
        "every_min": cfg.every_min,
        "own_territory": plan.own,
        "recommended": None if rec is None else _window_dict(rec),
        "reason": plan.reason,
        "explanation": list(plan.explanation),
        "billings": _window_dict(billings),
        "shootdown": _window_dict(shot.windows[0]),
        "recommended_to_shootdown_km": None
        if rec is None
        else round(float(haversine(rec.lat, rec.lon, SURFSIDE.lat, SURFSIDE.lon)) / 1000.0, 1),
        "footprints": footprints,
        "windows": windows,
        "warnings": list(plan.warnings),
    }
    return summary, feats


def run_demo(
    out_dir: str | Path,
    *,
    config: DemoConfig | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the whole demo and write its files into ``out_dir``.

    Parameters
    ----------
    out_dir : folder for ``summary.json``, ``report.html``, ``layers.geojson/.kml/.czml``.
    config : settings; `DemoConfig()` by default.
    progress : optional ``callable(stage, done, total)`` called as each stage finishes.
    """
    cfg = config or DemoConfig()
    cfg.check()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("output path exists and is not a folder", path=out, expected="a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".stratowatch-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            "cannot write to the output folder",
            path=out,
            value=exc.strerror,
            expected="a writable folder",
        ) from None
    timings: dict[str, float] = {}
    t_all = _time.perf_counter()
    clock = [_time.perf_counter()]

    def done(stage: str) -> None:
        now = _time.perf_counter()
        timings[stage] = round(now - clock[0], 3)
        clock[0] = now
        if progress is not None:
            progress(stage, STAGES.index(stage) + 1, len(STAGES))

    wind = open_wind(cfg.wind)
    reports, feats = stage_reports(cfg)
    done("reports")
    main_track, track_summary, f = stage_track(cfg, wind)
    feats += f
    done("track")
    _, origin, f = stage_origin(cfg, reports, track_summary, wind)
    feats = f + feats
    done("origin")
    pred, fwind, forecast, f = stage_forecast(cfg, main_track, track_summary, wind, reports)
    feats = f + feats
    forecast["spread"] = _spread(pred)
    done("forecast")
    coverage = stage_coverage(pred, reports)
    done("coverage")
    overflight, aviation, f = stage_overflight(cfg, pred)
    feats += f
    done("overflight")
    engagement, f = stage_engagement(cfg, pred, fwind)
    feats += f
    done("engagement")
    summary: dict[str, Any] = {
        "scenario": {
            "name": "February 2023 high-altitude balloon (public reports)",
            "reports_file": cfg.reports.name,
            "sources": list(SOURCES),
            "shootdown": {"time": SURFSIDE.time_iso, "lat": SURFSIDE.lat, "lon": SURFSIDE.lon},
        },
        "track": track_summary,
        "origin": origin,
        "forecast": forecast,
        "coverage": coverage,
        "overflight": overflight,
        "aviation": aviation,
        "engagement": engagement,
        "run": {
            "version": __version__,
            "seed": cfg.seed,
            "wind": wind.meta.source,
            "elapsed_s": 0.0,
            "stages_s": timings,
        },
    }
    fc = {"type": "FeatureCollection", "name": "stratowatch demo: February 2023", "features": feats}
    summary["run"]["elapsed_s"] = round(_time.perf_counter() - t_all, 2)
    page = demo_page(summary, fc, forecast=pred)
    files = _write_outputs(out, summary, fc, page)
    done("outputs")
    summary["run"]["elapsed_s"] = round(_time.perf_counter() - t_all, 2)
    files["summary"].write_text(json.dumps(_jsonable(summary), indent=2, allow_nan=False) + "\n")
    return DemoResult(summary=summary, features=fc, files=files, timings=timings)


def _spread(pred: Any) -> dict[str, list[Any]]:
    """Equal-area radius of the 90 % region, sqrt(a*b) of `predict.regions.ellipse` (km)."""
    from .predict.regions import ellipse

    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.asarray(pred.lat, dtype=np.float64)
    lon = np.asarray(pred.lon, dtype=np.float64)
    out: dict[str, list[Any]] = {"time": [], "r90_km": []}
    for k in range(0, len(times), max(1, len(times) // 36)):
        reg = ellipse(lat[:, k], lon[:, k], 0.9)
        if reg is None:
            continue
        out["time"].append(iso(float(times[k])))
        out["r90_km"].append(round(math.sqrt(reg["semi_major_km"] * reg["semi_minor_km"]), 1))
    return out


def _write_outputs(
    out: Path, summary: dict[str, Any], fc: dict[str, Any], html: str
) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "summary": out / "summary.json",
        "report": out / "report.html",
        "geojson": out / "layers.geojson",
        "kml": out / "layers.kml",
        "czml": out / "layers.czml",
    }
    for key in ("geojson", "kml", "czml"):
        write_features(files[key], fc)
    files["report"].write_text(html, encoding="utf-8")
    summary["files"] = {k: p.name for k, p in files.items()}
    files["summary"].write_text(json.dumps(_jsonable(summary), indent=2, allow_nan=False) + "\n")
    return files


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
