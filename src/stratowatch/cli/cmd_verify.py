"""`stratowatch verify`: hindcast real flights from burst and during their descent, and
measure how well the predictions (and, with --members, their regions) match the landings."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .common import console, print_json, progress, scheduler_option
from .validate import check_out, writing

__all__ = ["register"]


def _flights(items: list[str]) -> list[str | list[str]]:
    """Each argument is one flight: a file, a folder, or files joined with commas."""
    out: list[str | list[str]] = []
    for item in items:
        parts = [p for p in item.split(",") if p]
        out.append(parts if len(parts) > 1 else parts[0])
    return out


def _pct(c: dict[str, Any] | None) -> str:
    if not c:
        return "-"
    return f"{c['k']}/{c['n']} ({100 * c['fraction']:.0f} %)"


def _f(x: Any, fmt: str = ".2f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def verify_cmd(
    flights: Annotated[
        list[str],
        typer.Argument(
            help="Flights, one per argument: a track file (APRS log, SHAB CSV, time,lat,lon,alt "
            "log, radiosonde_auto_rx log, radiosondy.info export, UKHAS log), a folder with the "
            "files of one flight, or several files of one flight joined with commas."
        ),
    ],
    members: int = typer.Option(
        1, "--members", help="Ensemble members per prediction (1: deterministic, no regions)."
    ),
    seed: int = typer.Option(0, "--seed", help="Base random seed of the ensembles."),
    wind_sigma: float | None = typer.Option(
        None, "--wind-sigma", help="Wind perturbation sigma, m/s (default: predict's)."
    ),
    descent_rate_sigma: float | None = typer.Option(
        None,
        "--descent-rate-sigma",
        help="1-sigma member spread of the sea-level descent rate, m/s (default: predict's).",
    ),
    wind: str = typer.Option(
        "ascent",
        "--wind",
        help="ascent (the profile each flight measured before its descent), climatology, calm, "
        "or a wind file.",
    ),
    descent_rate: float | None = typer.Option(
        None,
        "--descent-rate",
        help="Sea-level descent rate expected at burst, m/s (default: the 5 m/s prior, spread "
        "as real flights' rates are about it).",
    ),
    ground: float | None = typer.Option(
        None,
        "--ground",
        help="Ground altitude, m MSL (default: the log's ground dwell, else its last fix).",
    ),
    every: float = typer.Option(
        2.0, "--every", help="Minutes between re-predictions during the descent (0: none)."
    ),
    correction_scale: float = typer.Option(
        2.0,
        "--correction-scale",
        help="Vertical decay scale (km) of the descent's wind correction (0: none, inf: no decay).",
    ),
    descent_exponent: float | None = typer.Option(
        None,
        "--descent-exponent",
        help="Exponent of the descent law w ~ rho^-a (default: fitted to the descent so far; "
        "0.5: the parachute law).",
    ),
    leave_one_out: bool = typer.Option(
        False,
        "--leave-one-out",
        help="Score each flight with uncertainty constants measured on the other flights "
        "only (needs >= 3 flights); default: the shipped constants.",
    ),
    markdown: Annotated[
        Path | None,
        typer.Option(
            "--markdown", help="Also write the calibration tables (Markdown) to this file."
        ),
    ] = None,
    scheduler: str | None = scheduler_option(
        "the flights (one task each)", "Same figures on any of them."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Predict tracked balloons' descents from burst and every few minutes on the way down,
    from what was known then; score each prediction against the real landing."""
    from ..predict.verify import VerifyOptions, calibration_markdown, verify_flights
    from ..report.words import place_of

    check_out(markdown, option="--markdown")
    opts = VerifyOptions(
        members=members, seed=seed, wind_sigma=wind_sigma, descent_rate_sigma=descent_rate_sigma,
        wind=None if wind == "ascent" else wind, descent_rate=descent_rate, ground=ground,
        every_s=60.0 * every, correction_scale_m=1000.0 * correction_scale,
        descent_exponent=descent_exponent,
    ).check()  # fmt: skip
    items = _flights(flights)
    from ..scale import open_engine
    from ..scale.campaign import run_campaign

    with progress(enabled=not as_json) as bar, open_engine(scheduler) as eng:
        task = bar.add_task("flights", total=len(items))
        if leave_one_out:  # the constants of each flight need the others': in-process
            campaign = verify_flights(
                items,
                opts,
                leave_one_out=True,
                progress=lambda done, total: bar.update(task, completed=done),
            )
        else:
            campaign = run_campaign(
                items,
                opts,
                engine=eng,
                progress=lambda done, total: bar.update(task, completed=done),
            )
    if markdown is not None:
        with writing(markdown, option="--markdown"):
            markdown.write_text(calibration_markdown(campaign))
    if as_json:
        print_json(campaign.summary())
        return
    for r in campaign.flights:
        s = r.summary()
        b = s["from_burst"]
        console.print(
            f"[bold]{s['track']}[/]: descent from {s['burst']['time']} at "
            f"{s['burst']['alt_m']:.0f} m to {s['end_alt_m']:.0f} m "
            f"({'landed' if s['landing']['landed'] else 'log ends in the air'}; "
            f"drift {s['descent_distance_km']:.1f} km); wind: {s['wind']}"
        )
        bu, la = s["burst"], s["landing"]
        console.print(
            f"  burst over {place_of(bu['lat'], bu['lon'])}; "
            f"{'landed' if la['landed'] else 'last fix'} at "
            f"{place_of(la['lat'], la['lon'], long=True)}",
            highlight=False,
            soft_wrap=True,
        )
        line = (
            f"  from burst: landing error [bold]{b['landing_error_km']:.2f} km[/] "
            f"(descent rate {b['descent_rate_m_s']:.2f} m/s, {b['rate_from']})"
        )
        if "r90_km" in b:
            line += (
                f"; r50 {b['r50_km']:.2f} / r90 {b['r90_km']:.2f} km, quantile "
                f"{b['quantile']:.2f}, CRPS {b['crps_km']:.2f} km"
            )
        console.print(line)
        if s["repredictions"]:
            t = Table("min to landing", "start alt m", "rate m/s", "error km", "baseline km",
                      "r90 km", "quantile", "in 50/90 %", box=None, padding=(0, 1))  # fmt: skip
            for p in s["repredictions"]:
                inside = (
                    f"{'y' if p['in_50'] else 'n'}/{'y' if p['in_90'] else 'n'}"
                    if "in_50" in p
                    else "-"
                )
                t.add_row(
                    f"{p['minutes_to_landing']:.1f}", f"{p['start_alt_m']:.0f}",
                    f"{p['descent_rate_m_s']:.2f}", f"{p['landing_error_km']:.2f}",
                    _f(p.get("baseline_error_km")), _f(p.get("r90_km")), _f(p.get("quantile")),
                    inside,
                )  # fmt: skip
            console.print(t)
        for w in s["warnings"]:
            console.print(f"  [yellow]warning:[/] {w}", highlight=False)
    tot = campaign.totals
    t = Table("starts", "n", "median error km", "baseline km", "in 50 %", "in 90 %",
              "mean CRPS km", title=f"totals over {tot['flights']} flight(s)")  # fmt: skip
    for label, key in (("from burst", "from_burst"), ("re-predictions", "repredictions"),
                       ("all", "all_starts"), (">= 10 min before landing",
                                               "ten_minutes_before_landing")):  # fmt: skip
        g = tot[key]
        t.add_row(
            label, str(g["n"]), _f(g.get("median_error_km")),
            _f(g.get("median_baseline_error_km")), _pct(g.get("coverage_50")),
            _pct(g.get("coverage_90")), _f(g.get("mean_crps_km")),
        )  # fmt: skip
    console.print(t)
    if markdown is not None:
        console.print(f"wrote {markdown}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("verify")(verify_cmd)
