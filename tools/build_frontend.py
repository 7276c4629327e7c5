"""Re-build the map libraries bundled into the report (``src/stratowatch/report/vendor/``).

The map front end (``src/stratowatch/report/map.js``) runs on two libraries from the npm
registry, pinned with their integrity hashes in ``frontend/package.json`` and
``frontend/package-lock.json``:

- Leaflet 1.9.4 (BSD-2-Clause): the map, its canvas renderer and the scale bar;
- Leaflet.heat 0.2.0 (BSD-2-Clause, with simpleheat): the member-density heat map.

This script runs ``npm ci`` in ``frontend/`` (so exactly the locked versions are installed) and
copies the distributed files with their licences into the package. The copies are committed, so
a fresh machine needs no npm: run this only to change a version.

One change is made to Leaflet's stylesheet: declarations that load images (``url(...)``: the
default marker icon and the layers-control icon, which the report does not use) are dropped, so
the page never asks for a file it does not contain (its Content-Security-Policy forbids it).

Run from the project root: ``python tools/build_frontend.py`` (or ``make frontend``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
VENDOR = ROOT / "src" / "stratowatch" / "report" / "vendor"

# (package, file in the package, name in vendor/)
FILES = [
    ("leaflet", "dist/leaflet.js", "leaflet.js"),
    ("leaflet", "dist/leaflet.css", "leaflet.css"),
    ("leaflet", "LICENSE", "LICENSE-leaflet.txt"),
    ("leaflet.heat", "dist/leaflet-heat.js", "leaflet-heat.js"),
    ("leaflet.heat", "LICENSE", "LICENSE-leaflet.heat.txt"),
]


def strip_urls(css: str) -> str:
    """Leaflet's CSS without the declarations that load files (``url(...)``)."""
    out = re.sub(r"[^{};]*url\([^)]*\)[^;}]*;?", "", css)
    return out


def build(*, install: bool = True) -> list[Path]:
    if install:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    VENDOR.mkdir(parents=True, exist_ok=True)
    written = []
    versions = {}
    for pkg, src, dst in FILES:
        base = FRONTEND / "node_modules" / pkg
        versions[pkg] = json.loads((base / "package.json").read_text())["version"]
        text = (base / src).read_text(encoding="utf-8")
        if dst.endswith(".css"):
            text = strip_urls(text)
        # the page inlines these files inside <script>/<style>: they must not close it
        if "</script" in text.lower() or "</style" in text.lower():
            raise SystemExit(f"{pkg}/{src} contains a closing tag; cannot inline it")
        out = VENDOR / dst
        out.write_text(text, encoding="utf-8")
        written.append(out)
    (VENDOR / "VERSIONS.json").write_text(json.dumps(versions, indent=1, sort_keys=True) + "\n")
    written.append(VENDOR / "VERSIONS.json")
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--no-install", action="store_true", help="copy from frontend/node_modules as it is"
    )
    args = ap.parse_args()
    for p in build(install=not args.no_install):
        print(p.relative_to(ROOT), p.stat().st_size, "bytes")
    if shutil.which("npm") is None:
        print("note: npm not found")


if __name__ == "__main__":
    main()
