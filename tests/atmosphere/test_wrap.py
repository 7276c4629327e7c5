"""`atmosphere.interp._wrap` (the compiled periodic wrap of the interpolators) returns exactly
Python's ``x % period``, including next to the multiples of the period, where ``x / period``
rounds to an integer, and for epoch seconds against the climatology's year. (Like Python's,
the result is ``period`` itself when ``x`` is a hair below a multiple.)"""

from __future__ import annotations

import math

import numpy as np

from stratowatch.atmosphere.interp import _wrap


def test_wrap_is_pythons_modulo() -> None:
    rng = np.random.default_rng(7)
    year = 31_556_952.0
    cases: list[tuple[float, float]] = []
    for period in (36.0, 144.0, 360.0, 1440.0, year):
        xs = list(rng.uniform(-5 * period, 5 * period, 2000))
        xs += list(rng.uniform(0.0, 2.0e9, 500)) if period == year else []
        for k in range(-4, 5):  # the multiples and their neighbours, one ulp away
            m = k * period
            xs += [m, math.nextafter(m, -math.inf), math.nextafter(m, math.inf), -0.0]
        cases += [(float(x), period) for x in xs]
    for x, period in cases:
        got = _wrap(x, period)
        want = x % period
        assert got == want, (x, period, got, want)
        # period itself only where x is a hair below a multiple (x + period rounds up to it):
        # Python's own answer, which `_axis` clamps into the last cell
        assert 0.0 <= got < period or (got == period and 0.0 < (-x) % period < 1e-9 * period)
