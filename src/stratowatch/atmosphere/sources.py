"""Choose a wind source by name, path, list of paths, or pass an existing `WindField` through.

Every source is a small class with a ``name``, a one-line ``description``, ``can_open(spec)``
and ``open(spec, ...)`` (after the xarray backend / cfgrib pattern, STYLE.md sect. 4), kept in an
explicit registry, `SOURCES`. `open_wind` tries them in order; when none matches it lists them.

Names: ``calm``, ``climatology`` (the default, embedded HWM93); files are recognised by their
first bytes, then their suffix: GRIB1/GRIB2 (``.grib2``, ``.grb``...), NetCDF (ERA5), Wyoming
sounding CSV, IGRA2 raw text. A list of GRIB/NetCDF files is one field concatenated along time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import InputError
from .climatology import climatology_wind
from .sounding import Heights
from .wind import CalmWind, WindField

__all__ = [
    "open_wind",
    "WindSource",
    "OpenOptions",
    "SOURCES",
    "sniff",
    "BBox",
]

# (west, south, east, north) degrees; west > east crosses the dateline
BBox = tuple[float, float, float, float]
Spec = str | Path | Sequence[str | Path]


@dataclass(frozen=True)
class OpenOptions:
    """How to open a source (see `open_wind`); each source uses the options that apply to it."""

    bbox: BBox | None = None
    levels: Sequence[float] | None = None
    time: str | float | None = None
    strict_time: bool = True
    heights: Heights = "geometric"


class WindSource(Protocol):
    """A way to open one kind of wind (a name or a file format)."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def can_open(self, spec: Spec) -> bool: ...

    def open(self, spec: Spec, options: OpenOptions) -> WindField: ...


def _head(path: Path, n: int = 4096) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


def sniff(path: str | Path) -> str | None:
    """The format of a wind file from its first bytes, else its suffix: ``grib``, ``netcdf``,
    ``wyoming``, ``igra2`` or None."""
    p = Path(path)
    head = _head(p)
    if b"GRIB" in head[:1024]:
        return "grib"
    if head.startswith((b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF\r\n\x1a\n")):
        return "netcdf"
    text = head.decode("latin-1", errors="replace")
    first = text.lstrip().splitlines()[0].lower() if text.strip() else ""
    if "pressure" in first and "wind" in first and "," in first:
        return "wyoming"
    if text.startswith("#") and len(first) > 12 and first[1:12].strip().isalnum():
        return "igra2"
    suffix = p.suffix.lower()
    if suffix in (".grib", ".grib1", ".grib2", ".grb", ".grb1", ".grb2"):
        return "grib"
    if suffix in (".nc", ".nc4", ".netcdf"):
        return "netcdf"
    if suffix == ".csv":
        return "wyoming"
    return None


def _is_path_list(spec: Spec) -> bool:
    return not isinstance(spec, str | Path) and len(spec) > 0


@dataclass(frozen=True)
class _Named:
    name: str
    description: str

    def can_open(self, spec: Spec) -> bool:
        return isinstance(spec, str | Path) and str(spec).strip().lower() == self.name


class CalmSource(_Named):
    def open(self, spec: Spec, options: OpenOptions) -> WindField:
        return CalmWind()


class ClimatologySource(_Named):
    def open(self, spec: Spec, options: OpenOptions) -> WindField:
        return climatology_wind()


@dataclass(frozen=True)
class _FileFormat:
    name: str
    description: str
    formats: tuple[str, ...]
    multi: bool = False

    def can_open(self, spec: Spec) -> bool:
        if _is_path_list(spec):
            return self.multi and all(
                Path(s).is_file() and sniff(s) in self.formats
                for s in spec  # type: ignore[union-attr]
            )
        if not isinstance(spec, str | Path):
            return False
        p = Path(spec)
        return p.is_file() and sniff(p) in self.formats


class GriddedSource(_FileFormat):
    def open(self, spec: Spec, options: OpenOptions) -> WindField:
        from .gridded import open_gridded

        return open_gridded(
            spec, bbox=options.bbox, levels=options.levels, strict_time=options.strict_time
        )


@dataclass(frozen=True)
class FetchedSource:
    """A directory written by ``wind fetch gfs`` (its manifest lists the files and the bbox)."""

    name: str
    description: str

    def can_open(self, spec: Spec) -> bool:
        from .fetch import MANIFEST

        return isinstance(spec, str | Path) and (Path(spec) / MANIFEST).is_file()

    def open(self, spec: Spec, options: OpenOptions) -> WindField:
        from .fetch import read_manifest
        from .gridded import open_gridded

        assert isinstance(spec, str | Path)
        files, box = read_manifest(spec)
        return open_gridded(
            files,
            bbox=options.bbox if options.bbox is not None else box,
            levels=options.levels,
            strict_time=options.strict_time,
        )


class WyomingSource(_FileFormat):
    def open(self, spec: Spec, options: OpenOptions) -> WindField:
        from .sounding import read_wyoming_csv

        assert isinstance(spec, str | Path)
        return read_wyoming_csv(spec, heights=options.heights)


class IGRA2Source(_FileFormat):
    def open(self, spec: Spec, options: OpenOptions) -> WindField:
        from .sounding import read_igra2

        assert isinstance(spec, str | Path)
        return read_igra2(spec, time=options.time, heights=options.heights)


SOURCES: dict[str, WindSource] = {
    "calm": CalmSource("calm", "zero wind everywhere (tests, still-air questions)"),
    "climatology": ClimatologySource(
        "climatology", "embedded HWM93 monthly climatology, global, 0-40 km (the default)"
    ),
    "gridded": GriddedSource(
        "gridded",
        "GFS GRIB2/GRIB1 or ERA5 NetCDF on pressure levels; a list of files = time series",
        ("grib", "netcdf"),
        multi=True,
    ),
    "fetched": FetchedSource(
        "fetched", "a directory written by `stratowatch wind fetch gfs` (files + bbox)"
    ),
    "wyoming": WyomingSource(
        "wyoming", "University of Wyoming radiosonde CSV (uniform profile)", ("wyoming",)
    ),
    "igra2": IGRA2Source("igra2", "NOAA IGRA v2 raw sounding text (uniform profile)", ("igra2",)),
}


def _describe(spec: object) -> str:
    if isinstance(spec, str | Path):
        return str(spec)
    return ", ".join(str(s) for s in spec)  # type: ignore[attr-defined]


def open_wind(
    spec: Spec | WindField,
    *,
    source: str | None = None,
    bbox: BBox | None = None,
    levels: Sequence[float] | None = None,
    time: str | float | None = None,
    strict_time: bool = True,
    heights: Heights = "geometric",
) -> WindField:
    """A `WindField` from a name, a file, a list of files, or an existing field (returned as is).

    Parameters
    ----------
    spec : ``"calm"``, ``"climatology"``, a path (GRIB1/2, NetCDF, Wyoming CSV, IGRA2 text), a
        list of GRIB/NetCDF paths (concatenated along time), or a `WindField`.
    source : force one registry entry (a key of `SOURCES`) instead of detecting it.
    bbox : (west, south, east, north) degrees; gridded files are subset to it before loading.
    levels : pressure levels (hPa) to keep from gridded files (default: all).
    time : for files holding several soundings (IGRA2), the one nearest this time.
    strict_time : gridded files raise `DomainError` outside their time span (else clamp + flag).
    heights : soundings' geopotential heights converted to ``"geometric"`` altitude (default,
        as GPS altitudes and the flight models use) or used as ``"reported"``.

    Raises `InputError` when the file is missing or no source can open it (listing them).
    """
    if not isinstance(spec, str | Path | list | tuple):
        return spec  # type: ignore[return-value]
    if isinstance(spec, list | tuple) and len(spec) == 1:
        spec = spec[0]
    options = OpenOptions(bbox, levels, time, strict_time, heights)
    if source is not None:
        if source not in SOURCES:
            raise InputError("unknown wind source kind", value=source, expected=", ".join(SOURCES))
        return SOURCES[source].open(spec, options)
    for src in SOURCES.values():
        if src.can_open(spec):
            return src.open(spec, options)
    paths = [spec] if isinstance(spec, str | Path) else list(spec)
    for p in paths:
        if str(p).strip().lower() not in SOURCES and not Path(p).exists():
            raise InputError(
                "wind source not found: no such file and not a source name",
                path=str(p),
                expected="an existing file, or one of: calm, climatology",
            )
    listing = "; ".join(f"{k}: {s.description}" for k, s in SOURCES.items())
    raise InputError(
        "no wind source can open this (unrecognised content and suffix)",
        path=_describe(spec),
        expected=f"one of [{listing}]; pick one with source=NAME",
    )
