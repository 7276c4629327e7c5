"""The incremental tracker gives the same tracks as tracking everything at once, whatever the
order and grouping in which reports arrive; late reports rewind to a checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.io.readers import read_observations
from stratowatch.track import track_observations
from stratowatch.track.live import LiveTracker
from stratowatch.track.observations import Observations
from stratowatch.track.tracker import TrackingResult


def _same(a: TrackingResult, b: TrackingResult) -> None:
    assert [(t.track_id, t.status, len(t), t.n_updates) for t in a.tracks] == [
        (t.track_id, t.status, len(t), t.n_updates) for t in b.tracks
    ]
    for ta, tb in zip(a.tracks, b.tracks, strict=True):
        np.testing.assert_allclose(ta.time, tb.time)
        np.testing.assert_allclose(ta.lat, tb.lat, atol=1e-9)
        np.testing.assert_allclose(ta.lon, tb.lon, atol=1e-9)
        np.testing.assert_allclose(ta.alt, tb.alt, atol=1e-6)
        assert ta.altitude.mean == pytest.approx(tb.altitude.mean)
    assert [(d.action, d.track_id) for d in a.decisions] == [
        (d.action, d.track_id) for d in b.decisions
    ]


@pytest.fixture(scope="module")
def ns95(shared_data: Path) -> Observations:
    # two APRS trackers on the same balloon (UMD NS-95), 120 fixes
    files = sorted((shared_data / "tracks" / "umd_ns95").glob("*.txt"))
    return read_observations(files)


def test_in_order_batches_equal_batch_tracking(ns95: Observations) -> None:
    batch = track_observations(ns95, wind="climatology", smooth=False)
    live = LiveTracker(wind="climatology", checkpoint_every=20)
    for a in range(0, len(ns95), 7):
        up = live.add(ns95.take(np.arange(a, min(a + 7, len(ns95)))))
        assert up.added > 0
    _same(batch, live.result())
    assert len(live.result().tracks) == 1  # one balloon


def test_any_arrival_order_gives_the_same_tracks(ns95: Observations) -> None:
    batch = track_observations(ns95, wind="climatology", smooth=False)
    order = np.random.default_rng(3).permutation(len(ns95))
    live = LiveTracker(wind="climatology", checkpoint_every=10, max_checkpoints=4)
    rewinds = 0
    for a in range(0, len(ns95), 15):
        up = live.add(ns95.take(order[a : a + 15]))
        rewinds += up.rewound
    assert rewinds > 0  # late reports happened and were handled by rewinding
    _same(batch, live.result())


def test_repeats_across_batches_are_dropped(ns95: Observations) -> None:
    live = LiveTracker(wind="climatology")
    live.add(ns95.take(np.arange(0, 40)))
    up = live.add(ns95.take(np.arange(30, 60)))  # 10 repeats of reports already taken
    assert (up.added, up.repeats) == (20, 10)
    assert len(live) == 60
    _same(track_observations(ns95.take(np.arange(60)), wind="climatology", smooth=False),
          live.result())  # fmt: skip


def test_a_late_report_is_not_lost_and_rewinds(shared_data: Path) -> None:
    obs = read_observations(shared_data / "scenarios" / "feb2023_public_reports.csv")
    live = LiveTracker(wind="climatology", checkpoint_every=1)
    late = int(np.argsort(obs.time)[2])
    rest = np.setdiff1d(np.arange(len(obs)), [late])
    for i in rest:
        assert not live.add(obs.take([i])).rewound
    up = live.add(obs.take([late]))
    assert up.rewound and up.added == 1
    assert up.replayed == len(obs) - 3  # the reports after the late one, tracked again
    _same(track_observations(obs, wind="climatology", smooth=False), live.result())


def test_empty_and_smooth_config() -> None:
    from stratowatch.track.observations import make_observations

    live = LiveTracker(wind="calm")
    up = live.add(make_observations([]))
    assert up.added == 0 and live.result().tracks == ()


def test_a_checkpoint_shares_the_records_it_cannot_change(ns95: Observations) -> None:
    # a checkpoint (a deep copy of the tracker) shares what is only appended to, the recorded
    # states and the decisions, with lists of its own; copying them every checkpoint made the
    # live tracker's cost grow with its history. The working state is copied.
    import copy

    live = LiveTracker(wind="climatology", checkpoint_every=1000)
    live.add(ns95.take(np.arange(60)))
    tr = live._tracker
    cp = copy.deepcopy(tr, {id(live.wind): live.wind})
    assert cp.rec.chunks is not tr.rec.chunks and cp.decisions is not tr.decisions
    assert all(a is b for a, b in zip(cp.rec.chunks, tr.rec.chunks, strict=True))
    assert all(a is b for a, b in zip(cp.decisions, tr.decisions, strict=True))
    assert cp.obs is tr.obs and cp.wind is tr.wind
    assert cp.batch is not tr.batch and cp.batch.P is not tr.batch.P
    assert cp.status is not tr.status
    n_chunks, n_decisions = len(cp.rec.chunks), len(cp.decisions)
    live.add(ns95.take(np.arange(60, len(ns95))))
    assert (len(cp.rec.chunks), len(cp.decisions)) == (n_chunks, n_decisions)  # untouched
