"""Fragment classes, break-up and the fall of the representative fragments (the notes on the
model are in `assess.debris`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from ..errors import ConfigError, InputError

__all__ = [
    "PERSON_AREA",
    "KE_THRESHOLD",
    "FT_LBF",
    "FragmentClass",
    "default_fragments",
    "casualty_area",
    "energy_on_person",
    "Impacts",
    "break_up_and_fall",
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
FALL_CHUNK = 20_000  # fragments per engine task (`break_up_and_fall` with an engine)
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
    from ..flight.ballistic import FALL_DT_S, fall

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
            dt=FALL_DT_S if dt is None else dt,
        )
        out_lat[sel] = res.lat
        out_lon[sel] = res.lon
        out_time[sel] = res.time
        out_speed[sel] = res.speed
        landed[sel] = res.landed
        warnings.extend(w for w in res.warnings if w not in warnings)
    return _Fallen(out_lat, out_lon, out_time, out_speed, landed, tuple(warnings))


def _fall_chunk(wind: Any, item: tuple[tuple[Any, ...], float]) -> _Fallen:
    """One engine task of `break_up_and_fall`: `_fall` over a chunk of fragments."""
    (t0, la, lo, al, ve, vn, vu, beta, mem), ground = item
    return _fall(t0, la, lo, al, ve, vn, vu, beta, wind, mem, ground)


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
    engine: Any = None,
    chunk: int = FALL_CHUNK,
) -> Impacts:
    """Break up at each of ``E`` events and drop ``samples`` representatives of every fragment
    class in every realisation, E x R x classes x samples falls in one vectorized call.

    With an ``engine`` (`stratowatch.scale.open_engine`: threads or a Dask cluster) the falls
    run in chunks of at most ``chunk`` fragments on it (four or more per worker, at least
    1,000 fragments each), the wind shipped once per worker; every random
    draw is made here first and each fall is deterministic, so the impacts are identical to
    the in-process run whatever the chunking.

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
    mem = mem.astype(np.int64)
    # a few tasks per worker (at most ``chunk`` fragments each) keep every worker busy
    size = max(min(int(chunk), -(-n // (4 * int(getattr(engine, "workers", 1) or 1)))), 1000)
    if engine is None or n <= size:
        res = _fall(t0, la, lo, al, ve, vn, vu, beta, wind, mem, ground)
    else:
        items = [
            (tuple(a[i : i + size] for a in (t0, la, lo, al, ve, vn, vu, beta, mem)), ground)
            for i in range(0, n, size)
        ]
        parts = engine.map(_fall_chunk, items, shared=engine.share(wind))
        warn: list[str] = []
        for part in parts:
            warn.extend(w for w in part.warnings if w not in warn)

        def cat(name: str) -> Any:
            return np.concatenate([getattr(part, name) for part in parts])

        res = _Fallen(cat("lat"), cat("lon"), cat("time"), cat("speed"), cat("landed"), tuple(warn))
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
