"""Fixed-interval (RTS) smoothing of tracks: synthetic straight line, the 2023 reports, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from stratowatch.cli.main import app
from stratowatch.flight.earth import meridian_radius, prime_vertical_radius
from stratowatch.geo import haversine
from stratowatch.io.readers import read_reports_csv
from stratowatch.timeutil import to_epoch
from stratowatch.track import TrackerConfig, make_observations, smooth_track, track_observations
from stratowatch.track.filter import MotionModel
from stratowatch.track.geometry import enu_offset, offset_latlon

REPORTS = Path(__file__).parents[2] / "src" / "stratowatch" / "data" / "feb2023_reports.csv"
MALMSTROM = (47.50, -111.19)


def _line(
    seed: int = 1, n: int = 30, dt: float = 600.0
) -> tuple[list[dict[str, float]], np.ndarray]:
    """Constant velocity (12, -5) m/s near 45 N, fixes with 2 km noise every 10 min."""
    rng = np.random.default_rng(seed)
    v = np.array([12.0, -5.0])
    rows = []
    truth = np.zeros((n, 2))
    for k in range(n):
        p = v * dt * k
        truth[k] = p
        e = p + rng.normal(0.0, 2000.0, 2)
        la, lo = offset_latlon(45.0, 5.0, e[0], e[1])
        rows.append(
            dict(
                time=1.7e9 + dt * k,
                lat=float(la),
                lon=float(lo),
                alt=18_000.0,
                sigma_alt=50.0,
                sigma_h=2000.0,
            )
        )
    return rows, truth


CALM = TrackerConfig(motion=MotionModel(q_h=1e-4, shear_sigma=0.0), init_velocity_sigma=20.0)


def _rms(lat: np.ndarray, lon: np.ndarray, truth: np.ndarray) -> float:
    e, n = enu_offset(45.0, 5.0, lat, lon)
    return float(np.sqrt(np.mean((e - truth[:, 0]) ** 2 + (n - truth[:, 1]) ** 2)))


def test_straight_line_smoothed_beats_filtered() -> None:
    rows, truth = _line()
    obs = make_observations(rows)
    filt = track_observations(obs, wind="calm", config=CALM)
    sm = track_observations(obs, wind="calm", config=CALM, smooth=True)
    assert len(filt.tracks) == len(sm.tracks) == 1
    f, s = filt.tracks[0], sm.tracks[0]
    assert not f.smoothed and s.smoothed
    assert len(s) == len(f) == len(rows)
    rf, rs = _rms(f.lat, f.lon, truth), _rms(s.lat, s.lon, truth)
    assert rs < 0.8 * rf, (rf, rs)
    # the last state uses every report already: unchanged
    for col in ("lat", "lon", "alt", "sigma_e", "sigma_n", "ve", "vn", "vz", "sigma_ve"):
        assert getattr(s, col)[-1] == getattr(f, col)[-1], col
    # smoothed sigmas never exceed the filtered ones; velocity is recovered
    assert np.all(s.sigma_e <= f.sigma_e + 1e-6) and np.all(s.sigma_n <= f.sigma_n + 1e-6)
    assert abs(float(np.median(s.ve)) - 12.0) < 0.5 and abs(float(np.median(s.vn)) + 5.0) < 0.5
    # the function form and the method agree with the tracker option
    again = smooth_track(f)
    assert np.allclose(again.lat, s.lat) and np.allclose(again.sigma_e, s.sigma_e)
    assert smooth_track(again) is again  # already smoothed


def test_2023_reports_smoothed_near_malmstrom() -> None:
    obs = read_reports_csv(REPORTS)
    filt = track_observations(obs, wind="climatology")
    sm = track_observations(obs, wind="climatology", smooth=True)
    assert len(filt.tracks) == len(sm.tracks) == 1  # still one object
    f, s = filt.tracks[0], sm.tracks[0]
    assert s.n_updates == f.n_updates == len(obs)
    k = s.state_at(to_epoch("2023-02-01T15:00:00Z"))
    assert s.time[k] == to_epoch("2023-02-01T15:00:00Z")
    d_f = float(haversine(f.lat[k], f.lon[k], *MALMSTROM)) / 1e3
    d_s = float(haversine(s.lat[k], s.lon[k], *MALMSTROM)) / 1e3
    # filtered ~580 km off (the prior carried the velocity south-east); smoothed ~250 km
    assert d_f > 450.0
    assert d_s < 300.0 and d_s < 0.5 * d_f, (d_f, d_s)
    # the float-altitude estimate is the tracker's; smoothed states carry the estimate from all
    # reports, filtered ones the estimate known at their time (the last one is the same)
    assert s.altitude.mean == f.altitude.mean and np.all(s.alt == s.altitude.mean)
    assert f.alt[-1] == f.altitude.mean and len(np.unique(f.alt)) > 1
    assert s.lat[-1] == f.lat[-1] and s.lon[-1] == f.lon[-1]


def test_cli_smooth_and_no_smooth(tmp_path: Path) -> None:
    runner = CliRunner()
    lats = {}
    for flag in ("--smooth", "--no-smooth"):
        out = tmp_path / f"{flag[2:]}.csv"
        res = runner.invoke(
            app,
            ["track", str(REPORTS), "--wind", "climatology", flag, "--out", str(out), "--json"],
        )
        assert res.exit_code == 0, res.output
        summary = json.loads(res.stdout.strip().splitlines()[-1])
        assert summary["smoothed"] is (flag == "--smooth")
        assert all(t["smoothed"] is (flag == "--smooth") for t in summary["tracks"])
        lines = out.read_text().splitlines()
        assert len(lines) == 1 + 8
        header = lines[0].split(",")
        lats[flag] = float(lines[4].split(",")[header.index("lat")])
    assert lats["--smooth"] != lats["--no-smooth"]


def test_matches_batch_least_squares() -> None:
    """RTS = the batch (information-form) solution over all states with the filter's own prior,
    process noise (prior_P - F P F') and measurement information (P^-1 - prior_P^-1)."""
    rows, _ = _line()
    f = track_observations(make_observations(rows), wind="calm", config=CALM).tracks[0]
    s = smooth_track(f)
    assert (f.kind, s.kind) == ("filtered", "smoothed")
    d = f.rts
    assert d is not None
    n = len(f)

    def plate(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # the frame in which the motion model's steps (`advance`: local east/north metres with
        # the WGS84 radii at the mid latitude) are straight: equirectangular about (45, 5)
        mid = 0.5 * (45.0 + np.asarray(lat))
        e = prime_vertical_radius(mid) * np.cos(np.radians(mid)) * np.radians(np.asarray(lon) - 5.0)
        return e, meridian_radius(mid) * np.radians(np.asarray(lat) - 45.0)

    def vec(m: np.ndarray) -> np.ndarray:
        e, nn = plate(m[0], m[1])
        return np.array([float(e), float(nn), m[2], m[3], m[4], m[5]])

    lam = np.zeros((6 * n, 6 * n))
    eta = np.zeros(6 * n)
    p0i = np.linalg.inv(d.P[0])
    lam[:6, :6] += p0i
    eta[:6] += p0i @ vec(d.mean[0])
    for k in range(n - 1):
        F = np.eye(6)
        F[0, 3] = F[1, 4] = F[2, 5] = f.time[k + 1] - f.time[k]
        qi = np.linalg.inv(d.prior_P[k + 1] - F @ d.P[k] @ F.T)
        a = np.zeros((6, 6 * n))
        a[:, 6 * k : 6 * k + 6] = -F
        a[:, 6 * k + 6 : 6 * k + 12] = np.eye(6)
        lam += a.T @ qi @ a
        pi, ppi = np.linalg.inv(d.P[k + 1]), np.linalg.inv(d.prior_P[k + 1])
        lam[6 * k + 6 : 6 * k + 12, 6 * k + 6 : 6 * k + 12] += pi - ppi
        eta[6 * k + 6 : 6 * k + 12] += pi @ vec(d.mean[k + 1]) - ppi @ vec(d.prior[k + 1])
    xb = np.linalg.solve(lam, eta).reshape(n, 6)
    pb = np.linalg.inv(lam)
    e, nn = plate(s.lat, s.lon)
    assert np.max(np.hypot(xb[:, 0] - e, xb[:, 1] - nn)) < 20.0  # m, over ~400 km
    assert np.allclose(np.sqrt(pb[0::6, 0::6].diagonal()), s.sigma_e, rtol=1e-6)
    assert np.allclose(xb[:, 3], s.ve, atol=0.01)
