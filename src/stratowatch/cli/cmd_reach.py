"""`stratowatch reach`: where could a balloon that steers by altitude be, and how soon over a site?"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..atmosphere.sources import open_wind
from ..errors import InputError
from ..geo.sites import read_sites
from ..io.export import SUPPORTED_SUFFIXES, write_features
from ..timeutil import iso
from .common import console, print_json, progress

__all__ = ["register", "parse_band"]


def parse_band(text: str, *, option: str = "--alt-band") -> tuple[float, float]:
    """``LOW:HIGH`` in metres (e.g. ``15000:22000``)."""
    parts = text.replace(",", ":").split(":")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise InputError(
            "not an altitude band", field=option, value=text, expected="LOW:HIGH in metres"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and 0.0 <= lo <= hi):
        raise InputError(
            "not an altitude band",
            field=option,
            value=text,
            expected="LOW:HIGH in metres with 0 <= LOW <= HIGH",
        )
    return lo, hi


def _when(t: str | None, hours: float | None) -> str:
    return "-" if t is None or hours is None else f"{t[5:16].replace('T', ' ')}Z (+{hours:.1f} h)"


def reach_cmd(
    time: str = typer.Option(..., "--time", help="Start time, ISO-8601 UTC."),
    lat: float = typer.Option(..., "--lat", help="Latitude, degrees north."),
    lon: float = typer.Option(..., "--lon", help="Longitude, degrees east."),
    alt_band: str = typer.Option(
        "15000:22000", "--alt-band", help="Altitudes it can choose, LOW:HIGH metres."
    ),
    hours: float = typer.Option(48.0, "--hours", help="Horizon, hours (<= 240)."),
    every: float = typer.Option(6.0, "--every", help="Hours between output regions."),
    sites: Annotated[
        Path | None,
        typer.Option(
            "--sites", help="Sites file (.csv name,lat,lon,radius_km or .geojson points)."
        ),
    ] = None,
    airspeed: float = typer.Option(
        0.0, "--airspeed", help="Airspeed of its own in any direction, m/s (0 = altitude only)."
    ),
    wind: str = typer.Option("climatology", "--wind", help="climatology | calm | a wind file."),
    alt: float | None = typer.Option(
        None, "--alt", help="Altitude now, m, for the passive members (default: the band)."
    ),
    wind_sigma: float | None = typer.Option(
        None, "--wind-sigma", help="Wind error per component, m/s (default: the source's own)."
    ),
    start_radius: float = typer.Option(
        0.0, "--start-radius-km", help="The start is known within this radius, km (0: a point)."
    ),
    members: int = typer.Option(200, "--members", help="Passive ensemble size (p_passive)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the passive ensemble."),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write regions and sites: .geojson, .json, .kml, .czml or .csv."
        ),
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Reachable regions per lead time for a balloon that steers by altitude (optionally with a
    small airspeed), and the soonest it could be over each site."""
    # imported here: the other commands need not load the reachability code
    from ..predict.reach import reachable_set

    band = parse_band(alt_band)
    if out is not None and out.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(
            "unsupported output format",
            path=out,
            value=out.suffix,
            expected=", ".join(SUPPORTED_SUFFIXES),
        )
    site_list = read_sites(sites) if sites is not None else []
    field = open_wind(wind)
    with progress(enabled=not as_json) as bar:
        task = bar.add_task("reachable set", total=1)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        res = reachable_set(
            time,
            lat,
            lon,
            band=band,
            hours=hours,
            every=every,
            airspeed=airspeed,
            wind=field,
            sites=site_list,
            alt=alt,
            wind_sigma=wind_sigma,
            passive_members=members,
            seed=seed,
            start_radius_m=start_radius * 1e3,
            progress=report,
        )
    summary = res.summary()
    if out is not None:
        summary["out"] = str(write_features(out, res.to_features()))
    if as_json:
        print_json(summary)
        return
    sp = f", airspeed {res.airspeed:g} m/s" if res.airspeed > 0 else ""
    console.print(
        f"[bold]reachable set[/] from {iso(res.time)} at {res.lat:.3f}, {res.lon:.3f}: "
        f"altitude {res.band[0]:,.0f}-{res.band[1]:,.0f} m ({len(res.levels)} levels){sp}; "
        f"wind {res.wind_source}",
        highlight=False,
        soft_wrap=True,
    )
    tab = Table("lead", "area km2", "wind 90 % margin km")
    for r in res.regions:
        tab.add_row(f"{r.hours:g} h", f"{r.area_km2:,.0f}", f"{r.wind_margin_km:,.0f}")
    console.print(tab)
    if res.sites:
        st = Table("site", "soonest if it steers", "soonest, 90 % wind", "p passive (90 %)")
        for s in summary["sites"]:
            st.add_row(
                s["name"],
                _when(s["earliest_time"], s["earliest_hours"]),
                _when(s["earliest_time_90"], s["earliest_hours_90"]),
                f"{s['p_passive']:.3f} [{s['p_passive_90'][0]:.3f}, {s['p_passive_90'][1]:.3f}]",
            )
        console.print(st)
    e = res.wind_error
    console.print(
        f"wind error {e.sigma:.1f} m/s per component ({e.basis}); {res.elapsed_s:.2f} s",
        highlight=False,
        soft_wrap=True,
    )
    for w in res.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"wrote {summary['out']}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("reach")(reach_cmd)
