"""Tracking: observations of every kind into tracks, multi-object association, "same object?"."""

from __future__ import annotations

from .observations import Observations, make_observations
from .same_object import (
    Ensemble,
    SameObjectVerdict,
    WindSamples,
    propagate,
    same_object,
    same_track,
    track_wind,
)
from .smoother import SmootherData, smooth_track
from .tracker import (
    AltitudeEstimate,
    Decision,
    Track,
    TrackerConfig,
    TrackingResult,
    track_observations,
)
from .triangulate import Triangulation, triangulate

__all__ = [
    "Observations",
    "make_observations",
    "AltitudeEstimate",
    "Decision",
    "Track",
    "TrackerConfig",
    "TrackingResult",
    "track_observations",
    "SmootherData",
    "smooth_track",
    "Triangulation",
    "triangulate",
    "Ensemble",
    "SameObjectVerdict",
    "WindSamples",
    "propagate",
    "same_object",
    "same_track",
    "track_wind",
]
