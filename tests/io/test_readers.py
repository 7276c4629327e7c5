"""Readers of tracking inputs: every kind, and bad input reported with file, line and field."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
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
    read_ukhas_log,
    sniff_format,
)
from stratowatch.timeutil import to_epoch
from stratowatch.track.observations import LATE_NOTE

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
    # every line accounted for: kept, rejected, or a repeat of an earlier reception
    assert len(obs) + len(obs.issues) + len(obs.repeats) == n_lines == 70


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


# --- repeats, late and out-of-order packets (issue 10, item 1) ---------------------------------

_APRS_LINE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) EST: (?P<src>[^>]+)>(?P<dst>[^,:]+),"
    r"(?P<path>[^:]*):(?P<info>.*)$"
)


def _restamp(line: str, delay_s: float, path: str, *, strip_time: bool = False) -> str:
    """A copy of a raw NS-95 log line received ``delay_s`` later through another path."""
    m = _APRS_LINE.match(line)
    assert m is not None, line
    when = dt.datetime.fromisoformat(m["date"]) + dt.timedelta(seconds=delay_s)
    info = _strip_time(m["info"]) if strip_time else m["info"]
    return f"{when:%Y-%m-%d %H:%M:%S} EST: {m['src']}>{m['dst']},{path}:{info}"


def _strip_time(info: str) -> str:
    """``/HHMMSSh`` position-with-timestamp -> ``!`` position without one (APRS101 ch. 8)."""
    return "!" + info[8:] if re.match(r"^[/@]\d{6}[hz/]", info) else info


def _inject_repeats(
    lines: list[str], rng: np.random.Generator, n: int, *, strip_time: bool = False
) -> tuple[list[str], int]:
    """``n`` copies of earlier decodable position packets, re-stamped 30 s - 60 min later,
    through digipeater/I-gate paths seen elsewhere in the same log; in random order."""
    good = [x for x in lines if _APRS_LINE.match(x) and "Invalid" not in x and ":>" not in x]
    paths = sorted({_APRS_LINE.match(x)["path"] for x in good})  # type: ignore[index]
    picks = rng.choice(len(good), size=n, replace=False)
    extra = [
        _restamp(
            good[int(i)],
            float(rng.uniform(30.0, 3600.0)),
            str(rng.choice(paths)),
            strip_time=strip_time,
        )
        for i in picks
    ]
    out = lines + extra
    return [out[int(i)] for i in rng.permutation(len(out))], n


@pytest.mark.shared
def test_ns95_real_repeats_are_recognised(shared_data: Path) -> None:
    """The real NS-95 logs already hold repeats: 47 receptions of 120 distinct fixes (46 with
    the same information field via other digipeaters, up to 9.1 min late; 1 with the same
    transmit counter re-encoded), each counted with its file, line and the line it repeats."""
    files = sorted((shared_data / "tracks" / "umd_ns95").glob("*.txt"))
    obs = read_observations(files)
    assert len(obs) == 120 and len(obs.repeats) == 47
    rules = [r.rule for r in obs.repeats]
    assert rules.count("payload") == 46 and rules.count("sequence") == 1
    assert max(r.delay_s for r in obs.repeats) == pytest.approx(545.0)
    assert all(r.delay_s > 0 and r.line > r.first_line for r in obs.repeats)
    # the first reception is the one kept: line 1 of W3EAX-11 (heard 3 times)
    r2 = [r for r in obs.repeats if r.first_line == 1 and "W3EAX-11" in r.path]
    assert {r.line for r in r2} == {2, 5}
    raw = read_observations(files, keep_repeats=True)
    assert len(raw) == 167


@pytest.mark.shared
@pytest.mark.parametrize("strip_time", [False, True])
def test_ns95_with_injected_late_repeats(
    shared_data: Path, tmp_path: Path, strip_time: bool
) -> None:
    """25 copies of earlier packets per log, received 30 s - 60 min late through other paths,
    the whole log shuffled: the same fixes as the clean log, the copies counted. With the
    packets' own times stripped (reception time only, the hard case) too."""
    rng = np.random.default_rng(7)
    clean_files, dirty_files = [], []
    injected = 0
    for f in sorted((shared_data / "tracks" / "umd_ns95").glob("*.txt")):
        lines = f.read_text().splitlines()
        if strip_time:
            lines = [
                _restamp(x, 0.0, _APRS_LINE.match(x)["path"], strip_time=True)  # type: ignore[index]
                if _APRS_LINE.match(x)
                else x
                for x in lines
            ]
        clean_files.append(_write(tmp_path, f"clean_{f.name}", "\n".join(lines) + "\n"))
        dirty, n = _inject_repeats(lines, rng, 25, strip_time=strip_time)
        injected += n
        dirty_files.append(_write(tmp_path, f"dirty_{f.name}", "\n".join(dirty) + "\n"))
    clean = read_observations(clean_files)
    dirty = read_observations(dirty_files)
    assert len(dirty) == len(clean) == 120
    assert len(dirty.repeats) == len(clean.repeats) + injected
    np.testing.assert_array_equal(dirty.time, clean.time)
    np.testing.assert_array_equal(dirty.lat, clean.lat)
    np.testing.assert_array_equal(dirty.alt, clean.alt)
    assert max(r.delay_s for r in dirty.repeats) > 1800.0
    if strip_time:
        # without their own time the fixes are timed by reception: the kept one is the first
        assert np.all(dirty.timed_by_reception)
        np.testing.assert_array_equal(dirty.received, clean.received)


@pytest.mark.shared
def test_hyacinthsat_ukhas_repeats_corruption_and_void_fixes(
    shared_data: Path, tmp_path: Path
) -> None:
    """HyacinthSat BG7ZDQ: 676 sentences; 7 radio-corrupted (bad time, cut or merged), 79
    flagged void (V: the GPS had no fix and repeats a stale position); 2 repeat the previous
    sentence's GPS time and position with a new sequence number (stale fix); the sequence
    restarts at 0 after a reboot (kept: new time, new position). 588 fixes."""
    log = shared_data / "tracks" / "hyacinthsat_bg7zdq_2025-07-06" / "log.txt"
    assert sniff_format(log) == "ukhas"
    obs = read_observations(log)
    assert len(obs) == 588
    assert sum("void" in e.message for e in obs.issues) == 79
    assert sum("void" not in e.message for e in obs.issues) == 7
    assert [(r.rule, r.line, r.first_line) for r in obs.repeats] == [
        ("fix time", 157, 155),
        ("fix time", 413, 412),
    ]
    assert int(np.sum(obs.seq == 0)) == 2
    assert obs.time[0] == to_epoch("2025-07-06T11:01:20Z")
    # receiver clock UTC+8 estimated from the data: reception 2 s after the GPS time
    assert obs.received[0] - obs.time[0] == pytest.approx(2.0)
    assert float(obs.alt.max()) == pytest.approx(11_612.7)
    # sentences repeated 30 s - 60 min later (a relay, a second receiver): dropped by payload
    lines = log.read_text(encoding="utf-8").splitlines()
    sent = [x for x in lines if "$$BG7ZDQ" in x and x.rstrip().endswith(",A")]
    rng = np.random.default_rng(3)
    extra = []
    for i in rng.choice(len(sent), 30, replace=False):
        x = sent[int(i)]
        when = dt.datetime.fromisoformat(x[:19]) + dt.timedelta(
            seconds=float(rng.uniform(30, 3600))
        )
        extra.append(f"{when:%Y-%m-%d %H:%M:%S}{x[19:]}")
    dirty = _write(tmp_path, "log.txt", "\n".join(lines + extra) + "\n")
    d = read_observations(dirty)
    assert len(d) == 588 and len(d.repeats) == 32
    assert sum(r.rule == "payload" for r in d.repeats) == 30
    np.testing.assert_array_equal(d.time, obs.time)


def test_ukhas_checksum_and_field_errors(tmp_path: Path) -> None:
    """The UKHAS protocol's own example sentence carries CRC16-CCITT 002A [UKHAS]."""
    good = "$$hadie,181,10:42:10,54.422829,-6.741293,27799.3,1:10*002A"
    text = (
        f"2010-06-01 10:42:11 {good}\n"
        "2010-06-01 10:42:31 $$hadie,182,10:42:30,54.422829,-6.741293,27800.0,1:10*FFFF\n"
        "2010-06-01 10:42:51 $$hadie,183,10:42:50,95.0,-6.741293,27801.0,1:10\n"
        "2010-06-01 10:43:11 $$hadie,18x,10:43:10,54.42,-6.74,27802.0,1:10\n"
        "2010-06-01 10:43:31 some status line\n"
    )
    p = _write(tmp_path, "u.txt", text)
    assert sniff_format(p) == "ukhas"
    obs = read_ukhas_log(p)
    assert len(obs) == 1 and obs.source[0] == "hadie" and obs.seq[0] == 181
    assert obs.time[0] == to_epoch("2010-06-01T10:42:10Z")
    assert [(e.line, e.field) for e in obs.issues] == [(2, "checksum"), (3, "lat"), (4, "seq")]
    with pytest.raises(InputError) as info:
        read_ukhas_log(p, strict=True)
    assert info.value.line == 2 and "u.txt" in str(info.value)
    nothing = _write(tmp_path, "n.txt", "2010-06-01 10:43:31 $$hadie,1,xx:yy,1,2,3\n")
    with pytest.raises(InputError, match="no valid observations"):
        read_ukhas_log(nothing)


def test_late_packets_without_time_are_retimed(tmp_path: Path) -> None:
    """Packets without their own time carry their reception time; one received after a later
    one (lower sequence number) is placed by its sequence number, a copy is dropped."""
    base = "W1AW-11>APRS,WIDE2-1,qAR,K1ABC:!4500.00N/10000.00WO000/000/A=060000 StrTrk {q} 9 1.6V"
    rows = [
        ("12:00:00", 10, "4500.00N", "10000.00W"),
        ("12:01:00", 11, "4500.10N", "09959.90W"),
        ("12:03:00", 13, "4500.30N", "09959.70W"),
        ("12:03:30", 12, "4500.20N", "09959.80W"),  # sent 12:02, heard late
        ("12:04:00", 14, "4500.40N", "09959.60W"),
        ("12:40:00", 11, "4500.10N", "09959.90W"),  # a 39-minute-late repeat of 11
    ]
    lines = [
        f"2023-02-01 {t} UTC: " + base.format(q=q).replace("4500.00N", la).replace("10000.00W", lo)
        for t, q, la, lo in rows
    ]
    obs = read_aprs_log(_write(tmp_path, "late.txt", "\n".join(lines) + "\n"))
    assert obs.seq.tolist() == [10, 11, 12, 13, 14]
    assert obs.time[2] == to_epoch("2023-02-01T12:02:00Z")
    assert LATE_NOTE in str(obs.text[2])
    (rep,) = obs.repeats
    assert rep.rule == "payload" and rep.line == 6 and rep.first_line == 2
    assert rep.delay_s == pytest.approx(39 * 60.0)


def test_stationary_fixes_with_their_own_time_are_kept(tmp_path: Path) -> None:
    """A 1 Hz log on the ground repeats its position with new times: new fixes, not repeats."""
    text = "time,lat,lon,alt\n" + "".join(
        f"2023-02-01T19:00:{k:02d}Z,45.000000,-100.000000,1544.0\n" for k in range(30)
    )
    obs = read_observations(_write(tmp_path, "ground.csv", text))
    assert len(obs) == 30 and not obs.repeats
