"""Atmosphere: the standard atmosphere and every wind source behind one `WindField` protocol."""

from __future__ import annotations

from .sources import open_wind
from .wind import CalmWind, GriddedWind, WindField, WindGrid, WindMeta

__all__ = ["open_wind", "CalmWind", "GriddedWind", "WindField", "WindGrid", "WindMeta"]
