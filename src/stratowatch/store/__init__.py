"""Persistence for the service: observations, tokens, the audit log and jobs, in SQLite (WAL,
default) or PostgreSQL, with Alembic migrations shipped in the package (`store.migrate`)."""

from __future__ import annotations

from .store import (
    AddResult,
    AuditEntry,
    JobInfo,
    Scope,
    Store,
    StoredObservation,
    TokenInfo,
    database_url,
    hash_token,
)

__all__ = [
    "AddResult",
    "AuditEntry",
    "JobInfo",
    "Scope",
    "Store",
    "StoredObservation",
    "TokenInfo",
    "database_url",
    "hash_token",
]
