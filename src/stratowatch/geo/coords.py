"""One rule for coordinates given by a user, the same in every command and in the service.

- latitude: finite, -90 <= lat <= 90 degrees;
- longitude: finite, -180 <= lon < 360 degrees (0..360 grids are common), normalised to
  -180 <= lon < 180;
- altitude: finite, ``ALT_MIN`` <= alt <= ``ALT_MAX`` m above mean sea level: from below the
  lowest dry land (the Dead Sea shore, about -430 m) to the edge of space (100 km, the Karman
  line; the highest balloon flights reached about 53 km).

Anything else is an `InputError` naming the field, the value and the accepted range.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ..errors import InputError

__all__ = [
    "ALT_MAX",
    "ALT_MIN",
    "LAT_RANGE",
    "LON_RANGE",
    "check_alt",
    "check_lat",
    "check_lon",
    "check_point",
    "check_points",
]

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 360.0)  # upper end excluded
ALT_MIN = -500.0  # m
ALT_MAX = 100_000.0  # m


def _number(value: object, field: str, expected: str) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError("not a number", field=field, value=value, expected=expected) from None
    if not math.isfinite(v):
        raise InputError("not a finite number", field=field, value=value, expected=expected)
    return v


def check_lat(value: object, *, field: str = "lat") -> float:
    """A latitude in degrees, checked (see the module rule)."""
    expected = "degrees north, -90 <= lat <= 90"
    v = _number(value, field, expected)
    if not LAT_RANGE[0] <= v <= LAT_RANGE[1]:
        raise InputError("latitude out of range", field=field, value=value, expected=expected)
    return v


def check_lon(value: object, *, field: str = "lon") -> float:
    """A longitude in degrees, checked and normalised to -180 <= lon < 180."""
    expected = "degrees east, -180 <= lon < 360"
    v = _number(value, field, expected)
    if not LON_RANGE[0] <= v < LON_RANGE[1]:
        raise InputError("longitude out of range", field=field, value=value, expected=expected)
    return (v + 180.0) % 360.0 - 180.0


def check_alt(
    value: object,
    *,
    field: str = "alt",
    minimum: float = ALT_MIN,
    maximum: float = ALT_MAX,
) -> float:
    """An altitude in m above mean sea level, checked against [minimum, maximum]."""
    expected = f"metres above mean sea level, {minimum:,.0f} <= alt <= {maximum:,.0f}"
    v = _number(value, field, expected)
    if not minimum <= v <= maximum:
        raise InputError("altitude out of range", field=field, value=value, expected=expected)
    return v


def check_point(
    lat: object,
    lon: object,
    alt: object | None = None,
    *,
    fields: tuple[str, str, str] = ("lat", "lon", "alt"),
) -> tuple[float, float, float | None]:
    """Check one position; returns (lat, lon normalised to [-180, 180), alt or None)."""
    la = check_lat(lat, field=fields[0])
    lo = check_lon(lon, field=fields[1])
    al = None if alt is None else check_alt(alt, field=fields[2])
    return la, lo, al


def check_points(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    fields: tuple[str, str] = ("lat", "lon"),
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Arrays of positions under the same rule; the first offending element is named."""
    la, lo = np.broadcast_arrays(np.asarray(lat, np.float64), np.asarray(lon, np.float64))
    bad = ~np.isfinite(la) | (la < LAT_RANGE[0]) | (la > LAT_RANGE[1])
    if bad.any():
        k = int(np.flatnonzero(bad.ravel())[0])
        check_lat(float(la.ravel()[k]), field=f"{fields[0]}[{k}]")
    bad = ~np.isfinite(lo) | (lo < LON_RANGE[0]) | (lo >= LON_RANGE[1])
    if bad.any():
        k = int(np.flatnonzero(bad.ravel())[0])
        check_lon(float(lo.ravel()[k]), field=f"{fields[1]}[{k}]")
    return la.astype(np.float64), (lo + 180.0) % 360.0 - 180.0
