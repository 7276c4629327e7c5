"""The HTML report: self-contained, data embedded faithfully, bad input refused."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import pytest

from stratowatch.errors import InputError
from stratowatch.report import Density, Plot, Series, Table, density_from_members, render_report


def fc() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-108.5, 45.78]},
                "properties": {
                    "layer": "reports",
                    "name": "Billings </script><script>alert(1)</script>",
                    "time": "2023-02-01T19:00:00Z",
                    "radius_km": 50.0,
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[-108.5, 45.78], [-95.7, 39.9]]},
                "properties": {
                    "layer": "track",
                    "times": ["2023-02-01T19:00:00Z", "2023-02-03T15:30:00Z"],
                    "speed": float("nan"),
                },
            },
        ],
    }


def embedded(page: str) -> dict[str, Any]:
    m = re.search(r'<script id="sw-data" type="application/json">(.*?)</script>', page, re.S)
    assert m is not None
    data: dict[str, Any] = json.loads(m.group(1))
    return data


def test_report_embeds_data_and_is_self_contained() -> None:
    page = render_report(
        fc(),
        title="Test <report>",
        layers=[("track", "Track"), ("reports", "Reports")],
        hidden_layers=["track"],
        headline=[("Float altitude", "18.3 km")],
        tables=[Table("Coverage", ["report", "km"], [["Sabetha", 123.4]])],
        plots=[Plot("ec", "Ec", "Ec", [Series("ec", [0.0, 600.0], [1e-3, 1e-5])], log_y=True)],
        notes=["source: test"],
    )
    data = embedded(page)
    assert [la["id"] for la in data["layers"]] == ["track", "reports"]
    assert [la["visible"] for la in data["layers"]] == [False, True]
    # the script-closing name was escaped inside the JSON and survives the round trip
    assert data["features"][0]["properties"]["name"].startswith("Billings </script>")
    # basemap, data, Leaflet, Leaflet.heat, map code and the boot script
    assert page.count("</script>") == 6
    assert data["features"][1]["properties"]["speed"] is None  # NaN -> null, valid JSON
    assert data["tables"][0]["rows"] == [["Sabetha", 123.4]]
    assert data["plots"][0]["series"][0]["y"] == [1e-3, 1e-5]
    assert "<title>Test &lt;report&gt;</title>" in page
    # nothing that would make the browser fetch anything: no src/href to another place in the
    # markup (Leaflet's own code holds a link it would only draw in its attribution, which the
    # page replaces), no @import or url() in the styles, and a policy that forbids requests
    markup = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", markup)
    styles = "".join(re.findall(r"<style>(.*?)</style>", page, flags=re.S))
    assert "@import" not in styles and "url(" not in styles
    assert "default-src 'none'" in page
    assert "fetch(" not in page and "XMLHttpRequest" not in page


def test_unlisted_layers_are_appended() -> None:
    data = embedded(render_report(fc(), title="t", layers=[("track", "Track")]))
    assert [la["id"] for la in data["layers"]] == ["track", "reports"]


def test_bad_inputs() -> None:
    bad = fc()
    bad["features"][0]["geometry"]["coordinates"] = [math.inf, 45.0]
    with pytest.raises(InputError, match="non-finite"):
        render_report(bad, title="t")
    with pytest.raises(InputError, match="differ in length"):
        render_report(fc(), title="t", plots=[Plot("p", "p", "y", [Series("s", [1.0], [])])])


def test_basemap_and_map_libraries_are_embedded_with_their_licences() -> None:
    from importlib import resources

    page = render_report(fc(), title="t")
    basemap = json.loads(
        re.search(r'<script id="sw-basemap" type="application/json">(.*?)</script>', page, re.S)
        .group(1)  # type: ignore[union-attr]
        .replace("<\\/", "</")
    )
    # Natural Earth 1:50m: land, lakes, country and state borders, names with zoom levels
    assert len(basemap["land"]) > 1000 and len(basemap["states"]) > 100
    names = {p[0] for p in basemap["places"]}
    assert {"Billings", "Kansas City", "Ulaanbaatar"} <= names
    assert {"Kansas", "Montana", "Alberta"} <= {r[0] for r in basemap["regions"]}
    vendor = resources.files("stratowatch") / "report" / "vendor"
    versions = json.loads((vendor / "VERSIONS.json").read_text())
    assert versions == {"leaflet": "1.9.4", "leaflet.heat": "0.2.0"}
    for lic in ("LICENSE-leaflet.txt", "LICENSE-leaflet.heat.txt"):
        assert "Redistribution and use" in (vendor / lic).read_text()
    data_dir = resources.files("stratowatch") / "data"
    assert "Natural Earth" in (data_dir / "ne_50m_basemap.txt").read_text()


def test_density_frames_and_plot_events() -> None:
    times = np.array([0.0, 3600.0, 7200.0]) + 1.675e9
    lat = np.array([[45.0, 46.0, np.nan], [45.5, 46.5, 47.0]])
    lon = np.array([[-108.0, -100.0, np.nan], [-108.5, -101.0, -95.0]])
    d = density_from_members(
        times,
        lat,
        lon,
        every_s=3600.0,
        end=(np.array([7000.0, 7300.0]) + 1.675e9, lat[:, 1], lon[:, 1]),
    )
    assert [len(p) for _, p in d.frames] == [2, 2, 2]  # 2 frames before the end, then the ends
    assert d.frames[-1][0] == pytest.approx(1.675e9 + 7150.0)
    page = render_report(
        fc(),
        title="t",
        density=d,
        plots=[Plot("a", "a", "km", [Series("s", [0.0, 1.0], [1.0, None])], vlines=[(0.5, "x")])],
    )
    data = embedded(page)
    assert len(data["density"]["frames"]) == 3
    assert data["plots"][0]["vlines"] == [[0.5, "x"]]
    with pytest.raises(InputError, match="do not match"):
        density_from_members(times, lat[:, :2], lon[:, :2])
    assert isinstance(d, Density)


def test_finite_clears_every_non_finite_number_and_keeps_the_rest() -> None:
    """The report's JSON cleaner (fast path for floats in lists) against a plain recursive
    reference on a random nested structure of floats, numpy scalars and arrays, ints, bools,
    strings and None."""
    from stratowatch.report import _finite

    def ref(x: object) -> object:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: ref(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [ref(v) for v in x]
        if hasattr(x, "tolist") and not isinstance(x, str):
            return ref(x.tolist())  # type: ignore[union-attr]
        return x

    rng = np.random.default_rng(5)
    special = [float("nan"), float("inf"), -float("inf"), 0.0, -1.5, 1e300]

    def leaf() -> object:
        k = int(rng.integers(0, 8))
        return [
            special[int(rng.integers(0, 6))], np.float64(special[int(rng.integers(0, 6))]),
            int(rng.integers(-5, 5)), bool(k % 2), "s", None,
            np.array(special * 2).reshape(3, 4), (1.0, float("nan")),
        ][k]  # fmt: skip

    def tree(depth: int) -> object:
        if depth == 0:
            return leaf()
        if rng.random() < 0.5:
            return [tree(depth - 1) for _ in range(int(rng.integers(0, 6)))]
        return {f"k{i}": tree(depth - 1) for i in range(int(rng.integers(0, 5)))}

    for _ in range(50):
        t = tree(4)
        got = _finite(t)
        assert got == ref(t)
        assert "NaN" not in json.dumps(got) and "Infinity" not in json.dumps(got)
