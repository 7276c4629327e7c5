r"""How well a flight's parameters are known: ascent rate, burst altitude, descent law.

Each parameter of a balloon flight enters an ensemble as a `FlightParameter`: its nominal
value and a log-normal spread :math:`\sigma_{\ln}` (member m flies
:math:`x_m = x\,e^{\sigma_{\ln} z_m}`, :math:`z_m` a standard normal keyed by the member index,
truncated at 3 sigma), with the spread set by where the value came from (its *provenance*):

- ``prior``: nothing was given (``predict`` without ``--descent-rate`` etc.): the default
  (5 m/s, 30 km, 5 m/s) is a guess, and the spread is that of real flights about it: the RMS
  of :math:`\ln(x_{true}/x_{default})` over the real flights of
  ``data/uncertainty_calibration.json`` (descent rates 0.8-9 m/s: a factor
  :math:`e^{0.86}`).
- ``given``: the user gave the value (a burst calculator, a parachute's data sheet, the
  station's usual rate): the spread is the flight-to-flight scatter of flights made with the
  same equipment and procedure (the six RS41 radiosondes of one station), the variability no
  planning removes (drag coefficients of one canopy type alone span +-10-15 %,
  [Knacke1992]_; latex envelopes differ, [Sobester2014]_).
- ``user``: an explicit 1-sigma (``--descent-sigma`` m/s, ...): :math:`\sigma_{\ln}` =
  sigma / value.
- ``fit``: the descent law :math:`-w = v_{sl} (\rho_0/\rho)^k` fitted to the descent so far
  (`predict.verify.physics.fit_descent_law`): the fitted rate at the fit's anchor altitude
  :math:`h_a` (the mean of its last fixes) and the exponent carry the fit's formal standard
  errors (from the residuals of one-minute block means, so correlated fixes are not counted
  as independent) plus a model term measured on real descents (the law bends below the
  fitted part: the exponent of real descents scatters by ~0.1 about its fit,
  ``exponent_model_sigma``; the rate itself changes by ``rate_model_sigma``). Member m draws
  :math:`k_m = k + \sigma_k z'_m` pivoting about :math:`h_a`: its rate at :math:`h_a` is
  :math:`w_a e^{\sigma_{\ln} z_m}` and its sea-level rate
  :math:`v_{sl,m} = w_{a,m} (\rho(h_a)/\rho_0)^{k_m}`, so the spread grows with the
  distance below the fitted part, as the extrapolation error does.

The constants are measured by ``tools/measure_flight_uncertainty.py`` (library:
`predict.verify.measure`), which writes ``data/uncertainty_calibration.json``;
``docs/uncertainty.md`` lists them and ``docs/calibration.md`` checks them (with each flight
left out of its own calibration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..atmosphere.standard import RHO0, density
from ..atmosphere.uncertainty import uncertainty_calibration
from ..errors import ConfigError

__all__ = [
    "FlightParameter",
    "ParameterName",
    "Provenance",
    "DEFAULTS",
    "prior",
    "given",
    "with_sigma",
    "fitted_descent",
    "resolve",
    "flight_calibration",
]

FloatArray = npt.NDArray[np.float64]
ParameterName = Literal["ascent_rate", "burst_alt", "descent_rate"]
Provenance = Literal["prior", "given", "user", "fit"]
DEFAULTS: dict[str, float] = {"ascent_rate": 5.0, "burst_alt": 30000.0, "descent_rate": 5.0}
_UNITS = {"ascent_rate": "m/s", "burst_alt": "m", "descent_rate": "m/s"}
_WHAT = {
    "ascent_rate": "ascent rate",
    "burst_alt": "burst altitude",
    "descent_rate": "sea-level descent rate",
}
_OPTION = {
    "ascent_rate": "--ascent-rate",
    "burst_alt": "--burst-alt",
    "descent_rate": "--descent-rate",
}
_Z_MAX = 3.0  # log-normal draws truncated at 3 sigma (no 70 m/s parachutes)


@dataclass(frozen=True)
class FlightParameter:
    """A flight parameter, its log-normal spread and why (module notes).

    name : ``ascent_rate`` (m/s), ``burst_alt`` (m) or ``descent_rate`` (sea-level m/s).
    value : nominal (median) value. sigma_ln : 1-sigma of ln(true / value).
    provenance : ``prior``, ``given``, ``user`` or ``fit``. basis : one line, what the spread
    rests on; references : citation keys.
    exponent, exponent_sigma : descent only: k of -w = v_sl (rho0/rho)^k and its 1-sigma.
    anchor_alt : descent fit only: altitude (m) where the fitted rate was measured (the
    exponent spread pivots there; None: at sea level).
    """

    name: str
    value: float
    sigma_ln: float
    provenance: str
    basis: str
    references: tuple[str, ...] = ()
    exponent: float = 0.5
    exponent_sigma: float = 0.0
    anchor_alt: float | None = None

    def __post_init__(self) -> None:
        if self.name not in _UNITS:
            raise ConfigError(f"unknown flight parameter {self.name!r}; expected {list(_UNITS)}")
        v = float(self.value)
        if not (math.isfinite(v) and v > 0.0):
            raise ConfigError(
                f"{_WHAT[self.name]} must be a positive number of {_UNITS[self.name]}, "
                f"got {self.value!r}"
            )
        for key in ("sigma_ln", "exponent_sigma"):
            x = float(getattr(self, key))
            if not (math.isfinite(x) and x >= 0.0):
                raise ConfigError(f"{self.name} {key} must be a finite number >= 0, got {x!r}")
        k = float(self.exponent)
        if not (math.isfinite(k) and 0.0 < k <= 1.5):
            raise ConfigError(f"descent exponent must be in (0, 1.5], got {self.exponent!r}")
        if self.provenance not in ("prior", "given", "user", "fit"):
            raise ConfigError(f"unknown provenance {self.provenance!r}")
        if self.anchor_alt is not None and not math.isfinite(float(self.anchor_alt)):
            raise ConfigError(f"anchor altitude must be finite, got {self.anchor_alt!r}")

    @property
    def spread(self) -> bool:
        return self.sigma_ln > 0.0 or self.exponent_sigma > 0.0

    def draw(self, z: FloatArray, z2: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
        """Member values and exponents from standard normals ``z`` (and ``z2`` for the
        exponent), both (n,): ``value * exp(sigma_ln z)`` (z truncated at 3), exponents pivoted
        about the anchor altitude (module notes)."""
        zz = np.clip(np.asarray(z, dtype=np.float64), -_Z_MAX, _Z_MAX)
        vals = self.value * np.exp(self.sigma_ln * zz)
        k = np.full(zz.shape, float(self.exponent))
        if self.exponent_sigma > 0.0 and z2 is not None:
            k = np.clip(self.exponent + self.exponent_sigma * np.clip(z2, -_Z_MAX, _Z_MAX),
                        0.05, 1.5)  # fmt: skip
            if self.anchor_alt is not None:
                x_a = math.log(RHO0 / float(density(float(self.anchor_alt))))
                vals = vals * np.exp((self.exponent - k) * x_a)
        return np.asarray(vals, dtype=np.float64), k

    def describe(self) -> dict[str, Any]:
        """JSON-ready: value, unit, spread (sigma_ln and the 5-95 % range), provenance, why."""
        lo = self.value * math.exp(-1.6449 * self.sigma_ln)
        hi = self.value * math.exp(1.6449 * self.sigma_ln)
        out: dict[str, Any] = {
            "value": round(self.value, 4),
            "unit": _UNITS[self.name],
            "sigma_ln": round(self.sigma_ln, 4),
            "range_90": [round(lo, 3), round(hi, 3)],
            "provenance": self.provenance,
            "basis": self.basis,
            "references": list(self.references),
        }
        if self.name == "descent_rate":
            out["exponent"] = round(self.exponent, 4)
            if self.exponent_sigma > 0.0:
                out["exponent_sigma"] = round(self.exponent_sigma, 4)
            if self.anchor_alt is not None:
                out["anchor_alt_m"] = round(float(self.anchor_alt), 1)
        return out


def flight_calibration(name: str, calibration: dict[str, Any] | None = None) -> dict[str, Any]:
    """The measured constants of one parameter (``descent_rate`` ...), from ``calibration``
    (a dict shaped like ``data/uncertainty_calibration.json``) or the shipped file."""
    cal = uncertainty_calibration() if calibration is None else calibration
    try:
        return dict(cal[name])
    except (KeyError, TypeError):
        raise ConfigError(f"the calibration has no section {name!r}") from None


def prior(name: str, *, calibration: dict[str, Any] | None = None) -> FlightParameter:
    """The default value of ``name`` with the spread of real flights about it."""
    c = flight_calibration(name, calibration)
    n = int(c.get("prior_flights", 0))
    return FlightParameter(
        name=name,
        value=float(c.get("prior_median", DEFAULTS[name])),
        sigma_ln=float(c["prior_sigma_ln"]),
        provenance="prior",
        basis=(
            f"no {_OPTION[name]} given: the default {DEFAULTS[name]:g} {_UNITS[name]} is a "
            f"guess; real flights scatter about it by a factor e^{float(c['prior_sigma_ln']):.2f} "
            f"(RMS of ln(true/default) over {n} flights)"
        ),
        references=tuple(c.get("references", ())),
    )


def given(name: str, value: float, *, calibration: dict[str, Any] | None = None) -> FlightParameter:
    """A value the user gave, with the flight-to-flight scatter of one configuration."""
    c = flight_calibration(name, calibration)
    if "given_sigma_ln" not in c:
        raise ConfigError(
            f"the calibration measures no flight-to-flight scatter of a given {_WHAT[name]} "
            "(it needs a group of >= 3 flights of one configuration)"
        )
    return FlightParameter(
        name=name,
        value=float(value),
        sigma_ln=float(c["given_sigma_ln"]),
        provenance="given",
        basis=(
            f"{_OPTION[name]} {float(value):g} {_UNITS[name]} taken as known (given, or the "
            "command's default): flights with the same equipment and procedure scatter by a "
            f"factor e^{float(c['given_sigma_ln']):.2f} ({c.get('given_basis', 'measured')})"
        ),
        references=tuple(c.get("references", ())),
    )


def with_sigma(name: str, value: float, sigma: float) -> FlightParameter:
    """A value with an explicit 1-sigma (same unit): sigma_ln = sigma / value."""
    v = float(value)
    sd = float(sigma)
    if not (math.isfinite(sd) and sd >= 0.0):
        raise ConfigError(f"{name}_sigma must be a finite number >= 0, got {sigma!r}")
    return FlightParameter(
        name=name,
        value=v,
        sigma_ln=sd / v if v > 0 else 0.0,
        provenance="user",
        basis=f"1-sigma {sd:g} {_UNITS[name]} given by the user",
    )


def fitted_descent(
    v_sl: float,
    exponent: float,
    *,
    anchor_alt: float,
    rate_sigma_ln: float,
    exponent_sigma: float,
    pairs: int,
    exponent_fitted: bool = True,
    calibration: dict[str, Any] | None = None,
) -> FlightParameter:
    """The descent law fitted to observed fixes: its formal standard errors (``rate_sigma_ln``
    of ln w at ``anchor_alt``, ``exponent_sigma``) combined in quadrature with the model
    terms measured on real descents (module notes). An exponent set rather than fitted
    (``exponent_fitted`` false: too little of the descent yet) has the scatter of real
    descents' exponents about 1/2 (``exponent_prior_sigma``) as its formal error."""
    c = flight_calibration("descent_rate", calibration)
    if not exponent_fitted or not math.isfinite(float(exponent_sigma)):
        exponent_sigma = float(c["exponent_prior_sigma"])
    s_rate = math.hypot(float(rate_sigma_ln), float(c["fit_rate_model_sigma_ln"]))
    s_k = math.hypot(float(exponent_sigma), float(c["fit_exponent_model_sigma"]))
    return FlightParameter(
        name="descent_rate",
        value=float(v_sl),
        sigma_ln=s_rate,
        provenance="fit",
        basis=(
            f"law fitted to {pairs} descent fix pairs: rate +-{float(rate_sigma_ln):.3f} (fit) "
            f"and +-{float(c['fit_rate_model_sigma_ln']):.3f} (model), exponent "
            f"+-{float(exponent_sigma):.3f} (fit) and +-{float(c['fit_exponent_model_sigma']):.3f}"
            " (model; measured on real descents)"
        ),
        references=tuple(c.get("references", ())),
        exponent=float(exponent),
        exponent_sigma=s_k,
        anchor_alt=float(anchor_alt),
    )


def resolve(
    name: str,
    spec: float | FlightParameter | None,
    sigma: float | None,
    *,
    exponent: float | None = None,
    calibration: dict[str, Any] | None = None,
) -> FlightParameter:
    """The `FlightParameter` for a `predict` argument: None -> `prior`, a number -> `given`,
    a `FlightParameter` as is; an explicit ``sigma`` (same unit) overrides the spread (0:
    none); ``exponent`` (descent) overrides the law's exponent."""
    if isinstance(spec, FlightParameter):
        par = spec
        if par.name != name:
            raise ConfigError(f"a {par.name} parameter was given for {name}")
    elif spec is None:
        par = prior(name, calibration=calibration)
    else:
        try:
            v = float(spec)
        except (TypeError, ValueError):
            raise ConfigError(f"{_WHAT[name]} must be a number, got {spec!r}") from None
        if not (math.isfinite(v) and v > 0.0):
            raise ConfigError(
                f"{_WHAT[name]} must be a positive number of {_UNITS[name]}, got {spec!r}"
            )
        par = given(name, v, calibration=calibration)
    if sigma is not None:
        user = with_sigma(name, par.value, sigma)
        par = FlightParameter(
            name=name, value=par.value, sigma_ln=user.sigma_ln, provenance="user",
            basis=user.basis, exponent=par.exponent,
            exponent_sigma=0.0 if float(sigma) == 0.0 else par.exponent_sigma,
            anchor_alt=par.anchor_alt,
        )  # fmt: skip
    if exponent is not None:
        k = float(exponent)
        if par.provenance == "fit" and abs(k - par.exponent) > 1e-12:
            raise ConfigError(
                f"descent exponent {k:g} given for a fitted law with exponent {par.exponent:g}"
            )
        par = FlightParameter(
            name=name, value=par.value, sigma_ln=par.sigma_ln, provenance=par.provenance,
            basis=par.basis, references=par.references, exponent=k,
            exponent_sigma=par.exponent_sigma, anchor_alt=par.anchor_alt,
        )  # fmt: skip
    return par
