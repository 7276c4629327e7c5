"""Ensemble predictions (forward and backward), regions, and hindcast verification."""

from __future__ import annotations

from .core import Prediction, Profile, predict

__all__ = ["Prediction", "Profile", "predict"]
