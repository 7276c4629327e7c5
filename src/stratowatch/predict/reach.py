r"""Altitude-control reachability: where could a balloon that chooses its altitude go?

Winds at 15-22 km blow in different directions at different heights, so a balloon that can
change its altitude steers by picking the layer whose wind goes its way (as Loon navigated,
[Bellemare2020]_). `reachable_set` answers "where could it be in T hours?" for a balloon that
may fly at any altitude of a band (piecewise constant, changed at any time), optionally with a
small airspeed of its own in any direction, and gives the soonest it could be over each site.

Method (front propagation)
--------------------------
Let :math:`w(\mathbf x, h, t)` be the wind at altitude h and :math:`s` the airspeed. A balloon
that may switch between altitudes at any time moves, in the limit of fast switching, with any
velocity of the convex set :math:`V(\mathbf x, t) = \operatorname{conv}\{w(\mathbf x, h, t):
h \in [h_0, h_1]\} \oplus B(s)`; by the relaxation theorem of differential inclusions the
closure of the set reachable with piecewise-constant altitude schedules is the set reachable
with velocities in :math:`V` [AubinCellina1984]_. With the wind linear in height between the
wind data's levels, the convex hull of the hodograph is spanned by a finite set of altitudes,
which is why a modest grid of levels (every ``dz`` m, default 500 m; the embedded
climatology's levels are 1 km apart) gives the set, not an approximation of it.

The region :math:`R_k` at time :math:`t_k` is a polygon on an azimuthal equidistant plane
centred on the start [Snyder1987]_ (no seam at the dateline). One step of :math:`\delta`
seconds moves every vertex of its boundary with the wind of every level through the compiled
integrator (`flight.integrate`, one member per vertex and level), and

.. math::
    R_{k+1} = \operatorname{fill}\Big(\bigcup_i \operatorname{conv}\{\Phi_h^\delta(\mathbf x_i),
        \Phi_h^\delta(\mathbf x_{i+1}) : h\}\Big) \oplus B(s\,\delta)

(the union over boundary edges of the hull of both end-points' images; every flow map
:math:`\Phi_h` is a homeomorphism, so the images of the interior lie inside the images of the
boundary, and filling holes keeps the union an outer bound). The boundary is then simplified
with a tolerance and grown back by it (so the result still contains the exact union), and
resampled so no edge is longer than a fraction of the wind grid. Every step is therefore an
outer bound of the step before; the output regions are grown by a further ``margin_m`` for
the integrator's error (below 0.1 km after 48 h with the default steps).

The wind is uncertain, so each region also comes with its wind margin: the 90 % radius of the
displacement error the wind source's error model gives after that lead time
(`WindError.displacement_sigma`). The region grown by it holds the reachable set with ~90 %
probability (a point outside it could be reached only with a wind error beyond its 90 %
radius), and ``earliest_time_90`` is the soonest at that confidence. The wind error is nearly
the same at every altitude of the band (its vertical correlation scale is kilometres), so to
first order it shifts the whole reachable set, which is what the margin models.

``p_passive`` for a site is the fraction of an ensemble of passive members (one altitude each,
uniform over the band or the given altitude, perturbed winds from the same error model) whose
path comes within the site's radius before the horizon, with a 90 % Jeffreys interval for the
sampling error [Brown2001]_.

References
----------
.. [Bellemare2020] Bellemare, M. G., et al. (2020). Autonomous navigation of stratospheric
   balloons using reinforcement learning. *Nature* 588, 77-82.
.. [AubinCellina1984] Aubin, J.-P., Cellina, A. (1984). *Differential Inclusions*. Springer
   (relaxation theorem, ch. 2.4).
.. [Snyder1987] Snyder, J. P. (1987). *Map Projections: A Working Manual*. USGS Professional
   Paper 1395 (azimuthal equidistant projection).
.. [Brown2001] Brown, L. D., Cai, T. T., DasGupta, A. (2001). Interval estimation for a
   binomial proportion. *Statistical Science* 16(2), 101-133.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.special import betaincinv

from ..atmosphere.perturb import PerturbedWind
from ..atmosphere.wind import WindField
from ..errors import ConfigError, DomainError, InputError
from ..flight.integrate import integrate
from ..flight.models import Float, Stage
from ..flight.windargs import kernel_wind, resolve_wind
from ..geo.geodesy import haversine, offset_m
from ..geo.sites import Site
from ..timeutil import TimeLike, iso, to_epoch
from .reach_levels import (
    WindError as WindError,
)
from .reach_levels import (
    _kernel_threads,
)
from .reach_levels import (
    altitude_levels as altitude_levels,
)
from .reach_levels import (
    level_endpoints as level_endpoints,
)
from .reach_levels import (
    wind_error_for as wind_error_for,
)
from .reach_plane import (
    _circumscribed,
    _geodesic_area_km2,
    _geojson,
    _Plane,
    _reduce,
    _step_region,
    _to_lonlat,
)
from .reach_result import (
    ReachableSet as ReachableSet,
)
from .reach_result import (
    ReachRegion as ReachRegion,
)
from .reach_result import (
    SiteReach as SiteReach,
)
from .regions import local_en, wrap180

__all__ = [
    "WindError",
    "wind_error_for",
    "altitude_levels",
    "level_endpoints",
    "ReachRegion",
    "SiteReach",
    "ReachableSet",
    "reachable_set",
    "passive_overflight",
    "DEFAULT_BAND",
]

FloatArray = npt.NDArray[np.float64]
DEFAULT_BAND = (15_000.0, 22_000.0)
_CHI2_2_90 = -2.0 * math.log(0.1)  # chi-square, 2 dof, 90 %
_R95 = math.sqrt(-2.0 * math.log(0.05))  # 95 % radius / sigma of a circular normal (2.448)
_MAX_REACH_M = 15_000e3  # beyond this from the start the plane no longer represents the set


# --------------------------------------------------------------------------- passive overflight
def _jeffreys(k: int, n: int, level: float = 0.9) -> tuple[float, float]:
    """Jeffreys interval for a binomial proportion [Brown2001]_."""
    a = (1.0 - level) / 2.0
    lo = 0.0 if k == 0 else float(betaincinv(k + 0.5, n - k + 0.5, a))
    hi = 1.0 if k == n else float(betaincinv(k + 0.5, n - k + 0.5, 1.0 - a))
    return lo, hi


def _min_distance_m(
    lat: FloatArray, lon: FloatArray, site_lat: float, site_lon: float
) -> FloatArray:
    """Closest approach (m) of each member's path (members, nt) to a site: points joined by
    straight segments on the site's tangent plane; NaN-padded paths end at their last point."""
    e, nn = local_en(lat, lon, site_lat, site_lon)
    e = np.asarray(e).reshape(lat.shape)
    nn = np.asarray(nn).reshape(lat.shape)
    ax, ay = e[:, :-1], nn[:, :-1]
    bx, by = e[:, 1:], nn[:, 1:]
    dx, dy = bx - ax, by - ay
    den = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.clip(np.where(den > 0, -(ax * dx + ay * dy) / den, 0.0), 0.0, 1.0)
    d = np.hypot(ax + f * dx, ay + f * dy)
    d = np.where(np.isfinite(d), d, np.inf)
    d0 = np.where(np.isfinite(e[:, 0]), np.hypot(e[:, 0], nn[:, 0]), np.inf)
    return np.minimum(d.min(axis=1) if d.shape[1] else np.inf, d0)


def passive_overflight(
    time: TimeLike,
    lat: float,
    lon: float,
    sites: Sequence[Site],
    *,
    band: Sequence[float] = DEFAULT_BAND,
    alt: float | None = None,
    alt_sigma: float = 300.0,
    hours: float = 48.0,
    wind: str | WindField = "climatology",
    wind_sigma: float | None = None,
    members: int = 200,
    seed: int = 0,
    start_sigma_m: float = 0.0,
) -> list[tuple[float, tuple[float, float]]]:
    """Probability that a passive balloon passes within each site's radius before ``hours``.

    Members fly one constant altitude each (``alt`` +- ``alt_sigma`` when known, else uniform
    over ``band``) in perturbed winds drawn from the source's error model (or a fixed
    ``wind_sigma``, m/s per component), from
    ``start_sigma_m`` (m per axis) about the start; returns ``(p, (lo, hi))`` per site, the
    90 % Jeffreys interval giving the sampling error.
    """
    if members < 1:
        raise ConfigError(f"members must be >= 1, got {members}")
    t0 = to_epoch(time)
    base = resolve_wind(wind)
    lo, hi = (float(b) for b in band)
    rng = np.random.default_rng(seed)
    if alt is None:
        alts = rng.uniform(lo, hi, members) if hi > lo else np.full(members, lo)
    else:
        alts = float(alt) + rng.normal(0.0, max(float(alt_sigma), 0.0), members)
    field_: Any = base
    if members > 1 and not isinstance(base, PerturbedWind):
        field_ = PerturbedWind(base, members=members, sigma=wind_sigma, seed=seed)
    lat0 = np.full(members, float(lat))
    lon0 = np.full(members, float(lon))
    if start_sigma_m > 0.0 and members > 1:
        lat0, lon0 = offset_m(
            lat0, lon0, rng.normal(0, start_sigma_m, members), rng.normal(0, start_sigma_m, members)
        )
    with _kernel_threads(members * hours * 6.0):
        r = integrate(
            [Stage(Float(), dt_max=600.0)],
            field_,
            t0,
            lat0,
            lon0,
            alts,
            duration=hours * 3600.0,
            out_step=600.0,
        )
    # sites beyond the farthest any member got cannot be passed: skip their path distances
    far = float(np.nanmax(haversine(lat, lon, r.lat, r.lon))) if r.lat.size else 0.0
    out = []
    for s in sites:
        if float(haversine(lat, lon, s.lat, s.lon)) - s.radius > far + 4.0 * start_sigma_m:
            out.append((0.0, _jeffreys(0, members)))
            continue
        d = _min_distance_m(r.lat, r.lon, s.lat, s.lon)
        k = int(np.count_nonzero(d <= s.radius))
        out.append((k / members, _jeffreys(k, members)))
    return out


# --------------------------------------------------------------------------- the front
def _signed_distances_m(
    poly: Any, plane: _Plane, pts: Any, lat: FloatArray, lon: FloatArray
) -> FloatArray:
    """Geodesic distance (m) from sites (plane points ``pts`` at ``lat``/``lon``) to the
    region: to its nearest boundary point, negative inside."""
    lines = shapely.shortest_line(poly.exterior, pts)
    c = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    blon, blat = plane.inverse(c[:, 0, 0], c[:, 0, 1])
    d = haversine(blat, blon, lat, lon)
    inside = shapely.contains_xy(poly, shapely.get_x(pts), shapely.get_y(pts))
    return np.where(inside, -d, d)


def _earliest(
    sites: Sequence[Site],
    steps: Sequence[tuple[float, Any]],
    plane: _Plane,
    t0: float,
    lat0: float,
    lon0: float,
    margin_m: float,
    r90: FloatArray,
    start_radius_m: float = 0.0,
) -> tuple[list[float | None], list[float | None]]:
    """For each site, the first time the region (and the region grown by the wind margin
    ``r90`` per step) comes within its radius, linear in time within the crossing step."""
    lat = np.array([s.lat for s in sites])
    lon = np.array([s.lon for s in sites])
    rad = np.array([s.radius for s in sites])
    x, y = plane.forward(lon, lat)
    pts = shapely.points(x, y)
    d_prev = haversine(lat0, lon0, lat, lon) - rad - start_radius_m
    d90_prev = d_prev.copy()
    first: list[float | None] = [t0 if d <= 0.0 else None for d in d_prev]
    first90: list[float | None] = list(first)
    tk = t0
    for i, (dur, poly) in enumerate(steps):
        if all(f is not None for f in first):
            break
        t_now = tk + dur
        d = _signed_distances_m(poly, plane, pts, lat, lon) - margin_m - rad
        d90 = d - float(r90[i])
        for j in range(len(sites)):
            if first90[j] is None and d90[j] <= 0.0:
                first90[j] = _crossing_time(tk, t_now, float(d90_prev[j]), float(d90[j]))
            if first[j] is None and d[j] <= 0.0:
                first[j] = _crossing_time(tk, t_now, float(d_prev[j]), float(d[j]))
        d_prev, d90_prev = d, d90
        tk = t_now
    return first, first90


def _crossing_time(t_prev: float, t_now: float, d_prev: float, d_now: float) -> float:
    """When the signed distance minus the radius crosses zero, linear in time."""
    if d_prev <= 0.0:
        return t_prev
    if d_now >= d_prev:
        return t_now
    return t_prev + (t_now - t_prev) * d_prev / (d_prev - d_now)


def reachable_set(
    time: TimeLike,
    lat: float,
    lon: float,
    *,
    band: Sequence[float] = DEFAULT_BAND,
    hours: float = 48.0,
    every: float = 6.0,
    airspeed: float = 0.0,
    wind: str | WindField = "climatology",
    sites: Sequence[Site] = (),
    alt: float | None = None,
    dz: float = 500.0,
    step_s: float = 3600.0,
    tolerance_m: float = 25.0,
    margin_m: float = 100.0,
    wind_sigma: float | None = None,
    passive_members: int = 200,
    seed: int = 0,
    start_radius_m: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> ReachableSet:
    """Where a balloon able to fly at any altitude of ``band`` could be, per lead time.

    Parameters
    ----------
    time : start (ISO string, datetime or epoch s, UTC); lat, lon : start position (deg).
    band : (low, high) m, the altitudes it can choose (default 15-22 km).
    hours : horizon (h, <= 240); every : h between output regions (the horizon is always one).
    airspeed : m/s of its own in any direction (0-5 m/s for propellers; 0: altitude only).
    wind : ``climatology`` (default), ``calm``, a wind file or a `WindField`.
    sites : `geo.Site` values; each gets its earliest possible arrival and p_passive.
    alt : current altitude (m) for the passive members (default: uniform over the band).
    dz : spacing (m) of the altitude levels used; step_s : propagation step (s, shortened so
        that the output times are steps); tolerance_m : smallest boundary simplification
        tolerance (the region grows by the tolerance per step, an outer bound; 0.1 % of the
        region's mean half-width when larger); margin_m : output margin (m) for
        the integrator's error; wind_sigma : m/s per component to override the source's own
        wind error; passive_members, seed : the passive ensemble; start_radius_m : radius (m)
        of the disc the start is known to lie in (0: a point; e.g. a report's 95 % radius);
        progress : ``(done, total)`` after each step.

    Returns
    -------
    ReachableSet with one `ReachRegion` per output time and one `SiteReach` per site.

    Raises
    ------
    ConfigError for impossible parameters; DomainError when the horizon leaves the wind
    data's time span; InputError for bad coordinates.
    """
    t_wall = _time.perf_counter()
    t0 = to_epoch(time)
    la = float(lat)
    lo = float(lon)
    if not (math.isfinite(la) and abs(la) <= 90.0):
        raise InputError("latitude out of range", field="lat", value=lat, expected="-90..90")
    if not math.isfinite(lo):
        raise InputError("longitude must be finite", field="lon", value=lon, expected="degrees")
    lo = float(wrap180(lo))
    h = float(hours)
    if not (math.isfinite(h) and 0.0 < h <= 240.0):
        raise ConfigError(f"hours must be > 0 and <= 240, got {hours!r}")
    ev = float(every)
    if not (math.isfinite(ev) and ev > 0.0):
        raise ConfigError(f"every must be > 0 hours, got {every!r}")
    sp = float(airspeed)
    if not (math.isfinite(sp) and 0.0 <= sp <= 50.0):
        raise ConfigError(f"airspeed must be 0..50 m/s, got {airspeed!r}")
    if not (math.isfinite(step_s) and step_s > 0.0):
        raise ConfigError(f"step_s must be > 0 s, got {step_s!r}")
    for name, v in (
        ("tolerance_m", tolerance_m),
        ("margin_m", margin_m),
        ("start_radius_m", start_radius_m),
    ):
        if not (math.isfinite(v) and v >= 0.0):
            raise ConfigError(f"{name} must be >= 0 m, got {v!r}")
    levels = altitude_levels(band, dz=dz)
    band_t = (float(levels[0]), float(levels[-1]))
    base = resolve_wind(wind)
    meta = base.meta
    if (
        meta.time_start is not None
        and meta.time_end is not None
        and meta.time_end > meta.time_start
    ):
        if t0 < meta.time_start - 1.0 or t0 + h * 3600.0 > meta.time_end + 1.0:
            raise DomainError(
                f"the run {iso(t0)} .. {iso(t0 + h * 3600.0)} is outside the wind data's span "
                f"{iso(meta.time_start)} .. {iso(meta.time_end)} ({meta.source}); shorten "
                "--hours or use a wind that covers it"
            )
    warnings: list[str] = list(meta.warnings)
    if band_t[1] > meta.alt_max + 1.0:
        warnings.append(
            f"band top {band_t[1]:.0f} m is above the wind data's top ({meta.alt_max:.0f} m): "
            "its highest level's wind is used there"
        )
    kw = kernel_wind(base)
    # output times: multiples of `every` and the horizon; steps no longer than step_s
    marks = sorted({*np.arange(ev, h, ev).round(9).tolist(), h})
    durations: list[float] = []
    out_index: list[int] = []
    prev = 0.0
    for m in marks:
        span = (m - prev) * 3600.0
        k = max(int(math.ceil(span / step_s - 1e-9)), 1)
        durations.extend([span / k] * k)
        out_index.append(len(durations) - 1)
        prev = m
    plane = _Plane(la, lo)
    max_edge = min(150e3, 0.25 * kw.cell_m) if math.isfinite(kw.cell_m) else 150e3
    if start_radius_m > 0.0:
        # the start is known to within a disc: start from its (circumscribed) polygon
        ang = np.linspace(0.0, 2.0 * math.pi, 48, endpoint=False)
        rr = start_radius_m / math.cos(math.pi / 48)
        verts = np.column_stack([rr * np.sin(ang), rr * np.cos(ang)])
    else:
        verts = np.zeros((1, 2))
    steps: list[tuple[float, Any]] = []
    t = t0
    for k, dur in enumerate(durations):
        vlon, vlat = plane.inverse(verts[:, 0], verts[:, 1])
        elat, elon, w = level_endpoints(kw, t, vlat, vlon, levels, dur, dt_max=min(dur, 1800.0))
        for msg in w:
            if msg not in warnings:
                warnings.append(msg)
        x, y = plane.forward(elon, elat)
        region = _step_region(np.stack([x, y], axis=-1))
        if sp > 0.0:
            region = _circumscribed(region, sp * dur, quad_segs=16)
        # simplification tolerance: tolerance_m, or 0.1 % of the region's mean half-width
        # when larger (the area it adds per step stays below ~0.1 %)
        tol = max(tolerance_m, 1e-3 * region.area / max(region.length, 1.0))
        region = _reduce(region, tol, max_edge)
        steps.append((dur, region))
        t += dur
        verts = np.asarray(region.exterior.coords)[:-1]
        if progress is not None:
            progress(k + 1, len(durations))
        reach = float(np.max(np.hypot(verts[:, 0], verts[:, 1])))
        if reach > _MAX_REACH_M:
            raise DomainError(
                f"the reachable region extends {reach / 1e3:.0f} km from the start after "
                f"{(t - t0) / 3600:.0f} h, beyond what one map plane represents; use fewer hours"
            )
    # wind error along the way, at the band's middle and the mean drift speed
    err = wind_error_for(
        base, time=t0, lat=la, lon=lo, alt=0.5 * (band_t[0] + band_t[1]), sigma=wind_sigma
    )
    uu, vv = base.uv(
        np.full(levels.size, t0), np.full(levels.size, la), np.full(levels.size, lo), levels
    )
    speed = float(np.mean(np.hypot(uu, vv)))
    lead_s = np.cumsum(durations)
    r90 = math.sqrt(_CHI2_2_90) * err.displacement_sigma(lead_s, speed)
    regions = []
    for i in out_index:
        poly = _circumscribed(steps[i][1], margin_m)
        ll = _to_lonlat(poly, plane)
        grown = _to_lonlat(_circumscribed(poly, float(r90[i]), quad_segs=8), plane)
        regions.append(
            ReachRegion(
                hours=float(lead_s[i] / 3600.0),
                time=t0 + float(lead_s[i]),
                geometry=_geojson(ll),
                area_km2=_geodesic_area_km2(ll),
                wind_margin_km=float(r90[i] / 1e3),
                geometry_wind90=_geojson(grown),
            )
        )
    site_out: list[SiteReach] = []
    if sites:
        passive = passive_overflight(
            t0, la, lo, sites, band=band_t, alt=alt, hours=h, wind=base, wind_sigma=wind_sigma,
            members=passive_members, seed=seed, start_sigma_m=start_radius_m / _R95,
        )  # fmt: skip
        first, first90 = _earliest(sites, steps, plane, t0, la, lo, margin_m, r90, start_radius_m)
        for i, (s, (p, ci)) in enumerate(zip(sites, passive, strict=True)):
            site_out.append(
                SiteReach(
                    name=s.name,
                    lat=s.lat,
                    lon=s.lon,
                    radius_m=s.radius,
                    earliest_time=first[i],
                    earliest_time_90=first90[i],
                    p_passive=p,
                    p_passive_90=ci,
                    passive_members=int(passive_members),
                    category=s.category,
                )
            )
    return ReachableSet(
        time=t0,
        lat=la,
        lon=lo,
        band=band_t,
        hours=h,
        airspeed=sp,
        step_s=float(max(durations)),
        levels=levels,
        regions=tuple(regions),
        sites=tuple(site_out),
        wind_source=meta.source,
        wind_error=err,
        margin_m=float(margin_m),
        warnings=tuple(warnings),
        elapsed_s=_time.perf_counter() - t_wall,
        _plane=plane,
        _steps=tuple(steps),
    )
