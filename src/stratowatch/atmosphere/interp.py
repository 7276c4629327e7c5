"""The compiled point interpolation of a `atmosphere.wind.WindGrid`: one kernel for every
gridded source, also called from inside the integrators' own compiled loops.

Linear in time (periodic for the climatology), bilinear in latitude and longitude of each
level's height and wind, then linear in height between the two levels that bracket the
altitude in that interpolated column (as in Tawhiri and HYSPLIT). Below the lowest level the
lowest level's wind is used; above the highest, the highest's, and the point is flagged.
`interp_point_k` takes a level hint: a parcel moving along a path keeps its layer from one
call to the next, so the vertical search tests that layer and its neighbours first.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit, prange

__all__ = [
    "FLAG_ABOVE",
    "FLAG_BELOW",
    "FLAG_OK",
    "FLAG_REGION",
    "FLAG_TIME",
    "interp_grid",
    "interp_point",
    "interp_point_k",
]

FloatArray = npt.NDArray[np.float64]

FLAG_OK = 0
FLAG_ABOVE = 1  # above the highest level (highest level's wind used)
FLAG_BELOW = 2  # below the lowest level (lowest level's wind used); normal near the ground
FLAG_TIME = 4  # outside the time span (clamped to the nearest time)
FLAG_REGION = 8  # outside the lat/lon region (clamped to the edge)


@njit(cache=True, inline="always")
def _wrap(x: float, period: float) -> float:
    """x modulo period: Python's ``x % period`` without numba's call to its fmod helper (the
    two agree exactly, tests/atmosphere/test_wrap.py: x - k period is exact for the integer
    k, and the rare k one too large, where x / period rounds up to an integer, is corrected).
    Like Python's, the result is in [0, period), or period itself when x is a hair below a
    multiple (``_axis`` clamps that into the last cell)."""
    r = x - period * math.floor(x / period)
    if r < 0.0:
        r += period
    elif r >= period:
        r -= period
    return r


@njit(cache=True, inline="always")
def _axis(x: float, x0: float, dx: float, n: int, periodic: bool) -> tuple[int, int, float, int]:
    """Index pair and weight along a regular axis; flag 1 when clamped."""
    if n == 1:
        return 0, 0, 0.0, 0
    f = (x - x0) / dx
    if periodic:
        f = _wrap(f, float(n))
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
            tt = _wrap(t, period)
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


# Below this many points (~2 ms of work at ~60 ns a point) one thread is faster: the parallel
# loop's barrier waits for a time slice of the operating system whenever a worker thread is not
# scheduled, as on a busy machine (see `stratowatch.threads`)
_PARALLEL_MIN = 32768


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
