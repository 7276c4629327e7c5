"""Dense flight logs (issue 10.3): delimited position logs, with bad rows
reported by file, line and field while the valid rows are kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stratowatch.errors import InputError
from stratowatch.io.logs import looks_like_log, read_log, read_position_log

DATA = Path(__file__).resolve().parents[1] / "data" / "radiosondy_rs41"


def test_radiosondy_export_is_read_sorted_and_deduplicated() -> None:
    """R3330518: 2,718 rows newest first, ';'-separated, 68 stations: sorted, one per time."""
    lg = read_log(DATA / "R3330518.csv")
    assert lg.format == "position log"
    assert lg.size == 2718
    assert lg.reordered and lg.repeats == 0 and not lg.issues
    assert np.all(np.diff(lg.time) > 0)
    assert lg.alt.max() == pytest.approx(32296.0)
    assert set(lg.source.tolist()) == {"R3330518"}  # the sonde (SONDE column), not the station
    # the first fix is the last row of the file (the export is newest first)
    assert lg.line[0] == 2719


def test_malformed_rows_are_reported_and_valid_rows_kept(tmp_path: Path) -> None:
    rows = [
        "time,lat,lon,alt,extra",
        "2024-05-01T10:00:00Z,48.1,11.5,500.0,x",
        "2024-05-01T10:00:01Z,48.1,11.5,505.0,x",
        "2024-05-01T10:00:0Z,48.1,11.5,510.0,x",  # bad time
        "2024-05-01T10:00:03Z,98.1,11.5,515.0,x",  # latitude out of range
        "2024-05-01T10:00:04Z,48.1,11.5,nan,x",  # not finite
        "2024-05-01T10:00:05Z,0,0,520.0,x",  # no GPS fix
        "2024-05-01T10:00:06Z,48.1,11.5",  # too few fields
        "2024-05-01T10:00:07Z,48.1,11.5,,x",  # missing altitude
        "2024-05-01T10:00:01Z,48.2,11.6,999.0,x",  # repeated time: first kept
        "2024-05-01T10:00:08+02:00,48.1,11.5,530.0,x",  # an offset: 08:00:08Z
    ]
    p = tmp_path / "dense.csv"
    p.write_text("\n".join(rows) + "\n")
    lg = read_position_log(p)
    assert lg.size == 3
    assert lg.repeats == 1 and lg.reordered
    assert lg.alt.tolist() == [530.0, 500.0, 505.0]
    got = [(e.line, e.field) for e in lg.issues]
    assert got == [(4, "time"), (5, "lat"), (6, "alt"), (7, "lat"), (8, None), (9, "alt")]
    msg = str(lg.issues[0])
    assert str(p) in msg and "line 4" in msg and "'time'" in msg and "10:00:0Z" in msg
    with pytest.raises(InputError, match="line 4"):
        read_position_log(p, strict=True)


def test_missing_column_and_empty_inputs(tmp_path: Path) -> None:
    p = tmp_path / "nolat.csv"
    p.write_text("time,lon,alt\n2024-05-01T10:00:00Z,11.5,500\n")
    with pytest.raises(InputError, match="missing required column"):
        read_position_log(p)
    e = tmp_path / "empty.csv"
    e.write_text("\n\n")
    with pytest.raises(InputError, match="empty file"):
        read_position_log(e)
    h = tmp_path / "header_only.csv"
    h.write_text("time,lat,lon,alt\n2024-05-01T10:00:00Z,91,0,1\n")
    with pytest.raises(InputError, match="no valid fixes"):
        read_position_log(h)


def test_a_large_log_is_read_whole(tmp_path: Path) -> None:
    """100,000 rows of a 1 Hz log (28 h): all kept, in order, with one bad row reported."""
    n = 100_000
    t0 = 1_700_000_000
    lines = ["time,lat,lon,alt"]
    lines += [
        f"{t0 + i},{45 + i * 1e-6:.6f},{7 + i * 2e-6:.6f},{1000 + (i % 5000):.1f}" for i in range(n)
    ]
    lines[5001] = f"{t0 + 5000},45.0,7.0,inf"
    p = tmp_path / "big.csv"
    p.write_text("\n".join(lines) + "\n")
    lg = read_position_log(p)
    assert lg.size == n - 1
    assert [(e.line, e.field) for e in lg.issues] == [(5002, "alt")]
    assert np.all(np.diff(lg.time) > 0)


def test_auto_rx_layout(tmp_path: Path) -> None:
    """The radiosonde_auto_rx log layout (fixes of R3330518 rewritten in its columns) is read
    by column name."""
    lg = read_log(DATA / "R3330518.csv")
    header = (
        "timestamp,serial,frame,lat,lon,alt,vel_v,vel_h,heading,temp,humidity,pressure,type,"
        "freq_mhz,snr,f_error_hz,sats,batt_v,burst_timer,aux_data"
    )
    rows = [header]
    for i in range(50):
        t = np.datetime64(int(lg.time[i]), "s")
        rows.append(
            f"{t}.000Z,R3330518,{1000 + i},{lg.lat[i]:.5f},{lg.lon[i]:.5f},{lg.alt[i]:.1f},"
            "5.0,3.0,90.0,-273.0,-1.0,-1.0,RS41,403.700,12.0,0,9,2.9,-1,-1"
        )
    p = tmp_path / "20210428-044900_R3330518_RS41_403700_sonde.log"
    p.write_text("\n".join(rows) + "\n")
    assert looks_like_log(p)
    auto = read_log(p)
    assert auto.size == 50 and not auto.issues
    assert np.allclose(auto.time, lg.time[:50]) and np.allclose(auto.alt, lg.alt[:50], atol=0.05)
    assert set(auto.source.tolist()) == {"R3330518"}
