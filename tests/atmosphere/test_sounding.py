"""Radiosonde soundings (issue 2): Wyoming CSV and IGRA2 raw text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.atmosphere import open_wind
from stratowatch.atmosphere.gridded import geometric_from_geopotential_height
from stratowatch.atmosphere.sounding import read_igra2, read_wyoming_csv, wind_components
from stratowatch.errors import InputError

BOI = "soundings/wyoming_BOI_2010-12-09_12Z.csv"
IGRA = "soundings/igra2_USM00070026-data_2010-06.txt"


def test_wind_components() -> None:
    """Meteorological convention: a west wind (from 270) blows east (u > 0)."""
    u, v = wind_components(np.array([270.0, 180.0, 0.0]), np.array([10.0, 5.0, 0.0]))
    assert np.allclose(u, [10.0, 0.0, 0.0]) and np.allclose(v, [0.0, 5.0, 0.0], atol=1e-12)


@pytest.mark.shared
def test_boise_at_18km(shared_data: Path) -> None:
    """Issue 2: Boise 2010-12-09 12Z at 18 km: u = 22.3 +- 0.5, v = -6.0 +- 0.5 m/s.

    The reference interpolates in the file's (geopotential) heights; our default converts
    them to geometric altitude (+54 m at 18 km and 43.6 N, where this sounding shears by 11 m/s over
    300 m), so the same wind sits at the geometric altitude of 18,000 gpm.
    """
    rep = read_wyoming_csv(shared_data / BOI, heights="reported")
    u, v = rep.uv(0.0, 0.0, 0.0, 18_000.0)
    assert float(u) == pytest.approx(22.3, abs=0.5) and float(v) == pytest.approx(-6.0, abs=0.5)
    geo = open_wind(shared_data / BOI)
    z18 = float(geometric_from_geopotential_height(18_000.0, 43.56))
    assert z18 - 18_000.0 == pytest.approx(54.0, abs=2.0)  # gravity below g0 at 43.6 N
    ug, vg = geo.uv(0.0, 0.0, 0.0, z18)
    assert float(ug) == pytest.approx(float(u), abs=0.05)
    assert float(vg) == pytest.approx(float(v), abs=0.05)
    assert geo.meta.kind == "sounding" and geo.meta.alt_max > 32_000
    # horizontally uniform and steady
    uu, _ = geo.uv([0.0, 1e9], [0.0, 60.0], [0.0, -120.0], 10_000.0)
    assert float(uu[0]) == float(uu[1])


@pytest.mark.shared
def test_other_wyoming_files(shared_data: Path) -> None:
    for name in ("wyoming_OUN_2023-05-22_12Z.csv", "wyoming_OUN_1999-05-04_00Z.csv"):
        w = open_wind(shared_data / "soundings" / name)
        u, v = w.uv(0.0, 35.0, -97.0, [1000.0, 5000.0])
        assert np.all(np.isfinite(u)) and np.all(np.abs(u) < 80)


@pytest.mark.shared
def test_igra2(shared_data: Path) -> None:
    """IGRA2 raw: 2010-06-01 00Z at Utqiagvik; 500 hPa level (gph 5420 m) has 202 deg 15.9 m/s."""
    w = read_igra2(shared_data / IGRA, heights="reported")
    u, v = w.uv(0.0, 0.0, 0.0, 5420.0)
    ue, ve = wind_components(np.array([202.0]), np.array([15.9]))
    assert float(u) == pytest.approx(float(ue[0]), abs=0.05)
    assert float(v) == pytest.approx(float(ve[0]), abs=0.05)
    assert any("3 soundings" in s for s in w.meta.warnings)
    later = read_igra2(shared_data / IGRA, time="2010-06-01T12:00Z")
    assert later.meta.time_start == pytest.approx(1275393600.0)
    # the third sounding in this fixture has a header and no data rows
    with pytest.raises(InputError) as info:
        read_igra2(shared_data / IGRA, time="2010-06-02T00:00Z")
    assert "line 318" in str(info.value)


@pytest.mark.shared
def test_garbage_rows_skipped_and_reported(shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / BOI).read_text().splitlines()
    lines[10] = "this is not a sounding row"
    lines[20] = lines[20].replace(",", ";")
    lines[30] = "2010-12-09 11:06:00,-116.2100,43.5600,abc,xyz,1,2,3,4,5,6,7,8"
    path = tmp_path / "garbled.csv"
    path.write_text("\n".join(lines) + "\n")
    w = open_wind(path)
    note = [s for s in w.meta.warnings if "skipped" in s]
    assert note and "line 11, 21, 31" in note[0]
    assert np.isfinite(w.uv(0.0, 0.0, 0.0, 18_000.0)[0])


def test_all_garbage_raises_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_text(
        "time,longitude,latitude,pressure_hPa,geopotential height_m,wind direction_degree,"
        "wind speed_m/s\nfoo,bar\n2010-12-09 11:06:00,-116,43,900,abc,12,3\n"
    )
    with pytest.raises(InputError) as info:
        open_wind(path)
    msg = str(info.value)
    assert "junk.csv" in msg and "line 2" in msg


def test_igra2_garbage(tmp_path: Path) -> None:
    path = tmp_path / "bad-igra.txt"
    path.write_text(
        "#USM00070026 2010 06 01 00 2303    2 ncdc6301 ncdc6301  712889 -1567833\n"
        "garbage garbage garbage garbage garbage garbage garbage\n"
        "xx\n"
    )
    with pytest.raises(InputError) as info:
        open_wind(path)
    assert "bad-igra.txt" in str(info.value) and "line 2" in str(info.value)
