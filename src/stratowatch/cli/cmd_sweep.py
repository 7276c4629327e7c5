"""`stratowatch sweep`: launch times x flight parameters, each cell an ensemble."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..errors import ConfigError
from .common import console, err_console, print_json, progress, scheduler_option

__all__ = ["register"]


def _floats(text: str | None, name: str) -> tuple[float, ...]:
    if text is None or not text.strip():
        return ()
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(float(part))
        except ValueError:
            raise ConfigError(
                f"{name}: not a number: {part!r} (expected e.g. 17000,18000)"
            ) from None
    return tuple(out)


def sweep_cmd(
    start: str = typer.Option(..., "--from", help="First launch time, ISO-8601 UTC."),
    end: str = typer.Option(..., "--to", help="Last launch time (inclusive), ISO-8601 UTC."),
    every: str = typer.Option("3h", "--every", help="Between launch times: 3h, 30min, 90s, 1d."),
    lat: float = typer.Option(
        45.78, "--lat", help="Launch latitude, degrees (default Billings, MT)."
    ),
    lon: float = typer.Option(-108.5, "--lon", help="Launch longitude, degrees east."),
    alt: float = typer.Option(1000.0, "--alt", help="Launch altitude, m above MSL."),
    ground: float | None = typer.Option(
        None, "--ground", help="Where descents end, m above MSL (default: --alt)."
    ),
    ascent_rate: str = typer.Option("5", "--ascent-rate", help="Ascent rate(s), m/s: 4,5,6."),
    burst_alt: str | None = typer.Option(
        None, "--burst-alt", help="Burst altitude(s), m (standard profile): 28000,30000."
    ),
    float_alt: str | None = typer.Option(
        None, "--float-alt", help="Float altitude(s), m (float profile): 17000,18000."
    ),
    descent_rate: float = typer.Option(
        5.0, "--descent-rate", help="Parachute descent rate at sea level, m/s."
    ),
    hours: float = typer.Option(
        48.0, "--hours", help="Longest flight, h (a float's end is where it is then)."
    ),
    members: int = typer.Option(100, "--members", help="Ensemble members per cell."),
    seed: int = typer.Option(0, "--seed", help="Random seed (the same in every cell)."),
    wind: str = typer.Option("climatology", "--wind", help="climatology | calm | a wind file."),
    wind_sigma: float | None = typer.Option(
        None, "--wind-sigma", help="Fixed wind error, m/s (default: the source's own model)."
    ),
    inside: Annotated[
        Path | None,
        typer.Option("--inside", help="GeoJSON polygon(s): report P(end inside) per cell."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for sweep.csv and sweep.html (the report)."),
    ] = None,
    parquet: bool = typer.Option(
        False, "--parquet", help="Also write sweep.parquet to --out (needs pyarrow)."
    ),
    scheduler: str | None = scheduler_option("the cells", "The table does not depend on it."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Sweep launch times x ascent rate x burst (or float) altitude: where each ensemble ends,
    how spread out, and how likely on land or inside a polygon."""
    from ..scale import open_engine
    from ..scale.sweep import SweepSpec, launch_times, read_polygon, require_parquet, run_sweep

    if parquet and out is None:
        raise ConfigError("--parquet writes into the --out directory: give --out DIR")
    if parquet:
        require_parquet()
    spec = SweepSpec(
        times=launch_times(start, end, every),
        lat=lat,
        lon=lon,
        alt=alt,
        ground=ground,
        ascent_rates=_floats(ascent_rate, "--ascent-rate"),
        burst_alts=_floats(burst_alt, "--burst-alt"),
        float_alts=_floats(float_alt, "--float-alt"),
        descent_rate=descent_rate,
        hours=hours,
        members=members,
        seed=seed,
        wind=wind,
        wind_sigma=wind_sigma,
        inside=None if inside is None else read_polygon(inside),
    )
    with progress(enabled=not as_json) as bar, open_engine(scheduler) as eng:
        task = bar.add_task("cells", total=len(spec.cells))
        result = run_sweep(
            spec, engine=eng, progress=lambda d, t: bar.update(task, completed=d, total=t)
        )
    summary = result.summary()
    if out is not None:
        from ..scale.report import sweep_page

        out.mkdir(parents=True, exist_ok=True)
        files = [result.write_csv(out / "sweep.csv")]
        if parquet:
            files.append(result.write_parquet(out / "sweep.parquet"))
        page = out / "sweep.html"
        from ..report import write_report

        files.append(write_report(page, sweep_page(result)))
        summary["files"] = [str(f) for f in files]
    run = result.run_info()
    if as_json:
        err_console.print(
            f"engine {run['engine']} ({run['workers']} worker(s)), {run['elapsed_s']:.1f} s",
            highlight=False,
        )
        print_json(summary)
        return
    word = "end (horizon)" if spec.profile == "float" else "landing"
    t = Table("launch (UTC)", "ascent", "burst/float km", f"median {word}", "km away",
              "r50/r90 km", "P(land)", *(["P(inside)"] if spec.inside else []),
              title=f"{len(result.rows)} cells x {spec.members} members, wind {result.wind_source}")  # fmt: skip
    for r in result.rows:
        top = r["float_alt_m"] if spec.profile == "float" else r["burst_alt_m"]
        cells = [
            r["launch_time"][5:16].replace("T", " "),
            f"{r['ascent_rate_m_s']:g}",
            f"{top / 1000:g}",
            "-" if r["end_lat"] is None else f"{r['end_lat']:.2f}, {r['end_lon']:.2f}",
            "-" if r["distance_km"] is None else f"{r['distance_km']:.0f}",
            "-" if r["r50_km"] is None else f"{r['r50_km']:.0f}/{r['r90_km']:.0f}",
            f"{r['p_land']:.2f} [{r['p_land_lo']:.2f}-{r['p_land_hi']:.2f}]",
        ]
        if spec.inside is not None:
            cells.append(f"{r['p_inside']:.2f} [{r['p_inside_lo']:.2f}-{r['p_inside_hi']:.2f}]")
        t.add_row(*cells)
    console.print(t)
    console.print(f"engine {run['engine']} ({run['workers']} worker(s)), {run['elapsed_s']:.1f} s")
    if out is not None:
        console.print("wrote " + ", ".join(summary["files"]))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("sweep")(sweep_cmd)
