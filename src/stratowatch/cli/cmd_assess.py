"""`stratowatch assess`: overflight (sites, borders), civil aviation, optional debris."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from ..assess import assess_path
from ..assess.engage import format_ec, format_p
from ..assess.path import read_path
from ..atmosphere.sources import open_wind
from ..geo import read_sites
from ..io.export import SUPPORTED_SUFFIXES, write_features
from ..report.words import places_of
from ..timeutil import iso
from .common import console, print_json, to_jsonable
from .validate import check_out, check_position, check_wind_area, check_wind_time, writing

__all__ = ["register"]


def assess_cmd(
    path: str = typer.Argument(
        ..., help="Track or prediction: CSV (time,lat,lon[,alt]) or GeoJSON."
    ),
    sites: str | None = typer.Option(
        None, "--sites", help="Sites CSV/GeoJSON (name,lat,lon,radius_km)."
    ),
    wind: str = typer.Option(
        "climatology", "--wind", help="Wind for --debris: climatology, calm or a file."
    ),
    debris: bool = typer.Option(
        False, "--debris", help="Also assess a break-up at the path's last point."
    ),
    members: int = typer.Option(20, "--members", help="Wind members for --debris."),
    airport_radius_km: float = typer.Option(
        50.0, "--airport-radius", help="Airports within this many km."
    ),
    track_id: str | None = typer.Option(
        None, "--track-id", help="Which track of a tracker's state CSV."
    ),
    alt: float | None = typer.Option(None, "--alt", help="Altitude (m) where the file has none."),
    out: str | None = typer.Option(
        None, "--out", help="Write a GeoJSON/KML/CZML/CSV of the findings."
    ),
    allow_stale_wind: bool = typer.Option(
        False,
        "--allow-stale-wind",
        help="Use a wind file valid more than 3 days from the path's end (--debris; a warning).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last stdout line)."),
) -> None:
    """Which sites and countries the path overflies, and what it means for civil aviation."""
    if alt is not None:
        check_position(None, None, alt)
    out_path = check_out(out, suffixes=SUPPORTED_SUFFIXES)
    fp = read_path(path, default_alt=alt, track_id=track_id)
    site_list = read_sites(Path(sites)) if sites is not None else []
    warnings: list[str] = []
    debris_wind: Any = None
    if debris:
        debris_wind = open_wind(wind)
        la, lo = float(np.median(fp.lat[:, -1])), float(np.median(fp.lon[:, -1]))
        check_wind_area(debris_wind, la, lo, what="the path's end")
        warnings = check_wind_time(
            debris_wind, float(fp.times[-1]), allow_stale=allow_stale_wind, what="the path's end"
        )
    result = assess_path(
        fp,
        sites=site_list,
        airport_radius=airport_radius_km * 1000.0,
        debris_wind=debris_wind,
        members=members,
    )
    summary = result.as_dict()
    ends = places_of(
        [
            (float(np.median(fp.lat[:, 0])), float(np.median(fp.lon[:, 0]))),
            (float(np.median(fp.lat[:, -1])), float(np.median(fp.lon[:, -1]))),
        ]
    )
    summary["places"] = {
        "start": None if ends[0] is None else ends[0].as_dict(),
        "end": None if ends[1] is None else ends[1].as_dict(),
    }
    summary["warnings"] = warnings + list(summary.get("warnings", []))
    if out_path is not None:
        with writing(out_path):
            summary["written"] = str(write_features(out_path, to_jsonable(result.to_features())))
    if as_json:
        print_json(summary)
        return
    console.print(
        f"[bold]{escape(path)}[/]: {fp.members} member(s), {fp.times.size} positions",
        highlight=False,
    )
    for label, pd, k in (("from", ends[0], 0), ("to", ends[1], -1)):
        if pd is not None:
            console.print(
                f"  {label} {iso(float(fp.times[k]))} at {pd.lat:.2f}, {pd.lon:.2f} ({pd.text})",
                highlight=False,
                soft_wrap=True,
            )
    if result.sites:
        t = Table("site", "p", "closest km", "time", "dwell min", title="Sites")
        for s in result.sites:
            d = s.as_dict()
            t.add_row(
                str(d["name"]),
                f"{s.probability:.2f}",
                f"{s.min_distance / 1000:.1f}",
                str(d["time_closest"]),
                f"{s.dwell_mean / 60:.0f}",
            )
        console.print(t)
    console.print(f"starts in: {result.start_territory or 'international waters'}")
    for c in result.borders:
        console.print(f"  {c.statement()}")
    console.print(result.aviation.statement)
    for a in result.aviation.airports[:10]:
        console.print(f"  {a.icao} {a.name}: {a.distance / 1000:.1f} km")
    if result.debris is not None:
        dd: dict[str, Any] = result.debris.as_dict()
        areas = ", ".join(f"{k} {v:.1f}" for k, v in dd["footprint_km2"].items())
        sc = result.debris.score
        pct = f"{sc.confidence * 100:.0f} %"
        fl = f"{sc.fragments_on_land:.1f} ({sc.fragments_on_land_lo:.1f}-{sc.fragments_on_land_hi:.1f})"
        console.print(
            f"debris if broken up at the path's end ({sc.realisations} wind members): Ec "
            f"{format_ec(sc.ec, sc.ec_lo, sc.ec_hi, confidence=sc.confidence)}, P(land) "
            f"{format_p(sc.p_land, sc.p_land_lo, sc.p_land_hi, n=sc.realisations)} ({pct}), "
            f"fragments on land {fl}, max impact speed "
            f"{dd['impact_speed_max_ms']:.0f} m/s, max KE {dd['ke_max_j']:.3g} J; "
            f"footprint (km2) {areas}"
        )
        for w in dd["warnings"]:
            console.print(f"  [yellow]warning:[/] {w}")
    for w in [*warnings, *result.warnings]:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    if out_path is not None:
        console.print(f"wrote {summary['written']}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("assess")(assess_cmd)
