r"""How wrong a wind source is: the wind-error model every wind carries and ensembles draw from.

A `WindUncertainty` gives the RMS error of each wind component, :math:`\sigma_u` and
:math:`\sigma_v` (m/s), as a function of the place and time it is asked about, and the
correlation scales of that error (horizontal ``length_m``, vertical ``vertical_m``, time
``time_s``). `atmosphere.perturb.PerturbedWind` multiplies a unit-variance correlated random
field by :math:`\sigma(t, \phi, \lambda, h)`, so the members' spread follows the model
(see ``docs/uncertainty.md`` for the tables, how they were formed and how to re-measure them).

Every source says what kind of error it has:

- **climatology** (the embedded HWM93 monthly mean): it knows nothing of the day's weather,
  so its error is the day-to-day variability plus its own bias. The table (by altitude and
  latitude band) is *measured* against the real gridded winds and soundings of the project's
  shared data by `stratowatch.atmosphere.error_measure.measure_climatology_error` (``tools/measure_wind_uncertainty.py`` re-runs
  it and writes ``data/wind_uncertainty_climatology.json``), with a floor from the published
  amplitude of the quasi-biennial oscillation [Baldwin2001]_ where two dates cannot sample it.
- **forecast / analysis** files (GFS GRIB, ERA5 NetCDF): the error grows with the forecast
  lead :math:`\tau` (valid time minus the run's reference time, from the file; 0 for an
  analysis or reanalysis) as a fraction :math:`f(\tau)` of its saturation value
  :math:`\sqrt 2\,\sigma_{clim}` (a forecast that has lost all skill differs from the truth
  like two independent days, [DalcherKalnay1987]_, [SimmonsHollingsworth2002]_), with
  :math:`f` from published verification of upper-air vector winds ([Haiden2021]_,
  [WMOLCDNV]_), never below the analysis error. Using the field away from its valid times (a
  single-time file used as steady, or a gap between times) adds the persistence error
  :math:`2\sigma_{clim}^2 (1 - e^{-\Delta^2 / 2T^2})` for the time :math:`\Delta` to the
  nearest valid time.
- **soundings** and **profiles** measured by a balloon's own ascent: small where and when
  each level was measured (instrument error, [WMO8]_), growing with the distance :math:`r`
  and the time :math:`\Delta t` from that measurement by the horizontal structure function of
  the wind, :math:`D(r) = 2\sigma_{clim}^2 [1 - e^{-r^2/2L^2} + c\,(r/100\,km)^{2/3}]`: a
  synoptic part with the measured correlation length L and a mesoscale part with the
  :math:`r^{2/3}` law of [NastromGage1985]_ whose amplitude c is what the GFS grid-scale
  structure function leaves unexplained; time enters through an advection distance
  :math:`r_{eff} = \sqrt{r^2 + (U_a \Delta t)^2}` with :math:`U_a` = 10 m/s, the speed of
  synoptic systems (frozen flow, as in representativeness studies, [Kitchen1989]_).
  The flights' own ascent-descent differences measure how much of that growth is real at
  the scales a balloon flight spans (10-150 km, 0-3 h): ``structure_factor`` a scales
  :math:`D` there, blending to the GFS-measured :math:`D` at synoptic distances,
  :math:`D_a(r) = [a + (1 - a)(1 - e^{-r^2/2L^2})]\,D(r)`; and their heavy tails give a
  Student-t number of degrees of freedom ``tail_dof`` (``data/uncertainty_calibration.json``,
  written by ``tools/measure_flight_uncertainty.py``; ``docs/uncertainty.md``).
- **constant**: a user's fixed sigma (``--wind-sigma``).

**Heavy tails.** ``tail_dof`` :math:`\nu` (infinite: Gaussian) makes the error a Gaussian
scale mixture: each ensemble member multiplies its whole error field by
:math:`s = \sqrt{(\nu - 2)/\chi^2_\nu}` (`perturb.PerturbedWind`), so the members'
marginal error is Student-t with the same RMS sigma [AndrewsMallows1974]_: most members see a
calmer day than the RMS, a few a much rougher one, as wind errors do (departures of
observations from forecasts have fat tails, [TavolatoIsaksen2015]_).

The compiled kernel `sigma_sc` evaluates the model inside the integrators; `WindUncertainty.sigma`
does the same on numpy arrays.

Modules: `model` (`WindUncertainty`, the kernel, the constants), `by_source` (each source's
model, the measured tables, `uncertainty_of`), `measure` (measuring the climatology's error).
"""

from __future__ import annotations

from .by_source import (
    ClimatologyTable,
    climatology_table,
    climatology_uncertainty,
    forecast_uncertainty,
    profile_error_calibration,
    sounding_uncertainty,
    tail_scale,
    uncertainty_calibration,
    uncertainty_of,
)
from .model import (
    ADVECTION_SPEED,
    ANALYSIS_FLOOR,
    CALIBRATION_FILE,
    CLIMATOLOGY_FILE,
    CLIMATOLOGY_GRIDDED,
    CLIMATOLOGY_SOUNDINGS,
    FORECAST_GROWTH,
    PERSISTENCE_S,
    QBO_SIGMA,
    SOUNDING_OBS_SIGMA,
    WindUncertainty,
    constant_uncertainty,
    sigma_points,
    sigma_sc,
)

__all__ = [
    "WindUncertainty",
    "constant_uncertainty",
    "climatology_uncertainty",
    "forecast_uncertainty",
    "sounding_uncertainty",
    "uncertainty_of",
    "sigma_sc",
    "sigma_points",
    "FORECAST_GROWTH",
    "CLIMATOLOGY_FILE",
    "CLIMATOLOGY_GRIDDED",
    "CLIMATOLOGY_SOUNDINGS",
    "CALIBRATION_FILE",
    "uncertainty_calibration",
    "profile_error_calibration",
    "tail_scale",
    "ClimatologyTable",
    "climatology_table",
    "ADVECTION_SPEED",
    "ANALYSIS_FLOOR",
    "PERSISTENCE_S",
    "QBO_SIGMA",
    "SOUNDING_OBS_SIGMA",
]
