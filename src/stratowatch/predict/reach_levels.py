"""Pieces of `reachable_set` shared with `track.motion`: the wind error model of a source, the
altitude levels of a band and each level's wind-driven endpoints (compiled integrator)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
from scipy.special import erf

from ..atmosphere.perturb import PerturbedWind
from ..atmosphere.uncertainty import uncertainty_of
from ..atmosphere.wind import WindField
from ..errors import ConfigError
from ..flight.integrate import integrate
from ..flight.models import Float, Stage
from ..flight.windargs import KernelWind
from .regions import wrap180

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- wind error
@dataclass(frozen=True)
class WindError:
    """A wind source's error as seen by a drifting balloon.

    sigma : m/s, RMS error of each wind component; length_m, time_s : its Gaussian
    correlation scales in space (m) and time (s); basis : where the numbers come from.
    """

    sigma: float
    length_m: float
    time_s: float
    basis: str

    def lagrangian_time(self, speed: float) -> float:
        r"""Correlation time (s) of the error along a path at ``speed`` (m/s):
        :math:`T_L = (T^{-2} + (U/L)^{-2})^{-1/2}` for the Gaussian space-time covariance of
        `atmosphere.perturb`."""
        u = max(float(speed), 0.0)
        return 1.0 / math.sqrt(1.0 / self.time_s**2 + (u / self.length_m) ** 2)

    def displacement_sigma(self, duration_s: npt.ArrayLike, speed: float) -> FloatArray:
        r"""RMS position error (m, per component) after ``duration_s`` of drift with this wind
        error: :math:`\sigma^2 \int_0^\Delta\!\int_0^\Delta e^{-(t-t')^2/2T_L^2} dt\,dt' =
        2\sigma^2 T_L^2 [\frac{\Delta}{T_L}\sqrt{\pi/2}\,\mathrm{erf}(\frac{\Delta}{\sqrt 2
        T_L}) + e^{-\Delta^2/2T_L^2} - 1]` [Stohl1998]_."""
        d = np.abs(np.asarray(duration_s, dtype=np.float64))
        tl = self.lagrangian_time(speed)
        x = d / tl
        var = (
            2.0
            * self.sigma**2
            * tl**2
            * (x * math.sqrt(math.pi / 2.0) * erf(x / math.sqrt(2.0)) + np.exp(-0.5 * x * x) - 1.0)
        )
        return np.asarray(np.sqrt(np.maximum(var, 0.0)))

    def describe(self) -> dict[str, Any]:
        return {
            "sigma_m_s": round(self.sigma, 3),
            "length_km": round(self.length_m / 1e3, 1),
            "time_h": round(self.time_s / 3600.0, 2),
            "basis": self.basis,
        }


def wind_error_for(
    wind: WindField,
    *,
    time: float,
    lat: float,
    lon: float,
    alt: float,
    sigma: float | None = None,
) -> WindError:
    """The wind error a drifting balloon sees at (time, lat, lon, alt) with ``wind``.

    The source's own error model (`atmosphere.uncertainty.uncertainty_of`: measured for the
    climatology, growing with lead for forecasts, with distance and time for soundings; a
    `PerturbedWind`'s own), as the RMS of its u and v sigmas at the point, with its
    correlation scales; an explicit ``sigma`` (m/s per component) replaces the sigma and keeps
    the scales.
    """
    model = wind.uncertainty if isinstance(wind, PerturbedWind) else uncertainty_of(wind)
    if sigma is not None:
        s = float(sigma)
        if not (math.isfinite(s) and s >= 0.0):
            raise ConfigError(f"wind sigma must be a finite number >= 0 m/s, got {sigma!r}")
        return WindError(s, model.length_m, model.time_s, f"given: {s:g} m/s per component")
    su, sv = model.sigma(time, lat, lon, alt)
    s = math.sqrt(0.5 * (float(su) ** 2 + float(sv) ** 2))
    return WindError(s, float(model.length_m), float(model.time_s), str(model.basis))


# --------------------------------------------------------------------------- levels, flows
def altitude_levels(band: Sequence[float], *, dz: float = 500.0) -> FloatArray:
    """Altitudes (m) spanning ``band`` = (low, high) every ``dz`` m at most, ends included."""
    if len(band) != 2:
        raise ConfigError(f"an altitude band is (low, high) in metres, got {band!r}")
    lo, hi = (float(b) for b in band)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0.0 or hi > 60_000.0 or hi < lo:
        raise ConfigError(
            f"altitude band {lo:g}..{hi:g} m is not a band: expected 0 <= low <= high <= 60000 m"
        )
    if not (math.isfinite(dz) and dz > 0.0):
        raise ConfigError(f"level spacing dz must be > 0 m, got {dz!r}")
    n = max(int(math.ceil((hi - lo) / dz - 1e-9)), 0) + 1
    return np.linspace(lo, hi, n) if n > 1 else np.array([lo])


@contextmanager
def _kernel_threads(work: float) -> Iterator[None]:
    """Run small integrations on one thread: waking the thread pool costs ~10 ms on a loaded
    machine, more than a few thousand member-steps take (docs/reachability.md)."""
    n0 = numba.get_num_threads()
    if work < 300_000 and n0 > 1:
        numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(n0)
    else:
        yield


def level_endpoints(
    wind: KernelWind,
    time: float,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    levels: FloatArray,
    duration: float,
    *,
    dt_max: float = 1800.0,
    backward: bool = False,
) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """Where points (lat, lon) drift in ``duration`` s at each constant altitude of ``levels``.

    Runs the compiled integrator (`flight.integrate`) with one float member per point and
    level. Returns end latitude and longitude, each (n, len(levels)), and the run's warnings.
    """
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    n = la.size
    nl = levels.size
    with _kernel_threads(n * nl * max(duration / dt_max, 1.0)):
        r = integrate(
            [Stage(Float(), dt_max=dt_max)],
            wind,
            float(time),
            np.repeat(la, nl),
            np.repeat(lo, nl),
            np.tile(levels, n),
            duration=float(duration),
            backward=backward,
            keep_paths=False,
        )
    return r.end_lat.reshape(n, nl), wrap180(r.end_lon).reshape(n, nl), r.warnings
