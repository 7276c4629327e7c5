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
