"""Engagement-window planner: where along the path could the object be brought down safely?

For candidate times along the (predicted or tracked) path, default every 10 min: a break-up of
the default fragments in the ensemble winds (`assess.debris`) gives the casualty expectation Ec
and the probability that any debris lands on land; each window also records whether the point
is inside the ``own`` country's territory (land or 12-nmi territorial sea: debris recovery and
jurisdiction), its distance to the coast and the aviation traffic below. Windows are ranked by
Ec; the recommendation is the earliest window with Ec below the threshold (default 1e-4, the
public collective-risk limit of 14 CFR 450.101(a)(1), [CFR450]_) inside own territory, and the
reasons the earlier ones fail are listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..geo import PopulationSource, country_name, distance_to_coast, is_land, territory_at
from ..timeutil import iso
from .aviation import AIRLINER_MAX, flight_level
from .debris import FragmentClass, break_up_and_fall, score_impacts
from .path import FlightPath

__all__ = ["Window", "EngagementPlan", "plan_engagement", "DEFAULT_THRESHOLD"]

DEFAULT_THRESHOLD = 1e-4


@dataclass(frozen=True)
class Window:
    """One candidate engagement time and what a break-up there would do."""

    time: float
    lat: float
    lon: float
    alt: float
    ec: float
    p_land: float
    fragments_on_land: float
    over_land: bool
    territory: str
    in_own_territory: bool
    coast_distance: float  # m
    traffic_below: str
    rank: int = 0
    reasons: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, object]:
        return {
            "time": iso(self.time),
            "lat": round(self.lat, 4),
            "lon": round(self.lon, 4),
            "alt_m": round(self.alt),
            "ec": float(f"{self.ec:.3g}"),
            "p_land": round(self.p_land, 3),
            "fragments_on_land": round(self.fragments_on_land, 1),
            "over_land": self.over_land,
            "territory": self.territory,
            "in_own_territory": self.in_own_territory,
            "coast_distance_km": round(self.coast_distance / 1000, 1),
            "traffic_below": self.traffic_below,
            "rank": self.rank,
            "ok": self.ok,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class EngagementPlan:
    windows: list[Window]
    recommended: Window | None
    reason: str
    threshold: float
    own: str | None
    explanation: list[str] = field(default_factory=list)
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "own_territory": self.own,
            "windows": [w.as_dict() for w in self.windows],
            "recommended": None if self.recommended is None else self.recommended.as_dict(),
            "reason": self.reason,
            "explanation": self.explanation,
            "warnings": list(self.warnings),
        }


def _traffic(alt: float) -> str:
    fl = int(round(float(flight_level(alt))))
    if alt > AIRLINER_MAX:
        return f"FL{fl:03d}: debris falls through airliner levels FL450-FL290; clear the airspace below"
    return f"FL{fl:03d}: at or below airliner levels; clear the airspace around and below"


def plan_engagement(
    path: FlightPath,
    wind: Any,
    *,
    every: float = 600.0,
    hours: float | None = 48.0,
    threshold: float = DEFAULT_THRESHOLD,
    own: str | None = "US",
    fragments: Sequence[FragmentClass] | None = None,
    samples: int = 6,
    seed: int = 0,
    population: PopulationSource | None = None,
    sheltering: float = 0.0,
    start: float | None = None,
) -> EngagementPlan:
    """Score windows every ``every`` s over ``hours`` from ``start`` (default: the path's
    start; ``hours=0`` scores only that point), plus the path's last point, along the path's
    median member.

    ``wind``: the ensemble wind the debris falls in (a `PerturbedWind`, or one field);
    ``own``: ISO code of the country whose territory a break-up should be in (None: any)."""
    if not (np.isfinite(threshold) and threshold > 0):
        raise ConfigError(f"threshold must be a positive expected-casualty value, got {threshold}")
    if not (np.isfinite(every) and every > 0):
        raise ConfigError(f"window spacing must be positive seconds, got {every}")
    if hours is not None and not (np.isfinite(hours) and hours >= 0):
        raise ConfigError(f"hours must be >= 0, got {hours}")
    t0 = float(path.times[0]) if start is None else float(start)
    t_end = float(path.times[-1])
    if hours is not None:
        t_end = min(t_end, t0 + hours * 3600.0) if path.times.size > 1 else t0
    if t_end < t0:
        raise ConfigError(f"start {iso(t0)} is after the end of the path {iso(t_end)}")
    times = np.arange(t0, t_end + 1e-6, every) if t_end > t0 else np.array([t0])
    if times[-1] < t_end - 1.0:  # the path's last point is a candidate too
        times = np.append(times, t_end)
    p = path.resample(times)
    lat = np.median(p.lat, axis=0)
    lon_rad = np.radians(p.lon)
    lon = np.degrees(
        np.arctan2(np.median(np.sin(lon_rad), axis=0), np.median(np.cos(lon_rad), axis=0))
    )
    alt = np.median(p.alt, axis=0)
    imp = break_up_and_fall(
        times, lat, lon, alt, wind, fragments=fragments, samples=samples, seed=seed
    )
    scores = score_impacts(imp, population=population, sheltering=sheltering)
    terr = territory_at(lat, lon)
    land = is_land(lat, lon)
    coast = distance_to_coast(lat, lon)
    own_u = own.upper() if own else None
    raw: list[Window] = []
    for k in range(times.size):  # assemble records (scoring above is vectorized)
        s = scores[k]
        reasons = []
        if s.ec >= threshold:
            where = "over land" if land[k] else "over water"
            reasons.append(
                f"Ec {s.ec:.2g} >= {threshold:g} ({where}, {coast[k] / 1000:.0f} km from the coast, "
                f"P(land) {s.p_land:.2f})"
            )
        in_own = own_u is None or terr[k] == own_u
        if not in_own:
            where = country_name(str(terr[k])) if terr[k] else "international waters"
            reasons.append(f"outside {own_u} territory ({where})")
        raw.append(
            Window(
                float(times[k]),
                float(lat[k]),
                float(lon[k]),
                float(alt[k]),
                s.ec,
                s.p_land,
                s.fragments_on_land,
                bool(land[k]),
                str(terr[k]),
                bool(in_own),
                float(coast[k]),
                _traffic(float(alt[k])),
                0,
                tuple(reasons),
            )
        )
    order = sorted(range(len(raw)), key=lambda i: (raw[i].ec, raw[i].time))
    rank = {i: r + 1 for r, i in enumerate(order)}
    windows = [Window(**{**w.__dict__, "rank": rank[i]}) for i, w in enumerate(raw)]
    rec = next((w for w in windows if w.ok), None)
    before = windows if rec is None else [w for w in windows if w.time < rec.time]
    counts: Counter[str] = Counter()
    for w in before:
        if w.ec >= threshold:
            counts["land" if w.over_land else "water"] += 1
        if not w.in_own_territory:
            counts["territory"] += 1
    explanation = []
    if before:
        ecs = np.array([w.ec for w in before])
        which = "all" if rec is None else "earlier"
        explanation.append(
            f"{len(before)} {which} window(s) fail: Ec from {ecs.min():.2g} to {ecs.max():.2g}"
        )
        if counts["land"]:
            explanation.append(f"{counts['land']} over land with Ec >= {threshold:g}")
        if counts["water"]:
            explanation.append(
                f"{counts['water']} over water but near enough to land that debris reaches it (Ec >= {threshold:g})"
            )
        if counts["territory"]:
            explanation.append(f"{counts['territory']} outside {own_u} territory")
        explanation.extend(f"{iso(w.time)}: {'; '.join(w.reasons)}" for w in before[-3:])
    if rec is not None:
        reason = (
            f"earliest window with Ec {rec.ec:.2g} < {threshold:g}"
            + (f" inside {own_u} territory" if own_u else "")
            + f": {iso(rec.time)} at {rec.lat:.3f}, {rec.lon:.3f}"
            + (" over water" if not rec.over_land else " over land")
            + f", {rec.coast_distance / 1000:.0f} km from the coast"
        )
    else:
        best = min(windows, key=lambda w: w.ec)
        reason = (
            f"no window meets Ec < {threshold:g}"
            + (f" inside {own_u} territory" if own_u else "")
            + f"; lowest Ec {best.ec:.2g} at {iso(best.time)}"
        )
    return EngagementPlan(windows, rec, reason, threshold, own_u, explanation, imp.warnings)
