"""Print the ``summary.json`` schema table of docs/demo.md from the demo's typed summary
(`stratowatch.demo.summary`), or write it into the page.

    python tools/demo_schema.py                      # print the table
    python tools/demo_schema.py --write docs/demo.md # replace it between the markers
    python tools/demo_schema.py --check docs/demo.md # exit 1 when the page is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from stratowatch.demo.summary import schema_markdown, write_schema


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] in ("--write", "--check"):
        ok = write_schema(Path(argv[1]), check=argv[0] == "--check")
        if not ok:
            sys.stderr.write(f"{argv[1]}: the summary.json schema is stale; run --write\n")
        return 0 if ok else 1
    if argv:
        sys.stderr.write(__doc__ or "")
        return 2
    sys.stdout.write(schema_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
