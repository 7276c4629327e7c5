"""Gridded winds: GFS GRIB2/GRIB1 samples and ERA5-layout NetCDF written here (issue 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from stratowatch.atmosphere import open_wind
from stratowatch.atmosphere.gridded import (
    check_grib_complete,
    geometric_from_geopotential_height,
    open_gridded,
)
from stratowatch.atmosphere.standard import G0, altitude_from_pressure
from stratowatch.atmosphere.wind import GriddedWind
from stratowatch.errors import DomainError, InputError
from stratowatch.timeutil import to_epoch

GRIB2 = "wind/gfs_2011011012_f120_2p5deg.grib2"
GRIB1 = "wind/gfs_2011100800_f072_2p5deg.grb1"
T_GRIB2 = to_epoch("2011-01-15T12:00Z")


def _plain_xarray_column(path: Path, lat: float, lon360: float, alt: float) -> tuple[float, float]:
    """Independent check: xarray's own linear interpolation of each level to the point, then
    linear in geometric height (List 1968 gravity, written out here again)."""
    out = {}
    for name in ("u", "v", "gh"):
        ds = xr.open_dataset(
            path,
            engine="cfgrib",
            decode_timedelta=True,
            backend_kwargs={
                "filter_by_keys": {"typeOfLevel": "isobaricInhPa", "shortName": name},
                "indexpath": "",
            },
        )
        out[name] = ds[name].interp(latitude=lat, longitude=lon360).values.astype(float)
        ds.close()
    phi = np.radians(lat)
    g = 9.780356 * (1 + 0.0052885 * np.sin(phi) ** 2 - 0.0000059 * np.sin(2 * phi) ** 2)
    r = 6378137.0 / (1.006803 - 0.006706 * np.sin(phi) ** 2)
    z = r * out["gh"] / (g / 9.80665 * r - out["gh"])
    order = np.argsort(z)
    return (
        float(np.interp(alt, z[order], out["u"][order])),
        float(np.interp(alt, z[order], out["v"][order])),
    )


@pytest.mark.shared
def test_gfs_grib2_reference_point(shared_data: Path) -> None:
    """Issue 2: GFS 2011-01-15T12Z, 47.5 N 111 W, 18 km: u = 25.9 +- 0.3, v = -18.4 +- 0.3,
    cross-checked by a plain xarray interpolation of the same file."""
    path = shared_data / GRIB2
    w = open_wind(path)
    u, v = w.uv(T_GRIB2, 47.5, -111.0, 18_000.0)
    assert float(u) == pytest.approx(25.9, abs=0.3)
    assert float(v) == pytest.approx(-18.4, abs=0.3)
    ux, vx = _plain_xarray_column(path, 47.5, 249.0, 18_000.0)
    assert float(u) == pytest.approx(ux, abs=0.02)
    assert float(v) == pytest.approx(vx, abs=0.02)
    # README reference levels: 100 hPa (15.9 km) u = 28.4, v = -16.6
    z100 = geometric_from_geopotential_height(15_900.0, 47.5)
    u100, v100 = w.uv(T_GRIB2, 47.5, -111.0, float(z100))
    assert float(u100) == pytest.approx(28.4, abs=0.5)
    assert float(v100) == pytest.approx(-16.6, abs=0.5)
    # single time: a steady field, with the warning carried in its metadata
    assert any("steady" in s for s in w.meta.warnings)
    assert np.allclose(w.uv(T_GRIB2 + 86400 * 30, 47.5, -111.0, 18_000.0), (u, v))


@pytest.mark.shared
def test_gfs_grib1_reads(shared_data: Path) -> None:
    path = shared_data / GRIB1
    w = open_wind(path)
    assert isinstance(w, GriddedWind)
    assert w.grid.nz == 26 and w.grid.ny == 73 and w.grid.nx == 144
    u, v = w.uv(to_epoch("2011-10-11T00:00Z"), 47.5, -111.0, 18_000.0)
    ux, vx = _plain_xarray_column(path, 47.5, 249.0, 18_000.0)
    assert float(u) == pytest.approx(ux, abs=0.02)
    assert float(v) == pytest.approx(vx, abs=0.02)


@pytest.mark.shared
def test_bbox_subset_and_dateline(shared_data: Path) -> None:
    path = shared_data / GRIB2
    full = open_gridded(path)
    box = open_gridded(path, bbox=(-130.0, 30.0, -100.0, 60.0), levels=[100, 70, 50])
    assert box.grid.nz == 3 and box.grid.ny < 20 and box.grid.nx < 20
    lat = np.array([31.0, 47.5, 59.0])
    lon = np.array([-129.0, -111.0, 259.0])
    z = geometric_from_geopotential_height(np.array([16_500.0, 18_000.0, 19_500.0]), lat)
    assert np.allclose(box.uv(T_GRIB2, lat, lon, z), full.uv(T_GRIB2, lat, lon, z), atol=1e-4)
    # a box across the dateline, queried in both longitude conventions
    dl = open_gridded(path, bbox=(170.0, -10.0, -170.0, 10.0))
    assert not dl.grid.lon_periodic and dl.grid.nx <= 12
    lons = np.array([171.0, 179.9, -179.9, 185.0, -171.0])
    for lo in lons:
        assert np.allclose(dl.uv(T_GRIB2, 2.0, lo, 12_000.0), full.uv(T_GRIB2, 2.0, lo, 12_000.0))
    # poles: defined and finite at +-90 on the global grid
    u, v = full.uv(T_GRIB2, np.array([90.0, -90.0]), 10.0, 10_000.0)
    assert np.all(np.isfinite(u)) and np.all(np.isfinite(v))


def _era5(
    tmp_path: Path, layout: str, *, lon_180: bool, times: int = 2, name: str = "era5.nc"
) -> Path:
    """A small ERA5-like pressure-level file: analytic winds (linear in lat and level index,
    u stepping by 10 m/s per 6 h), z = g0 * H of the standard atmosphere at each level."""
    levels = np.array([1000.0, 500.0, 100.0, 50.0])
    lat = np.arange(90.0, -90.1, -10.0)  # stored north to south, like ERA5
    lon = np.arange(-180.0, 180.0, 10.0) if lon_180 else np.arange(0.0, 360.0, 10.0)
    tt = pd.date_range("2023-02-01T00:00", periods=times, freq="6h").values
    ti = np.arange(times)[:, None, None, None]
    k = np.arange(levels.size)[None, :, None, None]
    la = lat[None, None, :, None]
    lo = lon[None, None, None, :]
    shape = (times, levels.size, lat.size, lon.size)
    u = np.broadcast_to(5.0 + 0.2 * la + 3.0 * k + 10.0 * ti + 0 * lo, shape).astype("f4")
    v = np.broadcast_to(-2.0 + 0.1 * la - 1.0 * k + 0 * ti + 0 * lo, shape).astype("f4")
    h = altitude_from_pressure(levels * 100.0)  # geopotential height, m
    z = np.broadcast_to(G0 * h[None, :, None, None], shape).astype("f4")
    tname, lname = ("valid_time", "pressure_level") if layout == "new" else ("time", "level")
    dims = (tname, lname, "latitude", "longitude")
    ds = xr.Dataset(
        {
            "u": (dims, u, {"units": "m s**-1"}),
            "v": (dims, v, {"units": "m s**-1"}),
            "z": (dims, z, {"units": "m**2 s**-2", "long_name": "Geopotential"}),
        },
        coords={
            tname: tt,
            lname: (lname, levels, {"units": "millibars"}),
            "latitude": lat,
            "longitude": lon,
        },
    )
    if layout == "new":
        ds = ds.assign_coords(number=0, expver=("valid_time", np.array(["0001"] * times)))
    path = tmp_path / name
    ds.to_netcdf(path)
    return path


@pytest.mark.parametrize(("layout", "lon_180"), [("new", False), ("legacy", True)])
def test_era5_layouts(tmp_path: Path, layout: str, lon_180: bool) -> None:
    path = _era5(tmp_path, layout, lon_180=lon_180)
    w = open_wind(path)
    assert isinstance(w, GriddedWind)
    assert w.grid.lat0 == -90.0 and w.grid.dlat == 10.0  # flipped to south-north
    assert w.grid.lon_periodic
    h = altitude_from_pressure(np.array([50_000.0, 10_000.0]))
    lat = 45.0
    z = geometric_from_geopotential_height(h, lat)
    t0 = to_epoch("2023-02-01T00:00Z")
    # exact for fields linear in lat, level and time: at level 500 hPa (k=1), 3 h in
    u, v = w.uv(t0 + 3 * 3600, lat, [-37.0, 323.0], float(z[0]))
    assert np.allclose(u, 5.0 + 0.2 * 45 + 3.0 + 5.0, atol=1e-4)
    assert np.allclose(v, -2.0 + 0.1 * 45 - 1.0, atol=1e-4)
    # halfway between 500 and 100 hPa in geometric height
    u, _ = w.uv(t0, lat, 100.0, float(0.5 * (z[0] + z[1])))
    assert float(u) == pytest.approx(5.0 + 9.0 + 4.5, abs=1e-3)
    assert w.meta.time_start == t0 and w.meta.time_step_s == 6 * 3600
    with pytest.raises(DomainError, match="outside"):
        w.uv(t0 + 7 * 3600, lat, 0.0, 10_000.0)


def test_era5_files_concatenated_along_time(tmp_path: Path) -> None:
    both = _era5(tmp_path, "new", lon_180=False, times=2, name="both.nc")
    with xr.open_dataset(both) as ds:
        ds.isel(valid_time=[0]).to_netcdf(tmp_path / "a.nc")
        ds.isel(valid_time=[1]).to_netcdf(tmp_path / "b.nc")
    whole = open_wind(both)
    parts = open_wind([tmp_path / "b.nc", tmp_path / "a.nc"])  # any order
    assert isinstance(parts, GriddedWind)
    assert parts.grid.times.size == 2
    pts = (to_epoch("2023-02-01T04:00Z"), [10.0, -33.0], [5.0, 200.0], [3000.0, 17_000.0])
    assert np.allclose(parts.uv(*pts), whole.uv(*pts))
    single = open_wind(tmp_path / "a.nc")
    assert any("steady" in s for s in single.meta.warnings)
    with pytest.raises(InputError, match="same valid time"):
        open_wind([tmp_path / "a.nc", tmp_path / "a.nc"])


def test_netcdf_without_wind(tmp_path: Path) -> None:
    path = tmp_path / "temperature.nc"
    xr.Dataset({"t": (("level", "latitude", "longitude"), np.zeros((2, 3, 4)))}).to_netcdf(path)
    with pytest.raises(InputError) as info:
        open_wind(path)
    assert "temperature.nc" in str(info.value) and "no wind variables" in str(info.value)


@pytest.mark.shared
def test_truncated_grib(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / GRIB2).read_bytes()
    assert check_grib_complete(shared_data / GRIB2) == 307
    for cut in (100, len(data) // 2):
        path = tmp_path / f"cut{cut}.grib2"
        path.write_bytes(data[:cut])
        with pytest.raises(InputError) as info:
            open_wind(path)
        assert f"cut{cut}.grib2" in str(info.value) and "cut short" in str(info.value)


@pytest.mark.shared
def test_bad_points(shared_data: Path) -> None:
    w = open_wind(shared_data / GRIB2)
    with pytest.raises(InputError, match="lat"):
        w.uv(T_GRIB2, 95.0, 0.0, 1000.0)
    with pytest.raises(InputError, match="non-finite"):
        w.uv(T_GRIB2, 45.0, float("nan"), 1000.0)
    with pytest.raises(InputError, match="bbox"):
        open_gridded(shared_data / GRIB2, bbox=(0.0, 50.0, 10.0, 40.0))
    with pytest.raises(InputError, match="levels"):
        open_gridded(shared_data / GRIB2, levels=[123.0])


def test_geometric_height() -> None:
    """z - H ~ H^2 / R: ~51 m at 18 km (USSA1976 uses r0 = 6356.766 km at 45 deg)."""
    z = geometric_from_geopotential_height(18_000.0, 45.0)
    assert float(z) == pytest.approx(18_000.0 * 6356766.0 / (6356766.0 - 18_000.0), abs=3.0)
    assert float(geometric_from_geopotential_height(0.0, 10.0)) == 0.0
