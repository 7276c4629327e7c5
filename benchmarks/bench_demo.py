"""Time `stratowatch demo` end to end in a fresh process (target: < 60 s on the 2-core machine).

Runs the CLI twice into a temporary folder: the first run may compile numba kernels into their
on-disk cache (first run after install), the second is the steady state a user sees afterwards.
Prints wall time per run and the per-stage timings recorded in summary.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    exe = Path(sys.executable).with_name("stratowatch")
    with tempfile.TemporaryDirectory() as tmp:
        for run in ("first", "second"):
            out = Path(tmp) / run
            t0 = time.perf_counter()
            proc = subprocess.run(
                [str(exe), "demo", "--out", str(out)], capture_output=True, text=True, check=False
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
