"""Typed errors. Every message says what was wrong, where, and what was expected.

The library raises these; the CLI turns them into a one-paragraph message and an exit code
(`cli.main`), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "StratowatchError",
    "InputError",
    "DomainError",
    "ConfigError",
]


class StratowatchError(Exception):
    """Base of all stratowatch errors. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(StratowatchError, ValueError):
    """Bad input data: a file, a row, a field or a value that cannot be used.

    Parameters
    ----------
    message : what is wrong, in a sentence.
    path : the file, if any.
    line : 1-based line (or record/message) number, if known.
    field : the column / key / variable, if known.
    value : the offending value, if known.
    expected : what would have been accepted.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.value is not None:
            text += f" (got {self.value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class DomainError(StratowatchError, ValueError):
    """A request outside the data's domain: a time outside a wind file's span, a point outside
    its region or altitudes, a latitude beyond +-90."""

    exit_code = 3


class ConfigError(StratowatchError, ValueError):
    """Impossible or inconsistent parameters (negative ascent rate, burst below start, ...)."""

    exit_code = 2
