"""Readers of tracking inputs: every kind, and bad input reported with file, line and field."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from stratowatch.errors import InputError
from stratowatch.io.readers import (
    R95,
    read_angles_csv,
    read_aprs_log,
    read_fixes_csv,
    read_fixes_json,
    read_observations,
    read_reports_csv,
    sniff_format,
)
from stratowatch.timeutil import to_epoch

GOOD = "2023-02-01T19:00:00Z,45.78,-108.50,18300,500\n"
GOOD2 = "2023-02-01T19:10:00Z,45.74,-108.40,18300,500\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_fixes_csv_minimal_and_empty_alt(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "fix.csv",
        "time,lat,lon,alt,sigma_m\n" + GOOD + "2023-02-01T20:00:00Z,45.5,-107.9,,800\n",
    )
    obs = read_fixes_csv(p)
    assert len(obs) == 2 and not obs.issues
    assert obs.time[0] == to_epoch("2023-02-01T19:00:00Z")
    assert obs.alt[0] == 18300.0 and math.isnan(obs.alt[1])
    assert obs.sigma_h[1] == 800.0 and obs.line.tolist() == [2, 3]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("yesterday,45.0,-100.0,,500", "time", "cannot parse time"),
        ("2023-02-01T19:00:00Z,95.0,-100.0,,500", "lat", "out of range"),
        ("2023-02-01T19:00:00Z,45.0,-400.0,,500", "lon", "out of range"),
        ("2023-02-01T19:00:00Z,45.0,-100.0,,0", "sigma_m", "must be positive"),
        ("2023-02-01T19:00:00Z,45.0,-100.0,,-5", "sigma_m", "must be positive"),
        ("2023-02-01T19:00:00Z,north,-100.0,,500", "lat", "not a number"),
    ],
)
def test_bad_row_is_reported_and_good_rows_kept(
    tmp_path: Path, row: str, field: str, words: str
) -> None:
    p = _write(tmp_path, "bad.csv", "time,lat,lon,alt,sigma_m\n" + GOOD + row + "\n" + GOOD2)
    obs = read_fixes_csv(p)
    assert len(obs) == 2
    (err,) = obs.issues
    assert err.path == str(p) and err.line == 3 and err.field == field
    assert words in str(err)
    with pytest.raises(InputError) as info:
        read_fixes_csv(p, strict=True)
    assert info.value.line == 3 and info.value.field == field


def test_unknown_column_and_missing_column(tmp_path: Path) -> None:
    p = _write(tmp_path, "extra.csv", "time,lat,lon,alt,sigma_m,colour\n" + GOOD.strip() + ",red\n")
    obs = read_fixes_csv(p)
    assert len(obs) == 1
    assert obs.issues[0].field == "colour" and obs.issues[0].line == 1
    assert "unknown column" in str(obs.issues[0])
    with pytest.raises(InputError, match="unknown column"):
        read_fixes_csv(p, strict=True)
    q = _write(tmp_path, "nolon.csv", "time,lat,alt\n2023-02-01T19:00:00Z,45,100\n")
    with pytest.raises(InputError) as info:
        read_fixes_csv(q)
    assert info.value.field == "lon" and "missing required column" in str(info.value)


def test_empty_inputs(tmp_path: Path) -> None:
    empty = _write(tmp_path, "empty.csv", "")
    with pytest.raises(InputError, match="empty file"):
        read_observations(empty)
    header_only = _write(tmp_path, "header.csv", "time,lat,lon,alt,sigma_m\n")
    with pytest.raises(InputError, match="no valid observations"):
        read_fixes_csv(header_only)
    all_bad = _write(tmp_path, "allbad.csv", "time,lat,lon\nnever,1,2\n")
    with pytest.raises(InputError) as info:
        read_fixes_csv(all_bad)
    assert "1 rejected" in str(info.value) and "line 2" in str(info.value)


def test_reports_radius_is_95_percent(tmp_path: Path) -> None:
    text = (
        "time_utc,time_uncertainty_h,lat,lon,radius_km,alt_m,alt_uncertainty_m,kind,"
        "description,source\n"
        '2023-02-03T15:30:00Z,1,39.95,-95.75,30,,,sighting,"Sabetha, Kansas",WIBW\n'
    )
    obs = read_reports_csv(_write(tmp_path, "r.csv", text))
    assert R95 == pytest.approx(2.4477, abs=1e-4)
    assert obs.sigma_h[0] == pytest.approx(30_000.0 / 2.4477, rel=1e-4)
    assert obs.time_sigma[0] == 3600.0 and obs.kind[0] == "report"
    assert sniff_format(tmp_path / "r.csv") == "reports"


def test_aprs_log_and_bad_packets(tmp_path: Path) -> None:
    text = (
        "2020-11-07 09:38:16 EST: W3EAX-10>APLIGA,K3TLB-13*,WIDE2*,qAR,K3DO-11:/143807h3942.06N"
        "/07718.64WO111/004/A=009017 049TxC umdbpp\n"
        "2020-11-07 09:49:49 EST: W3EAX-10>APLIGA,TCPIP*,qAC,NINTH:!3969.13N/7730.53W-/A=018692"
        " [Invalid uncompressed location]\n"
        "garbage line\n"
    )
    p = _write(tmp_path, "log.txt", text)
    assert sniff_format(p) == "aprs"
    obs = read_aprs_log(p)
    assert len(obs) == 1
    # the packet's own time 14:38:07 UTC (received 09:38:16 EST = 14:38:16 UTC)
    assert obs.time[0] == to_epoch("2020-11-07T14:38:07Z")
    assert obs.alt[0] == pytest.approx(9017 * 0.3048)
    assert obs.lat[0] == pytest.approx(39 + 42.06 / 60)
    assert [e.line for e in obs.issues] == [2, 3]
    assert all(e.field == "packet" for e in obs.issues)


def test_json_fixes_and_geojson(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "f.json",
        json.dumps([{"time": "2023-02-01T19:00:00Z", "lat": 45.0, "lon": -100.0, "sigma_m": 300}]),
    )
    assert read_fixes_json(p).sigma_h[0] == 300.0
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-100.0, 45.0, 18000.0]},
                "properties": {"time": "2023-02-01T19:00:00Z"},
            }
        ],
    }
    q = _write(tmp_path, "f.geojson", json.dumps(fc))
    obs = read_observations(q)
    assert obs.alt[0] == 18000.0 and obs.lon[0] == -100.0
    bad = _write(tmp_path, "bad.json", "{not json")
    with pytest.raises(InputError, match="invalid JSON"):
        read_fixes_json(bad)


def test_angles_csv(tmp_path: Path) -> None:
    text = (
        "time,observer_lat,observer_lon,observer_alt,az_deg,el_deg,sigma_deg,range_m\n"
        "2023-02-01T19:00:00Z,45.7,-108.6,1000,45,30,0.5,\n"
        "2023-02-01T19:00:00Z,45.7,-108.6,1000,45,30,0.5,30000\n"
        "2023-02-01T19:00:00Z,45.7,-108.6,1000,45,95,0.5,\n"
    )
    p = _write(tmp_path, "a.csv", text)
    assert sniff_format(p) == "angles"
    obs = read_angles_csv(p)
    assert obs.kind.tolist() == ["sighting", "radar"]
    assert obs.az[0] == pytest.approx(math.pi / 4)
    assert obs.issues[0].field == "el_deg" and obs.issues[0].line == 4


def test_duplicates_removed_across_files(tmp_path: Path) -> None:
    a = _write(
        tmp_path, "a.csv", "time,lat,lon,sigma_m,source\n" + "2023-02-01T19:00:00Z,45,-100,50,X\n"
    )
    b = _write(
        tmp_path, "b.csv", "time,lat,lon,sigma_m,source\n" + "2023-02-01T19:00:00Z,45,-100,50,X\n"
    )
    obs = read_observations([a, b])
    assert len(obs) == 1
    assert np.all(np.diff(obs.time) >= 0)


@pytest.mark.shared
def test_real_files_sniffed(shared_data: Path) -> None:
    assert sniff_format(shared_data / "tracks" / "shab14v" / "SHAB14V-APRS.csv") == "shab"
    assert sniff_format(shared_data / "scenarios" / "feb2023_public_reports.csv") == "reports"
    ns = shared_data / "tracks" / "umd_ns95" / "W3EAX-10_raw_NS95.txt"
    assert sniff_format(ns) == "aprs"
    obs = read_aprs_log(ns)
    n_lines = len([x for x in ns.read_text().splitlines() if x.strip()])
    assert len(obs) + len(obs.issues) == n_lines == 70  # every line accounted for


def test_binary_and_broken_files(tmp_path: Path) -> None:
    """Not text, or not CSV: one clear error with the file and line, never a traceback."""
    p = tmp_path / "x.csv"
    p.write_bytes(b"time,lat,lon\n2023-02-01T19:00:00Z,45,-100\n\xd0\xcf\x11\xe0 binary\n")
    with pytest.raises(InputError) as info:
        read_observations(p)
    assert info.value.line == 3 and "not a UTF-8 text file" in str(info.value)
    q = tmp_path / "nul.csv"
    q.write_text("time,lat,lon\n2023-02-01T19:00:00Z,45,-100\x00\n")
    with pytest.raises(InputError, match="nul.csv"):
        read_fixes_csv(q)
