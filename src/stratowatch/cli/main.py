"""Top-level `stratowatch` app: each command module adds itself with ``register(app)``.

Errors from the library (`StratowatchError`) become a one-paragraph message on stderr and the
error's exit code, never a traceback.
"""

from __future__ import annotations

import gc
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from .. import __version__
from ..errors import StratowatchError
from . import (
    cmd_assess,
    cmd_demo,
    cmd_engage,
    cmd_predict,
    cmd_reach,
    cmd_serve,
    cmd_sweep,
    cmd_token,
    cmd_track,
    cmd_verify,
    cmd_warmup,
    cmd_wind,
)
from .common import err_console

__all__ = ["app", "main"]


class _Group(TyperGroup):
    """Turns library errors into messages and exit codes for every subcommand."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click; its Context type is private
        try:
            return super().invoke(ctx)
        except StratowatchError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="stratowatch",
    cls=_Group,
    help="High-altitude balloons: wind, prediction, tracking, assessment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stratowatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """stratowatch: where is it, where did it come from, where will it go, and what if it falls."""


for _module in (cmd_wind, cmd_predict, cmd_verify, cmd_track, cmd_assess, cmd_engage, cmd_demo):
    _module.register(app)
for _module in (cmd_serve, cmd_token):  # the service
    _module.register(app)
cmd_reach.register(app)
cmd_sweep.register(app)
cmd_warmup.register(app)


def main() -> None:
    """Console-script entry point.

    The garbage collector's full passes traverse every live object, and a command allocates
    most of its long-lived ones at start-up (the imported modules, numba's cached kernels):
    with the default thresholds (700, 10, 10) it ran full passes over them again and again
    (0.2-0.3 s of the CPU time of a small `predict`, benchmarks/bench_predict_cli.py). The
    objects alive now are frozen out of later passes and young objects are collected less
    often; reference cycles are still collected (the service and `track --follow` run for
    days)."""
    gc.freeze()
    gc.set_threshold(100_000, 20, 100)
    app()
