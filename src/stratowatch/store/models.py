"""Storage models (SQLAlchemy 2 declarative tables), separate from the service's API models.

Times are stored as epoch seconds (double precision) so that SQLite and PostgreSQL hold the
same values; the API converts them to ISO 8601 at the edge. Missing numbers are NULL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "ObservationRow", "TokenRow", "AuditRow", "JobRow", "OBS_FLOAT_COLUMNS"]

# the SI columns of `track.Observations` kept per stored report (range is a SQL keyword)
OBS_FLOAT_COLUMNS = (
    "time_sigma",
    "lat",
    "lon",
    "alt",
    "sigma_h",
    "sigma_alt",
    "sensor_lat",
    "sensor_lon",
    "sensor_alt",
    "az",
    "el",
    "range_m",
    "sigma_ang",
    "sigma_range",
)


class Base(DeclarativeBase):
    """Declarative base of every stratowatch table."""


class TokenRow(Base):
    """An API token: only its SHA-256 hash is stored, never the token."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float] = mapped_column(Double)
    revoked_at: Mapped[float | None] = mapped_column(Double, nullable=True)


class ObservationRow(Base):
    """One stored report: the converted SI row the tracker uses, and the report as posted."""

    __tablename__ = "observations"
    __table_args__ = (
        Index("ix_observations_time", "time"),
        Index("ix_observations_source", "source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(200), unique=True)
    received_at: Mapped[float] = mapped_column(Double)
    time: Mapped[float] = mapped_column(Double)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200))
    time_sigma: Mapped[float | None] = mapped_column(Double, nullable=True)
    lat: Mapped[float | None] = mapped_column(Double, nullable=True)
    lon: Mapped[float | None] = mapped_column(Double, nullable=True)
    alt: Mapped[float | None] = mapped_column(Double, nullable=True)
    sigma_h: Mapped[float | None] = mapped_column(Double, nullable=True)
    sigma_alt: Mapped[float | None] = mapped_column(Double, nullable=True)
    sensor_lat: Mapped[float | None] = mapped_column(Double, nullable=True)
    sensor_lon: Mapped[float | None] = mapped_column(Double, nullable=True)
    sensor_alt: Mapped[float | None] = mapped_column(Double, nullable=True)
    az: Mapped[float | None] = mapped_column(Double, nullable=True)
    el: Mapped[float | None] = mapped_column(Double, nullable=True)
    range_m: Mapped[float | None] = mapped_column(Double, nullable=True)
    sigma_ang: Mapped[float | None] = mapped_column(Double, nullable=True)
    sigma_range: Mapped[float | None] = mapped_column(Double, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), nullable=True)


class AuditRow(Base):
    """Who wrote what, and when: one row per write, committed with the write itself."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Double)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), nullable=True)
    token_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class JobRow(Base):
    """A prediction or engagement job: its request, status and (when done) result."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Double)
    started_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), nullable=True)
