"""eccodes/cfgrib and pyproj must coexist in either import order (see pyproject pins).

With the eccodes wheels >= 2.39, importing eccodes or cfgrib before pyproj left PROJ without
its database ("no database context specified") and the process crashed at exit.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SNIPPET = """
import {first}
import {second}
import pyproj
t = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
x, y = t.transform(-111.0, 47.5)
assert abs(x + 12356463.8) < 1.0, x
import eccodes
print("ok", eccodes.codes_get_api_version())
"""


@pytest.mark.parametrize(
    ("first", "second"), [("eccodes", "pyproj"), ("pyproj", "cfgrib"), ("cfgrib", "pyproj")]
)
def test_import_order(first: str, second: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(first=first, second=second)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok"), proc.stdout + proc.stderr
    assert "database context" not in proc.stderr
