"""Shared pieces of the observation readers: default uncertainties, column names, checked
numbers and times with file/line/field in every error, text and CSV row reading."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path

from ..core.observations import Observations, make_observations
from ..errors import InputError
from ..geo.coords import check_lat, check_lon
from ..timeutil import parse_time

FT = 0.3048
GPS_SIGMA_H = 30.0
GPS_SIGMA_ALT = 30.0
DEFAULT_FIX_SIGMA = 50.0
R95 = math.sqrt(-2.0 * math.log(0.05))  # 2.448: 95 % radius of a circular Gaussian, in sigmas

_FIX_COLUMNS = {
    "time": "ISO 8601 UTC time (required)",
    "lat": "degrees north (required)",
    "lon": "degrees east (required)",
    "alt": "m above MSL (may be empty)",
    "sigma_m": "horizontal one-sigma, m (> 0)",
    "sigma_alt_m": "altitude one-sigma, m (> 0)",
    "time_sigma_s": "time one-sigma, s (>= 0)",
    "source": "tracker / observer name",
    "kind": "fix, aprs or report",
    "description": "free text",
}
_REPORT_COLUMNS = (
    "time_utc",
    "time_uncertainty_h",
    "lat",
    "lon",
    "radius_km",
    "alt_m",
    "alt_uncertainty_m",
    "kind",
    "description",
    "source",
)
_ANGLE_COLUMNS = {
    "time": "ISO 8601 UTC time (required)",
    "observer_lat": "observer latitude, degrees (required)",
    "observer_lon": "observer longitude, degrees (required)",
    "observer_alt": "observer height above MSL, m (default 0)",
    "az_deg": "azimuth clockwise from true north, degrees (required)",
    "el_deg": "elevation above the horizon, degrees (required)",
    "sigma_deg": "one-sigma of az and el, degrees (> 0, default 1)",
    "range_m": "slant range, m (radar plots only)",
    "sigma_range_m": "one-sigma of range, m (> 0)",
    "source": "observer / sensor name",
    "description": "free text",
}


class _Rows:
    """Collects rows and issues for one file; raises at once when strict."""

    def __init__(self, path: Path, strict: bool, keep_repeats: bool = False) -> None:
        self.path = path
        self.strict = strict
        self.keep_repeats = keep_repeats
        self.rows: list[dict[str, object]] = []
        self.issues: list[InputError] = []

    def problem(self, exc: InputError) -> None:
        if exc.path is None:
            exc = InputError(
                exc.message,
                path=self.path,
                line=exc.line,
                field=exc.field,
                value=exc.value,
                expected=exc.expected,
            )
        if self.strict:
            raise exc
        self.issues.append(exc)

    def result(self) -> Observations:
        if not self.rows:
            detail = f" ({len(self.issues)} rejected: {self.issues[0]})" if self.issues else ""
            raise InputError(
                f"no valid observations{detail}",
                path=self.path,
                expected="at least one valid data row",
            )
        self.issues.sort(key=lambda e: e.line if e.line is not None else 0)
        obs = make_observations(self.rows, issues=self.issues)
        return obs if self.keep_repeats else obs.without_repeats()


def _num(
    row: dict[str, str],
    key: str,
    line: int,
    *,
    required: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    positive: bool = False,
    nonneg: bool = False,
    expected: str = "a number",
) -> float:
    text = (row.get(key) or "").strip()
    if text == "":
        if required:
            raise InputError("missing value", line=line, field=key, expected=expected)
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            "not a number", line=line, field=key, value=text, expected=expected
        ) from None
    if not math.isfinite(value):
        raise InputError("not a finite number", line=line, field=key, value=text, expected=expected)
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise InputError(
            "out of range", line=line, field=key, value=value, expected=f"{lo} <= {key} <= {hi}"
        )
    if positive and value <= 0:
        raise InputError("must be positive", line=line, field=key, value=value, expected="> 0")
    if nonneg and value < 0:
        raise InputError("must not be negative", line=line, field=key, value=value, expected=">= 0")
    return value


def _time(row: dict[str, str], key: str, line: int) -> float:
    text = (row.get(key) or "").strip()
    if not text:
        raise InputError("missing time", line=line, field=key, expected="ISO 8601 UTC time")
    try:
        return parse_time(text, field=key).timestamp()
    except InputError as exc:
        raise InputError(
            exc.message, line=line, field=key, value=text, expected=exc.expected
        ) from None


def _read_text(path: Path, *, expected: str = "a UTF-8 CSV, JSON or APRS text file") -> str:
    """The file as text (UTF-8, optional BOM); a binary or mis-encoded file is an InputError
    naming the line of the first bad byte (``expected`` says what the file should have been)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "not a UTF-8 text file",
            path=path,
            line=data.count(b"\n", 0, exc.start) + 1,
            value=data[exc.start : exc.start + 8],
            expected=expected,
        ) from None


def _csv_rows(
    path: Path, out: _Rows, known: dict[str, str] | tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows of a CSV with their 1-based line numbers; checks the header."""
    with io.StringIO(_read_text(path), newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            header = [h.strip() for h in (reader.fieldnames or [])]
        except csv.Error as exc:
            raise InputError(f"unreadable CSV header: {exc}", path=path, line=1) from None
        if not header:
            raise InputError("empty file", path=path, expected="a CSV header and data rows")
        reader.fieldnames = header
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(
                "missing required column",
                path=path,
                line=1,
                field=missing[0],
                value=",".join(header),
                expected="columns " + ", ".join(required),
            )
        for col in header:
            if col not in known:
                out.problem(
                    InputError(
                        "unknown column (ignored)",
                        path=path,
                        line=1,
                        field=col,
                        expected="one of " + ", ".join(known),
                    )
                )
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(
                    f"unreadable CSV: {exc}", path=path, line=reader.line_num
                ) from None
            line = reader.line_num
            if all((v or "").strip() == "" for k, v in row.items() if k is not None):
                continue
            if None in row:
                out.problem(
                    InputError("more fields than the header", path=path, line=line, value=row[None])
                )
                continue
            yield line, row


def _lat_lon(row: dict[str, str], line: int, lat_key: str, lon_key: str) -> tuple[float, float]:
    lat = _num(row, lat_key, line, required=True, expected="-90 <= lat <= 90")
    lon = _num(row, lon_key, line, required=True, expected="-180 <= lon < 360")
    try:  # the one coordinate rule of every command (geo.coords)
        return check_lat(lat, field=lat_key), check_lon(lon, field=lon_key)
    except InputError as exc:
        raise InputError(
            exc.message, line=line, field=exc.field, value=exc.value, expected=exc.expected
        ) from None
