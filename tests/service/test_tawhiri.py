"""The Tawhiri API v1 endpoint: a reply shaped like the pinned Tawhiri example, the standard,
float and reverse profiles, csv/kml, and Tawhiri's error types and texts."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from stratowatch.geo import haversine

from .conftest import Svc  # noqa: F401

DOCS_QUERY = {
    "launch_latitude": "50.0",
    "launch_longitude": "0.01",
    "launch_datetime": "2014-08-20T00:00:00+01:00",
    "ascent_rate": "5",
    "burst_altitude": "30000",
    "descent_rate": "10",
}


def _t(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _shape(x: Any) -> Any:
    """Keys and JSON types, recursively (lists by their first item)."""
    if isinstance(x, dict):
        return {k: _shape(v) for k, v in x.items() if not k.startswith("_")}
    if isinstance(x, list):
        return [_shape(x[0])] if x else []
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int | float):
        return "number"
    return type(x).__name__


def test_standard_reply_matches_the_pinned_tawhiri_example(svc: Svc, fixtures_dir: Path) -> None:
    pinned = json.loads((fixtures_dir / "tawhiri_v1_standard.json").read_text())
    r = svc.client.get("/api/v1/", params=DOCS_QUERY)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    got = r.json()
    assert _shape({**got, "warnings": {}}) == _shape(pinned)
    # warnings as Tawhiri's: name -> {count, description}; the climatology says what it is
    assert all(_shape(w) == {"count": "number", "description": "str"}
               for w in got["warnings"].values())  # fmt: skip
    assert "climatology" in got["warnings"]["wind_data"]["description"]
    # the request is echoed with the defaults filled in, times normalised to UTC
    echo = {k: v for k, v in got["request"].items() if k != "dataset"}
    assert echo == {k: v for k, v in pinned["request"].items() if k != "dataset"}
    assert [s["stage"] for s in got["prediction"]] == ["ascent", "descent"]
    up, down = (s["trajectory"] for s in got["prediction"])
    assert up[0] == {"altitude": 0.0, "datetime": "2014-08-19T23:00:00Z", "latitude": 50.0,
                     "longitude": 0.01}  # fmt: skip
    assert up[-1] == down[0] and up[-1]["altitude"] == 30000.0
    # burst after 30 km at 5 m/s; the descent (drag law, 10 m/s at sea level) lands within
    # a minute of Tawhiri's own example (its GFS wind differs, its drag model is the same)
    assert _t(up[-1]["datetime"]) - _t(up[0]["datetime"]) == pytest.approx(6000.0, abs=1)
    t_land = _t(pinned["prediction"][1]["trajectory"][-1]["datetime"])
    assert _t(down[-1]["datetime"]) == pytest.approx(t_land, abs=60)
    assert down[-1]["altitude"] == pytest.approx(0.0, abs=1)
    # points every 60 s, longitudes 0..360
    dts = [_t(p["datetime"]) for p in up]
    assert all(
        b - a == pytest.approx(60.0, abs=1e-6) for a, b in zip(dts[:-2], dts[1:-1], strict=True)
    )
    assert all(0 <= p["longitude"] < 360 for p in up + down)
    assert set(got["metadata"]) == {"start_datetime", "complete_datetime"}


def test_west_longitudes_are_given_and_returned_as_0_to_360(svc: Svc) -> None:
    q = {**DOCS_QUERY, "launch_latitude": "45.78", "launch_longitude": "251.5",
         "launch_altitude": "1000", "launch_datetime": "2023-02-01T19:00:00Z"}  # fmt: skip
    got = svc.client.get("/api/v1/", params=q).json()
    pts = [p for s in got["prediction"] for p in s["trajectory"]]
    assert pts[0]["longitude"] == 251.5 and pts[0]["altitude"] == 1000.0
    assert all(200 < p["longitude"] < 300 for p in pts)
    assert pts[-1]["altitude"] == pytest.approx(1000.0, abs=1)  # lands at the launch height


def test_float_profile(svc: Svc) -> None:
    q = {"profile": "float_profile", "launch_latitude": "45.78", "launch_longitude": "251.5",
         "launch_datetime": "2023-02-01T19:00:00Z", "ascent_rate": "5",
         "float_altitude": "18000", "stop_datetime": "2023-02-02T19:00:00Z"}  # fmt: skip
    got = svc.client.get("/api/v1/", params=q).json()
    assert got["request"]["stop_datetime"] == "2023-02-02T19:00:00Z"
    assert [s["stage"] for s in got["prediction"]] == ["ascent", "float"]
    up, flt = (s["trajectory"] for s in got["prediction"])
    assert _t(up[-1]["datetime"]) - _t(up[0]["datetime"]) == pytest.approx(3600.0, abs=1)
    assert {round(p["altitude"]) for p in flt} == {18000}
    assert flt[-1]["datetime"] == "2023-02-02T19:00:00Z"
    # 24 h of winter stratospheric drift: hundreds of km, eastwards
    assert haversine(flt[0]["latitude"], flt[0]["longitude"], flt[-1]["latitude"],
                     flt[-1]["longitude"]) > 200e3  # fmt: skip
    assert flt[-1]["longitude"] > flt[0]["longitude"]


def test_reverse_profile_estimates_the_launch(svc: Svc) -> None:
    q = {"profile": "reverse_profile", "launch_latitude": "50.0", "launch_longitude": "0.5",
         "launch_altitude": "15000", "launch_datetime": "2014-08-20T01:00:00Z",
         "ascent_rate": "5"}  # fmt: skip
    got = svc.client.get("/api/v1/", params=q).json()
    assert set(got["request"]) == {"version", "launch_latitude", "launch_longitude",
                                   "launch_datetime", "launch_altitude", "format", "profile",
                                   "ascent_rate", "dataset"}  # fmt: skip
    assert [s["stage"] for s in got["prediction"]] == ["ascent", "descent"]
    down = got["prediction"][1]["trajectory"]
    est = got["launch_estimate"]
    assert est == down[-1] and est["altitude"] == pytest.approx(0.0, abs=1)
    # back in time by the ascent from 15 km at 5 m/s
    assert _t(q["launch_datetime"].replace("Z", "+00:00")) - _t(est["datetime"]) == pytest.approx(
        3000.0, abs=1
    )
    assert [p["altitude"] for p in down] == sorted((p["altitude"] for p in down), reverse=True)


def test_csv_and_kml(svc: Svc) -> None:
    r = svc.client.get("/api/v1/", params={**DOCS_QUERY, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "standard_profile" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == ["datetime", "latitude", "longitude", "altitude"]
    assert rows[0]["longitude"] == "0.01000" and float(rows[-1]["altitude"]) == pytest.approx(
        0, abs=1
    )
    r = svc.client.get("/api/v1/", params={**DOCS_QUERY, "format": "kml"})
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.kml"')
    root = ET.fromstring(r.content)
    names = [e.text for e in root.iter() if e.tag.endswith("name")]
    assert {"Balloon Launch", "Balloon Burst", "Balloon Landing"} <= set(names)


@pytest.mark.parametrize(
    ("params", "status", "kind", "text"),
    [
        ({}, 400, "RequestException", "Parameter 'launch_latitude' not provided in request."),
        (
            {**DOCS_QUERY, "launch_latitude": "abc"},
            400,
            "RequestException",
            "Unable to parse parameter 'launch_latitude': abc.",
        ),
        (
            {**DOCS_QUERY, "launch_longitude": "-1"},
            400,
            "RequestException",
            "Invalid value for parameter 'launch_longitude': -1.",
        ),
        (
            {**DOCS_QUERY, "launch_longitude": "360"},
            400,
            "RequestException",
            "Invalid value for parameter 'launch_longitude': 360.",
        ),
        (
            {**DOCS_QUERY, "launch_latitude": "nan"},
            400,
            "RequestException",
            "Unable to parse parameter 'launch_latitude': nan.",
        ),
        (
            {**DOCS_QUERY, "launch_datetime": "2014-08-20"},
            400,
            "RequestException",
            "Unable to parse parameter 'launch_datetime': 2014-08-20.",
        ),
        (
            {**DOCS_QUERY, "burst_altitude": "-5"},
            400,
            "RequestException",
            "Invalid value for parameter 'burst_altitude': -5",
        ),
        (
            {**DOCS_QUERY, "profile": "balloon"},
            400,
            "RequestException",
            "Unknown profile 'balloon'.",
        ),
        (
            {**DOCS_QUERY, "format": "xml"},
            400,
            "RequestException",
            "Invalid value for parameter 'format': xml",
        ),
        (
            {**DOCS_QUERY, "dataset": "2011-01-15T12:00:00Z"},
            404,
            "InvalidDatasetException",
            "No matching dataset found.",
        ),
        (
            {
                **DOCS_QUERY,
                "profile": "float_profile",
                "float_altitude": "20000",
                "stop_datetime": "2014-08-19T22:00:00Z",
            },
            400,
            "RequestException",
            "Invalid value for parameter 'stop_datetime': 2014-08-19T22:00:00Z",
        ),
    ],  # fmt: skip
)
def test_errors_in_tawhiri_form(
    svc: Svc, params: dict[str, str], status: int, kind: str, text: str
) -> None:
    r = svc.client.get("/api/v1/", params=params)
    assert r.status_code == status
    body = r.json()
    assert body["error"]["type"] == kind
    assert body["error"]["description"].startswith(text)
    assert set(body["metadata"]) == {"start_datetime", "complete_datetime"}


def test_private_predictor_and_datasets_from_a_wind_folder(
    tmp_path: Path, shared_data: Path
) -> None:
    """``--private-predictions`` closes the endpoint to requests without a read token;
    ``dataset`` picks a file of ``--wind-dir`` by its valid time."""
    import shutil

    from fastapi.testclient import TestClient

    from stratowatch.service import Settings, create_app
    from stratowatch.store import Store

    folder = tmp_path / "winds"
    folder.mkdir()
    shutil.copy(shared_data / "wind" / "gfs_2011011012_f120_2p5deg.grib2", folder)
    db = f"sqlite:///{tmp_path / 'p.db'}"
    store = Store(db)
    read, _ = store.create_token(scope="read", name="chaser")
    store.close()
    app = create_app(Settings(db=db, private_predictions=True, wind_dir=folder))
    q = {"launch_latitude": "47.5", "launch_longitude": "249.0", "launch_altitude": "1000",
         "launch_datetime": "2011-01-15T12:00:00Z", "ascent_rate": "5",
         "burst_altitude": "25000", "descent_rate": "6", "dataset": "2011-01-15T12:00:00Z"}  # fmt: skip
    with TestClient(app) as c:
        assert c.get("/api/v1/", params=q).status_code == 401
        r = c.get("/api/v1/", params=q, headers={"Authorization": f"Bearer {read}"})
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["request"]["dataset"] == "2011-01-15T12:00:00Z"
        assert "gfs_2011011012" in r.headers["x-stratowatch-wind"]
        # the GFS jet at 47.5 N carries it east (u ~ 26 m/s at 18 km)
        land = got["prediction"][1]["trajectory"][-1]
        assert land["longitude"] > 249.5
        r = c.get("/api/v1/", params={**q, "dataset": "2011-01-16T12:00:00Z"},
                  headers={"Authorization": f"Bearer {read}"})  # fmt: skip
        assert r.status_code == 404 and r.json()["error"]["type"] == "InvalidDatasetException"
