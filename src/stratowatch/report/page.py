"""The demo's report page: ``summary.json`` and the demo's map layers -> one HTML file.

`demo_page` presents what `stratowatch.demo.run_demo` computed (one code path: the numbers in
the tables, plots and map are the summary's and the exported layers'); it adds no number of its
own except the display conversions (km, ft) and the heat map and altitude band drawn from the
forecast's members when they are passed.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..timeutil import to_epoch
from . import Plot, Series, Table, density_from_members, render_report

__all__ = ["demo_page", "ec_color", "EC_PLOT_FLOOR", "SITE_COLOR"]

#: Ec below this fraction of the threshold is drawn at it on the log plot (Ec = 0 at sea).
EC_PLOT_FLOOR = 1e-3

#: Colour of the sensitive sites (apart from the Ec palette, whose top is red).
SITE_COLOR = "#1b4f72"


def ec_color(ec: float, threshold: float) -> str:
    """Colour of an engagement window by its Ec relative to the threshold (map and plots)."""
    if not math.isfinite(ec):
        return "#7f8c8d"
    if ec < 0.1 * threshold:
        return "#1e8449"  # an order of magnitude below the limit
    if ec < threshold:
        return "#82c341"
    if ec < 10 * threshold:
        return "#f39c12"
    return "#c0392b"


def _display_features(fc: dict[str, Any]) -> dict[str, Any]:
    """The layers as the map draws them: sites in their own colour (not the Ec red), and the
    origin regions at the earliest time of the back-trajectory kept on the map at every time
    (the answer to "where did it come from"), besides the regions that follow the slider."""
    feats = []
    origin_t: dict[str, float] = {}
    for f in fc.get("features", []):
        props = f.get("properties") or {}
        if props.get("layer") == "origin" and props.get("time") and props.get("group"):
            t = _epoch_of(props["time"])
            g = str(props["group"])
            origin_t[g] = min(origin_t.get(g, t), t)
    for f in fc.get("features", []):
        props = f.get("properties") or {}
        if props.get("layer") == "sites":
            p = props.get("p_overflight") or 0.0
            props = {**props, "style": {"color": SITE_COLOR if p > 0 else "#5d6d7e"}}
            f = {**f, "properties": props}
        elif props.get("layer") == "origin" and props.get("time") and props.get("group"):
            g = str(props["group"])
            if _epoch_of(props["time"]) == origin_t.get(g):
                fixed = {k: v for k, v in props.items() if k not in ("time", "group")}
                fixed["name"] = f"origin: {props.get('name', '')}"
                feats.append({**f, "properties": fixed})
        feats.append(f)
    return {**fc, "features": feats}


def _altitude_plot(
    summary: dict[str, Any],
    fc: dict[str, Any],
    forecast: Any | None,
    events: list[tuple[float, str]],
) -> Plot:
    """Altitude against time: reported altitudes, the track's altitude, the forecast (median
    and 5-95 % of the members) and the fall of the debris from the recommended window."""
    series: list[Series] = []
    rep_t, rep_a = [], []
    for f in fc.get("features", []):
        p = f.get("properties") or {}
        c = f["geometry"]["coordinates"]
        if p.get("layer") == "reports" and f["geometry"]["type"] == "Point" and len(c) > 2:
            if p.get("time") and c[2] is not None:
                rep_t.append(_epoch_of(p["time"]))
                rep_a.append(float(c[2]) / 1000.0)
    if rep_t:
        order = np.argsort(rep_t)
        series.append(
            Series(
                "reported altitude",
                [rep_t[i] for i in order],
                [rep_a[i] for i in order],
                color="#d35400",
                mode="points",
            )
        )
    along = summary["track"].get("wind_along") or []
    if along:
        series.append(
            Series(
                "track (smoothed)",
                [_epoch_of(w["time"]) for w in along],
                [w["alt_m"] / 1000.0 for w in along],
                color="#17202a",
                mode="line",
            )
        )
    if forecast is not None:
        t = np.asarray(forecast.times, dtype=np.float64)
        alt = np.asarray(forecast.alt, dtype=np.float64) / 1000.0
        step = max(1, t.size // 60)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # members stopped: all-NaN
            med = np.nanmedian(alt, axis=0)
            lo = np.nanpercentile(alt, 5, axis=0)
            hi = np.nanpercentile(alt, 95, axis=0)
        xs = [float(x) for x in t[::step]]
        series.append(Series("forecast median", xs, _r(med[::step]), color="#2e86c1", mode="line"))
        series.append(
            Series("forecast 5-95 %", xs, _r(lo[::step]), color="#85c1e9", mode="line", dash="4 3")
        )
        series.append(Series("", xs, _r(hi[::step]), color="#85c1e9", mode="line", dash="4 3"))
    rec_fp = (summary["engagement"].get("footprints") or {}).get("recommended")
    if rec_fp:
        bu = rec_fp["break_up"]
        t0 = _epoch_of(bu["time"])
        for k, cls in enumerate(rec_fp.get("classes", [])):
            fall = cls.get("fall_time_median_min")
            if fall is None:
                continue
            series.append(
                Series(
                    "debris fall (median per class)" if k == 0 else "",
                    [t0, t0 + 60.0 * float(fall)],
                    [bu["alt_m"] / 1000.0, 0.0],
                    color="#c0392b",
                    mode="line",
                )
            )
    return Plot(
        "altitude",
        "Altitude: reports, track, forecast and the fall of debris",
        "altitude (km)",
        series,
        vlines=events,
        y_min=0.0,
        note="Track: the smoothed track at its estimated float altitude. Forecast: median and "
        "5-95 % of the members. Debris: one line per fragment class from break-up at the "
        "recommended window to impact after its median fall time (a straight line between the "
        "two; the real fall slows as the air thickens).",
    )


def _r(a: Any) -> list[float | None]:
    return [None if not math.isfinite(float(v)) else round(float(v), 3) for v in a]


def demo_page(summary: dict[str, Any], fc: dict[str, Any], *, forecast: Any | None = None) -> str:
    """The HTML report of a demo run: presents ``summary`` (``summary.json``) and the map
    layers ``fc`` (the FeatureCollection the demo exports).

    Parameters
    ----------
    summary : the demo's summary (schema in ``docs/demo.md``).
    fc : its map layers (``layers.geojson`` before the RFC 7946 cut).
    forecast : optional `stratowatch.predict.Prediction` of the forecast from Billings: adds the
        member-density heat map and the forecast's altitude band on the altitude plot.
    """

    tr, og, fo = summary["track"], summary["origin"], summary["forecast"]
    en, cov = summary["engagement"], summary["coverage"]
    rec = en["recommended"]
    raw_cov = {c["name"]: c for c in (fo.get("without_bias_correction") or {}).get("coverage", [])}
    headline = [
        (
            f"Float altitude ({tr['altitude']['method']})",
            f"{tr['float_alt_m'] / 1000:.1f} +- {tr['float_alt_sigma_m'] / 1000:.1f} km",
        ),
        ("Track", f"{tr['start'][:16]}Z -> {tr['end'][:16]}Z"),
        (
            "Origin (median, -{:.0f} h)".format(og["hours"]),
            f"{og['median']['lat']:.1f}, {og['median']['lon']:.1f} (r90 {og['r90_km']:.0f} km)",
        ),
        ("Forecast end", f"{fo['end']['time'][:16]}Z  r90 {fo['end']['r90_km']:.0f} km"),
        (
            "Recommended engagement",
            "none"
            if rec is None
            else f"{rec['time'][:16]}Z, Ec {_ec_text(rec['ec'])}, P(land) {rec['p_land']:.2f}",
        ),
        (
            "Billings window",
            f"Ec {_ec_text(en['billings']['ec'])}, P(land) {en['billings']['p_land']:.2f}",
        ),
        (
            "Real shoot-down point",
            f"Ec {_ec_text(en['shootdown']['ec'])}"
            + (
                ""
                if rec is None
                else f"; {en['recommended_to_shootdown_km']:.0f} km from the recommended"
            ),
        ),
    ]
    steer = summary.get("steering")
    if steer:
        mo = steer["motion"]
        headline.append(("Could it steer? (known at the start)", str(mo.get("headline", ""))))
    tables = [
        Table(
            "Coverage of the later reports by the forecast from Billings",
            [
                "report",
                "time (UTC)",
                "lead (h)",
                "from median (km)",
                "report radius (km)",
                "inside 50 %",
                "inside 90 %",
                "uncorrected wind: from median (km)",
                "uncorrected: inside 90 %",
            ],
            [
                [
                    c["name"],
                    c["time"],
                    c["lead_h"],
                    c.get("distance_km"),
                    c["radius_km"],
                    "yes" if c.get("inside_50") else "no",
                    "yes" if c.get("inside_90") else "no",
                    raw_cov.get(c["name"], {}).get("distance_km"),
                    {True: "yes", False: "no"}.get(
                        raw_cov.get(c["name"], {}).get("inside_90"), "-"
                    ),
                ]
                for c in cov
            ],
            note="Regions: Gaussian ellipses of the members' positions at the report time "
            "(chi-square, 2 degrees of freedom).",
        ),
        Table(
            "Sensitive sites (example file) against the forecast",
            [
                "site",
                "p(overflight)",
                "closest (km)",
                "median closest (km)",
                "time of closest (UTC)",
            ],
            [
                [s["name"], s["p"], s["closest_km"], s["median_closest_km"], s["time"]]
                for s in summary["overflight"]["sites"]
            ],
        ),
        Table(
            "Border crossings (territory incl. 12 nmi sea)",
            ["country", "p", "mean time (UTC)", "+- h"],
            [
                [b["name"], b["p"], b["time"], b["time_std_h"]]
                for b in summary["overflight"]["borders"]
            ],
        ),
        Table(
            "Engagement windows",
            ["time (UTC)", "lat", "lon", "Ec", "P(land)", "fragments on land", "meets limit"],
            [
                [
                    w["time"],
                    w["lat"],
                    w["lon"],
                    w["ec"],
                    w["p_land"],
                    w.get("fragments_on_land"),
                    "yes" if w["ec"] < en["threshold"] else "no",
                ]
                for w in en["windows"]
                if w["time"][14:16] == "00"
                and int(w["time"][11:13]) % 3 == 0
                or (rec is not None and w["time"] == rec["time"])
            ],
            note=en["reason"] + " (every 3 h here; all windows in summary.json)",
        ),
        Table(
            "Track: drift against the model wind",
            ["time (UTC)", "lat", "lon", "track ve", "track vn", "wind u", "wind v"],
            [
                [
                    w["time"],
                    w["lat"],
                    w["lon"],
                    w["track_ve"],
                    w["track_vn"],
                    w["wind_u"],
                    w["wind_v"],
                ]
                for w in tr["wind_along"]
            ],
            note="m/s; smoothed track (all reports). The forecast wind is corrected by the "
            "filtered (track - wind) up to the Billings state.",
        ),
    ]
    if steer:
        tables.append(
            Table(
                "Could it steer? Earliest arrival over each site if it steers by altitude",
                ["site", "earliest (UTC)", "hours", "with the wind's error: hours", "p passive"],
                [
                    [
                        w.get("name"),
                        w.get("earliest_time"),
                        w.get("earliest_hours"),
                        w.get("earliest_hours_90"),
                        w.get("p_passive"),
                    ]
                    for w in steer["worst_case"]
                ],
                note=steer["line"],
            )
        )
    wins = en["windows"]
    shot = summary["scenario"].get("shootdown")
    events = [] if shot is None else [(_epoch_of(shot["time"]), "real shoot-down")]
    if rec is not None:
        events.append((_epoch_of(rec["time"]), "recommended"))
    floor = EC_PLOT_FLOOR * en["threshold"]
    xs = [_epoch_of(w["time"]) for w in wins]
    plots = [
        _altitude_plot(summary, fc, forecast, events),
        Plot(
            "ec",
            "Expected casualties Ec of an engagement, by time",
            "Ec",
            [
                Series(
                    "Ec",
                    xs,
                    [max(w["ec"], floor) for w in wins],
                    color="#555555",
                    colors=[ec_color(w["ec"], en["threshold"]) for w in wins],
                    tips=[
                        f"{w['time'][:16]}Z\nEc {w['ec']:.2e}\nP(land) {w['p_land']:.2f}"
                        for w in wins
                    ],
                )
            ],
            log_y=True,
            hlines=[(en["threshold"], f"limit {en['threshold']:g}")],
            vlines=events,
            note=f"Ec = 0 (all debris at sea) drawn at {floor:g}, the axis floor; colours as on "
            "the map.",
        ),
        Plot(
            "pland",
            "P(any debris on land), by time",
            "P(land)",
            [Series("P(land)", xs, [w["p_land"] for w in wins], color="#2e86c1")],
            vlines=events,
            y_min=0.0,
            y_max=1.0,
        ),
        Plot(
            "spread",
            "Forecast spread: 90 % region radius (equal-area), by time",
            "km",
            [
                Series(
                    "r90",
                    [_epoch_of(t) for t in fo["spread"]["time"]],
                    fo["spread"]["r90_km"],
                    color="#2e86c1",
                    mode="line",
                )
            ],
        ),
    ]
    notes = [
        "Data: public reports of the February 2023 balloon compiled from news reports and official "
        "statements (positions approximate, radii reflect the vagueness of the wording): "
        + "; ".join(summary["scenario"].get("sources", []))
        + ".",
        f"Wind: {fo['wind']}. Basemap: Natural Earth 1:50m (public domain); map: Leaflet "
        "(BSD-2-Clause). Population: GeoNames "
        "cities + rural background. Sites: example file of public sites (approximate).",
        f"stratowatch {summary['run']['version']}; run {summary['run']['elapsed_s']:.1f} s.",
    ]
    layers = [
        ("origin", "Origin (back-trajectory)"),
        ("corridor", "Forecast corridor (50/90 %)"),
        ("debris", "Debris footprints"),
        ("sites", "Sensitive sites"),
        ("windows", "Engagement windows (Ec)"),
        ("track", "Track"),
        ("reports", "Reports (uncertainty circles)"),
        ("reach", "Could it steer: reachable by altitude"),
        ("reach_wind90", "Reachable with the wind's error (90 %)"),
        ("reach_start", "Reach: start"),
        ("reach_sites", "Reach: earliest arrival at sites"),
        ("motion_passive", "Path so far: best passive fit"),
        ("motion_schedule", "Path so far: best altitude schedule"),
    ]
    legend = [
        (ec_color(0.01 * en["threshold"], en["threshold"]), f"Ec < {0.1 * en['threshold']:g}"),
        (ec_color(0.5 * en["threshold"], en["threshold"]), f"Ec < {en['threshold']:g} (limit)"),
        (ec_color(5 * en["threshold"], en["threshold"]), f"Ec < {10 * en['threshold']:g}"),
        (ec_color(50 * en["threshold"], en["threshold"]), "Ec higher"),
    ]
    density = None
    if forecast is not None:
        density = density_from_members(
            forecast.times,
            forecast.lat,
            forecast.lon,
            name="Forecast member density",
            every_s=3 * 3600.0,
        )
    return render_report(
        _display_features(fc),
        title="stratowatch: the February 2023 balloon, replayed",
        subtitle=f"Public reports -> track -> {og['hours']:.0f} h back-trajectory to the origin "
        f"-> {fo['hours']:.0f} h ensemble forecast from {fo['start']['name']} -> overflight, "
        "aviation, engagement windows and debris",
        layers=layers,
        headline=headline,
        tables=tables,
        plots=plots,
        notes=notes,
        legend=legend,
        time_start=_epoch_of(summary["forecast"]["start"]["time"]) + 48 * 3600.0,
        fit_layers=("origin", "reports", "track", "corridor", "windows"),
        density=density,
    )


def _ec_text(ec: float) -> str:
    return "0" if ec == 0 else f"{ec:.1e}"


def _epoch_of(text: str) -> float:
    return to_epoch(text)
