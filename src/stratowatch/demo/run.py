"""`run_demo`: the stages in order, timed, and the outputs written."""

from __future__ import annotations

import json
import time as _time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import __version__
from ..atmosphere import open_wind
from ..errors import InputError
from ..io.export import validate_features
from ..report.page import demo_page
from ..scenario import REPORTS_PATH, SOURCES, load_reports, outcome_of
from ..timeutil import iso
from .config import STAGES, DemoConfig, DemoResult, Progress
from .engagement import stage_engagement
from .forecast import stage_forecast
from .hindsight import stage_hindsight
from .origin import stage_origin
from .overflight import stage_overflight
from .report import _jsonable, _report_view, _write_outputs, write_layers
from .reports import forecast_start, stage_reports
from .scoring import stage_coverage, stage_outcome, stage_uncorrected
from .side import SideProcess, side_wanted
from .steering import hindsight_motion, stage_steering
from .summary import DemoSummary
from .tracking import stage_track

__all__ = ["run_demo"]


def _hindsight(
    cfg: DemoConfig, smooth: Any, tracking: Any, wind: Any
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], float]:
    """Stage ``hindsight``'s windows along the whole track, and their duration (s)."""
    t0 = _time.perf_counter()
    hindsight, feats = stage_hindsight(cfg, smooth, tracking, wind)
    return hindsight, feats, _time.perf_counter() - t0


def _overflight(
    cfg: DemoConfig, pred: Any, fpath: Any
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Stage ``overflight`` (`stage_overflight`) with positional arguments, for `SideProcess`."""
    return stage_overflight(cfg, pred, path=fpath)


def _steering(
    cfg: DemoConfig, tracking: Any, wind: Any, start: float, hours: float
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Stage ``steering`` (`stage_steering`) with positional arguments, for `SideProcess`."""
    return stage_steering(cfg, tracking, wind, start=start, hours=hours)


def run_demo(
    out_dir: str | Path,
    *,
    config: DemoConfig | None = None,
    progress: Progress | None = None,
    processes: bool | None = None,
) -> DemoResult:
    """Run the whole demo and write its files into ``out_dir``.

    Parameters
    ----------
    out_dir : folder for ``summary.json``, ``report.html``, ``layers.geojson/.kml/.czml``.
    config : settings; `DemoConfig()` by default (the shipped 2023 reports, forecast from the
        Billings report).
    progress : optional ``callable(stage, done, total)`` called as each stage finishes.
    processes : run the motion and steering analyses and write the KML and CZML layers in a
        second process (`demo.side`); by default when a CPU is free (`demo.side.side_wanted`).
        The results are the same either way; the stage timings are each stage's own duration
        (some overlap).
    """
    cfg = config or DemoConfig()
    cfg.check()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("output path exists and is not a folder", path=out, expected="a folder")
    # read and check the inputs before anything is written
    reports = load_reports(cfg.reports)
    forecast_start(reports, cfg.forecast_from)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".stratowatch-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            "cannot write to the output folder",
            path=out,
            value=exc.strerror,
            expected="a writable folder",
        ) from None
    # the motion analyses (steering, hindsight motion) run in a second process and the
    # hindsight windows in a second thread (their debris falls release the interpreter lock)
    # while the forecast stages run here; each result is placed where it always was
    side = SideProcess(enabled=(side_wanted() if processes is None else processes) and cfg.steering)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stratowatch-hindsight")
    try:
        return _stages(cfg, out, reports, side, pool, progress)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        side.close()


def _stages(
    cfg: DemoConfig,
    out: Path,
    reports: Any,
    side: SideProcess,
    pool: ThreadPoolExecutor,
    progress: Progress | None,
) -> DemoResult:
    from ..assess.path import FlightPath

    timings: dict[str, float] = {}
    t_all = _time.perf_counter()
    clock = [_time.perf_counter()]

    def done(stage: str, seconds: float | None = None) -> None:
        """Stage finished: its time since the previous one, or its own ``seconds`` (a stage
        that ran beside the others)."""
        now = _time.perf_counter()
        timings[stage] = round(now - clock[0] if seconds is None else seconds, 3)
        clock[0] = now
        if progress is not None:
            progress(stage, STAGES.index(stage) + 1, len(STAGES))

    wind = open_wind(cfg.wind)
    reports, feats = stage_reports(cfg)
    done("reports")
    tracking, smooth, track_summary, f = stage_track(cfg, wind, reports)
    feats += f
    done("track")
    motion = side.submit(hindsight_motion, cfg, tracking, wind)
    hind = pool.submit(_hindsight, cfg, smooth, tracking, wind)
    _, origin, f = stage_origin(cfg, reports, track_summary, wind)
    feats = f + feats
    done("origin")
    # --- what was known at the forecast start: the forecast and what follows from it
    pred, fwind, forecast, f = stage_forecast(cfg, tracking, wind, reports)
    feats = f + feats
    done("forecast")
    # the forecast's members as a FlightPath, made once for the stages that read it
    fpath = FlightPath.from_prediction(pred)
    over = side.submit(_overflight, cfg, pred, fpath)
    steer = side.submit(
        _steering,
        cfg,
        tracking,
        wind,
        forecast_start(reports, cfg.forecast_from)[0].time,
        float(forecast["hours"]),
    )
    t_engage = _time.perf_counter()
    engagement, _, f_engage = stage_engagement(cfg, pred, fwind, path=fpath)
    engage_s = _time.perf_counter() - t_engage
    (overflight, aviation, f), over_s = over.result()
    feats += f
    done("overflight", over_s)
    feats += f_engage
    done("engagement", engage_s)
    (steering, f), steer_s = steer.result()
    feats += f
    done("steering", steer_s)
    # --- scored afterwards against the later reports and the outcome
    coverage = stage_coverage(pred, reports)
    uncorrected = stage_uncorrected(cfg, pred, wind, reports, forecast)
    done("coverage")
    outcome_event = outcome_of(reports)
    outcome, f = stage_outcome(cfg, pred, fwind, engagement, outcome_event, path=fpath)
    feats += f
    done("outcome")
    # --- hindsight: the whole reconstructed track
    hindsight, f, hind_s = hind.result()
    feats += f
    hind_motion, motion_s = motion.result()
    if hindsight is not None:
        hindsight["motion"] = hind_motion
    done("hindsight", hind_s + motion_s)  # windows and motion (they ran beside the others)
    file_sources = list(dict.fromkeys(r.source for r in reports if r.source))
    shipped = cfg.reports.resolve() == REPORTS_PATH.resolve()
    summary: dict[str, Any] = {
        "scenario": {
            "name": "February 2023 high-altitude balloon (public reports)"
            if shipped
            else f"reports from {cfg.reports.name}",
            "reports_file": cfg.reports.name,
            "sources": list(SOURCES) if shipped else file_sources,
            "outcome": None
            if outcome_event is None
            else {
                "time": outcome_event.time_iso,
                "lat": outcome_event.lat,
                "lon": outcome_event.lon,
            },
        },
        "track": track_summary,
        "origin": origin,
        "forecast": forecast,
        "overflight": overflight,
        "aviation": aviation,
        "engagement": engagement,
        "steering": steering,
        "coverage": coverage,
        "uncorrected": uncorrected,
        "outcome": outcome,
        "hindsight": hindsight,
        "run": {
            "version": __version__,
            "seed": cfg.seed,
            "members": cfg.members,
            "reports": str(cfg.reports),
            "forecast_from": None if cfg.forecast_from is None else iso(cfg.forecast_from),
            "forecast_start_rule": forecast_start(reports, cfg.forecast_from)[1],
            "wind": wind.meta.source,
            "elapsed_s": 0.0,
            "stages_s": timings,
        },
    }
    fc = {
        "type": "FeatureCollection",
        "name": f"stratowatch demo: {summary['scenario']['name']}",
        "features": feats,
    }
    summary["run"]["elapsed_s"] = round(_time.perf_counter() - t_all, 2)
    # the typed summary: a key no model declares (so not in the documented schema) fails here
    typed = DemoSummary.model_validate(_jsonable(summary))
    summary = typed.to_json_dict()
    # KML and CZML (the slower formats) are written in the second process meanwhile
    validate_features(fc)
    layers = side.submit(write_layers, out, fc, ("kml", "czml"))
    page = demo_page(_report_view(summary), fc, forecast=pred)
    files = _write_outputs(out, summary, fc, page, layers=("geojson",))
    layers.result()
    done("outputs")
    summary["run"]["elapsed_s"] = round(_time.perf_counter() - t_all, 2)
    summary["run"]["stages_s"] = dict(timings)
    typed = DemoSummary.model_validate(summary)
    summary = typed.to_json_dict()
    files["summary"].write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    return DemoResult(summary=summary, features=fc, files=files, timings=timings, model=typed)
