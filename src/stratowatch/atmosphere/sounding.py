"""Radiosonde soundings as horizontally uniform, steady wind profiles.

Readers for the University of Wyoming CSV (``wind direction_degree``, ``wind speed_m/s``,
``geopotential height_m`` ... columns) and the NOAA IGRA v2 raw text format (fixed width, one
``#`` header per sounding [IGRA2]_). Both give a `GriddedWind` via `profile_wind`: linear in height
between the reported levels, the same at every place and time (a warning says so).

Wind from direction (meteorological, degrees clockwise from north, the direction the wind comes
*from*) and speed s: :math:`u = -s \\sin d`, :math:`v = -s \\cos d`.

Heights: radiosonde heights are geopotential (gpm). By default they are converted to geometric
altitude above MSL with `geometric_from_geopotential_height` at the station latitude (as gridded
winds are), because query altitudes (GPS, flight models) are geometric; ``heights="reported"``
keeps the file's numbers (as plain tools that interpolate in the reported heights do).
At 18 km the two differ by ~50 m.

Rows that cannot be parsed are skipped and reported (``meta.warnings``, with line numbers);
a file with no usable wind level raises `InputError` naming the file and the first bad line.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import InputError
from ..timeutil import iso, to_epoch
from .gridded import geometric_from_geopotential_height
from .wind import GriddedWind, profile_wind

__all__ = ["read_wyoming_csv", "read_igra2", "wind_components"]

Heights = Literal["geometric", "reported"]
_KNOT = 0.514444  # m/s


def wind_components(direction_deg: np.ndarray, speed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) m/s from meteorological direction (from, deg) and speed (m/s)."""
    d = np.radians(np.asarray(direction_deg, dtype=np.float64))
    s = np.asarray(speed, dtype=np.float64)
    return -s * np.sin(d), -s * np.cos(d)


@dataclass
class _Rows:
    height: list[float] = field(default_factory=list)
    pressure: list[float] = field(default_factory=list)
    direction: list[float] = field(default_factory=list)
    speed: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)
    bad_reasons: list[str] = field(default_factory=list)


def _read_text(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError("sounding file not found", path=path, expected="an existing file")
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read sounding file ({exc})", path=path) from None


def _skip_note(rows: _Rows) -> tuple[str, ...]:
    if not rows.bad_lines:
        return ()
    lines = ", ".join(str(n) for n in rows.bad_lines[:10])
    more = "" if len(rows.bad_lines) <= 10 else f" and {len(rows.bad_lines) - 10} more"
    return (
        f"skipped {len(rows.bad_lines)} unreadable row(s): line {lines}{more} "
        f"(first: {rows.bad_reasons[0]})",
    )


def _finish(
    path: Path,
    rows: _Rows,
    lat: float,
    lon: float,
    launch: float | None,
    heights: Heights,
    kind: str,
    extra_warnings: Sequence[str] = (),
    header_line: int | None = None,
) -> GriddedWind:
    h = np.asarray(rows.height, dtype=np.float64)
    p = np.asarray(rows.pressure, dtype=np.float64)
    wd = np.asarray(rows.direction, dtype=np.float64)
    ws = np.asarray(rows.speed, dtype=np.float64)
    # levels with wind and pressure but no height: height interpolated in ln(p) from neighbours
    missing_h = ~np.isfinite(h) & np.isfinite(p) & (p > 0)
    known = np.isfinite(h) & np.isfinite(p) & (p > 0)
    if missing_h.any() and known.sum() >= 2:
        order = np.argsort(-np.log(p[known]))
        x = -np.log(p[known])[order]
        h[missing_h] = np.interp(
            -np.log(p[missing_h]), x, h[known][order], left=np.nan, right=np.nan
        )
    ok = np.isfinite(h) & np.isfinite(wd) & np.isfinite(ws) & (ws >= 0) & (wd >= 0) & (wd <= 360)
    if not ok.any():
        first = rows.bad_lines[0] if rows.bad_lines else header_line
        raise InputError(
            "no usable wind level (height, direction, speed) in the sounding",
            path=path,
            line=first,
            value=rows.bad_reasons[0] if rows.bad_reasons else None,
            expected=f"{kind} rows with numeric height, wind direction and wind speed",
        )
    z = h[ok]
    if heights == "geometric":
        z = geometric_from_geopotential_height(z, lat)
    u, v = wind_components(wd[ok], ws[ok])
    # where and when each level was measured (for the error model): the balloon's reported
    # position if the file has one, else the station; the elapsed time if reported, else
    # from the height at a nominal 5 m/s ascent (WMO8: typical radiosonde ascent rate)
    n = len(rows.height)
    lat_l = np.asarray(rows.lat if len(rows.lat) == n else [math.nan] * n, dtype=np.float64)
    lon_l = np.asarray(rows.lon if len(rows.lon) == n else [math.nan] * n, dtype=np.float64)
    el = np.asarray(rows.elapsed if len(rows.elapsed) == n else [math.nan] * n, dtype=np.float64)
    lat_l = np.where(np.isfinite(lat_l) & (np.abs(lat_l) <= 90.0), lat_l, lat)[ok]
    lon_l = np.where(np.isfinite(lon_l), lon_l, lon)[ok]
    h0 = float(np.nanmin(h[ok]))
    el = np.where(np.isfinite(el) & (el >= 0.0), el, (h - h0) / 5.0)[ok]
    t_l = (0.0 if launch is None else launch) + el
    warnings = (
        f"sounding {path.name}"
        + ("" if launch is None else f" ({iso(launch)})")
        + ": one horizontally uniform, steady profile, used at every place and time",
        *extra_warnings,
        *_skip_note(rows),
    )
    return profile_wind(
        z,
        u,
        v,
        source=path.name,
        kind="sounding",
        time_start=launch,
        time_end=launch,
        warnings=tuple(warnings),
        lat=lat_l,
        lon=lon_l,
        time=t_l,
    )


def _num(text: str) -> float:
    t = text.strip()
    if t == "" or t.lower() in ("nan", "na", "--", "-9999", "-8888"):
        return math.nan
    return float(t)


def read_wyoming_csv(path: str | Path, *, heights: Heights = "geometric") -> GriddedWind:
    """A University of Wyoming sounding CSV as a horizontally uniform wind profile.

    Columns found by name: ``geopotential height_m``, ``wind direction_degree``,
    ``wind speed_m/s`` (or ``_knot``), ``pressure_hPa``, ``latitude``, ``time``. Rows with
    blank winds (e.g. the top level) are levels without wind, not errors; rows that do not
    parse are skipped and listed in ``meta.warnings``.
    """
    p = Path(path)
    lines = _read_text(p)
    if not lines:
        raise InputError("empty sounding file", path=p, line=1, expected="a Wyoming CSV header")
    header = [c.strip().lower() for c in next(csv.reader([lines[0]]))]

    def col(*names: str) -> int | None:
        for n in names:
            for i, c in enumerate(header):
                if c.startswith(n):
                    return i
        return None

    ih = col("geopotential height", "height")
    idir = col("wind direction", "direction")
    isp = col("wind speed")
    ip = col("pressure")
    ilat = col("latitude")
    ilon = col("longitude")
    it = col("time")
    if ih is None or idir is None or isp is None:
        raise InputError(
            "not a Wyoming sounding CSV: height/wind columns missing",
            path=p,
            line=1,
            value=lines[0][:120],
            expected="columns 'geopotential height_m', 'wind direction_degree', 'wind speed_m/s'",
        )
    speed_scale = _KNOT if "knot" in header[isp] else 1.0
    rows = _Rows()
    lat = math.nan
    lon = math.nan
    launch: float | None = None
    for lineno, rec in enumerate(csv.reader(lines[1:]), start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        try:
            if len(rec) != len(header):
                raise ValueError(f"{len(rec)} fields, header has {len(header)}")
            h = _num(rec[ih])
            wd = _num(rec[idir])
            ws = _num(rec[isp]) * speed_scale
            pr = _num(rec[ip]) if ip is not None else math.nan
            la_r = _num(rec[ilat]) if ilat is not None else math.nan
            lo_r = _num(rec[ilon]) if ilon is not None else math.nan
            if math.isnan(lat):
                lat = la_r
            if math.isnan(lon):
                lon = lo_r
            if it is not None and launch is None and rec[it].strip():
                launch = to_epoch(rec[it].strip())
        except (ValueError, InputError) as exc:
            rows.bad_lines.append(lineno)
            rows.bad_reasons.append(str(exc))
            continue
        rows.height.append(h)
        rows.pressure.append(pr)
        rows.direction.append(wd)
        rows.speed.append(ws)
        rows.lat.append(la_r)
        rows.lon.append(lo_r)
    if not -90.0 <= lat <= 90.0:
        lat = 45.0 if math.isnan(lat) else lat
        if not -90.0 <= lat <= 90.0:
            raise InputError("station latitude out of range", path=p, field="latitude", value=lat)
    lon = 0.0 if math.isnan(lon) else lon
    return _finish(p, rows, lat, lon, launch, heights, "Wyoming CSV")


@dataclass(frozen=True)
class _IgraHeader:
    line: int
    station: str
    time: float | None
    nlev: int
    lat: float
    lon: float


def _igra_header(text: str, lineno: int, path: Path) -> _IgraHeader:
    try:
        station = text[1:12].strip()
        year, month, day, hour = (
            int(text[a:b]) for a, b in ((13, 17), (18, 20), (21, 23), (24, 26))
        )
        nlev = int(text[32:36])
        lat = int(text[55:62]) / 10000.0
        lon = int(text[63:71]) / 10000.0
    except ValueError:
        raise InputError(
            "unreadable IGRA2 header line",
            path=path,
            line=lineno,
            value=text[:71],
            expected="#ID YEAR MONTH DAY HOUR RELTIME NUMLEV P_SRC NP_SRC LAT LON (fixed width)",
        ) from None
    when = None
    if 1 <= month <= 12 and 1 <= day <= 31 and 0 <= hour <= 23:
        when = dt.datetime(year, month, day, hour, tzinfo=dt.UTC).timestamp()
    return _IgraHeader(lineno, station, when, nlev, lat, lon)


def read_igra2(
    path: str | Path, *, time: str | float | None = None, heights: Heights = "geometric"
) -> GriddedWind:
    """One sounding of a NOAA IGRA v2 raw data file as a horizontally uniform wind profile.

    The file may hold many soundings (one ``#`` header each); ``time`` picks the one nearest
    that time (default: the first; a warning says how many there were). Data columns (0-based,
    end-exclusive, [IGRA2]_): press (9,15) Pa, gph (16,21) m, wdir (40,45) deg, wspd (46,51)
    0.1 m/s; -9999/-8888 are missing. Levels with wind and pressure but no height get a height
    interpolated in ln(p) between their neighbours.
    """
    p = Path(path)
    lines = _read_text(p)
    headers = [_igra_header(t, i, p) for i, t in enumerate(lines, start=1) if t.startswith("#")]
    if not headers:
        raise InputError(
            "no IGRA2 sounding header ('#' line) in file",
            path=p,
            line=1,
            value=lines[0][:40] if lines else "",
            expected="IGRA v2 raw data format",
        )
    chosen = headers[0]
    if time is not None:
        t = to_epoch(time)
        timed = [h for h in headers if h.time is not None]
        if timed:
            chosen = min(timed, key=lambda h: abs((h.time or 0.0) - t))
    rows = _Rows()
    lineno = chosen.line
    for lineno in range(chosen.line + 1, len(lines) + 1):
        text = lines[lineno - 1]
        if text.startswith("#"):
            break
        if not text.strip():
            continue
        try:
            if len(text) < 51:
                raise ValueError(f"line has {len(text)} characters, expected >= 51")
            int(text[0:2])
            et = _num(text[3:8])
            pa = _num(text[9:15])
            gph = _num(text[16:21])
            wd = _num(text[40:45])
            ws = _num(text[46:51])
        except ValueError as exc:
            rows.bad_lines.append(lineno)
            rows.bad_reasons.append(str(exc))
            continue
        rows.height.append(gph)
        rows.pressure.append(pa)
        rows.direction.append(wd)
        rows.speed.append(ws / 10.0)
        # ETIME is MMMSS (minutes and seconds since launch); -8888/-9999 missing
        rows.elapsed.append(
            math.nan if not math.isfinite(et) or et < 0 else (et // 100) * 60.0 + et % 100
        )
    extra = []
    if len(headers) > 1:
        extra.append(
            f"file holds {len(headers)} soundings; using {chosen.station} "
            f"{iso(chosen.time) if chosen.time is not None else '(time unknown)'}"
        )
    if not -90.0 <= chosen.lat <= 90.0:
        raise InputError(
            "station latitude out of range", path=p, line=chosen.line, field="LAT", value=chosen.lat
        )
    n_rows = len(rows.height) + len(rows.bad_lines)
    if n_rows < chosen.nlev:
        extra.append(
            f"header at line {chosen.line} announces {chosen.nlev} levels, found {n_rows} "
            "(truncated file?)"
        )
        if n_rows == 0:
            raise InputError(
                f"sounding has no data rows (header announces {chosen.nlev}; truncated file?)",
                path=p,
                line=chosen.line,
                expected="data rows after the '#' header",
            )
    return _finish(
        p, rows, chosen.lat, chosen.lon, chosen.time, heights, "IGRA2", extra, chosen.line
    )
