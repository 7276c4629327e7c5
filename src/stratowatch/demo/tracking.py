"""Stage ``track``: the reports tracked (every report: a reconstruction), the smoothed main track,
its float altitude, the wind along it and "same object?" for the 2023 Colombia report."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..atmosphere.wind import WindField
from ..errors import DomainError, InputError
from ..geo.geodesy import haversine
from ..scenario import COLOMBIA, Report
from ..timeutil import iso
from .config import DemoConfig
from .features import _feature, _point

__all__ = ["main_track", "stage_track"]


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
    from ..io.readers import read_reports_csv
    from ..track import (
        TrackerConfig,
        make_observations,
        same_object,
        smooth_track,
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
