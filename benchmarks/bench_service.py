"""The service under loopback load, as users run it: ``stratowatch serve`` on SQLite.

1. Ingest: ``--clients`` (4) concurrent clients post APRS-like fixes of one balloon each (1 s
   apart) to ``POST /v1/observations`` in batches of ``--batch`` (5), open loop at ``--rate``
   (200) observations/s in total for ``--duration`` (60) s. Prints the achieved rate and the
   p50/p99 latency of the acknowledged (committed) posts (goal: p99 < 100 ms), and how long the
   live tracker took to catch up after the last post. The load starts once the service is in
   its steady state (the live tracker process has started and replayed the store). Where the
   time goes: each reply's ``Server-Timing`` spans (wait, read, commit, reply), and the CPU the
   server process and its tracker process used. Baseline measured in the same run: the
   same batches written straight to the store in process (``Store.add_observations``, the
   commit the service waits for), and the ``/healthz`` round trip.
2. Tawhiri: ``GET /api/v1/`` standard profile (5 m/s to 30 km, 5 m/s descent) on the embedded
   climatology for ``--tawhiri-seconds`` (20) s, 1 client then ``--clients`` clients: requests/s,
   against the library's own rate for the same flight (``predict(..., profile="standard")``
   in process).

Run: ``.venv/bin/python benchmarks/bench_service.py [--duration 60] [--rate 200]``; while
developing, ``--duration 15 --tawhiri-seconds 0`` (ingest only, short).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from stratowatch.predict import predict
from stratowatch.store import Store

BIN = Path(sys.executable).with_name("stratowatch")
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z: simulated report times


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fixes(client: int, first: int, n: int) -> list[dict[str, Any]]:
    """Balloon ``client`` drifting east at ~10 m/s, one APRS fix per second."""
    out = []
    for k in range(first, first + n):
        t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + k))
        out.append({"id": f"b{client}-{k}", "kind": "aprs", "time": t,
                    "lat": 40.0 + 2.0 * client, "lon": -100.0 + k * 1.2e-4,
                    "alt": 18000.0, "source": f"balloon{client}"})  # fmt: skip
    return out


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


def ingest(
    url: str, token: str, *, clients: int, rate: float, batch: int, duration: float
) -> dict[str, Any]:
    per_client = rate / clients / batch  # posts per second per client
    lat: list[list[float]] = [[] for _ in range(clients)]
    timing: list[list[dict[str, float]]] = [[] for _ in range(clients)]
    errors = [0] * clients
    sent = [0] * clients
    start = time.perf_counter() + 0.5

    def run(c: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as http:  # fmt: skip
            k = 0
            while True:
                due = start + k / per_client
                now = time.perf_counter()
                if due - start >= duration:
                    return
                if due > now:
                    time.sleep(due - now)
                body = {"observations": _fixes(c, k * batch, batch)}
                t = time.perf_counter()
                r = http.post("/v1/observations", json=body)
                dt = time.perf_counter() - t
                if r.status_code == 200 and r.json()["accepted"] == batch:
                    lat[c].append(dt)
                    spans = _server_timing(r.headers.get("server-timing", ""))
                    spans["outside"] = dt * 1e3 - sum(spans.values())
                    timing[c].append(spans)
                    sent[c] += batch
                else:
                    errors[c] += 1
                k += 1

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    all_lat = [x for xs in lat for x in xs]
    all_timing = [x for xs in timing for x in xs]
    return {"lat": all_lat, "timing": all_timing, "sent": sum(sent), "errors": sum(errors),
            "wall": wall}  # fmt: skip


def _server_timing(header: str) -> dict[str, float]:
    """``name;dur=ms, ...`` -> {name: ms}."""
    out = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";dur=")
        if name and rest:
            out[name] = float(rest)
    return out


def breakdown(timing: list[dict[str, float]]) -> str:
    """p50 / p99 of each span of the server's ``Server-Timing`` header, and of the time outside
    them (client, HTTP, event loop before the stamp and after the handler)."""
    names = list(dict.fromkeys(k for t in timing for k in t))
    return ", ".join(
        f"{n} {_pct([t[n] for t in timing if n in t], 50):.1f}/"
        f"{_pct([t[n] for t in timing if n in t], 99):.1f}"
        for n in names
    )


def _cpu_s(pid: int) -> tuple[float, float]:
    """(CPU s of process ``pid``, CPU s of its children still running), from /proc (Linux;
    NaN elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def one(p: int) -> float:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    try:
        own = one(pid)
        kids = 0.0
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                kids += one(int(child))
        return own, kids
    except (OSError, ValueError, IndexError):
        return float("nan"), float("nan")


def store_baseline(db: str, *, batch: int, n: int) -> list[float]:
    """The commit alone: the same batches straight into a store in process."""
    store = Store(db)
    rows = []
    out = []
    for k in range(n):
        rows = [{"client_id": f"base-{k}-{j}", "time": T0 + j, "kind": "aprs", "source": "b",
                 "lat": 40.0, "lon": -100.0, "alt": 18000.0, "sigma_h": 30.0,
                 "sigma_alt": 30.0, "report": {}} for j in range(batch)]  # fmt: skip
        t = time.perf_counter()
        store.add_observations(rows, token=None)
        out.append(time.perf_counter() - t)
    store.close()
    return out


STANDARD = {"launch_latitude": "52.2", "launch_longitude": "0.1",
            "launch_datetime": "2026-06-01T12:00:00Z", "ascent_rate": "5",
            "burst_altitude": "30000", "descent_rate": "5"}  # fmt: skip


def tawhiri(url: str, *, clients: int, seconds: float) -> tuple[int, float]:
    count = [0] * clients
    stop = time.perf_counter() + seconds

    def run(c: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while time.perf_counter() < stop:
                r = http.get("/api/v1/", params=STANDARD)
                assert r.status_code == 200, r.text
                count[c] += 1

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return sum(count), time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=60.0, help="s of ingest load")
    ap.add_argument("--rate", type=float, default=200.0, help="observations/s in total")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batch", type=int, default=5, help="observations per POST")
    ap.add_argument("--tawhiri-seconds", type=float, default=20.0, help="0: skip Tawhiri")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-service-"))
    db = f"sqlite:///{tmp / 'sw.db'}"
    store = Store(db)
    token, _ = store.create_token(scope="write", name="bench")
    store.close()
    port = _port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen([str(BIN), "serve", "--db", db, "--port", str(port),
                             "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                print("server did not start; log in", tmp / "server.log")
                return 1
            time.sleep(0.2)
        # steady state: the live tracker (its own process) has started and replayed the store
        t_ready = time.monotonic()
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as http:  # fmt: skip
            while http.get("/v1/tracks").json()["catching_up"]:
                if time.monotonic() - t_ready > 300:
                    print("the live tracker did not start; log in", tmp / "server.log")
                    return 1
                time.sleep(0.2)
        ready_s = time.monotonic() - t_ready
        load = os.getloadavg()[0]
        print(
            f"stratowatch serve on SQLite (WAL, synchronous=FULL), loopback; load average {load:.1f}"
        )
        print(f"  (live tracker ready {ready_s:.1f} s after the server answered)")
        # healthz round trip: the HTTP floor
        hz = []
        with httpx.Client(base_url=url, timeout=30) as http:
            for _ in range(200):
                t = time.perf_counter()
                http.get("/healthz")
                hz.append(time.perf_counter() - t)
        cpu0 = _cpu_s(proc.pid)
        res = ingest(url, token, clients=args.clients, rate=args.rate, batch=args.batch,
                     duration=args.duration)  # fmt: skip
        cpu1 = _cpu_s(proc.pid)
        t_end = time.perf_counter()
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          timeout=60) as http:  # fmt: skip
            while True:
                snap = http.get("/v1/tracks").json()
                if snap["observations"] >= res["sent"] or time.perf_counter() - t_end > 300:
                    break
                time.sleep(0.1)
            lag = time.perf_counter() - t_end
            n_tracks = len(snap["tracks"])
        lat_ms = [x * 1e3 for x in res["lat"]]
        base_ms = [x * 1e3 for x in store_baseline(f"sqlite:///{tmp / 'base.db'}",
                                                   batch=args.batch, n=300)]  # fmt: skip
        hz_ms = [x * 1e3 for x in hz]
        p50, p99 = _pct(lat_ms, 50), _pct(lat_ms, 99)
        print(
            f"\ningest: {args.clients} clients x batches of {args.batch}, target {args.rate:g} obs/s "
            f"for {args.duration:g} s"
        )
        print(
            f"  achieved {res['sent'] / res['wall']:.1f} obs/s ({res['sent']} stored, "
            f"{res['errors']} failed posts)"
        )
        print(
            f"  POST latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(lat_ms):.1f} ms "
            f"(goal p99 < 100 ms: {'met' if p99 < 100 else 'NOT met'})"
        )
        print(
            f"  baseline, the commit alone (Store.add_observations): p50 {_pct(base_ms, 50):.1f} ms, "
            f"p99 {_pct(base_ms, 99):.1f} ms -> service/commit p50 ratio "
            f"{p50 / _pct(base_ms, 50):.1f}x"
        )
        print(
            "  where the time goes, p50/p99 ms (Server-Timing: wait = arrival to the handler, "
            "read = library readers, commit = durable insert, reply; outside = the rest of "
            "the round trip):"
        )
        print(f"    {breakdown(res['timing'])}")
        posts = len(res["lat"]) + res["errors"]
        print(
            f"  CPU during the load: server process {(cpu1[0] - cpu0[0]) / res['wall']:.2f} "
            f"core ({(cpu1[0] - cpu0[0]) * 1e3 / max(posts, 1):.1f} ms a post), its child "
            f"processes (the live tracker) {(cpu1[1] - cpu0[1]) / res['wall']:.2f} core"
        )
        print(f"  baseline, GET /healthz round trip: p50 {_pct(hz_ms, 50):.1f} ms")
        print(f"  live tracker caught up {lag:.2f} s after the last post ({n_tracks} tracks)")
        if args.tawhiri_seconds <= 0:
            print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
            return 0
        # Tawhiri
        ref_n = 0
        t = time.perf_counter()
        while time.perf_counter() - t < 5.0:
            predict("2026-06-01T12:00:00Z", 52.2, 0.1, 0.0, profile="standard", wind="climatology",
                    hours=4.0, ascent_rate=5, burst_alt=30000, descent_rate=5, output_step_s=60,
                    dt_s=60)  # fmt: skip
            ref_n += 1
        ref_rate = ref_n / (time.perf_counter() - t)
        print(f"\nTawhiri standard profile on the climatology ({args.tawhiri_seconds:g} s each):")
        for c in (1, args.clients):
            n, wall = tawhiri(url, clients=c, seconds=args.tawhiri_seconds)
            print(
                f"  {c} client(s): {n / wall:.1f} requests/s "
                f"({n / wall / ref_rate:.2f}x the library's {ref_rate:.1f} predictions/s in process)"
            )
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
        return 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


if __name__ == "__main__":
    statistics.mean([0.0])
    raise SystemExit(main())
