r"""Ballistic fall of fragments to the ground, vectorized over fragments and wind members.

`fall` integrates the full 3-D equations of motion (drag relative to the moving air, gravity
with height, Coriolis; `flight.kernel`) with air density from the US Standard Atmosphere 1976,
so the terminal velocity :math:`v_t = \sqrt{2\beta g/\rho(h)}` emerges rather than being
imposed, and a dense fragment released with the balloon's horizontal speed carries it down.

Example: still air, 60,000 ft, beta = 50 kg/m2 reaches the ground in about 400 s; terminal
speed at sea level is :math:`\sqrt{2 \cdot 50 \cdot 9.80665 / 1.225} = 28.3` m/s.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..atmosphere.wind import WindField
from ..errors import ConfigError
from ..geo.terrain import TerrainModel, flat_terrain
from ..timeutil import to_epoch, to_epoch_array
from .integrate import integrate
from .kernel import END_DONE
from .models import Ballistic, Stage
from .windargs import KernelWind, resolve_wind

__all__ = ["FALL_DT_S", "FALL_DZ_M", "FallResult", "fall"]

# Largest step of a fall: 20 s and 800 m of altitude. Measured against 1 s / 25 m steps
# (`tests/flight/test_ballistic.py::test_default_steps_converge_for_a_break_up_in_the_wind`:
# 400 fragments, beta 5-140 kg/m2, from 18.3 km in the February climatology wind over
# Montana, drifting a median 8.9 km), the landing points move a median 12 m (p90 16 m) and
# the fall times 0.12 %. Before the mid-step density fix in `flight.kernel._ballistic_step`
# the steps were 10 s / 400 m, and the landings moved a median 56 m (fall times 0.5 %).
FALL_DT_S = 20.0
FALL_DZ_M = 800.0

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class FallResult:
    """Impact of each fragment (arrays of shape (n,)).

    time : epoch s of impact; lat, lon : degrees; speed : m/s at impact (ground-relative);
    duration : s from release; landed : bool (False when the fall stopped for another reason:
    left the wind region, or ``max_duration`` elapsed; then time/lat/lon are the last state);
    warnings : tuple of str.
    """

    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    speed: FloatArray
    duration: FloatArray
    landed: npt.NDArray[np.bool_]
    warnings: tuple[str, ...]


def fall(
    t0: npt.ArrayLike | str | _dt.datetime,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    alt: npt.ArrayLike,
    vel_e: npt.ArrayLike,
    vel_n: npt.ArrayLike,
    vel_u: npt.ArrayLike,
    beta: npt.ArrayLike,
    wind: WindField | KernelWind | str,
    *,
    member: npt.ArrayLike | None = None,
    dt: float = FALL_DT_S,
    dz: float = FALL_DZ_M,
    ground: float | TerrainModel = 0.0,
    max_duration: float = 6 * 3600.0,
    chunk: int = 100_000,
) -> FallResult:
    """Fall of fragments released at (t0, lat, lon, alt) with velocity (vel_e, vel_n, vel_u).

    Parameters
    ----------
    t0 : release time: epoch s (array), or an ISO string / datetime; lat, lon : degrees; alt : m above MSL; vel_e, vel_n, vel_u : m/s (east,
        north, up, ground-relative); beta : kg/m2, ballistic coefficient m / (Cd A), > 0.
        All broadcast to one shape (n,).
    wind : any gridded `WindField` (GFS/ERA5/sounding/climatology, calm, PerturbedWind), a
        source name/path, or a prepared `KernelWind`.
    member : (n,) wind member index per fragment (ensemble winds); default ``i % members``.
    dt : largest step (s); dz : largest altitude change per step (m); ground : impact height
        (m above MSL), or a `geo.terrain.TerrainModel` (impact where the fall meets the DEM's
        ground); max_duration : s, a fragment still airborne then is reported not landed.

    Returns
    -------
    FallResult

    Notes
    -----
    Equations and integrator in `flight.kernel` ([USSA1976]_, [NIMA8350]_). The impact is
    located inside the last step to within 1 % of that step's altitude change.
    """
    b = np.asarray(beta, dtype=np.float64)
    if b.size == 0 or np.any(~np.isfinite(b)) or np.any(b <= 0.0):
        bad = b[~(np.isfinite(b) & (b > 0))] if b.size else b
        raise ConfigError(
            "ballistic coefficient beta must be positive kg/m2"
            + (f", got {float(bad.ravel()[0])!r}" if bad.size else " (no fragments given)")
        )
    t_epoch = (
        to_epoch(t0) if isinstance(t0, str | _dt.datetime | np.datetime64) else to_epoch_array(t0)
    )
    inputs = [
        np.asarray(x, dtype=np.float64) for x in (t_epoch, lat, lon, alt, vel_e, vel_n, vel_u, b)
    ]
    shape = np.broadcast_shapes(
        *(a.shape for a in inputs), () if member is None else np.shape(member)
    )
    arrays = [np.broadcast_to(a, shape) for a in inputs]
    if member is not None:
        member = np.broadcast_to(np.asarray(member), shape).ravel()
    flat = [np.ascontiguousarray(a.ravel()) for a in arrays]
    tt, la, lo, al, ve, vn, vu, bb = flat
    terrain = ground if isinstance(ground, TerrainModel) else flat_terrain(float(ground))
    below = al < terrain.elevation_at(la, lo)
    if np.any(below):
        i = int(np.argmax(below))
        raise ConfigError(
            f"release altitude {al[i]:g} m below the ground "
            f"({float(terrain.elevation_at(la[i], lo[i])):g} m) at fragment {i}"
        )
    field = wind if isinstance(wind, KernelWind) else resolve_wind(wind)
    # one stage; beta varies per fragment through the per-member parameter array
    stage = Stage(Ballistic(1.0), until_ground=True, dt_max=dt, dz_max=dz)
    params = np.zeros((tt.size, 1, 4))
    params[:, 0, 0] = bb
    res = integrate(
        [stage],
        field,
        tt,
        la,
        lo,
        al,
        duration=max_duration,
        vel=np.stack([ve, vn, vu], axis=1),
        member=member,
        params=params,
        keep_paths=False,
        out_step=max_duration,
        chunk=chunk,
        ground=terrain,
    )
    landed = res.reason == END_DONE
    warnings = list(res.warnings)
    if not landed.all():
        warnings.append(f"{int((~landed).sum())} fragment(s) did not reach the ground")
    return FallResult(
        time=res.end_time,
        lat=res.end_lat,
        lon=res.end_lon,
        speed=res.end_speed,
        duration=res.end_lead,
        landed=landed,
        warnings=tuple(warnings),
    )
