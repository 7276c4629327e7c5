"""Shared CLI helpers: consoles, JSON output, progress bars."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = [
    "PROGRESS_DELAY_S",
    "console",
    "err_console",
    "print_json",
    "progress",
    "to_jsonable",
]

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


#: seconds a job runs before its progress bar appears (short runs print no bar)
PROGRESS_DELAY_S = 2.0


@contextmanager
def progress(
    *,
    enabled: bool = True,
    delay: float = PROGRESS_DELAY_S,
    console: Console | None = None,
) -> Iterator[Progress]:
    """A rich progress bar on stderr that appears once the job has run ``delay`` seconds,
    and only on a terminal (never with --json, in a pipe or a log file)."""
    con = err_console if console is None else console
    show = enabled and con.is_terminal
    p = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=con,
        disable=not show,
        transient=True,
    )
    timer: threading.Timer | None = None
    if show:
        if delay <= 0:
            p.start()
        else:
            timer = threading.Timer(delay, p.start)
            timer.daemon = True
            timer.start()
    try:
        yield p
    finally:
        if timer is not None:
            timer.cancel()
            timer.join()
        p.stop()


def scheduler_option(what: str, same: str) -> Any:
    """The ``--scheduler`` option of the commands that run on an engine (`stratowatch.scale`):
    ``what`` runs there; ``same`` says what does not depend on it."""
    return typer.Option(
        None,
        "--scheduler",
        help=f"Where {what} run: inprocess (default), threads[:N], local[:N] (a Dask "
        "LocalCluster), a Dask scheduler address tcp://host:8786 or a scheduler file; default "
        f"$STRATOWATCH_SCHEDULER. {same}",
    )
