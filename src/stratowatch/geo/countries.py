"""Countries: which one a point is in, the nearest one, and national territory incl. the sea.

Borders are Natural Earth 1:110m admin-0 countries v4.1.0 ([NaturalEarth]_, public domain), a
compact copy derived by ``tools/build_geo.py`` and shipped in ``stratowatch/data``
(``ne_110m_countries.npz``: the polygons as Well-Known Binary, read in a few ms). At 1:110m a
border is accurate to a few km, so answers within ~10 km of a border or coast are uncertain.

The territorial sea is the belt up to 12 nautical miles from the baseline (UNCLOS Art. 3,
[UNCLOS1982]_); here the baseline is the 1 km land mask's coastline (`geo.land`) and the
sea belongs to the nearest country's land, which ignores straight baselines and median lines.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from .geodesy import NMI
from .land import _check, distance_to_coast, is_land

__all__ = [
    "TERRITORIAL_SEA",
    "Countries",
    "countries",
    "country_at",
    "nearest_country",
    "territory_at",
    "country_name",
]

TERRITORIAL_SEA = 12 * NMI  # 22,224 m (UNCLOS Art. 3)
_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class Countries:
    """Country polygons with a spatial index. ``iso[k]``, ``names[k]``, ``geoms[k]``."""

    iso: tuple[str, ...]
    names: tuple[str, ...]
    population: tuple[int, ...]
    geoms: tuple[BaseGeometry, ...]
    tree: STRtree

    def index(self, iso: str) -> int:
        """Index of the country with ISO 3166-1 alpha-2 code ``iso`` (KeyError if unknown)."""
        try:
            return self.iso.index(iso.upper())
        except ValueError:
            raise KeyError(iso) from None


_COUNTRIES: Countries | None = None


def countries() -> Countries:
    """The shipped Natural Earth 1:110m countries (loaded once)."""
    global _COUNTRIES
    with _LOCK:
        if _COUNTRIES is None:
            src = resources.files("stratowatch.data").joinpath("ne_110m_countries.npz")
            with src.open("rb") as fh, np.load(fh) as d:
                blob = d["wkb"].tobytes()
                start = d["wkb_start"].tolist()
                iso = tuple(str(c) for c in d["iso"])
                names = tuple(str(c) for c in d["name"])
                pop = tuple(int(p) for p in d["pop"])
            # OGC Well-Known Binary, one (multi)polygon per country (tools/build_geo.py)
            wkb = [blob[a:b] for a, b in zip(start[:-1], start[1:], strict=True)]
            geoms = tuple(shapely.from_wkb(wkb).tolist())
            for g in geoms:
                shapely.prepare(g)
            _COUNTRIES = Countries(
                iso=iso,
                names=names,
                population=pop,
                geoms=geoms,
                tree=STRtree(list(geoms)),
            )
        return _COUNTRIES


def country_name(iso: str) -> str:
    """Name of a country from its ISO code (the code itself when unknown, '' for '')."""
    if not iso:
        return ""
    c = countries()
    try:
        return c.names[c.index(iso)]
    except KeyError:
        return iso


def _country_index(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    c = countries()
    pts = shapely.points(lon.ravel(), lat.ravel())
    hit = c.tree.query(pts, predicate="within")
    out = np.full(pts.shape[0], -1, dtype=np.int64)
    out[hit[0]] = hit[1]
    return out.reshape(lat.shape)


def country_at(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """ISO alpha-2 code of the country containing each point ('' over sea / no country)."""
    la, lo = _check(lat, lon)
    idx = _country_index(la, lo)
    codes = np.array(countries().iso + ("",))
    return codes[idx]  # -1 picks the trailing ''


def nearest_country(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """ISO code of the country polygon nearest to each point (in degree space: a proxy)."""
    la, lo = _check(lat, lon)
    c = countries()
    pts = shapely.points(lo.ravel(), la.ravel())
    nearest = c.tree.query_nearest(pts, all_matches=False)
    out = np.full(pts.shape[0], -1, dtype=np.int64)
    out[nearest[0]] = nearest[1]
    codes = np.array(c.iso + ("",))
    return codes[out].reshape(la.shape)


def territory_at(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """ISO code of the country whose land or 12-nmi territorial sea contains each point ('' in
    international waters). Land points just outside the coarse 1:110m polygons take the
    nearest country."""
    la, lo = _check(lat, lon)
    out = country_at(la, lo)
    miss = out == ""
    if np.any(miss):
        sub_la, sub_lo = la[miss], lo[miss]
        land = is_land(sub_la, sub_lo)
        near = land | (distance_to_coast(sub_la, sub_lo, max_distance=30_000.0) <= TERRITORIAL_SEA)
        out = out.astype("<U8")
        if np.any(near):  # the nearest polygon only for the points that take one
            fill = np.full(sub_la.shape, "", dtype="<U8")
            fill[near] = nearest_country(sub_la[near], sub_lo[near])
            out[miss] = fill
    return out
