"""Download only the GRIB messages a balloon needs from a NOAA GFS run (HTTP byte ranges).

Each GFS output file ``gfs.tHHz.pgrb2.0p25.fFFF`` (hundreds of MB) has a small text inventory
beside it, ``... .idx``, one line per GRIB message::

    12:1234567:d=2023020112:UGRD:50 mb:6 hour fcst:

(message number, byte offset, run, variable, level, forecast). `fetch_gfs` reads the inventory
of each forecast hour, picks the UGRD/VGRD/HGT messages of the wanted pressure levels, requests
just their byte ranges (adjacent messages merged into one request), checks every message is a
complete GRIB message, and writes one GRIB2 file per hour that `open_wind` reads. This is how
the balloon predictors of the amateur community (e.g. Tawhiri's downloader) keep downloads small.

A GRIB message is a global field, so the region (``bbox``) cannot be cut by byte ranges: it is
written into the manifest (``stratowatch-fetch.json``) beside the files, and `open_wind(DIR)`
applies it when reading (lazily, before loading).

The server root is configurable (``base_url``, env ``STRATOWATCH_GFS_URL``); the path below it
follows the NOMADS layout ``gfs.YYYYMMDD/HH/atmos/gfs.tHHz.pgrb2.RES.fFFF``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ..errors import ConfigError, InputError, StratowatchError
from .gridded import check_grib_complete

__all__ = [
    "fetch_gfs",
    "FetchResult",
    "FetchError",
    "parse_idx",
    "IdxEntry",
    "DEFAULT_GFS_URL",
    "ENV_GFS_URL",
    "GFS_PATH_TEMPLATE",
    "MANIFEST",
]

DEFAULT_GFS_URL = "https://nomads.ncep.noaa.gov/pub/data/nccf/com/gfs/prod"
ENV_GFS_URL = "STRATOWATCH_GFS_URL"
GFS_PATH_TEMPLATE = "gfs.{date}/{hour}/atmos/gfs.t{hour}z.pgrb2.{resolution}.f{fhour:03d}"
MANIFEST = "stratowatch-fetch.json"
_VARIABLES = ("UGRD", "VGRD", "HGT")
_TIMEOUT = (10.0, 120.0)  # connect, read (s)


class FetchError(StratowatchError):
    """A download failed (network, server, or an incomplete answer)."""

    exit_code = 4


@dataclass(frozen=True)
class IdxEntry:
    """One line of a GRIB ``.idx`` inventory; ``end`` is exclusive (None: to end of file)."""

    number: int
    start: int
    end: int | None
    variable: str
    level: str


@dataclass
class FetchResult:
    """What `fetch_gfs` wrote."""

    files: list[Path] = field(default_factory=list)
    messages: int = 0
    bytes: int = 0
    requests: int = 0
    manifest: Path | None = None

    def describe(self) -> dict[str, object]:
        return {
            "files": [str(f) for f in self.files],
            "messages": self.messages,
            "bytes": self.bytes,
            "requests": self.requests,
            "manifest": None if self.manifest is None else str(self.manifest),
        }


def parse_idx(text: str, *, source: str = ".idx") -> list[IdxEntry]:
    """Parse a GRIB inventory; each entry's end is the next entry's start."""
    rows: list[tuple[int, int, str, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(":")
        try:
            if len(parts) < 5:
                raise ValueError
            rows.append((int(parts[0].split(".")[0]), int(parts[1]), parts[3], parts[4]))
        except ValueError:
            raise InputError(
                "unreadable inventory line",
                path=source,
                line=lineno,
                value=line[:80],
                expected="N:OFFSET:d=YYYYMMDDHH:VAR:LEVEL:...",
            ) from None
    if not rows:
        raise InputError("empty GRIB inventory", path=source, expected="one line per message")
    starts = sorted({r[1] for r in rows})
    nxt = {s: (starts[i + 1] if i + 1 < len(starts) else None) for i, s in enumerate(starts)}
    return [IdxEntry(n, s, nxt[s], var, lev) for n, s, var, lev in rows]


def _level_text(hpa: float) -> str:
    return f"{hpa:g} mb"


def _run_time(run: str) -> dt.datetime:
    try:
        t = dt.datetime.strptime(run, "%Y%m%d%H").replace(tzinfo=dt.UTC)
    except ValueError:
        raise InputError(
            "cannot parse the model run", field="--run", value=run, expected="YYYYMMDDHH"
        ) from None
    if t.hour % 6:
        raise InputError(
            "GFS runs start at 00, 06, 12 and 18 UTC",
            field="--run",
            value=run,
            expected="HH in 00/06/12/18",
        )
    return t


def _get(
    session: requests.Session, url: str, headers: dict[str, str] | None = None
) -> requests.Response:
    try:
        resp = session.get(url, headers=headers or {}, timeout=_TIMEOUT)
    except requests.RequestException as exc:
        raise FetchError(f"network error fetching {url}: {type(exc).__name__}: {exc}") from None
    if resp.status_code == 404:
        raise FetchError(
            f"not found on the server: {url} (is the run still online? NOMADS keeps ~10 days)"
        )
    if resp.status_code >= 400:
        raise FetchError(f"server answered HTTP {resp.status_code} for {url}")
    return resp


def _merge(entries: list[IdxEntry]) -> list[tuple[int, int | None, int]]:
    """Contiguous byte ranges (start, end-exclusive or None, message count)."""
    out: list[tuple[int, int | None, int]] = []
    unique = {e.start: e for e in entries}  # fields packed in one message share its offset
    for e in sorted(unique.values(), key=lambda e: e.start):
        if out and out[-1][1] is not None and out[-1][1] == e.start:
            out[-1] = (out[-1][0], e.end, out[-1][2] + 1)
        else:
            out.append((e.start, e.end, 1))
    return out


def fetch_gfs(
    run: str,
    *,
    hours: Sequence[int],
    levels: Sequence[float],
    out_dir: str | Path,
    base_url: str | None = None,
    resolution: str = "0p25",
    bbox: tuple[float, float, float, float] | None = None,
    path_template: str = GFS_PATH_TEMPLATE,
    session: requests.Session | None = None,
) -> FetchResult:
    """Download the u, v, gh messages of ``levels`` (hPa) for forecast ``hours`` of a GFS run.

    Parameters
    ----------
    run : ``YYYYMMDDHH``.
    hours : forecast hours (e.g. ``range(0, 49, 3)``).
    levels : isobaric levels, hPa.
    out_dir : where the files ``gfs.RUN.fFFF.grib2`` and the manifest go.
    base_url : server root (default: env ``STRATOWATCH_GFS_URL``, else `DEFAULT_GFS_URL`).
    bbox : (west, south, east, north) region recorded in the manifest, applied on reading.

    Raises `FetchError` (network, HTTP, incomplete answers), `InputError` (bad run/inventory,
    levels missing from the inventory), `ConfigError` (no hours or levels).
    """
    t = _run_time(run)
    if not hours or not levels:
        raise ConfigError("give at least one forecast hour and one pressure level")
    if any(h < 0 or h > 384 for h in hours):
        raise InputError(
            "forecast hour out of range", field="--hours", value=list(hours), expected="0..384"
        )
    root = (base_url or os.environ.get(ENV_GFS_URL) or DEFAULT_GFS_URL).rstrip("/")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sess = session or requests.Session()
    result = FetchResult()
    wanted = {(v, _level_text(float(lv))) for v in _VARIABLES for lv in levels}
    for fh in sorted(set(int(h) for h in hours)):
        rel = path_template.format(
            date=t.strftime("%Y%m%d"), hour=t.strftime("%H"), resolution=resolution, fhour=fh
        )
        url = f"{root}/{rel}"
        idx_text = _get(sess, url + ".idx").text
        result.requests += 1
        entries = [
            e for e in parse_idx(idx_text, source=url + ".idx") if (e.variable, e.level) in wanted
        ]
        found = {(e.variable, e.level) for e in entries}
        missing = sorted(wanted - found)
        if missing:
            raise InputError(
                f"messages missing from the inventory of f{fh:03d}",
                path=url + ".idx",
                value=[f"{v} {lv}" for v, lv in missing[:6]],
                expected="levels the GFS run provides (e.g. 1000..1 hPa)",
            )
        target = out / f"gfs.{run}.f{fh:03d}.grib2"
        tmp = target.with_suffix(".part")
        with tmp.open("wb") as fh_out:
            for start, end, count in _merge(entries):
                rng = f"bytes={start}-" + ("" if end is None else str(end - 1))
                resp = _get(sess, url, {"Range": rng})
                result.requests += 1
                body = resp.content
                if resp.status_code == 200:  # server ignored Range: cut it ourselves
                    body = body[start:end]
                want = None if end is None else end - start
                if (want is not None and len(body) != want) or not body.startswith(b"GRIB"):
                    tmp.unlink(missing_ok=True)
                    raise FetchError(
                        f"incomplete answer for {url} {rng}: got {len(body)} bytes"
                        + ("" if want is None else f", expected {want}")
                    )
                fh_out.write(body)
                result.messages += count
                result.bytes += len(body)
        try:
            check_grib_complete(tmp)
        except InputError as exc:
            tmp.unlink(missing_ok=True)
            raise FetchError(f"downloaded data for f{fh:03d} is not complete GRIB: {exc}") from None
        tmp.replace(target)
        result.files.append(target)
    manifest = out / MANIFEST
    manifest.write_text(
        json.dumps(
            {
                "kind": "gfs",
                "run": run,
                "hours": sorted(set(int(h) for h in hours)),
                "levels_hpa": [float(x) for x in levels],
                "bbox": None if bbox is None else [float(x) for x in bbox],
                "files": [f.name for f in result.files],
                "base_url": root,
            },
            indent=1,
        )
    )
    result.manifest = manifest
    return result


def read_manifest(
    directory: str | Path,
) -> tuple[list[Path], tuple[float, float, float, float] | None]:
    """The files and bbox recorded by `fetch_gfs` in ``directory``."""
    d = Path(directory)
    try:
        data = json.loads((d / MANIFEST).read_text())
        files = [d / str(n) for n in data["files"]]
        box = data.get("bbox")
        bbox = None if box is None else (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise InputError(
            f"unreadable fetch manifest ({exc})",
            path=d / MANIFEST,
            expected="a manifest written by wind fetch",
        ) from None
    if not files:
        raise InputError("fetch manifest lists no files", path=d / MANIFEST)
    return files, bbox
