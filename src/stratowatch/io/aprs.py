"""APRS reception logs (aprsc/aprx/direwolf text logs, SondeHub-style lines) and related
telemetry CSVs: packets decoded with aprslib into observations, late packets retimed."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..core.observations import LATE_NOTE, Observations
from ..errors import InputError
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
from .fields import (
    _csv_rows,
    _lat_lon,
    _num,
    _Rows,
    _time,
)

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
