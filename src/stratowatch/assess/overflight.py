r"""Overflight: sites passed within their radius, and national borders crossed.

Sites: between consecutive positions each member is taken to move in a straight line in the
site's local tangent plane (`geo.local_xy`), so closest approach and time inside the radius are
exact for the segment, however coarse the path's time step:

.. math:: s^* = \mathrm{clip}(-\mathbf p_0\cdot\mathbf d / |\mathbf d|^2, 0, 1),\qquad
    |\mathbf p_0 + s\,\mathbf d| \le r \iff s \in [s_1, s_2]

with :math:`\mathbf p_0` the segment start relative to the site and :math:`\mathbf d` the
segment. The probability of overflight is the fraction of members that come within the radius.

Borders: each member's territory (land or 12-nmi territorial sea, `geo.territory_at`) is
sampled every ``step`` seconds; an entry is a change into a country. For each country entered,
``p`` is the fraction of members that enter it, and the time is the mean +- standard deviation
of their first entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from ..errors import InputError
from ..geo import EARTH_RADIUS, Site, country_name, local_xy, territory_at
from ..timeutil import iso
from .path import FlightPath

__all__ = ["SiteOverflight", "BorderCrossing", "site_overflight", "border_crossings"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SiteOverflight:
    """One site against the path: probability, closest approach, dwell (time within radius)."""

    site: Site
    probability: float
    min_distance: float  # m, over all members
    median_distance: float  # m, median over members of each member's closest approach
    time_closest: float  # epoch s, median over members
    dwell_mean: float  # s, mean over members of the time within the radius
    dwell_max: float  # s

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.site.name,
            "category": self.site.category,
            "radius_km": self.site.radius / 1000,
            "probability": round(self.probability, 4),
            "min_distance_km": round(self.min_distance / 1000, 2),
            "median_distance_km": round(self.median_distance / 1000, 2),
            "time_closest": iso(self.time_closest),
            "dwell_mean_min": round(self.dwell_mean / 60, 1),
            "dwell_max_min": round(self.dwell_max / 60, 1),
        }


@dataclass(frozen=True)
class BorderCrossing:
    """Entry into a country's territory (land or territorial sea)."""

    iso: str
    name: str
    probability: float
    time_mean: float  # epoch s
    time_std: float  # s
    time_first: float  # epoch s, earliest member
    reentry: bool = False  # entering a country the path was in before

    def statement(self) -> str:
        hours = self.time_std / 3600
        verb = "re-enters" if self.reentry else "enters"
        return (
            f"{verb} {self.name} {iso(self.time_mean)[:16]}Z +- {hours:.0f} h, "
            f"p = {self.probability:.2f}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "country": self.iso,
            "name": self.name,
            "probability": round(self.probability, 4),
            "time": iso(self.time_mean),
            "time_std_h": round(self.time_std / 3600, 2),
            "time_first": iso(self.time_first),
            "reentry": self.reentry,
            "statement": self.statement(),
        }


# Spherical azimuthal-equidistant coordinates stand in for the exact (WGS84) ones only to choose
# which segments can matter: a point's spherical position differs from its exact one by less
# than ~0.9 % of its distance from the site (distance within ~0.5 %, azimuth within ~0.2 deg,
# f = 1/298); the bound taken is twice that plus 1 km, and points beyond 10,000 km (near the
# antipode, where azimuths are ill-conditioned) always count.
_SPHERE_REL = 0.02
_SPHERE_ABS = 1000.0  # m
_SPHERE_FAR = 1.0e7  # m
_EARTH_RADIUS = EARTH_RADIUS


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Points as unit vectors (x, y, z arrays) on the sphere, geodetic latitude taken as
    spherical."""
    p, lam = np.radians(lat), np.radians(lon)
    cp = np.cos(p)
    return (
        np.ascontiguousarray(cp * np.cos(lam)),
        np.ascontiguousarray(cp * np.sin(lam)),
        np.ascontiguousarray(np.sin(p)),
    )


def _local_basis(lat0: float, lon0: float) -> FloatArray:
    """Rows: the east, north and up unit vectors at (lat0, lon0)."""
    p0, l0 = np.radians(lat0), np.radians(lon0)
    return np.array(
        [
            [-np.sin(l0), np.cos(l0), 0.0],
            [-np.sin(p0) * np.cos(l0), -np.sin(p0) * np.sin(l0), np.cos(p0)],
            [np.cos(p0) * np.cos(l0), np.cos(p0) * np.sin(l0), np.sin(p0)],
        ]
    )


def _sphere_xy(
    unit: tuple[FloatArray, FloatArray, FloatArray], lat0: float, lon0: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Spherical azimuthal-equidistant east/north (m) about (lat0, lon0) of points given as unit
    vectors (`_unit_vectors`), and the bound (m) on their distance from the exact WGS84
    coordinates of `geo.local_xy` (inf where not bounded). The reference of `_candidates`."""
    (e, n, u) = (b[0] * unit[0] + b[1] * unit[1] + b[2] * unit[2] for b in _local_basis(lat0, lon0))
    h = np.hypot(e, n)
    s = EARTH_RADIUS * np.arctan2(h, u)  # great-circle distance
    scale = np.divide(s, h, out=np.zeros_like(s), where=h > 0)
    bound = np.where(s < _SPHERE_FAR, _SPHERE_REL * s + _SPHERE_ABS, np.inf)
    return e * scale, n * scale, bound


@njit(
    "b1[:, ::1](f8[:, ::1], f8[:, ::1], f8[:, ::1], f8[:, ::1], f8)",
    cache=True,
    nogil=True,
)
def _candidates(
    ux: FloatArray, uy: FloatArray, uz: FloatArray, basis: FloatArray, radius: float
) -> npt.NDArray[np.bool_]:  # pragma: no cover - compiled
    """(members, segments) True where a segment may hold the member's closest approach to the
    site or come within ``radius``: its spherical distance less the error bound is at most the
    member's smallest spherical distance plus bound, or at most the radius (NaN: True)."""
    nm, nt = ux.shape
    out = np.ones((nm, max(nt - 1, 0)), dtype=np.bool_)
    x = np.empty(nt)
    y = np.empty(nt)
    bd = np.empty(nt)
    lo = np.empty(max(nt - 1, 0))
    for i in range(nm):
        for j in range(nt):
            e = basis[0, 0] * ux[i, j] + basis[0, 1] * uy[i, j] + basis[0, 2] * uz[i, j]
            n = basis[1, 0] * ux[i, j] + basis[1, 1] * uy[i, j] + basis[1, 2] * uz[i, j]
            u = basis[2, 0] * ux[i, j] + basis[2, 1] * uy[i, j] + basis[2, 2] * uz[i, j]
            h = np.hypot(e, n)
            s = _EARTH_RADIUS * np.arctan2(h, u)
            sc = s / h if h > 0 else 0.0
            x[j] = e * sc
            y[j] = n * sc
            bd[j] = _SPHERE_REL * s + _SPHERE_ABS if s < _SPHERE_FAR else np.inf
        best = np.inf
        for j in range(nt - 1):
            dx = x[j + 1] - x[j]
            dy = y[j + 1] - y[j]
            dd = dx * dx + dy * dy
            t = -(x[j] * dx + y[j] * dy) / dd if dd > 0 else 0.0
            t = min(max(t, 0.0), 1.0)
            d = np.hypot(x[j] + t * dx, y[j] + t * dy)
            slack = max(bd[j], bd[j + 1])
            lo[j] = d - slack
            if d + slack < best:
                best = d + slack
        for j in range(nt - 1):
            if lo[j] > best and lo[j] > radius:
                out[i, j] = False
    return out


def _segment_geometry(
    x0: FloatArray, y0: FloatArray, x1: FloatArray, y1: FloatArray, radius: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per segment from (x0, y0) to (x1, y1) about the site: the closest-approach parameter
    ``s``, the closest distance, and the share of the segment inside ``radius`` (the formulas
    of the module docstring)."""
    dx, dy = x1 - x0, y1 - y0
    dd = dx * dx + dy * dy
    safe = np.where(dd > 0, dd, 1.0)
    s = np.clip(-(x0 * dx + y0 * dy) / safe, 0.0, 1.0)
    s = np.where(dd > 0, s, 0.0)
    dist = np.hypot(x0 + s * dx, y0 + s * dy)
    # time inside: roots of |p0 + s d|^2 = r^2
    b = x0 * dx + y0 * dy
    c = x0 * x0 + y0 * y0 - radius**2
    disc = b * b - dd * c
    root = np.sqrt(np.maximum(disc, 0.0))
    s1 = np.clip((-b - root) / safe, 0.0, 1.0)
    s2 = np.clip((-b + root) / safe, 0.0, 1.0)
    inside_moving = np.where(disc > 0, s2 - s1, 0.0)
    inside = np.where(dd > 0, inside_moving, (c <= 0).astype(np.float64))
    return s, dist, inside


def _closest(
    path: FlightPath, s: FloatArray, dist: FloatArray, inside: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each member's closest distance, its time, and its time inside (segments: axis 1)."""
    k = np.argmin(dist, axis=1)
    rows = np.arange(dist.shape[0])
    dt = np.diff(path.times)
    t_close = path.times[k] + s[rows, k] * dt[k]
    dwell = (inside * dt).sum(axis=1)
    return dist[rows, k], t_close, dwell


def _site_segments(
    path: FlightPath, site: Site, unit: tuple[FloatArray, FloatArray, FloatArray] | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per member: closest distance (m), its time, and time within the radius (s).

    The exact (WGS84 azimuthal-equidistant) coordinates are computed only at the ends of the
    segments that can hold a member's closest approach or touch the radius: those whose
    spherical distance, less its error bound, is within the member's smallest spherical
    distance plus bound, or within the radius. Every other segment is farther than the
    closest one and entirely outside the radius, so the result is the same as with every
    segment computed exactly (`tests/assess/test_overflight.py` compares both)."""
    if path.times.size == 1:
        x, y = local_xy(path.lat, path.lon, site.lat, site.lon)
        d = np.hypot(x[:, 0], y[:, 0])
        return d, np.full(d.shape, path.times[0]), np.zeros(d.shape)
    if unit is None:
        unit = _unit_vectors(path.lat, path.lon)
    cand = _candidates(*unit, _local_basis(site.lat, site.lon), float(site.radius))
    need = np.zeros(path.lat.shape, dtype=bool)
    need[:, :-1] |= cand
    need[:, 1:] |= cand
    x = np.zeros(path.lat.shape)
    y = np.zeros(path.lat.shape)
    x[need], y[need] = local_xy(path.lat[need], path.lon[need], site.lat, site.lon)
    m, j = np.nonzero(cand)
    sc, dc, ic = _segment_geometry(x[m, j], y[m, j], x[m, j + 1], y[m, j + 1], site.radius)
    s = np.zeros(cand.shape)
    dist = np.full(cand.shape, np.inf)
    inside = np.zeros(cand.shape)
    s[m, j], dist[m, j], inside[m, j] = sc, dc, ic
    return _closest(path, s, dist, inside)


def _site_segments_exact(path: FlightPath, site: Site) -> tuple[FloatArray, FloatArray, FloatArray]:
    """`_site_segments` with every point in exact coordinates (the reference of the tests)."""
    x, y = local_xy(path.lat, path.lon, site.lat, site.lon)
    if path.times.size == 1:
        d = np.hypot(x[:, 0], y[:, 0])
        return d, np.full(d.shape, path.times[0]), np.zeros(d.shape)
    s, dist, inside = _segment_geometry(x[:, :-1], y[:, :-1], x[:, 1:], y[:, 1:], site.radius)
    return _closest(path, s, dist, inside)


def site_overflight(path: FlightPath, sites: list[Site]) -> list[SiteOverflight]:
    """Each site's overflight probability, closest approach and dwell, most likely first."""
    out = []
    unit = _unit_vectors(path.lat, path.lon)
    for site in sites:  # per site, vectorized over members and segments
        dmin, tmin, dwell = _site_segments(path, site, unit)
        out.append(
            SiteOverflight(
                site=site,
                probability=float(np.mean(dmin <= site.radius)),
                min_distance=float(dmin.min()),
                median_distance=float(np.median(dmin)),
                time_closest=float(np.median(tmin)),
                dwell_mean=float(dwell.mean()),
                dwell_max=float(dwell.max()),
            )
        )
    out.sort(key=lambda o: (-o.probability, o.min_distance))
    return out


def border_crossings(path: FlightPath, *, step: float = 600.0) -> tuple[str, list[BorderCrossing]]:
    """(territory at the start of the most members, entries into countries by time).

    ``step``: sampling interval of the path, s (territories are looked up at each sample)."""
    if not step > 0:
        raise InputError("step must be positive", field="step", value=step, expected="> 0 s")
    t0, t1 = float(path.times[0]), float(path.times[-1])
    times = np.arange(t0, t1 + 0.5 * step, step) if t1 > t0 else np.array([t0])
    p = path.resample(np.minimum(times, t1))
    terr = territory_at(p.lat, p.lon)  # (members, nt)
    start_codes, counts = np.unique(terr[:, 0], return_counts=True)
    start = str(start_codes[np.argmax(counts)])
    # the k-th entry of each member into a country is one event (leave and re-enter: two)
    entries: dict[tuple[str, int], list[float]] = {}
    nth: dict[tuple[int, str], int] = {}
    # a stretch of international water between two visits of one country (island hopping,
    # a bay) is no border crossing: carry the last territory across it
    nt = terr.shape[1]
    idx = np.where(terr != "", np.arange(nt)[None, :], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    held = np.take_along_axis(terr, idx, axis=1)
    held = np.where((idx == 0) & (terr[:, :1] == ""), "", held)
    changed = held[:, 1:] != held[:, :-1]
    m_idx, t_idx = np.nonzero(changed)
    for m, k in zip(m_idx, t_idx + 1, strict=True):  # one record per (member, change)
        code = str(held[m, k])
        if not code:
            continue
        n = nth.get((int(m), code), 0)
        nth[(int(m), code)] = n + 1
        seen = entries.setdefault((code, n), [float("nan")] * path.members)
        seen[m] = float(p.times[k])
    out = []
    for (code, n), first in entries.items():
        f = np.array(first)
        ok = np.isfinite(f)
        out.append(
            BorderCrossing(
                iso=code,
                name=country_name(code),
                probability=float(ok.mean()),
                time_mean=float(f[ok].mean()),
                time_std=float(f[ok].std()),
                time_first=float(f[ok].min()),
                reentry=n > 0 or code == start,
            )
        )
    out.sort(key=lambda c: c.time_mean)
    return start, out
