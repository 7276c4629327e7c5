"""CPU time of `stratowatch --help` and of a light command, against importing the library the
commands use (what every invocation paid when the CLI imported it at start-up).

Each figure is the median CPU time (user + sys, s) of fresh processes; the baseline is measured
in the same run. Usage: .venv/bin/python benchmarks/bench_cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys

EAGER = (
    "import stratowatch.cli.main, stratowatch.atmosphere.sources, stratowatch.predict, "
    "stratowatch.track, stratowatch.assess, stratowatch.io.export, stratowatch.io.czml, "
    "stratowatch.report.flight, stratowatch.demo"
)


def _cpu(args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, check=True, capture_output=True, env={**os.environ, "COLUMNS": "100"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    py = sys.executable
    cases = {
        "stratowatch --help": [py, "-m", "stratowatch", "--help"],
        "stratowatch engage --help": [py, "-m", "stratowatch", "engage", "--help"],
        "baseline: import the library eagerly": [py, "-c", EAGER],
    }
    out = {name: statistics.median(_cpu(cmd) for _ in range(runs)) for name, cmd in cases.items()}
    base = out["baseline: import the library eagerly"]
    print(f"load average {os.getloadavg()[0]:.1f}; median of {runs} runs, CPU s (user + sys)")
    for name, t in out.items():
        print(f"{name:40s} {t:6.2f} s  ({base / t:5.1f}x less than the baseline)")


if __name__ == "__main__":
    main()
