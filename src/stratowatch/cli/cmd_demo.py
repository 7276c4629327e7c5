"""`stratowatch demo`: replay a balloon incident (February 2023 by default) and write the report
(see the demo package)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..timeutil import to_epoch
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
    console.rule(f"[bold]stratowatch demo: {summary['scenario']['name']}[/]")
    console.print(
        f"[bold]Track[/] (all reports, smoothed): {tr['reports']} reports -> {tr['tracks']} "
        f"track(s), {_short(tr['start'])} -> {_short(tr['end'])}; float altitude "
        f"{tr['float_alt_m'] / 1000:.1f} +- {tr['float_alt_sigma_m'] / 1000:.1f} km "
        f"({tr['altitude']['method']}); mean ground speed {_fmt(tr['mean_speed_ms'], '.1f')} m/s"
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
    st, asof, hz = fc["start"], fc["track_as_of"], fc["horizon"]
    a72, end = fc["at_72h"], fc["end"]
    bias = fc["wind_bias_ms"]
    console.rule("[bold]Forecast: what was known at the start[/]", align="left")
    console.print(
        f"[bold]Forecast[/] from {st['name']} {_short(st['time'])} "
        f"({summary['run']['forecast_start_rule']}): "
        f"{fc['members']} members, {fc['hours']:g} h ({hz['rule']}); wind {fc['wind']}"
    )
    console.print(
        f"  track as of the start: {asof['reports']} reports, float altitude "
        f"{asof['float_alt_m'] / 1000:.1f} +- {asof['float_alt_sigma_m'] / 1000:.1f} km "
        f"({asof['altitude']['method']})"
    )
    if bias.get("applied"):
        console.print(
            f"  wind corrected by the track's drift up to the start: du {bias['du']:+.1f}, "
            f"dv {bias['dv']:+.1f} m/s (+- {bias['sigma']} m/s, {bias['samples']} samples)"
        )
    at72 = (
        ""
        if a72 is None
        else f"+72 h: median {a72['lat']:.2f}, {a72['lon']:.2f}, r50 {a72['r50_km']:.0f} km, "
        f"r90 {a72['r90_km']:.0f} km; "
    )
    console.print(
        f"  {at72}at {_short(end['time'])}: median {end['lat']:.2f}, {end['lon']:.2f}, "
        f"r90 {end['r90_km']:.0f} km"
    )
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
    t = Table(
        title=f"Engagement from the forecast (Ec limit {en['threshold']:g})", title_justify="left"
    )
    for col in ("window", "time", "lat", "lon", "Ec", "P(land)"):
        t.add_column(col, justify="left" if col in ("window", "time") else "right")
    for name, w in (("recommended", en["recommended"]), ("forecast start", en["start"])):
        t.add_row(name, *_window_cells(w))
    console.print(t)
    console.print(f"  {en['reason']}")
    sg = summary.get("steering")
    if sg:
        console.print(f"[bold]Could it steer?[/] (known at the start) {sg['line']}")
    if summary.get("coverage") or summary.get("outcome"):
        console.rule("[bold]Scored afterwards: the later reports and the outcome[/]", align="left")
    raw = {c["name"]: c for c in (summary.get("uncorrected") or {}).get("coverage", [])}
    if summary.get("coverage"):
        t = Table(
            title=f"Coverage of the later reports by the forecast from {st['name']}",
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
    oc = summary.get("outcome")
    if oc:
        t = Table(
            title=f"At the real outcome's time, {_short(oc['event']['time'])} "
            f"(+{oc['lead_h']:.1f} h)",
            title_justify="left",
        )
        for col in ("what", "time", "lat", "lon", "Ec", "P(land)"):
            t.add_column(col, justify="left" if col in ("what", "time") else "right")
        if oc.get("forecast_window"):
            t.add_row("forecast at that time", *_window_cells(oc["forecast_window"]))
        t.add_row("real point (hindsight)", *_window_cells(oc["real_point"]))
        console.print(t)
        console.print(f"  {oc['statement']}")
    hs = summary.get("hindsight")
    if hs:
        console.rule("[bold]HINDSIGHT: the whole reconstructed track[/]", align="left")
        console.print(f"  {hs['label']}")
        t = Table(
            title=f"Where inside {hs['own_territory']} territory Ec < {hs['threshold']:g} "
            f"(windows every {hs['every_min']:g} min)",
            title_justify="left",
            # "meet limit" counts windows by the criterion (own territory, Ec's upper bound),
            # while "min Ec" is the point estimate: say so under the table
            caption=f"meet limit: {hs['criterion']}; min Ec: the lowest point estimate",
            caption_justify="left",
        )
        for col in ("region", "windows", "meet limit", "first", "last", "min Ec"):
            t.add_column(col, justify="left" if col in ("region", "first", "last") else "right")
        for name, r in hs["regions"].items():
            t.add_row(
                name,
                str(r["windows"]),
                str(r["meets_limit"]),
                _short(r["first"]),
                _short(r["last"]),
                _ec(r["ec_min"]),
            )
        console.print(t)
        console.print(f"  {hs['answer']}")
        if hs.get("motion"):
            console.print(f"  Could it steer? (hindsight) {hs['motion']['line']}")
    console.print(
        f"[bold]Wrote[/] {', '.join(p.name for p in files.values())} "
        f"in {summary['run']['elapsed_s']:.1f} s -> {next(iter(files.values())).parent}/"
    )


def _ec(ec: float) -> str:
    return "0" if ec == 0 else _fmt(float(ec), ".1e")


def _window_cells(w: dict[str, Any] | None) -> list[str]:
    if w is None:
        return ["none", "", "", "", ""]
    ec = _ec(w["ec"])
    if "ec_lo" in w and "ec_hi" in w:
        ec += f" ({_ec(w['ec_lo'])}-{_ec(w['ec_hi'])})"
    return [
        _short(w["time"]),
        _fmt(w["lat"], ".2f"),
        _fmt(w["lon"], ".2f"),
        ec,
        _fmt(w["p_land"], ".2f"),
    ]


def _short(iso_time: str) -> str:
    """``2023-02-03T15:30:00Z`` -> ``02-03 15:30Z`` for narrow tables."""
    return f"{iso_time[5:10]} {iso_time[11:16]}Z" if len(iso_time) >= 16 else iso_time


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""

    @app.command("demo")
    def demo(
        out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("demo-out"),
        reports: Annotated[
            Path | None,
            typer.Option(
                "--reports",
                help="Reports CSV (the shipped 2023 file's columns: time_utc, "
                "time_uncertainty_h, lat, lon, radius_km, alt_m, alt_uncertainty_m, kind, "
                "description, source). Default: the shipped February 2023 reports.",
            ),
        ] = None,
        forecast_from: Annotated[
            str | None,
            typer.Option(
                "--forecast-from",
                help="Forecast from the last report at or before this UTC time (ISO 8601) "
                "using only the reports up to it. Default: 2023-02-01T19:00Z (Billings) for "
                "the shipped reports, the last report for --reports FILE.",
            ),
        ] = None,
        hours: Annotated[
            float | None,
            typer.Option(
                "--hours",
                help="Fixed forecast horizon (h). Default: until the forecast's median leaves "
                "US territory for good, at most 168 h.",
            ),
        ] = None,
        members: Annotated[int, typer.Option("--members", help="Forecast members.")] = 600,
        seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 2023,
        hindsight: Annotated[
            bool,
            typer.Option(
                "--hindsight/--no-hindsight",
                help="Also score engagement windows along the whole reconstructed track.",
            ),
        ] = True,
        steering: Annotated[
            bool,
            typer.Option(
                "--steering/--no-steering",
                help="Explain the path up to the forecast start (passive drift or not) and "
                "where steering by altitude could take it within 48 h, with the example sites.",
            ),
        ] = True,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print summary.json as one line.")
        ] = False,
    ) -> None:
        """Replay a balloon incident offline (the February 2023 one by default): track, origin,
        forecast from what was known at its start, overflight, aviation, engagement windows,
        could it steer (the path so far explained, the reachable set), the score against later
        reports and the outcome, and a hindsight section; write report.html, summary.json, and
        the map layers as GeoJSON, KML and CZML."""
        from ..demo import STAGES, DemoConfig, run_demo
        from ..scenario import FORECAST_FROM, REPORTS_PATH

        if forecast_from is not None:
            start: float | None = to_epoch(forecast_from)
        else:
            start = None if reports is not None else FORECAST_FROM
        cfg = DemoConfig(
            members=members,
            seed=seed,
            hours=hours,
            forecast_from=start,
            hindsight=hindsight,
            steering=steering,
            reports=REPORTS_PATH if reports is None else reports,
        )
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
