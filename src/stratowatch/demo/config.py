"""The demo's settings (`DemoConfig`), its result (`DemoResult`) and the names of its stages."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import ConfigError
from ..scenario import FORECAST_FROM, REPORTS_PATH, SITES_PATH
from .summary import DemoSummary

__all__ = ["STAGES", "DemoConfig", "DemoResult", "FloatArray", "Progress"]


FloatArray = npt.NDArray[np.float64]


Progress = Callable[[str, int, int], None]


#: Stage names in order (the CLI shows them in its progress bar).
STAGES = (
    "reports",
    "track",
    "origin",
    "forecast",
    "overflight",
    "engagement",
    "steering",
    "coverage",
    "outcome",
    "hindsight",
    "outputs",
)


@dataclass(frozen=True)
class DemoConfig:
    """Settings of the demo run (the defaults are what ``stratowatch demo`` uses).

    forecast_from : epoch s; the forecast starts at the last report at or before it (None:
        the file's last report). Default: the 2023 scenario's decision time, the Billings
        sighting (`scenario.FORECAST_FROM`).
    hours : a fixed forecast horizon (h); None (default): the rule of `forecast_horizon`
        (until the median leaves own territory for good, at most ``max_hours``).
    hindsight : also score engagement windows along the whole reconstructed track (every
        ``hindsight_every_min``), labelled as hindsight.
    steering : also explain the path up to the forecast start (passive or not) and bound where
        steering by altitude could take it within ``steering_hours`` (`assess.steering`).
    """

    members: int = 600
    hours: float | None = None
    max_hours: float = 168.0
    forecast_from: float | None = FORECAST_FROM
    origin_hours: float = 96.0
    origin_members: int = 300
    seed: int = 2023
    wind: str = "climatology"
    # engagement-window spacing along the forecast: each window breaks up at 40 member positions
    # (`assess.plan_engagement`); the forecast's spread makes finer spacing redundant
    every_min: float = 180.0
    debris_members: int = 6  # wind members the debris falls in
    window_samples: int = 3  # fragments per class and realisation for each engagement window
    border_members: int = 300  # forecast members used for border crossings
    debris_samples: int = 50  # fragments per class and member for the two footprints
    threshold: float = 1e-4  # FAA 14 CFR 450.101 public-risk limit (Ec per event)
    bias_correct: bool = True  # correct the wind by the track's drift before forecasting
    own: str = "US"  # the country whose territory a break-up should be in
    hindsight: bool = True
    hindsight_every_min: float = 180.0
    hindsight_members: int = 200  # positions drawn from the reconstructed track's uncertainty
    # could it steer? (`assess.steering`): the path so far explained and the reachable set
    # from the forecast start, for at most ``steering_hours`` (and the forecast's horizon)
    steering: bool = True
    steering_hours: float = 48.0
    steering_every_h: float = 6.0
    steering_members: int = 200  # passive members for each site's p_passive
    reports: Path = REPORTS_PATH
    sites: Path = SITES_PATH

    def check(self) -> None:
        """Raise `ConfigError` for impossible settings."""
        if not 10 <= self.members <= 100_000:
            raise ConfigError(
                f"members must be 10..100000 (regions need >= 10), got {self.members}"
            )
        if not 1 <= self.origin_members <= 100_000 or not 1 <= self.debris_members <= 1000:
            raise ConfigError(
                f"origin_members must be 1..100000 and debris_members 1..1000, got "
                f"{self.origin_members}, {self.debris_members}"
            )
        hours = self.max_hours if self.hours is None else self.hours
        if not (0 < hours <= 240 and 0 < self.max_hours <= 240 and 0 < self.origin_hours <= 240):
            raise ConfigError(
                f"hours must be in (0, 240], got {hours} (max {self.max_hours}), "
                f"origin {self.origin_hours}"
            )
        if not (self.threshold > 0 and math.isfinite(self.threshold)):
            raise ConfigError(f"threshold must be a positive Ec, got {self.threshold}")
        for name in ("every_min", "hindsight_every_min"):
            v = getattr(self, name)
            if not (v > 0 and math.isfinite(v)):
                raise ConfigError(f"{name} must be > 0 minutes, got {v}")
        if self.seed < 0:
            raise ConfigError(f"seed must be >= 0, got {self.seed}")
        if min(self.debris_samples, self.window_samples, self.border_members) < 1:
            raise ConfigError("debris_samples, window_samples and border_members must be >= 1")
        if not (0 < self.steering_hours <= 240 and 0 < self.steering_every_h <= 240):
            raise ConfigError(
                f"steering_hours and steering_every_h must be in (0, 240] h, got "
                f"{self.steering_hours}, {self.steering_every_h}"
            )
        if not 1 <= self.steering_members <= 100_000:
            raise ConfigError(f"steering_members must be 1..100000, got {self.steering_members}")
        if self.hindsight_members < 1:
            raise ConfigError(f"hindsight_members must be >= 1, got {self.hindsight_members}")
        if self.forecast_from is not None and not math.isfinite(self.forecast_from):
            raise ConfigError(f"forecast_from must be a finite time, got {self.forecast_from}")


@dataclass
class DemoResult:
    """What the demo computed: the summary (the JSON object of ``summary.json``, and ``model``,
    the same as typed `demo.summary.DemoSummary`), the map layers, files written, timings
    (s)."""

    summary: dict[str, Any]
    features: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    model: DemoSummary | None = None
