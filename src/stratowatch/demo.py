"""The main job: replay a balloon incident end to end, offline (the February 2023 one by default).

`run_demo` chains the library as a user would, in two clearly separated parts:

* **What was known at the forecast start** (no look-ahead): the track *as of* the forecast start
  (`track.Track.as_of`: only the reports up to then) gives the float altitude and the wind's
  drift correction; the ensemble forecast runs from the last report at or before the start
  (``forecast_from``) over a horizon chosen by a rule that uses the forecast alone
  (`forecast_horizon`); overflight, border crossings, aviation and the engagement windows are
  computed from that forecast. The ``forecast`` and ``engagement`` sections of ``summary.json``
  are identical whether or not the file holds the reports after the start
  (``tests/test_demo.py``).
* **Scored afterwards, and hindsight**: the later reports' coverage by the forecast, the
  forecast against the real outcome *at the outcome's time* (``outcome``), and, labelled as
  hindsight, engagement windows along the whole reconstructed (smoothed) track
  (``hindsight``: "why not over Alaska?").

Outputs: ``summary.json``, ``report.html`` and the same layers as GeoJSON, KML and CZML. Every
number comes from the library calls made here; the schema is documented in ``docs/demo.md``.
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
from .errors import ConfigError, DomainError, InputError
from .geo.geodesy import haversine
from .io.export import write_features
from .report.page import EC_PLOT_FLOOR as EC_PLOT_FLOOR  # re-exported
from .report.page import demo_page, ec_color
from .scenario import (
    COLOMBIA,
    FORECAST_FROM,
    REPORTS_PATH,
    SITES_PATH,
    SOURCES,
    Report,
    load_reports,
    outcome_of,
)
from .timeutil import iso

__all__ = [
    "DemoConfig",
    "DemoResult",
    "STAGES",
    "run_demo",
    "ec_color",
    "coverage_of",
    "drift_bias",
    "forecast_start",
    "forecast_horizon",
    "reconstructed_path",
]

FloatArray = npt.NDArray[np.float64]
Progress = Callable[[str, int, int], None]

#: Stage names in order (the CLI shows them in its progress bar).
STAGES = (
    "reports",
    "track",
    "origin",
    "forecast",
    "overflight",
    "engagement",
    "coverage",
    "outcome",
    "hindsight",
    "outputs",
)


@dataclass(frozen=True)
class DemoConfig:
    """Settings of the demo run (the defaults are what ``stratowatch demo`` uses).

    forecast_from : epoch s; the forecast starts at the last report at or before it (None:
        the file's last report). Default: the 2023 scenario's decision time, the Billings
        sighting (`scenario.FORECAST_FROM`).
    hours : a fixed forecast horizon (h); None (default): the rule of `forecast_horizon`
        (until the median leaves own territory for good, at most ``max_hours``).
    hindsight : also score engagement windows along the whole reconstructed track (every
        ``hindsight_every_min``), labelled as hindsight.
    """

    members: int = 600
    hours: float | None = None
    max_hours: float = 168.0
    forecast_from: float | None = FORECAST_FROM
    origin_hours: float = 96.0
    origin_members: int = 300
    seed: int = 2023
    wind: str = "climatology"
    # engagement-window spacing along the forecast: each window breaks up at 40 member positions
    # (`assess.plan_engagement`); the forecast's spread makes finer spacing redundant
    every_min: float = 180.0
    debris_members: int = 6  # wind members the debris falls in
    window_samples: int = 3  # fragments per class and realisation for each engagement window
    border_members: int = 300  # forecast members used for border crossings
    debris_samples: int = 50  # fragments per class and member for the two footprints
    threshold: float = 1e-4  # FAA 14 CFR 450.101 public-risk limit (Ec per event)
    bias_correct: bool = True  # correct the wind by the track's drift before forecasting
    own: str = "US"  # the country whose territory a break-up should be in
    hindsight: bool = True
    hindsight_every_min: float = 180.0
    hindsight_members: int = 200  # positions drawn from the reconstructed track's uncertainty
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
        hours = self.max_hours if self.hours is None else self.hours
        if not (0 < hours <= 240 and 0 < self.max_hours <= 240 and 0 < self.origin_hours <= 240):
            raise ConfigError(
                f"hours must be in (0, 240], got {hours} (max {self.max_hours}), "
                f"origin {self.origin_hours}"
            )
        if not (self.threshold > 0 and math.isfinite(self.threshold)):
            raise ConfigError(f"threshold must be a positive Ec, got {self.threshold}")
        for name in ("every_min", "hindsight_every_min"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise ConfigError(f"{name} must be > 0 minutes, got {v}")
        if self.seed < 0:
            raise ConfigError(f"seed must be >= 0, got {self.seed}")
        if min(self.debris_samples, self.window_samples, self.border_members) < 1:
            raise ConfigError("debris_samples, window_samples and border_members must be >= 1")
        if self.hindsight_members < 1:
            raise ConfigError(f"hindsight_members must be >= 1, got {self.hindsight_members}")
        if self.forecast_from is not None and not math.isfinite(self.forecast_from):
            raise ConfigError(f"forecast_from must be a finite time, got {self.forecast_from}")


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


def forecast_start(reports: list[Report], forecast_from: float | None) -> tuple[Report, str]:
    """The report the forecast starts from and the rule, in words: the last report at or before
    ``forecast_from`` (epoch s; None: the file's last report), rows of kind ``engagement`` (the
    outcome) excepted. Raises `DomainError` when no report is that early."""
    usable = [r for r in reports if r.kind != "engagement"]
    if not usable:
        raise DomainError(
            "the reports file holds only engagement rows (outcomes); a forecast needs a report "
            "of the object before it"
        )
    if forecast_from is None:
        return usable[-1], "the last report in the file (outcome rows excepted)"
    known = [r for r in usable if r.time <= forecast_from + 1e-6]
    if not known:
        raise DomainError(
            f"no report at or before the forecast start {iso(forecast_from)}: the first is at "
            f"{usable[0].time_iso}; choose a later --forecast-from (or omit it for the last "
            "report)"
        )
    # among reports of that moment, the most precise one
    last = max(known, key=lambda r: (r.time, -r.radius))
    return last, f"the last report at or before --forecast-from {iso(forecast_from)}"


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


def main_track(result: Any) -> Any:
    """The track with the most updates (then the most states): the object the demo follows."""
    if not result.tracks:
        raise DomainError("the reports formed no track")
    return max(result.tracks, key=lambda tr: (tr.n_updates, len(tr)))


def stage_track(
    cfg: DemoConfig, wind: WindField, reports: list[Report]
) -> tuple[Any, Any, dict[str, Any], list[dict[str, Any]]]:
    """Reports -> tracks (tracker + wind, every report: a reconstruction), the estimated float
    altitude, the wind along the track, and "same object?" for the 2023-02-03 Colombia report
    (the real second balloon) when the reports span its time. Returns the tracking result (the
    forecast takes it as of its start), the smoothed main track, the summary and map layers."""
    from .io.readers import read_reports_csv
    from .track import (
        TrackerConfig,
        make_observations,
        same_object,
        track_observations,
        track_wind,
    )

    obs = read_reports_csv(cfg.reports)
    if len(obs) == 0:
        raise InputError("no usable report", path=cfg.reports, expected=">= 1 valid row")
    # filtered tracks, with every altitude hypothesis kept so the track can be smoothed along
    # its final float altitude
    tcfg = replace(TrackerConfig.for_wind(wind), record_hypotheses=True)
    result = track_observations(obs, wind=wind, config=tcfg)
    main = main_track(result)
    n_reports = len(obs)
    decisions = [d.describe() for d in result.decisions]
    same: list[dict[str, Any]] = []
    feats: list[dict[str, Any]] = []
    if reports[0].time <= COLOMBIA.time <= reports[-1].time + tcfg.max_coast:
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
        feats.append(
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
            )
        )
    # what is drawn and tabulated is the smoothed track (each state from all reports: no kink
    # at the vague Malmstrom report): hindsight. The forecast uses the filtered track as of its
    # start (`stage_forecast`).
    smooth = main.smooth(wind)
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
        "kind": "smoothed: every state from all the reports (hindsight)",
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
    coords = [
        [round(float(lo), 4), round(float(la), 4), round(float(al), 0)]
        for lo, la, al in zip(smooth.lon, smooth.lat, smooth.alt, strict=True)
    ]
    feats.append(
        _feature(
            {"type": "LineString", "coordinates": coords}
            if len(coords) > 1
            else {"type": "Point", "coordinates": coords[0]},
            layer="track",
            name=f"track {main.track_id} (smoothed)",
            **(
                {"times": [iso(t) for t in main.time]}
                if len(coords) > 1
                else {"time": iso(main.time[0])}
            ),
            float_alt_m=summary["float_alt_m"],
            style={"color": "#17202a", "width": 2.5},
        )
    )
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
    return result, smooth, summary, feats


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


def _median_path(pred: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Times, median latitude and (circular) median longitude of the members at each output."""
    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.nanmedian(np.asarray(pred.lat, dtype=np.float64), axis=0)
    lon_r = np.radians(np.asarray(pred.lon, dtype=np.float64))
    lon = np.degrees(np.arctan2(np.nanmedian(np.sin(lon_r), 0), np.nanmedian(np.cos(lon_r), 0)))
    return times, lat, lon


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
    """Back-trajectory ensemble from the first report: where did it come from? (A
    reconstruction: it uses the float altitude estimated from every report.)"""
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
    one-sigma and the number of samples; zeros when no sample precedes ``until``. Give it the
    track as of ``until`` (`track.Track.as_of`): a smoothed or later-estimated track would
    carry information from after ``until``.
    """
    from .track import track_wind

    s = track_wind(track)
    sel = s.time <= until + 1.0
    if not sel.any():
        return {"du": 0.0, "dv": 0.0, "sigma": None, "samples": 0, "until": iso(until)}
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


def forecast_horizon(
    pred: Any, *, own: str, max_hours: float, step_h: float = 1.0
) -> dict[str, Any]:
    """The forecast horizon by a rule that uses the forecast alone (never the outcome).

    An engagement is recommended only where the forecast's median point is inside ``own``
    territory (land or 12-nmi sea). The horizon is therefore the first whole ``step_h`` after the
    median path (output steps of ``pred``) leaves that territory for the last time within
    ``max_hours``; ``max_hours`` when it is still inside then or never enters it. Returns
    ``hours``, ``rule`` (in words), ``median_exit`` (ISO time or None) and ``max_hours``.
    """
    from .geo import territory_at

    times, lat, lon = _median_path(pred)
    t0 = float(times[0])
    ok = np.isfinite(lat) & np.isfinite(lon)
    inside = np.zeros(times.size, dtype=bool)
    inside[ok] = territory_at(lat[ok], lon[ok]) == own.upper()
    rule = (
        f"until the forecast's median point leaves {own.upper()} territory (land or 12-nmi sea) "
        f"for the last time, at most {max_hours:g} h"
    )
    last_in = np.flatnonzero(inside)
    exit_time: float | None = None
    hours = float(max_hours)
    if last_in.size and last_in[-1] < times.size - 1:
        exit_time = float(times[last_in[-1] + 1])
        hours = min(max_hours, math.ceil((exit_time - t0) / 3600.0 / step_h) * step_h)
    return {
        "rule": rule,
        "hours": hours,
        "max_hours": float(max_hours),
        "median_exit": None if exit_time is None else iso(exit_time),
    }


def _cut(pred: Any, hours: float) -> Any:
    """The prediction up to ``hours`` after its start (members' ends at that time)."""
    times = np.asarray(pred.times, dtype=np.float64)
    m = int(np.searchsorted(times - times[0], hours * 3600.0 + 1e-6, side="right"))
    if m >= times.size:
        return pred
    lat, lon, alt = pred.lat[:, :m], pred.lon[:, :m], pred.alt[:, :m]
    alive = np.isfinite(lat[:, -1])
    end_time = np.where(alive, times[m - 1], pred.end_time)
    return replace(
        pred,
        times=times[:m].copy(),
        lat=lat.copy(),
        lon=lon.copy(),
        alt=alt.copy(),
        end_time=end_time,
        end_lat=np.where(alive, lat[:, -1], pred.end_lat),
        end_lon=np.where(alive, lon[:, -1], pred.end_lon),
        end_alt=np.where(alive, alt[:, -1], pred.end_alt),
        landed=pred.landed & ~alive,
    )


def stage_forecast(
    cfg: DemoConfig,
    tracking: Any,
    wind: WindField,
    reports: list[Report],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Any, WindField, dict[str, Any], list[dict[str, Any]]]:
    """The ensemble forecast from the last report at or before ``cfg.forecast_from``, using
    only what was known then: the track as of that time gives the float altitude and the
    wind's drift correction. The horizon follows `forecast_horizon` (or ``cfg.hours``)."""
    from .predict import predict

    start, _ = forecast_start(reports, cfg.forecast_from)
    t0 = start.time
    known = tracking.as_of(t0)
    track = main_track(known)
    alt = track.altitude
    bias = drift_bias(track, wind, until=t0)
    du, dv = (bias["du"], bias["dv"]) if cfg.bias_correct else (0.0, 0.0)
    fwind = _bias_corrected(wind, du, dv) if cfg.bias_correct else wind
    full_hours = cfg.max_hours if cfg.hours is None else cfg.hours
    pred = predict(
        t0,
        start.lat,
        start.lon,
        round(alt.mean, 0),
        profile="float",
        wind=fwind,
        hours=full_hours,
        members=cfg.members,
        alt_sigma=round(alt.sigma, 0),
        pos_sigma_m=start.radius / 2.448,  # a report's radius is a 95 % radius
        seed=cfg.seed,
        progress=progress,
    )
    if cfg.hours is None:
        horizon = forecast_horizon(pred, own=cfg.own, max_hours=cfg.max_hours)
        pred = _cut(pred, horizon["hours"])
    else:
        horizon = {"rule": "fixed (--hours)", "hours": float(cfg.hours), "max_hours": cfg.hours}
        horizon["median_exit"] = None
    summary = {
        "start": {
            "name": start.place,
            "time": start.time_iso,
            "lat": start.lat,
            "lon": start.lon,
            "radius_km": start.radius / 1000.0,
            "alt_m": round(alt.mean, 0),
            "alt_sigma_m": round(alt.sigma, 0),
            "reports_known": len(known.observations),
        },
        "track_as_of": {
            "time": iso(t0),
            "reports": len(known.observations),
            "track_id": track.track_id,
            "updates": track.n_updates,
            "state": {
                "time": iso(track.time[-1]),
                "lat": round(float(track.lat[-1]), 4),
                "lon": round(float(track.lon[-1]), 4),
                "ve": round(float(track.ve[-1]), 2),
                "vn": round(float(track.vn[-1]), 2),
            },
            "float_alt_m": round(alt.mean, 0),
            "float_alt_sigma_m": round(alt.sigma, 0),
            "altitude": alt.describe(),
        },
        "horizon": horizon,
        "hours": horizon["hours"],
        "members": cfg.members,
        "wind": fwind.meta.source,
        "wind_bias_ms": {**bias, "applied": cfg.bias_correct},
        "end": _ensemble_summary(pred),
        "at_72h": _ensemble_at(pred, t0 + 72 * 3600.0) if horizon["hours"] >= 72 else None,
        "spread": _spread(pred),
        "warnings": list(pred.warnings),
        "elapsed_s": round(float(getattr(pred, "elapsed_s", float("nan"))), 3),
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


def stage_uncorrected(
    cfg: DemoConfig,
    pred: Any,
    wind: WindField,
    reports: list[Report],
    forecast: dict[str, Any],
) -> dict[str, Any] | None:
    """The same ensemble in the uncorrected wind, to the last later report, and its coverage of
    the later reports: what the drift correction buys (scored afterwards; None when the
    correction is off or no report follows the start)."""
    from .predict import predict

    t0 = float(np.asarray(pred.times)[0])
    later = [r for r in reports if r.time > t0 + 60.0]
    if not cfg.bias_correct or not later:
        return None
    start = forecast["start"]
    horizon = (float(np.asarray(pred.times)[-1]) - t0) / 3600.0
    hours = min(horizon, (max(r.time for r in later) - t0) / 3600.0 + 1.0)
    raw = predict(
        t0,
        start["lat"],
        start["lon"],
        start["alt_m"],
        profile="float",
        wind=wind,
        hours=hours,
        members=cfg.members,
        alt_sigma=start["alt_sigma_m"],
        pos_sigma_m=start["radius_km"] * 1000.0 / 2.448,
        seed=cfg.seed,
    )
    return {
        "wind": wind.meta.source,
        "hours": round(hours, 2),
        "at_72h": _ensemble_at(raw, t0 + 72 * 3600.0) if hours >= 72 else None,
        "coverage": [
            {k: c.get(k) for k in ("name", "time", "distance_km", "inside_50", "inside_90")}
            for c in stage_coverage(raw, reports)
        ],
    }


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


def _ec_upper(w: dict[str, Any]) -> float:
    """The Ec a window is judged by: its upper bound when the planner gives one."""
    return float(w.get("ec_hi", w["ec"]))


def _debris_wind(cfg: DemoConfig, wind: WindField, seed_offset: int = 7) -> Any:
    from .atmosphere.perturb import PerturbedWind

    return PerturbedWind(wind, members=cfg.debris_members, seed=cfg.seed + seed_offset)


def stage_engagement(
    cfg: DemoConfig, pred: Any, wind: WindField
) -> tuple[dict[str, Any], Any, list[dict[str, Any]]]:
    """Engagement windows along the forecast (Ec, P(land)) to its horizon, the recommendation,
    the window at the forecast start, and the debris footprints of the start and the
    recommended windows. Uses the forecast alone (no outcome)."""
    from .assess.debris import debris_assessment
    from .assess.engage import plan_engagement
    from .assess.path import FlightPath

    # the debris falls in an ensemble of the forecast's (bias-corrected) wind
    dwind = _debris_wind(cfg, wind)
    path = FlightPath.from_prediction(pred)
    hours = (float(path.times[-1]) - float(path.times[0])) / 3600.0
    plan = plan_engagement(
        path,
        dwind,
        every=cfg.every_min * 60.0,
        hours=hours,
        threshold=cfg.threshold,
        own=cfg.own,
        samples=cfg.window_samples,
        seed=cfg.seed,
    )
    windows = [_window_dict(w) for w in plan.windows]
    rec = plan.recommended
    first = plan.windows[0]  # the forecast starts at the start report
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
    targets = [("start", first)] + ([("recommended", rec)] if rec is not None else [])
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
        "hours": round(hours, 2),
        "own_territory": plan.own,
        "recommended": None if rec is None else _window_dict(rec),
        "reason": plan.reason,
        "explanation": list(plan.explanation),
        "start": _window_dict(first),
        "footprints": footprints,
        "windows": windows,
        "warnings": list(plan.warnings),
    }
    return summary, plan, feats


def stage_outcome(
    cfg: DemoConfig,
    pred: Any,
    wind: WindField,
    engagement: dict[str, Any],
    outcome: Report | None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The forecast against what really happened, at the same time: where the forecast's
    members were at the outcome's time against the real position (distance from the median,
    inside the 50/90 % regions), what the planner made of that moment from the forecast alone,
    and the real point scored alike (hindsight: it uses the real position). None when the file
    has no outcome (a row of kind ``engagement``) after the forecast start."""
    from .assess.engage import plan_engagement
    from .assess.path import FlightPath

    t0 = float(np.asarray(pred.times)[0])
    if outcome is None or outcome.time <= t0:
        return None, []
    t1 = float(np.asarray(pred.times)[-1])
    dwind = _debris_wind(cfg, wind)
    lead_h = (outcome.time - t0) / 3600.0
    alt = float(engagement["start"]["alt_m"]) if outcome.alt is None else outcome.alt
    real_path = FlightPath.from_arrays([outcome.time], [outcome.lat], [outcome.lon], alt)
    real = plan_engagement(
        real_path,
        dwind,
        hours=0,
        threshold=cfg.threshold,
        own=cfg.own,
        samples=cfg.window_samples,
        seed=cfg.seed,
    ).windows[0]
    out: dict[str, Any] = {
        "event": {
            "name": outcome.place,
            "time": outcome.time_iso,
            "lat": outcome.lat,
            "lon": outcome.lon,
            "alt_m": outcome.alt,
            "description": outcome.description,
        },
        "lead_h": round(lead_h, 2),
        "within_forecast": outcome.time <= t1,
        "real_point": _window_dict(real),
    }
    if outcome.time <= t1:
        at = coverage_of(pred, outcome.time, outcome.lat, outcome.lon)
        fc_window = plan_engagement(
            FlightPath.from_prediction(pred),
            dwind,
            start=outcome.time,
            hours=0,
            threshold=cfg.threshold,
            own=cfg.own,
            samples=cfg.window_samples,
            seed=cfg.seed,
        ).windows[0]
        out["forecast_at_time"] = at
        out["forecast_window"] = _window_dict(fc_window)
    rec = engagement["recommended"]
    if rec is not None:
        from .timeutil import to_epoch

        dt_h = (to_epoch(rec["time"]) - outcome.time) / 3600.0
        out["recommended"] = {
            "time": rec["time"],
            "hours_after_outcome": round(dt_h, 2),
            "lat": rec["lat"],
            "lon": rec["lon"],
        }
    out["statement"] = _outcome_statement(out, cfg.threshold)
    feats = [
        _feature(
            _point(outcome.lon, outcome.lat, outcome.alt),
            layer="outcome",
            name=f"{outcome.place}: real outcome {outcome.time_iso[5:16]}Z",
            time=outcome.time_iso,
            ec=real.ec,
            style={"color": "#c0392b"},
        )
    ]
    if "forecast_at_time" in out and "median_lat" in out["forecast_at_time"]:
        at = out["forecast_at_time"]
        feats.append(
            _feature(
                _point(at["median_lon"], at["median_lat"]),
                layer="outcome",
                name=f"forecast median at {outcome.time_iso[5:16]}Z ({at['distance_km']:.0f} km "
                "from the real position)",
                time=outcome.time_iso,
                distance_km=at["distance_km"],
                style={"color": "#1b4f72"},
            )
        )
    return out, feats


def _when(text: str) -> str:
    """``2023-02-04T19:39:00Z`` -> ``02-04 19:39Z``."""
    return f"{text[5:10]} {text[11:16]}Z"


def _outcome_statement(out: dict[str, Any], threshold: float) -> str:
    ev = out["event"]
    when = _when(ev["time"])
    parts = []
    at = out.get("forecast_at_time")
    if at and "distance_km" in at:
        region = (
            "inside its 50 % region"
            if at["inside_50"]
            else ("inside its 90 % region" if at["inside_90"] else "outside its 90 % region")
        )
        parts.append(
            f"At {when} (+{out['lead_h']:.1f} h) the forecast's median was {at['distance_km']:.0f} "
            f"km from the real position ({region})"
        )
        fw = out.get("forecast_window")
        if fw is not None:
            verdict = "under" if _ec_upper(fw) < threshold else "above"
            parts.append(
                f"the forecast scored an engagement at that time at Ec {fw['ec']:.2g} ({verdict} "
                f"the limit {threshold:g}), P(land) {fw['p_land']:.2f}"
            )
    else:
        parts.append(f"The outcome at {when} lies beyond the forecast's horizon")
    rec = out.get("recommended")
    if rec is not None:
        h = rec["hours_after_outcome"]
        parts.append(
            f"its recommended window ({_when(rec['time'])}) is {abs(h):.0f} h "
            + ("after" if h >= 0 else "before")
            + " the real shoot-down"
        )
    else:
        parts.append("it recommended no window")
    parts.append(
        f"the real point itself scores Ec {out['real_point']['ec']:.2g} (hindsight: its position)"
    )
    return "; ".join(parts) + "."


# ----------------------------------------------------------------------------- hindsight


def reconstructed_path(
    track: Any,
    *,
    every_s: float,
    q: float,
    members: int,
    seed: int,
) -> tuple[Any, FloatArray]:
    """The smoothed track between its states, with its uncertainty, as a `FlightPath`.

    Between two states (positions and ground velocities known with their sigmas) the position
    is the cubic Hermite interpolant, the posterior mean of an integrated random walk
    (acceleration white noise of intensity ``q`` m^2/s^3, the tracker's process noise) given
    both ends [Wahba1978]_. Its one-sigma per axis combines the ends' errors through the
    Hermite basis with the bridge variance of that process, q t^3 (T - t)^3 / (3 T^3). Each
    segment is interpolated in an azimuthal equidistant projection about its midpoint
    (pyproj). Returns the path (``members`` positions drawn with that sigma, the same draw at
    every time, at the states' altitude) and the sigma (m) at each of its times.
    """
    from pyproj import Transformer

    from .assess.path import FlightPath
    from .geo.geodesy import offset_m

    t = np.asarray(track.time, dtype=np.float64)
    keep = np.concatenate([[True], np.diff(t) > 0])
    t = t[keep]
    cols = {
        k: np.asarray(getattr(track, k), dtype=np.float64)[keep]
        for k in ("lat", "lon", "alt", "ve", "vn", "sigma_e", "sigma_n", "sigma_ve", "sigma_vn")
    }
    grid = np.arange(t[0], t[-1] + 1e-6, every_s)
    if grid[-1] < t[-1] - 1.0:
        grid = np.append(grid, t[-1])
    lat = np.empty(grid.size)
    lon = np.empty(grid.size)
    sig = np.empty(grid.size)
    seg = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, t.size - 2)
    for k in np.unique(seg):
        sel = seg == k
        a, b = int(k), int(k) + 1
        T = t[b] - t[a]
        mid_lat = 0.5 * (cols["lat"][a] + cols["lat"][b])
        mid_lon = cols["lon"][a] + 0.5 * ((cols["lon"][b] - cols["lon"][a] + 180) % 360 - 180)
        proj = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={mid_lat} +lon_0={mid_lon} +datum=WGS84 +units=m",
            always_xy=True,
        )
        ends = []
        for e in (a, b):
            # position and velocity in the projection's grid: the velocity through the local
            # Jacobian of the projection (1 km steps east and north)
            la0, lo0 = cols["lat"][e], cols["lon"][e]
            step_lat, step_lon = offset_m([la0, la0], [lo0, lo0], [1000.0, 0.0], [0.0, 1000.0])
            px, py = proj.transform([lo0, *step_lon], [la0, *step_lat])
            jac = np.array([[px[1] - px[0], px[2] - px[0]], [py[1] - py[0], py[2] - py[0]]]) / 1e3
            ends.append((px[0], py[0], jac @ np.array([cols["ve"][e], cols["vn"][e]])))
        (xa, ya, va), (xb, yb, vb) = ends
        u = (grid[sel] - t[a]) / T
        h00, h10 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u
        h01, h11 = -2 * u**3 + 3 * u**2, u**3 - u**2
        x = h00 * xa + h10 * T * va[0] + h01 * xb + h11 * T * vb[0]
        y = h00 * ya + h10 * T * va[1] + h01 * yb + h11 * T * vb[1]
        lo, la = proj.transform(x, y, direction="INVERSE")
        lat[sel], lon[sel] = la, lo
        tau = grid[sel] - t[a]
        bridge = q * tau**3 * (T - tau) ** 3 / (3 * T**3)
        var = bridge.copy()
        for h, s_end in ((h00, a), (h01, b)):
            var += h**2 * 0.5 * (cols["sigma_e"][s_end] ** 2 + cols["sigma_n"][s_end] ** 2)
        for h, s_end in ((h10, a), (h11, b)):
            var += (
                (h * T) ** 2 * 0.5 * (cols["sigma_ve"][s_end] ** 2 + cols["sigma_vn"][s_end] ** 2)
            )
        sig[sel] = np.sqrt(var)
    alt = float(np.nanmedian(cols["alt"]))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((2, members, 1))
    z[:, 0, :] = 0.0  # member 0 is the interpolant itself
    mlat, mlon = offset_m(lat[None, :], lon[None, :], z[0] * sig[None, :], z[1] * sig[None, :])
    path = FlightPath.from_arrays(grid, mlat, mlon, alt, source="reconstructed track")
    return path, sig


def _hindsight_region(w: dict[str, Any], own: str) -> str:
    """A plain-language region of a window's median point (for the "why not over Alaska?"
    question): Alaska / Alaskan waters, the contiguous states, the Atlantic, Gulf of Mexico or
    Pacific territorial sea, other countries, international waters."""
    from .geo import country_name

    terr = str(w.get("territory") or "")
    if terr != own.upper():
        return country_name(terr) if terr else "international waters"
    alaska = w["lat"] > 50.0 and (w["lon"] < -129.0 or w["lon"] > 170.0)
    if alaska:
        return "Alaska (land)" if w["over_land"] else "Alaskan waters (Aleutians, Bering Sea)"
    if w["over_land"]:
        return "contiguous US (land)"
    if w["lon"] > -81.5:
        return "Atlantic (US territorial sea)"
    if w["lat"] < 31.0 and w["lon"] > -98.0:
        return "Gulf of Mexico (US territorial sea)"
    if w["lon"] < -116.0:
        return "Pacific (US territorial sea)"
    return "US territorial sea"


def stage_hindsight(
    cfg: DemoConfig, smooth: Any, tracking: Any, wind: WindField
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """HINDSIGHT: engagement windows along the whole reconstructed (smoothed) track, every
    ``cfg.hindsight_every_min``, from its first report to its last: when and where inside own
    territory could the object have been brought down with Ec under the limit? Uses every
    report, including those after the forecast start: not something known at that start."""
    from .assess.engage import plan_engagement

    if not cfg.hindsight or len(smooth) < 2:
        return None, []
    q = float(tracking.config.motion.q_h)
    path, sig = reconstructed_path(
        smooth,
        every_s=cfg.hindsight_every_min * 60.0,
        q=q,
        members=cfg.hindsight_members,
        seed=cfg.seed + 11,
    )
    plan = plan_engagement(
        path,
        _debris_wind(cfg, wind, seed_offset=13),
        every=cfg.hindsight_every_min * 60.0,
        hours=None,
        threshold=cfg.threshold,
        own=cfg.own,
        samples=cfg.window_samples,
        seed=cfg.seed + 5,
    )
    sig_w = np.interp([w.time for w in plan.windows], path.times, sig)
    windows = []
    for w, s_w in zip(plan.windows, sig_w, strict=True):
        d = _window_dict(w)
        d["region"] = _hindsight_region(d, cfg.own)
        d["position_sigma_km"] = round(float(s_w) / 1000.0, 1)
        d["meets_limit"] = bool(d["in_own_territory"] and _ec_upper(d) < cfg.threshold)
        windows.append(d)
    # runs of consecutive windows meeting the limit in one region
    spans: list[dict[str, Any]] = []
    for k, d in enumerate(windows):
        if not d["meets_limit"]:
            continue
        prev = windows[k - 1] if k else None
        if not (
            spans and prev is not None and prev["meets_limit"] and prev["region"] == d["region"]
        ):
            spans.append({"region": d["region"], "from": d["time"], "windows": 0, "ec_max": 0.0})
            spans[-1]["ec_hi_max"] = 0.0
        sp = spans[-1]
        sp["to"] = d["time"]
        sp["windows"] += 1
        sp["ec_max"] = max(sp["ec_max"], d["ec"])
        sp["ec_hi_max"] = max(sp["ec_hi_max"], _ec_upper(d))
    regions: dict[str, dict[str, Any]] = {}
    for d in windows:
        r = regions.setdefault(
            d["region"], {"windows": 0, "meets_limit": 0, "first": d["time"], "ec_min": d["ec"]}
        )
        r["windows"] += 1
        r["meets_limit"] += int(d["meets_limit"])
        r["last"] = d["time"]
        r["ec_min"] = min(r["ec_min"], d["ec"])
    answer = _hindsight_answer(spans, regions, cfg)
    summary = {
        "label": "HINDSIGHT: the whole reconstructed track (every report, including those after "
        "the forecast start); not what was known at the forecast start",
        "track": "smoothed (RTS), cubic Hermite between its states with the tracker's process "
        f"noise q = {q:g} m^2/s^3 for the uncertainty between reports",
        "every_min": cfg.hindsight_every_min,
        "threshold": cfg.threshold,
        "own_territory": cfg.own.upper(),
        "criterion": "inside own territory (median point) and Ec (its upper bound when given) "
        "below the limit",
        "start": iso(float(path.times[0])),
        "end": iso(float(path.times[-1])),
        "spans": spans,
        "regions": regions,
        "answer": answer,
        "windows": windows,
        "warnings": list(plan.warnings),
    }
    feats: list[dict[str, Any]] = [
        _feature(
            {
                "type": "LineString",
                "coordinates": [
                    [round(float(lo), 4), round(float(la), 4)]
                    for lo, la in zip(path.lon[0], path.lat[0], strict=True)
                ],
            },
            layer="hindsight",
            name="reconstructed track (hindsight)",
            times=[iso(t) for t in path.times],
            sigma_km=[round(float(s) / 1000.0, 1) for s in sig],
            style={"color": "#5d6d7e", "width": 1.5, "dash": "2 3"},
        )
    ]
    for d in windows:
        feats.append(
            _feature(
                _point(d["lon"], d["lat"], d["alt_m"]),
                layer="hindsight",
                name=f"hindsight window {d['time'][5:16]}Z ({d['region']})",
                time=d["time"],
                ec=d["ec"],
                ec_lo=d.get("ec_lo"),
                ec_hi=d.get("ec_hi"),
                p_land=d["p_land"],
                region=d["region"],
                territory=d["territory"],
                meets_limit=d["meets_limit"],
                position_sigma_km=d["position_sigma_km"],
                style={"color": ec_color(_ec_upper(d), cfg.threshold)},
            )
        )
    return summary, feats


def _hindsight_answer(
    spans: list[dict[str, Any]], regions: dict[str, dict[str, Any]], cfg: DemoConfig
) -> str:
    own = cfg.own.upper()
    if not spans:
        return (
            f"In hindsight no window along the reconstructed track was inside {own} territory "
            f"with Ec below {cfg.threshold:g}."
        )
    parts = []
    for sp in spans:
        when = _when(sp["from"]) + ("" if sp["to"] == sp["from"] else f" to {_when(sp['to'])}")
        parts.append(
            f"{sp['region']} {when} ({sp['windows']} window(s), Ec <= {sp['ec_hi_max']:.2g})"
        )
    return (
        f"In hindsight, windows inside {own} territory with Ec below {cfg.threshold:g}: "
        + "; ".join(parts)
        + "."
    )


def _report_view(summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` with the keys the report page reads under their earlier names
    (``engagement.billings`` / ``shootdown`` / ``recommended_to_shootdown_km``,
    ``forecast.without_bias_correction``, ``scenario.shootdown``), for `report.page.demo_page`
    until it reads the new schema. summary.json itself carries only the new keys."""
    view = json.loads(json.dumps(_jsonable(summary)))
    en, fo = view["engagement"], view["forecast"]
    en["billings"] = en["start"]
    out = view.get("outcome") or {}
    nan_window = {k: math.nan for k in ("ec", "p_land", "lat", "lon")}
    en["shootdown"] = out.get("real_point") or nan_window
    rec = en.get("recommended")
    ev = out.get("event")
    en["recommended_to_shootdown_km"] = (
        round(float(haversine(rec["lat"], rec["lon"], ev["lat"], ev["lon"])) / 1000.0, 1)
        if rec is not None and ev is not None
        else math.nan
    )
    fo["without_bias_correction"] = view.get("uncorrected")
    view["scenario"]["shootdown"] = view["scenario"].get("outcome")
    return view


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
    config : settings; `DemoConfig()` by default (the shipped 2023 reports, forecast from the
        Billings report).
    progress : optional ``callable(stage, done, total)`` called as each stage finishes.
    """
    cfg = config or DemoConfig()
    cfg.check()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("output path exists and is not a folder", path=out, expected="a folder")
    # read and check the inputs before anything is written
    reports = load_reports(cfg.reports)
    forecast_start(reports, cfg.forecast_from)
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
    tracking, smooth, track_summary, f = stage_track(cfg, wind, reports)
    feats += f
    done("track")
    _, origin, f = stage_origin(cfg, reports, track_summary, wind)
    feats = f + feats
    done("origin")
    # --- what was known at the forecast start: the forecast and what follows from it
    pred, fwind, forecast, f = stage_forecast(cfg, tracking, wind, reports)
    feats = f + feats
    done("forecast")
    overflight, aviation, f = stage_overflight(cfg, pred)
    feats += f
    done("overflight")
    engagement, _, f = stage_engagement(cfg, pred, fwind)
    feats += f
    done("engagement")
    # --- scored afterwards against the later reports and the outcome
    coverage = stage_coverage(pred, reports)
    uncorrected = stage_uncorrected(cfg, pred, wind, reports, forecast)
    done("coverage")
    outcome_event = outcome_of(reports)
    outcome, f = stage_outcome(cfg, pred, fwind, engagement, outcome_event)
    feats += f
    done("outcome")
    # --- hindsight: the whole reconstructed track
    hindsight, f = stage_hindsight(cfg, smooth, tracking, wind)
    feats += f
    done("hindsight")
    file_sources = list(dict.fromkeys(r.source for r in reports if r.source))
    shipped = cfg.reports.resolve() == REPORTS_PATH.resolve()
    summary: dict[str, Any] = {
        "scenario": {
            "name": "February 2023 high-altitude balloon (public reports)"
            if shipped
            else f"reports from {cfg.reports.name}",
            "reports_file": cfg.reports.name,
            "sources": list(SOURCES) if shipped else file_sources,
            "outcome": None
            if outcome_event is None
            else {
                "time": outcome_event.time_iso,
                "lat": outcome_event.lat,
                "lon": outcome_event.lon,
            },
        },
        "track": track_summary,
        "origin": origin,
        "forecast": forecast,
        "overflight": overflight,
        "aviation": aviation,
        "engagement": engagement,
        "coverage": coverage,
        "uncorrected": uncorrected,
        "outcome": outcome,
        "hindsight": hindsight,
        "run": {
            "version": __version__,
            "seed": cfg.seed,
            "members": cfg.members,
            "reports": str(cfg.reports),
            "forecast_from": None if cfg.forecast_from is None else iso(cfg.forecast_from),
            "forecast_start_rule": forecast_start(reports, cfg.forecast_from)[1],
            "wind": wind.meta.source,
            "elapsed_s": 0.0,
            "stages_s": timings,
        },
    }
    fc = {
        "type": "FeatureCollection",
        "name": f"stratowatch demo: {summary['scenario']['name']}",
        "features": feats,
    }
    summary["run"]["elapsed_s"] = round(_time.perf_counter() - t_all, 2)
    page = demo_page(_report_view(summary), fc, forecast=pred)
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
