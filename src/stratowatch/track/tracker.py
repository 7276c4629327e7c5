"""Multi-target tracking: gating, global-nearest-neighbour assignment, track management, the
altitude-hypothesis bank, and the per-report "same object?" probabilities.

For each scan (reports sharing a time, within ``scan_window``) every live track is predicted to
the scan time with the wind-aware model (`FilterBatch.predict`), all track-report innovations
are computed at once, pairs beyond the chi-square gate are excluded, and
`scipy.optimize.linear_sum_assignment` minimises the summed cost d^2 + ln det S (the GNN
assignment with the Gaussian likelihood cost [Blackman1999]_; or the Mahalanobis distance d),
confirmed tracks first, tentative ones on the reports left. Unassigned reports start
tentative tracks; ``confirm_hits`` updates confirm a track; ``delete_misses`` consecutive missed
scans (for scanning sensors) or ``max_coast`` seconds without an update end it. A gated pair
is refused when its likelihood is below the new-object density (a new object explains the
report better).

"Same object?" per report: with detection probability P_D and a density ``new_object_density``
(per m^2) of reports from new objects or clutter, the probability that the report belongs to
track k is

    p_k = P_D L_k(y_k) / (sum_j P_D L_j(y_j) + lambda)                     [BarShalom2009]_

and p_new = lambda / (same denominator), evaluated with every live track's predicted horizontal
distribution (the single-scan marginal association probability of JPDA/MHT). L_k is the
heavy-tailed likelihood of `stratowatch.track.likelihood` (Student-t core plus a measured
misreport rate), so a report far outside a track's gate gets a small but honest p_k, never a
30-sigma Gaussian tail. The gate and the assignment keep the Gaussian d^2 (the filter's own
model); each `Decision` says in words what was done and why, in agreement with its numbers.

Unknown altitude: a track started from a report without altitude carries one filter row per
candidate float altitude (``alt_hypotheses``). Each row drifts with the wind at its own
altitude; the product of its innovation likelihoods measures how well that altitude's wind
explains the observed drift. Posterior weights w_i ~ prior_i exp(loglik_i) give the altitude
estimate and its spread (a multiple-model bank, [BarShalom2001]_).
"""

from __future__ import annotations

import dataclasses
import math
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from ..errors import ConfigError, DomainError
from ..timeutil import iso, to_epoch
from .filter import LOG2PI, FilterBatch, MotionModel, wind_uv
from .geometry import enu_offset
from .likelihood import (
    MISREPORT,
    NEW_OBJECT_DENSITY,
    MisreportModel,
    clip_probability,
    probability_relation,
    report_loglik,
)
from .observations import Observations
from .smoother import SmootherData, smooth_track
from .triangulate import sightings_to_fixes

__all__ = [
    "TrackerConfig",
    "Track",
    "AltitudeEstimate",
    "TrackHistory",
    "Decision",
    "TrackingResult",
    "track_observations",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TENTATIVE, CONFIRMED, ENDED = 0, 1, 2
#: a track's status: ``confirmed`` (reached ``confirm_hits`` updates: a real object, whether or
#: not it ended later), ``tentative`` (not confirmed, still live at the end of the data),
#: ``deleted`` (ended before it was confirmed: clutter or a one-off report)
STATUSES = ("confirmed", "tentative", "deleted")


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (SI units).

    motion : process noise of the wind-aware model.
    p_detect : probability a live object is reported in a scan.
    new_object_density : density of reports from new objects or clutter, per m^2 (default
        1.96e-15: a new object a priori as likely as a tracked one, anywhere on Earth,
        `stratowatch.track.likelihood.NEW_OBJECT_DENSITY`; a clutter density for scanning
        sensors).
    misreport : misreport rates by kind for the "same object?" probabilities of decisions.
    gate_probability : chi-square gate (probability mass kept).
    confirm_hits : updates that confirm a track.
    delete_misses / tentative_misses : consecutive missed scans that end a confirmed /
        tentative track (None: only ``max_coast`` applies; right for sparse reports).
    max_coast : s without an update that end a track.
    init_velocity_sigma : one-sigma of a new track's velocity relative to the wind, m/s.
    init_vz_sigma : one-sigma of a new track's vertical speed when its altitude is known, m/s.
    alt_hypotheses : candidate altitudes (m) for tracks started without an altitude.
    assignment_cost : ``likelihood`` (d^2 + ln det S, default) or ``mahalanobis`` (d, as
        Stone Soup's distance hypothesiser) for the GNN assignment.
    refuse_unlikely : refuse a gated pair whose likelihood is below ``new_object_density``
        (a new object explains the report better); off = pure chi-square gating.
    scan_window : reports within this many seconds of a scan's first report share the scan.
    record_coasting : also record predicted states of tracks not updated in a scan.
    smooth : return fixed-interval (RTS) smoothed tracks, each state using all reports
        (default off: filtered states, each known only from reports up to its time).
    record_hypotheses : keep every altitude-hypothesis row of float-altitude tracks, so that
        `smooth_track` can follow the final altitude's row (implied by ``smooth``; without it
        a float-altitude track is smoothed along its most probable rows, restarting where
        that row changes).
    """

    motion: MotionModel = field(default_factory=MotionModel)
    p_detect: float = 0.9
    new_object_density: float = NEW_OBJECT_DENSITY
    misreport: MisreportModel = field(default_factory=lambda: MISREPORT)
    gate_probability: float = 0.9999
    confirm_hits: int = 3
    delete_misses: int | None = None
    tentative_misses: int | None = None
    max_coast: float = 3 * 86400.0
    init_velocity_sigma: float = 5.0
    init_vz_sigma: float = 5.0
    alt_hypotheses: tuple[float, ...] = tuple(float(a) for a in range(2000, 30001, 1000))
    refuse_unlikely: bool = True
    assignment_cost: Literal["likelihood", "mahalanobis"] = "likelihood"
    scan_window: float = 0.0
    record_coasting: bool = False
    smooth: bool = False
    record_hypotheses: bool = False

    @staticmethod
    def for_wind(wind: WindField) -> TrackerConfig:
        """Defaults matched to how well a wind source knows the real wind (assumed values,
        see docs/tracking.md): a forecast or sounding leaves ~3 m/s of vector error; a monthly
        climatology or calm air ~10 m/s that changes over a day or two (random-walk
        q = 2 sigma^2 / 2 days = 1.2e-3 m^2/s^3)."""
        kind = wind.meta.kind.lower()
        if "climatolog" in kind or "calm" in kind:
            return TrackerConfig(motion=MotionModel(q_h=1.2e-3), init_velocity_sigma=10.0)
        return TrackerConfig(motion=MotionModel(q_h=2e-4), init_velocity_sigma=3.0)

    def __post_init__(self) -> None:
        checks = (
            (0.0 < self.p_detect <= 1.0, "p_detect", "0 < p_detect <= 1"),
            (self.new_object_density > 0.0, "new_object_density", "> 0 (per m^2)"),
            (0.0 < self.gate_probability < 1.0, "gate_probability", "0 < p < 1"),
            (self.confirm_hits >= 1, "confirm_hits", ">= 1"),
            (self.delete_misses is None or self.delete_misses >= 1, "delete_misses", ">= 1"),
            (
                self.tentative_misses is None or self.tentative_misses >= 1,
                "tentative_misses",
                ">= 1",
            ),
            (self.max_coast > 0.0, "max_coast", "> 0 s"),
            (self.init_velocity_sigma > 0.0, "init_velocity_sigma", "> 0 m/s"),
            (self.init_vz_sigma > 0.0, "init_vz_sigma", "> 0 m/s"),
            (len(self.alt_hypotheses) >= 1, "alt_hypotheses", "at least one altitude (m)"),
            (
                self.assignment_cost in ("likelihood", "mahalanobis"),
                "assignment_cost",
                "likelihood or mahalanobis",
            ),
            (self.scan_window >= 0.0, "scan_window", ">= 0 s"),
        )
        for ok, name, expected in checks:
            if not ok:
                raise ConfigError(
                    f"TrackerConfig.{name} = {getattr(self, name)!r} is invalid; expected "
                    f"{expected}"
                )

    @staticmethod
    def from_dict(
        data: dict[str, Any], *, base: TrackerConfig | None = None, source: str = "config"
    ) -> TrackerConfig:
        """``base`` (default `TrackerConfig()`) with the values of ``data``: top-level keys are
        field names, ``motion`` (and ``misreport``) a table of `MotionModel`
        (`MisreportModel`) field names. Unknown keys and wrong types raise `ConfigError`
        naming ``source``, the key and the valid keys."""
        return _from_dict(TrackerConfig, data, base or TrackerConfig(), source, "")

    @staticmethod
    def from_toml(path: str | Path, *, base: TrackerConfig | None = None) -> TrackerConfig:
        """`from_dict` on a TOML file (``tomllib``)."""
        import tomllib

        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"{p}: cannot read the tracker configuration ({exc.strerror})"
            ) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: not a valid TOML file: {exc}") from None
        return TrackerConfig.from_dict(data, base=base, source=str(p))


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(tp))
    if origin is tuple:
        return "a list of numbers"
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    return {float: "a number", int: "an integer", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _convert(tp: Any, value: Any) -> tuple[bool, Any]:
    """(ok, converted) for a TOML value against a field type."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        for a in get_args(tp):
            if a is type(None):
                continue
            ok, v = _convert(a, value)
            if ok:
                return True, v
        return False, None
    if origin is Literal:
        return (value in get_args(tp)), value
    if origin is tuple:
        if not isinstance(value, list) or not value:
            return False, None
        items = [_convert(float, v) for v in value]
        return all(ok for ok, _ in items), tuple(v for _, v in items)
    if tp is bool:
        return isinstance(value, bool), value
    if tp is int:
        return (isinstance(value, int) and not isinstance(value, bool)), value
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return (ok and math.isfinite(float(value))), float(value) if ok else None
    return False, None


def _from_dict(cls: Any, data: dict[str, Any], base: Any, source: str, table: str) -> Any:
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    where = f" in [{table}]" if table else ""
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(
                f"{source}: unknown key '{key}'{where}; valid keys: {', '.join(names)}"
            )
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{source}: '{key}' must be a table ([{key}]) of {getattr(tp, '__name__', key)} fields: "
                    f"{', '.join(f.name for f in dataclasses.fields(tp))}"
                )
            sub = f"{table}.{key}" if table else key
            changes[key] = _from_dict(tp, value, getattr(base, key), source, sub)
            continue
        ok, conv = _convert(tp, value)
        if not ok:
            raise ConfigError(
                f"{source}: '{key}'{where} = {value!r} has the wrong type; expected "
                f"{_type_name(tp)}"
            )
        changes[key] = conv
    try:
        return dataclasses.replace(base, **changes)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def _spacing_var(hyp: FloatArray) -> float:
    """Variance of a uniform spread over one hypothesis-grid spacing (m^2)."""
    return float(np.median(np.diff(hyp)) ** 2 / 12.0) if hyp.size > 1 else 0.0


def _mixture(hyp: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Mean and standard deviation (m) of the altitude mixture with weights ``w``."""
    mean = float(np.sum(w * hyp))
    var = float(np.sum(w * (hyp - mean) ** 2)) + _spacing_var(hyp)
    return mean, math.sqrt(var)


def _normalised(score: FloatArray) -> FloatArray:
    """Posterior weights exp(score) normalised along the last axis."""
    w = np.exp(score - score.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return w


def _altitude_method(hits: int, reported_alt: bool) -> str:
    if hits < 2:
        return "prior only (one report)"
    return "wind drift + reported altitudes" if reported_alt else "wind drift"


@dataclass(frozen=True)
class AltitudeEstimate:
    """Altitude of a track: mean and one-sigma (m), how it was obtained, and for tracks
    started without altitude the hypothesis weights, overall and from the drift alone."""

    mean: float
    sigma: float
    method: str
    hypotheses: FloatArray | None = None
    weights: FloatArray | None = None
    drift_mean: float | None = None
    drift_sigma: float | None = None
    drift_weights: FloatArray | None = None

    @staticmethod
    def from_weights(
        hypotheses: FloatArray, weights: FloatArray, drift_weights: FloatArray, method: str
    ) -> AltitudeEstimate:
        """The estimate of a hypothesis bank from its normalised posterior weights (overall and
        from the horizontal drift alone): the mixture mean and standard deviation, each
        hypothesis spread uniformly over one grid spacing (variance spacing^2 / 12)."""
        mean, sd = _mixture(hypotheses, weights)
        md, sdd = _mixture(hypotheses, drift_weights)
        return AltitudeEstimate(
            mean, sd, method, hypotheses, weights.copy(), md, sdd, drift_weights.copy()
        )

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mean_m": round(self.mean, 1),
            "sigma_m": round(self.sigma, 1),
            "method": self.method,
        }
        if self.drift_mean is not None and self.drift_sigma is not None:
            out["from_drift_alone_m"] = round(self.drift_mean, 1)
            out["from_drift_alone_sigma_m"] = round(self.drift_sigma, 1)
        return out


@dataclass(frozen=True, eq=False)
class TrackHistory:
    """What the filter knew at each recorded state of a track, so that `Track.as_of` can cut
    the track at any time exactly as a run without the later reports would have left it.

    seq : (n,) the tracker's record number of each state.
    hits : (n,) the track's update count after each state.
    source, kind : (n,) source and kind of the report that updated each state (not used when
        coasting).
    reported_alt : (n,) whether a reported altitude had been used up to each state.
    alt_weights, drift_weights : (n, K) posterior weights of the altitude hypotheses after
        each state (overall, and from the horizontal drift alone); None for a track started
        with a measured altitude.
    records : smoother records of every altitude-hypothesis row of the track (kept with
        ``record_hypotheses``), so a cut track is smoothed along the row most probable at
        the cut; None otherwise.
    confirmed_time, ended_time : when the track was confirmed / ended (NaN: not yet).
    """

    seq: IntArray
    hits: IntArray
    source: tuple[str, ...]
    kind: tuple[str, ...]
    reported_alt: npt.NDArray[np.bool_]
    alt_weights: FloatArray | None
    drift_weights: FloatArray | None
    records: FloatArray | None
    confirmed_time: float
    ended_time: float

    def status_at(self, t: float) -> str:
        """The track's status (`STATUSES`) after the last scan at or before ``t``."""
        if self.confirmed_time <= t:
            return "confirmed"
        return "deleted" if self.ended_time <= t else "tentative"


@dataclass(frozen=True, eq=False)
class Track:
    """One track's states (arrays of length n, time-ordered; SI units): filtered (each state
    from the reports up to its time: ``kind == "filtered"``), or RTS-smoothed (each state from
    all the track's reports, hindsight: ``kind == "smoothed"``, see `smooth_track`).

    Columns: time (epoch s), lat, lon (deg), alt (m), sigma_e, sigma_n, sigma_alt (m),
    ve, vn, vz (m/s, ground velocity), sigma_ve, sigma_vn (m/s), wind_u, wind_v (m/s, the
    model wind at the state), obs_index (row of the observation that updated it, -1 when
    coasting). For a float-altitude track (started without altitude) ``alt``/``sigma_alt``
    are the hypothesis-mixture estimate: as known at each state when filtered, from all
    reports when smoothed. ``altitude`` is the estimate after the last state.
    """

    track_id: int
    status: str
    time: FloatArray
    lat: FloatArray
    lon: FloatArray
    alt: FloatArray
    sigma_e: FloatArray
    sigma_n: FloatArray
    sigma_alt: FloatArray
    ve: FloatArray
    vn: FloatArray
    vz: FloatArray
    sigma_ve: FloatArray
    sigma_vn: FloatArray
    wind_u: FloatArray
    wind_v: FloatArray
    obs_index: IntArray
    sources: tuple[str, ...]
    n_updates: int
    altitude: AltitudeEstimate
    smoothed: bool = False
    rts: SmootherData | None = field(default=None, repr=False)
    ended: bool = False
    kinds: tuple[str, ...] = ()
    history: TrackHistory | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.time.shape[0])

    @property
    def kind(self) -> Literal["filtered", "smoothed"]:
        """``filtered`` (causal: each state from the reports up to its time) or ``smoothed``
        (hindsight: each state from all the track's reports)."""
        return "smoothed" if self.smoothed else "filtered"

    def as_of(self, t: float | str) -> Track:
        """This track as it stood at time ``t``: the filtered states at or before ``t``, the
        altitude estimate, update count, sources and status after the last of them.

        Identical to the track a run without the reports after ``t`` produces (the tracker is
        sequential; `tests/track/test_as_of.py`), so a forecast from it cannot see later
        reports. Raises `DomainError` for a smoothed track (its states use later reports:
        cut the filtered track, then smooth it), a track without history (built by hand) or
        ``t`` before the track's first state.
        """
        when = to_epoch(t)
        if self.smoothed:
            raise DomainError(
                f"track {self.track_id} is smoothed: every state uses all its reports; take "
                "as_of of the filtered track (then smooth the result if wanted)"
            )
        h = self.history
        if h is None:
            raise DomainError(
                f"track {self.track_id} has no filter history (built by hand); as_of needs a "
                "track from track_observations"
            )
        k = int(np.searchsorted(self.time, when, side="right"))
        if k == 0:
            raise DomainError(
                f"track {self.track_id} starts at {iso(self.time[0])}, after {iso(when)}"
            )
        if k == len(self) and h.status_at(when) == self.status:
            return self
        cut = slice(0, k)
        hits = int(h.hits[k - 1])
        if h.alt_weights is not None and h.drift_weights is not None:
            assert self.altitude.hypotheses is not None
            altitude = AltitudeEstimate.from_weights(
                self.altitude.hypotheses,
                h.alt_weights[k - 1],
                h.drift_weights[k - 1],
                _altitude_method(hits, bool(h.reported_alt[k - 1])),
            )
        else:
            altitude = AltitudeEstimate(
                float(self.alt[k - 1]), float(self.sigma_alt[k - 1]), "measured"
            )
        rts = self.rts
        if rts is not None:
            if h.records is not None:
                recs = h.records[h.records[:, 0] <= h.seq[k - 1] + 0.5]
                rts = _smoother_data(h.seq[cut], recs)
            else:
                rts = SmootherData(
                    uid=rts.uid[cut],
                    mean=rts.mean[cut],
                    P=rts.P[cut],
                    prior=rts.prior[cut],
                    prior_P=rts.prior_P[cut],
                    wind=rts.wind[cut],
                    vreset=rts.vreset[cut],
                )
        history = TrackHistory(
            seq=h.seq[cut],
            hits=h.hits[cut],
            source=h.source[:k],
            kind=h.kind[:k],
            reported_alt=h.reported_alt[cut],
            alt_weights=None if h.alt_weights is None else h.alt_weights[cut],
            drift_weights=None if h.drift_weights is None else h.drift_weights[cut],
            records=None if h.records is None else h.records[h.records[:, 0] <= h.seq[k - 1] + 0.5],
            confirmed_time=h.confirmed_time if h.confirmed_time <= when else math.nan,
            ended_time=h.ended_time if h.ended_time <= when else math.nan,
        )
        cols = {
            name: getattr(self, name)[cut].copy()
            for name in (
                "time", "lat", "lon", "alt", "sigma_e", "sigma_n", "sigma_alt", "ve", "vn",
                "vz", "sigma_ve", "sigma_vn", "wind_u", "wind_v", "obs_index",
            )
        }  # fmt: skip
        return dataclasses.replace(
            self,
            **cols,
            status=h.status_at(when),
            sources=tuple(sorted({h.source[i] for i in np.flatnonzero(cols["obs_index"] >= 0)})),
            ended=bool(h.ended_time <= when),
            kinds=tuple(sorted({h.kind[i] for i in np.flatnonzero(cols["obs_index"] >= 0)})),
            n_updates=hits,
            altitude=altitude,
            rts=rts,
            history=history,
        )

    def __repr__(self) -> str:
        return (
            f"Track({self.track_id}, {self.status}, n={len(self)}, "
            f"{iso(self.time[0])}..{iso(self.time[-1])}, alt={self.altitude.mean:.0f}"
            f"+-{self.altitude.sigma:.0f} m)"
        )

    def state_at(self, t: float) -> int:
        """Index of the last state at or before ``t`` (0 when ``t`` precedes the track)."""
        return max(int(np.searchsorted(self.time, t, side="right")) - 1, 0)

    def smooth(self, wind: WindField | None = None) -> Track:
        """This track RTS-smoothed (`smooth_track`)."""
        from .smoother import smooth_track

        return smooth_track(self, wind)

    def describe(self) -> dict[str, Any]:
        return {
            "track_id": self.track_id,
            "status": self.status,
            "ended": self.ended,
            "smoothed": self.smoothed,
            "start": iso(self.time[0]),
            "end": iso(self.time[-1]),
            "n_states": len(self),
            "n_updates": self.n_updates,
            "sources": list(self.sources),
            "first": [round(float(self.lat[0]), 4), round(float(self.lon[0]), 4)],
            "last": [round(float(self.lat[-1]), 4), round(float(self.lon[-1]), 4)],
            "altitude": self.altitude.describe(),
        }


@dataclass(frozen=True)
class Decision:
    """What the tracker did with one observation and why.

    ``action``: "update", "new track" or "skipped"; ``track_id``: the track updated or
    started; ``p_track``: probability that the report belongs to the track it updated;
    ``best_track``/``best_p``: the most probable existing track (for a new track: the one it
    is not); ``distance_km``/``nsigma``: distance to that track's prediction, in km and in
    standard deviations; ``gated``: inside that track's gate; ``reason`` (new tracks): why no
    track took it (``no track``, ``outside gate``: outside every live track's gate,
    ``refused``: its Gaussian likelihood under every gated track is below the new-object
    density, ``taken``: the tracks it fits took other reports of this scan); ``note``: a full
    explanation for special cases (sightings, radar).
    """

    obs_index: int
    time: float
    kind: str
    source: str
    action: str
    track_id: int | None
    p_track: float | None
    p_new: float
    best_track: int | None = None
    best_p: float | None = None
    distance_km: float | None = None
    nsigma: float | None = None
    gated: bool = True
    note: str = ""
    reason: str = ""

    @property
    def explanation(self) -> str:
        """One plain-language sentence whose words agree with its numbers: "is track k" only
        with p(track k) >= 0.5, "is a different object" only with p(new) >= 0.5."""
        head = f"{self.kind} {iso(self.time)} from {self.source}"
        if self.note:
            return f"{head} {self.note}"
        fp = probability_relation
        where = ""
        if self.distance_km is not None and self.nsigma is not None:
            where = f" ({self.distance_km:.1f} km from its prediction, {self.nsigma:.1f} sigma)"
        if self.action == "update":
            p = self.p_track if self.p_track is not None else math.nan
            if p >= 0.5:
                return (
                    f"{head} is track {self.track_id}: p(same) {fp(p)}, "
                    f"p(new) {fp(self.p_new)}{where}"
                )
            return (
                f"{head} was assigned to track {self.track_id} (the best joint assignment of "
                f"its scan) although p(same as track {self.track_id}) {fp(p)} only, "
                f"p(new) {fp(self.p_new)}{where}"
            )
        if self.best_track is None:
            return f"{head}: no existing track; new track {self.track_id}"
        k = self.best_track
        pb = self.best_p if self.best_p is not None else 0.0
        if pb >= 0.5:
            verdict = f"probably track {k} (p(same) {fp(pb)}, p(new) {fp(self.p_new)})"
        elif self.p_new >= 0.5:
            what = "a different object" if self.p_new >= 0.95 else "probably a different object"
            verdict = f"{what}: p(same as track {k}) {fp(pb)}, p(new) {fp(self.p_new)}"
        else:
            verdict = (
                f"ambiguous (cannot tell): p(same as track {k}, the most likely) {fp(pb)}, "
                f"p(new) {fp(self.p_new)}"
            )
        why = {
            "outside gate": f"outside track {k}'s gate",
            "refused": f"the filter's Gaussian likelihood under track {k} is below the "
            "new-object density",
            "taken": f"track {k} took another report of this scan",
        }.get(self.reason, "")
        kept = "; not used to update it" if pb >= 0.5 else ""
        return (
            f"{head} is {verdict}{where}{kept}; {why + '; ' if why else ''}"
            f"new track {self.track_id}"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "obs": self.obs_index,
            "time": iso(self.time),
            "kind": self.kind,
            "source": self.source,
            "action": self.action,
            "track_id": self.track_id,
            "p_same": None if self.p_track is None else clip_probability(self.p_track),
            "p_new": clip_probability(self.p_new),
            "best_track": self.best_track,
            "best_p_same": None if self.best_p is None else clip_probability(self.best_p),
            "reason": self.reason or None,
            "explanation": self.explanation,
        }


@dataclass(frozen=True, eq=False)
class TrackingResult:
    """Tracks, the per-observation decisions, the input observations and their issues."""

    tracks: tuple[Track, ...]
    observations: Observations
    decisions: tuple[Decision, ...]
    wind_source: str
    config: TrackerConfig

    def track(self, track_id: int) -> Track:
        for t in self.tracks:
            if t.track_id == track_id:
                return t
        raise KeyError(track_id)

    @property
    def confirmed(self) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.n_updates >= self.config.confirm_hits)

    def as_of(self, t: float | str) -> TrackingResult:
        """The result as it stood at time ``t``: the observations up to ``t``, the decisions
        about them, and every track started by then cut at ``t`` (`Track.as_of`). The same as
        `track_observations` on the observations up to ``t`` (``as_of=t``)."""
        when = to_epoch(t)
        n = int(np.searchsorted(self.observations.time, when, side="right"))
        return dataclasses.replace(
            self,
            tracks=tuple(tr.as_of(when) for tr in self.tracks if tr.time[0] <= when),
            observations=self.observations.take(np.arange(n)),
            decisions=tuple(d for d in self.decisions if d.obs_index < n),
        )


class _Recorder:
    """Collects state rows scan by scan (arrays), split into tracks at the end."""

    def __init__(self) -> None:
        self.chunks: list[FloatArray] = []
        self.rts_chunks: list[FloatArray] = []
        self.weight_chunks: list[FloatArray] = []
        self.n = 0

    def add_rts(self, batch: FilterBatch, rows: IntArray, seq: IntArray, is_map: bool) -> None:
        """Smoother data of ``rows`` for record numbers ``seq``: [seq, uid, is_map, mean(6),
        wind(2), P(36), prior(6), prior_P(36), vreset] (90 columns)."""
        m = rows.size
        self.rts_chunks.append(
            np.column_stack(
                [
                    seq.astype(np.float64),
                    batch.uid[rows].astype(np.float64),
                    np.full(m, float(is_map)),
                    batch.mean(rows),
                    batch.wind[rows],
                    batch.P[rows].reshape(m, 36),
                    batch.prior[rows],
                    batch.prior_P[rows].reshape(m, 36),
                    batch.vreset[rows].astype(np.float64),
                ]
            )
        )

    def rts_table(self) -> FloatArray:
        if not self.rts_chunks:
            return np.zeros((0, 90))
        return np.concatenate(self.rts_chunks)

    def add(
        self,
        batch: FilterBatch,
        rows: IntArray,
        track_ids: IntArray,
        obs_index: IntArray,
        hits: IntArray,
        alt: FloatArray,
        sigma_alt: FloatArray,
    ) -> IntArray:
        """Record the states of ``rows`` (with the tracks' update counts and altitude
        estimates); returns their record numbers."""
        if rows.size == 0:
            return np.zeros(0, dtype=np.int64)
        seq = np.arange(self.n, self.n + rows.size, dtype=np.int64)
        self.n += rows.size
        self.add_rts(batch, rows, seq, True)
        P = batch.P[rows]
        vel = batch.velocity(rows)
        self.chunks.append(
            np.column_stack(
                [
                    track_ids.astype(np.float64),
                    batch.t[rows],
                    batch.lat[rows],
                    batch.lon[rows],
                    alt,
                    np.sqrt(P[:, 0, 0]),
                    np.sqrt(P[:, 1, 1]),
                    sigma_alt,
                    vel,
                    np.sqrt(P[:, 3, 3]),
                    np.sqrt(P[:, 4, 4]),
                    batch.wind[rows],
                    obs_index.astype(np.float64),
                    seq.astype(np.float64),
                    hits.astype(np.float64),
                ]
            )
        )
        return seq

    def add_weights(self, seq: IntArray, w: FloatArray, wd: FloatArray) -> None:
        """Altitude-hypothesis weights (overall, drift alone) after the states ``seq``."""
        if seq.size:
            self.weight_chunks.append(np.column_stack([seq.astype(np.float64), w, wd]))

    def weight_table(self, k: int) -> FloatArray:
        if not self.weight_chunks:
            return np.zeros((0, 1 + 2 * k))
        out = np.concatenate(self.weight_chunks)
        return out[np.argsort(out[:, 0], kind="stable")]

    def table(self) -> FloatArray:
        if not self.chunks:
            return np.zeros((0, 18))
        return np.concatenate(self.chunks)


class _Tracker:
    def __init__(self, obs: Observations, wind: WindField, cfg: TrackerConfig) -> None:
        self.obs = obs
        self.wind = wind
        self.cfg = cfg
        self.batch = FilterBatch()
        self.row_track = np.zeros(0, dtype=np.int64)
        self.row_logprior = np.zeros(0)
        self.row_bank = np.zeros(0, dtype=bool)
        # per track
        self.status: list[int] = []
        self.hits: list[int] = []
        self.misses: list[int] = []
        self.last_update: list[float] = []
        self.sources: list[set[str]] = []
        # transmitters (as codes) feeding each track, first one first
        self.src_code = np.unique(obs.source, return_inverse=True)[1].astype(np.int64)
        self.track_src: list[list[int]] = []
        self.track_src1 = np.zeros(0, dtype=np.int64)
        self.track_multi = np.zeros(0, dtype=bool)
        self.track_first_row = np.zeros(0, dtype=np.int64)
        self.track_bank = np.zeros(0, dtype=bool)
        # when each track was confirmed / ended (NaN: not yet), for `Track.as_of`
        self.confirmed_at: list[float] = []
        self.ended_at: list[float] = []
        self.hyp = np.asarray(cfg.alt_hypotheses, dtype=np.float64)
        self.rec = _Recorder()
        self.decisions: list[Decision] = []
        self.gate2 = float(chi2.ppf(cfg.gate_probability, 2))
        self.gate3 = float(chi2.ppf(cfg.gate_probability, 3))

    # --- tracks ------------------------------------------------------------------------------
    def live_tracks(self) -> IntArray:
        st = np.asarray(self.status, dtype=np.int64)
        return np.flatnonzero(st != ENDED).astype(np.int64)

    def map_rows(self, tracks: IntArray) -> IntArray:
        """The most probable row (altitude hypothesis) of each track in ``tracks``."""
        if tracks.size == 0:
            return np.zeros(0, dtype=np.int64)
        if not self.track_bank[tracks].any():
            return self.track_first_row[tracks]
        live = np.isin(self.row_track, tracks)
        rows = np.flatnonzero(live)
        score = self.batch.loglik[rows] + self.row_logprior[rows]
        order = np.lexsort((-score, self.row_track[rows]))
        r_sorted = rows[order]
        tr_sorted = self.row_track[r_sorted]
        first = np.concatenate([[True], tr_sorted[1:] != tr_sorted[:-1]])
        best = dict(zip(tr_sorted[first].tolist(), r_sorted[first].tolist(), strict=True))
        return np.array([best[int(t)] for t in tracks], dtype=np.int64)

    def new_tracks(self, idx: IntArray) -> IntArray:
        """Start one tentative track per observation index (positional kinds), all at once."""
        o = self.obs
        cfg = self.cfg
        n = idx.size
        first = len(self.status)
        ids = np.arange(first, first + n, dtype=np.int64)
        self.status += [TENTATIVE] * n
        # one update: confirmed already when confirm_hits is 1 (`STATUSES`)
        self.confirmed_at += (
            o.time[idx] if cfg.confirm_hits <= 1 else np.full(n, math.nan)
        ).tolist()
        self.ended_at += [math.nan] * n
        self.hits += [1] * n
        self.misses += [0] * n
        self.last_update += o.time[idx].tolist()
        self.sources += [{s} for s in o.source[idx].tolist()]
        self.track_src += [[c] for c in self.src_code[idx].tolist()]
        self.track_src1 = np.concatenate([self.track_src1, self.src_code[idx]])
        self.track_multi = np.concatenate([self.track_multi, np.zeros(idx.size, dtype=bool)])
        known = np.isfinite(o.alt[idx])
        hyp = np.asarray(cfg.alt_hypotheses, dtype=np.float64)
        K = hyp.size
        # rows: one per track with a measured altitude; one per hypothesis otherwise
        reps = np.where(known, 1, K)
        obs_of_row = np.repeat(idx, reps)
        tid_of_row = np.repeat(ids, reps)
        bank = np.repeat(~known, reps)
        m = obs_of_row.size
        hyp_index = np.arange(m) - np.repeat(np.cumsum(reps) - reps, reps)
        alts = np.where(bank, hyp[np.minimum(hyp_index, K - 1)], o.alt[obs_of_row])
        sa = np.where(np.isfinite(o.sigma_alt[obs_of_row]), o.sigma_alt[obs_of_row], 1000.0)
        # hypothesis rows hold their altitude: reports score them, never move them
        sig_alt = np.where(bank, 1.0, sa)
        vz_sig = np.where(bank, 0.0, cfg.init_vz_sigma)
        qz = np.where(bank, 0.0, np.nan)
        logprior = np.where(bank, -math.log(K), 0.0)
        sig_h2 = (
            o.sigma_h[obs_of_row] ** 2 + (o.time_sigma[obs_of_row] * cfg.init_velocity_sigma) ** 2
        )
        P = np.zeros((m, 6, 6))
        P[:, 0, 0] = sig_h2
        P[:, 1, 1] = sig_h2
        P[:, 2, 2] = sig_alt**2
        P[:, 3, 3] = cfg.init_velocity_sigma**2
        P[:, 4, 4] = cfg.init_velocity_sigma**2
        P[:, 5, 5] = vz_sig**2
        t = o.time[obs_of_row]
        rows = self.batch.add(t, o.lat[obs_of_row], o.lon[obs_of_row], alts, P, qz=qz)
        # the wind at the start, so the first recorded velocity is meaningful
        u, v = wind_uv(self.wind, t, self.batch.lat[rows], self.batch.lon[rows], alts)
        self.batch.wind[rows, 0] = u
        self.batch.wind[rows, 1] = v
        self.row_track = np.concatenate([self.row_track, tid_of_row])
        self.row_logprior = np.concatenate([self.row_logprior, logprior])
        self.row_bank = np.concatenate([self.row_bank, bank])
        first_row = rows[np.cumsum(reps) - reps]
        self.track_first_row = np.concatenate([self.track_first_row, first_row])
        self.track_bank = np.concatenate([self.track_bank, ~known])
        self.record(first_row, ids, idx)
        return ids

    def bank_weights(self, tracks: IntArray) -> tuple[FloatArray, FloatArray]:
        """Current posterior weights (n, K) of the altitude hypotheses of float-altitude
        ``tracks``, overall and from the horizontal drift alone (each track's K rows are
        contiguous from its first row)."""
        rows = self.track_first_row[tracks][:, None] + np.arange(self.hyp.size)[None, :]
        prior = self.row_logprior[rows]
        return (
            _normalised(self.batch.loglik[rows] + prior),
            _normalised(self.batch.loglik_h[rows] + prior),
        )

    def record(self, rows: IntArray, tracks: IntArray, obs_index: IntArray) -> None:
        """Record the states of ``rows`` (one per track) with each track's altitude estimate
        as known now (the hypothesis mixture for float-altitude tracks); when smoothing, also
        every other altitude-hypothesis row of float-altitude tracks (the smoother follows one
        row)."""
        alt = self.batch.alt[rows].copy()
        sigma_alt = np.sqrt(self.batch.P[rows, 2, 2])
        bank = self.track_bank[tracks]
        if bank.any():
            w, wd = self.bank_weights(tracks[bank])
            mean = w @ self.hyp
            var = np.sum(w * (self.hyp[None, :] - mean[:, None]) ** 2, axis=1)
            alt[bank] = mean
            sigma_alt[bank] = np.sqrt(var + _spacing_var(self.hyp))
        hits = np.asarray(self.hits, dtype=np.int64)[tracks]
        seq = self.rec.add(self.batch, rows, tracks, obs_index, hits, alt, sigma_alt)
        if bank.any():
            self.rec.add_weights(seq[bank], w, wd)
        if not (self.cfg.smooth or self.cfg.record_hypotheses):
            return
        for r, tid, s in zip(rows.tolist(), tracks.tolist(), seq.tolist(), strict=True):
            if not self.track_bank[tid]:
                continue
            others = np.flatnonzero((self.row_track == tid) & (np.arange(self.row_track.size) != r))
            if others.size:
                self.rec.add_rts(
                    self.batch, others.astype(np.int64), np.full(others.size, s), False
                )

    # --- one scan ----------------------------------------------------------------------------
    def scan(self, idx: IntArray) -> None:
        o = self.obs
        cfg = self.cfg
        t_scan = float(o.time[idx].max())
        live = self.live_tracks()
        if live.size:
            # a track silent for longer than max_coast is over before this scan is associated
            # (not only after it: a long gap without any scan must not revive it)
            last = np.asarray(self.last_update, dtype=np.float64)[live]
            stale = live[t_scan - last > cfg.max_coast]
            for tid in stale.tolist():
                self.status[tid] = ENDED
                self.ended_at[tid] = t_scan
            live = live[t_scan - last <= cfg.max_coast]
        if live.size:
            live_rows = np.flatnonzero(np.isin(self.row_track, live)).astype(np.int64)
            self.batch.predict(live_rows, t_scan, self.wind, cfg.motion)
            self.batch.mark_prior(live_rows)
        pos = idx[o.positional[idx]]
        ang = idx[~o.positional[idx]]
        updated_tracks: list[int] = []
        updated_obs: list[int] = []
        if pos.size:
            ut, uo = self.associate_positions(live, pos)
            updated_tracks += ut
            updated_obs += uo
        for i in ang.tolist():
            live_now = self.live_tracks()
            tid = self.associate_angle(live_now, i)
            if tid is not None:
                updated_tracks.append(tid)
                updated_obs.append(i)
        self.manage(live, updated_tracks, updated_obs, t_scan)
        # record the states
        if updated_tracks:
            tr = np.array(updated_tracks, dtype=np.int64)
            rows = self.map_rows(tr)
            self.record(rows, tr, np.array(updated_obs, dtype=np.int64))
        if cfg.record_coasting:
            # tracks live before this scan and not updated in it (new tracks have their state)
            coast = np.setdiff1d(
                np.intersect1d(live, self.live_tracks()),
                np.array(updated_tracks, dtype=np.int64),
            )
            if coast.size:
                rows = self.map_rows(coast)
                self.record(rows, coast, np.full(coast.size, -1, dtype=np.int64))
        self.compact()

    def compact(self, min_rows: int = 2000) -> None:
        """Drop the filter rows of ended tracks once they outnumber the live ones (a long feed
        with clutter would otherwise grow without bound); the altitude estimates were recorded
        with each state."""
        if self.row_track.size < min_rows:
            return
        st = np.asarray(self.status, dtype=np.int64)
        dead = st[self.row_track] == ENDED
        if int(dead.sum()) * 2 < self.row_track.size:
            return
        b = self.batch
        keep = ~dead
        new_index = np.cumsum(keep) - 1
        b.keep(keep)
        self.row_track = self.row_track[keep]
        self.row_logprior = self.row_logprior[keep]
        self.row_bank = self.row_bank[keep]
        alive = st != ENDED
        self.track_first_row = np.where(alive, new_index[self.track_first_row], -1)

    def misreport_rates(self, tracks: IntArray, pos: IntArray) -> FloatArray:
        """Misreport rate of each report (columns) as a report of each track (rows): the
        rate of the report's kind; for GPS telemetry only when the report's transmitter
        already feeds the track (a GPS glitch is its own transmitter's: another transmitter's
        first fix far from the track is not this track's glitch)."""
        o = self.obs
        rate = self.cfg.misreport.rate(o.kind[pos])
        gps = np.isin(o.kind[pos], ("fix", "aprs"))
        eps = np.broadcast_to(rate[None, :], (tracks.size, pos.size)).copy()
        if not gps.any():
            return eps
        code = self.src_code[pos]
        own = self.track_src1[tracks][:, None] == code[None, :]
        for r in np.flatnonzero(self.track_multi[tracks]).tolist():
            own[r] = np.isin(code, self.track_src[int(tracks[r])])
        eps[:, gps] = np.where(own[:, gps], eps[:, gps], 0.0)
        return eps

    def associate_positions(self, live: IntArray, pos: IntArray) -> tuple[list[int], list[int]]:
        """GNN over all live tracks x positional reports of one scan (all pairs at once)."""
        o = self.obs
        cfg = self.cfg
        lam = cfg.new_object_density
        log_lam = math.log(lam)
        M = pos.size
        col_assigned = np.full(M, -1, dtype=np.int64)
        assigned_t: list[int] = []
        assigned_o: list[int] = []
        T = live.size
        p = np.zeros((T, M))
        p_new = np.ones(M)
        if T:
            b = self.batch
            # every row (altitude hypothesis) of every live track against every report, on
            # the horizontal distributions only (altitude jumps at burst or cut-down must not
            # split a track; altitude still enters the update). 2 x 2 algebra written out.
            rows = np.flatnonzero(np.isin(self.row_track, live)).astype(np.int64)
            e, n = enu_offset(b.lat[rows, None], b.lon[rows, None], o.lat[pos], o.lon[pos])
            vel = b.wind[rows] + b.d[rows]
            ts2 = o.time_sigma[pos] ** 2
            sh2 = o.sigma_h[pos] ** 2
            s11 = b.P[rows, 0, 0][:, None] + sh2 + ts2 * (vel[:, 0:1] ** 2)
            s22 = b.P[rows, 1, 1][:, None] + sh2 + ts2 * (vel[:, 1:2] ** 2)
            s12 = b.P[rows, 0, 1][:, None] + ts2 * (vel[:, 0:1] * vel[:, 1:2])
            det = s11 * s22 - s12 * s12
            d2_r = (s22 * e * e - 2.0 * s12 * e * n + s11 * n * n) / det
            ll_r = -0.5 * (d2_r + np.log(det)) - LOG2PI
            dist_r = np.hypot(e, n)
            # the heavy-tailed likelihood of "same object?" (likelihood.py), for the reported
            # probabilities only: gate and assignment keep the filter's Gaussian
            tr_of_row = self.row_track[rows]
            eps = self.misreport_rates(tr_of_row, pos)
            ht_r = report_loglik(d2_r, np.log(det), dist_r, eps, model=cfg.misreport)
            if rows.size == T:  # one row per track: no mixture
                ll_t, ht_t, d2h, ok = ll_r, ht_r, d2_r, d2_r < self.gate2
                dist = dist_r
            else:
                # a track's predicted distribution is the mixture of its rows
                starts = np.flatnonzero(np.concatenate([[True], tr_of_row[1:] != tr_of_row[:-1]]))
                counts = np.diff(np.append(starts, rows.size))
                score = b.loglik[rows] + self.row_logprior[rows]
                logw = score - np.repeat(np.maximum.reduceat(score, starts), counts)
                logw -= np.repeat(np.log(np.add.reduceat(np.exp(logw), starts)), counts)

                def mix(x: FloatArray) -> FloatArray:
                    lw = x + logw[:, None]
                    lmax = np.maximum.reduceat(lw, starts, axis=0)
                    return lmax + np.log(
                        np.add.reduceat(
                            np.exp(lw - np.repeat(lmax, counts, axis=0)), starts, axis=0
                        )
                    )

                ll_t = mix(ll_r)
                ht_t = mix(ht_r)
                # inside the gate when any row carrying >= 1 % of the weight is
                inside = (d2_r < self.gate2) & (logw[:, None] > math.log(0.01))
                ok = np.logical_or.reduceat(inside, starts, axis=0)
                best_row = starts + np.array(
                    [int(np.argmax(logw[a : a + c])) for a, c in zip(starts, counts, strict=True)]
                )
                d2h = d2_r[best_row]
                dist = dist_r[best_row]
            loglike = math.log(cfg.p_detect) + ll_t
            # association probabilities (single-scan marginals), heavy-tailed
            loglike_h = math.log(cfg.p_detect) + ht_t
            mx = np.maximum(loglike_h.max(axis=0), log_lam)
            like = np.exp(loglike_h - mx[None, :])
            denom = like.sum(axis=0) + np.exp(log_lam - mx)
            p = like / denom[None, :]
            p_new = np.exp(log_lam - mx) / denom
            # a gated pair is refused when a new object explains the report better
            allowed = ok & (loglike > log_lam) if cfg.refuse_unlikely else ok
            # confirmed tracks choose first, tentative ones share what is left: a young
            # (clutter-born) track must not take a confirmed object's report
            st = np.asarray(self.status, dtype=np.int64)[live]
            r_parts: list[IntArray] = []
            c_parts: list[IntArray] = []
            taken = np.zeros(M, dtype=bool)
            for group in (st == CONFIRMED, st != CONFIRMED):
                allowed_g = allowed & group[:, None] & ~taken[None, :]
                tr_any = np.flatnonzero(allowed_g.any(axis=1))
                co_any = np.flatnonzero(allowed_g.any(axis=0))
                if not (tr_any.size and co_any.size):
                    continue
                sub = allowed_g[np.ix_(tr_any, co_any)]
                if cfg.assignment_cost == "mahalanobis":
                    pair = np.sqrt(np.maximum(d2h[np.ix_(tr_any, co_any)], 0.0))
                else:
                    pair = -2.0 * ll_t[np.ix_(tr_any, co_any)]
                cost = np.where(sub, pair, 1e12)
                rr, cc = linear_sum_assignment(cost)
                good = sub[rr, cc]
                r_parts.append(tr_any[rr[good]])
                c_parts.append(co_any[cc[good]])
                taken[co_any[cc[good]]] = True
            r_i = np.concatenate(r_parts) if r_parts else np.zeros(0, dtype=np.int64)
            c_i = np.concatenate(c_parts) if c_parts else np.zeros(0, dtype=np.int64)
            if r_i.size:
                trk = live[r_i]
                ob = pos[c_i]
                if rows.size == T:
                    row_sel = rows[r_i]
                    obs_for_row = ob
                else:
                    row_sel = rows[np.isin(tr_of_row, trk)]
                    which = dict(zip(trk.tolist(), ob.tolist(), strict=True))
                    obs_for_row = np.array([which[int(t)] for t in self.row_track[row_sel]])
                b.update_position(
                    row_sel,
                    o.lat[obs_for_row],
                    o.lon[obs_for_row],
                    o.alt[obs_for_row],
                    o.sigma_h[obs_for_row],
                    o.sigma_alt[obs_for_row],
                    o.time_sigma[obs_for_row],
                )
                assigned_t = trk.tolist()
                assigned_o = ob.tolist()
            col_assigned[c_i] = r_i
        unassigned = pos[col_assigned < 0]
        new_ids = self.new_tracks(unassigned) if unassigned.size else np.zeros(0, dtype=np.int64)
        new_of = dict(zip(unassigned.tolist(), new_ids.tolist(), strict=True))
        best = np.argmax(p, axis=0) if T else np.zeros(M, dtype=np.int64)
        if T:
            any_ok = ok.any(axis=0)
            any_allowed = allowed.any(axis=0)
        times = o.time[pos].tolist()
        kinds = o.kind[pos].tolist()
        srcs = o.source[pos].tolist()
        for j in range(M):
            i = int(pos[j])
            r = int(col_assigned[j])
            if r >= 0:
                tid = int(live[r])
                self.decisions.append(
                    Decision(
                        i,
                        times[j],
                        kinds[j],
                        srcs[j],
                        "update",
                        tid,
                        float(p[r, j]),
                        float(p_new[j]),
                        tid,
                        float(p[r, j]),
                        float(dist[r, j]) / 1000.0,
                        math.sqrt(float(d2h[r, j])),
                    )
                )
            elif T:
                bb = int(best[j])
                reason = (
                    "outside gate"
                    if not any_ok[j]
                    else ("refused" if not any_allowed[j] else "taken")
                )
                self.decisions.append(
                    Decision(
                        i,
                        times[j],
                        kinds[j],
                        srcs[j],
                        "new track",
                        new_of[i],
                        None,
                        float(p_new[j]),
                        int(live[bb]),
                        float(p[bb, j]),
                        float(dist[bb, j]) / 1000.0,
                        math.sqrt(float(d2h[bb, j])),
                        bool(ok[bb, j]),
                        reason=reason,
                    )
                )
            else:
                self.decisions.append(
                    Decision(
                        i,
                        times[j],
                        kinds[j],
                        srcs[j],
                        "new track",
                        new_of[i],
                        None,
                        1.0,
                        reason="no track",
                    )
                )
        return assigned_t, assigned_o

    def associate_angle(self, live: IntArray, i: int) -> int | None:
        """EKF update of the best-gated track with one sighting / radar plot, else a radar plot
        starts a track (converted to a position); a lone sighting is skipped."""
        o = self.obs
        kind = str(o.kind[i])
        if live.size:
            rows = self.map_rows(live)
            n = rows.size
            y, H, R, k = self.batch.angle_innovation(
                rows,
                np.full(n, o.sensor_lat[i]),
                np.full(n, o.sensor_lon[i]),
                np.full(n, o.sensor_alt[i]),
                np.full(n, o.az[i]),
                np.full(n, o.el[i]),
                np.full(n, o.range[i]),
                np.full(n, o.sigma_ang[i]),
                np.full(n, o.sigma_range[i]),
            )
            P = self.batch.P[rows]
            S = H @ P @ np.swapaxes(H, 1, 2) + R
            d2 = np.einsum("mi,mij,mj->m", y, np.linalg.inv(S), y)
            gate = self.gate3 if k == 3 else self.gate2
            b = int(np.argmin(d2))
            if d2[b] < gate:
                tid = int(live[b])
                row_sel = np.flatnonzero(self.row_track == tid).astype(np.int64)
                m = row_sel.size
                y2, H2, R2, _ = self.batch.angle_innovation(
                    row_sel,
                    np.full(m, o.sensor_lat[i]),
                    np.full(m, o.sensor_lon[i]),
                    np.full(m, o.sensor_alt[i]),
                    np.full(m, o.az[i]),
                    np.full(m, o.el[i]),
                    np.full(m, o.range[i]),
                    np.full(m, o.sigma_ang[i]),
                    np.full(m, o.sigma_range[i]),
                )
                self.batch.update(row_sel, y2, H2, R2, n_h=1)
                self.decisions.append(
                    Decision(
                        i,
                        float(o.time[i]),
                        kind,
                        str(o.source[i]),
                        "update",
                        tid,
                        None,
                        0.0,
                        tid,
                        note=f"fits track {tid} ({math.sqrt(d2[b]):.1f} sigma); EKF update",
                    )
                )
                return tid
        if kind == "radar":
            from .triangulate import radar_to_position

            lat, lon, alt = radar_to_position(
                o.sensor_lat[i], o.sensor_lon[i], o.sensor_alt[i], o.az[i], o.el[i], o.range[i]
            )
            sig_h = max(float(o.range[i] * o.sigma_ang[i]), float(o.sigma_range[i]))
            tid = self._start_from_point(i, lat, lon, alt, sig_h, sig_h)
            self.decisions.append(
                Decision(
                    i,
                    float(o.time[i]),
                    kind,
                    str(o.source[i]),
                    "new track",
                    tid,
                    None,
                    1.0,
                    note=f"fits no track; new track {tid}",
                )
            )
            return None
        self.decisions.append(
            Decision(
                i,
                float(o.time[i]),
                kind,
                str(o.source[i]),
                "skipped",
                None,
                None,
                1.0,
                note="fits no track and a single sighting has no range; "
                "two sightings from different places are needed to start a track",
            )
        )
        return None

    def _start_from_point(
        self, i: int, lat: float, lon: float, alt: float, sig_h: float, sig_alt: float
    ) -> int:
        o = self.obs
        saved = (o.lat[i], o.lon[i], o.alt[i], o.sigma_h[i], o.sigma_alt[i])
        o.lat[i], o.lon[i], o.alt[i], o.sigma_h[i], o.sigma_alt[i] = lat, lon, alt, sig_h, sig_alt
        try:
            tid = int(self.new_tracks(np.array([i], dtype=np.int64))[0])
        finally:
            o.lat[i], o.lon[i], o.alt[i], o.sigma_h[i], o.sigma_alt[i] = saved
        return tid

    def manage(self, live: IntArray, updated: list[int], updated_obs: list[int], t: float) -> None:
        cfg = self.cfg
        upd = set(updated)
        for tid, i in zip(updated, updated_obs, strict=True):
            self.sources[tid].add(str(self.obs.source[i]))
            c = int(self.src_code[i])
            if c not in self.track_src[tid]:
                self.track_src[tid].append(c)
                self.track_multi[tid] = True
        for tid in upd:
            self.hits[tid] += 1
            self.misses[tid] = 0
            self.last_update[tid] = t
            if self.status[tid] == TENTATIVE and self.hits[tid] >= cfg.confirm_hits:
                self.status[tid] = CONFIRMED
            if self.hits[tid] >= cfg.confirm_hits and math.isnan(self.confirmed_at[tid]):
                self.confirmed_at[tid] = t
        for tid in live.tolist():
            if tid in upd:
                continue
            self.misses[tid] += 1
            st = self.status[tid]
            limit = cfg.delete_misses if st == CONFIRMED else cfg.tentative_misses
            if (limit is not None and self.misses[tid] >= limit) or (
                t - self.last_update[tid] > cfg.max_coast
            ):
                self.status[tid] = ENDED
                self.ended_at[tid] = t

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Every scan in time order (`scan` is the step: one call per scan);
        ``progress(reports_done, reports_total)`` after each."""
        o = self.obs
        n = len(o)
        if n == 0:
            return
        start = 0
        # scans: runs of reports within scan_window of the run's first time
        while start < n:
            stop = int(np.searchsorted(o.time, o.time[start] + self.cfg.scan_window, "right"))
            stop = max(stop, start + 1)
            self.scan(np.arange(start, stop, dtype=np.int64))
            start = stop
            if progress is not None:
                progress(start, n)

    # --- results -----------------------------------------------------------------------------
    def result(self, wind_source: str) -> TrackingResult:
        table = self.rec.table()
        table = table[np.lexsort((table[:, 16], table[:, 1], table[:, 0]))]
        rts = self.rec.rts_table()
        # every smoother record by record number, the most-probable row's first
        rts = rts[np.lexsort((-rts[:, 2], rts[:, 0]))]
        keep_all = self.cfg.smooth or self.cfg.record_hypotheses
        K = self.hyp.size
        weights = self.rec.weight_table(K)
        o = self.obs
        bounds = np.searchsorted(table[:, 0], np.arange(len(self.status) + 1) - 0.5)
        tracks = []
        for tid in range(len(self.status)):
            sel = table[bounds[tid] : bounds[tid + 1]]
            if not len(sel):
                continue
            seqs = sel[:, 16].astype(np.int64)
            obs_i = sel[:, 15].astype(np.int64)
            upd = obs_i >= 0
            src = np.full(len(sel), "", dtype=object)
            src[upd] = o.source[obs_i[upd]]
            kind = np.full(len(sel), "", dtype=object)
            kind[upd] = o.kind[obs_i[upd]]
            reported = np.zeros(len(sel), dtype=bool)
            reported[upd] = np.isfinite(o.alt[obs_i[upd]])
            reported = np.logical_or.accumulate(reported)
            recs = _records_of(rts, seqs)
            w = wd = None
            hits = sel[:, 17].astype(np.int64)
            if self.track_bank[tid]:
                wrows = weights[np.searchsorted(weights[:, 0], seqs.astype(np.float64))]
                w, wd = wrows[:, 1 : 1 + K], wrows[:, 1 + K :]
                alt_est = AltitudeEstimate.from_weights(
                    self.hyp, w[-1], wd[-1], _altitude_method(int(hits[-1]), bool(reported[-1]))
                )
            else:
                alt_est = AltitudeEstimate(float(sel[-1, 4]), float(sel[-1, 7]), "measured")
            chain = keep_all and bool(self.track_bank[tid])
            history = TrackHistory(
                seq=seqs,
                hits=hits,
                source=tuple(str(x) for x in src),
                kind=tuple(str(x) for x in kind),
                reported_alt=reported,
                alt_weights=w,
                drift_weights=wd,
                records=recs if chain else None,
                confirmed_time=self.confirmed_at[tid],
                ended_time=self.ended_at[tid],
            )
            tracks.append(
                Track(
                    track_id=tid,
                    status=history.status_at(math.inf),
                    time=sel[:, 1].copy(),
                    lat=sel[:, 2].copy(),
                    lon=sel[:, 3].copy(),
                    alt=sel[:, 4].copy(),
                    sigma_e=sel[:, 5].copy(),
                    sigma_n=sel[:, 6].copy(),
                    sigma_alt=sel[:, 7].copy(),
                    ve=sel[:, 8].copy(),
                    vn=sel[:, 9].copy(),
                    vz=sel[:, 10].copy(),
                    sigma_ve=sel[:, 11].copy(),
                    sigma_vn=sel[:, 12].copy(),
                    wind_u=sel[:, 13].copy(),
                    wind_v=sel[:, 14].copy(),
                    obs_index=obs_i,
                    sources=tuple(sorted(self.sources[tid])),
                    n_updates=self.hits[tid],
                    altitude=alt_est,
                    rts=_smoother_data(seqs, recs),
                    ended=not math.isnan(history.ended_time),
                    kinds=tuple(sorted({history.kind[i] for i in np.flatnonzero(upd)})),
                    history=history,
                )
            )
        return TrackingResult(
            tracks=tuple(tracks),
            observations=self.obs,
            decisions=tuple(sorted(self.decisions, key=lambda d: d.obs_index)),
            wind_source=wind_source,
            config=self.cfg,
        )


def _records_of(rts: FloatArray, seqs: IntArray) -> FloatArray:
    """The smoother records (rows of the recorder's table sorted by record number, the
    most-probable row first) of the record numbers ``seqs``."""
    lo = np.searchsorted(rts[:, 0], seqs - 0.5)
    hi = np.searchsorted(rts[:, 0], seqs + 0.5)
    counts = hi - lo
    idx = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    return rts[idx]


def _smoother_data(seqs: IntArray, recs: FloatArray) -> SmootherData:
    """Smoother data of one track's records ``seqs``: the chain of the row most probable at the
    last record when every row was kept (``recs`` holds the track's records, sorted by record
    number), else its most probable row at each record."""
    sel = recs[recs[:, 2] > 0.5]
    if recs.shape[0] > sel.shape[0] and seqs.size > 1:
        uid = sel[-1, 1]
        chain = recs[recs[:, 1] == uid]
        if chain.shape[0] == seqs.size and np.array_equal(chain[:, 0], seqs):
            sel = chain
    m = sel.shape[0]
    return SmootherData(
        uid=sel[:, 1].astype(np.int64),
        mean=sel[:, 3:9].copy(),
        P=sel[:, 11:47].reshape(m, 6, 6).copy(),
        prior=sel[:, 47:53].copy(),
        prior_P=sel[:, 53:89].reshape(m, 6, 6).copy(),
        wind=sel[:, 9:11].copy(),
        vreset=sel[:, 89] > 0.5,
    )


def track_observations(
    observations: Observations,
    *,
    wind: str | WindField = "calm",
    config: TrackerConfig | None = None,
    smooth: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
    as_of: float | str | None = None,
) -> TrackingResult:
    """Turn observations of any kind into tracks.

    Observations are sorted by time and repeats removed first (`Observations.without_repeats`:
    out-of-order and duplicated reports never cause duplicate updates); sightings of one moment from different
    places are triangulated into fixes. ``wind`` is a `WindField` or a name for `open_wind`
    (``calm``, ``climatology``, a file). ``smooth`` (default: ``config.smooth``, off) returns
    RTS-smoothed tracks, every state using all reports, instead of filtered ones.
    ``progress(done, total)`` is called after each scan (reports done of all). ``as_of`` (epoch
    s or ISO time) uses only the observations at or before that time: what was known then
    (`TrackingResult.as_of` cuts a finished run the same way).
    """
    field_ = open_wind(wind)
    cfg = config or TrackerConfig.for_wind(field_)
    if as_of is not None:
        observations = observations.take(np.flatnonzero(observations.time <= to_epoch(as_of)))
    obs = sightings_to_fixes(observations.without_repeats())
    # the tracker writes temporarily into rows it converts (radar plots): use a private copy
    obs = obs.take(np.arange(len(obs)))
    if smooth is not None and smooth != cfg.smooth:
        cfg = dataclasses.replace(cfg, smooth=smooth)
    tr = _Tracker(obs, field_, cfg)
    tr.run(progress)
    result = tr.result(field_.meta.source)
    if cfg.smooth:
        result = dataclasses.replace(
            result, tracks=tuple(smooth_track(t, field_) for t in result.tracks)
        )
    return result
