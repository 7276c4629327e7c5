"""Tawhiri API v1 (the CUSF predictor's HTTP API, with the SondeHub additions: the reverse
profile and the csv/kml formats) on stratowatch's engine, so that clients written for it work
unchanged [TAWHIRIAPI]_.

The request is read from query parameters exactly as Tawhiri reads them (names, defaults,
validation and error texts); the reply has the same fragments: ``request`` (the request with
defaults filled in and ``version``), ``prediction`` (stages with trajectory points every 60 s,
longitudes 0..360), ``warnings`` and ``metadata``. Errors are ``{"error": {"type",
"description"}, "metadata"}`` with Tawhiri's status codes. The departures (no terrain model,
limits, the climatology as default dataset, 4xx for bad input where Tawhiri says 500) are listed
in docs/service.md.
"""

from __future__ import annotations

import math
import re
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..atmosphere.wind import WindField
from ..errors import StratowatchError
from ..flight import Ascent, Stage, integrate
from ..io.kml import features_to_kml
from ..predict import predict

__all__ = [
    "API_VERSION",
    "TawhiriError",
    "RequestException",
    "InvalidDatasetException",
    "PredictionException",
    "InternalException",
    "parse_request",
    "run_prediction",
    "error_body",
    "rfc3339",
    "format_csv",
    "format_kml",
]

API_VERSION = 1
PROFILE_STANDARD = "standard_profile"
PROFILE_FLOAT = "float_profile"
PROFILE_REVERSE = "reverse_profile"
FORMATS = ("json", "csv", "kml")
MIN_RATE = 0.2  # m/s: SondeHub's lower bound on ascent and descent rates
MAX_ALTITUDE = 60_000.0  # m: burst / float / launch altitudes above this are refused
STEP = 60.0  # s between trajectory points (Tawhiri's RK4 step)


class TawhiriError(Exception):
    """An error reported in Tawhiri's format; the class name is the ``type``."""

    status_code = 500

    def __init__(self, description: str, *, status_code: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        if status_code is not None:
            self.status_code = status_code


class RequestException(TawhiriError):
    status_code = 400


class InvalidDatasetException(TawhiriError):
    status_code = 404


class PredictionException(TawhiriError):
    status_code = 500


class InternalException(TawhiriError):
    status_code = 500


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339_to_timestamp(text: str) -> float:
    s = text.strip()
    # an unencoded '+' of the offset arrives as a space in a query string
    s = re.sub(r" (\d{2}:\d{2})$", r"+\1", s)
    if not _RFC3339.match(s):
        raise ValueError(text)
    if s[-1] in "zZ":
        s = s[:-1] + "+00:00"
    return datetime.fromisoformat(s.replace(" ", "T").replace("t", "T")).timestamp()


def rfc3339(ts: float) -> str:
    """RFC 3339 UTC text of epoch seconds: whole seconds plain, fractions without trailing
    zeros (as Tawhiri writes them)."""
    whole = math.floor(ts)
    frac = ts - whole
    text = datetime.fromtimestamp(whole, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac > 5e-7:
        digits = f"{frac:.6f}"[1:].rstrip("0")
        if digits != ".":
            text += digits
    return text + "Z"


def _float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(text)
    return v


def _extract(
    data: Mapping[str, str],
    name: str,
    cast: Callable[[str], Any],
    *,
    default: Any = None,
    optional: bool = False,
    valid: Callable[[Any], bool] | None = None,
    why: str = "",
) -> Any:
    if name not in data:
        if default is None and not optional:
            raise RequestException(f"Parameter '{name}' not provided in request.")
        return default
    raw = data[name]
    try:
        value = cast(raw)
    except (ValueError, TypeError, OverflowError):
        raise RequestException(f"Unable to parse parameter '{name}': {raw}.") from None
    if valid is not None and not valid(value):
        extra = f" ({why})" if why else ""
        raise RequestException(f"Invalid value for parameter '{name}': {raw}{extra}.")
    return value


def parse_request(data: Mapping[str, str], *, max_hours: float) -> dict[str, Any]:
    """The request fragment (times as epoch seconds until `run_prediction` formats them)."""
    req: dict[str, Any] = {"version": API_VERSION}
    req["launch_latitude"] = _extract(
        data, "launch_latitude", _float, valid=lambda x: -90 <= x <= 90
    )
    req["launch_longitude"] = _extract(
        data, "launch_longitude", _float, valid=lambda x: 0 <= x < 360
    )
    req["launch_datetime"] = _extract(data, "launch_datetime", _rfc3339_to_timestamp)
    alt = _extract(
        data,
        "launch_altitude",
        _float,
        optional=True,
        valid=lambda x: -500 <= x <= MAX_ALTITUDE,
        why=f"-500 to {MAX_ALTITUDE:.0f} m",
    )
    # no terrain model: without launch_altitude the launch is at sea level (SondeHub's fallback)
    req["launch_altitude"] = 0.0 if alt is None else alt
    req["format"] = _extract(
        data, "format", str, default="json", valid=lambda x: x in FORMATS, why="json, csv or kml"
    )
    req["profile"] = _extract(data, "profile", str, default=PROFILE_STANDARD)
    launch_alt = req["launch_altitude"]

    def above_launch(x: float) -> bool:
        return launch_alt < x <= MAX_ALTITUDE

    above_why = f"above launch_altitude, at most {MAX_ALTITUDE:.0f} m"
    if req["profile"] == PROFILE_STANDARD:
        req["ascent_rate"] = max(
            _extract(data, "ascent_rate", _float, valid=lambda x: x > 0), MIN_RATE
        )
        req["burst_altitude"] = _extract(
            data, "burst_altitude", _float, valid=above_launch, why=above_why
        )
        req["descent_rate"] = max(
            _extract(data, "descent_rate", _float, valid=lambda x: x > 0), MIN_RATE
        )
    elif req["profile"] == PROFILE_FLOAT:
        req["ascent_rate"] = max(
            _extract(data, "ascent_rate", _float, valid=lambda x: x > 0), MIN_RATE
        )
        req["float_altitude"] = _extract(
            data, "float_altitude", _float, valid=above_launch, why=above_why
        )
        t0 = req["launch_datetime"]
        req["stop_datetime"] = _extract(
            data,
            "stop_datetime",
            _rfc3339_to_timestamp,
            valid=lambda x: t0 < x <= t0 + max_hours * 3600.0,
            why=f"after launch_datetime, by at most {max_hours:g} h",
        )
    elif req["profile"] == PROFILE_REVERSE:
        req["ascent_rate"] = max(
            _extract(data, "ascent_rate", _float, valid=lambda x: x > 0), MIN_RATE
        )
    else:
        raise RequestException(f"Unknown profile '{req['profile']}'.")
    req["dataset"] = _extract(data, "dataset", _rfc3339_to_timestamp, default="latest")
    return req


@dataclass(frozen=True)
class _Leg:
    times: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray


def _points(leg: _Leg, lon0: float) -> list[dict[str, Any]]:
    """Trajectory points; longitudes 0..360 written relative to the launch longitude ``lon0``
    (so that the launch point is echoed exactly)."""
    ref = (lon0 + 180.0) % 360.0 - 180.0
    return [
        {
            "latitude": float(la),
            "longitude": (lon0 + ((float(lo) - ref + 180.0) % 360.0 - 180.0)) % 360.0,
            "altitude": float(al),
            "datetime": rfc3339(float(t)),
        }
        for t, la, lo, al in zip(leg.times, leg.lat, leg.lon, leg.alt, strict=True)
    ]


def _split(
    times: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    alt: np.ndarray,
    t_split: float,
    split_point: tuple[float, float, float],
    end: tuple[float, float, float, float],
) -> tuple[_Leg, _Leg]:
    """Two legs joined at ``t_split`` (both hold the joining point) ending at ``end``."""
    ok = np.isfinite(lat)
    times, lat, lon, alt = times[ok], lat[ok], lon[ok], alt[ok]
    first = times < t_split - 1e-6
    second = (times > t_split + 1e-6) & (times < end[0] - 1e-6)
    sla, slo, sal = split_point

    def cat(a: np.ndarray, b: float, c: np.ndarray | None = None) -> np.ndarray:
        parts = [a, np.array([b])] if c is None else [np.array([b]), c]
        return np.concatenate(parts)

    leg1 = _Leg(cat(times[first], t_split), cat(lat[first], sla), cat(lon[first], slo),
                cat(alt[first], sal))  # fmt: skip
    t2 = np.concatenate([[t_split], times[second], [end[0]]])
    leg2 = _Leg(
        t2,
        np.concatenate([[sla], lat[second], [end[1]]]),
        np.concatenate([[slo], lon[second], [end[2]]]),
        np.concatenate([[sal], alt[second], [end[3]]]),
    )
    return leg1, leg2


def _warnings(messages: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for w in messages:
        if "above the wind data's top" in w:
            key = "altitude_too_high"
            text = "The altitude went above the top of the wind data; its highest level's wind was used there, so the path up there is less reliable."
        elif "airborne" in w:
            key, text = "not_landed", w
        elif "left the wind data" in w:
            key, text = "left_wind_data", w
        else:
            key, text = "wind_data", w
        if key in out:
            out[key]["count"] += 1
        else:
            out[key] = {"count": 1, "description": text}
    return out


def run_prediction(req: dict[str, Any], *, wind: WindField, dataset: str) -> dict[str, Any]:
    """Run the request on ``wind``; returns the ``request``, ``prediction`` and ``warnings``
    fragments (plus ``launch_estimate`` for the reverse profile)."""
    t0 = float(req["launch_datetime"])
    lat = float(req["launch_latitude"])
    lon = float(req["launch_longitude"])
    lon180 = (lon + 180.0) % 360.0 - 180.0
    alt = float(req["launch_altitude"])
    profile = req["profile"]
    ground = max(alt, 0.0)
    extra: dict[str, Any] = {}
    try:
        if profile == PROFILE_REVERSE:
            legs, messages = _reverse(t0, lat, lon180, alt, req["ascent_rate"], wind)
            last = legs[1]
            extra["launch_estimate"] = _points(
                _Leg(last.times[-1:], last.lat[-1:], last.lon[-1:], last.alt[-1:]), lon
            )[0]
            labels = ("ascent", "descent")
        elif profile == PROFILE_STANDARD:
            rate, burst, drate = req["ascent_rate"], req["burst_altitude"], req["descent_rate"]
            hours = ((burst - alt) / rate + (burst - ground) / drate) / 3600.0 + 0.5
            pred = predict(t0, lat, lon180, alt, profile="standard", wind=wind, hours=hours,
                           ascent_rate=rate, burst_alt=burst, descent_rate=drate,
                           ground=ground, output_step_s=STEP, dt_s=STEP)  # fmt: skip
            t_burst = t0 + (burst - alt) / rate
            legs = _legs_of(pred, t_burst, burst)
            messages = list(pred.warnings)
            labels = ("ascent", "descent")
        else:
            rate, fa = req["ascent_rate"], req["float_altitude"]
            hours = (float(req["stop_datetime"]) - t0) / 3600.0
            pred = predict(t0, lat, lon180, alt, profile="float", wind=wind, hours=hours,
                           float_alt=fa, ascent_rate=rate, output_step_s=STEP,
                           dt_s=STEP)  # fmt: skip
            t_float = min(t0 + (fa - alt) / rate, float(req["stop_datetime"]))
            legs = _legs_of(pred, t_float, fa)
            messages = list(pred.warnings)
            labels = ("ascent", "float")
    except StratowatchError as exc:
        # the request cannot be flown on this wind (outside its times or region): the
        # request's fault, so 400 where Tawhiri's solver error would give 500
        raise PredictionException(
            f"Prediction did not complete: '{exc}'.", status_code=400
        ) from None
    echo = dict(req)
    echo["dataset"] = dataset
    for key in ("launch_datetime", "stop_datetime"):
        if key in echo:
            echo[key] = rfc3339(float(echo[key]))
    return {
        "request": echo,
        "prediction": [
            {"stage": label, "trajectory": _points(leg, lon)}
            for label, leg in zip(labels, legs, strict=True)
        ],
        "warnings": _warnings(messages),
        **extra,
    }


def _legs_of(pred: Any, t_split: float, split_alt: float) -> tuple[_Leg, _Leg]:
    t_end = float(pred.end_time[0])
    t_split = min(t_split, t_end)
    at = pred.positions_at(t_split) if t_split > float(pred.times[0]) else None
    if at is None or not np.isfinite(at["lat"][0]):
        sp = (float(pred.lat[0, 0]), float(pred.lon[0, 0]), split_alt)
    else:
        sp = (float(at["lat"][0]), float(at["lon"][0]), split_alt)
    end = (t_end, float(pred.end_lat[0]), float(pred.end_lon[0]), float(pred.end_alt[0]))
    return _split(pred.times, pred.lat[0], pred.lon[0], pred.alt[0], t_split, sp, end)


def _reverse(
    t0: float, lat: float, lon: float, alt: float, rate: float, wind: WindField
) -> tuple[tuple[_Leg, _Leg], list[str]]:
    """Back along the ascent at ``rate`` from the given point to the ground (sea level):
    where was it launched? (SondeHub's reverse profile, `flight.integrate` run backwards)."""
    if alt <= 0.0:
        raise RequestException(
            f"Invalid value for parameter 'launch_altitude': {alt:g} "
            "(the reverse profile starts above the ground)."
        )
    duration = alt / rate + 2 * STEP
    res = integrate([Stage(Ascent(rate), until_below=0.0, dt_max=STEP)], wind, t0, lat, lon,
                    alt, duration=duration, backward=True, out_step=STEP)  # fmt: skip
    times = t0 - STEP * np.arange(res.lat.shape[1], dtype=np.float64)
    start = _Leg(np.array([t0]), np.array([lat]), np.array([lon]), np.array([alt]))
    ok = np.isfinite(res.lat[0])
    t_end = float(res.end_time[0])
    body = ok & (times > t_end + 1e-6)
    down = _Leg(
        np.concatenate([times[body], [t_end]]),
        np.concatenate([res.lat[0][body], [float(res.end_lat[0])]]),
        np.concatenate([res.lon[0][body], [float(res.end_lon[0])]]),
        np.concatenate([res.alt[0][body], [float(res.end_alt[0])]]),
    )
    return (start, down), list(res.warnings)


def error_body(exc: TawhiriError, started: float) -> dict[str, Any]:
    return {
        "error": {"type": type(exc).__name__, "description": exc.description},
        "metadata": {
            "start_datetime": rfc3339(started),
            "complete_datetime": rfc3339(_time.time()),
        },
    }


def _lon180(x: float) -> float:
    return x - 360.0 if x > 180.0 else x


def _filename(resp: dict[str, Any], suffix: str) -> str:
    r = resp["request"]
    start = datetime.fromtimestamp(_rfc3339_to_timestamp(r["launch_datetime"]), tz=UTC)
    try:
        ds = datetime.fromtimestamp(_rfc3339_to_timestamp(r["dataset"]), tz=UTC)
        ds_text = ds.strftime("%Y%m%d%HZ")
    except ValueError:
        ds_text = str(r["dataset"])
    return (
        f"{start.strftime('%Y%m%d-%H%M%SZ')}_{r['launch_latitude']:.4f}_"
        f"{r['launch_longitude']:.4f}_{r['profile']}_{ds_text}.{suffix}"
    )


def format_csv(resp: dict[str, Any]) -> tuple[str, str]:
    """(file name, text): ``datetime,latitude,longitude,altitude`` per point, longitudes
    -180..180 (as the SondeHub predictor writes it)."""
    lines = ["datetime,latitude,longitude,altitude"]
    for stage in resp["prediction"]:
        for p in stage["trajectory"]:
            lines.append(
                f"{p['datetime']},{p['latitude']:.5f},{_lon180(p['longitude']):.5f},"
                f"{p['altitude']:.1f}"
            )
    return _filename(resp, "csv"), "\n".join(lines) + "\n"


def format_kml(resp: dict[str, Any]) -> tuple[str, str]:
    """(file name, KML): the flight path and its key points, written by the library's KML
    writer (`io.export.features_to_kml`)."""
    r = resp["request"]
    pts = [p for stage in resp["prediction"] for p in stage["trajectory"]]
    coords = [[_lon180(p["longitude"]), p["latitude"], p["altitude"]] for p in pts]
    feats: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {
                "name": "Flight path",
                "times": [p["datetime"] for p in pts],
                "style": {"color": "#ffff00", "width": 4},
            },
        }
    ]
    first = resp["prediction"][0]["trajectory"]
    last = resp["prediction"][-1]["trajectory"]
    names = {
        PROFILE_STANDARD: ("Balloon Launch", "Balloon Burst", "Balloon Landing"),
        PROFILE_FLOAT: ("Balloon Launch", "Float Start", "Prediction End"),
        PROFILE_REVERSE: ("Start", None, "Launch Prediction"),
    }[r["profile"]]
    for label, p in zip(names, (first[0], first[-1], last[-1]), strict=True):
        if label is None:
            continue
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [_lon180(p["longitude"]), p["latitude"], p["altitude"]],
                },
                "properties": {
                    "name": label,
                    "time": p["datetime"],
                    "description": f"{label} at {p['latitude']:.5f},"
                    f"{_lon180(p['longitude']):.5f}, {p['altitude']:.0f} m, at {p['datetime']}.",
                },
            }
        )
    kml = features_to_kml({"type": "FeatureCollection", "features": feats}, name="Flight Path")
    return _filename(resp, "kml"), kml
