r"""Measure the climatology's wind error against real gridded winds and soundings (written to
the shipped table by ``tools/measure_wind_uncertainty.py``; package notes:
`atmosphere.uncertainty`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..geo.geodesy import EARTH_RADIUS
from .uncertainty.model import PERSISTENCE_S, QBO_SIGMA, FloatArray, WindUncertainty


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
