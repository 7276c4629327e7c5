r"""Motion models and stages: small frozen dataclasses the compiled integrator understands.

Each model states how a parcel moves vertically (horizontally every balloon model moves with the
wind; the ballistic model integrates its own velocity). A `Stage` pairs a model with its
terminators; a profile is a tuple of stages run in order (the vocabulary of Tawhiri,
[TAWHIRI]_). Models are data (repr-able, picklable), not closures; `rate(t, alt)` evaluates a
balloon model's vertical speed on arrays, for documentation and tests, with the same formulas
the compiled kernel uses (`flight.kernel._vrate`).

Models
------
- `Float`: constant altitude, optionally :math:`h = h_0 + A \sin(2\pi (t - t_0)/P)`; an
  isobaric float at pressure p flies at the US1976 altitude of p (`Float.isobaric`).
- `Ascent`: constant ascent rate (amateur balloons and radiosondes).
- `ParachuteDescent`: :math:`v = v_{sl}(\rho_0/\rho(h))^k`; k = 1/2 is the standard
  balloon-predictor model (a drag descent at constant :math:`C_D A`) [TAWHIRI]_, [USSA1976]_;
  another k describes a canopy whose drag area or coefficient changes with the dynamic
  pressure or Reynolds number (several RS41 radiosonde descents follow k ~ 0.3-0.4,
  ``docs/calibration.md``).
- `DragDescent`: quasi-steady drag :math:`v = \sqrt{2 m g(h) / (\rho(h) C_D A)}`.
- `Ballistic`: full 3-D fall with drag relative to the moving air (`flight.kernel`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..atmosphere.standard import RHO0, altitude_from_pressure, density
from ..errors import ConfigError
from .kernel import KIND_ASCENT, KIND_BALLISTIC, KIND_DESCENT, KIND_DRAG, KIND_FLOAT

__all__ = [
    "Float",
    "Ascent",
    "ParachuteDescent",
    "DragDescent",
    "Ballistic",
    "Model",
    "Stage",
    "terminal_velocity",
]

FloatArray = npt.NDArray[np.float64]
_G0 = 9.80665


def _positive(name: str, value: float, unit: str) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise ConfigError(f"{name} must be a positive number of {unit}, got {value!r}")
    return v


def terminal_velocity(beta: npt.ArrayLike, alt: npt.ArrayLike) -> FloatArray:
    r"""Terminal fall speed (m/s) :math:`v_t = \sqrt{2 \beta g / \rho(h)}` of a body with
    ballistic coefficient ``beta`` (kg/m2) at altitude ``alt`` (m) [USSA1976]_."""
    b = np.asarray(beta, dtype=np.float64)
    return np.asarray(np.sqrt(2.0 * b * _G0 / density(alt)))


@dataclass(frozen=True)
class Float:
    """Float at the altitude the stage starts at, optionally oscillating.

    amplitude : m (0: none); period : s of the oscillation.
    """

    amplitude: float = 0.0
    period: float = 0.0

    kind = KIND_FLOAT

    def __post_init__(self) -> None:
        if self.amplitude != 0.0:
            _positive("oscillation period", self.period, "seconds")

    @staticmethod
    def isobaric(pressure_pa: float) -> float:
        """Altitude (m) of an isobaric float at ``pressure_pa`` in the US1976 atmosphere."""
        return float(altitude_from_pressure(_positive("float pressure", pressure_pa, "Pa")))

    def params(self) -> tuple[float, float, float, float]:
        return (self.amplitude, self.period, 0.0, 0.0)

    def rate(self, t: npt.ArrayLike, alt: npt.ArrayLike, t_stage: float = 0.0) -> FloatArray:
        """Vertical speed (m/s) at times ``t`` (s) after a stage start ``t_stage``."""
        tt = np.asarray(t, dtype=np.float64)
        if self.amplitude == 0.0:
            return np.zeros(np.broadcast_shapes(tt.shape, np.shape(alt)))
        om = 2.0 * math.pi / self.period
        return np.asarray(self.amplitude * om * np.cos(om * (tt - t_stage)) + 0.0 * np.asarray(alt))


@dataclass(frozen=True)
class Ascent:
    """Constant ascent at ``rate`` m/s."""

    rate_m_s: float = 5.0

    kind = KIND_ASCENT

    def __post_init__(self) -> None:
        _positive("ascent rate", self.rate_m_s, "m/s")

    def params(self) -> tuple[float, float, float, float]:
        return (self.rate_m_s, 0.0, 0.0, 0.0)

    def rate(self, t: npt.ArrayLike, alt: npt.ArrayLike, t_stage: float = 0.0) -> FloatArray:
        return np.full(np.broadcast_shapes(np.shape(t), np.shape(alt)), self.rate_m_s)


@dataclass(frozen=True)
class ParachuteDescent:
    r"""Parachute descent with sea-level rate ``sea_level_rate`` (m/s, positive down) and
    density exponent ``exponent`` k: :math:`-w = v_{sl} (\rho_0 / \rho(h))^k` (default 1/2,
    the drag law at constant :math:`C_D A`; 0 < k <= 1.5)."""

    sea_level_rate: float = 5.0
    exponent: float = 0.5

    kind = KIND_DESCENT

    def __post_init__(self) -> None:
        _positive("descent rate", self.sea_level_rate, "m/s")
        k = float(self.exponent)
        if not (math.isfinite(k) and 0.0 < k <= 1.5):
            raise ConfigError(
                f"descent exponent must be in (0, 1.5] (0.5: the parachute drag law), got "
                f"{self.exponent!r}"
            )

    def params(self) -> tuple[float, float, float, float]:
        return (self.sea_level_rate, self.exponent, 0.0, 0.0)

    def rate(self, t: npt.ArrayLike, alt: npt.ArrayLike, t_stage: float = 0.0) -> FloatArray:
        a = np.asarray(alt, dtype=np.float64)
        r = -self.sea_level_rate * (RHO0 / density(a)) ** self.exponent
        return np.asarray(np.broadcast_to(r, np.broadcast_shapes(np.shape(t), a.shape)))


@dataclass(frozen=True)
class DragDescent:
    """Quasi-steady drag descent of a body of ``mass`` (kg), drag coefficient ``cd`` and
    reference area ``area`` (m2), i.e. ballistic coefficient beta = m / (Cd A)."""

    mass: float
    cd: float
    area: float

    kind = KIND_DRAG

    def __post_init__(self) -> None:
        _positive("mass", self.mass, "kg")
        _positive("drag coefficient", self.cd, "(dimensionless)")
        _positive("area", self.area, "m2")

    @property
    def beta(self) -> float:
        return self.mass / (self.cd * self.area)

    def params(self) -> tuple[float, float, float, float]:
        return (self.beta, 0.0, 0.0, 0.0)

    def rate(self, t: npt.ArrayLike, alt: npt.ArrayLike, t_stage: float = 0.0) -> FloatArray:
        a = np.asarray(alt, dtype=np.float64)
        r = -terminal_velocity(self.beta, a)
        return np.asarray(np.broadcast_to(r, np.broadcast_shapes(np.shape(t), a.shape)))


@dataclass(frozen=True)
class Ballistic:
    """Ballistic fall of a body with ballistic coefficient ``beta`` = m / (Cd A) (kg/m2)."""

    beta: float

    kind = KIND_BALLISTIC

    def __post_init__(self) -> None:
        _positive("ballistic coefficient beta", self.beta, "kg/m2")

    def params(self) -> tuple[float, float, float, float]:
        return (self.beta, 0.0, 0.0, 0.0)


Model = Float | Ascent | ParachuteDescent | DragDescent | Ballistic


@dataclass(frozen=True)
class Stage:
    """A model run until a terminator: ``until_above`` (alt >= m), ``until_below`` (alt <= m),
    ``until_ground`` (alt <= the terrain under the parcel, `integrate`'s ``ground``); the run's
    duration and the wind domain end every stage. ``dt_max`` (s) and ``dz_max`` (m) bound the
    step."""

    model: Model
    until_above: float | None = None
    until_below: float | None = None
    until_ground: bool = False
    dt_max: float = 300.0
    dz_max: float = 200.0

    def __post_init__(self) -> None:
        _positive("dt_max", self.dt_max, "seconds")
        _positive("dz_max", self.dz_max, "metres")
