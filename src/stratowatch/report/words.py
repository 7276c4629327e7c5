"""Results in words: what the CLI prints and the report shows, built from the results' numbers.

- `flight_words(pred)`: a prediction's start, burst (or highest point), landing / end / origin
  with their places (`stratowatch.geo.places`), the spread and the maximum altitude. One member
  says "landing" or "end", an ensemble "median landing"; a float that has not come down says
  "end", a backward run "origin".
- `explain_track`, `explain_engagement`, `explain_demo`: one plain-language paragraph for
  readers who are not analysts (``--explain``): what was computed, what the numbers mean, how
  sure we are, what to do. Every figure in a paragraph is one of the result's numbers, rounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..geo.places import PlaceDescription, describe_points, format_latlon
from ..timeutil import iso, to_epoch

__all__ = [
    "FlightWords",
    "flight_words",
    "place_of",
    "places_of",
    "short_time",
]


def short_time(t: float | str | None) -> str:
    """``2023-02-01 19:00Z`` (minutes, UTC); ``-`` for none."""
    if t is None:
        return "-"
    e = to_epoch(t) if isinstance(t, str) else float(t)
    if not math.isfinite(e):
        return "-"
    return iso(e)[:16].replace("T", " ") + "Z"


def places_of(points: list[tuple[float, float]]) -> list[PlaceDescription | None]:
    """`describe_points` for (lat, lon) pairs; None for non-finite ones."""
    ok = [k for k, (la, lo) in enumerate(points) if math.isfinite(la) and math.isfinite(lo)]
    out: list[PlaceDescription | None] = [None] * len(points)
    if ok:
        found = describe_points([points[k][0] for k in ok], [points[k][1] for k in ok])
        for k, d in zip(ok, found, strict=True):
            out[k] = d
    return out


def place_of(lat: float, lon: float, *, digits: int = 2, long: bool = False) -> str:
    """``49.30, 114.60 (Mongolia, 137 km N of Choibalsan)``; ``-`` for non-finite input."""
    d = places_of([(lat, lon)])[0]
    if d is None:
        return "-"
    return f"{format_latlon(lat, lon, digits)} ({d.long_text if long else d.text})"


def _surface(d: PlaceDescription) -> str:
    """``on land in United States, 42 km NNE of Billings, Montana; nearest place: ...``."""
    text = d.long_text
    if d.on_land:
        return "on land in " + text if d.country else "on land, " + text
    return text


@dataclass(frozen=True)
class FlightWords:
    """The words of a prediction (see `flight_words`); ``lines()`` for the terminal,
    ``as_json()`` for ``--json``."""

    members: int
    profile: str
    backward: bool
    end_word: str
    top_word: str
    start: dict[str, Any]
    top: dict[str, Any] | None
    end: dict[str, Any]
    max_alt: dict[str, Any]
    places: dict[str, PlaceDescription | None] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The terminal lines, one per key point."""
        many = self.members > 1
        out = []
        st = self.start
        out.append(
            f"start: {short_time(st['time'])} at {self._at('start', st, 4)}, "
            f"{st['alt_m']:,.0f} m"
        )
        if self.top is not None:
            tp = self.top
            label = f"median {self.top_word}" if many else self.top_word
            spread = (
                f" (5-95 %: {tp['alt_5_95_m'][0]:,.0f}-{tp['alt_5_95_m'][1]:,.0f} m)"
                if many
                else ""
            )
            out.append(
                f"{label}: {short_time(tp['time'])} at {self._at('top', tp, 4)}, "
                f"{tp['alt_m']:,.0f} m{spread}"
            )
        e = self.end
        label = f"median {self.end_word}" if many else self.end_word
        d = self.places.get("end")
        where = format_latlon(e["lat"], e["lon"], 4) if math.isfinite(e["lat"]) else "-"
        text = f"{label}: {short_time(e['time'])} at {where}"
        if self.end_word != "landing":
            text += f", {e['alt_m']:,.0f} m"
            if self.end_word == "end":
                text += " (still flying at the end of the run)"
        if d is not None:
            text += f": {_surface(d)}"
        out.append(text)
        if many:
            verb = {"landing": "land", "origin": "start", "end": "end"}[self.end_word]
            line = (
                f"{self.end_word} spread: 50 % of the members {verb} within {e['r50_km']:,.1f} "
                f"km of the median {self.end_word}, 90 % within {e['r90_km']:,.1f} km"
            )
            if self.profile != "float" and not self.backward:
                line += f"; {100 * e['landed_fraction']:.0f} % of the members landed"
            out.append(line)
        m = self.max_alt
        if many:
            out.append(
                f"maximum altitude: {m['median_m']:,.0f} m (median over the members; 5-95 %: "
                f"{m['p5_m']:,.0f}-{m['p95_m']:,.0f} m)"
            )
        else:
            out.append(f"maximum altitude: {m['median_m']:,.0f} m")
        return out

    def _at(self, key: str, point: dict[str, Any], digits: int) -> str:
        d = self.places.get(key)
        xy = format_latlon(point["lat"], point["lon"], digits)
        return f"{xy} ({d.text})" if d is not None else xy

    def as_json(self) -> dict[str, Any]:
        """Fields added to ``predict --json``: ``start``, ``burst`` (or ``highest_point``),
        ``max_alt_m``, ``end_word`` and ``places`` (start, burst/top, end)."""
        places = {k: (None if v is None else v.as_dict()) for k, v in self.places.items()}
        if "top" in places:
            places[self.top_word.replace(" ", "_")] = places.pop("top")
        out: dict[str, Any] = {
            "end_word": self.end_word,
            "start": {**self.start, "time": iso(self.start["time"])},
            "max_alt_m": round(self.max_alt["median_m"], 1),
            "max_alt_5_95_m": [round(self.max_alt["p5_m"], 1), round(self.max_alt["p95_m"], 1)],
            "places": places,
        }
        if self.top is not None:
            tp = dict(self.top)
            tp["time"] = iso(tp["time"])
            out[self.top_word.replace(" ", "_")] = tp
        return out


def flight_words(pred: Any) -> FlightWords:
    """The key points of a `stratowatch.predict.Prediction` with their places."""
    from .flight import flight_summary

    s = flight_summary(pred)
    n = int(s["members"])
    st, tp, e = s["start"], s["top"], s["end"]
    word = str(s["word"])
    top_word = str(s["top_word"])
    show_top = top_word == "burst"
    lat_end, lon_end = float(e["lat"]), float(e["lon"])
    pts = [(st["lat"], st["lon"]), (tp["lat"], tp["lon"]), (lat_end, lon_end)]
    found = places_of([(float(a), float(b)) for a, b in pts])
    alt = np.asarray(pred.alt, dtype=np.float64)
    with np.errstate(all="ignore"):
        member_max = np.nanmax(np.where(np.isfinite(alt), alt, -np.inf), axis=1)
    member_max = member_max[np.isfinite(member_max)]
    max_alt = {
        "median_m": float(np.median(member_max)) if member_max.size else float("nan"),
        "p5_m": float(np.percentile(member_max, 5)) if member_max.size else float("nan"),
        "p95_m": float(np.percentile(member_max, 95)) if member_max.size else float("nan"),
    }
    start = {
        "time": float(st["time"]),
        "lat": round(float(st["lat"]), 5),
        "lon": round(float(st["lon"]), 5),
        "alt_m": round(float(st["alt"]), 1),
    }
    top = (
        {
            "time": float(tp["time"]),
            "lat": round(float(tp["lat"]), 5),
            "lon": round(float(tp["lon"]), 5),
            "alt_m": round(float(tp["alt"]), 1),
            "alt_5_95_m": [round(float(x), 1) for x in tp["alt_5_95"]],
        }
        if show_top
        else None
    )
    end = {
        "time": float(e["time"]),
        "lat": lat_end,
        "lon": lon_end,
        "alt_m": float(e["alt"]),
        "r50_km": float(e["r50_km"]),
        "r90_km": float(e["r90_km"]),
        "landed_fraction": float(e["landed_fraction"]),
    }
    places: dict[str, PlaceDescription | None] = {"start": found[0], "end": found[2]}
    if show_top:
        places["top"] = found[1]
    return FlightWords(
        members=n,
        profile=str(pred.profile),
        backward=bool(pred.backward),
        end_word=word,
        top_word=top_word,
        start=start,
        top=top,
        end=end,
        max_alt=max_alt,
        places=places,
    )
