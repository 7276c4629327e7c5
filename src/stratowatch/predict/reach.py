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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer
from scipy.special import betaincinv, erf
from shapely.geometry.polygon import orient

from ..atmosphere.perturb import PerturbedWind
from ..atmosphere.uncertainty import uncertainty_of
from ..atmosphere.wind import WindField
from ..errors import ConfigError, DomainError, InputError
from ..flight.integrate import integrate
from ..flight.models import Float, Stage
from ..flight.windargs import KernelWind, kernel_wind, resolve_wind
from ..geo.geodesy import haversine, offset_m
from ..geo.sites import Site
from ..timeutil import iso, to_epoch
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
_GEOD = Geod(ellps="WGS84")
_CHI2_2_90 = -2.0 * math.log(0.1)  # chi-square, 2 dof, 90 %
_R95 = math.sqrt(-2.0 * math.log(0.05))  # 95 % radius / sigma of a circular normal (2.448)
_MAX_REACH_M = 15_000e3  # beyond this from the start the plane no longer represents the set


# --------------------------------------------------------------------------- wind error
@dataclass(frozen=True)
class WindError:
    """A wind source's error as seen by a drifting balloon.

    sigma : m/s, RMS error of each wind component; length_m, time_s : its Gaussian
    correlation scales in space (m) and time (s); basis : where the numbers come from.
    """

    sigma: float
    length_m: float
    time_s: float
    basis: str

    def lagrangian_time(self, speed: float) -> float:
        r"""Correlation time (s) of the error along a path at ``speed`` (m/s):
        :math:`T_L = (T^{-2} + (U/L)^{-2})^{-1/2}` for the Gaussian space-time covariance of
        `atmosphere.perturb`."""
        u = max(float(speed), 0.0)
        return 1.0 / math.sqrt(1.0 / self.time_s**2 + (u / self.length_m) ** 2)

    def displacement_sigma(self, duration_s: npt.ArrayLike, speed: float) -> FloatArray:
        r"""RMS position error (m, per component) after ``duration_s`` of drift with this wind
        error: :math:`\sigma^2 \int_0^\Delta\!\int_0^\Delta e^{-(t-t')^2/2T_L^2} dt\,dt' =
        2\sigma^2 T_L^2 [\frac{\Delta}{T_L}\sqrt{\pi/2}\,\mathrm{erf}(\frac{\Delta}{\sqrt 2
        T_L}) + e^{-\Delta^2/2T_L^2} - 1]` [Stohl1998]_."""
        d = np.abs(np.asarray(duration_s, dtype=np.float64))
        tl = self.lagrangian_time(speed)
        x = d / tl
        var = (
            2.0
            * self.sigma**2
            * tl**2
            * (x * math.sqrt(math.pi / 2.0) * erf(x / math.sqrt(2.0)) + np.exp(-0.5 * x * x) - 1.0)
        )
        return np.asarray(np.sqrt(np.maximum(var, 0.0)))

    def describe(self) -> dict[str, Any]:
        return {
            "sigma_m_s": round(self.sigma, 3),
            "length_km": round(self.length_m / 1e3, 1),
            "time_h": round(self.time_s / 3600.0, 2),
            "basis": self.basis,
        }


def wind_error_for(
    wind: WindField,
    *,
    time: float,
    lat: float,
    lon: float,
    alt: float,
    sigma: float | None = None,
) -> WindError:
    """The wind error a drifting balloon sees at (time, lat, lon, alt) with ``wind``.

    The source's own error model (`atmosphere.uncertainty.uncertainty_of`: measured for the
    climatology, growing with lead for forecasts, with distance and time for soundings; a
    `PerturbedWind`'s own), as the RMS of its u and v sigmas at the point, with its
    correlation scales; an explicit ``sigma`` (m/s per component) replaces the sigma and keeps
    the scales.
    """
    model = wind.uncertainty if isinstance(wind, PerturbedWind) else uncertainty_of(wind)
    if sigma is not None:
        s = float(sigma)
        if not (math.isfinite(s) and s >= 0.0):
            raise ConfigError(f"wind sigma must be a finite number >= 0 m/s, got {sigma!r}")
        return WindError(s, model.length_m, model.time_s, f"given: {s:g} m/s per component")
    su, sv = model.sigma(time, lat, lon, alt)
    s = math.sqrt(0.5 * (float(su) ** 2 + float(sv) ** 2))
    return WindError(s, float(model.length_m), float(model.time_s), str(model.basis))


# --------------------------------------------------------------------------- levels, flows
def altitude_levels(band: Sequence[float], *, dz: float = 500.0) -> FloatArray:
    """Altitudes (m) spanning ``band`` = (low, high) every ``dz`` m at most, ends included."""
    if len(band) != 2:
        raise ConfigError(f"an altitude band is (low, high) in metres, got {band!r}")
    lo, hi = (float(b) for b in band)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0.0 or hi > 60_000.0 or hi < lo:
        raise ConfigError(
            f"altitude band {lo:g}..{hi:g} m is not a band: expected 0 <= low <= high <= 60000 m"
        )
    if not (math.isfinite(dz) and dz > 0.0):
        raise ConfigError(f"level spacing dz must be > 0 m, got {dz!r}")
    n = max(int(math.ceil((hi - lo) / dz - 1e-9)), 0) + 1
    return np.linspace(lo, hi, n) if n > 1 else np.array([lo])


@contextmanager
def _kernel_threads(work: float) -> Iterator[None]:
    """Run small integrations on one thread: waking the thread pool costs ~10 ms on a loaded
    machine, more than a few thousand member-steps take (docs/reachability.md)."""
    n0 = numba.get_num_threads()
    if work < 300_000 and n0 > 1:
        numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(n0)
    else:
        yield


def level_endpoints(
    wind: KernelWind,
    time: float,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    levels: FloatArray,
    duration: float,
    *,
    dt_max: float = 1800.0,
    backward: bool = False,
) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """Where points (lat, lon) drift in ``duration`` s at each constant altitude of ``levels``.

    Runs the compiled integrator (`flight.integrate`) with one float member per point and
    level. Returns end latitude and longitude, each (n, len(levels)), and the run's warnings.
    """
    la = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lo = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    n = la.size
    nl = levels.size
    with _kernel_threads(n * nl * max(duration / dt_max, 1.0)):
        r = integrate(
            [Stage(Float(), dt_max=dt_max)],
            wind,
            float(time),
            np.repeat(la, nl),
            np.repeat(lo, nl),
            np.tile(levels, n),
            duration=float(duration),
            backward=backward,
            keep_paths=False,
        )
    return r.end_lat.reshape(n, nl), wrap180(r.end_lon).reshape(n, nl), r.warnings


# --------------------------------------------------------------------------- the plane
class _Plane:
    """Azimuthal equidistant plane (WGS84) centred on the start [Snyder1987]_."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = lat0
        self.lon0 = lon0
        self._t = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +datum=WGS84 +units=m",
            always_xy=True,
        )

    def forward(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        x, y = self._t.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def inverse(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        lon, lat = self._t.transform(
            np.asarray(x, float), np.asarray(y, float), direction="INVERSE"
        )
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _circumscribed(poly: Any, d: float, quad_segs: int = 4) -> Any:
    """``poly`` grown by at least ``d`` m everywhere (shapely's round joins are inscribed
    polygons; growing by d / cos(pi / 4q) puts their edges outside the true circle)."""
    if d <= 0.0:
        return poly
    return poly.buffer(d / math.cos(math.pi / (4 * quad_segs)), quad_segs=quad_segs)


def _filled(geom: Any) -> Any:
    """One polygon without holes that contains ``geom`` (holes filled; separate parts, which
    the union of a closed chain of edge hulls does not produce, joined by their hull)."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        return shapely.Polygon()
    if len(polys) == 1:
        return shapely.Polygon(polys[0].exterior)
    merged = shapely.union_all([shapely.Polygon(p.exterior) for p in polys])
    if merged.geom_type == "Polygon":
        return shapely.Polygon(merged.exterior)
    return merged.convex_hull


def _step_region(points: FloatArray) -> Any:
    """The filled union of the edge hulls of the boundary images (see module notes).

    points : (n, L, 2) plane coordinates of every boundary vertex's image at every level."""
    n, nl, _ = points.shape
    if n == 1:
        hull = shapely.MultiPoint(points[0]).convex_hull
        return _circumscribed(hull, 1.0)
    pairs = np.concatenate([points, np.roll(points, -1, axis=0)], axis=1).reshape(-1, 2)
    # hull of each edge's 2L points (built as line strings: no per-point geometry objects)
    hulls = shapely.convex_hull(shapely.linestrings(pairs, indices=np.repeat(np.arange(n), 2 * nl)))
    # a degenerate hull (a point or a segment: all levels with the same wind) has no area
    hulls = _circumscribed_array(hulls, 1.0)
    return _filled(shapely.union_all(hulls))


def _circumscribed_array(geoms: Any, d: float) -> Any:
    return shapely.buffer(geoms, d / math.cos(math.pi / 8.0), quad_segs=2)


def _reduce(poly: Any, tol: float, max_edge: float) -> Any:
    """Fewer vertices, still an outer bound: simplify by ``tol``, grow back by ``tol`` (the
    simplified boundary is within tol of the original), fill, then split edges longer than
    ``max_edge`` so the next step samples the wind along them."""
    simple = shapely.simplify(poly, tol, preserve_topology=True)
    grown = _filled(_circumscribed(simple, tol, quad_segs=2))
    return shapely.segmentize(grown, max_edge)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ReachRegion:
    """The reachable region at one lead time.

    hours : lead time (h); time : epoch s; geometry : GeoJSON Polygon or MultiPolygon
    ([lon, lat], counter-clockwise exteriors, split at the antimeridian) with the nominal
    wind; area_km2 : its area on the WGS84 ellipsoid; wind_margin_km : the 90 % radius of the
    wind-error displacement at this lead; geometry_wind90 : the region grown by it.
    """

    hours: float
    time: float
    geometry: dict[str, Any]
    area_km2: float
    wind_margin_km: float
    geometry_wind90: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        return {
            "hours": round(self.hours, 4),
            "time": iso(self.time),
            "geometry": self.geometry,
            "area_km2": round(self.area_km2, 1),
            "wind_margin_km": round(self.wind_margin_km, 1),
            "geometry_wind90": self.geometry_wind90,
        }


@dataclass(frozen=True)
class SiteReach:
    """How soon a steering balloon could be over a site, and how likely it gets there passively.

    earliest_time : epoch s when the reachable region (nominal wind) first comes within the
    site's radius (None: not within the horizon); earliest_time_90 : the same for the region
    grown by the wind margin (at 90 % confidence it cannot be there sooner); p_passive :
    probability that a passive balloon (one altitude) passes within the radius before the
    horizon, with its 90 % sampling interval p_passive_90; passive_members : ensemble size.
    """

    name: str
    lat: float
    lon: float
    radius_m: float
    earliest_time: float | None
    earliest_time_90: float | None
    p_passive: float
    p_passive_90: tuple[float, float]
    passive_members: int
    category: str = ""

    def describe(self, t0: float) -> dict[str, Any]:
        def _t(x: float | None) -> str | None:
            return None if x is None else iso(x)

        def _h(x: float | None) -> float | None:
            return None if x is None else round((x - t0) / 3600.0, 2)

        return {
            "name": self.name,
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "radius_km": round(self.radius_m / 1e3, 3),
            "earliest_time": _t(self.earliest_time),
            "earliest_hours": _h(self.earliest_time),
            "earliest_time_90": _t(self.earliest_time_90),
            "earliest_hours_90": _h(self.earliest_time_90),
            "p_passive": round(self.p_passive, 4),
            "p_passive_90": [round(self.p_passive_90[0], 4), round(self.p_passive_90[1], 4)],
            "passive_members": self.passive_members,
        }


@dataclass(frozen=True, eq=False)
class ReachableSet:
    """The result of `reachable_set` (see its parameters); ``regions`` at the output lead
    times, ``sites`` in input order; ``step_s`` the propagation step; ``wind_error`` the
    error model used for the wind margins and passive members; ``elapsed_s`` wall time."""

    time: float
    lat: float
    lon: float
    band: tuple[float, float]
    hours: float
    airspeed: float
    step_s: float
    levels: FloatArray
    regions: tuple[ReachRegion, ...]
    sites: tuple[SiteReach, ...]
    wind_source: str
    wind_error: WindError
    margin_m: float
    warnings: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    _plane: Any = field(default=None, repr=False)
    _steps: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def step_hours(self) -> FloatArray:
        """Lead times (h) of the propagation steps (`contains` answers at these)."""
        return np.asarray(np.cumsum([d for d, _ in self._steps]) / 3600.0)

    def polygon_at(self, hours: float) -> Any:
        """The region (shapely polygon on the start-centred azimuthal equidistant plane, m) at
        the propagation step whose lead time is ``hours``, grown by the output margin."""
        lead = self.step_hours
        k = int(np.argmin(np.abs(lead - hours)))
        if abs(lead[k] - hours) > 1e-6:
            raise ConfigError(
                f"no propagation step at {hours:g} h; steps are every {self.step_s / 3600:g} h"
            )
        return _circumscribed(self._steps[k][1], self.margin_m)

    def contains(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, hours: float
    ) -> npt.NDArray[np.bool_]:
        """Whether points (degrees) lie in the reachable region at lead time ``hours`` (a
        multiple of the step)."""
        poly = self.polygon_at(hours)
        x, y = self._plane.forward(lon, lat)
        return np.asarray(shapely.contains_xy(poly, x, y))

    def area_km2_at(self, hours: float) -> float:
        """Area (km2, WGS84) of the region at a propagation step."""
        return _geodesic_area_km2(_to_lonlat(self.polygon_at(hours), self._plane))

    def to_features(self, *, wind90: bool = True) -> dict[str, Any]:
        """GeoJSON FeatureCollection for `io.export.write_features` and the report map:
        layer ``reach`` (one polygon per lead time, ``time``, ``hours``), ``reach_wind90``
        (grown by the wind margin), ``reach_start`` and ``reach_sites`` (points with their
        earliest times and p_passive)."""
        feats: list[dict[str, Any]] = []
        n = max(len(self.regions), 1)
        for i, r in enumerate(self.regions):
            shade = 0.15 + 0.35 * (1.0 - i / n)
            props = {
                "layer": "reach",
                "name": f"reachable in {r.hours:g} h",
                "time": iso(r.time),
                "hours": round(r.hours, 4),
                "area_km2": round(r.area_km2, 1),
                "band_m": list(self.band),
                "airspeed_m_s": self.airspeed,
                "style": {"color": "#9467bd", "opacity": round(shade, 3), "width": 1},
            }
            feats.append({"type": "Feature", "geometry": r.geometry, "properties": props})
            if wind90:
                feats.append(
                    {
                        "type": "Feature",
                        "geometry": r.geometry_wind90,
                        "properties": {
                            "layer": "reach_wind90",
                            "name": f"reachable in {r.hours:g} h, wind uncertainty (90 %)",
                            "time": iso(r.time),
                            "hours": round(r.hours, 4),
                            "wind_margin_km": round(r.wind_margin_km, 1),
                            "style": {"color": "#c5b0d5", "opacity": 0.1, "width": 1},
                        },
                    }
                )
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(self.lon, 6), round(self.lat, 6)],
                },
                "properties": {"layer": "reach_start", "name": "start", "time": iso(self.time)},
            }
        )
        for s in self.sites:
            d = s.describe(self.time)
            props = {"layer": "reach_sites", "name": s.name, **{k: v for k, v in d.items()
                     if k not in ("name", "lat", "lon")}}  # fmt: skip
            if s.earliest_time is not None:
                props["time"] = iso(s.earliest_time)
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(s.lon, 6), round(s.lat, 6)],
                    },
                    "properties": props,
                }
            )
        return {
            "type": "FeatureCollection",
            "features": feats,
            "properties": {"wind": self.wind_source, "warnings": list(self.warnings)},
        }

    def summary(self) -> dict[str, Any]:
        """The CLI's ``--json`` object: ``regions: [{hours, geometry, ...}]`` and ``sites:
        [{name, earliest_time, p_passive, ...}]``."""
        return {
            "start": {"time": iso(self.time), "lat": self.lat, "lon": self.lon},
            "band_m": [self.band[0], self.band[1]],
            "levels": len(self.levels),
            "hours": self.hours,
            "airspeed_m_s": self.airspeed,
            "step_h": round(self.step_s / 3600.0, 4),
            "wind": self.wind_source,
            "wind_error": self.wind_error.describe(),
            "regions": [r.describe() for r in self.regions],
            "sites": [s.describe(self.time) for s in self.sites],
            "warnings": list(self.warnings),
            "elapsed_s": round(self.elapsed_s, 3),
        }


# --------------------------------------------------------------------------- lon/lat output
def _to_lonlat(poly: Any, plane: _Plane, *, max_edge_m: float = 20_000.0) -> Any:
    """The plane polygon as a lon/lat shapely geometry, split at the antimeridian (RFC 7946
    section 3.1.9), exteriors counter-clockwise; a region around a pole is closed along the
    pole's latitude."""
    if poly.is_empty:
        return poly
    ring = np.asarray(shapely.segmentize(poly, max_edge_m).exterior.coords)
    lon, lat = plane.inverse(ring[:, 0], ring[:, 1])
    lon_u = np.degrees(np.unwrap(np.radians(lon)))
    turns = int(round((lon_u[-1] - lon_u[0]) / 360.0))
    if turns != 0:
        # the ring winds around a pole: close it along that pole
        px, py = plane.forward([0.0], [90.0])
        pole = 90.0 if shapely.contains_xy(poly, float(px[0]), float(py[0])) else -90.0
        coords = np.column_stack([lon_u, lat])
        shape = shapely.Polygon(np.vstack([coords, [[lon_u[-1], pole], [lon_u[0], pole]]]))
    else:
        shape = shapely.Polygon(np.column_stack([lon_u, lat]))
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    x0, _, x1, _ = shape.bounds
    parts = []
    for k in range(
        int(math.floor((x0 + 180.0) / 360.0)), int(math.floor((x1 + 180.0) / 360.0)) + 1
    ):
        window = shapely.box(-180.0 + 360.0 * k, -90.0, 180.0 + 360.0 * k, 90.0)
        piece = shapely.intersection(shape, window)
        if not piece.is_empty:
            parts.append(_shift(piece, -360.0 * k))
    if not parts:
        return shapely.Polygon()
    # pieces of a polar cap meet along the meridian where the ring was closed: merge them;
    # pieces on either side of the antimeridian stay apart (at -180 and +180)
    merged = shapely.union_all([shapely.set_precision(g, 1e-7) for g in parts])
    polys = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon" and p.area > 0]
    if not polys:
        return shapely.Polygon()
    return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]


def _shift(geom: Any, dx: float) -> Any:
    return shapely.transform(geom, lambda c: c + np.array([dx, 0.0]))


def _geodesic_area_km2(geom: Any) -> float:
    if geom.is_empty:
        return 0.0
    total = 0.0
    for p in shapely.get_parts(geom):
        a, _ = _GEOD.geometry_area_perimeter(p)
        total += abs(a)
    return total / 1e6


def _geojson(geom: Any, *, digits: int = 5) -> dict[str, Any]:
    """RFC 7946 geometry: CCW exteriors (clockwise holes), rounded, valid."""
    if geom.is_empty:
        return {"type": "Polygon", "coordinates": []}
    polys = [orient(p, sign=1.0) for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]

    def ring(r: Any) -> list[list[float]]:
        c = np.round(np.asarray(r.coords), digits)
        # rounding may repeat a vertex; drop consecutive repeats (keep the closing one)
        keep = np.ones(len(c), dtype=bool)
        keep[1:] = np.any(c[1:] != c[:-1], axis=1)
        c = c[keep]
        if not np.array_equal(c[0], c[-1]):
            c = np.vstack([c, c[:1]])
        out: list[list[float]] = c.tolist()
        return out

    coords = [[ring(p.exterior), *[ring(h) for h in p.interiors]] for p in polys]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


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
    time: Any,
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
    time: Any,
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
