"""A track "as of" a time: cut from a finished run, it is the track a run without the later
reports gives, to the last bit (issue 9, item 4: no look-ahead). Filtered float-altitude
states carry the altitude estimate known at their time, smoothed ones the estimate from all
reports."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from stratowatch.atmosphere import open_wind
from stratowatch.errors import DomainError
from stratowatch.io.readers import read_reports_csv
from stratowatch.scenario import BILLINGS, REPORTS_PATH
from stratowatch.timeutil import to_epoch
from stratowatch.track import (
    Observations,
    Track,
    TrackerConfig,
    TrackingResult,
    make_observations,
    smooth_track,
    track_observations,
)
from stratowatch.track.filter import MotionModel
from stratowatch.track.geometry import offset_latlon

COLUMNS = (
    "time",
    "lat",
    "lon",
    "alt",
    "sigma_e",
    "sigma_n",
    "sigma_alt",
    "ve",
    "vn",
    "vz",
    "sigma_ve",
    "sigma_vn",
    "wind_u",
    "wind_v",
    "obs_index",
)


def assert_same_track(a: Track, b: Track) -> None:
    """Every column, the altitude estimate, the bookkeeping and the smoother data, exactly."""
    assert (a.track_id, a.status, a.n_updates, a.sources, a.kind, a.ended, a.kinds) == (
        b.track_id,
        b.status,
        b.n_updates,
        b.sources,
        b.kind,
        b.ended,
        b.kinds,
    )
    for col in COLUMNS:
        np.testing.assert_array_equal(getattr(a, col), getattr(b, col), err_msg=col)
    ea, eb = a.altitude, b.altitude
    assert (ea.mean, ea.sigma, ea.method, ea.drift_mean, ea.drift_sigma) == (
        eb.mean,
        eb.sigma,
        eb.method,
        eb.drift_mean,
        eb.drift_sigma,
    )
    for name in ("hypotheses", "weights", "drift_weights"):
        x, y = getattr(ea, name), getattr(eb, name)
        assert (x is None) == (y is None), name
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)
    assert (a.rts is None) == (b.rts is None)
    if a.rts is not None and b.rts is not None:
        for f in dataclasses.fields(a.rts):
            np.testing.assert_array_equal(
                getattr(a.rts, f.name), getattr(b.rts, f.name), err_msg=f.name
            )


def assert_same_result(a: TrackingResult, b: TrackingResult) -> None:
    assert [t.track_id for t in a.tracks] == [t.track_id for t in b.tracks]
    for x, y in zip(a.tracks, b.tracks, strict=True):
        assert_same_track(x, y)
    assert [d.describe() for d in a.decisions] == [d.describe() for d in b.decisions]
    np.testing.assert_array_equal(a.observations.time, b.observations.time)


@pytest.mark.parametrize("keep_rows", [False, True])
def test_2023_reports_as_of_each_report_ignore_the_later_ones(keep_rows: bool) -> None:
    """The eight 2023 reports, cut at every report time and between two: the cut of the full
    run equals the run on the reports up to the cut, and the ``as_of=`` option."""
    obs = read_reports_csv(REPORTS_PATH)
    cfg = dataclasses.replace(
        track_observations(obs.take([0]), wind="climatology").config, record_hypotheses=keep_rows
    )
    full = track_observations(obs, wind="climatology", config=cfg)
    cuts = [float(t) for t in obs.time] + [to_epoch("2023-02-02T06:00Z")]
    for t in cuts:
        earlier = obs.take(np.flatnonzero(obs.time <= t))
        alone = track_observations(earlier, wind="climatology", config=cfg)
        assert_same_result(full.as_of(t), alone)
        assert_same_result(track_observations(obs, wind="climatology", config=cfg, as_of=t), alone)
    # the Billings cut: five reports, the float altitude known then
    at_billings = full.as_of(BILLINGS.time).tracks[0]
    assert at_billings.n_updates == 5 and at_billings.time[-1] == BILLINGS.time
    assert at_billings.altitude.hypotheses is not None
    assert at_billings.altitude.mean != full.tracks[0].altitude.mean


def test_filtered_altitude_is_what_was_known_then() -> None:
    """The bug fixed: filtered states of a float-altitude track no longer all carry the
    end-of-track estimate; each carries the estimate after its own update, and the smoothed
    track (hindsight) carries the final one everywhere."""
    obs = read_reports_csv(REPORTS_PATH)
    res = track_observations(obs, wind="climatology")
    f = res.tracks[0]
    assert f.kind == "filtered" and f.altitude.hypotheses is not None
    for k in range(len(f)):
        now = f.as_of(float(f.time[k])).altitude
        assert f.alt[k] == pytest.approx(now.mean, abs=1e-6)
        assert f.sigma_alt[k] == pytest.approx(now.sigma, abs=1e-6)
    # the first report has no altitude: the prior over 2-30 km (mean 16 km)
    assert f.alt[0] == pytest.approx(16_000.0, abs=1.0)
    assert f.alt[-1] == f.altitude.mean and not np.all(f.alt == f.altitude.mean)
    s = smooth_track(f)
    assert s.kind == "smoothed" and np.all(s.alt == f.altitude.mean)
    assert np.all(s.sigma_alt == f.altitude.sigma)


def test_as_of_then_smooth_is_the_smoothed_run_on_the_earlier_reports() -> None:
    """Hindsight as of a time (smoothing what was known then) uses no later report either."""
    obs = read_reports_csv(REPORTS_PATH)
    cfg = dataclasses.replace(
        track_observations(obs.take([0]), wind="climatology").config, record_hypotheses=True
    )
    wind = open_wind("climatology")
    full = track_observations(obs, wind=wind, config=cfg)
    t = BILLINGS.time
    alone = track_observations(obs, wind=wind, config=cfg, as_of=t, smooth=True)
    cut = smooth_track(full.tracks[0].as_of(t), wind)
    assert_same_track(cut, alone.tracks[0])


def test_as_of_refuses_smoothed_tracks_and_times_before_the_start() -> None:
    obs = read_reports_csv(REPORTS_PATH)
    res = track_observations(obs, wind="climatology")
    f = res.tracks[0]
    with pytest.raises(DomainError, match="smoothed"):
        smooth_track(f).as_of(BILLINGS.time)
    with pytest.raises(DomainError, match="starts at"):
        f.as_of("2023-01-01T00:00Z")
    assert f.as_of(f.time[-1] + 86400.0) is f
    hand = dataclasses.replace(f, history=None)
    with pytest.raises(DomainError, match="history"):
        hand.as_of(BILLINGS.time)


def _crossing(seed: int) -> Observations:
    """Two objects 20 m/s apart near 45 N, scans every 60 s with P_D 0.8 and clutter, one
    object vanishing after scan 12: tracks are confirmed, coast and end along the way."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(25):
        t = 1.7e9 + 60.0 * k
        xs = [(-20e3 + 20.0 * 60 * k, 0.0), (20e3, -15e3 + 15.0 * 60 * k)]
        if k > 12:
            xs = xs[:1]
        for x, y in xs:
            if rng.random() < 0.8:
                la, lo = offset_latlon(45.0, 5.0, x + rng.normal(0, 300), y + rng.normal(0, 300))
                rows.append(dict(time=t, lat=la, lon=lo, alt=18e3, sigma_alt=30.0, sigma_h=300.0))
        for _ in range(rng.poisson(1.5)):
            la, lo = offset_latlon(45.0, 5.0, *rng.uniform(-60e3, 60e3, 2))
            rows.append(dict(time=t, lat=la, lon=lo, sigma_h=300.0))  # no altitude: 29 rows
    return make_observations(rows)


def test_many_tracks_with_status_changes() -> None:
    """Clutter (float-altitude tentative tracks that are deleted) and two objects, one ending:
    every cut gives the statuses, update counts, states and ``ended`` of the shorter run."""
    cfg = TrackerConfig(
        motion=MotionModel(q_h=0.05, shear_sigma=0.0, q_z=1e-6),
        new_object_density=5 / 120e3**2,
        init_velocity_sigma=30.0,
        confirm_hits=3,
        delete_misses=3,
        tentative_misses=2,
        max_coast=600.0,
    )
    obs = _crossing(4)
    full = track_observations(obs, wind="calm", config=cfg)
    statuses = {t.status for t in full.tracks}
    assert {"confirmed", "deleted"} <= statuses, statuses
    assert any(t.ended and t.status == "confirmed" for t in full.tracks)  # the object that left
    for k in (3, 8, 14, 20):
        t = 1.7e9 + 60.0 * k + 30.0
        alone = track_observations(obs.take(np.flatnonzero(obs.time <= t)), wind="calm", config=cfg)
        assert_same_result(full.as_of(t), alone)
