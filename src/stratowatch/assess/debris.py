r"""Break-up, debris fall, footprint and casualty expectation.

Break-up
--------
The object breaks into `FragmentClass` es (count, mass, mean presented area, drag coefficient,
break-up velocity spread). Each fragment starts at the balloon's position with the balloon's
velocity (the wind at that point: a floating balloon drifts with the air) plus an isotropic
Gaussian velocity of standard deviation ``dv`` per component, and a ballistic coefficient
:math:`\beta = m/(C_D A)` varied log-normally by ``beta_spread`` (tumbling, shape; stratified:
the j-th of ``samples`` representatives draws from the j-th equal-probability slice). Fragments
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
mean cross-section, counting only fragments that deliver more than 11 ft-lbf = 14.91 J to a
person, the FAA's threshold for a casualty-causing inert fragment ([CFR450]_ 450.101 and
450.135; [AC450-115]_; the same 15 J as [NASA8719]_).

Light, large membranes (``FragmentClass.flexible``: envelope film, fabric) are judged by the
energy they *deliver*, not their whole kinetic energy: a membrane carries load only in tension
(no bending stiffness), so only the part of it above the person, the person's projected area
:math:`A_p = 0.36` m2 of the same casualty-area model, is stopped by them; the rest falls on
around them (`energy_on_person`):

.. math:: E_{person} = \tfrac12\,\frac{m}{A}\,v^2 \min(A, A_p)

Rigid fragments deliver :math:`\tfrac12 m v^2`. At terminal speed :math:`v^2 = 2 \sigma g/(C_D
\rho)` a membrane of areal density :math:`\sigma = m/A` delivers :math:`\sigma^2 g A_p/(C_D
\rho)`, so with the 14.91 J threshold at sea level (Cd 0.8) only membranes denser than
:math:`\sigma^* \approx 2.0` kg/m2 (ballistic coefficient 2.5 kg/m2, 0.52 lb/ft2) are hazardous.
Superpressure-balloon film is ~0.04 kg/m2 ([NASA-SPB]_); the default crumpled pieces (0.75
kg/m2 presented) deliver ~2 J at their ~4 m/s impact, although their whole kinetic energy (~60
J) passes the 15 J test, which made them ~74 % of the casualty area before (issue 9).

The Monte Carlo estimates :math:`P_i` by the impacts of ``samples`` representatives of each
class in each *realisation* (a break-up position with its own wind member), each standing for
``count/samples`` fragments, and takes the population density of the ~1 km cell each lands in
(`geo.population`). A figure of an event is the mean over its realisations, with a sampling
interval (`assess.stats`: bootstrap over realisations for Ec, Wilson for P(land)); Ec's interval
is widened by the population model's error factor (`geo.population`, measured against census
counts). ``sheltering`` :math:`s` is the fraction of people taken as fully protected by
buildings (optimistic for heavy fragments; the roof-penetration classes of [RCC321]_ are not
modelled). The public-risk limit is :math:`E_c \le 10^{-4}` per event ([CFR450]_
450.101(a)(1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.special import ndtri
from shapely.geometry import mapping

from ..errors import ConfigError, InputError
from ..geo import PopulationSource, default_population, is_land, local_xy, offset_m
from ..geo.population import GeoNamesPopulation, PopulationGrid
from ..timeutil import iso
from .stats import bootstrap_mean_interval, combine_factor, wilson_interval, zero_hit_upper

__all__ = [
    "PERSON_AREA",
    "KE_THRESHOLD",
    "FT_LBF",
    "FragmentClass",
    "default_fragments",
    "casualty_area",
    "energy_on_person",
    "Impacts",
    "RealisationScores",
    "realisation_scores",
    "summarize_scores",
    "density_at",
    "Score",
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


def energy_on_person(
    mass: npt.ArrayLike, area: npt.ArrayLike, speed: npt.ArrayLike, flexible: npt.ArrayLike
) -> FloatArray:
    """Energy (J) a fragment delivers to a person it strikes: the kinetic energy
    :math:`\tfrac12 m v^2` of a rigid fragment; for a flexible membrane only that of the part
    above the person, :math:`\tfrac12 (m/A) v^2 \\min(A, A_p)` with :math:`A_p` = 0.36 m2 (see
    the module notes). Arrays broadcast: mass kg, area m2, speed m/s, flexible bool.

    Example: a 7.5 kg, 10 m2 film piece at 4 m/s has 60 J but delivers 2.16 J."""
    m = np.asarray(mass, dtype=np.float64)
    a = np.asarray(area, dtype=np.float64)
    v = np.asarray(speed, dtype=np.float64)
    flex = np.asarray(flexible, dtype=bool)
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        raise InputError("fragment area must be finite and > 0", field="area", expected="> 0 m2")
    share = np.where(flex, np.minimum(1.0, PERSON_AREA / a), 1.0)
    return np.asarray(0.5 * m * v**2 * share, dtype=np.float64)


@dataclass(frozen=True)
class FragmentClass:
    """A class of identical fragments: ``count`` pieces of ``mass`` kg presenting ``area`` m2
    with drag coefficient ``cd``; ``dv`` m/s break-up velocity spread (1 sigma per component);
    ``beta_spread`` log-normal sigma of the ballistic coefficient; ``flexible``: a membrane
    (film, fabric) that strikes a person only with the part of it above them
    (`energy_on_person`)."""

    name: str
    count: int
    mass: float
    area: float
    cd: float
    dv: float
    beta_spread: float = 0.3
    flexible: bool = False

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
                flexible=_as_bool(d.get("flexible", False)),
            )
        except KeyError as exc:
            raise InputError(
                "missing fragment field",
                field=str(exc.args[0]),
                expected="name, count, mass, area, cd, dv",
            ) from None
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad fragment field: {exc}", expected="numbers") from None


def _as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "yes", "1", "false", "no", "0", ""):
        return v.strip().lower() in ("true", "yes", "1")
    if isinstance(v, int | float) and v in (0, 1):
        return bool(v)
    raise InputError("bad fragment field", field="flexible", value=v, expected="true or false")


def default_fragments() -> tuple[FragmentClass, ...]:
    """Fragments of a ~60 m envelope with a ~1,000 kg payload (see the module notes)."""
    return (
        FragmentClass("envelope fabric", 60, 7.5, 10.0, 0.8, 3.0, 0.5, flexible=True),
        FragmentClass("payload structure", 8, 80.0, 1.5, 1.0, 10.0, 0.3),
        FragmentClass("solar panels", 20, 8.0, 2.0, 1.2, 10.0, 0.3),
        FragmentClass("small fragments", 400, 0.5, 0.01, 1.0, 30.0, 0.3),
    )


@dataclass(frozen=True, eq=False)
class Impacts:
    """Impacts of the representative fragments of one or more break-ups, all (n,) arrays.

    ``event`` index of the break-up (window); ``member`` index of the realisation within its
    event (a break-up position with its own wind member and fragment draws; ``members``
    realisations per event); ``cls`` index into ``classes``; ``weight`` fragments each
    representative stands for in its realisation (count / samples); ``ke`` kinetic energy at
    impact (J); ``e_person`` the energy it delivers to a person it strikes (J,
    `energy_on_person`)."""

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
    e_person: FloatArray | None = None

    @property
    def delivered(self) -> FloatArray:
        """Energy delivered to a person (J): ``e_person``, or ``ke`` when not given."""
        return self.ke if self.e_person is None else self.e_person


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
    wind_member: npt.ArrayLike | None = None,
) -> Impacts:
    """Break up at each of ``E`` events and drop ``samples`` representatives of every fragment
    class in every realisation, E x R x classes x samples falls in one vectorized call.

    Parameters
    ----------
    times : (E,) epoch s of the break-ups.
    lat, lon, alt : (E,) one break-up point per event, dropped in every member of ``wind``
        (R = its members); or (E, R): R break-up points per event (e.g. the forecast members'
        positions), realisation r falling in wind member ``wind_member[r]`` (default
        ``r % members``). Degrees, degrees, m.
    wind : a `PerturbedWind` ensemble, or any single wind field.
    fragments : fragment classes (default `default_fragments`); samples : representatives per
        class and realisation; seed : random seed; ground : impact height, m.
    wind_member : (R,) wind member of each realisation (integers).
    """
    classes = tuple(default_fragments() if fragments is None else fragments)
    if not classes:
        raise ConfigError("no fragment classes given")
    if samples < 1:
        raise ConfigError(f"samples must be >= 1, got {samples}")
    t_e = np.atleast_1d(np.asarray(times, dtype=np.float64))
    if t_e.ndim != 1:
        raise InputError("break-up times must be one value per event", field="time")
    n_m = _members_of(wind)
    pos = [np.asarray(x, dtype=np.float64) for x in (lat, lon, alt)]
    if any(p.ndim == 2 for p in pos):
        try:
            la_e, lo_e, al_e = np.broadcast_arrays(
                *(p if p.ndim == 2 else p.reshape(-1, 1) for p in pos)
            )
        except ValueError:
            raise InputError(
                "break-up positions do not fit together", expected="(E, R) arrays"
            ) from None
        if la_e.shape[0] != t_e.size:
            raise InputError(
                "break-up positions do not match the times",
                value=la_e.shape,
                expected=f"({t_e.size}, R) arrays",
            )
        n_r = int(la_e.shape[1])
    else:
        n_r = n_m
        la_e, lo_e, al_e = (
            np.repeat(np.broadcast_to(p, t_e.shape)[:, None], n_r, axis=1) for p in pos
        )
    if n_r < 1:
        raise InputError("no break-up positions", expected="at least one per event")
    if wind_member is None:
        wmem = np.arange(n_r, dtype=np.int64) % n_m
    else:
        wmem = np.asarray(wind_member, dtype=np.int64).ravel()
        if wmem.size != n_r or wmem.min() < 0 or wmem.max() >= n_m:
            raise InputError(
                "wind members do not fit",
                field="wind_member",
                value=f"{wmem.size} values in {wmem.min()}..{wmem.max()}" if wmem.size else 0,
                expected=f"{n_r} integers in 0..{n_m - 1}",
            )
    for name, a in (("time", t_e), ("lat", la_e), ("lon", lo_e), ("alt", al_e)):
        if not np.all(np.isfinite(a)):
            raise InputError("non-finite break-up state", field=name, expected="finite numbers")
    if np.any(np.abs(la_e) > 90.0):
        raise InputError("latitude out of range", field="lat", expected="-90..90")
    if np.any(al_e <= ground):
        raise InputError(
            "break-up altitude at or below the ground",
            field="alt",
            value=float(al_e.min()),
            expected=f"> {ground} m",
        )
    n_c = len(classes)
    ev, real, cl, smp = np.meshgrid(
        np.arange(t_e.size), np.arange(n_r), np.arange(n_c), np.arange(samples), indexing="ij"
    )
    ev, real, cl = ev.ravel(), real.ravel(), cl.ravel()
    mem = wmem[real]
    n = ev.size
    rng = np.random.default_rng(seed)
    beta0 = np.array([c.beta for c in classes])[cl]
    spread = np.array([c.beta_spread for c in classes])[cl]
    # ballistic coefficients stratified over the class's log-normal: the j-th of ``samples``
    # representatives draws from the j-th equal-probability slice, so every realisation covers
    # the fast tail (dense lumps over the energy threshold) instead of missing it by chance
    u = (smp.ravel() + rng.uniform(size=n)) / samples
    beta = beta0 * np.exp(spread * ndtri(u) - 0.5 * spread**2)
    dv = np.array([c.dv for c in classes])[cl]
    t0, la, lo, al = t_e[ev], la_e[ev, real], lo_e[ev, real], al_e[ev, real]
    lo = (lo + 180.0) % 360.0 - 180.0
    # the balloon drifts with the air: release velocity = wind at the release point + spread
    u, v = wind.uv(t0, la, lo, al, mem) if n_m > 1 else wind.uv(t0, la, lo, al)
    ve = np.asarray(u, dtype=np.float64) + dv * rng.standard_normal(n)
    vn = np.asarray(v, dtype=np.float64) + dv * rng.standard_normal(n)
    vu = dv * rng.standard_normal(n)
    res = _fall(t0, la, lo, al, ve, vn, vu, beta, wind, mem.astype(np.int64), ground)
    mass = np.array([c.mass for c in classes])[cl]
    area = np.array([c.area for c in classes])[cl]
    flexible = np.array([c.flexible for c in classes], dtype=bool)[cl]
    speed = np.asarray(res.speed, dtype=np.float64)
    weight = np.array([c.count for c in classes], dtype=np.float64)[cl] / samples
    return Impacts(
        classes=classes,
        members=n_r,
        event=ev.astype(np.int64),
        member=real.astype(np.int64),
        cls=cl.astype(np.int64),
        weight=weight,
        lat=np.asarray(res.lat, dtype=np.float64),
        lon=np.asarray(res.lon, dtype=np.float64),
        time=np.asarray(res.time, dtype=np.float64),
        speed=speed,
        ke=0.5 * mass * speed**2,
        landed=np.asarray(res.landed, dtype=bool),
        warnings=tuple(res.warnings),
        e_person=energy_on_person(mass, area, speed, flexible),
    )


@dataclass(frozen=True)
class Score:
    """Risk of one break-up event: figures are means over its ``realisations`` (break-up
    position x wind member x fragment draws), each with a two-sided ``confidence`` interval.

    ``ec_lo``/``ec_hi`` combine the sampling interval (``ec_lo_sampling``/``ec_hi_sampling``,
    bootstrap over realisations) with the population model's error factor
    ``population_factor`` (`assess.stats.combine_factor`). ``hits``: realisations with a
    casualty expectation > 0; ``land_hits``: realisations with debris on land."""

    ec: float  # expected casualties
    p_land: float  # probability (over realisations) that any fragment lands on land
    fragments_on_land: float  # expected number of fragments on land
    hazardous_fraction: float  # fraction of fragments above the casualty energy threshold
    ke_max: float  # J, largest impact kinetic energy
    speed_max: float  # m/s
    ec_lo: float = 0.0
    ec_hi: float = 0.0
    ec_lo_sampling: float = 0.0
    ec_hi_sampling: float = 0.0
    p_land_lo: float = 0.0
    p_land_hi: float = 1.0
    fragments_on_land_lo: float = 0.0
    fragments_on_land_hi: float = 0.0
    realisations: int = 1
    hits: int = 0
    land_hits: int = 0
    confidence: float = 0.9
    population_factor: float = 1.0
    ec_bound: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ec": float(f"{self.ec:.4g}"),
            "ec_lo": float(f"{self.ec_lo:.4g}"),
            "ec_hi": float(f"{self.ec_hi:.4g}"),
            "ec_sampling": [
                float(f"{self.ec_lo_sampling:.4g}"),
                float(f"{self.ec_hi_sampling:.4g}"),
            ],
            "p_land": round(self.p_land, 4),
            "p_land_ci": [round(self.p_land_lo, 4), round(self.p_land_hi, 4)],
            "fragments_on_land": round(self.fragments_on_land, 2),
            "fragments_on_land_ci": [
                round(self.fragments_on_land_lo, 2),
                round(self.fragments_on_land_hi, 2),
            ],
            "hazardous_fraction": round(self.hazardous_fraction, 4),
            "ke_max_j": round(self.ke_max, 1),
            "impact_speed_max_ms": round(self.speed_max, 1),
            "realisations": self.realisations,
            "hits": self.hits,
            "land_hits": self.land_hits,
            "confidence": self.confidence,
            "population_factor": round(self.population_factor, 3),
            "ec_bound": self.ec_bound,
        }


@dataclass(frozen=True, eq=False)
class RealisationScores:
    """Per event and realisation (E, R) arrays: casualty expectation, any debris on land,
    fragments on land."""

    ec: FloatArray
    any_land: npt.NDArray[np.bool_]
    on_land: FloatArray


def density_at(
    population: PopulationSource,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    cell_deg: float = 0.01,
    tile_deg: float = 2.0,
) -> FloatArray:
    """Population density (people/m2) of the ``cell_deg`` cell holding each point, drawn on
    ``tile_deg`` tiles: each occupied tile once, however many points or events fall in it
    (the last tiles drawn are kept for the next call: `_tile`)."""
    la = np.asarray(lat, dtype=np.float64).ravel()
    lo = (np.asarray(lon, dtype=np.float64).ravel() + 180.0) % 360.0 - 180.0
    out = np.zeros(la.size)
    ti = np.floor(la / tile_deg).astype(np.int64)
    tj = np.floor(lo / tile_deg).astype(np.int64)
    key = ti * 100_000 + tj
    order = np.argsort(key, kind="stable")
    uniq, first = np.unique(key[order], return_index=True)
    bounds = np.append(first, order.size)
    for k in range(uniq.size):  # tiles, not points: a few hundred at most per plan
        idx = order[bounds[k] : bounds[k + 1]]
        s = float(ti[idx[0]]) * tile_deg
        w = float(tj[idx[0]]) * tile_deg
        grid = _tile(population, s, w, tile_deg, cell_deg)  # type: ignore[arg-type]
        out[idx] = grid.at(la[idx], lo[idx])
    return out


@lru_cache(maxsize=96)
def _tile(
    population: PopulationSource, south: float, west: float, size: float, step: float
) -> PopulationGrid:
    """One population tile (cached: windows of a plan, and successive plans, share tiles)."""
    return population.grid(max(south, -90.0), min(south + size, 90.0), west, west + size, step=step)


def realisation_scores(
    imp: Impacts,
    *,
    population: PopulationSource | None = None,
    sheltering: float = 0.0,
    ke_threshold: float = KE_THRESHOLD,
    cell_deg: float = 0.01,
) -> RealisationScores:
    """Ec, any-land and fragments-on-land of every realisation of every event (see the module
    notes); the population grid is drawn once per group of nearby events."""
    if not 0.0 <= sheltering < 1.0:
        raise ConfigError(f"sheltering must be in [0, 1), got {sheltering}")
    pop = default_population() if population is None else population
    land = is_land(imp.lat, imp.lon)
    dens = np.zeros(imp.lat.size)
    # the settlement model is zero off land by construction: look it up only where debris is
    # on land; other sources (rasters) everywhere
    on = np.flatnonzero(land) if isinstance(pop, GeoNamesPopulation) else np.arange(land.size)
    if on.size:
        dens[on] = density_at(pop, imp.lat[on], imp.lon[on], cell_deg=cell_deg)
    n_events = int(imp.event.max()) + 1 if imp.event.size else 0
    area_c = casualty_area(np.array([c.area for c in imp.classes]))[imp.cls]
    hazardous = imp.delivered > ke_threshold
    per_frag = imp.weight * area_c * dens * hazardous * (1.0 - sheltering)
    size = n_events * imp.members
    key = imp.event * imp.members + imp.member
    ec = np.bincount(key, weights=per_frag, minlength=size).reshape(n_events, imp.members)
    on_land = np.bincount(key, weights=imp.weight * land, minlength=size).reshape(
        n_events, imp.members
    )
    any_land = (
        np.bincount(key, weights=land.astype(np.float64), minlength=size).reshape(
            n_events, imp.members
        )
        > 0
    )
    return RealisationScores(
        np.asarray(ec, dtype=np.float64), any_land, np.asarray(on_land, dtype=np.float64)
    )


def score_impacts(
    imp: Impacts,
    *,
    population: PopulationSource | None = None,
    sheltering: float = 0.0,
    ke_threshold: float = KE_THRESHOLD,
    cell_deg: float = 0.01,
    confidence: float = 0.9,
    population_factor: float | None = None,
    seed: int = 0,
) -> list[Score]:
    """Ec, P(land) and fragments on land of every event in ``imp``, each a mean over the
    event's realisations with a ``confidence`` interval (`assess.stats`, `summarize_scores`).

    ``population_factor``: the population model's 90 % error factor (default: the source's
    ``uncertainty_factor`` attribute, 1 when it has none)."""
    pop = default_population() if population is None else population
    rs = realisation_scores(
        imp, population=pop, sheltering=sheltering, ke_threshold=ke_threshold, cell_deg=cell_deg
    )
    factor = (
        float(getattr(pop, "uncertainty_factor", 1.0))
        if population_factor is None
        else float(population_factor)
    )
    return summarize_scores(
        imp,
        rs,
        ke_threshold=ke_threshold,
        confidence=confidence,
        population_factor=factor,
        seed=seed,
    )


def summarize_scores(
    imp: Impacts,
    rs: RealisationScores,
    *,
    ke_threshold: float = KE_THRESHOLD,
    confidence: float = 0.9,
    population_factor: float = 1.0,
    seed: int = 0,
    p_hit_bound: npt.ArrayLike | None = None,
) -> list[Score]:
    """One `Score` per event from its realisations' values.

    Ec: mean, percentile bootstrap over realisations, widened by ``population_factor``. An event
    with no casualty in any of its R realisations gets the upper bound P(hit)_hi x Ec per hit,
    with P(hit)_hi = min(``p_hit_bound`` of that event, `stats.zero_hit_upper` (R)) and Ec per
    hit the mean casualty expectation of the realisations with a casualty in the events where
    only some realisations have one (debris at the edge of the land: what a member that reaches
    land costs; all events with hits when none is partial; 0 when no event has a hit)."""
    n_events, n_r = rs.ec.shape
    ec = rs.ec.mean(axis=1)
    s_lo, s_hi = bootstrap_mean_interval(rs.ec, confidence=confidence, seed=seed)
    fl = rs.on_land.mean(axis=1)
    fl_lo, fl_hi = bootstrap_mean_interval(rs.on_land, confidence=confidence, seed=seed + 1)
    k_land = rs.any_land.sum(axis=1)
    pl_lo, pl_hi = wilson_interval(k_land, n_r, confidence=confidence)
    hit = rs.ec > 0
    hits = hit.sum(axis=1)
    partial = (hits > 0) & (hits < n_r)
    pool = rs.ec[partial][hit[partial]] if partial.any() else rs.ec[hit]
    per_hit = float(pool.mean()) if pool.size else 0.0
    mc_bound = zero_hit_upper(n_r, confidence=confidence)
    bound_p = (
        np.full(n_events, mc_bound)
        if p_hit_bound is None
        else np.minimum(
            np.broadcast_to(np.asarray(p_hit_bound, dtype=np.float64), (n_events,)), mc_bound
        )
    )
    bound = [""] * n_events
    for e in np.flatnonzero(hits == 0):  # events are few (windows)
        s_hi[e] = bound_p[e] * per_hit
        bound[e] = (
            f"no casualty in {n_r} realisation(s): upper bound P(hit) {bound_p[e]:.2g} x Ec per "
            f"hit {per_hit:.2g}"
            if per_hit > 0
            else f"no casualty in any realisation ({n_r} per event)"
        )
    t_lo, t_hi = combine_factor(ec, s_lo, s_hi, population_factor)
    wsum = np.bincount(imp.event, weights=imp.weight, minlength=n_events)
    hazardous = imp.delivered > ke_threshold
    haz = np.bincount(imp.event, weights=imp.weight * hazardous, minlength=n_events) / np.maximum(
        wsum, 1e-300
    )
    ke_max = np.full(n_events, 0.0)
    np.maximum.at(ke_max, imp.event, imp.ke)
    sp_max = np.full(n_events, 0.0)
    np.maximum.at(sp_max, imp.event, imp.speed)
    return [
        Score(
            ec=float(ec[e]),
            p_land=float(k_land[e] / n_r),
            fragments_on_land=float(fl[e]),
            hazardous_fraction=float(haz[e]),
            ke_max=float(ke_max[e]),
            speed_max=float(sp_max[e]),
            ec_lo=float(t_lo[e]),
            ec_hi=float(t_hi[e]),
            ec_lo_sampling=float(s_lo[e]),
            ec_hi_sampling=float(s_hi[e]),
            p_land_lo=float(pl_lo[e]),
            p_land_hi=float(pl_hi[e]),
            fragments_on_land_lo=float(fl_lo[e]),
            fragments_on_land_hi=float(fl_hi[e]),
            realisations=int(n_r),
            hits=int(hits[e]),
            land_hits=int(k_land[e]),
            confidence=float(confidence),
            population_factor=float(population_factor),
            ec_bound=bound[e],
        )
        for e in range(n_events)
    ]


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
