"""One contract every wind source passes (STYLE.md sect. 4): shapes, finiteness, metadata,
and the same typed errors for bad points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.atmosphere import CalmWind, WindField, WindMeta, open_wind
from stratowatch.atmosphere.perturb import PerturbedWind
from stratowatch.errors import InputError

SHARED_SOURCES = [
    "wind/gfs_2011011012_f120_2p5deg.grib2",
    "wind/gfs_2011100800_f072_2p5deg.grb1",
    "soundings/wyoming_BOI_2010-12-09_12Z.csv",
    "soundings/igra2_USM00070026-data_2010-06.txt",
]


def _check(w: WindField) -> None:
    assert isinstance(w, WindField) and isinstance(w.meta, WindMeta)
    t = w.meta.time_start if w.meta.time_start is not None else 1.7e9
    u, v = w.uv(t, 45.0, -110.0, 10_000.0)
    assert np.shape(u) == () and np.isfinite(u) and np.isfinite(v)
    lat = np.array([[-90.0, 0.0, 90.0], [10.0, 20.0, 30.0]])
    u, v = w.uv(t, lat, np.array([-180.0, 0.0, 359.9]), 5_000.0)
    assert u.shape == (2, 3) and v.shape == (2, 3)
    assert np.all(np.isfinite(u)) and np.all(np.isfinite(v))
    assert np.all(np.abs(u) < 150) and np.all(np.abs(v) < 150)
    with pytest.raises(InputError):
        w.uv(t, 95.0, 0.0, 1000.0)
    with pytest.raises(InputError):
        w.uv(t, 0.0, float("nan"), 1000.0)
    with pytest.raises(InputError):
        w.uv(float("inf"), 0.0, 0.0, 1000.0)
    assert isinstance(w.meta.describe(), dict)


@pytest.mark.parametrize("name", ["calm", "climatology"])
def test_named_sources(name: str) -> None:
    _check(open_wind(name))


def test_perturbed() -> None:
    _check(PerturbedWind(CalmWind(), members=3))


@pytest.mark.shared
@pytest.mark.parametrize("rel", SHARED_SOURCES)
def test_file_sources(shared_data: Path, rel: str) -> None:
    _check(open_wind(shared_data / rel))
