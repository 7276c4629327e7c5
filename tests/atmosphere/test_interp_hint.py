"""The level hint of `interp_point_k` changes the cost of the vertical search, never its result."""

from __future__ import annotations

import numpy as np

from stratowatch.atmosphere.wind import WindGrid, interp_point, interp_point_k


def _grid(rng: np.random.Generator) -> WindGrid:
    """A small GFS-like grid: column heights increase with level by uneven, varying steps."""
    nt, nz, ny, nx = 3, 12, 5, 7
    steps = rng.uniform(200.0, 3000.0, (nt, nz, ny, nx)).astype(np.float32)
    steps[:, 0] = rng.uniform(-50.0, 400.0, (nt, ny, nx))
    z = np.cumsum(steps, axis=1, dtype=np.float32)
    u = rng.normal(0.0, 15.0, z.shape).astype(np.float32)
    v = rng.normal(0.0, 15.0, z.shape).astype(np.float32)
    times = 1.7e9 + np.array([0.0, 10_800.0, 21_600.0])
    return WindGrid(times, 40.0, 1.0, -110.0, 1.0, z, u, v)


def test_every_hint_gives_the_bisection_result() -> None:
    rng = np.random.default_rng(7)
    g = _grid(rng)
    args = g.arrays()
    nz = g.nz
    n = 1500
    t = rng.uniform(g.times[0] - 3600.0, g.times[-1] + 3600.0, n)
    lat = rng.uniform(39.5, 44.5, n)
    lon = rng.uniform(-110.5, -103.5, n)
    alt = rng.uniform(-500.0, float(g.z.max()) + 2000.0, n)
    # points exactly on level heights of a grid node (the layer edges)
    k_at = rng.integers(0, nz, 200)
    alt[:200] = g.z[0, k_at, 2, 3]
    lat[:200] = 42.0
    lon[:200] = -107.0
    t[:200] = g.times[0]
    found = 0
    for i in range(n):
        ref = interp_point(t[i], lat[i], lon[i], alt[i], *args)
        u0, v0, f0, k0 = interp_point_k(t[i], lat[i], lon[i], alt[i], -1, *args)
        assert (u0, v0, f0) == ref
        found += k0 >= 0
        hints = {-1, 0, 1, nz - 3, nz - 2, nz - 1, nz, int(rng.integers(0, nz))}
        if k0 >= 0:
            hints |= {k0 - 2, k0 - 1, k0, k0 + 1, k0 + 2}
        for h in hints:
            u, v, f, k = interp_point_k(t[i], lat[i], lon[i], alt[i], h, *args)
            assert (u, v, f) == ref, (i, h)
            assert k == k0, (i, h)
    assert found > n // 2  # most points lie inside the columns: the hinted path is exercised
