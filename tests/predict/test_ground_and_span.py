"""Terrain and wind span (issue 10 items 4 and 5): a descent ends at ``--ground`` at the
analytic parachute time, or where it meets a DEM (GeoTIFF / NetCDF); ``--hours`` is only a
maximum when the wind file covers the flight; a gap between wind times is warned about."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import tifffile
import xarray as xr
from scipy.integrate import quad
from typer.testing import CliRunner

from stratowatch.atmosphere.standard import G0, RHO0, density
from stratowatch.cli.main import app
from stratowatch.errors import DomainError, InputError
from stratowatch.geo.terrain import TerrainModel, flat_terrain, open_terrain
from stratowatch.predict import predict

T0 = "2023-02-01T19:00Z"


def _descent_time(h0: float, h1: float, v_sl: float) -> float:
    """Parachute law v = v_sl sqrt(rho0 / rho(h)) [TAWHIRI]: t = int dh / v."""
    t, _ = quad(lambda h: 1.0 / (v_sl * math.sqrt(RHO0 / float(density(h)))), h1, h0)
    return t


def test_descent_ends_at_ground_height_at_the_analytic_time() -> None:
    p = predict(T0, 45.0, -100.0, 12_000.0, profile="descent", wind="calm", ground=1544.0,
                descent_rate=5.0, hours=2.0)  # fmt: skip
    assert p.landed.all()
    assert p.end_alt[0] == pytest.approx(1544.0, abs=1e-6)
    expected = _descent_time(12_000.0, 1544.0, 5.0)
    assert p.end_time[0] - p.times[0] == pytest.approx(expected, abs=1.0)
    # ending at sea level instead takes ~7 minutes longer (the "adds ~7 min")
    sea = predict(T0, 45.0, -100.0, 12_000.0, profile="descent", wind="calm", hours=2.0)
    assert (sea.end_time[0] - p.end_time[0]) == pytest.approx(
        _descent_time(1544.0, 0.0, 5.0), abs=1.0
    )


def test_cli_ground_1544() -> None:
    r = CliRunner().invoke(
        app,
        ["predict", "--profile", "descent", "--time", T0, "--lat", "45", "--lon", "-100",
         "--alt", "12000", "--wind", "calm", "--ground", "1544", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.output.strip().splitlines()[-1])
    assert d["end"]["alt_m"] == 1544.0 and d["end"]["landed_fraction"] == 1.0
    t_end = np.datetime64(d["end"]["time"].rstrip("Z"), "s").astype(float)
    t0 = np.datetime64("2023-02-01T19:00", "s").astype(float)
    assert t_end - t0 == pytest.approx(_descent_time(12_000.0, 1544.0, 5.0), abs=1.0)
    assert d["ground"] == {"source": "flat", "ground_m": 1544.0}


def _plane(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A tilted plane of terrain: 1000 m at 100 W rising 400 m per degree eastward."""
    return 1000.0 + 400.0 * (lon + 100.0) + 0.0 * lat


def _write_geotiff(path: Path, *, model_type: int = 2) -> None:
    lat_top, lon_left, step = 47.0, -102.0, 0.01
    ny, nx = 400, 400
    lat = lat_top - (np.arange(ny) + 0.5) * step
    lon = lon_left + (np.arange(nx) + 0.5) * step
    z = _plane(lat[:, None], lon[None, :]).astype(np.float32)
    z[:5, :5] = -32768.0  # a nodata patch, as DEMs have
    keys = [1, 1, 0, 4, 1024, 0, 1, model_type, 1025, 0, 1, 1, 2048, 0, 1, 4326, 2054, 0, 1, 9102]
    tifffile.imwrite(
        path,
        z,
        compression="zlib",
        extratags=[
            (33550, "d", 3, (step, step, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, lon_left, lat_top, 0.0), False),
            (34735, "H", len(keys), tuple(keys), False),
            (42113, "s", 0, "-32768", False),
        ],
    )


def test_geotiff_dem_reads_and_ends_the_path(tmp_path: Path) -> None:
    path = tmp_path / "dem.tif"
    _write_geotiff(path)
    dem = open_terrain(path)
    assert dem.elevation_at(45.0, -100.0) == pytest.approx(1000.0, abs=0.1)
    assert dem.elevation_at(45.0, -99.5) == pytest.approx(1200.0, abs=0.1)
    assert dem.elevation_at(46.99, -101.99) == 0.0  # nodata patch -> outside height
    assert dem.elevation_at(10.0, 10.0) == 0.0  # off the grid
    p = predict(T0, 45.0, -100.0, 15_000.0, profile="descent", wind="climatology", ground=dem,
                hours=3.0, members=20, seed=3)  # fmt: skip
    assert p.landed.all()
    ground_there = dem.elevation_at(p.end_lat, p.end_lon)
    np.testing.assert_allclose(p.end_alt, ground_there, atol=1.0)
    assert np.ptp(p.end_alt) > 1.0  # members land at different heights on the slope


def test_netcdf_dem_and_cli(tmp_path: Path) -> None:
    lat = np.arange(43.0, 47.0, 0.02)
    lon = np.arange(-102.0, -98.0, 0.02)
    z = _plane(lat[:, None], lon[None, :]).astype(np.float32)
    xr.Dataset({"z": (("lat", "lon"), z)}, coords={"lat": lat, "lon": lon}).to_netcdf(
        tmp_path / "dem.nc"
    )
    dem = open_terrain(tmp_path / "dem.nc")
    assert dem.elevation_at(45.0, -99.75) == pytest.approx(1100.0, abs=0.5)
    r = CliRunner().invoke(
        app,
        ["predict", "--profile", "descent", "--time", T0, "--lat", "45", "--lon", "-100",
         "--alt", "12000", "--wind", "calm", "--ground", str(tmp_path / "dem.nc"), "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.output.strip().splitlines()[-1])
    assert d["end"]["alt_m"] == pytest.approx(1000.0, abs=0.5)  # calm: straight down


def test_bad_dems_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        open_terrain(tmp_path / "missing.tif")
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"this is not a raster at all")
    with pytest.raises(InputError, match="GeoTIFF or NetCDF"):
        open_terrain(junk)
    cut = tmp_path / "cut.tif"
    _write_geotiff(cut)
    cut.write_bytes(cut.read_bytes()[:3000])
    with pytest.raises(InputError, match="cut.tif"):
        open_terrain(cut)
    proj = tmp_path / "utm.tif"
    _write_geotiff(proj, model_type=1)
    with pytest.raises(InputError, match="geographic"):
        open_terrain(proj)
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.zeros((4, 4), dtype=np.float32))
    with pytest.raises(InputError, match="georeferencing"):
        open_terrain(plain)
    r = CliRunner().invoke(
        app,
        ["predict", "--profile", "descent", "--time", T0, "--lat", "45", "--lon", "-100",
         "--alt", "12000", "--ground", "nowhere.tif"],
    )  # fmt: skip
    assert r.exit_code == 2 and "--ground" in r.output


def test_start_below_ground_is_refused() -> None:
    from stratowatch.errors import ConfigError

    with pytest.raises(ConfigError, match="ground"):
        predict(T0, 45.0, -100.0, 1000.0, profile="descent", ground=flat_terrain(1544.0))
    assert isinstance(flat_terrain(3.0), TerrainModel)


# ------------------------------------------------------------------ wind span
@pytest.fixture(scope="module")
def gfs_fields(shared_data: Path) -> xr.Dataset:
    """u, v, z of the GFS sample over North America, as an ERA5 (CDS) layout would hold them."""
    path = shared_data / "wind/gfs_2011011012_f120_2p5deg.grib2"
    parts = {}
    for name in ("u", "v", "gh"):
        with xr.open_dataset(
            path, engine="cfgrib",
            backend_kwargs={"filter_by_keys": {"typeOfLevel": "isobaricInhPa", "shortName": name},
                            "indexpath": ""},
        ) as ds:  # fmt: skip
            parts[name] = ds[name].sel(latitude=slice(60, 30), longitude=slice(240, 290)).load()
    return xr.Dataset(
        {
            "u": parts["u"].drop_vars(["time", "step", "valid_time"], errors="ignore"),
            "v": parts["v"].drop_vars(["time", "step", "valid_time"], errors="ignore"),
            "z": parts["gh"].drop_vars(["time", "step", "valid_time"], errors="ignore") * G0,
        }
    ).rename({"isobaricInhPa": "pressure_level"})


def _era5(ds: xr.Dataset, hours: list[float], path: Path) -> Path:
    t0 = np.datetime64("2023-02-01T18:00", "ns")
    times = [t0 + np.timedelta64(int(h * 3600), "s") for h in hours]
    out = xr.concat([ds] * len(hours), dim="valid_time").assign_coords(valid_time=times)
    out["z"].attrs["units"] = "m**2 s**-2"
    out.transpose("valid_time", "pressure_level", "latitude", "longitude").to_netcdf(path)
    return path


@pytest.mark.shared
def test_hours_is_only_a_maximum(gfs_fields: xr.Dataset, tmp_path: Path) -> None:
    """A file covering only 18:00-21:00 serves a 48 h standard prediction that lands in 3 h."""
    path = _era5(gfs_fields, [0.0, 3.0], tmp_path / "era5_3h.nc")
    r = CliRunner().invoke(
        app,
        ["predict", "--profile", "standard", "--time", "2023-02-01T18:00Z", "--lat", "45",
         "--lon", "-100", "--alt", "1000", "--burst-alt", "25000", "--hours", "48", "--wind",
         str(path), "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.output.strip().splitlines()[-1])
    assert d["end"]["landed_fraction"] == 1.0
    assert d["end"]["time"] < "2023-02-01T21:00:00Z"
    # the wind is an analysis (no forecast lead) with 3-hourly persistence between times
    p = predict("2023-02-01T18:00Z", 45.0, -100.0, 1000.0, profile="standard", burst_alt=25_000,
                wind=str(path), hours=48.0, members=20, seed=1)  # fmt: skip
    assert p.summary()["uncertainty"]["wind"]["kind"] == "analysis"
    # a float flies to the horizon: 48 h does not fit a 3 h file
    with pytest.raises(DomainError, match="horizon"):
        predict("2023-02-01T18:00Z", 45.0, -100.0, 18_000.0, wind=str(path), hours=48.0)
    # starting outside the span is an error too
    with pytest.raises(DomainError, match="starts"):
        predict("2023-02-01T12:00Z", 45.0, -100.0, 1000.0, profile="standard", wind=str(path))


@pytest.mark.shared
def test_flight_leaving_the_span_and_gap_warning(gfs_fields: xr.Dataset, tmp_path: Path) -> None:
    short = _era5(gfs_fields, [0.0, 1.0], tmp_path / "era5_1h.nc")
    with pytest.raises(DomainError, match="still flying when the wind data ends"):
        predict("2023-02-01T18:00Z", 45.0, -100.0, 1000.0, profile="standard", wind=str(short),
                hours=48.0)  # fmt: skip
    gap = _era5(gfs_fields, [0.0, 3.0, 39.0, 42.0, 45.0], tmp_path / "era5_gap.nc")
    p = predict("2023-02-01T19:00Z", 45.0, -100.0, 18_000.0, wind=str(gap), hours=24.0)
    assert any("36 h gap" in w for w in p.warnings)
    q = predict("2023-02-01T18:00Z", 45.0, -100.0, 1000.0, profile="standard",
                burst_alt=20_000.0, wind=str(gap), hours=48.0)  # fmt: skip
    assert not any("gap" in w for w in q.warnings)  # landed before the gap
    r = CliRunner().invoke(app, ["wind", "info", "--source", str(gap), "--json"])
    assert json.loads(r.output.strip().splitlines()[-1])["time_gaps"][0]["hours"] == 36.0


def test_fragments_fall_to_the_dem(tmp_path: Path) -> None:
    """`flight.fall` over a DEM: each fragment stops on the terrain under it."""
    from stratowatch.flight import fall

    path = tmp_path / "dem.tif"
    _write_geotiff(path)
    dem = open_terrain(path)
    r = fall(T0, 45.0, -100.0, 18_000.0, 20.0, 0.0, 0.0, [5.0, 50.0, 500.0], "calm", ground=dem)
    sea = fall(T0, 45.0, -100.0, 18_000.0, 20.0, 0.0, 0.0, [5.0, 50.0, 500.0], "calm")
    assert r.landed.all()
    # calm air: they drift a little east of -100 (their 20 m/s decays) and stop ~1 km up on
    # the slope, i.e. earlier than at sea level by about 1000 m / their terminal speed
    assert np.all(r.lon > -100.0)
    from stratowatch.flight import terminal_velocity

    v_t = terminal_velocity(np.array([5.0, 50.0, 500.0]), 500.0)
    np.testing.assert_allclose(sea.duration - r.duration, 1000.0 / v_t, rtol=0.1)
    from stratowatch.errors import ConfigError

    with pytest.raises(ConfigError, match="below the ground"):
        fall(T0, 45.0, -99.0, 1000.0, 0.0, 0.0, 0.0, 50.0, "calm", ground=dem)


def test_huge_dem_and_bad_ground_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stratowatch.errors import ConfigError
    from stratowatch.geo import terrain

    path = tmp_path / "dem.tif"
    _write_geotiff(path)
    monkeypatch.setattr(terrain, "MAX_CELLS", 10_000)  # the 400 x 400 file is then "huge"
    with pytest.raises(InputError, match="too large"):
        open_terrain(path)
    small = open_terrain(path, bbox=(-101.0, 44.9, -100.9, 45.0))  # a crop loads
    assert small.elevation.size < 10_000
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ConfigError, match="ground"):
            predict(T0, 45.0, -100.0, 12_000.0, profile="descent", ground=bad)
