"""The sweep report (``stratowatch sweep --out DIR``: ``sweep.html``), on the report front end
(`stratowatch.report.render_report`): the launch site and every cell's median end on the map,
plots of the end's distance from the launch site, its spread (r90) and P(land) / P(inside)
against the launch time (one line per flight parameter), and the whole table."""

from __future__ import annotations

import math
from typing import Any

from ..report import Plot, Series, Table, render_report
from ..timeutil import iso, to_epoch
from .sweep import SweepResult

__all__ = ["sweep_page", "sweep_features"]

# one colour per parameter combination (colour-blind-safe Okabe-Ito order, then greys)
_PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442",
            "#000000", "#7f7f7f", "#bcbcbc")  # fmt: skip
_MAX_SERIES = 10


def _key(row: dict[str, Any]) -> tuple[float, float]:
    top = row["float_alt_m"] if row["profile"] == "float" else row["burst_alt_m"]
    return (float(row["ascent_rate_m_s"]), float(top))


def _label(row: dict[str, Any]) -> str:
    rate, top = _key(row)
    word = "float" if row["profile"] == "float" else "burst"
    return f"{rate:g} m/s, {word} {top / 1000:g} km"


def sweep_features(result: SweepResult) -> dict[str, Any]:
    """GeoJSON: the launch site, every cell's median end (a point with its figures) and the
    polygon scored, if any."""
    s = result.spec
    keys = sorted({_key(r) for r in result.rows})
    colour = {k: _PALETTE[i % len(_PALETTE)] for i, k in enumerate(keys)}
    feats: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            "properties": {
                "layer": "launch",
                "name": "launch site",
                "alt_m": s.alt,
                "time": iso(s.times[0]),
                "style": {"color": "#1d2430"},
            },  # fmt: skip
        }
    ]
    for r in result.rows:
        if r["end_lat"] is None or r["end_lon"] is None:
            continue
        props = {
            "layer": "ends",
            "name": f"launch {r['launch_time'][:16].replace('T', ' ')}Z, {_label(r)}",
            "launch_time": r["launch_time"],
            "time": r["end_time"],
            "distance_km": r["distance_km"],
            "r50_km": r["r50_km"],
            "r90_km": r["r90_km"],
            "p_land": r["p_land"],
            "style": {"color": colour[_key(r)]},
        }
        if "p_inside" in r:
            props["p_inside"] = r["p_inside"]
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["end_lon"], r["end_lat"]]},
                "properties": props,
            }
        )
    if s.inside is not None:
        from shapely.geometry import mapping

        feats.append(
            {
                "type": "Feature",
                "geometry": mapping(s.inside.geometry),
                "properties": {
                    "layer": "inside",
                    "name": s.inside.name,
                    "style": {"color": "#8e44ad", "opacity": 0.25},
                },  # fmt: skip
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def sweep_page(result: SweepResult) -> str:
    """The sweep report as one self-contained HTML page."""
    s = result.spec
    rows = result.rows
    keys = sorted({_key(r) for r in rows})
    shown = keys[:_MAX_SERIES]
    colour = {k: _PALETTE[i % len(_PALETTE)] for i, k in enumerate(keys)}
    by_key: dict[tuple[float, float], list[dict[str, Any]]] = {k: [] for k in shown}
    for r in rows:
        if _key(r) in by_key:
            by_key[_key(r)].append(r)

    def series(col: str) -> list[Series]:
        out = []
        for k in shown:
            rs = by_key[k]
            out.append(
                Series(
                    _label(rs[0]),
                    [to_epoch(r["launch_time"]) for r in rs],
                    [r.get(col) for r in rs],
                    color=colour[k],
                )
            )
        return out

    word = "end at the horizon" if s.profile == "float" else "landing"
    more = (
        f" (the first {_MAX_SERIES} of {len(keys)} parameter sets)"
        if len(keys) > len(shown)
        else ""
    )
    plots = [
        Plot("distance", f"Median {word}: distance from the launch site{more}",
             "distance (km)", series("distance_km"), y_min=0.0),
        Plot("r90", "Spread: radius holding 90 % of the members", "r90 (km)", series("r90_km"),
             y_min=0.0),
        Plot("p_land", "P(on land) with its 90 % interval in the table", "P(land)",
             series("p_land"), y_min=0.0, y_max=1.0),
    ]  # fmt: skip
    if s.inside is not None:
        plots.append(
            Plot(
                "p_inside",
                f"P(inside {s.inside.name})",
                "P(inside)",
                series("p_inside"),
                y_min=0.0,
                y_max=1.0,
            )  # fmt: skip
        )
    cols = ["launch (UTC)", "ascent m/s", "burst/float km", f"median {word}", "distance km",
            "r50 / r90 km", "P(land) [90 %]"]  # fmt: skip
    if s.inside is not None:
        cols.append(f"P(inside {s.inside.name}) [90 %]")
    table_rows = []
    for r in rows:
        rate, top = _key(r)
        end = (
            f"{r['end_time'][:16].replace('T', ' ')} {r['end_lat']:.3f}, {r['end_lon']:.3f}"
            if r["end_lat"] is not None and r["end_time"]
            else "-"
        )
        line = [
            r["launch_time"][:16].replace("T", " "),
            f"{rate:g}",
            f"{top / 1000:g}",
            end,
            "-" if r["distance_km"] is None else f"{r['distance_km']:.1f}",
            "-" if r["r50_km"] is None else f"{r['r50_km']:.1f} / {r['r90_km']:.1f}",
            f"{r['p_land']:.2f} [{r['p_land_lo']:.2f}-{r['p_land_hi']:.2f}]",
        ]
        if s.inside is not None:
            line.append(f"{r['p_inside']:.2f} [{r['p_inside_lo']:.2f}-{r['p_inside_hi']:.2f}]")
        table_rows.append(line)
    headline = [
        ("Launch site", f"{s.lat:.4f}, {s.lon:.4f}, {s.alt:.0f} m"),
        (
            "Launch times",
            f"{len(s.times)} from {rows[0]['launch_time'][:16]}Z to "
            f"{rows[-1]['launch_time'][:16]}Z",
        ),  # fmt: skip
        ("Cells", f"{len(rows)} ({s.profile} profile), {s.members} members each"),
        ("Wind", result.wind_source),
    ]
    lons = [r["end_lon"] for r in rows if r["end_lon"] is not None]
    centre = None
    if lons:
        c = math.atan2(
            sum(math.sin(math.radians(x)) for x in lons),
            sum(math.cos(math.radians(x)) for x in lons),
        )
        centre = math.degrees(c)
    return render_report(
        sweep_features(result),
        title=f"stratowatch sweep: {len(rows)} cells, {s.profile} profile",
        subtitle=f"{s.members} members per cell; wind {result.wind_source}",
        layers=[
            ("inside", "Area scored"),
            ("ends", f"Median {word} per cell"),
            ("launch", "Launch site"),
        ],  # fmt: skip
        headline=headline,
        tables=[
            Table(
                "Cells",
                cols,
                table_rows,
                note="P intervals: 90 % Wilson intervals from the members' count.",
            )
        ],  # fmt: skip
        plots=plots,
        notes=[
            "Every cell uses the same seed: member m flies the same wind-error realisation in "
            "every cell (common random numbers), so differences between cells are not "
            "sampling noise of independent draws.",
            "Basemap: Natural Earth 1:50m (public domain); map: Leaflet (BSD-2-Clause).",
        ],
        legend=[(colour[k], _label(by_key[k][0])) for k in shown if by_key[k]],
        center_lon=centre,
        time_start=max((to_epoch(r["end_time"]) for r in rows if r["end_time"]), default=None),
    )
