"""``POST /v1/predictions`` (write), ``GET /v1/predictions[/{id}[/geojson]]`` (read).

A prediction runs as a job in a worker process (`stratowatch.predict.predict`); the reply is
202 with the job's status URL, or the finished job when it ends within ``wait`` seconds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ...errors import ConfigError, InputError
from ...predict import predict
from ...timeutil import iso, parse_time
from ..deps import ReadToken, StateDep, WriteToken
from ..models import JobOut, PredictionIn
from ..work import prediction_kwargs
from .jobs_common import AUTH, geojson_of, get_job, job_out, submit, track_start

router = APIRouter(prefix="/v1/predictions", tags=["predictions"])
BASE = "/v1/predictions"
MAX_POINTS = 20_000_000  # members x output times (each point: 3 float64 paths)


@router.post(
    "",
    response_model=JobOut,
    status_code=202,
    responses={
        **AUTH,
        200: {"description": "finished within `wait`"},
        400: {"description": "impossible parameters"},
    },  # fmt: skip
)
def create_prediction(
    body: PredictionIn,
    token: WriteToken,
    state: StateDep,
    response: Response,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to wait for the result.")] = 0,
) -> JobOut:
    """Queue a prediction (the options of ``predict``; from a track's latest state with
    ``track_id``). The parameters are checked at once by a one-member run, so impossible ones
    get a 400 here rather than a failed job."""
    req: dict[str, Any] = body.model_dump()
    if body.track_id is not None:
        t, la, lo, al = track_start(state, body.track_id)
        req["time"] = req["time"] or t
        req["lat"] = la if req["lat"] is None else req["lat"]
        req["lon"] = lo if req["lon"] is None else req["lon"]
        req["alt"] = al if req["alt"] is None else req["alt"]
    for name in ("time", "lat", "lon", "alt"):
        if req[name] is None:
            raise InputError(
                "missing start", field=name, expected="time, lat, lon, alt or track_id"
            )
    req["time"] = iso(parse_time(req["time"]).timestamp())
    s = state.settings
    if body.members > s.max_members:
        raise ConfigError(f"members {body.members} above this server's limit of {s.max_members}")
    if body.hours > s.max_hours:
        raise ConfigError(f"hours {body.hours:g} above this server's limit of {s.max_hours:g}")
    points = body.members * (body.hours * 3600.0 / body.output_step_s + 1)
    if points > MAX_POINTS:
        raise ConfigError(
            f"members x output times = {points:.3g} is above {MAX_POINTS:.0e}: use fewer "
            "members, a shorter horizon or a longer output_step_s"
        )
    kw = prediction_kwargs(req)
    kw.update(members=1, output_step_s=body.hours * 3600.0)
    predict(wind=state.wind, **kw)  # checks everything the job would check
    info = state.store.create_job(kind="prediction", request=req, token=token)
    return submit(state, info, wait=wait, response=response, base=BASE)


@router.get("", response_model=list[JobOut], responses=AUTH)
def list_predictions(
    token: ReadToken, state: StateDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[JobOut]:
    """Recent predictions, newest first."""
    return [job_out(j, base=BASE) for j in state.store.list_jobs(kind="prediction", limit=limit)]


@router.get("/{job_id}", response_model=JobOut, responses={**AUTH, 404: {}})
def get_prediction(job_id: str, token: ReadToken, state: StateDep) -> JobOut:
    """Status, then the result: summary, median path, 50/90 % regions, member end points."""
    return job_out(get_job(state, job_id, "prediction"), base=BASE)


@router.get("/{job_id}/geojson", responses={**AUTH, 404: {}, 409: {"description": "not done"}})
def prediction_geojson(job_id: str, token: ReadToken, state: StateDep) -> dict[str, Any]:
    """The prediction as GeoJSON (median path, regions, end points; `Prediction.to_features`)."""
    return geojson_of(get_job(state, job_id, "prediction"))
