"""Time `stratowatch demo` as users run it: the CLI in a fresh process, default settings.

Prints, per run, the wall time, the CPU time of the process (user + sys: the figure to trust on
a shared machine) and the stage timings of summary.json.

``--baseline-src DIR`` also runs another checkout's sources (e.g. ``git archive main | tar -x
-C DIR``) with the same interpreter and packages, alternating with this checkout, prints the
ratio of the medians and checks that both wrote the same summary.json (apart from timings). The
baseline's numba kernels are compiled once first (``stratowatch warmup``; not timed).

``--side on|off`` forces this checkout's second process (`stratowatch.demo.side`; by default
the demo uses it when a CPU is free).

``--cold-cache`` runs with an empty numba cache folder (``NUMBA_CACHE_DIR`` in a temporary
directory): the first run compiles every kernel (the cost `make install`'s warm-up removes).

Examples::

    python benchmarks/bench_demo.py --repeat 3
    python benchmarks/bench_demo.py --baseline-src /tmp/base --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_S = 20.0  # issue 14: a first `make demo` after install under 20 s on 2 cores


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(
    args: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    c0, t0 = _cpu_children(), time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    return time.perf_counter() - t0, _cpu_children() - c0, proc


def _demo(label: str, env: dict[str, str], out: Path) -> dict[str, Any]:
    wall, cpu, proc = _run([sys.executable, "-m", "stratowatch", "demo", "--out", str(out)], env)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(f"{label}: demo failed ({proc.returncode})")
    summary = json.loads((out / "summary.json").read_text())
    stages = summary["run"]["stages_s"]
    print(
        f"  {label}: wall {wall:5.1f} s, CPU {cpu:5.1f} s, library {summary['run']['elapsed_s']:5.1f}"
        " s; " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items() if v >= 0.3),
        flush=True,
    )
    return {"wall": wall, "cpu": cpu, "summary": summary}


def _without_timings(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _without_timings(v) for k, v in x.items() if k not in ("elapsed_s", "stages_s")}
    if isinstance(x, list):
        return [_without_timings(v) for v in x]
    return x


def _comparable(summary: dict[str, Any]) -> Any:
    """The summary without timings and without the reports file's path (each checkout has its
    own copy)."""
    out = _without_timings(summary)
    out["run"].pop("reports", None)
    return out


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=2, help="runs of each side (default 2)")
    ap.add_argument("--baseline-src", type=Path, help="another checkout to compare with")
    ap.add_argument("--cold-cache", action="store_true", help="empty numba cache folder")
    ap.add_argument(
        "--side",
        choices=("auto", "on", "off"),
        default="auto",
        help="this checkout's second process (STRATOWATCH_DEMO_SIDE): auto (when a CPU is "
        "free), on or off",
    )
    opts = ap.parse_args()
    here = Path(__file__).resolve().parents[1] / "src"
    sides = {"this checkout": here}
    if opts.baseline_src is not None:
        sides = {"baseline": opts.baseline_src.resolve() / "src", **sides}
    print(
        f"stratowatch demo, {opts.repeat} run(s) per side, second process {opts.side}; "
        f"load average {_load()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        envs = {}
        for name, src in sides.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            env.pop("STRATOWATCH_DEMO_SIDE", None)
            if name == "this checkout" and opts.side != "auto":
                env["STRATOWATCH_DEMO_SIDE"] = "1" if opts.side == "on" else "0"
            if opts.cold_cache:
                env["NUMBA_CACHE_DIR"] = str(Path(tmp) / f"numba-{len(envs)}")
            envs[name] = env
        if opts.baseline_src is not None and not opts.cold_cache:
            wall, cpu, proc = _run(
                [sys.executable, "-m", "stratowatch", "warmup"], envs["baseline"]
            )
            print(f"  baseline warm-up (not timed in the comparison): {wall:.0f} s")
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
        for k in range(opts.repeat):
            for name in sides:  # alternate, so both sides see the same load
                runs[name].append(_demo(f"{name} #{k + 1}", envs[name], Path(tmp) / f"{name}-{k}"))
        print(f"load average after: {_load()}")
        med = {
            name: (
                statistics.median(r["wall"] for r in rs),
                statistics.median(r["cpu"] for r in rs),
            )
            for name, rs in runs.items()
        }
        for name, (w, c) in med.items():
            verdict = "PASS" if w < TARGET_S else "FAIL"
            print(
                f"{name}: median wall {w:.1f} s, CPU {c:.1f} s (target wall < {TARGET_S:.0f} s: {verdict})"
            )
        if opts.baseline_src is not None:
            (wb, cb), (wn, cn) = med["baseline"], med["this checkout"]
            print(f"ratio baseline / this checkout: wall {wb / wn:.2f}x, CPU {cb / cn:.2f}x")
            same = all(
                _comparable(a["summary"]) == _comparable(b["summary"])
                for a, b in zip(runs["baseline"], runs["this checkout"], strict=True)
            )
            print("summary.json identical apart from timings: " + ("yes" if same else "NO"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
