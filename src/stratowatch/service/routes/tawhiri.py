"""``GET /api/v1/``: the Tawhiri API v1 (see `stratowatch.service.tawhiri`)."""

from __future__ import annotations

import json
import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from ...store import TokenInfo
from ..deps import OptionalToken, StateDep
from ..tawhiri import (
    InvalidDatasetException,
    TawhiriError,
    error_body,
    format_csv,
    format_kml,
    parse_request,
    rfc3339,
    run_prediction,
)

router = APIRouter(tags=["tawhiri"])

Q = Annotated[str | None, Query()]


def _json(body: dict[str, object], status: int = 200) -> Response:
    # sorted keys, as Tawhiri's Flask jsonify writes them
    text = json.dumps(body, sort_keys=True, allow_nan=False)
    return Response(text, status_code=status, media_type="application/json")


@router.get(
    "/api/v1/",
    responses={
        200: {"description": "prediction (json, or a csv/kml attachment)"},
        400: {"description": "RequestException"},
        404: {"description": "InvalidDatasetException"},
    },
)
def tawhiri_v1(
    request: Request,
    state: StateDep,
    given: OptionalToken,
    launch_latitude: Annotated[str | None, Query(description="Degrees, -90..90.")] = None,
    launch_longitude: Annotated[
        str | None, Query(description="Degrees east, 0 <= x < 360.")
    ] = None,
    launch_datetime: Annotated[str | None, Query(description="RFC 3339 time.")] = None,
    launch_altitude: Annotated[str | None, Query(description="m above MSL (default 0).")] = None,
    profile: Annotated[
        str | None, Query(description="standard_profile (default), float_profile, reverse_profile.")
    ] = None,
    ascent_rate: Annotated[
        str | None, Query(description="m/s (> 0; at least 0.2 is used).")
    ] = None,
    burst_altitude: Annotated[str | None, Query(description="m (standard profile).")] = None,
    descent_rate: Annotated[str | None, Query(description="m/s at sea level (standard).")] = None,
    float_altitude: Annotated[str | None, Query(description="m (float profile).")] = None,
    stop_datetime: Annotated[str | None, Query(description="RFC 3339 (float profile).")] = None,
    dataset: Annotated[
        str | None, Query(description="RFC 3339: a wind file of --wind-dir.")
    ] = None,
    format: Annotated[str | None, Query(description="json (default), csv or kml.")] = None,
) -> Response:
    """A Tawhiri-compatible prediction: the same parameters, reply and errors as the CUSF /
    SondeHub predictor API v1, flown by stratowatch's engine on the server's wind (or the
    ``dataset`` chosen from its wind folder)."""
    started = time.time()
    if state.settings.private_predictions:
        present, info = given
        if not isinstance(info, TokenInfo) or not info.allows("read"):
            raise HTTPException(
                401,
                "this server's predictor is private: a read token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
    # every parameter as given (also any unknown ones, which Tawhiri ignores too)
    params = {k: v for k, v in request.query_params.items() if k != "access_token"}
    try:
        req = parse_request(params, max_hours=state.settings.max_hours)
        if req["dataset"] == "latest":
            wind = state.wind
            meta = wind.meta
            label = (
                rfc3339(meta.time_start)
                if meta.time_start is not None
                else rfc3339(float(req["launch_datetime"]) // 3600 * 3600)
            )
        else:
            found = state.datasets.get(float(req["dataset"]))
            if found is None:
                raise InvalidDatasetException("No matching dataset found.")
            wind = found
            label = rfc3339(float(req["dataset"]))
        resp = run_prediction(req, wind=wind, dataset=label)
    except TawhiriError as exc:
        return _json(error_body(exc, started), exc.status_code)
    resp["metadata"] = {
        "start_datetime": rfc3339(started),
        "complete_datetime": rfc3339(time.time()),
    }
    headers = {"X-Stratowatch-Wind": wind.meta.source}
    fmt = req["format"]
    if fmt == "csv":
        name, text = format_csv(resp)
        return Response(text, media_type="text/csv", headers={
            **headers, "Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
    if fmt == "kml":
        name, text = format_kml(resp)
        return Response(text, media_type="application/vnd.google-earth.kml+xml", headers={
            **headers, "Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
    r = _json(resp)
    r.headers.update(headers)
    return r
