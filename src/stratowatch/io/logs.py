"""Reader of dense flight logs: one position a second (or a few seconds) for hours.

- **Delimited position logs** (`read_position_log`, returning a `PositionLog`: arrays sorted
  by time, one fix per time): a header row and one fix per row, comma,
  semicolon or tab separated. The columns are found by name, case-insensitively, among common
  spellings: time (``time``, ``timestamp``, ``datetime``, ``time_utc``), latitude (``lat``,
  ``latitude``), longitude (``lon``, ``lng``, ``long``, ``longitude``), altitude in m above MSL
  (``alt``, ``altitude``, ``alt_m``, ``altitude_m``, ``height``) and optionally the tracker
  that sent the fix (``source``, ``tracker``, ``serial``, ``sonde``, ``payload``,
  ``callsign``; not the station that heard it). Other columns are
  ignored. This reads the plain ``time,lat,lon,alt`` log, the radiosonde_auto_rx
  ``*_sonde.log`` (``timestamp,serial,frame,lat,lon,alt,...``) and radiosondy.info exports
  (``STATION;SONDE;DateTime;Latitude;Longitude;...;Altitude``).
UKHAS telemetry logs are read by `io.readers.read_ukhas_log`.

Rules (documented in docs/prediction.md, "Verification"):

- Times are UTC: ``Z`` or an offset is honoured, a time without zone is UTC; epoch seconds are
  accepted. Rows may come in any order (exports are often newest first): they are sorted.
- A row whose time does not parse, whose latitude/longitude is out of range or (0, 0) (no GPS
  fix), whose altitude is missing, not finite or outside -500..100,000 m, or whose field count
  differs from the header is skipped and reported as an `InputError` in ``issues`` (file, line,
  field, value, expected); the valid rows are kept. ``strict=True`` raises the first problem.
- Several rows with the same time (one frame heard by several stations) keep the first row in
  file order; their count is in ``repeats``.
- A file without any valid row raises `InputError`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .fields import _read_text

__all__ = ["PositionLog", "read_position_log", "read_log", "looks_like_log"]

FloatArray = npt.NDArray[np.float64]

_ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time", "timestamp", "datetime", "date_time", "time_utc", "utc", "datetime_utc"),
    "lat": ("lat", "latitude", "lat_deg"),
    "lon": ("lon", "lng", "long", "longitude", "lon_deg"),
    "alt": ("alt", "altitude", "alt_m", "altitude_m", "height", "height_m", "gps_alt"),
    "source": ("source", "tracker", "serial", "sonde", "payload", "callsign"),
}
_EXPECTED = {
    "time": "an ISO 8601 UTC time (e.g. 2021-05-02T16:49:38Z) or epoch seconds",
    "lat": "degrees north, -90..90",
    "lon": "degrees east, -180..360",
    "alt": "metres above MSL, -500..100000",
}


@dataclass(frozen=True, eq=False)
class PositionLog:
    """A flight log: fixes sorted by time (epoch s UTC, deg, deg, m MSL), one per time.

    ``source`` names the tracker of each fix; ``line`` its 1-based line in the file;
    ``issues`` the rows skipped (`InputError`); ``repeats`` the rows dropped because another row
    had the same time; ``reordered`` whether the file was not in time order; ``format`` the
    reader used.
    """

    path: str
    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    source: npt.NDArray[np.str_]
    line: npt.NDArray[np.int64]
    format: str
    issues: list[InputError] = field(default_factory=list)
    repeats: int = 0
    reordered: bool = False

    @property
    def size(self) -> int:
        return int(self.time.size)


def _parse_time(text: str) -> float:
    """Epoch seconds of an ISO 8601 time (naive = UTC) or of a number of epoch seconds."""
    s = text.strip()
    if not s:
        raise ValueError("empty")
    if s[0].isdigit() and s.replace(".", "", 1).isdigit():
        v = float(s)
        if v > 1e8:  # epoch seconds (after 1973)
            return v
        raise ValueError("not a time")
    t = dt.datetime.fromisoformat(s[:-1] + "+00:00" if s[-1] in "Zz" else s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.timestamp()


def _number(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError("not finite")
    return v


class _Collector:
    """Valid fixes and problems of one file."""

    def __init__(self, path: Path, strict: bool, fmt: str) -> None:
        self.path = path
        self.strict = strict
        self.format = fmt
        self.t: list[float] = []
        self.la: list[float] = []
        self.lo: list[float] = []
        self.al: list[float] = []
        self.src: list[str] = []
        self.ln: list[int] = []
        self.issues: list[InputError] = []

    def problem(
        self, message: str, *, line: int, field: str | None = None, value: object = None,
        expected: str | None = None,
    ) -> None:  # fmt: skip
        exc = InputError(
            message, path=self.path, line=line, field=field, value=value, expected=expected
        )
        if self.strict:
            raise exc
        self.issues.append(exc)

    def fix(self, line: int, values: dict[str, str], source: str) -> None:
        """Check one row's time/lat/lon/alt texts and keep it, or report the first problem."""
        parsed: dict[str, float] = {}
        for key in ("time", "lat", "lon", "alt"):
            text = (values.get(key) or "").strip()
            if not text:
                self.problem("missing value", line=line, field=key, expected=_EXPECTED[key])
                return
            try:
                v = _parse_time(text) if key == "time" else _number(text)
            except ValueError:
                what = "cannot parse time" if key == "time" else "not a finite number"
                self.problem(what, line=line, field=key, value=text, expected=_EXPECTED[key])
                return
            parsed[key] = v
        lat, lon, alt = parsed["lat"], parsed["lon"], parsed["alt"]
        if not -90.0 <= lat <= 90.0:
            self.problem(
                "out of range", line=line, field="lat", value=lat, expected=_EXPECTED["lat"]
            )
            return
        if not -180.0 <= lon <= 360.0:
            self.problem(
                "out of range", line=line, field="lon", value=lon, expected=_EXPECTED["lon"]
            )
            return
        if lat == 0.0 and lon == 0.0:
            self.problem(
                "no GPS fix (position 0, 0)", line=line, field="lat", value="0, 0",
                expected="a GPS position",
            )  # fmt: skip
            return
        if not -500.0 <= alt <= 100_000.0:
            self.problem(
                "out of range", line=line, field="alt", value=alt, expected=_EXPECTED["alt"]
            )
            return
        self.t.append(parsed["time"])
        self.la.append(lat)
        self.lo.append(lon - 360.0 if lon > 180.0 else lon)
        self.al.append(alt)
        self.src.append(source)
        self.ln.append(line)

    def result(self) -> PositionLog:
        if not self.t:
            detail = (
                f" ({len(self.issues)} rejected; first: {self.issues[0]})" if self.issues else ""
            )
            raise InputError(
                f"no valid fixes{detail}",
                path=self.path,
                expected="rows with a time, latitude, longitude and altitude",
            )
        t = np.asarray(self.t, dtype=np.float64)
        order = np.argsort(t, kind="stable")
        reordered = bool(np.any(order != np.arange(t.size)))
        t = t[order]
        keep = np.ones(t.size, dtype=bool)
        keep[1:] = np.diff(t) > 0.0  # same time: the first row in file order (stable sort)
        idx = order[keep]
        return PositionLog(
            path=str(self.path),
            time=t[keep],
            lat=np.asarray(self.la, dtype=np.float64)[idx],
            lon=np.asarray(self.lo, dtype=np.float64)[idx],
            alt=np.asarray(self.al, dtype=np.float64)[idx],
            source=np.asarray(self.src, dtype=np.str_)[idx],
            line=np.asarray(self.ln, dtype=np.int64)[idx],
            format=self.format,
            issues=self.issues,
            repeats=int((~keep).sum()),
            reordered=reordered,
        )


def _header_map(header: Sequence[str]) -> dict[str, int]:
    """Column index of each of time/lat/lon/alt/source found in ``header``."""
    names = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    return found


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])


def looks_like_log(path: str | Path) -> bool:
    """Whether a file is a delimited position log: a header naming time, lat, lon and alt
    columns."""
    p = Path(path)
    try:
        with p.open(encoding="utf-8-sig", errors="replace") as fh:
            first = next((ln for ln in fh if ln.strip()), "")
    except OSError:
        return False
    if not first:
        return False
    cols = _header_map(first.strip().split(_delimiter(first)))
    return all(k in cols for k in ("time", "lat", "lon", "alt"))


def read_position_log(path: str | Path, *, strict: bool = False) -> PositionLog:
    """Read a delimited position log (see the module notes for columns and rules)."""
    p = Path(path)
    text = _read_text(p, expected="a text flight log")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first:
        raise InputError("empty file", path=p, expected="a header row and one fix per row")
    delim = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header: list[str] | None = None
    cols: dict[str, int] = {}
    out = _Collector(p, strict, "position log")
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if header is None:
                header = row
                cols = _header_map(row)
                missing = [k for k in ("time", "lat", "lon", "alt") if k not in cols]
                if missing:
                    raise InputError(
                        "missing required column",
                        path=p,
                        line=line,
                        field=missing[0],
                        value=delim.join(h.strip() for h in row),
                        expected="columns for time, lat, lon and alt (e.g. time,lat,lon,alt)",
                    )
                continue
            if len(row) != len(header):
                out.problem(
                    f"{len(row)} fields where the header has {len(header)}",
                    line=line,
                    value=delim.join(row)[:80],
                    expected=f"{len(header)} {delim!r}-separated fields",
                )
                continue
            values = {k: row[i] for k, i in cols.items()}
            out.fix(line, values, (values.get("source") or "").strip() or p.stem)
    except csv.Error as exc:
        raise InputError(f"unreadable CSV: {exc}", path=p, line=reader.line_num) from None
    return out.result()


def read_log(path: str | Path, *, strict: bool = False) -> PositionLog:
    """`read_position_log`, after checking the file exists."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", path=p)
    return read_position_log(p, strict=strict)
