"""Where an ensemble's members end up: 50 % / 90 % regions as polygons and a density grid.

Every command that runs an ensemble (``predict``, and ``engage``/``assess``/``verify`` when they
adopt it) writes its ``--out`` through `write_ensemble_outputs`:

- ``--out FILE.geojson|.json|.kml|.czml|.csv``: the command's FeatureCollection plus the 50 %
  and 90 % regions of the members' end points (layer ``end_region``), and beside it
  ``FILE.density.nc``, the members' density on a latitude/longitude grid (NetCDF, CF-1.8);
- ``--out FILE.nc``: the density grid alone.

Usage from a command::

    cloud = MemberCloud(lat=pred.end_lat, lon=pred.end_lon, time=float(np.nanmedian(pred.end_time)),
                        label="landing")
    files = write_ensemble_outputs(Path(out), fc, cloud)

Method
------
The members' end points are projected on an azimuthal equidistant plane about their median
(pyproj, WGS84), where a Gaussian kernel density estimate (scipy, Scott's rule bandwidth
[Scott1992]_) is evaluated on a regular latitude/longitude grid. The p-region is the highest
density region [Hyndman1996]_: the grid cells whose density is at least the density exceeded by a
fraction p of the members themselves (so about p of the members lie inside, whatever the
shape: two landing areas give two polygons). Its outline is the union of those cells (shapely),
simplified by a quarter cell. The grid also carries the plain histogram, the fraction of members
in each cell, which sums to 1.

References
----------
.. [Hyndman1996] Hyndman R. J. (1996), Computing and graphing highest density regions, The
   American Statistician 50(2), 120-126.
.. [Scott1992] Scott D. W. (1992), Multivariate Density Estimation, Wiley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError, InputError
from ..timeutil import iso

__all__ = [
    "MemberCloud",
    "DensityGrid",
    "density_grid",
    "region_features",
    "density_dataset",
    "write_density",
    "write_ensemble_outputs",
]

FloatArray = npt.NDArray[np.float64]

#: at most this many members enter the kernel density (a random subset, fixed seed)
MAX_KDE_MEMBERS = 4000


@dataclass(frozen=True)
class MemberCloud:
    """Positions of an ensemble's members at one moment.

    lat, lon : (members,) degrees (NaN for members without a position).
    time : epoch s the positions refer to (median end time), or None.
    label : what the points are, in words ("landing", "end", "origin", "debris").
    """

    lat: FloatArray
    lon: FloatArray
    time: float | None = None
    label: str = "end"

    def finite(self) -> tuple[FloatArray, FloatArray]:
        la = np.asarray(self.lat, dtype=np.float64)
        lo = np.asarray(self.lon, dtype=np.float64)
        if la.shape != lo.shape or la.ndim != 1:
            raise InputError(
                "member latitudes and longitudes differ in shape",
                field="lat/lon",
                value=(la.shape, lo.shape),
                expected="two (members,) arrays",
            )
        ok = np.isfinite(la) & np.isfinite(lo)
        return la[ok], lo[ok]


@dataclass(frozen=True)
class DensityGrid:
    """A member density on a regular grid (cell centres ``lat``, ``lon``, degrees; ``lon`` is
    continuous and may pass 180). ``density``: kernel density, members per km2 divided by the
    member count (integrates to ~1 over the grid); ``fraction``: fraction of members per cell;
    ``thresholds``: {level: density above which the level's highest density region lies}."""

    lat: FloatArray
    lon: FloatArray
    density: FloatArray
    fraction: FloatArray
    thresholds: dict[float, float]
    members: int
    bandwidth_km: float
    cloud: MemberCloud


def _aeqd(lat0: float, lon0: float) -> Any:
    from pyproj import Transformer

    proj = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs"
    return Transformer.from_crs("EPSG:4326", proj, always_xy=True)


def density_grid(
    cloud: MemberCloud,
    *,
    levels: tuple[float, ...] = (0.5, 0.9),
    cells: int = 120,
    seed: int = 0,
) -> DensityGrid | None:
    """Kernel density of the members on a lat/lon grid and its highest-density thresholds
    (see the module docstring). None with fewer than 5 distinct members (no spread to map)."""
    from scipy.stats import gaussian_kde

    from ..predict.regions import median_lonlat

    if not 10 <= cells <= 1000:
        raise ConfigError(f"density grid cells must be 10..1000 per side, got {cells}")
    for lv in levels:
        if not 0.0 < lv < 1.0:
            raise ConfigError(f"region level must be between 0 and 1, got {lv}")
    la, lo = cloud.finite()
    if la.size < 5 or np.unique(np.round(np.c_[la, lo], 6), axis=0).shape[0] < 5:
        return None
    clat, clon = median_lonlat(la, lo)
    lo = clon + (lo - clon + 180.0) % 360.0 - 180.0  # continuous about the median
    tr = _aeqd(clat, clon)
    x, y = tr.transform(lo, la)
    pts = np.vstack([x, y])
    sub = pts
    if pts.shape[1] > MAX_KDE_MEMBERS:
        rng = np.random.default_rng(seed)
        sub = pts[:, rng.choice(pts.shape[1], MAX_KDE_MEMBERS, replace=False)]
    try:
        kde = gaussian_kde(sub)
    except (np.linalg.LinAlgError, ValueError):  # members on a line: no 2-D density
        return None
    bw = float(np.sqrt(np.sqrt(np.linalg.det(kde.covariance))))  # m, geometric mean
    pad_deg = 3.0 * bw / 111_195.0
    lat0, lat1 = max(la.min() - pad_deg, -89.9), min(la.max() + pad_deg, 89.9)
    coslat = max(
        math.cos(math.radians(min(abs(lat0), abs(lat1), 89.0) if lat0 * lat1 > 0 else 0.0)), 0.05
    )
    pad_lon = pad_deg / max(coslat, 0.05)
    lon0, lon1 = lo.min() - pad_lon, lo.max() + pad_lon
    step = max((lat1 - lat0) / cells, (lon1 - lon0) / cells, 1e-3)
    glat = np.arange(lat0 + step / 2, lat1, step)
    glon = np.arange(lon0 + step / 2, lon1, step)
    LON, LAT = np.meshgrid(glon, glat)
    gx, gy = tr.transform(LON.ravel(), LAT.ravel())
    dens = kde(np.vstack([gx, gy])).reshape(LAT.shape) * 1e6  # per km2
    at_members = kde(sub) * 1e6
    thresholds = {float(lv): float(np.quantile(at_members, 1.0 - lv)) for lv in levels}
    i = np.clip(((la - (lat0)) / step).astype(np.int64), 0, glat.size - 1)
    j = np.clip(((lo - (lon0)) / step).astype(np.int64), 0, glon.size - 1)
    frac = np.zeros(LAT.shape)
    np.add.at(frac, (i, j), 1.0 / la.size)
    return DensityGrid(
        lat=glat,
        lon=glon,
        density=dens,
        fraction=frac,
        thresholds=thresholds,
        members=int(la.size),
        bandwidth_km=bw / 1e3,
        cloud=cloud,
    )


def region_polygons(grid: DensityGrid, level: float) -> Any:
    """The ``level`` highest density region of ``grid`` as a shapely (Multi)Polygon in
    continuous longitudes: the cells with density >= the level's threshold, unioned, their
    staircase edges rounded by a morphological opening and closing of half a cell."""
    from shapely import box, make_valid, union_all

    thr = grid.thresholds[level]
    step = float(grid.lat[1] - grid.lat[0]) if grid.lat.size > 1 else 1.0
    ii, jj = np.nonzero(grid.density >= thr)
    # cell edges from one array, so neighbouring cells share exactly the same edge (no slivers)
    ey = grid.lat[0] - step / 2.0 + step * np.arange(grid.lat.size + 1)
    ex = grid.lon[0] - step / 2.0 + step * np.arange(grid.lon.size + 1)
    boxes = box(ex[jj], ey[ii], ex[jj + 1], ey[ii + 1])
    if boxes.size == 0:
        from shapely.geometry import Polygon

        return Polygon()
    shp = union_all(boxes, grid_size=step * 1e-6)
    r = 0.5 * step
    smooth = shp.buffer(-r, quad_segs=3).buffer(2 * r, quad_segs=3).buffer(-r, quad_segs=3)
    if smooth.is_empty:  # a region a cell or two wide: keep the cells
        smooth = shp
    from .geojson import polygonal

    return polygonal(make_valid(smooth.simplify(step / 4.0)))


def region_features(
    grid: DensityGrid, *, layer: str = "end_region", color: str = "#8e44ad"
) -> list[dict[str, Any]]:
    """The highest density regions of ``grid`` as GeoJSON features (one per level), each with
    its level, area (km2) and the fraction of members inside (its empirical coverage)."""
    from pyproj import Geod
    from shapely import contains_xy
    from shapely.geometry import mapping

    geod = Geod(ellps="WGS84")
    la, lo = grid.cloud.finite()
    lon_c = float(np.mean(grid.lon))
    lo = lon_c + (lo - lon_c + 180.0) % 360.0 - 180.0
    feats = []
    for level in sorted(grid.thresholds, reverse=True):
        shp = region_polygons(grid, level)
        if shp.is_empty:
            continue
        inside = float(np.mean(contains_xy(shp, lo, la)))
        area = abs(geod.geometry_area_perimeter(shp)[0]) / 1e6
        geom = mapping(shp)
        pct = int(round(level * 100))
        props: dict[str, Any] = {
            "layer": layer,
            "group": str(pct),
            "name": f"{pct} % {grid.cloud.label} region",
            "level": level,
            "area_km2": round(area, 1),
            "members_inside": round(inside, 3),
            "members": grid.members,
            "style": {"color": color, "opacity": 0.18 if level > 0.75 else 0.32},
        }
        if grid.cloud.time is not None and math.isfinite(grid.cloud.time):
            props["time"] = iso(grid.cloud.time)
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": geom["type"], "coordinates": _lists(geom["coordinates"])},
                "properties": props,
            }
        )
    return feats


def _lists(obj: Any) -> Any:
    if isinstance(obj, list | tuple):
        return [_lists(v) for v in obj]
    return round(float(obj), 5)


def density_dataset(grid: DensityGrid, *, title: str = "stratowatch member density") -> Any:
    """The grid as an xarray Dataset following the CF conventions (1.8)."""
    import xarray as xr

    from .. import __version__

    lon = grid.lon
    ds = xr.Dataset(
        {
            "probability_density": (
                ("lat", "lon"),
                grid.density.astype(np.float32),
                {
                    "long_name": f"kernel density of the ensemble members' {grid.cloud.label} "
                    "positions (integrates to 1)",
                    "units": "km-2",
                },
            ),
            "member_fraction": (
                ("lat", "lon"),
                grid.fraction.astype(np.float32),
                {
                    "long_name": f"fraction of the members whose {grid.cloud.label} position "
                    "falls in the cell",
                    "units": "1",
                },
            ),
        },
        coords={
            "lat": (
                "lat",
                grid.lat,
                {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"},
            ),
            "lon": (
                "lon",
                lon,
                {"standard_name": "longitude", "units": "degrees_east", "axis": "X"},
            ),
        },
        attrs={
            "Conventions": "CF-1.8",
            "title": title,
            "source": f"stratowatch {__version__}",
            "members": grid.members,
            "kde_bandwidth_km": round(grid.bandwidth_km, 3),
            "method": "Gaussian KDE (Scott's rule) on an azimuthal equidistant plane about the "
            "members' median; highest density regions after Hyndman (1996)",
        },
    )
    for lv, thr in grid.thresholds.items():
        ds.attrs[f"hdr_{int(round(lv * 100))}_threshold_km-2"] = thr
    if grid.cloud.time is not None and math.isfinite(grid.cloud.time):
        ds = ds.assign_coords(
            time=((), np.int64(round(grid.cloud.time)), {
                "standard_name": "time",
                "units": "seconds since 1970-01-01 00:00:00",
                "calendar": "standard",
            })
        )  # fmt: skip
    return ds


def write_density(path: Path, grid: DensityGrid) -> Path:
    """Write the density grid as NetCDF (``.nc``)."""
    ds = density_dataset(grid)
    if path.is_dir():
        raise InputError("output path is a folder", path=path, expected="a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ds.to_netcdf(path)
    except (OSError, PermissionError) as exc:
        raise InputError(
            "cannot write the density grid",
            path=path,
            value=getattr(exc, "strerror", None) or str(exc),
            expected="a writable file path",
        ) from None
    return path


def write_ensemble_outputs(
    path: Path, fc: dict[str, Any], cloud: MemberCloud, *, color: str = "#8e44ad"
) -> list[Path]:
    """``--out`` of an ensemble command (see the module docstring): the collection with the
    50/90 % regions of ``cloud`` and the density grid beside it, or the grid alone for ``.nc``.
    Returns the files written (the main one first)."""
    from .export import SUPPORTED_SUFFIXES, write_features

    suffix = path.suffix.lower()
    if suffix not in (*SUPPORTED_SUFFIXES, ".nc"):
        raise InputError(
            "unsupported output format",
            path=path,
            value=suffix,
            expected="one of " + ", ".join((*SUPPORTED_SUFFIXES, ".nc")),
        )
    grid = density_grid(cloud)
    if suffix == ".nc":
        if grid is None:
            raise InputError(
                "no density grid: fewer than 5 distinct member positions",
                path=path,
                value=int(np.isfinite(np.asarray(cloud.lat, dtype=float)).sum()),
                expected="an ensemble (--members >= 5) with spread",
            )
        return [write_density(path, grid)]
    feats = list(fc.get("features", []))
    if grid is not None:
        feats += region_features(grid, color=color)
    out = write_features(path, {**fc, "features": feats})
    files = [out]
    if grid is not None:
        files.append(write_density(path.with_suffix(".density.nc"), grid))
    return files
