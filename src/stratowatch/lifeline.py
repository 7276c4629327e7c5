"""Worker processes that end when the process that started them dies (`die_with_parent`).

A pool worker whose parent is killed (``kill -9``, the out-of-memory killer) is re-parented
and lives on: blocked on a job queue whose write end it holds itself (a forked worker
inherits it), or computing a job nobody will collect, or waiting to hand over a result. The
service's job workers and the demo's side process start with `die_with_parent` as their
pool initializer (tests/service/test_server.py, tests/demo/test_side.py kill the parent and
look for survivors).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "watch_parent"]


def die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when the process ``parent`` dies (even by SIGKILL).

    On Linux the kernel's parent-death signal, which fires when the *thread* that started
    the worker ends, and which is never sent if the parent died before this runs; so also a
    watchdog thread that exits as soon as the worker is re-parented (any platform)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died while this worker started
        os._exit(1)
    threading.Thread(
        target=watch_parent, args=(parent,), name="stratowatch-parent-watch", daemon=True
    ).start()


def watch_parent(parent: int, every_s: float = 1.0) -> None:
    """End this process (at once: its main thread may be blocked on a pipe) when its parent
    is no longer ``parent``."""
    while True:
        time.sleep(every_s)
        if os.getppid() != parent:
            os._exit(1)
