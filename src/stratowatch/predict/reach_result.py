"""Results of `reachable_set`: regions per lead time, site reach and the whole set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from ..errors import ConfigError
from ..timeutil import iso
from .reach_levels import (
    WindError as WindError,
)
from .reach_levels import (
    altitude_levels as altitude_levels,
)
from .reach_levels import (
    level_endpoints as level_endpoints,
)
from .reach_levels import (
    wind_error_for as wind_error_for,
)
from .reach_plane import (
    _circumscribed,
    _geodesic_area_km2,
    _to_lonlat,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ReachRegion:
    """The reachable region at one lead time.

    hours : lead time (h); time : epoch s; geometry : GeoJSON Polygon or MultiPolygon
    ([lon, lat], counter-clockwise exteriors, split at the antimeridian) with the nominal
    wind; area_km2 : its area on the WGS84 ellipsoid; wind_margin_km : the 90 % radius of the
    wind-error displacement at this lead; geometry_wind90 : the region grown by it.
    """

    hours: float
    time: float
    geometry: dict[str, Any]
    area_km2: float
    wind_margin_km: float
    geometry_wind90: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        return {
            "hours": round(self.hours, 4),
            "time": iso(self.time),
            "geometry": self.geometry,
            "area_km2": round(self.area_km2, 1),
            "wind_margin_km": round(self.wind_margin_km, 1),
            "geometry_wind90": self.geometry_wind90,
        }


@dataclass(frozen=True)
class SiteReach:
    """How soon a steering balloon could be over a site, and how likely it gets there passively.

    earliest_time : epoch s when the reachable region (nominal wind) first comes within the
    site's radius (None: not within the horizon); earliest_time_90 : the same for the region
    grown by the wind margin (at 90 % confidence it cannot be there sooner); p_passive :
    probability that a passive balloon (one altitude) passes within the radius before the
    horizon, with its 90 % sampling interval p_passive_90; passive_members : ensemble size.
    """

    name: str
    lat: float
    lon: float
    radius_m: float
    earliest_time: float | None
    earliest_time_90: float | None
    p_passive: float
    p_passive_90: tuple[float, float]
    passive_members: int
    category: str = ""

    def describe(self, t0: float) -> dict[str, Any]:
        def _t(x: float | None) -> str | None:
            return None if x is None else iso(x)

        def _h(x: float | None) -> float | None:
            return None if x is None else round((x - t0) / 3600.0, 2)

        return {
            "name": self.name,
            "lat": round(self.lat, 5),
            "lon": round(self.lon, 5),
            "radius_km": round(self.radius_m / 1e3, 3),
            "earliest_time": _t(self.earliest_time),
            "earliest_hours": _h(self.earliest_time),
            "earliest_time_90": _t(self.earliest_time_90),
            "earliest_hours_90": _h(self.earliest_time_90),
            "p_passive": round(self.p_passive, 4),
            "p_passive_90": [round(self.p_passive_90[0], 4), round(self.p_passive_90[1], 4)],
            "passive_members": self.passive_members,
        }


@dataclass(frozen=True, eq=False)
class ReachableSet:
    """The result of `reachable_set` (see its parameters); ``regions`` at the output lead
    times, ``sites`` in input order; ``step_s`` the propagation step; ``wind_error`` the
    error model used for the wind margins and passive members; ``elapsed_s`` wall time."""

    time: float
    lat: float
    lon: float
    band: tuple[float, float]
    hours: float
    airspeed: float
    step_s: float
    levels: FloatArray
    regions: tuple[ReachRegion, ...]
    sites: tuple[SiteReach, ...]
    wind_source: str
    wind_error: WindError
    margin_m: float
    warnings: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    _plane: Any = field(default=None, repr=False)
    _steps: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def step_hours(self) -> FloatArray:
        """Lead times (h) of the propagation steps (`contains` answers at these)."""
        return np.asarray(np.cumsum([d for d, _ in self._steps]) / 3600.0)

    def polygon_at(self, hours: float) -> Any:
        """The region (shapely polygon on the start-centred azimuthal equidistant plane, m) at
        the propagation step whose lead time is ``hours``, grown by the output margin."""
        lead = self.step_hours
        k = int(np.argmin(np.abs(lead - hours)))
        if abs(lead[k] - hours) > 1e-6:
            raise ConfigError(
                f"no propagation step at {hours:g} h; steps are every {self.step_s / 3600:g} h"
            )
        return _circumscribed(self._steps[k][1], self.margin_m)

    def contains(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, hours: float
    ) -> npt.NDArray[np.bool_]:
        """Whether points (degrees) lie in the reachable region at lead time ``hours`` (a
        multiple of the step)."""
        poly = self.polygon_at(hours)
        x, y = self._plane.forward(lon, lat)
        return np.asarray(shapely.contains_xy(poly, x, y))

    def area_km2_at(self, hours: float) -> float:
        """Area (km2, WGS84) of the region at a propagation step."""
        return _geodesic_area_km2(_to_lonlat(self.polygon_at(hours), self._plane))

    def to_features(self, *, wind90: bool = True) -> dict[str, Any]:
        """GeoJSON FeatureCollection for `io.export.write_features` and the report map:
        layer ``reach`` (one polygon per lead time, ``time``, ``hours``), ``reach_wind90``
        (grown by the wind margin), ``reach_start`` and ``reach_sites`` (points with their
        earliest times and p_passive)."""
        feats: list[dict[str, Any]] = []
        n = max(len(self.regions), 1)
        for i, r in enumerate(self.regions):
            shade = 0.15 + 0.35 * (1.0 - i / n)
            props = {
                "layer": "reach",
                "name": f"reachable in {r.hours:g} h",
                "time": iso(r.time),
                "hours": round(r.hours, 4),
                "area_km2": round(r.area_km2, 1),
                "band_m": list(self.band),
                "airspeed_m_s": self.airspeed,
                "style": {"color": "#9467bd", "opacity": round(shade, 3), "width": 1},
            }
            feats.append({"type": "Feature", "geometry": r.geometry, "properties": props})
            if wind90:
                feats.append(
                    {
                        "type": "Feature",
                        "geometry": r.geometry_wind90,
                        "properties": {
                            "layer": "reach_wind90",
                            "name": f"reachable in {r.hours:g} h, wind uncertainty (90 %)",
                            "time": iso(r.time),
                            "hours": round(r.hours, 4),
                            "wind_margin_km": round(r.wind_margin_km, 1),
                            "style": {"color": "#c5b0d5", "opacity": 0.1, "width": 1},
                        },
                    }
                )
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(self.lon, 6), round(self.lat, 6)],
                },
                "properties": {"layer": "reach_start", "name": "start", "time": iso(self.time)},
            }
        )
        for s in self.sites:
            d = s.describe(self.time)
            props = {"layer": "reach_sites", "name": s.name, **{k: v for k, v in d.items()
                     if k not in ("name", "lat", "lon")}}  # fmt: skip
            if s.earliest_time is not None:
                props["time"] = iso(s.earliest_time)
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(s.lon, 6), round(s.lat, 6)],
                    },
                    "properties": props,
                }
            )
        return {
            "type": "FeatureCollection",
            "features": feats,
            "properties": {"wind": self.wind_source, "warnings": list(self.warnings)},
        }

    def summary(self) -> dict[str, Any]:
        """The CLI's ``--json`` object: ``regions: [{hours, geometry, ...}]`` and ``sites:
        [{name, earliest_time, p_passive, ...}]``."""
        return {
            "start": {"time": iso(self.time), "lat": self.lat, "lon": self.lon},
            "band_m": [self.band[0], self.band[1]],
            "levels": len(self.levels),
            "hours": self.hours,
            "airspeed_m_s": self.airspeed,
            "step_h": round(self.step_s / 3600.0, 4),
            "wind": self.wind_source,
            "wind_error": self.wind_error.describe(),
            "regions": [r.describe() for r in self.regions],
            "sites": [s.describe(self.time) for s in self.sites],
            "warnings": list(self.warnings),
            "elapsed_s": round(self.elapsed_s, 3),
        }
