"""The embedded monthly wind climatology (HWM93), the default wind of stratowatch.

The package ships ``data/climatology_hwm93.npz``, derived by ``tools/build_climatology.py`` from
monthly fields of the NRL Horizontal Wind Model 1993 [HWM93]_ (15th of each month, 12 UT;
altitude 0..40 km every 1 km, latitude every 5 deg, longitude every 10 deg). It needs nothing
outside the package, so it works on a fresh machine.

It is loaded as a `WindGrid` whose times are seconds into the year of the 15th 12 UT of each
month (of a 365-day year) with ``period`` = one mean Gregorian year (365.2425 d), and
``lon_periodic=True``; the compiled kernel therefore interpolates cyclically in month (December
to January across the new year) and in longitude. The year phase of an epoch time drifts by
less than one day against the calendar (leap-year cycle), negligible for a monthly climatology.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np

from ..errors import ConfigError
from .uncertainty import climatology_uncertainty
from .wind import GriddedWind, WindGrid, WindMeta

__all__ = [
    "climatology_wind",
    "climatology_grid",
    "climatology_attribution",
    "YEAR_S",
    "DATA_FILE",
]

YEAR_S = 365.2425 * 86400.0  # mean Gregorian year, s
DATA_FILE = "climatology_hwm93.npz"
_DAYS_BEFORE_MONTH = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], dtype=float)


def _load() -> dict[str, np.ndarray]:
    ref = resources.files("stratowatch") / "data" / DATA_FILE
    try:
        with resources.as_file(ref) as path, np.load(path) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"the embedded climatology {DATA_FILE} is missing or damaged ({exc}); "
            "reinstall stratowatch or rebuild it with tools/build_climatology.py"
        ) from None


@functools.cache
def climatology_grid() -> WindGrid:
    """The climatology as a `WindGrid` (loaded once per process, then shared: do not modify its
    arrays; they stay writeable so numba compiles one kernel signature for every source).

    Times: seconds into the year of the 15th, 12 UT, of months 1..12; ``period`` = `YEAR_S`.
    Heights: geometric altitude above MSL (the same in every column).
    """
    d = _load()
    scale = float(d["scale"])
    u = (d["u"].astype(np.float32) * np.float32(scale)).astype(np.float32)
    v = (d["v"].astype(np.float32) * np.float32(scale)).astype(np.float32)
    months = d["month"].astype(int)
    times = (_DAYS_BEFORE_MONTH[months - 1] + 14.0) * 86400.0 + 12 * 3600.0
    alt = d["alt_m"].astype(np.float32)
    lat = d["lat"].astype(np.float64)
    lon = d["lon"].astype(np.float64)
    z = np.ascontiguousarray(np.broadcast_to(alt[None, :, None, None], u.shape), dtype=np.float32)
    return WindGrid(
        times=times.astype(np.float64),
        lat0=float(lat[0]),
        dlat=float(lat[1] - lat[0]),
        lon0=float(lon[0]),
        dlon=float(lon[1] - lon[0]),
        z=z,
        u=u,
        v=v,
        lon_periodic=True,
        period=YEAR_S,
    )


def climatology_attribution() -> str:
    """The attribution text shipped with the packed climatology."""
    return str(_load()["attribution"])


def climatology_wind() -> GriddedWind:
    """The embedded HWM93 monthly climatology as a `WindField` (any time, 0..40 km, global).

    Notes
    -----
    Linear in time between the mid-month fields (cyclic over the year), bilinear in latitude and
    longitude (cyclic), linear in geometric height; above 40 km the 40 km wind is used (flagged).
    A smooth climatology has no weather systems: typical errors against the real wind are
    several m/s to tens of m/s in the jet stream.

    References
    ----------
    .. [HWM93] Hedin, A. E., et al. (1996). Empirical wind model for the upper, middle and lower
       atmosphere. J. Atmos. Terr. Phys. 58(13), 1421-1447.
    """
    grid = climatology_grid()
    meta = WindMeta(
        source="climatology (HWM93 monthly)",
        kind="climatology",
        alt_min=0.0,
        alt_max=float(grid.z[0, -1, 0, 0]),
        grid_spacing_deg=grid.dlon,
        time_step_s=None,
        warnings=("climatology: monthly mean wind, no weather systems",),
        uncertainty=climatology_uncertainty(),
    )
    return GriddedWind(grid, meta, strict_time=False)
