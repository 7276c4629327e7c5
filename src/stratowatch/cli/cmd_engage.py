"""`stratowatch engage`: engagement windows along the path, ranked by casualty expectation."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.table import Table

from ..assess.engage import (
    DEFAULT_PLACEMENTS,
    DEFAULT_POSITIONS,
    DEFAULT_THRESHOLD,
    format_ec,
    format_p,
)
from ..assess.planner import engage as _run
from ..errors import InputError
from ..io.export import SUPPORTED_SUFFIXES, write_features
from ..timeutil import iso
from .common import console, err_console, print_json, to_jsonable

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
    hours: float | None = typer.Option(
        None,
        "--hours",
        help="Horizon, h (default 48; 0: only the given point). With --track: from --time (default "
        "the track's start), default to the track's end; beyond its end the track is continued by "
        "a forecast from its last point.",
    ),
    every: float = typer.Option(10.0, "--every", help="Minutes between windows."),
    threshold: float = typer.Option(DEFAULT_THRESHOLD, "--threshold", help="Ec limit."),
    own: str = typer.Option("US", "--own", help="ISO code of own territory ('' for any)."),
    wind: str = typer.Option("climatology", "--wind", help="climatology, calm or a wind file."),
    members: int = typer.Option(
        DEFAULT_POSITIONS,
        "--members",
        help="Forecast members = break-up positions per window, each in its own wind member.",
    ),
    samples: int = typer.Option(
        3, "--samples", help="Fragments simulated per class and break-up position."
    ),
    placements: int = typer.Option(
        DEFAULT_PLACEMENTS,
        "--placements",
        help="Positions each simulated debris field is also laid at (forecast: members x this).",
    ),
    position_sigma_km: float = typer.Option(
        0.0, "--position-sigma", help="Extra 1-sigma position uncertainty per axis, km."
    ),
    seed: int = typer.Option(0, "--seed"),
    sheltering: float = typer.Option(
        0.0, "--sheltering", help="Fraction of people protected by buildings (0..1)."
    ),
    out: str | None = typer.Option(
        None,
        "--out",
        help="A .geojson/.kml/.czml/.csv file for the windows and the recommended footprint, or a "
        "directory for engage.json and engage.geojson.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last stdout line)."),
) -> None:
    """Score break-up windows along the path (Ec, P(land), territory) and recommend one."""
    if track is None and None in (lat, lon, alt, time):
        raise InputError(
            "give --track FILE, or all of --lat --lon --alt --time",
            expected="a track file or the current position",
        )
    status = (
        nullcontext()
        if as_json
        else err_console.status(f"forecasting and breaking up at {members} positions per window")
    )
    with status:
        plan, features = _run(
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
            position_sigma_m=position_sigma_km * 1000.0,
            footprint=out is not None,
        )
    summary = plan.as_dict()
    if out is not None:
        summary["written"] = _write(Path(out), summary, features)
    if as_json:
        print_json(summary)
        return
    pct = f"{plan.windows[0].confidence * 100:.0f} %" if plan.windows else "90 %"
    t = Table(
        "time",
        "lat",
        "lon",
        f"Ec ({pct})",
        "P(land)",
        "territory",
        "ok",
        title=f"Engagement windows ({plan.method.get('realisations_per_window')} break-up "
        "positions each)",
    )
    step = max(1, len(plan.windows) // 40)
    for w in plan.windows[::step]:
        terr = ", ".join(
            f"{c} {format_p(p, lo, hi, n=w.realisations)}" for c, p, lo, hi in w.p_territory[:2]
        )
        t.add_row(
            iso(w.time),
            f"{w.lat:.3f}",
            f"{w.lon:.3f}",
            format_ec(w.ec, w.ec_lo, w.ec_hi, confidence=w.confidence),
            format_p(w.p_land, w.p_land_lo, w.p_land_hi, n=w.realisations),
            terr or "intl waters",
            "yes" if w.ok else "no",
        )
    console.print(t)
    console.print(
        f"[bold]{'recommended' if plan.recommended else 'no recommendation'}:[/] {plan.reason}"
    )
    for line in plan.explanation:
        console.print(f"  {line}")


def _write(out: Path, summary: dict[str, object], features: dict[str, object]) -> list[str]:
    """A file name with a feature suffix gets the features; anything else is a directory."""
    try:
        if out.suffix.lower() in SUPPORTED_SUFFIXES:
            return [str(write_features(out, to_jsonable(features)))]
        if out.exists() and not out.is_dir():
            raise InputError(
                "--out exists and is not a directory",
                path=out,
                expected="a directory, or a file ending in " + ", ".join(SUPPORTED_SUFFIXES),
            )
        out.mkdir(parents=True, exist_ok=True)
        (out / "engage.json").write_text(json.dumps(to_jsonable(summary), allow_nan=False))
        write_features(out / "engage.geojson", to_jsonable(features))
        return [str(out / "engage.json"), str(out / "engage.geojson")]
    except OSError as exc:
        raise InputError(
            f"cannot write the output: {exc.strerror or exc}",
            path=out,
            expected="a writable file or directory",
        ) from None


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("engage")(engage_cmd)
