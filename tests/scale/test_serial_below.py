"""`threads.serial_below`: small parallel loops run on the calling thread alone, per thread,
with the same results."""

from __future__ import annotations

import threading

import numba
import numpy as np
import pytest

from stratowatch.atmosphere.wind import profile_wind
from stratowatch.flight import Float, Stage, integrate
from stratowatch.predict import predict
from stratowatch.threads import serial_below

WIND = profile_wind([0.0, 40_000.0], [12.0, 20.0], [3.0, -4.0], source="uniform")


def test_threads_inside_and_after_the_block() -> None:
    n = numba.get_num_threads()
    if n < 2:
        pytest.skip("one numba thread: nothing to switch")
    with serial_below(10, 100):
        assert numba.get_num_threads() == 1
        with serial_below(10, 100):  # nested: still one, and left as found
            assert numba.get_num_threads() == 1
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == n
    with serial_below(100, 100):
        assert numba.get_num_threads() == n
    with pytest.raises(RuntimeError), serial_below(1, 2):
        raise RuntimeError("inside")
    assert numba.get_num_threads() == n


def test_one_thread_here_leaves_other_threads_alone() -> None:
    n = numba.get_num_threads()
    if n < 2:
        pytest.skip("one numba thread: nothing to switch")
    seen: list[int] = []
    inside = threading.Event()
    done = threading.Event()

    def other() -> None:
        inside.wait(10)
        seen.append(numba.get_num_threads())
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with serial_below(0, 1):
        inside.set()
        done.wait(10)
    t.join()
    assert seen == [n]


def test_same_paths_on_one_thread_and_on_all() -> None:
    lat = np.linspace(30.0, 60.0, 400)
    kw = dict(duration=24 * 3600.0, out_step=1800.0)
    many = integrate([Stage(Float())], WIND, 0.0, lat, -100.0, 18_000.0, **kw)  # type: ignore[arg-type]
    with serial_below(0, 1):
        one = integrate([Stage(Float())], WIND, 0.0, lat, -100.0, 18_000.0, **kw)  # type: ignore[arg-type]
    for name in ("lat", "lon", "alt", "end_time", "steps"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name))
    # an ensemble (perturbed wind: mode draws, sigma points, the kernel) above the thresholds
    # (3,000 members: two threads) and below them (20: one) gives the same members
    big = predict("2023-02-01T19:00Z", 45.78, -108.5, 18_300, hours=48, members=3000, seed=3,
                  wind="climatology")  # fmt: skip
    small = predict("2023-02-01T19:00Z", 45.78, -108.5, 18_300, hours=48, members=20, seed=3,
                    wind="climatology")  # fmt: skip
    np.testing.assert_array_equal(small.lat, big.lat[:20])
    np.testing.assert_array_equal(small.end_lon, big.end_lon[:20])
