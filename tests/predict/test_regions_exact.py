"""`predict.regions.radius_quantiles_km` solves the WGS84 geodesic only for the points that can
sit at the quantiles' ranks; its radii must be bit-identical to solving every point."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.predict.regions import distance_km, radius_quantiles_km


def _all_geodesics(lat, lon, lat0, lon0, levels):  # type: ignore[no-untyped-def]
    ok = np.isfinite(lat) & np.isfinite(lon)
    d = distance_km(lat[ok], lon[ok], lat0, lon0)
    return [float(np.quantile(d, q)) for q in levels]


@pytest.mark.parametrize("seed", range(12))
def test_radius_quantiles_identical_to_every_geodesic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.choice([2001, 7000, 40000]))
    lat0, lon0 = float(rng.uniform(-89.0, 89.0)), float(rng.uniform(-180.0, 180.0))
    spread = float(rng.choice([0.001, 0.5, 8.0, 60.0, 170.0]))  # 100 m .. antipodes
    lat = np.clip(lat0 + rng.normal(0.0, spread, n), -90.0, 90.0)
    lon = lon0 + rng.normal(0.0, 2.0 * spread, n)
    if seed % 3 == 0:
        lat[: n // 3], lon[: n // 3] = lat0, lon0  # many ties, at distance 0
    if seed % 4 == 0:
        lat[::97] = np.nan  # members without an end
    levels = (0.0, 0.1, 0.5, 0.9, 0.99, 1.0) if seed % 2 else (0.5, 0.9)
    got = radius_quantiles_km(lat, lon, lat0, lon0, levels)
    assert got == _all_geodesics(lat, lon, lat0, lon0, levels)


def test_radius_quantiles_float32_ends_and_no_points() -> None:
    rng = np.random.default_rng(5)
    lat = (44.6 + rng.normal(0.0, 9.0, 5000)).astype(np.float32)
    lon = (-85.0 + rng.normal(0.0, 14.0, 5000)).astype(np.float32)
    got = radius_quantiles_km(lat, lon, 44.6, -85.0, (0.5, 0.9))
    assert got == _all_geodesics(lat, lon, 44.6, -85.0, (0.5, 0.9))
    nan = np.full(3, np.nan)
    assert all(np.isnan(radius_quantiles_km(nan, nan, 0.0, 0.0, (0.5,))))
