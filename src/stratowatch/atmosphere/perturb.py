"""Perturbed wind ensembles: a base field plus spatially and temporally correlated errors.

Each member m adds to the base wind an error field built from random Fourier features
[RahimiRecht2007]_: K modes with 3-D wave vectors acting on the Earth-centred (ECEF) position,
so the field has no seam at the dateline or the poles,

.. math::

    \\delta u_m(\\mathbf{x}, t) = \\sigma \\sqrt{2/K} \\sum_{k=1}^{K}
        \\cos(\\mathbf{k}_{mk} \\cdot \\mathbf{x} + \\omega_{mk} t + \\phi^u_{mk}),

and the same for :math:`\\delta v_m` with independent phases :math:`\\phi^v_{mk}`, where
:math:`\\mathbf{k} \\sim N(0, I/L^2)`, :math:`\\omega \\sim N(0, 1/T^2)` and
:math:`\\phi \\sim U(0, 2\\pi)`. The expected covariance is then Gaussian,

.. math::

    E[\\delta u(\\mathbf{x}, t)\\, \\delta u(\\mathbf{x}', t')] =
        \\sigma^2 \\exp\\left(-\\frac{|\\mathbf{x}-\\mathbf{x}'|^2}{2L^2}
        - \\frac{(t-t')^2}{2T^2}\\right),

so the RMS error of each component is sigma and the correlation at a separation of L (or T) is
exp(-1/2) ~ 0.61. The u and v errors are uncorrelated in expectation.

Defaults (sigma = 3.5 m/s per component, L = 350 km, T = 10 h) sit near published statistics of
short-range forecast wind errors in the upper troposphere / lower stratosphere: Hollingsworth and
Lönnberg [HL1986]_ found wind prediction errors of a few m/s per component, horizontally
correlated over a few hundred km (synoptic scales) from radiosonde verification of ECMWF
forecasts; Stohl [Stohl1998]_ reviews how such wind errors of a few m/s dominate trajectory
errors. The 10 h time scale is our choice, of the order of the assimilation cycle (6-12 h) over
which forecast errors renew; change it (and sigma, L) to match the forecast in use.

The altitude enters only through the ECEF radius, so over 0..50 km the errors are practically
uniform in the vertical (a float at constant altitude does not see vertical decorrelation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from ..errors import ConfigError, InputError
from .wind import FloatArray, WindField, WindMeta, check_points

__all__ = ["PerturbedWind", "PerturbationModes", "perturbation_at", "perturbation_grid"]

EARTH_RADIUS = 6_371_008.8  # m, mean Earth radius (IUGG)


@dataclass(frozen=True, eq=False)
class PerturbationModes:
    """Mode arrays of the random Fourier features, one row per member.

    kx, ky, kz : (members, K) rad/m, wave vector in ECEF axes.
    omega : (members, K) rad/s.
    phase_u, phase_v : (members, K) rad.
    amp : (members,) m/s, ``sigma*sqrt(2/K)`` (0 for a control member).
    """

    kx: FloatArray
    ky: FloatArray
    kz: FloatArray
    omega: FloatArray
    phase_u: FloatArray
    phase_v: FloatArray
    amp: FloatArray

    def arrays(
        self,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """The trailing arguments of `perturbation_at` / `perturbation_grid`."""
        return (self.kx, self.ky, self.kz, self.omega, self.phase_u, self.phase_v, self.amp)


@njit(cache=True)
def perturbation_at(
    m: int,
    t: float,
    lat: float,
    lon: float,
    alt: float,
    kx: FloatArray,
    ky: FloatArray,
    kz: FloatArray,
    omega: FloatArray,
    phase_u: FloatArray,
    phase_v: FloatArray,
    amp: FloatArray,
) -> tuple[float, float]:
    """Wind error (du, dv) in m/s of member ``m`` at one point; compiled, for use in integrators.

    t epoch seconds, lat/lon degrees, alt metres above MSL; the mode arrays from
    `PerturbationModes.arrays()`.
    """
    r = EARTH_RADIUS + alt
    la = np.radians(lat)
    lo = np.radians(lon)
    cl = np.cos(la)
    x = r * cl * np.cos(lo)
    y = r * cl * np.sin(lo)
    z = r * np.sin(la)
    du = 0.0
    dv = 0.0
    for k in range(kx.shape[1]):
        arg = kx[m, k] * x + ky[m, k] * y + kz[m, k] * z + omega[m, k] * t
        du += np.cos(arg + phase_u[m, k])
        dv += np.cos(arg + phase_v[m, k])
    return amp[m] * du, amp[m] * dv


@njit(cache=True, parallel=True)
def perturbation_grid(
    member: npt.NDArray[np.int64],
    t: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    kx: FloatArray,
    ky: FloatArray,
    kz: FloatArray,
    omega: FloatArray,
    phase_u: FloatArray,
    phase_v: FloatArray,
    amp: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """`perturbation_at` over 1-D arrays of equal length, in parallel."""
    n = t.shape[0]
    du = np.empty(n)
    dv = np.empty(n)
    for i in prange(n):
        a, b = perturbation_at(
            member[i], t[i], lat[i], lon[i], alt[i], kx, ky, kz, omega, phase_u, phase_v, amp
        )
        du[i] = a
        dv[i] = b
    return du, dv


def _make_modes(
    members: int,
    n_modes: int,
    sigma: float,
    length_m: float,
    time_s: float,
    seed: int,
    control: bool,
) -> PerturbationModes:
    rng = np.random.default_rng(seed)
    shape = (members, n_modes)
    k = rng.normal(0.0, 1.0 / length_m, size=(3, *shape))
    omega = rng.normal(0.0, 1.0 / time_s, size=shape)
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(2, *shape))
    amp = np.full(members, sigma * np.sqrt(2.0 / n_modes))
    if control:
        amp[0] = 0.0
    return PerturbationModes(
        kx=np.ascontiguousarray(k[0]),
        ky=np.ascontiguousarray(k[1]),
        kz=np.ascontiguousarray(k[2]),
        omega=omega,
        phase_u=np.ascontiguousarray(phases[0]),
        phase_v=np.ascontiguousarray(phases[1]),
        amp=amp,
    )


class PerturbedWind:
    """An ensemble `WindField`: ``base`` wind plus member ``m``'s correlated random error.

    Parameters
    ----------
    base : the wind to perturb (any `WindField`).
    members : number of ensemble members (>= 1).
    sigma : m/s, RMS error of each wind component (default 3.5, [HL1986]_).
    length_m : m, correlation length L (default 350 km).
    time_s : s, correlation time T (default 10 h).
    seed : random seed; the same seed gives the same members.
    n_modes : Fourier modes per member K (default 48; the covariance converges as 1/K).
    control : member 0 unperturbed (the base wind) when true.

    ``uv(t, lat, lon, alt, member)``: ``member`` is an int array broadcastable to the points
    (default 0). Compiled integrators call the base grid's kernel and add
    ``perturbation_at(m, t, lat, lon, alt, *self.modes.arrays())``.
    """

    def __init__(
        self,
        base: WindField,
        *,
        members: int,
        sigma: float = 3.5,
        length_m: float = 350e3,
        time_s: float = 10 * 3600.0,
        seed: int = 0,
        n_modes: int = 48,
        control: bool = False,
    ) -> None:
        if members < 1:
            raise ConfigError(f"members must be >= 1, got {members}")
        if not (np.isfinite(sigma) and sigma >= 0.0):
            raise ConfigError(f"sigma must be a finite wind error >= 0 m/s, got {sigma}")
        if not (np.isfinite(length_m) and length_m > 0.0):
            raise ConfigError(f"length_m must be > 0 m, got {length_m}")
        if not (np.isfinite(time_s) and time_s > 0.0):
            raise ConfigError(f"time_s must be > 0 s, got {time_s}")
        if n_modes < 1:
            raise ConfigError(f"n_modes must be >= 1, got {n_modes}")
        self.base = base
        self.members = int(members)
        self.sigma = float(sigma)
        self.length_m = float(length_m)
        self.time_s = float(time_s)
        self.seed = int(seed)
        self.modes = _make_modes(
            self.members, int(n_modes), self.sigma, self.length_m, self.time_s, self.seed, control
        )
        b = base.meta
        note = (
            f"perturbed: sigma {self.sigma:g} m/s, L {self.length_m / 1e3:g} km, "
            f"T {self.time_s / 3600:g} h, seed {self.seed}"
        )
        self.meta = WindMeta(
            source=f"{b.source} + perturbations",
            kind="perturbed",
            time_start=b.time_start,
            time_end=b.time_end,
            alt_min=b.alt_min,
            alt_max=b.alt_max,
            lat_min=b.lat_min,
            lat_max=b.lat_max,
            lon_min=b.lon_min,
            lon_max=b.lon_max,
            grid_spacing_deg=b.grid_spacing_deg,
            time_step_s=b.time_step_s,
            members=self.members,
            warnings=(*b.warnings, note),
        )

    def __repr__(self) -> str:
        return (
            f"PerturbedWind({self.base!r}, members={self.members}, sigma={self.sigma}, "
            f"length_m={self.length_m}, time_s={self.time_s}, seed={self.seed})"
        )

    def perturbation(
        self,
        t: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike,
        member: npt.ArrayLike | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """The error (du, dv) alone, m/s, shaped like the broadcast points."""
        m_in = np.asarray(0 if member is None else member)
        shape = np.broadcast_shapes(
            np.shape(t), np.shape(lat), np.shape(lon), np.shape(alt), m_in.shape
        )
        tt, la, lo, al = check_points(
            np.broadcast_to(np.asarray(t, dtype=float), shape), lat, lon, alt
        )
        if not np.issubdtype(m_in.dtype, np.integer):
            if not (np.all(np.isfinite(m_in)) and np.all(np.asarray(m_in) == np.round(m_in))):
                raise InputError("member must be an integer", field="member", value=m_in)
        mm = np.ascontiguousarray(np.broadcast_to(m_in, shape).ravel().astype(np.int64))
        if mm.size and (mm.min() < 0 or mm.max() >= self.members):
            bad = int(mm[(mm < 0) | (mm >= self.members)][0])
            raise InputError(
                "ensemble member out of range",
                field="member",
                value=bad,
                expected=f"0 <= member < {self.members}",
            )
        du, dv = perturbation_grid(mm, tt, la, lo, al, *self.modes.arrays())
        return du.reshape(shape), dv.reshape(shape)

    def uv(
        self,
        t: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike,
        member: npt.ArrayLike | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        du, dv = self.perturbation(t, lat, lon, alt, member)
        shape = du.shape
        u, v = self.base.uv(
            np.broadcast_to(np.asarray(t, dtype=float), shape),
            np.broadcast_to(np.asarray(lat, dtype=float), shape),
            np.broadcast_to(np.asarray(lon, dtype=float), shape),
            np.broadcast_to(np.asarray(alt, dtype=float), shape),
        )
        return np.asarray(u) + du, np.asarray(v) + dv
