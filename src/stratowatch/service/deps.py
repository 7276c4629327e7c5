"""Dependencies of the routes: the service state, and the token checks.

A token comes as ``Authorization: Bearer <token>``, or as the ``access_token`` query parameter
for clients that cannot set headers (a browser's EventSource), or as the live map's session
cookie (`service.sessions`; read scope only, whatever the token it was made from). No or an
unknown/revoked token: 401; a read token where a write is needed: 403.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from ..store import TokenInfo
from .config import Settings
from .sessions import COOKIE
from .state import ServiceState

__all__ = [
    "StateDep",
    "SettingsDep",
    "ReadToken",
    "WriteToken",
    "OptionalToken",
    "get_state",
    "require_read",
    "require_write",
]

TOKEN_CACHE_S = 5.0  # a revoked token is refused within this many seconds

# The dependencies are coroutines: FastAPI runs a plain function dependency in its thread pool,
# a hand-off to a worker thread and back for each, on every request. A token check is answered
# from the store's cache without touching the database, except once per token and
# TOKEN_CACHE_S, which goes to the thread pool.

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `stratowatch token create --scope read|write`.",
)

session_cookie = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    description="The live map's session (POST /map/session with a token): read scope only.",
)


async def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


async def get_settings(request: Request) -> Settings:
    state: ServiceState = request.app.state.service
    return state.settings


StateDep = Annotated[ServiceState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def _verify(state: ServiceState, token: str) -> TokenInfo | None:
    hit = state.store.cached_token(token, max_age=TOKEN_CACHE_S)
    if hit is not None:
        return hit[0]
    return await run_in_threadpool(state.store.verify_token, token, max_age=TOKEN_CACHE_S)


async def _token(
    state: StateDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    access_token: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The token, for clients that cannot send an Authorization header.",
        ),
    ] = None,
    sid: Annotated[str | None, Depends(session_cookie)] = None,
) -> tuple[bool, TokenInfo | None]:
    token = creds.credentials if creds is not None else access_token
    if not token:
        return await _session(state, sid)
    if len(token) > 200:
        return True, None
    return True, await _verify(state, token)


async def _session(state: ServiceState, sid: str | None) -> tuple[bool, TokenInfo | None]:
    """The live map's session cookie (`service.sessions`): its token, read scope only."""
    if not sid:
        return False, None
    session = state.sessions.get(sid)
    if session is None:
        return True, None
    info = await _verify(state, session.token)
    if info is None:
        return True, None
    return True, replace(info, scope="read")


def _require(given: tuple[bool, TokenInfo | None], scope: str) -> TokenInfo:
    present, info = given
    if info is None:
        raise HTTPException(
            status_code=401,
            detail="a bearer token is required" if not present else "unknown or revoked token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not info.allows(scope):
        raise HTTPException(
            status_code=403, detail=f"this {info.scope} token cannot {scope}: needs a {scope} token"
        )
    return info


async def require_read(
    given: Annotated[tuple[bool, TokenInfo | None], Depends(_token)],
) -> TokenInfo:
    return _require(given, "read")


async def require_write(
    given: Annotated[tuple[bool, TokenInfo | None], Depends(_token)],
) -> TokenInfo:
    return _require(given, "write")


async def optional_token(
    given: Annotated[tuple[bool, TokenInfo | None], Depends(_token)],
) -> tuple[bool, TokenInfo | None]:
    return given


ReadToken = Annotated[TokenInfo, Depends(require_read)]
WriteToken = Annotated[TokenInfo, Depends(require_write)]
OptionalToken = Annotated[tuple[bool, TokenInfo | None], Depends(optional_token)]
