"""Tracking outputs: the reachability gate before the second look, status in the outputs, and
the repeat summary (issue 10, items 1 and 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.track import TrackerConfig, make_observations, track_observations
from stratowatch.track.filter import MotionModel
from stratowatch.track.geometry import offset_latlon
from stratowatch.track.output import reachable, repeat_summary, review, write_state_csv

CFG = TrackerConfig(
    motion=MotionModel(q_h=0.05, q_z=1e-9, shear_sigma=0.0, max_step=60.0),
    new_object_density=1e-10,
    init_velocity_sigma=30.0,
    delete_misses=3,
    tentative_misses=2,
    max_coast=600.0,
    record_coasting=True,
)


def _line_and(extra: list[tuple[float, float, float]]) -> list[dict[str, object]]:
    """An object at 20 m/s east near 45 N, one fix a minute for 20 min (500 m sigma), plus
    single reports at (time s, east m, north m) relative to its start."""
    rows: list[dict[str, object]] = []
    rng = np.random.default_rng(0)
    for k in range(20):
        e, n = 20.0 * 60.0 * k + rng.normal(0, 500.0), rng.normal(0, 500.0)
        lat, lon = offset_latlon(45.0, 5.0, e, n)
        rows.append(dict(time=1.7e9 + 60.0 * k, lat=float(lat), lon=float(lon), alt=18000.0,
                         sigma_alt=30.0, sigma_h=500.0, source="radar"))  # fmt: skip
    for t, e, n in extra:
        lat, lon = offset_latlon(45.0, 5.0, e, n)
        rows.append(dict(time=1.7e9 + t, lat=float(lat), lon=float(lon), alt=18000.0,
                         sigma_alt=30.0, sigma_h=500.0, source="radar"))  # fmt: skip
    return rows


def test_reachability_gate() -> None:
    """From the track's state at the candidate's time: a second report 2 km from the object in
    the same scan (the track takes the nearer one) is reachable, 40 km off is not (5 sigma of
    ~0.6 km); a candidate 30 min after the track ended (max_coast 10 min) is not, however close
    to the extrapolated path."""
    extra = [
        (600.0, 20.0 * 600.0, 2000.0),  # beside the object, same scan
        (900.0 + 5.0, 20.0 * 905.0, 40_000.0),  # 40 km north
        (1140.0 + 1800.0, 20.0 * 2940.0, 0.0),  # on the extrapolated path, 30 min later
    ]
    res = track_observations(make_observations(_line_and(extra)), wind="calm", config=CFG)
    conf = list(res.confirmed)
    assert len(conf) == 1
    cand = sorted((t for t in res.tracks if t not in conf), key=lambda t: float(t.time[0]))
    assert len(cand) == 3
    r = reachable(res, cand, conf)
    assert r[:, 0].tolist() == [True, False, False]
    # the 30-min-late one would pass without the max_coast limit
    import dataclasses

    loose = dataclasses.replace(res, config=dataclasses.replace(CFG, max_coast=7200.0))
    assert reachable(loose, cand, conf)[:, 0].tolist() == [True, False, True]
    rv = review(res, wind="calm", members=50)
    assert (rv.candidates, len(rv.verdicts), rv.unreachable) == (3, 1, 2)
    assert rv.verdicts[0].verdict == "same"


def test_state_csv_confirmed_only_and_statuses(tmp_path: Path) -> None:
    res = track_observations(
        make_observations(_line_and([(605.0, 60_000.0, 60_000.0)])), wind="calm", config=CFG
    )
    assert sorted(t.status for t in res.tracks) == ["confirmed", "deleted"]
    assert [t.ended for t in res.tracks if t.status == "deleted"] == [True]
    p = write_state_csv(tmp_path / "all.csv", res)
    statuses = {line.split(",")[1] for line in p.read_text().splitlines()[1:]}
    assert statuses == {"confirmed", "deleted"}
    q = write_state_csv(tmp_path / "c.csv", res, confirmed_only=True)
    assert {line.split(",")[1] for line in q.read_text().splitlines()[1:]} == {"confirmed"}


def test_repeat_summary_counts() -> None:
    rows = _line_and([])
    obs = make_observations(rows + rows[:3])
    res = track_observations(obs, wind="calm", config=CFG)
    s = repeat_summary(res.observations)
    assert s["n"] == 3 and s["by_rule"] == {"fix time": 3}
    assert s["max_delay_s"] is None and s["late_packets"] == 0
    assert res.tracks[0].n_updates == 20


def test_confirmed_only_requires_confirmation() -> None:
    with pytest.raises(Exception, match="confirm_hits"):
        TrackerConfig(confirm_hits=0)


def test_progress_callback_reaches_the_total() -> None:
    seen: list[tuple[int, int]] = []
    obs = make_observations(_line_and([]))
    track_observations(obs, wind="calm", config=CFG, progress=lambda d, n: seen.append((d, n)))
    assert len(seen) == 20 and seen[-1] == (20, 20)
    assert all(b[0] > a[0] for a, b in zip(seen, seen[1:], strict=False))
