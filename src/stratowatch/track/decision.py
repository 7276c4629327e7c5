"""What the tracker decided per report (`Decision`) and what it returns (`TrackingResult`)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.observations import Observations
from ..core.track import Track
from ..timeutil import iso, to_epoch
from .config import TrackerConfig
from .likelihood import clip_probability, probability_relation

__all__ = ["Decision", "TrackingResult", "STATUSES"]

#: a track's status: ``confirmed`` (reached ``confirm_hits`` updates: a real object, whether or
#: not it ended later), ``tentative`` (not confirmed, still live at the end of the data),
#: ``deleted`` (ended before it was confirmed: clutter or a one-off report)
STATUSES = ("confirmed", "tentative", "deleted")


@dataclass(frozen=True)
class Decision:
    """What the tracker did with one observation and why.

    ``action``: "update", "new track" or "skipped"; ``track_id``: the track updated or
    started; ``p_track``: probability that the report belongs to the track it updated;
    ``best_track``/``best_p``: the most probable existing track (for a new track: the one it
    is not); ``distance_km``/``nsigma``: distance to that track's prediction, in km and in
    standard deviations; ``gated``: inside that track's gate; ``reason`` (new tracks): why no
    track took it (``no track``, ``outside gate``: outside every live track's gate,
    ``refused``: its Gaussian likelihood under every gated track is below the new-object
    density, ``taken``: the tracks it fits took other reports of this scan); ``note``: a full
    explanation for special cases (sightings, radar).
    """

    obs_index: int
    time: float
    kind: str
    source: str
    action: str
    track_id: int | None
    p_track: float | None
    p_new: float
    best_track: int | None = None
    best_p: float | None = None
    distance_km: float | None = None
    nsigma: float | None = None
    gated: bool = True
    note: str = ""
    reason: str = ""

    @property
    def explanation(self) -> str:
        """One plain-language sentence whose words agree with its numbers: "is track k" only
        with p(track k) >= 0.5, "is a different object" only with p(new) >= 0.5."""
        head = f"{self.kind} {iso(self.time)} from {self.source}"
        if self.note:
            return f"{head} {self.note}"
        fp = probability_relation
        where = ""
        if self.distance_km is not None and self.nsigma is not None:
            where = f" ({self.distance_km:.1f} km from its prediction, {self.nsigma:.1f} sigma)"
        if self.action == "update":
            p = self.p_track if self.p_track is not None else math.nan
            if p >= 0.5:
                return (
                    f"{head} is track {self.track_id}: p(same) {fp(p)}, "
                    f"p(new) {fp(self.p_new)}{where}"
                )
            return (
                f"{head} was assigned to track {self.track_id} (the best joint assignment of "
                f"its scan) although p(same as track {self.track_id}) {fp(p)} only, "
                f"p(new) {fp(self.p_new)}{where}"
            )
        if self.best_track is None:
            return f"{head}: no existing track; new track {self.track_id}"
        k = self.best_track
        pb = self.best_p if self.best_p is not None else 0.0
        if pb >= 0.5:
            verdict = f"probably track {k} (p(same) {fp(pb)}, p(new) {fp(self.p_new)})"
        elif self.p_new >= 0.5:
            what = "a different object" if self.p_new >= 0.95 else "probably a different object"
            verdict = f"{what}: p(same as track {k}) {fp(pb)}, p(new) {fp(self.p_new)}"
        else:
            verdict = (
                f"ambiguous (cannot tell): p(same as track {k}, the most likely) {fp(pb)}, "
                f"p(new) {fp(self.p_new)}"
            )
        why = {
            "outside gate": f"outside track {k}'s gate",
            "refused": f"the filter's Gaussian likelihood under track {k} is below the "
            "new-object density",
            "taken": f"track {k} took another report of this scan",
        }.get(self.reason, "")
        kept = "; not used to update it" if pb >= 0.5 else ""
        return (
            f"{head} is {verdict}{where}{kept}; {why + '; ' if why else ''}"
            f"new track {self.track_id}"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "obs": self.obs_index,
            "time": iso(self.time),
            "kind": self.kind,
            "source": self.source,
            "action": self.action,
            "track_id": self.track_id,
            "p_same": None if self.p_track is None else clip_probability(self.p_track),
            "p_new": clip_probability(self.p_new),
            "best_track": self.best_track,
            "best_p_same": None if self.best_p is None else clip_probability(self.best_p),
            "reason": self.reason or None,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, eq=False)
class TrackingResult:
    """Tracks, the per-observation decisions, the input observations and their issues."""

    tracks: tuple[Track, ...]
    observations: Observations
    decisions: tuple[Decision, ...]
    wind_source: str
    config: TrackerConfig

    def track(self, track_id: int) -> Track:
        for t in self.tracks:
            if t.track_id == track_id:
                return t
        raise KeyError(track_id)

    @property
    def confirmed(self) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.n_updates >= self.config.confirm_hits)

    def as_of(self, t: float | str) -> TrackingResult:
        """The result as it stood at time ``t``: the observations up to ``t``, the decisions
        about them, and every track started by then cut at ``t`` (`Track.as_of`). The same as
        `track_observations` on the observations up to ``t`` (``as_of=t``)."""
        when = to_epoch(t)
        n = int(np.searchsorted(self.observations.time, when, side="right"))
        return dataclasses.replace(
            self,
            tracks=tuple(tr.as_of(when) for tr in self.tracks if tr.time[0] <= when),
            observations=self.observations.take(np.arange(n)),
            decisions=tuple(d for d in self.decisions if d.obs_index < n),
        )
