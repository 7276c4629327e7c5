"""`stratowatch track REPORTS...`: reports of any kind into tracks, with "same object?" decisions."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.markup import escape

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from ..errors import InputError
from ..geo.places import PlaceDescription
from ..io.export import write_features
from ..io.readers import read_observations
from ..report.words import explain_track, name_coordinates, places_of, track_facts
from ..timeutil import iso
from ..track.observations import Observations
from ..track.output import (
    repeat_summary,
    review,
    tracking_summary,
    tracks_feature_collection,
    write_state_csv,
)
from ..track.tracker import TrackerConfig, TrackingResult, track_observations
from .common import console, err_console, print_json, progress
from .motion_view import explain_for_cli, print_motion
from .validate import check_out, check_wind_area, check_wind_time, writing

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
    explain_motion: Annotated[
        bool,
        typer.Option(
            "--explain-motion",
            help="Passive drift, altitude changes or propulsion? (longest track; see docs).",
        ),
    ] = False,
    alt_band: Annotated[
        str, typer.Option("--alt-band", help="Altitudes for --explain-motion, LOW:HIGH m.")
    ] = "15000:22000",
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Also print one plain-language paragraph for non-analysts."),
    ] = False,
    allow_stale_wind: Annotated[
        bool,
        typer.Option(
            "--allow-stale-wind",
            help="Use a wind file valid more than 3 days from the reports (a warning).",
        ),
    ] = False,
) -> None:
    """Build tracks from reports; say which reports are the same object and which are not."""
    if fmt not in _FORMATS:
        raise InputError("unknown --format", value=fmt, expected=", ".join(_FORMATS))
    check_out(out, suffixes=_OUT_SUFFIXES)
    obs = read_observations(list(reports), format=fmt, strict=strict)  # type: ignore[arg-type]
    field = open_wind(wind)
    warnings = _check_wind(field, obs, allow_stale=allow_stale_wind)
    for w in warnings:
        err_console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
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
        with writing(out):
            if out.suffix.lower() == ".csv":
                write_state_csv(out, result, confirmed_only=confirmed_only)
            else:
                write_features(
                    out, tracks_feature_collection(result, confirmed_only=confirmed_only)
                )
    facts = track_facts(result, reviews)
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
    motion = explain_for_cli(result, field, alt_band) if explain_motion and result.tracks else None
    if as_json:
        summary = tracking_summary(result, reviews=reviews, confirmed_only=confirmed_only)
        if motion is not None:
            summary["explain_motion"] = motion.summary()
        _add_places(summary, result)
        summary["warnings"] = warnings
        if explain:
            summary["explanation"] = explain_track(facts)
            summary["explanation_facts"] = facts
        print_json(summary)
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
    ends = places_of(
        [(float(t.lat[0]), float(t.lon[0])) for t in listed[:_MAX_LINES]]
        + [(float(t.lat[-1]), float(t.lon[-1])) for t in listed[:_MAX_LINES]]
    )
    nl = len(listed[:_MAX_LINES])
    for j, tr in enumerate(listed[:_MAX_LINES]):
        a = tr.altitude
        srcs = ", ".join(tr.sources)
        first, last = ends[j], ends[nl + j]
        span = f"{iso(tr.time[0])} at {_at(tr.lat[0], tr.lon[0], first)}"
        if len(tr) > 1:
            span += f" -> {iso(tr.time[-1])} at {_at(tr.lat[-1], tr.lon[-1], last)}"
        console.print(
            f"track {tr.track_id} ({tr.status}{', ended' if tr.ended else ''}): {escape(span)}, "
            f"{tr.n_updates} report(s), altitude {a.mean:,.0f} +- {a.sigma:,.0f} m ({a.method}); "
            f"sources: {escape(srcs if len(srcs) < 80 else srcs[:77] + '...')}",
            highlight=False,
            soft_wrap=True,
        )
    if len(listed) > _MAX_LINES:
        console.print(f"... and {len(listed) - _MAX_LINES} more track(s)", highlight=False)
    started = [d for d in result.decisions if d.action != "update"]
    for d in started[:_MAX_LINES]:
        i = d.obs_index
        at = (
            f" (report at {_at(obs.lat[i], obs.lon[i], None)})"
            if 0 <= i < len(obs) and np.isfinite(obs.lat[i])
            else ""
        )
        console.print(f"- {escape(d.explanation + at)}", highlight=False, soft_wrap=True)
    if len(started) > _MAX_LINES:
        console.print(
            f"... and {len(started) - _MAX_LINES} more new-track decision(s) (see --json)",
            highlight=False,
        )
    if reviews is not None:
        for v in reviews.verdicts[:_MAX_LINES]:
            console.print(
                f"- second look: {escape(name_coordinates(v.explanation))}",
                highlight=False,
                soft_wrap=True,
            )
        if reviews.unreachable:
            console.print(
                f"- second look skipped for {reviews.unreachable} of {reviews.candidates} "
                "unconfirmed track(s) that no confirmed track could have reached",
                highlight=False,
            )
    if motion is not None:
        print_motion(motion)
    for w in warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"wrote {out}", highlight=False)
    if explain:
        console.print()
        console.print(escape(explain_track(facts)), highlight=False)


def _at(lat: float, lon: float, place: PlaceDescription | None) -> str:
    """``47.50, -111.00 (United States, 23 km E of Great Falls, Montana)``."""
    if place is None:
        found = places_of([(float(lat), float(lon))])[0]
        place = found
    xy = f"{float(lat):.2f}, {float(lon):.2f}"
    return f"{xy} ({place.text})" if place is not None else xy


def _check_wind(field: WindField, obs: Observations, *, allow_stale: bool) -> list[str]:
    """The wind must cover the reports' area and be valid near their times."""
    ok = np.isfinite(obs.lat) & np.isfinite(obs.lon)
    if ok.any():
        k = int(np.flatnonzero(ok)[0])
        check_wind_area(field, float(obs.lat[k]), float(obs.lon[k]), what="the first report")
    t = obs.time[np.isfinite(obs.time)]
    if t.size == 0:
        return []
    return check_wind_time(
        field, [float(t.min()), float(t.max())], allow_stale=allow_stale, what="the reports"
    )


def _add_places(summary: dict[str, Any], result: TrackingResult) -> None:
    """``first_place`` / ``last_place`` on each track of the JSON summary."""
    tracks = summary.get("tracks", [])
    pts = [(float(t["first"][0]), float(t["first"][1])) for t in tracks]
    pts += [(float(t["last"][0]), float(t["last"][1])) for t in tracks]
    found = places_of(pts)
    n = len(tracks)
    for j, t in enumerate(tracks):
        a, b = found[j], found[n + j]
        t["first_place"] = None if a is None else a.as_dict()
        t["last_place"] = None if b is None else b.as_dict()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("track")(track)
