r"""Perturbed wind ensembles: a base field plus errors drawn from the source's error model.

Each member m adds to the base wind an error field built from random Fourier features
[RahimiRecht2007]_: K modes with wave vectors acting on the horizontal position (the unit
sphere scaled by the mean Earth radius, so no seam at the dateline or the poles), on the
altitude, and on time, multiplied by the source's RMS error :math:`\sigma(t, \phi, \lambda, h)`
(`atmosphere.uncertainty`):

.. math::

    \delta u_m(\mathbf{x}, h, t) = \sigma_u(t, \mathbf{x}, h) \sqrt{2/K} \sum_{k=1}^{K}
        \cos(\mathbf{k}_{mk} \cdot \mathbf{x} + \kappa_{mk} h + \omega_{mk} t + \phi^u_{mk}),

and the same for :math:`\delta v_m` with :math:`\sigma_v` and independent phases, where
:math:`\mathbf{k} \sim N(0, I/L^2)`, :math:`\kappa \sim N(0, 1/L_z^2)`,
:math:`\omega \sim N(0, 1/T^2)` and :math:`\phi \sim U(0, 2\pi)`. The unit field has the
Gaussian covariance

.. math::

    \exp\left(-\frac{|\mathbf{x}-\mathbf{x}'|^2}{2L^2} - \frac{(h-h')^2}{2L_z^2}
        - \frac{(t-t')^2}{2T^2}\right),

so the error of each component has RMS sigma at every point, is correlated over L
horizontally, :math:`L_z` vertically and T in time (correlation exp(-1/2) ~ 0.61 at one
scale), and the u and v errors are uncorrelated. A variance that changes from place to place
times a stationary correlation is a valid (positive definite) covariance.

The scales come with the error model: the climatology's are measured on real data (L ~ 600 km,
:math:`L_z` ~ 8 km); forecast errors are smaller-scale (L = 400 km, [HL1986]_, and correlated
over a few km in the vertical, with a phase reversal across the tropopause [HL1986]_; we use
:math:`L_z` = 3 km); soundings' representativeness errors are mesoscale (L = 150 km,
:math:`L_z` = 1 km). See ``docs/uncertainty.md``.

A model with heavy tails (``tail_dof`` :math:`\nu` finite, measured for flight-measured profiles)
multiplies member m's whole field by :math:`s_m = \sqrt{(\nu - 2)/\chi^2_\nu}` (its own
member-keyed draw): a Gaussian scale mixture whose marginal is Student-t with the same RMS
[AndrewsMallows1974]_.

Members are seeded by their index: member m's modes come from a counter-based stream keyed by
(seed, m) (SplitMix64 [Steele2014]_ on a key hashed from the seed by numpy's `SeedSequence`), so
members [a, b) computed alone equal those members of the full ensemble, whatever the chunking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from ..errors import ConfigError, InputError
from ..geo.geodesy import EARTH_RADIUS
from ..threads import serial_below
from .uncertainty import (
    WindUncertainty,
    constant_uncertainty,
    sigma_sc,
    tail_scale,
    uncertainty_of,
)
from .wind import FloatArray, WindField, WindMeta, check_points

__all__ = [
    "PerturbedWind",
    "PerturbationModes",
    "perturbation_at",
    "perturbation_grid",
    "member_normals",
    "member_uniforms",
    "seed_key",
    "fast_sincos",
]

# ------------------------------------------------------------------ member-keyed random numbers
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV_2_53 = 1.0 / 9007199254740992.0


def seed_key(seed: int, stream: int) -> int:
    """A 64-bit key for (``seed``, ``stream``), hashed by numpy's `SeedSequence`."""
    if isinstance(seed, bool) or int(seed) != seed:
        raise ConfigError(f"seed must be an integer, got {seed!r}")
    ss = np.random.SeedSequence(entropy=abs(int(seed)), spawn_key=(int(seed) < 0, int(stream)))
    return int(ss.generate_state(1, np.uint64)[0])


_INV_2PI = 1.0 / (2.0 * math.pi)
_2PI = 2.0 * math.pi


@njit(cache=True, fastmath=True, inline="always")
def fast_sincos(a: float) -> tuple[float, float]:
    """sin and cos by reduction to [-pi, pi] and Taylor polynomials (degree 19 / 18; error
    < 4e-9): branch-free, so loops over modes vectorize (SIMD) where libm calls do not, and
    about 4x cheaper than the two libm calls even where they do not (the Box-Muller draws)."""
    r = a - _2PI * math.floor(a * _INV_2PI + 0.5)
    r2 = r * r
    c = -1.5619206968586225e-16
    c = c * r2 + 4.779477332387385e-14
    c = c * r2 + -1.1470745597729725e-11
    c = c * r2 + 2.08767569878681e-09
    c = c * r2 + -2.755731922398589e-07
    c = c * r2 + 2.48015873015873e-05
    c = c * r2 + -0.001388888888888889
    c = c * r2 + 0.041666666666666664
    c = c * r2 + -0.5
    c = c * r2 + 1.0
    sn = -8.22063524662433e-18
    sn = sn * r2 + 2.8114572543455206e-15
    sn = sn * r2 + -7.647163731819816e-13
    sn = sn * r2 + 1.6059043836821613e-10
    sn = sn * r2 + -2.505210838544172e-08
    sn = sn * r2 + 2.7557319223985893e-06
    sn = sn * r2 + -0.0001984126984126984
    sn = sn * r2 + 0.008333333333333333
    sn = sn * r2 + -0.16666666666666666
    sn = sn * r2 + 1.0
    sn = sn * r
    return sn, c


@njit(cache=True, inline="always")
def _mix64(z: np.uint64) -> np.uint64:
    """SplitMix64's output function [Steele2014]_."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, parallel=True)
def _member_uniforms(key: np.uint64, first: int, count: int, n: int) -> FloatArray:
    out = np.empty((count, n))
    for i in prange(count):
        state = _mix64(key ^ _mix64(np.uint64(first + i) * _GOLDEN + _GOLDEN))
        for j in range(n):
            state = state + _GOLDEN
            out[i, j] = float(_mix64(state) >> np.uint64(11)) * _INV_2_53
    return out


def member_uniforms(seed: int, stream: int, first: int, count: int, n: int) -> FloatArray:
    """(count, n) uniforms in [0, 1) for members ``first`` .. ``first + count - 1``: row i
    depends only on (seed, stream, first + i), never on how the members are chunked."""
    if first < 0 or count < 0 or n < 0:
        raise ConfigError("member range and draw count must be >= 0")
    with serial_below(count * n, 65536):  # ~10 ns a draw
        return _member_uniforms(np.uint64(seed_key(seed, stream)), int(first), int(count), int(n))


@njit(cache=True, inline="always")
def _fill_normals(key: np.uint64, member: int, out: FloatArray) -> None:
    """Member ``member``'s standard normal deviates (Box-Muller) into the 1-D ``out``."""
    n = out.shape[0]
    state = _mix64(key ^ _mix64(np.uint64(member) * _GOLDEN + _GOLDEN))
    for j in range(0, n, 2):
        state = state + _GOLDEN
        u1 = float(_mix64(state) >> np.uint64(11)) * _INV_2_53
        state = state + _GOLDEN
        u2 = float(_mix64(state) >> np.uint64(11)) * _INV_2_53
        r = math.sqrt(-2.0 * math.log(1.0 - u1))  # 1 - u1 in (0, 1]
        out[j] = r * math.cos(2.0 * math.pi * u2)
        if j + 1 < n:
            out[j + 1] = r * math.sin(2.0 * math.pi * u2)


@njit(cache=True, parallel=True)
def _member_normals(key: np.uint64, first: int, count: int, n: int) -> FloatArray:
    out = np.empty((count, n))
    for i in prange(count):
        _fill_normals(key, first + i, out[i])
    return out


def member_normals(seed: int, stream: int, first: int, count: int, n: int) -> FloatArray:
    """(count, n) standard normal deviates per member (Box-Muller), keyed like
    `member_uniforms`."""
    if first < 0 or count < 0 or n < 0:
        raise ConfigError("member range and draw count must be >= 0")
    with serial_below(count * n, 65536):  # ~25 ns a draw
        return _member_normals(np.uint64(seed_key(seed, stream)), int(first), int(count), int(n))


# ------------------------------------------------------------------ modes and their sums
@dataclass(frozen=True, eq=False)
class PerturbationModes:
    """Mode arrays of the random Fourier features, one row per member.

    kx, ky, kz : (members, K) rad/m, horizontal wave vector in ECEF axes (acting on the
        position on the sphere of the mean Earth radius).
    kr : (members, K) rad/m, vertical wavenumber (acting on the altitude).
    omega : (members, K) rad/s.
    phase_u, phase_v : (members, K) rad.
    amp : (members,) ``sqrt(2/K)`` (0 for a control member); the field is multiplied by the
        error model's sigma at each point.
    phase_trig : (4, members, K) cos phase_u, sin phase_u, cos phase_v, sin phase_v (what the
        compiled integrator sums with), or None (computed by `trig` when asked).
    """

    kx: FloatArray
    ky: FloatArray
    kz: FloatArray
    kr: FloatArray
    omega: FloatArray
    phase_u: FloatArray
    phase_v: FloatArray
    amp: FloatArray
    phase_trig: FloatArray | None = None

    def trig(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """cos and sin of the phases (u then v), as the compiled integrator takes them."""
        if self.phase_trig is not None:
            pt = self.phase_trig
            return pt[0], pt[1], pt[2], pt[3]
        return (
            np.cos(self.phase_u), np.sin(self.phase_u), np.cos(self.phase_v),
            np.sin(self.phase_v),
        )  # fmt: skip

    def arrays(
        self,
    ) -> tuple[
        FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
        FloatArray,
    ]:  # fmt: skip
        """The mode arguments of `perturbation_at` / `perturbation_grid` (before ``unc``)."""
        return (
            self.kx, self.ky, self.kz, self.kr, self.omega, self.phase_u, self.phase_v,
            self.amp,
        )  # fmt: skip


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
    kr: FloatArray,
    omega: FloatArray,
    phase_u: FloatArray,
    phase_v: FloatArray,
    amp: FloatArray,
    unc: tuple,
) -> tuple[float, float]:
    """Wind error (du, dv) in m/s of member ``m`` at one point; compiled, for integrators.

    t epoch seconds, lat/lon degrees, alt metres above MSL; the mode arrays from
    `PerturbationModes.arrays()` and ``unc`` from `WindUncertainty.kernel_args()`.
    """
    la = math.radians(lat)
    lo = math.radians(lon)
    sp = math.sin(la)
    cp = math.cos(la)
    sl = math.sin(lo)
    cl = math.cos(lo)
    x = EARTH_RADIUS * cp * cl
    y = EARTH_RADIUS * cp * sl
    z = EARTH_RADIUS * sp
    du = 0.0
    dv = 0.0
    for k in range(kx.shape[1]):
        arg = kx[m, k] * x + ky[m, k] * y + kz[m, k] * z + kr[m, k] * alt + omega[m, k] * t
        du += math.cos(arg + phase_u[m, k])
        dv += math.cos(arg + phase_v[m, k])
    su, sv = sigma_sc(t, sp, cp, sl, cl, alt, unc)
    return amp[m] * su * du, amp[m] * sv * dv


@njit(cache=True, parallel=True)
def _perturbation_grid(
    member: npt.NDArray[np.int64],
    t: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    kx: FloatArray,
    ky: FloatArray,
    kz: FloatArray,
    kr: FloatArray,
    omega: FloatArray,
    phase_u: FloatArray,
    phase_v: FloatArray,
    amp: FloatArray,
    u0: FloatArray, u1: FloatArray, u2: FloatArray, u3: FloatArray, u4: FloatArray,
    u5: FloatArray, u6: FloatArray, u7: FloatArray, u8: FloatArray,
) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    n = t.shape[0]
    du = np.empty(n)
    dv = np.empty(n)
    for i in prange(n):
        unc = (u0, u1, u2, u3, u4, u5, u6, u7, u8)
        a, b = perturbation_at(
            member[i], t[i], lat[i], lon[i], alt[i], kx, ky, kz, kr, omega, phase_u, phase_v,
            amp, unc,
        )  # fmt: skip
        du[i] = a
        dv[i] = b
    return du, dv


def perturbation_grid(
    member: npt.NDArray[np.int64],
    t: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    kx: FloatArray,
    ky: FloatArray,
    kz: FloatArray,
    kr: FloatArray,
    omega: FloatArray,
    phase_u: FloatArray,
    phase_v: FloatArray,
    amp: FloatArray,
    unc: tuple[FloatArray, ...],
) -> tuple[FloatArray, FloatArray]:
    """`perturbation_at` over 1-D arrays of equal length, in parallel (one thread below
    ~2 ms of work, `threads.serial_below`)."""
    with serial_below(t.shape[0], 8192):
        return _perturbation_grid(
            member, t, lat, lon, alt, kx, ky, kz, kr, omega, phase_u, phase_v, amp, *unc
        )


def _make_modes(
    first: int,
    members: int,
    n_modes: int,
    unc: WindUncertainty,
    seed: int,
    control: bool,
) -> PerturbationModes:
    """Modes of members ``first`` .. ``first + members - 1``, each from its own stream."""
    k = n_modes
    if first < 0 or members < 0:
        raise ConfigError("member range must be >= 0")
    # allocated here, filled by the compiled pass: numpy asks for huge pages on large arrays
    # (numba's allocator does not), a 100,000-member ensemble's modes are ~350 MB
    kx, ky, kz, kr, om, pu, pv = (np.empty((members, k)) for _ in range(7))
    trig = np.empty((4, members, k))
    with serial_below(members * k, 131072):  # ~45 ns a mode (one thread)
        _mode_arrays(
            np.uint64(seed_key(seed, 0)), np.uint64(seed_key(seed, 1)), int(first), int(k),
            float(unc.length_m), float(unc.vertical_m), float(unc.time_s), kx, ky, kz, kr, om,
            pu, pv, trig,
        )  # fmt: skip
    amp = np.full(members, math.sqrt(2.0 / k))
    if not math.isinf(unc.tail_dof):
        # heavy tails: a per-member amplitude of a Gaussian scale mixture, E[s^2] = 1 (its
        # own member-keyed stream, so the modes of a Gaussian model are unchanged)
        amp = amp * tail_scale(member_uniforms(seed, 3, first, members, 1)[:, 0], unc.tail_dof)
    if control and first == 0:
        amp[0] = 0.0
    return PerturbationModes(
        kx=kx, ky=ky, kz=kz, kr=kr, omega=om, phase_u=pu, phase_v=pv, amp=amp,
        phase_trig=trig,
    )  # fmt: skip


@njit(cache=True, parallel=True)
def _mode_arrays(
    key_z: np.uint64,
    key_ph: np.uint64,
    first: int,
    k: int,
    length_m: float,
    vertical_m: float,
    time_s: float,
    kx: FloatArray,
    ky: FloatArray,
    kz: FloatArray,
    kr: FloatArray,
    om: FloatArray,
    pu: FloatArray,
    pv: FloatArray,
    trig: FloatArray,
) -> None:
    """Fill the modes of members ``first .. first + count - 1`` (``count`` = the rows of the
    (count, k) arrays) in one parallel pass: row i of ``_member_normals(key_z, ..., 5 k)``
    split into kx, ky, kz (/ length_m), kr (/ vertical_m), omega (/ time_s), the phases
    2 pi ``_member_uniforms(key_ph, ..., 2 k)`` (u then v) and their cosines and sines
    (4, count, k): the same numbers as drawing the two matrices and slicing them, without
    the matrices.

    Each output is filled by its own branch-free loop whose counter state is computed from
    the index (``base + (j + 1) * golden``, what adding ``golden`` j + 1 times gives modulo
    2**64), so the compiler vectorizes them (SIMD); the arithmetic of every element is the
    same, so are the values."""
    count = kx.shape[0]
    n = 5 * k
    for i in prange(count):
        z = np.empty(n)
        _fill_normals(key_z, first + i, z)
        for j in range(k):
            kx[i, j] = z[j] / length_m
        for j in range(k):
            ky[i, j] = z[k + j] / length_m
        for j in range(k):
            kz[i, j] = z[2 * k + j] / length_m
        for j in range(k):
            kr[i, j] = z[3 * k + j] / vertical_m
        for j in range(k):
            om[i, j] = z[4 * k + j] / time_s
        base = _mix64(key_ph ^ _mix64(np.uint64(first + i) * _GOLDEN + _GOLDEN))
        for j in range(k):  # the u phases: draws 0 .. k - 1
            u01 = float(_mix64(base + np.uint64(j + 1) * _GOLDEN) >> np.uint64(11)) * _INV_2_53
            ph = 2.0 * np.pi * u01
            s, c = fast_sincos(ph)
            pu[i, j] = ph
            trig[0, i, j] = c
            trig[1, i, j] = s
        for j in range(k):  # the v phases: draws k .. 2 k - 1
            u01 = float(_mix64(base + np.uint64(k + j + 1) * _GOLDEN) >> np.uint64(11)) * _INV_2_53
            ph = 2.0 * np.pi * u01
            s, c = fast_sincos(ph)
            pv[i, j] = ph
            trig[2, i, j] = c
            trig[3, i, j] = s


class PerturbedWind:
    """An ensemble `WindField`: ``base`` wind plus member ``m``'s correlated random error.

    Parameters
    ----------
    base : the wind to perturb (any `WindField`).
    members : number of ensemble members held (>= 1): global members ``first_member`` ..
        ``first_member + members - 1``; ``uv(..., member=i)`` uses the i-th of them.
    sigma : m/s, a fixed RMS error per component instead of the base's error model (None:
        the model the base carries, `atmosphere.uncertainty.uncertainty_of`).
    uncertainty : an explicit `WindUncertainty` (overrides both).
    length_m, time_s, vertical_m : correlation scales replacing the model's (None: keep).
    seed : random seed; member m's draws depend only on (seed, m).
    n_modes : Fourier modes per member K (default 48; the covariance converges as 1/K).
    control : global member 0 unperturbed (the base wind) when true.
    first_member : global index of the first member held (chunks of a large ensemble).

    Compiled integrators call the base grid's kernel and add
    ``perturbation_at(m, t, lat, lon, alt, *self.modes.arrays(), self.kernel_uncertainty)``.
    """

    def __init__(
        self,
        base: WindField,
        *,
        members: int,
        sigma: float | None = None,
        uncertainty: WindUncertainty | None = None,
        length_m: float | None = None,
        time_s: float | None = None,
        vertical_m: float | None = None,
        seed: int = 0,
        n_modes: int = 48,
        control: bool = False,
        first_member: int = 0,
    ) -> None:
        if isinstance(members, bool) or int(members) != members or members < 1:
            raise ConfigError(f"members must be >= 1, got {members}")
        if isinstance(first_member, bool) or int(first_member) != first_member or first_member < 0:
            raise ConfigError(f"first_member must be a whole number >= 0, got {first_member!r}")
        if n_modes < 1:
            raise ConfigError(f"n_modes must be >= 1, got {n_modes}")
        for name, val in (("length_m", length_m), ("time_s", time_s), ("vertical_m", vertical_m)):
            if val is not None and not (np.isfinite(val) and val > 0.0):
                raise ConfigError(f"{name} must be > 0, got {val}")
        model = uncertainty_of(base)
        if uncertainty is not None:
            if not isinstance(uncertainty, WindUncertainty):
                raise ConfigError("uncertainty must be a WindUncertainty")
            model = uncertainty
        elif sigma is not None:
            if not (np.isfinite(sigma) and sigma >= 0.0):
                raise ConfigError(f"sigma must be a finite wind error >= 0 m/s, got {sigma}")
            model = constant_uncertainty(
                float(sigma),
                length_m=model.length_m,
                time_s=model.time_s,
                vertical_m=model.vertical_m,
            )
        model = model.with_scales(length_m=length_m, time_s=time_s, vertical_m=vertical_m)
        self.base = base
        self.members = int(members)
        self.first_member = int(first_member)
        self.sigma = None if sigma is None or uncertainty is not None else float(sigma)
        self.uncertainty = model
        self.length_m = model.length_m
        self.time_s = model.time_s
        self.vertical_m = model.vertical_m
        self.seed = int(seed)
        self.modes = _make_modes(
            self.first_member, self.members, int(n_modes), model, self.seed, control
        )
        self.kernel_uncertainty = model.kernel_args()
        b = base.meta
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
            warnings=tuple(b.warnings),
            uncertainty=model,
        )

    def __repr__(self) -> str:
        return (
            f"PerturbedWind({self.base!r}, members={self.members}, "
            f"uncertainty={self.uncertainty.kind!r}, length_m={self.length_m}, "
            f"time_s={self.time_s}, vertical_m={self.vertical_m}, seed={self.seed}, "
            f"first_member={self.first_member})"
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
        du, dv = perturbation_grid(
            mm, tt, la, lo, al, *self.modes.arrays(), self.kernel_uncertainty
        )
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
