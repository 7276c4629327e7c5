r"""The one compiled integrator: many members, each through a sequence of stages.

Every member is integrated independently (``prange`` over members) through its stages; a stage
is a motion model (``KIND_*``) with per-member parameters and altitude terminators, and the run
stops at the end of the last stage, after ``duration`` seconds, or when the parcel leaves the
wind data's region. Balloon stages write the output lead times that fall inside a step from
the step's cubic Hermite interpolant (dense output, `_dense_fill`); ballistic steps are clipped
so that the output lead times are hit exactly; altitude
terminators are located inside the step that crosses them by secant iteration to within 1 % of
that step's altitude change (as Tawhiri's solver bisects, [TAWHIRI]_).

Balloon models (float, ascent, descent, drag descent) move horizontally with the wind and
vertically at the model's rate, integrated with Heun's predictor-corrector (the scheme of
HYSPLIT, [DRAXLER1998]_), in ECEF coordinates on the WGS84 ellipsoid (`flight.earth`).
The ballistic model integrates the full 3-D equations of motion of a body with ballistic
coefficient :math:`\beta = m / (C_D A)` (kg/m2) in the rotating Earth frame:

.. math::
    \dot{\mathbf v} = -\frac{\rho(h)}{2\beta} |\mathbf v - \mathbf w| (\mathbf v - \mathbf w)
        - g(h)\,\hat{\mathbf u} - 2\,\boldsymbol\Omega \times \mathbf v

with :math:`\mathbf w` the (horizontal) wind, :math:`\rho` from [USSA1976]_, :math:`g(h)` the
inverse-square law. Drag is stiff near the ground (relaxation time :math:`2\beta/(\rho|v|)` is
about a second), so each step solves the linear ODE with the drag rate
:math:`k = \rho |\mathbf v - \mathbf w| / (2\beta)` frozen exactly (exponential integrator),
with :math:`k` and the forcing evaluated at mid-step, where the velocity comes from an implicit
half step of the drag (an exponential midpoint scheme, second order for smooth drag, stable for
any step, and exact at the terminal velocity; [HOCHBRUCK2010]_). The implicit half step takes
the drag at its own end, with the density at the mid-step height, so the terminal velocity
:math:`v_t = \sqrt{2\beta g/\rho}` there is its fixed point (with the start's density the
error was first order: every fall came out too slow).

Ensemble members add their wind error (`atmosphere.perturb`, the same mode sum) evaluated
with a branch-free sine/cosine so that the loop over modes vectorizes; positions go back
from ECEF to geodetic coordinates by Bowring's closed form ([BOWRING1976]_), which also gives
the sines and cosines the next evaluation needs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from ..atmosphere.interp import FLAG_REGION, FLAG_TIME, interp_point, interp_point_k
from ..atmosphere.perturb import fast_sincos as _sincos
from ..atmosphere.standard import RHO0, density_scalar
from ..atmosphere.uncertainty import sigma_sc
from ..geo.geodesy import EARTH_RADIUS as _R_PERT  # the perturbation field's sphere
from ..geo.terrain import terrain_height
from .earth import (
    A_WGS84,
    E2_WGS84,
    OMEGA_EARTH,
    ecef_to_frame,
    ecef_to_frame_h,
    enu_basis,
    geodetic_frame,
    gravity,
)

__all__ = [
    "KIND_FLOAT",
    "KIND_ASCENT",
    "KIND_DESCENT",
    "KIND_DRAG",
    "KIND_BALLISTIC",
    "END_TIME",
    "END_DONE",
    "END_REGION",
    "END_WINDTIME",
    "END_STEPS",
    "KEEP_PATHS",
    "KEEP_TOP32",
    "KEEP_TOP64",
    "run_members",
]

KIND_FLOAT = 0
KIND_ASCENT = 1
KIND_DESCENT = 2
KIND_DRAG = 3
KIND_BALLISTIC = 4

END_RUNNING = 0
END_TIME = 1  # the requested duration elapsed
END_DONE = 2  # the last stage's terminator fired (landed, burst with no next stage, ...)
END_REGION = 3  # left the wind data's lat/lon region
END_WINDTIME = 4  # left the wind data's time span
END_STEPS = 5  # step budget exhausted (a guard; should not happen)

_TWO_PI = 2.0 * math.pi
_NO_SC = (0.0, -1.0, 0.0, 0.0)  # `_advect_step`'s "sines and cosines not known"
KEEP_PATHS = 0  # `run_members` writes every output
KEEP_TOP64 = 1  # only each member's highest output (float64 comparison)
KEEP_TOP32 = 2  # the same, compared in float32 (paths that would be stored in float32)


@njit(cache=True, fastmath=True)
def _pert_sum(
    m: int,
    x: float,
    y: float,
    z: float,
    h: float,
    t: float,
    kx: npt.NDArray[np.float64],
    ky: npt.NDArray[np.float64],
    kz: npt.NDArray[np.float64],
    kr: npt.NDArray[np.float64],
    om: npt.NDArray[np.float64],
    cpu: npt.NDArray[np.float64],
    spu: npt.NDArray[np.float64],
    cpv: npt.NDArray[np.float64],
    spv: npt.NDArray[np.float64],
) -> tuple[float, float]:
    su = 0.0
    sv = 0.0
    for k in range(kx.shape[1]):
        a = kx[m, k] * x + ky[m, k] * y + kz[m, k] * z + kr[m, k] * h + om[m, k] * t
        sa, ca = _sincos(a)
        # cos(a + phase) = cos a cos phase - sin a sin phase
        su += ca * cpu[m, k] - sa * spu[m, k]
        sv += ca * cpv[m, k] - sa * spv[m, k]
    return su, sv


@njit(cache=True)
def _pert_value_sc(
    m: int, t: float, sp: float, cp: float, sl: float, cl: float, alt: float, pert: tuple[Any, ...]
) -> tuple[float, float]:
    """Wind error (du, dv) of member m at one point from the sines and cosines of its latitude
    and longitude: the mode sum of `atmosphere.perturb` (sum_k cos(k.x + kr h + omega t +
    phase), evaluated with `_sincos`, SIMD over modes) times amp times the error model's
    sigma there (`atmosphere.uncertainty.sigma_sc`). ``pert`` = (kx, ky, kz, kr, omega,
    cos phase_u, sin phase_u, cos phase_v, sin phase_v, amp, then the nine arrays of
    `WindUncertainty.kernel_args()`: flat, as numba's parallel loops take no nested tuples)."""
    su, sv = _pert_sum(
        m, _R_PERT * cp * cl, _R_PERT * cp * sl, _R_PERT * sp, alt, t, pert[0], pert[1],
        pert[2], pert[3], pert[4], pert[5], pert[6], pert[7], pert[8],
    )  # fmt: skip
    amp = pert[9][m]
    unc = (pert[10], pert[11], pert[12], pert[13], pert[14], pert[15], pert[16], pert[17],
           pert[18])  # fmt: skip
    sig_u, sig_v = sigma_sc(t, sp, cp, sl, cl, alt, unc)
    return amp * sig_u * su, amp * sig_v * sv


@njit(cache=True)
def _pert_value(
    m: int, t: float, lat: float, lon: float, alt: float, pert: tuple[Any, ...]
) -> tuple[float, float]:
    """`_pert_value_sc` at a point given in degrees."""
    la = math.radians(lat)
    lo = math.radians(lon)
    return _pert_value_sc(m, t, math.sin(la), math.cos(la), math.sin(lo), math.cos(lo), alt, pert)


@njit(cache=True, inline="always")
def _base_wind(
    t: float, lat: float, lon: float, h: float, grid: tuple[Any, ...]
) -> tuple[float, float, int]:
    return interp_point(
        t,
        lat,
        lon,
        h,
        grid[0],
        grid[1],
        grid[2],
        grid[3],
        grid[4],
        grid[5],
        grid[6],
        grid[7],
        grid[8],
        grid[9],
    )


@njit(cache=True, inline="always")
def _base_wind_k(
    t: float, lat: float, lon: float, h: float, k: int, grid: tuple[Any, ...]
) -> tuple[float, float, int, int]:
    """`_base_wind` with the level hint of `atmosphere.wind.interp_point_k` (returns the
    level found): a balloon keeps its level from step to step."""
    return interp_point_k(
        t, lat, lon, h, k, grid[0], grid[1], grid[2], grid[3], grid[4], grid[5], grid[6],
        grid[7], grid[8], grid[9],
    )  # fmt: skip


@njit(cache=True)
def _wind(
    t: float,
    lat: float,
    lon: float,
    h: float,
    m: int,
    grid: tuple[Any, ...],
    pert: tuple[Any, ...],
    use_pert: bool,
) -> tuple[float, float, int]:
    """Base wind plus member m's perturbation (exact) at one point."""
    u, v, f = _base_wind(t, lat, lon, h, grid)
    if use_pert:
        du, dv = _pert_value(m, t, lat, lon, h, pert)
        u += du
        v += dv
    return u, v, f


@njit(cache=True, inline="always")
def _vrate(kind: int, p: npt.NDArray[np.float64], t_stage: float, t: float, h: float) -> float:
    """Vertical speed (m/s) of the balloon models."""
    if kind == KIND_FLOAT:
        # optional oscillation  h = h0 + A sin(2 pi (t - t_stage) / P)
        if p[0] != 0.0 and p[1] > 0.0:
            om = _TWO_PI / p[1]
            return float(p[0] * om * math.cos(om * (t - t_stage)))
        return 0.0
    if kind == KIND_ASCENT:
        return float(p[0])
    if kind == KIND_DESCENT:
        # parachute: v = v_sl (rho0 / rho(h))^k, k = p[1] (0: unset, the drag law's 1/2)
        if p[1] == 0.0 or p[1] == 0.5:
            return float(-p[0] * math.sqrt(RHO0 / density_scalar(h)))
        return float(-p[0] * (RHO0 / density_scalar(h)) ** p[1])
    if kind == KIND_DRAG:
        # quasi-steady drag descent: v = sqrt(2 beta g / rho)
        return -math.sqrt(2.0 * p[0] * gravity(h) / density_scalar(h))
    return 0.0


@njit(cache=True)
def _advect_step(
    kind: int,
    p: npt.NDArray[np.float64],
    t_stage: float,
    t: float,
    lat: float,
    lon: float,
    h: float,
    dt: float,
    u1: float,
    v1: float,
    w1: float,
    m: int,
    grid: tuple[Any, ...],
    pert: tuple[Any, ...],
    use_pert: bool,
    prev_du: float,
    prev_dv: float,
    prev_dt: float,
    k_hint: int,
    sc: tuple[float, float, float, float],
) -> tuple[
    float,
    float,
    float,
    int,
    float,
    float,
    float,
    float,
    float,
    float,
    float,
    tuple[float, float, float, float],
]:
    """One Heun step of a wind-borne balloon; (u1, v1) the base wind (without the ensemble
    perturbation, added here) and w1 the vertical rate at the start.

    The member's perturbation is evaluated exactly at the start; at the predictor it is
    extrapolated linearly along the trajectory from the previous step's start value
    (``prev_du``, ``prev_dv``, ``prev_dt`` seconds earlier; ``prev_dt = 0``: none, evaluate
    it). The perturbation field is smooth on its scales (hundreds of km, hours), the
    extrapolation is second-order accurate like the step itself, and it halves the cost of
    the mode sums. Returns the new (lat, lon, h), the wind flags, the speed, the start
    perturbation (du, dv) for the next step, and the rates of latitude and longitude (deg/s)
    at the start and at the end (the start and predictor winds), for `_dense_fill`.
    ``k_hint``: the wind level at the start (`interp_point_k`). ``sc``: (sin lat, cos lat,
    sin lon, cos lon) of the start when known (the previous step's end computes them, and
    returns its own: no trig calls at the start of a step), else ``cos lat`` < 0 (computed)."""
    if sc[1] >= 0.0:
        sp, cp, sl, cl = sc
        nn = A_WGS84 / math.sqrt(1.0 - E2_WGS84 * sp * sp)
        x0 = (nn + h) * cp * cl
        y0 = (nn + h) * cp * sl
        z0 = (nn * (1.0 - E2_WGS84) + h) * sp
    else:
        x0, y0, z0, sp, cp, sl, cl = geodetic_frame(lat, lon, h)
    sp0 = sp
    cp0 = cp
    du1 = 0.0
    dv1 = 0.0
    if use_pert:
        du1, dv1 = _pert_value_sc(m, t, sp, cp, sl, cl, h, pert)
        u1 += du1
        v1 += dv1
    # velocity in ECEF: u east + v north + w up
    ax = -u1 * sl - v1 * sp * cl + w1 * cp * cl
    ay = u1 * cl - v1 * sp * sl + w1 * cp * sl
    az = v1 * cp + w1 * sp
    latp, lonp, sp, cp, sl, cl = ecef_to_frame(x0 + dt * ax, y0 + dt * ay, z0 + dt * az)
    hp = h + dt * w1
    u2, v2, f2, _ = _base_wind_k(t + dt, latp, lonp, hp, k_hint, grid)
    if use_pert:
        if prev_dt != 0.0:
            r = dt / prev_dt
            u2 += du1 + (du1 - prev_du) * r
            v2 += dv1 + (dv1 - prev_dv) * r
        else:
            du, dv = _pert_value_sc(m, t + dt, sp, cp, sl, cl, hp, pert)
            u2 += du
            v2 += dv
    w2 = _vrate(kind, p, t_stage, t + dt, hp)
    bx = -u2 * sl - v2 * sp * cl + w2 * cp * cl
    by = u2 * cl - v2 * sp * sl + w2 * cp * sl
    bz = v2 * cp + w2 * sp
    h2 = 0.5 * dt
    latn, lonn, spn, cpn, sln, cln = ecef_to_frame(
        x0 + h2 * (ax + bx), y0 + h2 * (ay + by), z0 + h2 * (az + bz)
    )
    hn = h + h2 * (w1 + w2)
    speed = math.sqrt(u2 * u2 + v2 * v2 + w2 * w2)
    dlat0, dlon0 = _latlon_rates(sp0, cp0, h, u1, v1)
    dlat1, dlon1 = _latlon_rates(spn, cpn, hn, u2, v2)
    return latn, lonn, hn, f2, speed, du1, dv1, dlat0, dlon0, dlat1, dlon1, (spn, cpn, sln, cln)


@njit(cache=True, inline="always")
def _latlon_rates(sp: float, cp: float, h: float, u: float, v: float) -> tuple[float, float]:
    """Rates of geodetic latitude and longitude (deg/s) of a parcel moving u east and v
    north (m/s) at height h where sin/cos latitude are sp, cp: v / (M + h) and
    u / ((N + h) cos lat), with the WGS84 radii of curvature M and N [NIMA8350]_ (0 at a
    pole, where longitude has no rate)."""
    w = 1.0 - E2_WGS84 * sp * sp
    n = A_WGS84 / math.sqrt(w)
    mr = n * (1.0 - E2_WGS84) / w
    dlat = math.degrees(v / (mr + h))
    dlon = math.degrees(u / ((n + h) * cp)) if cp > 1e-9 else 0.0
    return dlat, dlon


@njit(cache=True)
def _dense_fill(
    out: npt.NDArray[np.float64],
    i: int,
    k_out: int,
    n_out: int,
    t_first: float,
    direction: float,
    out_step: float,
    t: float,
    dts: float,
    lat: float,
    lon: float,
    h: float,
    lat1: float,
    lon1: float,
    h1: float,
    w0: float,
    w1: float,
    dlat0: float,
    dlon0: float,
    dlat1: float,
    dlon1: float,
    cubic: bool,
    top: npt.NDArray[np.float64],
    keep: int,
) -> int:
    """Write member i's outputs whose lead times fall inside the step from t (state lat, lon,
    h) to t + dts (lat1, lon1, h1) and return the next output index; or, ``keep`` not
    `KEEP_PATHS`, keep only the highest of them in ``top[i]`` (see `_keep_top`).

    Dense output: the cubic Hermite interpolant of the step's end points and end rates on the
    step fraction s; the rates come as changes per step (rate times dts: w0, w1 in m of height,
    dlat0 ... in degrees). For Heun's step the height interpolant is the scheme's own
    quadratic, and the interpolation error, O(dt^4), is below the step's own O(dt^3) local
    error [HAIRER1993]_, so output times no longer cut the steps (a 48 h float takes 48
    one-hour steps, not 288 ten-minute ones). ``cubic`` false:
    linear interpolation (the ballistic stages, whose steps end on the output times)."""
    dl = lon1 - lon
    if dl > 180.0:
        dl -= 360.0
    elif dl < -180.0:
        dl += 360.0
    while k_out < n_out:
        t_o = t_first + direction * k_out * out_step
        if (t_o - t - dts) * direction > 1e-6:
            break
        s = (t_o - t) / dts if dts != 0.0 else 1.0
        if s >= 1.0:
            la = lat1
            lo = lon1
            hh = h1
        elif not cubic:
            la = lat + s * (lat1 - lat)
            lo = lon + s * dl
            if lo > 180.0:
                lo -= 360.0
            elif lo <= -180.0:
                lo += 360.0
            hh = h + s * (h1 - h)
        else:
            s2 = s * s
            s3 = s2 * s
            h10 = s3 - 2.0 * s2 + s
            h01 = -2.0 * s3 + 3.0 * s2
            h11 = s3 - s2
            la = lat + h01 * (lat1 - lat) + h10 * dlat0 + h11 * dlat1
            lo = lon + h01 * dl + h10 * dlon0 + h11 * dlon1
            if lo > 180.0:
                lo -= 360.0
            elif lo <= -180.0:
                lo += 360.0
            hh = h + h01 * (h1 - h) + h10 * w0 + h11 * w1
        if keep == KEEP_PATHS:
            out[0, i, k_out] = la
            out[1, i, k_out] = lo
            out[2, i, k_out] = hh
        else:
            _keep_top(top, i, k_out, la, lo, hh, keep)
        k_out += 1
    return k_out


@njit(cache=True, inline="always")
def _keep_top(
    top: npt.NDArray[np.float64], i: int, k: int, lat: float, lon: float, h: float, keep: int
) -> None:
    """Member i's highest output so far: ``top[i]`` = (output index, lat, lon, alt), replaced
    by output k when its altitude is finite and higher, compared in float32 when ``keep`` is
    `KEEP_TOP32` (as on paths stored in float32). The first of equal highs stays: the point
    `core.tops.top_index` picks on the stored paths (highest finite value, first of ties)."""
    if k == 0:  # the start
        top[i, 0] = 0.0
        top[i, 1] = lat
        top[i, 2] = lon
        top[i, 3] = h
        return
    if not math.isfinite(h):
        return
    best = top[i, 3]
    if keep == KEEP_TOP32:
        higher = np.float32(h) > np.float32(best) or not math.isfinite(best)
    else:
        higher = h > best or not math.isfinite(best)
    if higher:
        top[i, 0] = float(k)
        top[i, 1] = lat
        top[i, 2] = lon
        top[i, 3] = h


@njit(cache=True, inline="always")
def _phi_psi(k: float, tau: float) -> tuple[float, float, float]:
    """exp(-k tau), phi = (1 - e^{-k tau}) / k and psi = (tau - phi) / k, stable as k -> 0."""
    kt = k * tau
    if abs(kt) < 1e-4:
        phi = tau * (1.0 - kt / 2.0 + kt * kt / 6.0)
        psi = tau * tau * (0.5 - kt / 6.0 + kt * kt / 24.0)
        return 1.0 - kt + kt * kt / 2.0, phi, psi
    e = math.exp(-kt)
    phi = (1.0 - e) / k
    return e, phi, (tau - phi) / k


@njit(cache=True, inline="always")
def _ballistic_forcing(
    t: float,
    lat: float,
    lon: float,
    h: float,
    sp: float,
    cp: float,
    sl: float,
    cl: float,
    vx: float,
    vy: float,
    vz: float,
    beta: float,
    m: int,
    grid: tuple[Any, ...],
    pert: tuple[Any, ...],
    use_pert: bool,
    kz: int,
    du_given: float,
    dv_given: float,
    given: bool,
) -> tuple[float, float, float, float, int, float, float, float, float, int, float, float]:
    """Drag rate k (1/s) and c = k w + F (m/s2, ECEF) of dv/dt = -k v + c at a state
    (sp, cp, sl, cl: sines and cosines of its latitude and longitude), the domain flag, the
    vertical speed, the wind w (ECEF), the wind level found (``kz``: the hint, see
    `atmosphere.wind.interp_point_k`) and the member's wind perturbation (du, dv) used:
    evaluated, or ``(du_given, dv_given)`` when ``given``."""
    u, v, f, kz = _base_wind_k(t, lat, lon, h, kz, grid)
    du = 0.0
    dv = 0.0
    if use_pert:
        if given:
            du = du_given
            dv = dv_given
        else:
            du, dv = _pert_value_sc(m, t, sp, cp, sl, cl, h, pert)
        u += du
        v += dv
    # wind in ECEF: u east + v north
    wx = -u * sl - v * sp * cl
    wy = u * cl - v * sp * sl
    wz = v * cp
    ux = cp * cl
    uy = cp * sl
    uz = sp
    rx = vx - wx
    ry = vy - wy
    rz = vz - wz
    rel = math.sqrt(rx * rx + ry * ry + rz * rz)
    k = density_scalar(h) * rel / (2.0 * beta)
    g = gravity(h)
    # gravity along the local up, Coriolis -2 Omega x v with Omega = (0, 0, OMEGA_EARTH)
    cx = k * wx - g * ux + 2.0 * OMEGA_EARTH * vy
    cy = k * wy - g * uy - 2.0 * OMEGA_EARTH * vx
    cz = k * wz - g * uz
    vu = vx * ux + vy * uy + vz * uz
    return k, cx, cy, cz, f, vu, wx, wy, wz, kz, du, dv


@njit(cache=True)
def _ballistic_step(
    t: float,
    x0: float,
    y0: float,
    z0: float,
    h0: float,
    vx: float,
    vy: float,
    vz: float,
    dt: float,
    beta: float,
    k1: float,
    c1x: float,
    c1y: float,
    c1z: float,
    w1x: float,
    w1y: float,
    w1z: float,
    m: int,
    grid: tuple[Any, ...],
    pert: tuple[Any, ...],
    use_pert: bool,
    kz: int,
    vu0: float,
    du1: float,
    dv1: float,
    prev_du: float,
    prev_dv: float,
    prev_dt: float,
) -> tuple[float, float, float, float, float, float, int]:
    """One step of the ballistic equations from ECEF (x0, y0, z0) at height h0 (see module
    notes); (k1, c1, w1) are the drag rate, forcing and wind at the start, ``kz`` the wind
    level there (a hint), ``vu0`` the vertical speed at the start (m/s, up), (du1, dv1) the
    member's wind perturbation there. At mid-step the perturbation is extrapolated linearly
    from the previous step's start value (``prev_du``, ``prev_dv``, ``prev_dt`` s earlier;
    ``prev_dt = 0``: evaluated), as in `_advect_step`: a step moves at most 800 m and 20 s, a
    small part of the field's scales, and this halves the mode sums of a fall.

    Exponential midpoint: the velocity at mid-step comes from an implicit (backward Euler) half
    step of the drag, which is stable for any step and exact at the terminal velocity; the drag
    rate and forcing are then evaluated there, frozen, and the linear ODE solved exactly over
    the whole step. Evaluating k and c at one state keeps the fixed point c/k the true local
    terminal velocity (averaging k and c separately between a start at rest, k = 0, and a
    terminal end would halve the drag and double the fall speed of a long step).
    """
    hd = 0.5 * dt
    # gravity + Coriolis at the start: F = c - k w
    fx = c1x - k1 * w1x
    fy = c1y - k1 * w1y
    fz = c1z - k1 * w1z
    ax = vx - w1x + hd * fx
    ay = vy - w1y + hd * fy
    az = vz - w1z + hd * fz
    amag = math.sqrt(ax * ax + ay * ay + az * az)
    # |r| (1 + cc |r|) = |a| for the relative velocity r at mid-step (quadratic drag, implicit).
    # Backward Euler takes the drag at the end of its half step: the density at the mid-step
    # height h0 + hd vu0 (to first order). With the start's density instead, a body near its
    # terminal speed came out of the half step at the start's terminal speed, so the drag rate
    # frozen at mid-step set a fixed point v_t(mid)^2 / v_t(start): a first-order error that
    # slowed every fall (1.7 % of the fall time with 20 s / 800 m steps).
    cc = abs(hd) * density_scalar(h0 + hd * vu0) / (2.0 * beta)
    scale = 1.0
    if cc * amag > 1e-12:
        scale = (-1.0 + math.sqrt(1.0 + 4.0 * cc * amag)) / (2.0 * cc * amag)
    hvx = w1x + ax * scale
    hvy = w1y + ay * scale
    hvz = w1z + az * scale
    latm, lonm, hm, sp, cp, sl, cl = ecef_to_frame_h(
        x0 + 0.5 * hd * (vx + hvx), y0 + 0.5 * hd * (vy + hvy), z0 + 0.5 * hd * (vz + hvz)
    )
    dum = 0.0
    dvm = 0.0
    if prev_dt != 0.0:
        r = hd / prev_dt
        dum = du1 + (du1 - prev_du) * r
        dvm = dv1 + (dv1 - prev_dv) * r
    km, cx, cy, cz, f2, _, _, _, _, _, _, _ = _ballistic_forcing(
        t + hd, latm, lonm, hm, sp, cp, sl, cl, hvx, hvy, hvz, beta, m, grid, pert, use_pert, kz,
        dum, dvm, prev_dt != 0.0,
    )  # fmt: skip
    e, phi, psi = _phi_psi(km, dt)
    latn, lonn, hn, _, _, _, _ = ecef_to_frame_h(
        x0 + vx * phi + cx * psi, y0 + vy * phi + cy * psi, z0 + vz * phi + cz * psi
    )
    return latn, lonn, hn, vx * e + cx * phi, vy * e + cy * phi, vz * e + cz * phi, f2


@njit(cache=True, parallel=True, nogil=True)
def run_members(
    t0: npt.NDArray[np.float64],
    lat0: npt.NDArray[np.float64],
    lon0: npt.NDArray[np.float64],
    alt0: npt.NDArray[np.float64],
    vel0: npt.NDArray[np.float64],
    kinds: npt.NDArray[np.int64],
    par: npt.NDArray[np.float64],
    term_hi: npt.NDArray[np.float64],
    term_lo: npt.NDArray[np.float64],
    dt_max: npt.NDArray[np.float64],
    dz_max: npt.NDArray[np.float64],
    duration: float,
    direction: float,
    cell_m: float,
    out_step: float,
    n_out: int,
    stop_region: bool,
    stop_time: bool,
    member: npt.NDArray[np.int64],
    grid: tuple[Any, ...],
    pert: tuple[Any, ...],
    use_pert: bool,
    max_steps: int,
    on_ground: npt.NDArray[np.int64],
    terr_elev: npt.NDArray[np.float32],
    terr_p: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    top: npt.NDArray[np.float64],
    keep: int,
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.int8],
    npt.NDArray[np.int8],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
]:
    """Integrate ``n`` members through ``S`` stages.

    Parameters
    ----------
    t0, lat0, lon0, alt0 : (n,) start (epoch s, deg, deg, m).
    vel0 : (n, 3) east/north/up velocity (m/s) at the start (used by a first ballistic stage).
    kinds : (S,) ``KIND_*`` per stage. par : (n, S, 4) model parameters.
    term_hi, term_lo : (n, S) the stage ends when alt >= hi or alt <= lo (NaN: no such end).
    dt_max, dz_max : (S,) largest step (s) and largest altitude change per step (m).
    duration : seconds to run each member from its own start; direction +1 or -1.
    cell_m : wind grid spacing (m); a balloon step moves at most 0.75 of a cell north-south
        and 0.75 of cell_m cos(latitude) east-west.
    out_step, n_out : outputs at lead times k * out_step, k < n_out.
    member : (n,) wind-ensemble member index of each member.
    on_ground : (S,) 1 where the stage also ends when the altitude falls to the terrain under
        the parcel (``terr_elev``, ``terr_p``: `geo.terrain.TerrainModel.kernel_args`).
    out : (3, n, n_out) C-contiguous float64, filled here with lat, lon, alt at the output
        lead times (NaN after a member stops). The caller allocates it (numpy asks the kernel
        for transparent huge pages on large arrays, which numba's own allocator does not: a
        path array costs several times fewer page faults, and two threads faulting pages in
        one process wait on each other) and may reuse it across calls. With ``keep`` not
        `KEEP_PATHS`: (3, n, 1), the starts only.
    top : (n, 4), with ``keep`` `KEEP_TOP64` or `KEEP_TOP32`: filled here with each member's
        highest output (output index, lat, lon, alt; `_keep_top`) instead of its paths: the
        key points of a run that does not keep them, without writing (and faulting in) a path
        array. (0, 4) with `KEEP_PATHS`.

    Returns
    -------
    end : (n, 6) time, lat, lon, alt, speed (m/s), lead time (s) of the last state.
    flags : (n,) int8, OR of the wind-domain flags met. reason : (n,) int8 ``END_*``.
    stage : (n,) index of the stage the member ended in.
    steps : (n,) steps taken.
    """
    n = t0.shape[0]
    ns = kinds.shape[0]
    end = np.full((n, 6), np.nan)
    flags = np.zeros(n, dtype=np.int8)
    reason = np.zeros(n, dtype=np.int8)
    stage_out = np.zeros(n, dtype=np.int64)
    steps = np.zeros(n, dtype=np.int64)
    for i in prange(n):
        m = member[i]
        t = t0[i]
        lat = lat0[i]
        lon = lon0[i]
        h = alt0[i]
        t_end = t0[i] + direction * duration
        ex, ey, ez, nx, ny, nz, ux, uy, uz = enu_basis(lat, lon)
        vx = vel0[i, 0] * ex + vel0[i, 1] * nx + vel0[i, 2] * ux
        vy = vel0[i, 0] * ey + vel0[i, 1] * ny + vel0[i, 2] * uy
        vz = vel0[i, 0] * ez + vel0[i, 1] * nz + vel0[i, 2] * uz
        out[0, i, 0] = lat
        out[1, i, 0] = lon
        out[2, i, 0] = h
        if keep != KEEP_PATHS:
            _keep_top(top, i, 0, lat, lon, h, keep)
        k_out = 1
        s = 0
        t_stage = t
        fl = 0
        why = END_RUNNING
        speed = 0.0
        nstep = 0
        # the previous step's start perturbation and step (0: none), see _advect_step
        pdu = 0.0
        pdv = 0.0
        pdt = 0.0
        kz = -1  # the wind level of the last base-wind lookup (a hint for the next)
        sc = _NO_SC  # (sin, cos) of the latitude and longitude here, when known
        while True:
            kind = kinds[s]
            p = par[i, s]
            hi = term_hi[i, s]
            lo = term_lo[i, s]
            # a stage whose end already holds at its start is skipped
            if (
                (hi == hi and h >= hi)
                or (lo == lo and h <= lo)
                or (on_ground[s] != 0 and h <= terrain_height(lat, lon, terr_elev, terr_p))
            ):
                s += 1
                if s >= ns:
                    why = END_DONE
                    break
                t_stage = t
                continue
            # the next time that must be hit exactly: the end, or for a ballistic stage also
            # the next output lead time (balloon stages fill theirs by dense output)
            t_hit = t_end
            if k_out < n_out and kind == KIND_BALLISTIC:
                t_o = t0[i] + direction * k_out * out_step
                if (t_o - t_end) * direction < 0.0:
                    t_hit = t_o
            rem = (t_hit - t) * direction
            dt = dt_max[s]
            if kind == KIND_BALLISTIC:
                beta = p[0]
                bx0, by0, bz0, sp, cp, sl, cl = geodetic_frame(lat, lon, h)
                (k1, c1x, c1y, c1z, f1, vu, w1x, w1y, w1z, kz, bdu,
                 bdv) = _ballistic_forcing(
                    t, lat, lon, h, sp, cp, sl, cl, vx, vy, vz, beta, m, grid, pert, use_pert, kz,
                    0.0, 0.0, False,
                )  # fmt: skip
                vh = math.sqrt(max(vx * vx + vy * vy + vz * vz - vu * vu, 0.0))
                # the vertical speed the step will reach: at least the local terminal speed
                # (a fragment released at rest accelerates to it within the step)
                g_h = gravity(h)
                v_term = math.sqrt(2.0 * beta * g_h / density_scalar(h))
                vz_est = max(abs(vu), v_term)
                if vz_est * dt > dz_max[s]:
                    dt = dz_max[s] / vz_est
                # far from terminal speed (just released, or braking) resolve the transient:
                # steps of the drag relaxation time v_t / g
                rx = vx - w1x
                ry = vy - w1y
                rz = vz - w1z
                rel = math.sqrt(rx * rx + ry * ry + rz * rz)
                if (rel < 0.8 * v_term or rel > 1.25 * v_term) and dt > v_term / g_h:
                    dt = v_term / g_h
                if vh * dt > 0.75 * cell_m:
                    dt = 0.75 * cell_m / vh
                u1 = 0.0
                v1 = 0.0
                w1 = 0.0
            else:
                # base wind here; the step adds the member's perturbation (the 0.75-cell
                # bound uses the base speed)
                u1, v1, f1, kz = _base_wind_k(t, lat, lon, h, kz, grid)
                w1 = _vrate(kind, p, t_stage, t, h)
                # cells per second: east-west cells narrow as cos(latitude), so near a pole
                # (where the flow turns within a few cells) the steps shorten with them
                c_lat = max(sc[1] if sc[1] >= 0.0 else math.cos(math.radians(lat)), 1e-3)
                sp = max(abs(u1) / c_lat, abs(v1))
                if sp * dt > 0.75 * cell_m:
                    dt = 0.75 * cell_m / sp
                if abs(w1) * dt > dz_max[s]:
                    dt = dz_max[s] / abs(w1)
                if kind == KIND_FLOAT and p[0] != 0.0 and p[1] > 0.0 and dt > p[1] / 24.0:
                    # resolve a float oscillation: at most 15 degrees of its phase per step
                    # (its vertical speed may be zero where the step starts)
                    dt = p[1] / 24.0
                k1 = c1x = c1y = c1z = w1x = w1y = w1z = vu = bdu = bdv = 0.0
                beta = 1.0
                bx0 = by0 = bz0 = 0.0
            fl |= f1
            if dt >= rem:
                dt = rem
            dts = direction * dt
            if kind == KIND_BALLISTIC:
                lat1, lon1, h1, vx1, vy1, vz1, f2 = _ballistic_step(
                    t, bx0, by0, bz0, h, vx, vy, vz, dts, beta, k1, c1x, c1y, c1z, w1x, w1y,
                    w1z, m, grid, pert, use_pert, kz, vu, bdu, bdv, pdu, pdv, pdt,
                )  # fmt: skip
                sp1 = math.sqrt(vx1 * vx1 + vy1 * vy1 + vz1 * vz1)
                pdu1 = bdu
                pdv1 = bdv
                rla0 = rlo0 = rla1 = rlo1 = 0.0
                sc1 = _NO_SC
            else:
                (lat1, lon1, h1, f2, sp1, pdu1, pdv1, rla0, rlo0, rla1, rlo1,
                 sc1) = _advect_step(
                    kind, p, t_stage, t, lat, lon, h, dts, u1, v1, w1, m, grid, pert, use_pert,
                    pdu, pdv, pdt, kz, sc,
                )  # fmt: skip
                vx1 = vy1 = vz1 = 0.0
            nstep += 1
            target = np.nan
            ground = False
            if hi == hi and h1 >= hi:
                target = hi
            elif lo == lo and h1 <= lo:
                target = lo
            elif on_ground[s] != 0:
                g1 = terrain_height(lat1, lon1, terr_elev, terr_p)
                if h1 <= g1:
                    ground = True
                    target = g1
            if target == target:
                # locate the crossing inside the step: the root of h(fr) - target(fr) on the
                # fraction fr of the step (the ground's height moves with the position), by
                # regula falsi with the Illinois modification (bracketed, superlinear)
                fa = h - (terrain_height(lat, lon, terr_elev, terr_p) if ground else target)
                fb = h1 - target
                a_ = 0.0
                b_ = 1.0
                side = 0
                tol = 0.01 * abs(h1 - h) + 1e-3
                fr = 1.0
                if fa != fb:
                    for _ in range(30):
                        fr = a_ + (b_ - a_) * fa / (fa - fb)
                        if kind == KIND_BALLISTIC:
                            lat1, lon1, h1, vx1, vy1, vz1, f2 = _ballistic_step(
                                t, bx0, by0, bz0, h, vx, vy, vz, dts * fr, beta, k1, c1x, c1y,
                                c1z, w1x, w1y, w1z, m, grid, pert, use_pert, kz, vu, bdu, bdv,
                                pdu, pdv, pdt,
                            )  # fmt: skip
                            sp1 = math.sqrt(vx1 * vx1 + vy1 * vy1 + vz1 * vz1)
                        else:
                            (lat1, lon1, h1, f2, sp1, pdu1, pdv1, rla0, rlo0, rla1,
                             rlo1, _) = _advect_step(
                                kind, p, t_stage, t, lat, lon, h, dts * fr, u1, v1, w1, m, grid,
                                pert, use_pert, pdu, pdv, pdt, kz, sc,
                            )  # fmt: skip
                        if ground:
                            target = terrain_height(lat1, lon1, terr_elev, terr_p)
                        fm = h1 - target
                        if abs(fm) <= tol:
                            break
                        if (fm > 0.0) == (fa > 0.0):
                            a_ = fr
                            fa = fm
                            if side == -1:
                                fb *= 0.5
                            side = -1
                        else:
                            b_ = fr
                            fb = fm
                            if side == 1:
                                fa *= 0.5
                            side = 1
                dtf = dts * fr
                k_out = _dense_fill(
                    out, i, k_out, n_out, t0[i], direction, out_step, t, dtf, lat, lon, h,
                    lat1, lon1, target, w1 * dtf, (2.0 * (h1 - h) - w1 * dtf), rla0 * dtf,
                    rlo0 * dtf, rla1 * dtf, rlo1 * dtf, kind != KIND_BALLISTIC, top, keep,
                )  # fmt: skip
                t = t + dtf
                lat = lat1
                lon = lon1
                h = target
                sc = _NO_SC
                vx, vy, vz = vx1, vy1, vz1
                speed = sp1
                fl |= f2
                pdt = 0.0  # a new stage (new vertical motion): no extrapolation across it
                s += 1
                if s >= ns:
                    why = END_DONE
                    break
                t_stage = t
                if kinds[s] == KIND_BALLISTIC and kind != KIND_BALLISTIC:
                    # released from the balloon: start with its velocity (wind + vertical)
                    uu, vv, _ = _wind(t, lat, lon, h, m, grid, pert, use_pert)
                    ww = _vrate(kind, p, t_stage, t, h)
                    ex, ey, ez, nx, ny, nz, ux, uy, uz = enu_basis(lat, lon)
                    vx = uu * ex + vv * nx + ww * ux
                    vy = uu * ey + vv * ny + ww * uy
                    vz = uu * ez + vv * nz + ww * uz
                continue
            t_new = t + dts if dt < rem else t_hit
            k_out = _dense_fill(
                out, i, k_out, n_out, t0[i], direction, out_step, t, t_new - t, lat, lon, h,
                lat1, lon1, h1, w1 * dts, 2.0 * (h1 - h) - w1 * dts, rla0 * dts, rlo0 * dts,
                rla1 * dts, rlo1 * dts, kind != KIND_BALLISTIC, top, keep,
            )  # fmt: skip
            t = t_new
            pdu, pdv, pdt = pdu1, pdv1, dts
            lat = lat1
            lon = lon1
            h = h1
            sc = sc1
            vx, vy, vz = vx1, vy1, vz1
            speed = sp1
            fl |= f2
            if t == t_end:
                why = END_TIME
                break
            if stop_region and (f2 & FLAG_REGION):
                why = END_REGION
                break
            if stop_time and (f2 & FLAG_TIME):
                why = END_WINDTIME
                break
            if nstep >= max_steps:
                why = END_STEPS
                break
        if keep == KEEP_PATHS:
            for k in range(k_out, n_out):  # no path after the member stopped
                out[0, i, k] = np.nan
                out[1, i, k] = np.nan
                out[2, i, k] = np.nan
        end[i, 0] = t
        end[i, 1] = lat
        end[i, 2] = lon
        end[i, 3] = h
        end[i, 4] = speed
        end[i, 5] = (t - t0[i]) * direction
        flags[i] = fl
        reason[i] = why
        stage_out[i] = min(s, ns - 1)
        steps[i] = nstep
    return end, flags, reason, stage_out, steps
