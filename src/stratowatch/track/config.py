"""Tracker settings (`TrackerConfig`): gates, confirmation, motion model, misreport rates;
read from a TOML file or a dict with every key checked."""

from __future__ import annotations

import dataclasses
import math
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from ..atmosphere.wind import WindField
from ..errors import ConfigError
from .filter import MotionModel
from .likelihood import MISREPORT, NEW_OBJECT_DENSITY, MisreportModel

__all__ = ["TrackerConfig"]


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (SI units).

    motion : process noise of the wind-aware model.
    p_detect : probability a live object is reported in a scan.
    new_object_density : density of reports from new objects or clutter, per m^2 (default
        1.96e-15: a new object a priori as likely as a tracked one, anywhere on Earth,
        `stratowatch.track.likelihood.NEW_OBJECT_DENSITY`; a clutter density for scanning
        sensors).
    misreport : misreport rates by kind for the "same object?" probabilities of decisions.
    gate_probability : chi-square gate (probability mass kept).
    confirm_hits : updates that confirm a track.
    delete_misses / tentative_misses : consecutive missed scans that end a confirmed /
        tentative track (None: only ``max_coast`` applies; right for sparse reports).
    max_coast : s without an update that end a track.
    init_velocity_sigma : one-sigma of a new track's velocity relative to the wind, m/s.
    init_vz_sigma : one-sigma of a new track's vertical speed when its altitude is known, m/s.
    alt_hypotheses : candidate altitudes (m) for tracks started without an altitude.
    assignment_cost : ``likelihood`` (d^2 + ln det S, default) or ``mahalanobis`` (d, as
        Stone Soup's distance hypothesiser) for the GNN assignment.
    refuse_unlikely : refuse a gated pair whose likelihood is below ``new_object_density``
        (a new object explains the report better); off = pure chi-square gating.
    scan_window : reports within this many seconds of a scan's first report share the scan.
    record_coasting : also record predicted states of tracks not updated in a scan.
    smooth : return fixed-interval (RTS) smoothed tracks, each state using all reports
        (default off: filtered states, each known only from reports up to its time).
    record_hypotheses : keep every altitude-hypothesis row of float-altitude tracks, so that
        `smooth_track` can follow the final altitude's row (implied by ``smooth``; without it
        a float-altitude track is smoothed along its most probable rows, restarting where
        that row changes).
    """

    motion: MotionModel = field(default_factory=MotionModel)
    p_detect: float = 0.9
    new_object_density: float = NEW_OBJECT_DENSITY
    misreport: MisreportModel = field(default_factory=lambda: MISREPORT)
    gate_probability: float = 0.9999
    confirm_hits: int = 3
    delete_misses: int | None = None
    tentative_misses: int | None = None
    max_coast: float = 3 * 86400.0
    init_velocity_sigma: float = 5.0
    init_vz_sigma: float = 5.0
    alt_hypotheses: tuple[float, ...] = tuple(float(a) for a in range(2000, 30001, 1000))
    refuse_unlikely: bool = True
    assignment_cost: Literal["likelihood", "mahalanobis"] = "likelihood"
    scan_window: float = 0.0
    record_coasting: bool = False
    smooth: bool = False
    record_hypotheses: bool = False

    @staticmethod
    def for_wind(wind: WindField) -> TrackerConfig:
        """Defaults matched to how well a wind source knows the real wind (assumed values,
        see docs/tracking.md): a forecast or sounding leaves ~3 m/s of vector error; a monthly
        climatology or calm air ~10 m/s that changes over a day or two (random-walk
        q = 2 sigma^2 / 2 days = 1.2e-3 m^2/s^3)."""
        kind = wind.meta.kind.lower()
        if "climatolog" in kind or "calm" in kind:
            return TrackerConfig(motion=MotionModel(q_h=1.2e-3), init_velocity_sigma=10.0)
        return TrackerConfig(motion=MotionModel(q_h=2e-4), init_velocity_sigma=3.0)

    def __post_init__(self) -> None:
        checks = (
            (0.0 < self.p_detect <= 1.0, "p_detect", "0 < p_detect <= 1"),
            (self.new_object_density > 0.0, "new_object_density", "> 0 (per m^2)"),
            (0.0 < self.gate_probability < 1.0, "gate_probability", "0 < p < 1"),
            (self.confirm_hits >= 1, "confirm_hits", ">= 1"),
            (self.delete_misses is None or self.delete_misses >= 1, "delete_misses", ">= 1"),
            (
                self.tentative_misses is None or self.tentative_misses >= 1,
                "tentative_misses",
                ">= 1",
            ),
            (self.max_coast > 0.0, "max_coast", "> 0 s"),
            (self.init_velocity_sigma > 0.0, "init_velocity_sigma", "> 0 m/s"),
            (self.init_vz_sigma > 0.0, "init_vz_sigma", "> 0 m/s"),
            (len(self.alt_hypotheses) >= 1, "alt_hypotheses", "at least one altitude (m)"),
            (
                self.assignment_cost in ("likelihood", "mahalanobis"),
                "assignment_cost",
                "likelihood or mahalanobis",
            ),
            (self.scan_window >= 0.0, "scan_window", ">= 0 s"),
        )
        for ok, name, expected in checks:
            if not ok:
                raise ConfigError(
                    f"TrackerConfig.{name} = {getattr(self, name)!r} is invalid; expected "
                    f"{expected}"
                )

    @staticmethod
    def from_dict(
        data: Mapping[str, object], *, base: TrackerConfig | None = None, source: str = "config"
    ) -> TrackerConfig:
        """``base`` (default `TrackerConfig()`) with the values of ``data``: top-level keys are
        field names, ``motion`` (and ``misreport``) a table of `MotionModel`
        (`MisreportModel`) field names. Unknown keys and wrong types raise `ConfigError`
        naming ``source``, the key and the valid keys."""
        out: TrackerConfig = _from_dict(TrackerConfig, data, base or TrackerConfig(), source, "")
        return out

    @staticmethod
    def from_toml(path: str | Path, *, base: TrackerConfig | None = None) -> TrackerConfig:
        """`from_dict` on a TOML file (``tomllib``)."""
        import tomllib

        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"{p}: cannot read the tracker configuration ({exc.strerror})"
            ) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: not a valid TOML file: {exc}") from None
        return TrackerConfig.from_dict(data, base=base, source=str(p))


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(tp))
    if origin is tuple:
        return "a list of numbers"
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    return {float: "a number", int: "an integer", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _convert(tp: Any, value: Any) -> tuple[bool, Any]:
    """(ok, converted) for a TOML value against a field type."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        for a in get_args(tp):
            if a is type(None):
                continue
            ok, v = _convert(a, value)
            if ok:
                return True, v
        return False, None
    if origin is Literal:
        return (value in get_args(tp)), value
    if origin is tuple:
        if not isinstance(value, list) or not value:
            return False, None
        items = [_convert(float, v) for v in value]
        return all(ok for ok, _ in items), tuple(v for _, v in items)
    if tp is bool:
        return isinstance(value, bool), value
    if tp is int:
        return (isinstance(value, int) and not isinstance(value, bool)), value
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return (ok and math.isfinite(float(value))), float(value) if ok else None
    return False, None


def _from_dict(cls: Any, data: Mapping[str, Any], base: Any, source: str, table: str) -> Any:
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    where = f" in [{table}]" if table else ""
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(
                f"{source}: unknown key '{key}'{where}; valid keys: {', '.join(names)}"
            )
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{source}: '{key}' must be a table ([{key}]) of {getattr(tp, '__name__', key)} fields: "
                    f"{', '.join(f.name for f in dataclasses.fields(tp))}"
                )
            sub = f"{table}.{key}" if table else key
            changes[key] = _from_dict(tp, value, getattr(base, key), source, sub)
            continue
        ok, conv = _convert(tp, value)
        if not ok:
            raise ConfigError(
                f"{source}: '{key}'{where} = {value!r} has the wrong type; expected "
                f"{_type_name(tp)}"
            )
        changes[key] = conv
    try:
        return dataclasses.replace(base, **changes)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
