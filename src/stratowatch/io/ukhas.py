"""UKHAS telemetry logs ($$CALLSIGN,seq,time,lat,lon,alt,...*CRC sentences) into observations."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np

from ..core.observations import Observations
from ..errors import InputError
from ..timeutil import parse_time
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
    _lat_lon,
    _num,
    _read_text,
    _Rows,
)

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
