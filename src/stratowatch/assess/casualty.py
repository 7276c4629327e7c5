"""Casualty expectation, P(land) and fragments on land of fallen debris, per realisation and
summarised with intervals (the notes on the model are in `assess.debris`; intervals in
`assess.stats`; the smoothed population density in `assess.density`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError
from ..geo import EARTH_RADIUS, PopulationSource, default_population, is_land
from ..geo.population import GeoNamesPopulation
from .density import RAW, RAW_TILE_DEG, STEP0, density_field, level_for
from .fragments import KE_THRESHOLD, Impacts, casualty_area
from .stats import (
    bootstrap_mean_interval,
    combine_factor,
    rare_hit_interval,
    wilson_interval,
    zero_hit_upper,
)

__all__ = [
    "Score",
    "RealisationScores",
    "density_at",
    "kernel_bandwidths",
    "land_scores",
    "realisation_scores",
    "score_impacts",
    "summarize_scores",
]

FloatArray = npt.NDArray[np.float64]


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
    ``tile_deg`` tiles: each occupied tile once, however many points or events fall in it.
    The default cells are kept with the source (`assess.density.DensityField`)."""
    if cell_deg == STEP0 and tile_deg == RAW_TILE_DEG:
        return density_field(population).at(lat, lon, RAW)
    la = np.asarray(lat, dtype=np.float64).ravel()
    lo = (np.asarray(lon, dtype=np.float64).ravel() + 180.0) % 360.0 - 180.0
    out = np.zeros(la.size)
    ti = np.floor(la / tile_deg).astype(np.int64)
    tj = np.floor(lo / tile_deg).astype(np.int64)
    key = ti * 100_000 + tj
    order = np.argsort(key, kind="stable")
    uniq, first = np.unique(key[order], return_index=True)
    bounds = np.append(first, order.size)
    for k in range(uniq.size):  # tiles, not points
        idx = order[bounds[k] : bounds[k + 1]]
        s = float(ti[idx[0]]) * tile_deg
        w = float(tj[idx[0]]) * tile_deg
        grid = population.grid(
            max(s, -90.0), min(s + tile_deg, 90.0), w, w + tile_deg, step=cell_deg
        )
        out[idx] = grid.at(la[idx], lo[idx])
    return out


def kernel_bandwidths(imp: Impacts, smoothing: float) -> FloatArray:
    """(E, C) kernel widths (m) for the smoothed density: ``smoothing`` times the smaller
    principal standard deviation of each class's impact cloud in each event, over all its
    realisations (`assess.density`)."""
    n_e = int(imp.event.max()) + 1 if imp.event.size else 0
    n_c = len(imp.classes)
    out = np.zeros((n_e, n_c))
    if smoothing <= 0 or imp.event.size == 0:
        return out
    g = imp.event * n_c + imp.cls
    size = n_e * n_c
    first = np.full(size, -1, dtype=np.int64)
    first[g[::-1]] = np.arange(g.size)[::-1]  # first impact of each group: the local origin
    ref = first[g]
    dlon = (imp.lon - imp.lon[ref] + 180.0) % 360.0 - 180.0
    x = EARTH_RADIUS * np.radians(dlon) * np.cos(np.radians(imp.lat[ref]))
    y = EARTH_RADIUS * np.radians(imp.lat - imp.lat[ref])
    n = np.bincount(g, minlength=size).astype(np.float64)
    nn = np.maximum(n, 1.0)
    mx = np.bincount(g, x, size) / nn
    my = np.bincount(g, y, size) / nn
    sxx = np.bincount(g, x * x, size) / nn - mx**2
    syy = np.bincount(g, y * y, size) / nn - my**2
    sxy = np.bincount(g, x * y, size) / nn - mx * my
    tr = 0.5 * (sxx + syy)
    det = np.sqrt(np.maximum(0.25 * (sxx - syy) ** 2 + sxy**2, 0.0))
    lam = np.maximum(tr - det, 0.0)
    out = (smoothing * np.sqrt(lam)).reshape(n_e, n_c)
    out[(n < 2).reshape(n_e, n_c)] = 0.0
    return np.asarray(out, dtype=np.float64)


def land_scores(
    imp: Impacts,
) -> tuple[npt.NDArray[np.bool_], FloatArray]:
    """(E, R) any debris on land, expected fragments on land, of every realisation."""
    land = is_land(imp.lat, imp.lon)
    n_events = int(imp.event.max()) + 1 if imp.event.size else 0
    size = n_events * imp.members
    key = imp.event * imp.members + imp.member
    on_land = np.bincount(key, weights=imp.weight * land, minlength=size)
    any_land = np.bincount(key, weights=land.astype(np.float64), minlength=size) > 0
    return (
        any_land.reshape(n_events, imp.members),
        np.asarray(on_land, dtype=np.float64).reshape(n_events, imp.members),
    )


def realisation_scores(
    imp: Impacts,
    *,
    population: PopulationSource | None = None,
    sheltering: float = 0.0,
    ke_threshold: float = KE_THRESHOLD,
    cell_deg: float = 0.01,
    smoothing: float = 0.0,
) -> RealisationScores:
    """Ec, any-land and fragments-on-land of every realisation of every event (see the module
    notes). ``smoothing`` > 0: the density at each hazardous impact is the population density
    smoothed by a Gaussian of ``smoothing`` x the class's impact-cloud width in that event
    (`kernel_bandwidths`, `assess.density`); 0: the density of the cell the impact is in."""
    if not 0.0 <= sheltering < 1.0:
        raise ConfigError(f"sheltering must be in [0, 1), got {sheltering}")
    if not (np.isfinite(smoothing) and smoothing >= 0.0):
        raise ConfigError(f"smoothing must be >= 0, got {smoothing}")
    pop = default_population() if population is None else population
    any_land, on_land = land_scores(imp)
    n_events = any_land.shape[0]
    hazardous = imp.delivered > ke_threshold
    dens = np.zeros(imp.lat.size)
    if smoothing > 0:
        lev = level_for(kernel_bandwidths(imp, smoothing))[imp.event, imp.cls]
    else:
        lev = np.full(imp.lat.size, RAW, dtype=np.int64)
    look = hazardous.copy()
    if isinstance(pop, GeoNamesPopulation):
        # the settlement model is zero off land by construction: raw cells are looked up only
        # where debris is on land (smoothed densities reach over the coast)
        look &= (lev >= 0) | is_land(imp.lat, imp.lon)
    on = np.flatnonzero(look)
    if on.size:
        if cell_deg == STEP0:
            dens[on] = density_field(pop).at(imp.lat[on], imp.lon[on], lev[on])
        else:
            dens[on] = density_at(pop, imp.lat[on], imp.lon[on], cell_deg=cell_deg)
    area_c = casualty_area(np.array([c.area for c in imp.classes]))[imp.cls]
    per_frag = imp.weight * area_c * dens * hazardous * (1.0 - sheltering)
    size = n_events * imp.members
    key = imp.event * imp.members + imp.member
    ec = np.bincount(key, weights=per_frag, minlength=size).reshape(n_events, imp.members)
    return RealisationScores(np.asarray(ec, dtype=np.float64), any_land, on_land)


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

    Ec: mean, BCa bootstrap over realisations (with few effective hits, at least the count's
    Clopper-Pearson interval, `stats.rare_hit_interval`), widened by ``population_factor``. An event
    with no casualty in any of its R realisations gets the upper bound P(hit)_hi x Ec per hit,
    with P(hit)_hi = min(``p_hit_bound`` of that event, `stats.zero_hit_upper` (R)) and Ec per
    hit the mean casualty expectation of the realisations with a casualty in the events where
    only some realisations have one (debris at the edge of the land: what a member that reaches
    land costs; all events with hits when none is partial; 0 when no event has a hit)."""
    n_events, n_r = rs.ec.shape
    ec = rs.ec.mean(axis=1)
    s_lo, s_hi = bootstrap_mean_interval(rs.ec, confidence=confidence, seed=seed)
    hit = rs.ec > 0
    hits = hit.sum(axis=1)
    # few effective hits (Kish's effective count (sum x)^2 / sum x^2: one realisation that
    # reaches a town counts ~1 however many graze the smoothed edge of the land): the count's
    # binomial error dominates (stats.rare_hit_interval); the interval is the wider of the two
    s2 = (rs.ec**2).sum(axis=1)
    k_eff = np.where(s2 > 0, rs.ec.sum(axis=1) ** 2 / np.where(s2 > 0, s2, 1.0), 0.0)
    k_eff = np.minimum(k_eff, hits)
    c_lo, c_hi = rare_hit_interval(ec, k_eff, n_r, confidence=confidence)
    some = (hits > 0) & (k_eff < n_r - 1e-9)
    s_lo = np.where(some, np.minimum(s_lo, c_lo), s_lo)
    s_hi = np.where(some, np.maximum(s_hi, c_hi), s_hi)
    fl = rs.on_land.mean(axis=1)
    fl_lo, fl_hi = bootstrap_mean_interval(rs.on_land, confidence=confidence, seed=seed + 1)
    k_land = rs.any_land.sum(axis=1)
    pl_lo, pl_hi = wilson_interval(k_land, n_r, confidence=confidence)
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
