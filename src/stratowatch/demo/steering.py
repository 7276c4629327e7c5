"""Stage ``steering``: could it steer? Known at the forecast start only.

`assess.steering.assess_steering` on the reports up to the forecast start: the path so far
explained as passive drift at one altitude, drift with altitude changes, or propulsion beyond
what the winds allow (`track.motion.explain_motion`), and the reachable set from the last of
those reports for a balloon that chooses its altitude in the band (`predict.reach`), with the
earliest arrival over each example site: the worst case the winds allowed.

The wind is the uncorrected one: the forecast's drift correction is fitted to the same track,
so explaining the track with it would be circular.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..atmosphere.wind import WindField
from ..timeutil import iso
from .config import DemoConfig

__all__ = ["stage_steering", "hindsight_motion"]


def stage_steering(
    cfg: DemoConfig, tracking: Any, wind: WindField, *, start: float, hours: float
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The steering summary (`SteeringAssessment.summary`, the reachable regions without their
    polygons, which are in the map layers) and its map layers (``reach``,
    ``reach_wind90``, ``reach_start``, ``reach_sites``, ``motion_passive``,
    ``motion_schedule``); (None, []) with ``cfg.steering`` off or when the reports up to
    ``start`` (epoch s) have fewer than two positions a minute apart (nothing to explain). The reachable set runs ``min(cfg.steering_hours, hours)``."""
    from ..assess.steering import assess_steering

    obs = tracking.observations
    # only the reports up to the start go in (also for its count of reports)
    known = obs.take(obs.time <= start + 1e-6)
    if not cfg.steering or _report_times(known) < 2:
        return None, []
    steer = assess_steering(
        known,
        as_of=start,
        sites=cfg.sites,
        wind=wind,
        hours=max(min(cfg.steering_hours, hours), cfg.steering_every_h),
        every=cfg.steering_every_h,
        passive_members=cfg.steering_members,
        seed=cfg.seed,
    )
    feats = [_increasing(f) for f in steer.to_features()["features"]]
    summary = steer.summary()
    # the regions' polygons are map layers (``reach``, ``reach_wind90``); the summary keeps
    # their figures
    summary["reach"]["regions"] = [
        {k: v for k, v in r.items() if not k.startswith("geometry")}
        for r in summary["reach"]["regions"]
    ]
    return summary, feats


def _report_times(obs: Any) -> int:
    """Report times of the positional reports as `track.motion` counts them (reports within a
    minute of a group's first are one moment); it needs two."""
    t = np.sort(np.asarray(obs.time, dtype=np.float64)[np.asarray(obs.positional, dtype=bool)])
    groups = 0
    first = -np.inf
    for ti in t:
        if ti - first > 60.0:
            groups, first = groups + 1, float(ti)
    return groups


def _increasing(feature: dict[str, Any]) -> dict[str, Any]:
    """A timed LineString with the repeated vertex at each piece boundary dropped (the motion
    fits repeat it), so its times increase as CZML's sampled positions need."""
    props = feature["properties"]
    times = props.get("times")
    geom = feature["geometry"]
    if not times or geom.get("type") != "LineString" or len(times) != len(geom["coordinates"]):
        return feature
    keep = [0] + [i for i in range(1, len(times)) if times[i] > times[i - 1]]
    if len(keep) == len(times):
        return feature
    coords = geom["coordinates"]
    return {
        **feature,
        "geometry": {**geom, "coordinates": [coords[i] for i in keep]},
        "properties": {**props, "times": [times[i] for i in keep]},
    }


def hindsight_motion(cfg: DemoConfig, tracking: Any, wind: WindField) -> dict[str, Any] | None:
    """HINDSIGHT: the whole path (every report, those after the forecast start included)
    explained as passive drift or not (`track.motion.explain_motion`): a ``line`` and the
    explanation's summary; None with ``cfg.steering`` off or fewer than two positions a minute
    apart."""
    from ..track.motion import explain_motion

    obs = tracking.observations
    if not cfg.steering or _report_times(obs) < 2:
        return None
    mo = explain_motion(obs, wind, seed=cfg.seed)
    summary = mo.summary()
    first, last = iso(float(obs.time.min())), iso(float(obs.time.max()))
    line = (
        f"the whole path, {first[5:16].replace('T', ' ')}Z to {last[5:16].replace('T', ' ')}Z "
        f"({mo.n_reports} report times): {mo.headline}"
    )
    return {"line": line, **summary}
