"""Geography: geodesy, countries and territorial sea, land/water, population, sites."""

from __future__ import annotations

from .countries import (
    TERRITORIAL_SEA,
    country_at,
    country_name,
    nearest_country,
    territory_at,
)
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
