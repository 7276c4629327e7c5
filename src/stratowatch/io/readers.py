"""Readers of tracking inputs into `Observations`: position CSV/JSON, raw APRS logs, UKHAS
telemetry logs, SHAB APRS CSV, vague public reports, and ground sightings / radar plots.

Every reader checks each row (time parses, lat/lon in range, sigmas > 0) and, by default, keeps the
valid rows and returns the problems as ``Observations.issues`` (`InputError` naming file, line,
field, value and what was expected). With ``strict=True`` the first problem is raised instead.
An empty input (no data rows) always raises. Repeats of an earlier reception are dropped and
listed in ``Observations.repeats`` (rules: `Observations.without_repeats`, docs/tracking.md
"Telemetry hygiene"); ``keep_repeats=True`` keeps every reception.

Uncertainty conventions (documented in docs/tracking.md):
- a public report's ``radius_km`` is read as a 95 % horizontal radius: per-axis sigma =
  radius / 2.448 (the 95 % radius of a circular 2-D Gaussian is sqrt(-2 ln 0.05) sigma);
  ``time_uncertainty_h`` is a one-sigma time uncertainty;
- APRS/GPS fixes: sigma_h = 30 m (GPS plus the 0.01' position resolution of APRS), sigma_alt = 30 m unless told otherwise;
- a CSV fix without ``sigma_m`` gets 50 m.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from ..core.observations import Observations
from ..errors import InputError
from .aprs import (
    _LOG_LINE,
)
from .aprs import (
    read_aprs_log as read_aprs_log,
)
from .aprs import (
    read_shab_csv as read_shab_csv,
)
from .aprs import (
    retime_late_packets as retime_late_packets,
)
from .fields import (
    _ANGLE_COLUMNS,
    _FIX_COLUMNS,
    _REPORT_COLUMNS,
    _csv_rows,
    _lat_lon,
    _num,
    _read_text,
    _Rows,
    _time,
)
from .fields import (
    DEFAULT_FIX_SIGMA as DEFAULT_FIX_SIGMA,
)
from .fields import (
    FT as FT,
)
from .fields import (
    GPS_SIGMA_ALT as GPS_SIGMA_ALT,
)
from .fields import (
    GPS_SIGMA_H as GPS_SIGMA_H,
)
from .fields import (
    R95 as R95,
)
from .ukhas import (
    read_ukhas_log as read_ukhas_log,
)

__all__ = [
    "read_observations",
    "read_fixes_csv",
    "read_fixes_json",
    "read_reports_csv",
    "read_aprs_log",
    "read_shab_csv",
    "read_angles_csv",
    "read_ukhas_log",
    "retime_late_packets",
    "sniff_format",
    "FormatName",
]

FormatName = Literal["auto", "csv", "json", "aprs", "ukhas", "reports", "shab", "angles"]


def read_fixes_csv(
    path: str | Path, *, strict: bool = False, keep_repeats: bool = False
) -> Observations:
    """Position fixes from a CSV with columns ``time,lat,lon[,alt,sigma_m,sigma_alt_m,
    time_sigma_s,source,kind,description]`` (alt in m and may be empty; sigma_m default 50 m).
    """
    p = Path(path)
    out = _Rows(p, strict, keep_repeats)
    stem, where = p.stem, str(p)
    for line, row in _csv_rows(p, out, _FIX_COLUMNS, ("time", "lat", "lon")):
        try:
            t = _time(row, "time", line)
            lat, lon = _lat_lon(row, line, "lat", "lon")
            alt = _num(row, "alt", line, lo=-500, hi=100_000, expected="m above MSL")
            sig = _num(row, "sigma_m", line, positive=True, expected="metres > 0")
            sig_alt = _num(row, "sigma_alt_m", line, positive=True, expected="metres > 0")
            tsig = _num(row, "time_sigma_s", line, nonneg=True, expected="seconds >= 0")
            kind = (row.get("kind") or "fix").strip() or "fix"
            if kind not in ("fix", "aprs", "report"):
                raise InputError(
                    "unknown kind",
                    line=line,
                    field="kind",
                    value=kind,
                    expected="fix, aprs or report",
                )
        except InputError as exc:
            out.problem(exc)
            continue
        out.rows.append(
            {
                "time": t,
                "time_sigma": 0.0 if math.isnan(tsig) else tsig,
                "lat": lat,
                "lon": lon,
                "alt": alt,
                "sigma_h": DEFAULT_FIX_SIGMA if math.isnan(sig) else sig,
                "sigma_alt": (
                    (GPS_SIGMA_ALT if not math.isnan(alt) else math.nan)
                    if math.isnan(sig_alt)
                    else sig_alt
                ),
                "kind": kind,
                "source": (row.get("source") or "").strip() or stem,
                "text": (row.get("description") or "").strip(),
                "line": line,
                "path": where,
            }
        )
    return out.result()


def read_fixes_json(
    path: str | Path, *, strict: bool = False, keep_repeats: bool = False
) -> Observations:
    """Position fixes from JSON: a list of objects with the CSV's keys, or a GeoJSON
    FeatureCollection of Points (``properties.time``, optional ``sigma_m``)."""
    p = Path(path)
    try:
        data = json.loads(_read_text(p))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=p, line=exc.lineno) from None
    items: list[dict[str, Any]]
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        items = []
        for f in data.get("features", []):
            props = dict(f.get("properties") or {})
            coords = (f.get("geometry") or {}).get("coordinates") or []
            if len(coords) >= 2:
                props["lon"], props["lat"] = coords[0], coords[1]
            if len(coords) >= 3:
                props["alt"] = coords[2]
            items.append(props)
    elif isinstance(data, list):
        items = [d for d in data if isinstance(d, dict)]
    else:
        raise InputError(
            "unsupported JSON layout", path=p, expected="a list of fixes or a FeatureCollection"
        )
    out = _Rows(p, strict, keep_repeats)
    for i, item in enumerate(items, start=1):
        row = {k: "" if v is None else str(v) for k, v in item.items()}
        try:
            t = _time(row, "time", i)
            lat, lon = _lat_lon(row, i, "lat", "lon")
            alt = _num(row, "alt", i, lo=-500, hi=100_000)
            sig = _num(row, "sigma_m", i, positive=True, expected="metres > 0")
        except InputError as exc:
            out.problem(exc)
            continue
        out.rows.append(
            {
                "time": t,
                "time_sigma": 0.0,
                "lat": lat,
                "lon": lon,
                "alt": alt,
                "sigma_h": DEFAULT_FIX_SIGMA if math.isnan(sig) else sig,
                "sigma_alt": GPS_SIGMA_ALT if not math.isnan(alt) else math.nan,
                "kind": "fix",
                "source": row.get("source", "") or p.stem,
                "line": i,
                "path": str(p),
            }
        )
    return out.result()


def read_reports_csv(
    path: str | Path, *, strict: bool = False, keep_repeats: bool = False
) -> Observations:
    """Vague public reports (``feb2023_public_reports.csv`` layout): ``time_utc,
    time_uncertainty_h,lat,lon,radius_km[,alt_m,alt_uncertainty_m,kind,description,source]``.

    ``radius_km`` is a 95 % radius (sigma = radius / 2.448); the time uncertainty is one sigma.
    """
    p = Path(path)
    out = _Rows(p, strict, keep_repeats)
    required = ("time_utc", "lat", "lon", "radius_km")
    for line, row in _csv_rows(p, out, _REPORT_COLUMNS, required):
        try:
            t = _time(row, "time_utc", line)
            tu = _num(row, "time_uncertainty_h", line, nonneg=True, expected="hours >= 0")
            lat, lon = _lat_lon(row, line, "lat", "lon")
            radius = _num(row, "radius_km", line, required=True, positive=True, expected="km > 0")
            alt = _num(row, "alt_m", line, lo=-500, hi=100_000)
            alt_u = _num(row, "alt_uncertainty_m", line, positive=True, expected="metres > 0")
        except InputError as exc:
            out.problem(exc)
            continue
        label = (row.get("kind") or "report").strip()
        out.rows.append(
            {
                "time": t,
                "time_sigma": 0.0 if math.isnan(tu) else tu * 3600.0,
                "lat": lat,
                "lon": lon,
                "alt": alt,
                "sigma_h": radius * 1000.0 / R95,
                "sigma_alt": (2000.0 if math.isnan(alt_u) else alt_u)
                if not math.isnan(alt)
                else math.nan,
                "kind": "report",
                "source": (row.get("source") or "").strip() or p.stem,
                "text": f"[{label}] " + (row.get("description") or "").strip(),
                "line": line,
                "path": str(p),
            }
        )
    return out.result()


def read_angles_csv(
    path: str | Path, *, strict: bool = False, keep_repeats: bool = False
) -> Observations:
    """Ground sightings and radar plots: ``time,observer_lat,observer_lon[,observer_alt],az_deg,
    el_deg[,sigma_deg,range_m,sigma_range_m,source,description]``. Rows with a range are radar
    plots, the others angle-only sightings."""
    p = Path(path)
    out = _Rows(p, strict, keep_repeats)
    stem, where = p.stem, str(p)
    required = ("time", "observer_lat", "observer_lon", "az_deg", "el_deg")
    for line, row in _csv_rows(p, out, _ANGLE_COLUMNS, required):
        try:
            t = _time(row, "time", line)
            olat, olon = _lat_lon(row, line, "observer_lat", "observer_lon")
            oalt = _num(row, "observer_alt", line, lo=-500, hi=100_000)
            az = _num(row, "az_deg", line, required=True, lo=-360, hi=360)
            el = _num(row, "el_deg", line, required=True, lo=-5, hi=90)
            sig = _num(row, "sigma_deg", line, positive=True, expected="degrees > 0")
            rng = _num(row, "range_m", line, positive=True, expected="metres > 0")
            sig_r = _num(row, "sigma_range_m", line, positive=True, expected="metres > 0")
        except InputError as exc:
            out.problem(exc)
            continue
        radar = not math.isnan(rng)
        out.rows.append(
            {
                "time": t,
                "time_sigma": 0.0,
                "sensor_lat": olat,
                "sensor_lon": olon,
                "sensor_alt": 0.0 if math.isnan(oalt) else oalt,
                "az": math.radians(az % 360.0),
                "el": math.radians(el),
                "sigma_ang": math.radians(1.0 if math.isnan(sig) else sig),
                "range": rng,
                "sigma_range": (100.0 if math.isnan(sig_r) else sig_r) if radar else math.nan,
                "kind": "radar" if radar else "sighting",
                "source": (row.get("source") or "").strip() or stem,
                "text": (row.get("description") or "").strip(),
                "line": line,
                "path": where,
            }
        )
    return out.result()


_READERS: dict[str, Callable[..., Observations]] = {
    "csv": read_fixes_csv,
    "json": read_fixes_json,
    "aprs": read_aprs_log,
    "ukhas": read_ukhas_log,
    "reports": read_reports_csv,
    "shab": read_shab_csv,
    "angles": read_angles_csv,
}


def sniff_format(path: str | Path) -> str:
    """Guess the reader of a file from its suffix and header line."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".json", ".geojson"):
        return "json"
    try:
        with p.open(encoding="utf-8-sig", errors="replace") as fh:
            first = ""
            head: list[str] = []
            for raw in fh:
                if raw.strip():
                    first = first or raw.strip()
                    head.append(raw)
                if len(head) >= 200:
                    break
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=p) from None
    if not first:
        raise InputError("empty file", path=p, expected="observations (CSV, JSON or APRS log)")
    if any(re.search(r"\$\$[A-Za-z0-9_-]+,", h) for h in head):
        return "ukhas"
    if _LOG_LINE.match(first) or re.match(r"^[A-Z0-9-]{3,9}>[^:]+:", first):
        return "aprs"
    header = {h.strip() for h in first.split(",")}
    if "radius_km" in header:
        return "reports"
    if "lng" in header and "lat" in header:
        return "shab"
    if "az_deg" in header:
        return "angles"
    return "csv"


def read_observations(
    paths: str | Path | list[str | Path],
    *,
    format: FormatName = "auto",
    strict: bool = False,
    keep_repeats: bool = False,
) -> Observations:
    """Read one or many files (each with ``format`` or its sniffed format) into one
    `Observations`, sorted by time, without repeats (`Observations.without_repeats`, also
    across files; they are listed in ``repeats``), late packets re-timed
    (`retime_late_packets`); problems in ``issues``. ``keep_repeats`` keeps every reception
    (each reader takes the same keyword), e.g. to look at the raw feed."""
    items = paths if isinstance(paths, list) else [paths]
    if not items:
        raise InputError("no input files given", expected="one or more report files")
    parts = []
    for item in items:
        p = Path(item)
        if not p.exists():
            raise InputError("file not found", path=p)
        fmt = sniff_format(p) if format == "auto" else format
        if fmt not in _READERS:
            raise InputError(
                "unknown input format", path=p, value=fmt, expected=", ".join(_READERS)
            )
        parts.append(_READERS[fmt](p, strict=strict, keep_repeats=keep_repeats))
    if len(parts) == 1 or keep_repeats:
        return parts[0] if len(parts) == 1 else Observations.concat(parts).sorted()
    # the same packets may come from several files (two receivers' logs)
    return retime_late_packets(Observations.concat(parts).without_repeats())
