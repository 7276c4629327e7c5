"""What every command checks before it starts work (the rules of docs/cli.md, "What the CLI
checks"), so that a bad request fails in a second with a message naming the problem, never
after minutes of computing, with a traceback, or with silent garbage.

- `check_position`: coordinates by one rule (`stratowatch.geo.coords`), options named as typed.
- `check_out`: an ``--out`` that cannot be written (a file in the way of its folder, no
  permission, a read-only disk, a folder where a file is wanted, an unknown suffix) is refused
  before the run, by writing and deleting a probe file where the output will go.
- `check_hours`: ``--hours`` at most ``MAX_HOURS`` (30 days); runs longer than ``LONG_HOURS``
  (10 days) get a warning.
- `check_memory`: a run's memory is estimated from members x output steps before anything is
  allocated and refused above ``MEMORY_FRACTION`` of the memory available.
- `check_wind_area`, `check_wind_time`: a start outside a regional wind file's area is an error
  naming the area; a wind valid more than ``STALE_DAYS`` (3 days) from the run's time needs
  ``--allow-stale-wind`` (climatology and calm air, valid at any time, are exempt).
- `writing`: turns an OS error while writing into an `InputError` naming the file.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DomainError, InputError
from ..geo.coords import check_alt, check_lat, check_lon
from ..timeutil import iso

__all__ = [
    "LONG_HOURS",
    "MAX_HOURS",
    "MEMORY_FRACTION",
    "STALE_DAYS",
    "available_memory",
    "check_hours",
    "check_memory",
    "check_out",
    "check_position",
    "check_wind_area",
    "check_wind_time",
    "estimate_predict_bytes",
    "format_bytes",
    "writing",
]

#: the longest run any command accepts (h): 30 days, about the longest any balloon flight so
#: far has been predicted for; the wind beyond ~2 weeks is climatology whatever the source
MAX_HOURS = 720.0
#: runs longer than this (h) get a warning: beyond ~10 days a forecast has little skill
LONG_HOURS = 240.0
#: the share of the available memory a run may plan to use
MEMORY_FRACTION = 0.8
#: a wind valid more than this many days from the run's time needs --allow-stale-wind
STALE_DAYS = 3.0
#: peak memory of `stratowatch predict`: a cost per member of the whole ensemble (end state,
#: key points, flight parameters: measured 2026-12-01, 48 h without --out, 100,000 -> 400,000
#: members added 102 MB of peak RSS, 340 bytes a member), one per member of the chunks in
#: flight (their wind modes, 48 modes x 9 arrays x 8 bytes, and work arrays) and one per
#: member and output step of the paths kept (lat/lon/alt float64 and the summaries' copies)
PREDICT_BYTES_PER_MEMBER = 400
PREDICT_BYTES_PER_CHUNK_MEMBER = 6_000
PREDICT_BYTES_PER_MEMBER_STEP = 48


def check_position(
    lat: float | None,
    lon: float | None,
    alt: float | None = None,
    *,
    alt_min: float | None = None,
    names: tuple[str, str, str] = ("--lat", "--lon", "--alt"),
) -> tuple[float | None, float | None, float | None]:
    """The coordinate rule of `stratowatch.geo.coords` on command options (None passes through).

    Returns the values with the longitude normalised to [-180, 180)."""
    la = None if lat is None else check_lat(lat, field=names[0])
    lo = None if lon is None else check_lon(lon, field=names[1])
    if alt is None:
        al = None
    elif alt_min is None:
        al = check_alt(alt, field=names[2])
    else:
        al = check_alt(alt, field=names[2], minimum=alt_min)
    return la, lo, al


def _probe_folder(folder: Path, out: Path, option: str) -> None:
    """Write and delete a probe file in ``folder`` (the nearest existing folder of ``out``)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".stratowatch-probe-", dir=folder)
    except OSError as exc:
        raise InputError(
            f"cannot write the output: cannot write in the folder {folder} ({exc.strerror or exc})",
            field=option,
            value=str(out),
            expected="a path in a folder you can write to",
        ) from None
    os.close(fd)
    Path(name).unlink(missing_ok=True)


def check_out(
    path: str | Path | None,
    *,
    option: str = "--out",
    suffixes: Sequence[str] | None = None,
    folder: bool | None = False,
) -> Path | None:
    """Refuse an output path that cannot be written, before the run.

    Parameters
    ----------
    path : the option's value (None: nothing to check).
    suffixes : accepted file suffixes (lower case, with the dot); None accepts any.
    folder : False: a file is wanted; True: a folder is wanted; None: a file when the suffix
        is one of ``suffixes``, else a folder.

    Nothing is created but a probe file, written and deleted in the nearest existing folder.
    """
    if path is None:
        return None
    p = Path(path).expanduser()
    if str(path).strip() == "":
        raise InputError("empty output path", field=option, expected="a file or folder name")
    want_folder = folder if folder is not None else p.suffix.lower() not in (suffixes or ())
    if not want_folder and suffixes is not None and p.suffix.lower() not in suffixes:
        raise InputError(
            "unsupported output format",
            field=option,
            value=str(path),
            expected="a file ending in " + ", ".join(suffixes),
        )
    if p.exists():
        if want_folder and not p.is_dir():
            raise InputError(
                "cannot write the output: the output folder is a file", field=option,
                value=str(path),
                expected="a folder (or a new name)",
            )  # fmt: skip
        if not want_folder and p.is_dir():
            raise InputError(
                "cannot write the output: the output file is a folder", field=option,
                value=str(path),
                expected="a file name",
            )  # fmt: skip
        if not want_folder and not os.access(p, os.W_OK):
            raise InputError(
                "cannot write the output: the file exists and cannot be overwritten (no "
                "permission)",
                field=option,
                value=str(path),
                expected="a file you can write",
            )
    anchor = p if want_folder else p.parent
    anchor = anchor if str(anchor) else Path(".")
    probe = anchor
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(
            f"cannot write the output: {probe} is a file, so no folder can be made under it",
            field=option,
            value=str(path),
            expected="a path whose folders are folders",
        )
    _probe_folder(probe, p, option)
    return p


@contextmanager
def writing(path: str | Path, *, option: str = "--out") -> Iterator[None]:
    """Turn an OS error while writing ``path`` (disk full, removed folder) into an
    `InputError` naming the file."""
    try:
        yield
    except OSError as exc:
        raise InputError(
            f"cannot write the output: {exc.strerror or exc}",
            path=path,
            field=option,
            expected="a writable file",
        ) from None


def check_hours(
    hours: float | None, *, option: str = "--hours", allow_zero: bool = False
) -> list[str]:
    """``--hours`` within (0, MAX_HOURS] (or [0, ...] with ``allow_zero``); returns warnings
    for long runs."""
    if hours is None:
        return []
    expected = f"{'0' if allow_zero else 'more than 0'} to {MAX_HOURS:g} h (30 days)"
    if not math.isfinite(hours):
        raise InputError("not a finite number", field=option, value=hours, expected=expected)
    low_ok = hours >= 0 if allow_zero else hours > 0
    if not low_ok or hours > MAX_HOURS:
        raise InputError("run length out of range", field=option, value=hours, expected=expected)
    if hours > LONG_HOURS:
        return [
            f"a long run ({hours:g} h = {hours / 24:.1f} days): beyond about "
            f"{LONG_HOURS / 24:.0f} days no wind forecast has skill, so the spread of the "
            "members, not the median path, is the answer"
        ]
    return []


def format_bytes(n: float) -> str:
    """``1.2 GB`` (decimal units)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:.0f} B"


def available_memory() -> int:
    """Bytes this process may still use: MemAvailable of /proc/meminfo, capped by a cgroup
    (container) limit when one is set; the free physical pages elsewhere."""
    avail: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    if avail is None:
        try:
            avail = int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            avail = 8 * 1024**3
    try:
        cg = Path("/sys/fs/cgroup")
        limit = (cg / "memory.max").read_text().strip()
        if limit != "max":
            used = int((cg / "memory.current").read_text().strip())
            avail = min(avail, max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return avail


#: the most members one task integrates at once (`scale.ensemble.MAX_CHUNK`, not imported:
#: this module stays light)
PATH_CHUNK_MEMBERS = 20_000


def estimate_predict_bytes(
    members: int, hours: float, output_step_s: float, *, paths: bool = True
) -> tuple[int, int]:
    """Estimated peak memory of a prediction (bytes) and its number of output steps.
    ``paths=False``: the members' paths are not kept (each chunk drops its own after taking
    its key points), so only the chunks being integrated at once hold paths."""
    steps = int(math.ceil(hours * 3600.0 / max(output_step_s, 1e-9))) + 1
    in_flight = min(members, PATH_CHUNK_MEMBERS * (os.cpu_count() or 1))
    with_paths = members if paths else in_flight
    need = (
        members * PREDICT_BYTES_PER_MEMBER
        + in_flight * PREDICT_BYTES_PER_CHUNK_MEMBER
        + with_paths * PREDICT_BYTES_PER_MEMBER_STEP * steps
    )
    return int(need), steps


def check_memory(
    need: int,
    *,
    what: str,
    hints: Sequence[str],
    available: int | None = None,
) -> None:
    """Refuse a run whose estimated memory ``need`` (bytes) exceeds ``MEMORY_FRACTION`` of the
    available memory, with the estimate, the limit and what to change."""
    avail = available_memory() if available is None else available
    limit = int(MEMORY_FRACTION * avail)
    if need > limit:
        raise ConfigError(
            f"not enough memory: {what} needs about {format_bytes(need)}, but the limit is "
            f"{format_bytes(limit)} ({MEMORY_FRACTION:.0%} of the {format_bytes(avail)} "
            f"available); use {', '.join(hints)}"
        )


def _area_text(meta: Any) -> str:
    return (
        f"latitude {meta.lat_min:g}..{meta.lat_max:g}, longitude {meta.lon_min:g}..{meta.lon_max:g}"
    )


def _inside(meta: Any, lat: float, lon: float) -> bool:
    if not meta.lat_min - 1e-9 <= lat <= meta.lat_max + 1e-9:
        return False
    span = meta.lon_max - meta.lon_min
    if span >= 360.0 - 1e-9:
        return True
    return (lon - meta.lon_min) % 360.0 <= span + 1e-9


def check_wind_area(
    wind: Any, lat: float, lon: float, *, what: str = "the start", option: str = "--wind"
) -> None:
    """A point outside a regional wind's area is a `DomainError` naming the area."""
    meta = wind.meta
    if not _inside(meta, lat, lon):
        raise DomainError(
            f"{what} ({lat:g}, {lon:g}) is outside the wind data's area ({_area_text(meta)}; "
            f"{meta.source}); use a wind file that covers it, or {option} climatology"
        )


def check_wind_time(
    wind: Any,
    t: float | Sequence[float],
    *,
    allow_stale: bool = False,
    what: str = "the run",
    option: str = "--wind",
) -> list[str]:
    """A wind valid more than ``STALE_DAYS`` from the run's time(s) (epoch s) is a
    `DomainError` unless ``allow_stale``; then it is a warning (returned)."""
    meta = wind.meta
    if meta.time_start is None or meta.kind in ("climatology", "calm"):
        return []
    times = [float(t)] if isinstance(t, int | float) else [float(x) for x in t]
    times = [x for x in times if math.isfinite(x)]
    if not times:
        return []
    a = float(meta.time_start)
    b = float(meta.time_end) if meta.time_end is not None else a
    gap = max(max(a - x, x - b, 0.0) for x in times)
    if gap <= STALE_DAYS * 86400.0:
        return []
    valid = iso(a) if a == b else f"{iso(a)} .. {iso(b)}"
    when = iso(min(times)) + ("" if len(times) == 1 else " .. " + iso(max(times)))
    text = (
        f"{what} ({when}): {gap / 86400.0:,.1f} days outside the wind data's valid time "
        f"{valid} ({meta.source})"
    )
    if not allow_stale:
        raise DomainError(
            f"{text}: more than {STALE_DAYS:g} days; use a wind for that time, {option} "
            "climatology, or --allow-stale-wind to use it anyway"
        )
    return [f"{text}: used anyway (--allow-stale-wind)"]
