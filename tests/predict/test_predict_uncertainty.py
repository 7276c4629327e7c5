"""Ensembles drawn from the source's error model (issue 9 item 1): member-index seeding
(any chunking gives the same members), per-member ascent/burst/descent spreads against
their analytic consequences, and the sigmas reported with the result."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from typer.testing import CliRunner

from stratowatch.atmosphere.standard import RHO0, density
from stratowatch.atmosphere.uncertainty import uncertainty_calibration
from stratowatch.cli.main import app
from stratowatch.predict import predict

T0 = "2023-02-01T19:00Z"


def _same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a, b)  # NaN == NaN here


@pytest.mark.parametrize("profile", ["standard", "float"])
def test_chunked_members_equal_the_full_run(profile: str) -> None:
    """Members [0, N) in one run, and [0, k) and [k, N) run separately: identical arrays
    (winds, rates, burst altitudes, start offsets are all keyed by member index)."""
    kw = dict(profile=profile, hours=6.0, seed=11, wind="climatology", alt_sigma=300.0,
              pos_sigma_m=2000.0, time_sigma_s=120.0, output_step_s=900.0)  # fmt: skip
    full = predict(T0, 45.78, -108.5, 1000.0 if profile == "standard" else 18_300.0,
                   members=24, **kw)  # type: ignore[arg-type]  # fmt: skip
    start = 1000.0 if profile == "standard" else 18_300.0
    a = predict(T0, 45.78, -108.5, start, members=9, **kw)  # type: ignore[arg-type]
    b = predict(T0, 45.78, -108.5, start, members=15, first_member=9, **kw)  # type: ignore[arg-type]
    for name in ("lat", "lon", "alt", "end_time", "end_lat", "end_lon", "end_alt"):
        _same(getattr(full, name), np.concatenate([getattr(a, name), getattr(b, name)]))


def test_rates_and_burst_spread_per_member() -> None:
    """Calm air, values given: each parameter spreads log-normally by the flight-to-flight
    scatter of one configuration measured on real flights (`uncertainty_calibration`,
    ``given_sigma_ln``); each member's ascent time is burst / its ascent rate, so landing
    times spread."""
    cal = uncertainty_calibration()
    s_b = cal["burst_alt"]["given_sigma_ln"]
    n = 400
    p = predict(T0, 45.0, -100.0, 0.0, profile="standard", wind="calm", members=n,
                burst_alt=30_000.0, ascent_rate=5.0, descent_rate=5.0, hours=12.0, seed=2,
                output_step_s=60.0)  # fmt: skip
    top = np.nanmax(p.alt, axis=1)
    assert np.std(np.log(top)) == pytest.approx(s_b, rel=0.12)
    assert np.median(top) == pytest.approx(30_000.0, rel=0.01)
    flight = p.end_time - float(p.times[0])
    assert np.std(flight) > 300.0  # tens of minutes of landing-time spread
    rep = p.params["uncertainty"]["flight"]
    assert rep == pytest.approx({
        "ascent_rate_sigma": 5.0 * cal["ascent_rate"]["given_sigma_ln"],
        "burst_alt_sigma": 30_000.0 * s_b,
        "descent_rate_sigma": 5.0 * cal["descent_rate"]["given_sigma_ln"],
    }, rel=1e-3)  # fmt: skip
    prov = p.params["uncertainty"]["flight_parameters"]
    assert {k: v["provenance"] for k, v in prov.items()} == {
        "ascent_rate": "given", "burst_alt": "given", "descent_rate": "given"
    }  # fmt: skip
    assert not p.params["uncertainty"]["perturbed"]  # calm: no wind error


def test_descent_rate_spread_sets_the_landing_time_spread() -> None:
    """Parachute descent from 10 km: time = int dh / (v_sl sqrt(rho0/rho)) scales as 1/v_sl,
    so a 10 % spread of v_sl (an explicit 0.5 m/s) gives ~10 % spread of the descent time,
    and a prior (no rate given) the spread of ln(rate) measured on real flights."""
    p = predict(T0, 45.0, -100.0, 10_000.0, profile="descent", wind="calm", members=600,
                descent_rate=5.0, descent_rate_sigma=0.5, hours=3.0, seed=8)  # fmt: skip
    dur = p.end_time - float(p.times[0])
    nominal, _ = quad(lambda h: 1.0 / (5.0 * math.sqrt(RHO0 / float(density(h)))), 0.0, 10_000.0)
    assert np.median(dur) == pytest.approx(nominal, rel=0.02)
    assert np.std(np.log(dur)) == pytest.approx(0.10, rel=0.15)
    pri = predict(T0, 45.0, -100.0, 10_000.0, profile="descent", wind="calm", members=600,
                  hours=24.0, seed=8)  # fmt: skip
    s_pri = uncertainty_calibration()["descent_rate"]["prior_sigma_ln"]
    dur_p = pri.end_time - float(pri.times[0])
    assert np.median(dur_p) == pytest.approx(nominal, rel=0.05)
    assert np.std(np.log(dur_p)) == pytest.approx(s_pri, rel=0.15)
    assert pri.params["uncertainty"]["flight_parameters"]["descent_rate"]["provenance"] == "prior"
    one = predict(T0, 45.0, -100.0, 10_000.0, profile="descent", wind="calm", members=50,
                  descent_rate=5.0, descent_rate_sigma=0.0, hours=3.0)  # fmt: skip
    assert np.ptp(one.end_time) < 1.0


def test_default_sigmas_come_from_the_source_and_are_reported() -> None:
    p = predict(T0, 45.78, -108.5, 18_300.0, members=40, hours=12.0, seed=1)
    u = p.summary()["uncertainty"]
    assert u["perturbed"] and u["wind"]["kind"] == "climatology"
    assert u["wind"]["sigma_u_m_s"] > 8.0  # the climatology cannot know the day's weather
    assert u["wind"]["references"]
    fixed = predict(T0, 45.78, -108.5, 18_300.0, members=40, hours=12.0, seed=1, wind_sigma=2.0)
    assert fixed.summary()["uncertainty"]["wind"]["sigma_u_m_s"] == 2.0
    assert fixed.end["r90_km"] < p.end["r90_km"]
    off = predict(T0, 45.78, -108.5, 18_300.0, members=40, hours=12.0, wind_sigma=0.0)
    assert not off.summary()["uncertainty"]["perturbed"]
    assert off.end["r90_km"] < 1e-6


@pytest.mark.shared
def test_forecast_file_reports_its_lead(shared_data: Path) -> None:
    gfs = shared_data / "wind/gfs_2011011012_f120_2p5deg.grib2"
    p = predict("2011-01-15T12:00Z", 47.5, -111.0, 18_000.0, wind=str(gfs), members=30,
                hours=6.0, seed=1)  # fmt: skip
    w = p.summary()["uncertainty"]["wind"]
    assert w["kind"] == "forecast" and w["lead_h"] == 120.0
    # a 5-day forecast at 18 km: several m/s, below the climatology's error
    assert 2.0 < w["sigma_u_m_s"] < 12.0


def test_cli_reports_sigmas() -> None:
    r = CliRunner().invoke(
        app,
        ["predict", "--time", T0, "--lat", "45.78", "--lon", "-108.5", "--alt", "18300",
         "--hours", "6", "--members", "30", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    d = json.loads(r.output.strip().splitlines()[-1])
    assert d["uncertainty"]["wind"]["kind"] == "climatology"
    r = CliRunner().invoke(
        app,
        ["predict", "--time", T0, "--lat", "45.78", "--lon", "-108.5", "--alt", "1000",
         "--profile", "standard", "--hours", "6", "--members", "30"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    line = [x for x in r.output.splitlines() if x.startswith("uncertainty:")]
    assert len(line) == 1 and "climatology error model" in line[0] and "burst alt sigma" in line[0]


def test_bad_sigmas_give_clear_errors() -> None:
    from stratowatch.errors import ConfigError

    for kw in ({"wind_sigma": -1.0}, {"burst_alt_sigma": float("nan")},
               {"ascent_rate_sigma": -0.1}, {"first_member": -2}):  # fmt: skip
        with pytest.raises(ConfigError):
            predict(T0, 45.0, -100.0, 1000.0, profile="standard", members=4, hours=3.0, **kw)  # type: ignore[arg-type]
