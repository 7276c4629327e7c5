"""`stratowatch verify`: hindcast a real flight's descent and report the error by lead time."""

from __future__ import annotations

from typing import Annotated

import typer

from ..atmosphere.sources import open_wind
from ..predict.verify import hindcast
from .common import console, print_json

__all__ = ["register"]


def verify_cmd(
    track: Annotated[
        list[str],
        typer.Argument(
            help="Track file(s) of one flight: APRS log(s) (A= feet), SHAB CSV, position CSV."
        ),
    ],
    wind: str = typer.Option(
        "ascent",
        "--wind",
        help="ascent (the profile the flight measured before its descent), climatology, calm, "
        "or a wind file.",
    ),
    descent_rate: float | None = typer.Option(
        None, "--descent-rate", help="Sea-level descent rate, m/s (default: fitted to the track)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Predict a tracked balloon's descent from its burst, compare with where it went."""
    field = None if wind == "ascent" else open_wind(wind)
    result = hindcast(track, wind=field, descent_rate=descent_rate)
    summary = result.summary()
    if as_json:
        print_json(summary)
        return
    s = summary
    console.print(f"[bold]{s['track']}[/]: descent from {s['start']['time']} at "
                  f"{s['start']['alt_m']:.0f} m to {s['end_alt_m']:.0f} m")  # fmt: skip
    console.print(f"wind: {s['wind']}; descent rate {s['descent_rate_m_s']:.2f} m/s (sea level)")
    console.print(
        f"landing error [bold]{s['landing_error_km']:.2f} km[/] "
        f"(it drifted {s['descent_distance_km']:.1f} km during the descent)"
    )
    console.print("lead time (min)   n   median km   90 % km")
    for b in s["by_lead"]:
        console.print(
            f"{b['lead_min_from']:>5.0f}-{b['lead_min_to']:<5.0f} {b['n']:>6d} "
            f"{b['median_km']:>10.2f} {b['p90_km']:>9.2f}"
        )
    for w in s["warnings"]:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("verify")(verify_cmd)
