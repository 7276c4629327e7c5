"""Shared CLI helpers: consoles, JSON output, progress bars."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

__all__ = ["console", "err_console", "print_json", "progress", "to_jsonable"]

console = Console()
err_console = Console(stderr=True)


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats for `json.dumps` (NaN -> null)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def print_json(obj: Any) -> None:
    """Print one JSON object on one line (the last line of stdout, for scripts)."""
    # plain print, not rich: no wrapping or markup in machine-read output
    print(json.dumps(to_jsonable(obj), separators=(",", ":")))  # noqa: T201


@contextmanager
def progress(*, enabled: bool = True) -> Iterator[Progress]:
    """A rich progress bar on stderr (quiet when ``enabled`` is false, e.g. with --json)."""
    p = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=not enabled,
        transient=True,
    )
    with p:
        yield p
