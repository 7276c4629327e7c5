"""Times at the edges: ISO strings, datetimes and datetime64 in, epoch seconds (UTC) inside.

The numeric core carries time as float64 seconds since 1970-01-01T00:00:00Z ("epoch seconds"),
which compiled kernels handle directly; these helpers convert at the edges.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import InputError

__all__ = ["to_epoch", "to_epoch_array", "from_epoch", "iso", "parse_time"]

_EPOCH = np.datetime64("1970-01-01T00:00:00", "ns")


def parse_time(value: Any, *, field: str = "time") -> dt.datetime:
    """Parse an ISO-8601 string, datetime or datetime64 into an aware UTC datetime.

    Naive inputs are taken as UTC. Raises `InputError` naming ``field`` when unparseable.
    """
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, np.datetime64):
        return from_epoch(float((value - _EPOCH) / np.timedelta64(1, "s")))
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                "cannot parse time",
                field=field,
                value=value,
                expected="ISO 8601, e.g. 2023-02-01T19:00Z",
            ) from None
        return parse_time(parsed, field=field)
    raise InputError("unsupported time value", field=field, value=value, expected="ISO 8601 string")


def to_epoch(value: Any) -> float:
    """Epoch seconds (float) of an ISO string, datetime, datetime64 or number (returned as is)."""
    if isinstance(value, int | float | np.floating | np.integer):
        return float(value)
    return parse_time(value).timestamp()


def to_epoch_array(values: Any) -> npt.NDArray[np.float64]:
    """Epoch seconds of an array of datetime64 (any unit), or of numbers (returned as float)."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64):
        return ((arr.astype("datetime64[ns]") - _EPOCH) / np.timedelta64(1, "s")).astype(np.float64)
    if arr.dtype == object:
        return np.array([to_epoch(v) for v in arr.ravel()], dtype=np.float64).reshape(arr.shape)
    return arr.astype(np.float64)


def from_epoch(seconds: float) -> dt.datetime:
    """Aware UTC datetime of epoch seconds."""
    return dt.datetime.fromtimestamp(float(seconds), tz=dt.UTC)


def iso(seconds: float) -> str:
    """ISO-8601 UTC string (``2023-02-01T19:00:00Z``) of epoch seconds, to the second."""
    return from_epoch(round(float(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


#: what `to_epoch` accepts: epoch seconds, an ISO-8601 string, an aware datetime or datetime64
TimeLike = float | int | str | dt.datetime | np.datetime64
