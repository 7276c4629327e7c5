"""`stratowatch engage`: engagement windows along the path, ranked by casualty expectation."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from ..assess.engage import DEFAULT_THRESHOLD
from ..assess.planner import engage
from ..errors import InputError
from ..io.export import write_features
from ..timeutil import iso
from .common import console, print_json, to_jsonable

__all__ = ["register"]


def engage_cmd(
    track: str | None = typer.Option(None, "--track", help="Track/prediction CSV or GeoJSON."),
    track_id: str | None = typer.Option(
        None, "--track-id", help="Which track of a tracker's state CSV."
    ),
    lat: float | None = typer.Option(None, "--lat", help="Current latitude, degrees."),
    lon: float | None = typer.Option(None, "--lon", help="Current longitude, degrees."),
    alt: float | None = typer.Option(None, "--alt", help="Current altitude, m."),
    time: str | None = typer.Option(None, "--time", help="Current time, ISO 8601 UTC."),
    hours: float = typer.Option(
        48.0,
        "--hours",
        help="Horizon, h (0: only the given point; with --track: from --time, else whole track).",
    ),
    every: float = typer.Option(10.0, "--every", help="Minutes between windows."),
    threshold: float = typer.Option(DEFAULT_THRESHOLD, "--threshold", help="Ec limit."),
    own: str = typer.Option("US", "--own", help="ISO code of own territory ('' for any)."),
    wind: str = typer.Option("climatology", "--wind", help="climatology, calm or a wind file."),
    members: int = typer.Option(10, "--members", help="Wind ensemble members."),
    samples: int = typer.Option(4, "--samples", help="Fragments simulated per class and member."),
    seed: int = typer.Option(0, "--seed"),
    sheltering: float = typer.Option(
        0.0, "--sheltering", help="Fraction of people protected by buildings (0..1)."
    ),
    out: str | None = typer.Option(
        None, "--out", help="Directory for engage.json and engage.geojson."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last stdout line)."),
) -> None:
    """Score break-up windows along the path (Ec, P(land), territory) and recommend one."""
    if track is None and None in (lat, lon, alt, time):
        raise InputError(
            "give --track FILE, or all of --lat --lon --alt --time",
            expected="a track file or the current position",
        )
    plan, features = engage(
        track=track,
        track_id=track_id,
        lat=lat,
        lon=lon,
        alt=alt,
        time=time,
        hours=hours,
        every_min=every,
        threshold=threshold,
        own=own or None,
        wind=wind,
        members=members,
        samples=samples,
        seed=seed,
        sheltering=sheltering,
        footprint=out is not None,
    )
    summary = plan.as_dict()
    if out is not None:
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "engage.json").write_text(json.dumps(to_jsonable(summary), allow_nan=False))
        write_features(out_dir / "engage.geojson", to_jsonable(features))
        summary["written"] = [str(out_dir / "engage.json"), str(out_dir / "engage.geojson")]
    if as_json:
        print_json(summary)
        return
    t = Table("time", "lat", "lon", "Ec", "P(land)", "territory", "ok", title="Engagement windows")
    step = max(1, len(plan.windows) // 40)
    for w in plan.windows[::step]:
        t.add_row(
            iso(w.time),
            f"{w.lat:.3f}",
            f"{w.lon:.3f}",
            f"{w.ec:.2g}",
            f"{w.p_land:.2f}",
            w.territory or "-",
            "yes" if w.ok else "no",
        )
    console.print(t)
    console.print(
        f"[bold]{'recommended' if plan.recommended else 'no recommendation'}:[/] {plan.reason}"
    )
    for line in plan.explanation:
        console.print(f"  {line}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("engage")(engage_cmd)
