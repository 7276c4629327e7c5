"""The February 2023 high-altitude balloon incident: public facts the demo replays.

Everything here comes from public news reports and official statements (see
``data/feb2023_reports.md`` and the ``source`` column of the shipped reports). Positions are
approximate, with the uncertainty radii the public wording allows. Times are epoch seconds (UTC).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import InputError
from .timeutil import iso, to_epoch

__all__ = [
    "Report",
    "REPORTS_PATH",
    "SITES_PATH",
    "BILLINGS",
    "SURFSIDE",
    "COLOMBIA",
    "FLOAT_ALT_RANGE_M",
    "PAYLOAD_MASS_MIN_KG",
    "ENVELOPE_HEIGHT_M",
    "SMALL_DEBRIS_FIELD_M",
    "OVERALL_DEBRIS_FIELD_M",
    "SOURCES",
    "FORECAST_FROM",
    "Event",
    "load_reports",
    "outcome_of",
]

_DATA = resources.files("stratowatch") / "data"
#: The shipped public reports (compiled CSV, with sources per row).
REPORTS_PATH = Path(str(_DATA / "feb2023_reports.csv"))
#: The shipped example sensitive-sites file (compiled, approximate +-2 km).
SITES_PATH = Path(str(_DATA / "sensitive_sites_example.csv"))


@dataclass(frozen=True)
class Event:
    """A dated public fact at a point: epoch seconds, degrees, metres (alt None if unknown)."""

    name: str
    time: float
    lat: float
    lon: float
    alt: float | None
    source: str

    @property
    def time_iso(self) -> str:
        """The time as ISO-8601 UTC."""
        return iso(self.time)


#: Photographed over Billings, MT; the window the military declined for fear of debris.
BILLINGS = Event(
    "Billings, MT",
    to_epoch("2023-02-01T19:00:00Z"),
    45.78,
    -108.50,
    18_300.0,
    "Billings Gazette / AP photograph; KRTV, 2023-02-03",
)
#: The shoot-down: AIM-9X from an F-22, ~6 nmi off Surfside Beach, SC, over ~14 m of water.
SURFSIDE = Event(
    "Shoot-down off Surfside Beach, SC",
    to_epoch("2023-02-04T19:39:00Z"),
    33.55,
    -78.88,
    18_900.0,
    "US Secretary of Defense statement 2023-02-04; NBC News; USNI News",
)
#: The second balloon, over northern Colombia, above 55,000 ft, moving east at ~25 kt.
COLOMBIA = Event(
    "Second balloon over Colombia",
    to_epoch("2023-02-03T15:00:00Z"),
    10.4,
    -75.5,
    16_800.0,
    "Colombian Air Force statement, 2023-02-03",
)
#: The moment the demo replays by default (``stratowatch demo --forecast-from``): the Billings
#: sighting, 2023-02-01 19:00Z, when the balloon was first seen by the public and the US chose
#: not to bring it down over land for fear of the debris (Pentagon press secretary, 2023-02-02).
#: The forecast, its drift correction and its float altitude use only the reports up to then.
FORECAST_FROM = BILLINGS.time
#: Reported float altitude, 60,000-65,000 ft.
FLOAT_ALT_RANGE_M = (18_288.0, 19_812.0)
#: Payload "in excess of a couple thousand pounds".
PAYLOAD_MASS_MIN_KG = 907.0
#: Envelope about 200 ft tall.
ENVELOPE_HEIGHT_M = 61.0
#: Small debris field "15 football fields by 15", about 1,500 m x 1,500 m.
SMALL_DEBRIS_FIELD_M = 1_500.0
#: Overall debris field about 7 miles across.
OVERALL_DEBRIS_FIELD_M = 11_000.0

SOURCES = (
    "US Department of Defense briefing, reported by Anchorage Daily News, 2023-02-05",
    "US officials, reported by CNN, 2023-02-04",
    "Pentagon press secretary, 2023-02-02; Senator Daines statement",
    "Billings Gazette / AP photograph; KRTV, 2023-02-03",
    "WIBW, 2023-02-03 (Sabetha, KS)",
    "Newser / local reports, 2023-02-03 (St. Louis, MO)",
    "US Secretary of Defense statement 2023-02-04; NBC News; USNI News",
)


@dataclass(frozen=True)
class Report:
    """One public report: where and when the balloon was said to be, and how vaguely.

    ``time`` epoch s, ``time_sigma`` s (the stated time uncertainty), ``lat``/``lon`` degrees,
    ``radius`` m (position uncertainty), ``alt``/``alt_sigma`` m or None when not reported.
    """

    time: float
    time_sigma: float
    lat: float
    lon: float
    radius: float
    alt: float | None
    alt_sigma: float | None
    kind: str
    description: str
    source: str

    @property
    def time_iso(self) -> str:
        """The time as ISO-8601 UTC."""
        return iso(self.time)

    @property
    def place(self) -> str:
        """A short place name from the description (for tables)."""
        for key in ("Aleutian", "Yukon", "Idaho", "Malmstrom", "Billings", "Sabetha", "St. Louis"):
            if key in self.description:
                return {"Aleutian": "Aleutians", "Yukon": "Yukon/NWT"}.get(key, key)
        if self.kind == "engagement":
            return "Surfside Beach"
        return self.description[:24]


def _float(row: dict[str, str], key: str, path: Path, line: int, *, optional: bool) -> float | None:
    text = (row.get(key) or "").strip()
    if not text:
        if optional:
            return None
        raise InputError("missing value", path=path, line=line, field=key, expected="a number")
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            "not a number", path=path, line=line, field=key, value=text, expected="a number"
        ) from None
    if not math.isfinite(value):
        raise InputError(
            "non-finite value", path=path, line=line, field=key, value=text, expected="finite"
        )
    return value


def load_reports(path: str | Path | None = None) -> list[Report]:
    """Read public reports (the shipped 2023 file by default), sorted by time.

    Columns: ``time_utc, time_uncertainty_h, lat, lon, radius_km, alt_m, alt_uncertainty_m,
    kind, description, source``. Raises `InputError` naming file, line and field.
    """
    p = REPORTS_PATH if path is None else Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError("cannot read reports file", path=p, value=str(exc)) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            "not a UTF-8 text file",
            path=p,
            value=f"byte {exc.start}: {exc.object[exc.start : exc.start + 4]!r}",
            expected="a UTF-8 CSV of reports",
        ) from None
    rows = list(csv.DictReader(text.splitlines()))
    need = ("time_utc", "lat", "lon", "radius_km")
    if not rows:
        raise InputError("no reports in file", path=p, expected="a header and >= 1 row")
    missing = [c for c in need if c not in rows[0]]
    if missing:
        raise InputError("missing columns", path=p, line=1, value=missing, expected=", ".join(need))
    out: list[Report] = []
    for k, row in enumerate(rows):
        line = k + 2
        try:
            t = to_epoch(row["time_utc"])
        except InputError as exc:
            raise InputError(
                exc.message, path=p, line=line, field="time_utc", value=row["time_utc"]
            ) from None
        lat = _float(row, "lat", p, line, optional=False)
        lon = _float(row, "lon", p, line, optional=False)
        radius = _float(row, "radius_km", p, line, optional=False)
        assert lat is not None and lon is not None and radius is not None
        if not -90 <= lat <= 90:
            raise InputError("latitude out of range", path=p, line=line, field="lat", value=lat)
        if not -180 <= lon <= 360:
            raise InputError("longitude out of range", path=p, line=line, field="lon", value=lon)
        if radius <= 0:
            raise InputError(
                "radius must be positive", path=p, line=line, field="radius_km", value=radius
            )
        dt_h = _float(row, "time_uncertainty_h", p, line, optional=True)
        alt = _float(row, "alt_m", p, line, optional=True)
        alt_sigma = _float(row, "alt_uncertainty_m", p, line, optional=True)
        if dt_h is not None and dt_h < 0:
            raise InputError(
                "negative time uncertainty",
                path=p,
                line=line,
                field="time_uncertainty_h",
                value=dt_h,
                expected="hours >= 0",
            )
        if alt is not None and not -500.0 <= alt <= 100_000.0:
            raise InputError(
                "altitude out of range",
                path=p,
                line=line,
                field="alt_m",
                value=alt,
                expected="-500..100000 m",
            )
        if alt_sigma is not None and alt_sigma <= 0:
            raise InputError(
                "altitude uncertainty must be positive",
                path=p,
                line=line,
                field="alt_uncertainty_m",
                value=alt_sigma,
                expected="metres > 0",
            )
        out.append(
            Report(
                time=t,
                time_sigma=0.0 if dt_h is None else dt_h * 3600.0,
                lat=lat,
                lon=lon,
                radius=radius * 1000.0,
                alt=alt,
                alt_sigma=alt_sigma,
                kind=(row.get("kind") or "report").strip(),
                description=(row.get("description") or "").strip(),
                source=(row.get("source") or "").strip(),
            )
        )
    out.sort(key=lambda r: r.time)
    return out


def outcome_of(reports: list[Report]) -> Report | None:
    """The incident's outcome in a reports file: its last row of kind ``engagement`` (where
    and when the object was brought down), or None. The demo scores its forecast against it
    and never uses it before."""
    ends = [r for r in reports if r.kind == "engagement"]
    return ends[-1] if ends else None
