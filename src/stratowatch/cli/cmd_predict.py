"""`stratowatch predict`: ensemble trajectory prediction (forward or backward)."""

from __future__ import annotations

import math
import time as _time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from ..errors import InputError
from ..io.export import SUPPORTED_SUFFIXES
from ..timeutil import to_epoch
from .common import console, err_console, print_json, progress, scheduler_option
from .validate import (
    check_hours,
    check_memory,
    check_out,
    check_position,
    check_wind_area,
    check_wind_time,
    estimate_predict_bytes,
    format_bytes,
    writing,
)

if TYPE_CHECKING:
    from ..geo.terrain import TerrainModel

__all__ = ["register"]

_OUT_SUFFIXES = (".html", ".htm", ".nc", *SUPPORTED_SUFFIXES)
_MEMORY_HINTS = ("fewer --members", "a coarser --output-step", "or fewer --hours")
#: runs planned above this many bytes get a warning first
_LARGE_BYTES = 2_000_000_000


def _wind_spec(wind: str) -> Any:
    parts = [s.strip() for s in wind.split(",") if s.strip()]
    return parts if len(parts) > 1 else wind


def _ground_spec(text: str, lat: float, lon: float, hours: float) -> float | TerrainModel:
    """``--ground``: a height in m, or a DEM file (GeoTIFF/NetCDF) read around the start."""
    from ..geo.terrain import open_terrain

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value):
        return value
    p = Path(text)
    if not p.exists():
        raise InputError(
            "--ground is neither a height nor an existing DEM file",
            field="--ground",
            value=text,
            expected="metres above MSL (e.g. 1544), or a GeoTIFF/NetCDF elevation grid",
        )
    # a balloon drifts at most ~100 m/s: read the DEM within that reach (capped at 60 deg)
    reach = min(60.0, 1.0 + hours * 3600.0 * 100.0 / 111_195.0)
    south, north = max(lat - reach, -90.0), min(lat + reach, 90.0)
    wide = reach / max(math.cos(math.radians(min(abs(lat) + reach, 89.0))), 1e-3)
    west, east = (lon - wide, lon + wide) if wide < 180.0 else (-180.0, 180.0)
    return open_terrain(p, bbox=(west, south, east, north))


def _uncertainty_line(u: dict[str, Any]) -> str:
    """One line: which wind-error model the members drew from, with its sigmas and why."""
    if not u.get("perturbed"):
        text = "wind not perturbed (single member, calm, or sigma 0)"
    else:
        w = u["wind"]
        extra = []
        for key, unit in (("lead_h", "h lead"), ("km_from_measurement", "km from the sounding"),
                          ("hours_since_measured", "h after it")):  # fmt: skip
            if key in w:
                extra.append(f"{w[key]} {unit}")
        end = u.get("wind_at_end", {})
        at_end = (
            f", {end['sigma_u_m_s']}/{end['sigma_v_m_s']} at the median end"
            if "sigma_u_m_s" in end
            else ""
        )
        text = (
            f"{w['kind']} error model: sigma u/v {w['sigma_u_m_s']}/{w['sigma_v_m_s']} m/s at "
            f"the start{' (' + ', '.join(extra) + ')' if extra else ''}{at_end}; L "
            f"{w['length_km']} km, T {w['time_h']} h, Lz {w['vertical_km']} km"
        )
    flight = u.get("flight", {})
    if flight:
        text += "; " + ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in flight.items())
    return text


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
    hours: float = typer.Option(
        48.0,
        "--hours",
        help="Longest flight, hours (a flight ends when it lands); at most 720 (30 days).",
    ),
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
        help="Fixed wind error per component, m/s (default: the wind source's own error "
        "model, by altitude, latitude, lead time; 0 = off).",
    ),
    alt_sigma: float = typer.Option(
        0.0, "--alt-sigma", help="Spread of float/start altitude, m (0 = off)."
    ),
    ascent_sigma: float | None = typer.Option(
        None, "--ascent-sigma", help="Ascent-rate spread, m/s (default 10 % of the rate)."
    ),
    burst_sigma: float | None = typer.Option(
        None, "--burst-sigma", help="Burst-altitude spread, m (default 5 % of --burst-alt)."
    ),
    descent_sigma: float | None = typer.Option(
        None, "--descent-sigma", help="Descent-rate spread, m/s (default 10 % of the rate)."
    ),
    ground: str = typer.Option(
        "0",
        "--ground",
        help="Where descents end: a height in m above MSL, or a DEM file (GeoTIFF in "
        "EPSG:4326 or NetCDF) so the path ends where it meets the terrain.",
    ),
    pos_sigma: float = typer.Option(0.0, "--pos-sigma", help="Start position spread, m."),
    time_sigma: float = typer.Option(0.0, "--time-sigma", help="Start time spread, s."),
    backward: bool = typer.Option(False, "--backward", help="Run back in time (origin)."),
    output_step: float = typer.Option(600.0, "--output-step", help="Path point spacing, s."),
    max_step: float = typer.Option(
        3600.0,
        "--max-step",
        help="Largest integration step of the float and descent stages, s (HYSPLIT's 1 h; "
        "shorter steps cost more and move the median member's 48 h end by a few km: "
        "docs/prediction.md, 'Integration error').",
    ),
    out: str | None = typer.Option(
        None,
        "--out",
        help="Write FILE.html (flight report: map + altitude plot) or FILE.geojson|.json|.csv|"
        ".kml|.czml (median path, regions, 50/90 % end regions; + FILE.density.nc) or FILE.nc.",
    ),
    member_paths: bool = typer.Option(
        False, "--member-paths", help="Include every member's path in --out."
    ),
    scheduler: str | None = scheduler_option(
        "the members", "Same seed, same result on any of them."
    ),
    allow_stale_wind: bool = typer.Option(
        False,
        "--allow-stale-wind",
        help="Use a wind file valid more than 3 days from the start time (a warning, not an "
        "error).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Predict where a balloon goes (or came from, --backward), with an ensemble corridor."""
    import numpy as np

    from ..atmosphere.sources import open_wind
    from ..predict.core import plan_prediction
    from ..report.words import flight_words
    from ..scale import open_engine, run_prediction

    t0 = to_epoch(time)
    lat, lon, alt = check_position(lat, lon, alt)  # type: ignore[assignment]
    warnings = check_hours(hours)
    out_path = check_out(out, suffixes=_OUT_SUFFIXES)
    need, steps = estimate_predict_bytes(
        max(members, 1), hours, output_step, paths=out_path is not None
    )
    check_memory(
        need,
        what=f"{members:,} members x {steps:,} output steps",
        hints=_MEMORY_HINTS,
    )
    if need > _LARGE_BYTES:
        warnings.append(f"a large run: about {format_bytes(need)} of memory")
    field = open_wind(_wind_spec(wind))
    check_wind_area(field, lat, lon)
    warnings += check_wind_time(field, t0, allow_stale=allow_stale_wind, what="the start")
    if not as_json:
        for w in warnings:
            err_console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    gnd = _ground_spec(ground, lat, lon, hours)
    t_start = _time.perf_counter()
    # only --out needs the members' paths; without it each chunk keeps its members' highest
    # points and starts (the key points) and drops its paths. The paths, kept or not, are in
    # float32 (~1 m) when float64 would take more than 512 MiB, so the key points are the
    # same numbers either way
    keep_paths = out_path is not None
    n_out = math.floor(hours * 3600.0 / output_step + 1e-9) + 1 if output_step > 0 else 1
    big = 24.0 * max(members, 1) * n_out > 512 * 2**20
    with progress(enabled=not as_json) as bar, open_engine(scheduler) as eng:
        task = bar.add_task("members", total=max(members, 1))

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        plan = plan_prediction(
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
            ascent_rate_sigma=ascent_sigma,
            burst_alt_sigma=burst_sigma,
            descent_rate_sigma=descent_sigma,
            ground=gnd,
            pos_sigma_m=pos_sigma,
            time_sigma_s=time_sigma,
            backward=backward,
            seed=seed,
            output_step_s=output_step,
            dt_s=max_step,
        )
        pred = run_prediction(
            plan,
            engine=eng,
            paths=keep_paths,
            path_dtype=np.float32 if big else np.float64,
            top_points=True,
            progress=report,
        )
        engine_info = eng.describe()
    total = _time.perf_counter() - t_start
    summary = pred.summary()
    if engine_info["engine"] != "inprocess":
        summary["engine"] = engine_info
    summary["warnings"] = warnings + list(summary.get("warnings", []))
    words = flight_words(pred)
    summary.update(words.as_json())
    if out_path is not None:
        from ..report.flight import write_prediction  # the page and file writers: --out only

        with writing(out_path):
            files = write_prediction(out_path, pred, member_paths=member_paths)
        summary["out"] = str(files[0])
        summary["files"] = [str(f) for f in files]
    if as_json:
        print_json(summary)
        return
    console.print(
        f"[bold]{pred.profile}[/] prediction, {pred.members} member(s), wind {pred.wind_source}",
        highlight=False,
    )
    for line in words.lines():
        console.print(line, highlight=False, soft_wrap=True)
    g = summary["ground"]
    if pred.profile != "float" and (g.get("source") != "flat" or g.get("ground_m")):
        where = (
            f"{g['ground_m']:g} m above MSL"
            if g.get("source") == "flat"
            else f"terrain of {g['source']} ({g['outside_m']:g} m outside it)"
        )
        console.print(f"ground: {where}", highlight=False)
    if pred.members > 1:
        console.print(
            f"uncertainty: {_uncertainty_line(summary['uncertainty'])}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"integration {pred.elapsed_s:.3f} s (total {total:.2f} s)")
    for w in pred.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    if out_path is not None:
        console.print("wrote " + ", ".join(summary["files"]), highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("predict")(predict_cmd)
