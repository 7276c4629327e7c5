"""Two balloons' raw APRS logs with late repeats give exactly two confirmed tracks, and `verify`
on each balloon's log lands where it did on the clean log (issue 10, item 1).

The balloons: UMD NS-95 (2020-11-07; its two trackers W3EAX-10 and W3EAX-11 ride one balloon)
and SHAB-14V (2022-08-22, a solar balloon, 13 h). SHAB-14V's APRS CSV is written back as raw
TNC2 packets without a time of their own (``!`` position, ``A=`` feet, its ``StrTrk`` comment;
the CSV's time is the reception time) and moved so that both fly the same morning: its first
fix 5 min after NS-95's first, 60 km north of NS-95's launch, every fix keeping its east/north
offset (m) from SHAB-14V's own launch and its altitude. Into every log go copies of earlier
packets received 30 s - 60 min later through other digipeater / I-gate paths.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.io.readers import read_observations, read_shab_csv
from stratowatch.track import track_observations
from stratowatch.track.geometry import enu_offset, offset_latlon

FT = 0.3048
_LINE = re.compile(r"^(?P<t>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?P<tz>\w+): (?P<src>[^>]+)>"
                   r"(?P<dst>[^,:]+),(?P<path>[^:]*):(?P<info>.*)$")  # fmt: skip
PATHS = ("WIDE2-1,qAR,K3DO-11", "N3KTX-6*,WIDE2,qAR,W3AD-1", "KA3OCS*,WIDE2*,qAR,KX4ZG-1",
         "W4VA-10*,qAR,KX4ZG-1", "WIDE1-1,WIDE2-1,qAR,AC2NJ")  # fmt: skip


def _aprs_deg(value: float, lat: bool) -> str:
    """Degrees -> APRS ``DDMM.mmN`` / ``DDDMM.mmW`` (APRS101 ch. 8, 0.01' resolution)."""
    hemi = ("N" if value >= 0 else "S") if lat else ("E" if value >= 0 else "W")
    v = abs(value)
    deg = int(v)
    minutes = round((v - deg) * 60.0, 2)
    if minutes >= 60.0:
        deg, minutes = deg + 1, 0.0
    return f"{deg:02d}{minutes:05.2f}{hemi}" if lat else f"{deg:03d}{minutes:05.2f}{hemi}"


def shab_as_aprs(csv_path: Path, *, t0: float, lat0: float, lon0: float) -> list[str]:
    """SHAB-14V's fixes as raw APRS log lines, first fix at ``t0`` (epoch s) and ``lat0,
    lon0`` (every fix keeps its east/north offset from the first)."""
    shab = read_shab_csv(csv_path, keep_repeats=True)
    rows = csv_rows(csv_path)
    e, n = enu_offset(rows[0]["lat"], rows[0]["lng"], np.array([r["lat"] for r in rows]),
                      np.array([r["lng"] for r in rows]))  # fmt: skip
    lat, lon = offset_latlon(lat0, lon0, e, n)
    shift = t0 - rows[0]["t"]
    out = []
    for k, r in enumerate(rows):
        when = dt.datetime.fromtimestamp(r["t"] + shift, dt.UTC)
        info = (
            f"!{_aprs_deg(float(lat[k]), True)}/{_aprs_deg(float(lon[k]), False)}O"
            f"{int(r['course']) % 360:03d}/{int(r['speed']):03d}/A={round(r['alt'] / FT):06d}"
            f" {r['comment']}"
        )
        out.append(f"{when:%Y-%m-%d %H:%M:%S} UTC: SHAB14-11>APRS,{PATHS[k % 2]}:{info}")
    assert len(out) == len(shab)
    return out


def csv_rows(path: Path) -> list[dict[str, float | str]]:
    import csv

    rows: list[dict[str, float | str]] = []
    with path.open() as fh:
        for r in csv.DictReader(fh):
            t = dt.datetime.fromisoformat(r["time"]).replace(tzinfo=dt.UTC).timestamp()
            rows.append(dict(t=t, lat=float(r["lat"]), lng=float(r["lng"]), alt=float(r["altitude"]),
                             speed=float(r["speed"]), course=float(r["course"]),
                             comment=r["comment"].strip()))  # fmt: skip
    return rows


def with_late_repeats(
    lines: list[str], rng: np.random.Generator, singles: int, bursts: int, burst_len: int = 8
) -> tuple[list[str], int]:
    """``lines`` plus copies of earlier position packets received 30 s - 60 min later through
    another path, in reception order: ``singles`` lone copies and ``bursts`` runs of
    ``burst_len`` consecutive packets re-sent together (an I-gate uploading its buffer after an
    outage). Returns the lines and the number of copies."""
    good = [x for x in lines if _LINE.match(x) and "Invalid" not in x and ":>" not in x]
    picks: list[tuple[int, float]] = [
        (int(i), float(rng.uniform(30, 3600)))
        for i in rng.choice(len(good), size=singles, replace=False)
    ]
    for start in rng.choice(len(good) - burst_len, size=bursts, replace=False):
        delay = float(rng.uniform(600, 3600))
        picks += [(int(start) + k, delay) for k in range(burst_len)]
    extra = []
    for i, delay in picks:
        m = _LINE.match(good[i])
        assert m is not None
        when = dt.datetime.fromisoformat(m["t"]) + dt.timedelta(seconds=delay)
        path = PATHS[int(rng.integers(len(PATHS)))]
        extra.append(
            f"{when:%Y-%m-%d %H:%M:%S} {m['tz']}: {m['src']}>{m['dst']},{path}:{m['info']}"
        )
    return sorted(lines + extra, key=lambda x: x[:19]), len(extra)


@pytest.fixture(scope="module")
def scene(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("two_balloons")
    rng = np.random.default_rng(11)
    ns_files = sorted((shared_data / "tracks" / "umd_ns95").glob("*.txt"))
    ns_first = read_observations(ns_files)
    t0, lat0, lon0 = float(ns_first.time[0]), float(ns_first.lat[0]), float(ns_first.lon[0])
    nlat, nlon = offset_latlon(lat0, lon0, 0.0, 60_000.0)
    shab_lines = shab_as_aprs(
        shared_data / "tracks" / "shab14v" / "SHAB14V-APRS.csv",
        t0=t0 + 300.0,
        lat0=float(nlat),
        lon0=float(nlon),
    )
    # NS-95's logs give receive times in EST; the APRS lines of SHAB-14V in UTC
    files: dict[str, list[Path]] = {"ns95": [], "shab": []}
    clean: dict[str, list[Path]] = {"ns95": [], "shab": []}
    injected = 0
    for f in ns_files:
        lines = f.read_text().splitlines()
        (d / f"clean_{f.name}").write_text("\n".join(lines) + "\n")
        dirty, n = with_late_repeats(lines, rng, 10, 2, 6)
        injected += n
        (d / f.name).write_text("\n".join(dirty) + "\n")
        files["ns95"].append(d / f.name)
        clean["ns95"].append(d / f"clean_{f.name}")
    (d / "clean_SHAB14-11.txt").write_text("\n".join(shab_lines) + "\n")
    dirty, n = with_late_repeats(shab_lines, rng, 60, 6, 8)
    injected += n
    (d / "SHAB14-11.txt").write_text("\n".join(dirty) + "\n")
    files["shab"].append(d / "SHAB14-11.txt")
    clean["shab"].append(d / "clean_SHAB14-11.txt")
    return {
        "files": files,
        "clean": clean,
        "injected": injected,
        "shab_csv": shared_data / "tracks" / "shab14v" / "SHAB14V-APRS.csv",
    }


@pytest.mark.shared
def test_two_balloons_with_late_repeats_give_two_confirmed_tracks(
    scene: dict[str, object], shared_data: Path
) -> None:
    files: dict[str, list[Path]] = scene["files"]  # type: ignore[assignment]
    clean: dict[str, list[Path]] = scene["clean"]  # type: ignore[assignment]
    obs = read_observations(files["ns95"] + files["shab"])
    ref = read_observations(clean["ns95"] + clean["shab"])
    assert len(obs) == len(ref) == 120 + 713
    assert len(obs.repeats) == len(ref.repeats) + scene["injected"]
    # the SHAB-14V APRS log reads like its CSV: same late packets re-timed by StrTrk
    csv_ = read_shab_csv(shared_data / "tracks" / "shab14v" / "SHAB14V-APRS.csv")
    shab = obs.take(obs.source == "SHAB14-11")
    np.testing.assert_allclose(np.diff(shab.time), np.diff(csv_.time))
    np.testing.assert_allclose(shab.alt, np.round(csv_.alt / 0.3048) * 0.3048)

    res = track_observations(obs, wind="climatology")
    confirmed = [t for t in res.tracks if t.status == "confirmed"]
    assert len(confirmed) == 2 and len(res.tracks) == 2
    by_src = {frozenset(t.sources): t for t in confirmed}
    assert set(by_src) == {frozenset({"W3EAX-10", "W3EAX-11"}), frozenset({"SHAB14-11"})}
    assert by_src[frozenset({"SHAB14-11"})].n_updates == 713
    assert by_src[frozenset({"W3EAX-10", "W3EAX-11"})].n_updates == 120

    # control: the same receptions without repeat recognition (a reader that keeps every
    # packet and times those without a time of their own by reception) split the balloons
    raw = read_observations(files["ns95"] + files["shab"], keep_repeats=True)
    no_own_time = np.isfinite(raw.received) & (raw.source == "SHAB14-11")
    blind = dataclasses.replace(
        raw,
        time=np.where(no_own_time, raw.received, raw.time),
        payload=np.full(len(raw), "", dtype=np.str_),
        seq=np.full(len(raw), -1, dtype=np.int64),
        received=np.full(len(raw), np.nan),
    )
    bad = track_observations(blind, wind="climatology")
    assert sum(t.status == "confirmed" for t in bad.tracks) >= 4
    assert len(bad.tracks) >= 6


@pytest.mark.shared
def test_cli_two_balloons_and_verify_each(scene: dict[str, object], tmp_path: Path) -> None:
    """Through the CLI: ``track --confirmed-only --json`` lists the two balloons and the
    repeats; ``verify`` on each balloon's log with late repeats lands as on its clean log."""
    files: dict[str, list[Path]] = scene["files"]  # type: ignore[assignment]
    clean: dict[str, list[Path]] = scene["clean"]  # type: ignore[assignment]
    runner = CliRunner()
    all_files = [str(f) for f in files["ns95"] + files["shab"]]
    res = runner.invoke(app, ["track", *all_files, "--confirmed-only", "--no-second-look",
                              "--json", "--no-smooth"])  # fmt: skip
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout.strip().splitlines()[-1])
    assert s["status_counts"] == {"confirmed": 2, "tentative": 0, "deleted": 0}
    assert [t["status"] for t in s["tracks"]] == ["confirmed", "confirmed"]
    assert s["repeats"]["n"] >= scene["injected"]
    assert s["repeats"]["max_delay_s"] > 1800
    assert "repeat(s) of earlier receptions dropped" in res.stderr

    landing = {}
    for name in ("ns95", "shab"):
        out = {}
        for kind, group in (("dirty", files), ("clean", clean)):
            # one flight of several files: joined with commas (verify takes a flight per argument)
            r = runner.invoke(app, ["verify", ",".join(str(f) for f in group[name]), "--json"])
            assert r.exit_code == 0, r.output
            out[kind] = json.loads(r.stdout.strip().splitlines()[-1])["flights"][0]
            out[kind]["landing_error_km"] = out[kind]["from_burst"]["landing_error_km"]
        assert out["dirty"]["landing_error_km"] == pytest.approx(
            out["clean"]["landing_error_km"], abs=1e-6
        )
        assert out["dirty"]["end_alt_m"] == out["clean"]["end_alt_m"]
        landing[name] = out["dirty"]["landing_error_km"]
    # NS-95: a latex balloon's burst and parachute descent, predicted from its own ascent
    assert landing["ns95"] < 3.0
    # SHAB-14V: the moved flight, read from raw packets with late repeats, lands as the
    # original CSV does (the figure itself is verify's: a solar balloon's sunset descent)
    r = runner.invoke(app, ["verify", str(SHAB_CSV(scene)), "--json"])
    assert r.exit_code == 0, r.output
    orig = json.loads(r.stdout.strip().splitlines()[-1])["flights"][0]
    assert landing["shab"] == pytest.approx(orig["from_burst"]["landing_error_km"], abs=0.5)


def SHAB_CSV(scene: dict[str, object]) -> Path:  # noqa: N802
    return Path(str(scene["shab_csv"]))
