"""The path an assessment works on: times and per-member positions (one member for a track).

`FlightPath` holds ``times`` (nt,) epoch seconds and ``lat``/``lon``/``alt`` (members, nt)
degrees and metres. It is built from a prediction (``from_prediction``), from arrays, or read
from a CSV (``time, lat, lon[, alt]``: a track or reports file; also ``time_utc``, ``latitude``,
``longitude``/``lng``, ``alt_m``/``altitude``; an optional ``member`` column makes an ensemble)
or a GeoJSON FeatureCollection (LineStrings with ``properties.times``, one per member, or time-
stamped Points) as the exporters write them.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from ..geo.coords import check_lat, check_lon, check_points
from ..timeutil import to_epoch

__all__ = ["FlightPath", "read_path"]

FloatArray = npt.NDArray[np.float64]

_ALIASES = {
    "time": ("time", "time_utc", "timestamp", "datetime"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
    "alt": ("alt", "alt_m", "altitude", "altitude_m", "height_m"),
    "member": ("member", "track_id"),
}


@dataclass(frozen=True, eq=False)
class FlightPath:
    """Times (nt,) epoch s, strictly increasing; lat, lon, alt (members, nt) deg, deg, m."""

    times: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        nt = self.times.shape[0]
        for name in ("lat", "lon", "alt"):
            a = getattr(self, name)
            if a.ndim != 2 or a.shape[1] != nt:
                raise InputError(
                    f"{name} must be (members, {nt})",
                    field=name,
                    value=a.shape,
                    expected="one row per member, one column per time",
                )
        if nt < 1:
            raise InputError("empty path", expected="at least one position")
        if nt > 1 and np.any(np.diff(self.times) <= 0):
            raise InputError("times must increase strictly", field="time")

    @property
    def members(self) -> int:
        return int(self.lat.shape[0])

    @classmethod
    def from_arrays(
        cls,
        times: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike,
        *,
        source: str = "",
    ) -> FlightPath:
        """From (nt,) or (members, nt) arrays (alt may be a scalar)."""
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        try:
            la, lo, al = (
                np.atleast_2d(a).copy()
                for a in np.broadcast_arrays(
                    np.asarray(lat, dtype=np.float64),
                    np.asarray(lon, dtype=np.float64),
                    np.asarray(alt, dtype=np.float64),
                    t,
                )[:3]
            )
        except ValueError:
            raise InputError(
                "lat, lon, alt and times do not fit together",
                expected="(nt,) or (members, nt) arrays, or scalars",
            ) from None
        for name, a in (("time", t), ("lat", la), ("lon", lo), ("alt", al)):
            if not np.all(np.isfinite(a)):
                raise InputError("non-finite value in path", field=name, expected="finite numbers")
        if np.any(np.abs(la) > 90):
            raise InputError("latitude out of range", field="lat", expected="-90..90")
        return cls(t, la, (lo + 180.0) % 360.0 - 180.0, al, source)

    @classmethod
    def from_prediction(cls, prediction: Any) -> FlightPath:
        """From a `stratowatch.predict.Prediction` (``.times``, ``.lat``/``.lon``/``.alt``).

        Members that ended early (NaN tails) keep their last position."""
        lat = np.atleast_2d(np.asarray(prediction.lat, dtype=np.float64))
        lon = np.atleast_2d(np.asarray(prediction.lon, dtype=np.float64))
        alt = np.atleast_2d(np.asarray(prediction.alt, dtype=np.float64))
        arrays = [_ffill(a) for a in (lat, lon, alt)]
        return cls.from_arrays(prediction.times, *arrays, source="prediction")

    def resample(self, times: npt.ArrayLike) -> FlightPath:
        """Positions at new times (linear; longitude unwrapped; clamped at the ends)."""
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if self.times.size == 1:
            rep = np.repeat
            return FlightPath(
                t,
                rep(self.lat, t.size, 1),
                rep(self.lon, t.size, 1),
                rep(self.alt, t.size, 1),
                self.source,
            )
        lon_u = np.degrees(np.unwrap(np.radians(self.lon), axis=1))

        def interp(a: FloatArray) -> FloatArray:
            return np.stack([np.interp(t, self.times, row) for row in a])

        lon = (interp(lon_u) + 180.0) % 360.0 - 180.0
        return FlightPath(t, interp(self.lat), lon, interp(self.alt), self.source)

    def at(self, t: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(lat, lon, alt) of every member at time t (members,)."""
        p = self.resample([t])
        return p.lat[:, 0], p.lon[:, 0], p.alt[:, 0]


def _ffill(a: FloatArray) -> FloatArray:
    out = a.copy()
    for row in out:  # per member, once at load time (not a hot path)
        ok = np.isfinite(row)
        if not ok.any():
            continue
        idx = np.where(ok, np.arange(row.size), 0)
        np.maximum.accumulate(idx, out=idx)
        row[:] = row[idx]
        first = int(np.argmax(ok))
        row[:first] = row[first]
    return out


def _col(fields: list[str], key: str) -> str | None:
    for alias in _ALIASES[key]:
        if alias in fields:
            return alias
    return None


def _read_csv(p: Path, default_alt: float | None, track_id: str | None = None) -> FlightPath:
    with p.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = [c.strip().lower() for c in (reader.fieldnames or [])]
        reader.fieldnames = fields
        cols = {k: _col(fields, k) for k in _ALIASES}
        missing = [k for k in ("time", "lat", "lon") if cols[k] is None]
        if missing:
            raise InputError(
                "missing columns",
                path=p,
                line=1,
                value=",".join(fields),
                expected="time, lat, lon (and alt) columns",
            )
        rows: list[tuple[str, float, float, float, float]] = []
        for row in reader:
            line = reader.line_num
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            vals: list[float] = []
            for key in ("time", "lat", "lon", "alt"):
                col = cols[key]
                raw = (row.get(col) or "").strip() if col else ""
                if key == "alt" and raw == "":
                    vals.append(math.nan)
                    continue
                try:
                    v = to_epoch(raw) if key == "time" else float(raw)
                except (InputError, ValueError):
                    raise InputError(
                        "bad value",
                        path=p,
                        line=line,
                        field=col,
                        value=raw,
                        expected="ISO 8601 time" if key == "time" else "a number",
                    ) from None
                if key in ("lat", "lon"):  # the one coordinate rule (geo.coords)
                    try:
                        name = col or key
                        v = check_lat(v, field=name) if key == "lat" else check_lon(v, field=name)
                    except InputError as exc:
                        raise InputError(
                            exc.message, path=p, line=line, field=col, value=v,
                            expected=exc.expected,
                        ) from None  # fmt: skip
                elif not math.isfinite(v):
                    raise InputError("value out of range", path=p, line=line, field=col, value=raw)
                vals.append(v)
            member = (row.get(cols["member"]) or "").strip() if cols["member"] else ""
            rows.append((member, vals[0], vals[1], vals[2], vals[3]))
    if not rows:
        raise InputError("no positions in file", path=p, expected="at least one data row")
    members = sorted({r[0] for r in rows})
    if cols["member"] == "track_id":  # a tracker's state file: separate objects, pick one
        if track_id is not None:
            rows = [r for r in rows if r[0] == str(track_id)]
            if not rows:
                raise InputError(
                    "no such track",
                    path=p,
                    field="track_id",
                    value=track_id,
                    expected="one of " + ", ".join(members),
                )
            members = [str(track_id)]
        elif len(members) > 1:
            raise InputError(
                f"the file holds {len(members)} tracks",
                path=p,
                field="track_id",
                value=", ".join(members[:10]),
                expected="a track id to assess (--track-id)",
            )
    groups = []
    for m in members:
        sel = sorted((r for r in rows if r[0] == m), key=lambda r: r[1])
        arr = np.array([r[1:] for r in sel], dtype=np.float64)
        t, keep = np.unique(arr[:, 0], return_index=True)
        groups.append((t, arr[keep]))
    times = groups[0][0]
    if any(g[0].shape != times.shape or np.any(g[0] != times) for g in groups):
        raise InputError(
            "members have different times",
            path=p,
            field=cols["member"],
            expected="one path, or members sampled at the same times",
        )
    lat = np.stack([g[1][:, 1] for g in groups])
    lon = np.stack([g[1][:, 2] for g in groups])
    alt = np.stack([g[1][:, 3] for g in groups])
    for row in alt:
        ok = np.isfinite(row)
        if ok.any():
            row[:] = np.interp(times, times[ok], row[ok])
        elif default_alt is not None:
            row[:] = default_alt
        else:
            raise InputError(
                "no altitude in file",
                path=p,
                field="alt",
                expected="an alt column with values, or an altitude given separately",
            )
    return FlightPath.from_arrays(times, lat, lon, alt, source=str(p))


def _read_geojson(p: Path, default_alt: float | None) -> FlightPath:
    try:
        doc = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", path=p) from None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise InputError("no features", path=p, expected="a GeoJSON FeatureCollection")
    lines: list[tuple[FloatArray, FloatArray]] = []
    layers: list[str] = []
    points: list[tuple[float, list[float]]] = []
    for k, f in enumerate(feats):
        geom = (f or {}).get("geometry") or {}
        props = (f or {}).get("properties") or {}
        try:
            if geom.get("type") == "LineString" and "times" in props:
                if props.get("layer") in ("corridor", "region", "regions", "footprint"):
                    continue
                t = np.array([to_epoch(x) for x in props["times"]], dtype=np.float64)
                c = np.array(
                    [list(v) + [math.nan] * (3 - len(v)) for v in geom["coordinates"]],
                    dtype=np.float64,
                )
                if c.shape[0] != t.size:
                    raise InputError(
                        "times and coordinates differ in length", path=p, line=k + 1, field="times"
                    )
                lines.append((t, c))
                layers.append(str(props.get("layer", "")))
            elif geom.get("type") == "Point" and "time" in props:
                points.append((to_epoch(props["time"]), list(geom["coordinates"])))
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad feature: {exc}", path=p, line=k + 1) from None
    if not lines and points:
        points.sort(key=lambda x: x[0])
        t = np.array([x[0] for x in points])
        c = np.array([x[1] + [math.nan] * (3 - len(x[1])) for x in points], dtype=np.float64)
        lines = [(t, c)]
    if not lines:
        raise InputError(
            "no timed path in file",
            path=p,
            expected="LineStrings with properties.times, or Points with properties.time",
        )
    if "members" in layers and len(layers) == len(lines):  # an ensemble: its members only
        lines = [x for x, layer in zip(lines, layers, strict=True) if layer == "members"]
    nt = max(len(t) for t, _ in lines)
    lines = [x for x in lines if len(x[0]) == nt]
    times = lines[0][0]
    lines = [x for x in lines if np.array_equal(x[0], times)]
    coords = np.stack([c for _, c in lines])
    try:
        check_points(coords[:, :, 1], coords[:, :, 0], fields=("latitude", "longitude"))
    except InputError as exc:
        raise InputError(exc.message, path=p, field=exc.field, value=exc.value,
                         expected=exc.expected) from None  # fmt: skip
    alt = coords[:, :, 2]
    if not np.all(np.isfinite(alt)):
        if default_alt is None:
            raise InputError("no altitude in file", path=p, expected="[lon, lat, alt] coordinates")
        alt = np.where(np.isfinite(alt), alt, default_alt)
    order = np.argsort(times)
    return FlightPath.from_arrays(
        times[order], coords[:, order, 1], coords[:, order, 0], alt[:, order], source=str(p)
    )


def read_path(
    path: str | Path, *, default_alt: float | None = None, track_id: str | None = None
) -> FlightPath:
    """A `FlightPath` from a CSV track/reports file or a GeoJSON prediction/track export.

    Missing altitudes are interpolated from the rows that have one, else ``default_alt`` (m).
    A tracker's state CSV (``track_id`` column) with several tracks needs ``track_id``.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", path=p)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _read_csv(p, default_alt, track_id)
    if suffix in (".geojson", ".json"):
        return _read_geojson(p, default_alt)
    raise InputError("unsupported path file", path=p, value=suffix, expected=".csv or .geojson")
