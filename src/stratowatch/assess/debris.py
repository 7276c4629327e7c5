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
``count/samples`` fragments, and takes the population density at each impact
(`geo.population`): the ~1 km cell it lands in, or (the planner's default) that density
smoothed by a Gaussian of 0.3 x the class's impact-cloud width in the window, which lowers the
variance of Ec by orders of magnitude for a small smoothing bias (`assess.density`). A figure
of an event is the mean over its realisations, with a sampling interval (`assess.stats`: BCa
bootstrap over realisations and, with few hits, the count's Clopper-Pearson interval for Ec;
Wilson for P(land)); Ec's interval is widened by the population model's error factor
(`geo.population`, measured against census counts). ``sheltering`` :math:`s` is the fraction of people taken as fully protected by
buildings (optimistic for heavy fragments; the roof-penetration classes of [RCC321]_ are not
modelled). The public-risk limit is :math:`E_c \le 10^{-4}` per event ([CFR450]_
450.101(a)(1)).

Code layout: `assess.fragments` (classes, break-up, fall), `assess.casualty` (Ec, P(land),
intervals), `assess.density` (smoothed density); this module the footprint and the one-point
assessment, and re-exports the others' names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping

from ..errors import InputError
from ..geo import PopulationSource, local_xy, offset_m
from ..timeutil import iso
from .casualty import (
    RealisationScores,
    Score,
    density_at,
    kernel_bandwidths,
    land_scores,
    realisation_scores,
    score_impacts,
    summarize_scores,
)
from .fragments import (
    FT_LBF,
    KE_THRESHOLD,
    PERSON_AREA,
    FragmentClass,
    Impacts,
    break_up_and_fall,
    casualty_area,
    default_fragments,
    energy_on_person,
)

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
    "kernel_bandwidths",
    "land_scores",
    "Score",
    "Footprint",
    "DebrisResult",
    "break_up_and_fall",
    "score_impacts",
    "footprint",
    "debris_assessment",
]

FloatArray = npt.NDArray[np.float64]


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
