"""``GET /v1/events``: server-sent events (read token) when a track, prediction or engagement
changes, and when reports are stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import StreamingResponse

from ..deps import ReadToken, StateDep

router = APIRouter(prefix="/v1", tags=["events"])

TYPES = ("track", "prediction", "engagement", "observations")


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "the event stream"},
        401: {"description": "no or unknown token"},
    },
)
async def events(
    token: ReadToken,
    state: StateDep,
    types: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Comma-separated: track, prediction, engagement, "
            "observations (default all).",
        ),  # fmt: skip
    ] = None,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0, le=2**62)] = None,
    last_event_id_q: Annotated[
        int | None,
        Query(
            alias="last_event_id",
            ge=0,
            le=2**62,
            description="As the Last-Event-ID header, for a client that opens a new stream "
            "after the old one was refused (the header wins).",
        ),
    ] = None,
) -> StreamingResponse:
    """A ``text/event-stream``: each event has an ``id``, an ``event`` type (``track``,
    ``prediction``, ``engagement``, ``observations``) and JSON ``data`` (``track``: id, status,
    updates and latest position; jobs: id and status). A client that reconnects with
    ``Last-Event-ID`` gets the events it missed (the last 2000 are kept). Browsers' EventSource
    passes the token as ``?access_token=`` or sends the live map's session cookie; a page
    that opens a new EventSource (which cannot set headers) gives ``?last_event_id=``."""
    if last_event_id is None:
        last_event_id = last_event_id_q
    wanted = None
    if types:
        wanted = frozenset(t.strip() for t in types.split(",") if t.strip())
        unknown = sorted(wanted - set(TYPES))
        if unknown:
            raise HTTPException(
                422, f"unknown event type {unknown[0]!r}; expected {', '.join(TYPES)}"
            )
    return StreamingResponse(
        state.bus.stream(last_id=last_event_id, types=wanted),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
