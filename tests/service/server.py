"""A real `stratowatch serve` process on a free loopback port, for tests over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).with_name("stratowatch")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run the installed ``stratowatch`` command."""
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def token(db: str, scope: str, name: str = "") -> str:
    """A new token, through ``stratowatch token create --json``."""
    import json

    r = cli("token", "create", "--scope", scope, "--db", db, "--name", name or scope, "--json")
    assert r.returncode == 0, r.stderr
    return str(json.loads(r.stdout.strip().splitlines()[-1])["token"])


class Server:
    """``stratowatch serve --db DB --port P ...`` as a child process."""

    def __init__(self, db: str, *extra: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.env = env or {}
        self.db = db
        self.extra = extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0) -> Server:
        fh = self.log.open("ab")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--db", self.db, "--port", str(self.port), *self.extra],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                r = httpx.get(self.url + "/healthz", timeout=2.0)
                # ready: answering, and the live tracker's process has replayed the store
                if r.status_code == 200 and r.json()["tracker"]["status"] == "running":
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
