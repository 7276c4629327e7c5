"""API models (pydantic): what clients send and receive. Separate from the storage models
(`store.models`) and from the library's result types, which the routes translate."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ObservationIn",
    "ObservationBatch",
    "Rejection",
    "IngestReply",
    "ObservationOut",
    "ObservationList",
    "TrackSummary",
    "TrackList",
    "TrackDetail",
    "PredictionIn",
    "EngagementIn",
    "JobOut",
    "ErrorOut",
    "AuditOut",
    "AuditList",
    "Health",
    "TrackerHealth",
]

Kind = Literal["fix", "aprs", "report", "sighting", "radar"]


class ObservationIn(BaseModel):
    """One report, with the field names of the CSV columns the readers take.

    Positional kinds (``fix``, ``aprs``, ``report``) give ``lat``/``lon``; a fix its
    ``sigma_m`` (default 50 m), a public report its 95 % ``radius_km``. An ``aprs`` report may
    instead carry the raw TNC2 ``packet`` (decoded by the APRS reader; ``time`` is then the
    receive time, optional when the packet has its own timestamp). ``sighting`` and ``radar``
    give the observer and ``az_deg``/``el_deg`` (radar also ``range_m``).
    """

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Client id: posting the same id again stores the report once.",
    )
    kind: Kind = "fix"
    time: str | None = Field(default=None, max_length=64, description="ISO 8601 UTC time.")
    lat: float | None = Field(default=None, description="Degrees north.")
    lon: float | None = Field(default=None, description="Degrees east (-180..360).")
    alt: float | None = Field(default=None, description="m above MSL.")
    sigma_m: float | None = Field(default=None, description="Horizontal one-sigma, m (fix).")
    sigma_alt_m: float | None = Field(default=None, description="Altitude one-sigma, m.")
    time_sigma_s: float | None = Field(default=None, description="Time one-sigma, s (fix).")
    radius_km: float | None = Field(default=None, description="95 % radius, km (report).")
    time_uncertainty_h: float | None = Field(
        default=None, description="Time one-sigma, h (report)."
    )
    alt_uncertainty_m: float | None = Field(
        default=None, description="Altitude one-sigma, m (report)."
    )
    observer_lat: float | None = Field(default=None, description="Sighting/radar: degrees.")
    observer_lon: float | None = Field(default=None, description="Sighting/radar: degrees.")
    observer_alt: float | None = Field(default=None, description="Sighting/radar: m above MSL.")
    az_deg: float | None = Field(default=None, description="Azimuth from true north, degrees.")
    el_deg: float | None = Field(default=None, description="Elevation, degrees.")
    sigma_deg: float | None = Field(default=None, description="One-sigma of az and el, deg.")
    range_m: float | None = Field(default=None, description="Radar slant range, m.")
    sigma_range_m: float | None = Field(default=None, description="Radar range one-sigma, m.")
    packet: str | None = Field(
        default=None, max_length=512, description="APRS: raw TNC2 packet (one line)."
    )
    source: str | None = Field(default=None, max_length=200, description="Sensor / observer.")
    description: str | None = Field(default=None, max_length=2000)


class ObservationBatch(BaseModel):
    """``POST /v1/observations`` body."""

    model_config = ConfigDict(extra="forbid")

    observations: list[ObservationIn] = Field(description="Reports, any kinds mixed.")


class Rejection(BaseModel):
    """A report that was not stored, and why (the reader's message)."""

    index: int = Field(description="Position in the posted list (0-based).")
    id: str | None = None
    reason: str


class IngestReply(BaseModel):
    """What was done with a batch. ``accepted`` and ``duplicates`` count reports; ``ids``
    lists the client ids of the accepted ones (server-made when not given)."""

    accepted: int
    duplicates: int
    rejected: list[Rejection]
    ids: list[str]
    duplicate_ids: list[str]


class ObservationOut(BaseModel):
    """A stored report: its ids, when it was received, the normalised position, and the
    report exactly as posted."""

    id: str
    store_id: int
    received_at: str
    time: str
    kind: str
    source: str
    lat: float | None
    lon: float | None
    alt: float | None
    sigma_h_m: float | None
    report: dict[str, Any]


class ObservationList(BaseModel):
    observations: list[ObservationOut]
    next_after: int | None = Field(
        default=None, description="Pass as ``after`` for the next page (None: last page)."
    )


class TrackState(BaseModel):
    time: str
    lat: float
    lon: float
    alt: float | None
    sigma_e_m: float | None
    sigma_n_m: float | None
    sigma_alt_m: float | None
    ve: float | None
    vn: float | None
    vz: float | None
    wind_u: float | None
    wind_v: float | None
    observation: int | None = Field(description="Store id of the report that updated it.")


class TrackSummary(BaseModel):
    track_id: int
    status: str
    start: str
    end: str
    n_states: int
    n_updates: int
    sources: list[str]
    altitude: dict[str, Any]
    last: TrackState


class TrackList(BaseModel):
    tracks: list[TrackSummary]
    observations: int = Field(description="Reports the tracker has taken.")
    as_of: str | None = Field(description="Time of the last report tracked.")
    wind: str
    catching_up: bool = Field(description="Stored reports still being replayed (start-up).")


class DecisionOut(BaseModel):
    observation: int | None = Field(description="Store id of the report.")
    time: str
    kind: str
    source: str
    action: str
    track_id: int | None
    p_same: float | None
    p_new: float
    best_track: int | None
    best_p: float | None
    distance_km: float | None
    explanation: str


class TrackDetail(TrackSummary):
    states: list[TrackState]
    decisions: list[DecisionOut] = Field(description="Reports that updated this track.")
    same_object: list[DecisionOut] = Field(
        description="Reports judged a different object than this track (p(same) per report)."
    )


class PredictionIn(BaseModel):
    """The options of `stratowatch.predict.predict`, as JSON. With ``track_id`` the start
    (time, position, altitude estimate) is that track's latest state unless given."""

    model_config = ConfigDict(extra="forbid")

    time: str | None = Field(default=None, max_length=64)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=360)
    alt: float | None = Field(default=None, ge=-500, le=100_000)
    track_id: int | None = Field(default=None, ge=0)
    profile: Literal["float", "standard", "descent", "fall"] = "float"
    hours: float = Field(default=48.0, gt=0)
    members: int = Field(default=1, ge=1)
    float_alt: float | None = Field(default=None, ge=-500, le=100_000)
    float_pressure: float | None = Field(default=None, gt=0, le=110_000)
    ascent_rate: float = Field(default=5.0, gt=0, le=100)
    burst_alt: float = Field(default=30_000.0, ge=-500, le=100_000)
    descent_rate: float = Field(default=5.0, gt=0, le=500)
    beta: float | None = Field(default=None, gt=0, le=1e6)
    wind_sigma: float | None = Field(default=None, ge=0, le=50)
    alt_sigma: float = Field(default=0.0, ge=0, le=20_000)
    pos_sigma_m: float = Field(default=0.0, ge=0, le=1e6)
    time_sigma_s: float = Field(default=0.0, ge=0, le=86_400)
    backward: bool = False
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    output_step_s: float = Field(default=600.0, ge=10, le=86_400)
    ground: float = Field(default=0.0, ge=-500, le=9_000)


class EngagementIn(BaseModel):
    """Engagement windows from a track's latest state (``track_id``) or a point, predicted
    forward ``hours`` (the options of `stratowatch.assess.planner.engage`)."""

    model_config = ConfigDict(extra="forbid")

    track_id: int | None = Field(default=None, ge=0)
    time: str | None = Field(default=None, max_length=64)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=360)
    alt: float | None = Field(default=None, ge=0, le=60_000)
    hours: float = Field(default=48.0, ge=0)
    every_min: float = Field(default=10.0, ge=1, le=1440)
    threshold: float = Field(default=1e-4, gt=0, le=1)
    own: str | None = Field(default="US", max_length=3)
    members: int = Field(default=10, ge=1, le=200)
    samples: int = Field(default=4, ge=1, le=50)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    sheltering: float = Field(default=0.0, ge=0, le=1)
    footprint: bool = False


class JobOut(BaseModel):
    """A prediction or engagement job: ``queued`` -> ``running`` -> ``done`` | ``failed``."""

    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    request: dict[str, Any]
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: str | None
    note: str
    attempts: int
    result: dict[str, Any] | None = Field(
        description="When done: the summary, median path, regions and member end points "
        "(predictions) or the windows and recommendation (engagements)."
    )
    links: dict[str, str]


class ErrorOut(BaseModel):
    detail: Any
    type: str | None = None


class AuditOut(BaseModel):
    id: int
    at: str
    token_id: int | None
    token_name: str
    action: str
    detail: dict[str, Any]


class AuditList(BaseModel):
    entries: list[AuditOut]
    next_after: int | None = None


class TrackerHealth(BaseModel):
    """The live tracker's process: ``running`` or ``starting`` (replaying the store), its
    process id, and the reports handed to it that it has not taken yet."""

    status: str
    pid: int | None
    pending: int


class Health(BaseModel):
    status: str
    database: str
    observations: int
    wind: str
    jobs_workers: int
    tracker: TrackerHealth
