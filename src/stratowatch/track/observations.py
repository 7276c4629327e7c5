"""The observation model now lives in `stratowatch.core.observations`; re-exported here so
``from stratowatch.track.observations import Observations`` keeps working."""

from __future__ import annotations

from ..core.observations import (
    KINDS,
    LATE_NOTE,
    REPEAT_WINDOW,
    ObservationKind,
    Observations,
    Repeat,
    RepeatRule,
    make_observations,
)

__all__ = [
    "Observations",
    "ObservationKind",
    "KINDS",
    "Repeat",
    "RepeatRule",
    "REPEAT_WINDOW",
    "LATE_NOTE",
    "make_observations",
]
