"""Stage ``reports``: the reports file and its map layer; the forecast start rule."""

from __future__ import annotations

from typing import Any

from ..errors import DomainError
from ..scenario import Report, load_reports
from ..timeutil import iso
from .config import DemoConfig
from .features import _feature, _point

__all__ = ["stage_reports", "forecast_start"]


def stage_reports(cfg: DemoConfig) -> tuple[list[Report], list[dict[str, Any]]]:
    """The public reports and their map layer (points with uncertainty circles)."""
    reports = load_reports(cfg.reports)
    feats = [
        _feature(
            _point(r.lon, r.lat, r.alt),
            layer="reports",
            name=r.place,
            time=r.time_iso,
            radius_km=r.radius / 1000.0,
            time_sigma_h=r.time_sigma / 3600.0,
            kind=r.kind,
            description=r.description,
            source=r.source,
            style={"color": "#d35400"},
        )
        for r in reports
    ]
    return reports, feats


def forecast_start(reports: list[Report], forecast_from: float | None) -> tuple[Report, str]:
    """The report the forecast starts from and the rule, in words: the last report at or before
    ``forecast_from`` (epoch s; None: the file's last report), rows of kind ``engagement`` (the
    outcome) excepted. Raises `DomainError` when no report is that early."""
    usable = [r for r in reports if r.kind != "engagement"]
    if not usable:
        raise DomainError(
            "the reports file holds only engagement rows (outcomes); a forecast needs a report "
            "of the object before it"
        )
    if forecast_from is None:
        return usable[-1], "the last report in the file (outcome rows excepted)"
    known = [r for r in usable if r.time <= forecast_from + 1e-6]
    if not known:
        raise DomainError(
            f"no report at or before the forecast start {iso(forecast_from)}: the first is at "
            f"{usable[0].time_iso}; choose a later --forecast-from (or omit it for the last "
            "report)"
        )
    # among reports of that moment, the most precise one
    last = max(known, key=lambda r: (r.time, -r.radius))
    return last, f"the last report at or before --forecast-from {iso(forecast_from)}"
