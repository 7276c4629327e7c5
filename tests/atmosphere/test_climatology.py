"""Embedded HWM93 climatology (issue 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from stratowatch.atmosphere import open_wind
from stratowatch.atmosphere.climatology import YEAR_S, climatology_grid, climatology_wind
from stratowatch.timeutil import to_epoch


def test_february_45n_110w_18km() -> None:
    """Issue 2: climatology, February, 45 N 110 W, 18 km: u within 1 m/s of 14.1 (HWM93)."""
    w = open_wind("climatology")
    u, v = w.uv(to_epoch("2023-02-15T12:00Z"), 45.0, -110.0, 18_000.0)
    assert abs(float(u) - 14.1) < 1.0
    assert abs(float(v) - (-0.7)) < 1.0


def test_cached_and_cyclic() -> None:
    assert climatology_grid() is climatology_grid()
    g = climatology_grid()
    assert g.lon_periodic and g.period == pytest.approx(YEAR_S)
    w = climatology_wind()
    t = to_epoch("2024-07-01T00:00Z")
    # longitude is cyclic: -110 and 250 are the same meridian, 355 lies between 350 and 0
    a = w.uv(t, 45.0, -110.0, 18_000.0)
    b = w.uv(t, 45.0, 250.0, 18_000.0)
    assert np.allclose(a, b)
    u355, _ = w.uv(t, 10.0, 355.0, 20_000.0)
    u350, _ = w.uv(t, 10.0, 350.0, 20_000.0)
    u0, _ = w.uv(t, 10.0, 0.0, 20_000.0)
    assert float(u355) == pytest.approx(0.5 * (float(u350) + float(u0)), abs=1e-4)
    # the year is cyclic: 1 January lies between the December and January fields
    jan1 = w.uv(to_epoch("2023-01-01T00:00Z"), 45.0, -110.0, 18_000.0)[0]
    dec = w.uv(to_epoch("2022-12-15T12:00Z"), 45.0, -110.0, 18_000.0)[0]
    jan = w.uv(to_epoch("2023-01-15T12:00Z"), 45.0, -110.0, 18_000.0)[0]
    assert min(dec, jan) - 0.01 <= jan1 <= max(dec, jan) + 0.01


@pytest.mark.shared
def test_packed_copy_matches_source(shared_data: Path) -> None:
    """The packed int16 copy reproduces the HWM93 source to its 0.01 m/s quantisation."""
    g = climatology_grid()
    with xr.open_dataset(shared_data / "wind" / "hwm93_monthly_climatology.nc") as ds:
        ds = ds.transpose("month", "altitude_km", "latitude", "longitude")
        assert np.max(np.abs(ds["u"].values - g.u)) <= 0.006
        assert np.max(np.abs(ds["v"].values - g.v)) <= 0.006
        assert np.allclose(g.z[0, :, 0, 0], ds["altitude_km"].values * 1000.0)
