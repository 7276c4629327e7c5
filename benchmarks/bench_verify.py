"""Verification on dense logs: what users run (the CLI) against the library, and the log
reader against pandas.

Data: the six RS41 radiosonde flights in tests/data/radiosondy_rs41 (2,474-4,539 fixes each,
';'-separated, newest first). Figures:

1. Reading the six logs with `io.logs.read_position_log` (per-row checks, errors with file,
   line and field) vs ``pandas.read_csv`` + ``to_datetime`` + sort (no per-row checks), best
   of 3, CPU seconds.
2. ``stratowatch verify <6 flights> --members 50 --json`` in a subprocess (wall, with the
   interpreter start and the compiled-code cache load) vs the same campaign through
   `verify_flights` in this process (after one warm-up flight), CPU and wall seconds.

Run: ``.venv/bin/python benchmarks/bench_verify.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from stratowatch.io.logs import read_position_log
from stratowatch.predict.verify import VerifyOptions, verify_flight, verify_flights

ROOT = Path(__file__).resolve().parents[1]
LOGS = sorted((ROOT / "tests" / "data" / "radiosondy_rs41").glob("*.csv"))


def best(fn: object, repeat: int = 3) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()  # type: ignore[operator]
        out.append(time.process_time() - t0)
    return min(out)


def read_ours() -> int:
    return sum(read_position_log(p).size for p in LOGS)


def read_pandas() -> int:
    n = 0
    for p in LOGS:
        df = pd.read_csv(p, sep=";")
        df["t"] = pd.to_datetime(df["DateTime"], utc=True)
        n += len(df.sort_values("t").drop_duplicates("t"))
    return n


def main() -> int:
    rows = read_ours()
    ours = best(read_ours)
    theirs = best(read_pandas)
    print(f"read {len(LOGS)} logs, {rows} fixes: io.logs {ours:.3f} s CPU, pandas {theirs:.3f} s "
          f"CPU; ratio {ours / theirs:.2f} (io.logs checks every row)")  # fmt: skip
    opts = VerifyOptions(members=50, seed=1)
    verify_flight(LOGS[0], opts)  # warm-up: compiled kernels loaded
    t0, c0 = time.perf_counter(), time.process_time()
    camp = verify_flights(LOGS, opts)
    lib_wall, lib_cpu = time.perf_counter() - t0, time.process_time() - c0
    cli = [str(ROOT / ".venv" / "bin" / "stratowatch"), "verify", *map(str, LOGS),
           "--members", "50", "--seed", "1", "--json"]  # fmt: skip
    t0 = time.perf_counter()
    res = subprocess.run(cli, capture_output=True, text=True, check=False)
    cli_wall = time.perf_counter() - t0
    if res.returncode != 0:
        print(res.stderr[-2000:])
        return 1
    starts = camp.totals["all_starts"]["n"]
    print(f"verify {len(LOGS)} flights, {starts} starts x 50 members: library {lib_wall:.2f} s "
          f"wall ({lib_cpu:.2f} s CPU), CLI {cli_wall:.2f} s wall; CLI / library "
          f"{cli_wall / lib_wall:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
