"""Smoothed population density (assess.density), the rare-hit interval (assess.stats) and the
settlement model on coarse grids (issue 9: calibrated Ec interval, no invented people)."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.assess.density import (
    N_LEVELS,
    RAW,
    DensityField,
    _tile_span,
    level_bandwidth,
    level_for,
)
from stratowatch.assess.stats import clopper_pearson, rare_hit_interval
from stratowatch.geo import PopulationGrid, country_at, default_population, is_land
from stratowatch.geo.population import _GEONAMES_CODE


class UniformPopulation:
    """1 person per km2 everywhere: every smoothing level must return it unchanged."""

    name = "uniform"

    def grid(
        self, south: float, north: float, west: float, east: float, *, step: float
    ) -> PopulationGrid:
        ny = int(np.ceil((north - south) / step - 1e-9))
        nx = int(np.ceil((east - west) / step - 1e-9))
        return PopulationGrid(south, west, step, np.full((ny, nx), 1e-6))


def test_clopper_pearson_published_values() -> None:
    """Exact binomial interval: 0 of 40 -> upper 1 - 0.05^(1/40) = 0.0722 (the zero-hit bound);
    1 of 40 at 90 % -> (0.00128, 0.1132) (Beta quantiles)."""
    lo, hi = clopper_pearson([0, 1, 40], 40)
    assert lo[0] == 0.0 and hi[0] == pytest.approx(1 - 0.05 ** (1 / 40), rel=1e-6)
    assert lo[1] == pytest.approx(0.00128, abs=2e-5) and hi[1] == pytest.approx(0.1132, abs=2e-4)
    assert lo[2] == pytest.approx(0.05 ** (1 / 40), rel=1e-6) and hi[2] == 1.0


def test_rare_hit_interval_is_wide_for_one_hit() -> None:
    """One hit in 40: the mean is known to a factor ~20 below and ~4.5 above."""
    lo, hi = rare_hit_interval([1.0, 1.0, 0.0], [1, 20, 0], 40)
    assert lo[0] == pytest.approx(0.0513, abs=1e-3) and hi[0] == pytest.approx(4.53, abs=0.01)
    assert 0.7 < lo[1] < 1.0 < hi[1] < 1.3
    assert lo[2] == 0.0 and hi[2] == 0.0


def test_levels_and_uniform_density_is_unchanged() -> None:
    """Level L smooths with a Gaussian of 1.5 cells of 0.01 x 2^L deg; level_for picks the
    widest kernel no wider than asked; a uniform density stays uniform at every level and in
    every tile, the polar ones included."""
    assert level_bandwidth(0) == pytest.approx(1.5 * np.radians(0.01) * 6_371_008.8, rel=1e-3)
    assert level_for([0.0, 1000.0, level_bandwidth(0), 1.5 * level_bandwidth(2), 1e9]).tolist() == [
        RAW,
        RAW,
        0,
        2,
        N_LEVELS - 1,
    ]
    f = DensityField(UniformPopulation())
    lat = np.array([45.0, 89.9, -89.9, 0.0, 60.0])
    lon = np.array([-100.0, 10.0, 179.9, -179.9, 0.0])
    for level in range(RAW, N_LEVELS):
        d = f.at(lat, lon, level)
        assert np.allclose(d, 1e-6, rtol=1e-6), (level, d)


def test_settlement_model_coarse_tiles_are_finite_and_conserve_people() -> None:
    """Regression (issue 9): a town far narrower than a coarse cell made 0/0 = NaN in the
    density (and Ec NaN in windows hundreds of km wide); tiles reaching the pole passed 90 deg.
    Every tile of every level over North America and the Arctic is finite and >= 0, and the
    people of a box are the same at 0.16 and 0.02 deg cells within 4 % (California: coast cells)."""
    pop = default_population()
    f = DensityField(pop)
    for level in range(0, N_LEVELS):
        span = _tile_span(level)
        for lat0, lon0 in ((45.0, -100.0), (89.0, -40.0), (33.0, -117.0)):
            g = f._tile(level, int(lat0 // span), int(lon0 // span))
            assert np.all(np.isfinite(g.density)) and np.all(g.density >= 0), (level, lat0)
    coarse = pop.grid(31.0, 39.0, -125.0, -113.0, step=0.16).total()
    fine = pop.grid(31.0, 39.0, -125.0, -113.0, step=0.02).total()
    assert coarse == pytest.approx(fine, rel=0.04)  # measured 2.5 % (coastal cities)


def test_country_of_land_cells_matches_the_polygons() -> None:
    """The settlement model finds the country of a land cell from its two nearest places (the
    Natural Earth polygons only near borders and in empty land): it agrees with the polygons
    on >= 99 % of random land points."""
    pop = default_population()
    rng = np.random.default_rng(3)
    la = rng.uniform(-55.0, 70.0, 6000)
    lo = rng.uniform(-180.0, 180.0, 6000)
    land = is_land(la, lo)
    la, lo = la[land], lo[land]
    ours = pop._country_codes(la, lo)
    ne = np.array([_GEONAMES_CODE.get(str(c), str(c)) for c in country_at(la, lo)])
    known = ne != ""
    assert known.sum() > 1000
    assert float(np.mean(ours[known] == ne[known])) >= 0.99


def test_no_people_at_sea() -> None:
    """The density is zero on open sea, also next to a city (Boston harbour islands aside:
    the coast cells carry only their land share)."""
    pop = default_population()
    g = pop.grid(41.0, 43.0, -70.5, -68.5, step=0.01)  # east of Cape Cod: Atlantic
    lat_c, lon_c = g.centers()
    lon_g, lat_g = np.meshgrid(lon_c, lat_c)
    sea = ~is_land(lat_g, lon_g)
    assert sea.mean() > 0.8
    # cells entirely at sea (no land sample in them) hold nobody
    assert float(g.density[sea].max()) * 1e6 < 50.0
    assert float(np.median(g.density[sea])) == 0.0


def test_tiles_are_kept_on_disk(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Tiles of the shipped model are stored under the cache folder and read back unchanged by
    a new process's field (here: a new DensityField)."""
    monkeypatch.setenv("STRATOWATCH_CACHE", str(tmp_path))
    monkeypatch.delenv("STRATOWATCH_NO_DISK_CACHE", raising=False)
    pop = default_population()
    lat, lon = np.array([45.78, 45.9]), np.array([-108.5, -108.0])
    first = DensityField(pop).at(lat, lon, 3)
    files = list((tmp_path / "density").rglob("*.npz"))
    assert len(files) == 1 and pop.cache_key in str(files[0])
    again = DensityField(pop).at(lat, lon, 3)
    assert np.array_equal(first, again) and first.min() > 0
    files[0].write_bytes(b"damaged")  # a damaged file is drawn again, not an error
    assert np.array_equal(DensityField(pop).at(lat, lon, 3), first)
