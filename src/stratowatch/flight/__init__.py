"""Flight models, stages and the compiled integrator (see `flight.kernel`)."""

from __future__ import annotations

from .ballistic import FallResult, fall
from .integrate import RunResult, integrate
from .models import (
    Ascent,
    Ballistic,
    DragDescent,
    Float,
    ParachuteDescent,
    Stage,
    terminal_velocity,
)

__all__ = [
    "Ascent",
    "Ballistic",
    "DragDescent",
    "FallResult",
    "Float",
    "ParachuteDescent",
    "RunResult",
    "Stage",
    "fall",
    "integrate",
    "terminal_velocity",
]
