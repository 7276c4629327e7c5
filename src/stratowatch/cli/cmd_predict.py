"""`stratowatch predict`: ensemble trajectory prediction (forward or backward)."""

from __future__ import annotations

import math
import time as _time
from pathlib import Path
from typing import Any

import typer

from ..atmosphere.sources import open_wind
from ..predict import predict as run_predict
from ..report.flight import write_prediction
from .common import console, print_json, progress

__all__ = ["register"]


def _wind_spec(wind: str) -> Any:
    parts = [s.strip() for s in wind.split(",") if s.strip()]
    return parts if len(parts) > 1 else wind


def predict_cmd(
    time: str = typer.Option(..., "--time", help="Start time, ISO-8601 UTC."),
    lat: float = typer.Option(..., "--lat", help="Latitude, degrees north."),
    lon: float = typer.Option(..., "--lon", help="Longitude, degrees east."),
    alt: float = typer.Option(..., "--alt", help="Altitude now, m above mean sea level."),
    profile: str = typer.Option(
        "float", "--profile", help="float | standard | descent | fall (ballistic, needs --beta)."
    ),
    float_alt: float | None = typer.Option(
        None, "--float-alt", help="Float altitude, m (default: --alt; above it: ascend first)."
    ),
    ascent_rate: float = typer.Option(5.0, "--ascent-rate", help="Ascent rate, m/s."),
    burst_alt: float = typer.Option(30000.0, "--burst-alt", help="Burst altitude, m."),
    descent_rate: float = typer.Option(
        5.0, "--descent-rate", help="Parachute descent rate at sea level, m/s."
    ),
    hours: float = typer.Option(48.0, "--hours", help="Horizon, hours."),
    members: int = typer.Option(1, "--members", help="Ensemble members."),
    beta: float | None = typer.Option(
        None, "--beta", help="Ballistic coefficient m/(Cd A), kg/m2 (profile fall)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed of the perturbations."),
    wind: str = typer.Option(
        "climatology", "--wind", help="climatology | calm | wind file(s) a.grib2[,b.grib2]."
    ),
    wind_sigma: float | None = typer.Option(
        None,
        "--wind-sigma",
        help="Wind error per component, m/s (default 3.5 when members > 1; 0 = off).",
    ),
    alt_sigma: float = typer.Option(
        0.0, "--alt-sigma", help="Spread of float/burst/start altitude, m (0 = off)."
    ),
    pos_sigma: float = typer.Option(0.0, "--pos-sigma", help="Start position spread, m."),
    time_sigma: float = typer.Option(0.0, "--time-sigma", help="Start time spread, s."),
    backward: bool = typer.Option(False, "--backward", help="Run back in time (origin)."),
    output_step: float = typer.Option(600.0, "--output-step", help="Path point spacing, s."),
    out: str | None = typer.Option(
        None,
        "--out",
        help="Write FILE.html (flight report: map + altitude plot) or FILE.geojson|.json|.csv|"
        ".kml|.czml (median path, regions, 50/90 % end regions; + FILE.density.nc) or FILE.nc.",
    ),
    member_paths: bool = typer.Option(
        False, "--member-paths", help="Include every member's path in --out."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Predict where a balloon goes (or came from, --backward), with an ensemble corridor."""
    field = open_wind(_wind_spec(wind))
    chunk = max(500, math.ceil(members / 20)) if members > 0 else 1
    t_start = _time.perf_counter()
    with progress(enabled=not as_json and members >= 200) as bar:
        task = bar.add_task("members", total=max(members, 1))

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        pred = run_predict(
            time,
            lat,
            lon,
            alt,
            profile=profile,  # type: ignore[arg-type]  # validated by predict()
            wind=field,
            hours=hours,
            members=members,
            float_alt=float_alt,
            ascent_rate=ascent_rate,
            burst_alt=burst_alt,
            descent_rate=descent_rate,
            beta=beta,
            wind_sigma=wind_sigma,
            alt_sigma=alt_sigma,
            pos_sigma_m=pos_sigma,
            time_sigma_s=time_sigma,
            backward=backward,
            seed=seed,
            output_step_s=output_step,
            progress=report,
            chunk=chunk,
        )
    total = _time.perf_counter() - t_start
    summary = pred.summary()
    if out is not None:
        files = write_prediction(Path(out), pred, member_paths=member_paths)
        summary["out"] = str(files[0])
        summary["files"] = [str(f) for f in files]
    if as_json:
        print_json(summary)
        return
    e = summary["end"]
    word = "origin" if backward else "end"
    console.print(
        f"[bold]{pred.profile}[/] prediction, {pred.members} member(s), wind {pred.wind_source}"
    )
    console.print(
        f"median {word}: {e['time']}  lat {e['lat']:.4f}  lon {e['lon']:.4f}  "
        f"alt {e['alt_m']:.0f} m"
    )
    console.print(f"50 % within {e['r50_km']:.1f} km, 90 % within {e['r90_km']:.1f} km")
    if pred.profile != "float":
        console.print(f"landed: {100 * e['landed_fraction']:.1f} % of members")
    console.print(f"integration {pred.elapsed_s:.3f} s (total {total:.2f} s)")
    for w in pred.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    if out is not None:
        console.print("wrote " + ", ".join(summary["files"]))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("predict")(predict_cmd)
