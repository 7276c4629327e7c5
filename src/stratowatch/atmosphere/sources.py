"""Choose a wind source by name or path: ``calm``, ``climatology``, or a file.

(The wind-sources work extends this registry; until then only ``calm`` is known.)
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .wind import CalmWind, WindField

__all__ = ["open_wind"]


def open_wind(spec: str | Path | WindField) -> WindField:
    """A `WindField` from ``calm``, ``climatology``, a file path, or an existing field."""
    if not isinstance(spec, str | Path):
        return spec
    if str(spec) == "calm":
        return CalmWind()
    raise InputError(
        "unknown wind source", value=str(spec), expected="calm, climatology or a wind file"
    )
