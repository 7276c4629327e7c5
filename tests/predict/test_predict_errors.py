"""Impossible parameters give clear, typed errors (issue 3, "Bad input")."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stratowatch.atmosphere.wind import GriddedWind
from stratowatch.errors import ConfigError, DomainError, InputError
from stratowatch.io.export import write_features
from stratowatch.predict import predict

T0 = "2024-03-01T00:00Z"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"profile": "standard", "ascent_rate": -5.0}, "ascent rate must be a positive number"),
        ({"profile": "standard", "burst_alt": 500.0}, "burst altitude 500 m is not above"),
        ({"members": 0}, "members must be a whole number >= 1"),
        ({"members": 2.5}, "members must be a whole number"),
        ({"hours": -1.0}, "hours must be > 0"),
        ({"profile": "descent", "descent_rate": 0.0}, "descent rate must be a positive number"),
        ({"profile": "fall"}, "needs beta"),
        ({"profile": "fall", "beta": -3.0}, "beta must be > 0"),
        ({"profile": "standard", "backward": True}, "backward runs support the float profile"),
        ({"profile": "zigzag"}, "unknown profile 'zigzag'"),
        ({"wind_sigma": -1.0}, "wind_sigma must be >= 0"),
        ({"alt_sigma": float("nan")}, "alt_sigma must be finite"),
    ],
)
def test_impossible_parameters(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        predict(T0, 45.0, 10.0, 1000.0, wind="calm", **kwargs)


def test_hours_beyond_the_wind_span_is_a_domain_error(
    make_global_grid: Callable[..., GriddedWind],
) -> None:
    """A wind file covering 12 h cannot carry a 24 h run: DomainError names both spans."""
    wind = make_global_grid(
        lambda la, lo: (la * 0 + 10.0, la * 0.0), step=5.0, times=(0.0, 6 * 3600.0, 12 * 3600.0)
    )
    ok = predict(0.0, 45.0, 10.0, 18_000.0, wind=wind, hours=12.0)
    assert ok.end_time[0] == pytest.approx(12 * 3600.0)
    with pytest.raises(DomainError, match=r"outside the wind data's span 1970-01-01T00:00:00Z"):
        predict(0.0, 45.0, 10.0, 18_000.0, wind=wind, hours=24.0)
    with pytest.raises(DomainError, match="backward"):
        predict(3600.0, 45.0, 10.0, 18_000.0, wind=wind, hours=2.0, backward=True)


def test_bad_coordinates_and_time() -> None:
    with pytest.raises(InputError, match="lat"):
        predict(T0, 95.0, 10.0, 1000.0, wind="calm")
    with pytest.raises(InputError, match="cannot parse time"):
        predict("yesterday-ish", 45.0, 10.0, 1000.0, wind="calm")
    with pytest.raises(InputError, match="wind source not found"):
        predict(T0, 45.0, 10.0, 1000.0, wind="tornado")


def test_features_export_round_trip(
    tmp_path: Path, make_global_grid: Callable[..., GriddedWind]
) -> None:
    """to_features() is a FeatureCollection write_features accepts; the median path carries
    one ISO time per vertex, regions a time, end points a time."""
    wind = make_global_grid(lambda la, lo: (la * 0 + 15.0, la * 0.0 + 2.0), step=5.0)
    p = predict(T0, 45.0, 10.0, 18_000.0, wind=wind, hours=6, members=20, seed=1)
    fc = p.to_features(member_paths=True, region_every_s=3600.0)
    out = write_features(tmp_path / "pred.geojson", fc)
    back = json.loads(out.read_text())
    layers = [f["properties"]["layer"] for f in back["features"]]
    assert layers.count("median_path") == 1
    assert layers.count("members") == 20
    assert layers.count("end_points") == 20
    assert layers.count("region") == 2 * 6  # 50 % and 90 % at 1..6 h (t = 0 has no spread)
    med = next(f for f in back["features"] if f["properties"]["layer"] == "median_path")
    assert len(med["properties"]["times"]) == len(med["geometry"]["coordinates"]) == 37
    region = next(f for f in back["features"] if f["properties"]["layer"] == "region")
    ring = region["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and region["properties"]["time"].endswith("Z")
    s = p.summary()
    assert s["members"] == 20 and s["end"]["r90_km"] >= s["end"]["r50_km"] > 0
