"""Engagement-window planner: where along the path could the object be brought down safely?

For candidate times along the (predicted or tracked) path, default every 10 min, the object is
broken up at ``positions`` of the path's members at that time (the forecast ensemble: where the
balloon may be), each realisation falling in its own debris wind member (`assess.debris`); a
window's casualty expectation Ec, P(land), P(territory) and fragments on land are then
expectations over both where the balloon is and where its pieces fall, each with a sampling
interval (`assess.stats`; default 90 %). A track without members can be given a position
uncertainty (``position_sigma_m``). Each window also records, for the median point, whether it
is over land, inside the ``own`` country's territory (land or 12-nmi territorial sea: debris
recovery and jurisdiction), its distance to the coast and the aviation traffic below. Windows
are ranked by Ec; the recommendation is the earliest window whose Ec *upper bound* is below the
threshold (default 1e-4, the public collective-risk limit of 14 CFR 450.101(a)(1), [CFR450]_)
inside own territory, and the reasons the earlier ones fail are listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError, InputError
from ..geo import (
    PopulationSource,
    country_name,
    default_population,
    distance_to_coast,
    haversine,
    is_land,
    local_xy,
    offset_m,
    territory_at,
)
from ..timeutil import iso
from .aviation import AIRLINER_MAX, flight_level
from .debris import (
    KE_THRESHOLD,
    FragmentClass,
    Impacts,
    RealisationScores,
    break_up_and_fall,
    land_scores,
    realisation_scores,
    summarize_scores,
)
from .path import FlightPath
from .stats import wilson_interval, z_value

__all__ = [
    "Window",
    "EngagementPlan",
    "plan_engagement",
    "DEFAULT_THRESHOLD",
    "DEFAULT_POSITIONS",
    "DEFAULT_PLACEMENTS",
    "DEFAULT_SMOOTHING",
    "format_ec",
    "format_p",
]

DEFAULT_THRESHOLD = 1e-4
DEFAULT_POSITIONS = 40
DEFAULT_PLACEMENTS = 5
# kernel width / impact-cloud width of the smoothed population density (assess.density)
DEFAULT_SMOOTHING = 0.3


def format_p(p: float, lo: float, hi: float, *, n: int) -> str:
    """A probability from ``n`` samples in words: never a bare 0 or 1 ("< 0.063", "> 0.94",
    "0.42 (0.30-0.55)")."""
    if n <= 0:
        return "n/a"
    if p <= 0.0:
        return f"< {hi:.2g}"
    if p >= 1.0:
        return f"> {lo:.2g}"
    return f"{p:.2f} ({lo:.2f}-{hi:.2f})"


def format_ec(ec: float, lo: float, hi: float, *, confidence: float = 0.9) -> str:
    """Ec with its interval: "Ec 2.1e-05 (90 %: 8e-06 - 4e-05)"; "Ec < 3e-06" when no
    realisation had a casualty."""
    pct = f"{confidence * 100:.0f} %"
    if ec <= 0.0:
        return (
            f"< {hi:.2g} ({pct} bound; 0 in the sample)"
            if hi > 0
            else "0 (no debris reached populated land)"
        )
    return f"{ec:.2g} ({pct}: {lo:.2g} - {hi:.2g})"


@dataclass(frozen=True)
class Window:
    """One candidate engagement time and what a break-up there would do.

    ``lat``/``lon``/``alt``, ``over_land``, ``territory``, ``in_own_territory`` and
    ``coast_distance`` (m) describe the median point; ``ec``, ``p_land``, ``p_territory`` and
    ``fragments_on_land`` are means over ``realisations`` break-ups at the members' positions,
    with ``confidence`` intervals (``ec_lo``/``ec_hi`` include the population model's error)."""

    time: float
    lat: float
    lon: float
    alt: float
    ec: float
    p_land: float
    fragments_on_land: float
    over_land: bool
    territory: str
    in_own_territory: bool
    coast_distance: float  # m
    traffic_below: str
    rank: int = 0
    reasons: tuple[str, ...] = ()
    ec_lo: float = 0.0
    ec_hi: float = 0.0
    ec_lo_sampling: float = 0.0
    ec_hi_sampling: float = 0.0
    p_land_lo: float = 0.0
    p_land_hi: float = 1.0
    fragments_on_land_lo: float = 0.0
    fragments_on_land_hi: float = 0.0
    p_territory: tuple[tuple[str, float, float, float], ...] = ()  # (ISO, p, lo, hi)
    p_international: float = 0.0
    spread_km: float = 0.0  # median distance of the sampled positions from the median point
    realisations: int = 1
    hits: int = 0
    confidence: float = 0.9
    population_factor: float = 1.0
    ec_bound: str = ""

    @property
    def ok(self) -> bool:
        return not self.reasons

    def p_of(self, iso_code: str) -> float:
        """P(break-up inside ``iso_code``'s territory)."""
        return next((p for c, p, _, _ in self.p_territory if c == iso_code), 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": iso(self.time),
            "lat": round(self.lat, 4),
            "lon": round(self.lon, 4),
            "alt_m": round(self.alt),
            "ec": float(f"{self.ec:.3g}"),
            "ec_lo": float(f"{self.ec_lo:.3g}"),
            "ec_hi": float(f"{self.ec_hi:.3g}"),
            "ec_sampling": [
                float(f"{self.ec_lo_sampling:.3g}"),
                float(f"{self.ec_hi_sampling:.3g}"),
            ],
            "ec_text": format_ec(self.ec, self.ec_lo, self.ec_hi, confidence=self.confidence),
            "p_land": round(self.p_land, 3),
            "p_land_ci": [round(self.p_land_lo, 3), round(self.p_land_hi, 3)],
            "p_land_text": format_p(
                self.p_land, self.p_land_lo, self.p_land_hi, n=self.realisations
            ),
            "p_territory": {c: round(p, 3) for c, p, _, _ in self.p_territory},
            "p_territory_ci": {
                c: [round(lo, 3), round(hi, 3)] for c, _, lo, hi in self.p_territory
            },
            "p_international": round(self.p_international, 3),
            "fragments_on_land": round(self.fragments_on_land, 1),
            "fragments_on_land_ci": [
                round(self.fragments_on_land_lo, 1),
                round(self.fragments_on_land_hi, 1),
            ],
            "over_land": self.over_land,
            "territory": self.territory,
            "in_own_territory": self.in_own_territory,
            "coast_distance_km": round(self.coast_distance / 1000, 1),
            "position_spread_km": round(self.spread_km, 1),
            "traffic_below": self.traffic_below,
            "realisations": self.realisations,
            "hits": self.hits,
            "confidence": self.confidence,
            "population_factor": self.population_factor,
            "ec_bound": self.ec_bound,
            "rank": self.rank,
            "ok": self.ok,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class EngagementPlan:
    windows: list[Window]
    recommended: Window | None
    reason: str
    threshold: float
    own: str | None
    explanation: list[str] = field(default_factory=list)
    warnings: tuple[str, ...] = ()
    method: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "own_territory": self.own,
            "method": self.method,
            "windows": [w.as_dict() for w in self.windows],
            "recommended": None if self.recommended is None else self.recommended.as_dict(),
            "reason": self.reason,
            "explanation": self.explanation,
            "warnings": list(self.warnings),
        }


def _traffic(alt: float) -> str:
    fl = int(round(float(flight_level(alt))))
    if alt > AIRLINER_MAX:
        return f"FL{fl:03d}: debris falls through airliner levels FL450-FL290; clear the airspace below"
    return f"FL{fl:03d}: at or below airliner levels; clear the airspace around and below"


def _as_path(path: Any) -> FlightPath:
    if isinstance(path, FlightPath):
        return path
    if hasattr(path, "positions_at") and hasattr(path, "times"):
        return FlightPath.from_prediction(path)
    raise InputError(
        "cannot plan on this path",
        value=type(path).__name__,
        expected="a FlightPath or a stratowatch.predict.Prediction",
    )


def _sample_positions(
    p: FlightPath,
    n: int,
    sigma: npt.NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(W, n) positions: ``n`` members of the path at each window (a random subset without
    replacement when the path has at least ``n`` members, else every member in turn), plus an
    isotropic Gaussian offset of ``sigma`` (W,) m per axis."""
    m = p.members
    idx = rng.permutation(m)[:n] if m >= n else np.arange(n) % m
    lat = p.lat[idx].T.copy()
    lon = p.lon[idx].T.copy()
    alt = p.alt[idx].T.copy()
    if np.any(sigma > 0):
        e = rng.standard_normal(lat.shape) * sigma[:, None]
        nn = rng.standard_normal(lat.shape) * sigma[:, None]
        la2, lo2 = offset_m(lat, lon, e, nn)
        lat, lon = np.asarray(la2, dtype=np.float64), np.asarray(lo2, dtype=np.float64)
    return lat, lon, alt


COAST_CAP = 300_000.0  # m: distance_to_coast's default cap
COAST_SEARCH = 150_000.0  # m: debris further than this from land cannot reach it
NEAR_COAST = 50_000.0  # m: within this, fragments' own distances to the coast are used
# a fitted normal tail is not trusted beyond ~3.7 sigma: P(hit) is never put below 1e-4
P_HIT_FLOOR = 1e-4


def _reach_land_bound(
    imp: Any,
    events: npt.NDArray[np.int64],
    *,
    confidence: float,
) -> npt.NDArray[np.float64]:
    """Upper bound on P(hazardous debris reaches land) for ``events`` where no realisation had
    a casualty. Each realisation's margin is the distance to the coast of its hazardous
    fragments' centroid minus the largest distance of those fragments from it (within 50 km of
    the coast: the smallest distance of a hazardous fragment to it); the margins of
    the R realisations (position, wind and fragment draws) are fitted by a normal distribution
    and P(margin <= 0) is evaluated with the mean lowered by its one-sided confidence bound, and
    never below 1e-4 (``P_HIT_FLOOR``: a fitted tail is not trusted beyond ~3.7 sigma).
    Margins beyond 150 km are capped there (a wide enough sea that no fragment crosses it)."""
    from scipy.special import ndtr

    hazardous = imp.delivered > KE_THRESHOLD
    z = z_value(confidence)
    out = np.zeros(events.size)
    for i, e in enumerate(events):  # zero-hit windows only
        sel = (imp.event == e) & hazardous
        if not sel.any():
            continue  # nothing hazardous falls at all
        r = imp.member[sel]
        n_r = int(imp.members)
        cnt = np.bincount(r, minlength=n_r).astype(np.float64)
        ok = cnt > 0
        clat = np.bincount(r, weights=imp.lat[sel], minlength=n_r)[ok] / cnt[ok]
        clon = np.bincount(r, weights=imp.lon[sel], minlength=n_r)[ok] / cnt[ok]
        full_lat = np.zeros(n_r)
        full_lon = np.zeros(n_r)
        full_lat[ok], full_lon[ok] = clat, clon
        radius = np.zeros(n_r)
        np.maximum.at(radius, r, haversine(imp.lat[sel], imp.lon[sel], full_lat[r], full_lon[r]))
        coast = distance_to_coast(clat, clon, max_distance=COAST_SEARCH)
        margin = np.where(is_land(clat, clon), -coast, coast) - radius[ok]
        # near land, each fragment's own distance (finer than centroid minus radius)
        near = margin < NEAR_COAST
        if near.any():
            rows = np.flatnonzero(ok)[near]
            fsel = np.isin(r, rows)
            d = distance_to_coast(imp.lat[sel][fsel], imp.lon[sel][fsel], max_distance=NEAR_COAST)
            dmin = np.full(n_r, np.inf)
            np.minimum.at(dmin, r[fsel], d)
            margin[near] = np.maximum(margin[near], dmin[rows])
        if margin.size < 2 or np.all(margin >= COAST_SEARCH - radius[ok] - 1.0):
            out[i] = P_HIT_FLOOR if np.all(margin > 0) else 1.0
            continue
        m, sd = float(margin.mean()), float(margin.std(ddof=1))
        m_lo = m - z * sd / np.sqrt(margin.size)
        p_hit = float(ndtr(-m_lo / sd)) if sd > 0 else (0.0 if m_lo > 0 else 1.0)
        out[i] = max(p_hit, P_HIT_FLOOR)
    return out


def _place(
    imp: Impacts,
    b_lat: npt.NDArray[np.float64],
    b_lon: npt.NDArray[np.float64],
    n_pos: int,
    n_place: int,
) -> Impacts:
    """The impacts of every realisation r laid again at positions r + k * n_pos (k < n_place):
    each fragment keeps its east/north offset from its break-up point; weights are divided by
    ``n_place`` so a realisation's Ec is the mean over its placements."""
    e, r = imp.event, imp.member
    dx, dy = local_xy(imp.lat, imp.lon, b_lat[e, r], b_lon[e, r])  # type: ignore[arg-type]
    k = np.repeat(np.arange(n_place), imp.lat.size)
    rr = np.tile(r, n_place)
    ee = np.tile(e, n_place)
    q = rr + k * n_pos
    la, lo = offset_m(b_lat[ee, q], b_lon[ee, q], np.tile(dx, n_place), np.tile(dy, n_place))
    la = np.clip(la, -90.0, 90.0)
    lo = (lo + 180.0) % 360.0 - 180.0

    def rep(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.tile(a, n_place)

    return Impacts(
        classes=imp.classes,
        members=imp.members,
        event=ee,
        member=rr,
        cls=rep(imp.cls),
        weight=rep(imp.weight) / n_place,
        lat=np.asarray(la, dtype=np.float64),
        lon=np.asarray(lo, dtype=np.float64),
        time=rep(imp.time),
        speed=rep(imp.speed),
        ke=rep(imp.ke),
        landed=rep(imp.landed),
        warnings=imp.warnings,
        e_person=rep(imp.delivered),
    )


def plan_engagement(
    path: Any,
    wind: Any,
    *,
    every: float = 600.0,
    hours: float | None = 48.0,
    threshold: float = DEFAULT_THRESHOLD,
    own: str | None = "US",
    fragments: Sequence[FragmentClass] | None = None,
    samples: int = 3,
    seed: int = 0,
    population: PopulationSource | None = None,
    sheltering: float = 0.0,
    start: float | None = None,
    positions: int | None = DEFAULT_POSITIONS,
    position_sigma_m: float | npt.ArrayLike = 0.0,
    confidence: float = 0.9,
    population_factor: float | None = None,
    placements: int = DEFAULT_PLACEMENTS,
    smoothing: float = DEFAULT_SMOOTHING,
    engine: Any = None,
) -> EngagementPlan:
    """Score engagement windows along a path and recommend one.

    Parameters
    ----------
    path : a `FlightPath` (members x times; a track is one member) or a
        `stratowatch.predict.Prediction` (its member paths).
    wind : the wind the debris falls in: a `PerturbedWind` ensemble (realisation r falls in
        member r % members) or one field.
    every : s between windows, from ``start`` (default: the path's start) for ``hours``
        (None: to the path's end; 0: only the start); the path's last point is a window too.
    threshold : Ec limit; own : ISO code of the country whose territory a break-up should be in
        (None: any).
    fragments, samples : fragment classes and representatives per class and realisation.
    positions : break-up positions (realisations) per window, drawn from the path's members
        (None: every member); a one-member path repeats its point, moved by
        ``position_sigma_m``.
    position_sigma_m : m, 1-sigma position uncertainty per horizontal axis added to every
        sampled position: a scalar, or one value per path time (e.g. a smoothed track's).
    placements : each realisation's debris field (its fall simulated once) is also laid at
        ``placements - 1`` further member positions, its value the mean over them: ``positions
        x placements`` positions per window for the cost of ``positions`` falls (the field's
        shape is taken as the same a few hundred km away; the realisations stay independent,
        so the bootstrap over them stays valid).
    smoothing : kernel width of the smoothed population density as a share of each fragment
        class's impact-cloud width in the window (`assess.density`: each impact carries the
        density averaged around it instead of its 1 km cell's; 0: the cell's density).
    confidence : two-sided level of every interval (default 0.9).
    population, sheltering, population_factor : see `assess.debris.score_impacts`.
    seed : random seed (positions, fragments, bootstrap).
    engine : where the debris falls run (`stratowatch.scale.open_engine`; None: in this
        process); the plan is identical on any engine.

    Returns
    -------
    EngagementPlan
        windows (each a `Window`), the recommendation (earliest window with ``ec_hi`` below
        ``threshold`` whose median point is inside ``own`` territory), reasons and method.
    """
    p0 = _as_path(path)
    if not (np.isfinite(threshold) and threshold > 0):
        raise ConfigError(f"threshold must be a positive expected-casualty value, got {threshold}")
    if not (np.isfinite(every) and every > 0):
        raise ConfigError(f"window spacing must be positive seconds, got {every}")
    if hours is not None and not (np.isfinite(hours) and hours >= 0):
        raise ConfigError(f"hours must be >= 0, got {hours}")
    if positions is not None and (int(positions) != positions or positions < 1):
        raise ConfigError(f"positions must be a whole number >= 1, got {positions}")
    sig = np.asarray(position_sigma_m, dtype=np.float64)
    if sig.ndim > 1 or (sig.ndim == 1 and sig.size != p0.times.size):
        raise InputError(
            "position_sigma_m must be a scalar or one value per path time",
            field="position_sigma_m",
            value=sig.shape,
            expected=f"() or ({p0.times.size},)",
        )
    if not np.all(np.isfinite(sig)) or np.any(sig < 0):
        raise InputError(
            "position_sigma_m must be finite and >= 0", field="position_sigma_m", expected=">= 0 m"
        )
    t0 = float(p0.times[0]) if start is None else float(start)
    t_end = float(p0.times[-1])
    if hours is not None:
        t_end = min(t_end, t0 + hours * 3600.0) if p0.times.size > 1 else t0
    if t_end < t0:
        raise ConfigError(f"start {iso(t0)} is after the end of the path {iso(t_end)}")
    times = np.arange(t0, t_end + 1e-6, every) if t_end > t0 else np.array([t0])
    if times[-1] < t_end - 1.0:  # the path's last point is a candidate too
        times = np.append(times, t_end)
    p = p0.resample(times)
    lat = np.median(p.lat, axis=0)
    lon_rad = np.radians(p.lon)
    lon = np.degrees(
        np.arctan2(np.median(np.sin(lon_rad), axis=0), np.median(np.cos(lon_rad), axis=0))
    )
    alt = np.median(p.alt, axis=0)
    n_pos = p.members if positions is None else int(positions)
    if isinstance(placements, bool) or int(placements) != placements or placements < 1:
        raise ConfigError(f"placements must be a whole number >= 1, got {placements!r}")
    n_place = int(placements)
    sigma = np.full(times.size, float(sig)) if sig.ndim == 0 else np.interp(times, p0.times, sig)
    rng = np.random.default_rng(seed)
    if p.members == 1 and not np.any(sigma > 0):
        # one path and no position uncertainty: the realisations differ by wind and fragments
        n_place = 1
        b_lat, b_lon, b_alt = (np.repeat(a[:, None], n_pos, axis=1) for a in (lat, lon, alt))
    else:
        b_lat, b_lon, b_alt = _sample_positions(p, n_pos * n_place, sigma, rng)
    imp = break_up_and_fall(
        times,
        b_lat[:, :n_pos],
        b_lon[:, :n_pos],
        b_alt[:, :n_pos],
        wind,
        fragments=fragments,
        samples=samples,
        seed=seed,
        engine=engine,
    )
    pop = default_population() if population is None else population
    placed = _place(imp, b_lat, b_lon, n_pos, n_place) if n_place > 1 else imp
    rs = realisation_scores(placed, population=pop, sheltering=sheltering, smoothing=smoothing)
    if n_place > 1:
        # P(land) stays per simulated fall; Ec and fragments on land are means over the
        # placements
        any_land, _ = land_scores(imp)
        rs = RealisationScores(rs.ec, any_land, rs.on_land)
    factor = (
        float(getattr(pop, "uncertainty_factor", 1.0))
        if population_factor is None
        else float(population_factor)
    )
    zero = np.flatnonzero((rs.ec > 0).sum(axis=1) == 0)
    p_hit = np.ones(times.size)
    if zero.size:
        p_hit[zero] = _reach_land_bound(imp, zero, confidence=confidence)
    scores = summarize_scores(
        imp,
        rs,
        confidence=confidence,
        population_factor=factor,
        seed=seed,
        p_hit_bound=p_hit,
    )
    terr = territory_at(lat, lon)
    n_all = int(b_lat.shape[1])  # every sampled position (realisations x placements)
    land = is_land(lat, lon)
    coast = distance_to_coast(lat, lon)
    b_terr = territory_at(b_lat, b_lon)
    spread = np.median(haversine(b_lat, b_lon, lat[:, None], lon[:, None]), axis=1) / 1000.0
    own_u = own.upper() if own else None
    raw: list[Window] = []
    for k in range(times.size):  # assemble records (scoring above is vectorized)
        s = scores[k]
        codes, counts = np.unique(b_terr[k], return_counts=True)
        lo_t, hi_t = wilson_interval(counts, n_all, confidence=confidence)
        p_terr = tuple(
            sorted(
                (
                    (str(c), float(n / n_all), float(lo_t[i]), float(hi_t[i]))
                    for i, (c, n) in enumerate(zip(codes, counts, strict=True))
                    if c
                ),
                key=lambda x: -x[1],
            )
        )
        p_intl = float(counts[codes == ""].sum() / n_all)
        reasons = []
        if s.ec_hi >= threshold:
            where = "over land" if land[k] else "over water"
            what = (
                f"Ec {s.ec:.2g}, upper bound {s.ec_hi:.2g}"
                if s.ec < threshold
                else f"Ec {s.ec:.2g} ({s.ec_lo:.2g}-{s.ec_hi:.2g})"
            )
            far = ">= " if coast[k] >= COAST_CAP - 1.0 else ""
            reasons.append(
                f"{what} >= {threshold:g} ({where}, {far}{coast[k] / 1000:.0f} km from the coast, "
                f"P(land) {format_p(s.p_land, s.p_land_lo, s.p_land_hi, n=s.realisations)})"
            )
        in_own = own_u is None or terr[k] == own_u
        if not in_own:
            where = country_name(str(terr[k])) if terr[k] else "international waters"
            reasons.append(f"outside {own_u} territory ({where})")
        raw.append(
            Window(
                time=float(times[k]),
                lat=float(lat[k]),
                lon=float(lon[k]),
                alt=float(alt[k]),
                ec=s.ec,
                p_land=s.p_land,
                fragments_on_land=s.fragments_on_land,
                over_land=bool(land[k]),
                territory=str(terr[k]),
                in_own_territory=bool(in_own),
                coast_distance=float(coast[k]),
                traffic_below=_traffic(float(alt[k])),
                rank=0,
                reasons=tuple(reasons),
                ec_lo=s.ec_lo,
                ec_hi=s.ec_hi,
                ec_lo_sampling=s.ec_lo_sampling,
                ec_hi_sampling=s.ec_hi_sampling,
                p_land_lo=s.p_land_lo,
                p_land_hi=s.p_land_hi,
                fragments_on_land_lo=s.fragments_on_land_lo,
                fragments_on_land_hi=s.fragments_on_land_hi,
                p_territory=p_terr,
                p_international=p_intl,
                spread_km=float(spread[k]),
                realisations=s.realisations,
                hits=s.hits,
                confidence=confidence,
                population_factor=s.population_factor,
                ec_bound=s.ec_bound,
            )
        )
    order = sorted(range(len(raw)), key=lambda i: (raw[i].ec_hi, raw[i].ec, raw[i].time))
    rank = {i: r + 1 for r, i in enumerate(order)}
    windows = [replace(w, rank=rank[i]) for i, w in enumerate(raw)]
    rec = next((w for w in windows if w.ok), None)
    before = windows if rec is None else [w for w in windows if w.time < rec.time]
    counts_: Counter[str] = Counter()
    for w in before:
        if w.ec_hi >= threshold:
            counts_["land" if w.over_land else "water"] += 1
        if not w.in_own_territory:
            counts_["territory"] += 1
    explanation = []
    if before:
        ecs = np.array([w.ec for w in before])
        head = f"all {len(before)}" if rec is None else f"{len(before)} earlier"
        explanation.append(f"{head} window(s) fail: Ec from {ecs.min():.2g} to {ecs.max():.2g}")
        if counts_["land"]:
            explanation.append(
                f"{counts_['land']} over land with Ec (upper bound) >= {threshold:g}"
            )
        if counts_["water"]:
            explanation.append(
                f"{counts_['water']} over water but near enough to land that debris may reach it "
                f"(Ec upper bound >= {threshold:g})"
            )
        if counts_["territory"]:
            explanation.append(f"{counts_['territory']} outside {own_u} territory")
        explanation.extend(f"{iso(w.time)}: {'; '.join(w.reasons)}" for w in before[-3:])
    pct = f"{confidence * 100:.0f} %"
    if rec is not None:
        reason = (
            f"earliest window with Ec {format_ec(rec.ec, rec.ec_lo, rec.ec_hi, confidence=confidence)}"
            f", upper bound < {threshold:g}"
            + (f", inside {own_u} territory" if own_u else "")
            + f": {iso(rec.time)} at {rec.lat:.3f}, {rec.lon:.3f}"
            + (" over water" if not rec.over_land else " over land")
            + f", {rec.coast_distance / 1000:.0f} km from the coast, P(land) "
            + format_p(rec.p_land, rec.p_land_lo, rec.p_land_hi, n=rec.realisations)
        )
    else:
        best = min(windows, key=lambda w: (w.ec_hi, w.ec))
        reason = (
            f"no window has Ec ({pct} upper bound) < {threshold:g}"
            + (f" inside {own_u} territory" if own_u else "")
            + f"; lowest upper bound {best.ec_hi:.2g} (Ec {best.ec:.2g}) at {iso(best.time)}"
        )
        water = [w for w in windows if not w.over_land and w.ec_hi >= threshold]
        if water:
            spread_w = float(np.median([w.spread_km for w in water]))
            pl = float(np.median([w.p_land for w in water]))
            if pl <= 0:
                reason += f". {len(water)} window(s) over water fail on debris reaching land"
            elif spread_w >= 1.0:
                reason += (
                    f". Over water the forecast's position spread (median {spread_w:.0f} km from "
                    f"the median point) still puts debris on land in {pl:.0%} of break-ups "
                    f"(median over {len(water)} window(s)): a shorter lead time or a forecast "
                    "with less wind error narrows it"
                )
            else:
                reason += (
                    f". Over water the debris wind's uncertainty still carries debris to land in "
                    f"{pl:.0%} of break-ups (median over {len(water)} window(s)): a wind forecast "
                    "with less error narrows it"
                )
    method = {
        "realisations_per_window": n_pos,
        "placements_per_realisation": n_place,
        "path_members": p.members,
        "wind_members": _wind_members(wind),
        "fragment_samples_per_class": samples,
        "confidence": confidence,
        "ec_interval": "percentile bootstrap over realisations (2000 resamples), widened by the "
        "population model's 90 % factor in log-quadrature; windows without a casualty: upper "
        "bound P(hit) x Ec per hit, P(hit) from a normal fit of the realisations' margins "
        "(distance of the hazardous debris from land), at most the one-sided Clopper-Pearson "
        "bound",
        "p_interval": "Wilson score",
        "p_territory": "share of break-up positions (realisations x placements) inside each "
        "country's land or 12-nmi sea",
        "casualty_criterion": "energy delivered to a person > 14.91 J (11 ft-lbf); membranes "
        "deliver only the part above the person's 0.36 m2",
        "population_factor": scores[0].population_factor if scores else None,
        "position_sigma_m": float(np.max(sigma)) if sigma.size else 0.0,
    }
    return EngagementPlan(windows, rec, reason, threshold, own_u, explanation, imp.warnings, method)


def _wind_members(wind: Any) -> int:
    meta = getattr(wind, "meta", None)
    return max(int(getattr(meta, "members", 1) or 1), 1)
