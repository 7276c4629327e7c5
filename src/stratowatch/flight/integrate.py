"""Run stages for arrays of members through the compiled integrator (`flight.kernel`).

`integrate` validates and broadcasts the inputs, reduces the wind to kernel arrays, runs the
members in chunks (bounded memory, progress callbacks) and returns a `RunResult`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..atmosphere.wind import FLAG_ABOVE, WindField
from ..errors import ConfigError, InputError
from ..geo.terrain import TerrainModel, flat_terrain
from ..threads import serial_below
from .kernel import (
    END_DONE,
    END_REGION,
    END_STEPS,
    END_TIME,
    END_WINDTIME,
    KEEP_PATHS,
    KEEP_TOP32,
    KEEP_TOP64,
    run_members,
)
from .models import Stage
from .windargs import KernelWind, kernel_wind

__all__ = ["RunResult", "integrate", "join_results", "END_NAMES"]

FloatArray = npt.NDArray[np.float64]
END_NAMES = {
    END_TIME: "time",
    END_DONE: "done",
    END_REGION: "left wind region",
    END_WINDTIME: "left wind time span",
    END_STEPS: "step limit",
}


@dataclass(frozen=True, eq=False)
class RunResult:
    """Member states from `integrate`.

    lat, lon, alt : (n, n_out) at lead times ``k * out_step`` (NaN after a member stops).
    end_time, end_lat, end_lon, end_alt, end_speed, end_lead : (n,) last state (epoch s, deg,
    deg, m, m/s, s since the member's start). reason : (n,) ``END_*`` code; stage : (n,) index
    of the stage each member ended in; flags : (n,) OR of wind-domain flags; steps : (n,).
    warnings : the wind's own warnings (``meta_warnings``) and counts of members that flew
    above the wind's top (``alt_max``, m) or stopped early. top : (n, 4) each member's highest
    output (output index, lat, lon, alt; compared in the path dtype) when `integrate` was asked
    for ``top_points`` without its paths, else None.
    """

    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    end_time: FloatArray
    end_lat: FloatArray
    end_lon: FloatArray
    end_alt: FloatArray
    end_speed: FloatArray
    end_lead: FloatArray
    reason: npt.NDArray[np.int8]
    stage: npt.NDArray[np.int64]
    flags: npt.NDArray[np.int8]
    steps: npt.NDArray[np.int64]
    warnings: tuple[str, ...] = field(default_factory=tuple)
    meta_warnings: tuple[str, ...] = field(default_factory=tuple)
    alt_max: float = math.inf
    top: FloatArray | None = None


def _run_warnings(
    meta_warnings: Sequence[str],
    flags: npt.NDArray[np.int8],
    reason: npt.NDArray[np.int8],
    alt_max: float,
) -> tuple[str, ...]:
    warnings = list(meta_warnings)
    above = int(np.count_nonzero(flags & FLAG_ABOVE))
    if above:
        warnings.append(
            f"{above} member(s) flew above the wind data's top "
            f"({alt_max:.0f} m); its highest level was used there"
        )
    for code, label in (
        (END_REGION, "left the wind data's region"),
        (END_STEPS, "hit the step limit"),
    ):
        c = int(np.count_nonzero(reason == code))
        if c:
            warnings.append(f"{c} member(s) {label} and stopped early")
    c = int(np.count_nonzero(reason == END_WINDTIME))
    if c:
        warnings.append(f"{c} member(s) left the wind data's time span and stopped early")
    return tuple(warnings)


def join_results(results: Sequence[RunResult]) -> RunResult:
    """Members of several runs (chunks of one ensemble, in member order) as one `RunResult`;
    the warnings are counted again over all of them. One run is returned as it is."""
    if not results:
        raise ConfigError("nothing to join: no runs given")
    if len(results) == 1:
        return results[0]
    first = results[0]
    cat = {
        name: np.concatenate([getattr(r, name) for r in results])
        for name in (
            "lat", "lon", "alt", "end_time", "end_lat", "end_lon", "end_alt", "end_speed",
            "end_lead", "reason", "stage", "flags", "steps",
        )
    }  # fmt: skip
    return RunResult(
        **cat,
        warnings=_run_warnings(first.meta_warnings, cat["flags"], cat["reason"], first.alt_max),
        meta_warnings=first.meta_warnings,
        alt_max=first.alt_max,
        top=None
        if any(r.top is None for r in results)
        else np.concatenate([r.top for r in results if r.top is not None]),
    )


def _as_members(name: str, value: npt.ArrayLike, n: int) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64).ravel()
    if arr.size == 1:
        arr = np.full(n, float(arr[0]))
    if arr.size != n:
        raise InputError(
            f"{name} has {arr.size} values for {n} members", field=name, expected=f"1 or {n}"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"non-finite {name} at member {i}", field=name, value=float(arr[i]), expected="finite"
        )
    return np.array(arr, dtype=np.float64, order="C")


def integrate(
    stages: Sequence[Stage],
    wind: WindField | KernelWind,
    t0: npt.ArrayLike,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    alt: npt.ArrayLike,
    *,
    duration: float,
    backward: bool = False,
    vel: npt.ArrayLike | None = None,
    member: npt.ArrayLike | None = None,
    until_above: npt.ArrayLike | None = None,
    until_below: npt.ArrayLike | None = None,
    params: npt.ArrayLike | None = None,
    out_step: float = 600.0,
    keep_paths: bool = True,
    path_dtype: Any = np.float64,
    chunk: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    max_steps: int = 1_000_000,
    ground: float | TerrainModel | None = None,
    top_points: bool = False,
) -> RunResult:
    """Integrate members through ``stages`` for at most ``duration`` seconds.

    Parameters
    ----------
    stages : the profile, run in order.
    wind : a `WindField` (or its `KernelWind`).
    t0, lat, lon, alt : (n,) or scalars: start epoch s, degrees, m.
    duration : s, > 0; ``backward`` runs time backwards (dt < 0).
    vel : (n, 3) east/north/up m/s at the start (first ballistic stage only).
    member : (n,) wind-ensemble member per member (default ``i % members``).
    until_above, until_below : (n, S) per-member terminator overrides (NaN: stage default).
    params : (n, S, 4) per-member model parameters replacing the stages' own (``Model.params``).
    out_step : s between stored path points; ``keep_paths=False`` stores only the start.
    path_dtype : float64 (default) or float32 (half the memory, ~1 m) for the stored paths.
    top_points : with ``keep_paths=False``, find each member's highest output point (at the
        lead times ``k * out_step``, compared in ``path_dtype``) as the paths are integrated,
        without storing them: ``RunResult.top``.
    chunk : members per kernel call (bounds memory); ``progress(done, total)`` after each.
    ground : where stages with ``until_ground`` end: a height (m above MSL), a
        `geo.terrain.TerrainModel` (the path ends where it meets the DEM's ground), or None
        (sea level).
    """
    if not stages:
        raise ConfigError("a profile needs at least one stage")
    if not (math.isfinite(duration) and duration > 0.0):
        raise ConfigError(f"duration must be positive seconds, got {duration!r}")
    if not (math.isfinite(out_step) and out_step > 0.0):
        raise ConfigError(f"output step must be positive seconds, got {out_step!r}")
    kw = wind if isinstance(wind, KernelWind) else kernel_wind(wind)
    shapes = [np.shape(x) for x in (t0, lat, lon, alt)]
    n = max(int(np.prod(s)) for s in shapes)
    if n == 0:
        raise ConfigError("no members to integrate (members must be >= 1)")
    tt = _as_members("time", t0, n)
    la = _as_members("lat", lat, n)
    lo = _as_members("lon", lon, n)
    al = _as_members("alt", alt, n)
    if np.any(np.abs(la) > 90.0):
        i = int(np.argmax(np.abs(la) > 90.0))
        raise InputError(
            "latitude out of range", field="lat", value=float(la[i]), expected="-90..90"
        )
    lo = ((lo + 180.0) % 360.0) - 180.0
    s_count = len(stages)
    kinds = np.array([st.model.kind for st in stages], dtype=np.int64)
    par = np.empty((n, s_count, 4))
    par[:] = np.array([st.model.params() for st in stages], dtype=np.float64)[None, :, :]
    if params is not None:
        par[:] = np.broadcast_to(np.asarray(params, dtype=np.float64), (n, s_count, 4))
    hi = np.array([np.nan if st.until_above is None else st.until_above for st in stages])
    low = np.array([np.nan if st.until_below is None else st.until_below for st in stages])
    # np.array copies: writeable C arrays give one compiled signature (read-only views differ)
    term_hi = np.array(np.broadcast_to(hi, (n, s_count)), dtype=np.float64, order="C")
    term_lo = np.array(np.broadcast_to(low, (n, s_count)), dtype=np.float64, order="C")
    for over, target in ((until_above, term_hi), (until_below, term_lo)):
        if over is not None:
            o = np.broadcast_to(np.asarray(over, dtype=np.float64), (n, s_count))
            target[:] = np.where(np.isnan(o), target, o)
    if vel is None:
        v0 = np.zeros((n, 3))
    else:
        v0 = np.array(np.broadcast_to(np.asarray(vel, dtype=np.float64), (n, 3)), order="C")
        if not np.all(np.isfinite(v0)):
            raise InputError("non-finite start velocity", field="vel", expected="finite m/s")
    if member is None:
        mem = np.arange(n, dtype=np.int64) % max(kw.members, 1)
    else:
        mem = np.array(np.broadcast_to(np.asarray(member, dtype=np.int64), (n,)), order="C")
        if np.any(mem < 0) or np.any(mem >= max(kw.members, 1)):
            raise InputError(
                "wind member index out of range",
                field="member",
                value=int(mem[(mem < 0) | (mem >= kw.members)][0]),
                expected=f"0..{kw.members - 1}",
            )
    if ground is None:
        terrain = flat_terrain(0.0)
    elif isinstance(ground, TerrainModel):
        terrain = ground
    else:
        try:
            terrain = flat_terrain(float(ground))
        except (TypeError, ValueError):
            raise ConfigError(
                f"ground must be a height in m or a TerrainModel, got {ground!r}"
            ) from None
    terr_elev, terr_p = terrain.kernel_args()
    on_ground = np.array([1 if st.until_ground else 0 for st in stages], dtype=np.int64)
    dt_max = np.array([st.dt_max for st in stages], dtype=np.float64)
    dz_max = np.array([st.dz_max for st in stages], dtype=np.float64)
    n_full = int(math.floor(duration / out_step + 1e-9)) + 1
    track = top_points and not keep_paths
    n_out = n_full if keep_paths or track else 1
    direction = -1.0 if backward else 1.0
    dtype = np.dtype(path_dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ConfigError(f"path_dtype must be float64 or float32, got {path_dtype!r}")
    chunk = max(int(chunk), 1)
    # one kernel call in float64: it writes the result itself (no second copy); otherwise
    # every chunk writes one reused buffer, copied into its own rows whole (NaN after a
    # member stops: no fill needed). numpy allocates them: huge pages (see `run_members`)
    keep = KEEP_PATHS
    if track:
        keep = KEEP_TOP32 if dtype == np.dtype(np.float32) else KEEP_TOP64
    n_col = 1 if track else n_out  # the columns stored: the starts only when tracking tops
    direct = chunk >= n and dtype == np.float64
    out = np.empty((3, n, n_col), dtype)
    buf = out if direct else np.empty((3, min(chunk, n), n_col))
    top = np.empty((n, 4)) if track else np.empty((0, 4))
    end = np.empty((n, 6))
    flags = np.empty(n, dtype=np.int8)
    reason = np.empty(n, dtype=np.int8)
    stage = np.empty(n, dtype=np.int64)
    steps = np.empty(n, dtype=np.int64)
    # a few milliseconds of work or less run on this thread alone (`threads.serial_below`):
    # ~1.5 us a member-step, and a 48 h float takes 48 steps
    est_steps = n * duration / max(float(dt_max.min()), 1.0)
    with serial_below(est_steps, 8192):
        for a in range(0, n, chunk):
            b = min(a + chunk, n)
            o = buf if b - a == buf.shape[1] else np.empty((3, b - a, n_col))
            e, f, r, s, k = run_members(
                tt[a:b],
                la[a:b],
                lo[a:b],
                al[a:b],
                v0[a:b],
                kinds,
                np.ascontiguousarray(par[a:b]),
                np.ascontiguousarray(term_hi[a:b]),
                np.ascontiguousarray(term_lo[a:b]),
                dt_max,
                dz_max,
                float(duration),
                direction,
                float(kw.cell_m),
                float(out_step),
                n_out,
                True,
                kw.strict_time,
                np.ascontiguousarray(mem[a:b]),
                kw.grid,
                kw.pert,
                kw.use_pert,
                int(max_steps),
                on_ground,
                terr_elev,
                terr_p,
                o,
                top[a:b] if track else top,
                keep,
            )
            if not direct:
                out[:, a:b] = o
            end[a:b] = e
            flags[a:b] = f
            reason[a:b] = r
            stage[a:b] = s
            steps[a:b] = k
            if progress is not None:
                progress(b, n)
    meta_warnings = tuple(kw.meta.warnings)
    return RunResult(
        lat=out[0],
        lon=out[1],
        alt=out[2],
        end_time=end[:, 0].copy(),
        end_lat=end[:, 1].copy(),
        end_lon=end[:, 2].copy(),
        end_alt=end[:, 3].copy(),
        end_speed=end[:, 4].copy(),
        end_lead=end[:, 5].copy(),
        reason=reason,
        stage=stage,
        flags=flags,
        steps=steps,
        warnings=_run_warnings(meta_warnings, flags, reason, kw.meta.alt_max),
        meta_warnings=meta_warnings,
        alt_max=float(kw.meta.alt_max),
        top=top if track else None,
    )
