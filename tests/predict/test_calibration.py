"""Uncertainty constants measured on real flights (`predict.verify.measure`,
``data/uncertainty_calibration.json``) and leave-one-flight-out scoring (issue 9.2): each
flight is scored with constants measured on the other flights only."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from stratowatch.atmosphere.uncertainty import uncertainty_calibration
from stratowatch.errors import ConfigError
from stratowatch.predict.flight_uncertainty import fitted_descent, given, prior, resolve
from stratowatch.predict.verify import VerifyOptions, load_track, verify_flights
from stratowatch.predict.verify.measure import (
    CALIBRATION_FLIGHTS,
    calibrate,
    calibration_document,
    measure_flight,
)

ROOT = Path(__file__).resolve().parents[2]
RS41 = ROOT / "tests" / "data" / "radiosondy_rs41"


@pytest.fixture(scope="module")
def rs41_tracks() -> list:
    return [load_track(RS41 / f"{n}.csv") for n in ("R3320833", "R3330518", "S3140515", "T2940341")]


def test_one_flight_measures_its_rates_and_wind_error(rs41_tracks: list) -> None:
    """R3330518 (RS41, Idar-Oberstein): ascent 5.4 m/s, burst 32.3 km, descent law
    v_sl 4.9 m/s, k 0.53 (close to the parachute law's 1/2); its descent saw the ascent's wind
    again within ~1.3 m/s RMS per component."""
    m = measure_flight(rs41_tracks[1])
    assert m.ascent_rate == pytest.approx(5.365, abs=0.05)
    assert m.burst_alt == pytest.approx(32296.0, abs=5.0)
    assert m.descent_v_sl == pytest.approx(4.935, abs=0.05)
    assert m.descent_exponent == pytest.approx(0.527, abs=0.01)
    s = m.summary()
    assert s["wind_rms_difference_m_s"] == pytest.approx(1.29, abs=0.1)
    assert s["wind_bins"] > 40 and s["repredictions"] > 10
    # the model's RMS with the GFS structure function alone (a = 1) is about twice the misses
    assert s["wind_rms_model_a1_m_s"] > 1.8 * s["wind_rms_difference_m_s"]


@pytest.mark.shared
def test_shipped_constants_are_the_measured_ones(shared_data: Path) -> None:
    """Re-measuring the nine flights gives the shipped file (no hand-set constant)."""
    ms = []
    for name, root, rel, kind, group in CALIBRATION_FLIGHTS:
        path = (shared_data if root == "shared" else ROOT) / rel
        ms.append(measure_flight(load_track(path), kind=kind, group=group))
        assert ms[-1].name == name
    doc = calibration_document(ms)
    shipped = uncertainty_calibration()
    for section in ("profile_wind", "descent_rate", "ascent_rate", "burst_alt"):
        for key, value in shipped[section].items():
            if isinstance(value, float):
                assert doc[section][key] == pytest.approx(value, rel=0.02, abs=2e-3), (
                    section,
                    key,
                )
    for name, consts in shipped["leave_one_out"].items():
        for key, value in consts.items():
            assert doc["leave_one_out"][name][key] == pytest.approx(value, rel=0.02, abs=2e-3)
    # real descents scatter by a factor e^0.86 about the 5 m/s default: 0.8-9 m/s
    assert shipped["descent_rate"]["prior_sigma_ln"] == pytest.approx(0.86, abs=0.05)
    assert 0.3 < shipped["profile_wind"]["structure_factor"] < 0.5
    assert 5.0 < shipped["profile_wind"]["tail_dof"] < 10.0


def test_provenance_sets_the_spread() -> None:
    cal = uncertainty_calibration()
    p = prior("descent_rate")
    assert p.provenance == "prior" and p.sigma_ln == cal["descent_rate"]["prior_sigma_ln"]
    g = given("descent_rate", 6.0)
    assert g.value == 6.0 and g.sigma_ln == cal["descent_rate"]["given_sigma_ln"]
    u = resolve("descent_rate", 6.0, 0.6)
    assert u.provenance == "user" and u.sigma_ln == pytest.approx(0.1)
    f = fitted_descent(5.0, 0.4, anchor_alt=3000.0, rate_sigma_ln=0.03, exponent_sigma=0.05,
                       pairs=40)  # fmt: skip
    assert f.sigma_ln == pytest.approx(
        math.hypot(0.03, cal["descent_rate"]["fit_rate_model_sigma_ln"])
    )
    # members pivot about the anchor: their rates at 3 km spread only by sigma_ln
    z = np.linspace(-2.0, 2.0, 9)
    vals, k = f.draw(np.zeros(9), z)
    from stratowatch.atmosphere.standard import RHO0, density

    w_anchor = vals * (RHO0 / float(density(3000.0))) ** k
    assert np.ptp(w_anchor) < 1e-9 and np.ptp(k) > 0.1
    with pytest.raises(ConfigError, match="no flight-to-flight scatter"):
        given("descent_rate", 5.0, calibration={"descent_rate": {"prior_sigma_ln": 0.5}})


def test_leave_one_out_scores_each_flight_with_the_others_constants(rs41_tracks: list) -> None:
    """No flight is scored with constants fitted to itself: the constants used for each
    flight are those measured on the other three, and they change when the flight is
    included (so the check can fail)."""
    c = verify_flights(rs41_tracks, VerifyOptions(members=1, every_s=600.0), leave_one_out=True)
    ms = {t.name: measure_flight(t) for t in rs41_tracks}
    full = calibrate(list(ms.values()))
    assert set(c.calibrations) == set(ms)
    for name, used in c.calibrations.items():
        others = calibrate([m for n, m in ms.items() if n != name])
        assert used["profile_wind"] == others["profile_wind"]
        assert used["descent_rate"] == others["descent_rate"]
        assert used["descent_rate"]["prior_sigma_ln"] != full["descent_rate"]["prior_sigma_ln"]
    summ = c.summary()
    assert summ["leave_one_out"] and set(summ["calibration_by_flight"]) == set(ms)
    with pytest.raises(ConfigError, match="at least 3 flights"):
        verify_flights(rs41_tracks[:2], VerifyOptions(members=1), leave_one_out=True)
