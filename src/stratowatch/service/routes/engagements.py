"""``POST /v1/engagements`` (write), ``GET /v1/engagements[/{id}[/geojson]]`` (read).

An engagement plan (`stratowatch.assess.planner.engage`: windows along the path predicted
from a track's latest state or a given point, their casualty expectation, P(land), territory,
and the recommendation) runs as a job."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ...errors import ConfigError, InputError
from ...timeutil import iso, parse_time
from ..deps import ReadToken, StateDep, WriteToken
from ..models import EngagementIn, JobOut
from .jobs_common import AUTH, geojson_of, get_job, job_out, submit, track_start

router = APIRouter(prefix="/v1/engagements", tags=["engagements"])
BASE = "/v1/engagements"


@router.post(
    "",
    response_model=JobOut,
    status_code=202,
    responses={**AUTH, 200: {"description": "finished within `wait`"}},
)
def create_engagement(
    body: EngagementIn,
    token: WriteToken,
    state: StateDep,
    response: Response,
    wait: Annotated[float, Query(ge=0, le=120, description="Seconds to wait for the result.")] = 0,
) -> JobOut:
    """Queue an engagement plan from ``track_id`` (its latest state, as of now) or a point."""
    req: dict[str, Any] = body.model_dump()
    if body.track_id is not None:
        t, la, lo, al = track_start(state, body.track_id)
        req["time"] = req["time"] or t
        req["lat"] = la if req["lat"] is None else req["lat"]
        req["lon"] = lo if req["lon"] is None else req["lon"]
        req["alt"] = al if req["alt"] is None else req["alt"]
    for name in ("time", "lat", "lon", "alt"):
        if req[name] is None:
            raise InputError("missing position", field=name,
                             expected="time, lat, lon, alt or track_id")  # fmt: skip
    req["time"] = iso(parse_time(req["time"]).timestamp())
    if req["lon"] > 180.0:
        req["lon"] -= 360.0
    if body.hours > state.settings.max_hours:
        raise ConfigError(
            f"hours {body.hours:g} above this server's limit of {state.settings.max_hours:g}"
        )
    windows = body.hours * 60.0 / body.every_min + 1
    if windows * body.members * body.samples > 2_000_000:
        raise ConfigError(
            f"{windows:.0f} windows x {body.members} members x {body.samples} samples is too "
            "much work for one job: use a larger every_min, fewer members or samples"
        )
    info = state.store.create_job(kind="engagement", request=req, token=token)
    return submit(state, info, wait=wait, response=response, base=BASE)


@router.get("", response_model=list[JobOut], responses=AUTH)
def list_engagements(
    token: ReadToken, state: StateDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[JobOut]:
    """Recent engagement plans, newest first."""
    return [job_out(j, base=BASE) for j in state.store.list_jobs(kind="engagement", limit=limit)]


@router.get("/{job_id}", response_model=JobOut, responses={**AUTH, 404: {}})
def get_engagement(job_id: str, token: ReadToken, state: StateDep) -> JobOut:
    """Status, then the plan: windows (time, place, Ec, P(land), territory), recommendation."""
    return job_out(get_job(state, job_id, "engagement"), base=BASE)


@router.get("/{job_id}/geojson", responses={**AUTH, 404: {}, 409: {"description": "not done"}})
def engagement_geojson(job_id: str, token: ReadToken, state: StateDep) -> dict[str, Any]:
    """The windows and the recommendation (and footprint, when asked) as GeoJSON."""
    return geojson_of(get_job(state, job_id, "engagement"))
