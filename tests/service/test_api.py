"""The HTTP API in process (TestClient with the lifespan running): tokens, ingest of every
report kind with per-report reasons, bad bodies, queries, tracks, jobs and the audit log."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from stratowatch.io.readers import R95, read_reports_csv
from stratowatch.track import track_observations

from .conftest import Svc  # noqa: F401  (type only)

FIX = {"kind": "fix", "time": "2021-06-01T19:00Z", "lat": -30.5, "lon": 150.2, "alt": 18300}
APRS = (
    "2020-11-07 10:09:35 EST: W3EAX-10>APRS,WIDE2-1,qAR,KC3DFQ:"
    "/150933h3906.70N/07654.37WO000/000/A=000410"
)


def test_writes_need_a_write_token_and_reads_a_read_token(svc: Svc) -> None:
    c = svc.client
    body = {"observations": [{**FIX, "id": "auth-1"}]}
    r = c.post("/v1/observations", json=body)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = c.post("/v1/observations", json=body, headers={"Authorization": "Bearer sw_nope"})
    assert r.status_code == 401 and "unknown" in r.json()["detail"]
    r = c.post("/v1/observations", json=body, headers=svc.h(svc.read))
    assert r.status_code == 403 and "write" in r.json()["detail"]
    for path in ("/v1/tracks", "/v1/observations", "/v1/predictions", "/v1/events"):
        assert c.get(path).status_code == 401, path
    assert c.get("/v1/tracks", headers=svc.h(svc.read)).status_code == 200
    assert c.get("/v1/tracks", params={"access_token": svc.read}).status_code == 200
    assert c.get("/v1/audit", headers=svc.h(svc.read)).status_code == 403
    assert c.post("/v1/observations", json=body, headers=svc.h()).status_code == 200
    # nothing was written by the refused requests
    got = c.get("/v1/observations", params={"id": "auth-1"}, headers=svc.h(svc.read)).json()
    assert len(got["observations"]) == 1


def test_every_kind_is_read_by_the_library_and_bad_reports_say_why(svc: Svc) -> None:
    reports = [
        {**FIX, "id": "k-fix", "sigma_m": 40},
        {"id": "k-report", "kind": "report", "time": "2021-06-02T12:00Z", "lat": 47.0,
         "lon": -98.0, "radius_km": 20, "time_uncertainty_h": 1},
        {"id": "k-aprs", "kind": "aprs", "packet": APRS.split(": ", 1)[1],
         "time": "2020-11-07T15:09:35Z"},
        {"id": "k-sight", "kind": "sighting", "time": "2021-06-02T12:10Z", "observer_lat": 46.5,
         "observer_lon": -98.2, "az_deg": 20, "el_deg": 35},
        {"id": "k-radar", "kind": "radar", "time": "2021-06-02T12:20Z", "observer_lat": 46.5,
         "observer_lon": -98.2, "az_deg": 20, "el_deg": 10, "range_m": 60000},
        {"id": "bad-lat", **{**FIX, "lat": 95.0}},
        {"id": "bad-time", **{**FIX, "time": "yesterday"}},
        {"id": "bad-nan", **{**FIX, "lon": math.nan}},
        {"id": "bad-radar", "kind": "radar", "time": "2021-06-02T12:20Z", "observer_lat": 46.5,
         "observer_lon": -98.2, "az_deg": 20, "el_deg": 10},
        {"id": "bad-field", "kind": "fix", "time": "2021-06-02T12:20Z", "lat": 1, "lon": 2,
         "radius_km": 3},
        {"id": "bad-aprs", "kind": "aprs", "packet": "not a packet", "time": "2021-06-02T12:20Z"},
        {"id": "bad-sigma", **{**FIX, "sigma_m": -5}},
    ]  # fmt: skip
    r = svc.post_obs(reports)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["accepted"] == 5 and out["duplicates"] == 0
    why = {x["id"]: x["reason"] for x in out["rejected"]}
    assert set(why) == {r["id"] for r in reports if r["id"].startswith("bad-")}
    assert "field 'lat'" in why["bad-lat"] and "-90 <= lat <= 90" in why["bad-lat"]
    assert "field 'time'" in why["bad-time"] and "ISO 8601" in why["bad-time"]
    assert "finite" in why["bad-nan"]
    assert "range_m" in why["bad-radar"]
    assert "radius_km" in why["bad-field"] and "does not apply" in why["bad-field"]
    assert "APRS" in why["bad-aprs"]
    assert "sigma_m" in why["bad-sigma"] and "> 0" in why["bad-sigma"]
    # the same conventions as the readers: 95 % radius -> sigma, APRS feet -> metres
    got = svc.client.get("/v1/observations", params={"id": ["k-report", "k-aprs", "k-radar"]},
                         headers=svc.h(svc.read)).json()["observations"]  # fmt: skip
    by = {o["id"]: o for o in got}
    assert by["k-report"]["sigma_h_m"] == pytest.approx(20_000 / R95)
    assert by["k-aprs"]["alt"] == pytest.approx(410 * 0.3048)
    assert by["k-aprs"]["source"] == "W3EAX-10" and by["k-aprs"]["time"] == "2020-11-07T15:09:33Z"
    assert by["k-radar"]["kind"] == "radar" and by["k-report"]["report"]["radius_km"] == 20
    # posting again: stored once, reported as duplicates
    again = svc.post_obs(reports[:5]).json()
    assert again["accepted"] == 0 and sorted(again["duplicate_ids"]) == sorted(
        r["id"] for r in reports[:5]
    )


def test_bad_bodies_get_4xx_never_500(svc: Svc) -> None:
    c = svc.client
    h = {**svc.h(), "content-type": "application/json"}
    assert c.post("/v1/observations", content=b'{"observations": [', headers=h).status_code == 422
    assert c.post("/v1/observations", content=b"\xff\xfe", headers=h).status_code == 422
    r = svc.post_obs([{**FIX, "lat": "north"}])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "lat"
    assert svc.post_obs([{**FIX, "speed": 3}]).status_code == 422  # unknown field
    assert svc.post_obs([{**FIX, "kind": "rumour"}]).status_code == 422
    r = c.post("/v1/observations", json={"observations": "x" * 1_200_000}, headers=svc.h())
    assert r.status_code == 413
    r = svc.post_obs([{**FIX, "id": f"many-{i}"} for i in range(501)])
    assert r.status_code == 413 and "at most 500" in r.json()["detail"]
    r = svc.post_obs([])
    assert r.status_code == 200 and r.json()["accepted"] == 0
    r = svc.post_obs([{**FIX, "lat": 123.0}])
    assert r.status_code == 422 and r.json()["rejected"][0]["index"] == 0
    r = c.get("/v1/observations", params={"start": "not a time"}, headers=svc.h())
    assert r.status_code == 400 and "start" in r.json()["detail"]
    assert c.get("/v1/observations", params={"limit": 0}, headers=svc.h()).status_code == 422
    assert c.get("/v1/tracks/99999", headers=svc.h()).status_code == 404
    assert c.get("/v1/predictions/nope", headers=svc.h()).status_code == 404


def test_observation_queries_filter_and_page(svc: Svc) -> None:
    reports = [{**FIX, "id": f"q-{i}", "time": f"2021-06-05T0{i}:00Z", "source": "pager"}
               for i in range(7)]  # fmt: skip
    assert svc.post_obs(reports).json()["accepted"] == 7
    c, h = svc.client, svc.h(svc.read)
    page = c.get("/v1/observations", params={"source": "pager", "limit": 3}, headers=h).json()
    ids = [o["id"] for o in page["observations"]]
    while page["next_after"] is not None:
        page = c.get("/v1/observations", params={"source": "pager", "limit": 3,
                                                  "after": page["next_after"]}, headers=h).json()  # fmt: skip
        ids += [o["id"] for o in page["observations"]]
    assert ids == [f"q-{i}" for i in range(7)]
    got = c.get("/v1/observations", params={"source": "pager", "start": "2021-06-05T02:00Z",
                                             "end": "2021-06-05T04:00Z"}, headers=h).json()  # fmt: skip
    assert [o["id"] for o in got["observations"]] == ["q-2", "q-3", "q-4"]


def test_tracks_update_as_reports_arrive(svc: Svc, shared_data: Path) -> None:
    """The 2023 public reports posted one at a time give the tracks of the library's tracker
    on the whole file (the live tracker's filtered states)."""
    path = shared_data / "scenarios" / "feb2023_public_reports.csv"
    import csv

    rows = list(csv.DictReader(path.open()))
    c, h = svc.client, svc.h(svc.read)
    for i, row in enumerate(rows):
        rep = {"id": f"feb-{i}", "kind": "report", "time": row["time_utc"],
               "lat": float(row["lat"]), "lon": float(row["lon"]),
               "radius_km": float(row["radius_km"]), "source": "feb2023"}  # fmt: skip
        for key, name in (("time_uncertainty_h", "time_uncertainty_h"), ("alt_m", "alt"),
                          ("alt_uncertainty_m", "alt_uncertainty_m")):  # fmt: skip
            if row.get(key):
                rep[name] = float(row[key])
        assert svc.post_obs([rep]).json()["accepted"] == 1
    assert svc.state.wait_tracked(120)
    tracks = c.get("/v1/tracks", headers=h).json()
    mine = [t for t in tracks["tracks"] if t["sources"] == ["feb2023"]]
    # the library on the same reports (alone: the other tests' reports are elsewhere in time)
    ref = track_observations(read_reports_csv(path), wind="climatology", smooth=False)
    assert len(mine) == len(ref.tracks) == 1
    t, r = mine[0], ref.tracks[0]
    assert t["status"] == r.status and t["n_updates"] == r.n_updates == len(rows)
    assert t["last"]["lat"] == pytest.approx(float(r.lat[-1]), abs=1e-5)
    assert t["altitude"]["mean_m"] == pytest.approx(r.altitude.mean, abs=0.1)
    detail = c.get(f"/v1/tracks/{t['track_id']}", headers=h).json()
    assert len(detail["states"]) == len(r) and len(detail["decisions"]) == len(rows)
    assert all(d["observation"] is not None for d in detail["decisions"])
    np.testing.assert_allclose([s["lon"] for s in detail["states"]], r.lon, atol=1e-5)
    fc = c.get(f"/v1/tracks/{t['track_id']}/geojson", headers=h).json()
    assert fc["type"] == "FeatureCollection"
    assert {f["properties"]["layer"] for f in fc["features"]} == {"track", "reports"}
    assert c.get("/v1/tracks/geojson", headers=h).json()["type"] == "FeatureCollection"


def test_prediction_runs_as_a_job(svc: Svc) -> None:
    c = svc.client
    body = {"time": "2023-02-01T19:00Z", "lat": 45.78, "lon": -108.5, "alt": 18300,
            "hours": 12, "members": 50, "seed": 1}  # fmt: skip
    r = c.post("/v1/predictions", params={"wait": 60}, json=body, headers=svc.h())
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["status"] == "done", job
    res = job["result"]
    assert res["summary"]["members"] == 50 and res["summary"]["profile"] == "float"
    assert res["median_path"][0]["lat"] == pytest.approx(45.78)
    assert {g["level"] for g in res["regions"]} == {0.5, 0.9}
    assert len(res["end_points"]) == 50
    h = svc.h(svc.read)
    assert c.get(job["links"]["self"], headers=h).json()["status"] == "done"
    fc = c.get(job["links"]["geojson"], headers=h).json()
    assert any(f["properties"]["layer"] == "median_path" for f in fc["features"])
    assert job["id"] in [j["id"] for j in c.get("/v1/predictions", headers=h).json()]
    # no wait: 202 and a status to poll
    r = c.post("/v1/predictions", json={**body, "members": 5}, headers=svc.h())
    assert r.status_code == 202 and r.headers["location"].endswith(r.json()["id"])
    # impossible parameters: 400 with the library's message, no job
    bad = c.post("/v1/predictions", json={**body, "profile": "standard", "burst_alt": 1000},
                 headers=svc.h())  # fmt: skip
    assert bad.status_code == 400 and "burst altitude" in bad.json()["detail"]
    bad = c.post("/v1/predictions", json={**body, "members": 10**6}, headers=svc.h())
    assert bad.status_code == 400 and "limit" in bad.json()["detail"]
    bad = c.post("/v1/predictions", json={"lat": 1, "lon": 2, "alt": 3}, headers=svc.h())
    assert bad.status_code == 400 and "time" in bad.json()["detail"]
    assert c.post("/v1/predictions", json={**body, "lat": 91}, headers=svc.h()).status_code == 422


def test_engagement_runs_as_a_job(svc: Svc) -> None:
    body = {"time": "2023-02-04T19:39Z", "lat": 33.55, "lon": -78.83, "alt": 18900,
            "hours": 0, "members": 2, "samples": 1}  # fmt: skip
    r = svc.client.post("/v1/engagements", params={"wait": 120}, json=body, headers=svc.h())
    assert r.status_code == 200, r.text
    job = r.json()
    assert job["status"] == "done", job
    plan = job["result"]["plan"]
    # the planner's own result, passed through: the window (over water off South Carolina)
    # with its casualty expectation and P(land), and the recommendation or why there is none
    assert len(plan["windows"]) == 1 and "recommended" in plan and plan["reason"]
    w = plan["windows"][0]
    assert w["time"] == "2023-02-04T19:39:00Z" and w["ec"] >= 0 and 0 <= w["p_land"] <= 1
    fc = svc.client.get(job["links"]["geojson"], headers=svc.h()).json()
    assert any(f["properties"]["layer"] == "engage_windows" for f in fc["features"])


def test_every_write_is_audited(svc: Svc) -> None:
    svc.post_obs([{**FIX, "id": "audit-me"}])
    log = svc.client.get("/v1/audit", params={"limit": 1000}, headers=svc.h()).json()["entries"]
    mine = [e for e in log if "audit-me" in e["detail"].get("client_ids", [])]
    assert len(mine) == 1
    assert mine[0]["token_name"] == "test writer" and mine[0]["action"] == "observations.create"
    assert mine[0]["at"].startswith("20")
    assert any(e["action"] == "token.create" for e in log)  # tokens are writes too
