"""A real ``stratowatch serve`` process over HTTP: live tracks and server-sent events, a
schemathesis run that finds no 5xx, and durability: kill -9 in the middle of concurrent ingest
loses and duplicates nothing (SQLite, and PostgreSQL when available); an interrupted job runs
again after the restart."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stratowatch.store import Store

from .server import BIN, Server, token


def _tokens(db: str, *scopes: str) -> list[str]:
    """Tokens straight from the store (the CLI is tested in test_token_cli)."""
    from stratowatch.store import database_url

    store = Store(database_url(db))
    try:
        return [store.create_token(scope=s, name=s)[0] for s in scopes]
    finally:
        store.close()


LIMITS = {"STRATOWATCH_MAX_MEMBERS": "500", "STRATOWATCH_MAX_HOURS": "24"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    folder = tmp_path_factory.mktemp("live")
    db = str(folder / "sw.db")  # a plain path: SQLite
    write, read = _tokens(db, "write", "read")
    srv = Server(db, log=folder / "server.log", env=LIMITS).start()
    yield srv, write, read
    srv.stop()


def test_reports_to_tracks_and_events_over_http(live: tuple[Server, str, str]) -> None:
    srv, write, read = live
    seen: list[str] = []
    ready = threading.Event()

    def listen() -> None:
        url = f"{srv.url}/v1/events"
        timeout = httpx.Timeout(10.0, read=90.0)
        with httpx.stream("GET", url, params={"access_token": read}, timeout=timeout) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                ready.set()
                seen.append(line)
                if line.startswith("data: ") and "event: track" in seen[-3:]:
                    return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    assert ready.wait(60)
    fixes = [{"id": f"http-{i}", "kind": "fix", "time": f"2022-08-22T15:{10 * i:02d}:00Z",
              "lat": 33.0 + 0.01 * i, "lon": -106.0 + 0.02 * i, "alt": 15000 + 100 * i,
              "source": "SHAB"} for i in range(3)]  # fmt: skip
    h = {"Authorization": f"Bearer {write}"}
    r = httpx.post(
        f"{srv.url}/v1/observations", json={"observations": fixes}, headers=h, timeout=30
    )
    assert r.status_code == 200 and r.json()["accepted"] == 3
    t.join(90)
    assert "event: observations" in seen and "event: track" in seen
    data = json.loads(seen[-1].removeprefix("data: "))
    assert data["n_updates"] == 3 and data["lat"] == pytest.approx(33.02, abs=0.01)
    tracks = httpx.get(f"{srv.url}/v1/tracks", headers={"Authorization": f"Bearer {read}"},
                       timeout=30).json()["tracks"]  # fmt: skip
    assert [t["n_updates"] for t in tracks if t["sources"] == ["SHAB"]] == [3]
    # the OpenAPI document describes every route
    paths = httpx.get(f"{srv.url}/openapi.json", timeout=30).json()["paths"]
    assert {"/v1/observations", "/v1/tracks", "/v1/predictions", "/v1/events", "/api/v1/"} <= set(
        paths
    )


def test_schemathesis_finds_no_server_error(live: tuple[Server, str, str], tmp_path: Path) -> None:
    srv, write, _ = live
    schemathesis = BIN.with_name("schemathesis")
    import subprocess

    r = subprocess.run(
        [str(schemathesis), "run", f"{srv.url}/openapi.json", "--checks", "not_a_server_error",
         "-H", f"Authorization: Bearer {write}", "--max-examples", "15",
         "--phases", "examples,fuzzing", "--exclude-path", "/v1/events", "--no-shrink",
         "--seed", "1", "--request-timeout", "60", "--no-color"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and "failed" not in r.stdout.split("Test cases:")[-1]


def _fetch_ids(url: str, tok: str) -> Counter[str]:
    ids: Counter[str] = Counter()
    after = 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tok}"}, timeout=60) as c:
        while True:
            page = c.get("/v1/observations", params={"after": after, "limit": 1000}).json()
            ids.update(o["id"] for o in page["observations"])
            if page["next_after"] is None:
                return ids
            after = page["next_after"]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(stat.parent.name))
    return kids


def test_tracker_process_restarts_after_a_crash(live: tuple[Server, str, str]) -> None:
    """The live tracker runs in its own process; killed, it is started again, replays the
    store and goes on tracking what arrives."""
    srv, write, _ = live
    h = {"Authorization": f"Bearer {write}"}

    def health() -> dict[str, Any]:
        got: dict[str, Any] = httpx.get(f"{srv.url}/healthz", timeout=30).json()["tracker"]
        return got

    def reports(first: int, n: int) -> list[dict[str, Any]]:
        return [{"id": f"crash-{k}", "kind": "fix", "time": f"2023-03-01T10:{k:02d}:00Z",
                 "lat": 10.0 + 0.01 * k, "lon": 20.0, "alt": 15000.0, "sigma_m": 50.0,
                 "source": "crash-test"} for k in range(first, first + n)]  # fmt: skip

    def tracked() -> int:
        r = httpx.get(f"{srv.url}/v1/tracks", headers=h, timeout=30).json()
        return int(r["observations"])

    deadline = time.monotonic() + 120
    while health()["status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    r = httpx.post(f"{srv.url}/v1/observations", headers=h, timeout=30,
                   json={"observations": reports(0, 5)})  # fmt: skip
    assert r.status_code == 200 and r.json()["accepted"] == 5
    first = health()["pid"]
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = health()
        if now["pid"] != first and now["status"] == "running":
            break
        time.sleep(0.2)
    assert now["pid"] != first and now["status"] == "running", now
    n_before = tracked()
    r = httpx.post(f"{srv.url}/v1/observations", headers=h, timeout=30,
                   json={"observations": reports(5, 5)})  # fmt: skip
    assert r.status_code == 200 and r.json()["accepted"] == 5
    deadline = time.monotonic() + 60
    while tracked() < n_before + 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tracked() == n_before + 5
    assert "the tracker process stopped" in srv.log.read_text()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill9_mid_ingest_loses_and_duplicates_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = str(tmp_path / "sw.db") if backend == "sqlite" else request.getfixturevalue("postgres_db")
    (write,) = _tokens(db, "write")
    log = tmp_path / "server.log"
    srv = Server(db, log=log, env=LIMITS).start()
    h = {"Authorization": f"Bearer {write}"}
    # a job that is running when the server dies (SQLite run only: it costs a worker start)
    job = None if backend != "sqlite" else httpx.post(f"{srv.url}/v1/predictions", headers=h, timeout=60, json={
        "time": "2023-02-01T19:00Z", "lat": 45.78, "lon": -108.5, "alt": 18300, "hours": 24,
        "members": 500, "seed": 7}).json()  # fmt: skip
    sent: list[tuple[list[str], dict[str, object]]] = []
    acked: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()

    def feed(k: int) -> None:
        with httpx.Client(base_url=srv.url, headers=h, timeout=30) as c:
            for i in range(100_000):
                if stop.is_set():
                    return
                ids = [f"c{k}-{i}-{j}" for j in range(10)]
                body = {"observations": [
                    {"id": x, "kind": "aprs", "time": f"2022-08-2{k}T{(i // 60) % 24:02d}:"
                     f"{i % 60:02d}:{j:02d}Z", "lat": 30.0 + k + 0.001 * i, "lon": -100.0 + 0.001 * j,
                     "alt": 10000.0, "source": f"feed{k}"} for j, x in enumerate(ids)]}  # fmt: skip
                with lock:
                    sent.append((ids, body))
                try:
                    r = c.post("/v1/observations", json=body)
                except httpx.HTTPError:
                    return  # the server died under us: this batch is unacknowledged
                if r.status_code != 200:
                    return
                with lock:
                    acked.update(ids)

    clients = [threading.Thread(target=feed, args=(k,)) for k in range(4)]
    for t in clients:
        t.start()
    deadline = time.monotonic() + 120
    while len(acked) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    status = (
        {}
        if job is None
        else httpx.get(f"{srv.url}/v1/predictions/{job['id']}", headers=h, timeout=30).json()
    )
    tracker_pid = httpx.get(f"{srv.url}/healthz", timeout=30).json()["tracker"]["pid"]
    assert _alive(tracker_pid)
    assert srv.proc is not None
    children = _children(srv.proc.pid)  # the tracker and, with the job, the job workers
    assert tracker_pid in children and (job is None or len(children) >= 2), children
    srv.kill9()  # mid-ingest: the clients are still posting
    stop.set()
    for t in clients:
        t.join(60)
    assert len(acked) >= 300
    # the live tracker's process notices that the server is gone and exits (no orphan)
    deadline = time.monotonic() + 30
    while _alive(tracker_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(tracker_pid), "the tracker process outlived the killed server"
    # and so do the job workers, even one blocked handing its result to the dead server
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [c for c in children if _alive(c)], "a job worker outlived the killed server"
    srv2 = Server(db, log=log, env=LIMITS).start()
    try:
        stored = _fetch_ids(srv2.url, write)
        assert not [x for x in acked if stored[x] != 1], "acknowledged reports lost"
        assert max(stored.values()) == 1, "reports stored twice"
        # the clients retry what they never saw acknowledged: still exactly once each
        every = [x for ids, _ in sent for x in ids]
        for ids, body in sent:
            if not set(ids) <= acked:
                r = httpx.post(f"{srv2.url}/v1/observations", headers=h, timeout=60, json=body)
                assert r.status_code == 200
                assert r.json()["accepted"] + r.json()["duplicates"] == len(ids)
        stored = _fetch_ids(srv2.url, write)
        assert sorted(stored) == sorted(every) and set(stored.values()) == {1}
        if job is None:
            return
        # the job the crash interrupted runs again and finishes
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            info = httpx.get(f"{srv2.url}/v1/predictions/{job['id']}", headers=h, timeout=30).json()
            if info["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
        assert info["status"] == "done", info
        if status["status"] == "running":
            assert info["attempts"] == 2 and "re-queued" in info["note"]
    finally:
        srv2.stop()


def test_token_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from stratowatch.cli.main import app

    db = str(tmp_path / "t.db")
    run = CliRunner().invoke
    r = run(app, ["token", "create", "--scope", "admin", "--db", db])
    assert r.exit_code == 2 and "read or write" in r.output
    r = run(app, ["token", "create", "--scope", "read", "--name", "viewer", "--db", db, "--json"])
    tok = json.loads(r.stdout.splitlines()[-1])["token"]
    listed = json.loads(run(app, ["token", "list", "--db", db, "--json"]).stdout.splitlines()[-1])
    assert [(t["name"], t["scope"]) for t in listed["tokens"]] == [("viewer", "read")]
    assert tok not in json.dumps(listed)
    assert run(app, ["token", "revoke", "1", "--db", db, "--json"]).exit_code == 0
    assert run(app, ["token", "revoke", "1", "--db", db]).exit_code == 2
    up = json.loads(run(app, ["db", "upgrade", "--db", db, "--json"]).stdout.splitlines()[-1])
    assert up["revision"] == "0001"
    # the installed command (what users run) prints the token on the last line
    assert token(db, "write").startswith("sw_")
