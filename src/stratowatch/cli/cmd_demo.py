"""`stratowatch demo`: replay the February 2023 incident and write the report (see demo.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .common import console, print_json, progress

__all__ = ["register", "print_summary"]


def _fmt(v: Any, spec: str = ".3g") -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return format(v, spec)
    return str(v)


def print_summary(summary: dict[str, Any], files: dict[str, Path]) -> None:
    """The terminal summary: a few rich tables built from ``summary.json``'s content."""
    tr = summary["track"]
    console.rule("[bold]stratowatch demo: the February 2023 balloon[/]")
    console.print(
        f"[bold]Track[/]: {tr['reports']} public reports -> {tr['tracks']} track(s), "
        f"{_short(tr['start'])} -> {_short(tr['end'])}; "
        f"float altitude {tr['float_alt_m'] / 1000:.1f} +- {tr['float_alt_sigma_m'] / 1000:.1f} km "
        f"({tr['altitude']['method']}); mean ground speed {tr['mean_speed_ms']:.1f} m/s"
    )
    alone = tr["altitude"].get("from_drift_alone_m")
    if alone is not None:
        console.print(
            f"  from the drift alone: {alone / 1000:.1f} +- "
            f"{tr['altitude']['from_drift_alone_sigma_m'] / 1000:.1f} km"
        )
    for so in tr.get("same_object", []):
        console.print(f"  same object? {so['explanation']}")
    og = summary["origin"]
    console.print(
        f"[bold]Origin[/] ({og['hours']:.0f} h back from {og['from']['name']}, {og['members']} "
        f"members): median {og['median']['lat']:.1f}, {og['median']['lon']:.1f} at "
        f"{_short(og['median']['time'])}; 90 % within {og['r90_km']:.0f} km"
    )
    fc = summary["forecast"]
    a72, end = fc["at_72h"], fc["end"]
    bias = fc["wind_bias_ms"]
    console.print(
        f"[bold]Forecast[/] from {fc['start']['name']} {_short(fc['start']['time'])}: {fc['members']} "
        f"members, {fc['hours']:.0f} h; wind {fc['wind']}"
    )
    if bias.get("applied"):
        console.print(
            f"  wind corrected by the track's drift: du {bias['du']:+.1f}, dv {bias['dv']:+.1f} "
            f"m/s (+- {bias['sigma']} m/s, {bias['samples']} samples)"
        )
    console.print(
        f"  +72 h: median {a72['lat']:.2f}, {a72['lon']:.2f}, r50 {a72['r50_km']:.0f} km, "
        f"r90 {a72['r90_km']:.0f} km; at {_short(end['time'])}: {end['lat']:.2f}, {end['lon']:.2f}"
    )
    raw = {c["name"]: c for c in (fc.get("without_bias_correction") or {}).get("coverage", [])}
    t = Table(
        title="Coverage of the later reports by the Billings forecast",
        title_justify="left",
        caption="km: report to ensemble median; raw: the same ensemble, wind not corrected",
        caption_justify="left",
    )
    cols = ["report", "time", "km", "in 50%", "in 90%"]
    cols += ["raw km", "raw 90%"] if raw else []
    for col in cols:
        left = col in ("report", "time")
        t.add_column(col, justify="left" if left else "right", no_wrap=left)
    for c in summary["coverage"]:
        row = [
            c["name"],
            _short(c["time"]),
            _fmt(c.get("distance_km"), ".0f"),
            _fmt(c.get("inside_50")),
            _fmt(c.get("inside_90")),
        ]
        if raw:
            r = raw.get(c["name"], {})
            row += [_fmt(r.get("distance_km"), ".0f"), _fmt(r.get("inside_90"))]
        t.add_row(*row)
    console.print(t)
    ov = summary["overflight"]
    t = Table(title="Overflight of the example sites (p >= 0.005)", title_justify="left")
    for col in ("site", "p", "closest km", "when"):
        t.add_column(col, justify="left" if col in ("site", "when") else "right")
    for s in ov["sites"]:
        if s["p"] >= 0.005:
            t.add_row(
                s["name"], _fmt(s["p"], ".3f"), _fmt(s["closest_km"], ".0f"), _short(s["time"])
            )
    console.print(t)
    t = Table(title="Border crossings (p >= 0.05)", title_justify="left")
    for col in ("enters", "p", "mean time", "+- h"):
        t.add_column(col, justify="left" if col in ("enters", "mean time") else "right")
    for b in ov["borders"]:
        if b["p"] >= 0.05:
            t.add_row(
                b["name"], _fmt(b["p"], ".2f"), _short(b["time"]), _fmt(b["time_std_h"], ".0f")
            )
    console.print(t)
    console.print(f"[bold]Aviation[/]: {summary['aviation']['statement']}")
    en = summary["engagement"]
    t = Table(title=f"Engagement (Ec limit {en['threshold']:g})", title_justify="left")
    for col in ("window", "time", "lat", "lon", "Ec", "P(land)"):
        t.add_column(col, justify="left" if col in ("window", "time") else "right")
    rows = [("recommended", en["recommended"]), ("Billings", en["billings"])]
    rows.append(("real shoot-down", en["shootdown"]))
    for name, w in rows:
        if w is None:
            t.add_row(name, "none", "", "", "", "")
            continue
        t.add_row(
            name,
            _short(w["time"]),
            _fmt(w["lat"], ".2f"),
            _fmt(w["lon"], ".2f"),
            "0" if w["ec"] == 0 else _fmt(w["ec"], ".1e"),
            _fmt(w["p_land"], ".2f"),
        )
    console.print(t)
    console.print(f"  {en['reason']}")
    if en.get("recommended_to_shootdown_km") is not None:
        console.print(
            f"  the recommended window is {en['recommended_to_shootdown_km']:.0f} km from the real "
            f"shoot-down point (Ec there {en['shootdown']['ec']:.2g})"
        )
    console.print(
        f"[bold]Wrote[/] {', '.join(p.name for p in files.values())} "
        f"in {summary['run']['elapsed_s']:.1f} s -> {next(iter(files.values())).parent}/"
    )


def _short(iso_time: str) -> str:
    """``2023-02-03T15:30:00Z`` -> ``02-03 15:30Z`` for narrow tables."""
    return f"{iso_time[5:10]} {iso_time[11:16]}Z" if len(iso_time) >= 16 else iso_time


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""

    @app.command("demo")
    def demo(
        out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("demo-out"),
        members: Annotated[int, typer.Option("--members", help="Forecast members.")] = 600,
        seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 2023,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print summary.json as one line.")
        ] = False,
    ) -> None:
        """Replay the February 2023 balloon incident offline; write report.html, summary.json,
        and the map layers as GeoJSON, KML and CZML."""
        from ..demo import STAGES, DemoConfig, run_demo

        cfg = DemoConfig(members=members, seed=seed)
        cfg.check()
        with progress(enabled=not json_out) as bar:
            task = bar.add_task("demo", total=len(STAGES))

            def step(stage: str, done: int, total: int) -> None:
                bar.update(task, completed=done, description=f"demo: {stage}")

            result = run_demo(out, config=cfg, progress=step)
        if json_out:
            print_json(result.summary)
        else:
            print_summary(result.summary, result.files)
