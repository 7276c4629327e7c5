"""Progress bars: only on a terminal, only once a job has run ~2 s, never with --json."""

from __future__ import annotations

import io
import time

from rich.console import Console

from stratowatch.cli.common import PROGRESS_DELAY_S, progress


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=terminal, width=100), buf


def test_bar_appears_after_the_delay_on_a_terminal() -> None:
    con, buf = _console(True)
    with progress(console=con, delay=0.05) as bar:
        task = bar.add_task("members", total=10)
        deadline = time.monotonic() + 30.0
        while not bar.live.is_started and time.monotonic() < deadline:
            time.sleep(0.01)  # a long job: the bar starts from its timer
        assert bar.live.is_started
        bar.update(task, completed=5)
        bar.refresh()
    assert "members" in buf.getvalue() and "5/10" in buf.getvalue()
    assert not bar.live.is_started  # stopped with the job


def test_no_bar_for_short_jobs_pipes_or_json() -> None:
    assert PROGRESS_DELAY_S == 2.0
    for terminal, enabled, delay in ((True, True, 30.0), (False, True, 0.0), (True, False, 0.0)):
        con, buf = _console(terminal)
        with progress(console=con, enabled=enabled, delay=delay) as bar:
            bar.add_task("members", total=10)
        assert buf.getvalue() == "" and not bar.live.is_started
