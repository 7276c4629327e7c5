r"""Hindcast verification of one real flight: predict its descent from its burst and again
every few minutes on the way down, each time from what was known then, and score each
prediction against where it really landed.

Procedure (`verify_flight`):

1. Read the flight (`track.load_track`), find where it landed by ground dwell
   (`track.find_landing`) and where its final descent began (`track.final_descent_start`,
   the burst).
2. The wind: the profile its own ascent measured (`physics.ascent_profile`: altitude-binned
   drift of the fixes before the burst), or any wind source given.
3. **From burst**: a parachute descent (`predict(profile="descent")`) from the burst fix to
   the ground, at the prior sea-level descent rate (``descent_rate``, default 5 m/s, the
   default of `predict`): at burst nothing of the descent is known yet.
4. **Re-predictions**, every ``every_s`` (2 min) of the descent until ``min_height_m`` above
   the ground, from the last fix at or before that time, using only fixes up to it: the
   parachute law fitted to the descent so far (`physics.fit_descent_rate`) and the ascent wind
   corrected by the wind error seen so far in the descent (`physics.descent_wind_error`,
   decaying below, `physics.corrected_profile`). The baseline beside it is the plain
   parachute law from the same fix: the rate of the last minute's fixes, the uncorrected
   ascent wind (what a simple re-predictor does).
5. Each start is scored: distance from the predicted to the true landing point, and with
   ``members > 1`` the ensemble of `predict` (its own perturbation model) is scored by
   `scores.score_ensemble`: the truth's quantile, whether it is inside the 50 %/90 % regions,
   CRPS.

No look-ahead: a start at time t reads only fixes at or before t (`Track.upto`). The ground
altitude is terrain (known before the flight from a DEM; here taken from the log's dwell, or
given with ``ground``); the truth (landing point and time) is used only to score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ...atmosphere.uncertainty import WindUncertainty, sounding_uncertainty
from ...atmosphere.wind import WindField
from ...errors import ConfigError
from ...flight.windargs import resolve_wind
from ...timeutil import iso
from ..core import Prediction, predict
from ..flight_uncertainty import FlightParameter, fitted_descent, given, prior
from ..regions import distance_km
from .physics import (
    AscentProfile,
    ascent_profile,
    corrected_profile,
    descent_wind_error,
    fit_descent_law,
    fit_descent_rate,
    law_fall_time,
    parachute_fall_time,
)
from .scores import score_ensemble
from .track import Landing, Track, final_descent_start, find_landing, load_track

__all__ = ["VerifyOptions", "FlightVerification", "verify_flight", "hindcast", "Hindcast"]

FloatArray = npt.NDArray[np.float64]
FlightInput = str | Path | Sequence[str | Path] | Track
PRIOR_DESCENT_RATE = 5.0  # m/s at sea level: the default of `predict`
LEAD_BINS_MIN = (0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 240.0)


@dataclass(frozen=True)
class VerifyOptions:
    """How `verify_flight` predicts and scores (all keyword; see the module notes).

    members, seed : ensemble size (1: deterministic only) and base seed (start k uses
        ``seed + k``). wind_sigma, descent_rate_sigma : passed to `predict` for the ensembles
        (None: its defaults, the wind source's own error model and the rate's spread by
        provenance, `predict.flight_uncertainty`).
    wind : None or ``"ascent"`` (the flight's own ascent), else a wind source for `predict`.
    descent_rate : sea-level descent rate for the start at burst (m/s); None: the prior
        (5 m/s, spread as real flights' rates are about it), a number: a given rate.
    calibration : the measured constants to use (a dict shaped like
        ``data/uncertainty_calibration.json``, e.g. `measure.calibrate` of other flights:
        `verify_flights` with ``leave_one_out``); None: the shipped ones.
    ground : end altitude (m MSL); None: the log's ground dwell, else its last fix.
    every_s : time between re-predictions (s); 0 disables them. min_height_m : none below
        this height above the ground. rate_window_s : descent fixes used for the rate fit.
    correction_window_m, correction_scale_m : descent span averaged for the wind error, and
        its decay scale below (0: no correction, inf: no decay). bin_m : ascent wind bins.
    """

    members: int = 1
    seed: int = 0
    wind_sigma: float | None = None
    descent_rate_sigma: float | None = None
    wind: str | None = None
    descent_rate: float | None = None
    ground: float | None = None
    every_s: float = 120.0
    min_height_m: float = 100.0
    rate_window_s: float = 600.0
    descent_exponent: float | None = None
    correction_window_m: float = 1500.0
    correction_scale_m: float = 2000.0
    bin_m: float = 500.0
    calibration: dict[str, Any] | None = None

    def check(self) -> VerifyOptions:
        if int(self.members) < 1:
            raise ConfigError(f"members must be >= 1, got {self.members}")
        for name in ("descent_rate", "bin_m"):
            if getattr(self, name) is None:
                continue
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v > 0):
                raise ConfigError(f"{name} must be a positive number, got {v}")
        for name in ("every_s", "min_height_m", "rate_window_s", "correction_window_m"):
            v = float(getattr(self, name))
            if not (math.isfinite(v) and v >= 0):
                raise ConfigError(f"{name} must be a number >= 0, got {v}")
        if not (self.correction_scale_m >= 0):
            raise ConfigError(f"correction_scale_m must be >= 0, got {self.correction_scale_m}")
        if self.descent_exponent is not None and not 0.0 < float(self.descent_exponent) <= 2.0:
            raise ConfigError(
                f"descent_exponent must be in (0, 2] (0.5: the parachute law), "
                f"got {self.descent_exponent}"
            )
        for name in ("wind_sigma", "descent_rate_sigma"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(float(v)) and float(v) >= 0):
                raise ConfigError(f"{name} must be a number >= 0, got {v}")
        if self.ground is not None and not math.isfinite(float(self.ground)):
            raise ConfigError(f"ground must be a finite altitude (m), got {self.ground}")
        return self


@dataclass(frozen=True, eq=False)
class FlightVerification:
    """Result of `verify_flight`: the flight, its landing and burst, and one record per start
    (``starts[0]`` from burst, then the re-predictions)."""

    track: str
    files: list[str]
    landing: Landing
    burst: dict[str, float]
    end_alt: float
    descent_distance_km: float
    wind: str
    starts: list[dict[str, Any]]
    by_lead: list[dict[str, float]] = field(default_factory=list)
    hindsight: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def landing_error_km(self) -> float:
        """Error of the prediction from burst (km)."""
        return float(self.starts[0]["landing_error_km"])

    @property
    def start_alt(self) -> float:
        return float(self.burst["alt"])

    @property
    def repredictions(self) -> list[dict[str, Any]]:
        return self.starts[1:]

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (one flight of ``verify --json``)."""
        lnd = self.landing
        return {
            "track": self.track,
            "files": self.files,
            "burst": {
                "time": iso(self.burst["time"]),
                "lat": round(self.burst["lat"], 5),
                "lon": round(self.burst["lon"], 5),
                "alt_m": round(self.burst["alt"], 1),
            },
            "landing": {
                "time": iso(lnd.time),
                "lat": round(lnd.lat, 5),
                "lon": round(lnd.lon, 5),
                "landed": lnd.landed,
                "ground_dwell_s": round(lnd.dwell_s, 1),
                "ground_from_log_m": round(lnd.ground, 1),
            },
            "end_alt_m": round(self.end_alt, 1),
            "descent_distance_km": round(self.descent_distance_km, 3),
            "wind": self.wind,
            "from_burst": self.starts[0],
            "repredictions": self.starts[1:],
            "by_lead": self.by_lead,
            "hindsight": self.hindsight,
            "warnings": self.warnings,
        }


Hindcast = FlightVerification


def _run(
    trk: Track, k: int, wind: Any, rate: float | FlightParameter | None, ground: float,
    hours: float, *, members: int, seed: int, wind_sigma: float | None,
    rate_sigma: float | None = None, uncertainty: WindUncertainty | None = None,
) -> Prediction:  # fmt: skip
    return predict(
        float(trk.time[k]), float(trk.lat[k]), float(trk.lon[k]), float(trk.alt[k]),
        profile="descent", wind=wind, hours=hours, descent_rate=rate, ground=ground,
        members=members, seed=seed, wind_sigma=(0.0 if members == 1 else wind_sigma),
        descent_rate_sigma=(0.0 if members == 1 else rate_sigma), output_step_s=10.0,
        uncertainty=None if members == 1 or wind_sigma is not None else uncertainty,
    )  # fmt: skip


def _slowest_fall(law: FlightParameter, alt: float, ground: float) -> float:
    """Fall time (s) from ``alt`` of the slowest member `FlightParameter.draw` can give (rate
    at -3 sigma, exponent at +-3 sigma pivoted about the anchor)."""
    z = np.array([-3.0, -3.0, -3.0])
    z2 = np.array([-3.0, 0.0, 3.0])
    vals, ks = law.draw(z, z2)
    return max(
        law_fall_time(float(v), float(k), alt, ground) for v, k in zip(vals, ks, strict=True)
    )


def _profile_model(profile: AscentProfile, options: VerifyOptions) -> WindUncertainty | None:
    """The error model of the flight's ascent profile with the constants of
    ``options.calibration`` (None: the shipped ones, which `profile_wind` applies)."""
    cal = options.calibration
    if cal is None:
        return None
    pw = cal["profile_wind"]
    return sounding_uncertainty(
        profile.alt, profile.lat, profile.lon, profile.time, kind="profile",
        source=f"{profile.name} ascent", structure_factor=float(pw["structure_factor"]),
        tail_dof=float(pw["tail_dof"]),
    )  # fmt: skip


def predict_start(
    known: Track,
    burst: int,
    k: int,
    number: int,
    *,
    profile: AscentProfile | None,
    wind: WindField | str,
    ground: float,
    options: VerifyOptions,
) -> tuple[dict[str, Any], Prediction, Prediction | None]:
    """The prediction from fix ``k`` of ``known`` (a track that ends at or after fix ``k``,
    of which only fixes ``0..k`` are read) with start number ``number`` (0: burst): its
    record (without the truth), the deterministic run and the ensemble (or None)."""
    trk = known.head(k + 1)  # nothing after the start is read
    rec: dict[str, Any] = {
        "kind": "burst" if number == 0 else "reprediction",
        "time": iso(float(trk.time[k])),
        "start_alt_m": round(float(trk.alt[k]), 1),
        "start_lat": round(float(trk.lat[k]), 5),
        "start_lon": round(float(trk.lon[k]), 5),
    }
    cal = options.calibration
    law: FlightParameter
    if options.descent_rate is None:
        law = prior("descent_rate", calibration=cal)
    else:
        law = given("descent_rate", float(options.descent_rate), calibration=cal)
    rate_from = law.provenance
    base_rate = law.value
    du = dv = 0.0
    if number > 0:
        fit = fit_descent_law(
            trk, burst, k, window_s=options.rate_window_s, exponent=options.descent_exponent
        )
        if fit is not None:
            law = fitted_descent(
                fit.v_sl, fit.exponent, anchor_alt=fit.anchor_alt,
                rate_sigma_ln=fit.rate_sigma_ln, exponent_sigma=fit.exponent_sigma,
                pairs=fit.pairs,
                exponent_fitted=fit.exponent_fitted or options.descent_exponent is not None,
                calibration=cal,
            )  # fmt: skip
            if options.descent_exponent is not None:
                law = FlightParameter(
                    name=law.name, value=law.value, sigma_ln=law.sigma_ln,
                    provenance=law.provenance, basis=law.basis, references=law.references,
                    exponent=law.exponent, exponent_sigma=0.0, anchor_alt=law.anchor_alt,
                )  # fmt: skip
            rate_from = f"fit ({fit.pairs} pairs, last {options.rate_window_s:g} s)"
            rec["fitted_law"] = {
                "v_sl_m_s": round(fit.v_sl, 3),
                "exponent": round(fit.exponent, 3),
                "anchor_alt_m": round(fit.anchor_alt, 1),
                "rate_sigma_ln": round(law.sigma_ln, 4),
                "exponent_sigma": round(law.exponent_sigma, 4),
            }
        last = fit_descent_rate(trk, burst, k, window_s=60.0, min_pairs=1)
        base_rate = last[0] if last is not None else law.value
        if profile is not None and options.correction_scale_m > 0:
            du, dv, _ = descent_wind_error(
                trk, profile, burst, k, window_m=options.correction_window_m
            )
    # the horizon: three times the fall time of the slower law, and long enough for the
    # slowest ensemble member to land (no use of the real landing)
    fall = max(
        law_fall_time(law.value, law.exponent, float(trk.alt[k]), ground),
        parachute_fall_time(base_rate, float(trk.alt[k]), ground),
    )
    slow = _slowest_fall(law, float(trk.alt[k]), ground) if options.members > 1 else 0.0
    hours = max(3.0 * fall, 1.2 * slow, 3600.0) / 3600.0
    model_wind: Any = wind
    if profile is not None and (du or dv):
        model_wind = corrected_profile(
            profile, du, dv, float(trk.alt[k]), scale_m=options.correction_scale_m
        )
    run = _run(trk, k, model_wind, law, ground, hours, members=1, seed=0, wind_sigma=None)
    rec.update(
        descent_rate_m_s=round(law.value, 3),
        descent_exponent=round(law.exponent, 3),
        rate_from=rate_from,
        wind_correction_m_s=[round(du, 3), round(dv, 3)],
        predicted_end=[round(float(run.end_lat[0]), 5), round(float(run.end_lon[0]), 5)],
        predicted_landing_time=iso(float(run.end_time[0])),
    )
    if number > 0:
        base = _run(trk, k, wind, base_rate, ground, hours, members=1, seed=0, wind_sigma=None)
        rec["baseline_end"] = [round(float(base.end_lat[0]), 5), round(float(base.end_lon[0]), 5)]
        rec["baseline_descent_rate_m_s"] = round(base_rate, 3)
    ens = None
    if options.members > 1:
        ens = _run(
            trk, k, model_wind, law, ground, hours, members=int(options.members),
            seed=int(options.seed) + number, wind_sigma=options.wind_sigma,
            rate_sigma=options.descent_rate_sigma,
            uncertainty=None if profile is None else _profile_model(profile, options),
        )  # fmt: skip
        unc = ens.params.get("uncertainty") or {}
        start_w = unc.get("wind") or {}
        rec["spread"] = {
            "wind_sigma_m_s": [start_w.get("sigma_u_m_s"), start_w.get("sigma_v_m_s")],
            "wind_model": start_w.get("kind"),
            "wind_tail_dof": start_w.get("tail_dof"),
            "flight": unc.get("flight"),
            "descent_rate": (unc.get("flight_parameters") or {}).get("descent_rate"),
        }
    return rec, run, ens


def _schedule(
    trk: Track, burst: int, stop: int, ground: float, options: VerifyOptions
) -> list[tuple[int, int]]:
    """(start number, fix index) of the starts: 0 at burst, then one every ``every_s``."""
    out = [(0, burst)]
    if options.every_s <= 0:
        return out
    t0 = float(trk.time[burst])
    prev = burst
    number = 1
    while True:
        t = t0 + number * options.every_s
        if t >= trk.time[stop]:
            break
        k = int(np.searchsorted(trk.time, t, side="right")) - 1
        if trk.alt[k] <= ground + options.min_height_m:
            break
        if k > prev:
            out.append((number, k))
            prev = k
        number += 1
    return out


def verify_flight(
    flight: FlightInput, options: VerifyOptions | None = None, **overrides: Any
) -> FlightVerification:
    """Hindcast one flight from burst and during its descent, scored (module notes).

    ``flight``: a `Track`, a file, a flight folder or a list of files of one flight.
    ``options``: a `VerifyOptions` (keyword ``overrides`` replace its fields).
    """
    opts = options or VerifyOptions()
    if overrides:
        opts = VerifyOptions(**{**asdict(opts), **overrides})
    opts.check()
    trk = flight if isinstance(flight, Track) else load_track(flight)
    files = (
        [str(f) for f in ([flight] if isinstance(flight, str | Path) else flight)]
        if not isinstance(flight, Track)
        else [trk.name]
    )
    landing = find_landing(trk)
    burst = final_descent_start(trk, end=landing.index)
    ground = landing.ground if opts.ground is None else float(opts.ground)
    warnings: list[str] = []
    if float(trk.alt[burst]) <= ground + 1.0:
        raise ConfigError(
            f"the descent starts at {trk.alt[burst]:.0f} m, not above the ground ({ground:.0f} m)"
        )
    if not landing.landed:
        warnings.append(
            f"no ground dwell in the log: the truth is its last fix "
            f"({iso(landing.time)}, {landing.ground:.0f} m)"
        )
        if opts.ground is not None and landing.ground > ground + 50.0:
            warnings.append(
                f"the log ends {landing.ground - ground:.0f} m above the given ground: the "
                "predicted landing is compared with the last fix"
            )
    profile: AscentProfile | None = None
    if opts.wind is None or opts.wind == "ascent":
        profile = ascent_profile(trk, burst, bin_m=opts.bin_m)
        wind: WindField = profile.wind()
        wind_name = wind.meta.source
    else:
        wind = resolve_wind(opts.wind)
        wind_name = wind.meta.source
    starts: list[dict[str, Any]] = []
    leads: list[FloatArray] = []
    errs: list[FloatArray] = []
    after_t = trk.time[burst : landing.index + 1]
    after_la = trk.lat[burst : landing.index + 1]
    after_lo = trk.lon[burst : landing.index + 1]
    for number, k in _schedule(trk, burst, landing.index, ground, opts):
        rec, run, ens = predict_start(
            trk, burst, k, number, profile=profile, wind=wind, ground=ground, options=opts,
        )  # fmt: skip
        rec["minutes_to_landing"] = round((landing.time - float(trk.time[k])) / 60.0, 2)
        rec["landing_error_km"] = round(
            float(distance_km(run.end_lat[0], run.end_lon[0], landing.lat, landing.lon)), 3
        )
        rec["landing_time_error_s"] = round(float(run.end_time[0]) - landing.time, 1)
        if "baseline_end" in rec:
            base_lat, base_lon = rec["baseline_end"]
            rec["baseline_error_km"] = round(
                float(distance_km(base_lat, base_lon, landing.lat, landing.lon)), 3
            )
        if ens is not None:
            rec.update(score_ensemble(ens.end_lat, ens.end_lon, landing.lat, landing.lon))
        starts.append(rec)
        # path errors by lead time against the fixes that follow the start
        sel = after_t > trk.time[k]
        tt = after_t[sel]
        lat_p = np.interp(tt, run.times, run.lat[0], right=np.nan)
        lon_p = np.interp(tt, run.times, run.lon[0], right=np.nan)
        landed = ~np.isfinite(lat_p)
        lat_p[landed] = run.end_lat[0]
        lon_p[landed] = run.end_lon[0]
        leads.append((tt - trk.time[k]) / 60.0)
        errs.append(distance_km(lat_p, lon_p, after_la[sel], after_lo[sel]))
        for w in run.warnings:
            if w not in warnings and "wind estimated" not in w:
                warnings.append(w)
    # hindsight: the rate fitted to the whole descent (known only after landing)
    hind = fit_descent_rate(trk, burst, landing.index, window_s=math.inf)
    hindsight: dict[str, float] = {}
    if hind is not None:
        hours = max(3.0 * parachute_fall_time(hind[0], float(trk.alt[burst]), ground), 3600.0)
        h = _run(
            trk, burst, wind, hind[0], ground, hours / 3600.0, members=1, seed=0, wind_sigma=None
        )
        hindsight = {
            "descent_rate_m_s": round(hind[0], 3),
            "landing_error_km": round(
                float(distance_km(h.end_lat[0], h.end_lon[0], landing.lat, landing.lon)), 3
            ),
        }
    if trk.issues:
        warnings.append(f"{trk.issues} unreadable row(s)/packet(s) skipped")
    warnings.extend(trk.notes)
    return FlightVerification(
        track=trk.name,
        files=files,
        landing=landing,
        burst={
            "time": float(trk.time[burst]),
            "lat": float(trk.lat[burst]),
            "lon": float(trk.lon[burst]),
            "alt": float(trk.alt[burst]),
        },
        end_alt=ground,
        descent_distance_km=float(
            distance_km(trk.lat[burst], trk.lon[burst], landing.lat, landing.lon)
        ),
        wind=wind_name,
        starts=starts,
        by_lead=_by_lead(leads, errs),
        hindsight=hindsight,
        warnings=warnings,
        options=asdict(opts),
    )


def _by_lead(leads: list[FloatArray], errs: list[FloatArray]) -> list[dict[str, float]]:
    lead = np.concatenate(leads) if leads else np.zeros(0)
    error = np.concatenate(errs) if errs else np.zeros(0)
    out = []
    for lo_, hi_ in zip(LEAD_BINS_MIN[:-1], LEAD_BINS_MIN[1:], strict=True):
        sel = (lead >= lo_) & (lead < hi_)
        if sel.any():
            out.append(
                {
                    "lead_min_from": lo_,
                    "lead_min_to": hi_,
                    "n": int(sel.sum()),
                    "median_km": round(float(np.median(error[sel])), 3),
                    "p90_km": round(float(np.quantile(error[sel], 0.9)), 3),
                }
            )
    return out


def hindcast(
    track: FlightInput,
    *,
    wind: str | None = None,
    descent_rate: float | None = None,
    members: int = 1,
    seed: int = 0,
    ground: float | None = None,
    every_s: float = 120.0,
) -> FlightVerification:
    """`verify_flight` with the common options as keywords."""
    return verify_flight(
        track,
        VerifyOptions(
            members=members, seed=seed, wind=wind, ground=ground, every_s=every_s,
            descent_rate=None if descent_rate is None else float(descent_rate),
        ),
    )  # fmt: skip
