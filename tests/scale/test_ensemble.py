"""Ensembles on engines: any engine and any chunking give the members of the in-process run
exactly (member-keyed seeding); paths can be dropped or stored in float32; chunks that do not
tile the plan are refused."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.errors import ConfigError
from stratowatch.predict import predict
from stratowatch.predict.core import plan_prediction
from stratowatch.scale import DaskEngine, InProcessEngine, ThreadEngine, run_prediction

T0 = "2023-02-01T19:00Z"
KW = {"hours": 6.0, "members": 23, "seed": 5}


def _same(a, b, *, paths: bool = True) -> None:  # type: ignore[no-untyped-def]
    for name in ("end_time", "end_lat", "end_lon", "end_alt", "landed"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    if paths:
        for name in ("lat", "lon", "alt"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.warnings == b.warnings
    assert a.summary() | {"elapsed_s": 0} == b.summary() | {"elapsed_s": 0}


@pytest.mark.parametrize(
    ("profile", "extra"),
    [("float", {"float_alt": 19_000.0}), ("standard", {"burst_alt": 25_000.0})],
)
def test_threads_and_chunks_equal_predict(profile: str, extra: dict) -> None:
    start = 18_300.0 if profile == "float" else 1_000.0
    ref = predict(T0, 45.78, -108.5, start, profile=profile, **KW, **extra)  # type: ignore[arg-type]
    plan = plan_prediction(T0, 45.78, -108.5, start, profile=profile, **KW, **extra)  # type: ignore[arg-type]
    with ThreadEngine(2) as eng:
        got = run_prediction(plan, engine=eng, chunk=4)
    _same(ref, got)
    seen: list[int] = []
    got = run_prediction(
        plan, engine=InProcessEngine(), chunk=7, progress=lambda d, t: seen.append(d)
    )
    _same(ref, got)
    assert seen == [7, 14, 21, 23]


def test_on_the_dask_cluster_with_paths(dask_scheduler: str) -> None:
    ref = predict(T0, 45.78, -108.5, 18_300.0, **KW)
    plan = plan_prediction(T0, 45.78, -108.5, 18_300.0, **KW)
    with DaskEngine(dask_scheduler) as eng:
        got = run_prediction(plan, engine=eng, chunk=5)
        assert eng.describe()["workers"] == 2
    _same(ref, got)


def test_paths_off_and_float32() -> None:
    ref = predict(T0, 45.78, -108.5, 18_300.0, **KW)
    ends = predict(T0, 45.78, -108.5, 18_300.0, **KW, paths=False, chunk=6)
    _same(ref, ends, paths=False)
    assert ends.lat.shape == (23, 1) and not ends.has_paths
    with pytest.raises(ConfigError, match="paths=False"):
        ends.median_path()
    with pytest.raises(ConfigError, match="paths=False"):
        ends.positions_at("2023-02-01T21:00Z")
    f32 = predict(T0, 45.78, -108.5, 18_300.0, **KW, path_dtype=np.float32, chunk=10)
    assert f32.lat.dtype == np.float32
    # float32 keeps ~1e-5 degree (~1 m) of the float64 paths; the ends stay float64 and exact
    np.testing.assert_allclose(f32.lat, ref.lat, atol=2e-5, equal_nan=True)
    np.testing.assert_array_equal(f32.end_lat, ref.end_lat)


def test_a_slice_of_members_is_the_same_slice_of_the_ensemble() -> None:
    ref = predict(T0, 45.78, -108.5, 18_300.0, **KW)
    part = run_prediction(plan_prediction(T0, 45.78, -108.5, 18_300.0, hours=6.0, members=9,
                                          seed=5, first_member=11), chunk=4)  # fmt: skip
    np.testing.assert_array_equal(part.end_lat, ref.end_lat[11:20])
    np.testing.assert_array_equal(part.lon, ref.lon[11:20])


def test_chunks_must_tile_the_plan() -> None:
    plan = plan_prediction(T0, 45.78, -108.5, 18_300.0, **KW)
    a = plan.run(0, 10, paths=False)
    b = plan.run(12, 11, paths=False)
    with pytest.raises(ConfigError, match="member 10 expected"):
        plan.finish([a, b])
    with pytest.raises(ConfigError, match="cover 10 of the plan's 23"):
        plan.finish([a])
    with pytest.raises(ConfigError, match="at least one member"):
        plan.run(0, 0)
    with pytest.raises(ConfigError, match="path_dtype"):
        run_prediction(plan, path_dtype=np.int32)
