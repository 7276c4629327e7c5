"""Multi-target tracking: stratowatch vs Stone Soup on the same detections, as a library and
from the command line.

Scenario (issues 4 and 10): N objects moving 10-30 m/s in straight lines, starting uniformly
over 300 km x 300 km near 45 N, fixed altitude, one scan per 60 s, detection probability 0.9,
Poisson clutter with mean 10 per scan uniform over the region the objects cover, position sigma
500 m, no wind. Both trackers: Kalman filter, nearly-constant-velocity model with the same
process noise q, the same 99.99 % gate, global nearest neighbour (Stone Soup: Mahalanobis
distance + 2-D assignment; stratowatch: the same with ``assignment_cost = "mahalanobis"``),
confirmation after 3 detections, deletion after 3 missed scans (tentative: 2). Metric: GOSPA
(c = 5 km, p = 1, alpha = 2; Rahmathullah et al. 2017) of the confirmed tracks' current
estimates against the truth at every scan, averaged over scans; our own implementation, used
for both.

Part 1 (library, ``--objects 10 100 --scans 200``): the tracking call of each library, CPU
seconds (``time.process_time``).

Part 2 (command line, ``--cli-objects 100 --cli-scans 100``): the detections are written to a
CSV file and the settings to a TOML file, then, each in a fresh process as a user runs it:

- ``stratowatch track scene.csv --config bench.toml --wind calm --no-smooth --confirmed-only
  --out states.csv`` (the CLI, with its default "second look" at unconfirmed tracks);
- the library as a script: read the CSV (`read_observations`), `TrackerConfig.from_toml`,
  `track_observations`, `write_state_csv` (confirmed only): the same work without the CLI;
- Stone Soup as a script: read the CSV, track, write the confirmed tracks' states.

CPU seconds of each child process (user + system, ``resource.getrusage``) and wall seconds
(ours: the median of 3 runs after a warm-up run; Stone Soup: one run),
GOSPA from each written CSV. Targets: CLI <= 2x the library script; CLI GOSPA <= Stone Soup's;
Stone Soup CPU >= 10x the CLI's.

Run: ``.venv/bin/python benchmarks/bench_track.py`` (needs ``requirements-bench.lock``:
``make bench``). BLAS/OpenMP are held to one thread so idle worker threads do not add spin time.
"""

from __future__ import annotations

import os

# one BLAS/OpenMP thread: tiny matrices gain nothing from more, and spinning workers would
# inflate the CPU time of whichever tracker calls BLAS most
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402
from scipy.stats import chi2  # noqa: E402

from stratowatch.track import TrackerConfig, make_observations, track_observations  # noqa: E402
from stratowatch.track.filter import MotionModel  # noqa: E402
from stratowatch.track.geometry import enu_offset, offset_latlon  # noqa: E402

LAT0, LON0 = 45.0, 5.0
DT = 60.0
SIGMA = 500.0
PD = 0.9
CLUTTER = 10.0
Q = 0.05  # m^2/s^3, NCV process noise of both trackers
GATE_P = 0.9999
T0 = 1.7e9


def scenario(n_obj: int, n_scans: int, seed: int) -> tuple[np.ndarray, list[np.ndarray], float]:
    """Truth (scans, objects, 2) in metres, detections per scan (k, 2) in metres, and the
    clutter density (per m^2)."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-150e3, 150e3, (n_obj, 2))
    speed = rng.uniform(10.0, 30.0, n_obj)
    head = rng.uniform(0.0, 2 * np.pi, n_obj)
    vel = np.column_stack([speed * np.sin(head), speed * np.cos(head)])
    k = np.arange(n_scans)[:, None, None]
    truth = x0[None] + vel[None] * DT * k
    lo = truth.reshape(-1, 2).min(axis=0) - 5e3
    hi = truth.reshape(-1, 2).max(axis=0) + 5e3
    area = float(np.prod(hi - lo))
    scans = []
    for s in range(n_scans):
        det = rng.random(n_obj) < PD
        pts = truth[s, det] + rng.normal(0.0, SIGMA, (int(det.sum()), 2))
        nc = rng.poisson(CLUTTER)
        clutter = rng.uniform(lo, hi, (nc, 2))
        scans.append(np.vstack([pts, clutter]))
    return truth, scans, CLUTTER / area


def gospa(truth: np.ndarray, est: np.ndarray, c: float = 5000.0, p: float = 1.0) -> float:
    """GOSPA with alpha = 2: min over assignments of sum min(d, c)^p plus c^p / 2 per
    unassigned truth or estimate, to the power 1/p."""
    n, m = len(truth), len(est)
    if n == 0 or m == 0:
        return float((c**p / 2.0 * (n + m)) ** (1.0 / p))
    d = np.hypot(truth[:, None, 0] - est[None, :, 0], truth[:, None, 1] - est[None, :, 1])
    cost = np.minimum(d, c) ** p
    r, k = linear_sum_assignment(cost)
    total = float(cost[r, k].sum()) + c**p / 2.0 * abs(n - m)
    return total ** (1.0 / p)


def run_stratowatch(
    scans: list[np.ndarray], density: float
) -> tuple[tuple[float, float], list[np.ndarray]]:
    rows = []
    for s, pts in enumerate(scans):
        lat, lon = offset_latlon(LAT0, LON0, pts[:, 0], pts[:, 1])
        for a, b in zip(lat, lon, strict=True):
            rows.append(
                dict(time=T0 + DT * s, lat=a, lon=b, alt=18_000.0, sigma_alt=30.0, sigma_h=SIGMA)
            )
    obs = make_observations(rows)
    cfg = TrackerConfig(
        motion=MotionModel(q_h=Q, q_z=1e-9, shear_sigma=0.0, max_step=DT),
        p_detect=PD,
        new_object_density=density,
        gate_probability=GATE_P,
        refuse_unlikely=False,  # pure chi-square gating, as Stone Soup's GNN
        assignment_cost="mahalanobis",  # summed Mahalanobis distances, as Stone Soup
        init_velocity_sigma=30.0,
        confirm_hits=3,
        delete_misses=3,
        tentative_misses=2,
        max_coast=10 * DT,
        record_coasting=True,
    )
    t0, w0 = time.process_time(), time.perf_counter()
    res = track_observations(obs, wind="calm", config=cfg)
    elapsed = (time.process_time() - t0, time.perf_counter() - w0)
    per_scan: list[list[np.ndarray]] = [[] for _ in scans]
    for tr in res.tracks:
        hits = np.cumsum(tr.obs_index >= 0)
        e, n = enu_offset(LAT0, LON0, tr.lat, tr.lon)
        for k in np.flatnonzero(hits >= cfg.confirm_hits):
            s = int(round((tr.time[k] - T0) / DT))
            per_scan[s].append(np.array([e[k], n[k]]))
    est = [np.array(x).reshape(-1, 2) for x in per_scan]
    return elapsed, est


def run_stonesoup(scans: list[np.ndarray]) -> tuple[tuple[float, float], list[np.ndarray]]:
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(Q), ConstantVelocity(Q)])
    meas = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.diag([SIGMA**2] * 2))
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(meas)
    gate = math.sqrt(chi2.ppf(GATE_P, 2))
    hyp = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(), missed_distance=gate)
    assoc = GNNWith2DAssignment(hyp)
    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(np.zeros((4, 1)), np.diag([0.0, 30.0**2, 0.0, 30.0**2])),
        measurement_model=meas,
        deleter=UpdateTimeStepsDeleter(2),
        data_associator=GNNWith2DAssignment(hyp),
        updater=updater,
        min_points=3,
    )
    start = dt.datetime(2023, 11, 14, tzinfo=dt.UTC)
    feed = []
    for s, pts in enumerate(scans):
        t = start + dt.timedelta(seconds=DT * s)
        feed.append(
            (t, {Detection(p.reshape(2, 1), timestamp=t, measurement_model=meas) for p in pts})
        )
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(3),
        detector=feed,
        data_associator=assoc,
        updater=updater,
    )
    est = []
    t0, w0 = time.process_time(), time.perf_counter()
    for _, tracks in tracker:
        est.append(
            np.array(
                [[float(tr.state_vector[0, 0]), float(tr.state_vector[2, 0])] for tr in tracks]
            ).reshape(-1, 2)
        )
    elapsed = (time.process_time() - t0, time.perf_counter() - w0)
    return elapsed, est


# --- part 2: the command line -----------------------------------------------------------------

TOML = """# stratowatch tracker settings matching the Stone Soup baseline (bench_track.py)
p_detect = {pd}
new_object_density = {density!r}
gate_probability = {gate}
refuse_unlikely = false          # pure chi-square gating, as Stone Soup's GNN
assignment_cost = "mahalanobis"  # summed Mahalanobis distances, as Stone Soup
init_velocity_sigma = 30.0
confirm_hits = 3
delete_misses = 3
tentative_misses = 2
max_coast = {coast}
record_coasting = true

[motion]
q_h = {q}
q_z = 1e-9
shear_sigma = 0.0
max_step = {dt}
"""

LIBRARY_SCRIPT = """
import sys
from stratowatch.io.readers import read_observations
from stratowatch.track import TrackerConfig, track_observations
from stratowatch.track.output import write_state_csv
cfg = TrackerConfig.from_toml(sys.argv[2])
obs = read_observations(sys.argv[1])
res = track_observations(obs, wind="calm", config=cfg)
write_state_csv(sys.argv[3], res, confirmed_only=True)
"""

STONESOUP_SCRIPT = """
import csv, datetime as dt, math, sys
import numpy as np
from scipy.stats import chi2
from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
from stonesoup.deleter.time import UpdateTimeStepsDeleter
from stonesoup.hypothesiser.distance import DistanceHypothesiser
from stonesoup.initiator.simple import MultiMeasurementInitiator
from stonesoup.measures import Mahalanobis
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.transition.linear import (
    CombinedLinearGaussianTransitionModel, ConstantVelocity)
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.tracker.simple import MultiTargetTracker
from stonesoup.types.detection import Detection
from stonesoup.types.state import GaussianState
Q, SIGMA, GATE_P = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
by_time = {}
with open(sys.argv[1]) as fh:
    for row in csv.DictReader(fh):
        by_time.setdefault(row["time"], []).append((float(row["e"]), float(row["n"])))
transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(Q), ConstantVelocity(Q)])
meas = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.diag([SIGMA**2] * 2))
from stonesoup.updater.kalman import KalmanUpdater
predictor, updater = KalmanPredictor(transition), KalmanUpdater(meas)
hyp = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(),
                           missed_distance=math.sqrt(chi2.ppf(GATE_P, 2)))
initiator = MultiMeasurementInitiator(
    prior_state=GaussianState(np.zeros((4, 1)), np.diag([0.0, 30.0**2, 0.0, 30.0**2])),
    measurement_model=meas, deleter=UpdateTimeStepsDeleter(2),
    data_associator=GNNWith2DAssignment(hyp), updater=updater, min_points=3)
feed = []
for t in sorted(by_time):
    when = dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    feed.append((when, {Detection(np.array([[e], [n]]), timestamp=when, measurement_model=meas)
                        for e, n in by_time[t]}))
tracker = MultiTargetTracker(initiator=initiator, deleter=UpdateTimeStepsDeleter(3),
                             detector=feed, data_associator=GNNWith2DAssignment(hyp),
                             updater=updater)
with open(sys.argv[2], "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["time", "e", "n"])
    for when, tracks in tracker:
        for tr in tracks:
            w.writerow([when.isoformat(), float(tr.state_vector[0, 0]),
                        float(tr.state_vector[2, 0])])
"""


def _child(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(CPU s, wall s, process) of one child process. Python may write its bytecode, as in a
    user's install (a session's PYTHONDONTWRITEBYTECODE would recompile every edited module
    in every run)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - w0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr[-2000:]}")
    return cpu, wall, proc


def _median_child(
    cmd: list[str], runs: int = 3
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """`_child` after one warm-up run (bytecode, numba's cache index), the median CPU and wall
    of ``runs`` runs (alternating with other commands is not needed: each takes ~1 s)."""
    _child(cmd)
    res = [_child(cmd) for _ in range(runs)]
    cpu = statistics.median(r[0] for r in res)
    wall = statistics.median(r[1] for r in res)
    return cpu, wall, res[-1][2]


def _states_csv_estimates(path: Path, n_scans: int, confirm: int = 3) -> list[np.ndarray]:
    """Per-scan estimates (e, n) from a stratowatch state CSV: the states of each track from
    its ``confirm``-th update on (as the library benchmark scores them)."""
    per_track: dict[str, list[tuple[float, float, float, bool]]] = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            t = dt.datetime.fromisoformat(row["time"].replace("Z", "+00:00")).timestamp()
            per_track.setdefault(row["track_id"], []).append(
                (t, float(row["lat"]), float(row["lon"]), row["obs_line"] != "")
            )
    per_scan: list[list[np.ndarray]] = [[] for _ in range(n_scans)]
    for rows in per_track.values():
        rows.sort()
        hits = 0
        for t, la, lo, upd in rows:
            hits += upd
            if hits >= confirm:
                e, n = enu_offset(LAT0, LON0, la, lo)
                per_scan[int(round((t - T0) / DT))].append(np.array([float(e), float(n)]))
    return [np.array(x).reshape(-1, 2) for x in per_scan]


def _stonesoup_csv_estimates(path: Path, n_scans: int) -> list[np.ndarray]:
    per_scan: list[list[np.ndarray]] = [[] for _ in range(n_scans)]
    start = dt.datetime(2023, 11, 14, tzinfo=dt.UTC).timestamp()
    with path.open() as fh:
        for row in csv.DictReader(fh):
            t = dt.datetime.fromisoformat(row["time"]).timestamp()
            per_scan[int(round((t - start) / DT))].append(
                np.array([float(row["e"]), float(row["n"])])
            )
    return [np.array(x).reshape(-1, 2) for x in per_scan]


def cli_benchmark(n_obj: int, n_scans: int, seed: int, *, stonesoup: bool) -> dict[str, float]:
    """Part 2: the CLI, the library as a script and Stone Soup as a script, each in a fresh
    process on the same files."""
    truth, scans, density = scenario(n_obj, n_scans, seed)
    exe = str(Path(sys.executable).with_name("stratowatch"))
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        scene, toml = d / "scene.csv", d / "bench.toml"
        ss_in = d / "scene_en.csv"
        with scene.open("w", newline="") as fh, ss_in.open("w", newline="") as fh2:
            w, w2 = csv.writer(fh), csv.writer(fh2)
            w.writerow(["time", "lat", "lon", "alt", "sigma_m", "sigma_alt_m"])
            w2.writerow(["time", "e", "n"])
            start = dt.datetime(2023, 11, 14, tzinfo=dt.UTC)
            for s, pts in enumerate(scans):
                when = dt.datetime.fromtimestamp(T0 + DT * s, dt.UTC)
                stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
                lat, lon = offset_latlon(LAT0, LON0, pts[:, 0], pts[:, 1])
                ss_stamp = (start + dt.timedelta(seconds=DT * s)).isoformat()
                for k in range(len(pts)):
                    w.writerow([stamp, f"{lat[k]:.7f}", f"{lon[k]:.7f}", "18000", SIGMA, "30"])
                    w2.writerow([ss_stamp, f"{pts[k, 0]:.2f}", f"{pts[k, 1]:.2f}"])
        toml.write_text(TOML.format(pd=PD, density=density, gate=GATE_P, coast=10 * DT, q=Q, dt=DT))
        n_det = sum(len(x) for x in scans)
        # the library's tracking call alone, in this process (reference)
        from stratowatch.io.readers import read_observations

        obs = read_observations(scene)
        cfg = TrackerConfig.from_toml(toml)
        t0 = time.process_time()
        track_observations(obs, wind="calm", config=cfg)
        out["library_call_cpu"] = time.process_time() - t0
        lib_csv, cli_csv, ss_csv = d / "lib.csv", d / "cli.csv", d / "ss.csv"
        lib = _median_child(
            [sys.executable, "-c", LIBRARY_SCRIPT, str(scene), str(toml), str(lib_csv)]
        )
        cli = _median_child(
            [exe, "track", str(scene), "--config", str(toml), "--wind", "calm", "--no-smooth"]
            + ["--confirmed-only", "--out", str(cli_csv)]
        )
        out.update(library_cpu=lib[0], library_wall=lib[1], cli_cpu=cli[0], cli_wall=cli[1])
        g = [gospa(truth[s], e) for s, e in enumerate(_states_csv_estimates(cli_csv, n_scans))]
        out["cli_gospa"] = float(np.mean(g))
        g = [gospa(truth[s], e) for s, e in enumerate(_states_csv_estimates(lib_csv, n_scans))]
        out["library_gospa"] = float(np.mean(g))
        second = [x for x in cli[2].stdout.splitlines() if "second look" in x]
        print(
            f"{n_obj} objects x {n_scans} scans, {n_det} detections ({n_det - n_obj * n_scans:+d}"
            f" vs one per object per scan); CLI said: {second[-1] if second else 'no second look'}"
        )
        if stonesoup:
            try:
                import stonesoup  # noqa: F401
            except ImportError:
                print("stonesoup not installed (pip install -r requirements-bench.lock)")
                return out
            ss = _child(
                [sys.executable, "-c", STONESOUP_SCRIPT, str(ss_in), str(ss_csv), str(Q)]
                + [str(SIGMA), str(GATE_P)]
            )
            out.update(stonesoup_cpu=ss[0], stonesoup_wall=ss[1])
            g = [
                gospa(truth[s], e) for s, e in enumerate(_stonesoup_csv_estimates(ss_csv, n_scans))
            ]
            out["stonesoup_gospa"] = float(np.mean(g))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, nargs="*", default=[10, 100])
    ap.add_argument("--scans", type=int, default=200)
    ap.add_argument("--cli-objects", type=int, default=100)
    ap.add_argument("--cli-scans", type=int, default=100)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-stonesoup", action="store_true", help="time stratowatch only")
    ap.add_argument("--no-cli", action="store_true", help="skip part 2 (command line)")
    args = ap.parse_args()
    # compile and warm caches outside the timing
    _, warm, dens = scenario(3, 5, 0)
    run_stratowatch(warm, dens)
    print(
        f"{'objects':>7} {'scans':>5} | {'ours cpu s':>10} {'wall s':>7} {'scans/s':>8}"
        f" {'GOSPA m':>8} | {'stonesoup cpu s':>15} {'wall s':>7} {'scans/s':>8} {'GOSPA m':>8}"
        f" | {'speed-up (cpu)':>14}"
    )
    for n in args.objects:
        truth, scans, density = scenario(n, args.scans, args.seed + n)
        (c_sw, w_sw), est_sw = run_stratowatch(scans, density)
        g_sw = float(np.mean([gospa(truth[s], est_sw[s]) for s in range(args.scans)]))
        line = (
            f"{n:>7} {args.scans:>5} | {c_sw:>10.3f} {w_sw:>7.3f} {args.scans / c_sw:>8.0f}"
            f" {g_sw:>8.0f} |"
        )
        if args.no_stonesoup:
            print(line)
            continue
        try:
            (c_ss, w_ss), est_ss = run_stonesoup(scans)
        except ImportError:
            print(line + " stonesoup not installed (pip install -r requirements-bench.lock)")
            continue
        g_ss = float(np.mean([gospa(truth[s], est_ss[s]) for s in range(args.scans)]))
        print(
            line + f" {c_ss:>15.2f} {w_ss:>7.2f} {args.scans / c_ss:>8.1f} {g_ss:>8.0f} |"
            f" {c_ss / c_sw:>13.0f}x",
            flush=True,
        )
    if args.no_cli:
        return 0
    print("\n--- command line, each in a fresh process (CPU s = user + system) ---", flush=True)
    r = cli_benchmark(args.cli_objects, args.cli_scans, args.seed, stonesoup=not args.no_stonesoup)
    print(
        f"library tracking call alone: {r['library_call_cpu']:.2f} s CPU\n"
        f"library as a script: {r['library_cpu']:.2f} s CPU ({r['library_wall']:.2f} s wall), "
        f"GOSPA {r['library_gospa']:.0f} m\n"
        f"CLI: {r['cli_cpu']:.2f} s CPU ({r['cli_wall']:.2f} s wall), GOSPA {r['cli_gospa']:.0f} m"
        f"; CLI / library script = {r['cli_cpu'] / r['library_cpu']:.2f}x CPU (target <= 2: "
        f"{'met' if r['cli_cpu'] <= 2 * r['library_cpu'] else 'NOT met'})"
    )
    if "stonesoup_cpu" in r:
        ratio = r["stonesoup_cpu"] / r["cli_cpu"]
        print(
            f"Stone Soup as a script: {r['stonesoup_cpu']:.2f} s CPU ({r['stonesoup_wall']:.2f} s"
            f" wall), GOSPA {r['stonesoup_gospa']:.0f} m; Stone Soup / CLI = {ratio:.1f}x CPU "
            f"(target >= 10: {'met' if ratio >= 10 else 'NOT met'}); GOSPA CLI <= Stone Soup: "
            f"{'met' if r['cli_gospa'] <= r['stonesoup_gospa'] + 0.5 else 'NOT met'}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
