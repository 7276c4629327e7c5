r"""Measure, on real flights, the uncertainties the ensembles draw from.

What each flight measures (`measure_flight`), all from its own fixes:

- **Flight parameters**: its mean ascent rate (time-weighted vertical speed of the rising fix
  pairs before the burst), its burst altitude (where the final descent began) and, in
  hindsight, its descent law :math:`-w = v_{sl}(\rho_0/\rho)^k` fitted to the whole descent
  (`physics.fit_descent_law`) with the sea-level rate of the plain parachute law (k = 1/2)
  that falls from the burst to the end in the same time (``descent_rate``).
- **Profile-wind error**: the descent measures the wind again where and when the balloon
  falls; the difference from the ascent's wind at the same altitude (500-m bins, the
  ascent profile of `physics.ascent_profile`) is the error of that profile used at that
  distance and time lag. Each bin keeps the difference (u, v), the structure-function part
  D of `atmosphere.uncertainty.sounding_uncertainty` there (with factor 1) and the
  effective separation :math:`r_{eff}`.
- **Descent-law fit error**: at every re-prediction start of `hindcast` (each 2 min of the
  descent, from the fixes known then), the law fitted so far with its formal errors, and the
  log-ratio of the true remaining fall time to the law's; plus the lever
  :math:`x_a - \bar x`, the log-density ratio between the fit's anchor altitude and the
  fall-time-weighted mean of the remaining fall, over which the exponent's error acts.

What `calibrate` makes of a set of flights (maximum likelihood, no coverage target enters):

- profile wind: ``structure_factor`` a and ``tail_dof`` :math:`\nu` maximising the Student-t
  likelihood of the bins' differences with variance :math:`\sigma_{obs}^2 + f_a(r_{eff}) D`
  (scale :math:`\sigma\sqrt{(\nu-2)/\nu}`, so a and the RMS do not trade off against the
  tails);
- descent law: ``fit_rate_model_sigma_ln`` and ``fit_exponent_model_sigma`` maximising the
  Gaussian likelihood of the fall-time errors with variance
  :math:`\sigma_{w}^2 + s_w^2 + (\sigma_k^2 + s_k^2)(x_a - \bar x)^2` (formal errors
  :math:`\sigma`, model terms s; where the exponent is not fitted yet, :math:`\sigma_k` is
  ``exponent_prior_sigma``, the RMS of (k - 1/2) over the flights' hindsight exponents);
- priors: the RMS of :math:`\ln(x/x_{default})` over the flights (descent and ascent rates:
  all flights; burst altitude: the latex flights that burst); given values: the pooled
  within-group standard deviation of :math:`\ln x` over groups of at least three flights made
  with the same equipment and procedure.

``exclude`` leaves flights out: `verify_flights` with ``leave_one_out`` scores each flight
with constants measured on the others only.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ...atmosphere.standard import RHO0, density
from ...atmosphere.uncertainty import (
    ADVECTION_SPEED,
    SOUNDING_OBS_SIGMA,
    climatology_table,
    sounding_uncertainty,
)
from ...errors import ConfigError
from ...flight.earth import meridian_radius, prime_vertical_radius
from .physics import (
    ascent_profile,
    equivalent_parachute_rate,
    fit_descent_law,
    fix_pairs,
    law_fall_time,
)
from .track import Track, final_descent_start, find_landing

__all__ = [
    "FlightMeasurement",
    "measure_flight",
    "calibrate",
    "CALIBRATION_FLIGHTS",
    "PRIOR_DEFAULTS",
    "calibration_document",
]

FloatArray = npt.NDArray[np.float64]
PRIOR_DEFAULTS = {"ascent_rate": 5.0, "burst_alt": 30000.0, "descent_rate": 5.0}

# The real flights the shipped constants are measured on: (name, root, path, kind, group).
# root "shared": the project's shared data folder; "repo": the repository. kind "latex": a
# latex balloon that burst and came down on a parachute; group: flights made with the same
# equipment and procedure (one radiosonde station).
CALIBRATION_FLIGHTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("umd_ns95", "shared", "tracks/umd_ns95", "latex", ""),
    ("SHAB14V-APRS", "shared", "tracks/shab14v/SHAB14V-APRS.csv", "other", ""),
    (
        "hyacinthsat_bg7zdq_2025-07-06",
        "shared",
        "tracks/hyacinthsat_bg7zdq_2025-07-06",
        "other",
        "",
    ),  # fmt: skip
    ("R3320833", "repo", "tests/data/radiosondy_rs41/R3320833.csv", "latex", "rs41_10618"),
    ("R3330518", "repo", "tests/data/radiosondy_rs41/R3330518.csv", "latex", "rs41_10618"),
    ("S3140158", "repo", "tests/data/radiosondy_rs41/S3140158.csv", "latex", "rs41_10618"),
    ("S3140515", "repo", "tests/data/radiosondy_rs41/S3140515.csv", "latex", "rs41_10618"),
    ("T1240114", "repo", "tests/data/radiosondy_rs41/T1240114.csv", "latex", "rs41_10618"),
    ("T2940341", "repo", "tests/data/radiosondy_rs41/T2940341.csv", "latex", "rs41_10618"),
)


@dataclass(frozen=True, eq=False)
class FlightMeasurement:
    """What one flight measures (module notes). ``wind``: per descent bin ``alt`` (m),
    ``du``, ``dv`` (m/s, descent minus ascent wind), ``d_u``, ``d_v`` (m2/s2, the structure
    function part of the profile error model), ``r_eff_km``; ``fits``: per re-prediction
    start ``minutes_to_landing``, ``log_time_error`` (ln true / predicted remaining fall time),
    ``rate_sigma_ln``, ``exponent_sigma`` (formal; NaN when the exponent was not fitted),
    ``lever``."""

    name: str
    kind: str
    group: str
    ascent_rate: float
    burst_alt: float
    descent_v_sl: float
    descent_exponent: float
    descent_rate: float
    wind: dict[str, FloatArray] = field(default_factory=dict)
    fits: dict[str, FloatArray] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures of this flight (no per-bin arrays)."""
        w = self.wind
        diff = np.r_[w["du"], w["dv"]] if w else np.zeros(0)
        model = np.r_[w["d_u"], w["d_v"]] + SOUNDING_OBS_SIGMA**2 if w else np.zeros(0)
        return {
            "name": self.name,
            "kind": self.kind,
            "group": self.group,
            "ascent_rate_m_s": round(self.ascent_rate, 3),
            "burst_alt_m": round(self.burst_alt, 1),
            "descent_v_sl_m_s": round(self.descent_v_sl, 3),
            "descent_exponent": round(self.descent_exponent, 3),
            "descent_rate_m_s": round(self.descent_rate, 3),
            "wind_bins": int(w["du"].size) if w else 0,
            "wind_rms_difference_m_s": round(float(np.sqrt(np.mean(diff**2))), 3)
            if diff.size
            else None,
            "wind_rms_model_a1_m_s": round(float(np.sqrt(np.mean(model))), 3)
            if model.size
            else None,
            "repredictions": int(self.fits["lever"].size) if self.fits else 0,
        }


def _descent_bins(track: Track, burst: int, end: int, bin_m: float) -> dict[str, FloatArray] | None:
    p = fix_pairs(track, burst, end)
    if p.dt.size == 0:
        return None
    k = np.floor(p.alt / bin_m).astype(np.int64)
    _, inv = np.unique(k, return_inverse=True)
    w = np.asarray(np.bincount(inv, weights=p.dt), dtype=np.float64)
    lat = 0.5 * (track.lat[p.a] + track.lat[p.b])
    lon0 = float(track.lon[p.a[0]])
    lon = lon0 + 0.5 * (
        ((track.lon[p.a] - lon0 + 180.0) % 360.0 - 180.0)
        + ((track.lon[p.b] - lon0 + 180.0) % 360.0 - 180.0)
    )

    def mean(x: FloatArray) -> FloatArray:
        return np.asarray(np.bincount(inv, weights=x * p.dt) / w, dtype=np.float64)

    return {
        "alt": mean(p.alt),
        "u": mean(p.u),
        "v": mean(p.v),
        "time": mean(p.time),
        "lat": mean(lat),
        "lon": ((mean(lon) + 180.0) % 360.0) - 180.0,
        "span": w,
    }


def _distance_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    mid = np.radians(0.5 * (lat1 + lat2))
    dx = np.radians(((lon2 - lon1 + 180.0) % 360.0) - 180.0) * np.cos(mid)
    dx = dx * prime_vertical_radius(np.degrees(mid))
    dy = np.radians(lat2 - lat1) * meridian_radius(np.degrees(mid))
    return np.asarray(np.hypot(dx, dy) / 1e3, dtype=np.float64)


def measure_flight(
    track: Track,
    *,
    kind: str = "other",
    group: str = "",
    every_s: float = 120.0,
    min_height_m: float = 100.0,
    ground: float | None = None,
    bin_m: float = 500.0,
    min_bin_s: float = 30.0,
) -> FlightMeasurement:
    """Measure one flight (module notes). ``every_s`` and ``min_height_m``: the re-prediction
    schedule of `hindcast`; ``ground``: end altitude (None: the log's); bins with less than
    ``min_bin_s`` of descent pairs are dropped."""
    from .hindcast import VerifyOptions, _schedule

    landing = find_landing(track)
    burst = final_descent_start(track, end=landing.index)
    gnd = landing.ground if ground is None else float(ground)
    if float(track.alt[burst]) <= gnd + 1.0:
        raise ConfigError(f"{track.name}: no descent above the ground to measure")
    # flight parameters
    asc = fix_pairs(track, 0, burst)
    up = asc.w > 0.5
    ascent_rate = (
        float(np.sum(asc.w[up] * asc.dt[up]) / np.sum(asc.dt[up])) if up.any() else math.nan
    )
    hind = fit_descent_law(track, burst, landing.index, window_s=math.inf)
    if hind is None:
        raise ConfigError(f"{track.name}: too few descent fixes to fit its descent law")
    eq = equivalent_parachute_rate(hind.v_sl, hind.exponent, float(track.alt[burst]), gnd)
    # profile-wind error: descent bins against the ascent profile at the same altitude
    wind: dict[str, FloatArray] = {}
    prof = ascent_profile(track, burst, bin_m=bin_m)
    bins = _descent_bins(track, burst, landing.index, bin_m)
    if bins is not None and prof.alt.size >= 2:
        ok = (bins["alt"] >= prof.alt.min()) & (bins["alt"] <= prof.alt.max())
        ok &= bins["span"] >= min_bin_s
        h = bins["alt"][ok]
        unc = sounding_uncertainty(
            prof.alt, prof.lat, prof.lon, prof.time, kind="profile", structure_factor=1.0,
            tail_dof=math.inf,
        )  # fmt: skip
        su, sv = unc.sigma(bins["time"][ok], bins["lat"][ok], bins["lon"][ok], h)
        ua, va = prof.at(h)
        st_lat = np.interp(h, prof.alt, prof.lat)
        st_lon = np.interp(h, prof.alt, prof.lon)
        st_t = np.interp(h, prof.alt, prof.time)
        r = _distance_km(bins["lat"][ok], bins["lon"][ok], st_lat, st_lon)
        lag = np.abs(bins["time"][ok] - st_t)
        obs2 = SOUNDING_OBS_SIGMA**2
        wind = {
            "alt": h,
            "du": bins["u"][ok] - ua,
            "dv": bins["v"][ok] - va,
            "d_u": np.maximum(su**2 - obs2, 0.0),
            "d_v": np.maximum(sv**2 - obs2, 0.0),
            "r_eff_km": np.sqrt(r**2 + (ADVECTION_SPEED * lag / 1e3) ** 2),
        }
    # descent-law fit errors at each re-prediction start
    rows: list[tuple[float, float, float, float, float]] = []
    opts = VerifyOptions(every_s=every_s, min_height_m=min_height_m)
    t_land = float(track.time[landing.index])
    for _number, k in _schedule(track, burst, landing.index, gnd, opts)[1:]:
        known = track.head(k + 1)
        fit = fit_descent_law(known, burst, k)
        if fit is None:
            continue
        h0 = float(track.alt[k])
        t_pred = law_fall_time(fit.v_sl, fit.exponent, h0, gnd)
        t_true = t_land - float(track.time[k])
        if t_pred <= 0.0 or t_true <= 0.0:
            continue
        hh = np.linspace(gnd, h0, 200)
        wgt = (density(hh) / RHO0) ** fit.exponent  # dt/dh of the law: time weights
        x_bar = float(np.sum(np.log(RHO0 / density(hh)) * wgt) / np.sum(wgt))
        x_a = math.log(RHO0 / float(density(fit.anchor_alt)))
        # an exponent not fitted yet (too little density range) is the prior's: NaN here
        s_k = fit.exponent_sigma if fit.exponent_fitted else math.nan
        rows.append((t_true / 60.0, math.log(t_true / t_pred), fit.rate_sigma_ln, s_k, x_a - x_bar))
    arr = np.array(rows, dtype=np.float64).reshape(-1, 5)
    fits = {
        "minutes_to_landing": arr[:, 0],
        "log_time_error": arr[:, 1],
        "rate_sigma_ln": arr[:, 2],
        "exponent_sigma": arr[:, 3],
        "lever": arr[:, 4],
    }
    return FlightMeasurement(
        name=track.name, kind=kind, group=group, ascent_rate=ascent_rate,
        burst_alt=float(track.alt[burst]), descent_v_sl=hind.v_sl,
        descent_exponent=hind.exponent, descent_rate=eq, wind=wind, fits=fits,
    )  # fmt: skip


# ------------------------------------------------------------------------- calibration
def _profile_fit(ms: Sequence[FlightMeasurement]) -> dict[str, Any]:
    from scipy import optimize, stats

    x = np.concatenate([np.r_[m.wind["du"], m.wind["dv"]] for m in ms if m.wind])
    d = np.concatenate([np.r_[m.wind["d_u"], m.wind["d_v"]] for m in ms if m.wind])
    r = np.concatenate([np.r_[m.wind["r_eff_km"], m.wind["r_eff_km"]] for m in ms if m.wind])
    if x.size < 20:
        raise ConfigError(f"too few profile-wind differences to calibrate ({x.size})")
    length_km = climatology_table().length_m / 1e3
    blend = 1.0 - np.exp(-0.5 * (r / length_km) ** 2)
    obs2 = SOUNDING_OBS_SIGMA**2

    def nll(p: FloatArray) -> float:
        a, nu = float(p[0]), float(p[1])
        if not (0.01 <= a <= 1.0 and 2.2 <= nu <= 200.0):
            return 1e12
        var = obs2 + (a + (1.0 - a) * blend) * d
        scale = np.sqrt(var * (nu - 2.0) / nu)
        return float(-np.sum(stats.t.logpdf(x / scale, nu) - np.log(scale)))

    best = None
    for a0 in (0.2, 0.5, 0.9):
        for nu0 in (4.0, 10.0, 40.0):
            o = optimize.minimize(nll, np.array([a0, nu0]), method="Nelder-Mead",
                                  options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 2000})  # fmt: skip
            if best is None or o.fun < best.fun:
                best = o
    assert best is not None
    a, nu = float(best.x[0]), float(best.x[1])
    var = obs2 + (a + (1.0 - a) * blend) * d
    return {
        "structure_factor": round(a, 4),
        "tail_dof": round(nu, 3),
        "samples": int(x.size),
        "flights": sum(1 for m in ms if m.wind),
        "rms_difference_m_s": round(float(np.sqrt(np.mean(x**2))), 4),
        "rms_model_m_s": round(float(np.sqrt(np.mean(var))), 4),
        "rms_model_factor1_m_s": round(float(np.sqrt(np.mean(obs2 + d))), 4),
        "kurtosis": round(float(np.mean((x / np.sqrt(var)) ** 4) / np.mean(x**2 / var) ** 2), 3),
        "references": ["AndrewsMallows1974", "TavolatoIsaksen2015", "NastromGage1985"],
    }


def _fit_model(ms: Sequence[FlightMeasurement], k_prior: float) -> tuple[float, float, int]:
    from scipy import optimize

    e = np.concatenate([m.fits["log_time_error"] for m in ms if m.fits])
    sr = np.concatenate([m.fits["rate_sigma_ln"] for m in ms if m.fits])
    sk = np.concatenate([m.fits["exponent_sigma"] for m in ms if m.fits])
    sk = np.where(np.isfinite(sk), sk, k_prior)
    lev = np.concatenate([m.fits["lever"] for m in ms if m.fits])
    if e.size < 10:
        raise ConfigError(f"too few re-prediction fits to calibrate ({e.size})")

    def nll(p: FloatArray) -> float:
        s0, tau = abs(float(p[0])), abs(float(p[1]))
        var = sr**2 + s0**2 + (sk**2 + tau**2) * lev**2 + 1e-12
        return float(0.5 * np.sum(np.log(var) + e**2 / var))

    o = optimize.minimize(nll, np.array([0.05, 0.1]), method="Nelder-Mead",
                          options={"xatol": 1e-5, "fatol": 1e-7})  # fmt: skip
    return abs(float(o.x[0])), abs(float(o.x[1])), int(e.size)


def _rms_log(values: Sequence[float], default: float) -> float:
    v = np.asarray([x for x in values if math.isfinite(x) and x > 0.0], dtype=np.float64)
    if v.size == 0:
        raise ConfigError("no flight measures this parameter")
    return float(np.sqrt(np.mean(np.log(v / default) ** 2)))


def _within_group(ms: Sequence[FlightMeasurement], attr: str) -> tuple[float, str]:
    groups: dict[str, list[float]] = {}
    for m in ms:
        val = float(getattr(m, attr))
        if m.group and math.isfinite(val) and val > 0.0:
            groups.setdefault(m.group, []).append(math.log(val))
    ss = 0.0
    dof = 0
    names = []
    for g, vals in groups.items():
        if len(vals) >= 3:
            a = np.asarray(vals)
            ss += float(np.sum((a - a.mean()) ** 2))
            dof += a.size - 1
            names.append(f"{g} ({a.size} flights)")
    if dof == 0:
        raise ConfigError(f"no group of >= 3 flights of one configuration measures {attr}")
    return math.sqrt(ss / dof), "pooled within-group SD of ln x: " + ", ".join(names)


def calibrate(
    measurements: Sequence[FlightMeasurement], *, exclude: Collection[str] = ()
) -> dict[str, Any]:
    """The constants (a dict shaped like ``data/uncertainty_calibration.json``'s sections)
    from the flights not in ``exclude`` (module notes)."""
    ms = [m for m in measurements if m.name not in set(exclude)]
    if len(ms) < 2:
        raise ConfigError(f"calibration needs at least two flights, got {len(ms)}")
    k_prior = float(np.sqrt(np.mean([(m.descent_exponent - 0.5) ** 2 for m in ms])))
    s0, tau, n_fits = _fit_model(ms, k_prior)
    out: dict[str, Any] = {"profile_wind": _profile_fit(ms)}
    desc = {
        "prior_median": PRIOR_DEFAULTS["descent_rate"],
        "prior_sigma_ln": round(_rms_log([m.descent_rate for m in ms], 5.0), 4),
        "prior_flights": len(ms),
        "fit_rate_model_sigma_ln": round(s0, 4),
        "fit_exponent_model_sigma": round(tau, 4),
        "exponent_prior_sigma": round(k_prior, 4),
        "fit_starts": n_fits,
        "references": ["Knacke1992", "Ingleby2022"],
    }
    try:
        g, basis = _within_group(ms, "descent_rate")
        desc.update(given_sigma_ln=round(g, 4), given_basis=basis)
    except ConfigError:
        pass
    out["descent_rate"] = desc
    asc = {
        "prior_median": PRIOR_DEFAULTS["ascent_rate"],
        "prior_sigma_ln": round(_rms_log([m.ascent_rate for m in ms], 5.0), 4),
        "prior_flights": sum(1 for m in ms if math.isfinite(m.ascent_rate)),
        "references": ["Sobester2014"],
    }
    try:
        g, basis = _within_group(ms, "ascent_rate")
        asc.update(given_sigma_ln=round(g, 4), given_basis=basis)
    except ConfigError:
        pass
    out["ascent_rate"] = asc
    latex = [m for m in ms if m.kind == "latex"]
    if latex:
        bur = {
            "prior_median": PRIOR_DEFAULTS["burst_alt"],
            "prior_sigma_ln": round(_rms_log([m.burst_alt for m in latex], 30000.0), 4),
            "prior_flights": len(latex),
            "references": ["Sobester2014"],
        }
        try:
            g, basis = _within_group(latex, "burst_alt")
            bur.update(given_sigma_ln=round(g, 4), given_basis=basis)
        except ConfigError:
            pass
        out["burst_alt"] = bur
    return out


def calibration_document(measurements: Sequence[FlightMeasurement]) -> dict[str, Any]:
    """The content of ``data/uncertainty_calibration.json``: `calibrate` on all flights, each
    flight's figures, and each flight's leave-one-out constants."""
    doc: dict[str, Any] = {
        "what": "uncertainties measured on real flights: profile-wind error (structure factor, "
        "Student-t tails), flight-parameter spreads by provenance (prior, given, fitted descent "
        "law); see docs/uncertainty.md",
        "command": "python tools/measure_flight_uncertainty.py",
        "measured_on": [m.name for m in measurements],
    }
    doc.update(calibrate(measurements))
    doc["flights"] = [m.summary() for m in measurements]
    loo: dict[str, Any] = {}
    for m in measurements:
        c = calibrate(measurements, exclude={m.name})
        loo[m.name] = {
            "structure_factor": c["profile_wind"]["structure_factor"],
            "tail_dof": c["profile_wind"]["tail_dof"],
            "descent_prior_sigma_ln": c["descent_rate"]["prior_sigma_ln"],
            "fit_rate_model_sigma_ln": c["descent_rate"]["fit_rate_model_sigma_ln"],
            "fit_exponent_model_sigma": c["descent_rate"]["fit_exponent_model_sigma"],
            "exponent_prior_sigma": c["descent_rate"]["exponent_prior_sigma"],
        }
    doc["leave_one_out"] = loo
    return doc
