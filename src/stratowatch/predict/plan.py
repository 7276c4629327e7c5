"""Planning an ensemble prediction: `plan_prediction` checks the parameters and decides
everything but the integration (`PredictPlan`), which runs members in chunks (`PredictChunk`,
shared by the in-process and the Dask engines)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..atmosphere.perturb import PerturbedWind, member_normals
from ..atmosphere.uncertainty import WindUncertainty, constant_uncertainty, uncertainty_of
from ..atmosphere.wind import WindField, wind_times
from ..core.tops import TopPoints
from ..errors import ConfigError, DomainError, InputError
from ..flight.ballistic import FALL_DT_S, FALL_DZ_M
from ..flight.integrate import RunResult, integrate, join_results
from ..flight.kernel import END_DONE, END_TIME, END_WINDTIME
from ..flight.models import (
    Ascent,
    Ballistic,
    Float,
    ParachuteDescent,
    Stage,
)
from ..flight.windargs import resolve_wind
from ..geo.terrain import TerrainModel, flat_terrain
from ..timeutil import iso, to_epoch
from .flight_uncertainty import FlightParameter, resolve
from .regions import (
    from_local_en,
    median_lonlat,
    wrap180,
)
from .result import FloatArray, Prediction

__all__ = ["plan_prediction", "PredictPlan", "PredictChunk", "Profile"]

Profile = Literal["float", "standard", "descent", "fall"]
_PROFILES = ("float", "standard", "descent", "fall")


def _num(name: str, value: Any, *, positive: bool = False, nonneg: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    if positive and v <= 0.0:
        raise ConfigError(f"{name} must be > 0, got {value!r}")
    if nonneg and v < 0.0:
        raise ConfigError(f"{name} must be >= 0, got {value!r}")
    return v


_STREAM_FLIGHT = 2  # member-keyed random stream of the flight parameters (0, 1: wind modes)


@dataclass(frozen=True, eq=False)
class PredictPlan:
    """Everything `predict` decides before integrating: validated parameters, the stages, the
    wind and its error model. `run` integrates any range of members, `finish` turns the
    chunks into a `Prediction`; `predict` is ``plan.finish([plan.run(a, c) for chunks])``.

    Every member's draws depend only on (``seed``, member index), so the chunks can run in any
    order, in threads or on other machines (`stratowatch.scale`), with identical results. A
    plan is picklable (its wind and terrain travel with it: ship it once per worker).
    """

    t0: float
    lat: float
    lon: float
    alt: float
    profile: str
    hours: float
    members: int
    first: int
    seed: int
    backward: bool
    ensemble: bool
    output_step_s: float
    dt_s: float
    alt_sigma: float
    pos_sigma_m: float
    time_sigma_s: float
    wind_sigma: float | None
    base: Any
    model: WindUncertainty | None
    perturb: bool
    perturbed_report: bool
    terrain: TerrainModel
    stages: tuple[Stage, ...]
    case: str
    ascent: FlightParameter | None = None
    descent: FlightParameter | None = None
    burst: FlightParameter | None = None
    target: float = 0.0
    gnd_here: float = 0.0
    float_params: tuple[float, ...] = ()
    rates: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        """The wind source's name."""
        return str(self.base.meta.source)

    def field_for(self, first: int, count: int) -> tuple[Any, npt.NDArray[np.int64] | None]:
        """The wind the members ``first .. first + count - 1`` fly (a `PerturbedWind` holding
        just their modes when perturbed) and their wind-member indices (None: the default)."""
        if self.perturb:
            assert self.model is not None
            pw = PerturbedWind(
                self.base, members=count, uncertainty=self.model, seed=self.seed,
                first_member=first,
            )  # fmt: skip
            return pw, None
        m = int(getattr(self.base.meta, "members", 1) or 1)
        if m > 1:
            # an ensemble wind given as such: member i flies its member i % m (global index)
            return self.base, (first + np.arange(count, dtype=np.int64)) % m
        return self.base, None

    def _draw(
        self, par: FlightParameter | None, z: FloatArray, col: int, col_k: int = 7
    ) -> tuple[FloatArray, FloatArray]:
        """Per-member values (and descent-law exponents) of a flight parameter, from the
        members' normal draws ``z`` (columns ``col`` and ``col_k``)."""
        assert par is not None
        n = z.shape[0]
        if not self.ensemble or not par.spread:
            return np.full(n, par.value), np.full(n, par.exponent)
        vals, k = par.draw(z[:, col], z[:, col_k])
        return np.asarray(vals, dtype=np.float64), np.asarray(k, dtype=np.float64)

    def times(self, nt: int) -> FloatArray:
        """The ``nt`` output times (epoch s) of the paths: nominal start + k * output step
        (back in time for backward runs)."""
        sign = -1.0 if self.backward else 1.0
        return self.t0 + sign * self.output_step_s * np.arange(nt, dtype=np.float64)

    def run(
        self,
        first: int,
        count: int,
        *,
        paths: bool = True,
        path_dtype: Any = np.float64,
        top_points: bool = False,
    ) -> PredictChunk:
        """Integrate members ``first .. first + count - 1`` (global indices, within the plan's
        range or beyond it: any member of the same ensemble). ``paths=False`` keeps only the
        start of each path (the end states are always kept); ``path_dtype`` float32 halves
        the memory of the stored paths (about 1 m of resolution). ``top_points`` (with
        ``paths=False``): integrate the chunk's paths all the same, keep each member's highest
        point on them (`TopPoints`, found in ``path_dtype`` as on stored paths) and the start
        in ``path_dtype``, then drop the paths: the key points of the flight without the
        paths' memory (a chunk's paths only, never the whole ensemble's)."""
        n = int(count)
        if n < 1:
            raise ConfigError(f"a chunk needs at least one member, got {count!r}")
        field_, member = self.field_for(int(first), n)
        z = member_normals(self.seed, _STREAM_FLIGHT, int(first), n, 8) if self.ensemble else (
            np.zeros((n, 8))
        )  # fmt: skip
        la, lo, al = self.lat, self.lon, self.alt
        t_start = np.full(n, self.t0)
        lat0 = np.full(n, la)
        lon0 = np.full(n, lo)
        alt0 = np.full(n, al)
        if self.ensemble and self.pos_sigma_m > 0.0:
            lat0, lon0 = from_local_en(
                self.pos_sigma_m * z[:, 4], self.pos_sigma_m * z[:, 5], la, lo
            )
        if self.ensemble and self.time_sigma_s > 0.0:
            t_start = self.t0 + self.time_sigma_s * z[:, 6]
        alt_dev = self.alt_sigma * z[:, 0]
        until_above: FloatArray | None = None
        until_below: FloatArray | None = None
        params: FloatArray | None = None
        vel = None
        nan = np.full(n, np.nan)
        if self.case == "float_ascend":
            until_above = np.stack([self.target + alt_dev, nan], axis=1)
            params = np.zeros((n, 2, 4))
            params[:, 0, 0] = self._draw(self.ascent, z, 1)[0]
            params[:, 1, :] = self.float_params
        elif self.case == "float_descend":
            until_below = np.stack([self.target + alt_dev, nan], axis=1)
            params = np.zeros((n, 2, 4))
            params[:, 0, 0], params[:, 0, 1] = self._draw(self.descent, z, 3)
            params[:, 1, :] = self.float_params
        elif self.case == "float":
            alt0 = self.target + alt_dev
        elif self.case == "standard":
            burst_m = self._draw(self.burst, z, 2)[0]
            until_above = np.stack([np.maximum(burst_m, al + 1.0), nan], axis=1)
            params = np.zeros((n, 2, 4))
            params[:, 0, 0] = self._draw(self.ascent, z, 1)[0]
            params[:, 1, 0], params[:, 1, 1] = self._draw(self.descent, z, 3)
        elif self.case == "descent":
            alt0 = np.maximum(al + alt_dev, self.gnd_here + 1.0)
            params = np.zeros((n, 1, 4))
            params[:, 0, 0], params[:, 0, 1] = self._draw(self.descent, z, 3)
        else:  # fall
            alt0 = np.maximum(al + alt_dev, self.gnd_here + 1.0)
            mem = np.arange(n) % int(getattr(field_.meta, "members", 1) or 1)
            u, v = field_.uv(t_start, lat0, lon0, alt0, mem) if n > 1 else field_.uv(
                t_start, lat0, lon0, alt0
            )  # fmt: skip
            vel = np.stack([np.asarray(u), np.asarray(v), np.zeros(n)], axis=1)
        top = float(np.max(alt0))
        if until_above is not None:
            top = max(top, float(np.nanmax(until_above)))
        res = integrate(
            list(self.stages),
            field_,
            t_start,
            lat0,
            lon0,
            alt0,
            duration=self.hours * 3600.0,
            backward=self.backward,
            vel=vel,
            member=member,
            until_above=until_above,
            until_below=until_below,
            params=params,
            out_step=self.output_step_s,
            keep_paths=paths,
            path_dtype=path_dtype,
            chunk=n,
            ground=self.terrain,
            # without the paths the kernel keeps each member's highest output point as it
            # integrates (compared in ``path_dtype``, as `TopPoints.of_paths` would on the
            # stored paths): no path array is written
            top_points=top_points,
        )
        tops = None
        if top_points and not paths and res.top is not None:
            k = res.top[:, 0].astype(np.intp)
            dt_ = np.dtype(path_dtype)
            tops = TopPoints(
                time=self.times(int(k.max(initial=0)) + 1)[k],
                lat=res.top[:, 1].astype(dt_).astype(np.float64),
                lon=res.top[:, 2].astype(dt_).astype(np.float64),
                alt=res.top[:, 3].astype(dt_).astype(np.float64),
            )
            res = replace(res, top=None)  # kept as `tops`: not shipped twice
        return PredictChunk(
            first=int(first), result=res, top=top,
            t_min=float(np.min(t_start)), t_max=float(np.max(t_start)), paths=bool(paths),
            top_points=tops,
        )  # fmt: skip

    def chunks(self, size: int) -> list[tuple[int, int]]:
        """(first, count) of consecutive chunks of at most ``size`` members covering the plan."""
        size = max(int(size), 1)
        return [(self.first + a, min(size, self.members - a)) for a in range(0, self.members, size)]

    def collect(
        self,
        chunks: Iterable[PredictChunk],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[list[PredictChunk], tuple[Any, Any, Any] | None]:
        """Gather chunks as they arrive (any order): each one's paths are copied into arrays
        for all the plan's members and dropped from the chunk, so memory holds the paths
        once. Returns the (path-less) chunks and the (lat, lon, alt) paths, or None when the
        chunks kept no paths or there is a single chunk. ``progress(done, total)`` after each."""
        got: list[PredictChunk] = []
        store: Any = None
        done = 0
        single = True
        for c in chunks:
            if got or c.count != self.members:
                single = False
            if c.paths and not single:
                r = c.result
                if store is None:
                    nt = r.lat.shape[1]
                    # every member's row is written by its chunk (`finish` refuses gaps)
                    store = np.empty((3, self.members, nt), dtype=r.lat.dtype)
                    for g in got:  # a first chunk kept whole while it looked like the only one
                        _put(store, g.first - self.first, g.result)
                    got = [g.without_paths() for g in got]
                a = c.first - self.first
                if not (0 <= a and a + c.count <= self.members):
                    raise ConfigError(
                        f"chunk {c.first}..{c.first + c.count - 1} is outside the plan's members"
                    )
                _put(store, a, r)
                c = c.without_paths()
            got.append(c)
            done += c.count
            if progress is not None:
                progress(done, self.members)
        if store is None:
            return got, None
        return got, (store[0], store[1], store[2])

    def finish(
        self,
        chunks: Sequence[PredictChunk],
        *,
        paths: tuple[Any, Any, Any] | None = None,
        elapsed_s: float = 0.0,
    ) -> Prediction:
        """Join the chunks (in member order, whatever order they came in) into the
        `Prediction` of the plan's members; warnings and the uncertainty report are computed
        on the joined members, so any chunking gives the same result. ``paths``: the
        members' (lat, lon, alt) paths gathered by `collect` (None: the chunks' own)."""
        parts = sorted(chunks, key=lambda c: c.first)
        pos = self.first
        for c in parts:
            if c.first != pos:
                raise ConfigError(
                    f"chunks do not cover members {self.first}..{self.first + self.members - 1}"
                    f" without gaps or overlaps (member {pos} expected, chunk starts at "
                    f"{c.first})"
                )
            pos += c.count
        if pos != self.first + self.members:
            raise ConfigError(
                f"chunks cover {pos - self.first} of the plan's {self.members} members"
            )
        res = join_results([c.result for c in parts])
        if paths is not None:
            res = replace(res, lat=paths[0], lon=paths[1], alt=paths[2])
        n = self.members
        meta = self.base.meta
        warnings = list(self.warnings)
        if max(c.top for c in parts) > meta.alt_max + 1.0:
            warnings.append(
                f"altitude above the wind data's top ({meta.alt_max:.0f} m): its highest "
                "level's wind is used there"
            )
        left = int(np.count_nonzero(res.reason == END_WINDTIME))
        if left:
            assert meta.time_start is not None and meta.time_end is not None
            edge = meta.time_start if self.backward else meta.time_end
            text = (
                f"{left} of {n} member(s) were still flying when the wind data ends at "
                f"{iso(edge)} ({meta.source}, {iso(meta.time_start)} .. {iso(meta.time_end)})"
            )
            if 2 * left >= n:
                raise DomainError(
                    f"{text}: the flight itself leaves the wind's time span; use a wind that "
                    "covers it"
                )
            warnings.append(f"{text}: they stop there (not landed)")
        said_above = any("above the wind data's top" in w for w in warnings)
        for w in res.warnings:
            if w not in warnings and not (said_above and "above the wind data's top" in w):
                warnings.append(w)
        landed = res.reason == END_DONE
        if self.profile in ("standard", "descent", "fall"):
            short = int(np.count_nonzero(res.reason == END_TIME))
            if short:
                warnings.append(f"{short} member(s) still airborne at the {self.hours:g} h horizon")
        # gaps in the wind's times that the flight interpolated across
        t_lo = float(np.nanmin([min(c.t_min for c in parts), np.nanmin(res.end_time)]))
        t_hi = float(np.nanmax([max(c.t_max for c in parts), np.nanmax(res.end_time)]))
        warnings.extend(_gap_warnings(self.base, t_lo, t_hi))
        times = self.times(res.lat.shape[1])
        kept = all(c.paths for c in parts)
        tops = (
            TopPoints.join([c.top_points for c in parts if c.top_points is not None])
            if not kept and all(c.top_points is not None for c in parts)
            else None
        )
        unc_report = _uncertainty_report(
            self.model, self.t0, self.lat, self.lon, self.alt, res, self.profile,
            self.rates, self.perturbed_report,
        )  # fmt: skip
        pars = {k: p for k, p in (("ascent_rate", self.ascent), ("descent_rate", self.descent),
                                  ("burst_alt", self.burst)) if p is not None}  # fmt: skip
        if pars:
            # which spread applied to each flight parameter, and why (provenance)
            unc_report["flight_parameters"] = {
                k: {**p.describe(), "members_spread": bool(self.ensemble and p.spread)}
                for k, p in pars.items()
            }
        return Prediction(
            times=times,
            lat=res.lat,
            lon=res.lon,  # the kernel returns longitudes in [-180, 180] (no copy)
            alt=res.alt,
            end_time=res.end_time,
            end_lat=res.end_lat,
            end_lon=wrap180(res.end_lon),
            end_alt=res.end_alt,
            landed=landed,
            profile=self.profile,
            backward=bool(self.backward),
            wind_source=meta.source,
            warnings=warnings,
            elapsed_s=elapsed_s,
            params={
                "time": iso(self.t0),
                "lat": self.lat,
                "lon": self.lon,
                "alt": self.alt,
                "hours": self.hours,
                "members": n,
                "first_member": self.first,
                "wind_sigma": self.wind_sigma,
                "alt_sigma": self.alt_sigma,
                "pos_sigma_m": self.pos_sigma_m,
                "time_sigma_s": self.time_sigma_s,
                "seed": int(self.seed),
                "ground": self.terrain.describe(),
                "uncertainty": unc_report,
                "paths": kept,
            },
            member_steps=int(res.steps.sum()),
            top_points=tops,
        )


def _put(store: npt.NDArray[Any], a: int, r: RunResult) -> None:
    """Copy a chunk's (lat, lon, alt) paths into rows ``a ..`` of ``store`` (3, members, nt),
    one array at a time (a tuple on the right would first be stacked into a temporary copy)."""
    n = r.lat.shape[0]
    store[0, a : a + n] = r.lat
    store[1, a : a + n] = r.lon
    store[2, a : a + n] = r.alt


@dataclass(frozen=True, eq=False)
class PredictChunk:
    """Members ``first .. first + count - 1`` of a `PredictPlan`, integrated (`PredictPlan.run`):
    their `RunResult`, the highest altitude they start at or aim for (``top``, m), the
    range of their start times (epoch s) and, for a run without paths that kept them, each
    member's highest point (``top_points``)."""

    first: int
    result: RunResult
    top: float
    t_min: float
    t_max: float
    paths: bool = True
    top_points: TopPoints | None = None

    @property
    def count(self) -> int:
        return int(self.result.end_time.shape[0])

    def without_paths(self) -> PredictChunk:
        """The chunk with its paths dropped (once they were copied elsewhere)."""
        r = self.result
        empty = np.empty((self.count, 0), dtype=r.lat.dtype)
        return replace(self, result=replace(r, lat=empty, lon=empty, alt=empty))


def plan_prediction(
    time: Any,
    lat: float,
    lon: float,
    alt: float,
    *,
    profile: Profile = "float",
    wind: str | WindField | Any = "climatology",
    hours: float = 48.0,
    members: int = 1,
    float_alt: float | None = None,
    float_pressure: float | None = None,
    oscillation_m: float = 0.0,
    oscillation_period_s: float = 0.0,
    ascent_rate: float | FlightParameter | None = None,
    burst_alt: float | FlightParameter | None = None,
    descent_rate: float | FlightParameter | None = None,
    descent_exponent: float | None = None,
    beta: float | None = None,
    wind_sigma: float | None = None,
    uncertainty: WindUncertainty | None = None,
    alt_sigma: float = 0.0,
    ascent_rate_sigma: float | None = None,
    burst_alt_sigma: float | None = None,
    descent_rate_sigma: float | None = None,
    pos_sigma_m: float = 0.0,
    time_sigma_s: float = 0.0,
    backward: bool = False,
    seed: int = 0,
    first_member: int = 0,
    output_step_s: float = 600.0,
    ground: float | TerrainModel | None = 0.0,
    dt_s: float = 3600.0,
) -> PredictPlan:
    """Validate a prediction's parameters and decide everything but the integration: the
    `PredictPlan` that `predict` runs (same parameters, see there). Raises what `predict`
    raises for bad parameters."""
    t0 = to_epoch(time)
    la = _num("lat", lat)
    lo = _num("lon", lon)
    al = _num("alt", alt)
    if abs(la) > 90.0:
        raise InputError("latitude out of range", field="lat", value=la, expected="-90..90")
    if profile not in _PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; expected one of {', '.join(_PROFILES)}")
    if isinstance(members, bool) or int(members) != members or int(members) < 1:
        raise ConfigError(f"members must be a whole number >= 1, got {members!r}")
    if isinstance(first_member, bool) or int(first_member) != first_member or first_member < 0:
        raise ConfigError(f"first_member must be a whole number >= 0, got {first_member!r}")
    n = int(members)
    first = int(first_member)
    ensemble = n > 1 or first > 0
    h = _num("hours", hours, positive=True)
    step = _num("output step", output_step_s, positive=True)
    dt = _num("time step", dt_s, positive=True)
    alt_sd = _num("alt_sigma", alt_sigma, nonneg=True)
    pos_sd = _num("pos_sigma_m", pos_sigma_m, nonneg=True)
    time_sd = _num("time_sigma_s", time_sigma_s, nonneg=True)
    terrain: TerrainModel
    if ground is None:
        terrain = flat_terrain(0.0)
    elif isinstance(ground, TerrainModel):
        terrain = ground
    else:
        terrain = flat_terrain(_num("ground", ground))
    if backward and profile != "float":
        raise ConfigError(
            f"backward runs support the float profile only (got {profile!r}): a backward run "
            "asks where a floating balloon came from"
        )
    base = resolve_wind(wind)
    meta = base.meta
    calm = meta.kind == "calm"
    warnings: list[str] = []
    duration = h * 3600.0
    # the flight must start inside the wind data's time span (a single time is a steady field)
    span = (
        meta.time_start is not None
        and meta.time_end is not None
        and meta.time_end > meta.time_start
        and bool(getattr(base, "strict_time", True))
    )
    if span:
        assert meta.time_start is not None and meta.time_end is not None
        a = t0 - 3 * time_sd
        b = t0 + 3 * time_sd
        if a < meta.time_start - 1.0 or b > meta.time_end + 1.0:
            raise DomainError(
                f"the flight starts at {iso(t0)}, outside the wind data's span "
                f"{iso(meta.time_start)} .. {iso(meta.time_end)} ({meta.source}); use a wind "
                "that covers it"
            )
        if profile == "float":
            # a float flies until the horizon: the wind must cover all of it
            end = t0 - duration if backward else t0 + duration
            if not meta.time_start - 1.0 <= end <= meta.time_end + 1.0:
                raise DomainError(
                    f"a float flies until the horizon, {iso(end)} ({h:g} h"
                    f"{' backward' if backward else ''}), outside the wind data's span "
                    f"{iso(meta.time_start)} .. {iso(meta.time_end)} ({meta.source}); shorten "
                    "--hours or use a wind that covers it"
                )
    # the wind error model (and the perturbed ensemble drawn from it)
    model: WindUncertainty | None = None
    perturb = False
    if wind_sigma is not None:
        _num("wind_sigma", wind_sigma, nonneg=True)
    if isinstance(base, PerturbedWind):
        # already an ensemble wind: member i flies its member i % members
        if wind_sigma is not None or uncertainty is not None:
            warnings.append("wind_sigma/uncertainty ignored: the wind given is already perturbed")
        model = base.uncertainty
    elif ensemble and not calm:
        if uncertainty is not None:
            model = uncertainty
        elif wind_sigma is not None:
            src = uncertainty_of(base)
            model = constant_uncertainty(
                float(wind_sigma), length_m=src.length_m, time_s=src.time_s,
                vertical_m=src.vertical_m,
            )  # fmt: skip
        else:
            model = uncertainty_of(base)
        if float(np.max(model.sigma_u)) > 0.0 or float(np.max(model.sigma_v)) > 0.0:
            perturb = True
        else:
            model = None
    elif wind_sigma:
        warnings.append("wind_sigma ignored for a single member (deterministic run)")
    stages: list[Stage]
    rates: dict[str, float] = {}
    extra: dict[str, Any] = {}

    def _par(name: str, spec: Any, sd: float | None) -> FlightParameter:
        sd_chk = None if sd is None else _num(f"{name}_sigma", sd, nonneg=True)
        par = resolve(name, spec, sd_chk, exponent=descent_exponent if name == "descent_rate"
                      else None)  # fmt: skip
        if ensemble and par.spread:
            rates[f"{par.name}_sigma"] = par.value * par.sigma_ln  # 1-sigma at the nominal
        return par

    gnd_here = float(terrain.elevation_at(la, lo))
    if profile == "float":
        if float_alt is not None and float_pressure is not None:
            raise ConfigError("give float_alt or float_pressure, not both")
        fa = (
            Float.isobaric(float_pressure)
            if float_pressure is not None
            else (al if float_alt is None else _num("float_alt", float_alt))
        )
        flt = Stage(Float(_num("oscillation", oscillation_m), oscillation_period_s), dt_max=dt)
        extra["target"] = fa
        extra["float_params"] = tuple(float(x) for x in flt.model.params())
        if fa > al + 1.0:
            apar = _par("ascent_rate", ascent_rate, ascent_rate_sigma)
            stages = [Stage(Ascent(apar.value), until_above=fa, dt_max=min(dt, 60.0)), flt]
            extra.update(case="float_ascend", ascent=apar)
        elif fa < al - 1.0:
            dpar = _par("descent_rate", descent_rate, descent_rate_sigma)
            stages = [
                Stage(ParachuteDescent(dpar.value, dpar.exponent), until_below=fa,
                      dt_max=min(dt, 60.0)),
                flt,
            ]  # fmt: skip
            extra.update(case="float_descend", descent=dpar)
        else:
            stages = [flt]
            extra["case"] = "float"
        if alt_sd > 0.0 and ensemble:
            rates["float_alt_sigma"] = alt_sd
    elif profile == "standard":
        apar = _par("ascent_rate", ascent_rate, ascent_rate_sigma)
        dpar = _par("descent_rate", descent_rate, descent_rate_sigma)
        burst_sd = burst_alt_sigma
        if burst_sd is None and alt_sd > 0.0 and not isinstance(burst_alt, FlightParameter):
            burst_sd = alt_sd  # --alt-sigma is the burst spread of a standard flight
        bpar = _par("burst_alt", burst_alt, burst_sd)
        burst = bpar.value
        if burst <= al:
            raise ConfigError(
                f"burst altitude {burst:g} m is not above the start altitude {al:g} m"
            )
        if al < gnd_here - 1e-6:
            raise ConfigError(f"start altitude {al:g} m is below the ground ({gnd_here:g} m) there")
        stages = [
            Stage(Ascent(apar.value), until_above=burst, dt_max=min(dt, 60.0)),
            Stage(ParachuteDescent(dpar.value, dpar.exponent), until_ground=True,
                  dt_max=min(dt, 60.0)),
        ]  # fmt: skip
        extra.update(case="standard", target=burst, ascent=apar, descent=dpar, burst=bpar)
    elif profile == "descent":
        dpar = _par("descent_rate", descent_rate, descent_rate_sigma)
        if al <= gnd_here:
            raise ConfigError(
                f"start altitude {al:g} m is not above the ground ({gnd_here:g} m) there"
            )
        stages = [
            Stage(ParachuteDescent(dpar.value, dpar.exponent), until_ground=True,
                  dt_max=min(dt, 60.0))
        ]  # fmt: skip
        extra.update(case="descent", descent=dpar)
        if alt_sd > 0.0 and ensemble:
            rates["start_alt_sigma"] = alt_sd
    else:  # fall
        if beta is None:
            raise ConfigError("the fall profile needs beta (ballistic coefficient, kg/m2)")
        b = _num("beta", beta, positive=True)
        if al <= gnd_here:
            raise ConfigError(
                f"start altitude {al:g} m is not above the ground ({gnd_here:g} m) there"
            )
        stages = [
            Stage(Ballistic(b), until_ground=True, dt_max=min(dt, FALL_DT_S), dz_max=FALL_DZ_M)
        ]
        extra["case"] = "fall"
        if alt_sd > 0.0 and ensemble:
            rates["start_alt_sigma"] = alt_sd
    return PredictPlan(
        t0=t0, lat=la, lon=lo, alt=al, profile=profile, hours=h, members=n, first=first,
        seed=int(seed), backward=bool(backward), ensemble=ensemble, output_step_s=step,
        dt_s=dt, alt_sigma=alt_sd, pos_sigma_m=pos_sd, time_sigma_s=time_sd,
        wind_sigma=None if wind_sigma is None else float(wind_sigma), base=base, model=model,
        perturb=perturb, perturbed_report=ensemble and not calm, terrain=terrain, stages=tuple(stages), gnd_here=gnd_here,
        rates=rates, warnings=tuple(warnings), **extra,
    )  # fmt: skip


def _gap_warnings(wind: Any, lo_t: float, hi_t: float) -> list[str]:
    """Warnings for gaps between the wind's valid times (more than twice its usual step)
    that the members' flights span (``lo_t`` .. ``hi_t``, epoch s)."""
    times = wind_times(wind)
    if times is None or times.size < 3:
        return []
    d = np.diff(times)
    usual = float(np.median(d))
    out = []
    for k in np.flatnonzero(d > 2.0 * usual):
        a, b = float(times[k]), float(times[k + 1])
        if hi_t > a and lo_t < b:
            out.append(
                f"the wind data has a {(b - a) / 3600:g} h gap between {iso(a)} and {iso(b)} "
                f"(usual step {usual / 3600:g} h); the flight was interpolated across it "
                "(its error model grows there)"
            )
    return out


def _uncertainty_report(
    model: WindUncertainty | None,
    t0: float,
    lat: float,
    lon: float,
    alt: float,
    res: Any,
    profile: str,
    rates: dict[str, float],
    perturbed: bool,
) -> dict[str, Any]:
    """What the ensemble's spread rests on: the wind-error model at the start and at the
    median end, and the flight-parameter sigmas."""
    out: dict[str, Any] = {"perturbed": bool(perturbed and model is not None)}
    if model is not None and perturbed:
        out["wind"] = model.describe(t0, lat, lon, alt)
        ok = np.isfinite(res.end_lat) & np.isfinite(res.end_lon)
        if ok.any():
            mlat, mlon = median_lonlat(res.end_lat[ok], res.end_lon[ok])
            end = model.describe(
                float(np.median(res.end_time[ok])), mlat, mlon, float(np.median(res.end_alt[ok]))
            )
            out["wind_at_end"] = {
                key: end[key]
                for key in (
                    "at",
                    "sigma_u_m_s",
                    "sigma_v_m_s",
                    "lead_h",
                    "hours_from_valid_time",
                    "hours_since_measured",
                    "km_from_measurement",
                )  # fmt: skip
                if key in end
            }
    out["flight"] = {k: round(float(v), 3) for k, v in rates.items()}
    return out
