"""Points in words: country, land or water, and the nearest named places.

``describe_point(lat, lon)`` -> `PlaceDescription`, e.g. ``"United States, 38 km NNE of
Billings, Montana"`` or ``"over water 14 km off United States, 40 km SE of Myrtle Beach, South
Carolina"``; `describe_points` does many points at once (one tree query, one land-mask lookup).

Sources
-------
- Places: GeoNames ``cities1000`` (every populated place with >= 1,000 inhabitants;
  [GeoNames]_, CC BY 4.0) and its country names; US state names from GeoNames, Canadian,
  Brazilian and Australian province/state names from Natural Earth 1:50m admin-1
  ([NaturalEarth]_). A compact copy, ``data/geonames_names.npz``, is derived by
  ``tools/build_place_names.py``.
- Country: `geo.countries.country_at` (Natural Earth 1:110m, accurate to a few km; a land
  point just outside its coarse polygons takes the nearest country).
- Land or water, distance to the coast: `geo.land` (the 1 km GLOBE mask, lakes count as land).

Two places are named per point: ``nearest``, the nearest place of at least 1,000 inhabitants
(what a chaser drives to), and ``town``, the place most readers can find on a map: the most
populous place of at least ``TOWN_POPULATION`` (15,000) inhabitants within
max(1.5 x the distance to the nearest such place, 25 km). A city is so named rather than one of
its districts (GeoNames lists many districts as places), and a nearby town rather than a far
city. The short text names the town; the long text adds the nearest place when it is another.

Distances are great-circle (haversine, `geo.geodesy`); the bearing is the initial great-circle
bearing *from the place to the point* ("38 km NNE of Billings": the point lies NNE of Billings),
given on a 16-point compass.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .coords import check_points
from .countries import country_at, nearest_country
from .geodesy import EARTH_RADIUS, haversine
from .land import distance_to_coast, is_land

if TYPE_CHECKING:  # scipy.spatial (~1 s to import) loads only for large batches of points
    from scipy.spatial import cKDTree

__all__ = [
    "CITY_POPULATION",
    "COAST_SEARCH_M",
    "TOWN_POPULATION",
    "NamedPlace",
    "PlaceDescription",
    "bearing_deg",
    "compass_point",
    "describe_point",
    "describe_points",
    "format_latlon",
    "place_text",
]

FloatArray = npt.NDArray[np.float64]

TOWN_POPULATION = 15_000
CITY_POPULATION = 300_000
_TOWN_K = 32
_CITY_K = 8
_TOWN_REACH = 1.5
_TOWN_REACH_MIN_KM = 25.0
#: how far from a water point the coast is searched (m); farther is "more than" this
COAST_SEARCH_M = 100_000.0
_COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
            "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")  # fmt: skip
_LOCK = threading.Lock()


#: up to this many points a query scans the places directly (a few ms per point, exact); more
#: points use KD-trees (scipy.spatial, built once per process), which give the same answers
BRUTE_MAX_POINTS = 64


@dataclass(frozen=True, eq=False)
class _Gazetteer:
    lat: npt.NDArray[np.float32]
    lon: npt.NDArray[np.float32]
    pop: npt.NDArray[np.int32]
    country: npt.NDArray[np.int16]
    admin1: npt.NDArray[np.int16]
    #: the places' names, UTF-8, one a line (decoded one by one: `name`)
    name_blob: npt.NDArray[np.uint8]
    #: start of each name in ``name_blob`` and, last, one past its end
    name_start: npt.NDArray[np.int64]
    codes: tuple[str, ...]
    country_names: tuple[str, ...]
    admin1_names: tuple[str, ...]
    xyz: FloatArray
    town_index: npt.NDArray[np.int64]
    city_index: npt.NDArray[np.int64]
    trees: dict[str, cKDTree] = field(default_factory=dict)

    def name(self, i: int) -> str:
        """Name of place ``i`` (decoding only the names asked for: a describe needs a few of
        the ~150,000)."""
        a, b = int(self.name_start[i]), int(self.name_start[i + 1]) - 1
        return self.name_blob[a:b].tobytes().decode("utf-8")

    def _tree(self, which: str) -> cKDTree:
        with _LOCK:
            tree = self.trees.get(which)
            if tree is None:
                from scipy.spatial import cKDTree

                pts = self.xyz if which == "all" else self.xyz[self._index(which)]
                tree = self.trees[which] = cKDTree(pts)
            return tree

    def _index(self, which: str) -> npt.NDArray[np.int64]:
        return self.town_index if which == "towns" else self.city_index

    def query(
        self, which: str, xyz: FloatArray, k: int
    ) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        """Chord distances (n, k) and indices (n, k, into the places or the towns/cities) of
        each point's ``k`` nearest places among ``which`` (``all``, ``towns``, ``cities``),
        nearest first. Few points are scanned directly; the KD-tree answers for many points
        and wherever two candidates are exactly as far (places sharing coordinates), so both
        ways give the same answers."""
        n = len(xyz)
        if n > BRUTE_MAX_POINTS:
            return self._tree_query(which, xyz, k)
        pts = self.xyz if which == "all" else self.xyz[self._index(which)]
        m = min(k + 1, pts.shape[0])
        dist = np.empty((n, k))
        idx = np.empty((n, k), dtype=np.int64)
        tied = np.zeros(n, dtype=bool)
        for r in range(n):
            # as the KD-tree: squared differences summed x, y, z in that order, then the root
            d2 = pts[:, 0] - xyz[r, 0]
            d2 *= d2
            dy = pts[:, 1] - xyz[r, 1]
            d2 += dy * dy
            dz = pts[:, 2] - xyz[r, 2]
            d2 += dz * dz
            near = np.argpartition(d2, m - 1)[:m] if m < d2.size else np.arange(d2.size)
            near = near[np.argsort(d2[near], kind="stable")]
            dm = d2[near]
            tied[r] = bool(np.any(dm[1:] == dm[:-1]))
            dist[r] = np.sqrt(dm[:k])
            idx[r] = near[:k]
        if tied.any():  # the tree's own order among equally distant places
            dist[tied], idx[tied] = self._tree_query(which, xyz[tied], k)
        return dist, idx

    def _tree_query(
        self, which: str, xyz: FloatArray, k: int
    ) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        n = len(xyz)
        d, i = self._tree(which).query(xyz, k=k)
        return np.asarray(d).reshape(n, k), np.asarray(i, np.int64).reshape(n, k)


_GAZ: _Gazetteer | None = None


def _unit(lat: npt.ArrayLike, lon: npt.ArrayLike) -> FloatArray:
    p = np.radians(np.asarray(lat, np.float64))
    la = np.radians(np.asarray(lon, np.float64))
    return np.stack([np.cos(p) * np.cos(la), np.cos(p) * np.sin(la), np.sin(p)], axis=-1)


def _gazetteer() -> _Gazetteer:
    global _GAZ
    with _LOCK:
        if _GAZ is None:
            src = resources.files("stratowatch.data").joinpath("geonames_names.npz")
            with src.open("rb") as fh, np.load(fh) as d:
                blob = d["names"]
                # "\n" never occurs inside a UTF-8 multi-byte sequence: names split on it
                start = np.concatenate([[0], np.flatnonzero(blob == 10) + 1, [blob.size + 1]])
                lat, lon = d["lat"], d["lon"]
                pop = d["pop"]
                _GAZ = _Gazetteer(
                    lat=lat,
                    lon=lon,
                    pop=pop,
                    country=d["country"],
                    admin1=d["admin1"],
                    name_blob=blob,
                    name_start=start.astype(np.int64),
                    codes=tuple(str(c) for c in d["codes"]),
                    country_names=tuple(str(c) for c in d["country_names"]),
                    admin1_names=tuple(str(c) for c in d["admin1_names"]),
                    xyz=_unit(lat, lon),
                    town_index=np.flatnonzero(pop >= TOWN_POPULATION).astype(np.int64),
                    city_index=np.flatnonzero(pop >= CITY_POPULATION).astype(np.int64),
                )
        return _GAZ


def compass_point(bearing: float) -> str:
    """16-point compass name of a bearing in degrees (0 = N, 90 = E)."""
    return _COMPASS[int(((bearing % 360.0) + 11.25) // 22.5) % 16]


def bearing_deg(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Initial great-circle bearing (degrees clockwise from north) from point 1 to point 2."""
    p1 = np.radians(np.asarray(lat1, np.float64))
    p2 = np.radians(np.asarray(lat2, np.float64))
    dl = np.radians(np.asarray(lon2, np.float64) - np.asarray(lon1, np.float64))
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0)


def format_latlon(lat: float, lon: float, digits: int = 2) -> str:
    """``49.30, 114.60`` (signed degrees, as the CLI prints them)."""
    return f"{lat:.{digits}f}, {lon:.{digits}f}"


@dataclass(frozen=True)
class NamedPlace:
    """A GeoNames place and where the described point lies from it.

    ``distance_km``: great-circle distance from the place to the point; ``bearing``: degrees
    from the place to the point; ``admin1``: state/province ('' when not named)."""

    name: str
    admin1: str
    country_iso: str
    country: str
    population: int
    lat: float
    lon: float
    distance_km: float
    bearing: float

    @property
    def compass(self) -> str:
        """The bearing on a 16-point compass (``NNE``)."""
        return compass_point(self.bearing)

    def label(self, *, with_country: bool = False) -> str:
        """``Billings, Montana`` (``, United States`` with ``with_country``)."""
        parts = [self.name] + ([self.admin1] if self.admin1 else [])
        if with_country and self.country:
            parts.append(self.country)
        return ", ".join(parts)

    def phrase(self, *, with_country: bool = False) -> str:
        """``38 km NNE of Billings, Montana`` (``at Billings`` within 1.5 km)."""
        name = self.label(with_country=with_country)
        if self.distance_km < 1.5:
            return f"at {name}"
        return f"{self.distance_km:,.0f} km {self.compass} of {name}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "name": self.name,
            "admin1": self.admin1 or None,
            "country_iso": self.country_iso,
            "country": self.country,
            "population": self.population,
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "distance_km": round(self.distance_km, 1),
            "bearing_deg": round(self.bearing, 0),
            "compass": self.compass,
            "text": self.phrase(with_country=True),
        }


@dataclass(frozen=True)
class PlaceDescription:
    """Where a point is, in words.

    ``on_land``: on land by the 1 km GLOBE mask (lakes count as land); ``country_iso`` /
    ``country``: the country the point is in ('' over water); ``coast_km``: for water points,
    the distance to the nearest coast (None beyond ``COAST_SEARCH_M``, and for land points);
    ``coast_iso`` / ``coast_country``: for water points, the country
    whose coast is nearest; ``nearest``: the nearest place of >= 1,000 inhabitants; ``town``: the
    nearest of >= 15,000."""

    lat: float
    lon: float
    on_land: bool
    country_iso: str
    country: str
    coast_km: float | None
    coast_iso: str
    coast_country: str
    nearest: NamedPlace | None
    town: NamedPlace | None

    @property
    def surface(self) -> str:
        """``land`` or ``water``."""
        return "land" if self.on_land else "water"

    def where(self) -> str:
        """``United States`` on land; ``over water 14 km off United States`` (or ``over water
        more than 300 km from any coast``) at sea."""
        if self.on_land:
            return self.country or "on land"
        if self.coast_km is None:
            return f"over water more than {COAST_SEARCH_M / 1000:,.0f} km from any coast"
        off = f" off {self.coast_country}" if self.coast_country else " from the coast"
        return f"over water {self.coast_km:,.0f} km{off}"

    def _phrase(self, place: NamedPlace) -> str:
        home = self.country_iso if self.on_land else self.coast_iso
        return place.phrase(with_country=place.country_iso != home)

    @property
    def text(self) -> str:
        """Short: ``United States, 38 km NNE of Billings, Montana``."""
        place = self.town or self.nearest
        if place is None:
            return self.where()
        return f"{self.where()}, {self._phrase(place)}"

    @property
    def long_text(self) -> str:
        """The short text and, when it is another place, the nearest one:
        ``United States, 38 km NNE of Billings, Montana; nearest place: 6 km S of Park City``."""
        text = self.text
        if self.nearest is not None and (self.town is None or self.nearest.name != self.town.name):
            text += f"; nearest place: {self._phrase(self.nearest)}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``text`` and ``long_text`` included)."""
        return {
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "surface": self.surface,
            "country_iso": self.country_iso or None,
            "country": self.country or None,
            "coast_km": None if self.coast_km is None else round(self.coast_km, 1),
            "coast_country_iso": self.coast_iso or None,
            "nearest_place": None if self.nearest is None else self.nearest.as_dict(),
            "town": None if self.town is None else self.town.as_dict(),
            "text": self.text,
            "long_text": self.long_text,
        }


def _country_name(g: _Gazetteer, iso: str) -> str:
    if not iso:
        return ""
    try:
        return g.country_names[g.codes.index(iso)]
    except ValueError:
        from .countries import country_name

        return country_name(iso)


def _places(
    g: _Gazetteer, idx: npt.NDArray[np.int64], lat: FloatArray, lon: FloatArray
) -> list[NamedPlace]:
    plat = g.lat[idx].astype(np.float64)
    plon = g.lon[idx].astype(np.float64)
    dist = haversine(plat, plon, lat, lon) / 1000.0
    brg = bearing_deg(plat, plon, lat, lon)
    out = []
    for k, i in enumerate(idx):
        iso = g.codes[int(g.country[i])]
        a = int(g.admin1[i])
        out.append(
            NamedPlace(
                name=g.name(int(i)),
                admin1=g.admin1_names[a] if a >= 0 else "",
                country_iso=iso,
                country=_country_name(g, iso),
                population=int(g.pop[i]),
                lat=float(plat[k]),
                lon=float(plon[k]),
                distance_km=float(dist[k]),
                bearing=float(brg[k]),
            )
        )
    return out


def _town(g: _Gazetteer, xyz: FloatArray) -> npt.NDArray[np.int64]:
    """Index of each point's town: the most populous town within max(1.5 x the nearest town's
    distance, 25 km), searched among the nearest towns and cities (see the module notes)."""
    n = len(xyz)
    kt = min(_TOWN_K, g.town_index.size)
    kc = min(_CITY_K, g.city_index.size)
    dt, it = g.query("towns", xyz, kt)
    dc, ic = g.query("cities", xyz, kc)
    cand = np.concatenate([g.town_index[it], g.city_index[ic]], axis=1)
    chord = np.concatenate([dt, dc], axis=1)
    km = 2.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0)) * (EARTH_RADIUS / 1000.0)
    reach = np.maximum(_TOWN_REACH * km.min(axis=1), _TOWN_REACH_MIN_KM)
    pop = np.where(km <= reach[:, None], g.pop[cand].astype(np.float64), -1.0)
    return np.asarray(cand[np.arange(n), np.argmax(pop, axis=1)], np.int64)


def describe_points(
    lat: npt.ArrayLike, lon: npt.ArrayLike, *, coast: bool = True
) -> list[PlaceDescription]:
    """Describe many points at once (degrees; any shape, flattened).

    Parameters
    ----------
    lat, lon : degrees (checked: -90..90, -180..360).
    coast : also measure water points' distance to the coast (a ring search in the 1 km mask,
        up to ``COAST_SEARCH_M``; a few ms per point far out at sea). Without it ``coast_km`` is
        None.
    """
    la, lo = check_points(lat, lon)
    la, lo = la.ravel(), lo.ravel()
    if la.size == 0:
        return []
    g = _gazetteer()
    xyz = _unit(la, lo)
    _, near = g.query("all", xyz, 1)
    nearest = _places(g, near[:, 0], la, lo)
    towns = _places(g, _town(g, xyz), la, lo)
    land = is_land(la, lo)
    iso = country_at(la, lo)
    miss = land & (iso == "")
    if miss.any():  # land just outside the coarse 1:110m polygons
        iso = iso.astype("<U8")
        iso[miss] = nearest_country(la[miss], lo[miss])
    coast_km: list[float | None] = [None] * la.size
    coast_iso = np.full(la.size, "", dtype="<U8")
    water = ~land
    if water.any():
        coast_iso[water] = nearest_country(la[water], lo[water])
    if coast and water.any():
        wk = np.flatnonzero(water)
        d = distance_to_coast(la[wk], lo[wk], max_distance=COAST_SEARCH_M)
        for kw, dk in zip(wk.tolist(), d.tolist(), strict=True):
            if dk < COAST_SEARCH_M:
                coast_km[kw] = float(dk) / 1000.0
            else:
                coast_iso[kw] = ""
    out = []
    for k in range(la.size):
        c = str(iso[k]) if land[k] else ""
        ci = str(coast_iso[k])
        out.append(
            PlaceDescription(
                lat=float(la[k]),
                lon=float(lo[k]),
                on_land=bool(land[k]),
                country_iso=c,
                country=_country_name(g, c),
                coast_km=coast_km[k],
                coast_iso=ci,
                coast_country=_country_name(g, ci),
                nearest=nearest[k],
                town=towns[k],
            )
        )
    return out


def describe_point(lat: float, lon: float, *, coast: bool = True) -> PlaceDescription:
    """Describe one point: country, land or water, the nearest places (see the module notes).

    Examples
    --------
    >>> describe_point(45.78, -108.5).text  # doctest: +SKIP
    'United States, at Billings, Montana'
    """
    return describe_points([lat], [lon], coast=coast)[0]


def place_text(lat: float, lon: float, *, digits: int = 2, long: bool = False) -> str:
    """``49.30, 114.60 (Mongolia, 97 km W of Choibalsan)``: a coordinate with its place name,
    as every CLI line and report table prints one. Non-finite input gives ``-``."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "-"
    d = describe_point(lat, lon)
    return f"{format_latlon(lat, lon, digits)} ({d.long_text if long else d.text})"
