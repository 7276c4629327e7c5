"""Geography: geodesy, countries and territorial sea, land/water, population, sites.

Submodules load on first use (PEP 562), so ``import stratowatch.geo.coords`` or the CLI's
``--help`` does not pay for shapely, the coastline and the population model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .countries import TERRITORIAL_SEA, country_at, country_name, nearest_country, territory_at
    from .geodesy import EARTH_RADIUS, FT, NMI, haversine, local_xy, offset_m
    from .land import distance_to_coast, is_land
    from .population import (
        AsciiGridPopulation,
        GeoNamesPopulation,
        PopulationGrid,
        PopulationSource,
        default_population,
    )
    from .sites import Site, read_sites

_WHERE = {
    "AsciiGridPopulation": "population",
    "EARTH_RADIUS": "geodesy",
    "FT": "geodesy",
    "GeoNamesPopulation": "population",
    "NMI": "geodesy",
    "PopulationGrid": "population",
    "PopulationSource": "population",
    "Site": "sites",
    "TERRITORIAL_SEA": "countries",
    "country_at": "countries",
    "country_name": "countries",
    "default_population": "population",
    "distance_to_coast": "land",
    "haversine": "geodesy",
    "is_land": "land",
    "local_xy": "geodesy",
    "nearest_country": "countries",
    "offset_m": "geodesy",
    "read_sites": "sites",
    "territory_at": "countries",
}

__all__ = [
    "EARTH_RADIUS",
    "FT",
    "NMI",
    "TERRITORIAL_SEA",
    "AsciiGridPopulation",
    "GeoNamesPopulation",
    "PopulationGrid",
    "PopulationSource",
    "Site",
    "country_at",
    "country_name",
    "default_population",
    "distance_to_coast",
    "haversine",
    "is_land",
    "local_xy",
    "nearest_country",
    "offset_m",
    "read_sites",
    "territory_at",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{where}", __name__), name)
    globals()[name] = value
    return value
