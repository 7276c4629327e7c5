"""Multi-target tracking: stratowatch vs Stone Soup on the same detections.

Scenario (issue 4): N objects (10 and 100) moving 10-30 m/s in straight lines, starting
uniformly over 300 km x 300 km near 45 N, fixed altitude, one scan per 60 s for 200 scans,
detection probability 0.9, Poisson clutter with mean 10 per scan uniform over the region the
objects cover, position sigma 500 m, no wind. Both trackers: Kalman filter, nearly-constant-
velocity model with the same process noise q, the same 99.99 % gate, global nearest neighbour
(Stone Soup: Mahalanobis distance + 2-D assignment; stratowatch: d^2 + ln det S), confirmation
after 3 detections, deletion after 3 missed scans (tentative: 2). Metric: GOSPA (c = 5 km,
p = 1, alpha = 2; Rahmathullah et al. 2017) of the confirmed tracks' current estimates against
the truth at every scan, averaged over scans; our own implementation, used for both.

Run: ``.venv/bin/python benchmarks/bench_track.py [--objects 10 100] [--scans 200]``
(needs ``requirements-bench.lock``: ``make bench``). Times are CPU seconds of the tracking
alone (``time.process_time``, fair on a shared machine), with BLAS/OpenMP held to one thread so
idle worker threads do not add spin time; wall seconds are printed too.
"""

from __future__ import annotations

import os

# one BLAS/OpenMP thread: tiny matrices gain nothing from more, and spinning workers would
# inflate the CPU time of whichever tracker calls BLAS most
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--scans", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--no-stonesoup", action="store_true", help="time stratowatch only")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
