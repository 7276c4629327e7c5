"""Writers: GeoJSON, KML, CZML and CSV of one FeatureCollection, parsed back."""

from __future__ import annotations

import csv
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from stratowatch.errors import InputError
from stratowatch.io.export import GX_NS, KML_NS, write_features
from stratowatch.timeutil import to_epoch

K = f"{{{KML_NS}}}"
GX = f"{{{GX_NS}}}"


def sample() -> dict[str, Any]:
    """A report point, a timed track, an untimed border line, a corridor polygon with a hole."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-108.5, 45.78, 18300.0]},
                "properties": {
                    "layer": "reports",
                    "name": "Billings",
                    "time": "2023-02-01T19:00:00Z",
                    "radius_km": 50.0,
                    "style": {"color": "#ff0000"},
                },
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[-108.5, 45.78, 18300], [-100.0, 42.0, 18300], [-95.75, 39.95]],
                },
                "properties": {
                    "layer": "track",
                    "name": "track 1",
                    "times": ["2023-02-01T19:00:00Z", "2023-02-02T19:00:00Z", "2023-02-03T15:30Z"],
                    "style": {"color": "#00aa00", "width": 3},
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[-120, 49], [-95, 49]]},
                "properties": {"layer": "borders", "name": "US/Canada"},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[-100, 40], [-90, 40], [-90, 45], [-100, 45], [-100, 40]],
                        [[-96, 42], [-94, 42], [-94, 43], [-96, 42]],
                    ],
                },
                "properties": {
                    "layer": "corridor",
                    "name": "90 % at +24 h",
                    "time": "2023-02-02T19:00:00Z",
                    "level": 0.9,
                    "nan_value": float("nan"),
                    "style": {"color": "#3366cc", "opacity": 0.3},
                },
            },
        ],
    }


def test_geojson_round_trip(tmp_path: Path) -> None:
    out = write_features(tmp_path / "a.geojson", sample())
    back = json.loads(out.read_text())
    assert back["type"] == "FeatureCollection"
    assert len(back["features"]) == 4
    assert back["features"][0]["geometry"]["coordinates"] == [-108.5, 45.78, 18300.0]
    # a NaN property becomes null, never the invalid JSON token NaN
    assert back["features"][3]["properties"]["nan_value"] is None


def test_kml_parses_and_keeps_geometry_and_time(tmp_path: Path) -> None:
    out = write_features(tmp_path / "a.kml", sample())
    root = ET.parse(out).getroot()
    assert root.tag == K + "kml"
    doc = root.find(K + "Document")
    assert doc is not None
    folders = {f.findtext(K + "name"): f for f in doc.findall(K + "Folder")}
    assert set(folders) == {"reports", "track", "borders", "corridor"}
    # point with its time stamp and altitude
    pm = folders["reports"].find(K + "Placemark")
    assert pm is not None
    assert pm.findtext(f"{K}TimeStamp/{K}when") == "2023-02-01T19:00:00Z"
    lon, lat, alt = (float(x) for x in pm.findtext(f"{K}Point/{K}coordinates", "").split(","))
    assert (lon, lat, alt) == (-108.5, 45.78, 18300.0)
    data = {d.get("name"): d.findtext(K + "value") for d in pm.iter(K + "Data")}
    assert data["radius_km"] == "50.0"
    # the timed line is an animated gx:Track with one <when> per <gx:coord>
    track = folders["track"].find(f"{K}Placemark/{GX}Track")
    assert track is not None
    whens = [w.text for w in track.findall(K + "when")]
    coords = [c.text for c in track.findall(GX + "coord")]
    assert len(whens) == len(coords) == 3
    assert whens[2] == "2023-02-03T15:30:00Z"
    # untimed line stays a LineString; polygon keeps its hole
    assert folders["borders"].find(f"{K}Placemark/{K}LineString") is not None
    poly = folders["corridor"].find(f"{K}Placemark/{K}Polygon")
    assert poly is not None
    assert len(poly.findall(K + "innerBoundaryIs")) == 1
    # styles: KML colour order is aabbggrr, so red #ff0000 is ..0000ff
    styles = {s.get("id"): s for s in root.iter(K + "Style")}
    sid = (pm.findtext(K + "styleUrl") or "")[1:]
    assert (styles[sid].findtext(f"{K}IconStyle/{K}color") or "").endswith("0000ff")


def test_czml_structure(tmp_path: Path) -> None:
    out = write_features(tmp_path / "a.czml", sample())
    packets = json.loads(out.read_text())
    doc = packets[0]
    assert doc["id"] == "document" and doc["version"] == "1.0"
    start, end = doc["clock"]["interval"].split("/")
    assert start == "2023-02-01T19:00:00Z" and end == "2023-02-03T15:30:00Z"
    by_id = {p["id"]: p for p in packets[1:]}
    assert by_id["f0"]["position"]["cartographicDegrees"] == [-108.5, 45.78, 18300.0]
    assert by_id["f0"]["point"]["color"]["rgba"][:3] == [255, 0, 0]
    moving = by_id["f1-moving"]
    s = moving["position"]["cartographicDegrees"]
    assert moving["position"]["epoch"] == "2023-02-01T19:00:00Z"
    assert len(s) == 4 * 3
    # sample offsets are seconds from the epoch
    t_last = to_epoch("2023-02-03T15:30Z") - to_epoch("2023-02-01T19:00Z")
    assert s[0::4] == [0.0, 86400.0, t_last]
    assert "path" in moving
    assert len(by_id["f2"]["polyline"]["positions"]["cartographicDegrees"]) == 6
    poly = by_id["f3"]["polygon"]
    assert len(poly["positions"]["cartographicDegrees"]) == 15
    assert len(poly["holes"]["cartographicDegrees"]) == 1
    assert by_id["f3"]["availability"].startswith("2023-02-02T19:00:00Z/")


def test_csv_one_row_per_vertex(tmp_path: Path) -> None:
    out = write_features(tmp_path / "a.csv", sample())
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    # 1 point + 3 track vertices + 2 border vertices + 5 + 4 ring vertices
    assert len(rows) == 1 + 3 + 2 + 5 + 4
    track = [r for r in rows if r["layer"] == "track"]
    assert [r["time"] for r in track][2] == "2023-02-03T15:30:00Z"
    assert track[2]["alt_m"] == ""
    assert float(track[1]["lon"]) == -100.0
    assert rows[0]["radius_km"] == "50.0"
    hole = [r for r in rows if r["layer"] == "corridor" and r["ring"] == "1"]
    assert len(hole) == 4


@pytest.mark.parametrize("suffix", [".geojson", ".kml", ".czml", ".csv"])
def test_empty_collection(tmp_path: Path, suffix: str) -> None:
    out = write_features(tmp_path / f"e{suffix}", {"type": "FeatureCollection", "features": []})
    text = out.read_text()
    if suffix == ".kml":
        assert ET.fromstring(text).find(K + "Document") is not None
    elif suffix == ".czml":
        assert json.loads(text) == [{"id": "document", "name": "stratowatch", "version": "1.0"}]
    elif suffix == ".csv":
        assert text.splitlines()[0].startswith("feature,part,ring,vertex")
        assert len(text.splitlines()) == 1
    else:
        assert json.loads(text)["features"] == []


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("suffix", [".geojson", ".kml", ".czml", ".csv"])
def test_non_finite_coordinates_rejected(tmp_path: Path, suffix: str, bad: float) -> None:
    fc = sample()
    fc["features"][1]["geometry"]["coordinates"][1][1] = bad
    with pytest.raises(InputError) as err:
        write_features(tmp_path / f"x{suffix}", fc)
    assert err.value.field == "features[1].geometry.coordinates[1]"
    assert "non-finite" in str(err.value)
    assert not (tmp_path / f"x{suffix}").exists()


def test_bad_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported output format"):
        write_features(tmp_path / "a.shp", sample())
    fc = sample()
    fc["features"][0]["geometry"]["coordinates"] = [10.0, 95.0]
    with pytest.raises(InputError, match="latitude out of range"):
        write_features(tmp_path / "a.kml", fc)
    fc = sample()
    fc["features"][1]["properties"]["times"] = ["2023-02-01T19:00Z"]
    with pytest.raises(InputError, match="times do not match"):
        write_features(tmp_path / "a.czml", fc)
    fc = sample()
    fc["features"][0]["properties"]["time"] = "yesterday"
    with pytest.raises(InputError) as err:
        write_features(tmp_path / "a.csv", fc)
    assert err.value.field == "features[0].properties.time"
    fc = sample()
    fc["features"][2]["geometry"] = {"type": "Circle", "coordinates": [0, 0]}
    with pytest.raises(InputError, match="unsupported geometry"):
        write_features(tmp_path / "a.geojson", fc)
    with pytest.raises(InputError, match="not a FeatureCollection"):
        write_features(tmp_path / "a.geojson", {"type": "Feature"})


def test_multi_geometries(tmp_path: Path) -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [
                        [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                        [[[5, 5], [6, 5], [6, 6], [5, 5]]],
                    ],
                },
                "properties": {"layer": "borders", "name": "two islands"},
            }
        ],
    }
    root = ET.parse(write_features(tmp_path / "m.kml", fc)).getroot()
    assert len(list(root.iter(K + "Polygon"))) == 2
    packets = json.loads(write_features(tmp_path / "m.czml", fc).read_text())
    assert [p["id"] for p in packets[1:]] == ["f0-0", "f0-1"]


def test_kml_placemark_children_in_schema_order(tmp_path: Path) -> None:
    """OGC 07-147r2 orders a Placemark's children: name, TimePrimitive, styleUrl,
    ExtendedData, then the geometry; strict readers reject other orders."""
    root = ET.parse(write_features(tmp_path / "o.kml", sample())).getroot()
    order = ["name", "TimeStamp", "TimeSpan", "styleUrl", "ExtendedData"]
    for pm in root.iter(K + "Placemark"):
        tags = [c.tag.split("}")[1] for c in pm]
        head = [t for t in tags if t in order]
        assert head == sorted(head, key=order.index), tags
        assert tags[-1] in ("Point", "LineString", "Polygon", "Track", "MultiGeometry"), tags


# ----------------------------------------------------------------------------- RFC 7946, czml3


def _fc(*feats: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(feats)}


def _feat(gtype: str, coords: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": gtype, "coordinates": coords},
        "properties": props,
    }


def _ring(lon: float, lat: float, r: float, n: int = 24, cw: bool = False) -> list[list[float]]:
    s = -1.0 if cw else 1.0
    pts = [
        [lon + r * math.cos(s * 2 * math.pi * k / n), lat + r * math.sin(s * 2 * math.pi * k / n)]
        for k in range(n)
    ]
    return [*pts, pts[0]]


def test_geojson_is_rfc7946_valid_ccw_and_cut_at_the_antimeridian(tmp_path: Path) -> None:
    from shapely.geometry import shape

    fc = _fc(
        # a clockwise ellipse-like region around 180 (longitudes continuous past 180)
        _feat("Polygon", [_ring(180.0, 52.0, 3.0, cw=True)], layer="origin", name="region"),
        # a bow-tie (self-intersecting) and two overlapping parts of one MultiPolygon
        _feat("Polygon", [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]], layer="debris"),
        _feat("MultiPolygon", [[_ring(10, 10, 1.0)], [_ring(10.5, 10, 1.0)]], layer="debris"),
        # a timed path over the Aleutians, from 170 E to 170 W (written as 190)
        _feat(
            "LineString",
            [[170.0, 50.0, 18000.0], [190.0, 52.0, 18200.0]],
            layer="track",
            times=["2023-01-28T00:00:00Z", "2023-01-29T00:00:00Z"],
        ),
        _feat("Point", [200.0, 10.0], layer="reports"),
    )
    back = json.loads(write_features(tmp_path / "a.geojson", fc).read_text())
    for f in back["features"]:
        g = shape(f["geometry"])
        assert g.is_valid, f
        for lon, _lat, *_ in _coords_of(f["geometry"]["coordinates"]):
            assert -180.0 <= lon <= 180.0
        if f["geometry"]["type"] in ("Polygon", "MultiPolygon"):
            polys = [g] if g.geom_type == "Polygon" else list(g.geoms)
            for p in polys:
                assert p.exterior.is_ccw
                assert all(not r.is_ccw for r in p.interiors)
    region = back["features"][0]
    assert region["geometry"]["type"] == "MultiPolygon"  # cut in two at +-180
    # the area is kept (a 3-degree circle at 52 N, in square degrees)
    assert shape(region["geometry"]).area == pytest.approx(math.pi * 9.0, rel=0.02)
    line = back["features"][3]
    assert line["geometry"]["type"] == "MultiLineString"
    a, b = line["geometry"]["coordinates"]
    assert a[-1][0] == 180.0 and b[0][0] == -180.0 and a[-1][1] == b[0][1] == pytest.approx(51.0)
    assert a[-1][2] == pytest.approx(18100.0)  # altitude interpolated at the crossing
    assert line["properties"]["times"] == [
        "2023-01-28T00:00:00Z",
        "2023-01-28T12:00:00Z",
        "2023-01-28T12:00:00Z",
        "2023-01-29T00:00:00Z",
    ]
    assert back["features"][4]["geometry"]["coordinates"] == [-160.0, 10.0]


def _coords_of(c: Any) -> list[list[float]]:
    if c and isinstance(c[0], int | float):
        return [c]
    return [p for x in c for p in _coords_of(x)]


def test_czml_validates_against_czml3_models_with_real_altitudes(tmp_path: Path) -> None:
    from czml3 import Document

    packets = json.loads(write_features(tmp_path / "a.czml", sample()).read_text())
    Document.model_validate(packets)  # raises on anything czml3's models do not accept
    moving = next(p for p in packets if p["id"].endswith("-moving"))
    alts = moving["position"]["cartographicDegrees"][3::4]
    assert alts[:2] == [18300.0, 18300.0]
    line = next(p for p in packets if "polyline" in p and p["name"] == "track 1")
    assert line["polyline"]["clampToGround"] is False
    assert line["polyline"]["positions"]["cartographicDegrees"][2] == 18300.0


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "adir.geojson").mkdir()
    with pytest.raises(InputError, match="folder"):
        write_features(tmp_path / "adir.geojson", sample())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write") as exc:
        write_features(blocker / "out.kml", sample())
    assert "out.kml" in str(exc.value)


def test_demo_exports_are_valid(demo_run: Any) -> None:
    """Issue 13: every GeoJSON feature of the demo is valid in shapely with counter-clockwise
    outer rings, the CZML passes czml3's models with the paths at their altitude, the KML
    parses."""
    from czml3 import Document
    from shapely.geometry import shape

    out, result = demo_run
    assert result.exit_code == 0, result.output
    geo = json.loads((out / "layers.geojson").read_text())
    polygons = 0
    for f in geo["features"]:
        g = shape(f["geometry"])
        assert g.is_valid, (f["properties"].get("name"), f["geometry"]["type"])
        for lon, _lat, *_ in _coords_of(f["geometry"]["coordinates"]):
            assert -180.0 <= lon <= 180.0
        if g.geom_type in ("Polygon", "MultiPolygon"):
            for p in [g] if g.geom_type == "Polygon" else list(g.geoms):
                polygons += 1
                assert p.exterior.is_ccw, f["properties"].get("name")
    assert polygons > 50
    packets = json.loads((out / "layers.czml").read_text())
    Document.model_validate(packets)
    for name in ("forecast median path", "back-trajectory (median)"):
        moving = next(p for p in packets if p.get("name") == name and "path" in p)
        alts = moving["position"]["cartographicDegrees"][3::4]
        assert min(alts) > 15_000.0, name  # at the float altitude, not on the ground
    root = ET.parse(out / "layers.kml").getroot()
    assert root.tag == K + "kml"
    assert len(list(root.iter(K + "Placemark"))) == len(geo["features"])


@pytest.mark.parametrize("suffix", [".geojson", ".kml", ".czml", ".csv"])
def test_write_without_revalidating_is_the_same_file(tmp_path: Path, suffix: str) -> None:
    """``validate=False`` (a caller writing one checked collection in several formats) writes
    the same bytes as the checked write; the check itself still refuses a bad collection."""
    fc = sample()
    a = write_features(tmp_path / f"a{suffix}", fc).read_bytes()
    b = write_features(tmp_path / f"b{suffix}", fc, validate=False).read_bytes()
    if suffix == ".kml":  # simplekml numbers its elements on from the previous document
        a, b = (re.sub(rb'(id="|<styleUrl>#)\d+', rb"\1", x) for x in (a, b))
        assert b"<Placemark" in a
    assert a == b
    bad = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}
    with pytest.raises(InputError):
        write_features(tmp_path / f"c{suffix}", bad)
