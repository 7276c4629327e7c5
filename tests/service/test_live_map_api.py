"""The live map's routes in process: the page and its static files (the report's own map code,
content-hashed names, cache and security headers, gzip), and the sign-in that trades a token
for a read-only session cookie (what it can read, that it can never write, sign-out,
revocation, requests from other sites)."""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from stratowatch.report import _asset, render_report
from stratowatch.report.live import LIVE_CSP, live_assets, live_page
from stratowatch.service.sessions import COOKIE, MapSessions

from .conftest import Svc


@pytest.fixture
def browser_like(svc: Svc) -> Iterator[TestClient]:
    """A client with its own cookie jar on the running app (the shared client must never
    carry a session cookie into other tests)."""
    client = TestClient(svc.client.app)
    yield client
    client.close()


def _urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page)


def test_page_is_the_report_code_served_with_strict_headers(svc: Svc) -> None:
    r = svc.client.get("/map")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == LIVE_CSP
    assert "connect-src 'self'" in LIVE_CSP and "script-src 'self'" in LIVE_CSP
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    page = r.text
    # nothing but the server's own files (and the empty data: icon)
    urls = _urls(page)
    assert urls and all(u.startswith("/map/assets/") or u == "data:," for u in urls), urls
    assert "<script>" not in page  # no inline script: the CSP forbids it
    # one front end: the files the page loads are byte for byte those the report inlines
    assets = live_assets()
    served = {assets[u.rsplit("/", 1)[1]].name: u for u in urls if u.startswith("/map/")}
    assert set(served) == {"leaflet.css", "report.css", "live.css", "leaflet.js",
                           "leaflet-heat.js", "map.js", "live.js"}  # fmt: skip
    report = render_report({"type": "FeatureCollection", "features": []}, title="t")
    files = {
        "map.js": "map.js",
        "report.css": "report.css",
        "leaflet.js": "vendor/leaflet.js",
        "leaflet-heat.js": "vendor/leaflet-heat.js",
        "leaflet.css": "vendor/leaflet.css",
    }
    for name, path in files.items():
        body = svc.client.get(served[name]).text
        assert body == _asset(path)
        assert body.strip()[:300] in report
    # the basemap URL is in the page's configuration
    basemap = re.search(r'"basemap":"([^"]+)"', page)
    assert basemap is not None
    r = svc.client.get(basemap.group(1))
    assert r.status_code == 200 and r.json()["scale"] > 0
    # revalidation of the page
    etag = svc.client.get("/map").headers["etag"]
    assert svc.client.get("/map", headers={"If-None-Match": etag}).status_code == 304
    # HEAD as well as GET (link checkers, monitors)
    r = svc.client.head("/map")
    assert r.status_code == 200 and r.headers["etag"] == etag
    # the service's front page is the map
    r = svc.client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/map"


def test_assets_are_cached_for_good_and_gzipped(svc: Svc) -> None:
    assets = live_assets()
    name, asset = next((k, a) for k, a in assets.items() if a.name == "basemap.json")
    assert re.fullmatch(r"basemap\.[0-9a-f]{12}\.json", name)
    r = svc.client.get(f"/map/assets/{name}", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"] == "application/json"
    assert "content-encoding" not in r.headers
    assert r.content == asset.body
    # gzip for browsers that accept it: the same bytes, under half the size (measured: 35 %)
    raw = svc.client.build_request(
        "GET", f"/map/assets/{name}", headers={"Accept-Encoding": "gzip"}
    )
    r = svc.client.send(raw, stream=True)
    try:
        compressed = b"".join(r.iter_raw())
    finally:
        r.close()
    assert r.headers["content-encoding"] == "gzip"
    assert gzip.decompress(compressed) == asset.body
    assert len(compressed) < len(asset.body) / 2
    # revalidation, and a name whose hash is not the content's is unknown
    assert (
        svc.client.get(f"/map/assets/{name}", headers={"If-None-Match": asset.etag}).status_code
        == 304
    )
    assert svc.client.get("/map/assets/basemap.000000000000.json").status_code == 404
    assert svc.client.get("/map/assets/..%2Fmap.py").status_code == 404
    # a new content is a new name
    assert len({a.file_name for a in assets.values()}) == len(assets)
    assert all(a.digest[:12] in a.file_name for a in assets.values())


def test_live_page_builder() -> None:
    page = live_page(title="Ops <desk>", asset_base="/static/", api_base="https://api.example/")
    assert "<title>Ops &lt;desk&gt;</title>" in page
    assert '"api":"https://api.example"' in page
    assert all(u.startswith("/static/") or u == "data:," for u in _urls(page))
    for placeholder in ("__TITLE__", "__CONFIG__", "__ASSET:"):
        assert placeholder not in page


def test_sign_in_gives_a_read_only_session_cookie(svc: Svc, browser_like: TestClient) -> None:
    c = browser_like
    assert c.get("/map/session").json() == {
        "signed_in": False, "scope": None, "token_id": None, "token_name": None,
        "expires_at": None,
    }  # fmt: skip
    assert c.get("/v1/tracks").status_code == 401
    # a wrong token
    r = c.post("/map/session", json={"token": "sw_not-a-token"})
    assert r.status_code == 401 and r.json()["detail"] == "unknown or revoked token"
    assert COOKIE not in c.cookies
    assert c.post("/map/session", json={"token": ""}).status_code == 422
    assert c.post("/map/session", json={"token": svc.read, "x": 1}).status_code == 422
    # the write token signs in too, but the session only reads
    r = c.post("/map/session", json={"token": svc.write})
    assert r.status_code == 200
    body = r.json()
    assert body["signed_in"] and body["scope"] == "read" and body["token_name"] == "test writer"
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie
    for attr in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=28800"):
        assert attr.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # plain http here; https below
    assert svc.write not in cookie  # the cookie is a session id, not the token
    assert c.get("/map/session").json()["signed_in"] is True
    # reads work with the cookie alone ...
    assert c.get("/v1/tracks").status_code == 200
    assert c.get("/v1/tracks/geojson").json()["type"] == "FeatureCollection"
    assert c.get("/v1/predictions?limit=1").status_code == 200
    # ... writes never (a browser sends cookies on its own)
    r = c.post("/v1/observations", json={"observations": []})
    assert r.status_code == 403 and "read token cannot write" in r.json()["detail"]
    assert c.get("/v1/audit").status_code == 403
    # the sign-in is audited (who, when, until when)
    entries = svc.client.get("/v1/audit?limit=1000", headers=svc.h()).json()["entries"]
    assert any(e["action"] == "map.sign_in" and e["token_name"] == "test writer" for e in entries)
    # sign-out ends the session on the server (an old copy of the cookie is useless)
    sid = c.cookies[COOKIE]
    r = c.delete("/map/session")
    assert r.status_code == 204
    assert COOKIE not in c.cookies
    assert c.get("/v1/tracks", cookies={COOKIE: sid}).status_code == 401
    assert c.get("/map/session", cookies={COOKIE: sid}).json()["signed_in"] is False
    # a made-up cookie
    assert c.get("/v1/tracks", cookies={COOKIE: "x" * 43}).status_code == 401


def test_other_origins_cannot_read_with_the_session(svc: Svc, browser_like: TestClient) -> None:
    # SameSite ignores ports: a page on another port of the same host is "same site" and its
    # credentialed fetch carries the cookie. CORS must then not let it read the answer.
    c = browser_like
    assert c.post("/map/session", json={"token": svc.read}).status_code == 200
    r = c.get("/v1/tracks", headers={"Origin": "http://127.0.0.1:9999"})
    assert r.status_code == 200
    assert "access-control-allow-credentials" not in r.headers
    pre = c.options(
        "/v1/tracks",
        headers={"Origin": "http://127.0.0.1:9999", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-credentials" not in pre.headers


def test_session_cookie_is_secure_over_https(svc: Svc) -> None:
    # not as a context manager: that would run the app's lifespan again (a second state)
    c = TestClient(svc.client.app, base_url="https://testserver")
    try:
        r = c.post("/map/session", json={"token": svc.read})
        assert r.status_code == 200
        assert "secure" in r.headers["set-cookie"].lower()
    finally:
        c.close()


def test_a_revoked_token_ends_its_sessions(svc: Svc, browser_like: TestClient) -> None:
    store = svc.state.store
    token, info = store.create_token(scope="read", name="to revoke")
    c = browser_like
    assert c.post("/map/session", json={"token": token}).status_code == 200
    assert c.get("/v1/tracks").status_code == 200
    assert store.revoke_token(info.id)
    store.verify_token(token)  # what the 5 s token cache would see at its next refresh
    assert c.get("/v1/tracks").status_code == 401
    assert c.get("/map/session").json()["signed_in"] is False


def test_sign_in_from_another_site_is_refused(svc: Svc, browser_like: TestClient) -> None:
    c = browser_like
    r = c.post("/map/session", json={"token": svc.read}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "another origin" in r.json()["detail"]
    r = c.post("/map/session", json={"token": svc.read}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and "another site" in r.json()["detail"]
    assert COOKIE not in c.cookies
    r = c.post(
        "/map/session",
        json={"token": svc.read},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert r.status_code == 200


def test_sessions_expire_and_are_bounded() -> None:
    sessions = MapSessions(ttl_s=0.2, max_sessions=3)
    sid, s = sessions.create("sw_x", token_id=1, token_name="a")
    assert sessions.get(sid) == s
    assert sessions.get("") is None and sessions.get("y" * 500) is None
    time.sleep(0.3)
    assert sessions.get(sid) is None
    ids = [sessions.create("sw_x", token_id=1, token_name="a")[0] for _ in range(5)]
    assert len(sessions) == 3
    assert sessions.get(ids[0]) is None and sessions.get(ids[-1]) is not None


def test_session_cookie_is_in_the_openapi_document(svc: Svc) -> None:
    doc = svc.client.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("in") == "cookie" and s.get("name") == COOKIE for s in schemes.values())
    assert "/map/session" in doc["paths"] and "/map" not in doc["paths"]
