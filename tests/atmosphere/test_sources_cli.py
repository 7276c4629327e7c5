"""open_wind registry and the `stratowatch wind` CLI, including bad input (issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from stratowatch.atmosphere import CalmWind, open_wind
from stratowatch.atmosphere.sources import SOURCES, sniff
from stratowatch.cli.main import app
from stratowatch.errors import InputError

runner = CliRunner()
GRIB2 = "wind/gfs_2011011012_f120_2p5deg.grib2"


def _json(output: str) -> dict[str, object]:
    return dict(json.loads(output.strip().splitlines()[-1]))


def test_registry_names_and_passthrough() -> None:
    assert {"calm", "climatology", "gridded", "wyoming", "igra2", "fetched"} <= set(SOURCES)
    calm = CalmWind()
    assert open_wind(calm) is calm
    u, v = open_wind("calm").uv(0.0, [1.0, 2.0], 3.0, 4.0)
    assert np.all(u == 0) and np.all(v == 0)


def test_unknown_source_lists_the_choices(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_wind("nowhere.grib2")
    odd = tmp_path / "notes.xyz"
    odd.write_text("hello\n")
    with pytest.raises(InputError) as info:
        open_wind(odd)
    msg = str(info.value)
    assert "notes.xyz" in msg and "climatology" in msg and "igra2" in msg


@pytest.mark.shared
def test_sniff_by_content(shared_data: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "gfs.bin"
    renamed.write_bytes((shared_data / GRIB2).read_bytes()[:200])
    assert sniff(renamed) == "grib"
    assert sniff(shared_data / "soundings/wyoming_BOI_2010-12-09_12Z.csv") == "wyoming"
    assert sniff(shared_data / "soundings/igra2_USM00070026-data_2010-06.txt") == "igra2"
    assert sniff(shared_data / "wind/hwm93_monthly_climatology.nc") == "netcdf"


def test_cli_sample_climatology_json() -> None:
    r = runner.invoke(
        app,
        [
            "wind",
            "sample",
            "--source",
            "climatology",
            "--time",
            "2023-02-15T12:00Z",
            "--lat",
            "45",
            "--lon",
            "-110",
            "--alt",
            "18000",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = _json(r.output)
    assert abs(float(d["u"]) - 14.1) < 1.0  # type: ignore[arg-type]
    assert set(d) >= {"u", "v", "speed", "direction", "source", "warnings"}
    # a west wind blows from ~270 degrees
    assert 240.0 < float(d["direction"]) < 300.0  # type: ignore[arg-type]
    r = runner.invoke(
        app, ["wind", "sample", "--source", "calm", "--lat", "0", "--lon", "0", "--alt", "0"]
    )
    assert r.exit_code == 0 and "u = 0.00" in r.output


@pytest.mark.shared
def test_cli_sample_gfs_and_sounding(shared_data: Path) -> None:
    r = runner.invoke(
        app,
        [
            "wind",
            "sample",
            "--source",
            str(shared_data / GRIB2),
            "--lat",
            "47.5",
            "--lon",
            "-111",
            "--alt",
            "18000",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = _json(r.output)
    assert abs(float(d["u"]) - 25.9) < 0.3 and abs(float(d["v"]) + 18.4) < 0.3  # type: ignore[arg-type]
    assert any("steady" in str(w) for w in d["warnings"])  # type: ignore[attr-defined]
    r = runner.invoke(
        app,
        [
            "wind",
            "sample",
            "--source",
            str(shared_data / "soundings/wyoming_BOI_2010-12-09_12Z.csv"),
            "--lat",
            "43.6",
            "--lon",
            "-116.2",
            "--alt",
            "40000",
        ],
    )
    assert r.exit_code == 0 and "above the data's top level" in r.output
    r = runner.invoke(app, ["wind", "info", "--source", str(shared_data / GRIB2), "--json"])
    assert r.exit_code == 0 and _json(r.output)["kind"] == "gridded"


@pytest.mark.shared
@pytest.mark.parametrize(
    ("case", "code", "needle"),
    [
        ("lat95", 2, "latitude out of range"),
        ("nan", 2, "not a finite number"),
        ("truncated", 2, "cut short"),
        ("nowind", 2, "no wind variables"),
        ("garbage", 2, "line 2"),
        ("time", 3, "outside the wind data's span"),
        ("missing", 2, "no such file"),
        ("badtime", 2, "cannot parse time"),
    ],
)
def test_cli_bad_input(
    shared_data: Path, tmp_path: Path, case: str, code: int, needle: str
) -> None:
    src = str(shared_data / GRIB2)
    lat, lon, time = "47.5", "-111", "2011-01-15T12:00Z"
    if case in ("lat95", "nan", "badtime"):
        src = "climatology"  # the point checks are the same for every source; skip the GRIB load
    if case == "lat95":
        lat = "95"
    elif case == "nan":
        lon = "nan"
    elif case == "truncated":
        p = tmp_path / "cut.grib2"
        p.write_bytes((shared_data / GRIB2).read_bytes()[:1_000_000])
        src = str(p)
    elif case == "nowind":
        p = tmp_path / "t.nc"
        xr.Dataset({"t": (("level", "latitude", "longitude"), np.zeros((2, 2, 2)))}).to_netcdf(p)
        src = str(p)
    elif case == "garbage":
        p = tmp_path / "junk.csv"
        p.write_text(
            "time,pressure_hPa,geopotential height_m,wind direction_degree,wind speed_m/s\nx,y\n"
        )
        src = str(p)
    elif case == "time":
        # two forecast hours: strict in time (a single file would be steady)
        a = tmp_path / "a.nc"
        b = tmp_path / "b.nc"
        for path, hour in ((a, 0), (b, 6)):
            ds = xr.Dataset(
                {
                    n: (
                        ("time", "level", "latitude", "longitude"),
                        np.full((1, 2, 2, 2), val, "f4"),
                    )
                    for n, val in (("u", 1.0), ("v", 2.0))
                },
                coords={
                    "time": [np.datetime64(f"2020-01-01T{hour:02d}:00", "ns")],
                    "level": [500.0, 100.0],
                    "latitude": [40.0, 50.0],
                    "longitude": [250.0, 260.0],
                },
            )
            ds["z"] = (
                ("time", "level", "latitude", "longitude"),
                np.broadcast_to(
                    np.array([5500.0, 16000.0])[None, :, None, None] * 9.80665, (1, 2, 2, 2)
                ).astype("f4"),
            )
            ds.to_netcdf(path)
        src = f"{a},{b}"
        lat, lon, time = "45", "-105", "2020-01-02T00:00Z"
    elif case == "missing":
        src = str(tmp_path / "none.grib2")
    elif case == "badtime":
        time = "yesterday"
    r = runner.invoke(
        app,
        [
            "wind",
            "sample",
            "--source",
            src,
            "--lat",
            lat,
            "--lon",
            lon,
            "--alt",
            "18000",
            "--time",
            time,
        ],
    )
    assert r.exit_code == code, r.output
    assert needle in r.output
    assert "Traceback" not in r.output


def test_cli_sounding_heights_convention(shared_data: Path) -> None:
    """Boise at 18 km: the issue's 22.3 / -6.0 m/s hold in the sounding's own (geopotential)
    heights; at 18,000 m geometric (the default, 54 m lower in gpm, in an 11 m/s shear layer)
    the wind is 23.45 / -4.88."""
    path = str(shared_data / "soundings" / "wyoming_BOI_2010-12-09_12Z.csv")
    base = ["wind", "sample", "--source", path, "--lat", "43.6", "--lon", "-116.2"]
    base += ["--alt", "18000", "--json"]
    rep = runner.invoke(app, [*base, "--sounding-heights", "reported"])
    assert rep.exit_code == 0, rep.output
    out = json.loads(rep.output.strip().splitlines()[-1])
    assert out["u"] == pytest.approx(22.3, abs=0.5) and out["v"] == pytest.approx(-6.0, abs=0.5)
    geo = json.loads(runner.invoke(app, base).output.strip().splitlines()[-1])
    assert geo["u"] == pytest.approx(23.45, abs=0.1)
    bad = runner.invoke(app, [*base, "--sounding-heights", "pressure"])
    assert bad.exit_code == 2 and "geometric or reported" in bad.output
