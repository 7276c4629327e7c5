r"""How likely a report is under "it is track k" and under "it is another object", the prior
between them, and how the resulting probabilities are printed.

A report at horizontal offset :math:`y` from track k's predicted position (covariance
:math:`S` = prediction + the report's own uncertainty) is either a correct report (probability
:math:`1-\varepsilon`) or a misreport (:math:`\varepsilon`): a position wrong by an amount
unrelated to its stated uncertainty (a glitched GPS fix, a stale position, a mis-typed
coordinate, something else seen and placed at the object):

.. math::

    L_k(y) = (1-\varepsilon)\, t_\nu(y; 0, S)\, [t_\nu(a; a_k, s_a^2)]
             + \varepsilon\, h(|y|)\, [1/H]

- :math:`t_\nu` is the Student-t density [Lange1989]_ with :math:`\nu` = `CORE_DOF` degrees
  of freedom: the predicted spread itself is uncertain (a wind error that is not Gaussian),
  which a Gaussian core would turn into ~30-sigma "certainties". In two dimensions
  :math:`t_\nu(y; 0, S) = (1 + d^2/\nu)^{-(\nu+2)/2} / (2\pi |S|^{1/2})`, :math:`d^2 =
  y^T S^{-1} y`.
- :math:`h` is the misreport displacement law: log-uniform in distance between
  :math:`r_0` = 1 km and :math:`r_1` = 20,000 km (half the Earth's circumference), isotropic,
  :math:`h(r) = 1 / (2\pi r^2 Z)` for :math:`r \ge r_0` and :math:`1 / (2\pi r_0^2 Z)` inside,
  :math:`Z = \ln(r_1/r_0) + 1/2`: a misreport is as likely off by 1-10 km as by
  1,000-10,000 km (scale-free, the least informative law over scales [Jaynes2003]_).
- With a reported altitude :math:`a`, the core includes the altitude (1-D Student-t) and a
  misreport's altitude is uniform over H = 0-40 km.

Misreport rates, measured (rule of succession, (k + 1) / (n + 2) for k gross errors in n
reports [Jaynes2003]_; re-measured by the tests in ``tests/track/test_likelihood.py``):

- GPS telemetry (``fix``, ``aprs``): 1 gross error (13.9 km, a glitched fix with a 398 m/s
  ground speed) among the 1,421 fixes the readers accept from the NS-95, SHAB-14V and
  HyacinthSat logs: :math:`\varepsilon` = 2 / 1,423 = 1.4e-3.
- Public reports and sightings (``report``, ``sighting``, ``radar``): no gross error among
  the eight 2023 reports, each left out of the track and compared with the prediction from
  the other seven (normalised misses 1.0-3.0): :math:`\varepsilon` = 1 / 10 = 0.1. The same
  leave-one-out misses (1.0-2.5 with the climatology's measured error) barely constrain the
  core's degrees of freedom: the log-likelihood is flat (within 0.7 of its maximum from
  :math:`\nu` = 3 to 1000), so :math:`\nu` = 6 is a heavy-tailed choice that the data do not
  reject (inside the 95 % likelihood-ratio interval), not a fit.

Prior. Before its position is seen, a report is of a new (untracked) object with probability
`PRIOR_NEW` = 0.5 (no preference), else of one of the K tracked objects, each equally likely.
A new object's report may be anywhere on the Earth's surface (area A = 5.10e14 m^2) at any
altitude 0-40 km. The posterior [BarShalom2009]_:

.. math::

    p_k = \frac{(1-\pi)/K\, L_k}{\sum_j (1-\pi)/K\, L_j + \pi / A\, [/H]},\qquad
    p_{new} = 1 - \sum_k p_k

In the tracker the same likelihood (times the detection probability) is weighed against its
density of reports from new objects or clutter, ``TrackerConfig.new_object_density``
(default `NEW_OBJECT_DENSITY` = (pi / (1 - pi)) / A, the same prior with K = 1).

Printed probabilities never go below `P_FLOOR` = 1e-6 (or above 1 - 1e-6): beyond it the
figure depends on the assumed tails and prior more than on the data, so it is printed as
"< 1e-6" (`format_probability`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError

__all__ = [
    "CORE_DOF",
    "EARTH_AREA",
    "ALT_RANGE",
    "PRIOR_NEW",
    "NEW_OBJECT_DENSITY",
    "P_FLOOR",
    "MisreportModel",
    "MISREPORT",
    "core_loglik",
    "report_loglik",
    "misreport_log_density",
    "format_probability",
    "probability_relation",
    "clip_probability",
]

FloatArray = npt.NDArray[np.float64]

#: degrees of freedom of the Student-t core (maximum likelihood on the 2023 reports, left out
#: one at a time: 6)
CORE_DOF = 6.0
#: m^2, the Earth's surface (mean radius 6,371,008.8 m [IUGG1980]_)
EARTH_AREA = 4.0 * math.pi * 6_371_008.8**2
#: m, altitudes a report of any object may have (uniform)
ALT_RANGE = 40_000.0
#: prior probability that a report is of an object not yet tracked
PRIOR_NEW = 0.5
#: per m^2: the same prior with one track and the new object anywhere on Earth
NEW_OBJECT_DENSITY = PRIOR_NEW / (1.0 - PRIOR_NEW) / EARTH_AREA
#: printed probabilities are clipped to [P_FLOOR, 1 - P_FLOOR]
P_FLOOR = 1e-6


@dataclass(frozen=True)
class MisreportModel:
    """Misreport rates by observation kind and the displacement law's range (m).

    gps : rate for GPS telemetry (``fix``, ``aprs``): 2 / 1,423 measured (module docstring).
    report : rate for public reports, sightings and radar plots: 1 / 10 measured.
    r_min, r_max : log-uniform displacement range of a misreport, m.
    """

    gps: float = 2.0 / 1423.0
    report: float = 0.1
    r_min: float = 1_000.0
    r_max: float = 20_000_000.0

    def __post_init__(self) -> None:
        for name in ("gps", "report"):
            v = getattr(self, name)
            if not 0.0 <= v < 1.0:
                raise ConfigError(
                    f"MisreportModel.{name} = {v!r} is invalid; expected 0 <= rate < 1"
                )
        if not 0.0 < self.r_min < self.r_max:
            raise ConfigError(
                f"MisreportModel r_min = {self.r_min!r}, r_max = {self.r_max!r} are invalid; "
                "expected 0 < r_min < r_max (m)"
            )

    def rate(self, kind: str | npt.NDArray[np.str_]) -> FloatArray:
        """Misreport rate of each observation kind."""
        k = np.asarray(kind)
        return np.where(np.isin(k, ("fix", "aprs")), self.gps, self.report).astype(np.float64)


MISREPORT = MisreportModel()


def misreport_log_density(r: FloatArray | float, model: MisreportModel = MISREPORT) -> FloatArray:
    """log h(r): density (per m^2) of a misreport at distance ``r`` (m) from the truth."""
    z = math.log(model.r_max / model.r_min) + 0.5
    rr = np.clip(np.asarray(r, dtype=np.float64), model.r_min, None)
    out = -math.log(2.0 * math.pi * z) - 2.0 * np.log(rr)
    return np.where(np.asarray(r) > model.r_max, -np.inf, out)


def core_loglik(
    d2: FloatArray | float, logdet: FloatArray | float, dim: int, dof: float = CORE_DOF
) -> FloatArray:
    """log of the Student-t density with squared Mahalanobis distance ``d2`` and
    ``logdet`` = ln det S, in ``dim`` (1 or 2) dimensions."""
    d2 = np.asarray(d2, dtype=np.float64)
    half = 0.5 * dim
    norm = math.lgamma(0.5 * (dof + dim)) - math.lgamma(0.5 * dof) - half * math.log(dof * math.pi)
    return norm - 0.5 * np.asarray(logdet) - 0.5 * (dof + dim) * np.log1p(d2 / dof)


def report_loglik(
    d2_h: FloatArray | float,
    logdet_h: FloatArray | float,
    dist_m: FloatArray | float,
    eps: FloatArray | float,
    *,
    d2_alt: FloatArray | float | None = None,
    logdet_alt: FloatArray | float | None = None,
    model: MisreportModel = MISREPORT,
    dof: float = CORE_DOF,
) -> FloatArray:
    """ln L_k (module docstring): the heavy-tailed likelihood of a report under "it is this
    track", per m^2 (and per m of altitude when ``d2_alt`` is given). Arrays broadcast."""
    core = core_loglik(d2_h, logdet_h, 2, dof)
    out_ = misreport_log_density(dist_m, model)
    if d2_alt is not None and logdet_alt is not None:
        core = core + core_loglik(d2_alt, logdet_alt, 1, dof)
        out_ = out_ - math.log(ALT_RANGE)
    e = np.asarray(eps, dtype=np.float64)
    with np.errstate(divide="ignore"):
        a = np.log1p(-e) + core
        b = np.log(e) + out_
    return np.logaddexp(a, b)


def clip_probability(p: float) -> float:
    """``p`` clipped to [P_FLOOR, 1 - P_FLOOR] and rounded to 6 decimals (for JSON)."""
    return round(min(max(float(p), P_FLOOR), 1.0 - P_FLOOR), 6)


def format_probability(p: float) -> str:
    """A probability for people: "< 1e-6", "> 1 - 1e-6", "1 - 2.3e-05", "0.0123", "0.45"."""
    p = float(p)
    if not math.isfinite(p):
        return "n/a"
    if p < P_FLOOR:
        return f"< {P_FLOOR:.0e}".replace("e-0", "e-")
    if 1.0 - p < P_FLOOR:
        return f"> 1 - {P_FLOOR:.0e}".replace("e-0", "e-")
    if p > 0.999:
        return f"1 - {1.0 - p:.2g}"
    if p < 0.001:
        return f"{p:.2g}"
    return f"{p:.3g}"


def probability_relation(p: float) -> str:
    """``= 0.047``, ``< 1e-6`` or ``> 1 - 1e-6``: to follow "p(...)" in a sentence."""
    text = format_probability(p)
    return text if text[0] in "<>" else f"= {text}"
