"""Hindcast campaigns: verify many flights and add the scores up.

`verify_flights` takes a list of flights (each a file, a folder or a list of files of one
flight) and returns a `Campaign`: one `FlightVerification` per flight and the totals
(`aggregate`). Flights are independent: `verify_flight` is a pure function of (flight,
`VerifyOptions`), its result a picklable dataclass, so a campaign can be mapped over a Dask
cluster (``client.map(verify_flight, flights, options=opts)``) and the results passed to
`aggregate`, with the same figures as in-process.

Totals (`aggregate`), for the starts at burst, for the re-predictions and for all starts:
coverage of the 50 % / 90 % regions with a 90 % Wilson interval, mean CRPS, median landing
error (model and baseline), the histogram of the truth's quantiles (10 bins: flat when
calibrated) and, per flight, the re-prediction made at least 10 minutes before landing.
Re-predictions of one flight are not independent (they share the flight's winds), so the
interval of their coverage is narrower than it should be; the per-burst figures are one per
flight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ConfigError
from .hindcast import FlightInput, FlightVerification, VerifyOptions, verify_flight
from .scores import wilson_interval
from .track import Track

__all__ = ["Campaign", "verify_flights", "aggregate", "calibration_markdown"]

MINUTES_BINS = (0.0, 5.0, 10.0, 20.0, 40.0, 1e9)


@dataclass(frozen=True, eq=False)
class Campaign:
    """Per-flight results and totals of `verify_flights`."""

    flights: list[FlightVerification]
    totals: dict[str, Any]
    options: VerifyOptions
    leave_one_out: bool = False
    calibrations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: ``flights`` (each `FlightVerification.summary`), ``totals``."""
        return {
            "flights": [f.summary() for f in self.flights],
            "totals": self.totals,
            "options": {k: (None if v != v else v) for k, v in vars(self.options).items()},
            "leave_one_out": self.leave_one_out,
            "calibration_by_flight": {
                name: _constants(cal) for name, cal in self.calibrations.items()
            },
        }


def _constants(cal: dict[str, Any]) -> dict[str, Any]:
    """The constants of a calibration that `verify` uses (JSON-ready)."""
    pw, dr = cal["profile_wind"], cal["descent_rate"]
    return {
        "flights": pw.get("flights"),
        "structure_factor": pw["structure_factor"],
        "tail_dof": pw["tail_dof"],
        "descent_prior_sigma_ln": dr["prior_sigma_ln"],
        "fit_rate_model_sigma_ln": dr["fit_rate_model_sigma_ln"],
        "fit_exponent_model_sigma": dr["fit_exponent_model_sigma"],
        "exponent_prior_sigma": dr["exponent_prior_sigma"],
    }


def verify_flights(
    flights: Sequence[FlightInput],
    options: VerifyOptions | None = None,
    *,
    leave_one_out: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Campaign:
    """Verify each flight (`verify_flight`) and aggregate the scores (module notes).

    ``leave_one_out``: score each flight with uncertainty constants measured on the other
    flights only (`measure.measure_flight`, `measure.calibrate`: profile-wind structure factor
    and tails, descent-rate prior, descent-law model errors), so that no flight is scored by
    constants fitted to itself; needs at least three flights. The constants each flight was
    scored with are in ``Campaign.calibrations`` (by track name)."""
    opts = (options or VerifyOptions()).check()
    results = []
    cals: dict[str, dict[str, Any]] = {}
    if leave_one_out:
        from .measure import calibrate, measure_flight
        from .track import load_track

        if len(flights) < 3:
            raise ConfigError(
                f"leave-one-out calibration needs at least 3 flights, got {len(flights)}"
            )
        tracks = [f if isinstance(f, Track) else load_track(f) for f in flights]
        # the constants are measured on the 2-minute schedule of the shipped file, whatever
        # the scoring schedule, so that they equal its ``leave_one_out`` entries
        ms = [measure_flight(t, min_height_m=opts.min_height_m, ground=opts.ground) for t in tracks]
        for i, (f, t) in enumerate(zip(flights, tracks, strict=True)):
            cal = calibrate([m for j, m in enumerate(ms) if j != i])
            res = verify_flight(t, replace(opts, calibration=cal))
            cals[t.name] = cal
            files = [str(x) for x in ([f] if isinstance(f, str | Path) else f)] if not isinstance(
                f, Track) else [t.name]  # fmt: skip
            results.append(replace(res, files=files))
            if progress is not None:
                progress(i + 1, len(flights))
    else:
        for i, f in enumerate(flights):
            results.append(verify_flight(f, opts))
            if progress is not None:
                progress(i + 1, len(flights))
    return Campaign(
        flights=results,
        totals=aggregate(results),
        options=opts,
        leave_one_out=leave_one_out,
        calibrations=cals,
    )


def _group(starts: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage, CRPS, errors and quantile histogram of a set of starts."""
    out: dict[str, Any] = {"n": len(starts)}
    if not starts:
        return out
    err = np.array([s["landing_error_km"] for s in starts], dtype=float)
    out["median_error_km"] = round(float(np.median(err)), 3)
    out["mean_error_km"] = round(float(np.mean(err)), 3)
    # the mean wind error that would explain each miss over the time left to fall, and the
    # per-component sigma of a circular normal whose median miss it is (1.1774 sigma T)
    per_time = err * 1e3 / np.maximum([60.0 * s["minutes_to_landing"] for s in starts], 1.0)
    out["median_error_per_time_m_s"] = round(float(np.median(per_time)), 3)
    out["implied_wind_sigma_m_s"] = round(float(np.median(per_time)) / 1.1774, 3)
    base = [s["baseline_error_km"] for s in starts if "baseline_error_km" in s]
    if base:
        out["median_baseline_error_km"] = round(float(np.median(base)), 3)
    ens = [s for s in starts if "quantile" in s]
    if ens:
        for key in ("in_50", "in_90", "in_50_ellipse", "in_90_ellipse", "in_50_hdr", "in_90_hdr"):
            have = [s[key] for s in ens if s.get(key) is not None]
            if not have:
                continue
            k = sum(bool(v) for v in have)
            lo, hi = wilson_interval(k, len(have))
            out[f"coverage_{key[3:]}"] = {
                "k": k,
                "n": len(have),
                "fraction": round(k / len(have), 4),
                "ci90": [round(lo, 4), round(hi, 4)],
            }
        out["mean_crps_km"] = round(float(np.mean([s["crps_km"] for s in ens])), 4)
        out["mean_crps_distance_km"] = round(
            float(np.mean([s["crps_distance_km"] for s in ens])), 4
        )
        q = np.array([s["quantile"] for s in ens], dtype=float)
        out["quantile_histogram"] = np.histogram(np.clip(q, 0, 1), bins=10, range=(0, 1))[
            0
        ].tolist()
        out["mean_quantile"] = round(float(np.mean(q)), 4)
        out["median_r90_km"] = round(float(np.median([s["r90_km"] for s in ens])), 3)
    return out


def aggregate(results: Sequence[FlightVerification]) -> dict[str, Any]:
    """Totals over the flights (module notes)."""
    burst = [r.starts[0] for r in results]
    rep = [s for r in results for s in r.starts[1:]]
    ten = []
    for r in results:
        cand = [s for s in r.starts[1:] if s["minutes_to_landing"] >= 10.0]
        if cand:
            ten.append(min(cand, key=lambda s: s["minutes_to_landing"]))
    by_minutes = []
    for lo, hi in zip(MINUTES_BINS[:-1], MINUTES_BINS[1:], strict=True):
        sel = [s for s in rep if lo <= s["minutes_to_landing"] < hi]
        g = _group(sel)
        g["minutes_to_landing"] = [lo, None if hi > 1e8 else hi]
        by_minutes.append(g)
    return {
        "flights": len(results),
        "landed": sum(r.landing.landed for r in results),
        "from_burst": _group(burst),
        "repredictions": _group(rep),
        "all_starts": _group(burst + rep),
        "ten_minutes_before_landing": _group(ten),
        "repredictions_by_minutes_to_landing": by_minutes,
    }


def _num(x: Any) -> str:
    return "-" if x is None or x != x else f"{x:.2f}"


def _cov(g: dict[str, Any], key: str) -> str:
    c = g.get(key)
    if not c:
        return "-"
    return f"{c['k']}/{c['n']} = {100 * c['fraction']:.0f} % [{100 * c['ci90'][0]:.0f}-{100 * c['ci90'][1]:.0f}]"


def calibration_markdown(campaign: Campaign) -> str:
    """The calibration tables (per flight, totals) as Markdown."""
    lines = [
        "| flight | burst (m) | landed | descent drift (km) | from burst: error (km) | r50 / r90 (km) "
        "| quantile | in 50 / 90 % | CRPS (km) | re-pred. >= 10 min before: error (km) | in 50 / 90 % "
        "| re-predictions: in 50 % | in 90 % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in campaign.flights:
        b = r.starts[0]
        cand = [s for s in r.starts[1:] if s["minutes_to_landing"] >= 10.0]
        t = min(cand, key=lambda s: s["minutes_to_landing"]) if cand else None
        rep = [s for s in r.starts[1:] if "in_50" in s]

        def yn(s: dict[str, Any] | None) -> str:
            if s is None or "in_50" not in s:
                return "-"
            return f"{'yes' if s['in_50'] else 'no'} / {'yes' if s['in_90'] else 'no'}"

        lines.append(
            f"| {r.track} | {r.burst['alt']:.0f} | {'yes' if r.landing.landed else 'no (last fix)'} "
            f"| {r.descent_distance_km:.1f} | {b['landing_error_km']:.2f} "
            f"| {b.get('r50_km', float('nan')):.2f} / {b.get('r90_km', float('nan')):.2f} "
            f"| {b.get('quantile', float('nan')):.2f} | {yn(b)} | {b.get('crps_km', float('nan')):.2f} "
            f"| {(t['landing_error_km'] if t else float('nan')):.2f} ({(t['minutes_to_landing'] if t else float('nan')):.1f} min) "
            f"| {yn(t)} | {sum(s['in_50'] for s in rep)}/{len(rep)} | {sum(s['in_90'] for s in rep)}/{len(rep)} |"
        )
    tot = campaign.totals
    lines += [
        "",
        "| starts | n | median error (km) | baseline (km) | in 50 % region | in 90 % region "
        "| in 50 % ellipse | in 90 % ellipse | in 50 % HDR | in 90 % HDR | mean CRPS (km) "
        "| quantile histogram (10 bins) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, key in (
        ("from burst", "from_burst"),
        ("re-predictions", "repredictions"),
        ("all", "all_starts"),
        (">= 10 min before landing", "ten_minutes_before_landing"),
    ):
        g = tot[key]
        lines.append(
            f"| {label} | {g['n']} | {g.get('median_error_km', float('nan')):.2f} "
            f"| {_num(g.get('median_baseline_error_km'))} "
            f"| {_cov(g, 'coverage_50')} | {_cov(g, 'coverage_90')} "
            f"| {_cov(g, 'coverage_50_ellipse')} | {_cov(g, 'coverage_90_ellipse')} "
            f"| {_cov(g, 'coverage_50_hdr')} | {_cov(g, 'coverage_90_hdr')} "
            f"| {g.get('mean_crps_km', float('nan')):.2f} | {g.get('quantile_histogram', '-')} |"
        )
    return "\n".join(lines) + "\n"
