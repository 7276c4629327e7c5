r"""Each source's error model: climatology (measured table), forecast/analysis (lead-time
growth), soundings and flight-measured profiles (structure function, flight calibration),
and `uncertainty_of` for any wind (package notes: `atmosphere.uncertainty`)."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from ...errors import ConfigError
from .model import (
    ADVECTION_SPEED,
    ANALYSIS_FLOOR,
    CALIBRATION_FILE,
    CLIMATOLOGY_FILE,
    FORECAST_GROWTH,
    PERSISTENCE_S,
    SOUNDING_OBS_SIGMA,
    FloatArray,
    WindUncertainty,
    constant_uncertainty,
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


@functools.cache
def uncertainty_calibration() -> dict[str, Any]:
    """The constants measured on real flights (``data/uncertainty_calibration.json``, written
    by ``tools/measure_flight_uncertainty.py``; read once per process): ``profile_wind``
    (structure factor, tail degrees of freedom), ``descent_rate``, ``ascent_rate``,
    ``burst_alt`` (spreads by provenance), the flights they rest on and their
    leave-one-flight-out values."""
    ref = resources.files("stratowatch") / "data" / CALIBRATION_FILE
    try:
        d = json.loads(ref.read_text(encoding="utf-8"))
        float(d["profile_wind"]["structure_factor"])
        float(d["profile_wind"]["tail_dof"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"the embedded calibration {CALIBRATION_FILE} is missing or damaged ({exc}); "
            "reinstall stratowatch or rebuild it with tools/measure_flight_uncertainty.py"
        ) from None
    return dict(d)


def profile_error_calibration() -> tuple[float, float]:
    """(structure factor a, Student-t degrees of freedom) of measured-profile winds, measured
    on the ascent-descent wind differences of real flights (module notes)."""
    pw = uncertainty_calibration()["profile_wind"]
    return float(pw["structure_factor"]), float(pw["tail_dof"])


def tail_scale(u: npt.ArrayLike, dof: float) -> FloatArray:
    r"""Per-member amplitude factors :math:`s = \sqrt{(\nu - 2) / \chi^2_\nu}` of a
    Gaussian scale mixture with :math:`E[s^2] = 1` (so the RMS error is unchanged), from
    uniforms ``u`` in (0, 1) by the :math:`\chi^2_\nu` quantile (a member's field times s
    is Student-t with :math:`\nu` degrees of freedom, [AndrewsMallows1974]_); ones for
    :math:`\nu` = inf."""
    uu = np.asarray(u, dtype=np.float64)
    nu = float(dof)
    if math.isinf(nu):
        return np.ones_like(uu)
    if not nu > 2.0:
        raise ConfigError(f"tail degrees of freedom must be > 2, got {dof!r}")
    from scipy.special import gammaincinv

    chi2 = 2.0 * gammaincinv(0.5 * nu, np.clip(uu, 1e-12, 1.0 - 1e-12))
    return np.asarray(np.sqrt((nu - 2.0) / chi2), dtype=np.float64)


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
    structure_factor: float | None = None,
    tail_dof: float | None = None,
) -> WindUncertainty:
    """The error of a measured wind profile (radiosonde, or a balloon's own ascent) used at
    another place and time: each level was measured at ``lat``, ``lon`` (deg) and ``time``
    (epoch s) at altitude ``alt`` (m).

    sigma^2(dt, r, alt) = obs_sigma^2 + f(r_eff) D(r_eff) with the structure function
    D(r) = 2 sigma_clim^2 [1 - exp(-r^2 / 2L^2) + c (r / 100 km)^(2/3)] (at most 2 sigma_clim^2),
    r_eff = sqrt(r^2 + (U_a dt)^2) and f(r) = a + (1 - a)(1 - exp(-r^2 / 2L^2)) (module notes;
    L and c measured on the GFS fields, in the shipped table). ``structure_factor`` a and
    ``tail_dof`` default to the values measured on real flights
    (`profile_error_calibration`); a = 1 is the GFS structure function alone.
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
    if structure_factor is None or tail_dof is None:
        a_cal, nu_cal = profile_error_calibration()
        structure_factor = a_cal if structure_factor is None else structure_factor
        tail_dof = nu_cal if tail_dof is None else tail_dof
    a_sf = float(structure_factor)
    if not (math.isfinite(a_sf) and 0.0 < a_sf <= 1.0):
        raise ConfigError(f"structure_factor must be in (0, 1], got {structure_factor!r}")
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
    g = g * (a_sf + (1.0 - a_sf) * (1.0 - np.exp(-0.5 * (r_eff / length) ** 2)))
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
            f" (x{a_sf:.2f} at flight scales, measured on real flights"
            f"{'' if math.isinf(float(tail_dof)) else f'; Student-t tails, dof {float(tail_dof):.1f}'})"
        ),
        references=("WMO8", "NastromGage1985", "Kitchen1989", "AndrewsMallows1974"),
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
        tail_dof=float(tail_dof),
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
