"""Hindcast verification and calibration on real flights (``stratowatch verify``).

- `track`: reading a flight, landing by ground dwell, the final descent.
- `physics`: ascent wind by altitude bins, parachute-law fit, descent wind error.
- `scores`: regions, quantile (PIT), CRPS / energy score, Wilson intervals.
- `hindcast`: one flight, from burst and re-predicted during the descent.
- `campaign`: many flights and their totals; the calibration table.
"""

from __future__ import annotations

from .campaign import Campaign, aggregate, calibration_markdown, verify_flights
from .hindcast import FlightVerification, Hindcast, VerifyOptions, hindcast, verify_flight
from .physics import ascent_profile, ascent_wind, fit_descent_rate
from .scores import crps_ensemble, energy_score, gaussian_crps, score_ensemble, truth_quantile
from .track import Landing, Track, final_descent_start, find_landing, load_track

__all__ = [
    "Track",
    "Landing",
    "load_track",
    "find_landing",
    "final_descent_start",
    "ascent_profile",
    "ascent_wind",
    "fit_descent_rate",
    "crps_ensemble",
    "energy_score",
    "gaussian_crps",
    "truth_quantile",
    "score_ensemble",
    "VerifyOptions",
    "FlightVerification",
    "Hindcast",
    "verify_flight",
    "hindcast",
    "Campaign",
    "verify_flights",
    "aggregate",
    "calibration_markdown",
]
