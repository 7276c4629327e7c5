"""Cold start: after `stratowatch warmup` every cached kernel of the package is compiled, and
a new process running the CLI compiles nothing (it loads numba's on-disk cache)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from stratowatch.scale.warmup import cached_kernels, uncompiled_kernels, warmup


def test_warmup_compiles_every_cached_kernel() -> None:
    names = cached_kernels()
    assert "stratowatch.flight.kernel.run_members" in names
    assert "stratowatch.geo.land._coast" in names
    result = warmup()
    assert result["uncompiled"] == []
    assert uncompiled_kernels() == []
    assert set(result["steps"]) >= {"flight profiles", "ballistic fall", "land mask"}


def test_cli_after_warmup_compiles_nothing() -> None:
    warmup()
    exe = Path(sys.executable).parent / "stratowatch"
    env = {**os.environ, "NUMBA_DEBUG_CACHE": "1"}
    p = subprocess.run(
        [str(exe), "predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon",
         "-108.5", "--alt", "18300", "--members", "50", "--hours", "6", "--json"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr[-2000:]
    log = p.stdout + p.stderr
    assert "data loaded from" in log  # numba reports each kernel it loads from the cache
    assert "data saved to" not in log, [ln for ln in log.splitlines() if "saved" in ln][:5]
