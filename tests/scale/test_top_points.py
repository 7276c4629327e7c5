"""A prediction run without its paths but with its members' highest points (``paths=False,
top_points=True``) gives the same key points and words, bit for bit, as the run with the
paths: in float64 and float32, with any chunking, on threads and on a Dask cluster; without
either, the key points are refused rather than made up from the start."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from stratowatch.errors import ConfigError
from stratowatch.predict import predict
from stratowatch.predict.core import plan_prediction
from stratowatch.report.keypoints import flight_summary
from stratowatch.report.words import flight_words
from stratowatch.scale import DaskEngine, ThreadEngine, run_prediction

T0 = "2023-02-01T19:00Z"
LAT, LON = 45.78, -108.5


def _same(a: Any, b: Any, where: str = "") -> None:
    """Equal to the bit (NaN equal to NaN), through dicts, lists, tuples and arrays."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{k}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), where
    else:
        assert a == b, where


def _key_points(pred: Any) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    words = flight_words(pred)
    return flight_summary(pred), words.as_json(), words.lines()


CASES = {
    # a float that first ascends, with an altitude spread
    "float": (18_300.0, {"float_alt": 19_000.0, "alt_sigma": 150.0, "hours": 12.0}),
    # bursts, lands (rows of NaN after the landing: the top index's masked search)
    "standard": (1_000.0, {"profile": "standard", "burst_alt": 25_000.0, "hours": 6.0}),
    "backward": (18_300.0, {"backward": True, "hours": 12.0}),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_top_points_give_the_key_points_of_the_paths(case: str, dtype: Any) -> None:
    alt, kw = CASES[case]
    ref = predict(T0, LAT, LON, alt, members=2_000, seed=4, path_dtype=dtype, chunk=700, **kw)
    got = predict(T0, LAT, LON, alt, members=2_000, seed=4, path_dtype=dtype, chunk=450,
                  paths=False, top_points=True, **kw)  # fmt: skip
    assert not got.has_paths and got.lat.shape == (2_000, 1) and got.lat.dtype == dtype
    assert got.top_points is not None and ref.top_points is None
    _same(_key_points(ref), _key_points(got))
    assert ref.summary() | {"elapsed_s": 0} == got.summary() | {"elapsed_s": 0}
    if case == "standard":
        assert flight_summary(got)["top_word"] == "burst"  # the case tests what it says


def test_single_member_and_engines(dask_scheduler: str) -> None:
    one = (T0, LAT, LON, 18_300.0)
    ref = predict(*one, hours=12.0)
    got = predict(*one, hours=12.0, paths=False, top_points=True)
    _same(_key_points(ref), _key_points(got))
    kw = {"hours": 12.0, "members": 600, "seed": 9, "float_alt": 19_500.0}
    ref = predict(*one, **kw, path_dtype=np.float32)  # type: ignore[arg-type]
    plan = plan_prediction(*one, **kw)  # type: ignore[arg-type]
    with ThreadEngine(2) as eng:
        threads = run_prediction(plan, engine=eng, chunk=130, paths=False,
                                 path_dtype=np.float32, top_points=True)  # fmt: skip
    with DaskEngine(dask_scheduler) as eng:
        dask = run_prediction(plan, engine=eng, chunk=250, paths=False,
                              path_dtype=np.float32, top_points=True)  # fmt: skip
    for pred in (threads, dask):
        _same(_key_points(ref), _key_points(pred))


def test_no_paths_and_no_top_points_is_refused() -> None:
    ends = predict(T0, LAT, LON, 18_300.0, hours=3.0, members=5, paths=False)
    assert ends.top_points is None
    with pytest.raises(ConfigError, match="highest points"):
        flight_summary(ends)
