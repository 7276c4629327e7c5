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

Telemetry identity (for recognising repeats, `Observations.without_repeats`): ``received`` is
when the row reached us (epoch s; NaN when the input does not say), ``seq`` the transmitter's
sequence number (-1 when none) and ``payload`` the transmitted content without the reception
details (the APRS information field, a UKHAS sentence; empty when none). A row whose
``time`` equals ``received`` was timed by its reception (it carried no time of its own). Rows dropped as repeats
of an earlier reception are listed in ``repeats`` (`Repeat` values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import InputError

__all__ = [
    "Observations",
    "ObservationKind",
    "KINDS",
    "Repeat",
    "RepeatRule",
    "REPEAT_WINDOW",
    "LATE_NOTE",
    "make_observations",
]

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
    "received",
)

#: appended to ``text`` of a packet whose time was interpolated from its sequence number
LATE_NOTE = "[late packet: time from sequence number]"

RepeatRule = Literal["payload", "sequence", "position", "fix time"]
#: s: a copy received up to this long after the first reception is a repeat (payload, sequence
#: and position rules). Digipeater and I-gate repeats arrive 30 s to 60 min late; 2 h leaves
#: margin while a tracker beaconing an unchanged position still gives one report per 2 h.
REPEAT_WINDOW = 7200.0


@dataclass(frozen=True)
class Repeat:
    """One reception dropped as a repeat of an earlier one.

    ``rule``: why (``payload``: the same transmitted content; ``sequence``: the same sequence
    number at the same position; ``position``: the same position, altitude and comment;
    ``fix time``: the same fix time and position). ``delay_s``: how long after the first
    reception this copy arrived (s; NaN when reception times are unknown).
    """

    path: str
    line: int
    source: str
    rule: RepeatRule
    first_path: str
    first_line: int
    delay_s: float

    def __str__(self) -> str:
        where = "" if self.path == self.first_path else f"{self.first_path} "
        late = "" if self.delay_s != self.delay_s else f", received {self.delay_s:.0f} s later"
        return (
            f"{self.path}, line {self.line}: repeat of {where}line {self.first_line} "
            f"({self.source}, same {self.rule}{late})"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "source": self.source,
            "rule": self.rule,
            "first_path": self.first_path,
            "first_line": self.first_line,
            "delay_s": None if self.delay_s != self.delay_s else round(self.delay_s, 1),
        }


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
    received: FloatArray
    seq: npt.NDArray[np.int64]
    payload: npt.NDArray[np.str_]
    issues: tuple[InputError, ...] = field(default_factory=tuple)
    repeats: tuple[Repeat, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def __repr__(self) -> str:
        kinds = {str(k): int(np.sum(self.kind == k)) for k in np.unique(self.kind)}
        return (
            f"Observations(n={len(self)}, kinds={kinds}, issues={len(self.issues)}, "
            f"repeats={len(self.repeats)})"
        )

    @property
    def positional(self) -> npt.NDArray[np.bool_]:
        """Rows that carry a latitude/longitude (fix, aprs, report)."""
        return np.isfinite(self.lat) & np.isfinite(self.lon)

    @property
    def timed_by_reception(self) -> npt.NDArray[np.bool_]:
        """Rows whose ``time`` is their reception time (the packet had no time of its own)."""
        return np.isfinite(self.received) & (self.time == self.received)

    def take(self, index: npt.ArrayLike) -> Observations:
        """A subset (boolean mask or integer indices), keeping the issues and repeats."""
        idx = np.asarray(index)
        kw = {f.name: getattr(self, f.name)[idx] for f in fields(self) if f.name not in _META}
        return Observations(**kw, issues=self.issues, repeats=self.repeats)

    def sorted(self) -> Observations:
        """Ordered by time (stable: equal times keep their input order)."""
        return self.take(np.argsort(self.time, kind="stable"))

    def without_repeats(self, *, window: float = REPEAT_WINDOW) -> Observations:
        """Drop the rows that repeat an earlier reception; they are listed in ``repeats``.

        Rows are taken in order of reception (``received``, else ``time``); a row is a repeat
        of the first reception from the same ``source`` that has

        - ``payload``: the same non-empty payload (an APRS packet re-sent by a digipeater or
          I-gate arrives with another path but the same information field), received within
          ``window`` s;
        - ``sequence``: the same sequence number at the same position (to 1e-5 deg), within
          ``window`` s (a counter that restarts after a reboot gives new positions: kept);
        - ``position``: for rows timed by their reception only (no time of their own), the
          same position (1e-5 deg), altitude (0.5 m) and comment text, within ``window`` s
          (a copy re-encoded by other software; a row with its own time at the same place is
          a new fix of an object that has not moved, e.g. on the ground: kept);
        - ``fix time``: the same kind, time (within 1 s) and position (1 m), at any delay (the
          same fix twice, e.g. a stale GPS fix re-sent with a new sequence number, or one
          report read from two files).

        The first reception is kept (its time, and its position in the file). The result is
        sorted by time.
        """
        n = len(self)
        if n == 0:
            return self
        recv = np.where(np.isfinite(self.received), self.received, self.time)
        pos = self.positional
        # quantized columns (bit-identical copies of one packet fall in the same cell)
        deg1m = 1.0 / 111_195.0
        fix_key = np.column_stack(
            [
                np.unique(self.source, return_inverse=True)[1].astype(np.int64),
                np.unique(self.kind, return_inverse=True)[1].astype(np.int64),
                np.round(self.time).astype(np.int64),
                np.where(pos, np.round(self.lat / deg1m), 0).astype(np.int64),
                np.where(pos, np.round(self.lon / deg1m), 0).astype(np.int64),
                np.where(np.isfinite(self.az), np.round(self.az * 1e5), 0).astype(np.int64),
                np.where(np.isfinite(self.el), np.round(self.el * 1e5), 0).astype(np.int64),
            ]
        )
        keep = np.ones(n, dtype=bool)
        found: list[Repeat] = []
        # telemetry rows (payload, sequence number or reception time): every rule, in order
        tele = (self.payload != "") | (self.seq >= 0) | self.timed_by_reception
        if tele.any():
            self._repeat_rules(np.flatnonzero(tele), recv, fix_key, window, keep, found)
        # then the same fix again, among all rows still kept (vectorized)
        rows = np.flatnonzero(keep)
        rows = rows[np.lexsort((rows, recv[rows]))]
        _, first_pos, inverse = np.unique(
            fix_key[rows], axis=0, return_index=True, return_inverse=True
        )
        rep_of = rows[first_pos[inverse.reshape(-1)]]
        for i, j in zip(rows.tolist(), rep_of.tolist(), strict=True):
            if i != j:
                keep[i] = False
                found.append(self._repeat(i, j, "fix time"))
        out = self.take(keep) if found else self
        if found:
            found.sort(key=lambda x: (x.path, x.line))
            out = replace(out, repeats=self.repeats + tuple(found))
        return out.sorted()

    def _repeat(self, i: int, j: int, rule: RepeatRule) -> Repeat:
        """Row ``i`` as a repeat of row ``j``."""
        ri, rj = float(self.received[i]), float(self.received[j])
        delay = ri - rj if math.isfinite(ri) and math.isfinite(rj) else math.nan
        return Repeat(
            str(self.path[i]),
            int(self.line[i]),
            str(self.source[i]),
            rule,
            str(self.path[j]),
            int(self.line[j]),
            delay,
        )

    def _repeat_rules(
        self,
        idx: npt.NDArray[np.int64],
        recv: FloatArray,
        fix_key: npt.NDArray[np.int64],
        window: float,
        keep: npt.NDArray[np.bool_],
        found: list[Repeat],
    ) -> None:
        """The four rules of `without_repeats` over rows ``idx`` in order of reception."""
        idx = idx[np.lexsort((idx, recv[idx]))]
        pos = self.positional[idx]
        latq = np.where(pos, np.round(self.lat[idx] * 1e5), 0).astype(np.int64).tolist()
        lonq = np.where(pos, np.round(self.lon[idx] * 1e5), 0).astype(np.int64).tolist()
        alt = self.alt[idx]
        altq = np.where(np.isfinite(alt), np.round(alt * 2.0), -(2**40)).astype(np.int64).tolist()
        src = self.source[idx].tolist()
        text = self.text[idx].tolist()
        payload = self.payload[idx].tolist()
        seq = self.seq[idx].tolist()
        by_recv = (pos & self.timed_by_reception[idx]).tolist()
        recv_l = recv[idx].tolist()
        fk = [tuple(r) for r in fix_key[idx].tolist()]
        rows = idx.tolist()
        first: dict[tuple[Any, ...], int] = {}
        rules: tuple[RepeatRule, ...] = ("payload", "sequence", "position", "fix time")
        for a, i in enumerate(rows):
            keys: list[tuple[Any, ...] | None] = [
                ("p", src[a], payload[a]) if payload[a] else None,
                ("s", src[a], seq[a], latq[a], lonq[a]) if seq[a] >= 0 else None,
                ("x", src[a], latq[a], lonq[a], altq[a], text[a]) if by_recv[a] else None,
                ("t", *fk[a]),
            ]
            hit = -1
            rule: RepeatRule = "payload"
            for r, key in zip(rules, keys, strict=True):
                if key is None:
                    continue
                b = first.get(key, -1)
                if b >= 0 and (r == "fix time" or recv_l[a] - recv_l[b] <= window):
                    hit, rule = b, r
                    break
            if hit >= 0:
                keep[i] = False
                found.append(self._repeat(i, rows[hit], rule))
                continue
            for key in keys:
                if key is not None:
                    first[key] = a

    def deduplicated(self) -> Observations:
        """`without_repeats` (kept for callers of the earlier name)."""
        return self.without_repeats()

    def with_issues(self, issues: Sequence[InputError]) -> Observations:
        """The same rows with ``issues`` appended."""
        return replace(self, issues=self.issues + tuple(issues))

    @staticmethod
    def concat(parts: Sequence[Observations]) -> Observations:
        """All rows of ``parts`` (not sorted), with all their issues and repeats."""
        if not parts:
            return make_observations([])
        kw: dict[str, Any] = {
            f.name: np.concatenate([getattr(p, f.name) for p in parts])
            for f in fields(Observations)
            if f.name not in _META
        }
        issues: tuple[InputError, ...] = ()
        repeats: tuple[Repeat, ...] = ()
        for p in parts:
            issues += p.issues
            repeats += p.repeats
        return Observations(**kw, issues=issues, repeats=repeats)


_META = ("issues", "repeats")


def make_observations(
    rows: Sequence[dict[str, object]], *, issues: Sequence[InputError] = ()
) -> Observations:
    """Build `Observations` from row dicts (missing numbers are NaN).

    Keys: the float columns above (SI: m, s, rad, epoch seconds), ``kind``, ``source``, ``text``,
    ``line``, ``path``, ``seq`` (default -1), ``payload``; ``time_sigma`` defaults to 0. Raises `InputError` for an unknown kind,
    a non-finite time, or a positional row without a positive ``sigma_h`` (an angular row
    without a positive ``sigma_ang``).
    """
    n = len(rows)
    cols: dict[str, Any] = {}
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
        seq=np.array([int(r.get("seq", -1)) for r in rows], dtype=np.int64).reshape(n),  # type: ignore[call-overload]
        payload=np.array([str(r.get("payload", "")) for r in rows], dtype=np.str_).reshape(n),
        issues=tuple(issues),
    )
