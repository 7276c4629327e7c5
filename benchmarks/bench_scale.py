"""Scale-out: what users run (``stratowatch predict`` / ``stratowatch sweep`` in a subprocess)
in-process vs on a Dask LocalCluster of 1 and 2 workers (one thread each).

Figures (wall seconds of the whole command: interpreter start, imports, the cluster's start
and stop, the run, the JSON):

1. An ensemble: ``predict --members N --hours H --seed 3 --json`` (default 200,000 members,
   48 h float), in-process (the baseline: the compiled kernels on every core) and with
   ``--scheduler local:1`` / ``local:2``. Prints the 2-vs-1-worker speed-up, the Dask
   overhead against the in-process run, the peak memory of the in-process run, and checks
   that the three JSON outputs are identical (apart from timings and the engine).
2. A sweep of ``--cells`` cells (default 200: 25 launch times, every hour, x 8 float
   altitudes) of ``--sweep-members`` members each, the same three ways.

Projection to N workers: each engine's time is fitted as ``T(N) = a + b / N`` from the 1- and
2-worker runs (``a``: the fixed cost: start, cluster, planning, joining; ``b``: the work that
splits over workers); the per-task cost is ``b`` over the number of tasks.

Run: ``.venv/bin/python benchmarks/bench_scale.py`` (the issue's sizes; minutes on 2 cores)
or with ``--members 40000 --hours 24 --sweep-members 50`` for a quicker run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "stratowatch")
ENGINES = ("inprocess", "local:1", "local:2")


LAST_CPU: list[float] = [0.0]


def run_rss(args: list[str]) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, peak RSS (MiB) of the command's own process (the Dask workers are its
    children's children, not counted) and its JSON; its CPU seconds (user + system, all its
    threads) go to ``LAST_CPU[0]`` (on a loaded machine the CPU time is the steadier figure)."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(
        CLI, [CLI, *args], os.environ,
        file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/tmp/bench_scale.out",
                       os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
                      (os.POSIX_SPAWN_OPEN, 2, "/tmp/bench_scale.err",
                       os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)],
    )  # fmt: skip
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{' '.join(args)} failed:\n{Path('/tmp/bench_scale.err').read_text()[-3000:]}"
        )
    LAST_CPU[0] = usage.ru_utime + usage.ru_stime
    out = Path("/tmp/bench_scale.out").read_text()
    return wall, usage.ru_maxrss / 1024, json.loads(out.strip().splitlines()[-1])


def strip(obj: dict[str, Any]) -> dict[str, Any]:
    """The result without timings and the engine's description."""
    return {k: v for k, v in obj.items() if k not in ("elapsed_s", "engine", "run")}


def fit(t1: float, t2: float) -> tuple[float, float]:
    """``T(N) = a + b / N`` through (1, t1) and (2, t2)."""
    b = 2.0 * (t1 - t2)
    return t1 - b, b


def report(name: str, times: dict[str, float], tasks: int) -> None:
    base, t1, t2 = times["inprocess"], times["local:1"], times["local:2"]
    a, b = fit(t1, t2)
    print(f"{name}: in-process {base:.1f} s, Dask 1 worker {t1:.1f} s, 2 workers {t2:.1f} s")
    print(f"  speed-up 2 vs 1 worker {t1 / t2:.2f}x; Dask (2 workers) / in-process "
          f"{t2 / base:.2f}; Dask overhead {t2 - base:+.1f} s")  # fmt: skip
    if b > 0:
        proj = ", ".join(f"{n}: {a + b / n:.1f} s" for n in (4, 8, 16, 64))
        print(f"  fit T(N) = {a:.1f} s + {b:.1f} s / N ({tasks} tasks, {b / tasks:.3f} "
              f"s per task on one worker); projected {proj}")  # fmt: skip
    else:
        print("  no gain from the second worker on this machine: no projection")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=200_000)
    ap.add_argument("--hours", type=float, default=48.0)
    ap.add_argument("--sweep-members", type=int, default=100)
    ap.add_argument("--cells", type=int, default=200, help="launch times x 8 altitudes")
    ns = ap.parse_args()

    from stratowatch.scale.ensemble import MAX_CHUNK, MIN_CHUNK

    print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f} "
          f"(figures are provisional on a shared machine)")  # fmt: skip
    predict = ["predict", "--time", "2023-02-01T19:00Z", "--lat", "45.78", "--lon", "-108.5",
               "--alt", "18300", "--hours", f"{ns.hours:g}", "--members", str(ns.members),
               "--seed", "3", "--wind", "climatology", "--json"]  # fmt: skip
    times: dict[str, float] = {}
    outs: dict[str, dict[str, Any]] = {}
    for eng in ENGINES:
        wall, rss, obj = run_rss([*predict, "--scheduler", eng])
        times[eng], outs[eng] = wall, strip(obj)
        extra = (
            f", peak memory {rss:.0f} MiB, CPU {LAST_CPU[0]:.1f} s (all threads)"
            if eng == "inprocess"
            else ""
        )
        print(f"predict {ns.members:,} members x {ns.hours:g} h, {eng}: {wall:.1f} s{extra}",
              flush=True)  # fmt: skip
    same = outs["local:1"] == outs["inprocess"] == outs["local:2"]
    tasks = max(8, math.ceil(ns.members / MAX_CHUNK))
    tasks = ns.members // min(max(MIN_CHUNK, math.ceil(ns.members / tasks)), MAX_CHUNK)
    report(f"ensemble of {ns.members:,}", times, max(tasks, 1))
    print(f"  identical results on the three engines: {same}")

    n_alt = 8
    n_times = max(ns.cells // n_alt, 1)
    alts = ",".join(str(15_000 + 1_000 * k) for k in range(n_alt))
    end = datetime(2023, 2, 1, tzinfo=UTC) + timedelta(hours=n_times - 1)
    sweep = ["sweep", "--from", "2023-02-01T00:00Z", "--to", end.strftime("%Y-%m-%dT%H:%MZ"), "--every", "1h",
             "--float-alt", alts, "--members", str(ns.sweep_members), "--wind", "climatology",
             "--json"]  # fmt: skip
    times, souts = {}, {}
    for eng in ENGINES:
        wall, _, obj = run_rss([*sweep, "--scheduler", eng])
        times[eng], souts[eng] = wall, strip(obj)
        print(f"sweep {obj['cells']} cells x {ns.sweep_members} members, {eng}: {wall:.1f} s",
              flush=True)  # fmt: skip
    report(f"sweep of {souts['inprocess']['cells']} cells", times, souts["inprocess"]["cells"])
    print(f"  identical results on the three engines: "
          f"{souts['local:1'] == souts['inprocess'] == souts['local:2']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
