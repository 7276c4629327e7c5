"""Each member's highest point on its path (`TopPoints`, `top_index`): the burst of a
standard flight, the highest level of a float. A prediction's key points need no more of its
paths, so a run that drops the paths keeps these instead.

This module imports only numpy (a core type: `predict` makes it, `report` reads it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["TopPoints", "top_index"]

FloatArray = npt.NDArray[np.float64]
#: paths in their stored precision
PathArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]


def top_index(alt: PathArray) -> npt.NDArray[np.intp]:
    """Per member (row), the index of its highest finite altitude (0 when it has none).

    `np.argmax` on the paths as they are (no masked copy of the 100,000 x 289 paths): a row
    whose pick is finite holds no NaN (argmax stops at the first NaN) and no +inf, so its pick
    is its highest finite value; only the other rows (members that stopped early and left NaN
    behind) are searched again with their non-finite values masked."""
    a = np.asarray(alt)
    k: npt.NDArray[np.intp] = np.asarray(np.argmax(a, axis=1), dtype=np.intp)
    if a.shape[0] == 0:
        return k
    redo = np.flatnonzero(~np.isfinite(a[np.arange(a.shape[0]), k]))
    if redo.size:
        sub = a[redo]
        k[redo] = np.argmax(np.where(np.isfinite(sub), sub, -np.inf), axis=1)
    return k


@dataclass(frozen=True, eq=False)
class TopPoints:
    """Each member's highest point on its path (the burst of a standard flight, the highest
    level of a float): ``time`` (epoch s, an output time), ``lat``, ``lon`` (deg), ``alt`` (m),
    all (members,) float64, NaN altitude for a member without any finite one.

    A prediction run without its paths (``paths=False``, ``top_points=True``) keeps these
    instead: each chunk finds them on its own paths before dropping them (`of_paths`), so the
    key points (`report.keypoints.flight_summary`) are the same numbers as with the paths.
    """

    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray

    @classmethod
    def of_paths(
        cls,
        times: FloatArray,
        lat: PathArray,
        lon: PathArray,
        alt: PathArray,
        *,
        dtype: npt.DTypeLike | None = None,
    ) -> TopPoints:
        """The highest points of paths ``lat``, ``lon``, ``alt`` (members, nt) at output
        times ``times`` (nt,): `top_index` on the paths in their own precision (float32 paths
        are not copied to float64), only the picked points widened to float64. ``dtype``
        float32 with float64 paths: the points of the paths stored in float32 (the altitudes
        rounded to float32 before the search, the picked points rounded the same way)."""
        a = np.asarray(alt)
        dt = a.dtype if dtype is None else np.dtype(dtype)
        k = top_index(a.astype(dt, copy=False))
        rows = np.arange(a.shape[0])

        def pick(x: npt.NDArray[Any]) -> FloatArray:
            return np.asarray(x)[rows, k].astype(dt).astype(np.float64)

        return cls(time=np.asarray(times, dtype=np.float64)[k], lat=pick(lat), lon=pick(lon),
                   alt=pick(a))  # fmt: skip

    @classmethod
    def join(cls, parts: list[TopPoints]) -> TopPoints:
        """The members of several chunks (in member order) as one."""
        if len(parts) == 1:
            return parts[0]
        return cls(
            *(np.concatenate([getattr(p, k) for p in parts]) for k in ("time", "lat", "lon", "alt"))
        )
