"""Core data types shared by every layer: observations, tracks.

This package imports nothing of stratowatch above `errors` and `timeutil`, so any layer may use
its types without creating an import cycle (see docs/architecture.md).
"""

from __future__ import annotations

from .observations import Observations, make_observations
from .track import AltitudeEstimate, SmootherData, Track, TrackEstimate, TrackHistory

__all__ = [
    "AltitudeEstimate",
    "Observations",
    "SmootherData",
    "Track",
    "TrackEstimate",
    "TrackHistory",
    "make_observations",
]
