r"""The wind-error model (`WindUncertainty`), its compiled kernel `sigma_sc` and the constants
of the sources (package notes: `atmosphere.uncertainty`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from ...errors import ConfigError, InputError
from ...geo.geodesy import EARTH_RADIUS
from ...threads import serial_below

FloatArray = npt.NDArray[np.float64]
Kind = Literal["climatology", "forecast", "analysis", "sounding", "profile", "constant", "calm"]

CLIMATOLOGY_FILE = "wind_uncertainty_climatology.json"
# constants measured on real flights (tools/measure_flight_uncertainty.py): profile-wind
# structure factor and tails, flight-parameter spreads (read by predict.flight_uncertainty)
CALIBRATION_FILE = "uncertainty_calibration.json"
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
    tail_dof : Student-t degrees of freedom of the error's per-member amplitude mixture
        (module notes; ``math.inf``: Gaussian).
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
    tail_dof: float = math.inf

    def __post_init__(self) -> None:
        nu = float(self.tail_dof)
        if not (nu > 2.0):  # NaN fails too
            raise ConfigError(
                f"tail_dof must be > 2 (a finite variance; inf: Gaussian), got {self.tail_dof!r}"
            )
        object.__setattr__(self, "tail_dof", nu)
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
            "tail_dof": None if math.isinf(self.tail_dof) else round(self.tail_dof, 2),
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
    `WindUncertainty.kernel_args()` (numba's parallel loops take its arrays one by one;
    one thread below ~2 ms of work, `threads.serial_below`)."""
    with serial_below(t.shape[0], 16384):
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
