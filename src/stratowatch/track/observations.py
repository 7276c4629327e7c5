"""One columnar observation model for every kind of report a tracker can receive.

Kinds
-----
``fix``       a position (lat, lon, optional altitude) with a horizontal sigma (GPS, CSV/JSON).
``aprs``      a fix decoded from an APRS packet (GPS accuracy, altitude from ``A=`` feet).
``report``    a vague public report: a position radius and a time uncertainty.
``sighting``  a ground observer's azimuth/elevation (+- sigma), no range.
``radar``     a sensor's range/azimuth/elevation plot.

Positional kinds carry ``lat``/``lon`` (and ``alt`` when known, NaN otherwise); angular kinds
carry the sensor's position and ``az``/``el`` (radians, azimuth clockwise from north) and, for
radar, ``range`` (m). Every row has its own one-sigma uncertainties in SI units: ``sigma_h``
(m, horizontal, per axis), ``sigma_alt`` (m), ``time_sigma`` (s), ``sigma_ang`` (rad),
``sigma_range`` (m). ``source`` names the tracker/observer/file, ``line`` the 1-based source line
(for messages) and ``text`` any free description. Readers attach the problems they skipped as
``issues`` (`InputError` values), so one bad row never loses the good ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import InputError

__all__ = ["Observations", "ObservationKind", "KINDS", "make_observations"]

FloatArray = npt.NDArray[np.float64]
ObservationKind = Literal["fix", "aprs", "report", "sighting", "radar"]
KINDS: tuple[str, ...] = ("fix", "aprs", "report", "sighting", "radar")

_FLOAT_COLUMNS = (
    "time",
    "time_sigma",
    "lat",
    "lon",
    "alt",
    "sigma_h",
    "sigma_alt",
    "sensor_lat",
    "sensor_lon",
    "sensor_alt",
    "az",
    "el",
    "range",
    "sigma_ang",
    "sigma_range",
)


@dataclass(frozen=True, eq=False)
class Observations:
    """Columnar observations (all arrays of length n); see the module docstring for columns."""

    time: FloatArray
    time_sigma: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    sigma_h: FloatArray
    sigma_alt: FloatArray
    sensor_lat: FloatArray
    sensor_lon: FloatArray
    sensor_alt: FloatArray
    az: FloatArray
    el: FloatArray
    range: FloatArray
    sigma_ang: FloatArray
    sigma_range: FloatArray
    kind: npt.NDArray[np.str_]
    source: npt.NDArray[np.str_]
    text: npt.NDArray[np.str_]
    line: npt.NDArray[np.int64]
    path: npt.NDArray[np.str_]
    issues: tuple[InputError, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def __repr__(self) -> str:
        kinds = {str(k): int(np.sum(self.kind == k)) for k in np.unique(self.kind)}
        return f"Observations(n={len(self)}, kinds={kinds}, issues={len(self.issues)})"

    @property
    def positional(self) -> npt.NDArray[np.bool_]:
        """Rows that carry a latitude/longitude (fix, aprs, report)."""
        return np.isfinite(self.lat) & np.isfinite(self.lon)

    def take(self, index: npt.ArrayLike) -> Observations:
        """A subset (boolean mask or integer indices), keeping the issues."""
        idx = np.asarray(index)
        kw = {f.name: getattr(self, f.name)[idx] for f in fields(self) if f.name != "issues"}
        return Observations(**kw, issues=self.issues)

    def sorted(self) -> Observations:
        """Ordered by time (stable: equal times keep their input order)."""
        return self.take(np.argsort(self.time, kind="stable"))

    def deduplicated(self, *, time_tol: float = 1.0, pos_tol_m: float = 1.0) -> Observations:
        """Drop repeats of the same report (same source, kind, time within ``time_tol`` s and
        position within ``pos_tol_m``), e.g. one APRS packet heard by two igates. Sorted by time.
        """
        s = self.sorted()
        n = len(s)
        if n < 2:
            return s
        # quantized keys: rows equal after rounding are repeats
        tq = np.round(s.time / time_tol).astype(np.int64)
        deg = pos_tol_m / 111_195.0
        latq = np.where(np.isfinite(s.lat), np.round(s.lat / deg), -(2**40)).astype(np.int64)
        lonq = np.where(np.isfinite(s.lon), np.round(s.lon / deg), -(2**40)).astype(np.int64)
        azq = np.where(np.isfinite(s.az), np.round(s.az * 1e5), -(2**40)).astype(np.int64)
        _, src_code = np.unique(s.source, return_inverse=True)
        _, kind_code = np.unique(s.kind, return_inverse=True)
        keys = np.stack([tq, latq, lonq, azq, src_code.astype(np.int64), kind_code], axis=1)
        _, first = np.unique(keys, axis=0, return_index=True)
        keep = np.zeros(n, dtype=bool)
        keep[first] = True
        return s.take(keep)

    def with_issues(self, issues: Sequence[InputError]) -> Observations:
        """The same rows with ``issues`` appended."""
        return replace(self, issues=self.issues + tuple(issues))

    @staticmethod
    def concat(parts: Sequence[Observations]) -> Observations:
        """All rows of ``parts`` (not sorted), with all their issues."""
        if not parts:
            return make_observations([])
        kw = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(Observations)
            if f.name != "issues"
        }
        issues: tuple[InputError, ...] = ()
        for p in parts:
            issues += p.issues
        return Observations(**kw, issues=issues)


def make_observations(
    rows: Sequence[dict[str, object]], *, issues: Sequence[InputError] = ()
) -> Observations:
    """Build `Observations` from row dicts (missing numbers are NaN).

    Keys: the float columns above (SI: m, s, rad, epoch seconds), ``kind``, ``source``, ``text``,
    ``line``, ``path``; ``time_sigma`` defaults to 0. Raises `InputError` for an unknown kind,
    a non-finite time, or a positional row without a positive ``sigma_h`` (an angular row
    without a positive ``sigma_ang``).
    """
    n = len(rows)
    cols: dict[str, np.ndarray] = {}
    for name in _FLOAT_COLUMNS:
        default = 0.0 if name == "time_sigma" else np.nan
        cols[name] = np.array(
            [float(r.get(name, default)) for r in rows],  # type: ignore[arg-type]
            dtype=np.float64,
        ).reshape(n)
    positional = np.isfinite(cols["lat"]) & np.isfinite(cols["lon"])
    checks = (
        (~np.isfinite(cols["time"]), "time", "a finite epoch time"),
        (positional & ~(cols["sigma_h"] > 0), "sigma_h", "a horizontal sigma > 0 (m)"),
        (~positional & ~(cols["sigma_ang"] > 0), "sigma_ang", "an angle sigma > 0 (rad)"),
        (~(cols["time_sigma"] >= 0), "time_sigma", "a time sigma >= 0 (s)"),
    )
    for bad, name, expected in checks:
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                "invalid observation",
                field=name,
                value=float(cols[name][i]),
                line=int(rows[i].get("line", i + 1)),  # type: ignore[call-overload]
                expected=expected,
            )
    kinds = [str(r.get("kind", "fix")) for r in rows]
    for k, r in zip(kinds, rows, strict=True):
        if k not in KINDS:
            raise InputError(
                "unknown observation kind",
                field="kind",
                value=k,
                line=r.get("line"),  # type: ignore[arg-type]
                expected=", ".join(KINDS),
            )
    return Observations(
        **cols,
        kind=np.array(kinds, dtype=np.str_).reshape(n),
        source=np.array([str(r.get("source", "")) for r in rows], dtype=np.str_).reshape(n),
        text=np.array([str(r.get("text", "")) for r in rows], dtype=np.str_).reshape(n),
        line=np.array([int(r.get("line", 0)) for r in rows], dtype=np.int64).reshape(n),  # type: ignore[call-overload]
        path=np.array([str(r.get("path", "")) for r in rows], dtype=np.str_).reshape(n),
        issues=tuple(issues),
    )
