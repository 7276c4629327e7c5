"""Posted reports -> stored rows, through the library's own readers.

The readers take files, so each kind's reports of a batch are written as one temporary file in
that reader's layout (fixes CSV, public-report CSV, angles CSV, APRS log) and read back with
`io.readers`: the same checks, unit conventions and defaults as ``stratowatch track FILE``
(e.g. a report's ``radius_km`` is a 95 % radius; a fix without ``sigma_m`` gets 50 m). The
reader's per-row problems come back as each report's rejection reason.
"""

from __future__ import annotations

import atexit
import csv
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..io.readers import read_angles_csv, read_aprs_log, read_fixes_csv, read_reports_csv
from ..timeutil import parse_time
from ..track.observations import Observations
from .models import ObservationIn

__all__ = ["convert_reports", "DEFAULT_SOURCE"]

DEFAULT_SOURCE = "api"

_FIX_COLS = ("time", "lat", "lon", "alt", "sigma_m", "sigma_alt_m", "time_sigma_s", "source",
             "kind", "description")  # fmt: skip
_REPORT_COLS = ("time_utc", "time_uncertainty_h", "lat", "lon", "radius_km", "alt_m",
                "alt_uncertainty_m", "kind", "description", "source")  # fmt: skip
_ANGLE_COLS = ("time", "observer_lat", "observer_lon", "observer_alt", "az_deg", "el_deg",
               "sigma_deg", "range_m", "sigma_range_m", "source", "description")  # fmt: skip
_SI = ("time_sigma", "lat", "lon", "alt", "sigma_h", "sigma_alt", "sensor_lat", "sensor_lon",
       "sensor_alt", "az", "el", "sigma_ang", "sigma_range")  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    # one physical line per row: line numbers map back to reports
    return str(value).replace("\r", " ").replace("\n", " ")


def _fields_for(kind: str) -> tuple[str, ...]:
    return {
        "fix": ("lat", "lon", "alt", "sigma_m", "sigma_alt_m", "time_sigma_s"),
        "aprs": ("lat", "lon", "alt", "sigma_m", "sigma_alt_m", "time_sigma_s", "packet"),
        "report": ("lat", "lon", "alt", "radius_km", "time_uncertainty_h", "alt_uncertainty_m"),
        "sighting": (
            "observer_lat",
            "observer_lon",
            "observer_alt",
            "az_deg",
            "el_deg",
            "sigma_deg",
        ),  # fmt: skip
        "radar": (
            "observer_lat",
            "observer_lon",
            "observer_alt",
            "az_deg",
            "el_deg",
            "sigma_deg",
            "range_m",
            "sigma_range_m",
        ),  # fmt: skip
    }[kind]


_ALL_KIND_FIELDS = ("lat", "lon", "alt", "sigma_m", "sigma_alt_m", "time_sigma_s", "radius_km",
                    "time_uncertainty_h", "alt_uncertainty_m", "observer_lat", "observer_lon",
                    "observer_alt", "az_deg", "el_deg", "sigma_deg", "range_m", "sigma_range_m",
                    "packet")  # fmt: skip


def _precheck(r: ObservationIn) -> str | None:
    """Problems the readers cannot see (fields that do not belong to the kind)."""
    allowed = set(_fields_for(r.kind))
    extra = [f for f in _ALL_KIND_FIELDS if getattr(r, f) is not None and f not in allowed]
    if extra:
        return (
            f"field '{extra[0]}' does not apply to a {r.kind} report; expected fields "
            + ", ".join(_fields_for(r.kind))
        )
    if r.kind == "aprs" and r.packet is not None:
        if r.lat is not None or r.lon is not None:
            return "an APRS report gives either the raw 'packet' or lat/lon, not both"
        return None
    if r.kind == "radar" and r.range_m is None:
        return (
            "field 'range_m': a radar plot needs its slant range (m); without it, use kind sighting"
        )
    if r.time is None:
        return "field 'time': missing time; expected ISO 8601 UTC time"
    return None


def _write_csv(path: Path, header: Sequence[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _row_for(r: ObservationIn, layout: str) -> list[str]:
    src = r.source or DEFAULT_SOURCE
    if layout == "fixes":
        return [_cell(x) for x in (r.time, r.lat, r.lon, r.alt, r.sigma_m, r.sigma_alt_m,
                                   r.time_sigma_s, src, r.kind, r.description)]  # fmt: skip
    if layout == "reports":
        return [_cell(x) for x in (r.time, r.time_uncertainty_h, r.lat, r.lon, r.radius_km,
                                   r.alt, r.alt_uncertainty_m, "report", r.description,
                                   src)]  # fmt: skip
    return [_cell(x) for x in (r.time, r.observer_lat, r.observer_lon, r.observer_alt, r.az_deg,
                               r.el_deg, r.sigma_deg, r.range_m, r.sigma_range_m, src,
                               r.description)]  # fmt: skip


def _aprs_line(r: ObservationIn) -> str:
    assert r.packet is not None
    packet = r.packet.replace("\r", " ").replace("\n", " ").strip()
    if r.time is None:
        return packet
    t = parse_time(r.time, field="time")
    return f"{t.strftime('%Y-%m-%d %H:%M:%S')} UTC: {packet}"


def _read_group(
    reader: Callable[..., Observations],
    write: Callable[[Path, list[int]], None],
    folder: Path,
    members: list[int],
    first_line: int,
    reasons: dict[int, str],
) -> Observations | None:
    """Read one temporary file written by ``write``; rows map back to reports through their
    line numbers. When no row is valid the reader raises: each report is then read alone
    (strict) for its own reason."""
    path = folder / "group"
    write(path, members)
    try:
        obs = reader(path)
    except InputError as exc:
        if len(members) == 1:
            reasons[members[0]] = _reason(exc)
            return None
        for i in members:
            one = folder / "one"
            write(one, [i])
            try:
                reader(one, strict=True)
                reasons[i] = _reason(exc)
            except InputError as own:
                reasons[i] = _reason(own)
        return None
    for issue in obs.issues:
        if issue.line is not None and first_line <= issue.line < first_line + len(members):
            reasons.setdefault(members[issue.line - first_line], _reason(issue))
    return obs


def _reason(exc: InputError) -> str:
    text = exc.message
    if exc.field is not None:
        text = f"field '{exc.field}': {text}"
    if exc.value is not None:
        text += f" (got {exc.value!r})"
    if exc.expected:
        text += f"; expected {exc.expected}"
    return text


_SCRATCH: dict[str, Path] = {}
_SCRATCH_LOCK = threading.Lock()


@contextmanager
def _scratch() -> Iterator[Path]:
    """A private folder for this thread's temporary files: made once per thread (in RAM under
    /dev/shm where it exists) and reused, since making and removing a folder per request
    costs disk metadata writes."""
    key = f"{os.getpid()}-{threading.get_ident()}"
    with _SCRATCH_LOCK:
        folder = _SCRATCH.get(key)
        if folder is None or not folder.is_dir():
            base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
            folder = Path(tempfile.mkdtemp(prefix="stratowatch-ingest-", dir=base))
            _SCRATCH[key] = folder
            if len(_SCRATCH) == 1:
                atexit.register(_clean_scratch)
    yield folder


def _clean_scratch() -> None:
    for folder in _SCRATCH.values():
        shutil.rmtree(folder, ignore_errors=True)


def convert_reports(
    reports: Sequence[ObservationIn],
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Store rows (see `Store.add_observations`) of the valid reports, in input order, and the
    rejection reason of each invalid one by index."""
    reasons: dict[int, str] = {}
    groups: dict[str, list[int]] = {"fixes": [], "reports": [], "angles": [], "aprs": []}
    for i, r in enumerate(reports):
        problem = _precheck(r)
        if problem is not None:
            reasons[i] = problem
            continue
        if r.kind == "aprs" and r.packet is not None:
            groups["aprs"].append(i)
        elif r.kind in ("fix", "aprs"):
            groups["fixes"].append(i)
        elif r.kind == "report":
            groups["reports"].append(i)
        else:
            groups["angles"].append(i)
    si_of: dict[int, dict[str, Any]] = {}
    with _scratch() as folder:
        for layout, header, reader in (
            ("fixes", _FIX_COLS, read_fixes_csv),
            ("reports", _REPORT_COLS, read_reports_csv),
            ("angles", _ANGLE_COLS, read_angles_csv),
        ):
            if not groups[layout]:
                continue

            def write_csv(path: Path, idx: list[int], layout: str = layout,
                          header: tuple[str, ...] = header) -> None:  # fmt: skip
                _write_csv(path, header, [_row_for(reports[i], layout) for i in idx])

            obs = _read_group(reader, write_csv, folder, groups[layout], 2, reasons)
            if obs is not None:
                _collect(obs, groups[layout], 2, si_of)
        lines: dict[int, str] = {}
        for i in groups["aprs"]:
            try:
                lines[i] = _aprs_line(reports[i])
            except InputError as exc:
                reasons[i] = _reason(exc)
        if lines:

            def write_log(path: Path, idx: list[int]) -> None:
                path.write_text("".join(lines[i] + "\n" for i in idx), encoding="utf-8")

            ok = list(lines)
            obs = _read_group(read_aprs_log, write_log, folder, ok, 1, reasons)
            if obs is not None:
                _collect(obs, ok, 1, si_of)
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(reports):
        if i in reasons:
            continue
        si = si_of.get(i)
        if si is None:
            reasons[i] = (
                "a repeat of another report of this batch (same source and payload, sequence "
                "number or fix; the reader keeps the first reception)"
            )
            continue
        si["client_id"] = r.id
        si["report"] = r.model_dump(exclude_none=True)
        rows.append(si)
    return rows, reasons


def _collect(
    obs: Observations, members: list[int], first_line: int, out: dict[int, dict[str, Any]]
) -> None:
    for k in range(len(obs)):
        line = int(obs.line[k])
        j = line - first_line
        if not 0 <= j < len(members):
            continue
        row: dict[str, Any] = {
            "time": float(obs.time[k]),
            "kind": str(obs.kind[k]),
            "source": str(obs.source[k]),
            "text": str(obs.text[k]),
            "range_m": float(obs.range[k]),
        }
        for name in _SI:
            v = float(getattr(obs, name)[k])
            row[name] = v if math.isfinite(v) else None
        out[members[j]] = row
