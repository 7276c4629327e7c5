"""Launch sweeps: a grid of launch times x flight parameters, each cell an ensemble.

"Which launch tomorrow keeps the landing out of the lake?" A sweep predicts an ensemble for
every launch time from ``start`` to ``end`` every ``every`` seconds and every combination of
ascent rate and burst altitude (the ``standard`` profile: ascent, burst, parachute descent to
the ground) or float altitude (the ``float`` profile: ascent, then float until the horizon;
its "end" is where it is at the horizon). For each cell it reports the members' median end
(time, place, altitude), the radii holding 50 % and 90 % of the ends, the landed fraction,
the distance and bearing from the launch site, and the probability that the end lies on land
(the GLOBE land/sea mask, `geo.land`) or inside a polygon, each with its 90 % Wilson interval
from the finite number of members ([Wilson1927]_).

All cells use the same seed: member m of every cell flies the same wind-error realisation
(common random numbers), so differences between cells are not sampling noise of independent
draws. Cells are split into tasks of members (`SweepSpec.tasks`) run on any `Engine`; the wind
is opened once and shared once per worker; the table does not depend on the engine or the
chunking.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..atmosphere.sources import open_wind
from ..errors import ConfigError, InputError
from ..predict.core import PredictChunk, Prediction, PredictPlan, plan_prediction
from ..predict.regions import distance_km
from ..timeutil import iso, to_epoch
from .engine import Engine, InProcessEngine

__all__ = [
    "SweepSpec",
    "SweepResult",
    "Polygon",
    "run_sweep",
    "launch_times",
    "parse_duration",
    "read_polygon",
    "wilson_interval",
    "require_parquet",
    "COLUMNS",
]

FloatArray = npt.NDArray[np.float64]

#: columns of the sweep table, in order (p_inside* only with a polygon)
COLUMNS = (
    "cell",
    "launch_time",
    "profile",
    "ascent_rate_m_s",
    "burst_alt_m",
    "float_alt_m",
    "members",
    "end_time",
    "end_lat",
    "end_lon",
    "end_alt_m",
    "distance_km",
    "bearing_deg",
    "r50_km",
    "r90_km",
    "landed_fraction",
    "p_land",
    "p_land_lo",
    "p_land_hi",
    "p_inside",
    "p_inside_lo",
    "p_inside_hi",
    "warnings",
)

_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str | float, *, field: str = "--every") -> float:
    """Seconds from ``90``, ``90s``, ``30min`` (or ``30m``), ``3h``, ``1d`` (> 0)."""
    if isinstance(text, int | float):
        v = float(text)
    else:
        s = str(text).strip().lower()
        unit = 1.0
        for suf in sorted(_UNITS, key=len, reverse=True):
            if s.endswith(suf):
                unit = _UNITS[suf]
                s = s[: -len(suf)].strip()
                break
        try:
            v = float(s) * unit
        except ValueError:
            raise InputError(
                "not a duration", field=field, value=text, expected="e.g. 3h, 30min, 90s, 1d"
            ) from None
    if not (math.isfinite(v) and v > 0.0):
        raise InputError("duration must be positive", field=field, value=text, expected="> 0")
    return v


def launch_times(start: Any, end: Any, every: str | float) -> tuple[float, ...]:
    """Launch times (epoch s) from ``start`` to ``end`` inclusive, every ``every``."""
    a = to_epoch(start)
    b = to_epoch(end)
    step = parse_duration(every)
    if b < a:
        raise InputError(
            "the sweep ends before it starts", field="--to", value=iso(b), expected=f">= {iso(a)}"
        )
    n = int(math.floor((b - a) / step + 1e-9)) + 1
    if n > 10_000:
        raise ConfigError(f"{n} launch times: more than 10,000; use a longer --every")
    return tuple(a + k * step for k in range(n))


def wilson_interval(k: int, n: int, confidence: float = 0.9) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k / n ([Wilson1927]_), via scipy."""
    if n <= 0:
        return (math.nan, math.nan)
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True, eq=False)
class Polygon:
    """An area to score ends against: a shapely (Multi)Polygon in lon/lat degrees and its
    name (the file's stem)."""

    name: str
    geometry: Any

    def contains(self, lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.bool_]:
        """True where (lat, lon) lies inside (NaN positions are outside)."""
        import shapely

        ok = np.isfinite(lat) & np.isfinite(lon)
        out = np.zeros(lat.shape, dtype=bool)
        if ok.any():
            out[ok] = shapely.contains_xy(self.geometry, lon[ok], lat[ok])
        return out


def read_polygon(path: str | Path) -> Polygon:
    """Read the polygon(s) of a GeoJSON file (a geometry, Feature or FeatureCollection; every
    Polygon / MultiPolygon in it, joined), lon/lat degrees (RFC 7946)."""
    import shapely
    from shapely.geometry import shape

    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("polygon file not found", path=str(p)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the polygon file as GeoJSON ({exc})", path=str(p),
            expected="a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection",
        ) from None  # fmt: skip
    geoms: list[Any] = []

    def walk(obj: Any, where: str) -> None:
        if not isinstance(obj, dict):
            raise InputError("not a GeoJSON object", path=str(p), field=where, value=obj)
        kind = obj.get("type")
        if kind == "FeatureCollection":
            for i, f in enumerate(obj.get("features") or []):
                walk(f, f"{where}.features[{i}]")
        elif kind == "Feature":
            if obj.get("geometry") is not None:
                walk(obj["geometry"], f"{where}.geometry")
        elif kind in ("Polygon", "MultiPolygon"):
            try:
                g = shape(obj)
            except Exception as exc:  # shapely raises several types for bad coordinates
                raise InputError(
                    f"bad {kind} coordinates ({exc})", path=str(p), field=where,
                    expected="[[[lon, lat], ...]] rings of at least 4 positions",
                ) from None  # fmt: skip
            c = shapely.get_coordinates(g)
            if c.size == 0 or not np.all(np.isfinite(c)):
                raise InputError(
                    "non-finite or empty coordinates", path=str(p), field=where,
                    expected="finite lon/lat",
                )  # fmt: skip
            if np.any(np.abs(c[:, 1]) > 90.0) or np.any(np.abs(c[:, 0]) > 360.0):
                raise InputError(
                    "coordinate out of range", path=str(p), field=where,
                    value=c[(np.abs(c[:, 1]) > 90.0) | (np.abs(c[:, 0]) > 360.0)][0].tolist(),
                    expected="[lon, lat] in degrees (lat -90..90)",
                )  # fmt: skip
            geoms.append(shapely.make_valid(g))
        elif kind == "GeometryCollection":
            for i, g in enumerate(obj.get("geometries") or []):
                walk(g, f"{where}.geometries[{i}]")
        # points and lines have no inside: ignored

    walk(data, "$")
    if not geoms:
        raise InputError(
            "no Polygon or MultiPolygon in the file", path=str(p),
            expected="a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection",
        )  # fmt: skip
    geom = shapely.union_all(geoms)
    shapely.prepare(geom)
    return Polygon(name=p.stem, geometry=geom)


def _positive_list(name: str, values: Sequence[float]) -> tuple[float, ...]:
    out = []
    for v in values:
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: not a number: {v!r}") from None
        if not (math.isfinite(x) and x > 0.0):
            raise ConfigError(f"{name} must be positive and finite, got {v!r}")
        out.append(x)
    return tuple(out)


@dataclass(frozen=True, eq=False)
class SweepSpec:
    """What to sweep (see module notes).

    Parameters
    ----------
    times : launch times, epoch s (`launch_times`).
    lat, lon : launch site, degrees; alt : launch altitude, m above MSL; ground : the height
        (m above MSL) where descents end (default: ``alt``).
    ascent_rates : m/s; burst_alts : m (the ``standard`` profile) or float_alts : m (the
        ``float`` profile), not both; neither: ``standard`` bursting at 30,000 m.
    descent_rate : sea-level parachute descent rate, m/s. hours : the longest flight (h).
    members, seed : each cell's ensemble (the same seed in every cell).
    wind : a wind name or file (`atmosphere.sources.open_wind`); wind_sigma as in `predict`.
    inside : an optional `Polygon` whose P(end inside) is reported.
    """

    times: tuple[float, ...]
    lat: float
    lon: float
    alt: float = 0.0
    ground: float | None = None
    ascent_rates: tuple[float, ...] = (5.0,)
    burst_alts: tuple[float, ...] = ()
    float_alts: tuple[float, ...] = ()
    descent_rate: float = 5.0
    hours: float = 48.0
    members: int = 100
    seed: int = 0
    wind: str = "climatology"
    wind_sigma: float | None = None
    inside: Polygon | None = None
    cells_: tuple[tuple[float, float, float], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if not self.times:
            raise ConfigError("a sweep needs at least one launch time")
        if self.burst_alts and self.float_alts:
            raise ConfigError("give burst altitudes or float altitudes, not both")
        if isinstance(self.members, bool) or int(self.members) < 1:
            raise ConfigError(f"members must be >= 1, got {self.members!r}")
        rates = _positive_list("ascent rate", self.ascent_rates)
        alts = _positive_list(
            "float altitude" if self.float_alts else "burst altitude",
            self.float_alts or self.burst_alts or (30_000.0,),
        )
        if not rates:
            raise ConfigError("a sweep needs at least one ascent rate")
        cells = tuple(itertools.product(self.times, rates, alts))
        if len(cells) > 100_000:
            raise ConfigError(f"{len(cells)} cells: more than 100,000; sweep a smaller grid")
        object.__setattr__(self, "cells_", cells)

    @property
    def profile(self) -> str:
        return "float" if self.float_alts else "standard"

    @property
    def cells(self) -> tuple[tuple[float, float, float], ...]:
        """(launch time, ascent rate, burst or float altitude) of every cell, in table order
        (launch time slowest)."""
        return self.cells_

    def plan(self, k: int, wind: Any) -> PredictPlan:
        """The prediction plan of cell ``k`` flying ``wind`` (an opened wind field)."""
        t, rate, top = self.cells_[k]
        ground = self.alt if self.ground is None else self.ground
        if self.profile == "float":
            return plan_prediction(
                t, self.lat, self.lon, self.alt, profile="float", wind=wind, hours=self.hours,
                members=self.members, float_alt=top, ascent_rate=rate, seed=self.seed,
                wind_sigma=self.wind_sigma, ground=ground,
            )  # fmt: skip
        return plan_prediction(
            t, self.lat, self.lon, self.alt, profile="standard", wind=wind, hours=self.hours,
            members=self.members, ascent_rate=rate, burst_alt=top,
            descent_rate=self.descent_rate, seed=self.seed, wind_sigma=self.wind_sigma,
            ground=ground,
        )  # fmt: skip

    def tasks(self, chunk: int) -> list[tuple[int, int, int]]:
        """(cell, first member, count) of every task: whole cells when they hold at most
        ``chunk`` members, otherwise chunks of one cell."""
        size = max(int(chunk), 1)
        return [
            (k, a, min(size, self.members - a))
            for k in range(len(self.cells_))
            for a in range(0, self.members, size)
        ]


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The table of a sweep: ``rows`` (dicts with `COLUMNS`), the spec, and how it ran."""

    spec: SweepSpec
    rows: list[dict[str, Any]]
    wind_source: str
    engine: dict[str, Any]
    elapsed_s: float

    def columns(self) -> list[str]:
        """The table's columns (without the polygon's when there is none)."""
        cols = list(COLUMNS)
        if self.spec.inside is None:
            cols = [c for c in cols if not c.startswith("p_inside")]
        return cols

    def write_csv(self, path: str | Path) -> Path:
        """The table as CSV (one row per cell, `columns`; empty cells for missing values)."""
        from ..io.export import write_text

        cols = self.columns()
        lines: list[list[Any]] = [cols]
        for r in self.rows:
            lines.append(["" if r.get(c) is None else r.get(c) for c in cols])
        import io

        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(lines)
        p = Path(path)
        write_text(p, buf.getvalue())
        return p

    def write_parquet(self, path: str | Path) -> Path:
        """The table as Parquet (needs the optional ``pyarrow`` package)."""
        require_parquet()
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols = self.columns()
        table = pa.table({c: [r.get(c) for r in self.rows] for c in cols})
        p = Path(path)
        try:
            pq.write_table(table, p)
        except OSError as exc:
            raise InputError(f"cannot write the Parquet file ({exc})", path=str(p)) from None
        return p

    def summary(self) -> dict[str, Any]:
        """The ``sweep --json`` object: the grid, the rows, and the cells with the lowest and
        highest P(land) (and P(inside) with a polygon) and the tightest landing; identical
        on every engine (how it ran: `run_info`)."""
        s = self.spec
        out: dict[str, Any] = {
            "cells": len(self.rows),
            "profile": s.profile,
            "members": s.members,
            "seed": s.seed,
            "wind": self.wind_source,
            "launch": {
                "lat": s.lat,
                "lon": s.lon,
                "alt_m": s.alt,
                "ground_m": s.alt if s.ground is None else s.ground,
            },  # fmt: skip
            "times": {
                "from": iso(s.times[0]),
                "to": iso(s.times[-1]),
                "count": len(s.times),
                "every_s": (s.times[1] - s.times[0]) if len(s.times) > 1 else None,
            },
            "ascent_rates_m_s": list(s.ascent_rates),
            ("float_alts_m" if s.profile == "float" else "burst_alts_m"): sorted(
                {c[2] for c in s.cells}
            ),
            "hours": s.hours,
            "inside": None if s.inside is None else s.inside.name,
        }
        keys = ["p_land"] + (["p_inside"] if s.inside is not None else [])
        extremes: dict[str, Any] = {}
        for key in keys:
            vals = [(r[key], r["cell"]) for r in self.rows if r.get(key) is not None]
            if vals:
                lo = min(vals)
                hi = max(vals)
                extremes[key] = {"min": {"cell": lo[1], "value": lo[0]},
                                 "max": {"cell": hi[1], "value": hi[0]}}  # fmt: skip
        r90 = [(r["r90_km"], r["cell"]) for r in self.rows if r.get("r90_km") is not None]
        if r90:
            extremes["r90_km"] = {"min": {"cell": min(r90)[1], "value": min(r90)[0]}}
        out["extremes"] = extremes
        out["rows"] = self.rows
        return out

    def run_info(self) -> dict[str, Any]:
        """How the sweep ran (engine, workers, wall time): kept out of `summary`, which is
        the same on every engine."""
        return {**self.engine, "elapsed_s": round(self.elapsed_s, 3)}


def require_parquet() -> None:
    """Raise a `ConfigError` unless the optional pyarrow package (Parquet) is installed."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ConfigError(
            "Parquet output needs the optional pyarrow package (pip install pyarrow, or "
            "pip install 'stratowatch[parquet]'); the CSV table has the same columns"
        ) from None


def _bearing_deg(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dl = math.radians(lon1 - lon0)
    y = math.sin(dl) * math.cos(p1)
    x = math.cos(p0) * math.sin(p1) - math.sin(p0) * math.cos(p1) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def _r(x: float, nd: int) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def cell_row(spec: SweepSpec, k: int, pred: Prediction) -> dict[str, Any]:
    """One table row from cell ``k``'s prediction (see `COLUMNS`)."""
    from ..geo.land import is_land

    t, rate, top = spec.cells[k]
    e = pred.end
    n = pred.members
    ok = np.isfinite(pred.end_lat) & np.isfinite(pred.end_lon)
    row: dict[str, Any] = {
        "cell": k,
        "launch_time": iso(t),
        "profile": spec.profile,
        "ascent_rate_m_s": rate,
        "burst_alt_m": top if spec.profile == "standard" else None,
        "float_alt_m": top if spec.profile == "float" else None,
        "members": n,
        "end_time": iso(e["time"]) if math.isfinite(e["time"]) else None,
        "end_lat": _r(e["lat"], 5),
        "end_lon": _r(e["lon"], 5),
        "end_alt_m": _r(e["alt"], 1),
        "distance_km": None,
        "bearing_deg": None,
        "r50_km": _r(e["r50_km"], 3),
        "r90_km": _r(e["r90_km"], 3),
        "landed_fraction": round(float(e["landed_fraction"]), 4),
    }
    if math.isfinite(e["lat"]):
        row["distance_km"] = _r(
            float(distance_km(np.array([spec.lat]), np.array([spec.lon]), e["lat"], e["lon"])[0]),
            3,
        )
        row["bearing_deg"] = _r(_bearing_deg(spec.lat, spec.lon, e["lat"], e["lon"]), 1)
    land = np.zeros(n, dtype=bool)
    if ok.any():
        land[ok] = is_land(pred.end_lat[ok], pred.end_lon[ok])
    k_land = int(land.sum())
    lo, hi = wilson_interval(k_land, n)
    row.update(p_land=round(k_land / n, 4), p_land_lo=round(lo, 4), p_land_hi=round(hi, 4))
    if spec.inside is not None:
        k_in = int(spec.inside.contains(pred.end_lat, pred.end_lon).sum())
        lo, hi = wilson_interval(k_in, n)
        row.update(p_inside=round(k_in / n, 4), p_inside_lo=round(lo, 4),
                   p_inside_hi=round(hi, 4))  # fmt: skip
    row["warnings"] = "; ".join(pred.warnings)
    return row


def _sweep_task(shared: tuple[SweepSpec, Any], item: tuple[int, int, int]) -> PredictChunk:
    spec, wind = shared
    k, first, count = item
    return spec.plan(k, wind).run(first, count, paths=False)


def run_sweep(
    spec: SweepSpec,
    *,
    engine: Engine | None = None,
    chunk: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every cell of ``spec`` on ``engine`` (default in-process) and tabulate them.

    ``chunk``: members per task (default: whole cells up to 20,000 members); the table does
    not depend on it. ``progress(done_cells, total_cells)`` as cells complete.
    """
    eng = engine if engine is not None else InProcessEngine()
    t_run = _time.perf_counter()
    wind = open_wind(spec.wind)
    # every cell's parameters are checked here, before any work is sent out
    plans = [spec.plan(k, wind) for k in range(len(spec.cells))]
    size = 20_000 if chunk is None else int(chunk)
    if size < 1:
        raise ConfigError(f"chunk must be >= 1 member, got {chunk!r}")
    tasks = spec.tasks(size)
    per_cell = math.ceil(spec.members / size)
    shared = eng.share((spec, wind))
    got: dict[int, list[PredictChunk]] = {}
    rows: dict[int, dict[str, Any]] = {}
    for i, c in eng.run(_sweep_task, tasks, shared=shared):
        k = tasks[i][0]
        got.setdefault(k, []).append(c)
        if len(got[k]) == per_cell:
            pred = plans[k].finish(got.pop(k))
            rows[k] = cell_row(spec, k, pred)
            if progress is not None:
                progress(len(rows), len(plans))
    return SweepResult(
        spec=spec,
        rows=[rows[k] for k in range(len(plans))],
        wind_source=str(wind.meta.source),
        engine=eng.describe(),
        elapsed_s=_time.perf_counter() - t_run,
    )
