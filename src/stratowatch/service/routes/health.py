"""``GET /healthz`` (open) and ``GET /v1/audit`` (write token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...timeutil import iso
from ..deps import StateDep, WriteToken
from ..models import AuditList, AuditOut, Health, TrackerHealth

router = APIRouter(tags=["service"])


@router.get("/healthz", response_model=Health)
def health(state: StateDep) -> Health:
    """Whether the service and its database answer."""
    return Health(
        status="ok",
        database=state.store.dialect,
        observations=state.store.count_observations(),
        wind=state.wind.meta.source,
        jobs_workers=state.jobs.workers,
        tracker=TrackerHealth(**state.tracker.health()),
    )


@router.get("/v1/audit", response_model=AuditList, responses={401: {}, 403: {}})
def audit(
    state: StateDep,
    token: WriteToken,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditList:
    """The audit log: every write, who made it (token name and id), when, and what."""
    rows = state.store.audit_log(after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditList(
        entries=[
            AuditOut(
                id=r.id,
                at=iso(r.at),
                token_id=r.token_id,
                token_name=r.token_name,
                action=r.action,
                detail=r.detail,
            )  # fmt: skip
            for r in rows
        ],
        next_after=rows[-1].id if more and rows else None,
    )
