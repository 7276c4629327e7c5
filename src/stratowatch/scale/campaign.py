"""Hindcast campaigns on an engine: `stratowatch verify --scheduler ...`.

A campaign verifies many flights; flights are independent (`predict.verify.verify_flight`
is a pure function of the flight and the `VerifyOptions`, its result a picklable dataclass),
so each flight is one task of the engine, and the totals are added up from the results in
the flights' order by `predict.verify.aggregate`: the same campaign, the same figures, on
any engine. The workers read the flights' files themselves (give them the same paths: a
shared file system on a cluster).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..predict.verify import Campaign, VerifyOptions, aggregate, verify_flight
from ..predict.verify.hindcast import FlightInput, FlightVerification
from .engine import Engine, InProcessEngine

__all__ = ["run_campaign"]


def _verify_task(options: VerifyOptions, flight: FlightInput) -> FlightVerification:
    return verify_flight(flight, options)


def run_campaign(
    flights: Sequence[FlightInput],
    options: VerifyOptions | None = None,
    *,
    engine: Engine | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Campaign:
    """`predict.verify.verify_flights` with each flight a task of ``engine`` (default:
    in-process); ``progress(done, total)`` as flights finish (in any order).

    Returns the same `Campaign` as ``verify_flights(flights, options)``.
    """
    opts = (options or VerifyOptions()).check()
    eng = engine if engine is not None else InProcessEngine()
    items: list[Any] = list(flights)
    results = eng.map(_verify_task, items, shared=opts, progress=progress)
    return Campaign(flights=results, totals=aggregate(results), options=opts)
