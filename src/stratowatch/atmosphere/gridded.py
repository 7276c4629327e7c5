"""Gridded winds on pressure levels: GFS GRIB2/GRIB1 (cfgrib) and ERA5 NetCDF, via xarray.

`open_gridded` reads u, v and geopotential (height) on isobaric levels from one file or a list
of files (concatenated along valid time), subsets them to a lat/lon box and to the wanted levels
*before* loading (xarray's lazy backends read only the needed GRIB messages / NetCDF slabs), and
returns a `GriddedWind` over a `WindGrid` whose level heights vary by column.

Handled: GRIB's extra variables and mismatched level sets (only u, v, gh are read, each through
its own ``filter_by_keys``; the levels common to all three are kept); ERA5 in the current CDS
layout (``valid_time``, ``pressure_level``) and the legacy one (``time``, ``level``), ``z`` in
m2/s2 divided by g0 = 9.80665 m/s2; longitudes 0..360 or -180..180; boxes across the dateline;
latitude stored north to south; poles. A single time is a steady field (usable at any time, with
a warning in ``meta.warnings``).

Heights: pressure levels carry geopotential height H (gpm). The wind grid holds *geometric*
altitude above mean sea level, because every altitude stratowatch handles (GPS fixes, APRS,
flight models, airspace) is geometric. The conversion uses the latitude-dependent gravity and
effective Earth radius of the Smithsonian Meteorological Tables [List1968]_ as written by
[Mahoney2008]_:

.. math::

    g(\\phi) = 9.780356\\,(1 + 0.0052885 \\sin^2\\phi - 0.0000059 \\sin^2 2\\phi),\\quad
    R(\\phi) = \\frac{6378137}{1.006803 - 0.006706 \\sin^2\\phi},\\quad
    z = \\frac{R H}{(g(\\phi)/g_0) R - H}.

At 18 km and 47.5 N, z - H ~ 50 m (about 0.1 m/s of wind at a typical 2 m/s per km shear).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..timeutil import iso, to_epoch_array
from .standard import G0
from .uncertainty import forecast_uncertainty
from .wind import FloatArray, GriddedWind, WindGrid, WindMeta

if TYPE_CHECKING:  # xarray (and pandas) load only when a gridded file is opened
    import xarray as xr

__all__ = ["open_gridded", "geometric_from_geopotential_height", "check_grib_complete"]

BBox = tuple[float, float, float, float]

_TIME_NAMES = ("valid_time", "time", "step")
_LEVEL_NAMES = ("isobaricInhPa", "pressure_level", "level", "plev", "lev")
_LAT_NAMES = ("latitude", "lat")
_LON_NAMES = ("longitude", "lon")
_HEIGHT_NAMES = ("gh", "z", "hgt", "zg", "geopotential_height", "geopotential")


def geometric_from_geopotential_height(
    h: npt.ArrayLike, lat: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Geometric altitude (m above MSL) of geopotential height ``h`` (gpm) at latitude ``lat``.

    Notes
    -----
    :math:`z = R H / ((g(\\phi)/g_0) R - H)` with the normal gravity g(phi) and effective radius
    R(phi) of [List1968]_ (as given by [Mahoney2008]_); see the module docstring.
    """
    hh = np.asarray(h, dtype=np.float64)
    s2 = np.sin(np.radians(np.asarray(lat, dtype=np.float64))) ** 2
    sin2phi = np.sin(2.0 * np.radians(np.asarray(lat, dtype=np.float64)))
    g = 9.780356 * (1.0 + 0.0052885 * s2 - 0.0000059 * sin2phi**2)
    radius = 6378137.0 / (1.006803 - 0.006706 * s2)
    return np.asarray(radius * hh / ((g / G0) * radius - hh), dtype=np.float64)


@contextmanager
def _quiet_cfgrib() -> Iterator[None]:
    """cfgrib logs a complaint for every variable it skips (r, w, o3mr...); we read only u, v,
    gh on purpose, so those messages are noise."""
    logger = logging.getLogger("cfgrib")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(old)


@dataclass
class _Cube:
    """One file's u, v, geopotential height (m) as lazy arrays (time, level, lat, lon)."""

    path: Path
    u: xr.DataArray
    v: xr.DataArray
    gh: xr.DataArray
    times: FloatArray
    datasets: list[xr.Dataset]
    refs: FloatArray | None = None

    def close(self) -> None:
        for ds in self.datasets:
            with suppress(Exception):
                ds.close()


def _pick(names: Sequence[str], available: Sequence[Any]) -> str | None:
    for n in names:
        if n in available:
            return n
    return None


def _standardise(da: xr.DataArray, path: Path, kind: str) -> xr.DataArray:
    """Rename dims to (time, level, latitude, longitude), adding a time dim when absent."""
    level = _pick(_LEVEL_NAMES, da.dims)
    lat = _pick(_LAT_NAMES, da.dims)
    lon = _pick(_LON_NAMES, da.dims)
    if level is None or lat is None or lon is None:
        raise InputError(
            f"variable '{da.name}' is not on pressure levels x latitude x longitude",
            path=path,
            field=str(da.name),
            value=tuple(str(d) for d in da.dims),
            expected="dimensions (time, pressure level, latitude, longitude)",
        )
    time_dims = [d for d in da.dims if d not in (level, lat, lon)]
    extra = [d for d in time_dims if d not in _TIME_NAMES]
    for d in extra:
        if da.sizes[d] == 1:
            da = da.isel({d: 0}, drop=True)
        else:
            raise InputError(
                f"unsupported extra dimension '{d}' of size {da.sizes[d]} in {kind} file",
                path=path,
                field=str(da.name),
                expected="one time axis (valid_time, time or step), levels, latitude, longitude",
            )
    time_dims = [d for d in da.dims if d not in (level, lat, lon)]
    if len(time_dims) > 1:
        sizes = {d: da.sizes[d] for d in time_dims}
        nontrivial = [d for d in time_dims if sizes[d] > 1]
        for d in time_dims:
            if d not in nontrivial[:1]:
                da = da.isel({d: 0})
        time_dims = [d for d in da.dims if d not in (level, lat, lon)]
        if len(time_dims) > 1:
            raise InputError(
                "more than one time axis (e.g. several runs x several steps)",
                path=path,
                value=sizes,
                expected="one run's forecast hours, or one time axis",
            )
    da = da.rename({level: "level", lat: "latitude", lon: "longitude"})
    if time_dims:
        da = da.rename({time_dims[0]: "time"})
    else:
        da = da.expand_dims("time")
    return da.transpose("time", "level", "latitude", "longitude")


def _times_of(da: xr.DataArray, ds: xr.Dataset, path: Path) -> FloatArray:
    """Valid times (epoch s) along da's time axis."""
    if "valid_time" in da.coords:
        vt = da.coords["valid_time"]
    elif "time" in da.coords:
        vt = da.coords["time"]
    elif "valid_time" in ds.coords:
        vt = ds.coords["valid_time"]
    elif "time" in ds.coords:
        vt = ds.coords["time"]
    else:
        raise InputError("no valid time in file", path=path, expected="a valid_time or time")
    vals = np.atleast_1d(np.asarray(vt.values))
    if vals.size != da.sizes["time"]:
        raise InputError("valid times do not match the time axis", path=path, value=vals.size)
    if not np.issubdtype(vals.dtype, np.datetime64):
        raise InputError(
            "times are not decodable as dates", path=path, field=str(vt.name), value=str(vals[0])
        )
    return to_epoch_array(vals)


def _reference_times_of(da: xr.DataArray, ds: xr.Dataset, valid: FloatArray) -> FloatArray:
    """Start times (epoch s) of the runs the fields come from, one per valid time: from the
    ``step`` (valid - step), a ``forecast_reference_time``, or a reference ``time`` beside a
    distinct ``valid_time`` (cfgrib's layout); else the valid times (an analysis/reanalysis)."""
    coords = {**ds.coords, **da.coords}
    try:
        if "step" in coords:
            step = np.atleast_1d(np.asarray(coords["step"].values))
            if np.issubdtype(step.dtype, np.timedelta64):
                sec = step.astype("timedelta64[ns]").astype(np.float64) / 1e9
                return np.asarray(valid - np.broadcast_to(sec, valid.shape), dtype=np.float64)
        for name in ("forecast_reference_time", "time"):
            if name in coords and (name != "time" or "valid_time" in coords):
                ref = np.atleast_1d(np.asarray(coords[name].values))
                if np.issubdtype(ref.dtype, np.datetime64):
                    r = to_epoch_array(ref)
                    return np.asarray(np.broadcast_to(r, valid.shape), dtype=np.float64)
    except ValueError:
        pass
    return valid.copy()


def check_grib_complete(path: str | Path) -> int:
    """Walk the GRIB messages of a file by their length fields; return how many there are.

    eccodes silently stops at a message cut short, so a truncated download would otherwise
    read as a file with fewer levels. Raises `InputError` naming the message (as ``line``)
    that is cut or lacks its ``7777`` end marker.
    """
    p = Path(path)
    size = p.stat().st_size
    count = 0
    pos = 0
    with p.open("rb") as fh:
        while pos < size:
            fh.seek(pos)
            head = fh.read(16)
            if head[:4] != b"GRIB":
                fh.seek(pos)
                chunk = fh.read(1 << 16)
                k = chunk.find(b"GRIB")
                if k < 0:
                    break  # trailing padding after the last message
                pos += k
                continue
            if len(head) < 16:
                length = size + 1
            elif head[7] == 2:
                length = int.from_bytes(head[8:16], "big")
            else:
                length = int.from_bytes(head[4:7], "big")
            count += 1
            end = pos + length
            if end > size:
                raise InputError(
                    f"GRIB message {count} at byte {pos} is cut short: it needs {length} bytes "
                    f"but the file ends after {size - pos} (truncated download?)",
                    path=p,
                    line=count,
                    expected="a complete GRIB file (download it again)",
                )
            fh.seek(end - 4)
            if fh.read(4) != b"7777" and head[7] == 2:
                raise InputError(
                    f"GRIB message {count} at byte {pos} has no '7777' end marker",
                    path=p,
                    line=count,
                    expected="a complete, uncorrupted GRIB file",
                )
            pos = end
    if count == 0:
        raise InputError("no GRIB message in file", path=p, expected="a GRIB1/GRIB2 file")
    return count


def _open_grib(path: Path) -> _Cube:
    import xarray as xr

    check_grib_complete(path)
    datasets: list[xr.Dataset] = []
    arrays: dict[str, xr.DataArray] = {}
    try:
        with _quiet_cfgrib():
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
                datasets.append(ds)
                if name in ds.data_vars:
                    arrays[name] = ds[name]
    except InputError:
        raise
    except Exception as exc:  # eccodes/cfgrib raise many types on damaged files
        for ds in datasets:
            ds.close()
        raise InputError(
            f"cannot read GRIB file ({type(exc).__name__}: {exc})",
            path=path,
            expected="a complete GRIB1/GRIB2 file",
        ) from None
    missing = [n for n in ("u", "v", "gh") if n not in arrays]
    if missing:
        for ds in datasets:
            ds.close()
        raise InputError(
            f"no {', '.join(missing)} on isobaric levels in GRIB file (truncated or not a "
            "pressure-level wind file?)",
            path=path,
            expected="u, v and gh (geopotential height) on isobaricInhPa levels",
        )
    u = _standardise(arrays["u"], path, "GRIB")
    v = _standardise(arrays["v"], path, "GRIB")
    gh = _standardise(arrays["gh"], path, "GRIB")
    times = _times_of(u, datasets[0], path)
    refs = _reference_times_of(u, datasets[0], times)
    return _Cube(path, u, v, gh, times, datasets, refs)


def _open_netcdf(path: Path) -> _Cube:
    import xarray as xr

    try:
        ds = xr.open_dataset(path, engine="netcdf4", decode_timedelta=True)
    except Exception as exc:
        raise InputError(
            f"cannot read NetCDF file ({type(exc).__name__}: {exc})",
            path=path,
            expected="a NetCDF (e.g. ERA5 pressure-level) file",
        ) from None
    try:
        names = list(ds.data_vars)
        uname = _pick(("u", "U", "ugrd", "u_component_of_wind"), names)
        vname = _pick(("v", "V", "vgrd", "v_component_of_wind"), names)
        hname = _pick(_HEIGHT_NAMES, names)
        if uname is None or vname is None or hname is None:
            raise InputError(
                "no wind variables (u, v) and geopotential (z or gh) in NetCDF file",
                path=path,
                value=sorted(str(n) for n in names),
                expected="u, v and z (m2/s2) or gh (m) on pressure levels",
            )
        u = _standardise(ds[uname], path, "NetCDF")
        v = _standardise(ds[vname], path, "NetCDF")
        h = _standardise(ds[hname], path, "NetCDF")
        units = str(ds[hname].attrs.get("units", "")).replace(" ", "").lower()
        if hname in ("z", "geopotential") or any(s in units for s in ("m**2", "m2", "m^2")):
            h = h / G0
        times = _times_of(u, ds, path)
        refs = _reference_times_of(u, ds, times)
    except InputError:
        ds.close()
        raise
    except Exception as exc:
        ds.close()
        raise InputError(
            f"cannot interpret NetCDF file ({type(exc).__name__}: {exc})", path=path
        ) from None
    return _Cube(path, u, v, h, times, [ds], refs)


def _open_cube(path: Path) -> _Cube:
    if not path.is_file():
        raise InputError("wind file not found", path=path, expected="an existing file")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"GRIB" in head:
        return _open_grib(path)
    if head.startswith((b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF\r\n\x1a\n")):
        return _open_netcdf(path)
    raise InputError(
        "not a GRIB or NetCDF file (unrecognised first bytes)",
        path=path,
        value=head[:8],
        expected="GRIB1/GRIB2 ('GRIB') or NetCDF ('CDF'/HDF5)",
    )


def _regular_step(x: FloatArray, path: Path, name: str) -> float:
    if x.size < 2:
        return 1.0
    d = np.diff(x)
    if not np.allclose(d, d[0], rtol=1e-4, atol=1e-6) or d[0] == 0:
        raise InputError(
            "irregular or repeated coordinate", path=path, field=name, expected="a regular grid"
        )
    return float(d[0])


def _lat_index(lat: FloatArray, south: float, north: float, path: Path) -> slice:
    step = abs(_regular_step(lat, path, "latitude"))
    inside = np.nonzero((lat >= south - step * 1.0001) & (lat <= north + step * 1.0001))[0]
    if inside.size == 0:
        raise InputError(
            "bbox latitudes outside the file's grid",
            path=path,
            value=(south, north),
            expected=f"latitudes within {lat.min():g}..{lat.max():g}",
        )
    return slice(int(inside.min()), int(inside.max()) + 1)


def _lon_index(
    lon: FloatArray, west: float | None, east: float | None, path: Path
) -> tuple[npt.NDArray[np.intp], bool]:
    """Indices of the longitudes to keep (in eastward order) and whether they close the globe."""
    dlon = _regular_step(lon, path, "longitude")
    if dlon < 0:
        raise InputError("longitudes must increase", path=path, field="longitude")
    is_global = abs(lon.size * dlon - 360.0) < 1e-3 * dlon
    all_idx = np.arange(lon.size)
    if west is None or east is None:
        return all_idx, is_global
    span = (east - west) % 360.0
    if span == 0.0 and east != west:
        span = 360.0
    w = west - dlon
    span_m = span + 2.0 * dlon
    if is_global and span_m >= 360.0 - 1e-9:
        return all_idx, True
    offsets = (lon - w) % 360.0
    keep = np.nonzero(offsets <= span_m + 1e-9)[0]
    if keep.size == 0:
        raise InputError(
            "bbox longitudes outside the file's grid",
            path=path,
            value=(west, east),
            expected=f"longitudes within {lon.min():g}..{lon.max():g}",
        )
    order = keep[np.argsort(offsets[keep], kind="stable")]
    if not is_global and np.any(np.diff(order) != 1):
        # a regional file cannot wrap: keep its own contiguous part
        order = np.sort(order)
    return order.astype(np.intp), False


def open_gridded(
    paths: str | Path | Sequence[str | Path],
    *,
    bbox: BBox | None = None,
    levels: Sequence[float] | None = None,
    strict_time: bool = True,
) -> GriddedWind:
    """Read gridded pressure-level winds (GFS GRIB1/2, ERA5 NetCDF) into a `GriddedWind`.

    Parameters
    ----------
    paths : one file, or several (e.g. forecast hours) concatenated along valid time.
    bbox : (west, south, east, north) degrees; west > east crosses the dateline. Only this box
        (plus one grid cell around it) is read. Default: the whole grid.
    levels : pressure levels to keep, hPa (default: every level where u, v and height all exist).
    strict_time : raise `DomainError` for times outside the files' span (default); else clamp.

    Returns
    -------
    GriddedWind with geometric level heights (see the module docstring), latitudes ascending,
    longitudes ascending from the box's west edge (``lon_periodic`` when global).

    Raises
    ------
    InputError naming the file: unreadable/truncated files, missing variables, grids that
    differ between files, repeated times, a bbox outside the grid, missing levels.
    """
    plist = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not plist:
        raise InputError("no wind files given", expected="one or more GRIB/NetCDF files")
    cubes: list[_Cube] = []
    try:
        for p in plist:
            cubes.append(_open_cube(p))
        return _assemble(cubes, bbox=bbox, levels=levels, strict_time=strict_time)
    finally:
        for c in cubes:
            c.close()


def _levels_of(da: xr.DataArray) -> FloatArray:
    return np.atleast_1d(np.asarray(da["level"].values, dtype=np.float64))


def _assemble(
    cubes: list[_Cube],
    *,
    bbox: BBox | None,
    levels: Sequence[float] | None,
    strict_time: bool,
) -> GriddedWind:
    first = cubes[0]
    # pressure levels common to u, v, height in every file
    common: FloatArray | None = None
    for c in cubes:
        for da in (c.u, c.v, c.gh):
            lv = _levels_of(da)
            common = lv if common is None else np.intersect1d(common, lv)
    assert common is not None
    if levels is not None:
        want = np.asarray(levels, dtype=np.float64)
        missing = [float(x) for x in want if not np.any(np.isclose(common, x))]
        if missing:
            raise InputError(
                "requested pressure levels not in the file(s)",
                path=first.path,
                field="levels",
                value=missing,
                expected=f"some of {sorted(common.tolist(), reverse=True)} hPa",
            )
        common = np.array([common[np.argmin(np.abs(common - x))] for x in want])
    common = np.unique(common)[::-1]  # high pressure (low altitude) first
    if common.size < 2:
        raise InputError(
            "fewer than two pressure levels with u, v and height",
            path=first.path,
            value=common.tolist(),
            expected="at least two common isobaric levels",
        )
    lat = np.asarray(first.u["latitude"].values, dtype=np.float64)
    lon = np.asarray(first.u["longitude"].values, dtype=np.float64)
    for c in cubes[1:] + [first]:
        for da in (c.u, c.v, c.gh):
            la = np.asarray(da["latitude"].values, dtype=np.float64)
            lo = np.asarray(da["longitude"].values, dtype=np.float64)
            if (
                la.shape != lat.shape
                or lo.shape != lon.shape
                or not (np.allclose(la, lat) and np.allclose(lo, lon))
            ):
                raise InputError(
                    "grid differs from the first file's",
                    path=c.path,
                    field=str(da.name),
                    expected=f"the grid of {first.path}",
                )
    if bbox is not None:
        west, south, east, north = (float(x) for x in bbox)
        if not all(np.isfinite([west, south, east, north])) or south > north:
            raise InputError(
                "invalid bbox", field="bbox", value=bbox, expected="(west, south, east, north)"
            )
        lat_sel = _lat_index(lat, south, north, first.path)
        lon_idx, periodic = _lon_index(lon, west, east, first.path)
    else:
        lat_sel = slice(0, lat.size)
        lon_idx, periodic = _lon_index(lon, None, None, first.path)
    lat_sub = lat[lat_sel]
    lon_sub = lon[lon_idx]
    dlon = _regular_step(lon, first.path, "longitude") if lon.size > 1 else 360.0
    lon_unwrapped = lon_sub[0] + dlon * np.arange(lon_sub.size)

    all_times: list[FloatArray] = []
    all_refs: list[FloatArray] = []
    zs: list[npt.NDArray[np.float32]] = []
    us: list[npt.NDArray[np.float32]] = []
    vs: list[npt.NDArray[np.float32]] = []
    for c in cubes:
        parts = []
        for da in (c.u, c.v, c.gh):
            lev_idx = np.array(
                [int(np.argmin(np.abs(_levels_of(da) - p))) for p in common], dtype=np.intp
            )
            sub = da.isel(level=lev_idx, latitude=lat_sel, longitude=lon_idx)
            try:
                parts.append(np.asarray(sub.values, dtype=np.float32))
            except Exception as exc:
                raise InputError(
                    f"cannot read '{da.name}' data ({type(exc).__name__}: {exc})",
                    path=c.path,
                    field=str(da.name),
                    expected="a complete file",
                ) from None
        u, v, gh = parts
        for name, arr in (("u", u), ("v", v), ("height", gh)):
            if not np.all(np.isfinite(arr)):
                raise InputError(
                    "missing (NaN) values in the selected region",
                    path=c.path,
                    field=name,
                    expected="complete fields (choose another bbox or levels)",
                )
        all_times.append(c.times)
        all_refs.append(c.times if c.refs is None else c.refs)
        us.append(u)
        vs.append(v)
        lat_b = lat_sub[None, None, :, None]
        zs.append(geometric_from_geopotential_height(gh, lat_b).astype(np.float32))
    times = np.concatenate(all_times)
    order = np.argsort(times, kind="stable")
    times = times[order]
    refs = np.minimum(np.concatenate(all_refs)[order], times)
    if np.any(np.diff(times) <= 0):
        dup = float(times[int(np.argmax(np.diff(times) <= 0))])
        raise InputError(
            "the same valid time appears twice",
            path=", ".join(str(c.path) for c in cubes),
            value=iso(dup),
            expected="files with distinct valid times (one per forecast hour)",
        )
    z = np.concatenate(zs)[order]
    u_all = np.concatenate(us)[order]
    v_all = np.concatenate(vs)[order]
    if lat_sub.size > 1 and lat_sub[1] < lat_sub[0]:  # stored north to south
        lat_sub = lat_sub[::-1]
        z, u_all, v_all = z[:, :, ::-1], u_all[:, :, ::-1], v_all[:, :, ::-1]
    if np.any(np.diff(z, axis=1) <= 0):
        raise InputError(
            "level heights do not increase upward in every column",
            path=first.path,
            field="height",
            expected="geopotential increasing as pressure decreases",
        )
    dlat = float(lat_sub[1] - lat_sub[0]) if lat_sub.size > 1 else 180.0
    grid = WindGrid(
        times=np.ascontiguousarray(times, dtype=np.float64),
        lat0=float(lat_sub[0]),
        dlat=dlat,
        lon0=float(lon_unwrapped[0]),
        dlon=dlon,
        z=np.ascontiguousarray(z),
        u=np.ascontiguousarray(u_all),
        v=np.ascontiguousarray(v_all),
        lon_periodic=periodic,
    )
    warnings: list[str] = []
    steady = times.size == 1
    if steady:
        warnings.append(f"single time {iso(times[0])}: steady field, used unchanged at every time")
    lon_min = -180.0 if periodic else ((lon_unwrapped[0] + 180.0) % 360.0) - 180.0
    lon_max = 180.0 if periodic else lon_min + (lon_unwrapped[-1] - lon_unwrapped[0])
    names = [c.path.name for c in cubes]
    source = names[0] if len(names) == 1 else f"{names[0]} .. {names[-1]} ({len(names)} files)"
    meta = WindMeta(
        source=source,
        kind="gridded",
        time_start=float(times[0]),
        time_end=float(times[-1]),
        alt_min=float(z[:, 0].min()),
        alt_max=float(z[:, -1].min()),
        lat_min=float(lat_sub[0]),
        lat_max=float(lat_sub[-1]),
        lon_min=float(lon_min),
        lon_max=float(lon_max),
        grid_spacing_deg=abs(dlon),
        time_step_s=None if steady else float(np.min(np.diff(times))),
        warnings=tuple(warnings),
        uncertainty=forecast_uncertainty(times, refs, source=source),
    )
    return GriddedWind(grid, meta, strict_time=strict_time and not steady)
