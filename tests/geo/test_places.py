"""geo.places (points in words) and geo.coords (one coordinate rule)."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.errors import InputError
from stratowatch.geo.coords import check_alt, check_lat, check_lon, check_point, check_points
from stratowatch.geo.geodesy import haversine
from stratowatch.geo.places import (
    bearing_deg,
    compass_point,
    describe_point,
    describe_points,
    place_text,
)


def test_bearing_and_compass() -> None:
    assert float(bearing_deg(0, 0, 1, 0)) == pytest.approx(0.0)
    assert float(bearing_deg(0, 0, 0, 1)) == pytest.approx(90.0)
    assert float(bearing_deg(0, 0, -1, 0)) == pytest.approx(180.0)
    assert float(bearing_deg(0, 0, 0, -1)) == pytest.approx(270.0)
    assert [compass_point(b) for b in (0, 11.2, 11.3, 22.5, 45, 200, 348.7, 348.8, 359)] == [
        "N", "N", "NNE", "NNE", "NE", "SSW", "NNW", "N", "N"
    ]  # fmt: skip


def test_billings_on_land_in_the_us() -> None:
    """Billings Logan airport area; 42 km NNE of Billings is in the Bull Mountains."""
    at = describe_point(45.78, -108.5)
    assert at.on_land and at.country_iso == "US" and at.country == "United States"
    assert at.town is not None and at.town.name == "Billings" and at.town.admin1 == "Montana"
    assert at.text == "United States, at Billings, Montana"
    d = describe_point(46.1, -108.2)
    assert d.town is not None and d.town.name == "Billings"
    # the phrase agrees with the geometry: distance and bearing from Billings to the point
    km = float(haversine(d.town.lat, d.town.lon, 46.1, -108.2)) / 1000.0
    assert d.town.distance_km == pytest.approx(km)
    assert d.text == f"United States, {km:.0f} km NNE of Billings, Montana"
    assert d.nearest is not None and d.nearest.population >= 1000
    assert d.nearest.distance_km <= d.town.distance_km


def test_water_off_the_carolinas_and_open_ocean() -> None:
    """The 2023 shoot-down point, ~11 km off Surfside Beach, SC: water, US coast."""
    d = describe_point(33.55, -78.83)
    assert not d.on_land and d.country_iso == ""
    assert d.coast_iso == "US" and d.coast_km is not None and 5.0 < d.coast_km < 25.0
    assert d.text.startswith(f"over water {d.coast_km:.0f} km off United States, ")
    assert "South Carolina" in d.text
    far = describe_point(20.0, -150.0)  # 500 km east of Hawaii
    assert not far.on_land and far.coast_km is None
    assert far.text.startswith("over water more than 100 km from any coast")
    assert far.town is not None and far.town.country_iso == "US"
    assert "Hawaii, United States" in far.text  # another country than the point's: named


def test_town_is_the_city_not_its_district() -> None:
    sydney = describe_point(-33.9, 151.2)
    assert sydney.town is not None and sydney.town.name == "Sydney"
    calgary = describe_point(51.0, -114.0)
    assert calgary.town is not None and calgary.town.name == "Calgary"
    assert calgary.town.admin1 == "Alberta"
    # a nearby town is named rather than a far city (London is 91 km away)
    suffolk = describe_point(52.19, 0.62)
    assert suffolk.town is not None and suffolk.town.name == "Bury St Edmunds"


def test_many_points_match_one_by_one() -> None:
    lat = np.array([45.78, 33.55, 49.3, -33.9])
    lon = np.array([-108.5, -78.83, 114.6, 151.2])
    many = describe_points(lat, lon)
    one = [describe_point(a, b) for a, b in zip(lat, lon, strict=True)]
    assert [m.long_text for m in many] == [o.long_text for o in one]
    assert describe_points([], []) == []
    assert place_text(49.3, 114.6).startswith("49.30, 114.60 (Mongolia, ")
    assert place_text(float("nan"), 0.0) == "-"


def test_as_dict_is_json_ready() -> None:
    import json

    d = describe_point(33.55, -78.83).as_dict()
    assert d["surface"] == "water" and d["country_iso"] is None
    assert d["coast_country_iso"] == "US" and d["town"]["compass"] in d["text"]
    json.dumps(d)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: check_lat(90.5), "latitude out of range"),
        (lambda: check_lat("x"), "not a number"),
        (lambda: check_lon(360.0), "-180 <= lon < 360"),
        (lambda: check_lon(float("nan")), "not a finite number"),
        (lambda: check_alt(-600.0), "-500 <= alt <= 100,000"),
        (lambda: check_points([0, 95], [0, 0]), r"lat\[1\]"),
        (lambda: check_points([0, 0], [0, 400]), r"lon\[1\]"),
    ],
)
def test_coordinate_rule(call: object, words: str) -> None:
    with pytest.raises(InputError, match=words):
        call()  # type: ignore[operator]


def test_coordinate_rule_normalises() -> None:
    assert check_point(45.0, 251.5, 18000.0) == (45.0, -108.5, 18000.0)
    assert check_lon(-180.0) == -180.0 and check_lon(180.0) == -180.0
    la, lo = check_points([1.0, 2.0], [359.0, -10.0])
    assert lo.tolist() == [-1.0, -10.0]


def test_direct_scan_gives_the_kd_trees_answers() -> None:
    """Few points are named by scanning the places (no scipy import); many by KD-trees. Both
    give the same neighbours and bit-identical distances, also at places that share their
    coordinates (there the tree's own order is kept)."""
    from stratowatch.geo import places

    g = places._gazetteer()
    rng = np.random.default_rng(7)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, 120)))
    lon = rng.uniform(-180.0, 180.0, 120)
    near = rng.integers(0, g.lat.size, 60)
    # pairs of places at identical coordinates: Hamilton / Claudelands (NZ), Kallang (SG)...
    xy = np.stack([g.lat, g.lon], axis=1)
    _, inv, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    dup = np.flatnonzero(counts[inv.ravel()] > 1)
    assert dup.size >= 2
    lat = np.concatenate([lat, g.lat[near] + rng.normal(0.0, 0.05, near.size), g.lat[dup]])
    lon = np.concatenate([lon, g.lon[near] + rng.normal(0.0, 0.05, near.size), g.lon[dup]])
    xyz = places._unit(lat, lon)
    step = places.BRUTE_MAX_POINTS
    for which, k in (("all", 1), ("towns", 32), ("cities", 8)):
        d_tree, i_tree = g._tree_query(which, xyz, k)
        parts = [g.query(which, xyz[a : a + step], k) for a in range(0, len(xyz), step)]
        d_scan = np.concatenate([p[0] for p in parts])
        i_scan = np.concatenate([p[1] for p in parts])
        assert np.array_equal(d_scan, d_tree), which
        assert np.array_equal(i_scan, i_tree), which
    # and the descriptions agree whichever way a batch is answered
    few = describe_points(lat[:20], lon[:20])
    many = describe_points(lat, lon)[:20]
    assert [d.as_dict() for d in few] == [d.as_dict() for d in many]


def test_names_decoded_one_by_one_are_the_shipped_names() -> None:
    """The gazetteer decodes only the names a description needs; each equals the shipped list
    decoded whole (UTF-8, one a line), for every place."""
    from importlib import resources

    from stratowatch.geo import places

    g = places._gazetteer()
    src = resources.files("stratowatch.data").joinpath("geonames_names.npz")
    with src.open("rb") as fh, np.load(fh) as d:
        names = d["names"].tobytes().decode("utf-8").split("\n")
    assert len(names) == g.lat.size == g.name_start.size - 1
    assert [g.name(i) for i in range(len(names))] == names
    assert any(not n.isascii() for n in names)  # multi-byte names are in the test
