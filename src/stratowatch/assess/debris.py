r"""Break-up, debris fall, footprint and casualty expectation.

Break-up
--------
The object breaks into `FragmentClass` es (count, mass, mean presented area, drag coefficient,
break-up velocity spread). Each fragment starts at the balloon's position with the balloon's
velocity (the wind at that point: a floating balloon drifts with the air) plus an isotropic
Gaussian velocity of standard deviation ``dv`` per component, and a ballistic coefficient
:math:`\beta = m/(C_D A)` varied log-normally by ``beta_spread`` (tumbling, shape). Fragments
fall under `flight.ballistic.fall` (full 3-D drag in the ensemble winds, [USSA1976]_).

Defaults (`default_fragments`) are sized from the public facts of the 2023 balloon (envelope
about 60 m, payload "in excess of a couple thousand pounds", > 900 kg, with solar arrays):

* envelope fabric: a ~60 m envelope has ~11,300 m2 of film (sphere :math:`\pi d^2`); at the
  ~40 g/m2 of superpressure-balloon polyethylene film ([NASA-SPB]_) that is ~450 kg, taken as
  60 torn, crumpled pieces of 7.5 kg presenting 10 m2 each, Cd 0.8 (beta ~0.9 kg/m2);
* payload structure: 8 pieces of 80 kg, 1.5 m2, Cd 1.0 (beta ~53 kg/m2);
* solar panels: 20 panels of 8 kg, 2 m2, Cd 1.2 (flat plates, beta ~3.3 kg/m2);
* small fragments: 400 pieces of 0.5 kg, 0.01 m2, Cd 1.0 (beta 50 kg/m2).

Break-up velocity spreads (3 m/s fabric, 10 m/s structure and panels, 30 m/s small pieces) are
assumptions of the order used for explosive break-up in launch-vehicle debris catalogues
([RCC321]_, [FAA-FSAH]_); no balloon measurements exist. All numbers are parameters.

Casualty expectation
--------------------
.. math:: E_c = \sum_i \sum_{cells} P_i(\mathrm{cell})\, A_{c,i}\, \rho_{pop}(\mathrm{cell})
    \,(1 - s), \qquad A_{c,i} = \left(\sqrt{A_p} + \sqrt{A_i}\right)^2,\ A_p = 0.36\ \mathrm{m^2}

the casualty area of NASA-STD-8719.14 ([NASA8719]_ §4.7) with :math:`A_i` the fragment's
mean cross-section, counting only fragments whose impact kinetic energy exceeds 11 ft-lbf
= 14.91 J, the FAA's threshold for a casualty-causing inert fragment ([CFR450]_ 450.101 and
450.135; [AC450-115]_). The Monte Carlo estimates :math:`P_i` by the impacts of ``samples``
representatives of each class in each wind member, each standing for ``count/samples``
fragments, and takes the population density of the ~1 km cell each lands in (`geo.population`).
``sheltering`` :math:`s` is the fraction of people taken as fully protected by buildings
(optimistic for heavy fragments; the roof-penetration classes of [RCC321]_ are not modelled).
The public-risk limit is :math:`E_c \le 10^{-4}` per event ([CFR450]_ 450.101(a)(1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping

from ..errors import ConfigError, InputError
from ..geo import PopulationSource, default_population, is_land, local_xy, offset_m
from ..timeutil import iso

__all__ = [
    "PERSON_AREA",
    "KE_THRESHOLD",
    "FT_LBF",
    "FragmentClass",
    "default_fragments",
    "casualty_area",
    "Impacts",
    "Footprint",
    "DebrisResult",
    "break_up_and_fall",
    "score_impacts",
    "footprint",
    "debris_assessment",
]

FloatArray = npt.NDArray[np.float64]

PERSON_AREA = 0.36  # m2, NASA-STD-8719.14 projected area of a standing person
FT_LBF = 1.3558179483314004  # J per foot-pound-force
KE_THRESHOLD = 11.0 * FT_LBF  # 14.914 J, FAA casualty threshold for inert debris


def casualty_area(area: npt.ArrayLike) -> FloatArray:
    """NASA-STD-8719.14 casualty area (m2) of fragments of mean cross-section ``area`` (m2):
    :math:`(\\sqrt{0.36} + \\sqrt{A_i})^2` ([NASA8719]_). 1 m2 -> 2.56 m2; 0 -> 0.36 m2."""
    a = np.asarray(area, dtype=np.float64)
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise InputError("fragment area must be finite and >= 0", field="area", expected=">= 0 m2")
    return np.asarray((np.sqrt(PERSON_AREA) + np.sqrt(a)) ** 2)


@dataclass(frozen=True)
class FragmentClass:
    """A class of identical fragments: ``count`` pieces of ``mass`` kg presenting ``area`` m2
    with drag coefficient ``cd``; ``dv`` m/s break-up velocity spread (1 sigma per component);
    ``beta_spread`` log-normal sigma of the ballistic coefficient."""

    name: str
    count: int
    mass: float
    area: float
    cd: float
    dv: float
    beta_spread: float = 0.3

    def __post_init__(self) -> None:
        if not (isinstance(self.count, int | np.integer) and self.count >= 1):
            raise ConfigError(
                f"fragment class {self.name!r}: count must be an integer >= 1, got {self.count!r}"
            )
        for name in ("mass", "area", "cd"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ConfigError(f"fragment class {self.name!r}: {name} must be > 0, got {v!r}")
        for name in ("dv", "beta_spread"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise ConfigError(f"fragment class {self.name!r}: {name} must be >= 0, got {v!r}")

    @property
    def beta(self) -> float:
        """Ballistic coefficient m / (Cd A), kg/m2."""
        return self.mass / (self.cd * self.area)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FragmentClass:
        """From a mapping with keys name, count, mass, area, cd, dv[, beta_spread]."""
        try:
            return cls(
                name=str(d["name"]),
                count=int(d["count"]),
                mass=float(d["mass"]),
                area=float(d["area"]),
                cd=float(d["cd"]),
                dv=float(d["dv"]),
                beta_spread=float(d.get("beta_spread", 0.3)),
            )
        except KeyError as exc:
            raise InputError(
                "missing fragment field",
                field=str(exc.args[0]),
                expected="name, count, mass, area, cd, dv",
            ) from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad fragment field: {exc}", expected="numbers") from None


def default_fragments() -> tuple[FragmentClass, ...]:
    """Fragments of a ~60 m envelope with a ~1,000 kg payload (see the module notes)."""
    return (
        FragmentClass("envelope fabric", 60, 7.5, 10.0, 0.8, 3.0, 0.5),
        FragmentClass("payload structure", 8, 80.0, 1.5, 1.0, 10.0, 0.3),
        FragmentClass("solar panels", 20, 8.0, 2.0, 1.2, 10.0, 0.3),
        FragmentClass("small fragments", 400, 0.5, 0.01, 1.0, 30.0, 0.3),
    )


@dataclass(frozen=True, eq=False)
class Impacts:
    """Impacts of the representative fragments of one or more break-ups, all (n,) arrays.

    ``event`` index of the break-up (window), ``member`` wind member, ``cls`` index into
    ``classes``, ``weight`` fragments each stands for per member (count / samples),
    ``ke`` kinetic energy at impact (J)."""

    classes: tuple[FragmentClass, ...]
    members: int
    event: npt.NDArray[np.int64]
    member: npt.NDArray[np.int64]
    cls: npt.NDArray[np.int64]
    weight: FloatArray
    lat: FloatArray
    lon: FloatArray
    time: FloatArray
    speed: FloatArray
    ke: FloatArray
    landed: npt.NDArray[np.bool_]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class _Fallen:
    lat: FloatArray
    lon: FloatArray
    time: FloatArray
    speed: FloatArray
    landed: npt.NDArray[np.bool_]
    warnings: tuple[str, ...]


SLOW_BETA = 5.0  # kg/m2: below this, falls last 25-60 min from 18 km
SLOW_DT = 60.0  # s


def _fall(
    t0: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    ve: FloatArray,
    vn: FloatArray,
    vu: FloatArray,
    beta: FloatArray,
    wind: Any,
    member: npt.NDArray[np.int64],
    ground: float,
) -> _Fallen:
    """The single call site of the prediction engine's ballistic model.

    Dense fragments use the engine's default steps (10 s, 400 m); slow fallers (beta < 5
    kg/m2) 60 s steps: their fall time stays within ~1 % of 2-s steps (the engine resolves the
    release transient itself; tests/flight/test_ballistic.py), moving impacts by ~0.3 km
    against spreads of 5-40 km, at a third of the cost."""
    from ..flight.ballistic import fall

    out_lat = np.empty(t0.size)
    out_lon = np.empty(t0.size)
    out_time = np.empty(t0.size)
    out_speed = np.empty(t0.size)
    landed = np.zeros(t0.size, dtype=bool)
    warnings: list[str] = []
    slow = beta < SLOW_BETA
    for sel, dt in ((~slow, None), (slow, SLOW_DT)):  # two classes of step, not per member
        if not sel.any():
            continue
        res = fall(
            t0[sel],
            lat[sel],
            lon[sel],
            alt[sel],
            ve[sel],
            vn[sel],
            vu[sel],
            beta[sel],
            wind,
            member=member[sel],
            ground=ground,
            dt=10.0 if dt is None else dt,
        )
        out_lat[sel] = res.lat
        out_lon[sel] = res.lon
        out_time[sel] = res.time
        out_speed[sel] = res.speed
        landed[sel] = res.landed
        warnings.extend(w for w in res.warnings if w not in warnings)
    return _Fallen(out_lat, out_lon, out_time, out_speed, landed, tuple(warnings))


def _members_of(wind: Any) -> int:
    meta = getattr(wind, "meta", None)
    return max(int(getattr(meta, "members", 1) or 1), 1)


def break_up_and_fall(
    times: npt.ArrayLike,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    alt: npt.ArrayLike,
    wind: Any,
    *,
    fragments: Sequence[FragmentClass] | None = None,
    samples: int = 10,
    seed: int = 0,
    ground: float = 0.0,
) -> Impacts:
    """Break up at each of ``E`` events (times/lat/lon/alt (E,)) and drop ``samples``
    representatives of every fragment class in every member of ``wind`` (a `PerturbedWind`
    ensemble, or any single wind field): E x members x classes x samples falls in one call."""
    classes = tuple(default_fragments() if fragments is None else fragments)
    if not classes:
        raise ConfigError("no fragment classes given")
    if samples < 1:
        raise ConfigError(f"samples must be >= 1, got {samples}")
    t_e = np.atleast_1d(np.asarray(times, dtype=np.float64))
    la_e, lo_e, al_e = (
        np.broadcast_to(np.asarray(x, dtype=np.float64), t_e.shape) for x in (lat, lon, alt)
    )
    for name, a in (("time", t_e), ("lat", la_e), ("lon", lo_e), ("alt", al_e)):
        if not np.all(np.isfinite(a)):
            raise InputError("non-finite break-up state", field=name, expected="finite numbers")
    if np.any(al_e <= ground):
        raise InputError(
            "break-up altitude at or below the ground",
            field="alt",
            value=float(al_e.min()),
            expected=f"> {ground} m",
        )
    n_m = _members_of(wind)
    n_c = len(classes)
    ev, mem, cl, _ = np.meshgrid(
        np.arange(t_e.size), np.arange(n_m), np.arange(n_c), np.arange(samples), indexing="ij"
    )
    ev, mem, cl = ev.ravel(), mem.ravel(), cl.ravel()
    n = ev.size
    rng = np.random.default_rng(seed)
    beta0 = np.array([c.beta for c in classes])[cl]
    spread = np.array([c.beta_spread for c in classes])[cl]
    beta = beta0 * np.exp(spread * rng.standard_normal(n) - 0.5 * spread**2)
    dv = np.array([c.dv for c in classes])[cl]
    t0, la, lo, al = t_e[ev], la_e[ev], lo_e[ev], al_e[ev]
    # the balloon drifts with the air: release velocity = wind at the release point + spread
    u, v = wind.uv(t0, la, lo, al, mem) if n_m > 1 else wind.uv(t0, la, lo, al)
    ve = np.asarray(u, dtype=np.float64) + dv * rng.standard_normal(n)
    vn = np.asarray(v, dtype=np.float64) + dv * rng.standard_normal(n)
    vu = dv * rng.standard_normal(n)
    res = _fall(t0, la, lo, al, ve, vn, vu, beta, wind, mem.astype(np.int64), ground)
    mass = np.array([c.mass for c in classes])[cl]
    speed = np.asarray(res.speed, dtype=np.float64)
    weight = np.array([c.count for c in classes], dtype=np.float64)[cl] / samples
    return Impacts(
        classes=classes,
        members=n_m,
        event=ev.astype(np.int64),
        member=mem.astype(np.int64),
        cls=cl.astype(np.int64),
        weight=weight,
        lat=np.asarray(res.lat, dtype=np.float64),
        lon=np.asarray(res.lon, dtype=np.float64),
        time=np.asarray(res.time, dtype=np.float64),
        speed=speed,
        ke=0.5 * mass * speed**2,
        landed=np.asarray(res.landed, dtype=bool),
        warnings=tuple(res.warnings),
    )


@dataclass(frozen=True)
class Score:
    """Risk of one break-up event."""

    ec: float  # expected casualties
    p_land: float  # probability (over wind members) that any fragment lands on land
    fragments_on_land: float  # expected number of fragments on land
    hazardous_fraction: float  # fraction of fragments with KE above the threshold
    ke_max: float  # J, largest impact kinetic energy
    speed_max: float  # m/s

    def as_dict(self) -> dict[str, float]:
        return {
            "ec": float(f"{self.ec:.4g}"),
            "p_land": round(self.p_land, 4),
            "fragments_on_land": round(self.fragments_on_land, 2),
            "hazardous_fraction": round(self.hazardous_fraction, 4),
            "ke_max_j": round(self.ke_max, 1),
            "impact_speed_max_ms": round(self.speed_max, 1),
        }


def score_impacts(
    imp: Impacts,
    *,
    population: PopulationSource | None = None,
    sheltering: float = 0.0,
    ke_threshold: float = KE_THRESHOLD,
    cell_deg: float = 0.01,
) -> list[Score]:
    """Ec, P(land) and fragments on land of every event in ``imp`` (see the module notes)."""
    if not 0.0 <= sheltering < 1.0:
        raise ConfigError(f"sheltering must be in [0, 1), got {sheltering}")
    pop = default_population() if population is None else population
    land = is_land(imp.lat, imp.lon)
    dens = np.zeros(imp.lat.size)
    n_events = int(imp.event.max()) + 1 if imp.event.size else 0
    order = np.argsort(imp.event, kind="stable")
    bounds = np.searchsorted(imp.event[order], np.arange(n_events + 1))
    for group in _event_groups(imp, order, bounds, n_events):  # one grid per nearby events
        idx = np.concatenate([order[bounds[e] : bounds[e + 1]] for e in group])
        if idx.size == 0:
            continue
        la, lo = imp.lat[idx], imp.lon[idx]
        lo_ref = float(lo[0])
        lo_rel = (lo - lo_ref + 180.0) % 360.0 - 180.0 + lo_ref
        s = np.floor(la.min() / cell_deg) * cell_deg - cell_deg
        n = np.ceil(la.max() / cell_deg) * cell_deg + cell_deg
        w = np.floor(lo_rel.min() / cell_deg) * cell_deg - cell_deg
        east = np.ceil(lo_rel.max() / cell_deg) * cell_deg + cell_deg
        grid = pop.grid(max(s, -90.0), min(n, 90.0), w, east, step=cell_deg)
        dens[idx] = grid.at(la, lo_rel)
    area_c = casualty_area(np.array([c.area for c in imp.classes]))[imp.cls]
    hazardous = imp.ke > ke_threshold
    per_frag = imp.weight * area_c * dens * hazardous * (1.0 - sheltering) / imp.members
    ec = np.bincount(imp.event, weights=per_frag, minlength=n_events)
    on_land = np.bincount(imp.event, weights=imp.weight * land / imp.members, minlength=n_events)
    key = imp.event * imp.members + imp.member
    any_land = (
        np.bincount(key, weights=land.astype(np.float64), minlength=n_events * imp.members) > 0
    )
    p_land = any_land.reshape(n_events, imp.members).mean(axis=1)
    wsum = np.bincount(imp.event, weights=imp.weight, minlength=n_events)
    haz = np.bincount(imp.event, weights=imp.weight * hazardous, minlength=n_events) / np.maximum(
        wsum, 1e-300
    )
    ke_max = np.full(n_events, 0.0)
    np.maximum.at(ke_max, imp.event, imp.ke)
    sp_max = np.full(n_events, 0.0)
    np.maximum.at(sp_max, imp.event, imp.speed)
    return [
        Score(
            float(ec[e]),
            float(p_land[e]),
            float(on_land[e]),
            float(haz[e]),
            float(ke_max[e]),
            float(sp_max[e]),
        )
        for e in range(n_events)
    ]


def _event_groups(
    imp: Impacts,
    order: npt.NDArray[np.int64],
    bounds: npt.NDArray[np.int64],
    n_events: int,
    *,
    max_lat: float = 4.0,
    max_lon: float = 6.0,
) -> list[list[int]]:
    """Consecutive events whose impacts fit together in a box of max_lat x max_lon degrees
    (so one population grid serves them)."""
    groups: list[list[int]] = []
    box: list[float] = []
    for e in range(n_events):  # events are few (windows); impacts are vectorized per event
        idx = order[bounds[e] : bounds[e + 1]]
        if idx.size == 0:
            continue
        la = imp.lat[idx]
        lo = imp.lon[idx]
        ref = box[2] if box else float(lo[0])
        lo = (lo - ref + 180.0) % 360.0 - 180.0 + ref
        b = [float(la.min()), float(la.max()), float(lo.min()), float(lo.max())]
        if box:
            merged = [min(box[0], b[0]), max(box[1], b[1]), min(box[2], b[2]), max(box[3], b[3])]
            if merged[1] - merged[0] <= max_lat and merged[3] - merged[2] <= max_lon:
                groups[-1].append(e)
                box = merged
                continue
        groups.append([e])
        box = b
    return groups


@dataclass(frozen=True)
class ClassSpread:
    """Where one fragment class lands: centre; 5-95 % extents east-west and north-south (m)
    over all members (the footprint: field + wind uncertainty) and within one member (the
    debris field of one break-up, median over members); impact speed and kinetic energy."""

    name: str
    count: int
    lat: float
    lon: float
    extent_ew: float
    extent_ns: float
    std_ew: float
    std_ns: float
    field_ew: float
    field_ns: float
    speed_median: float
    ke_median: float
    ke_max: float
    fall_time_median: float

    def as_dict(self) -> dict[str, object]:
        return {
            "class": self.name,
            "count": self.count,
            "center": [round(self.lat, 4), round(self.lon, 4)],
            "extent_5_95_km": [round(self.extent_ew / 1000, 2), round(self.extent_ns / 1000, 2)],
            "std_km": [round(self.std_ew / 1000, 2), round(self.std_ns / 1000, 2)],
            "field_5_95_km": [round(self.field_ew / 1000, 2), round(self.field_ns / 1000, 2)],
            "impact_speed_median_ms": round(self.speed_median, 1),
            "ke_median_j": round(self.ke_median, 1),
            "ke_max_j": round(self.ke_max, 1),
            "fall_time_median_min": round(self.fall_time_median / 60, 1),
        }


@dataclass(frozen=True, eq=False)
class Footprint:
    """Impact-probability density on a local grid, and its highest-density regions."""

    lat0: float
    lon0: float
    cell: float  # m
    x0: float  # m east of (lat0, lon0) of the grid's west edge
    y0: float
    density: FloatArray  # (ny, nx) expected fragments per m2
    levels: dict[int, float]  # percent -> density threshold
    areas: dict[int, float]  # percent -> m2
    polygons: dict[int, Any]  # percent -> shapely geometry in lon/lat
    classes: list[ClassSpread] = field(default_factory=list)

    def to_features(self) -> dict[str, Any]:
        feats = []
        colors = {50: "#b30000", 90: "#e34a33", 99: "#fdbb84"}
        for pct in sorted(self.polygons, reverse=True):
            geom = self.polygons[pct]
            if geom.is_empty:
                continue
            feats.append(
                {
                    "type": "Feature",
                    "geometry": mapping(geom),
                    "properties": {
                        "layer": "debris",
                        "name": f"debris footprint {pct} %",
                        "percent": pct,
                        "area_km2": round(self.areas[pct] / 1e6, 3),
                        "style": {"color": colors.get(pct, "#e34a33"), "opacity": 0.35},
                    },
                }
            )
        return {"type": "FeatureCollection", "features": feats}


def _spreads(imp: Impacts, sel: npt.NDArray[np.bool_], duration: FloatArray) -> list[ClassSpread]:
    out = []
    for k, c in enumerate(imp.classes):
        m = sel & (imp.cls == k)
        if not m.any():
            continue
        la0, lo0 = float(np.median(imp.lat[m])), float(np.median(imp.lon[m]))
        x, y = local_xy(imp.lat[m], imp.lon[m], la0, lo0)
        p5x, p95x = np.percentile(x, [5, 95])
        p5y, p95y = np.percentile(y, [5, 95])
        # the debris field of one break-up: spread within each wind member, median over members
        mem = imp.member[m]
        fx, fy = [], []
        for j in np.unique(mem):  # reporting only: a few dozen members
            mj = mem == j
            if mj.sum() >= 2:
                fx.append(float(np.ptp(np.percentile(x[mj], [5, 95]))))
                fy.append(float(np.ptp(np.percentile(y[mj], [5, 95]))))
        field_ew = float(np.median(fx)) if fx else 0.0
        field_ns = float(np.median(fy)) if fy else 0.0
        out.append(
            ClassSpread(
                c.name,
                c.count,
                la0,
                lo0,
                float(p95x - p5x),
                float(p95y - p5y),
                float(np.std(x)),
                float(np.std(y)),
                field_ew,
                field_ns,
                float(np.median(imp.speed[m])),
                float(np.median(imp.ke[m])),
                float(np.max(imp.ke[m])),
                float(np.median(duration[m])),
            )
        )
    return out


def footprint(
    imp: Impacts, *, event: int = 0, cell: float | None = None, break_time: float | None = None
) -> Footprint:
    """Footprint of one event: expected fragments per m2 on a local grid (``cell`` m; default
    1/60 of the 98 % extent, at least 50 m) and its 50/90/99 % highest-density regions."""
    sel = imp.event == event
    if not sel.any():
        raise InputError("no impacts for this event", field="event", value=event)
    la0 = float(np.median(imp.lat[sel]))
    lo0 = float(np.median(imp.lon[sel]))
    x, y = local_xy(imp.lat[sel], imp.lon[sel], la0, lo0)
    w = imp.weight[sel] / imp.members
    if cell is None:
        span = max(
            float(np.ptp(np.percentile(x, [1, 99]))), float(np.ptp(np.percentile(y, [1, 99])))
        )
        cell = max(span / 60.0, 50.0)
    x0 = float(np.floor(x.min() / cell) * cell - cell)
    y0 = float(np.floor(y.min() / cell) * cell - cell)
    nx = int((x.max() - x0) // cell) + 2
    ny = int((y.max() - y0) // cell) + 2
    if nx * ny > 4_000_000:  # far outliers (envelope pieces in strong shear): coarsen
        factor = np.sqrt(nx * ny / 4_000_000)
        return footprint(imp, event=event, cell=cell * factor * 1.01, break_time=break_time)
    counts, _, _ = np.histogram2d(
        y, x, bins=(ny, nx), range=((y0, y0 + ny * cell), (x0, x0 + nx * cell)), weights=w
    )
    dens = counts / cell**2
    flat = np.sort(counts.ravel())[::-1]
    cum = np.cumsum(flat) / max(flat.sum(), 1e-300)
    levels: dict[int, float] = {}
    areas: dict[int, float] = {}
    polys: dict[int, Any] = {}
    for pct in (50, 90, 99):
        k = int(np.searchsorted(cum, pct / 100.0))
        k = min(k, flat.size - 1)
        thr = flat[k]
        levels[pct] = float(thr / cell**2)
        inside = counts >= thr
        areas[pct] = float(inside.sum() * cell**2)
        iy, ix = np.nonzero(inside)
        xs0 = x0 + ix * cell
        ys0 = y0 + iy * cell
        boxes = shapely.box(xs0, ys0, xs0 + cell, ys0 + cell)
        merged = shapely.union_all(boxes)
        polys[pct] = shapely.transform(
            merged, lambda xy: np.column_stack(offset_m(la0, lo0, xy[:, 0], xy[:, 1])[::-1])
        )
    t_break = float(imp.time[sel].min()) if break_time is None else break_time
    duration = imp.time - t_break
    return Footprint(
        la0, lo0, float(cell), x0, y0, dens, levels, areas, polys, _spreads(imp, sel, duration)
    )


@dataclass(frozen=True, eq=False)
class DebrisResult:
    """Debris assessment of one break-up: impacts, footprint, per-class spread and the score."""

    time: float
    lat: float
    lon: float
    alt: float
    impacts: Impacts
    footprint: Footprint
    score: Score

    def as_dict(self) -> dict[str, object]:
        return {
            "break_up": {
                "time": iso(self.time),
                "lat": self.lat,
                "lon": self.lon,
                "alt_m": self.alt,
            },
            **self.score.as_dict(),
            "footprint_km2": {f"{p}%": round(a / 1e6, 3) for p, a in self.footprint.areas.items()},
            "classes": [c.as_dict() for c in self.footprint.classes],
            "members": self.impacts.members,
            "warnings": list(self.impacts.warnings),
        }


def debris_assessment(
    time: float,
    lat: float,
    lon: float,
    alt: float,
    wind: Any,
    *,
    fragments: Sequence[FragmentClass] | None = None,
    samples: int = 50,
    seed: int = 0,
    population: PopulationSource | None = None,
    sheltering: float = 0.0,
) -> DebrisResult:
    """Break-up at one point: impacts, footprint (50/90/99 %), per-class spread, Ec, P(land)."""
    imp = break_up_and_fall(
        [time], [lat], [lon], [alt], wind, fragments=fragments, samples=samples, seed=seed
    )
    (score,) = score_impacts(imp, population=population, sheltering=sheltering)
    fp = footprint(imp, break_time=time)
    return DebrisResult(time, lat, lon, alt, imp, fp, score)
