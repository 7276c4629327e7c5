"""Fixtures of the service tests: an in-process app (TestClient, its lifespan running) on a
temporary SQLite database, with a write and a read token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stratowatch.service import Settings, create_app
from stratowatch.service.state import ServiceState
from stratowatch.store import Store


@dataclass
class Svc:
    client: TestClient
    write: str
    read: str
    state: ServiceState
    db: str

    def h(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.write}"}

    def post_obs(self, reports: list[dict[str, Any]], token: str | None = None) -> Any:
        # json.dumps writes NaN/Infinity as JavaScript does: a client may send them
        return self.client.post(
            "/v1/observations",
            content=json.dumps({"observations": reports}),
            headers={**self.h(token), "content-type": "application/json"},
        )


@pytest.fixture(scope="session")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Svc]:
    folder = tmp_path_factory.mktemp("service")
    db = f"sqlite:///{folder / 'sw.db'}"
    store = Store(db)
    write, _ = store.create_token(scope="write", name="test writer")
    read, _ = store.create_token(scope="read", name="test reader")
    store.close()
    app = create_app(Settings(db=db, workers=1, max_batch=500, max_body_bytes=1_000_000))
    with TestClient(app) as client:
        yield Svc(client, write, read, app.state.service, db)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return Path(__file__).with_name("fixtures")
