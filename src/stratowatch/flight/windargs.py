"""Reduce a `WindField` to the arrays the compiled integrator reads.

Gridded sources (GFS, ERA5, soundings, the climatology: all `GriddedWind` over a `WindGrid`),
calm air, and perturbed ensembles over a gridded base (``PerturbedWind``: the base grid plus the
arrays of its compiled mode sum) run inside the compiled loop. Any other `WindField` is refused
with a `ConfigError` naming what is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..atmosphere.sources import open_wind
from ..atmosphere.uncertainty import constant_uncertainty
from ..atmosphere.wind import CalmWind, GriddedWind, WindField, WindGrid, WindMeta
from ..errors import ConfigError

__all__ = ["KernelWind", "kernel_wind", "resolve_wind"]

_M_PER_DEG = 111_195.0  # m per degree of latitude on the mean sphere (grid-spacing bound only)


@dataclass(frozen=True, eq=False)
class KernelWind:
    """A wind field as compiled-kernel arguments.

    ``grid`` is `WindGrid.arrays()`, ``pert`` the arrays of the perturbation mode sum and the
    error model's kernel arguments (zeros when ``use_pert`` is false), ``cell_m`` the grid spacing in metres (inf when
    horizontally uniform), ``members`` the number of wind members (1 unless an ensemble).
    """

    grid: tuple[Any, ...]
    pert: tuple[Any, ...]
    use_pert: bool
    cell_m: float
    strict_time: bool
    meta: WindMeta
    members: int
    global_grid: bool


def resolve_wind(wind: str | WindField | Any) -> WindField:
    """A `WindField` from a name, a path or a field (`atmosphere.sources.open_wind`)."""
    field = open_wind(wind)
    if not hasattr(field, "uv") or not hasattr(field, "meta"):
        raise ConfigError(
            f"not a wind field: {wind!r}; expected calm, climatology, a wind file or a WindField"
        )
    return field


def _grid_of(field: Any) -> WindGrid | None:
    if isinstance(field, GriddedWind):
        return field.grid
    if isinstance(field, CalmWind):
        return field.grid()
    g = getattr(field, "grid", None)
    if isinstance(g, WindGrid):
        return g
    if callable(g):
        g2 = g()
        if isinstance(g2, WindGrid):
            return g2
    return None


def _contiguous(grid: WindGrid) -> tuple[Any, ...]:
    a: list[Any] = list(grid.arrays())
    a[0] = np.ascontiguousarray(a[0], dtype=np.float64)
    for k in (5, 6, 7):
        a[k] = np.ascontiguousarray(a[k], dtype=np.float32)
    for k in (0, 5, 6, 7):
        # one compiled signature for every source: numba types read-only arrays separately
        if not a[k].flags.writeable:
            a[k] = a[k].copy()
    a[1:5] = [float(x) for x in a[1:5]]
    a[8] = bool(a[8])
    a[9] = float(a[9])
    return tuple(a)


def _writeable(a: Any) -> Any:
    """A C-contiguous, writeable float64 array, copied only when needed (one compiled
    signature; no second copy of 100,000 members' mode arrays)."""
    arr = np.ascontiguousarray(a, dtype=np.float64)
    return arr if arr.flags.writeable else arr.copy()


def _no_pert() -> tuple[Any, ...]:
    z = np.zeros((1, 1), dtype=np.float64)
    unc = constant_uncertainty(0.0).kernel_args()
    return (z, z, z, z, z, z, z, z, z, np.zeros(1, dtype=np.float64), *unc)


def kernel_wind(wind: WindField) -> KernelWind:
    """The compiled-kernel view of ``wind`` (see module notes)."""
    base: Any = wind
    pert = _no_pert()
    use_pert = False
    members = int(getattr(wind.meta, "members", 1) or 1)
    if _grid_of(wind) is None and hasattr(wind, "base"):
        # a perturbed ensemble: its base field plus its mode arrays
        base = wind.base
        modes = getattr(wind, "modes", None)
        unc = getattr(wind, "kernel_uncertainty", None)
        if modes is not None and hasattr(modes, "arrays") and unc is not None:
            kx, ky, kz, kr, om, _, _, amp = (_writeable(a) for a in modes.arrays())
            # the kernel takes cos/sin of the phases (see flight.kernel._pert_sum)
            trig = (
                modes.trig()
                if hasattr(modes, "trig")
                else (np.cos(modes.phase_u), np.sin(modes.phase_u), np.cos(modes.phase_v),
                      np.sin(modes.phase_v))
            )  # fmt: skip
            pert = (kx, ky, kz, kr, om, *(_writeable(a) for a in trig), amp, *unc)
            use_pert = True
    grid = _grid_of(base)
    if grid is None or (hasattr(wind, "base") and not use_pert and _grid_of(wind) is None):
        raise ConfigError(
            f"wind source {wind.meta.source!r} ({type(wind).__name__}) cannot run in the compiled "
            "integrator; use a gridded source (GFS/ERA5 file, sounding, climatology), calm, or a "
            "PerturbedWind over one"
        )
    spacing = wind.meta.grid_spacing_deg
    if spacing is None and grid.nx > 1 and grid.ny > 1:
        spacing = min(abs(grid.dlat), abs(grid.dlon))
    cell = float("inf") if spacing is None else float(spacing) * _M_PER_DEG
    strict = bool(getattr(base, "strict_time", False)) and len(grid.times) > 1
    global_grid = bool(grid.lon_periodic) or grid.nx == 1
    return KernelWind(
        grid=_contiguous(grid),
        pert=pert,
        use_pert=use_pert,
        cell_m=cell,
        strict_time=strict,
        meta=wind.meta,
        members=members,
        global_grid=global_grid,
    )
