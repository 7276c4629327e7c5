"""Profiles and models through predict(): float with ascent, isobaric float, oscillation,
drag descent, fall with ensemble winds, chunking, progress, positions_at."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.atmosphere.perturb import PerturbedWind
from stratowatch.atmosphere.standard import altitude_from_pressure
from stratowatch.atmosphere.wind import CalmWind, profile_wind
from stratowatch.errors import DomainError, InputError
from stratowatch.flight import DragDescent, Float, Stage, fall, integrate
from stratowatch.predict import predict

UNIFORM = profile_wind([0.0, 40_000.0], [12.0, 12.0], [3.0, 3.0], source="uniform")


def test_float_profile_ascends_then_floats() -> None:
    """From 1 km to a 20 km float at 5 m/s: 3,800 s of ascent, then level at 20 km."""
    p = predict(0.0, 40.0, -100.0, 1_000.0, wind=UNIFORM, hours=3, float_alt=20_000.0)
    assert p.alt[0, 6] == pytest.approx(1_000.0 + 5.0 * 3600.0)  # climbing at 1 h
    assert np.all(p.alt[0, 7:] == 20_000.0)
    assert p.end_alt[0] == 20_000.0


def test_isobaric_float_and_oscillation() -> None:
    """float_pressure = 7,000 Pa flies at the US1976 altitude of 70 hPa (~18.4 km); an
    oscillation of 300 m / 2 h stays within +-300 m and returns to its base each period."""
    p = predict(0.0, 40.0, -100.0, 18_000.0, wind=UNIFORM, hours=4, float_pressure=7_000.0,
                descent_rate=5.0)  # fmt: skip
    assert p.end_alt[0] == pytest.approx(float(altitude_from_pressure(7_000.0)), abs=0.5)
    q = predict(0.0, 40.0, -100.0, 18_000.0, wind=UNIFORM, hours=4, oscillation_m=300.0,
                oscillation_period_s=7200.0, output_step_s=300.0)  # fmt: skip
    assert np.nanmax(q.alt) == pytest.approx(18_300.0, abs=2.0)
    assert np.nanmin(q.alt) == pytest.approx(17_700.0, abs=2.0)
    assert q.alt[0, 24] == pytest.approx(18_000.0, abs=2.0)  # t = 2 h: one period


def test_drag_descent_equals_parachute_of_same_terminal_speed() -> None:
    """DragDescent(m, Cd, A) and a parachute with v_sl = sqrt(2 (m/CdA) g / rho0) land at the
    same time (the two laws differ only by g(h), a 0.6 % effect at 20 km)."""
    d = DragDescent(mass=2.0, cd=1.5, area=1.0)
    drag = integrate([Stage(d, until_below=0.0, dt_max=30.0)], CalmWind(), 0.0, 0.0, 0.0,
                     20_000.0, duration=1e5, out_step=1e5)  # fmt: skip
    v_sl = float(np.sqrt(2 * d.beta * 9.80665 / 1.225))
    para = predict(0.0, 0.0, 0.0, 20_000.0, profile="descent", wind="calm", descent_rate=v_sl,
                   hours=10)  # fmt: skip
    assert drag.end_time[0] == pytest.approx(para.end_time[0], rel=0.01)
    assert Float().rate(0.0, 1000.0) == 0.0


def test_fall_profile_and_fall_with_ensemble_members() -> None:
    """fall() over PerturbedWind members: the member index selects the wind; the same member
    gives the same impact, different members different impacts."""
    ens = PerturbedWind(UNIFORM, members=5, sigma=5.0, seed=3)
    member = np.array([0, 0, 1, 2, 3, 4])
    r = fall(0.0, 40.0, -100.0, 18_000.0, 12.0, 3.0, 0.0, 2.0, ens, member=member)
    assert r.lat[0] == r.lat[1] and r.lon[0] == r.lon[1]
    assert len(np.unique(np.round(r.lon, 6))) == 5
    with pytest.raises(InputError, match="member"):
        fall(0.0, 40.0, -100.0, 18_000.0, 0.0, 0.0, 0.0, 2.0, ens, member=[7])
    p = predict(0.0, 40.0, -100.0, 18_000.0, profile="fall", beta=2.0, wind=UNIFORM, hours=2)
    assert p.landed.all() and p.end_alt[0] == 0.0
    # released with the wind's velocity, a light fragment drifts with the wind: ~12 m/s east
    assert p.end_lon[0] > -100.0 and p.end_lat[0] > 40.0


def test_chunking_and_progress_do_not_change_results() -> None:
    calls: list[tuple[int, int]] = []
    kw = dict(wind=UNIFORM, hours=6, members=50, wind_sigma=3.0, seed=9)
    a = predict(0.0, 40.0, -100.0, 18_000.0, chunk=7, progress=lambda d, t: calls.append((d, t)),
                **kw)  # type: ignore[arg-type]  # fmt: skip
    b = predict(0.0, 40.0, -100.0, 18_000.0, **kw)  # type: ignore[arg-type]
    assert np.array_equal(a.lat, b.lat) and np.array_equal(a.end_lon, b.end_lon)
    assert calls[-1] == (50, 50) and len(calls) == 8


def test_positions_at_interpolates_member_paths() -> None:
    p = predict(0.0, 40.0, 179.9, 18_000.0, wind=UNIFORM, hours=2, members=3, wind_sigma=0)
    pos = p.positions_at(1800.0 + 300.0)  # half way between the outputs at 30 and 40 min
    assert pos["lat"].shape == (3,)
    assert pos["lat"][0] == pytest.approx((p.lat[0, 3] + p.lat[0, 4]) / 2)
    # it crossed the dateline after ~12 min: longitudes are wrapped, not averaged
    assert -180.0 <= pos["lon"][0] < -179.5
    assert p.lon[0, 0] > 179.0 and p.lon[0, 4] < -179.0
    with pytest.raises(DomainError, match="outside the prediction"):
        p.positions_at(3 * 3600.0)
