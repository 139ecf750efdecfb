"""A chunk's subjects as :mod:`perfscore.ingest.arrowcols` reads them: their ids at once, each
:class:`~perfscore.subjects.Subject` made when something reads it.

A Parquet findings run reads only the ids (the findings rows, the subjects without a total);
making a ``Subject`` per row was a fifth of a Dask partition's CPU time (dept30, 200,000 rows).
A subject read is the one :func:`~perfscore.subjects.read_subject` makes of the row's id and
name — equal to it field for field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

from ..subjects import Subject, read_subject
from ..textsafe import clean

__all__ = ["Subjects", "subject_ids"]


class Subjects(Sequence[Subject]):
    """Subjects made when read; :attr:`ids` without making them."""

    __slots__ = ("_kind", "_made", "_names", "ids")

    def __init__(self, kind: str) -> None:
        self.ids: list[str] = []
        self._names: list[Any] = []
        self._made: dict[int, Subject] = {}  # rows whose subject read_subject made at once
        self._kind = kind

    def add_simple(self, sids: Sequence[Any], names: Sequence[Any], index: int) -> bool:
        """Rows that give an id (any cell) and a name (or None) alone, the first of them the
        file's ``index``-th record; True when every id is plain text, its subject's id."""
        plain = True
        at, ids = len(self.ids), self.ids
        for k, sid in enumerate(sids):
            if type(sid) is str and clean(sid) == sid:
                ids.append(sid)
                continue
            plain = False  # a number, or text with lone surrogates: as read_subject reads it
            meta = {"id": sid, "values": {}}
            if names[k] is not None:
                meta["name"] = names[k]
            made = read_subject(meta, {}, index=index + k, subject_type=self._kind).subject
            self._made[at + k] = made
            ids.append(made.id)
        self._names += names
        return plain

    def add_made(self, subjects: Sequence[Subject]) -> None:
        """Subjects already made (rows that say more of their subject than an id and name)."""
        at = len(self.ids)
        for k, s in enumerate(subjects):
            self._made[at + k] = s
        self.ids += [s.id for s in subjects]
        self._names += [None] * len(subjects)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> Subject: ...

    @overload
    def __getitem__(self, i: slice) -> list[Subject]: ...

    def __getitem__(self, i: int | slice) -> Subject | list[Subject]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self.ids)
        if not -n <= i < n:
            raise IndexError(i)
        i %= n
        made = self._made.get(i)
        if made is not None:
            return made
        sid, name = self.ids[i], self._names[i]
        subject = object.__new__(Subject)  # what read_subject makes, without its __init__
        d = subject.__dict__
        d["id"] = sid
        d["name"] = clean(name) if isinstance(name, str) else None
        d["type"] = self._kind
        d["key"] = sid
        d["period"] = None
        d["parent"] = None
        return subject

    def __iter__(self) -> Iterator[Subject]:
        for i in range(len(self.ids)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def subject_ids(subjects: Sequence[Subject]) -> list[str]:
    """The subjects' ids (a :class:`Subjects`' without making them)."""
    if isinstance(subjects, Subjects):
        return subjects.ids
    return [s.id for s in subjects]
