"""``POST /v1/observations`` (write) and ``GET /v1/observations`` (read)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from ...errors import InputError
from ...store import StoredObservation
from ...timeutil import iso, parse_time
from ..deps import ReadToken, StateDep, WriteToken
from ..ingest import convert_reports
from ..models import IngestReply, ObservationBatch, ObservationList, ObservationOut, Rejection
from ..timing import Spans

router = APIRouter(prefix="/v1/observations", tags=["observations"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or unknown token"},
    403: {"description": "read token"},
}


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _out(o: StoredObservation) -> ObservationOut:
    return ObservationOut(
        id=o.client_id,
        store_id=o.id,
        received_at=iso(o.received_at),
        time=iso(o.time),
        kind=o.kind,
        source=o.source,
        lat=_num(o.values["lat"]),
        lon=_num(o.values["lon"]),
        alt=_num(o.values["alt"]),
        sigma_h_m=_num(o.values["sigma_h"]),
        report=o.report,
    )


@router.post(
    "",
    response_model=IngestReply,
    responses={
        **_AUTH,
        413: {"description": "body or batch too large"},
        422: {"description": "malformed body, or every report rejected"},
    },  # fmt: skip
)
def post_observations(
    batch: ObservationBatch,
    token: WriteToken,
    state: StateDep,
    request: Request,
    response: Response,
) -> IngestReply:
    """Store a batch of reports of any kind. Each report is read by the library's reader of
    its kind; a report the reader refuses is listed in ``rejected`` with the reader's reason,
    and the others are stored. A report whose ``id`` is already stored is a duplicate (stored
    once). The reply comes after the commit: an acknowledged report is on disk. The tracker
    takes the new reports right after."""
    spans = Spans(request.scope)
    spans.mark("wait")  # arrival -> here: body, validation, token check, hand-offs
    n = len(batch.observations)
    if n > state.settings.max_batch:
        raise HTTPException(
            413, f"{n} observations in one batch; at most {state.settings.max_batch}"
        )
    rows, reasons = convert_reports(batch.observations)
    spans.mark("read")
    added = state.store.add_observations(rows, token=token, rejected=len(reasons))
    spans.mark("commit")
    state.enqueue(added.stored)
    rejected = [
        Rejection(index=i, id=batch.observations[i].id, reason=reasons[i]) for i in sorted(reasons)
    ]
    if rejected and not added.accepted and not added.duplicates:
        response.status_code = 422
    spans.mark("reply")
    response.headers["Server-Timing"] = spans.header()
    return IngestReply(
        accepted=len(added.accepted),
        duplicates=len(added.duplicates),
        rejected=rejected,
        ids=[cid for cid, _ in added.accepted],
        duplicate_ids=added.duplicates,
    )


def _time(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_time(value, field=name).timestamp()
    except InputError:
        raise
    except (ValueError, OverflowError, OSError):
        raise InputError("cannot parse time", field=name, value=value,
                         expected="ISO 8601, e.g. 2023-02-01T19:00Z") from None  # fmt: skip


@router.get("", response_model=ObservationList, responses=_AUTH)
def get_observations(
    token: ReadToken,
    state: StateDep,
    id: Annotated[list[str] | None, Query(description="Client id(s).", max_length=1000)] = None,
    start: Annotated[str | None, Query(description="Earliest time, ISO 8601.")] = None,
    end: Annotated[str | None, Query(description="Latest time, ISO 8601.")] = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="Store id to page after.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ObservationList:
    """Stored reports, filtered by client id, time and source, in store order; page with
    ``after`` = the previous reply's ``next_after``."""
    rows = state.store.get_observations(
        client_id=id,
        start=_time(start, "start"),
        end=_time(end, "end"),
        source=source,
        after_id=after,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ObservationList(
        observations=[_out(o) for o in rows], next_after=rows[-1].id if more and rows else None
    )
