"""Assessment: overflight (sites, borders), civil aviation, debris and casualty expectation,
engagement windows. `assess_path` runs the overflight and aviation parts on one path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..geo import Site
from ..timeutil import iso
from .aviation import AviationAssessment, assess_aviation
from .debris import (
    KE_THRESHOLD,
    PERSON_AREA,
    DebrisResult,
    FragmentClass,
    break_up_and_fall,
    casualty_area,
    debris_assessment,
    default_fragments,
    footprint,
    score_impacts,
)
from .engage import DEFAULT_THRESHOLD, EngagementPlan, Window, plan_engagement
from .overflight import BorderCrossing, SiteOverflight, border_crossings, site_overflight
from .path import FlightPath, read_path

__all__ = [
    "DEFAULT_THRESHOLD",
    "KE_THRESHOLD",
    "PERSON_AREA",
    "Assessment",
    "AviationAssessment",
    "BorderCrossing",
    "DebrisResult",
    "EngagementPlan",
    "FlightPath",
    "FragmentClass",
    "SiteOverflight",
    "Window",
    "assess_aviation",
    "assess_path",
    "border_crossings",
    "break_up_and_fall",
    "casualty_area",
    "debris_assessment",
    "default_fragments",
    "footprint",
    "plan_engagement",
    "read_path",
    "score_impacts",
    "site_overflight",
]


@dataclass(frozen=True, eq=False)
class Assessment:
    """Overflight, borders, aviation (and optionally debris) of one path."""

    path: FlightPath
    sites: list[SiteOverflight]
    start_territory: str
    borders: list[BorderCrossing]
    aviation: AviationAssessment
    debris: DebrisResult | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.path.source,
            "members": self.path.members,
            "start": iso(float(self.path.times[0])),
            "end": iso(float(self.path.times[-1])),
            "sites": [s.as_dict() for s in self.sites],
            "start_territory": self.start_territory,
            "borders": [b.as_dict() for b in self.borders],
            "aviation": self.aviation.as_dict(),
            "debris": None if self.debris is None else self.debris.as_dict(),
            "warnings": self.warnings,
        }

    def to_features(self, *, max_members: int = 50) -> dict[str, Any]:
        """The assessed path (up to ``max_members`` member lines, with their times), the sites
        (with their overflight probability) and the debris footprint as GeoJSON."""
        feats: list[dict[str, Any]] = []
        times = [iso(float(t)) for t in self.path.times]
        if self.path.times.size >= 2:
            for m in range(min(self.path.members, max_members)):
                coords = [
                    [float(lo), float(la), float(al)]
                    for lo, la, al in zip(
                        self.path.lon[m], self.path.lat[m], self.path.alt[m], strict=True
                    )
                ]
                feats.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "LineString", "coordinates": coords},
                        "properties": {
                            "layer": "path",
                            "name": "path" if self.path.members == 1 else f"member {m}",
                            "member": m,
                            "times": times,
                        },
                    }
                )
        for s in self.sites:
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [s.site.lon, s.site.lat]},
                    "properties": {"layer": "sites", "name": s.site.name, **s.as_dict()},
                }
            )
        if self.debris is not None:
            feats.extend(self.debris.footprint.to_features()["features"])
        return {"type": "FeatureCollection", "features": feats}


def assess_path(
    path: FlightPath,
    *,
    sites: list[Site] | None = None,
    airport_radius: float = 50_000.0,
    debris_wind: Any = None,
    members: int = 20,
    seed: int = 0,
) -> Assessment:
    """Overflight of ``sites``, border entries, aviation; with ``debris_wind`` (a wind name,
    path or field) also a break-up at the path's last point in a ``members`` ensemble."""
    from .planner import check_wind_covers, ensemble_wind

    site_results = site_overflight(path, sites or [])
    start, borders = border_crossings(path)
    aviation = assess_aviation(path, airport_radius=airport_radius)
    debris = None
    if debris_wind is not None:
        t = float(path.times[-1])
        la, lo, al = path.at(t)
        wind = ensemble_wind(debris_wind, members=members, seed=seed)
        check_wind_covers(wind, path)
        debris = debris_assessment(
            t, float(la.mean()), float(lo.mean()), float(al.mean()), wind, seed=seed
        )
    warnings = []
    if path.members == 1:
        warnings.append(
            "one path, no ensemble: overflight and border probabilities are 0 or 1; for "
            "probabilities assess an ensemble (e.g. `stratowatch predict --member-paths --out "
            "FILE.geojson`)"
        )
    return Assessment(path, site_results, start, borders, aviation, debris, warnings)
