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

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import InputError
from ..geo.coords import check_lat, check_lon
from ..timeutil import parse_time
from ..track.observations import LATE_NOTE, Observations, make_observations

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


def _read_text(path: Path) -> str:
    """The file as text (UTF-8, optional BOM); a binary or mis-encoded file is an InputError
    naming the line of the first bad byte."""
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
            expected="a UTF-8 CSV, JSON or APRS text file",
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


def read_fixes_csv(
    path: str | Path, *, strict: bool = False, keep_repeats: bool = False
) -> Observations:
    """Position fixes from a CSV with columns ``time,lat,lon[,alt,sigma_m,sigma_alt_m,
    time_sigma_s,source,kind,description]`` (alt in m and may be empty; sigma_m default 50 m).
    """
    p = Path(path)
    out = _Rows(p, strict, keep_repeats)
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
                "source": (row.get("source") or "").strip() or p.stem,
                "text": (row.get("description") or "").strip(),
                "line": line,
                "path": str(p),
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


# --- APRS -----------------------------------------------------------------------------------

_LOG_LINE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})(?:\.\d+)?\s*"
    r"(?P<tz>[A-Za-z]{1,4}|[+-]\d{2}:?\d{2})?\s*:\s(?P<packet>.+)$"
)
_TZ_HOURS = {
    "UTC": 0,
    "Z": 0,
    "GMT": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}


#: a note a logging tool appended to the raw packet (aprs.fi raw view, PacketRaven:
#: "[Delayed or out-of-order packet (timestamp)]", "[Duplicate position packet]"): not sent
_ANNOTATION = re.compile(r"\s+\[[A-Z][^\[\]]*\]\s*$")


def _log_time(date: str, clock: str, tz: str | None, line: int) -> float:
    base = dt.datetime.fromisoformat(f"{date}T{clock}")
    if tz is None or tz.upper() in _TZ_HOURS:
        hours = 0 if tz is None else _TZ_HOURS[tz.upper()]
        return base.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours))).timestamp()
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", tz)
    if m is None:
        raise InputError(
            "unknown time zone", line=line, field="time", value=tz, expected="UTC, EST, +05:00 ..."
        )
    sign = 1 if m.group(1) == "+" else -1
    off = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3))) * sign
    return base.replace(tzinfo=dt.timezone(off)).timestamp()


def _packet_time(raw_ts: str | None, received: float) -> float:
    """The packet's own UTC ``HHMMSSh`` time on the day that puts it nearest the receive time
    (APRS timestamps carry no date); the receive time when absent."""
    if not raw_ts or len(raw_ts) != 7 or raw_ts[6] != "h" or not raw_ts[:6].isdigit():
        return received
    hh, mm, ss = int(raw_ts[:2]), int(raw_ts[2:4]), int(raw_ts[4:6])
    if hh > 23 or mm > 59 or ss > 59:
        return received
    day = math.floor(received / 86400.0) * 86400.0
    best = received
    best_gap = math.inf
    for d in (-86400.0, 0.0, 86400.0):
        cand = day + d + hh * 3600 + mm * 60 + ss
        if abs(cand - received) < best_gap:
            best, best_gap = cand, abs(cand - received)
    # a packet time more than 2 h from its reception is not trusted
    return best if best_gap < 7200.0 else received


def read_aprs_log(
    path: str | Path, *, strict: bool = False, keep_repeats: bool = False
) -> Observations:
    """Raw APRS-IS TNC2 packets, one per line, optionally prefixed ``YYYY-MM-DD HH:MM:SS TZ: ``
    (the receive time, TZ as EST/UTC/+05:00), decoded with ``aprslib`` [APRS101]_.

    Time: the packet's own ``HHMMSSh`` UTC time when present, else the receive time. Altitude:
    ``A=`` feet converted to metres. Packets that fail to decode, or carry no position, are
    reported (with line and reason) and skipped. A note a logging tool appended to the line
    (``[Delayed or out-of-order packet (timestamp)]``) is not part of the packet: removed.
    Repeats of earlier receptions (digipeater and I-gate copies, up to an hour late; APRS-IS
    drops duplicates only within 30 s [APRSIS]_) are dropped and listed
    (`Observations.without_repeats`); late packets without a time of their own are re-timed
    from their sequence number (`retime_late_packets`).
    """
    import aprslib  # local: only this reader needs it

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path=p) from None
    out = _Rows(p, strict, keep_repeats)
    for line, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        m = _LOG_LINE.match(s)
        try:
            if m:
                received = _log_time(m.group("date"), m.group("time"), m.group("tz"), line)
                packet = m.group("packet")
            else:
                received = math.nan
                packet = s
            packet = _ANNOTATION.sub("", packet)
            try:
                pkt = aprslib.parse(packet)
            except (aprslib.ParseError, aprslib.UnknownFormat) as exc:
                raise InputError(
                    f"APRS packet not decoded: {exc}",
                    line=line,
                    field="packet",
                    value=packet[:80],
                    expected="a TNC2 position packet",
                ) from None
            if "latitude" not in pkt or "longitude" not in pkt:
                raise InputError(
                    "APRS packet has no position",
                    line=line,
                    field="packet",
                    value=packet[:80],
                    expected="a position report",
                )
            if math.isnan(received):
                if "timestamp" not in pkt:
                    raise InputError(
                        "no time: neither a log prefix nor a packet timestamp",
                        line=line,
                        field="time",
                        expected="'YYYY-MM-DD HH:MM:SS TZ: ' prefix",
                    )
                received = float(pkt["timestamp"])
            t = _packet_time(pkt.get("raw_timestamp"), received)
        except InputError as exc:
            out.problem(exc)
            continue
        alt = float(pkt["altitude"]) if pkt.get("altitude") is not None else math.nan
        comment = str(pkt.get("comment", ""))
        out.rows.append(
            {
                "time": t,
                "time_sigma": 0.0,
                "lat": float(pkt["latitude"]),
                "lon": float(pkt["longitude"]),
                "alt": alt,
                "sigma_h": GPS_SIGMA_H,
                "sigma_alt": GPS_SIGMA_ALT if not math.isnan(alt) else math.nan,
                "kind": "aprs",
                "source": str(pkt.get("from", p.stem)),
                "text": comment[:120],
                "line": line,
                "path": str(p),
                "received": received,
                "seq": _aprs_sequence(pkt, comment),
                "payload": packet.split(":", 1)[1] if ":" in packet else packet,
            }
        )
    return retime_late_packets(out.result())


#: a sequence number this far below the highest one seen is a restart (reboot, wrap), not a
#: late packet (late packets are at most ~60 behind at one packet per minute)
_SEQ_RESTART = 200
_SEQ_PATTERNS = (
    re.compile(r"StrTrk\s+(\d+)"),  # StratoTrack / SHAB trackers: "StrTrk 152 9 1.62V ..."
    re.compile(r"\b(\d{1,6})TxC\b"),  # LightAPRS: transmit counter "045TxC"
)


def _aprs_sequence(pkt: dict[str, Any], comment: str) -> int:
    """The packet's sequence number: base-91 comment telemetry (``|ss...|``), else a counter in
    the comment (``StrTrk N``, ``NNNTxC``); -1 when none."""
    tele = pkt.get("telemetry")
    if isinstance(tele, dict) and isinstance(tele.get("seq"), int):
        return int(tele["seq"])
    for pat in _SEQ_PATTERNS:
        m = pat.search(comment)
        if m:
            return int(m.group(1))
    return -1


def retime_late_packets(obs: Observations) -> Observations:
    """Packets timed by their reception (no time of their own) that arrive after a later packet
    of the same source (their sequence number is below one already received) get the time
    interpolated between the in-order packets around their sequence number; their ``text``
    gains ``LATE_NOTE``. A drop of more than 200 in the sequence is a restart, not lateness."""
    cand = obs.timed_by_reception & (obs.seq >= 0)
    if int(cand.sum()) < 3:
        return obs
    time = obs.time.copy()
    text = obs.text.astype(object)
    changed = False
    for src in np.unique(obs.source[cand]).tolist():
        idx = np.flatnonzero(cand & (obs.source == src))
        idx = idx[np.argsort(obs.received[idx], kind="stable")]
        best = -1
        segments: list[list[int]] = []  # in-order rows, split where the sequence restarts
        late: list[tuple[int, int]] = []  # (row, its segment)
        for i in idx.tolist():
            q = int(obs.seq[i])
            if q > best or q < best - _SEQ_RESTART:
                if not segments or q < best - _SEQ_RESTART:
                    segments.append([])
                best = q
                segments[-1].append(i)
            else:
                late.append((i, len(segments) - 1))
        for i, k in late:
            seg = np.array(segments[k], dtype=np.int64)
            time[i] = float(
                np.interp(float(obs.seq[i]), obs.seq[seg].astype(np.float64), obs.time[seg])
            )
            text[i] = f"{text[i]} {LATE_NOTE}".strip()
            changed = True
    if not changed:
        return obs
    return replace(obs, time=time, text=text.astype(np.str_)).sorted()


_STRTRK = re.compile(r"StrTrk\s+(\d+)")


def read_shab_csv(
    path: str | Path, *, strict: bool = False, keep_repeats: bool = False
) -> Observations:
    """The SHAB APRS CSV (``time,lasttime,lat,lng,speed,course,altitude,comment``; time UTC,
    altitude m). Packets received late (their ``StrTrk N`` sequence number is below one
    already seen) are re-timed from their sequence number."""
    p = Path(path)
    out = _Rows(p, strict, keep_repeats)
    known = ("time", "lasttime", "lat", "lng", "speed", "course", "altitude", "comment")
    for line, row in _csv_rows(p, out, known, ("time", "lat", "lng")):
        try:
            t = _time(row, "time", line)
            lat, lon = _lat_lon(row, line, "lat", "lng")
            alt = _num(row, "altitude", line, lo=-500, hi=100_000)
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
                "sigma_h": GPS_SIGMA_H,
                "sigma_alt": GPS_SIGMA_ALT if not math.isnan(alt) else math.nan,
                "kind": "aprs",
                "source": p.stem,
                "text": (row.get("comment") or "").strip(),
                "line": line,
                "path": str(p),
                "received": t,
                "seq": int(m.group(1)) if (m := _STRTRK.search(row.get("comment") or "")) else -1,
            }
        )
    return retime_late_packets(out.result())


# --- UKHAS telemetry ---------------------------------------------------------------------------

_UKHAS_PREFIX = re.compile(r"^\s*(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})")
_UKHAS_FIELDS = ("callsign", "seq", "time", "lat", "lon", "alt")


def _ukhas_time(text: str, received_utc: float, line: int) -> float:
    """A UKHAS time field: ISO 8601 with date (``2025-07-06T11:26:11Z``) or ``HH:MM:SS`` (UTC,
    on the day that puts it nearest the reception; the reception must then be known)."""
    t = text.strip()
    m = re.fullmatch(r"(\d{2}):?(\d{2}):?(\d{2})", t)
    if m is None:
        try:
            return parse_time(t, field="time").timestamp()
        except InputError:
            raise InputError(
                "cannot parse time",
                line=line,
                field="time",
                value=t,
                expected="ISO 8601 UTC time or HH:MM:SS",
            ) from None
    hh, mm, ss = (int(x) for x in m.groups())
    if hh > 23 or mm > 59 or ss > 59:
        raise InputError("time out of range", line=line, field="time", value=t, expected="HH:MM:SS")
    if not math.isfinite(received_utc):
        raise InputError(
            "time of day without a date and no reception time",
            line=line,
            field="time",
            value=t,
            expected="an ISO 8601 time, or a 'YYYY-MM-DD HH:MM:SS' reception prefix",
        )
    day = math.floor(received_utc / 86400.0) * 86400.0
    cands = [day + d + hh * 3600 + mm * 60 + ss for d in (-86400.0, 0.0, 86400.0)]
    return min(cands, key=lambda c: abs(c - received_utc))


def read_ukhas_log(
    path: str | Path,
    *,
    strict: bool = False,
    keep_repeats: bool = False,
    receiver_utc_offset_h: float | None = None,
) -> Observations:
    """UKHAS telemetry sentences ``$$CALLSIGN,seq,time,lat,lon,alt[,...][*CRC16]`` [UKHAS]_
    from a ground-station log, one per line, optionally after a reception time
    ``YYYY-MM-DD HH:MM:SS`` (receiver's clock); other lines (status codes, uplink commands)
    are ignored.

    Checks: a ``*XXXX`` CRC16-CCITT checksum when present (``binascii.crc_hqx`` with initial
    value 0xFFFF, as the UKHAS protocol); the same number of fields as the callsign's other
    sentences (radio corruption cuts or merges sentences); sequence number, time, lat, lon (in
    range) and alt (m); a last field ``V`` is the NMEA RMC status "void" (the receiver has no
    fix and repeats its last position [NMEA0183]_): rejected, ``A`` (valid) kept. Times are
    the sentences' own UTC times. Reception times (for repeats and lateness) are converted with
    ``receiver_utc_offset_h``, by default estimated as the median difference between reception
    and sentence times rounded to 15 min (the HyacinthSat log: UTC+8).
    """
    import binascii

    p = Path(path)
    out = _Rows(p, strict, keep_repeats)
    parsed: list[tuple[int, str, list[str], float]] = []  # line, sentence, fields, recv naive
    for line, raw in enumerate(_read_text(p).splitlines(), start=1):
        k = raw.find("$$")
        if k < 0:
            continue
        sentence = raw[k:].strip()
        m = _UKHAS_PREFIX.match(raw[:k])
        recv = (
            dt.datetime.fromisoformat(f"{m.group('date')}T{m.group('time')}")
            .replace(tzinfo=dt.UTC)
            .timestamp()
            if m
            else math.nan
        )
        body = sentence[2:]
        if "*" in body:
            body, crc = body.rsplit("*", 1)
            want = f"{binascii.crc_hqx(body.encode('latin-1', 'replace'), 0xFFFF):04X}"
            if crc.strip().upper() != want:
                out.problem(
                    InputError(
                        "checksum mismatch",
                        line=line,
                        field="checksum",
                        value=crc.strip(),
                        expected=f"CRC16-CCITT {want}",
                    )
                )
                continue
        parsed.append((line, sentence, body.split(","), recv))
    # the usual field count of each callsign
    counts: dict[str, dict[int, int]] = {}
    for _, _, f, _ in parsed:
        c = counts.setdefault(f[0], {})
        c[len(f)] = c.get(len(f), 0) + 1
    usual = {cs: max(c, key=lambda n: c[n]) for cs, c in counts.items()}
    rows: list[tuple[int, str, list[str], float, float]] = []
    for line, sentence, f, recv in parsed:
        try:
            if len(f) < len(_UKHAS_FIELDS) or len(f) != usual[f[0]]:
                raise InputError(
                    "corrupted sentence (wrong number of fields)",
                    line=line,
                    field="sentence",
                    value=sentence[:80],
                    expected=f"{max(usual[f[0]], len(_UKHAS_FIELDS))} comma-separated fields "
                    f"like the callsign's other sentences",
                )
            row = dict(zip(_UKHAS_FIELDS, f, strict=False))
            seq_text = row["seq"].strip()
            if not seq_text.isdigit():
                raise InputError(
                    "not a sequence number",
                    line=line,
                    field="seq",
                    value=seq_text,
                    expected="an integer >= 0",
                )
            own = _ukhas_time(row["time"], recv, line)  # naive reception: a day tolerance
            if len(f) > len(_UKHAS_FIELDS) and f[-1].strip() == "V":
                raise InputError(
                    "GPS fix flagged void (V): no valid fix, the position is stale",
                    line=line,
                    field="status",
                    value="V",
                    expected="A (NMEA RMC status: valid fix)",
                )
            rows.append((line, sentence, f, recv, own))
        except InputError as exc:
            out.problem(exc)
    if receiver_utc_offset_h is None:
        diffs = [r - t for _, _, _, r, t in rows if math.isfinite(r)]
        offset = round(float(np.median(diffs)) / 900.0) * 900.0 if diffs else 0.0
    else:
        offset = receiver_utc_offset_h * 3600.0
    for line, sentence, f, recv, _ in rows:
        row = dict(zip(_UKHAS_FIELDS, f, strict=False))
        received = recv - offset
        try:
            t = _ukhas_time(row["time"], received, line)
            lat, lon = _lat_lon(row, line, "lat", "lon")
            alt = _num(row, "alt", line, required=True, lo=-500, hi=100_000, expected="m")
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
                "sigma_h": GPS_SIGMA_H,
                "sigma_alt": GPS_SIGMA_ALT,
                "kind": "fix",
                "source": f[0].strip(),
                "text": ",".join(f[6:])[:120],
                "line": line,
                "path": str(p),
                "received": received,
                "seq": int(row["seq"]),
                "payload": sentence,
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
                "source": (row.get("source") or "").strip() or p.stem,
                "text": (row.get("description") or "").strip(),
                "line": line,
                "path": str(p),
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
