"""Shared fixtures. Real data lives in ../shared/data (relative to the project root)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STRATOWATCH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _require(env: str) -> bool:
    return os.environ.get(env, "") not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; skips when absent, fails when STRATOWATCH_REQUIRE_SHARED=1."""
    if not SHARED.is_dir():
        if _require("STRATOWATCH_REQUIRE_SHARED"):
            pytest.fail(f"shared data folder {SHARED} is missing and STRATOWATCH_REQUIRE_SHARED=1")
        pytest.skip(f"shared data folder {SHARED} not present")
    return SHARED


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """A Chromium executable; skips when absent, fails when STRATOWATCH_REQUIRE_BROWSER=1."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if _require("STRATOWATCH_REQUIRE_BROWSER"):
        pytest.fail(
            "no Chromium found and STRATOWATCH_REQUIRE_BROWSER=1 (apt-get install chromium)"
        )
    pytest.skip("no Chromium found")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One `stratowatch demo` run per test session: (output folder, CliRunner result), shared
    by tests/test_demo.py and the browser test."""
    from typer.testing import CliRunner

    from stratowatch.cli.main import app

    out = tmp_path_factory.mktemp("demo") / "out"
    return out, CliRunner().invoke(app, ["demo", "--out", str(out)])


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of a PostgreSQL server for the store and service tests (STRATOWATCH_TEST_POSTGRES_URL,
    e.g. as .ci/run starts one); skips when unset, fails when STRATOWATCH_REQUIRE_POSTGRES=1."""
    url = os.environ.get("STRATOWATCH_TEST_POSTGRES_URL", "")
    if not url:
        if _require("STRATOWATCH_REQUIRE_POSTGRES"):
            pytest.fail("STRATOWATCH_TEST_POSTGRES_URL is unset and STRATOWATCH_REQUIRE_POSTGRES=1")
        pytest.skip("no PostgreSQL (set STRATOWATCH_TEST_POSTGRES_URL)")
    return url


@pytest.fixture
def postgres_db(postgres_server: str) -> Any:
    """A fresh, empty PostgreSQL database on that server (dropped afterwards): its URL."""
    import uuid

    import psycopg

    name = "sw_test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(postgres_server)
    yield urlunsplit(parts._replace(path="/" + name))
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
