"""The live map: ``GET /map`` (the page), ``GET /map/assets/{file}`` (its static files) and
``/map/session`` (sign in with a token, for a read-only session cookie).

The page is `stratowatch.report.live.live_page`: the report's map code and basemap, served as
static files under content-hashed names (cached for a year, ``immutable``; gzip when the
browser accepts it), plus ``live.js``, which loads the GeoJSON endpoints and follows
``/v1/events``. The page and its files hold no data and need no token; the data needs a read
token, which the page trades for a session cookie (`service.sessions`) because a browser's
EventSource cannot send an ``Authorization`` header.
"""

from __future__ import annotations

from functools import cache
from hashlib import sha256
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from ...report.live import LIVE_CSP, live_assets, live_page
from ...timeutil import iso
from ..deps import TOKEN_CACHE_S, StateDep
from ..sessions import COOKIE

router = APIRouter(tags=["map"])

#: Headers of the page: nothing from elsewhere, not framed, no referrer.
PAGE_HEADERS = {
    "Content-Security-Policy": LIVE_CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
#: The assets' names change with their content: cache them for good.
ASSET_CACHE = "public, max-age=31536000, immutable"


@cache
def _page() -> tuple[bytes, str]:
    body = live_page().encode("utf-8")
    return body, '"' + sha256(body).hexdigest()[:32] + '"'


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return etag in tags or "*" in tags


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    """The service's front page is the live map."""
    return RedirectResponse("/map", status_code=307)


@router.api_route("/map", methods=["GET", "HEAD"], include_in_schema=False)
def map_page(
    if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
) -> Response:
    """The live map page (HTML; no data, no token)."""
    body, etag = _page()
    headers = {**PAGE_HEADERS, "ETag": etag}
    if _not_modified(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


@router.api_route("/map/assets/{file_name}", methods=["GET", "HEAD"], include_in_schema=False)
def map_asset(
    file_name: str,
    if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
    accept_encoding: Annotated[str | None, Header(max_length=2000)] = None,
) -> Response:
    """A static file of the page by its content-hashed name (``map.<hash>.js``)."""
    asset = live_assets().get(file_name)
    if asset is None:
        raise HTTPException(404, f"no asset {file_name!r}")
    headers = {
        "Cache-Control": ASSET_CACHE,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if _not_modified(if_none_match, asset.etag):
        return Response(status_code=304, headers=headers)
    gz = accept_encoding is not None and "gzip" in accept_encoding.lower()
    if gz:
        headers["Content-Encoding"] = "gzip"
    return Response(
        asset.gzipped if gz else asset.body, media_type=asset.content_type, headers=headers
    )


class SessionIn(BaseModel):
    """A token to sign in with (read or write; the session can only read)."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


class SessionOut(BaseModel):
    """Whether this browser has a map session, and until when."""

    signed_in: bool
    scope: str | None = None
    token_id: int | None = None
    token_name: str | None = None
    expires_at: str | None = None


def _same_origin(request: Request) -> None:
    """Refuse a sign-in started by another site (login CSRF): a browser says where a request
    comes from in ``Sec-Fetch-Site`` and ``Origin``."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise HTTPException(403, f"sign-in from another site refused (Sec-Fetch-Site: {site})")
    origin = request.headers.get("origin")
    if origin is not None:
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin.rstrip("/") != own:
            raise HTTPException(403, f"sign-in from another origin refused ({origin})")


_SESSION_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "unknown or revoked token"},
    403: {"description": "request from another site"},
}


@router.post("/map/session", response_model=SessionOut, responses=_SESSION_RESPONSES)
def sign_in(body: SessionIn, request: Request, response: Response, state: StateDep) -> SessionOut:
    """Trade a token for a read-only session cookie (``sw_session``: HttpOnly, SameSite=Strict,
    Secure over HTTPS, 8 h). The map page calls this; the token is not kept by the browser."""
    _same_origin(request)
    info = state.store.verify_token(body.token)
    if info is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    sid, session = state.sessions.create(body.token, token_id=info.id, token_name=info.name)
    response.set_cookie(
        COOKIE,
        sid,
        max_age=int(state.sessions.ttl_s),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    state.store.record(
        token=info,
        action="map.sign_in",
        detail={"expires_at": iso(session.expires_at), "scope": "read"},
    )
    return SessionOut(
        signed_in=True,
        scope="read",
        token_id=info.id,
        token_name=info.name,
        expires_at=iso(session.expires_at),
    )


@router.get("/map/session", response_model=SessionOut)
def session_status(request: Request, state: StateDep) -> SessionOut:
    """This browser's map session (``signed_in: false`` without one, or when it ended or its
    token was revoked)."""
    session = state.sessions.get(request.cookies.get(COOKIE, ""))
    if session is None or state.store.verify_token(session.token, max_age=TOKEN_CACHE_S) is None:
        return SessionOut(signed_in=False)
    return SessionOut(
        signed_in=True,
        scope="read",
        token_id=session.token_id,
        token_name=session.token_name,
        expires_at=iso(session.expires_at),
    )


@router.delete("/map/session", status_code=204, responses={403: _SESSION_RESPONSES[403]})
def sign_out(request: Request, state: StateDep) -> Response:
    """End this browser's map session."""
    _same_origin(request)
    state.sessions.drop(request.cookies.get(COOKIE, ""))
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
