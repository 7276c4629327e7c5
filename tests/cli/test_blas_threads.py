"""The command line holds OpenBLAS to one thread (no spinning pools beside numba's threads),
and a value the user sets wins (stratowatch/cli/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# import the CLI first (as the `stratowatch` command does), then both OpenBLAS users
_PROBE = (
    "import os, stratowatch.cli, numpy, scipy.linalg; numpy.ones((200, 200)) @ numpy.ones((200, 200)); "
    "print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
)


def _run(env_value: str | None) -> tuple[str, int]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    }
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_cli_import_starts_no_blas_pool() -> None:
    value, threads = _run(None)
    assert value == "1"
    assert threads == 1  # the main thread only: no OpenBLAS worker threads


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_user_setting_wins() -> None:
    value, threads = _run("2")
    assert value == "2"
    if len(os.sched_getaffinity(0)) >= 2:
        assert threads > 1  # the user's pools are there (one worker per library)
