"""A wind-aware Kalman filter over many state rows at once (tracks, or altitude hypotheses).

State of one row: mean latitude/longitude/altitude, the horizontal velocity *relative to the
wind* ``d`` = (d_e, d_n) and the vertical speed ``vz``; covariance ``P`` (6 x 6) in local metres
over the error state [e, n, u, d_e, d_n, vz] at the mean.

Motion model (prediction over dt, in sub-steps of at most ``max_step``)::

    position' = (w(t, lat, lon, alt) + d, vz)      (a balloon drifts with the wind)
    d' = white noise,  vz' = white noise          (random walks)

i.e. the prior velocity is the wind at the state's altitude plus a random walk; in calm air this
is the nearly-constant-velocity (continuous white-noise acceleration) model, with process noise

    Q(dt) = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]  per axis            [BarShalom2001]_

The wind's spatial gradient is not in the transition Jacobian (F = [[I, dt I], [0, I]]); its
effect is left to the random walk. Updates are the Kalman filter for position fixes and the
extended Kalman filter (first-order linearisation of `sensor_angles`) for azimuth/elevation and
range plots [BarShalom2001]_. Every update adds the Gaussian log-likelihood of its
innovation to ``loglik`` (and of its horizontal part to ``loglik_h``), which scores altitude
hypotheses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..atmosphere.wind import CalmWind, WindField
from ..errors import ConfigError
from .geometry import advance, enu_offset, offset_latlon, sensor_angles

__all__ = ["MotionModel", "FilterBatch", "LOG2PI", "wind_uv"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LOG2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class MotionModel:
    """Process noise and integration step of the wind-aware random-walk model.

    q_h : horizontal random-walk spectral density of the velocity relative to the wind, m^2/s^3.
    q_z : the same for the vertical speed, m^2/s^3.
    shear_sigma : unmodelled vertical wind shear, 1/s. A balloon climbing or falling at vz
        crosses layers of thickness ``shear_layer`` whose wind error differs by
        shear_sigma * shear_layer; as white acceleration this adds
        q = shear_sigma^2 * shear_layer * |vz| to ``q_h`` (zero for a floating balloon).
    shear_layer : thickness of a layer of independent wind error, m.
    max_step : longest integration sub-step, s (the wind is re-read every sub-step).
    """

    q_h: float = 2e-4
    q_z: float = 1e-2
    shear_sigma: float = 5e-3
    shear_layer: float = 1000.0
    max_step: float = 1800.0

    def __post_init__(self) -> None:
        for name in ("q_h", "q_z", "shear_sigma", "shear_layer"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0.0):
                raise ConfigError(f"MotionModel.{name} = {v!r} is invalid; expected a number >= 0")
        if not (math.isfinite(self.max_step) and self.max_step > 0.0):
            raise ConfigError(
                f"MotionModel.max_step = {self.max_step!r} is invalid; expected > 0 s"
            )

    def q_horizontal(self, vz: FloatArray) -> FloatArray:
        """Horizontal spectral density (m^2/s^3) at vertical speeds ``vz`` (m/s)."""
        return self.q_h + self.shear_sigma**2 * self.shear_layer * np.abs(vz)


def wind_uv(
    wind: WindField, t: FloatArray, lat: FloatArray, lon: FloatArray, alt: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``wind.uv`` at 1-D points, as float64 arrays (small calls run serially in the kernel)."""
    uu, vv = wind.uv(t, lat, lon, alt)
    return np.asarray(uu, dtype=np.float64), np.asarray(vv, dtype=np.float64)


def _q_block(dt: FloatArray, q: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    return q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt


class FilterBatch:
    """Mutable arrays of n state rows; the tracker owns one and grows it as tracks start."""

    def __init__(self) -> None:
        self.t = np.zeros(0)
        self.lat = np.zeros(0)
        self.lon = np.zeros(0)
        self.alt = np.zeros(0)
        self.d = np.zeros((0, 2))
        self.vz = np.zeros(0)
        self.P = np.zeros((0, 6, 6))
        self.wind = np.zeros((0, 2))
        self.loglik = np.zeros(0)
        self.loglik_h = np.zeros(0)
        self.qz = np.zeros(0)
        # for the fixed-interval smoother: a unique id per row, the prior (predicted) mean
        # [lat, lon, alt, d_e, d_n, vz] and covariance marked by `mark_prior`, and whether an
        # update restarted the vertical state (a burst or cut-down breaks vertical smoothing)
        self.uid = np.zeros(0, dtype=np.int64)
        self.prior = np.zeros((0, 6))
        self.prior_P = np.zeros((0, 6, 6))
        self.vreset = np.zeros(0, dtype=bool)
        self._next_uid = 0

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def add(
        self,
        t: FloatArray,
        lat: FloatArray,
        lon: FloatArray,
        alt: FloatArray,
        P: FloatArray,
        d: FloatArray | None = None,
        vz: FloatArray | None = None,
        qz: FloatArray | None = None,
    ) -> IntArray:
        """Append rows; returns their indices."""
        m = int(np.shape(t)[0])
        start = len(self)
        self.t = np.concatenate([self.t, t])
        self.lat = np.concatenate([self.lat, lat])
        self.lon = np.concatenate([self.lon, lon])
        self.alt = np.concatenate([self.alt, alt])
        self.d = np.concatenate([self.d, np.zeros((m, 2)) if d is None else d])
        self.vz = np.concatenate([self.vz, np.zeros(m) if vz is None else vz])
        self.P = np.concatenate([self.P, P])
        self.wind = np.concatenate([self.wind, np.zeros((m, 2))])
        self.loglik = np.concatenate([self.loglik, np.zeros(m)])
        self.loglik_h = np.concatenate([self.loglik_h, np.zeros(m)])
        self.qz = np.concatenate([self.qz, np.full(m, np.nan) if qz is None else qz])
        self.uid = np.concatenate(
            [self.uid, np.arange(self._next_uid, self._next_uid + m, dtype=np.int64)]
        )
        self._next_uid += m
        self.prior = np.concatenate([self.prior, np.full((m, 6), np.nan)])
        self.prior_P = np.concatenate([self.prior_P, np.full((m, 6, 6), np.nan)])
        self.vreset = np.concatenate([self.vreset, np.zeros(m, dtype=bool)])
        return np.arange(start, start + m, dtype=np.int64)

    def keep(self, mask: npt.NDArray[np.bool_]) -> None:
        """Keep only the rows where ``mask`` is true (row indices change)."""
        for name in (
            *("t", "lat", "lon", "alt", "d", "vz", "P", "wind", "loglik", "loglik_h", "qz"),
            *("uid", "prior", "prior_P", "vreset"),
        ):
            setattr(self, name, getattr(self, name)[mask])

    def mean(self, rows: IntArray) -> FloatArray:
        """(m, 6) means [lat, lon, alt, d_e, d_n, vz] of ``rows``."""
        return np.column_stack(
            [self.lat[rows], self.lon[rows], self.alt[rows], self.d[rows], self.vz[rows]]
        )

    def mark_prior(self, rows: IntArray) -> None:
        """Remember the current (predicted, not yet updated) state of ``rows`` as their prior,
        for the backward (smoothing) pass."""
        self.prior[rows] = self.mean(rows)
        self.prior_P[rows] = self.P[rows]
        self.vreset[rows] = False

    def velocity(self, rows: IntArray) -> FloatArray:
        """(m, 3) ground velocity (east, north, up) m/s = wind + d, vz."""
        return np.column_stack([self.wind[rows] + self.d[rows], self.vz[rows]])

    # --- prediction ------------------------------------------------------------------------
    def predict(
        self, rows: IntArray, t_new: npt.ArrayLike, wind: WindField, model: MotionModel
    ) -> None:
        """Move ``rows`` forward to ``t_new`` (scalar or per row; never backward)."""
        if rows.size == 0:
            return
        t1 = np.broadcast_to(np.asarray(t_new, dtype=np.float64), rows.shape)
        dt = np.maximum(t1 - self.t[rows], 0.0)
        if not np.any(dt > 0):
            return
        calm = isinstance(wind, CalmWind)
        nsub = max(1, math.ceil(float(dt.max()) / model.max_step))
        h = dt / nsub
        lat = self.lat[rows]
        lon = self.lon[rows]
        alt = self.alt[rows]
        t = self.t[rows].copy()
        d = self.d[rows]
        vz = self.vz[rows]
        u = np.zeros(rows.size)
        v = np.zeros(rows.size)
        for _ in range(nsub):
            if not calm:
                u, v = wind_uv(wind, t, lat, lon, alt)
                # midpoint (RK2) step: re-read the wind half way
                la_m, lo_m = advance(lat, lon, 0.5 * (u + d[:, 0]) * h, 0.5 * (v + d[:, 1]) * h)
                u, v = wind_uv(wind, t + 0.5 * h, la_m, lo_m, alt + 0.5 * vz * h)
            lat, lon = advance(lat, lon, (u + d[:, 0]) * h, (v + d[:, 1]) * h)
            alt = np.maximum(alt + vz * h, -500.0)
            t = t + h
        if not calm:
            u, v = wind_uv(wind, t, lat, lon, alt)
        self.lat[rows] = lat
        self.lon[rows] = lon
        self.alt[rows] = alt
        self.t[rows] = t1
        self.wind[rows, 0] = u
        self.wind[rows, 1] = v
        # covariance: P = F P F' + Q
        P = self.P[rows]
        F = np.broadcast_to(np.eye(6), P.shape).copy()
        F[:, 0, 3] = dt
        F[:, 1, 4] = dt
        F[:, 2, 5] = dt
        P = F @ P @ np.swapaxes(F, 1, 2)
        qh = model.q_horizontal(vz)
        a, b, c = _q_block(dt, 1.0)
        a, b, c = qh * a, qh * b, qh * c
        for i in (0, 1):
            P[:, i, i] += a
            P[:, i, i + 3] += b
            P[:, i + 3, i] += b
            P[:, i + 3, i + 3] += c
        # per-row vertical noise (float-altitude hypotheses hold their level); NaN: model's
        a, b, c = _q_block(dt, 1.0)
        qz = np.where(np.isfinite(self.qz[rows]), self.qz[rows], model.q_z)
        a, b, c = qz * a, qz * b, qz * c
        P[:, 2, 2] += a
        P[:, 2, 5] += b
        P[:, 5, 2] += b
        P[:, 5, 5] += c
        self.P[rows] = P

    # --- measurements ----------------------------------------------------------------------
    def position_innovation(
        self,
        rows: IntArray,
        lat: FloatArray,
        lon: FloatArray,
        alt: FloatArray,
        sigma_h: FloatArray,
        sigma_alt: FloatArray,
        time_sigma: FloatArray,
    ) -> tuple[FloatArray, FloatArray]:
        """Innovation y (M, 3) and measurement covariance R (M, 3, 3) of position report i
        against row ``rows[i]`` (`update` forms the innovation covariance). Reports without altitude get an
        uninformative altitude row (use the 2 x 2 block for them)."""
        e, n = enu_offset(self.lat[rows], self.lon[rows], lat, lon)
        has_alt = np.isfinite(alt)
        du = np.where(has_alt, alt - self.alt[rows], 0.0)
        y = np.stack([e, n, du], axis=-1)
        R = np.zeros((rows.size, 3, 3))
        R[:, 0, 0] = sigma_h**2
        R[:, 1, 1] = sigma_h**2
        R[:, 2, 2] = np.where(has_alt, np.nan_to_num(sigma_alt, nan=1e4) ** 2, 1e12)
        # time uncertainty of the report: position smears along the velocity, sigma_t * v
        vel = self.velocity(rows)  # (M, 3)
        R = R + (time_sigma**2)[:, None, None] * (vel[:, :, None] * vel[:, None, :])
        return y, R

    def update(
        self,
        rows: IntArray,
        y: FloatArray,
        H: FloatArray,
        R: FloatArray,
        n_h: int = 2,
    ) -> FloatArray:
        """Kalman update of ``rows`` (m,) with innovations y (m, k), H (m, k, 6), R (m, k, k).
        The first ``n_h`` components are horizontal (scored into ``loglik_h``). Returns the
        squared Mahalanobis distances (m,)."""
        P = self.P[rows]
        Ht = np.swapaxes(H, 1, 2)
        S = H @ P @ Ht + R
        S = 0.5 * (S + np.swapaxes(S, 1, 2))
        Sinv = np.linalg.inv(S)
        K = P @ Ht @ Sinv
        dx = np.einsum("mij,mj->mi", K, y)
        ImKH = np.eye(6)[None] - K @ H
        # Joseph form keeps P symmetric positive definite
        P = ImKH @ P @ np.swapaxes(ImKH, 1, 2) + K @ R @ np.swapaxes(K, 1, 2)
        self.P[rows] = 0.5 * (P + np.swapaxes(P, 1, 2))
        lat, lon = offset_latlon(self.lat[rows], self.lon[rows], dx[:, 0], dx[:, 1])
        self.lat[rows] = lat
        self.lon[rows] = lon
        self.alt[rows] += dx[:, 2]
        self.d[rows] += dx[:, 3:5]
        self.vz[rows] += dx[:, 5]
        d2 = np.einsum("mi,mij,mj->m", y, Sinv, y)
        k = y.shape[1]
        _, logdet = np.linalg.slogdet(S)
        self.loglik[rows] += -0.5 * (d2 + logdet + k * LOG2PI)
        Sh = S[:, :n_h, :n_h]
        yh = y[:, :n_h]
        d2h = np.einsum("mi,mij,mj->m", yh, np.linalg.inv(Sh), yh)
        self.loglik_h[rows] += -0.5 * (d2h + np.linalg.slogdet(Sh)[1] + n_h * LOG2PI)
        return np.asarray(d2, dtype=np.float64)

    def update_position(
        self,
        rows: IntArray,
        lat: FloatArray,
        lon: FloatArray,
        alt: FloatArray,
        sigma_h: FloatArray,
        sigma_alt: FloatArray,
        time_sigma: FloatArray,
    ) -> FloatArray:
        """Update each row with its own position report (arrays of length m). Reports with a
        finite ``alt`` also update the altitude. Returns squared Mahalanobis distances."""
        m = rows.size
        out = np.zeros(m)
        has_alt = np.isfinite(alt)
        # vertical manoeuvre (burst, cut-down): an altitude more than 5 sigma off restarts the
        # vertical state of rows that track altitude (hypothesis rows hold theirs: qz == 0)
        free = has_alt & ~(self.qz[rows] == 0.0)
        if free.any():
            r = rows[free]
            du = alt[free] - self.alt[r]
            var = self.P[r, 2, 2] + np.nan_to_num(sigma_alt[free], nan=1e4) ** 2
            jump = np.abs(du) > 5.0 * np.sqrt(var)
            if jump.any():
                rj = r[jump]
                for k in (2, 5):
                    self.P[rj, k, :] = 0.0
                    self.P[rj, :, k] = 0.0
                self.P[rj, 2, 2] = du[jump] ** 2
                self.P[rj, 5, 5] = 30.0**2
                self.vreset[rj] = True

        for sel, k in ((has_alt, 3), (~has_alt, 2)):
            if not sel.any():
                continue
            r = rows[sel]
            y, R = self.position_innovation(
                r, lat[sel], lon[sel], alt[sel], sigma_h[sel], sigma_alt[sel], time_sigma[sel]
            )
            yk = y[:, :k]
            Rk = R[:, :k, :k]
            H = np.zeros((r.size, k, 6))
            for i in range(k):
                H[:, i, i] = 1.0
            out[sel] = self.update(r, yk, H, Rk)
        return out

    def angle_prediction(
        self,
        rows: IntArray,
        s_lat: FloatArray,
        s_lon: FloatArray,
        s_alt: FloatArray,
    ) -> tuple[FloatArray, FloatArray]:
        """Predicted (az, el, range) (m, 3) of ``rows`` from sensors, and H (m, 3, 6)."""
        az, el, r, jac = sensor_angles(
            s_lat, s_lon, s_alt, self.lat[rows], self.lon[rows], self.alt[rows]
        )
        H = np.zeros((rows.size, 3, 6))
        H[:, :, :3] = jac
        return np.column_stack([az, el, r]), H

    def angle_innovation(
        self,
        rows: IntArray,
        s_lat: FloatArray,
        s_lon: FloatArray,
        s_alt: FloatArray,
        az: FloatArray,
        el: FloatArray,
        rng: FloatArray,
        sigma_ang: FloatArray,
        sigma_range: FloatArray,
    ) -> tuple[FloatArray, FloatArray, FloatArray, int]:
        """EKF innovation (m, k), H (m, k, 6), R (m, k, k) of angle (k=2) or radar (k=3)
        measurements, one per row (all of one kind)."""
        pred, H = self.angle_prediction(rows, s_lat, s_lon, s_alt)
        k = 3 if np.all(np.isfinite(rng)) else 2
        y = np.column_stack([az, el, np.nan_to_num(rng)]) - pred
        y[:, 0] = (y[:, 0] + np.pi) % (2.0 * np.pi) - np.pi
        R = np.zeros((rows.size, 3, 3))
        R[:, 0, 0] = sigma_ang**2
        R[:, 1, 1] = sigma_ang**2
        R[:, 2, 2] = np.nan_to_num(sigma_range, nan=1.0) ** 2
        return y[:, :k], H[:, :k], R[:, :k, :k], k
