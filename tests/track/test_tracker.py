"""Multi-target association and management, on synthetic scans and on real flights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.io.readers import read_observations
from stratowatch.timeutil import to_epoch
from stratowatch.track import (
    Observations,
    TrackerConfig,
    make_observations,
    same_object,
    track_observations,
    track_wind,
)
from stratowatch.track.filter import MotionModel
from stratowatch.track.geometry import distance_m, offset_latlon


def _scans(n_obj: int, n_scans: int, clutter: float, seed: int) -> tuple[Observations, np.ndarray]:
    """Objects moving at 10-30 m/s over 300 km x 300 km near 45 N, one scan per 60 s,
    P_D = 0.9, Poisson clutter, sigma 500 m. Returns observations and truth (scan, obj, 2)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-120e3, 120e3, (n_obj, 2))
    speed = rng.uniform(10, 30, n_obj)
    head = rng.uniform(0, 2 * np.pi, n_obj)
    v = np.column_stack([speed * np.sin(head), speed * np.cos(head)])
    rows = []
    truth = np.zeros((n_scans, n_obj, 2))
    for k in range(n_scans):
        t = 1.7e9 + 60.0 * k
        pos = x + v * 60.0 * k
        lat, lon = offset_latlon(45.0, 5.0, pos[:, 0], pos[:, 1])
        truth[k, :, 0], truth[k, :, 1] = lat, lon
        det = rng.random(n_obj) < 0.9
        e = pos[det] + rng.normal(0, 500.0, (int(det.sum()), 2))
        nc = rng.poisson(clutter)
        e = np.vstack([e, rng.uniform(-150e3, 150e3, (nc, 2))])
        la, lo = offset_latlon(45.0, 5.0, e[:, 0], e[:, 1])
        for a, b in zip(la, lo, strict=True):
            rows.append(dict(time=t, lat=a, lon=b, alt=18_000.0, sigma_alt=30.0, sigma_h=500.0))
    return make_observations(rows), truth


BENCH_CONFIG = TrackerConfig(
    motion=MotionModel(q_h=0.05, shear_sigma=0.0, q_z=1e-6),
    new_object_density=10 / 300e3**2,
    init_velocity_sigma=30.0,
    confirm_hits=3,
    delete_misses=3,
    tentative_misses=2,
    max_coast=600.0,
)


def test_two_objects_in_clutter() -> None:
    obs, truth = _scans(2, 40, clutter=10.0, seed=5)
    res = track_observations(obs, wind="calm", config=BENCH_CONFIG)
    long_tracks = [t for t in res.tracks if t.n_updates >= 20]
    assert len(long_tracks) == 2
    for tr in long_tracks:
        d = distance_m(tr.lat[-1], tr.lon[-1], truth[-1, :, 0], truth[-1, :, 1])
        assert float(d.min()) < 1500.0
    # clutter starts tentative tracks that die young
    short = [t for t in res.tracks if t.n_updates < 3]
    assert all(t.status in ("deleted", "tentative") for t in short)
    assert {t.status for t in long_tracks} == {"confirmed"}


def test_out_of_order_and_duplicates_change_nothing() -> None:
    """Shuffled input with every report sent twice gives the same tracks and update counts."""
    obs, _ = _scans(2, 15, clutter=0.0, seed=2)
    ref = track_observations(obs, wind="calm", config=BENCH_CONFIG)
    rng = np.random.default_rng(0)
    doubled = Observations.concat([obs, obs])
    shuffled = doubled.take(rng.permutation(len(doubled)))
    res = track_observations(shuffled, wind="calm", config=BENCH_CONFIG)
    assert [t.n_updates for t in res.tracks] == [t.n_updates for t in ref.tracks]
    assert len(res.decisions) == len(obs)
    for a, b in zip(res.tracks, ref.tracks, strict=True):
        np.testing.assert_allclose(a.lat, b.lat)


@pytest.mark.shared
def test_umd_ns95_two_trackers_one_track(shared_data: Path) -> None:
    """UMD NS-95 (2020-11-07): two APRS trackers on one balloon become one track, through
    ascent, burst near 30 km and descent; malformed packets are reported and skipped."""
    files = sorted((shared_data / "tracks" / "umd_ns95").glob("*.txt"))
    obs = read_observations(files)
    bad = [e for e in obs.issues if "not decoded" in e.message]
    assert len(bad) == 88  # every "[Invalid uncompressed location]" packet of both logs
    assert all(e.line is not None and e.path is not None for e in obs.issues)
    res = track_observations(obs, wind="climatology")
    assert len(res.tracks) == 1
    tr = res.tracks[0]
    assert set(tr.sources) == {"W3EAX-10", "W3EAX-11"}
    assert tr.n_updates == len(obs)
    # burst: the highest A= of the log is 65,019 ft (19,818 m)
    assert float(np.nanmax(obs.alt)) == pytest.approx(19_818.0, abs=1.0)
    assert float(tr.alt.max()) == pytest.approx(19_818.0, abs=150.0)
    assert all(d.action != "new track" for d in res.decisions[1:])


@pytest.mark.shared
def test_shab14v_one_track(shared_data: Path) -> None:
    obs = read_observations(shared_data / "tracks" / "shab14v" / "SHAB14V-APRS.csv")
    assert len(obs) == 713
    late = [i for i in range(len(obs)) if "late packet" in str(obs.text[i])]
    assert len(late) >= 2  # real late packets (StrTrk 152 after 153, 542 after 543 ...)
    res = track_observations(obs, wind="climatology")
    assert len(res.tracks) == 1
    assert res.tracks[0].n_updates == 713


def _colombia() -> Observations:
    """The second balloon of 2023-02-03 over northern Colombia, above 55,000 ft (16.8 km)."""
    return make_observations(
        [
            dict(
                time=to_epoch("2023-02-03T12:00:00Z"),
                time_sigma=12 * 3600.0,
                lat=10.4,
                lon=-75.5,
                alt=17_500.0,
                sigma_alt=1500.0,
                sigma_h=150e3 / 2.448,
                kind="report",
                source="Colombian Air Force",
            )
        ]
    )


@pytest.mark.shared
def test_feb2023_one_track_and_a_second_balloon(shared_data: Path) -> None:
    reports = read_observations(shared_data / "scenarios" / "feb2023_public_reports.csv")
    res = track_observations(reports, wind="climatology")
    assert len(res.tracks) == 1
    tr = res.tracks[0]
    assert tr.n_updates == 8
    a = tr.altitude
    assert a.method == "wind drift + reported altitudes"
    assert 17_000 < a.mean < 20_500 and a.sigma < 1500
    # the Colombian report, against the whole track: a different object
    v = same_object(tr, _colombia(), wind="climatology")
    # ~28 sigma from the prediction: only the misreport component (rate 0.1 for public
    # reports) keeps p(same) from underflowing; a misreport that far is rarer than a new object
    assert v.nsigma[0] > 20
    assert v.p_track[0] == pytest.approx(0.047, abs=0.02)
    assert v.p_new == pytest.approx(1 - v.p_track[0])
    assert v.verdict == "new" and "is a different object" in v.explanation
    assert "p(same as track 0) = 0.04" in v.explanation
    # ... and inside the tracker, in time order, it starts its own track
    both = track_observations(Observations.concat([reports, _colombia()]), wind="climatology")
    assert len(both.tracks) == 2
    d = [x for x in both.decisions if x.source == "Colombian Air Force"][0]
    assert d.action == "new track" and d.p_new > 0.5
    assert both.track(0).n_updates == 8
    # the track's drift is a wind measurement at its altitude
    w = track_wind(tr)
    assert w.alt.size == 7 and np.all(w.sigma > 0)


@pytest.mark.shared
def test_feb2023_leave_one_out_yukon_is_consistent(shared_data: Path) -> None:
    reports = read_observations(shared_data / "scenarios" / "feb2023_public_reports.csv")
    others = reports.take(np.arange(len(reports)) != 1)
    res = track_observations(others, wind="climatology")
    v = same_object(res.tracks, reports, 1, wind="climatology")
    # 2.4 sigma from a prediction ~800 km wide (climatology): the evidence is modest
    assert v.p_track[0] == pytest.approx(0.88, abs=0.05)
    assert "is probably the same object as track 0" in v.explanation


@pytest.mark.shared
def test_feb2023_two_halves_are_one_object(shared_data: Path) -> None:
    """Track-to-track: the reports up to Malmstrom and those from Billings on, tracked
    separately, are judged the same object."""
    from stratowatch.track import same_track

    reports = read_observations(shared_data / "scenarios" / "feb2023_public_reports.csv")
    first = track_observations(reports.take(np.arange(4)), wind="climatology").tracks[0]
    second = track_observations(reports.take(np.arange(4, 8)), wind="climatology").tracks[0]
    v = same_track(first, second, wind="climatology")
    assert v.p_track[0] > 0.5, v.explanation
    assert "the same object as track" in v.explanation


def test_ended_tracks_are_compacted_and_keep_their_altitude() -> None:
    """Clutter reports without altitude start 29-hypothesis tracks that die young; their rows
    are dropped once they outnumber the live ones, and their altitude estimate survives."""
    from stratowatch.atmosphere.wind import CalmWind
    from stratowatch.track.tracker import _Tracker

    obs, _ = _scans(2, 25, clutter=5.0, seed=9)
    no_alt = make_observations(
        [
            dict(time=t, lat=a, lon=b, sigma_h=500.0)
            for t, a, b in zip(obs.time, obs.lat, obs.lon, strict=True)
        ]
    )
    tr = _Tracker(no_alt, CalmWind(), BENCH_CONFIG)
    tr.run()
    created_rows = 29 * len(tr.status)
    assert tr.row_track.size < created_rows / 3
    res = tr.result("calm")
    assert sum(t.n_updates >= 20 for t in res.tracks) == 2
    assert all(np.isfinite(t.altitude.mean) for t in res.tracks)
