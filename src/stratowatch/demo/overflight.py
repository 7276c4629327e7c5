"""Stage ``overflight``: overflight of the example sites, border crossings and the aviation
statement, from the forecast."""

from __future__ import annotations

from typing import Any

from ..timeutil import iso
from .config import DemoConfig
from .features import _feature, _point

__all__ = ["stage_overflight"]


def stage_overflight(
    cfg: DemoConfig, pred: Any, *, path: Any = None
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Overflight of the example sites, border crossings and the aviation statement.
    ``path``: the forecast as a `FlightPath` when the caller has it (else made from ``pred``)."""
    from ..assess.aviation import assess_aviation
    from ..assess.overflight import border_crossings, site_overflight
    from ..assess.path import FlightPath
    from ..geo import read_sites

    path = FlightPath.from_prediction(pred) if path is None else path
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
