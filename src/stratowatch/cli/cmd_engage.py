"""`stratowatch engage`: engagement windows along the path, ranked by casualty expectation."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from ..errors import InputError
from ..timeutil import iso, to_epoch
from .common import console, err_console, print_json, scheduler_option, to_jsonable
from .validate import check_hours, check_out, check_position, check_wind_area, check_wind_time

__all__ = ["register"]

# the defaults shown by --help, equal to `assess.engage`'s (tests/cli/test_startup.py checks);
# written here so that `--help` does not import the debris model
DEFAULT_THRESHOLD = 1e-4
DEFAULT_POSITIONS = 40
DEFAULT_PLACEMENTS = 5


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
    explain: bool = typer.Option(
        False, "--explain", help="Also print one plain-language paragraph for non-analysts."
    ),
    allow_stale_wind: bool = typer.Option(
        False,
        "--allow-stale-wind",
        help="Use a wind file valid more than 3 days from the start (a warning).",
    ),
    scheduler: str | None = scheduler_option(
        "the debris falls", "Same seed, same plan on any of them."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last stdout line)."),
) -> None:
    """Score break-up windows along the path (Ec, P(land), territory) and recommend one."""
    from ..assess.engage import format_ec, format_p
    from ..assess.planner import engage as _run
    from ..atmosphere.sources import open_wind
    from ..io.export import SUPPORTED_SUFFIXES
    from ..report.words import explain_engagement, name_coordinates, places_of
    from ..scale import open_engine

    if track is None and None in (lat, lon, alt, time):
        raise InputError(
            "give --track FILE, or all of --lat --lon --alt --time",
            expected="a track file or the current position",
        )
    lat, lon, _ = check_position(lat, lon, alt)
    warnings = check_hours(hours, allow_zero=True)
    check_out(out, suffixes=SUPPORTED_SUFFIXES, folder=None)
    field = open_wind(wind)
    warnings += _check_wind(field, track, track_id, lat, lon, alt, time, allow_stale_wind)
    if not as_json:
        for msg in warnings:
            err_console.print(f"[yellow]warning:[/] {escape(msg)}", highlight=False, soft_wrap=True)
    status = (
        nullcontext()
        if as_json
        else err_console.status(f"forecasting and breaking up at {members} positions per window")
    )
    with status, open_engine(scheduler) as eng:
        engine_info = eng.describe()
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
            wind=field,
            members=members,
            samples=samples,
            seed=seed,
            sheltering=sheltering,
            position_sigma_m=position_sigma_km * 1000.0,
            placements=placements,
            footprint=out is not None,
            engine=None if engine_info["engine"] == "inprocess" else eng,
        )
    summary: dict[str, Any] = dict(plan.as_dict())
    if engine_info["engine"] != "inprocess":
        summary["engine"] = engine_info
    rec = summary.get("recommended")
    pts = [(float(w["lat"]), float(w["lon"])) for w in summary["windows"]]
    found = places_of(pts + ([(float(rec["lat"]), float(rec["lon"]))] if rec else []))
    for win, d in zip(summary["windows"], found, strict=False):
        win["place"] = None if d is None else d.text
    if rec is not None:
        rec["place"] = None if found[-1] is None else found[-1].text
    summary["warnings"] = warnings + list(summary.get("warnings", []))
    if explain:
        summary["explanation_text"] = explain_engagement(summary)
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
    best = summary.get("recommended") or (
        min(summary["windows"], key=lambda w: (w["ec_hi"], w["ec"])) if summary["windows"] else None
    )
    if best is not None and best.get("place"):
        label = "recommended window" if summary.get("recommended") else "lowest-risk window"
        console.print(
            f"  {label}: {best['time']} at {best['lat']:.3f}, {best['lon']:.3f} ({best['place']})",
            highlight=False,
            soft_wrap=True,
        )
    for line in plan.explanation:
        console.print(f"  {escape(name_coordinates(line))}", highlight=False, soft_wrap=True)
    if explain:
        console.print()
        console.print(escape(summary["explanation_text"]), highlight=False)


def _check_wind(
    field: Any,
    track: str | None,
    track_id: str | None,
    lat: float | None,
    lon: float | None,
    alt: float | None,
    time: str | None,
    allow_stale: bool,
) -> list[str]:
    """The wind must cover the start and be valid within 3 days of it."""
    from ..assess.path import read_path

    if track is not None:
        path = read_path(track, default_alt=alt, track_id=track_id)
        t0 = float(path.times[0]) if time is None else to_epoch(time)
        la, lo = float(np.median(path.lat[:, 0])), float(np.median(path.lon[:, 0]))
    else:
        assert lat is not None and lon is not None and time is not None
        t0, la, lo = to_epoch(time), lat, lon
    check_wind_area(field, la, lo)
    return check_wind_time(field, t0, allow_stale=allow_stale, what="the start")


def _write(out: Path, summary: dict[str, Any], features: dict[str, Any]) -> list[str]:
    """A file name with a feature suffix gets the features; anything else is a directory."""
    from ..io.export import SUPPORTED_SUFFIXES, write_features

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
