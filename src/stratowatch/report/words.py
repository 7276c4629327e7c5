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
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..geo.geodesy import haversine
from ..geo.places import PlaceDescription, describe_points, format_latlon
from ..timeutil import iso, to_epoch
from .keypoints import flight_summary

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "FlightWords",
    "explain_engagement",
    "explain_track",
    "flight_words",
    "name_coordinates",
    "place_of",
    "places_of",
    "short_time",
    "track_facts",
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
            f"start: {short_time(st['time'])} at {self._at('start', st, 4)}, {st['alt_m']:,.0f} m"
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
    s = flight_summary(pred)
    n = int(s["members"])
    st, tp, e = s["start"], s["top"], s["end"]
    word = str(s["word"])
    top_word = str(s["top_word"])
    show_top = top_word == "burst"
    lat_end, lon_end = float(e["lat"]), float(e["lon"])
    pts = [(st["lat"], st["lon"]), (tp["lat"], tp["lon"]), (lat_end, lon_end)]
    found = places_of([(float(a), float(b)) for a, b in pts])
    # each member's highest finite altitude, found once by the key points (in the paths' own
    # precision, widened after)
    member_max = np.asarray(s["top_alt"], dtype=np.float64)
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


_COORD = re.compile(r"\bat (-?\d{1,2}\.\d+), (-?\d{1,3}\.\d+)(?![\d.])(?!\s*\()")


def name_coordinates(text: str) -> str:
    """Add the place to every ``at LAT, LON`` in a library sentence (``at 10.40, -75.50`` ->
    ``at 10.40, -75.50 (Colombia, 13 km E of Cartagena)``), so that every coordinate the CLI
    prints has a name."""

    def repl(m: re.Match[str]) -> str:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon < 360.0):
            return m.group(0)
        d = places_of([(lat, lon)])[0]
        return m.group(0) if d is None else f"{m.group(0)} ({d.text})"

    return _COORD.sub(repl, text)


def _fmt_hours(h: float) -> str:
    if h < 48.0:
        return f"{h:.0f} hours" if h >= 1.5 else f"{h * 60:.0f} minutes"
    return f"{h / 24.0:.1f} days"


def _track_length_km(lat: FloatArray, lon: FloatArray) -> float:
    ok = np.isfinite(lat) & np.isfinite(lon)
    la, lo = lat[ok], lon[ok]
    if la.size < 2:
        return 0.0
    return float(np.sum(haversine(la[:-1], lo[:-1], la[1:], lo[1:]))) / 1000.0


def track_facts(result: Any, reviews: Any = None) -> dict[str, Any]:
    """The numbers `explain_track` speaks from: counts, and per confirmed track its span,
    places, distance, speed, altitude and last-position uncertainty; "is it another object?"
    decisions and second looks. ``result``: a `stratowatch.track.TrackingResult`; ``reviews``:
    its `stratowatch.track.output.Review` (or None)."""
    obs = result.observations
    tracks = list(result.tracks)
    counts = {s: sum(t.status == s for t in tracks) for s in ("confirmed", "tentative")}
    facts: dict[str, Any] = {
        "reports": len(obs),
        "skipped": len(obs.issues),
        "repeats": len(obs.repeats),
        "n_tracks": len(tracks),
        "confirmed": counts["confirmed"],
        "tentative": counts["tentative"],
        "deleted": len(tracks) - counts["confirmed"] - counts["tentative"],
        "wind": result.wind_source,
        "tracks": [],
        "new_objects": [],
        "second_looks": [],
    }
    main = sorted(
        (t for t in tracks if t.status == "confirmed"), key=lambda t: -t.n_updates
    ) or sorted(tracks, key=lambda t: -t.n_updates)
    points = [(float(t.lat[0]), float(t.lon[0])) for t in main[:3]]
    points += [(float(t.lat[-1]), float(t.lon[-1])) for t in main[:3]]
    found = places_of(points)
    k3 = len(main[:3])
    for j, t in enumerate(main[:3]):
        hours = abs(float(t.time[-1] - t.time[0])) / 3600.0
        dist = _track_length_km(np.asarray(t.lat), np.asarray(t.lon))
        speed = np.hypot(np.asarray(t.ve), np.asarray(t.vn))
        sig = np.hypot(float(t.sigma_e[-1]), float(t.sigma_n[-1])) / math.sqrt(2.0)
        a, b = found[j], found[k3 + j]
        facts["tracks"].append(
            {
                "track_id": t.track_id,
                "status": t.status,
                "reports": int(t.n_updates),
                "start": iso(float(t.time[0])),
                "end": iso(float(t.time[-1])),
                "hours": round(hours, 1),
                "start_lat": round(float(t.lat[0]), 2),
                "start_lon": round(float(t.lon[0]), 2),
                "end_lat": round(float(t.lat[-1]), 2),
                "end_lon": round(float(t.lon[-1]), 2),
                "start_place": None if a is None else a.text,
                "end_place": None if b is None else b.text,
                "distance_km": round(dist, 0),
                "mean_speed_m_s": round(float(np.nanmean(speed)), 1) if speed.size else None,
                "alt_m": round(float(t.altitude.mean), 0),
                "alt_sigma_m": round(float(t.altitude.sigma), 0),
                "alt_method": t.altitude.method,
                "last_sigma_km": round(sig / 1000.0, 1),
                "ended": bool(t.ended),
            }
        )
    for d in result.decisions:
        if d.action == "new track" and d.best_track is not None:
            facts["new_objects"].append(
                {
                    "time": iso(d.time),
                    "track_id": d.track_id,
                    "vs_track": d.best_track,
                    "p_same": float(d.best_p if d.best_p is not None else 0.0),
                    "p_new": float(d.p_new),
                }
            )
    verdicts = [] if reviews is None else list(getattr(reviews, "verdicts", reviews))
    for v in verdicts:
        best = int(np.argmax(v.p_track)) if len(v.p_track) else -1
        facts["second_looks"].append(
            {
                "time": iso(v.report_time),
                "lat": round(float(v.report_lat), 2),
                "lon": round(float(v.report_lon), 2),
                "verdict": v.verdict,
                "vs_track": None if best < 0 else int(v.track_ids[best]),
                "p_same": None if best < 0 else float(v.p_track[best]),
                "p_new": float(v.p_new),
            }
        )
    return facts


def _p(p: float) -> str:
    """A probability in words people read: ``99 %``, ``< 1 %``, ``> 99 %``."""
    if p < 0.01:
        return "less than 1 %"
    if p > 0.99:
        return "more than 99 %"
    return f"{100 * p:.0f} %"


def explain_track(facts: dict[str, Any]) -> str:
    """``track --explain``: one paragraph for readers who are not analysts, from
    `track_facts`."""
    f = facts
    parts = []
    skipped = f" ({f['skipped']} unreadable lines were skipped)" if f["skipped"] else ""
    parts.append(
        f"What was done: {f['reports']} position reports were read{skipped} and joined into "
        f"the paths of the objects they describe, using the wind ({f['wind']}) to tell how "
        "far an object could have drifted between two reports."
    )
    n_conf = f["confirmed"]
    if n_conf == 0:
        parts.append(
            "No report series was long enough to be sure it is one object: every track is "
            f"tentative ({f['tentative']})."
        )
    else:
        obj = "one object" if n_conf == 1 else f"{n_conf} objects"
        extra = (
            f"; {f['tentative']} other report series are too short to tell (tentative)"
            if f["tentative"]
            else ""
        )
        parts.append(f"The reports describe {obj}{extra}.")
    for t in f["tracks"]:
        if t["status"] != "confirmed":
            continue
        start = t["start_place"] or f"{t['start_lat']:.2f}, {t['start_lon']:.2f}"
        end = t["end_place"] or f"{t['end_lat']:.2f}, {t['end_lon']:.2f}"
        speed = (
            f", about {t['mean_speed_m_s']:.0f} m/s ({t['mean_speed_m_s'] * 3.6:.0f} km/h)"
            if t["mean_speed_m_s"] is not None
            else ""
        )
        parts.append(
            f"Object {t['track_id']} ({t['reports']} reports) was followed for "
            f"{_fmt_hours(t['hours'])}, from {start} ({short_time(t['start'])}) to {end} "
            f"({short_time(t['end'])}), about {t['distance_km']:,.0f} km{speed}, at about "
            f"{t['alt_m'] / 1000:.1f} km altitude (give or take {t['alt_sigma_m'] / 1000:.1f} "
            f"km). Its last position is known to about {t['last_sigma_km']:,.1f} km (one "
            "standard deviation)."
        )
    for n in f["new_objects"][:3]:
        if n["p_new"] >= 0.5:
            parts.append(
                f"The report of {short_time(n['time'])} does not fit object {n['vs_track']}'s "
                f"path: the chance that it is a different object is {_p(n['p_new'])}."
            )
        elif n["p_same"] >= 0.5:
            parts.append(
                f"The report of {short_time(n['time'])} is probably object {n['vs_track']} "
                f"(chance {_p(n['p_same'])}), but it was kept apart as a new track."
            )
    for v in f["second_looks"][:3]:
        if v["verdict"] == "new":
            parts.append(
                f"A second look at the report of {short_time(v['time'])} confirms it is a "
                f"different object (chance {_p(v['p_new'])})."
            )
        elif v["verdict"] == "same":
            parts.append(
                f"A second look at the report of {short_time(v['time'])} finds it is probably "
                f"object {v['vs_track']} after all (chance {_p(v['p_same'] or 0.0)})."
            )
        else:
            parts.append(
                f"Whether the report of {short_time(v['time'])} is object {v['vs_track']} or "
                "another one cannot be told from these reports."
            )
    main = next((t for t in f["tracks"] if t["status"] == "confirmed"), None)
    if main is not None:
        parts.append(
            "What to do: to see where it goes next, run a prediction from its last position "
            f"(stratowatch predict --time {main['end']} --lat {main['end_lat']:.2f} --lon "
            f"{main['end_lon']:.2f} --alt {main['alt_m']:.0f} --members 500); more reports, "
            "especially of altitude, make the path and the next prediction surer."
        )
    else:
        parts.append(
            "What to do: gather more reports of the same object; two or three more in a row "
            "are enough to confirm a track."
        )
    return " ".join(parts)


def _n(k: int, word: str) -> str:
    """``1 moment``, ``2 moments``."""
    return f"{k:,} {word}{'' if k == 1 else 's'}"


def _ec_words(ec: float) -> str:
    """Expected casualties in words: ``about 1 in 1,000`` (Ec is an expected count)."""
    if ec <= 0:
        return "zero in the simulation"
    if ec >= 1.0:
        return f"about {ec:.1f} people"
    return f"about 1 in {1.0 / ec:,.0f}"


def explain_engagement(summary: dict[str, Any]) -> str:
    """``engage --explain``: one paragraph for readers who are not analysts, from the plan's
    JSON (`stratowatch.assess.engage.EngagementPlan.as_dict`, with ``place`` per window)."""
    ws = summary.get("windows") or []
    thr = float(summary["threshold"])
    own = summary.get("own_territory") or ""
    m = summary.get("method") or {}
    n_real = m.get("realisations_per_window")
    conf = float(m.get("confidence", 0.9))
    parts = []
    if not ws:
        return (
            "What was done: no break-up window could be scored (the path has no position in "
            "the time asked). What to do: give a longer --hours or a track that covers the time."
        )
    span = (
        f"from {short_time(ws[0]['time'])} to {short_time(ws[-1]['time'])}"
        if len(ws) > 1
        else f"at {short_time(ws[0]['time'])}"
    )
    parts.append(
        f"What was done: {_n(len(ws), 'moment')} to bring the balloon down "
        f"{'was' if len(ws) == 1 else 'were'} tried, {span}. For "
        f"each, the break-up was simulated {n_real} times (different winds and positions) and "
        "the falling pieces were followed to the ground, where the people living there were "
        "counted."
    )
    faa = (
        ", the US FAA's limit for debris from launches and re-entries (14 CFR 450.101)"
        if abs(thr - 1e-4) < 1e-12
        else ""
    )
    parts.append(
        "What the numbers mean: Ec (expected casualties) is the average number of people "
        f"seriously hurt; the public-safety limit used is {thr:g} ({_ec_words(thr)} chance of "
        f"one casualty){faa}. P(land) is the chance that debris reaches land."
    )
    ok = [w for w in ws if w.get("ok")]
    rec = summary.get("recommended")
    pct = f"{conf * 100:.0f} %"
    where_own = f" inside {own} territory" if own else ""
    if rec is not None:
        place = rec.get("place") or f"{rec['lat']:.2f}, {rec['lon']:.2f}"
        parts.append(
            f"Result: {len(ok)} of the {_n(len(ws), 'moment')} "
            f"{'meets' if len(ok) == 1 else 'meet'} the limit{where_own}. The "
            f"earliest, recommended one is {short_time(rec['time'])}, {place}: Ec "
            f"{rec['ec']:.2g} (at most {rec['ec_hi']:.2g} with {pct} confidence), chance of "
            f"debris on land {100 * rec['p_land']:.0f} %."
        )
        parts.append(
            "How sure: the bound holds for the population map and wind model used; a larger "
            "position error or a change of course moves the window, so re-run it with the "
            "latest position before acting."
        )
        parts.append(
            "What to do: plan the break-up for that time and place, clear the airspace below "
            "it, and check the result again with the latest track."
        )
    else:
        best = min(ws, key=lambda w: (w.get("ec_hi", w["ec"]), w["ec"]))
        place = best.get("place") or f"{best['lat']:.2f}, {best['lon']:.2f}"
        parts.append(
            f"Result: {'the moment tried does not meet' if len(ws) == 1 else 'none of the ' + _n(len(ws), 'moment') + ' meets'} the limit{where_own} with {pct} "
            f"confidence. The safest is {short_time(best['time'])}, {place}: Ec "
            f"{best['ec']:.2g} (up to {best['ec_hi']:.2g}), chance of debris on land "
            f"{100 * best['p_land']:.0f} %."
        )
        parts.append(
            "How sure: the numbers are averages over the simulated break-ups; the upper bound "
            "is what the limit is checked against."
        )
        parts.append(
            "What to do: wait for a later window (a longer --hours), when the balloon is "
            "farther from people, or accept a higher risk only by an explicit decision."
        )
    return " ".join(parts)
