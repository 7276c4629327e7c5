"""The wind protocol, the compiled wind grid every gridded source reduces to, and calm air.

Every source (GFS/ERA5 files, soundings, the embedded climatology, calm, perturbed ensembles)
answers ``uv(t, lat, lon, alt)`` for arrays of epoch seconds (UTC), degrees and metres above mean
sea level, returning eastward and northward wind (m/s). Gridded sources, soundings and the
climatology all reduce to one `WindGrid` (regular lat/lon, levels with their own height per
column, times), interpolated by one compiled kernel (`interp_grid`), which the integrators also
call from inside their own compiled loops.

Interpolation (as in Tawhiri and HYSPLIT): linear in time, bilinear in latitude and longitude of
each level's height and wind, then linear in height between the two levels that bracket the
altitude in that interpolated column. Below the lowest level the lowest level's wind is used;
above the highest, the highest's, and the point is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from ..errors import DomainError, InputError
from ..timeutil import iso
from .uncertainty import WindUncertainty, constant_uncertainty, sounding_uncertainty

__all__ = [
    "WindMeta",
    "WindField",
    "WindGrid",
    "GriddedWind",
    "CalmWind",
    "FLAG_OK",
    "FLAG_ABOVE",
    "FLAG_BELOW",
    "FLAG_TIME",
    "FLAG_REGION",
    "interp_grid",
    "interp_point",
    "interp_point_k",
    "check_points",
    "profile_wind",
    "wind_times",
]

FloatArray = npt.NDArray[np.float64]

FLAG_OK = 0
FLAG_ABOVE = 1  # above the highest level (highest level's wind used)
FLAG_BELOW = 2  # below the lowest level (lowest level's wind used); normal near the ground
FLAG_TIME = 4  # outside the time span (clamped to the nearest time)
FLAG_REGION = 8  # outside the lat/lon region (clamped to the edge)


@dataclass(frozen=True)
class WindMeta:
    """What a wind field is and where it is valid.

    Times are epoch seconds; ``None`` means any time (steady or climatological fields).
    ``grid_spacing_deg`` is the horizontal grid step (None for horizontally uniform fields),
    ``time_step_s`` the spacing of its times (None for steady ones). ``warnings`` travel with
    every result computed from this field (e.g. "single time: steady field").
    ``uncertainty`` is the source's wind-error model (`atmosphere.uncertainty`), which
    ensembles draw their perturbations from (None: chosen by ``kind``).
    """

    source: str
    kind: str
    time_start: float | None = None
    time_end: float | None = None
    alt_min: float = 0.0
    alt_max: float = 50_000.0
    lat_min: float = -90.0
    lat_max: float = 90.0
    lon_min: float = -180.0
    lon_max: float = 180.0
    grid_spacing_deg: float | None = None
    time_step_s: float | None = None
    members: int = 1
    warnings: tuple[str, ...] = field(default_factory=tuple)
    uncertainty: WindUncertainty | None = None

    def describe(self) -> dict[str, object]:
        """A JSON-ready summary."""
        unc = self.uncertainty
        return {
            "source": self.source,
            "kind": self.kind,
            "time_start": None if self.time_start is None else iso(self.time_start),
            "time_end": None if self.time_end is None else iso(self.time_end),
            "alt_min_m": self.alt_min,
            "alt_max_m": self.alt_max,
            "lat_range": [self.lat_min, self.lat_max],
            "lon_range": [self.lon_min, self.lon_max],
            "grid_spacing_deg": self.grid_spacing_deg,
            "time_step_s": self.time_step_s,
            "members": self.members,
            "warnings": list(self.warnings),
            "uncertainty": None
            if unc is None
            else {
                "kind": unc.kind,
                "basis": unc.basis,
                "references": list(unc.references),
                "length_km": round(unc.length_m / 1e3, 1),
                "time_h": round(unc.time_s / 3600.0, 2),
                "vertical_km": round(unc.vertical_m / 1e3, 2),
            },
        }


@runtime_checkable
class WindField(Protocol):
    """Anything that gives the horizontal wind at points.

    ``uv(t, lat, lon, alt)``: t epoch seconds (UTC), lat/lon degrees, alt metres above mean sea
    level, arrays broadcastable to one shape; returns (u, v) in m/s, eastward and northward.
    ``member`` (optional int array) selects ensemble members of sources that have them.
    """

    meta: WindMeta

    def uv(
        self,
        t: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike,
        member: npt.ArrayLike | None = None,
    ) -> tuple[FloatArray, FloatArray]: ...


@dataclass(frozen=True, eq=False)
class WindGrid:
    """A regular lat/lon grid of winds on levels whose height varies by column.

    Attributes
    ----------
    times : (nt,) epoch seconds, strictly increasing. With ``period > 0`` they are seconds into
        a cycle of that length (the climatology: seconds into the year) and wrap around.
    lat0, dlat, ny : latitudes ``lat0 + i*dlat``, ascending (dlat > 0).
    lon0, dlon, nx : longitudes ``lon0 + j*dlon`` in [-180, 360), ascending; ``lon_periodic``
        when the grid closes around the globe (nx * dlon == 360).
    z : (nt, nz, ny, nx) float32, geometric height (m above MSL) of each level, increasing
        with the level index in every column.
    u, v : (nt, nz, ny, nx) float32, m/s.
    A single time (nt == 1) is a steady field; a single row/column (ny or nx == 1) is
    horizontally uniform in that direction (soundings).
    """

    times: FloatArray
    lat0: float
    dlat: float
    lon0: float
    dlon: float
    z: npt.NDArray[np.float32]
    u: npt.NDArray[np.float32]
    v: npt.NDArray[np.float32]
    lon_periodic: bool = False
    period: float = 0.0

    def __post_init__(self) -> None:
        shape = self.u.shape
        if self.u.ndim != 4 or self.v.shape != shape or self.z.shape != shape:
            raise ValueError(f"WindGrid: u, v, z must share one 4-D shape, got {shape}")
        if self.times.shape != (shape[0],):
            raise ValueError("WindGrid: times must have one entry per time slice")
        if shape[0] > 1 and np.any(np.diff(self.times) <= 0):
            raise ValueError("WindGrid: times must be strictly increasing")

    @property
    def ny(self) -> int:
        return int(self.u.shape[2])

    @property
    def nx(self) -> int:
        return int(self.u.shape[3])

    @property
    def nz(self) -> int:
        return int(self.u.shape[1])

    def arrays(
        self,
    ) -> tuple[
        FloatArray,
        float,
        float,
        float,
        float,
        npt.NDArray[np.float32],
        npt.NDArray[np.float32],
        npt.NDArray[np.float32],
        bool,
        float,
    ]:
        """The positional arguments of `interp_point` / `interp_grid` after the point."""
        return (
            self.times,
            self.lat0,
            self.dlat,
            self.lon0,
            self.dlon,
            self.z,
            self.u,
            self.v,
            self.lon_periodic,
            self.period,
        )


@njit(cache=True, inline="always")
def _axis(x: float, x0: float, dx: float, n: int, periodic: bool) -> tuple[int, int, float, int]:
    """Index pair and weight along a regular axis; flag 1 when clamped."""
    if n == 1:
        return 0, 0, 0.0, 0
    f = (x - x0) / dx
    if periodic:
        f = f % n
        i = int(np.floor(f))
        w = f - i
        if i >= n:
            i = n - 1
        return i, (i + 1) % n, w, 0
    flag = 0
    if f < 0.0:
        f = 0.0
        flag = 1
    elif f > n - 1:
        f = n - 1.0
        flag = 1
    i = int(np.floor(f))
    if i >= n - 1:
        i = n - 2
    return i, i + 1, f - i, flag


@njit(cache=True, inline="always")
def _col(
    a: npt.NDArray[np.float32],
    k: int,
    t0: int,
    t1: int,
    wt: float,
    i0: int,
    i1: int,
    wy: float,
    j0: int,
    j1: int,
    wx: float,
) -> float:
    """Value of level k interpolated in time, lat, lon."""
    r0 = (1.0 - wy) * ((1.0 - wx) * a[t0, k, i0, j0] + wx * a[t0, k, i0, j1]) + wy * (
        (1.0 - wx) * a[t0, k, i1, j0] + wx * a[t0, k, i1, j1]
    )
    if wt == 0.0:
        return r0
    r1 = (1.0 - wy) * ((1.0 - wx) * a[t1, k, i0, j0] + wx * a[t1, k, i0, j1]) + wy * (
        (1.0 - wx) * a[t1, k, i1, j0] + wx * a[t1, k, i1, j1]
    )
    return (1.0 - wt) * r0 + wt * r1


@njit(cache=True)
def interp_point(
    t: float,
    lat: float,
    lon: float,
    alt: float,
    times: FloatArray,
    lat0: float,
    dlat: float,
    lon0: float,
    dlon: float,
    z: npt.NDArray[np.float32],
    u: npt.NDArray[np.float32],
    v: npt.NDArray[np.float32],
    lon_periodic: bool,
    period: float,
) -> tuple[float, float, int]:
    """Wind (u, v) and a domain flag at one point; compiled, for use inside other kernels."""
    uu, vv, flag, _ = interp_point_k(
        t, lat, lon, alt, -1, times, lat0, dlat, lon0, dlon, z, u, v, lon_periodic, period
    )
    return uu, vv, flag


@njit(cache=True)
def interp_point_k(
    t: float,
    lat: float,
    lon: float,
    alt: float,
    k_hint: int,
    times: FloatArray,
    lat0: float,
    dlat: float,
    lon0: float,
    dlon: float,
    z: npt.NDArray[np.float32],
    u: npt.NDArray[np.float32],
    v: npt.NDArray[np.float32],
    lon_periodic: bool,
    period: float,
) -> tuple[float, float, int, int]:
    """`interp_point` with a level hint: also returns the level ``k`` whose layer
    ``[z_k, z_k+1)`` holds the point (-1 when it is outside the column). A caller that
    moves along a path passes the previous ``k`` back as ``k_hint``: the layer is then
    found by testing that layer and its two neighbours (2-3 column values instead of a
    bisection of 6-8), with the same result as the bisection (heights increase up a
    column). ``k_hint = -1``: no hint."""
    flag = 0
    nt = times.shape[0]
    nz = z.shape[1]
    ny = z.shape[2]
    nx = z.shape[3]
    # time
    t0 = 0
    t1 = 0
    wt = 0.0
    if nt > 1:
        if period > 0.0:
            tt = t % period
            if tt < times[0] or tt >= times[nt - 1]:
                t0 = nt - 1
                t1 = 0
                span = times[0] + period - times[nt - 1]
                d = tt - times[nt - 1]
                if d < 0.0:
                    d += period
                wt = d / span
            else:
                lo = 0
                hi = nt - 1
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if times[mid] <= tt:
                        lo = mid
                    else:
                        hi = mid
                t0 = lo
                t1 = hi
                wt = (tt - times[lo]) / (times[hi] - times[lo])
        else:
            if t <= times[0]:
                if t < times[0]:
                    flag |= FLAG_TIME
                t0 = 0
                t1 = 0
            elif t >= times[nt - 1]:
                if t > times[nt - 1]:
                    flag |= FLAG_TIME
                t0 = nt - 1
                t1 = nt - 1
            else:
                lo = 0
                hi = nt - 1
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if times[mid] <= t:
                        lo = mid
                    else:
                        hi = mid
                t0 = lo
                t1 = hi
                wt = (t - times[lo]) / (times[hi] - times[lo])
    i0, i1, wy, fy = _axis(lat, lat0, dlat, ny, False)
    lon_n = lon
    if not lon_periodic and nx > 1:
        # bring lon into the grid's own convention (0..360 or -180..180) before clamping
        while lon_n < lon0 - 1e-9:
            lon_n += 360.0
        while lon_n > lon0 + 360.0:
            lon_n -= 360.0
    j0, j1, wx, fx = _axis(lon_n, lon0, dlon, nx, lon_periodic)
    if fy or fx:
        flag |= FLAG_REGION
    # vertical: first the hinted layer and its neighbours, else a bisection on the
    # interpolated column heights
    if 0 <= k_hint < nz - 1:
        k = k_hint
        za = _col(z, k, t0, t1, wt, i0, i1, wy, j0, j1, wx)
        zb = _col(z, k + 1, t0, t1, wt, i0, i1, wy, j0, j1, wx)
        if alt >= zb and k + 2 < nz:
            k += 1
            za = zb
            zb = _col(z, k + 1, t0, t1, wt, i0, i1, wy, j0, j1, wx)
        elif alt < za and k >= 1:
            k -= 1
            zb = za
            za = _col(z, k, t0, t1, wt, i0, i1, wy, j0, j1, wx)
        if za <= alt < zb:
            wz = (alt - za) / (zb - za)
            ulo = _col(u, k, t0, t1, wt, i0, i1, wy, j0, j1, wx)
            uhi = _col(u, k + 1, t0, t1, wt, i0, i1, wy, j0, j1, wx)
            vlo = _col(v, k, t0, t1, wt, i0, i1, wy, j0, j1, wx)
            vhi = _col(v, k + 1, t0, t1, wt, i0, i1, wy, j0, j1, wx)
            return ulo + wz * (uhi - ulo), vlo + wz * (vhi - vlo), flag, k
    zlo = _col(z, 0, t0, t1, wt, i0, i1, wy, j0, j1, wx)
    zhi = _col(z, nz - 1, t0, t1, wt, i0, i1, wy, j0, j1, wx)
    if nz == 1 or alt <= zlo:
        if alt < zlo:
            flag |= FLAG_BELOW
        return (
            _col(u, 0, t0, t1, wt, i0, i1, wy, j0, j1, wx),
            _col(v, 0, t0, t1, wt, i0, i1, wy, j0, j1, wx),
            flag,
            0 if (nz > 1 and alt == zlo) else -1,  # the bottom edge is in layer 0
        )
    if alt >= zhi:
        if alt > zhi:
            flag |= FLAG_ABOVE
        return (
            _col(u, nz - 1, t0, t1, wt, i0, i1, wy, j0, j1, wx),
            _col(v, nz - 1, t0, t1, wt, i0, i1, wy, j0, j1, wx),
            flag,
            -1,
        )
    lo = 0
    hi = nz - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        zm = _col(z, mid, t0, t1, wt, i0, i1, wy, j0, j1, wx)
        if zm <= alt:
            lo = mid
            zlo = zm
        else:
            hi = mid
            zhi = zm
    wz = (alt - zlo) / (zhi - zlo) if zhi > zlo else 0.0
    ulo = _col(u, lo, t0, t1, wt, i0, i1, wy, j0, j1, wx)
    uhi = _col(u, hi, t0, t1, wt, i0, i1, wy, j0, j1, wx)
    vlo = _col(v, lo, t0, t1, wt, i0, i1, wy, j0, j1, wx)
    vhi = _col(v, hi, t0, t1, wt, i0, i1, wy, j0, j1, wx)
    return ulo + wz * (uhi - ulo), vlo + wz * (vhi - vlo), flag, lo


@njit(cache=True)
def _interp_serial(
    t: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    times: FloatArray,
    lat0: float,
    dlat: float,
    lon0: float,
    dlon: float,
    z: npt.NDArray[np.float32],
    u: npt.NDArray[np.float32],
    v: npt.NDArray[np.float32],
    lon_periodic: bool,
    period: float,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int8]]:
    n = t.shape[0]
    uo = np.empty(n)
    vo = np.empty(n)
    fo = np.empty(n, dtype=np.int8)
    for k in range(n):
        a, b, f = interp_point(
            t[k],
            lat[k],
            lon[k],
            alt[k],
            times,
            lat0,
            dlat,
            lon0,
            dlon,
            z,
            u,
            v,
            lon_periodic,
            period,
        )
        uo[k] = a
        vo[k] = b
        fo[k] = f
    return uo, vo, fo


# Below this many points the thread pool's start-up costs more than it saves (~ms per call).
_PARALLEL_MIN = 4096


def interp_grid(
    t: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    times: FloatArray,
    lat0: float,
    dlat: float,
    lon0: float,
    dlon: float,
    z: npt.NDArray[np.float32],
    u: npt.NDArray[np.float32],
    v: npt.NDArray[np.float32],
    lon_periodic: bool,
    period: float,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int8]]:
    """`interp_point` over 1-D arrays of equal length (in parallel for large arrays)."""
    kernel = _interp_parallel if t.shape[0] >= _PARALLEL_MIN else _interp_serial
    return kernel(t, lat, lon, alt, times, lat0, dlat, lon0, dlon, z, u, v, lon_periodic, period)


@njit(cache=True, parallel=True)
def _interp_parallel(
    t: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    alt: FloatArray,
    times: FloatArray,
    lat0: float,
    dlat: float,
    lon0: float,
    dlon: float,
    z: npt.NDArray[np.float32],
    u: npt.NDArray[np.float32],
    v: npt.NDArray[np.float32],
    lon_periodic: bool,
    period: float,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int8]]:
    n = t.shape[0]
    uo = np.empty(n)
    vo = np.empty(n)
    fo = np.empty(n, dtype=np.int8)
    chunks = 64
    for c in prange(chunks):
        lo = c * n // chunks
        hi = (c + 1) * n // chunks
        a, b, f = _interp_serial(
            t[lo:hi], lat[lo:hi], lon[lo:hi], alt[lo:hi], times, lat0, dlat, lon0, dlon, z, u, v,
            lon_periodic, period,
        )  # fmt: skip
        uo[lo:hi] = a
        vo[lo:hi] = b
        fo[lo:hi] = f
    return uo, vo, fo


def check_points(
    t: npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike, alt: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Broadcast query points to flat float64 arrays, rejecting NaN/inf and |lat| > 90.

    Raises `InputError` naming the field, the first bad value and its index.
    """
    arrays = np.broadcast_arrays(
        np.asarray(t, dtype=np.float64),
        np.asarray(lat, dtype=np.float64),
        np.asarray(lon, dtype=np.float64),
        np.asarray(alt, dtype=np.float64),
    )
    names = ("time", "lat", "lon", "alt")
    out = []
    for name, arr in zip(names, arrays, strict=True):
        flat = np.ascontiguousarray(arr.ravel())
        bad = ~np.isfinite(flat)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"non-finite {name} at point {i}",
                field=name,
                value=float(flat[i]),
                expected="a finite number",
            )
        out.append(flat)
    lat_f = out[1]
    if np.any(np.abs(lat_f) > 90.0):
        i = int(np.argmax(np.abs(lat_f) > 90.0))
        raise InputError(
            f"latitude out of range at point {i}",
            field="lat",
            value=float(lat_f[i]),
            expected="-90 <= lat <= 90",
        )
    return out[0], out[1], out[2], out[3]


class GriddedWind:
    """A `WindField` over a `WindGrid` (GFS, ERA5, soundings and the climatology all are).

    ``strict_time``: raise `DomainError` for times outside the span (default), else clamp to the
    nearest time and add a warning to ``last_warnings``.
    """

    def __init__(self, grid: WindGrid, meta: WindMeta, *, strict_time: bool = True) -> None:
        self.grid = grid
        self.meta = meta
        self.strict_time = strict_time
        self.last_flags: npt.NDArray[np.int8] = np.zeros(0, dtype=np.int8)

    def __repr__(self) -> str:
        g = self.grid
        return (
            f"GriddedWind({self.meta.source!r}, nt={len(g.times)}, nz={g.nz}, ny={g.ny}, nx={g.nx})"
        )

    def uv_flags(
        self, t: npt.ArrayLike, lat: npt.ArrayLike, lon: npt.ArrayLike, alt: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int8]]:
        """(u, v, flags) at points, flat; see the ``FLAG_*`` constants."""
        shape = np.broadcast_shapes(np.shape(t), np.shape(lat), np.shape(lon), np.shape(alt))
        tt, la, lo, al = check_points(t, lat, lon, alt)
        u, v, f = interp_grid(tt, la, lo, al, *self.grid.arrays())
        return u.reshape(shape), v.reshape(shape), f.reshape(shape)

    def uv(
        self,
        t: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike,
        member: npt.ArrayLike | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        u, v, f = self.uv_flags(t, lat, lon, alt)
        self.last_flags = f
        if self.strict_time and np.any(f & FLAG_TIME):
            m = self.meta
            tt = np.broadcast_to(np.asarray(t, dtype=np.float64), f.shape).ravel()
            bad = float(tt[int(np.argmax((f.ravel() & FLAG_TIME) != 0))])
            raise DomainError(
                f"time {iso(bad)} is outside the wind data's span "
                f"{iso(m.time_start or 0)} .. {iso(m.time_end or 0)} ({m.source}); "
                "use a wind file that covers it, or the climatology"
            )
        return u, v


class CalmWind:
    """Zero wind everywhere and always (tests, still-air questions). Selected as ``calm``."""

    def __init__(self) -> None:
        self.meta = WindMeta(
            source="calm",
            kind="calm",
            alt_max=100_000.0,
            uncertainty=constant_uncertainty(0.0, kind="calm", basis="calm air: no wind, no error"),
        )

    def __repr__(self) -> str:
        return "CalmWind()"

    def uv(
        self,
        t: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike,
        member: npt.ArrayLike | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        shape = np.broadcast_shapes(np.shape(t), np.shape(lat), np.shape(lon), np.shape(alt))
        check_points(t, lat, lon, alt)
        return np.zeros(shape), np.zeros(shape)

    def grid(self) -> WindGrid:
        """Calm as a one-cell grid, so compiled integrators can treat it like any other."""
        zero = np.zeros((1, 1, 1, 1), dtype=np.float32)
        return WindGrid(np.zeros(1), -90.0, 180.0, -180.0, 360.0, zero, zero, zero)


def profile_wind(
    alt: npt.ArrayLike,
    u: npt.ArrayLike,
    v: npt.ArrayLike,
    *,
    source: str,
    kind: str = "profile",
    time_start: float | None = None,
    time_end: float | None = None,
    warnings: tuple[str, ...] = (),
    lat: npt.ArrayLike | None = None,
    lon: npt.ArrayLike | None = None,
    time: npt.ArrayLike | None = None,
    uncertainty: WindUncertainty | None = None,
) -> GriddedWind:
    """A horizontally uniform, steady wind from a vertical profile (a sounding, or the winds a
    flight's own ascent measured): linear in height between the given levels.

    Levels are sorted by height; repeated heights are averaged. NaNs are dropped.
    ``lat``, ``lon``, ``time`` (one per level, or scalars: deg, deg, epoch s) say where and
    when each level was measured; they set the error model (`sounding_uncertainty`: small
    there and then, growing with distance and time). Without them the profile is assumed
    measured 50 km and 1 h from where it is used (a warning says so). ``uncertainty``
    overrides the model. Raises `InputError` when fewer than one valid level remains.
    """
    a = np.asarray(alt, dtype=np.float64).ravel()
    uu = np.asarray(u, dtype=np.float64).ravel()
    vv = np.asarray(v, dtype=np.float64).ravel()
    where: list[np.ndarray] | None = None
    if lat is not None and lon is not None and time is not None:
        where = [
            np.broadcast_to(np.asarray(x, dtype=np.float64), a.shape).ravel()
            for x in (lat, lon, time)
        ]
    elif lat is not None or lon is not None or time is not None:
        raise InputError(
            "give lat, lon and time of the profile's levels together",
            field="lat/lon/time",
            expected="all three, or none",
        )
    ok = np.isfinite(a) & np.isfinite(uu) & np.isfinite(vv)
    if not ok.any():
        raise InputError(
            "no valid wind levels in the profile", field="alt/u/v", expected="finite values"
        )
    a_all = a
    a, uu, vv = a[ok], uu[ok], vv[ok]
    levels, inverse = np.unique(a, return_inverse=True)
    counts = np.bincount(inverse)
    um = np.bincount(inverse, weights=uu) / counts
    vm = np.bincount(inverse, weights=vv) / counts
    shape = (1, levels.size, 1, 1)
    grid = WindGrid(
        np.zeros(1),
        -90.0,
        180.0,
        -180.0,
        360.0,
        levels.astype(np.float32).reshape(shape),
        um.astype(np.float32).reshape(shape),
        vm.astype(np.float32).reshape(shape),
    )
    notes = tuple(warnings)
    if uncertainty is None:
        if where is not None:
            sel = ok & np.isfinite(where[0]) & np.isfinite(where[1]) & np.isfinite(where[2])
            if not sel.any():
                raise InputError("no level with a finite position and time", field="lat/lon/time")
            uncertainty = sounding_uncertainty(
                a_all[sel], where[0][sel], where[1][sel], where[2][sel],
                kind="sounding" if kind == "sounding" else "profile", source=source,
            )  # fmt: skip
        else:
            # unknown where/when measured: assume 50 km and 1 h away (see the docstring)
            t_nom = 0.0 if time_start is None else float(time_start)
            dlat = 50.0 / 111.195
            uncertainty = sounding_uncertainty(
                levels, np.full(levels.size, dlat), np.zeros(levels.size),
                np.full(levels.size, t_nom - 3600.0),
                kind="sounding" if kind == "sounding" else "profile", source=source,
            )  # fmt: skip
            uncertainty = _fixed_offset(uncertainty, 50.0, 3600.0)
            notes = (
                *notes,
                "profile without measurement positions/times: its error model assumes it "
                "was measured 50 km and 1 h from where it is used",
            )
    meta = WindMeta(
        source=source,
        kind=kind,
        time_start=time_start,
        time_end=time_end,
        alt_min=float(levels[0]),
        alt_max=float(levels[-1]),
        warnings=notes,
        uncertainty=uncertainty,
    )
    # a profile is steady: usable at any time (its nominal span is only metadata)
    return GriddedWind(grid, meta, strict_time=False)


def _fixed_offset(unc: WindUncertainty, km: float, seconds: float) -> WindUncertainty:
    """A measured-profile model evaluated at a fixed distance ``km`` and time lag ``seconds``
    everywhere (used when a profile's measurement positions are unknown)."""
    from dataclasses import replace

    il = min(int(round(seconds / unc.dlead)), unc.sigma_u.shape[0] - 1)
    ix = min(int(round((km - unc.x0) / unc.dx)), unc.sigma_u.shape[1] - 1)
    return replace(
        unc,
        sigma_u=unc.sigma_u[il : il + 1, ix : ix + 1, :].copy(),
        sigma_v=unc.sigma_v[il : il + 1, ix : ix + 1, :].copy(),
        axis="abs_lat",
        lead_mode="none",
        basis=unc.basis + f" (position unknown: taken {km:g} km and {seconds / 3600:g} h away)",
    )


def wind_times(wind: object) -> FloatArray | None:
    """The valid times (epoch s) of a time-dependent gridded wind (or of the base of a
    perturbed one); None for steady, climatological (periodic) or grid-less fields."""
    base = getattr(wind, "base", wind)
    grid = getattr(base, "grid", None)
    if isinstance(grid, WindGrid) and grid.period == 0.0 and grid.times.size > 1:
        return np.array(grid.times, dtype=np.float64)
    return None
