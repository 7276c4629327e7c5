"""`create_app(settings)`: the FastAPI application. The store, wind, tracker and job workers are
opened in the lifespan (nothing is opened at import); library errors become 4xx responses in one
place; request bodies are limited in size."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from .. import __version__
from ..errors import DomainError, StratowatchError
from .config import Settings
from .routes import (
    engagements,
    events,
    health,
    livemap,
    observations,
    predictions,
    tawhiri,
    tracks,
)
from .state import ServiceState
from .timing import ARRIVED

__all__ = ["create_app"]

log = logging.getLogger("stratowatch.service")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DESCRIPTION = """\
stratowatch as a service: post reports of any kind, watch tracks update, run predictions and
engagement plans as jobs, follow changes as server-sent events, and use the Tawhiri-compatible
predictor at `/api/v1/`.

Authentication: `Authorization: Bearer <token>` (tokens from `stratowatch token create`); reads
need a read or write token, writes a write token. The Tawhiri endpoint is open unless the server
runs with `--private-predictions`.
"""


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than the limit of {limit} bytes")


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (413): by Content-Length at once, else while
    reading (chunked uploads)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # when the request reached the app (the start of its Server-Timing spans)
        scope[ARRIVED] = time.perf_counter()
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    n = int(value)
                except ValueError:
                    n = -1
                if n < 0 or n > self.max_bytes:
                    status = 413 if n > self.max_bytes else 400
                    detail = (
                        f"request body larger than the limit of {self.max_bytes} bytes"
                        if status == 413
                        else "invalid Content-Length header"
                    )
                    response = JSONResponse({"detail": detail}, status_code=status)
                    await response(scope, receive, send)
                    return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    return str(obj)


def _library_error(_request: Request, exc: Exception) -> JSONResponse:
    status = 422 if isinstance(exc, DomainError) else 400
    return JSONResponse({"detail": str(exc), "type": type(exc).__name__}, status_code=status)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": _clean(list(e.get("loc", ()))),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }  # fmt: skip
        for e in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error: %r", exc, exc_info=exc)
    return JSONResponse({"detail": "internal error", "type": type(exc).__name__}, status_code=500)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for ``settings`` (default: from ``STRATOWATCH_*`` environment variables)."""
    cfg = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ServiceState(cfg)
        app.state.service = state
        state.start()
        try:
            yield
        finally:
            state.stop()

    app = FastAPI(
        title="stratowatch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=cfg.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
    )
    app.add_middleware(BodyLimit, max_bytes=cfg.max_body_bytes)
    app.add_exception_handler(StratowatchError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
    for module in (
        observations,
        tracks,
        predictions,
        engagements,
        events,
        tawhiri,
        health,
        livemap,
    ):
        app.include_router(module.router)
    return app
