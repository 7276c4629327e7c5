"""Shared parts of the job resources (predictions, engagements)."""

from __future__ import annotations

import math
from typing import Any

from fastapi import HTTPException, Response

from ...store import JobInfo
from ...timeutil import iso
from ..models import JobOut
from ..state import ServiceState

AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or unknown token"},
    403: {"description": "not allowed"},
}


def job_out(info: JobInfo, *, base: str) -> JobOut:
    result = None
    if info.result is not None:
        result = {k: v for k, v in info.result.items() if k != "geojson"}
    return JobOut(
        id=info.id,
        kind=info.kind,
        status=info.status,  # type: ignore[arg-type]
        request=info.request,
        created_at=iso(info.created_at),
        started_at=None if info.started_at is None else iso(info.started_at),
        finished_at=None if info.finished_at is None else iso(info.finished_at),
        error=info.error,
        note=info.note,
        attempts=info.attempts,
        result=result,
        links={"self": f"{base}/{info.id}", "geojson": f"{base}/{info.id}/geojson"},
    )


def submit(
    state: ServiceState,
    info: JobInfo,
    *,
    wait: float,
    response: Response,
    base: str,
) -> JobOut:
    """Queue the stored job; wait up to ``wait`` s for it; 202 while unfinished."""
    state.jobs.submit(info.id)
    if wait > 0:
        state.jobs.wait(info.id, wait)
        info = state.store.get_job(info.id) or info
    response.headers["Location"] = f"{base}/{info.id}"
    response.status_code = 200 if info.status in ("done", "failed") else 202
    return job_out(info, base=base)


def get_job(state: ServiceState, job_id: str, kind: str) -> JobInfo:
    info = state.store.get_job(job_id, kind=kind) if len(job_id) <= 32 else None
    if info is None:
        raise HTTPException(404, f"no {kind} {job_id}")
    return info


def geojson_of(info: JobInfo) -> dict[str, Any]:
    if info.status != "done" or info.result is None:
        raise HTTPException(409, f"{info.kind} {info.id} is {info.status}, not done")
    fc: dict[str, Any] = info.result.get("geojson") or {"type": "FeatureCollection",
                                                        "features": []}  # fmt: skip
    return fc


def track_start(state: ServiceState, track_id: int) -> tuple[str, float, float, float]:
    """(time, lat, lon, alt) of a track's latest state; its altitude estimate when the track
    has no measured altitude."""
    result = state.snapshot.result
    if result is not None:
        for tr in result.tracks:
            if tr.track_id == track_id:
                k = len(tr) - 1
                alt = float(tr.alt[k])
                if not math.isfinite(alt):
                    alt = float(tr.altitude.mean)
                if not math.isfinite(alt):
                    raise HTTPException(422, f"track {track_id} has no altitude estimate; give alt")
                return iso(tr.time[k]), float(tr.lat[k]), float(tr.lon[k]), alt
    raise HTTPException(404, f"no track {track_id}")
