"""The `stratowatch predict` command users run, timed as whole processes: this tree against a
baseline tree (another checkout's ``src``, put first on PYTHONPATH), runs alternated (A B A B
...) so both see the same machine load. Prints the median CPU (user + sys), wall time and peak
RSS of each and their ratios, and checks that both print the same JSON (apart from timings).

Usage::

    git archive <commit> | tar -x -C /tmp/base
    .venv/bin/python benchmarks/bench_predict_cli.py --baseline-src /tmp/base/src \\
        --members 1000 100000 --runs 3

The baseline's numba caches are compiled by its first (warm-up) run, not timed. Without
``--baseline-src`` (as ``make bench`` runs it) only this tree is timed, against the targets of
100,000 members x 48 h: under 5 s wall and 1.5 GiB peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = [
    "predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5",
    "--alt", "18300", "--hours", "48", "--seed", "3", "--wind", "climatology", "--json",
]  # fmt: skip
_TIMINGS = ("elapsed_s",)


def _run(members: int, src: str | None) -> tuple[float, float, float, dict[str, object]]:
    """CPU (user + sys) s, wall s, peak RSS MiB and the JSON (without timings) of one run."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' installs keep their bytecode
    if src is not None:
        env["PYTHONPATH"] = src
    with tempfile.TemporaryFile("w+") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "stratowatch", *COMMAND, "--members", str(members)],
            stdout=fh, stderr=subprocess.DEVNULL, env=env, text=True,
        )  # fmt: skip
        # wait4: this child's own resource usage (its peak RSS, not the largest child's)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"the predict run failed (exit {proc.returncode})")
        fh.seek(0)
        out = json.loads(fh.read().strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime
    rss_mib = usage.ru_maxrss / 1024.0  # KiB on Linux
    return cpu, wall, rss_mib, {k: v for k, v in out.items() if k not in _TIMINGS}


def _alone(members: list[int], runs: int) -> None:
    """This tree only: medians of ``runs`` runs after a warm-up, and the targets."""
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {runs} runs (no baseline)")
    for m in members:
        _run(m, None)  # warm-up
        res = [_run(m, None)[:3] for _ in range(runs)]
        cpu, wall, rss = (statistics.median(x[i] for x in res) for i in (0, 1, 2))
        line = f"--members {m}: wall {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {rss:.0f} MiB"
        if m == 100_000:
            met = "met" if wall < 5.0 and rss < 1536 else "NOT met"
            line += f" (target < 5 s and < 1.5 GiB: {met})"
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline-src", help="the baseline tree's src directory (default: none)")
    ap.add_argument("--members", type=int, nargs="+", default=[1000, 100000])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if args.baseline_src is None:
        _alone(args.members, args.runs)
        return
    base = str(Path(args.baseline_src).resolve())
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs} alternated runs")
    for m in args.members:
        _run(m, base)  # warm-up: bytecode and numba caches of both trees
        _run(m, None)
        res: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "this tree": []}
        outs = set()
        for _ in range(args.runs):
            for name, src in (("baseline", base), ("this tree", None)):
                cpu, wall, rss, out = _run(m, src)
                res[name].append((cpu, wall, rss))
                outs.add(json.dumps(out, sort_keys=True))
        cpu_b, wall_b, rss_b = (statistics.median(x[i] for x in res["baseline"]) for i in (0, 1, 2))
        cpu_a, wall_a, rss_a = (
            statistics.median(x[i] for x in res["this tree"]) for i in (0, 1, 2)
        )
        print(
            f"--members {m}: CPU {cpu_a:.2f} s vs baseline {cpu_b:.2f} s ({cpu_a / cpu_b:.2f}x), "
            f"wall {wall_a:.2f} s vs {wall_b:.2f} s ({wall_a / wall_b:.2f}x), "
            f"peak RSS {rss_a:.0f} MiB vs {rss_b:.0f} MiB ({rss_a / rss_b:.2f}x); "
            f"same JSON: {'yes' if len(outs) == 1 else 'NO'}"
        )


if __name__ == "__main__":
    main()
