"""`stratowatch --help` must not import the heavy libraries: each command imports what it needs
when it runs (see docs/benchmarks.md for the measured start-up time)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numba", "xarray", "scipy", "shapely", "fastapi", "sqlalchemy", "dask", "pandas", "czml3")
#: also loaded only by the command that uses it (KML output, geodesics)
LIGHT_ONLY = ("simplekml", "pyproj")


def _imported(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "stratowatch", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Usage" in proc.stdout
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_help_imports_no_heavy_library() -> None:
    heavy = sorted(set(HEAVY) & _imported("--help"))
    assert not heavy, f"`stratowatch --help` imports {heavy}"
    heavy = sorted(set(HEAVY) & _imported("engage", "--help"))
    assert not heavy, f"`stratowatch engage --help` imports {heavy}"
    heavy = sorted(set(HEAVY + LIGHT_ONLY) & _imported("predict", "--help"))
    assert not heavy, f"`stratowatch predict --help` imports {heavy}"


def test_engage_help_defaults_are_the_library_defaults() -> None:
    from stratowatch.assess import engage
    from stratowatch.cli import cmd_engage

    assert cmd_engage.DEFAULT_THRESHOLD == engage.DEFAULT_THRESHOLD
    assert cmd_engage.DEFAULT_POSITIONS == engage.DEFAULT_POSITIONS
    assert cmd_engage.DEFAULT_PLACEMENTS == engage.DEFAULT_PLACEMENTS
