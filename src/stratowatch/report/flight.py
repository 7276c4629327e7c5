"""The flight report of ``stratowatch predict ... --out flight.html``: one page for a balloonist
or a chaser: where it goes, how high, when it bursts, where it lands, how sure we are.

`flight_page` takes a `stratowatch.predict.Prediction` (one member or an ensemble, forward or
backward) and presents, from the prediction's own arrays:

- headline: start, burst (or highest point), landing / end (or origin for a backward run), with
  the ensemble's spread;
- map: the median path (timed), the start, the members' burst and end points, the 50 % and 90 %
  end regions (highest density regions, `stratowatch.io.ensemble`), a sample of member paths
  (off at load), and the member-density heat map (positions over time, then the end points);
- plots: altitude against time (median, 5-95 % of the members, a few members);
- a table of the key figures with their spread, and the prediction's warnings.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..io.ensemble import MemberCloud, density_grid, region_features
from ..timeutil import iso
from . import Plot, Series, Table, density_from_members, render_report
from .words import flight_words

__all__ = ["flight_page", "flight_features", "flight_summary", "write_prediction"]

FloatArray = npt.NDArray[np.float64]

_PATH_COLOR = "#1b4f72"
_END_COLOR = "#c0392b"
_BURST_COLOR = "#d68910"
_REGION_COLOR = "#8e44ad"


def _fmt_t(t: float) -> str:
    return iso(t)[:16].replace("T", " ") + " UTC" if math.isfinite(t) else "-"


def _circ_median_lon(lon: FloatArray) -> float:
    lon = lon[np.isfinite(lon)]
    if lon.size == 0:
        return float("nan")
    c = math.degrees(math.atan2(np.sin(np.radians(lon)).mean(), np.cos(np.radians(lon)).mean()))
    return float(c + np.median((lon - c + 180.0) % 360.0 - 180.0))


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def flight_summary(pred: Any) -> dict[str, Any]:
    """Key figures of a prediction, as numbers (SI, degrees, epoch s): ``start``, ``top``
    (burst or highest point: time, lat, lon, alt, their 5-95 % spread), ``end`` (median time,
    lat, lon, r50/r90 km, landed fraction), ``members``, ``word`` ("landing", "end" or
    "origin") and ``top_word`` ("burst" or "highest point")."""
    from ..predict.regions import median_lonlat

    times = np.asarray(pred.times, dtype=np.float64)
    lat = np.asarray(pred.lat, dtype=np.float64)
    lon = np.asarray(pred.lon, dtype=np.float64)
    alt = np.asarray(pred.alt, dtype=np.float64)
    n = lat.shape[0]
    alt_f = np.where(np.isfinite(alt), alt, -np.inf)
    k = np.argmax(alt_f, axis=1)
    rows = np.arange(n)
    top_alt = alt[rows, k]
    top_t = times[k]
    top_lat, top_lon = lat[rows, k], lon[rows, k]
    tlat, tlon = median_lonlat(top_lat, top_lon)
    end = pred.end
    landed = float(np.mean(np.asarray(pred.landed, dtype=bool)))
    word = "origin" if pred.backward else ("landing" if landed > 0.5 else "end")
    # a burst is a top followed by a descent; a float stays at its highest level
    descended = bool(np.nanmedian(top_alt - np.asarray(pred.end_alt, dtype=np.float64)) > 1000.0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "members": n,
            "profile": pred.profile,
            "backward": bool(pred.backward),
            "wind": pred.wind_source,
            "start": {
                "time": float(times[0]),
                "lat": float(np.nanmedian(lat[:, 0])),
                "lon": _wrap(_circ_median_lon(lon[:, 0])),
                "alt": float(np.nanmedian(alt[:, 0])),
            },
            "top_word": "burst" if descended and not pred.backward else "highest point",
            "top": {
                "time": float(np.median(top_t)),
                "time_5_95": [float(np.percentile(top_t, 5)), float(np.percentile(top_t, 95))],
                "lat": tlat,
                "lon": tlon,
                "alt": float(np.nanmedian(top_alt)),
                "alt_5_95": [
                    float(np.nanpercentile(top_alt, 5)),
                    float(np.nanpercentile(top_alt, 95)),
                ],
            },
            "word": word,
            "end": {
                "time": float(end["time"]),
                "time_5_95": [
                    float(np.nanpercentile(pred.end_time, 5)),
                    float(np.nanpercentile(pred.end_time, 95)),
                ],
                "lat": float(end["lat"]),
                "lon": float(end["lon"]),
                "alt": float(end["alt"]),
                "r50_km": float(end["r50_km"]),
                "r90_km": float(end["r90_km"]),
                "landed_fraction": landed,
            },
            "top_points": (top_lat, top_lon, top_t),
        }


def flight_features(pred: Any, *, member_paths: int = 40) -> dict[str, Any]:
    """The map layers of the flight report (GeoJSON FeatureCollection, the exporters'
    conventions): ``path`` (median, timed), ``start``, ``burst``, ``end`` (member points and
    median), ``end_region`` (50/90 %), ``members`` (a sample of member paths)."""
    s = flight_summary(pred)
    times = np.asarray(pred.times, dtype=np.float64)
    feats: list[dict[str, Any]] = []

    def feat(geom: dict[str, Any], **props: Any) -> None:
        feats.append({"type": "Feature", "geometry": geom, "properties": props})

    mp = pred.median_path()
    ok = np.isfinite(mp["lat"])
    if ok.sum() >= 2:
        feat(
            {
                "type": "LineString",
                "coordinates": [
                    [round(float(o), 5), round(float(a), 5), round(float(h), 1)]
                    for o, a, h in zip(mp["lon"][ok], mp["lat"][ok], mp["alt"][ok], strict=True)
                ],
            },
            layer="path",
            name="median path" if s["members"] > 1 else "predicted path",
            times=[iso(t) for t in times[ok]],
            style={"color": _PATH_COLOR, "width": 3},
        )
    st = s["start"]
    feat(
        {
            "type": "Point",
            "coordinates": [round(st["lon"], 5), round(st["lat"], 5), round(st["alt"], 1)],
        },
        layer="start",
        name="start" if not pred.backward else "last known position",
        time=iso(st["time"]),
        alt_m=round(st["alt"], 0),
        style={"color": "#17202a"},
    )
    n = s["members"]
    idx: list[int] = (
        np.unique(np.linspace(0, n - 1, min(n, member_paths)).astype(int)).tolist() if n > 1 else []
    )
    lat = np.asarray(pred.lat, dtype=np.float64)
    lon = np.asarray(pred.lon, dtype=np.float64)
    alt = np.asarray(pred.alt, dtype=np.float64)
    for i in idx:
        good = np.isfinite(lat[i])
        if good.sum() >= 2:
            feat(
                {
                    "type": "LineString",
                    "coordinates": [
                        [round(float(o), 4), round(float(a), 4), round(float(h), 0)]
                        for o, a, h in zip(lon[i][good], lat[i][good], alt[i][good], strict=True)
                    ],
                },
                layer="members",
                name=f"member {int(i)}",
                style={"color": "#7f8c8d", "width": 1, "opacity": 0.5},
            )
    top_lat, top_lon, top_t = s["top_points"]
    top_alt = np.nanmax(np.where(np.isfinite(alt), alt, -np.inf), axis=1)
    if s["top_word"] == "burst":
        sel = np.unique(np.linspace(0, n - 1, min(n, 400)).astype(int))
        for i in sel:
            if np.isfinite(top_lat[i]):
                feat(
                    {
                        "type": "Point",
                        "coordinates": [
                            round(float(top_lon[i]), 5),
                            round(float(top_lat[i]), 5),
                            round(float(top_alt[i]), 0),
                        ],
                    },
                    layer="burst",
                    name=f"burst, member {int(i)}",
                    time=iso(float(top_t[i])),
                    alt_m=round(float(top_alt[i]), 0),
                    style={"color": _BURST_COLOR, "opacity": 0.8, "radius": 3},
                )
    e_lat = np.asarray(pred.end_lat, dtype=np.float64)
    e_lon = np.asarray(pred.end_lon, dtype=np.float64)
    e_t = np.asarray(pred.end_time, dtype=np.float64)
    sel = np.unique(np.linspace(0, n - 1, min(n, 400)).astype(int))
    for i in sel:
        if np.isfinite(e_lat[i]):
            feat(
                {
                    "type": "Point",
                    "coordinates": [round(float(e_lon[i]), 5), round(float(e_lat[i]), 5)],
                },
                layer="end",
                name=f"{s['word']}, member {int(i)}" if n > 1 else s["word"],
                time=iso(float(e_t[i])),
                landed=bool(np.asarray(pred.landed)[i]),
                style={"color": _END_COLOR, "opacity": 0.7, "radius": 3}
                if n > 1
                else {"color": _END_COLOR},
            )
    if n > 1:
        e = s["end"]
        feat(
            {"type": "Point", "coordinates": [round(e["lon"], 5), round(e["lat"], 5)]},
            layer="end",
            name=f"median {s['word']}",
            time=iso(e["time"]),
            r50_km=round(e["r50_km"], 1),
            r90_km=round(e["r90_km"], 1),
            style={"color": "#641e16"},
        )
        grid = density_grid(
            MemberCloud(e_lat, e_lon, time=e["time"], label=s["word"]),
        )
        if grid is not None:
            for f in region_features(grid, layer="end_region", color=_REGION_COLOR):
                f["properties"].pop("time", None)  # the regions stay on the map
                feats.append(f)
    return {"type": "FeatureCollection", "name": "stratowatch flight", "features": feats}


def _r(a: Any) -> list[float | None]:
    return [None if not math.isfinite(float(v)) else round(float(v), 3) for v in a]


def flight_page(pred: Any, *, title: str | None = None) -> str:
    """The flight report of a prediction as one self-contained HTML page."""
    s = flight_summary(pred)
    fc = flight_features(pred)
    n = s["members"]
    st, top, end = s["start"], s["top"], s["end"]
    word = s["word"]
    many = n > 1

    words = flight_words(pred)
    named = {
        (round(float(p.lat), 5), round(float(p.lon), 5)): p
        for p in words.places.values()
        if p is not None
    }

    def where(lat: float, lon: float, *, long: bool = False) -> str:
        xy = f"{abs(lat):.3f}°{'N' if lat >= 0 else 'S'} {abs(lon):.3f}°{'E' if lon >= 0 else 'W'}"
        d = named.get((round(float(lat), 5), round(float(_wrap(lon)), 5)))
        if d is None:
            return xy
        return f"{xy} ({d.long_text if long else d.text})"

    def place(lat: float, lon: float) -> str:
        d = named.get((round(float(lat), 5), round(float(_wrap(lon)), 5)))
        if d is None:
            return ""
        return ("on land: " if d.on_land else "") + d.long_text

    headline = [
        (
            "Start",
            f"{_fmt_t(st['time'])} at {where(st['lat'], st['lon'])}, {st['alt'] / 1000:.1f} km",
        ),
    ]
    if s["top_word"] == "burst" or not pred.backward:
        top_text = f"{top['alt'] / 1000:.1f} km at {_fmt_t(top['time'])}"
        if many:
            top_text += (
                f" (5-95 %: {top['alt_5_95'][0] / 1000:.1f}-{top['alt_5_95'][1] / 1000:.1f} km)"
            )
        headline.append(
            (s["top_word"].capitalize(), top_text + f", {where(top['lat'], top['lon'])}")
        )
    end_label = (f"median {word}" if many else word).capitalize()
    end_text = f"{_fmt_t(end['time'])} at {where(end['lat'], end['lon'], long=True)}"
    headline.append((end_label, end_text))
    m = words.max_alt
    headline.append(
        (
            "Maximum altitude",
            f"{m['median_m'] / 1000:.1f} km"
            + (
                f" (median; 5-95 %: {m['p5_m'] / 1000:.1f}-{m['p95_m'] / 1000:.1f} km)"
                if many
                else ""
            ),
        )
    )
    if many:
        headline.append(
            (
                f"{word.capitalize()} spread",
                f"50 % within {end['r50_km']:.1f} km, 90 % within {end['r90_km']:.1f} km "
                f"of the median ({n} members)",
            )
        )
        if pred.profile != "float" and not pred.backward:
            headline.append(("Landed", f"{100 * end['landed_fraction']:.0f} % of the members"))
    dur = abs(end["time"] - st["time"]) / 3600.0
    headline.append(("Duration", f"{dur:.1f} h" + (" (median)" if many else "")))
    # altitude plot
    times = np.asarray(pred.times, dtype=np.float64)
    alt = np.asarray(pred.alt, dtype=np.float64) / 1000.0
    step = max(1, times.size // 300)
    xs = [float(x) for x in times[::step]]
    series = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns after landing
        if many:
            for i in np.unique(np.linspace(0, n - 1, min(n, 8)).astype(int)):
                series.append(
                    Series(
                        "members" if i == 0 else "",
                        xs,
                        _r(alt[i, ::step]),
                        color="#d5d8dc",
                        mode="line",
                    )
                )
            series.append(
                Series(
                    "5-95 % of members",
                    xs,
                    _r(np.nanpercentile(alt, 5, axis=0)[::step]),
                    color="#85c1e9",
                    mode="line",
                    dash="4 3",
                )
            )
            series.append(
                Series(
                    "",
                    xs,
                    _r(np.nanpercentile(alt, 95, axis=0)[::step]),
                    color="#85c1e9",
                    mode="line",
                    dash="4 3",
                )
            )
        series.append(
            Series(
                "median" if many else "altitude",
                xs,
                _r(np.nanmedian(alt, axis=0)[::step]),
                color=_PATH_COLOR,
                mode="line",
            )
        )
    events = [(top["time"], s["top_word"])] if s["top_word"] == "burst" else []
    events.append((end["time"], word))
    plots = [
        Plot(
            "altitude",
            "Altitude against time",
            "altitude (km)",
            series,
            vlines=events,
            y_min=0.0,
            note="Members stop when they land; the median is over the members still flying.",
        )
    ]
    rows: list[list[Any]] = [
        [
            "start",
            _fmt_t(st["time"]),
            f"{st['lat']:.4f}",
            f"{_wrap(st['lon']):.4f}",
            round(st["alt"], 0),
            "",
            place(st["lat"], st["lon"]),
        ],
    ]
    if s["top_word"] == "burst":
        rows.append(
            [
                "burst (median)" if many else "burst",
                _fmt_t(top["time"]),
                f"{top['lat']:.4f}",
                f"{_wrap(top['lon']):.4f}",
                round(top["alt"], 0),
                f"{top['alt_5_95'][0]:.0f}-{top['alt_5_95'][1]:.0f} m" if many else "",
                place(top["lat"], top["lon"]),
            ]
        )
    rows.append(
        [
            end_label,
            _fmt_t(end["time"]),
            f"{end['lat']:.4f}",
            f"{_wrap(end['lon']):.4f}",
            round(end["alt"], 0),
            f"r50 {end['r50_km']:.1f} km, r90 {end['r90_km']:.1f} km" if many else "",
            place(end["lat"], end["lon"]),
        ]
    )
    tables = [
        Table(
            "Key points",
            ["", "time", "lat", "lon", "altitude (m)", "spread", "place"],
            rows,
            note="Places: GeoNames (CC BY 4.0) towns of 15,000+ and places of 1,000+ "
            "inhabitants; country and coast from Natural Earth and the GLOBE land mask.",
        )
    ]
    regions = [f for f in fc["features"] if f["properties"].get("layer") == "end_region"]
    if regions:
        tables.append(
            Table(
                f"{word.capitalize()} regions",
                ["region", "area (km²)", "members inside"],
                [
                    [
                        r["properties"]["name"],
                        r["properties"]["area_km2"],
                        f"{100 * r['properties']['members_inside']:.0f} %",
                    ]
                    for r in regions
                ],
                note="Highest density regions of the members' end points (Gaussian kernel "
                "density, Hyndman 1996): the smallest area holding that share of the members.",
            )
        )
    notes = [
        f"{pred.profile} profile, {n} member(s), wind: {pred.wind_source}.",
        *[f"warning: {w}" for w in pred.warnings],
        "Basemap: Natural Earth 1:50m (public domain); map: Leaflet (BSD-2-Clause).",
    ]
    density = None
    if many:
        density = density_from_members(
            times,
            pred.lat,
            pred.lon,
            name="Member density",
            every_s=max(600.0, abs(float(times[-1] - times[0])) / 48.0),
            end=(pred.end_time, pred.end_lat, pred.end_lon),
        )
    layers = [
        ("end_region", f"{word.capitalize()} regions (50/90 %)"),
        ("members", "Member paths (sample)"),
        ("path", "Median path" if many else "Path"),
        ("burst", "Burst points"),
        ("end", f"{word.capitalize()} points"),
        ("start", "Start"),
    ]
    kind = "back-trajectory" if pred.backward else "flight prediction"
    return render_report(
        fc,
        title=title or f"stratowatch {kind}: {pred.profile} profile, {_fmt_t(st['time'])}",
        subtitle=f"{n} member(s); wind {pred.wind_source}",
        layers=layers,
        hidden_layers=("members",),
        headline=headline,
        tables=tables,
        plots=plots,
        notes=notes,
        time_start=float(times[-1]) if not pred.backward else float(times[0]),
        density=density,
    )


def write_prediction(path: str | Path, pred: Any, *, member_paths: bool = False) -> list[Path]:
    """``predict --out``: ``.html`` writes the flight report (`flight_page`); any other suffix
    goes to `stratowatch.io.ensemble.write_ensemble_outputs` (the prediction's features, the
    50/90 % end regions and the member density ``.density.nc`` beside it; ``.nc`` the grid
    alone). Returns the files written, the main one first."""
    from ..io.ensemble import write_ensemble_outputs
    from . import write_report

    p = Path(path)
    if p.suffix.lower() in (".html", ".htm"):
        return [write_report(p, flight_page(pred))]
    word = (
        "origin" if pred.backward else ("landing" if float(np.mean(pred.landed)) > 0.5 else "end")
    )
    end_t = np.asarray(pred.end_time, dtype=np.float64)
    cloud = MemberCloud(
        lat=np.asarray(pred.end_lat, dtype=np.float64),
        lon=np.asarray(pred.end_lon, dtype=np.float64),
        time=float(np.nanmedian(end_t)) if np.isfinite(end_t).any() else None,
        label=word,
    )
    return write_ensemble_outputs(p, pred.to_features(member_paths=member_paths), cloud)
