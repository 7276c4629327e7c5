"""Wind fields built from analytic formulas for the prediction tests (as fixtures: the suite
runs with --import-mode=importlib, so test modules cannot import helpers)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from stratowatch.atmosphere.wind import GriddedWind, WindGrid, WindMeta
from stratowatch.flight.earth import prime_vertical_radius


def global_grid(
    uv: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    *,
    step: float = 1.0,
    levels: tuple[float, ...] = (0.0, 40_000.0),
    times: tuple[float, ...] = (0.0,),
    strict_time: bool = True,
) -> GriddedWind:
    """A global, steady (or multi-time, same field) WindGrid from ``uv(lat, lon)``."""
    lats = np.arange(-90.0, 90.0 + 1e-9, step)
    lons = np.arange(0.0, 360.0 - 1e-9, step)
    la, lo = np.meshgrid(lats, lons, indexing="ij")
    u, v = uv(la, lo)
    nt, nz = len(times), len(levels)
    shape = (nt, nz, lats.size, lons.size)
    z = np.broadcast_to(np.asarray(levels, dtype=np.float32)[None, :, None, None], shape)
    grid = WindGrid(
        np.asarray(times, dtype=np.float64),
        -90.0,
        step,
        0.0,
        step,
        np.ascontiguousarray(z),
        np.ascontiguousarray(np.broadcast_to(u.astype(np.float32), shape)),
        np.ascontiguousarray(np.broadcast_to(v.astype(np.float32), shape)),
        lon_periodic=True,
    )
    meta = WindMeta(
        source="analytic",
        kind="gridded",
        time_start=times[0],
        time_end=times[-1],
        grid_spacing_deg=step,
        time_step_s=None if nt == 1 else times[1] - times[0],
    )
    return GriddedWind(grid, meta, strict_time=strict_time)


def polar_rotation(period_s: float, alt: float) -> GriddedWind:
    """Solid-body rotation about the Earth's axis: u = omega (N + h) cos(lat), v = 0."""
    om = 2.0 * math.pi / period_s

    def uv(la: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = om * (prime_vertical_radius(la) + alt) * np.cos(np.radians(la))
        return u, np.zeros_like(u)

    return global_grid(uv, step=1.0, levels=(0.0, 40_000.0))


@pytest.fixture
def make_global_grid() -> Callable[..., GriddedWind]:
    """`global_grid` as a fixture."""
    return global_grid


@pytest.fixture
def make_polar_rotation() -> Callable[[float, float], GriddedWind]:
    """`polar_rotation` as a fixture."""
    return polar_rotation
