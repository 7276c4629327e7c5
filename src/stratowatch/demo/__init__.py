"""The main job: replay a balloon incident end to end, offline (the February 2023 one by default).

`run_demo` chains the library as a user would, in two clearly separated parts:

* **What was known at the forecast start** (no look-ahead): the track *as of* the forecast start
  (`track.Track.as_of`: only the reports up to then) gives the float altitude and the wind's
  drift correction; the ensemble forecast runs from the last report at or before the start
  (``forecast_from``) over a horizon chosen by a rule that uses the forecast alone
  (`forecast_horizon`); overflight, border crossings, aviation, the engagement windows and the
  steering line (`assess.steering`: the path so far explained, where steering could take it)
  are computed from that. The ``forecast``, ``overflight``, ``aviation``, ``engagement`` and
  ``steering`` sections of ``summary.json`` are identical whether or not the file holds the
  reports after the start (``tests/demo/test_demo.py``).
* **Scored afterwards, and hindsight**: the later reports' coverage by the forecast, the
  forecast against the real outcome *at the outcome's time* (``outcome``), and, labelled as
  hindsight, engagement windows along the whole reconstructed (smoothed) track
  (``hindsight``: "why not over Alaska?").

One module per stage (`reports`, `tracking`, `origin`, `forecast`, `overflight`, `engagement`,
`steering`, `scoring`, `hindsight`), the map features apart (`features`, `members`), the outputs
(`report`) and the typed summary (`summary`: pydantic models that serialize to
``summary.json``; the schema in ``docs/demo.md`` is generated from them). Every number comes
from the library calls made here.
"""

from __future__ import annotations

# first: `side` samples the machine's idle time here, so its measure spans the imports below
from . import side as _side  # noqa: F401

# isort: split
from ..report.page import EC_PLOT_FLOOR as EC_PLOT_FLOOR  # re-exported
from ..report.page import ec_color as ec_color
from .config import STAGES, DemoConfig, DemoResult
from .forecast import _bias_corrected, drift_bias, forecast_horizon
from .hindsight import _hindsight_region, reconstructed_path
from .members import _cut, coverage_of
from .reports import forecast_start
from .run import run_demo

__all__ = [
    "DemoConfig",
    "DemoResult",
    "EC_PLOT_FLOOR",
    "STAGES",
    "run_demo",
    "ec_color",
    "coverage_of",
    "drift_bias",
    "forecast_start",
    "forecast_horizon",
    "reconstructed_path",
    "_bias_corrected",
    "_cut",
    "_hindsight_region",
]
