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
  shared data by `measure_climatology_error` (``tools/measure_wind_uncertainty.py`` re-runs
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
- **constant**: a user's fixed sigma (``--wind-sigma``).

The compiled kernel `sigma_sc` evaluates the model inside the integrators; `WindUncertainty.sigma`
does the same on numpy arrays.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from ..errors import ConfigError, InputError

__all__ = [
    "WindUncertainty",
    "constant_uncertainty",
    "climatology_uncertainty",
    "forecast_uncertainty",
    "sounding_uncertainty",
    "uncertainty_of",
    "measure_climatology_error",
    "sigma_sc",
    "sigma_points",
    "form_climatology_table",
    "FORECAST_GROWTH",
    "CLIMATOLOGY_FILE",
    "CLIMATOLOGY_GRIDDED",
    "CLIMATOLOGY_SOUNDINGS",
]

FloatArray = npt.NDArray[np.float64]
Kind = Literal["climatology", "forecast", "analysis", "sounding", "profile", "constant", "calm"]

EARTH_RADIUS = 6_371_008.8  # m, mean Earth radius (IUGG)
CLIMATOLOGY_FILE = "wind_uncertainty_climatology.json"
# the real winds the climatology table is measured on (paths inside the shared data folder)
CLIMATOLOGY_GRIDDED = (
    "wind/gfs_2011011012_f120_2p5deg.grib2",
    "wind/gfs_2011100800_f072_2p5deg.grb1",
)
CLIMATOLOGY_SOUNDINGS = (
    "soundings/wyoming_BOI_2010-12-09_12Z.csv",
    "soundings/wyoming_OUN_2023-05-22_12Z.csv",
    "soundings/wyoming_OUN_1999-05-04_00Z.csv",
    "soundings/igra2_USM00070026-data_2010-06.txt",
)

# Forecast error growth: per-component RMS error as a fraction of its saturation value
# sqrt(2) sigma_clim, against lead (days). From published upper-air verification of global
# models against their own analyses (vector wind RMSE at 250 hPa, northern extratropics, of
# order 4.5 / 8.5 / 12.5 / 16 / 20 m/s at days 1 / 3 / 5 / 7 / 10 with saturation ~24 m/s;
# [Haiden2021]_, [WMOLCDNV]_), shaped like the Dalcher-Kalnay logistic growth with a model-error
# source [DalcherKalnay1987]_; day 0 is the analysis error (about 2 m/s per component near the
# jet, [Hersbach2020]_).
FORECAST_GROWTH: tuple[tuple[float, float], ...] = (
    (0.0, 0.10),
    (1.0, 0.20),
    (2.0, 0.28),
    (3.0, 0.36),
    (4.0, 0.44),
    (5.0, 0.52),
    (6.0, 0.59),
    (7.0, 0.66),
    (8.0, 0.72),
    (10.0, 0.82),
    (12.0, 0.90),
    (15.0, 0.97),
)
ANALYSIS_FLOOR = 1.5  # m/s per component: no analysis is better than this (radiosonde O-A)
PERSISTENCE_S = 24 * 3600.0  # time scale of synoptic wind anomalies [Blackmon1976]
SOUNDING_OBS_SIGMA = 1.0  # m/s per component: radiosonde / GPS-drift wind with height binning
ADVECTION_SPEED = 10.0  # m/s: distance per unit time lag (r_eff): speed of synoptic systems
QBO_SIGMA = 14.0  # m/s: u of unknown QBO phase, +-20 m/s amplitude [Baldwin2001]

_LEAD_MODE_NONE = 0
_LEAD_MODE_FORECAST = 1
_LEAD_MODE_MEASURED = 2
_AXIS_ABS_LAT = 0
_AXIS_DISTANCE = 1


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise ConfigError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _sigma_array(name: str, value: Any, ndim: int) -> FloatArray:
    a = np.array(value, dtype=np.float64, ndmin=ndim)
    if a.ndim != ndim or a.size == 0:
        raise ConfigError(f"{name} must be a non-empty {ndim}-D table, got shape {a.shape}")
    bad = ~np.isfinite(a) | (a < 0.0)
    if bad.any():
        raise ConfigError(
            f"{name} must hold finite wind errors >= 0 m/s, got {a[bad].ravel()[0]!r}"
        )
    return np.ascontiguousarray(a)


@dataclass(frozen=True, eq=False)
class WindUncertainty:
    """The error model of one wind source (frozen; see the module notes).

    Attributes
    ----------
    kind : which model (``climatology``, ``forecast``, ``analysis``, ``sounding``,
        ``profile``, ``constant``, ``calm``).
    sigma_u, sigma_v : (n_lead, n_x, n_alt) m/s, RMS error of the east / north component on
        regular axes: lead (``dlead`` s from 0), second axis (``x0`` + k ``dx``: absolute
        latitude in degrees, or distance from the measurement in km), altitude
        (``alt0`` + k ``dalt``, m). Linear between nodes, clamped outside.
    axis : ``"abs_lat"`` or ``"distance"`` (the second axis).
    lead_mode : ``"none"`` (no time dependence), ``"forecast"`` (lead = forecast lead of the
        field at that time, from ``valid_times`` / ``leads``; plus persistence error for the
        time to the nearest valid time when ``persistence_s > 0``), ``"measured"`` (lead =
        time since the level was measured, ``station_time``).
    valid_times, leads : (nt,) epoch s of the field's valid times and their forecast leads (s).
    clim_u, clim_v : (n_x, n_alt) m/s, climatological variability for the persistence term.
    station_lat, station_lon, station_time : (n_alt,) where (deg) and when (epoch s) the
        profile was measured at each altitude node (``lead_mode="measured"``).
    length_m, time_s, vertical_m : Gaussian correlation scales of the error: horizontal (m),
        time (s), vertical (m).
    basis : one line saying what the numbers rest on; references : citation keys.
    """

    kind: str
    sigma_u: FloatArray
    sigma_v: FloatArray
    length_m: float
    time_s: float
    vertical_m: float
    basis: str
    references: tuple[str, ...] = ()
    alt0: float = 0.0
    dalt: float = 1.0
    x0: float = 0.0
    dx: float = 1.0
    dlead: float = 1.0
    axis: Literal["abs_lat", "distance"] = "abs_lat"
    lead_mode: Literal["none", "forecast", "measured"] = "none"
    valid_times: FloatArray = field(default_factory=lambda: np.zeros(1))
    leads: FloatArray = field(default_factory=lambda: np.zeros(1))
    clim_u: FloatArray = field(default_factory=lambda: np.zeros((1, 1)))
    clim_v: FloatArray = field(default_factory=lambda: np.zeros((1, 1)))
    persistence_s: float = 0.0
    station_lat: FloatArray = field(default_factory=lambda: np.zeros(1))
    station_lon: FloatArray = field(default_factory=lambda: np.zeros(1))
    station_time: FloatArray = field(default_factory=lambda: np.zeros(1))

    def __post_init__(self) -> None:
        su = _sigma_array("sigma_u", self.sigma_u, 3)
        sv = _sigma_array("sigma_v", self.sigma_v, 3)
        if su.shape != sv.shape:
            raise ConfigError(f"sigma_u {su.shape} and sigma_v {sv.shape} differ in shape")
        object.__setattr__(self, "sigma_u", su)
        object.__setattr__(self, "sigma_v", sv)
        for name in ("length_m", "time_s", "vertical_m", "dalt", "dx", "dlead"):
            object.__setattr__(self, name, _positive(name, getattr(self, name)))
        if self.axis not in ("abs_lat", "distance"):
            raise ConfigError(f"axis must be abs_lat or distance, got {self.axis!r}")
        if self.lead_mode not in ("none", "forecast", "measured"):
            raise ConfigError(f"unknown lead_mode {self.lead_mode!r}")
        if not (math.isfinite(self.persistence_s) and self.persistence_s >= 0.0):
            raise ConfigError(f"persistence_s must be >= 0, got {self.persistence_s!r}")
        for name in ("valid_times", "leads", "station_lat", "station_lon", "station_time"):
            a = np.ascontiguousarray(np.atleast_1d(np.asarray(getattr(self, name), float)))
            if not np.all(np.isfinite(a)):
                raise ConfigError(f"{name} must be finite")
            object.__setattr__(self, name, a)
        if self.valid_times.shape != self.leads.shape:
            raise ConfigError("valid_times and leads must have the same length")
        if self.lead_mode == "measured":
            n_alt = su.shape[2]
            for name in ("station_lat", "station_lon", "station_time"):
                if getattr(self, name).shape != (n_alt,):
                    raise ConfigError(f"{name} needs one value per altitude node ({n_alt})")
        for name in ("clim_u", "clim_v"):
            object.__setattr__(self, name, _sigma_array(name, getattr(self, name), 2))

    # ------------------------------------------------------------------ evaluation
    def kernel_args(self) -> tuple[Any, ...]:
        """The tuple the compiled `sigma_sc` reads (writeable C arrays, float parameters)."""
        lead_mode = {"none": _LEAD_MODE_NONE, "forecast": _LEAD_MODE_FORECAST,
                     "measured": _LEAD_MODE_MEASURED}[self.lead_mode]  # fmt: skip
        ax = np.array(
            [
                self.alt0,
                self.dalt,
                self.x0,
                self.dx,
                self.dlead,
                float(_AXIS_DISTANCE if self.axis == "distance" else _AXIS_ABS_LAT),
                self.persistence_s,
                float(lead_mode),
            ]
        )
        la = np.radians(self.station_lat)
        lo = np.radians(self.station_lon)
        st = np.ascontiguousarray(
            np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]),
        )
        return (
            np.array(self.sigma_u),
            np.array(self.sigma_v),
            ax,
            np.array(self.valid_times),
            np.array(self.leads),
            np.array(self.clim_u),
            np.array(self.clim_v),
            st,
            np.array(self.station_time),
        )

    def sigma(
        self,
        t: npt.ArrayLike,
        lat: npt.ArrayLike,
        lon: npt.ArrayLike,
        alt: npt.ArrayLike,
    ) -> tuple[FloatArray, FloatArray]:
        """RMS error (sigma_u, sigma_v) in m/s at points (epoch s, deg, deg, m), broadcast."""
        arrays = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (t, lat, lon, alt)))
        shape = arrays[0].shape
        flat = [np.ascontiguousarray(a.ravel()) for a in arrays]
        for name, a in zip(("time", "lat", "lon", "alt"), flat, strict=True):
            if not np.all(np.isfinite(a)):
                raise InputError(f"non-finite {name}", field=name, expected="finite values")
        if np.any(np.abs(flat[1]) > 90.0):
            raise InputError("latitude out of range", field="lat", expected="-90..90")
        su, sv = sigma_points(flat[0], flat[1], flat[2], flat[3], self.kernel_args())
        return su.reshape(shape), sv.reshape(shape)

    def lead_at(self, t: float) -> float:
        """The lead (s) the model uses at time ``t``: the forecast lead of the field there,
        or the time since the measurement (nearest level), or 0."""
        if self.lead_mode == "forecast":
            return float(np.interp(t, self.valid_times, self.leads))
        if self.lead_mode == "measured":
            return float(np.min(np.abs(t - self.station_time)))
        return 0.0

    def gap_at(self, t: float) -> float:
        """Time (s) from ``t`` to the nearest valid time of a forecast/analysis field."""
        if self.lead_mode != "forecast":
            return 0.0
        return float(np.min(np.abs(self.valid_times - t)))

    def describe(self, t: float, lat: float, lon: float, alt: float) -> dict[str, Any]:
        """A JSON-ready account of the model and the sigmas it gives at one point."""
        su, sv = self.sigma(t, lat, lon, alt)
        out: dict[str, Any] = {
            "kind": self.kind,
            "basis": self.basis,
            "references": list(self.references),
            "at": {
                "lat": round(float(lat), 4),
                "lon": round(float(lon), 4),
                "alt_m": round(float(alt), 1),
            },  # fmt: skip
            "sigma_u_m_s": round(float(su), 3),
            "sigma_v_m_s": round(float(sv), 3),
            "length_km": round(self.length_m / 1e3, 1),
            "time_h": round(self.time_s / 3600.0, 2),
            "vertical_km": round(self.vertical_m / 1e3, 2),
        }
        if self.lead_mode == "forecast":
            out["lead_h"] = round(self.lead_at(t) / 3600.0, 2)
            out["hours_from_valid_time"] = round(self.gap_at(t) / 3600.0, 2)
        elif self.lead_mode == "measured":
            k = int(np.clip(round((alt - self.alt0) / self.dalt), 0, self.station_time.size - 1))
            out["hours_since_measured"] = round(abs(t - float(self.station_time[k])) / 3600.0, 2)
            d = _great_circle_km(lat, lon, float(self.station_lat[k]), float(self.station_lon[k]))
            out["km_from_measurement"] = round(d, 2)
        return out

    def with_scales(
        self,
        *,
        length_m: float | None = None,
        time_s: float | None = None,
        vertical_m: float | None = None,
    ) -> WindUncertainty:
        """The same model with other correlation scales (None: keep)."""
        return replace(
            self,
            length_m=self.length_m if length_m is None else length_m,
            time_s=self.time_s if time_s is None else time_s,
            vertical_m=self.vertical_m if vertical_m is None else vertical_m,
        )


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(a))) / 1e3


# ---------------------------------------------------------------------- compiled kernel
@njit(cache=True, inline="always")
def _node(x: float, x0: float, dx: float, n: int) -> tuple[int, int, float]:
    if n == 1:
        return 0, 0, 0.0
    f = (x - x0) / dx
    if f <= 0.0:
        return 0, 0, 0.0
    if f >= n - 1:
        return n - 1, n - 1, 0.0
    i = int(f)
    return i, i + 1, f - i


@njit(cache=True)
def sigma_sc(
    t: float, sp: float, cp: float, sl: float, cl: float, alt: float, unc: tuple
) -> tuple[float, float]:
    """(sigma_u, sigma_v) m/s at one point given the sines/cosines of its latitude (sp, cp)
    and longitude (sl, cl); ``unc`` = `WindUncertainty.kernel_args()`. Compiled: the
    integrators call it once per step and member."""
    tab_u = unc[0]
    tab_v = unc[1]
    ax = unc[2]
    nl = tab_u.shape[0]
    nx = tab_u.shape[1]
    na = tab_u.shape[2]
    a0, a1, wa = _node(alt, ax[0], ax[1], na)
    lead_mode = int(ax[7])
    lead = 0.0
    if lead_mode == 1:
        valid = unc[3]
        leads = unc[4]
        nt = valid.shape[0]
        if nt == 1 or t <= valid[0]:
            lead = leads[0]
        elif t >= valid[nt - 1]:
            lead = leads[nt - 1]
        else:
            lo = 0
            hi = nt - 1
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if valid[mid] <= t:
                    lo = mid
                else:
                    hi = mid
            w = (t - valid[lo]) / (valid[hi] - valid[lo])
            lead = leads[lo] + w * (leads[hi] - leads[lo])
    elif lead_mode == 2:
        st_t = unc[8]
        lead = abs(t - ((1.0 - wa) * st_t[a0] + wa * st_t[a1]))
    if int(ax[5]) == 1:
        # distance (km) from where this altitude was measured: chord on the mean sphere
        st = unc[7]
        sx = (1.0 - wa) * st[0, a0] + wa * st[0, a1]
        sy = (1.0 - wa) * st[1, a0] + wa * st[1, a1]
        sz = (1.0 - wa) * st[2, a0] + wa * st[2, a1]
        dx_ = cp * cl - sx
        dy_ = cp * sl - sy
        dz_ = sp - sz
        x2 = math.sqrt(dx_ * dx_ + dy_ * dy_ + dz_ * dz_) * (EARTH_RADIUS / 1000.0)
    else:
        x2 = math.degrees(math.asin(min(abs(sp), 1.0)))
    l0, l1, wl = _node(lead, 0.0, ax[4], nl)
    x0, x1, wx = _node(x2, ax[2], ax[3], nx)
    su = 0.0
    sv = 0.0
    for il, fl in ((l0, 1.0 - wl), (l1, wl)):
        if fl == 0.0:
            continue
        for ix, fx in ((x0, 1.0 - wx), (x1, wx)):
            if fx == 0.0:
                continue
            f = fl * fx
            su += f * ((1.0 - wa) * tab_u[il, ix, a0] + wa * tab_u[il, ix, a1])
            sv += f * ((1.0 - wa) * tab_v[il, ix, a0] + wa * tab_v[il, ix, a1])
    tp = ax[6]
    if lead_mode == 1 and tp > 0.0:
        valid = unc[3]
        gap = abs(t - valid[0])
        for k in range(1, valid.shape[0]):
            d = abs(t - valid[k])
            if d < gap:
                gap = d
        if gap > 0.0:
            cu = unc[5]
            cv = unc[6]
            ncx = cu.shape[0]
            nca = cu.shape[1]
            c0, c1, wc = _node(x2, ax[2], ax[3], ncx)
            b0, b1, wb = _node(alt, ax[0], ax[1], nca)
            su_c = (1 - wc) * ((1 - wb) * cu[c0, b0] + wb * cu[c0, b1]) + wc * (
                (1 - wb) * cu[c1, b0] + wb * cu[c1, b1]
            )
            sv_c = (1 - wc) * ((1 - wb) * cv[c0, b0] + wb * cv[c0, b1]) + wc * (
                (1 - wb) * cv[c1, b0] + wb * cv[c1, b1]
            )
            frac = 2.0 * (1.0 - math.exp(-0.5 * (gap / tp) ** 2))
            su = math.sqrt(su * su + frac * su_c * su_c)
            sv = math.sqrt(sv * sv + frac * sv_c * sv_c)
    return su, sv


@njit(cache=True, parallel=True)
def _sigma_points(
    t: FloatArray, lat: FloatArray, lon: FloatArray, alt: FloatArray,
    a0: FloatArray, a1: FloatArray, a2: FloatArray, a3: FloatArray, a4: FloatArray,
    a5: FloatArray, a6: FloatArray, a7: FloatArray, a8: FloatArray,
) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    n = t.shape[0]
    su = np.empty(n)
    sv = np.empty(n)
    for i in prange(n):
        unc = (a0, a1, a2, a3, a4, a5, a6, a7, a8)
        la = math.radians(lat[i])
        lo = math.radians(lon[i])
        a, b = sigma_sc(t[i], math.sin(la), math.cos(la), math.sin(lo), math.cos(lo), alt[i], unc)
        su[i] = a
        sv[i] = b
    return su, sv


def sigma_points(
    t: FloatArray, lat: FloatArray, lon: FloatArray, alt: FloatArray, unc: tuple[Any, ...]
) -> tuple[FloatArray, FloatArray]:
    """`sigma_sc` over 1-D arrays of points (epoch s, deg, deg, m); ``unc`` =
    `WindUncertainty.kernel_args()` (numba's parallel loops take its arrays one by one)."""
    return _sigma_points(t, lat, lon, alt, *unc)


# ---------------------------------------------------------------------- constructors
def constant_uncertainty(
    sigma: float,
    *,
    length_m: float = 350e3,
    time_s: float = 10 * 3600.0,
    vertical_m: float = 3000.0,
    kind: str = "constant",
    basis: str | None = None,
) -> WindUncertainty:
    """The same sigma (m/s per component) everywhere and always (a user's ``--wind-sigma``)."""
    s = float(sigma)
    if not (math.isfinite(s) and s >= 0.0):
        raise ConfigError(f"wind sigma must be a finite error >= 0 m/s, got {sigma!r}")
    table = np.full((1, 1, 1), s)
    return WindUncertainty(
        kind=kind,
        sigma_u=table,
        sigma_v=table.copy(),
        length_m=length_m,
        time_s=time_s,
        vertical_m=vertical_m,
        basis=basis or f"fixed sigma {s:g} m/s per component (given by the user)",
    )


@dataclass(frozen=True)
class ClimatologyTable:
    """The shipped climatology-error table (see `measure_climatology_error`)."""

    alt_m: tuple[float, ...]
    abs_lat: tuple[float, ...]
    sigma_u: tuple[tuple[float, ...], ...]  # (abs_lat, alt)
    sigma_v: tuple[tuple[float, ...], ...]
    length_m: float
    vertical_m: float
    time_s: float
    meta: dict[str, Any]


@functools.cache
def climatology_table() -> ClimatologyTable:
    """Load ``data/wind_uncertainty_climatology.json`` (once per process)."""
    ref = resources.files("stratowatch") / "data" / CLIMATOLOGY_FILE
    try:
        d = json.loads(ref.read_text(encoding="utf-8"))
        return ClimatologyTable(
            alt_m=tuple(float(x) for x in d["alt_m"]),
            abs_lat=tuple(float(x) for x in d["abs_lat"]),
            sigma_u=tuple(tuple(float(x) for x in row) for row in d["sigma_u"]),
            sigma_v=tuple(tuple(float(x) for x in row) for row in d["sigma_v"]),
            length_m=float(d["length_m"]),
            vertical_m=float(d["vertical_m"]),
            time_s=float(d["time_s"]),
            meta=dict(d.get("meta", {})),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"the embedded wind-error table {CLIMATOLOGY_FILE} is missing or damaged ({exc}); "
            "reinstall stratowatch or rebuild it with tools/measure_wind_uncertainty.py"
        ) from None


def _regular(axis: Sequence[float], name: str) -> tuple[float, float]:
    a = np.asarray(axis, dtype=np.float64)
    if a.size == 1:
        return float(a[0]), 1.0
    d = np.diff(a)
    if not np.allclose(d, d[0]) or d[0] <= 0:
        raise ConfigError(f"{name} axis of the wind-error table must be regular and increasing")
    return float(a[0]), float(d[0])


def _clim_arrays() -> tuple[FloatArray, FloatArray, float, float, float, float]:
    tab = climatology_table()
    cu = np.asarray(tab.sigma_u, dtype=np.float64)
    cv = np.asarray(tab.sigma_v, dtype=np.float64)
    a0, da = _regular(tab.alt_m, "altitude")
    x0, dx = _regular(tab.abs_lat, "latitude")
    return cu, cv, a0, da, x0, dx


@functools.cache
def climatology_uncertainty() -> WindUncertainty:
    """The error of the embedded HWM93 monthly climatology (measured table, see module notes)."""
    tab = climatology_table()
    cu, cv, a0, da, x0, dx = _clim_arrays()
    return WindUncertainty(
        kind="climatology",
        sigma_u=cu[None],
        sigma_v=cv[None],
        length_m=tab.length_m,
        time_s=tab.time_s,
        vertical_m=tab.vertical_m,
        basis=(
            "HWM93 monthly mean vs real winds (GFS 2011-01-15, 2011-10-11 global; 6 "
            "radiosonde profiles), RMS by altitude and latitude band; QBO floor in the "
            "tropical stratosphere"
        ),
        references=("HWM93", "Baldwin2001", "Blackmon1976"),
        alt0=a0,
        dalt=da,
        x0=x0,
        dx=dx,
    )


def _growth(lead_days: FloatArray) -> FloatArray:
    d = np.array([g[0] for g in FORECAST_GROWTH])
    f = np.array([g[1] for g in FORECAST_GROWTH])
    return np.interp(lead_days, d, f)


def forecast_uncertainty(
    valid_times: npt.ArrayLike,
    reference_times: npt.ArrayLike,
    *,
    source: str = "",
) -> WindUncertainty:
    """The error of a gridded forecast or analysis whose fields are valid at ``valid_times``
    and come from runs started at ``reference_times`` (epoch s, one per valid time; equal for
    an analysis or reanalysis).

    sigma(lead, |lat|, alt) = max(f(lead) sqrt(2) sigma_clim, analysis error), with f from
    `FORECAST_GROWTH`; plus the persistence error for the time to the nearest valid time
    (steady single-time fields, gaps). Raises `ConfigError` for a reference after its valid
    time or non-finite times.
    """
    vt = np.atleast_1d(np.asarray(valid_times, dtype=np.float64))
    rt = np.atleast_1d(np.asarray(reference_times, dtype=np.float64))
    if vt.shape != rt.shape or vt.size == 0:
        raise ConfigError("one reference time per valid time is needed")
    if not (np.all(np.isfinite(vt)) and np.all(np.isfinite(rt))):
        raise ConfigError("valid and reference times must be finite")
    order = np.argsort(vt, kind="stable")
    vt, rt = vt[order], rt[order]
    leads = vt - rt
    if np.any(leads < -1.0):
        raise ConfigError("a reference (analysis) time lies after its valid time")
    leads = np.maximum(leads, 0.0)
    cu, cv, a0, da, x0, dx = _clim_arrays()
    dlead = 12 * 3600.0
    lead_nodes = np.arange(0.0, 15 * 86400.0 + 1.0, dlead)
    f = _growth(lead_nodes / 86400.0)[:, None, None]
    su = np.maximum(f * math.sqrt(2.0) * cu[None], ANALYSIS_FLOOR)
    sv = np.maximum(f * math.sqrt(2.0) * cv[None], ANALYSIS_FLOOR)
    analysis = bool(np.all(leads <= 3600.0))
    kind = "analysis" if analysis else "forecast"
    lead_text = (
        "analysis/reanalysis (lead 0)"
        if analysis
        else f"forecast leads {leads.min() / 3600:g}-{leads.max() / 3600:g} h"
    )
    return WindUncertainty(
        kind=kind,
        sigma_u=su,
        sigma_v=sv,
        length_m=400e3,
        time_s=12 * 3600.0,
        vertical_m=3000.0,
        basis=(
            f"{source + ': ' if source else ''}{lead_text}; published error growth of "
            "upper-air winds with lead, scaled by the measured climatological variability; "
            "persistence error away from the valid times"
        ),
        references=("Haiden2021", "WMOLCDNV", "DalcherKalnay1987", "HL1986", "Blackmon1976"),
        alt0=a0,
        dalt=da,
        x0=x0,
        dx=dx,
        dlead=dlead,
        lead_mode="forecast",
        valid_times=vt,
        leads=leads,
        clim_u=cu,
        clim_v=cv,
        persistence_s=PERSISTENCE_S,
    )


def sounding_uncertainty(
    alt: npt.ArrayLike,
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    time: npt.ArrayLike,
    *,
    kind: str = "sounding",
    obs_sigma: float = SOUNDING_OBS_SIGMA,
    source: str = "",
) -> WindUncertainty:
    """The error of a measured wind profile (radiosonde, or a balloon's own ascent) used at
    another place and time: each level was measured at ``lat``, ``lon`` (deg) and ``time``
    (epoch s) at altitude ``alt`` (m).

    sigma^2(dt, r, alt) = obs_sigma^2 + D(r_eff) with the structure function
    D(r) = 2 sigma_clim^2 [1 - exp(-r^2 / 2L^2) + c (r / 100 km)^(2/3)] (at most 2 sigma_clim^2)
    and r_eff = sqrt(r^2 + (U_a dt)^2) (module notes; L and c measured, in the shipped table).
    """
    a = np.asarray(alt, dtype=np.float64).ravel()
    la = np.asarray(lat, dtype=np.float64).ravel()
    lo = np.asarray(lon, dtype=np.float64).ravel()
    tt = np.asarray(time, dtype=np.float64).ravel()
    if not (a.size == la.size == lo.size == tt.size) or a.size == 0:
        raise ConfigError("sounding positions need one lat, lon and time per level")
    ok = np.isfinite(a) & np.isfinite(la) & np.isfinite(lo) & np.isfinite(tt)
    if not ok.any():
        raise ConfigError("no level with a finite altitude, position and time")
    if np.any(np.abs(la[ok]) > 90.0):
        raise ConfigError("sounding latitude out of range (-90..90)")
    s_obs = float(obs_sigma)
    if not (math.isfinite(s_obs) and s_obs >= 0.0):
        raise ConfigError(f"obs_sigma must be >= 0 m/s, got {obs_sigma!r}")
    a, la, lo, tt = a[ok], la[ok], lo[ok], tt[ok]
    order = np.argsort(a, kind="stable")
    a, la, lo, tt = a[order], la[order], lo[order], tt[order]
    tab = climatology_table()
    cu, cv, a0, da, x0, dx = _clim_arrays()
    alt_nodes = a0 + da * np.arange(cu.shape[1])
    # where/when each altitude node was measured (nearest measured level outside the range)
    st_lat = np.interp(alt_nodes, a, la)
    # unwrap longitudes about the first level so that interpolation never crosses +-180
    lo_u = lo[0] + ((lo - lo[0] + 180.0) % 360.0 - 180.0)
    st_lon = np.interp(alt_nodes, a, lo_u)
    st_time = np.interp(alt_nodes, a, tt)
    # climatological variability at the station's latitude, per altitude node
    band = float(np.clip(abs(float(np.median(la))), x0, x0 + dx * (cu.shape[0] - 1)))
    fb = (band - x0) / dx
    i0 = int(np.floor(fb))
    i1 = min(i0 + 1, cu.shape[0] - 1)
    w = fb - i0
    cu_s = (1 - w) * cu[i0] + w * cu[i1]
    cv_s = (1 - w) * cv[i0] + w * cv[i1]
    meso = float(tab.meta.get("mesoscale_fraction_100km", 0.0))
    length = tab.length_m
    dlead = 1800.0
    lead_nodes = np.arange(0.0, 24 * 3600.0 + 1.0, dlead)
    ddist = 10.0
    dist_nodes = np.arange(0.0, 1000.0 + 1e-9, ddist)  # km
    r_eff = np.sqrt((dist_nodes[None, :] * 1e3) ** 2 + (ADVECTION_SPEED * lead_nodes[:, None]) ** 2)
    g = np.minimum(
        2.0 * (1.0 - np.exp(-0.5 * (r_eff / length) ** 2)) + 2.0 * meso * (r_eff / 1e5) ** (2 / 3),
        2.0,
    )  # D(r_eff) / sigma_clim^2, (lead, dist)
    su = np.sqrt(s_obs**2 + g[:, :, None] * cu_s[None, None, :] ** 2)
    sv = np.sqrt(s_obs**2 + g[:, :, None] * cv_s[None, None, :] ** 2)
    what = "radiosonde" if kind == "sounding" else "flight-measured"
    return WindUncertainty(
        kind=kind,
        sigma_u=su,
        sigma_v=sv,
        length_m=150e3,
        time_s=3 * 3600.0,
        vertical_m=1000.0,
        basis=(
            f"{source + ': ' if source else ''}{what} profile: {s_obs:g} m/s where and when "
            "measured, growing with distance and time by the wind's structure function"
        ),
        references=("WMO8", "NastromGage1985", "Kitchen1989"),
        alt0=a0,
        dalt=da,
        x0=0.0,
        dx=ddist,
        dlead=dlead,
        axis="distance",
        lead_mode="measured",
        station_lat=st_lat,
        station_lon=((st_lon + 180.0) % 360.0) - 180.0,
        station_time=st_time,
    )


def uncertainty_of(wind: Any) -> WindUncertainty:
    """The error model a wind carries (``wind.meta.uncertainty``), or one by its kind."""
    meta = getattr(wind, "meta", None)
    unc = getattr(meta, "uncertainty", None)
    if isinstance(unc, WindUncertainty):
        return unc
    kind = getattr(meta, "kind", "")
    if kind == "calm":
        return constant_uncertainty(0.0, kind="calm", basis="calm air: no wind, no error")
    if kind == "climatology":
        return climatology_uncertainty()
    return constant_uncertainty(
        3.5,
        basis=(
            f"no error model for a '{kind or type(wind).__name__}' wind: 3.5 m/s per component, "
            "short-range forecast errors [HL1986]"
        ),
    )


# ---------------------------------------------------------------------- measurement
def measure_climatology_error(
    gridded: Sequence[str | Path],
    soundings: Sequence[str | Path] = (),
    *,
    alt_step: float = 2000.0,
    alt_max: float = 40000.0,
    band_deg: float = 15.0,
) -> dict[str, Any]:
    """Measure the embedded climatology's error against real winds.

    For every level of every gridded file (GFS/ERA5, each valid time) and every level of every
    sounding, the difference real minus climatology (same time, place and geometric
    altitude); RMS of u and v by altitude bin (``alt_step`` m) and absolute-latitude band
    (``band_deg``), area weighted (cos lat) for grids. Also the Gaussian correlation length of
    the v error along latitude circles (30-60 deg, 5-20 km), its vertical correlation length,
    and the amplitude of its structure function at the grid scale.

    Returns a dict: ``alt_m``, ``abs_lat`` (bin centres), ``rms_u``, ``rms_v`` (band x alt;
    NaN where no data), ``weight`` (band x alt), ``sounding_rms`` per file, ``length_m``,
    ``vertical_m``, ``mesoscale_fraction_100km`` (the structure function's r^(2/3) part at 100
    km as a fraction of 2 var), ``samples``.
    """
    from .climatology import climatology_wind
    from .sources import open_wind
    from .wind import GriddedWind

    clim = climatology_wind()
    alt_edges = np.arange(0.0, alt_max + alt_step, alt_step)
    band_edges = np.arange(0.0, 90.0 + band_deg, band_deg)
    nb, na = band_edges.size - 1, alt_edges.size - 1
    su2 = np.zeros((nb, na))
    sv2 = np.zeros((nb, na))
    wsum = np.zeros((nb, na))
    lag_num: dict[int, list[float]] = {}
    vert: dict[int, list[float]] = {}
    var_v: list[float] = []
    samples = 0

    def accumulate(
        la: FloatArray, z: FloatArray, du: FloatArray, dv: FloatArray, w: FloatArray
    ) -> None:
        ib = np.clip(np.digitize(np.abs(la), band_edges) - 1, 0, nb - 1)
        ia = np.digitize(z, alt_edges) - 1
        ok = (ia >= 0) & (ia < na) & np.isfinite(du) & np.isfinite(dv)
        np.add.at(su2, (ib[ok], ia[ok]), w[ok] * du[ok] ** 2)
        np.add.at(sv2, (ib[ok], ia[ok]), w[ok] * dv[ok] ** 2)
        np.add.at(wsum, (ib[ok], ia[ok]), w[ok])

    for path in gridded:
        wind = open_wind(path)
        if not isinstance(wind, GriddedWind):
            raise InputError("not a gridded wind file", path=path, expected="GRIB/NetCDF")
        g = wind.grid
        lat = g.lat0 + g.dlat * np.arange(g.ny)
        lon = g.lon0 + g.dlon * np.arange(g.nx)
        la2, lo2 = np.meshgrid(lat, lon, indexing="ij")
        for it, t in enumerate(g.times):
            z = g.z[it].astype(np.float64)
            la3 = np.broadcast_to(la2, z.shape)
            cu, cv = clim.uv(t, la3, np.broadcast_to(lo2, z.shape), z)
            du = g.u[it].astype(np.float64) - cu
            dv = g.v[it].astype(np.float64) - cv
            w = np.cos(np.radians(la3))
            accumulate(la3.ravel(), z.ravel(), du.ravel(), dv.ravel(), w.ravel())
            samples += du.size
            # horizontal correlation of the v error along latitude circles, 30-60 deg
            band = (np.abs(lat) >= 30.0) & (np.abs(lat) <= 60.0)
            zmed = np.median(z.reshape(z.shape[0], -1), axis=1)
            levels = np.flatnonzero((zmed > 5000.0) & (zmed < 20000.0))
            for lag in range(1, 9):
                x = dv[levels][:, band, :]
                y = np.roll(dv[levels], -lag, axis=2)[:, band, :]
                d_km = lag * abs(g.dlon) * math.pi / 180.0 * EARTH_RADIUS / 1e3
                d_km *= float(np.mean(np.cos(np.radians(lat[band]))))
                lag_num.setdefault(lag, []).extend(
                    [d_km, float(np.corrcoef(x.ravel(), y.ravel())[0, 1])]
                )
            var_v.append(float(np.mean(dv[levels][:, band, :] ** 2)))
            # vertical correlation of the errors between level pairs (3-25 km)
            for k in range(z.shape[0]):
                if not 3000.0 < zmed[k] < 25000.0:
                    continue
                for j in range(k + 1, z.shape[0]):
                    dzm = zmed[j] - zmed[k]
                    if dzm > 10000.0 or zmed[j] > 25000.0:
                        continue
                    for a_ in (du, dv):
                        r = float(np.corrcoef(a_[k].ravel(), a_[j].ravel())[0, 1])
                        vert.setdefault(int(dzm // 1000.0), []).extend([dzm, r])
    sounding_rms: dict[str, dict[str, float]] = {}
    for path in soundings:
        wind = open_wind(path)
        if not isinstance(wind, GriddedWind):
            raise InputError("not a sounding file", path=path, expected="Wyoming CSV / IGRA2")
        g = wind.grid
        unc = getattr(wind.meta, "uncertainty", None)
        z = g.z[0, :, 0, 0].astype(np.float64)
        u = g.u[0, :, 0, 0].astype(np.float64)
        v = g.v[0, :, 0, 0].astype(np.float64)
        if isinstance(unc, WindUncertainty) and unc.lead_mode == "measured":
            nodes = unc.alt0 + unc.dalt * np.arange(unc.station_lat.size)
            la = np.interp(z, nodes, unc.station_lat)
            lo = np.interp(z, nodes, unc.station_lon)
            t = np.interp(z, nodes, unc.station_time)
        else:
            raise InputError("sounding without measurement positions", path=path)
        cu, cv = clim.uv(t, la, lo, z)
        du, dv = u - cu, v - cv
        # each sounding level stands for one grid column of area ~ (2.5 deg)^2 cos(lat)
        accumulate(la, z, du, dv, np.cos(np.radians(la)) * 1.0)
        samples += du.size
        sounding_rms[Path(path).name] = {
            "rms_u": float(np.sqrt(np.mean(du**2))),
            "rms_v": float(np.sqrt(np.mean(dv**2))),
            "levels": int(du.size),
        }
    with np.errstate(invalid="ignore", divide="ignore"):
        rms_u = np.sqrt(su2 / wsum)
        rms_v = np.sqrt(sv2 / wsum)
    # Gaussian fits: rho(d) = exp(-d^2 / 2 L^2) by least squares on ln rho where rho > 0.2
    dd = np.array([v for lag in sorted(lag_num) for v in lag_num[lag][0::2]])
    rr = np.array([v for lag in sorted(lag_num) for v in lag_num[lag][1::2]])
    keep = rr > 0.2
    length_km = float(
        np.sqrt(np.sum(dd[keep] ** 4) / np.sum(-2.0 * np.log(rr[keep]) * dd[keep] ** 2))
    )
    vz = np.array([v for b in sorted(vert) for v in vert[b][0::2]])
    vr = np.array([v for b in sorted(vert) for v in vert[b][1::2]])
    keep = vr > 0.2
    vertical_m = float(
        np.sqrt(np.sum(vz[keep] ** 4) / np.sum(-2.0 * np.log(vr[keep]) * vz[keep] ** 2))
    )
    # structure function of the v error at the smallest lag, D = 2 var (1 - rho): the part the
    # synoptic Gaussian correlation does not explain is the mesoscale r^(2/3) part
    d1 = float(np.mean(lag_num[1][0::2]))
    r1 = float(np.mean(lag_num[1][1::2]))
    var = float(np.mean(var_v))
    d_struct = 2.0 * var * (1.0 - r1)
    synoptic = 2.0 * var * (1.0 - math.exp(-0.5 * (d1 / length_km) ** 2))
    meso_100km = max(d_struct - synoptic, 0.0) / (2.0 * var) / (d1 / 100.0) ** (2.0 / 3.0)
    return {
        "alt_m": (0.5 * (alt_edges[:-1] + alt_edges[1:])).tolist(),
        "abs_lat": (0.5 * (band_edges[:-1] + band_edges[1:])).tolist(),
        "rms_u": rms_u,
        "rms_v": rms_v,
        "weight": wsum,
        "sounding_rms": sounding_rms,
        "length_m": length_km * 1e3,
        "vertical_m": vertical_m,
        "mesoscale_fraction_100km": meso_100km,
        "structure_lag_km": d1,
        "structure_rms_m_s": math.sqrt(d_struct),
        "samples": samples,
    }


def form_climatology_table(m: dict[str, Any], *, measured_on: Sequence[str] = ()) -> dict[str, Any]:
    """The climatology-error table shipped in ``data/`` from a `measure_climatology_error`
    result: (1) empty altitude bins (between pressure levels, above the data's top) linear
    between the bins with data, constant beyond them; (2) a 1-2-1 running mean in altitude
    against the sampling noise of few dates; (3) sigma_u at least `QBO_SIGMA` for |lat| < 15
    deg, 18-34 km: the quasi-biennial oscillation's zonal wind for an unknown phase
    [Baldwin2001]_, which a few dates cannot sample."""
    alt = np.asarray(m["alt_m"], dtype=np.float64)
    lat = np.asarray(m["abs_lat"], dtype=np.float64)
    out = {}
    for comp in ("u", "v"):
        a = np.array(m[f"rms_{comp}"], dtype=np.float64)
        for i in range(a.shape[0]):
            good = np.flatnonzero(np.isfinite(a[i]))
            if good.size == 0:
                raise InputError(
                    f"no measured wind error in latitude band {lat[i]:g}", field="rms_" + comp
                )
            a[i] = np.interp(alt, alt[good], a[i, good])
        sm = a.copy()
        sm[:, 1:-1] = 0.25 * a[:, :-2] + 0.5 * a[:, 1:-1] + 0.25 * a[:, 2:]
        if comp == "u":
            qbo = (lat[:, None] < 15.0) & (alt[None, :] >= 18000.0) & (alt[None, :] <= 34000.0)
            sm = np.where(qbo, np.maximum(sm, QBO_SIGMA), sm)
        out[comp] = np.round(sm, 2)
    return {
        "alt_m": alt.tolist(),
        "abs_lat": lat.tolist(),
        "sigma_u": out["u"].tolist(),
        "sigma_v": out["v"].tolist(),
        "length_m": round(float(m["length_m"]), -3),
        "vertical_m": round(float(m["vertical_m"]), -2),
        "time_s": PERSISTENCE_S,
        "meta": {
            "what": "RMS error (m/s) of each wind component of the embedded HWM93 monthly "
            "climatology, by altitude (bin centres, m) and absolute latitude (band centres, "
            "deg); rows are latitude bands",
            "measured_on": list(measured_on),
            "command": "python tools/measure_wind_uncertainty.py",
            "samples": int(m["samples"]),
            "mesoscale_fraction_100km": round(float(m["mesoscale_fraction_100km"]), 5),
            "structure_lag_km": round(float(m["structure_lag_km"]), 1),
            "structure_rms_m_s": round(float(m["structure_rms_m_s"]), 2),
            "sounding_rms": m["sounding_rms"],
            "raw_rms_u": np.round(np.nan_to_num(m["rms_u"], nan=-1.0), 2).tolist(),
            "raw_rms_v": np.round(np.nan_to_num(m["rms_v"], nan=-1.0), 2).tolist(),
            "steps": "empty bins linear between measured bins, constant above the top; 1-2-1 "
            "smoothing in altitude; QBO floor 14 m/s on u for |lat| < 15 deg, 18-34 km "
            "(Baldwin et al. 2001)",
        },
    }
