"""`stratowatch warmup`: compile the numba kernels and build first-use caches (after install)."""

from __future__ import annotations

import typer

from .common import console, err_console, print_json, progress

__all__ = ["register"]


def warmup_cmd(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Compile every compiled kernel once (numba's on-disk cache) and build the land-mask cache,
    so that the first real command starts fast. `make install` runs it."""
    from ..scale.warmup import warmup

    with progress(enabled=not as_json) as bar:
        task = bar.add_task("warm-up", total=6)
        result = warmup(progress=lambda name, d, t: bar.update(task, completed=d, total=t))
    if as_json:
        print_json(result)
        return
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in result["steps"].items())
    console.print(f"compiled kernels ready in {result['total_s']:.1f} s ({steps})")
    if result["uncompiled"]:
        err_console.print(
            "[yellow]not compiled by the warm-up:[/] " + ", ".join(result["uncompiled"]),
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("warmup")(warmup_cmd)
