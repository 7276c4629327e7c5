"""GFS fetch by .idx byte ranges, against a local server replaying the real GRIB2 sample."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import eccodes
import pytest
from typer.testing import CliRunner

from stratowatch.atmosphere import open_wind
from stratowatch.atmosphere.fetch import FetchError, fetch_gfs, parse_idx
from stratowatch.atmosphere.wind import GriddedWind
from stratowatch.cli.main import app
from stratowatch.timeutil import to_epoch

GRIB2 = "wind/gfs_2011011012_f120_2p5deg.grib2"
REL = "gfs.20110110/12/atmos/gfs.t12z.pgrb2.2p50.f120"
NCEP_NAMES = {"u": "UGRD", "v": "VGRD", "gh": "HGT", "t": "TMP", "r": "RH", "w": "VVEL"}


def _idx_of(path: Path) -> str:
    """A true NCEP-style inventory of a GRIB2 file, read message by message with eccodes.

    NCEP packs u and v into one GRIB2 message (two fields); as in wgrib2 inventories the
    fields of one message share its offset and are numbered N.1, N.2.
    """
    lines: list[str] = []
    eccodes.codes_grib_multi_support_on()
    last_offset = -1
    sub = 0
    with path.open("rb") as fh:
        n = 0
        while True:
            h = eccodes.codes_grib_new_from_file(fh)
            if h is None:
                break
            try:
                offset = int(eccodes.codes_get(h, "offset"))
                short = eccodes.codes_get(h, "shortName")
                tol = eccodes.codes_get(h, "typeOfLevel")
                level = eccodes.codes_get(h, "level")
                date = eccodes.codes_get(h, "dataDate")
                hour = eccodes.codes_get(h, "dataTime") // 100
                step = eccodes.codes_get(h, "step")
            finally:
                eccodes.codes_release(h)
            if offset == last_offset:
                sub += 1
                if sub == 2:  # renumber the first field of this message N -> N.1
                    lines[-1] = lines[-1].replace(f"{n}:", f"{n}.1:", 1)
                number = f"{n}.{sub}"
            else:
                n += 1
                sub = 1
                number = str(n)
            last_offset = offset
            var = NCEP_NAMES.get(short, short.upper())
            lev = f"{level} mb" if tol == "isobaricInhPa" else tol
            lines.append(f"{number}:{offset}:d={date}{hour:02d}:{var}:{lev}:{step} hour fcst:")
    eccodes.codes_grib_multi_support_off()
    return "\n".join(lines) + "\n"


class _Server:
    def __init__(self, files: dict[str, bytes], honour_range: bool = True) -> None:
        self.files = files
        self.log: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                rng = self.headers.get("Range")
                outer.log.append((self.path, rng))
                body = outer.files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                if rng and honour_range:
                    a, _, b = rng.removeprefix("bytes=").partition("-")
                    start, end = int(a), (int(b) + 1 if b else len(body))
                    part = body[start:end]
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(body)}")
                else:
                    part = body
                    self.send_response(200)
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                self.wfile.write(part)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/prod"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def recorded(shared_data: Path) -> dict[str, bytes]:
    grib = (shared_data / GRIB2).read_bytes()
    idx = _idx_of(shared_data / GRIB2)
    return {f"prod/{REL}": grib, f"prod/{REL}.idx": idx.encode()}


@pytest.mark.shared
@pytest.mark.parametrize("honour_range", [True, False])
def test_fetch_only_needed_messages(
    recorded: dict[str, bytes], tmp_path: Path, honour_range: bool
) -> None:
    entries = parse_idx(recorded[f"prod/{REL}.idx"].decode())
    assert len({e.start for e in entries}) == 307
    levels = [100.0, 70.0, 50.0]
    with _Server(recorded, honour_range) as srv:
        res = fetch_gfs(
            "2011011012",
            hours=[120],
            levels=levels,
            out_dir=tmp_path,
            base_url=srv.url,
            resolution="2p50",
            bbox=(-130.0, 30.0, -100.0, 60.0),
        )
        log = list(srv.log)
    assert res.messages == 6 and len(res.files) == 1  # HGT + (UGRD, VGRD) per level
    wanted = [
        e
        for e in entries
        if e.variable in ("UGRD", "VGRD", "HGT") and e.level in {"100 mb", "70 mb", "50 mb"}
    ]
    assert res.bytes == sum((e.end or 0) - e.start for e in {e.start: e for e in wanted}.values())
    ranges = [r for p, r in log if r is not None]
    assert all(p.endswith((".idx", ".f120")) for p, _ in log)
    assert 1 <= len(ranges) <= 9  # adjacent messages merged into one request
    # the written file holds exactly those messages and opens as a WindField
    w = open_wind(tmp_path)  # the directory: manifest supplies files + bbox
    assert isinstance(w, GriddedWind)
    assert w.grid.nz == 3 and w.grid.nx < 20
    u, v = w.uv(to_epoch("2011-01-15T12:00Z"), 47.5, -111.0, 18_000.0)
    assert float(u) == pytest.approx(26.0, abs=0.3) and float(v) == pytest.approx(-18.4, abs=0.3)


@pytest.mark.shared
def test_fetch_cli_and_errors(recorded: dict[str, bytes], tmp_path: Path) -> None:
    runner = CliRunner()
    with _Server(recorded) as srv:
        r = runner.invoke(
            app,
            [
                "wind",
                "fetch",
                "gfs",
                "--run",
                "2011011012",
                "--hours",
                "120",
                "--bbox",
                "170,-10,-170,10",
                "--levels",
                "250,200",
                "--out",
                str(tmp_path / "o"),
                "--base-url",
                srv.url,
                "--resolution",
                "2p50",
                "--json",
            ],
        )
        assert r.exit_code == 0, r.output
        assert '"messages":4' in r.output
        s = runner.invoke(
            app,
            [
                "wind",
                "sample",
                "--source",
                str(tmp_path / "o"),
                "--lat",
                "0",
                "--lon",
                "180",
                "--alt",
                "11000",
                "--json",
            ],
        )
        assert s.exit_code == 0 and '"u":' in s.output
        # a run the server does not have: clear error, exit code, no traceback
        r = runner.invoke(
            app,
            [
                "wind",
                "fetch",
                "gfs",
                "--run",
                "2011011100",
                "--hours",
                "0",
                "--bbox",
                "0,0,10,10",
                "--out",
                str(tmp_path / "x"),
                "--base-url",
                srv.url,
            ],
        )
        assert r.exit_code == 4 and "not found" in r.output and "Traceback" not in r.output
        # a level the run does not have
        with pytest.raises(Exception, match="missing from the inventory"):
            fetch_gfs(
                "2011011012",
                hours=[120],
                levels=[123.0],
                out_dir=tmp_path / "y",
                base_url=srv.url,
                resolution="2p50",
            )
    # nobody listening: a network error, not a hang or a traceback
    with pytest.raises(FetchError, match="network error"):
        fetch_gfs(
            "2011011012",
            hours=[120],
            levels=[50.0],
            out_dir=tmp_path / "z",
            base_url="http://127.0.0.1:9/prod",
            resolution="2p50",
        )
    r = runner.invoke(app, ["wind", "fetch", "gfs", "--run", "2011011013", "--bbox", "0,0,1,1"])
    assert r.exit_code == 2 and "00, 06, 12" in r.output
