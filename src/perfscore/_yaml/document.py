"""What a loaded YAML document is: plain data (:class:`Document`) with the position
(:class:`Mark`) of every value and key, and the YAML tags the loader accepts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from perfscore.errors import DataError, Problem, RuleSetError

PathKey = tuple[str | int, ...]
ErrorType = type[RuleSetError] | type[DataError]

_TAG_PREFIX = "tag:yaml.org,2002:"
_STR = _TAG_PREFIX + "str"
_INT = _TAG_PREFIX + "int"
_FLOAT = _TAG_PREFIX + "float"
_BOOL = _TAG_PREFIX + "bool"
_NULL = _TAG_PREFIX + "null"
_SEQ = _TAG_PREFIX + "seq"
_MAP = _TAG_PREFIX + "map"
_MERGE = _TAG_PREFIX + "merge"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Mark:
    """A position in a source file; both numbers count from 1, as editors do."""

    line: int
    column: int


@dataclass(frozen=True)
class Document:
    """Loaded plain data plus where each value and key came from, for located messages."""

    data: Any
    source: str
    sha256: str
    marks: Mapping[PathKey, Mark]
    key_marks: Mapping[PathKey, Mark]

    def mark(self, path: Sequence[str | int]) -> Mark | None:
        """Mark of ``path``, else of its longest existing prefix.

        A validation error about a *missing* key then points at the enclosing mapping.
        """
        key = tuple(path)
        for end in range(len(key), -1, -1):
            found = self.marks.get(key[:end])
            if found is not None:
                return found
        return None

    def source_of(self, path: Sequence[str | int]) -> str:
        """The file a value came from (one file here; overlays span several)."""
        return self.source

    def problem(
        self,
        path: Sequence[str | int],
        message: str,
        *,
        suggestion: str | None = None,
        code: str = "invalid",
        key: bool = False,
    ) -> Problem:
        """A :class:`Problem` located at ``path`` (at its key when ``key=True`` and known)."""
        where = self.key_marks.get(tuple(path)) if key else None
        if where is None:
            where = self.mark(path)
        return Problem(
            message,
            source=self.source,
            line=where.line if where else None,
            column=where.column if where else None,
            path=tuple(path),
            suggestion=suggestion,
            code=code,
        )


class _Fatal(Exception):
    """Internal: one problem that stops loading at once (bomb, cycle, depth, bad alias)."""

    def __init__(self, message: str, mark: Mark | None, path: PathKey = ()) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.path = path


def _mark(ymark: yaml.Mark | None) -> Mark | None:
    return None if ymark is None else Mark(ymark.line + 1, ymark.column + 1)
