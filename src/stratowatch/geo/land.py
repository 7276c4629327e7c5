"""Land or water, and the distance to the coast, from the 1 km GLOBE land mask.

The mask is the one the ``global-land-mask`` package ships (NOAA GLOBE 30-arc-second DEM land/sea
mask, [GLOBE1999]_): 21600 x 43200 cells of 1/120 deg, lakes counted as land. Loading it from the
package takes ~5 s and ~1 GB, so the first use writes a bit-packed copy (117 MB) to the user
cache (``$STRATOWATCH_CACHE`` or ``~/.cache/stratowatch``) and later uses memory-map it.

Distance to the coast is the distance from a point to the centre of the nearest mask cell of the
other kind (water for a land point, land for a water point), searched outwards ring by ring up to
``max_distance`` (resolution ~1 km).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from ..errors import InputError
from ..threads import serial_below
from .geodesy import EARTH_RADIUS

__all__ = ["is_land", "distance_to_coast", "land_mask_bits"]

FloatArray = npt.NDArray[np.float64]

NLAT = 21600
NLON = 43200
_LOCK = threading.Lock()
_BITS: npt.NDArray[np.uint8] | None = None
# grid of the package's mask: lat from +90 down to -90, lon from -180 up to +180, inclusive ends
_DLAT = 180.0 / (NLAT - 1)
_DLON = 360.0 / (NLON - 1)


def _cache_dir() -> Path:
    env = os.environ.get("STRATOWATCH_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "stratowatch"


def land_mask_bits() -> npt.NDArray[np.uint8]:
    """The land mask as packed bits (1 = land), shape (21600, 5400), memory-mapped when cached."""
    global _BITS
    with _LOCK:
        if _BITS is not None:
            return _BITS
        path = _cache_dir() / "globe_land_bits.npy"
        if path.is_file():
            try:
                arr = np.load(path, mmap_mode="r")
                if arr.shape == (NLAT, NLON // 8) and arr.dtype == np.uint8:
                    _BITS = np.asarray(arr)
                    return _BITS
            except (OSError, ValueError):
                pass
        from global_land_mask import globe  # heavy: ~1 GB, ~5 s

        bits = np.packbits(~globe._mask, axis=1)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, bits)
            tmp.replace(path)
        except OSError:
            pass  # read-only home: keep the in-memory copy
        # read-only like the memory-mapped copy later processes load: one numba signature, so
        # the kernels the install's warm-up compiles are the ones a first real run uses
        bits.flags.writeable = False
        _BITS = bits
        return _BITS


def _check(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
    if not (np.all(np.isfinite(la)) and np.all(np.isfinite(lo))):
        raise InputError("non-finite coordinate", field="lat/lon", expected="finite degrees")
    if np.any(np.abs(la) > 90.0):
        raise InputError(
            "latitude out of range",
            field="lat",
            value=float(la[np.abs(la) > 90][0]),
            expected="-90..90",
        )
    return la, (lo + 180.0) % 360.0 - 180.0


@njit(cache=True, inline="always")
def _bit(bits: npt.NDArray[np.uint8], i: int, j: int) -> bool:
    return bool((bits[i, j >> 3] >> (7 - (j & 7))) & 1 == 1)


@njit(cache=True, parallel=True)
def _lookup(bits: npt.NDArray[np.uint8], lat: FloatArray, lon: FloatArray) -> npt.NDArray[np.bool_]:
    n = lat.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for k in prange(n):
        i = min(max(int((90.0 - lat[k]) / _DLAT), 0), NLAT - 1)
        j = min(max(int((lon[k] + 180.0) / _DLON), 0), NLON - 1)
        out[k] = _bit(bits, i, j)
    return out


@njit(cache=True)
def _lookup_serial(
    bits: npt.NDArray[np.uint8], lat: FloatArray, lon: FloatArray
) -> npt.NDArray[np.bool_]:
    n = lat.shape[0]
    out = np.empty(n, dtype=np.bool_)
    for k in range(n):
        i = min(max(int((90.0 - lat[k]) / _DLAT), 0), NLAT - 1)
        j = min(max(int((lon[k] + 180.0) / _DLON), 0), NLON - 1)
        out[k] = _bit(bits, i, j)
    return out


# below this many points one thread is faster than starting the pool (~20 ns per point)
PARALLEL_MIN = 1_000_000


def is_land(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where (lat, lon) (degrees, any shape) lies on land (lakes count as land)."""
    la, lo = _check(lat, lon)
    fn = _lookup if la.size >= PARALLEL_MIN else _lookup_serial
    flat = fn(land_mask_bits(), np.ascontiguousarray(la.ravel()), np.ascontiguousarray(lo.ravel()))
    return flat.reshape(la.shape)


@njit(cache=True, inline="always")
def _box_uniform(bits: npt.NDArray[np.uint8], i0: int, j0: int, rings: int, own: bool) -> bool:
    """True when every cell within ``rings`` rings of (i0, j0) is of the kind ``own``, tested a
    byte (8 cells) at a time; the bytes at the box's sides may hold cells outside it, so False
    can also mean "not sure" (the ring search then decides). A box across the 180th meridian
    answers False."""
    j_lo = j0 - rings
    j_hi = j0 + rings
    if j_lo < 0 or j_hi >= NLON:
        return False
    b_lo = j_lo >> 3
    b_hi = j_hi >> 3
    full = np.uint8(255) if own else np.uint8(0)
    # rows from the centre outwards: near a coast the first rows already differ
    for di in range(2 * rings + 1):
        i = i0 + (di + 1) // 2 if di % 2 else i0 - di // 2
        if i < 0 or i >= NLAT:
            continue
        for b in range(b_lo, b_hi + 1):
            if bits[i, b] != full:
                return False
    return True


@njit(cache=True, parallel=True)
def _coast(
    bits: npt.NDArray[np.uint8], lat: FloatArray, lon: FloatArray, max_d: float
) -> FloatArray:
    n = lat.shape[0]
    out = np.empty(n)
    r = EARTH_RADIUS
    dy = np.radians(_DLAT) * r
    for k in prange(n):
        i0 = min(max(int((90.0 - lat[k]) / _DLAT), 0), NLAT - 1)
        j0 = min(max(int((lon[k] + 180.0) / _DLON), 0), NLON - 1)
        own = _bit(bits, i0, j0)
        coslat = max(np.cos(np.radians(lat[k])), 1e-3)
        dx = np.radians(_DLON) * r * coslat
        cell = min(dx, dy)
        best = max_d
        # the last ring the search below reaches when it finds nothing: when every cell up to
        # it is of the point's own kind, the answer is the cap (a far-from-coast point costs a
        # scan of bytes rather than of bits, with distances, ring by ring)
        last = 1
        while (last + 1) * cell <= max_d + cell:
            last += 1
        if last < NLAT and _box_uniform(bits, i0, j0, last, own):
            out[k] = max_d
            continue
        ring = 1
        while (ring - 1) * cell < best and ring * cell <= max_d + cell:
            for di in range(-ring, ring + 1):
                i = i0 + di
                if i < 0 or i >= NLAT:
                    continue
                edge = di == -ring or di == ring
                step = 1 if edge else 2 * ring
                for dj in range(-ring, ring + 1, step):
                    j = (j0 + dj) % NLON
                    if _bit(bits, i, j) != own:
                        la2 = 90.0 - i * _DLAT
                        lo2 = -180.0 + j * _DLON
                        p1 = np.radians(lat[k])
                        p2 = np.radians(la2)
                        dl = np.radians(lo2 - lon[k])
                        a = (
                            np.sin((p2 - p1) / 2) ** 2
                            + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
                        )
                        d = 2 * r * np.arcsin(np.sqrt(min(max(a, 0.0), 1.0)))
                        if d < best:
                            best = d
            ring += 1
        out[k] = best
    return out


def distance_to_coast(
    lat: npt.ArrayLike, lon: npt.ArrayLike, *, max_distance: float = 300_000.0
) -> FloatArray:
    """Distance (m) from each point to the nearest coast (land/water edge), capped at
    ``max_distance`` (m). Same shape as the inputs; resolution ~1 km (the mask's cell).
    Use `is_land` to tell on which side a point lies."""
    la, lo = _check(lat, lon)
    if not max_distance > 0:
        raise InputError("max_distance must be positive", value=max_distance, expected="> 0 m")
    # a point's ring search takes microseconds to a millisecond: threads only for many points
    with serial_below(la.size, 64):
        flat = _coast(land_mask_bits(), la.ravel(), lo.ravel(), float(max_distance))
    return flat.reshape(la.shape)
