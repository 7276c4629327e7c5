"""Incremental tracking: feed observations as they arrive, keep the tracker's state.

`LiveTracker` runs the same multi-target tracker as `track_observations` (same gating,
association, altitude bank and track management), but keeps its state between calls: a batch
of reports that are all later than what it has processed is tracked scan by scan on top of
the current state, at a cost that does not grow with the history.

Late reports
------------
A report is *late* when it is not later than the last processed scan (within the tracker's
``scan_window``), or when it is a sighting within the 120 s triangulation window of an
already-processed sighting. The tracker cannot insert a report into the past, so a batch with a
late report rewinds: the newest *checkpoint* (a copy of the tracker state, taken every
``checkpoint_every`` scans; the newest ``max_checkpoints`` are kept) taken before the late
report's time (less that margin) is restored, and every report after it (the stored ones and
the new batch, merged in time order) is tracked again. With no checkpoint that old, tracking
restarts from the first report. The result is therefore always the same as tracking all
reports at once (`track_observations` with ``smooth=False``), whatever the order of arrival:
order changes only the cost.

Repeats (`Observations.without_repeats`: the same payload, sequence number, position or fix
time as an earlier reception from the same source), which `track_observations` drops, are
dropped here too, also across batches: the rules run on the history and the batch together and
only the batch's repeats are dropped (the cost of that check grows with the history; the
tracking does not).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from .observations import Observations, make_observations
from .tracker import TrackerConfig, TrackingResult, _Tracker
from .triangulate import sightings_to_fixes

__all__ = ["LiveTracker", "LiveUpdate", "TRIANGULATION_WINDOW"]

TRIANGULATION_WINDOW = 120.0  # s, the default window of `sightings_to_fixes`


@dataclass(frozen=True)
class LiveUpdate:
    """What one `LiveTracker.add` did: reports taken (after repeats were dropped), repeats
    dropped, whether it rewound to a checkpoint (``replayed`` reports tracked again) and the
    ids of the tracks whose state changed."""

    added: int
    repeats: int
    rewound: bool
    replayed: int
    changed_tracks: tuple[int, ...]


@dataclass
class _Checkpoint:
    n_raw: int  # raw reports (time order) covered
    last_time: float  # time of the last scan processed
    state: _Tracker


class LiveTracker:
    """A tracker that takes observations batch by batch (see the module docstring).

    Parameters
    ----------
    wind : the wind the motion model drifts with (a `WindField` or a name for `open_wind`).
    config : tracker settings (default `TrackerConfig.for_wind`); ``smooth`` is ignored: live
        states are filtered, each known only from the reports up to its time.
    checkpoint_every : scans between checkpoints; max_checkpoints : how many are kept.
    """

    def __init__(
        self,
        *,
        wind: str | WindField = "calm",
        config: TrackerConfig | None = None,
        checkpoint_every: int = 200,
        max_checkpoints: int = 8,
    ) -> None:
        self.wind = open_wind(wind)
        cfg = config or TrackerConfig.for_wind(self.wind)
        if cfg.smooth:
            cfg = dataclasses.replace(cfg, smooth=False)
        self.config = cfg
        self.checkpoint_every = max(int(checkpoint_every), 1)
        self.max_checkpoints = max(int(max_checkpoints), 1)
        self._raw = make_observations([])  # every accepted report, time order
        self._codes: dict[str, int] = {}  # transmitter codes, first seen first
        self._reset()

    def _reset(self) -> None:
        self._tracker = _Tracker(make_observations([]), self.wind, self.config)
        self._n_raw = 0  # raw reports the tracker state covers
        self._last_time = -math.inf
        self._last_sighting = -math.inf
        self._scans_since_checkpoint = 0
        self._checkpoints: list[_Checkpoint] = []

    # --- public ------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Reports taken so far (repeats excluded)."""
        return len(self._raw)

    @property
    def last_time(self) -> float:
        """Time (epoch s) of the last processed scan (-inf before the first)."""
        return self._last_time

    def add(self, observations: Observations) -> LiveUpdate:
        """Track ``observations`` (any order) on top of the current state."""
        new = observations.sorted()
        n_in = len(new)
        if n_in and len(self._raw):
            # the same repeat rules as track_observations (`Observations.without_repeats`), on
            # the history and the batch together; only rows of the batch are dropped
            both = Observations.concat([self._raw, new])
            tagged = dataclasses.replace(both, line=np.arange(len(both), dtype=np.int64))
            kept = tagged.without_repeats().line
            mine = np.sort(kept[kept >= len(self._raw)]) - len(self._raw)
            new = new.take(mine)
        elif n_in:
            new = new.without_repeats()
        repeats = n_in - len(new)
        if len(new) == 0:
            return LiveUpdate(0, repeats, False, 0, ())
        before = self._fingerprints()
        t_min = float(new.time[0])
        margin = self.config.scan_window
        sight = new.time[new.kind == "sighting"]
        late = t_min <= self._last_time + margin
        if sight.size and float(sight.min()) - self._last_sighting <= TRIANGULATION_WINDOW:
            late = True
            margin = max(margin, TRIANGULATION_WINDOW)
        # merge into the raw history (time order, stable: earlier arrivals first)
        merged = Observations.concat([self._raw, new])
        order = np.argsort(merged.time, kind="stable")
        self._raw = merged.take(order)
        replayed = 0
        if late:
            self._rewind(t_min - margin)
            replayed = len(self._raw) - self._n_raw - len(new)
        self._process(self._raw.take(np.arange(self._n_raw, len(self._raw))))
        after = self._fingerprints()
        changed = tuple(sorted(t for t, f in after.items() if before.get(t) != f))
        return LiveUpdate(len(new), repeats, late, replayed, changed)

    def result(self) -> TrackingResult:
        """The current tracks (filtered states), decisions and observations."""
        return self._tracker.result(self.wind.meta.source)

    # --- internals ---------------------------------------------------------------------------
    def _fingerprints(self) -> dict[int, tuple[int, int, float]]:
        tr = self._tracker
        return {
            tid: (st, hits, last)
            for tid, (st, hits, last) in enumerate(
                zip(tr.status, tr.hits, tr.last_update, strict=True)
            )
        }

    def _rewind(self, before: float) -> None:
        """Restore the newest checkpoint whose last scan is earlier than ``before``."""
        while self._checkpoints and not self._checkpoints[-1].last_time < before:
            self._checkpoints.pop()
        if not self._checkpoints:
            self._reset()
            return
        cp = self._checkpoints[-1]
        self._tracker = copy.deepcopy(cp.state, {id(self.wind): self.wind})
        self._n_raw = cp.n_raw
        self._last_time = cp.last_time
        raw_done = self._raw.take(np.arange(cp.n_raw))
        done_sight = raw_done.time[raw_done.kind == "sighting"]
        self._last_sighting = float(done_sight.max()) if done_sight.size else -math.inf
        self._scans_since_checkpoint = 0

    def _checkpoint(self) -> None:
        state = copy.deepcopy(self._tracker, {id(self.wind): self.wind})
        self._checkpoints.append(_Checkpoint(self._n_raw, self._last_time, state))
        if len(self._checkpoints) > self.max_checkpoints:
            self._checkpoints.pop(0)
        self._scans_since_checkpoint = 0

    def _process(self, raw: Observations) -> None:
        """Track the raw reports ``raw`` (time order, all after the state's last scan), in
        pieces of about ``checkpoint_every`` scans with a checkpoint between pieces. Pieces
        split only where neither a scan nor a triangulation group can span the split."""
        n = len(raw)
        if n == 0:
            return
        t = raw.time
        is_sight = raw.kind == "sighting"
        sight_t = np.where(is_sight, t, -np.inf)
        last_sight_before = np.maximum.accumulate(sight_t)  # at or before i
        next_sight = np.minimum.accumulate(np.where(is_sight, t, np.inf)[::-1])[::-1]
        gaps = np.diff(t) > self.config.scan_window
        splittable = np.zeros(n, dtype=bool)  # a piece may start at i
        splittable[1:] = gaps & (next_sight[1:] - last_sight_before[:-1] > TRIANGULATION_WINDOW)
        start = 0
        while start < n:
            # about checkpoint_every distinct times per piece
            stop = start + 1
            scans = 1
            while stop < n and not (splittable[stop] and scans >= self.checkpoint_every):
                if gaps[stop - 1]:
                    scans += 1
                stop += 1
            if self._scans_since_checkpoint >= self.checkpoint_every:
                self._checkpoint()
            self._process_piece(raw.take(np.arange(start, stop)))
            start = stop

    def _process_piece(self, raw: Observations) -> None:
        obs = sightings_to_fixes(raw)
        tr = self._tracker
        base = len(tr.obs)
        # the tracker indexes its observations: append the new rows (private copies), and
        # their transmitter codes (stable: a code never changes once given)
        tr.obs = Observations.concat([tr.obs, obs.take(np.arange(len(obs)))])
        if hasattr(tr, "src_code"):
            codes = [self._codes.setdefault(str(x), len(self._codes)) for x in obs.source]
            tr.src_code = np.concatenate([tr.src_code, np.asarray(codes, dtype=np.int64)])
        n = len(tr.obs)
        window = self.config.scan_window
        t = tr.obs.time
        start = base
        while start < n:
            stop = start + 1
            while stop < n and t[stop] - t[start] <= window:
                stop += 1
            tr.scan(np.arange(start, stop, dtype=np.int64))
            self._scans_since_checkpoint += 1
            self._last_time = float(t[start])
            start = stop
        self._n_raw += len(raw)
        sight = raw.time[raw.kind == "sighting"]
        if sight.size:
            self._last_sighting = max(self._last_sighting, float(sight.max()))
