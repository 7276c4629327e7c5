"""Wind files selectable by Tawhiri's ``dataset`` parameter: a folder of GRIB/NetCDF files,
each known by its first valid time (the time Tawhiri's dataset names are matched against)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from ..atmosphere.sources import open_wind
from ..atmosphere.wind import WindField
from ..errors import StratowatchError

__all__ = ["WindDatasets"]

log = logging.getLogger("stratowatch.service")


class WindDatasets:
    """Index of ``folder`` (read at start-up; unreadable files are skipped with a log line);
    the two most recently used fields stay open."""

    def __init__(self, folder: Path | None, *, keep_open: int = 2) -> None:
        self.folder = folder
        self.by_time: dict[float, Path] = {}
        self._open: OrderedDict[Path, WindField] = OrderedDict()
        self._keep = keep_open
        self._lock = threading.Lock()
        if folder is None:
            return
        for path in sorted(Path(folder).iterdir()):
            if not path.is_file() or path.name.startswith(".") or path.suffix == ".idx":
                continue
            try:
                meta = open_wind(path).meta
            except StratowatchError as exc:
                log.warning("wind folder: %s skipped (%s)", path.name, exc)
                continue
            if meta.time_start is None:
                continue
            self.by_time.setdefault(float(meta.time_start), path)

    def get(self, t: float) -> WindField | None:
        """The field whose first valid time is ``t`` (None if there is none)."""
        path = self.by_time.get(float(t))
        if path is None:
            return None
        with self._lock:
            if path in self._open:
                self._open.move_to_end(path)
                return self._open[path]
        field = open_wind(path)
        with self._lock:
            self._open[path] = field
            while len(self._open) > self._keep:
                self._open.popitem(last=False)
        return field
