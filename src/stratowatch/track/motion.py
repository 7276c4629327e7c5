r"""Was it steering? Passive drift, altitude changes or propulsion, judged from a track's reports.

`explain_motion` asks which of three explanations of the reports the winds support:

- **passive at one altitude**: the balloon drifted with the wind at one altitude of the band;
- **needed altitude changes**: it flew a piecewise-constant altitude schedule, changing level at
  report times (and, on long gaps, once in between), as a balloon that steers by altitude does;
- **needed propulsion beyond what the winds allow**: even the best schedule leaves residuals
  the wind error cannot explain; an airspeed of its own (a propeller) is needed.

Model
-----
Between consecutive decision times (the reports, with long gaps split into at most
``max_pieces`` pieces) the balloon flies at one of the levels :math:`h_1..h_L` of the band.
Its position obeys :math:`\mathbf x_{j+1} = \Phi_{h_j}(\mathbf x_j) + \boldsymbol\epsilon_j`,
where :math:`\Phi_h` is the drift at altitude h over the piece, computed by the compiled
integrator (`flight.integrate`) on a grid of start points and interpolated, and
:math:`\boldsymbol\epsilon_j` the displacement caused by the wind's error: a Gauss-Markov
(Ornstein-Uhlenbeck) velocity error of RMS :math:`\sigma` per component and time constant
:math:`\tau = \sqrt{\pi/2}\,T_L`, which has the long-time diffusivity of the Gaussian space-time
covariance of `atmosphere.perturb` along a path (Lagrangian time :math:`T_L`) [Stohl1998]_
(the integrated-OU, or Singer, motion model [BarShalom2001]_). The error is carried in the
state (it is common to every altitude, whose errors are correlated over kilometres), so the
error seen on consecutive short intervals is correlated. Reports are
:math:`\mathbf y_i = \mathbf x_i + \boldsymbol\eta_i` with their own covariance (radius and,
through the local ground velocity, their time uncertainty). Reported altitudes constrain the
level flown right after the report. The altitude grid's spacing adds its quantization error.

With the error model linear and Gaussian and independent of the schedule, every schedule has
the same Kalman covariance; each hypothesis (a schedule prefix) is one mean and one log
weight: a mixture Kalman filter [ChenLiu2000]_ over the altitude schedules. The search
expands every hypothesis by every level sequence up to the next report, weights it by prior x
predictive likelihood and carries ``max_hypotheses`` draws on by systematic resampling
[Kitagawa1996]_ (sequential Monte Carlo fully adapted to each report, whose evidence is
unbiased [DoucetDeFreitasGordon2001]_); the single-altitude schedules are run exactly, so the
passive evidence is exact. It runs twice: without and with propulsion (a constant airspeed per
piece, :math:`N(0, \sigma_a^2)` per component). The evidence of each explanation is the prior-weighted
sum of the likelihoods of its schedules: one level for all pieces, uniform (passive); a Markov
chain over levels (switch with probability q at each decision time, to any other level)
conditioned on at least one switch (altitude changes); the same chain without the condition
plus the airspeed (propulsion). Posterior probabilities follow from the prior of the three
explanations (Bayes factors, [KassRaftery1995]_). They are calibrated when the model's
assumptions hold: tests/track/test_motion.py draws paths from the prior in a known wind with
direction shear and checks that the 90 % sets hold the truth ~90 % of the time.

Goodness of fit: the normalized innovations squared of a schedule sum to a chi-square with 2
degrees of freedom per report after the first if the model is right ([BarShalom2001]_, NIS
test); the p-value is reported with each fit.

This is hindsight: it uses every report, before and after each piece.

References
----------
.. [ChenLiu2000] Chen, R., Liu, J. S. (2000). Mixture Kalman filters. *J. R. Statist. Soc. B*
   62(3), 493-508.
.. [KassRaftery1995] Kass, R. E., Raftery, A. E. (1995). Bayes factors. *J. Am. Statist.
   Assoc.* 90(430), 773-795.
.. [Kitagawa1996] Kitagawa, G. (1996). Monte Carlo filter and smoother for non-Gaussian
   nonlinear state space models. *J. Comput. Graph. Statist.* 5(1), 1-25.
.. [DoucetDeFreitasGordon2001] Doucet, A., de Freitas, N., Gordon, N. (eds.) (2001).
   *Sequential Monte Carlo Methods in Practice*. Springer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import chdtrc, logsumexp

from ..atmosphere.wind import WindField
from ..core.observations import Observations
from ..core.track import Track
from ..errors import ConfigError, InputError
from ..flight.integrate import integrate
from ..flight.models import Float, Stage
from ..flight.windargs import kernel_wind, resolve_wind
from ..predict.reach import DEFAULT_BAND
from ..predict.reach_levels import WindError, _kernel_threads, altitude_levels, wind_error_for
from ..timeutil import iso
from .decision import TrackingResult
from .geometry import enu_offset
from .motion_inputs import (
    _KEYS,
    _epochs,
    _observations_from,
    _with_time_uncertainty,
)
from .motion_inputs import (
    CHANGES as CHANGES,
)
from .motion_inputs import (
    PASSIVE as PASSIVE,
)
from .motion_inputs import (
    PROPULSION as PROPULSION,
)
from .motion_inputs import (
    VERDICTS as VERDICTS,
)
from .motion_search import (
    _Piece,
    _Search,
)

__all__ = [
    "VERDICTS",
    "MotionPiece",
    "MotionFit",
    "MotionExplanation",
    "explain_motion",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MotionPiece:
    """One piece of a schedule: start/end (epoch s), altitude (m)."""

    start: float
    end: float
    alt: float

    def describe(self) -> dict[str, Any]:
        return {"start": iso(self.start), "end": iso(self.end), "alt_m": round(self.alt, 1)}


@dataclass(frozen=True, eq=False)
class MotionFit:
    """A schedule's fit to the reports.

    pieces : the schedule (merged where the altitude does not change); log_likelihood : of
    the reports (positions and altitudes) given the schedule, with the wind and report errors;
    chi2, dof, p_value : normalized innovations squared and their chi-square p-value;
    residuals : per report after the first {time, distance_km, nsigma}; path : the schedule
    flown from the smoothed position at each report (lat, lon, alt, times) for maps.
    """

    pieces: tuple[MotionPiece, ...]
    log_likelihood: float
    chi2: float
    dof: int
    p_value: float
    residuals: tuple[dict[str, float], ...]
    path: dict[str, FloatArray] = field(default_factory=dict, repr=False)

    def describe(self) -> dict[str, Any]:
        return {
            "pieces": [p.describe() for p in self.pieces],
            "log_likelihood": round(self.log_likelihood, 3),
            "chi2": round(self.chi2, 3),
            "dof": self.dof,
            "p_value": round(self.p_value, 4),
            "residuals": [
                {
                    "time": iso(r["time"]),
                    "distance_km": round(r["distance_km"], 2),
                    "nsigma": round(r["nsigma"], 2),
                }
                for r in self.residuals
            ],
        }


@dataclass(frozen=True, eq=False)
class MotionExplanation:
    """The result of `explain_motion`.

    verdict : one of `VERDICTS`; probability : its posterior probability; probabilities :
    {passive, altitude_changes, propulsion}; log_evidence : the same keys (natural log);
    passive : best single-altitude fit; schedule : best fit with altitude changes (None when
    no change is possible, e.g. two reports); altitude : per piece {start, end, mean_m, lo90_m,
    hi90_m} posterior; prior, band (m), levels (m), wind_source, wind_error, warnings.
    """

    verdict: str
    probability: float
    probabilities: dict[str, float]
    log_evidence: dict[str, float]
    passive: MotionFit
    schedule: MotionFit | None
    altitude: tuple[dict[str, float], ...]
    prior: tuple[float, float, float]
    band: tuple[float, float]
    levels: FloatArray
    n_reports: int
    wind_source: str
    wind_error: WindError
    airspeed_sigma: float
    hypotheses: int
    warnings: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        """The verdict in words that match its probability: as is from 0.9, "probably" from
        0.5, else "undecided" (no explanation is more likely than not)."""
        p = self.probability
        if p >= 0.9:
            return f"{self.verdict} (p = {p:.2f})"
        if p >= 0.5:
            return f"probably {self.verdict} (p = {p:.2f})"
        return f"undecided: the most probable is {self.verdict} (p = {p:.2f})"

    @property
    def explanation(self) -> str:
        """One paragraph in plain language; its numbers are the result's."""
        pa = self.passive
        alt = pa.pieces[0].alt / 1e3
        head = self.headline
        body = (
            f"best single altitude {alt:.1f} km (chi2 {pa.chi2:.1f} for {pa.dof} dof, "
            f"fit p = {pa.p_value:.2g})"
        )
        if self.schedule is not None:
            sc = self.schedule
            steps = ", ".join(f"{p.alt / 1e3:.1f}" for p in sc.pieces)
            dll = sc.log_likelihood - pa.log_likelihood
            body += (
                f"; best schedule with changes {steps} km fits better by "
                f"{dll:.1f} in log-likelihood (fit p = {sc.p_value:.2g})"
            )
        pr = self.probabilities
        return (
            f"{head}: {body}. P(passive) = {pr['passive']:.2f}, P(altitude changes) = "
            f"{pr['altitude_changes']:.2f}, P(propulsion) = {pr['propulsion']:.2f} "
            f"(wind error {self.wind_error.sigma:.1f} m/s, {self.n_reports} report times)."
        )

    def summary(self) -> dict[str, Any]:
        """JSON-ready (the CLI's ``explain_motion`` object)."""
        return {
            "verdict": self.verdict,
            "probability": round(self.probability, 4),
            "headline": self.headline,
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "log_evidence": {k: round(v, 3) for k, v in self.log_evidence.items()},
            "passive": self.passive.describe(),
            "schedule": None if self.schedule is None else self.schedule.describe(),
            "altitude": [
                {
                    "start": iso(a["start"]),
                    "end": iso(a["end"]),
                    "mean_m": round(a["mean_m"], 1),
                    "lo90_m": round(a["lo90_m"], 1),
                    "hi90_m": round(a["hi90_m"], 1),
                }
                for a in self.altitude
            ],
            "prior": {k: round(v, 4) for k, v in zip(_KEYS, self.prior, strict=True)},
            "band_m": list(self.band),
            "levels": len(self.levels),
            "reports": self.n_reports,
            "wind": self.wind_source,
            "wind_error": self.wind_error.describe(),
            "airspeed_sigma_m_s": self.airspeed_sigma,
            "hypotheses": self.hypotheses,
            "explanation": self.explanation,
            "warnings": list(self.warnings),
        }

    def to_features(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection: layers ``motion_passive`` and ``motion_schedule`` (the
        best fits as LineStrings with ``times``), for `io.export.write_features` / the map."""
        feats = []
        for name, fit, color in (
            ("motion_passive", self.passive, "#2ca02c"),
            ("motion_schedule", self.schedule, "#d62728"),
        ):
            if fit is None or not fit.path:
                continue
            pth = fit.path
            ok = np.isfinite(pth["lat"])
            coords = [
                [round(float(o), 6), round(float(a), 6), round(float(h), 1)]
                for a, o, h in zip(pth["lat"][ok], pth["lon"][ok], pth["alt"][ok], strict=True)
            ]
            if len(coords) < 2:
                continue
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {
                        "layer": name,
                        "name": "best single altitude"
                        if name == "motion_passive"
                        else "best schedule with altitude changes",
                        "times": [iso(t) for t in pth["time"][ok]],
                        "log_likelihood": round(fit.log_likelihood, 3),
                        "p_value": round(fit.p_value, 4),
                        "style": {"color": color, "width": 2},
                    },
                }
            )
        return {
            "type": "FeatureCollection",
            "features": feats,
            "properties": {
                "verdict": self.verdict,
                "probability": round(self.probability, 4),
                "explanation": self.explanation,
            },
        }


def _merge(
    pieces: Sequence[_Piece], sched: IntArray, levels: FloatArray
) -> tuple[MotionPiece, ...]:
    out: list[MotionPiece] = []
    for pc, li in zip(pieces, sched, strict=True):
        alt = float(levels[int(li)])
        if out and out[-1].alt == alt:
            out[-1] = MotionPiece(out[-1].start, pc.end, alt)
        else:
            out.append(MotionPiece(pc.start, pc.end, alt))
    return tuple(out)


def _path(
    search: _Search, sched: IntArray, smoothed: Sequence[tuple[float, float, float, float]]
) -> dict[str, FloatArray]:
    """The schedule flown from the smoothed position at each report (10-min points)."""
    lat: list[FloatArray] = []
    lon: list[FloatArray] = []
    alt: list[FloatArray] = []
    tt: list[FloatArray] = []
    epoch_of_piece = [pc.epoch for pc in search.pieces]
    cur = None
    for j, pc in enumerate(search.pieces):
        if j == 0 or search.pieces[j - 1].last_of_interval:
            s = smoothed[epoch_of_piece[j]]
            cur = (s[0], s[1])
        assert cur is not None
        dur = pc.end - pc.start
        step = min(600.0, dur)
        with _kernel_threads(dur / step):
            r = integrate(
                [Stage(Float(), dt_max=600.0)],
                search.kw,
                pc.start,
                cur[0],
                cur[1],
                float(search.levels[int(sched[j])]),
                duration=dur,
                out_step=step,
            )
        ok = np.isfinite(r.lat[0])
        times = pc.start + step * np.arange(r.lat.shape[1])
        lat.append(r.lat[0][ok])
        lon.append(r.lon[0][ok])
        alt.append(r.alt[0][ok])
        tt.append(times[ok])
        cur = (float(r.end_lat[0]), float(r.end_lon[0]))
    return {
        "lat": np.concatenate(lat),
        "lon": np.concatenate(lon),
        "alt": np.concatenate(alt),
        "time": np.concatenate(tt),
    }


def _fit(search: _Search, sched: IntArray, mv: int, with_path: bool) -> MotionFit:
    rep = search.replay(sched, mv)
    dof = 2 * (search.ep.time.size - 1)
    return MotionFit(
        pieces=_merge(search.pieces, sched, search.levels),
        log_likelihood=rep["loglik"],
        chi2=rep["nis"],
        dof=dof,
        p_value=float(chdtrc(dof, rep["nis"])),
        residuals=tuple(rep["residuals"]),
        path=_path(search, sched, rep["smoothed"]) if with_path else {},
    )


def explain_motion(
    track_or_reports: TrackingResult | Track | Observations | str | Path | Sequence[str | Path],
    wind: str | WindField = "climatology",
    *,
    band: Sequence[float] = DEFAULT_BAND,
    dz: float = 500.0,
    track_id: int | None = None,
    prior: Sequence[float] = (1 / 3, 1 / 3, 1 / 3),
    switch_probability: float = 0.3,
    airspeed_sigma: float = 5.0,
    wind_sigma: float | None = None,
    piece_hours: float = 24.0,
    max_pieces: int = 2,
    max_hypotheses: int = 4000,
    max_reports: int = 40,
    paths: bool = True,
    seed: int = 0,
    use_altitudes: bool = True,
) -> MotionExplanation:
    """Is a path passive drift at one altitude, a schedule of altitude changes, or propelled?

    Parameters
    ----------
    track_or_reports : `Observations` (all positional rows, one object), a `TrackingResult`
        (its confirmed track with the most reports, or ``track_id``, with that track's
        reports), a `Track` (its own
        states at its report times), or report file path(s) (`io.readers.read_observations`).
    wind : ``climatology`` (default), a wind file, or a `WindField`.
    band : (low, high) m the balloon can fly in; dz : level spacing (m).
    prior : prior probabilities of (passive, altitude changes, propulsion).
    switch_probability : prior probability of a level change at each decision time.
    airspeed_sigma : m/s per component, prior of the airspeed under propulsion.
    wind_sigma : m/s per component overriding the wind source's error model.
    piece_hours, max_pieces : report gaps longer than ``piece_hours`` get up to
        ``max_pieces`` altitude pieces. max_hypotheses : particles (schedule hypotheses)
        carried from report to report. max_reports : report times kept (thinned evenly
        beyond). paths : compute the best fits' paths (for maps). seed : resampling seed.
    use_altitudes : let reported altitudes constrain the level flown after each report (off:
        judge from the horizontal path alone).

    Returns
    -------
    MotionExplanation (see the module notes for the model and its calibration).

    Raises
    ------
    InputError for unusable reports (fewer than two times, NaN, out-of-range coordinates);
    ConfigError for impossible parameters.
    """
    warnings: list[str] = []
    pr = np.asarray(prior, dtype=np.float64)
    if pr.shape != (3,) or not np.all(np.isfinite(pr)) or np.any(pr < 0) or pr.sum() <= 0:
        raise ConfigError(
            f"prior must be three probabilities (passive, changes, propulsion), got {prior!r}"
        )
    pr = pr / pr.sum()
    if not (0.0 < switch_probability < 1.0):
        raise ConfigError(f"switch_probability must be in (0, 1), got {switch_probability!r}")
    if not (math.isfinite(airspeed_sigma) and airspeed_sigma > 0):
        raise ConfigError(f"airspeed_sigma must be > 0 m/s, got {airspeed_sigma!r}")
    if not (math.isfinite(piece_hours) and piece_hours > 0) or max_pieces < 1:
        raise ConfigError("piece_hours must be > 0 and max_pieces >= 1")
    if max_hypotheses < 1 or max_reports < 2:
        raise ConfigError("max_hypotheses must be >= 1 and max_reports >= 2")
    levels = altitude_levels(band, dz=dz)
    cols = _observations_from(track_or_reports, track_id, warnings)
    if not use_altitudes:
        cols = (*cols[:6], np.full_like(cols[6], np.nan), np.full_like(cols[7], np.nan))
    ep = _epochs(cols, max_reports, warnings)
    base = resolve_wind(wind)
    meta = base.meta
    if (
        meta.time_start is not None
        and meta.time_end is not None
        and meta.time_end > meta.time_start
    ):
        if ep.time[0] < meta.time_start - 1.0 or ep.time[-1] > meta.time_end + 1.0:
            raise InputError(
                f"the reports ({iso(ep.time[0])} .. {iso(ep.time[-1])}) are outside the wind "
                f"data's span {iso(meta.time_start)} .. {iso(meta.time_end)} ({meta.source})",
                expected="a wind that covers the track",
            )
    for w in meta.warnings:
        warnings.append(w)
    kw = kernel_wind(base)
    mid = 0.5 * (levels[0] + levels[-1])
    errs = [
        wind_error_for(base, time=float(t), lat=float(a), lon=float(o), alt=mid, sigma=wind_sigma)
        for t, a, o in zip(ep.time, ep.lat, ep.lon, strict=True)
    ]
    # mean drift speed along the track (the Lagrangian decorrelation of the wind error)
    e, n = enu_offset(ep.lat[:-1], ep.lon[:-1], ep.lat[1:], ep.lon[1:])
    speed = float(np.sum(np.hypot(e, n)) / max(ep.time[-1] - ep.time[0], 1.0))
    alt_ok = np.isfinite(ep.alt)
    if alt_ok.any() and (
        np.any(ep.alt[alt_ok] < levels[0] - 2 * ep.alt_sigma[alt_ok])
        or np.any(ep.alt[alt_ok] > levels[-1] + 2 * ep.alt_sigma[alt_ok])
    ):
        warnings.append("a reported altitude lies outside the band")
    search = _Search(
        ep,
        _with_time_uncertainty(ep),
        kw,
        levels,
        errs,
        speed,
        q_switch=switch_probability,
        airspeed_sigma=airspeed_sigma,
        piece_s=piece_hours * 3600.0,
        max_pieces=max_pieces,
        max_hyps=max_hypotheses,
        dz=dz,
        seed=seed,
    )
    hc = search.run_constant()
    hm, log_zm = search.run(0)
    hp, log_zp = search.run(1)
    n_bound = len(search.pieces) - 1
    z_passive = float(logsumexp(hc.ll)) - math.log(levels.size)
    sw = hm.switches > 0
    wm = np.exp(hm.lw - logsumexp(hm.lw))
    f_sw = float(wm[sw].sum())
    if n_bound > 0 and f_sw > 0.0:
        # sum over schedules with a change of p(s) p(y|s), divided by their prior mass
        p_any = -math.expm1(n_bound * math.log1p(-switch_probability))
        z_changes = log_zm + math.log(f_sw) - math.log(p_any)
    else:
        z_changes = -math.inf
        if n_bound == 0:
            warnings.append("one piece only (two reports): altitude changes cannot be tested")
    z_prop = log_zp
    logz = np.array([z_passive, z_changes, z_prop])
    with np.errstate(divide="ignore"):
        post_log = np.log(pr) + logz
    post = np.exp(post_log - logsumexp(post_log))
    probs = {k: float(v) for k, v in zip(_KEYS, post, strict=True)}
    best = int(np.argmax(post))
    # best fits
    ib = int(np.argmax(hc.ll))
    passive_fit = _fit(search, hc.sched[ib].astype(np.int64), 0, paths)
    schedule_fit = None
    if sw.any():
        isw = np.flatnonzero(sw)
        js = int(isw[np.argmax(hm.ll[isw])])
        schedule_fit = _fit(search, hm.sched[js].astype(np.int64), 0, paths)
    # altitude posterior per piece, mixing the three explanations
    wc = post[0] * np.exp(hc.ll - logsumexp(hc.ll))
    ws = np.where(sw, wm, 0.0)
    ws = post[1] * ws / ws.sum() if ws.sum() > 0 else ws
    wp = post[2] * np.exp(hp.lw - logsumexp(hp.lw))
    altitude = []
    for j, pc in enumerate(search.pieces):
        mass = np.bincount(hc.sched[:, j], weights=wc, minlength=levels.size)
        mass = mass + np.bincount(hm.sched[:, j], weights=ws, minlength=levels.size)
        mass = mass + np.bincount(hp.sched[:, j], weights=wp, minlength=levels.size)
        mass = mass / mass.sum()
        lo90, hi90 = _quantiles(levels, mass, dz, (0.05, 0.95))
        altitude.append(
            {
                "start": pc.start,
                "end": pc.end,
                "mean_m": float(np.sum(mass * levels)),
                "lo90_m": lo90,
                "hi90_m": hi90,
            }
        )
    return MotionExplanation(
        verdict=VERDICTS[best],
        probability=float(post[best]),
        probabilities=probs,
        log_evidence={k: float(v) for k, v in zip(_KEYS, logz, strict=True)},
        passive=passive_fit,
        schedule=schedule_fit,
        altitude=tuple(altitude),
        prior=(float(pr[0]), float(pr[1]), float(pr[2])),
        band=(float(levels[0]), float(levels[-1])),
        levels=levels,
        n_reports=int(ep.time.size),
        wind_source=meta.source,
        wind_error=errs[0],
        airspeed_sigma=float(airspeed_sigma),
        hypotheses=int(hm.size + hp.size),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _quantiles(
    levels: FloatArray, mass: FloatArray, dz: float, qs: tuple[float, float]
) -> tuple[float, float]:
    """Quantiles of the altitude when each level's mass spreads uniformly over its cell
    (half a spacing either side, clipped to the band)."""
    if levels.size == 1:
        return float(levels[0]), float(levels[0])
    lo_edge = np.maximum(levels - dz / 2.0, levels[0])
    hi_edge = np.minimum(levels + dz / 2.0, levels[-1])
    cum = np.concatenate([[0.0], np.cumsum(mass)])
    out = []
    for q in qs:
        k = int(np.clip(np.searchsorted(cum, q, side="left") - 1, 0, levels.size - 1))
        frac = (q - cum[k]) / mass[k] if mass[k] > 0 else 0.5
        out.append(float(lo_edge[k] + np.clip(frac, 0.0, 1.0) * (hi_edge[k] - lo_edge[k])))
    return out[0], out[1]
