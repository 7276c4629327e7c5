"""Fixtures of the CLI edge-case suite: a real regional wind file, a tiny track."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

GFS = "wind/gfs_2011011012_f120_2p5deg.grib2"
G0 = 9.80665  # m/s2, standard gravity: geopotential = g0 x geopotential height


@pytest.fixture(scope="session")
def regional_wind(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real GFS 2011-01-15 12Z analysis cut to 30..60 N, 130..100 W and written as an
    ERA5-layout NetCDF (u, v, z on pressure levels): a regional wind file."""
    import xarray as xr

    ds = xr.open_dataset(
        shared_data / GFS,
        engine="cfgrib",
        backend_kwargs={"filter_by_keys": {"typeOfLevel": "isobaricInhPa"}, "indexpath": ""},
    )
    box = ds[["u", "v", "gh"]].sel(latitude=slice(60, 30), longitude=slice(230, 260))
    dims = ("valid_time", "pressure_level", "latitude", "longitude")
    out = xr.Dataset(
        {
            "u": (dims, box.u.values[None], {"units": "m s**-1"}),
            "v": (dims, box.v.values[None], {"units": "m s**-1"}),
            "z": (dims, (box.gh.values * G0)[None].astype("f4"), {"units": "m**2 s**-2"}),
        },
        coords={
            "valid_time": np.array([ds.valid_time.values]),
            "pressure_level": ("pressure_level", box.isobaricInhPa.values, {"units": "hPa"}),
            "latitude": box.latitude.values,
            "longitude": box.longitude.values,
        },
    )
    path = tmp_path_factory.mktemp("wind") / "gfs_2011011512_west.nc"
    out.to_netcdf(path)
    ds.close()
    return path


@pytest.fixture()
def fixes(tmp_path: Path) -> Path:
    """Three position fixes of a float over Montana, 2023-02-01."""
    p = tmp_path / "fixes.csv"
    p.write_text(
        "time,lat,lon,alt\n"
        "2023-02-01T15:00Z,47.30,-111.50,18300\n"
        "2023-02-01T16:00Z,47.20,-110.60,18300\n"
        "2023-02-01T17:00Z,47.10,-109.70,18300\n"
    )
    return p


@pytest.fixture()
def blocked(tmp_path: Path) -> Path:
    """A regular file: any path under it cannot be written (for root too)."""
    p = tmp_path / "not-a-folder"
    p.write_text("x")
    return p
