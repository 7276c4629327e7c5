"""Geodesy on WGS84 against published geodesic examples [Karney2013]_ and its own inverses."""

from __future__ import annotations

import numpy as np
import pytest

from stratowatch.geo.geodesy import (
    distance_m,
    forward,
    haversine,
    inverse,
    local_xy,
    offset_m,
)


def test_karney2013_direct_example() -> None:
    """Karney (2013), Table 2: from 40 N along azimuth 30 deg for 10,000 km on WGS84 the geodesic
    reaches 41.79331020506 N, 137.84490004377 E, arriving with azimuth 149.09016931807 deg."""
    lat, lon = forward(40.0, 0.0, 30.0, 10_000_000.0)
    assert float(lat) == pytest.approx(41.79331020506, abs=1e-10)
    assert float(lon) == pytest.approx(137.84490004377, abs=1e-10)
    az1, az2, s = inverse(40.0, 0.0, 41.79331020506, 137.84490004377)
    assert float(s) == pytest.approx(10_000_000.0, abs=1e-3)
    assert float(az1) == pytest.approx(30.0, abs=1e-9)
    assert float(az2) == pytest.approx(149.09016931807, abs=1e-9)


def test_karney2013_inverse_short_and_nearly_antipodal() -> None:
    """Karney (2013), Table 4 (a 5 m line) and Table 5 (a nearly antipodal pair), WGS84."""
    az1, az2, s = inverse(-30.12345, 0.0, -30.12344, 0.00005)
    assert float(s) == pytest.approx(4.944208, abs=1e-6)
    assert float(az1) == pytest.approx(77.04353354237, abs=1e-8)
    assert float(az2) == pytest.approx(77.04350844913, abs=1e-8)
    az1, _, s = inverse(-30.0, 0.0, 29.9, 179.8)
    assert float(s) == pytest.approx(19_989_832.82761, abs=1e-4)
    assert float(az1) == pytest.approx(161.89052473633, abs=1e-9)


def test_local_xy_is_azimuthal_equidistant_at_thousands_of_km() -> None:
    """The tracker's innovations reach 1,000-3,900 km: the local distance must stay geodesic."""
    lat0, lon0 = 45.0, -110.0
    lat = np.array([45.0, 60.0, 33.5, 20.0, 45.1])
    lon = np.array([-110.0, -150.0, -78.9, -60.0, -109.9])
    x, y = local_xy(lat, lon, lat0, lon0)
    assert np.hypot(x, y) == pytest.approx(distance_m(lat0, lon0, lat, lon), rel=1e-12, abs=1e-6)
    la2, lo2 = offset_m(lat0, lon0, x, y)
    assert la2 == pytest.approx(lat, abs=1e-9)
    assert lo2 == pytest.approx(lon, abs=1e-9)
    # close to the centre it is the tangent plane: 0.1 deg of latitude is ~11.1 km north
    assert float(y[-1]) == pytest.approx(11_113.0, rel=2e-3)


def test_broadcast_dateline_and_nan() -> None:
    d = haversine(np.array([[0.0], [10.0]]), 179.9, 0.0, np.array([-179.9, 179.9]))
    assert d.shape == (2, 2)
    assert float(d[0, 0]) == pytest.approx(22_263.9, abs=1.0)  # 0.2 deg of equator
    la, lo = offset_m(0.0, 179.99, 2_000.0, 0.0)
    assert -180.0 <= float(lo) < -179.9
    assert np.isnan(distance_m(np.nan, 0.0, 1.0, 1.0))


def test_pyproj_loads_on_first_geodesic_not_on_import() -> None:
    """The wind and flight layers import this module for its constants; pyproj (~50-70 ms)
    loads only when a geodesic is solved, and ``WGS84`` is then one shared `pyproj.Geod`."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import stratowatch.atmosphere, stratowatch.geo.geodesy as g\n"
        "assert 'pyproj' not in sys.modules, 'imported early'\n"
        "s = float(g.distance_m(40.0, 0.0, 41.0, 1.0))\n"
        "import pyproj\n"
        "assert isinstance(g.WGS84, pyproj.Geod) and g.WGS84 is g.WGS84\n"
        "assert g.WGS84.a == 6378137.0 and abs(1.0 / g.WGS84.f - 298.257223563) < 1e-9\n"
        "print(repr(s))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert float(proc.stdout.strip()) == float(distance_m(40.0, 0.0, 41.0, 1.0))
    with pytest.raises(AttributeError):
        from stratowatch.geo import geodesy

        _ = geodesy.NOT_A_NAME  # type: ignore[attr-defined]
