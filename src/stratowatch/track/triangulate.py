"""Position and altitude from angles: triangulation of ground sightings, conversion of radar plots.

Two or more azimuth/elevation sightings of one object from different places fix its position
and altitude: the weighted least-squares solution of the sensor equations of `sensor_angles`
(azimuth and elevation residuals divided by their sigmas), solved by Gauss-Newton
(`scipy.optimize.least_squares`) from the horizontal intersection of the azimuth rays, with the
covariance (J^T J)^-1 of the normalised Jacobian at the solution [BarShalom2001]_.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares

from ..errors import InputError
from .geometry import K_REFRACTION, R_EARTH, enu_offset, offset_latlon, sensor_angles
from .observations import Observations, make_observations

__all__ = ["Triangulation", "triangulate", "radar_to_position", "sightings_to_fixes"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Triangulation:
    """A triangulated point: lat, lon (deg), alt (m MSL), covariance (3, 3) of east/north/up
    (m^2) and the RMS of the normalised residuals."""

    lat: float
    lon: float
    alt: float
    cov: FloatArray
    rms: float

    @property
    def sigma_h(self) -> float:
        return float(math.sqrt(max(self.cov[0, 0], self.cov[1, 1])))

    @property
    def sigma_alt(self) -> float:
        return float(math.sqrt(self.cov[2, 2]))


def triangulate(
    s_lat: npt.ArrayLike,
    s_lon: npt.ArrayLike,
    s_alt: npt.ArrayLike,
    az: npt.ArrayLike,
    el: npt.ArrayLike,
    sigma: npt.ArrayLike,
) -> Triangulation:
    """Triangulate one object from >= 2 sightings (observer lat/lon deg, alt m; az/el/sigma rad).

    Raises `InputError` with fewer than two sightings or when all observers stand in one place.
    """
    la = np.atleast_1d(np.asarray(s_lat, dtype=np.float64))
    lo = np.atleast_1d(np.asarray(s_lon, dtype=np.float64))
    ha = np.broadcast_to(np.asarray(s_alt, dtype=np.float64), la.shape)
    a = np.broadcast_to(np.asarray(az, dtype=np.float64), la.shape)
    e_ = np.broadcast_to(np.asarray(el, dtype=np.float64), la.shape)
    sg = np.broadcast_to(np.asarray(sigma, dtype=np.float64), la.shape)
    if la.size < 2:
        raise InputError("triangulation needs at least two sightings", value=int(la.size))
    lat0, lon0 = float(la.mean()), float(lo.mean())
    pe, pn = enu_offset(lat0, lon0, la, lo)
    if float(np.max(np.hypot(pe - pe.mean(), pn - pn.mean()))) < 100.0:
        raise InputError(
            "sightings are all from one place: no baseline to triangulate",
            expected="observers at least 100 m apart",
        )
    # start: least-squares intersection of the horizontal rays
    ux, uy = np.sin(a), np.cos(a)
    A = np.zeros((2, 2))
    bvec = np.zeros(2)
    for x, y, dx, dy in zip(pe, pn, ux, uy, strict=True):
        proj = np.eye(2) - np.outer([dx, dy], [dx, dy])
        A += proj
        bvec += proj @ np.array([x, y])
    try:
        x0 = np.linalg.solve(A + 1e-9 * np.eye(2), bvec)
    except np.linalg.LinAlgError:
        x0 = np.array([pe.mean(), pn.mean()])
    dist = np.hypot(x0[0] - pe, x0[1] - pn)
    h0 = float(np.mean(ha + dist * np.tan(e_) + dist**2 / (2 * K_REFRACTION * R_EARTH)))

    def residuals(x: FloatArray) -> FloatArray:
        lat, lon = offset_latlon(lat0, lon0, x[0], x[1])
        paz, pel, _, _ = sensor_angles(la, lo, ha, lat, lon, x[2])
        daz = (a - paz + np.pi) % (2 * np.pi) - np.pi
        return np.concatenate([daz / sg, (e_ - pel) / sg])

    sol = least_squares(residuals, np.array([x0[0], x0[1], h0]), x_scale=[1e4, 1e4, 1e3])
    J = sol.jac
    try:
        cov = np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.diag([1e12, 1e12, 1e12])
    lat, lon = offset_latlon(lat0, lon0, sol.x[0], sol.x[1])
    rms = float(np.sqrt(np.mean(sol.fun**2)))
    return Triangulation(float(lat), float(lon), float(sol.x[2]), cov, rms)


def radar_to_position(
    s_lat: float, s_lon: float, s_alt: float, az: float, el: float, rng: float
) -> tuple[float, float, float]:
    """(lat, lon, alt) of a radar plot (az, el rad; range m): the exact inverse of
    `sensor_angles`: ground distance d = r cos(el), local up u = r sin(el),
    alt = sensor alt + u + d^2 / (2 k R)."""
    ground = rng * math.cos(el)
    alt = s_alt + rng * math.sin(el) + ground**2 / (2 * K_REFRACTION * R_EARTH)
    lat, lon = offset_latlon(s_lat, s_lon, ground * math.sin(az), ground * math.cos(az))
    return float(lat), float(lon), float(alt)


def sightings_to_fixes(
    obs: Observations, *, window: float = 120.0, max_sigma_h: float = 50_000.0
) -> Observations:
    """Replace groups of >= 2 sightings from different places within ``window`` seconds by one
    triangulated fix each (kind ``fix``, source ``triangulated``). Groups that cannot be
    triangulated well (sigma_h > ``max_sigma_h``) stay as sightings. Returns rows sorted."""
    s = obs.sorted()
    sight = np.flatnonzero(s.kind == "sighting")
    if sight.size < 2:
        return s
    drop: list[int] = []
    rows: list[dict[str, object]] = []
    start = 0
    while start < sight.size:
        stop = start + 1
        while stop < sight.size and s.time[sight[stop]] - s.time[sight[start]] <= window:
            stop += 1
        g = sight[start:stop]
        start = stop
        if g.size < 2:
            continue
        try:
            tri = triangulate(
                s.sensor_lat[g], s.sensor_lon[g], s.sensor_alt[g], s.az[g], s.el[g], s.sigma_ang[g]
            )
        except InputError:
            continue
        if not math.isfinite(tri.sigma_h) or tri.sigma_h > max_sigma_h:
            continue
        drop += g.tolist()
        rows.append(
            {
                "time": float(np.mean(s.time[g])),
                "time_sigma": float(np.ptp(s.time[g]) / 2.0),
                "lat": tri.lat,
                "lon": tri.lon,
                "alt": tri.alt,
                "sigma_h": tri.sigma_h,
                "sigma_alt": tri.sigma_alt,
                "kind": "fix",
                "source": "triangulated(" + "+".join(sorted(set(s.source[g].tolist()))) + ")",
                "text": f"triangulated from {g.size} sightings",
                "line": int(s.line[g[0]]),
                "path": str(s.path[g[0]]),
            }
        )
    if not rows:
        return s
    keep = np.ones(len(s), dtype=bool)
    keep[drop] = False
    return Observations.concat([s.take(keep), make_observations(rows)]).sorted()
