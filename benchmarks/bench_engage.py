"""Time `stratowatch engage` as users run it (a fresh CLI process), against baselines measured in
the same run.

Measured: the issue-9 command (Billings, 120 h, hourly windows, climatology, 40 break-up
positions x 5 placements per window), once with an empty population-tile cache (the first run
on a machine) and once with the tiles kept from it (every later run).

Baselines, in the same run and the same load:

* ``startup``: the same command with ``--hours 0`` (one window: process start, imports, one
  break-up), the floor a user waits for any engagement answer;
* ``median-only``: the same 121 windows with ``--members 1 --placements 1``, one break-up at
  the forecast's median point per window (the planner before issue 9);
* ``--compare REF`` (optional): the measured command run with the package as it is at git
  ``REF`` of this repository (e.g. ``main``: the version before a change), extracted to a
  temporary folder, put first on ``PYTHONPATH`` and warmed up once (its numba cache).

Run: ``.venv/bin/python benchmarks/bench_engage.py [--repeat 1] [--compare main]``. The numba
cache and the land mask cache are shared with the user's; each timed run gets its own empty
population-tile cache unless it is the warm run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARGS = ["engage", "--lat", "45.78", "--lon", "-108.5", "--alt", "18300"]
ARGS += ["--time", "2023-02-01T19:00Z", "--wind", "climatology", "--seed", "1", "--json"]
HOURS = ["--hours", "120", "--every", "60"]


def _cache_home() -> Path:
    env = os.environ.get("STRATOWATCH_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "stratowatch"


def _cache(tmp: Path, name: str) -> Path:
    """A cache folder with the user's land mask (not re-derived) and no population tiles."""
    d = tmp / name
    d.mkdir()
    land = _cache_home() / "globe_land_bits.npy"
    if land.is_file():
        (d / land.name).symlink_to(land)
    return d


def _run(extra: list[str], cache: Path, *, pythonpath: str | None = None) -> float:
    env = {**os.environ, "STRATOWATCH_CACHE": str(cache)}
    env.pop("STRATOWATCH_NO_DISK_CACHE", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
        cmd = [sys.executable, "-c", "from stratowatch.cli.main import main; main()"]
    else:
        cmd = [str(Path(sys.executable).with_name("stratowatch"))]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*cmd, *ARGS, *extra], capture_output=True, text=True, check=False, env=env
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(
            f"engage failed ({' '.join(extra)}):\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}"
        )
    return wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--compare", help="a git ref whose package to time the same command with")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-engage-"))
    try:
        _run(["--hours", "0"], _cache(tmp, "warmup"))  # numba cache, page cache
        other = None
        if a.compare:
            root = Path(__file__).resolve().parent.parent
            arch = subprocess.run(
                ["git", "-C", str(root), "archive", a.compare, "src"],
                capture_output=True,
                check=True,
            ).stdout
            (tmp / "ref").mkdir()
            subprocess.run(["tar", "-x", "-C", str(tmp / "ref")], input=arch, check=True)
            other = str(tmp / "ref" / "src")
            _run(["--hours", "0"], _cache(tmp, "warmup-ref"), pythonpath=other)
        times: dict[str, list[float]] = {}
        for r in range(a.repeat):
            runs = {
                "startup (1 window)": (["--hours", "0"], _cache(tmp, f"s{r}"), None),
                "median-only (121 windows x 1)": (
                    [*HOURS, "--members", "1", "--placements", "1"],
                    _cache(tmp, f"m{r}"),
                    None,
                ),
            }
            warm = _cache(tmp, f"w{r}")
            runs["engage, first run (121 x 40 x 5)"] = (HOURS, warm, None)
            runs["engage, tiles kept (121 x 40 x 5)"] = (HOURS, warm, None)
            if a.compare:
                runs[f"engage at {a.compare}"] = (HOURS, _cache(tmp, f"c{r}"), other)
            for name, (extra, cache, pp) in runs.items():
                times.setdefault(name, []).append(_run(extra, cache, pythonpath=pp))
        base = min(times["median-only (121 windows x 1)"])
        start = min(times["startup (1 window)"])
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for name, ts in times.items():
            t = min(ts)
            print(
                f"{name:42s} {t:6.1f} s   x{t / base:4.2f} median-only   x{t / start:4.2f} startup"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
