"""Cold start: compile every numba kernel once, right after install, so that a user's first
command starts in seconds instead of spending half a minute compiling.

The kernels are compiled with ``cache=True``: numba writes the machine code next to the
sources (``__pycache__``) and later processes load it, as long as the source file is unchanged
(numba keys its cache on the file's modification time and size). `warmup` calls each entry
point once with small inputs of the types the library uses (the ensemble integrator through
every flight profile, the ballistic fall, wind interpolation and perturbations, the wind-error
model, the land mask and the coast distance, terrain, the population splatter), and builds the
land mask's bit-packed cache (`geo.land`), the other first-use cost. `uncompiled_kernels` lists
the cached kernels of the package that still have no compiled signature (its test keeps the
warm-up complete as kernels are added).
"""

from __future__ import annotations

import importlib
import pkgutil
import time as _time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["warmup", "uncompiled_kernels", "cached_kernels"]

_T0 = "2023-02-04T12:00Z"


def _steps() -> list[tuple[str, Callable[[], Any]]]:
    from ..atmosphere.perturb import PerturbedWind, member_normals, member_uniforms
    from ..atmosphere.sources import open_wind
    from ..atmosphere.standard import altitude_from_pressure, density, pressure, temperature
    from ..atmosphere.uncertainty import uncertainty_of
    from ..flight import fall
    from ..geo.land import PARALLEL_MIN, distance_to_coast, is_land
    from ..geo.population import default_population
    from ..geo.terrain import TerrainModel
    from ..predict.core import predict

    clim = open_wind("climatology")
    calm = open_wind("calm")

    def profiles() -> None:
        kw: dict[str, Any] = {"hours": 2.0, "output_step_s": 600.0}
        for members in (1, 3):
            predict(_T0, 45.0, -100.0, 18_000.0, wind=clim, members=members, **kw)
            predict(_T0, 45.0, -100.0, 1_000.0, wind=clim, members=members, float_alt=3_000.0,
                    **kw)  # fmt: skip
            predict(_T0, 45.0, -100.0, 18_000.0, wind=clim, members=members,
                    float_alt=17_000.0, **kw)  # fmt: skip
            predict(_T0, 45.0, -100.0, 18_000.0, wind=clim, members=members, backward=True,
                    **kw)  # fmt: skip
            predict(_T0, 45.0, -100.0, 1_000.0, wind=clim, members=members, profile="standard",
                    burst_alt=3_000.0, **kw)  # fmt: skip
            predict(_T0, 45.0, -100.0, 2_000.0, wind=clim, members=members, profile="descent",
                    **kw)  # fmt: skip
            predict(_T0, 45.0, -100.0, 2_000.0, wind=clim, members=members, profile="fall",
                    beta=50.0, **kw)  # fmt: skip
        predict(_T0, 45.0, -100.0, 18_000.0, wind=calm, members=2, paths=False, **kw)

    def terrain() -> None:
        # a real (non-flat) terrain model: the integrator meets the ground on it
        lat = np.linspace(44.0, 46.0, 5)
        lon = np.linspace(-101.0, -99.0, 5)
        dem = TerrainModel(
            elevation=np.full((5, 5), 500.0, dtype=np.float32), lat0=float(lat[0]),
            dlat=float(lat[1] - lat[0]), lon0=float(lon[0]), dlon=float(lon[1] - lon[0]),
            outside=0.0, source="warm-up",
        )  # fmt: skip
        predict(_T0, 45.0, -100.0, 2_000.0, wind=clim, members=2, profile="descent",
                ground=dem, hours=1.0)  # fmt: skip
        dem.elevation_at(np.array([45.0, 45.5]), np.array([-100.0, -99.5]))

    def ballistic() -> None:
        pw = PerturbedWind(clim, members=2, seed=0)
        z = np.zeros(4)
        fall(_T0, np.full(4, 45.0), np.full(4, -100.0), np.full(4, 3_000.0), z, z, z,
             np.array([5.0, 20.0, 50.0, 200.0]), pw)  # fmt: skip
        fall(_T0, np.full(2, 45.0), np.full(2, -100.0), np.full(2, 2_000.0), z[:2], z[:2],
             z[:2], np.array([10.0, 100.0]), clim)  # fmt: skip

    def wind() -> None:
        t = np.full(3, 1.6755e9)
        lat = np.array([40.0, 45.0, 50.0])
        lon = np.array([-100.0, 10.0, 170.0])
        alt = np.array([1_000.0, 18_000.0, 30_000.0])
        clim.uv(t, lat, lon, alt)
        big = np.linspace(0.0, 1.0, 70_000)
        clim.uv(np.full(big.size, 1.6755e9), 40.0 + big, -100.0 + big, 18_000.0 + big)
        calm.uv(t, lat, lon, alt)
        # read-only inputs (views of frozen results) are a separate compiled signature
        for n in (3, 70_000):
            ro = [np.linspace(a, b, n) for a, b in ((1.6755e9, 1.6756e9), (40.0, 41.0),
                                                    (-100.0, -99.0), (1_000.0, 20_000.0))]  # fmt: skip
            for a in ro:
                a.flags.writeable = False
            clim.uv(*ro)
        unc = uncertainty_of(clim)
        unc.sigma(t, lat, lon, alt)
        pw = PerturbedWind(clim, members=3, seed=1)
        pw.uv(t, lat, lon, alt, np.array([0, 1, 2]))
        member_normals(0, 0, 0, 2, 4)
        member_uniforms(0, 1, 0, 2, 4)
        for law in (temperature, pressure, density):
            law(alt)
        altitude_from_pressure(np.array([100_000.0, 7_000.0]))

    def land() -> None:
        lat = np.array([45.0, 30.0, -10.0])
        lon = np.array([-100.0, -40.0, 120.0])
        is_land(lat, lon)
        distance_to_coast(lat, lon)
        big = np.linspace(0.0, 1.0, PARALLEL_MIN)  # large arrays take the parallel kernel
        is_land(40.0 + big, -100.0 + big)

    def population() -> None:
        default_population().grid(44.0, 46.0, -101.0, -99.0, step=0.1)

    return [
        ("flight profiles", profiles),
        ("terrain", terrain),
        ("ballistic fall", ballistic),
        ("wind", wind),
        ("land mask", land),
        ("population", population),
    ]


def warmup(*, progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Compile (or load) every kernel and build the first-use caches.

    Returns ``{"steps": {name: seconds}, "total_s": s, "uncompiled": [...]}``;
    ``progress(step, done, total)`` after each step.
    """
    steps = _steps()
    times: dict[str, float] = {}
    t_all = _time.perf_counter()
    for k, (name, fn) in enumerate(steps, start=1):
        t = _time.perf_counter()
        fn()
        times[name] = round(_time.perf_counter() - t, 2)
        if progress is not None:
            progress(name, k, len(steps))
    return {
        "steps": times,
        "total_s": round(_time.perf_counter() - t_all, 2),
        "uncompiled": uncompiled_kernels(),
    }


def cached_kernels() -> dict[str, Any]:
    """Every numba kernel of the package compiled with ``cache=True`` and not always inlined
    (those compile inside their callers): ``{"module.name": dispatcher}``."""
    import stratowatch

    out: dict[str, Any] = {}
    for info in pkgutil.walk_packages(stratowatch.__path__, prefix="stratowatch."):
        if info.name.startswith(("stratowatch.cli", "stratowatch.service")):
            continue
        try:
            mod = importlib.import_module(info.name)
        except ImportError:  # an optional dependency of one module
            continue
        for attr, obj in vars(mod).items():
            opts = getattr(obj, "targetoptions", None)
            py = getattr(obj, "py_func", None)
            if not isinstance(opts, dict) or getattr(py, "__module__", None) != info.name:
                continue
            if type(getattr(obj, "_cache", None)).__name__ != "FunctionCache":
                continue  # not cache=True
            if opts.get("inline") == "always":
                continue
            out[f"{info.name}.{attr}"] = obj
    return out


def _on_disk(dispatcher: Any) -> bool:
    """True when numba's cache index of the kernel holds at least one entry for the current
    source (numba's own check of the file's stamp; internal API, so any surprise is False)."""
    try:
        return len(dispatcher._cache._cache_file._load_index()) > 0
    except Exception:  # noqa: BLE001 - numba internals differ between versions
        return False


def uncompiled_kernels() -> list[str]:
    """Names of the `cached_kernels` neither compiled in this process nor in numba's on-disk
    cache for their current source."""
    return sorted(
        name
        for name, d in cached_kernels().items()
        if not getattr(d, "signatures", None) and not _on_disk(d)
    )
