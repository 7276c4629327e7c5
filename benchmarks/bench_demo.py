"""Time `stratowatch demo` end to end in a fresh process (target: < 60 s on the 2-core machine).

Runs the CLI twice with an empty numba cache folder (NUMBA_CACHE_DIR in a temporary directory):
the first run compiles every kernel, as the first run after install does; the second reuses the
cache, the steady state a user sees afterwards. Prints wall time per run and the per-stage
timings recorded in summary.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    exe = Path(sys.executable).with_name("stratowatch")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba-cache")}
        for run in ("first (cold cache)", "second (warm cache)"):
            out = Path(tmp) / run.split()[0]
            t0 = time.perf_counter()
            proc = subprocess.run(
                [str(exe), "demo", "--out", str(out)],
                capture_output=True,
                text=True,
                check=False,
                env=env,
            )
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                print(proc.stdout[-2000:], proc.stderr[-2000:])
                return 1
            summary = json.loads((out / "summary.json").read_text())
            stages = summary["run"]["stages_s"]
            print(
                f"demo ({run} run): wall {wall:.1f} s, library {summary['run']['elapsed_s']:.1f} s, "
                f"{summary['forecast']['members']} forecast members; target < 60 s: "
                f"{'PASS' if wall < 60 else 'FAIL'}"
            )
            print("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
