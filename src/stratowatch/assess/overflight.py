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

from ..errors import InputError
from ..geo import Site, country_name, local_xy, territory_at
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


def _site_segments(path: FlightPath, site: Site) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per member: closest distance (m), its time, and time within the radius (s)."""
    x, y = local_xy(path.lat, path.lon, site.lat, site.lon)
    if path.times.size == 1:
        d = np.hypot(x[:, 0], y[:, 0])
        return d, np.full(d.shape, path.times[0]), np.zeros(d.shape)
    x0, y0 = x[:, :-1], y[:, :-1]
    dx, dy = np.diff(x, axis=1), np.diff(y, axis=1)
    dd = dx * dx + dy * dy
    safe = np.where(dd > 0, dd, 1.0)
    s = np.clip(-(x0 * dx + y0 * dy) / safe, 0.0, 1.0)
    s = np.where(dd > 0, s, 0.0)
    dist = np.hypot(x0 + s * dx, y0 + s * dy)
    k = np.argmin(dist, axis=1)
    rows = np.arange(dist.shape[0])
    dt = np.diff(path.times)
    t_close = path.times[k] + s[rows, k] * dt[k]
    # time inside: roots of |p0 + s d|^2 = r^2
    b = x0 * dx + y0 * dy
    c = x0 * x0 + y0 * y0 - site.radius**2
    disc = b * b - dd * c
    root = np.sqrt(np.maximum(disc, 0.0))
    s1 = np.clip((-b - root) / safe, 0.0, 1.0)
    s2 = np.clip((-b + root) / safe, 0.0, 1.0)
    inside_moving = np.where(disc > 0, s2 - s1, 0.0)
    inside = np.where(dd > 0, inside_moving, (c <= 0).astype(np.float64))
    dwell = (inside * dt).sum(axis=1)
    return dist[rows, k], t_close, dwell


def site_overflight(path: FlightPath, sites: list[Site]) -> list[SiteOverflight]:
    """Each site's overflight probability, closest approach and dwell, most likely first."""
    out = []
    for site in sites:  # per site, vectorized over members and segments
        dmin, tmin, dwell = _site_segments(path, site)
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
