"""The HTML report: self-contained, data embedded faithfully, bad input refused."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from stratowatch.errors import InputError
from stratowatch.report import Plot, Series, Table, border_rings, render_report


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
    assert page.count("</script>") == 2  # the data element and the code element only
    assert data["features"][1]["properties"]["speed"] is None  # NaN -> null, valid JSON
    assert data["tables"][0]["rows"] == [["Sabetha", 123.4]]
    assert data["plots"][0]["series"][0]["y"] == [1e-3, 1e-5]
    assert "<title>Test &lt;report&gt;</title>" in page
    # nothing that would make the browser fetch anything
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page


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


def test_border_rings_unwrap_the_antimeridian() -> None:
    # a ring that crosses 180 deg (as in eastern Russia), seen from a map centred on -120
    ring = [[170.0, 65.0], [179.9, 65.0], [-179.9, 66.0], [-170.0, 66.0], [170.0, 65.0]]
    far = [[[10.0, 10.0], [11.0, 10.0], [11.0, 11.0], [10.0, 10.0]]]
    out = border_rings([[ring], far], bbox=(-170.0, 30.0, -70.0, 70.0))
    assert len(out) == 1  # the far-away polygon is dropped
    lons = [p[0] for p in out[0]]
    assert max(abs(a - b) for a, b in zip(lons, lons[1:], strict=False)) <= 20.0 + 1e-9
    assert -200.0 < min(lons) and max(lons) < -160.0
