"""Civil aviation: airspace class and traffic levels at the object's altitude, airports near
the path, and a plain-language statement.

Flight levels are pressure altitude in hundreds of feet; in the standard atmosphere
([USSA1976]_) pressure altitude equals geopotential altitude, within 0.3 % of the geometric
altitude used here below 20 km (real temperatures shift it by a few hundred feet).

US airspace (14 CFR 71.33 and 71.71, [CFR14-71]_): Class A from 18,000 ft MSL up to and
including FL600; Class E above FL600; below 18,000 ft Class B/C/D/E/G by location (reported as
"below Class A"). Elsewhere ICAO States set their own limits; only the traffic levels are stated.
Airliners cruise between about FL290 and FL410, some up to FL430-FL450 (the certified ceiling
of most jet transports is FL410-FL450); business jets up to FL510 ([FAA-AIM]_ ch. 5,
manufacturers' type data).

Airports: the ``airportsdata`` package's ICAO table (~28,000 airports, MIT licence, from
openflights/ourairports). By default only those with an IATA code (scheduled-service airports).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..geo import EARTH_RADIUS, FT, haversine
from ..timeutil import iso
from .path import FlightPath

__all__ = [
    "CLASS_A_FLOOR",
    "CLASS_A_CEILING",
    "AIRLINER_MIN",
    "AIRLINER_MAX",
    "Airport",
    "AviationAssessment",
    "flight_level",
    "us_airspace_class",
    "airports_near",
    "assess_aviation",
]

FloatArray = npt.NDArray[np.float64]

CLASS_A_FLOOR = 18_000 * FT  # 5486.4 m MSL
CLASS_A_CEILING = 60_000 * FT  # FL600, 18288 m
AIRLINER_MIN = 29_000 * FT  # FL290: lower edge of the usual airliner cruise band
AIRLINER_MAX = 45_000 * FT  # FL450: the highest airliner cruise levels
GA_MAX = 18_000 * FT  # general aviation mostly below Class A


def flight_level(alt: npt.ArrayLike) -> FloatArray:
    """Flight level (hundreds of ft) of a geometric altitude in m (standard atmosphere)."""
    return np.asarray(np.asarray(alt, dtype=np.float64) / FT / 100.0)


def us_airspace_class(alt: float) -> str:
    """US airspace class at ``alt`` m MSL (14 CFR 71.33, 71.71)."""
    if alt > CLASS_A_CEILING:
        return "E"
    if alt >= CLASS_A_FLOOR:
        return "A"
    return "below A (B/C/D/E/G by location)"


@dataclass(frozen=True)
class Airport:
    icao: str
    iata: str
    name: str
    lat: float
    lon: float
    distance: float  # m, closest approach of the path (median member)
    time: float  # epoch s of that approach

    def as_dict(self) -> dict[str, object]:
        return {
            "icao": self.icao,
            "iata": self.iata,
            "name": self.name,
            "distance_km": round(self.distance / 1000, 1),
            "time": iso(self.time),
        }


_AIRPORTS: tuple[npt.NDArray[Any], FloatArray, FloatArray] | None = None
_LOCK = threading.Lock()


def _airports() -> tuple[npt.NDArray[Any], FloatArray, FloatArray]:
    global _AIRPORTS
    with _LOCK:
        if _AIRPORTS is None:
            import airportsdata

            data = airportsdata.load("ICAO")
            rec = np.array(
                [(a["icao"], a.get("iata") or "", a["name"]) for a in data.values()], dtype=object
            )
            lat = np.array([float(a["lat"]) for a in data.values()])
            lon = np.array([float(a["lon"]) for a in data.values()])
            _AIRPORTS = (rec, lat, lon)
        return _AIRPORTS


def _maybe_near(
    alat: FloatArray, alon: FloatArray, lat: FloatArray, lon: FloatArray, radius: float
) -> npt.NDArray[np.bool_]:
    """Airports that may be within ``radius`` (m) of one of the points: their great-circle
    distance on the mean sphere (k-d tree on unit vectors) is within 2 % + 1 km of the radius.
    The sphere's distance differs from the WGS84 geodesic by less than 0.6 %, so an airport left
    out is farther than ``radius``; the kept ones are measured exactly (`geo.haversine`)."""
    from scipy.spatial import cKDTree

    def unit(la: FloatArray, lo: FloatArray) -> FloatArray:
        p, q = np.radians(la), np.radians(lo)
        return np.column_stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)])

    ok = np.isfinite(lat) & np.isfinite(lon)
    if alat.size == 0 or not ok.any():
        return np.zeros(alat.size, dtype=bool)
    angle = min((1.02 * radius + 1000.0) / EARTH_RADIUS, np.pi)
    chord = 2.0 * np.sin(0.5 * angle)
    d, _ = cKDTree(unit(lat[ok], lon[ok])).query(unit(alat, alon), distance_upper_bound=chord)
    return np.asarray(np.isfinite(d))


def airports_near(
    path: FlightPath, radius: float = 50_000.0, *, scheduled_only: bool = True, step: float = 300.0
) -> list[Airport]:
    """Airports within ``radius`` (m) of the path's median member, nearest first."""
    if not radius > 0:
        raise InputError("radius must be positive", field="radius", value=radius, expected="> 0 m")
    rec, alat, alon = _airports()
    t0, t1 = float(path.times[0]), float(path.times[-1])
    times = np.arange(t0, t1 + step, step) if t1 > t0 else np.array([t0])
    p = path.resample(np.minimum(times, t1))
    lat = np.median(p.lat, axis=0)
    lon = np.degrees(
        np.arctan2(
            np.median(np.sin(np.radians(p.lon)), axis=0),
            np.median(np.cos(np.radians(p.lon)), axis=0),
        )
    )
    sel = np.ones(alat.size, dtype=bool)
    if scheduled_only:
        sel &= rec[:, 1] != ""
    pad = np.degrees(radius / 6.371e6) + 0.1
    sel &= (alat >= lat.min() - pad) & (alat <= lat.max() + pad)
    idx = np.nonzero(sel)[0]
    idx = idx[_maybe_near(alat[idx], alon[idx], lat, lon, radius)]
    out: list[Airport] = []
    chunk = 2000
    for start in range(0, idx.size, chunk):  # bounded memory: chunks of airports x path points
        ii = idx[start : start + chunk]
        d = haversine(alat[ii][:, None], alon[ii][:, None], lat[None, :], lon[None, :])
        k = np.argmin(d, axis=1)
        dmin = d[np.arange(ii.size), k]
        for j in np.nonzero(dmin <= radius)[0]:
            a = ii[j]
            out.append(
                Airport(
                    str(rec[a, 0]),
                    str(rec[a, 1]),
                    str(rec[a, 2]),
                    float(alat[a]),
                    float(alon[a]),
                    float(dmin[j]),
                    float(p.times[k[j]]),
                )
            )
    out.sort(key=lambda a: a.distance)
    return out


@dataclass(frozen=True)
class AviationAssessment:
    altitude_min: float  # m, over members and time
    altitude_median: float
    altitude_max: float
    airspace_us: str
    airports: list[Airport]
    statement: str

    def as_dict(self) -> dict[str, object]:
        return {
            "altitude_min_m": round(self.altitude_min),
            "altitude_median_m": round(self.altitude_median),
            "altitude_max_m": round(self.altitude_max),
            "flight_level_median": int(round(float(flight_level(self.altitude_median)))),
            "airspace_us": self.airspace_us,
            "airports": [a.as_dict() for a in self.airports],
            "statement": self.statement,
        }


def aviation_statement(alt: float) -> str:
    """Plain-language statement for an object at ``alt`` m."""
    fl = int(round(float(flight_level(alt))))
    if alt > AIRLINER_MAX:
        return (
            f"At FL{fl:03d}, above commercial traffic (airliners cruise up to ~FL410-FL450): no "
            "direct threat to civil aviation at altitude; a descent through FL450-FL180 would "
            "cross airliner levels, and debris would fall through them."
        )
    if alt >= AIRLINER_MIN:
        return (
            f"At FL{fl:03d}, inside the airliner cruise band (FL290-FL450): a direct collision "
            "hazard; air traffic control must separate traffic from it."
        )
    if alt >= GA_MAX:
        return (
            f"At FL{fl:03d}, in Class A airspace below the airliner cruise band: a hazard to "
            "climbing and descending airliners and to business jets."
        )
    return (
        f"At {alt / FT:,.0f} ft, below Class A: a hazard to general aviation and to traffic "
        "near airports."
    )


def assess_aviation(path: FlightPath, *, airport_radius: float = 50_000.0) -> AviationAssessment:
    """Altitude against airspace and traffic levels, and nearby airports, for a path."""
    alt = path.alt
    med = float(np.median(alt))
    return AviationAssessment(
        altitude_min=float(alt.min()),
        altitude_median=med,
        altitude_max=float(alt.max()),
        airspace_us=us_airspace_class(med),
        airports=airports_near(path, airport_radius),
        statement=aviation_statement(med),
    )
