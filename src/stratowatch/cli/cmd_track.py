"""`stratowatch track REPORTS...`: reports of any kind into tracks, with "same object?" decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..atmosphere.sources import open_wind
from ..errors import InputError
from ..io.export import write_features
from ..io.readers import read_observations
from ..timeutil import iso
from ..track.output import (
    review_new_objects,
    tracking_summary,
    tracks_feature_collection,
    write_state_csv,
)
from ..track.tracker import track_observations
from .common import console, err_console, print_json
from .motion_view import explain_for_cli, print_motion

__all__ = ["register", "track"]

_OUT_SUFFIXES = (".csv", ".geojson", ".json", ".kml", ".czml")
_FORMATS = ("auto", "csv", "json", "aprs", "reports", "shab", "angles")


def track(
    reports: Annotated[
        list[Path],
        typer.Argument(
            help="Report files: CSV fixes, JSON, raw APRS logs, public-report CSV, sightings."
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="auto, csv, json, aprs, reports, shab or angles.")
    ] = "auto",
    wind: Annotated[
        str, typer.Option("--wind", help="climatology, calm or a wind file.")
    ] = "climatology",
    out: Annotated[
        Path | None,
        typer.Option(help="Write tracks: .csv (one row per state), .geojson, .kml or .czml."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on one line.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad row.")] = False,
    smooth: Annotated[
        bool,
        typer.Option(
            "--smooth/--no-smooth",
            help="Smoothed states (default): each state uses all reports, before and after it "
            "(fixed-interval RTS smoother over the whole file). --no-smooth: filtered states, "
            "each known only from reports up to its time (what a live tracker would have shown).",
        ),
    ] = True,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain-motion",
            help="Passive drift, altitude changes or propulsion? (longest track; see docs).",
        ),
    ] = False,
    alt_band: Annotated[
        str, typer.Option("--alt-band", help="Altitudes for --explain-motion, LOW:HIGH m.")
    ] = "15000:22000",
) -> None:
    """Build tracks from reports; say which reports are the same object and which are not."""
    if fmt not in _FORMATS:
        raise InputError("unknown --format", value=fmt, expected=", ".join(_FORMATS))
    if out is not None and out.suffix.lower() not in _OUT_SUFFIXES:
        raise InputError(
            "unsupported output format",
            path=out,
            value=out.suffix,
            expected=", ".join(_OUT_SUFFIXES),
        )
    obs = read_observations(list(reports), format=fmt, strict=strict)  # type: ignore[arg-type]
    field = open_wind(wind)
    result = track_observations(obs, wind=field, smooth=smooth)
    reviews = review_new_objects(result, wind=field)
    if out is not None:
        if out.suffix.lower() == ".csv":
            write_state_csv(out, result)
        else:
            write_features(out, tracks_feature_collection(result))
    summary = tracking_summary(result, reviews=reviews)
    motion = explain_for_cli(result, field, alt_band) if explain and result.tracks else None
    if motion is not None:
        summary["explain_motion"] = motion.summary()
    if obs.issues:
        err_console.print(
            f"[yellow]{len(obs.issues)} row(s) skipped[/] (use --strict to stop at the first):",
            highlight=False,
        )
        for e in obs.issues[:10]:
            err_console.print(f"  {e}", highlight=False, soft_wrap=True)
        if len(obs.issues) > 10:
            err_console.print(f"  ... and {len(obs.issues) - 10} more", highlight=False)
    if as_json:
        print_json(summary)
        return
    console.print(
        f"[bold]{len(result.tracks)} track(s)[/] from {len(obs)} reports "
        f"(wind: {field.meta.source}; {'smoothed' if smooth else 'filtered'} states)",
        highlight=False,
    )
    for tr in result.tracks:
        a = tr.altitude
        srcs = ", ".join(tr.sources)
        console.print(
            f"track {tr.track_id} ({tr.status}): {iso(tr.time[0])} -> {iso(tr.time[-1])}, "
            f"{tr.n_updates} report(s), altitude {a.mean:,.0f} +- {a.sigma:,.0f} m ({a.method}); "
            f"sources: {srcs if len(srcs) < 80 else srcs[:77] + '...'}",
            highlight=False,
            soft_wrap=True,
        )
    for d in result.decisions:
        if d.action != "update":
            console.print(f"- {d.explanation}", highlight=False, soft_wrap=True)
    for v in reviews:
        console.print(f"- second look: {v.explanation}", highlight=False, soft_wrap=True)
    if motion is not None:
        print_motion(motion)
    if out is not None:
        console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("track")(track)
