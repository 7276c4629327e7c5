"""The result of an ensemble prediction: `Prediction` (paths, median path, 50 % / 90 %
regions, origin maps, GeoJSON features)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.tops import TopPoints
from ..errors import ConfigError, DomainError
from ..timeutil import iso, to_epoch
from .regions import (
    ellipse,
    ellipse_polygon,
    histogram_map,
    median_lonlat,
    radius_quantiles_km,
    wrap180,
)

__all__ = ["Prediction", "FloatArray", "TopPoints"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Prediction:
    """The result of `predict`.

    times : (nt,) epoch s of the output lead times (nominal start + k * output step; backward
        runs go back in time). lat, lon, alt : (members, nt), NaN after a member stops.
    end_time, end_lat, end_lon, end_alt : (members,) where each member ended (landed, or the
        last state at the horizon). landed : (members,) bool (the profile's last stage ended,
        e.g. touched the ground). warnings : list of str. elapsed_s : s spent integrating;
        member_steps : integration steps summed over members. top_points : each member's
        highest point (`TopPoints`) when the run kept it without the paths (None otherwise:
        it is found on the paths).
    """

    times: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    end_time: FloatArray
    end_lat: FloatArray
    end_lon: FloatArray
    end_alt: FloatArray
    landed: npt.NDArray[np.bool_]
    profile: str
    backward: bool
    wind_source: str
    warnings: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    member_steps: int = 0
    top_points: TopPoints | None = None

    @property
    def members(self) -> int:
        return int(self.end_lat.shape[0])

    @property
    def has_paths(self) -> bool:
        """False when the prediction kept only the start and end states (``paths=False``)."""
        return bool(self.params.get("paths", True))

    def highest_points(self) -> TopPoints:
        """Each member's highest point (`TopPoints`): found on the paths, or the ones the run
        kept without them; the same numbers either way."""
        if self.top_points is not None:
            return self.top_points
        self._need_paths("the members' highest points (or top_points=True)")
        return TopPoints.of_paths(self.times, self.lat, self.lon, self.alt)

    def _need_paths(self, what: str) -> None:
        if not self.has_paths:
            raise ConfigError(
                f"{what} needs the members' paths: this prediction was run with paths=False "
                "(start and end states only)"
            )

    @property
    def end(self) -> dict[str, float]:
        """Median end point and the radii (km) holding 50 % and 90 % of the members' ends."""
        return dict(self._end)

    @functools.cached_property
    def _end(self) -> dict[str, float]:
        # computed once (the summary and the key points both ask; 100,000 geodesics)
        lat, lon = median_lonlat(self.end_lat, self.end_lon)
        r50, r90 = radius_quantiles_km(self.end_lat, self.end_lon, lat, lon, (0.5, 0.9))
        return {
            "time": float(np.nanmedian(self.end_time)),
            "lat": lat,
            "lon": lon,
            "alt": float(np.nanmedian(self.end_alt)),
            "r50_km": r50,
            "r90_km": r90,
            "landed_fraction": float(self.landed.mean()),
        }

    def positions_at(self, time: Any) -> dict[str, FloatArray]:
        """Every member's position at ``time`` (ISO string, datetime or epoch s; within the
        prediction's span), linear between output times (across the dateline too):
        ``lat``, ``lon``, ``alt`` arrays of shape (members,), NaN for members stopped before."""
        t = to_epoch(time)
        lead = (t - self.times[0]) * (-1.0 if self.backward else 1.0)
        if abs(lead) > 1e-6:
            self._need_paths("positions_at a later time")
        step = abs(float(self.times[1] - self.times[0])) if self.times.size > 1 else 0.0
        span = step * (self.times.size - 1)
        if not (-1e-6 <= lead <= span + 1e-6):
            raise DomainError(
                f"time {iso(t)} is outside the prediction "
                f"({iso(float(self.times[0]))} .. {iso(float(self.times[-1]))})"
            )
        if step == 0.0:
            return {"lat": self.lat[:, 0].copy(), "lon": self.lon[:, 0].copy(),
                    "alt": self.alt[:, 0].copy()}  # fmt: skip
        f = min(max(lead / step, 0.0), self.times.size - 1.0)
        k = min(int(math.floor(f)), self.times.size - 2)
        w = f - k
        dlon = wrap180(self.lon[:, k + 1] - self.lon[:, k])
        return {
            "lat": (1 - w) * self.lat[:, k] + w * self.lat[:, k + 1],
            "lon": wrap180(self.lon[:, k] + w * dlon),
            "alt": (1 - w) * self.alt[:, k] + w * self.alt[:, k + 1],
        }

    def median_path(self) -> dict[str, FloatArray]:
        """Median (lat, lon, alt) over the members alive at each output time, and the count."""
        self._need_paths("median_path")
        nt = self.times.size
        lat = np.full(nt, np.nan)
        lon = np.full(nt, np.nan)
        alt = np.full(nt, np.nan)
        alive = np.isfinite(self.lat).sum(axis=0).astype(np.float64)
        for k in range(nt):
            if alive[k] > 0:
                lat[k], lon[k] = median_lonlat(self.lat[:, k], self.lon[:, k])
                alt[k] = float(np.nanmedian(self.alt[:, k]))
        return {"times": self.times, "lat": lat, "lon": lon, "alt": alt, "members": alive}

    def regions(
        self, levels: tuple[float, ...] = (0.5, 0.9), *, every: int = 1
    ) -> list[dict[str, Any]]:
        """Confidence ellipses per output time (every ``every``-th), one per level: dicts with
        ``time`` (epoch s), ``level``, centre ``lat``/``lon``, ``semi_major_km``,
        ``semi_minor_km``, ``orientation_deg`` (clockwise from north), ``coverage`` and ``n``
        (see `predict.regions.ellipse`). Times with fewer than 3 members alive are skipped."""
        self._need_paths("regions")
        out = []
        for k in range(0, self.times.size, max(int(every), 1)):
            for lv in levels:
                if not 0.0 < lv < 1.0:
                    raise ConfigError(f"region level must be between 0 and 1, got {lv}")
                e = ellipse(self.lat[:, k], self.lon[:, k], lv)
                if e is not None:
                    e["time"] = float(self.times[k])
                    out.append(e)
        return out

    def origin_map(self, *, cell_deg: float = 0.5) -> dict[str, Any]:
        """For backward runs: the probability that the object came from each lat/lon cell,
        from the members' end points (cells sorted by probability, with cumulative sums)."""
        if not self.backward:
            raise ConfigError("origin_map needs a backward prediction (backward=True)")
        if not (math.isfinite(cell_deg) and cell_deg > 0):
            raise ConfigError(f"cell size must be positive degrees, got {cell_deg}")
        return histogram_map(self.end_lat, self.end_lon, cell_deg)

    def to_features(
        self, *, member_paths: bool = False, region_every_s: float = 3 * 3600.0,
        max_points: int = 2000,
    ) -> dict[str, Any]:  # fmt: skip
        """A GeoJSON FeatureCollection for `io.export.write_features`: the median path
        (``times``), member paths on request, 50/90 % region polygons every
        ``region_every_s`` (``time``), the members' end points (at most ``max_points``) and,
        for backward runs, the origin cells."""
        self._need_paths("to_features")
        feats: list[dict[str, Any]] = []
        mp = self.median_path()
        ok = np.isfinite(mp["lat"])
        coords = _line(mp["lon"][ok], mp["lat"][ok], mp["alt"][ok])
        feats.append(
            _feature(
                {"type": "LineString", "coordinates": coords},
                layer="median_path",
                name="median path",
                times=[iso(t) for t in mp["times"][ok]],
                style={"color": "#d62728", "width": 3},
            )
        )
        if member_paths:
            for i in range(self.members):
                good = np.isfinite(self.lat[i])
                if good.sum() >= 2:
                    feats.append(
                        _feature(
                            {
                                "type": "LineString",
                                "coordinates": _line(
                                    self.lon[i][good], self.lat[i][good], self.alt[i][good]
                                ),
                            },
                            layer="members",
                            name=f"member {i}",
                            times=[iso(t) for t in self.times[good]],
                            style={"color": "#7f7f7f", "width": 1, "opacity": 0.4},
                        )
                    )
        step = float(abs(self.times[1] - self.times[0])) if self.times.size > 1 else 1.0
        every = max(int(round(region_every_s / step)), 1)
        for r in self.regions((0.5, 0.9), every=every):
            if r["semi_major_km"] <= 1e-6:
                continue  # no spread yet (all members at one point): no polygon to draw
            feats.append(
                _feature(
                    {"type": "Polygon", "coordinates": [ellipse_polygon(r)]},
                    layer="region",
                    name=f"{int(r['level'] * 100)} % region",
                    time=iso(r["time"]),
                    level=r["level"],
                    semi_major_km=round(r["semi_major_km"], 3),
                    semi_minor_km=round(r["semi_minor_km"], 3),
                    orientation_deg=round(r["orientation_deg"], 1),
                    coverage=round(r["coverage"], 3),
                    style={"color": "#ff7f0e" if r["level"] < 0.75 else "#1f77b4", "opacity": 0.3},
                )
            )
        idx = np.arange(self.members)
        if idx.size > max_points:
            idx = np.linspace(0, self.members - 1, max_points).astype(np.int64)
        for i in idx.tolist():
            if np.isfinite(self.end_lat[i]):
                feats.append(
                    _feature(
                        {
                            "type": "Point",
                            "coordinates": [
                                round(float(self.end_lon[i]), 6),
                                round(float(self.end_lat[i]), 6),
                                round(float(self.end_alt[i]), 1),
                            ],
                        },
                        layer="end_points",
                        name=f"member {int(i)} end",
                        time=iso(float(self.end_time[i])),
                        landed=bool(self.landed[i]),
                    )
                )
        end = self.end
        if math.isfinite(end["lat"]):
            feats.append(
                _feature(
                    {"type": "Point", "coordinates": [round(end["lon"], 6), round(end["lat"], 6)]},
                    layer="end_median",
                    name="median end",
                    time=iso(end["time"]),
                    r50_km=round(end["r50_km"], 3),
                    r90_km=round(end["r90_km"], 3),
                )
            )
        if self.backward:
            om = self.origin_map()
            c = om["cell_deg"]
            for cell in om["cells"][:500]:
                x0, y0 = cell["lon_min"], cell["lat_min"]
                ring = [[x0, y0], [x0 + c, y0], [x0 + c, y0 + c], [x0, y0 + c], [x0, y0]]
                feats.append(
                    _feature(
                        {"type": "Polygon", "coordinates": [ring]},
                        layer="origin",
                        name="origin cell",
                        probability=round(cell["probability"], 5),
                        cumulative=round(cell["cumulative"], 5),
                    )
                )
        return {
            "type": "FeatureCollection",
            "features": feats,
            "properties": {
                "profile": self.profile,
                "backward": self.backward,
                "members": self.members,
                "wind": self.wind_source,
                "warnings": list(self.warnings),
            },
        }

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (the CLI's ``--json`` object)."""
        e = self.end
        return {
            "members": self.members,
            "profile": self.profile,
            "backward": self.backward,
            "wind": self.wind_source,
            "end": {
                "time": iso(e["time"]) if math.isfinite(e["time"]) else None,
                "lat": round(e["lat"], 5),
                "lon": round(e["lon"], 5),
                "alt_m": round(e["alt"], 1),
                "r50_km": round(e["r50_km"], 3),
                "r90_km": round(e["r90_km"], 3),
                "landed_fraction": round(e["landed_fraction"], 4),
            },
            "warnings": list(self.warnings),
            "elapsed_s": round(self.elapsed_s, 4),
            "uncertainty": self.params.get("uncertainty", {}),
            "ground": self.params.get("ground", {}),
        }


def _line(lon: FloatArray, lat: FloatArray, alt: FloatArray) -> list[list[float]]:
    return [
        [round(float(o), 6), round(float(a), 6), round(float(h), 1)]
        for o, a, h in zip(lon, lat, alt, strict=True)
    ]


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}
