"""`Store`: the service's database (SQLite by default, PostgreSQL for teams), one schema.

Every write is one transaction that also appends its audit row, committed before the caller
acknowledges it. SQLite runs in WAL mode with ``synchronous=FULL`` (a committed transaction is
on disk, [SQLITEWAL]_); PostgreSQL commits are durable by default. Observations carry a
client ``id`` that is unique in the store: posting the same id again stores nothing and is
reported as a duplicate, so a client may safely retry a batch whose reply it never received.

Returned values are plain frozen dataclasses (`TokenInfo`, `StoredObservation`, `JobInfo`,
`AuditEntry`): callers never hold ORM objects or sessions.
"""

from __future__ import annotations

import hashlib
import math
import queue
import secrets
import threading
import time as _time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Engine, Table, create_engine, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from ..errors import ConfigError, InputError
from .models import OBS_FLOAT_COLUMNS, AuditRow, JobRow, ObservationRow, TokenRow

__all__ = [
    "Store",
    "TokenInfo",
    "StoredObservation",
    "AddResult",
    "JobInfo",
    "AuditEntry",
    "Scope",
    "database_url",
    "hash_token",
]

Scope = Literal["read", "write"]
SCOPES: tuple[str, ...] = ("read", "write")
JOB_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed")


def database_url(db: str | None, *, data_dir: str | Path = "stratowatch-data") -> str:
    """The SQLAlchemy URL for ``db``: a URL as given (``postgresql://...`` uses psycopg 3,
    ``sqlite:///path``), a file path (SQLite), or None: ``<data_dir>/stratowatch.db``."""
    if db is None or db == "":
        folder = Path(data_dir)
        return f"sqlite:///{(folder / 'stratowatch.db').as_posix()}"
    if "://" not in db:
        return f"sqlite:///{Path(db).as_posix()}"
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    return db


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token. Tokens are 256-bit random strings, so a fast hash is
    enough: there is no password to guess from a stolen hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """An API token's identity (never the token itself)."""

    id: int
    name: str
    scope: str
    prefix: str
    created_at: float
    revoked_at: float | None = None

    def allows(self, needed: str) -> bool:
        """A write token may also read."""
        return self.revoked_at is None and (self.scope == "write" or needed == "read")


@dataclass(frozen=True)
class StoredObservation:
    """A stored report: its store id, client id, the SI row and the report as posted."""

    id: int
    client_id: str
    received_at: float
    time: float
    kind: str
    source: str
    values: dict[str, float]
    text: str
    report: dict[str, Any]

    def tracker_row(self) -> dict[str, object]:
        """The row for `track.make_observations` (NaN for missing numbers; ``line`` carries
        the store id so that decisions can name the stored report)."""
        row: dict[str, object] = {k: v for k, v in self.values.items() if k != "range_m"}
        row["range"] = self.values.get("range_m", math.nan)
        ts = row.get("time_sigma", math.nan)
        row["time_sigma"] = 0.0 if not math.isfinite(ts) else ts  # type: ignore[arg-type]
        row.update(time=self.time, kind=self.kind, source=self.source, text=self.text)
        row["line"] = self.id
        row["path"] = "store"
        return row


@dataclass(frozen=True)
class AddResult:
    """What `Store.add_observations` did: ``accepted`` (client id, store id) pairs in input
    order and the client ids that were already stored (or repeated in the batch)."""

    accepted: list[tuple[str, int]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    stored: list[StoredObservation] = field(default_factory=list)


@dataclass(frozen=True)
class JobInfo:
    """A job's status and, when done, its result."""

    id: str
    kind: str
    status: str
    request: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    note: str
    attempts: int
    created_at: float
    started_at: float | None
    finished_at: float | None


@dataclass(frozen=True)
class AuditEntry:
    """One audited write."""

    id: int
    at: float
    token_id: int | None
    token_name: str
    action: str
    detail: dict[str, Any]


class _GroupWriter:
    """Group commit: writes submitted by concurrent threads are applied by one writer thread,
    each in its own savepoint, and committed together; each caller returns after the commit
    that holds its write. One commit (one fsync) serves many requests, and SQLite writers
    never wait on each other's locks."""

    def __init__(self, store: Store, *, max_group: int = 64) -> None:
        self.store = store
        self.max_group = max_group
        self._q: queue.Queue[tuple[Callable[[Session], None], Future[None]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, fn: Callable[[Session], None]) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="stratowatch-store-writer", daemon=True
                )
                self._thread.start()
        fut: Future[None] = Future()
        self._q.put((fn, fut))
        fut.result()

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._q.put(None)
                self._thread.join(timeout=10.0)
                self._thread = None

    def _loop(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            group = [item]
            stop = False
            while len(group) < self.max_group:
                try:
                    more = self._q.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            self._apply(group)
            if stop:
                return

    def _apply(self, group: list[tuple[Callable[[Session], None], Future[None]]]) -> None:
        errors: dict[int, BaseException] = {}
        try:
            with self.store.session() as s:
                for k, (fn, _) in enumerate(group):
                    sp = s.begin_nested()
                    try:
                        fn(s)
                        sp.commit()
                    except Exception as exc:  # this write only: the others go on
                        sp.rollback()
                        errors[k] = exc
        except Exception as exc:  # the commit failed: nothing of the group is stored
            for _, fut in group:
                fut.set_exception(exc)
            return
        for k, (_, fut) in enumerate(group):
            if k in errors:
                fut.set_exception(errors[k])
            else:
                fut.set_result(None)


def _finite_or_none(value: object) -> float | None:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _obs_info(r: ObservationRow) -> StoredObservation:
    values = {}
    for name in OBS_FLOAT_COLUMNS:
        v = getattr(r, name)
        values[name] = math.nan if v is None else float(v)
    return StoredObservation(
        id=r.id,
        client_id=r.client_id,
        received_at=r.received_at,
        time=r.time,
        kind=r.kind,
        source=r.source,
        values=values,
        text=r.text or "",
        report=dict(r.report or {}),
    )


def _job_info(r: JobRow) -> JobInfo:
    return JobInfo(
        id=r.id,
        kind=r.kind,
        status=r.status,
        request=dict(r.request or {}),
        result=None if r.result is None else dict(r.result),
        error=r.error,
        note=r.note or "",
        attempts=r.attempts,
        created_at=r.created_at,
        started_at=r.started_at,
        finished_at=r.finished_at,
    )


def _token_info(r: TokenRow) -> TokenInfo:
    return TokenInfo(r.id, r.name, r.scope, r.prefix, r.created_at, r.revoked_at)


class Store:
    """The database behind the service.

    Parameters
    ----------
    url : a SQLAlchemy URL (see `database_url`); SQLite files get their folder created.
    upgrade : run the Alembic migrations to the newest schema first (default).
    """

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(
                f"not a database URL: {url!r}; expected sqlite:///PATH or postgresql://..."
            ) from None
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ConfigError(
                f"unsupported database {self.dialect!r}; expected SQLite or PostgreSQL"
            )
        if self.dialect == "sqlite":
            db = parsed.database or ""
            if db and db != ":memory:":
                Path(db).parent.mkdir(parents=True, exist_ok=True)
            # a pool of connections, each used by one thread at a time; WAL readers never
            # block the writer, and writers queue on the busy timeout
            self.engine: Engine = create_engine(
                url,
                poolclass=QueuePool,
                pool_size=8,
                max_overflow=24,
                connect_args={"timeout": 30.0, "check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = _GroupWriter(self)
        self._token_cache: dict[str, tuple[float, TokenInfo | None]] = {}
        ins = sqlite.insert if self.dialect == "sqlite" else postgresql.insert
        table = cast(Table, ObservationRow.__table__)
        self._insert_audit = insert(cast(Table, AuditRow.__table__))
        self._insert_obs = (
            ins(table)
            .on_conflict_do_nothing(index_elements=["client_id"])
            .returning(table.c.client_id, table.c.id)
        )
        try:
            if upgrade:
                self.upgrade()
        except OperationalError as exc:
            self.engine.dispose()
            raise ConfigError(f"cannot open the database {self.display_url}: {exc.orig}") from None

    @property
    def display_url(self) -> str:
        """The URL without its password."""
        return make_url(self.url).render_as_string(hide_password=True)

    def upgrade(self) -> str:
        """Migrate the schema to the newest revision (Alembic); returns the revision."""
        from .migrate import upgrade

        return upgrade(self.engine)

    def close(self) -> None:
        self._writer.close()
        self.engine.dispose()

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error. On SQLite a
        write transaction takes the write lock at its start (``BEGIN IMMEDIATE``), so that
        concurrent writers wait for each other (busy timeout) instead of failing."""
        with self._session() as s:
            if self.dialect == "sqlite":
                s.connection(execution_options={"sqlite_immediate": write})
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    # --- tokens ------------------------------------------------------------------------------
    def create_token(self, *, scope: str, name: str = "") -> tuple[str, TokenInfo]:
        """A new random token with ``scope`` (read or write); returns the token (shown once)
        and its stored identity."""
        if scope not in SCOPES:
            raise InputError(
                "unknown token scope", field="scope", value=scope, expected="read or write"
            )
        token = "sw_" + secrets.token_urlsafe(32)
        now = _time.time()
        with self.session() as s:
            row = TokenRow(
                name=name or f"{scope} token",
                scope=scope,
                token_hash=hash_token(token),
                prefix=token[:10],
                created_at=now,
            )
            s.add(row)
            s.flush()
            s.add(
                AuditRow(
                    at=now,
                    token_id=None,
                    token_name="(command line)",
                    action="token.create",
                    detail={"token_id": row.id, "scope": scope, "name": row.name},
                )
            )
            info = _token_info(row)
        return token, info

    def verify_token(self, token: str, *, max_age: float = 0.0) -> TokenInfo | None:
        """The identity of ``token`` if it exists and is not revoked. With ``max_age`` > 0 an
        answer up to that many seconds old may be reused (a revocation then takes effect
        within ``max_age``)."""
        hit = self.cached_token(token, max_age=max_age)
        if hit is not None:
            return hit[0]
        digest = hash_token(token)
        now = _time.monotonic()
        with self.session(write=False) as s:
            row = s.scalar(select(TokenRow).where(TokenRow.token_hash == digest))
            info = None if row is None or row.revoked_at is not None else _token_info(row)
        if len(self._token_cache) > 10_000:
            self._token_cache.clear()
        self._token_cache[digest] = (now, info)
        return info

    def cached_token(self, token: str, *, max_age: float) -> tuple[TokenInfo | None] | None:
        """``(identity,)`` when `verify_token` has an answer for ``token`` at most ``max_age``
        seconds old (no database access), else None."""
        if max_age <= 0.0:
            return None
        hit = self._token_cache.get(hash_token(token))
        if hit is not None and _time.monotonic() - hit[0] <= max_age:
            return (hit[1],)
        return None

    def list_tokens(self) -> list[TokenInfo]:
        with self.session(write=False) as s:
            return [_token_info(r) for r in s.scalars(select(TokenRow).order_by(TokenRow.id))]

    def revoke_token(self, token_id: int) -> bool:
        """Revoke a token by id; False when there is no such live token."""
        now = _time.time()
        with self.session() as s:
            n = s.execute(
                update(TokenRow)
                .where(TokenRow.id == token_id, TokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount  # type: ignore[attr-defined]
            if n:
                s.add(
                    AuditRow(
                        at=now,
                        token_id=None,
                        token_name="(command line)",
                        action="token.revoke",
                        detail={"token_id": token_id},
                    )
                )
        return bool(n)

    # --- observations ------------------------------------------------------------------------
    def add_observations(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        token: TokenInfo | None,
        rejected: int = 0,
    ) -> AddResult:
        """Store ``rows`` (dicts with ``client_id`` (None: a new unique id), ``time``,
        ``kind``, ``source``, the SI float columns, ``text`` and ``report``) in one
        transaction with its audit row. Rows whose client id is stored already, or repeated
        earlier in the batch, are duplicates."""
        now = _time.time()
        values: list[dict[str, Any]] = []
        seen: set[str] = set()
        duplicates: list[str] = []
        for r in rows:
            cid = r.get("client_id") or uuid.uuid4().hex
            if cid in seen:
                duplicates.append(cid)
                continue
            seen.add(cid)
            v: dict[str, Any] = {
                "client_id": cid,
                "received_at": now,
                "time": float(r["time"]),
                "kind": str(r["kind"]),
                "source": str(r.get("source", "")),
                "text": str(r.get("text", "")),
                "report": r.get("report") or {},
                "token_id": None if token is None else token.id,
            }
            for name in OBS_FLOAT_COLUMNS:
                v[name] = _finite_or_none(r.get(name))
            values.append(v)
        accepted: dict[str, int] = {}

        def write(s: Session) -> None:
            if values:
                # one cached statement, executed for many rows (compiled once)
                for cid, oid in s.connection().execute(self._insert_obs, values):
                    accepted[cid] = oid
            dups = [v["client_id"] for v in values if v["client_id"] not in accepted]
            ids = sorted(accepted.values())
            s.connection().execute(
                self._insert_audit,
                {
                    "at": now,
                    "token_id": None if token is None else token.id,
                    "token_name": "(none)" if token is None else token.name,
                    "action": "observations.create",
                    "detail": {
                        "accepted": len(accepted),
                        "duplicates": len(duplicates) + len(dups),
                        "rejected": rejected,
                        "ids": ids[:1000],
                        "client_ids": list(accepted)[:1000],
                    },
                },
            )

        self._writer.run(write)
        duplicates += [v["client_id"] for v in values if v["client_id"] not in accepted]
        ordered: list[tuple[str, int]] = []
        stored: list[StoredObservation] = []
        for v in values:
            got = accepted.get(v["client_id"])
            if got is None:
                continue
            ordered.append((v["client_id"], got))
            stored.append(
                StoredObservation(
                    id=got,
                    client_id=v["client_id"],
                    received_at=now,
                    time=v["time"],
                    kind=v["kind"],
                    source=v["source"],
                    values={
                        n: math.nan if v[n] is None else float(v[n]) for n in OBS_FLOAT_COLUMNS
                    },
                    text=v["text"],
                    report=v["report"],
                )
            )
        return AddResult(accepted=ordered, duplicates=duplicates, stored=stored)

    def get_observations(
        self,
        *,
        client_id: Sequence[str] | None = None,
        start: float | None = None,
        end: float | None = None,
        source: str | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[StoredObservation]:
        """Stored reports by client id(s), time range (epoch s, inclusive), source; in store
        order after ``after_id`` (keyset pagination), at most ``limit``."""
        q = select(ObservationRow).where(ObservationRow.id > after_id)
        if client_id:
            q = q.where(ObservationRow.client_id.in_(list(client_id)))
        if start is not None:
            q = q.where(ObservationRow.time >= start)
        if end is not None:
            q = q.where(ObservationRow.time <= end)
        if source is not None:
            q = q.where(ObservationRow.source == source)
        q = q.order_by(ObservationRow.id).limit(max(int(limit), 0))
        with self.session(write=False) as s:
            return [_obs_info(r) for r in s.scalars(q)]

    def count_observations(self) -> int:
        with self.session(write=False) as s:
            return int(s.scalar(select(func.count()).select_from(ObservationRow)) or 0)

    # --- audit -------------------------------------------------------------------------------
    def record(self, *, token: TokenInfo | None, action: str, detail: dict[str, Any]) -> None:
        """Append one audit row on its own."""
        with self.session() as s:
            s.add(
                AuditRow(
                    at=_time.time(),
                    token_id=None if token is None else token.id,
                    token_name="(none)" if token is None else token.name,
                    action=action,
                    detail=detail,
                )
            )

    def audit_log(self, *, after_id: int = 0, limit: int = 100) -> list[AuditEntry]:
        q = select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id).limit(limit)
        with self.session(write=False) as s:
            return [
                AuditEntry(r.id, r.at, r.token_id, r.token_name, r.action, dict(r.detail or {}))
                for r in s.scalars(q)
            ]

    # --- jobs --------------------------------------------------------------------------------
    def create_job(self, *, kind: str, request: dict[str, Any], token: TokenInfo | None) -> JobInfo:
        """A queued job, audited in the same transaction."""
        now = _time.time()
        job_id = uuid.uuid4().hex
        with self.session() as s:
            row = JobRow(
                id=job_id,
                kind=kind,
                status="queued",
                request=request,
                note="",
                attempts=0,
                created_at=now,
                token_id=None if token is None else token.id,
            )
            s.add(row)
            s.add(
                AuditRow(
                    at=now,
                    token_id=None if token is None else token.id,
                    token_name="(none)" if token is None else token.name,
                    action=f"{kind}s.create",
                    detail={"job_id": job_id, "request": request},
                )
            )
            info = _job_info(row)
        return info

    def get_job(self, job_id: str, *, kind: str | None = None) -> JobInfo | None:
        with self.session(write=False) as s:
            row = s.get(JobRow, job_id)
            if row is None or (kind is not None and row.kind != kind):
                return None
            return _job_info(row)

    def list_jobs(self, *, kind: str, limit: int = 100) -> list[JobInfo]:
        q = (
            select(JobRow)
            .where(JobRow.kind == kind)
            .order_by(JobRow.created_at.desc())
            .limit(limit)
        )
        with self.session(write=False) as s:
            return [_job_info(r) for r in s.scalars(q)]

    def queued_jobs(self) -> list[str]:
        """Ids of queued jobs, oldest first."""
        q = select(JobRow.id).where(JobRow.status == "queued").order_by(JobRow.created_at)
        with self.session(write=False) as s:
            return list(s.scalars(q))

    def claim_job(self, job_id: str) -> JobInfo | None:
        """Mark a queued job running (one claimant wins); None if it was not queued."""
        with self.session() as s:
            n = s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == "queued")
                .values(status="running", started_at=_time.time(), attempts=JobRow.attempts + 1)
            ).rowcount  # type: ignore[attr-defined]
            if not n:
                return None
            row = s.get(JobRow, job_id)
            assert row is not None
            return _job_info(row)

    def finish_job(
        self, job_id: str, *, result: dict[str, Any] | None = None, error: str | None = None
    ) -> None:
        """Record a running job's result (done) or error (failed)."""
        with self.session() as s:
            s.execute(
                update(JobRow)
                .where(JobRow.id == job_id)
                .values(
                    status="failed" if error is not None else "done",
                    result=result,
                    error=error,
                    finished_at=_time.time(),
                )
            )

    def recover_jobs(self, *, max_attempts: int = 2) -> tuple[list[str], list[str]]:
        """After a restart: jobs left ``running`` by a process that died are queued again
        (the runs are deterministic given their seed) until they have been started
        ``max_attempts`` times, then marked failed. Returns (requeued, failed) ids."""
        requeued: list[str] = []
        failed: list[str] = []
        now = _time.time()
        with self.session() as s:
            for row in s.scalars(select(JobRow).where(JobRow.status == "running")):
                if row.attempts < max_attempts:
                    row.status = "queued"
                    row.note = (row.note + " " if row.note else "") + (
                        f"re-queued after the server stopped during attempt {row.attempts}"
                    )
                    requeued.append(row.id)
                else:
                    row.status = "failed"
                    row.error = (
                        f"interrupted by a server stop {row.attempts} time(s); not retried again"
                    )
                    row.finished_at = now
                    failed.append(row.id)
        return requeued, failed


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # transactions are begun explicitly (see _sqlite_begin), not by the driver
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
