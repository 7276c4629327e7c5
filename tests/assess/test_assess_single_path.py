"""A single path (no ensemble) is assessed, and the result says its probabilities are 0/1."""

from __future__ import annotations

import numpy as np

from stratowatch.assess import assess_path
from stratowatch.assess.path import FlightPath


def test_single_path_warns_that_probabilities_need_an_ensemble() -> None:
    t = 1.675e9 + np.arange(0.0, 6 * 3600.0, 600.0)
    lat = np.linspace(45.8, 45.0, t.size)
    lon = np.linspace(-108.5, -104.0, t.size)
    one = assess_path(FlightPath.from_arrays(t, lat, lon, 18_300.0))
    assert any("no ensemble" in w for w in one.warnings)
    two = assess_path(
        FlightPath.from_arrays(t, np.stack([lat, lat + 0.1]), np.stack([lon, lon]), 18_300.0)
    )
    assert not any("no ensemble" in w for w in two.warnings)
