"""`stratowatch wind ...`: sample any wind source at a point, describe it, fetch GFS subsets."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape

from ..atmosphere.sources import open_wind
from ..atmosphere.uncertainty import uncertainty_of
from ..atmosphere.wind import FLAG_ABOVE, FLAG_BELOW, FLAG_REGION, GriddedWind, wind_times
from ..errors import InputError
from ..geo.places import describe_point
from ..timeutil import iso, to_epoch
from .common import console, print_json
from .validate import check_out, check_position, check_wind_area, check_wind_time

__all__ = ["register"]

_DEFAULT_OUT = Path("gfs")

wind_app = typer.Typer(help="Wind sources: sample, describe, fetch.", no_args_is_help=True)
fetch_app = typer.Typer(help="Download wind data (only the needed GRIB messages).")


def _source_list(source: str) -> str | list[str]:
    """``a.grib2,b.grib2`` (several forecast hours) -> a list; anything else as is."""
    parts = [s.strip() for s in source.split(",") if s.strip()]
    return parts if len(parts) > 1 else source


@wind_app.command("sample")
def sample(
    source: str = typer.Option(
        "climatology",
        "--source",
        help="calm, climatology, a wind file (GRIB/NetCDF/Wyoming CSV/IGRA2), or files a,b,c.",
    ),
    time: str | None = typer.Option(
        None, "--time", help="ISO-8601 UTC time (default: the file's first time, else now)."
    ),
    lat: float = typer.Option(..., "--lat", help="Latitude, degrees north."),
    lon: float = typer.Option(..., "--lon", help="Longitude, degrees east."),
    alt: float = typer.Option(..., "--alt", help="Altitude, m above mean sea level."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    sounding_heights: str = typer.Option(
        "geometric",
        "--sounding-heights",
        help="Soundings: convert their geopotential heights to geometric altitude (geometric), "
        "or use them as reported (reported).",
    ),
    allow_stale_wind: bool = typer.Option(
        False,
        "--allow-stale-wind",
        help="Sample a wind file more than 3 days from its valid time (a warning, not an error).",
    ),
) -> None:
    """Wind (u, v, speed, direction it blows from) of a source at one point."""
    lat, lon, alt = check_position(lat, lon, alt)  # type: ignore[assignment]
    if sounding_heights not in ("geometric", "reported"):
        raise InputError(
            "unknown height convention",
            field="--sounding-heights",
            value=sounding_heights,
            expected="geometric or reported",
        )
    wind = open_wind(
        _source_list(source), heights="reported" if sounding_heights == "reported" else "geometric"
    )
    if time is not None:
        t = to_epoch(time)
    elif wind.meta.time_start is not None:
        t = wind.meta.time_start
    else:
        t = dt.datetime.now(dt.UTC).timestamp()
    check_wind_area(wind, lat, lon, what="the point", option="--source")
    stale = check_wind_time(
        wind, t, allow_stale=allow_stale_wind, what="the time asked", option="--source"
    )
    u_arr, v_arr = wind.uv(t, lat, lon, alt)
    u, v = float(np.asarray(u_arr)), float(np.asarray(v_arr))
    speed = math.hypot(u, v)
    direction = (math.degrees(math.atan2(-u, -v)) % 360.0) if speed > 0 else 0.0
    warnings = stale + list(wind.meta.warnings)
    if isinstance(wind, GriddedWind) and wind.last_flags.size:
        f = int(np.asarray(wind.last_flags).ravel()[0])
        if f & FLAG_ABOVE:
            warnings.append(f"{alt:g} m is above the data's top level: top-level wind used")
        if f & FLAG_BELOW:
            warnings.append(f"{alt:g} m is below the data's lowest level: lowest wind used")
        if f & FLAG_REGION:
            warnings.append("point outside the data's region: edge value used")
    unc = uncertainty_of(wind).describe(t, lat, lon, alt)
    times = wind_times(wind)
    if times is not None and times.size >= 3:
        d = np.diff(times)
        k = int(np.searchsorted(times, t)) - 1
        if 0 <= k < d.size and d[k] > 2.0 * float(np.median(d)):
            warnings.append(
                f"{iso(t)} lies in a {d[k] / 3600:g} h gap between the wind's times "
                f"(usual step {float(np.median(d)) / 3600:g} h): interpolated across it"
            )
    place = describe_point(lat, lon)
    result = {
        "u": round(u, 3),
        "v": round(v, 3),
        "speed": round(speed, 3),
        "direction": round(direction, 1),
        "source": wind.meta.source,
        "time": iso(t),
        "lat": lat,
        "lon": lon,
        "alt": alt,
        "place": place.as_dict(),
        "uncertainty": unc,
        "warnings": warnings,
    }
    if as_json:
        print_json(result)
        return
    console.print(
        f"[bold]{escape(wind.meta.source)}[/] at {iso(t)}, {lat:.4f}, {lon:.4f} "
        f"({escape(place.text)}), {alt:,.0f} m",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"u = {u:.2f} m/s  v = {v:.2f} m/s  speed = {speed:.2f} m/s ({speed / 0.514444:.1f} kt)"
        f"  from {direction:.0f} deg",
        highlight=False,
    )
    console.print(f"error: {_error_line(unc)}", highlight=False)
    for w in warnings:
        console.print(f"[yellow]note:[/] {escape(w)}", highlight=False)


@wind_app.command("info")
def info(
    source: str = typer.Option("climatology", "--source", help="As for `wind sample`."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """What a wind source is and where it is valid (times, altitudes, region, spacing)."""
    wind = open_wind(_source_list(source))
    d = wind.meta.describe()
    times = wind_times(wind)
    gaps = []
    if times is not None and times.size >= 3:
        diffs = np.diff(times)
        usual = float(np.median(diffs))
        gaps = [
            {
                "from": iso(float(times[k])),
                "to": iso(float(times[k + 1])),
                "hours": round(float(diffs[k]) / 3600.0, 2),
            }  # fmt: skip
            for k in np.flatnonzero(diffs > 2.0 * usual)
        ]
    d["time_gaps"] = gaps
    if as_json:
        print_json(d)
        return
    for k, v in d.items():
        console.print(f"{k:>18}: {v}", highlight=False)


def _error_line(unc: dict[str, object]) -> str:
    """One line: the wind-error model's sigmas at a point and what they rest on."""
    extra = []
    for key, unit in (("lead_h", "h lead"), ("hours_from_valid_time", "h from a valid time"),
                      ("km_from_measurement", "km from the measurement"),
                      ("hours_since_measured", "h since measured")):  # fmt: skip
        if key in unc:
            extra.append(f"{unc[key]} {unit}")
    where = f" ({', '.join(extra)})" if extra else ""
    return (
        f"{unc['kind']} model, sigma u/v {unc['sigma_u_m_s']}/{unc['sigma_v_m_s']} m/s{where}; "
        f"correlated over {unc['length_km']} km, {unc['time_h']} h, {unc['vertical_km']} km "
        "vertically"
    )


def _parse_hours(text: str) -> list[int]:
    """``0-48`` (every 3 h), ``0-48:6``, ``0,3,6`` -> forecast hours."""
    try:
        if "-" in text:
            span, _, step = text.partition(":")
            a, b = (int(x) for x in span.split("-", 1))
            st = int(step) if step else 3
            if st <= 0 or b < a:
                raise ValueError
            return list(range(a, b + 1, st))
        return sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise InputError(
            "cannot parse forecast hours",
            field="--hours",
            value=text,
            expected="0-48, 0-48:6 or 0,3,6",
        ) from None


def _parse_floats(text: str, field: str, n: int | None = None) -> list[float]:
    try:
        vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        vals = []
    if not vals or (n is not None and len(vals) != n) or not all(math.isfinite(x) for x in vals):
        raise InputError(
            "cannot parse numbers",
            field=field,
            value=text,
            expected=f"{n} comma-separated numbers" if n else "comma-separated numbers",
        )
    return vals


@fetch_app.command("gfs")
def fetch_gfs_cmd(
    run: str = typer.Option(..., "--run", help="Model run, YYYYMMDDHH (HH = 00, 06, 12, 18)."),
    hours: str = typer.Option(
        "0-48", "--hours", help="Forecast hours: 0-48 (3-hourly), 0-48:6, 0,3,6."
    ),
    bbox: str = typer.Option(
        ..., "--bbox", help="west,south,east,north in degrees (west > east crosses the dateline)."
    ),
    levels: str = typer.Option(
        "250,200,150,100,70,50,30,20,10", "--levels", help="Pressure levels, hPa."
    ),
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = _DEFAULT_OUT,
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="Server root (default: $STRATOWATCH_GFS_URL or the NOAA NOMADS filter-free layout).",
    ),
    resolution: str = typer.Option("0p25", "--resolution", help="GFS grid: 0p25, 0p50 or 1p00."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Download only the u, v, gh messages of the wanted levels of a GFS run (HTTP byte ranges)."""
    from ..atmosphere.fetch import DEFAULT_GFS_URL, ENV_GFS_URL, fetch_gfs

    box = _parse_floats(bbox, "--bbox", 4)
    check_out(out, folder=True)
    url = base_url or os.environ.get(ENV_GFS_URL) or DEFAULT_GFS_URL
    result = fetch_gfs(
        run,
        hours=_parse_hours(hours),
        levels=_parse_floats(levels, "--levels"),
        out_dir=out,
        base_url=url,
        resolution=resolution,
        bbox=(box[0], box[1], box[2], box[3]),
    )
    if as_json:
        print_json(result.describe())
        return
    console.print(
        f"fetched {len(result.files)} forecast hour(s), {result.messages} messages, "
        f"{result.bytes / 1e6:.1f} MB into {out}",
        highlight=False,
    )
    for f in result.files:
        console.print(f"  {f}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    wind_app.add_typer(fetch_app, name="fetch")
    app.add_typer(wind_app, name="wind")
