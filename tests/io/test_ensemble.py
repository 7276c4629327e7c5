"""Ensemble outputs: highest density regions hold their share of members, the density grid is
CF NetCDF, bad requests are clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from shapely.geometry import shape

from stratowatch.errors import InputError
from stratowatch.io.ensemble import (
    MemberCloud,
    density_grid,
    region_features,
    write_ensemble_outputs,
)


def bimodal(n: int = 1000, seed: int = 1) -> MemberCloud:
    """Two landing areas astride the antimeridian (60 % / 40 % of the members)."""
    rng = np.random.default_rng(seed)
    k = int(0.6 * n)
    lat = np.r_[rng.normal(52.0, 0.5, k), rng.normal(50.0, 0.3, n - k)]
    lon = np.r_[rng.normal(179.5, 0.8, k), rng.normal(-178.0, 0.4, n - k)]
    return MemberCloud(lat, (lon + 180.0) % 360.0 - 180.0, time=1.675e9, label="landing")


def test_regions_hold_their_level_of_members() -> None:
    grid = density_grid(bimodal())
    assert grid is not None
    feats = region_features(grid)
    inside = {f["properties"]["level"]: f["properties"]["members_inside"] for f in feats}
    # highest density regions (Hyndman 1996): the share inside is the level, up to the grid
    assert inside[0.5] == pytest.approx(0.5, abs=0.04)
    assert inside[0.9] == pytest.approx(0.9, abs=0.03)
    area = {f["properties"]["level"]: f["properties"]["area_km2"] for f in feats}
    assert area[0.5] < area[0.9]
    assert grid.fraction.sum() == pytest.approx(1.0)
    # the kernel density integrates to ~1 over the grid (cell areas in km2)
    step = float(grid.lat[1] - grid.lat[0])
    cell_km2 = (step * 111.195) ** 2 * np.cos(np.radians(grid.lat))[:, None]
    assert float((grid.density * cell_km2).sum()) == pytest.approx(1.0, abs=0.05)


def test_outputs_geojson_regions_and_cf_netcdf(tmp_path: Path) -> None:
    fc = {"type": "FeatureCollection", "features": []}
    files = write_ensemble_outputs(tmp_path / "flight.geojson", fc, bimodal())
    assert [p.name for p in files] == ["flight.geojson", "flight.density.nc"]
    back = json.loads(files[0].read_text())
    regions = [f for f in back["features"] if f["properties"]["layer"] == "end_region"]
    assert {f["properties"]["level"] for f in regions} == {0.5, 0.9}
    for f in regions:
        g = shape(f["geometry"])
        assert g.is_valid and g.geom_type == "MultiPolygon"  # two areas, cut at 180
        assert all(p.exterior.is_ccw for p in g.geoms)
    ds = xr.open_dataset(files[1])
    assert ds.attrs["Conventions"] == "CF-1.8"
    assert ds["lat"].attrs["standard_name"] == "latitude"
    assert ds["lon"].attrs["units"] == "degrees_east"
    assert ds["probability_density"].attrs["units"] == "km-2"
    assert float(ds["member_fraction"].sum()) == pytest.approx(1.0, abs=1e-5)
    assert "time" in ds.coords
    ds.close()
    only = write_ensemble_outputs(tmp_path / "grid.nc", fc, bimodal())
    assert [p.name for p in only] == ["grid.nc"]


def test_bad_requests() -> None:
    fc = {"type": "FeatureCollection", "features": []}
    one = MemberCloud(np.array([45.0]), np.array([-108.0]))
    assert density_grid(one) is None
    with pytest.raises(InputError, match="fewer than 5"):
        write_ensemble_outputs(Path("/tmp/never.nc"), fc, one)
    with pytest.raises(InputError, match="unsupported"):
        write_ensemble_outputs(Path("x.tif"), fc, bimodal())
    with pytest.raises(InputError, match="shape"):
        MemberCloud(np.zeros(3), np.zeros(4)).finite()
