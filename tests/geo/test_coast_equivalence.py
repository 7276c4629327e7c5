"""The coast distance's byte-box shortcut and `territory_at`'s nearest-country pass give exactly
what the plain ring search and the all-points pass gave (the previous algorithms, kept here)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from numba import njit

from stratowatch.geo import TERRITORIAL_SEA, distance_to_coast, is_land, territory_at
from stratowatch.geo.countries import country_at, nearest_country
from stratowatch.geo.geodesy import EARTH_RADIUS
from stratowatch.geo.land import _DLAT, _DLON, NLAT, NLON, _check, land_mask_bits


@njit
def _ring_search(
    bits: npt.NDArray[np.uint8],
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    max_d: float,
) -> npt.NDArray[np.float64]:
    """The ring search as it was before the shortcut (every point searched ring by ring)."""
    n = lat.shape[0]
    out = np.empty(n)
    r = EARTH_RADIUS
    dy = np.radians(_DLAT) * r
    for k in range(n):
        i0 = min(max(int((90.0 - lat[k]) / _DLAT), 0), NLAT - 1)
        j0 = min(max(int((lon[k] + 180.0) / _DLON), 0), NLON - 1)
        own = (bits[i0, j0 >> 3] >> (7 - (j0 & 7))) & 1 == 1
        coslat = max(np.cos(np.radians(lat[k])), 1e-3)
        dx = np.radians(_DLON) * r * coslat
        cell = min(dx, dy)
        best = max_d
        ring = 1
        while (ring - 1) * cell < best and ring * cell <= max_d + cell:
            for di in range(-ring, ring + 1):
                i = i0 + di
                if i < 0 or i >= NLAT:
                    continue
                edge = di == -ring or di == ring
                step = 1 if edge else 2 * ring
                for dj in range(-ring, ring + 1, step):
                    j = (j0 + dj) % NLON
                    if ((bits[i, j >> 3] >> (7 - (j & 7))) & 1 == 1) != own:
                        la2 = 90.0 - i * _DLAT
                        lo2 = -180.0 + j * _DLON
                        p1 = np.radians(lat[k])
                        p2 = np.radians(la2)
                        dl = np.radians(lo2 - lon[k])
                        a = (
                            np.sin((p2 - p1) / 2) ** 2
                            + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
                        )
                        d = 2 * r * np.arcsin(np.sqrt(min(max(a, 0.0), 1.0)))
                        if d < best:
                            best = d
            ring += 1
        out[k] = best
    return out


def _points(seed: int, n: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Random points: worldwide (mostly open sea or deep inland), along coasts (the US east and
    Gulf coasts, Alaska, the Aleutians across the 180th meridian), high latitudes."""
    rng = np.random.default_rng(seed)
    world_lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    world_lon = rng.uniform(-180.0, 180.0, n)
    coast_lat = rng.uniform(24.0, 45.0, n)
    coast_lon = rng.uniform(-98.0, -66.0, n)
    ak_lat = rng.uniform(50.0, 72.0, n)
    ak_lon = rng.uniform(-180.0, 180.0, n)
    ak_lon = np.where(rng.uniform(size=n) < 0.5, ak_lon, rng.uniform(170.0, 180.0, n))
    edge_lon = np.concatenate([rng.uniform(179.5, 180.0, 20), rng.uniform(-180.0, -179.5, 20)])
    edge_lat = rng.uniform(50.0, 66.0, 40)
    polar_lat = rng.uniform(80.0, 89.9, 10) * rng.choice([-1.0, 1.0], 10)
    polar_lon = rng.uniform(-180.0, 180.0, 10)
    shore_lat = 33.55 + rng.uniform(-0.03, 0.03, 20)  # within ~3 km of the Surfside shore
    shore_lon = -78.88 + rng.uniform(-0.03, 0.03, 20)
    lat = np.concatenate([world_lat, coast_lat, ak_lat, edge_lat, polar_lat, shore_lat])
    lon = np.concatenate([world_lon, coast_lon, ak_lon, edge_lon, polar_lon, shore_lon])
    return lat, lon


@pytest.mark.parametrize("max_d", [1_500.0, 12_000.0, 30_000.0, 150_000.0, 300_000.0])
def test_distance_to_coast_is_the_ring_search(max_d: float) -> None:
    lat, lon = _points(int(max_d) % 97, 150 if max_d <= 30_000.0 else 50)
    # polar points only at small caps: the ring search there takes millions of cells
    if max_d > 30_000.0:
        keep = np.abs(lat) < 80.0
        lat, lon = lat[keep], lon[keep]
    la, lo = _check(lat, lon)
    want = _ring_search(land_mask_bits(), la, lo, max_d)
    got = distance_to_coast(lat, lon, max_distance=max_d)
    np.testing.assert_array_equal(got, want)
    # both kinds of answer are exercised: capped points and points with a coast in reach
    assert np.any(got == max_d) and np.any(got < max_d)


def _territory_all_points(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> npt.NDArray[np.str_]:
    """`territory_at` as it was: the nearest country computed for every point off the polygons."""
    la, lo = _check(lat, lon)
    out = country_at(la, lo)
    miss = out == ""
    if np.any(miss):
        sub_la, sub_lo = la[miss], lo[miss]
        land = is_land(sub_la, sub_lo)
        near = land | (distance_to_coast(sub_la, sub_lo, max_distance=30_000.0) <= TERRITORIAL_SEA)
        fill = np.where(near, nearest_country(sub_la, sub_lo), "")
        out = out.astype("<U8")
        out[miss] = fill
    return out


def test_territory_at_is_the_all_points_pass() -> None:
    lat, lon = _points(7, 400)
    got = territory_at(lat, lon)
    want = _territory_all_points(lat, lon)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert np.any(got == "") and np.any(got == "US")
    # a point in the US territorial sea off the polygons still takes the nearest country
    near_shore = territory_at(np.array([33.55, 0.0]), np.array([-78.88, -30.0]))
    assert near_shore.tolist() == ["US", ""]
