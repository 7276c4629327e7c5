"""Stage ``hindsight``, labelled as such: engagement windows along the whole reconstructed
(smoothed) track, from its first report to its last ("why not over Alaska?")."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..atmosphere.wind import WindField
from ..report.page import ec_color
from ..timeutil import iso
from .config import DemoConfig, FloatArray
from .engagement import _debris_wind, _ec_upper, _window_dict
from .features import _feature, _point
from .scoring import _when

__all__ = ["reconstructed_path", "stage_hindsight", "_hindsight_region"]


def reconstructed_path(
    track: Any,
    *,
    every_s: float,
    q: float,
    members: int,
    seed: int,
) -> tuple[Any, FloatArray]:
    """The smoothed track between its states, with its uncertainty, as a `FlightPath`.

    Between two states (positions and ground velocities known with their sigmas) the position
    is the cubic Hermite interpolant, the posterior mean of an integrated random walk
    (acceleration white noise of intensity ``q`` m^2/s^3, the tracker's process noise) given
    both ends [Wahba1978]_. Its one-sigma per axis combines the ends' errors through the
    Hermite basis with the bridge variance of that process, q t^3 (T - t)^3 / (3 T^3). Each
    segment is interpolated in an azimuthal equidistant projection about its midpoint
    (pyproj). Returns the path (``members`` positions drawn with that sigma, the same draw at
    every time, at the states' altitude) and the sigma (m) at each of its times.
    """
    from pyproj import Transformer

    from ..assess.path import FlightPath
    from ..geo.geodesy import offset_m

    t = np.asarray(track.time, dtype=np.float64)
    keep = np.concatenate([[True], np.diff(t) > 0])
    t = t[keep]
    cols = {
        k: np.asarray(getattr(track, k), dtype=np.float64)[keep]
        for k in ("lat", "lon", "alt", "ve", "vn", "sigma_e", "sigma_n", "sigma_ve", "sigma_vn")
    }
    grid = np.arange(t[0], t[-1] + 1e-6, every_s)
    if grid[-1] < t[-1] - 1.0:
        grid = np.append(grid, t[-1])
    lat = np.empty(grid.size)
    lon = np.empty(grid.size)
    sig = np.empty(grid.size)
    seg = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, t.size - 2)
    for k in np.unique(seg):
        sel = seg == k
        a, b = int(k), int(k) + 1
        T = t[b] - t[a]
        mid_lat = 0.5 * (cols["lat"][a] + cols["lat"][b])
        mid_lon = cols["lon"][a] + 0.5 * ((cols["lon"][b] - cols["lon"][a] + 180) % 360 - 180)
        proj = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={mid_lat} +lon_0={mid_lon} +datum=WGS84 +units=m",
            always_xy=True,
        )
        ends = []
        for e in (a, b):
            # position and velocity in the projection's grid: the velocity through the local
            # Jacobian of the projection (1 km steps east and north)
            la0, lo0 = cols["lat"][e], cols["lon"][e]
            step_lat, step_lon = offset_m([la0, la0], [lo0, lo0], [1000.0, 0.0], [0.0, 1000.0])
            px, py = proj.transform([lo0, *step_lon], [la0, *step_lat])
            jac = np.array([[px[1] - px[0], px[2] - px[0]], [py[1] - py[0], py[2] - py[0]]]) / 1e3
            ends.append((px[0], py[0], jac @ np.array([cols["ve"][e], cols["vn"][e]])))
        (xa, ya, va), (xb, yb, vb) = ends
        u = (grid[sel] - t[a]) / T
        h00, h10 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u
        h01, h11 = -2 * u**3 + 3 * u**2, u**3 - u**2
        x = h00 * xa + h10 * T * va[0] + h01 * xb + h11 * T * vb[0]
        y = h00 * ya + h10 * T * va[1] + h01 * yb + h11 * T * vb[1]
        lo, la = proj.transform(x, y, direction="INVERSE")
        lat[sel], lon[sel] = la, lo
        tau = grid[sel] - t[a]
        bridge = q * tau**3 * (T - tau) ** 3 / (3 * T**3)
        var = bridge.copy()
        for h, s_end in ((h00, a), (h01, b)):
            var += h**2 * 0.5 * (cols["sigma_e"][s_end] ** 2 + cols["sigma_n"][s_end] ** 2)
        for h, s_end in ((h10, a), (h11, b)):
            var += (
                (h * T) ** 2 * 0.5 * (cols["sigma_ve"][s_end] ** 2 + cols["sigma_vn"][s_end] ** 2)
            )
        sig[sel] = np.sqrt(var)
    alt = float(np.nanmedian(cols["alt"]))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((2, members, 1))
    z[:, 0, :] = 0.0  # member 0 is the interpolant itself
    mlat, mlon = offset_m(lat[None, :], lon[None, :], z[0] * sig[None, :], z[1] * sig[None, :])
    path = FlightPath.from_arrays(grid, mlat, mlon, alt, source="reconstructed track")
    return path, sig


def _hindsight_region(w: dict[str, Any], own: str) -> str:
    """A plain-language region of a window's median point (for the "why not over Alaska?"
    question): Alaska / Alaskan waters, the contiguous states, the Atlantic, Gulf of Mexico or
    Pacific territorial sea, other countries, international waters."""
    from ..geo import country_name

    terr = str(w.get("territory") or "")
    if terr != own.upper():
        return country_name(terr) if terr else "international waters"
    alaska = w["lat"] > 50.0 and (w["lon"] < -129.0 or w["lon"] > 170.0)
    if alaska:
        return "Alaska (land)" if w["over_land"] else "Alaskan waters (Aleutians, Bering Sea)"
    if w["over_land"]:
        return "contiguous US (land)"
    if w["lon"] > -81.5:
        return "Atlantic (US territorial sea)"
    if w["lat"] < 31.0 and w["lon"] > -98.0:
        return "Gulf of Mexico (US territorial sea)"
    if w["lon"] < -116.0:
        return "Pacific (US territorial sea)"
    return "US territorial sea"


def stage_hindsight(
    cfg: DemoConfig, smooth: Any, tracking: Any, wind: WindField
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """HINDSIGHT: engagement windows along the whole reconstructed (smoothed) track, every
    ``cfg.hindsight_every_min``, from its first report to its last: when and where inside own
    territory could the object have been brought down with Ec under the limit? Uses every
    report, including those after the forecast start: not something known at that start."""
    from ..assess.engage import plan_engagement

    if not cfg.hindsight or len(smooth) < 2:
        return None, []
    q = float(tracking.config.motion.q_h)
    path, sig = reconstructed_path(
        smooth,
        every_s=cfg.hindsight_every_min * 60.0,
        q=q,
        members=cfg.hindsight_members,
        seed=cfg.seed + 11,
    )
    plan = plan_engagement(
        path,
        _debris_wind(cfg, wind, seed_offset=13),
        every=cfg.hindsight_every_min * 60.0,
        hours=None,
        threshold=cfg.threshold,
        own=cfg.own,
        samples=cfg.window_samples,
        seed=cfg.seed + 5,
    )
    sig_w = np.interp([w.time for w in plan.windows], path.times, sig)
    windows = []
    for w, s_w in zip(plan.windows, sig_w, strict=True):
        d = _window_dict(w)
        d["region"] = _hindsight_region(d, cfg.own)
        d["position_sigma_km"] = round(float(s_w) / 1000.0, 1)
        d["meets_limit"] = bool(d["in_own_territory"] and _ec_upper(d) < cfg.threshold)
        windows.append(d)
    # runs of consecutive windows meeting the limit in one region
    spans: list[dict[str, Any]] = []
    for k, d in enumerate(windows):
        if not d["meets_limit"]:
            continue
        prev = windows[k - 1] if k else None
        if not (
            spans and prev is not None and prev["meets_limit"] and prev["region"] == d["region"]
        ):
            spans.append({"region": d["region"], "from": d["time"], "windows": 0, "ec_max": 0.0})
            spans[-1]["ec_hi_max"] = 0.0
        sp = spans[-1]
        sp["to"] = d["time"]
        sp["windows"] += 1
        sp["ec_max"] = max(sp["ec_max"], d["ec"])
        sp["ec_hi_max"] = max(sp["ec_hi_max"], _ec_upper(d))
    regions: dict[str, dict[str, Any]] = {}
    for d in windows:
        r = regions.setdefault(
            d["region"], {"windows": 0, "meets_limit": 0, "first": d["time"], "ec_min": d["ec"]}
        )
        r["windows"] += 1
        r["meets_limit"] += int(d["meets_limit"])
        r["last"] = d["time"]
        r["ec_min"] = min(r["ec_min"], d["ec"])
    answer = _hindsight_answer(spans, regions, cfg)
    summary = {
        "label": "HINDSIGHT: the whole reconstructed track (every report, including those after "
        "the forecast start); not what was known at the forecast start",
        "track": "smoothed (RTS), cubic Hermite between its states with the tracker's process "
        f"noise q = {q:g} m^2/s^3 for the uncertainty between reports",
        "every_min": cfg.hindsight_every_min,
        "threshold": cfg.threshold,
        "own_territory": cfg.own.upper(),
        "criterion": "inside own territory (median point) and Ec (its upper bound when given) "
        "below the limit",
        "start": iso(float(path.times[0])),
        "end": iso(float(path.times[-1])),
        "spans": spans,
        "regions": regions,
        "answer": answer,
        "windows": windows,
        "warnings": list(plan.warnings),
    }
    feats: list[dict[str, Any]] = [
        _feature(
            {
                "type": "LineString",
                "coordinates": [
                    [round(float(lo), 4), round(float(la), 4)]
                    for lo, la in zip(path.lon[0], path.lat[0], strict=True)
                ],
            },
            layer="hindsight",
            name="reconstructed track (hindsight)",
            times=[iso(t) for t in path.times],
            sigma_km=[round(float(s) / 1000.0, 1) for s in sig],
            style={"color": "#5d6d7e", "width": 1.5, "dash": "2 3"},
        )
    ]
    for d in windows:
        feats.append(
            _feature(
                _point(d["lon"], d["lat"], d["alt_m"]),
                layer="hindsight",
                name=f"hindsight window {d['time'][5:16]}Z ({d['region']})",
                time=d["time"],
                ec=d["ec"],
                ec_lo=d.get("ec_lo"),
                ec_hi=d.get("ec_hi"),
                p_land=d["p_land"],
                region=d["region"],
                territory=d["territory"],
                meets_limit=d["meets_limit"],
                position_sigma_km=d["position_sigma_km"],
                style={"color": ec_color(_ec_upper(d), cfg.threshold)},
            )
        )
    return summary, feats


def _hindsight_answer(
    spans: list[dict[str, Any]], regions: dict[str, dict[str, Any]], cfg: DemoConfig
) -> str:
    own = cfg.own.upper()
    if not spans:
        return (
            f"In hindsight no window along the reconstructed track was inside {own} territory "
            f"with Ec below {cfg.threshold:g}."
        )
    parts = []
    for sp in spans:
        when = _when(sp["from"]) + ("" if sp["to"] == sp["from"] else f" to {_when(sp['to'])}")
        parts.append(
            f"{sp['region']} {when} ({sp['windows']} window(s), Ec <= {sp['ec_hi_max']:.2g})"
        )
    return (
        f"In hindsight, windows inside {own} territory with Ec below {cfg.threshold:g}: "
        + "; ".join(parts)
        + "."
    )
