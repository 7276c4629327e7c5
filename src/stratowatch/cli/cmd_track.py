"""`stratowatch track REPORTS...`: reports of any kind into tracks, with "same object?" decisions."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..atmosphere.sources import open_wind
from ..errors import InputError
from ..io.export import write_features
from ..io.readers import read_observations
from ..timeutil import iso
from ..track.output import (
    repeat_summary,
    review,
    tracking_summary,
    tracks_feature_collection,
    write_state_csv,
)
from ..track.tracker import TrackerConfig, track_observations
from .common import console, err_console, print_json, progress

__all__ = ["register", "track"]

_OUT_SUFFIXES = (".csv", ".geojson", ".json", ".kml", ".czml")
_FORMATS = ("auto", "csv", "json", "aprs", "ukhas", "reports", "shab", "angles")
#: text output lists at most this many tracks and decisions (all are in --json and --out)
_MAX_LINES = 30


def track(
    reports: Annotated[
        list[Path],
        typer.Argument(
            help="Report files: CSV fixes, JSON, raw APRS logs, UKHAS telemetry logs, "
            "public-report CSV, sightings."
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", help="auto, csv, json, aprs, ukhas, reports, shab or angles."),
    ] = "auto",
    wind: Annotated[
        str, typer.Option("--wind", help="climatology, calm or a wind file.")
    ] = "climatology",
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Tracker settings (TOML): top-level keys are TrackerConfig fields, a [motion] "
            "table MotionModel fields; they replace the defaults for the wind source.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write tracks: .csv (one row per state), .geojson, .kml or .czml."),
    ] = None,
    confirmed_only: Annotated[
        bool,
        typer.Option(
            "--confirmed-only", help="Write and list only confirmed tracks (not clutter)."
        ),
    ] = False,
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
    second_look: Annotated[
        bool,
        typer.Option(
            "--second-look/--no-second-look",
            help="Compare every unconfirmed track that a confirmed one could have reached with "
            "it (ensembles; default on).",
        ),
    ] = True,
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
    cfg = TrackerConfig.for_wind(field)
    if config is not None:
        cfg = TrackerConfig.from_toml(config, base=cfg)
    cfg = dataclasses.replace(cfg, smooth=smooth)
    show = err_console.is_terminal and not as_json
    with progress(enabled=show) as bar:
        task = bar.add_task("tracking", total=len(obs))
        result = track_observations(
            obs,
            wind=field,
            config=cfg,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        reviews = None
        if second_look:
            look = bar.add_task("second look", total=None)
            reviews = review(
                result,
                wind=field,
                progress=lambda done, total: bar.update(look, completed=done, total=total),
            )
    if out is not None:
        if out.suffix.lower() == ".csv":
            write_state_csv(out, result, confirmed_only=confirmed_only)
        else:
            write_features(out, tracks_feature_collection(result, confirmed_only=confirmed_only))
    if obs.issues:
        err_console.print(
            f"[yellow]{len(obs.issues)} row(s) skipped[/] (use --strict to stop at the first):",
            highlight=False,
        )
        for e in obs.issues[:10]:
            err_console.print(f"  {escape(str(e))}", highlight=False, soft_wrap=True)
        if len(obs.issues) > 10:
            err_console.print(f"  ... and {len(obs.issues) - 10} more", highlight=False)
    reps = repeat_summary(obs)
    if reps["n"]:
        rules = ", ".join(f"{k} {v}" for k, v in reps["by_rule"].items())
        late = (
            f"; the latest arrived {reps['max_delay_s'] / 60:.1f} min after the first"
            if reps["max_delay_s"] is not None
            else ""
        )
        err_console.print(
            f"[yellow]{reps['n']} repeat(s) of earlier receptions dropped[/] (same {rules}"
            f"{late}); the first reception of each is kept:",
            highlight=False,
            soft_wrap=True,
        )
        for r in obs.repeats[:5]:
            err_console.print(f"  {escape(str(r))}", highlight=False, soft_wrap=True)
        if reps["n"] > 5:
            err_console.print(f"  ... and {reps['n'] - 5} more (see --json)", highlight=False)
    if reps["retimed_packets"]:
        err_console.print(
            f"{reps['retimed_packets']} late packet(s) without a time of their own were "
            "re-timed from their sequence number",
            highlight=False,
        )
    if as_json:
        print_json(tracking_summary(result, reviews=reviews, confirmed_only=confirmed_only))
        return
    counts = {s: sum(t.status == s for t in result.tracks) for s in ("confirmed", "tentative")}
    deleted = len(result.tracks) - sum(counts.values())
    console.print(
        f"[bold]{len(result.tracks)} track(s)[/] from {len(obs)} reports: "
        f"{counts['confirmed']} confirmed, {counts['tentative']} tentative, {deleted} deleted "
        f"(wind: {field.meta.source}; {'smoothed' if smooth else 'filtered'} states)",
        highlight=False,
        soft_wrap=True,
    )
    listed = [t for t in result.tracks if t.status == "confirmed" or not confirmed_only]
    for tr in listed[:_MAX_LINES]:
        a = tr.altitude
        srcs = ", ".join(tr.sources)
        console.print(
            f"track {tr.track_id} ({tr.status}{', ended' if tr.ended else ''}): "
            f"{iso(tr.time[0])} -> {iso(tr.time[-1])}, "
            f"{tr.n_updates} report(s), altitude {a.mean:,.0f} +- {a.sigma:,.0f} m ({a.method}); "
            f"sources: {escape(srcs if len(srcs) < 80 else srcs[:77] + '...')}",
            highlight=False,
            soft_wrap=True,
        )
    if len(listed) > _MAX_LINES:
        console.print(f"... and {len(listed) - _MAX_LINES} more track(s)", highlight=False)
    started = [d for d in result.decisions if d.action != "update"]
    for d in started[:_MAX_LINES]:
        console.print(f"- {escape(d.explanation)}", highlight=False, soft_wrap=True)
    if len(started) > _MAX_LINES:
        console.print(
            f"... and {len(started) - _MAX_LINES} more new-track decision(s) (see --json)",
            highlight=False,
        )
    if reviews is not None:
        for v in reviews.verdicts[:_MAX_LINES]:
            console.print(
                f"- second look: {escape(v.explanation)}", highlight=False, soft_wrap=True
            )
        if reviews.unreachable:
            console.print(
                f"- second look skipped for {reviews.unreachable} of {reviews.candidates} "
                "unconfirmed track(s) that no confirmed track could have reached",
                highlight=False,
            )
    if out is not None:
        console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("track")(track)
