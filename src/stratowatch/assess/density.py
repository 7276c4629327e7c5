r"""Population density where debris lands: the population model's own cells, or the same
density smoothed by a Gaussian kernel.

Why smooth (Rao-Blackwellisation)
---------------------------------
The casualty expectation of a break-up is an integral of the population density against the
impact density of each fragment class,

.. math:: E_c = \sum_c n_c A_{c}\int \rho(\mathbf{x})\, q_c(\mathbf{x})\, d\mathbf{x},

which the Monte Carlo estimates from representatives :math:`\mathbf{x}_i \sim q_c` as
:math:`\sum_i w_i A_i \rho(\mathbf{x}_i)`. The density :math:`\rho` is spiky at the km scale
(a town's 1 km cells hold ~1,000 times the people of the ranch land around it), while
:math:`q_c` is smooth at the scale of where the balloon may be (tens to hundreds of km) and of
the debris field, so a few representatives that happen to land in a town dominate the sum and
40 realisations often miss them (measured: the percentile interval held the truth ~55 % of the
time, docs/assessment.md). Replacing the point density by the kernel-smoothed density

.. math:: \tilde\rho_h(\mathbf{x}_i) = \int \rho(\mathbf{x})\,
    \mathcal{N}(\mathbf{x};\mathbf{x}_i, h^2 I)\, d\mathbf{x}

integrates :math:`\rho` against a kernel density estimate of :math:`q_c` (each sample carries
an expectation over its neighbourhood instead of a lottery ticket): the variance falls by
orders of magnitude and the estimate changes by the smoothing bias of the kernel estimate of
:math:`q_c`, of relative order :math:`h^2/2\sigma^2` where the population varies over the
impact cloud's scale :math:`\sigma` ([Silverman1986]_ ch. 4; the conditional-expectation
argument is [Robert2004]_ §4.7). The planner takes :math:`h = \kappa\,\sigma_{min}` per window
and fragment class, :math:`\sigma_{min}` the smaller principal standard deviation of that
class's impact cloud over all realisations, and :math:`\kappa` = 0.3 by default (measured
coverage in docs/assessment.md; :math:`\kappa = 0` is the unsmoothed estimator).

Grids
-----
Smoothed densities come from a pyramid of levels: level L has cells of :math:`0.01 \cdot 2^L`
deg (drawn by the population source at that step, which conserves people), smoothed by a
Gaussian of 1.5 cells (:math:`h_L` = 1.7 km x :math:`2^L`), read by bilinear interpolation;
the level used is the largest with :math:`h_L \le h`. Level -1 is the source's own 0.01-deg
cells, read at the cell holding the point (the unsmoothed estimator). Tiles are drawn once and
kept (per population source) for later windows and plans; tiles of a source with a
``cache_key`` (the shipped settlement model) are also kept on disk, in ``density/`` under the
cache folder (``$STRATOWATCH_CACHE`` or ``~/.cache/stratowatch``; ``STRATOWATCH_NO_DISK_CACHE=1``
turns it off), so later runs of the CLI read them instead of drawing them.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..geo import EARTH_RADIUS, PopulationSource
from ..geo.land import _cache_dir
from ..geo.population import PopulationGrid

__all__ = [
    "RAW",
    "N_LEVELS",
    "KERNEL_CELLS",
    "level_step",
    "level_bandwidth",
    "level_for",
    "DensityField",
    "density_field",
]

FloatArray = npt.NDArray[np.float64]

RAW = -1  # the source's own cells, no smoothing
STEP0 = 0.01  # deg, finest level (and the raw cells)
N_LEVELS = 8  # 0.01 .. 1.28 deg
KERNEL_CELLS = 1.5  # Gaussian sigma in cells of the level
HALO_CELLS = 6  # 4 sigma
TILE_CELLS = 200
MAX_TILE_DEG = 64.0
RAW_TILE_DEG = 2.0
CACHE_BYTES = 400_000_000
DENSITY_VERSION = 1  # bump when _draw changes (on-disk tiles are keyed on it)


def level_step(level: int) -> float:
    """Cell size (deg) of pyramid ``level`` (0.01 x 2**level; the raw cells for -1)."""
    return STEP0 * 2.0 ** max(level, 0)


def level_bandwidth(level: int) -> float:
    """Gaussian kernel sigma (m, north-south) of pyramid ``level``; 0 for the raw cells."""
    if level < 0:
        return 0.0
    return float(KERNEL_CELLS * np.radians(level_step(level)) * EARTH_RADIUS)


def level_for(bandwidth: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The largest level whose kernel is no wider than ``bandwidth`` (m); -1 (raw) below the
    finest level's 1.7 km."""
    h = np.asarray(bandwidth, dtype=np.float64)
    h0 = level_bandwidth(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lev = np.floor(np.log2(np.where(h > 0, h / h0, 0.5)) + 1e-9)
    lev = np.where(np.isfinite(lev), lev, -1.0)
    return np.asarray(np.clip(lev, RAW, N_LEVELS - 1), dtype=np.int64)


def _tile_span(level: int) -> float:
    if level < 0:
        return RAW_TILE_DEG
    step = level_step(level)
    return float(min(TILE_CELLS, int(MAX_TILE_DEG / step)) * step)


class DensityField:
    """Density lookups (people per m2) on one population source, raw or smoothed, with the
    tiles kept (least recently used dropped beyond ~400 MB)."""

    def __init__(self, population: PopulationSource) -> None:
        self.population = population
        self._tiles: OrderedDict[tuple[int, int, int], PopulationGrid] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def _draw(self, level: int, ti: int, tj: int) -> PopulationGrid:
        span = _tile_span(level)
        south, west = ti * span, tj * span
        if level < 0:
            return self.population.grid(
                max(south, -90.0), min(south + span, 90.0), west, west + span, step=STEP0
            )
        step = level_step(level)
        halo = HALO_CELLS * step
        s = max(south - halo, -90.0)
        n = min(south + span + halo, 90.0)
        rows = int(np.ceil((n - s) / step - 1e-9))
        if s + rows * step > 90.0:  # whole cells: the last row must not pass the pole
            s = max(90.0 - rows * step, -90.0)
            n = 90.0
        g = self.population.grid(s, n, west - halo, west + span + halo, step=step)
        # scipy.ndimage costs ~0.4 s to import: only when a tile is drawn (not read from disk)
        from scipy.ndimage import gaussian_filter1d

        dens = gaussian_filter1d(g.density, KERNEL_CELLS, axis=0, mode="nearest", truncate=4.0)
        lat_c, _ = g.centers()
        coslat = np.maximum(np.cos(np.radians(lat_c)), 0.02)
        out = np.empty_like(dens)
        for i in range(dens.shape[0]):  # rows: a kernel of 1.5 cells north-south is wider in lon
            out[i] = gaussian_filter1d(
                dens[i], min(KERNEL_CELLS / coslat[i], dens.shape[1]), mode="wrap", truncate=4.0
            )
        return PopulationGrid(g.south, g.west, step, out)

    def _disk_path(self, level: int, ti: int, tj: int) -> Path | None:
        key = getattr(self.population, "cache_key", None)
        if not key or os.environ.get("STRATOWATCH_NO_DISK_CACHE"):
            return None
        return _cache_dir() / "density" / f"{key}-v{DENSITY_VERSION}" / f"{level}_{ti}_{tj}.npz"

    def _load_or_draw(self, level: int, ti: int, tj: int) -> PopulationGrid:
        """A tile from the on-disk cache (sources with a ``cache_key``: the shipped settlement
        model), else drawn and stored there (unwritable cache: drawn only)."""
        path = self._disk_path(level, ti, tj)
        if path is not None and path.is_file():
            try:
                with np.load(path) as d:
                    return PopulationGrid(
                        float(d["south"]), float(d["west"]), float(d["step"]), d["density"]
                    )
            except (OSError, ValueError, KeyError):
                pass  # damaged: draw again
        t = self._draw(level, ti, tj)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
                np.savez(tmp, south=t.south, west=t.west, step=t.step, density=t.density)
                tmp.replace(path)
            except OSError:
                pass
        return t

    def _tile(self, level: int, ti: int, tj: int) -> PopulationGrid:
        key = (level, ti, tj)
        with self._lock:
            t = self._tiles.get(key)
            if t is not None:
                self._tiles.move_to_end(key)
                return t
        t = self._load_or_draw(level, ti, tj)
        with self._lock:
            self._tiles[key] = t
            self._bytes += t.density.nbytes
            while self._bytes > CACHE_BYTES and len(self._tiles) > 1:
                _, old = self._tiles.popitem(last=False)
                self._bytes -= old.density.nbytes
        return t

    def at(self, lat: npt.ArrayLike, lon: npt.ArrayLike, level: npt.ArrayLike = RAW) -> FloatArray:
        """Density at each point: the raw cell holding it (level -1) or the level's smoothed
        density, bilinear between cell centres. ``level`` broadcasts to the points."""
        la = np.asarray(lat, dtype=np.float64).ravel()
        lo = (np.asarray(lon, dtype=np.float64).ravel() + 180.0) % 360.0 - 180.0
        lev = np.broadcast_to(np.asarray(level, dtype=np.int64), np.shape(lat)).ravel()
        out = np.zeros(la.size)
        if la.size == 0:
            return out
        span = np.array([_tile_span(int(L)) for L in range(RAW, N_LEVELS)])[lev + 1]
        ti = np.floor(la / span).astype(np.int64)
        tj = np.floor(lo / span).astype(np.int64)
        key = ((lev + 1) * 100_000 + (ti + 50_000)) * 100_000 + (tj + 50_000)
        order = np.argsort(key, kind="stable")
        uniq, first = np.unique(key[order], return_index=True)
        bounds = np.append(first, order.size)
        for k in range(uniq.size):  # tiles, not points: tens to a few hundred per plan
            idx = order[bounds[k] : bounds[k + 1]]
            i0 = idx[0]
            g = self._tile(int(lev[i0]), int(ti[i0]), int(tj[i0]))
            out[idx] = g.at(la[idx], lo[idx]) if lev[i0] < 0 else _bilinear(g, la[idx], lo[idx])
        return out


def _bilinear(g: PopulationGrid, lat: FloatArray, lon: FloatArray) -> FloatArray:
    ny, nx = g.shape
    fi = np.clip((lat - g.south) / g.step - 0.5, 0.0, ny - 1.0)
    fj = np.clip(((lon - g.west) % 360.0) / g.step - 0.5, 0.0, nx - 1.0)
    i = np.minimum(fi.astype(np.int64), max(ny - 2, 0))
    j = np.minimum(fj.astype(np.int64), max(nx - 2, 0))
    di = fi - i
    dj = fj - j
    d = g.density
    i1 = np.minimum(i + 1, ny - 1)
    j1 = np.minimum(j + 1, nx - 1)
    return np.asarray(
        (1 - di) * ((1 - dj) * d[i, j] + dj * d[i, j1])
        + di * ((1 - dj) * d[i1, j] + dj * d[i1, j1]),
        dtype=np.float64,
    )


_FIELDS: weakref.WeakKeyDictionary[Any, DensityField] = weakref.WeakKeyDictionary()
_FIELDS_LOCK = threading.Lock()


def density_field(population: PopulationSource) -> DensityField:
    """The shared `DensityField` of ``population`` (its tiles are kept while it lives)."""
    with _FIELDS_LOCK:
        try:
            f = _FIELDS.get(population)
            if f is None:
                f = DensityField(population)
                _FIELDS[population] = f
            return f
        except TypeError:  # not weak-referenceable: no sharing
            return DensityField(population)
