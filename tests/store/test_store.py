"""The store on SQLite and on a real PostgreSQL server: migrations, tokens (hash only), client-id
deduplication under concurrency, the audit log and job recovery."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from stratowatch.errors import ConfigError, InputError
from stratowatch.store import Store, hash_token
from stratowatch.store.migrate import current_revision, head_revision


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'sw.db'}"
    url: str = request.getfixturevalue("postgres_db")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def store(db_url: str) -> Any:
    s = Store(db_url)
    yield s
    s.close()


def _row(cid: str | None, t: float = 1.0e9) -> dict[str, Any]:
    return {"client_id": cid, "time": t, "kind": "fix", "source": "test", "lat": 45.0,
            "lon": -100.0, "alt": 18000.0, "sigma_h": 50.0, "report": {"id": cid}}  # fmt: skip


def test_migrations_reach_head_and_are_idempotent(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    assert store.upgrade() == head_revision()  # a second run changes nothing
    tables = set(inspect(store.engine).get_table_names())
    assert {"observations", "tokens", "audit", "jobs", "alembic_version"} <= tables


def test_sqlite_is_wal_with_full_sync(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'x.db'}")
    with s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    s.close()


def test_tokens_are_stored_as_hashes_only(store: Store) -> None:
    token, info = store.create_token(scope="read", name="analyst")
    assert token.startswith("sw_") and len(token) > 40
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM tokens")).mappings().all()
    assert len(rows) == 1
    assert token not in {str(v) for v in rows[0].values()}
    assert rows[0]["token_hash"] == hash_token(token)
    found = store.verify_token(token)
    assert found is not None and found.scope == "read" and found.allows("read")
    assert not found.allows("write")
    assert store.verify_token(token + "x") is None
    assert store.revoke_token(info.id)
    assert store.verify_token(token) is None
    assert not store.revoke_token(info.id)
    with pytest.raises(InputError, match="scope"):
        store.create_token(scope="admin")


def test_same_client_id_is_stored_once(store: Store) -> None:
    _, tok = store.create_token(scope="write", name="feed")
    first = store.add_observations([_row("a"), _row("b"), _row("a")], token=tok)
    assert [c for c, _ in first.accepted] == ["a", "b"] and first.duplicates == ["a"]
    again = store.add_observations([_row("b"), _row(None)], token=tok)
    assert again.duplicates == ["b"] and len(again.accepted) == 1
    assert store.count_observations() == 3
    assert [o.client_id for o in store.get_observations(client_id=["a", "b"])] == ["a", "b"]
    # every write is audited: who, when, what
    log = [e for e in store.audit_log() if e.action == "observations.create"]
    assert [e.detail["accepted"] for e in log] == [2, 1]
    assert {e.token_name for e in log} == {"feed"} and all(e.at > 1.7e9 for e in log)


def test_concurrent_writers_store_each_id_exactly_once(store: Store) -> None:
    # 4 threads post overlapping batches: every id ends up stored exactly once
    ids = [f"id{i}" for i in range(200)]
    errors: list[BaseException] = []

    def post(k: int) -> None:
        try:
            for a in range(0, 200, 20):
                batch = ids[a : a + 20] if k % 2 == 0 else ids[a : a + 20][::-1]
                store.add_observations([_row(c, 1.0e9 + a) for c in batch], token=None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = [o.client_id for o in store.get_observations(limit=10_000)]
    assert sorted(got) == sorted(ids)


def test_filters_and_keyset_pages(store: Store) -> None:
    rows = [_row(f"r{i}", 1.0e9 + i) for i in range(10)]
    rows[3]["source"] = "other"
    store.add_observations(rows, token=None)
    assert [o.client_id for o in store.get_observations(source="other")] == ["r3"]
    assert len(store.get_observations(start=1.0e9 + 5, end=1.0e9 + 7)) == 3
    page1 = store.get_observations(limit=4)
    page2 = store.get_observations(after_id=page1[-1].id, limit=4)
    assert [o.client_id for o in page1 + page2] == [f"r{i}" for i in range(8)]


def test_jobs_are_claimed_once_and_recovered_after_a_crash(store: Store) -> None:
    job = store.create_job(kind="prediction", request={"members": 1}, token=None)
    assert store.queued_jobs() == [job.id]
    assert store.claim_job(job.id) is not None
    assert store.claim_job(job.id) is None  # one claimant wins
    # the server dies while it runs: the next start queues it again
    assert store.recover_jobs() == ([job.id], [])
    got = store.get_job(job.id)
    assert got is not None and got.status == "queued" and "re-queued" in got.note
    assert store.claim_job(job.id) is not None
    # ... and a job interrupted twice is failed, not retried forever
    assert store.recover_jobs() == ([], [job.id])
    got = store.get_job(job.id)
    assert got is not None and got.status == "failed" and "interrupted" in (got.error or "")
    done = store.create_job(kind="prediction", request={}, token=None)
    store.claim_job(done.id)
    store.finish_job(done.id, result={"ok": 1})
    assert store.get_job(done.id).result == {"ok": 1}  # type: ignore[union-attr]


def test_bad_database_urls_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        Store("::nonsense::")
    with pytest.raises(ConfigError, match="unsupported database"):
        Store("mysql://u@localhost/x")
    with pytest.raises(ConfigError, match="cannot open the database"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none")
