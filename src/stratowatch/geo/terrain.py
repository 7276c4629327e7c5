"""Terrain: where a descending path meets the ground.

A `TerrainModel` is a regular latitude/longitude grid of ground elevation (m above mean sea
level) read from a user's digital elevation model (DEM): a GeoTIFF in geographic coordinates
(EPSG:4326, as SRTM, Copernicus GLO-30/GLO-90 and ETOPO tiles are distributed) or a NetCDF grid
(ETOPO 2022, GEBCO, GMTED exports). Elevation is bilinear between cell centres; outside the
grid, and in cells without data, the ``outside`` height is used (default 0 m: sea level).
`flat_terrain` is a constant ground height (``--ground 1544``). The compiled integrator ends a
descent where its altitude falls below the terrain under it, located inside the step (see
`flight.kernel`).

Heights: DEMs give orthometric heights (above the geoid: EGM96 for SRTM/Copernicus, EGM2008
for ETOPO 2022); stratowatch altitudes are above mean sea level, which the geoid represents, so
no conversion is applied (the geoid-ellipsoid separation, up to ~100 m, is not involved).

Where to get a DEM: Copernicus DEM GLO-90 / GLO-30 (1 deg GeoTIFF tiles, ESA/Copernicus),
NASA SRTMGL3 / SRTMGL1 (3 / 1 arc-second HGT or GeoTIFF tiles, NASA/USGS), NOAA ETOPO 2022
(global 15/30/60 arc-second GeoTIFF or NetCDF) [ETOPO2022]_; see ``docs/prediction.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from ..errors import ConfigError, InputError

__all__ = [
    "TerrainModel",
    "flat_terrain",
    "open_terrain",
    "terrain_height",
    "terrain_points",
    "MAX_CELLS",
]

FloatArray = npt.NDArray[np.float64]
MAX_CELLS = 150_000_000  # ~600 MB of float32: beyond this, crop the DEM (bbox=)

_LAT_NAMES = ("lat", "latitude", "y")
_LON_NAMES = ("lon", "longitude", "x")
_Z_NAMES = ("z", "elevation", "Band1", "height", "topo", "altitude", "elev", "dem", "band_data")


@njit(cache=True)
def terrain_height(lat: float, lon: float, elev: npt.NDArray[np.float32], p: FloatArray) -> float:
    """Ground height (m) at one point, bilinear between cell centres; ``p`` = [lat0, dlat,
    lon0, dlon, outside]; ``outside`` beyond the grid or where a corner has no data (NaN).
    Compiled, for the integrator's ground terminator."""
    ny = elev.shape[0]
    nx = elev.shape[1]
    if ny == 1 and nx == 1:
        v = elev[0, 0]
        return float(v) if v == v else float(p[4])
    fy = (lat - p[0]) / p[1]
    x = lon
    while x < p[2] - 1e-9:
        x += 360.0
    while x >= p[2] + 360.0:
        x -= 360.0
    fx = (x - p[2]) / p[3]
    if fy < 0.0 or fy > ny - 1 or fx < 0.0 or fx > nx - 1:
        return float(p[4])
    i = min(int(fy), ny - 2) if ny > 1 else 0
    j = min(int(fx), nx - 2) if nx > 1 else 0
    wy = fy - i if ny > 1 else 0.0
    wx = fx - j if nx > 1 else 0.0
    i1 = i + 1 if ny > 1 else i
    j1 = j + 1 if nx > 1 else j
    a = elev[i, j]
    b = elev[i, j1]
    c = elev[i1, j]
    d = elev[i1, j1]
    if not (a == a and b == b and c == c and d == d):
        return float(p[4])
    return float((1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * c + wx * d))


@njit(cache=True)
def terrain_points(
    lat: FloatArray, lon: FloatArray, elev: npt.NDArray[np.float32], p: FloatArray
) -> FloatArray:
    """`terrain_height` over 1-D arrays."""
    out = np.empty(lat.shape[0])
    for k in range(lat.shape[0]):
        out[k] = terrain_height(lat[k], lon[k], elev, p)
    return out


@dataclass(frozen=True, eq=False)
class TerrainModel:
    """Ground elevation on a regular lat/lon grid.

    elevation : (ny, nx) float32, m above mean sea level, rows south to north; NaN = no data.
    lat0, dlat : latitude of the first row's cell centres and the row step (deg, > 0).
    lon0, dlon : longitude of the first column's centres and the column step (deg, > 0).
    outside : m, height used outside the grid and in cells without data.
    source : where it came from (file name, or ``flat``).
    """

    elevation: npt.NDArray[np.float32]
    lat0: float
    dlat: float
    lon0: float
    dlon: float
    outside: float = 0.0
    source: str = "flat"

    def __post_init__(self) -> None:
        e = np.ascontiguousarray(np.asarray(self.elevation, dtype=np.float32))
        if e.ndim != 2 or e.size == 0:
            raise ConfigError(f"terrain elevation must be a non-empty 2-D grid, got {e.shape}")
        if np.any(np.isinf(e)):
            raise ConfigError("terrain elevation holds infinite values")
        object.__setattr__(self, "elevation", e)
        for name in ("lat0", "lon0", "outside"):
            v = float(getattr(self, name))
            if not math.isfinite(v):
                raise ConfigError(f"terrain {name} must be finite, got {v!r}")
            object.__setattr__(self, name, v)
        for name in ("dlat", "dlon"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v > 0.0):
                raise ConfigError(f"terrain {name} must be a positive step, got {v!r}")
            object.__setattr__(self, name, v)

    @property
    def is_flat(self) -> bool:
        return self.elevation.size == 1

    def kernel_args(self) -> tuple[npt.NDArray[np.float32], FloatArray]:
        """(elevation, [lat0, dlat, lon0, dlon, outside]) for `flight.kernel`."""
        params = np.array([self.lat0, self.dlat, self.lon0, self.dlon, self.outside])
        return np.array(self.elevation, dtype=np.float32), params

    def elevation_at(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Ground height (m above MSL) at points (deg), bilinear; ``outside`` off the grid."""
        la, lo = np.broadcast_arrays(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        )
        if not (np.all(np.isfinite(la)) and np.all(np.isfinite(lo))):
            raise InputError("non-finite coordinate", field="lat/lon", expected="finite degrees")
        if self.is_flat:  # one height everywhere (as `terrain_height` gives it): no kernel call
            v = float(self.elevation[0, 0])
            return np.full(la.shape, v if v == v else self.outside)
        e, p = self.kernel_args()
        out = terrain_points(
            np.ascontiguousarray(la.ravel()), np.ascontiguousarray(lo.ravel()), e, p
        )
        return out.reshape(la.shape)

    def describe(self) -> dict[str, Any]:
        ny, nx = self.elevation.shape
        if self.is_flat:
            return {"source": "flat", "ground_m": float(self.elevation[0, 0])}
        return {
            "source": self.source,
            "lat_range": [self.lat0, self.lat0 + self.dlat * (ny - 1)],
            "lon_range": [self.lon0, self.lon0 + self.dlon * (nx - 1)],
            "cell_deg": [self.dlat, self.dlon],
            "outside_m": self.outside,
        }


def flat_terrain(height: float) -> TerrainModel:
    """A constant ground height (m above MSL) everywhere."""
    h = float(height)
    if not math.isfinite(h):
        raise ConfigError(f"ground height must be finite, got {height!r}")
    return TerrainModel(np.full((1, 1), h, dtype=np.float32), -90.0, 180.0, -180.0, 360.0, h)


def _crop(
    lat: FloatArray, lon: FloatArray, bbox: tuple[float, float, float, float] | None
) -> tuple[slice, slice]:
    if bbox is None:
        return slice(0, lat.size), slice(0, lon.size)
    west, south, east, north = (float(x) for x in bbox)
    if not all(math.isfinite(x) for x in (west, south, east, north)) or south > north:
        raise InputError(
            "invalid bbox", field="bbox", value=bbox, expected="(west, south, east, north)"
        )
    i = np.flatnonzero((lat >= south - abs(lat[1] - lat[0] if lat.size > 1 else 0)) &
                       (lat <= north + abs(lat[1] - lat[0] if lat.size > 1 else 0)))  # fmt: skip
    lon_w = ((lon - west + 180.0) % 360.0) - 180.0
    width = (east - west) % 360.0 or 360.0
    j = np.flatnonzero((lon_w >= -1e-9) & (lon_w <= width + 1e-9))
    if i.size == 0 or j.size == 0:
        raise InputError(
            "the DEM does not cover the requested area",
            field="bbox",
            value=bbox,
            expected=f"lat {lat.min():g}..{lat.max():g}, lon {lon.min():g}..{lon.max():g}",
        )
    return slice(int(i.min()), int(i.max()) + 1), slice(int(j.min()), int(j.max()) + 1)


def _from_axes(
    elev: np.ndarray, lat: FloatArray, lon: FloatArray, path: Path, outside: float
) -> TerrainModel:
    if elev.shape != (lat.size, lon.size):
        raise InputError("elevation grid does not match its axes", path=path, value=elev.shape)
    if lat.size > 1 and lat[1] < lat[0]:
        lat = lat[::-1]
        elev = elev[::-1]
    if lon.size > 1 and lon[1] < lon[0]:
        lon = lon[::-1]
        elev = elev[:, ::-1]
    for name, ax in (("latitude", lat), ("longitude", lon)):
        if ax.size > 1:
            d = np.diff(ax)
            if not np.allclose(d, d[0], rtol=1e-4, atol=1e-9) or d[0] <= 0:
                raise InputError(
                    f"irregular or repeated {name} axis", path=path, field=name,
                    expected="a regular lat/lon grid",
                )  # fmt: skip
    dlat = float(lat[1] - lat[0]) if lat.size > 1 else 1.0
    dlon = float(lon[1] - lon[0]) if lon.size > 1 else 1.0
    e = np.asarray(elev, dtype=np.float32)
    if not np.any(np.isfinite(e)):
        raise InputError("the DEM holds no valid elevation", path=path, expected="heights in m")
    return TerrainModel(e, float(lat[0]), dlat, float(lon[0]), dlon, outside, path.name)


def _read_geotiff(
    path: Path, bbox: tuple[float, float, float, float] | None, outside: float
) -> TerrainModel:
    try:
        import tifffile
    except ImportError:  # pragma: no cover - tifffile is a dependency
        raise ConfigError(
            "reading a GeoTIFF DEM needs the tifffile package (pip install tifffile), or "
            "convert the DEM to NetCDF (gdal_translate -of netCDF dem.tif dem.nc)"
        ) from None
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            tags = {t.code: t.value for t in page.tags.values()}
            scale = tags.get(33550)
            tie = tags.get(33922)
            if scale is None or tie is None:
                if 34264 in tags:
                    raise InputError(
                        "GeoTIFF uses a rotated/sheared ModelTransformation", path=path,
                        expected="a north-up grid in EPSG:4326 (gdalwarp -t_srs EPSG:4326)",
                    )  # fmt: skip
                raise InputError(
                    "TIFF without georeferencing (ModelPixelScale/ModelTiepoint tags)",
                    path=path, expected="a GeoTIFF DEM in EPSG:4326",
                )  # fmt: skip
            geokeys = tags.get(34735)
            model_type = None
            raster_type = 1
            geo_cs = None
            if geokeys is not None:
                keys = list(geokeys)
                for k in range(4, 4 + 4 * int(keys[3]), 4):
                    key, loc, _count, val = keys[k : k + 4]
                    if loc == 0:
                        if key == 1024:
                            model_type = val
                        elif key == 1025:
                            raster_type = val
                        elif key == 2048:
                            geo_cs = val
            if model_type is not None and model_type != 2:
                raise InputError(
                    "GeoTIFF DEM is not in geographic (lat/lon) coordinates",
                    path=path,
                    field="GTModelTypeGeoKey",
                    value=model_type,
                    expected="EPSG:4326 lat/lon (reproject: gdalwarp -t_srs EPSG:4326 in.tif out.tif)",
                )
            if geo_cs is not None and geo_cs not in (4326, 32767, 4979):
                raise InputError(
                    "GeoTIFF DEM datum is not WGS84", path=path, field="GeographicTypeGeoKey",
                    value=geo_cs, expected="EPSG:4326",
                )  # fmt: skip
            ny, nx = int(page.shape[0]), int(page.shape[1])
            if ny * nx > MAX_CELLS and bbox is None:
                raise InputError(
                    f"DEM too large to load whole ({ny} x {nx} cells)", path=path,
                    expected=f"at most {MAX_CELLS:,} cells: crop it (gdal_translate -projwin) "
                    "or pass bbox=",
                )  # fmt: skip
            data = page.asarray()
            nodata = tags.get(42113)
    except InputError:
        raise
    except Exception as exc:  # tifffile raises many types on damaged files / missing codecs
        raise InputError(
            f"cannot read GeoTIFF DEM ({type(exc).__name__}: {exc})",
            path=path,
            expected="a readable GeoTIFF (uncompressed, deflate or LZW; other codecs need "
            "the imagecodecs package)",
        ) from None
    if data.ndim == 3:
        data = data[..., 0] if data.shape[-1] < data.shape[0] else data[0]
    if data.ndim != 2:
        raise InputError("DEM is not a single-band 2-D raster", path=path, value=data.shape)
    sx, sy = float(scale[0]), float(scale[1])
    x0, y0 = float(tie[3]), float(tie[4])
    off = 0.5 if raster_type == 1 else 0.0  # PixelIsArea: the tiepoint is a cell corner
    lon = np.asarray(x0 + (np.arange(data.shape[1]) + off) * sx, dtype=np.float64)
    lat = np.asarray(y0 - (np.arange(data.shape[0]) + off) * sy, dtype=np.float64)
    elev = data.astype(np.float32)
    if nodata is not None:
        try:
            nd = float(str(nodata).strip().strip("\x00"))
            elev[elev == np.float32(nd)] = np.nan
        except ValueError:
            pass
    i, j = _crop(lat, lon, bbox)
    return _from_axes(elev[i, j], lat[i], lon[j], path, outside)


def _read_netcdf(
    path: Path, bbox: tuple[float, float, float, float] | None, outside: float
) -> TerrainModel:
    import xarray as xr

    try:
        ds = xr.open_dataset(path)
    except Exception as exc:
        raise InputError(
            f"cannot read NetCDF DEM ({type(exc).__name__}: {exc})", path=path,
            expected="a NetCDF elevation grid with lat/lon axes",
        ) from None  # fmt: skip
    with ds:
        names = list(ds.data_vars)
        zname: str | None = next((n for n in _Z_NAMES if n in names), None)
        if zname is None:
            two_d = [str(n) for n in names if ds[n].ndim == 2]
            zname = two_d[0] if len(two_d) == 1 else None
        if zname is None:
            raise InputError(
                "no elevation variable in NetCDF DEM", path=path, value=sorted(map(str, names)),
                expected=f"one 2-D variable, or one named {', '.join(_Z_NAMES)}",
            )  # fmt: skip
        da = ds[zname].squeeze(drop=True)
        dims = list(da.dims)
        ylat = next((str(d) for d in dims if str(d).lower() in _LAT_NAMES), None)
        xlon = next((str(d) for d in dims if str(d).lower() in _LON_NAMES), None)
        if ylat is None or xlon is None or da.ndim != 2:
            raise InputError(
                f"elevation variable '{zname}' is not on latitude x longitude", path=path,
                field=str(zname), value=tuple(map(str, dims)), expected="dims (lat, lon)",
            )  # fmt: skip
        da = da.transpose(ylat, xlon)
        lat = np.asarray(da[ylat].values, dtype=np.float64)
        lon = np.asarray(da[xlon].values, dtype=np.float64)
        if np.any(np.abs(lat) > 90.0 + 1e-6):
            raise InputError(
                "DEM latitudes beyond +-90 (projected coordinates?)", path=path, field=ylat,
                expected="geographic lat/lon (reproject to EPSG:4326)",
            )  # fmt: skip
        i, j = _crop(lat, lon, bbox)
        if (i.stop - i.start) * (j.stop - j.start) > MAX_CELLS:
            raise InputError(
                "DEM area too large to load", path=path,
                expected=f"at most {MAX_CELLS:,} cells: pass a smaller bbox=",
            )  # fmt: skip
        elev = np.asarray(da.isel({ylat: i, xlon: j}).values, dtype=np.float32)
    return _from_axes(elev, lat[i], lon[j], path, outside)


def open_terrain(
    path: str | Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    outside: float = 0.0,
) -> TerrainModel:
    """Read a DEM (GeoTIFF in EPSG:4326, or NetCDF with lat/lon axes) as a `TerrainModel`.

    Parameters
    ----------
    path : the DEM file (recognised by its first bytes: TIFF ``II*``/``MM*``, NetCDF/HDF5).
    bbox : (west, south, east, north) degrees to keep (default: the whole grid).
    outside : m above MSL used outside the grid and in cells without data (default 0).

    Raises
    ------
    InputError naming the file: missing, unreadable, not georeferenced, projected
    coordinates, irregular axes, no elevation variable, too large.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(
            "DEM file not found", path=p, expected="an existing GeoTIFF or NetCDF file"
        )
    o = float(outside)
    if not math.isfinite(o):
        raise ConfigError(f"outside height must be finite, got {outside!r}")
    with p.open("rb") as fh:
        head = fh.read(8)
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return _read_geotiff(p, bbox, o)
    if head.startswith((b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF\r\n\x1a\n")):
        return _read_netcdf(p, bbox, o)
    raise InputError(
        "not a GeoTIFF or NetCDF DEM (unrecognised first bytes)",
        path=p,
        value=head[:8],
        expected="a GeoTIFF (II*/MM*) or NetCDF (CDF/HDF5) elevation grid",
    )
