"""A real Dask cluster on localhost for the scale tests: one `dask scheduler` and two
`dask worker` processes (one thread each) started from the venv's own `dask` command, shared
by the whole session and stopped at its end."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask_cli() -> str:
    exe = Path(sys.executable).parent / "dask"
    found = str(exe) if exe.exists() else shutil.which("dask")
    if not found:
        pytest.fail("the dask command is missing: dask[distributed] is a declared dependency")
    return found


@pytest.fixture(scope="session")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Address ``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded workers."""
    from distributed import Client

    dask = _dask_cli()
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs: list[subprocess.Popen[bytes]] = []

    def start(args: list[str], log: str) -> None:
        fh = (logs / log).open("wb")
        procs.append(
            subprocess.Popen(
                [dask, *args],
                stdout=fh,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )  # fmt: skip
        )

    start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
          "scheduler.log")  # fmt: skip
    for k in range(2):
        start(["worker", addr, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
               "--host", "127.0.0.1", "--name", f"w{k}"], f"worker{k}.log")  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with Client(addr, timeout="5s") as c:
                    c.wait_for_workers(2, timeout=max(5.0, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    text = "\n".join(f.read_text(errors="replace")[-2000:] for f in logs.iterdir())
                    pytest.fail(f"the Dask cluster did not start:\n{text}")
                time.sleep(1.0)
        yield addr
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
