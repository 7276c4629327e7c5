"""`flight.integrate` in chunks: the kernel writes into one path buffer that is reused from
chunk to chunk, and NaN-fills each member's path after it stops. A short-lived member that
follows a long-lived one in the same buffer rows must not inherit its path."""

from __future__ import annotations

import numpy as np

from stratowatch.atmosphere.wind import profile_wind
from stratowatch.flight import Float, ParachuteDescent, Stage, integrate

WIND = profile_wind([0.0, 40_000.0], [12.0, 20.0], [3.0, -4.0], source="uniform")


def test_chunked_paths_equal_one_call_and_end_in_nan() -> None:
    # members 0-2 float for the whole run, members 3-5 descend from low heights and land
    # within the first hour: with chunk=3 the second chunk reuses the first chunk's buffer
    alt = np.array([18_000.0, 19_000.0, 20_000.0, 1_500.0, 900.0, 3_000.0])
    lat = np.array([45.0, 46.0, 47.0, 45.0, 46.0, 47.0])
    stages = [Stage(ParachuteDescent(5.0), until_below=0.0)]
    float_stages = [Stage(Float())]
    kw = dict(duration=6 * 3600.0, out_step=600.0)
    one = integrate(float_stages, WIND, 0.0, lat[:3], -100.0, alt[:3], **kw)  # type: ignore[arg-type]
    landed = integrate(stages, WIND, 0.0, lat[3:], -100.0, alt[3:], **kw)  # type: ignore[arg-type]
    # the same members in one call and in chunks of 3 (and of 2: a partial last chunk)
    for st, ref, a, b in ((float_stages, one, 0, 3), (stages, landed, 3, 6)):
        for chunk in (1, 2, 3, 100):
            r = integrate(st, WIND, 0.0, lat[a:b], -100.0, alt[a:b], chunk=chunk, **kw)  # type: ignore[arg-type]
            for name in ("lat", "lon", "alt"):
                np.testing.assert_array_equal(getattr(r, name), getattr(ref, name))
    # float members and landed members mixed in one buffer: a landed member's path is NaN
    # after its landing, whatever the buffer held before
    n_out = one.lat.shape[1]
    assert np.all(np.isfinite(one.alt))
    for i in range(3):
        k = int(np.argmax(~np.isfinite(landed.alt[i])))
        assert 1 <= k < n_out
        assert np.all(np.isnan(landed.lat[i, k:]))
        assert np.all(np.isfinite(landed.lat[i, :k]))
    both = integrate(stages, WIND, 0.0, lat, -100.0, np.r_[alt[3:], alt[3:]], chunk=3, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(both.alt[:3], landed.alt)
    np.testing.assert_array_equal(both.alt[3:], landed.alt)


def test_float32_paths_are_the_float64_paths_rounded() -> None:
    lat = np.linspace(40.0, 50.0, 7)
    kw = dict(duration=12 * 3600.0, out_step=900.0)
    r64 = integrate([Stage(Float())], WIND, 0.0, lat, -100.0, 18_000.0, chunk=3, **kw)  # type: ignore[arg-type]
    r32 = integrate(
        [Stage(Float())],
        WIND,
        0.0,
        lat,
        -100.0,
        18_000.0,
        chunk=3,
        path_dtype=np.float32,
        **kw,  # type: ignore[arg-type]
    )
    assert r32.lat.dtype == np.float32
    np.testing.assert_array_equal(r32.lat, r64.lat.astype(np.float32))
    np.testing.assert_array_equal(r32.alt, r64.alt.astype(np.float32))


def test_top_points_tracked_in_the_kernel_are_those_of_the_paths() -> None:
    """``top_points=True`` without the paths: each member's highest output point, found as
    the kernel integrates, is the one `core.tops.top_index` picks on the stored paths (highest
    finite value, first of equal ones; compared in float32 for float32 paths), for members
    that ascend, burst and land (NaN after), that float (every output equal: the start), in
    one call and in chunks."""
    from stratowatch.core.tops import top_index
    from stratowatch.flight import Ascent

    n = 9
    alt = np.linspace(500.0, 20_000.0, n)
    lat = np.linspace(40.0, 50.0, n)
    stages = [
        Stage(Ascent(5.0), until_above=24_000.0, dt_max=60.0),
        Stage(ParachuteDescent(6.0), until_below=0.0, dt_max=600.0),
    ]
    kw = dict(duration=10 * 3600.0, out_step=300.0)
    for st in (stages, [Stage(Float())]):
        for dtype in (np.float64, np.float32):
            ref = integrate(st, WIND, 0.0, lat, -100.0, alt, path_dtype=dtype, **kw)  # type: ignore[arg-type]
            k = top_index(ref.alt)
            if st is stages:  # the burst: inside the run, and some members land (NaN after)
                assert np.all(k > 0) and np.any(np.isnan(ref.alt[:, -1]))
            else:  # a float's outputs are all equal: the first, its start
                assert np.all(k == 0)
            rows = np.arange(n)
            for chunk in (2, 100):
                got = integrate(
                    st, WIND, 0.0, lat, -100.0, alt, path_dtype=dtype, chunk=chunk,  # type: ignore[arg-type]
                    keep_paths=False, top_points=True, **kw,
                )  # fmt: skip
                assert got.top is not None and got.lat.shape == (n, 1)
                np.testing.assert_array_equal(got.lat[:, 0], ref.lat[:, 0])
                np.testing.assert_array_equal(got.top[:, 0].astype(np.intp), k)
                for j, name in enumerate(("lat", "lon", "alt"), start=1):
                    np.testing.assert_array_equal(
                        got.top[:, j].astype(dtype), getattr(ref, name)[rows, k]
                    )
    plain = integrate(stages, WIND, 0.0, lat, -100.0, alt, keep_paths=False, **kw)  # type: ignore[arg-type]
    assert plain.top is None and plain.lat.shape == (n, 1)
