"""Ensemble predictions: `predict(...) -> Prediction`.

A prediction runs N members of a flight profile through the compiled integrator
(`flight.integrate`). Members differ by: perturbed winds (`atmosphere.perturb.PerturbedWind`,
correlated errors drawn from the wind source's own error model, `atmosphere.uncertainty`, or
a fixed ``wind_sigma``), ascent rate, burst altitude and descent rate (``*_sigma``, cited
defaults), float / start altitude (``alt_sigma``), start position (``pos_sigma_m``) and start
time (``time_sigma_s``); and by the ensemble member of a wind source that has several. Every
member's draws depend only on (seed, member index): any chunking of an ensemble gives the
same members. ``params["uncertainty"]`` says which sigmas were used and why. Outputs per lead time: the median path,
50 % / 90 % regions and all member paths; backward runs give an origin probability map.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..atmosphere.uncertainty import WindUncertainty
from ..atmosphere.wind import WindField
from ..geo.terrain import TerrainModel
from .flight_uncertainty import FlightParameter
from .plan import PredictChunk, PredictPlan, Profile, plan_prediction
from .result import Prediction

__all__ = ["predict", "plan_prediction", "Prediction", "PredictPlan", "PredictChunk", "Profile"]


def predict(
    time: Any,
    lat: float,
    lon: float,
    alt: float,
    *,
    profile: Profile = "float",
    wind: str | WindField | Any = "climatology",
    hours: float = 48.0,
    members: int = 1,
    float_alt: float | None = None,
    float_pressure: float | None = None,
    oscillation_m: float = 0.0,
    oscillation_period_s: float = 0.0,
    ascent_rate: float | FlightParameter | None = None,
    burst_alt: float | FlightParameter | None = None,
    descent_rate: float | FlightParameter | None = None,
    descent_exponent: float | None = None,
    beta: float | None = None,
    wind_sigma: float | None = None,
    uncertainty: WindUncertainty | None = None,
    alt_sigma: float = 0.0,
    ascent_rate_sigma: float | None = None,
    burst_alt_sigma: float | None = None,
    descent_rate_sigma: float | None = None,
    pos_sigma_m: float = 0.0,
    time_sigma_s: float = 0.0,
    backward: bool = False,
    seed: int = 0,
    first_member: int = 0,
    output_step_s: float = 600.0,
    ground: float | TerrainModel | None = 0.0,
    dt_s: float = 3600.0,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 20_000,
    paths: bool = True,
    path_dtype: Any = np.float64,
    top_points: bool = False,
) -> Prediction:
    """Predict where a balloon (or a falling object) goes, as an ensemble.

    Parameters
    ----------
    time : start (ISO string, datetime, datetime64 or epoch s, UTC).
    lat, lon : degrees; alt : m above MSL, where the object is at ``time``.
    profile : ``float`` (ascend to ``float_alt`` if above ``alt``, then float until the
        horizon), ``standard`` (ascend at ``ascent_rate`` to ``burst_alt``, then parachute
        descent at ``descent_rate`` m/s sea-level to the ground), ``descent`` (parachute descent
        from now), ``fall`` (ballistic fall, ``beta`` kg/m2, released with the wind's velocity).
    wind : ``climatology``, ``calm``, a wind file path, or a `WindField`.
    hours : the longest a member may fly (h). A member stops earlier when it lands or leaves
        the wind region; the wind data need cover only the flight itself.
    members : ensemble size (>= 1).
    float_alt / float_pressure : float altitude (m), or pressure (Pa, US1976 altitude);
        default: the start altitude. oscillation_m, oscillation_period_s : optional float
        oscillation amplitude (m) and period (s).
    wind_sigma : m/s, a fixed RMS wind error per component for perturbed members instead of
        the wind source's own error model (default None: the model the source carries,
        `atmosphere.uncertainty`; 0 turns perturbations off). uncertainty : an explicit
        `WindUncertainty` (overrides both).
    alt_sigma : m, spread of the float altitude (float) or start altitude (descent, fall);
        for ``standard`` a burst-altitude spread when ``burst_alt_sigma`` is not given.
    ascent_rate, burst_alt, descent_rate : m/s, m, sea-level m/s; None (not given): the
        defaults 5 m/s, 30 km, 5 m/s as priors, whose members spread as real flights do
        about them; a number: a given value, spread by the flight-to-flight scatter of one
        configuration; a `flight_uncertainty.FlightParameter` (e.g. a descent law fitted to
        observed fixes, `flight_uncertainty.fitted_descent`) as is. See
        `predict.flight_uncertainty` and ``docs/uncertainty.md``; ``params["uncertainty"]``
        says which applied. descent_exponent : k of the descent law
        -w = v_sl (rho0/rho)^k (None: the parameter's, 1/2 = the parachute drag law).
    ascent_rate_sigma, burst_alt_sigma, descent_rate_sigma : explicit 1-sigma member spreads
        (m/s, m, m/s) replacing the provenance's (log-normal, sigma/value); 0 off.
    pos_sigma_m : m, start position spread (each axis); time_sigma_s : s, start time spread.
    backward : integrate back in time (float only): where did it come from?
    seed : random seed; every member's draws depend only on (seed, member index), so
        ``first_member`` = a with ``members`` = b - a computes members [a, b) of any larger
        ensemble exactly (chunking). output_step_s : s between path points;
    ground : where descents end: a height (m above MSL), a `geo.terrain.TerrainModel` (the path
        ends where it meets the DEM's ground), or None (sea level). dt_s : largest time step (s;
        the wind grid, 0.75 of a cell per step, and the vertical motion bound it further; the
        default 1 h is HYSPLIT's largest step [DRAXLER1998]_, and the paths are written every
        ``output_step_s`` by dense output whatever the step); progress :
        ``callable(done, total)`` per chunk of ``chunk`` members (each chunk holds only its
        own members' wind perturbations: bounded memory).
    paths : keep every member's path (default); False keeps only the start and end states
        (the end point, regions of the end and the summary need no more; a 100,000-member
        run then needs a few MB instead of ~700 MB). path_dtype : float64 (default) or
        float32 (half the memory; ~1 m resolution) for the stored paths. top_points : with
        ``paths=False``, keep each member's highest point and its start all the same
        (`Prediction.top_points`; each chunk finds them on its own paths, in ``path_dtype``,
        before dropping them), so the key points (``report.keypoints.flight_summary``) are
        those of the paths.

    Raises
    ------
    ConfigError for impossible parameters, DomainError when the flight itself starts or goes
    outside the wind data's time span, InputError for bad coordinates or times.

    Notes
    -----
    ``predict`` is `plan_prediction` + `PredictPlan.run` per chunk + `PredictPlan.finish`;
    `stratowatch.scale` runs the same chunks on threads or a Dask cluster.
    """
    plan = plan_prediction(
        time, lat, lon, alt, profile=profile, wind=wind, hours=hours, members=members,
        float_alt=float_alt, float_pressure=float_pressure, oscillation_m=oscillation_m,
        oscillation_period_s=oscillation_period_s, ascent_rate=ascent_rate,
        burst_alt=burst_alt, descent_rate=descent_rate, descent_exponent=descent_exponent,
        beta=beta, wind_sigma=wind_sigma,
        uncertainty=uncertainty, alt_sigma=alt_sigma, ascent_rate_sigma=ascent_rate_sigma,
        burst_alt_sigma=burst_alt_sigma, descent_rate_sigma=descent_rate_sigma,
        pos_sigma_m=pos_sigma_m, time_sigma_s=time_sigma_s, backward=backward, seed=seed,
        first_member=first_member, output_step_s=output_step_s, ground=ground, dt_s=dt_s,
    )  # fmt: skip
    t_run = _time.perf_counter()
    runs = (
        plan.run(first, count, paths=paths, path_dtype=path_dtype, top_points=top_points)
        for first, count in plan.chunks(chunk)
    )
    done, stored = plan.collect(runs, progress=progress)
    return plan.finish(done, paths=stored, elapsed_s=_time.perf_counter() - t_run)
