"""Could it steer? The demo's reachability line: the path so far explained as passive or not,
and the worst case the winds allowed for each site from the last report on.

`assess_steering` uses only the reports up to ``as_of`` (no look-ahead): `track.motion.
explain_motion` on them, then `predict.reach.reachable_set` from the last of them (its position
known within the report's 95 % radius), with the sites. The result carries one sentence for a
summary, a JSON-ready summary and GeoJSON layers for the report map (``reach``,
``reach_wind90``, ``reach_start``, ``reach_sites``, ``motion_passive``, ``motion_schedule``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..atmosphere.wind import WindField
from ..errors import InputError
from ..flight.windargs import resolve_wind
from ..geo.sites import Site, read_sites
from ..predict.reach import DEFAULT_BAND, ReachableSet, reachable_set
from ..timeutil import iso, to_epoch
from ..track.motion import MotionExplanation, explain_motion
from ..track.observations import Observations

__all__ = ["SteeringAssessment", "assess_steering", "default_sites"]

_R95 = math.sqrt(-2.0 * math.log(0.05))  # readers store a 95 % radius as sigma = r / 2.448


def default_sites() -> list[Site]:
    """The example sites shipped with the package (``data/sensitive_sites_example.csv``)."""
    ref = resources.files("stratowatch") / "data" / "sensitive_sites_example.csv"
    with resources.as_file(ref) as path:
        return read_sites(path)


@dataclass(frozen=True, eq=False)
class SteeringAssessment:
    """`assess_steering`'s result: ``motion`` (the reports up to ``as_of`` explained) and
    ``reach`` (from the last of them), with ``reports_used`` of ``reports_total``."""

    as_of: float
    reports_used: int
    reports_total: int
    motion: MotionExplanation
    reach: ReachableSet

    def worst_case(self) -> list[dict[str, Any]]:
        """Sites the steering balloon could reach within the horizon, soonest first:
        name, earliest time and hours, the 90 % wind lower bound, and p_passive."""
        rows = [s.describe(self.reach.time) for s in self.reach.sites]
        hit = [r for r in rows if r["earliest_time"] is not None]
        return sorted(hit, key=lambda r: r["earliest_hours"])

    def soonest_90(self) -> dict[str, Any] | None:
        """The site the balloon could reach soonest once the wind's error is allowed for (at
        90 % confidence it reaches no site sooner), or None."""
        rows = [s.describe(self.reach.time) for s in self.reach.sites]
        hit = [r for r in rows if r["earliest_time_90"] is not None]
        return min(hit, key=lambda r: r["earliest_hours_90"]) if hit else None

    @property
    def line(self) -> str:
        """One sentence for a summary; its numbers are the result's."""
        head = (
            f"the path to {iso(self.as_of)[5:16].replace('T', ' ')}Z "
            f"({self.reports_used} reports): {self.motion.headline}"
        )
        worst = self.worst_case()
        r = self.reach
        band = f"{r.band[0] / 1e3:g}-{r.band[1] / 1e3:g} km"
        n = len(r.sites)
        if worst:
            w = worst[0]
            reach = (
                f"steering by altitude ({band}) the winds allowed {len(worst)} of {n} sites "
                f"within {r.hours:g} h, the soonest {w['name']} in {w['earliest_hours']:.1f} h "
                f"(passively p = {w['p_passive']:.2f})"
            )
        else:
            reach = f"steering by altitude ({band}) the winds allowed none of {n} sites in {r.hours:g} h"
        s90 = self.soonest_90()
        err = f"with the wind's error ({r.wind_error.sigma:.0f} m/s)"
        tail = (
            f"; {err} the soonest possible at 90 % confidence is {s90['name']} in "
            f"{s90['earliest_hours_90']:.1f} h"
            if s90 is not None
            else f"; {err} still none"
        )
        return f"{head}; {reach}{tail}"

    def summary(self) -> dict[str, Any]:
        """JSON-ready: ``as_of``, ``line``, ``motion`` (`MotionExplanation.summary`),
        ``reach`` (`ReachableSet.summary`) and ``worst_case``."""
        return {
            "as_of": iso(self.as_of),
            "reports_used": self.reports_used,
            "reports_total": self.reports_total,
            "line": self.line,
            "motion": self.motion.summary(),
            "reach": self.reach.summary(),
            "worst_case": self.worst_case(),
            "soonest_90": self.soonest_90(),
        }

    def to_features(self) -> dict[str, Any]:
        """The reachable regions, sites and the two best motion fits as one FeatureCollection
        (layers named in the module notes)."""
        reach = self.reach.to_features()
        motion = self.motion.to_features()
        return {
            "type": "FeatureCollection",
            "features": [*reach["features"], *motion["features"]],
            "properties": {"line": self.line, "as_of": iso(self.as_of)},
        }


def assess_steering(
    reports: Observations | str | Path,
    *,
    as_of: Any = None,
    sites: Sequence[Site] | str | Path | None = None,
    wind: str | WindField = "climatology",
    band: Sequence[float] = DEFAULT_BAND,
    hours: float = 48.0,
    every: float = 6.0,
    airspeed: float = 0.0,
    passive_members: int = 200,
    seed: int = 0,
) -> SteeringAssessment:
    """Explain the path up to ``as_of`` and bound where steering could take it next.

    Parameters
    ----------
    reports : `Observations` or a reports file (`io.readers.read_observations`).
    as_of : time (ISO, datetime or epoch s); only reports at or before it are used (default:
        the last report).
    sites : `geo.Site` values or a sites file (default: the shipped example sites).
    wind, band, hours, every, airspeed, passive_members, seed : as `reachable_set` and
        `explain_motion`. The passive members fly at the altitude the motion analysis found
        for the last piece (its posterior mean).
    """
    if isinstance(reports, Observations):
        obs = reports
    else:
        from ..io.readers import read_observations

        obs = read_observations(reports)
    obs = obs.sorted().take(obs.sorted().positional)
    if len(obs) == 0:
        raise InputError("no reports with a position", expected="position reports")
    t_cut = float(obs.time[-1]) if as_of is None else to_epoch(as_of)
    upto = obs.take(obs.time <= t_cut + 1e-6)
    if len(upto) < 2:
        raise InputError(
            "fewer than two reports up to the time asked",
            field="as_of",
            value=iso(t_cut),
            expected="a time after the second report",
        )
    site_list = (
        default_sites()
        if sites is None
        else read_sites(sites)
        if isinstance(sites, str | Path)
        else list(sites)
    )
    field_ = resolve_wind(wind)
    motion = explain_motion(upto, field_, band=band, seed=seed)
    i = int(np.argmax(upto.time))
    alt = motion.altitude[-1]["mean_m"] if motion.altitude else None
    reach = reachable_set(
        float(upto.time[i]),
        float(upto.lat[i]),
        float(upto.lon[i]),
        band=band,
        hours=hours,
        every=every,
        airspeed=airspeed,
        wind=field_,
        sites=site_list,
        alt=alt,
        passive_members=passive_members,
        seed=seed,
        start_radius_m=float(upto.sigma_h[i]) * _R95,
    )
    return SteeringAssessment(
        as_of=t_cut,
        reports_used=len(upto),
        reports_total=len(obs),
        motion=motion,
        reach=reach,
    )
