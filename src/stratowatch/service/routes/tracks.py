"""``GET /v1/tracks``, ``/v1/tracks/{id}`` and their GeoJSON (read token).

Tracks are the live tracker's filtered states (each known only from the reports up to its
time), updated incrementally as reports arrive (`stratowatch.track.live.LiveTracker`)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from ...timeutil import iso
from ...track.output import tracks_feature_collection
from ...track.tracker import Decision, Track, TrackingResult
from ..deps import ReadToken, StateDep
from ..models import DecisionOut, TrackDetail, TrackList, TrackState, TrackSummary
from ..work import jsonable

router = APIRouter(prefix="/v1/tracks", tags=["tracks"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or unknown token"},
    403: {"description": "not allowed"},
}


def _n(x: float, nd: int) -> float | None:
    return round(float(x), nd) if math.isfinite(float(x)) else None


def _state(tr: Track, k: int, result: TrackingResult) -> TrackState:
    i = int(tr.obs_index[k])
    return TrackState(
        time=iso(tr.time[k]),
        lat=round(float(tr.lat[k]), 6),
        lon=round(float(tr.lon[k]), 6),
        alt=_n(tr.alt[k], 1),
        sigma_e_m=_n(tr.sigma_e[k], 1),
        sigma_n_m=_n(tr.sigma_n[k], 1),
        sigma_alt_m=_n(tr.sigma_alt[k], 1),
        ve=_n(tr.ve[k], 2),
        vn=_n(tr.vn[k], 2),
        vz=_n(tr.vz[k], 2),
        wind_u=_n(tr.wind_u[k], 2),
        wind_v=_n(tr.wind_v[k], 2),
        observation=int(result.observations.line[i]) if i >= 0 else None,
    )


def _summary(tr: Track, result: TrackingResult) -> dict[str, Any]:
    d = tr.describe()
    return {
        "track_id": tr.track_id,
        "status": tr.status,
        "start": d["start"],
        "end": d["end"],
        "n_states": len(tr),
        "n_updates": tr.n_updates,
        "sources": list(tr.sources),
        "altitude": jsonable(d["altitude"]),
        "last": _state(tr, len(tr) - 1, result),
    }


def _decision(d: Decision, result: TrackingResult) -> DecisionOut:
    i = d.obs_index
    obs_id = int(result.observations.line[i]) if 0 <= i < len(result.observations) else None
    return DecisionOut(
        observation=obs_id,
        time=iso(d.time),
        kind=d.kind,
        source=d.source,
        action=d.action,
        track_id=d.track_id,
        p_same=None if d.p_track is None else _n(d.p_track, 6),
        p_new=_n(d.p_new, 6) or 0.0,
        best_track=d.best_track,
        best_p=None if d.best_p is None else _n(d.best_p, 6),
        distance_km=None if d.distance_km is None else _n(d.distance_km, 3),
        explanation=d.explanation,
    )


def _result(state: Any) -> TrackingResult | None:
    result: TrackingResult | None = state.snapshot.result
    return result


@router.get("", response_model=TrackList, responses=_AUTH)
def list_tracks(
    token: ReadToken,
    state: StateDep,
    status: Annotated[
        str | None, Query(description="Only tracks with this status (e.g. confirmed).")
    ] = None,
) -> TrackList:
    """Every track with its status, latest state and altitude estimate."""
    snap = state.snapshot
    result = snap.result
    tracks = []
    if result is not None:
        for tr in result.tracks:
            if status is None or tr.status == status:
                tracks.append(TrackSummary(**_summary(tr, result)))
    return TrackList(
        tracks=tracks,
        observations=snap.observations,
        as_of=None if snap.as_of is None else iso(snap.as_of),
        wind=state.wind.meta.source,
        catching_up=snap.catching_up,
    )


@router.get("/geojson", responses=_AUTH)
def tracks_geojson(token: ReadToken, state: StateDep) -> dict[str, Any]:
    """All tracks as a GeoJSON FeatureCollection (LineStrings with ``properties.times``, layer
    ``track``; the reports they used as Points, layer ``reports``)."""
    result = _result(state)
    if result is None:
        return {"type": "FeatureCollection", "features": []}
    fc: dict[str, Any] = jsonable(tracks_feature_collection(result))
    return fc


def _get(state: Any, track_id: int) -> tuple[Track, TrackingResult]:
    result = _result(state)
    if result is not None:
        for tr in result.tracks:
            if tr.track_id == track_id:
                return tr, result
    raise HTTPException(404, f"no track {track_id}")


@router.get("/{track_id}", response_model=TrackDetail, responses={**_AUTH, 404: {}})
def get_track(
    track_id: int,
    token: ReadToken,
    state: StateDep,
    max_states: Annotated[int, Query(ge=1, le=100_000, description="Latest states.")] = 5000,
) -> TrackDetail:
    """One track: its states, altitude estimate (with how it was obtained), the reports that
    updated it (with p(same)) and the reports judged to be a different object."""
    tr, result = _get(state, track_id)
    first = max(len(tr) - max_states, 0)
    decisions = [
        _decision(d, result)
        for d in result.decisions
        if d.track_id == track_id and d.action in ("update", "new track")
    ]
    different = [
        _decision(d, result)
        for d in result.decisions
        if d.action == "new track" and d.best_track == track_id
    ]
    return TrackDetail(
        **_summary(tr, result),
        states=[_state(tr, k, result) for k in range(first, len(tr))],
        decisions=decisions,
        same_object=different,
    )


@router.get("/{track_id}/geojson", responses={**_AUTH, 404: {}})
def track_geojson(track_id: int, token: ReadToken, state: StateDep) -> dict[str, Any]:
    """One track as GeoJSON (as ``/v1/tracks/geojson``)."""
    _get(state, track_id)
    result = _result(state)
    assert result is not None
    fc = tracks_feature_collection(result)
    fc["features"] = [f for f in fc["features"] if f["properties"].get("track_id") == track_id]
    out: dict[str, Any] = jsonable(fc)
    return out
