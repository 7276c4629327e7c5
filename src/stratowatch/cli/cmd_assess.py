"""`stratowatch assess`: overflight (sites, borders), civil aviation, optional debris."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ..assess import assess_path
from ..assess.engage import format_ec, format_p
from ..assess.path import read_path
from ..errors import InputError
from ..geo import read_sites
from ..io.export import write_features
from .common import console, print_json, to_jsonable

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
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last stdout line)."),
) -> None:
    """Which sites and countries the path overflies, and what it means for civil aviation."""
    fp = read_path(path, default_alt=alt, track_id=track_id)
    site_list = read_sites(Path(sites)) if sites is not None else []
    result = assess_path(
        fp,
        sites=site_list,
        airport_radius=airport_radius_km * 1000.0,
        debris_wind=wind if debris else None,
        members=members,
    )
    summary = result.as_dict()
    if out is not None:
        try:
            summary["written"] = str(write_features(Path(out), to_jsonable(result.to_features())))
        except OSError as exc:
            raise InputError(
                f"cannot write the output: {exc.strerror or exc}",
                path=out,
                expected="a writable file (.geojson, .kml, .czml or .csv)",
            ) from None
    if as_json:
        print_json(summary)
        return
    console.print(f"[bold]{path}[/]: {fp.members} member(s), {fp.times.size} positions")
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
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("assess")(assess_cmd)
