"""A chunk's subjects as :mod:`perfscore.ingest.arrowcols` reads them: their ids at once, each
:class:`~perfscore.subjects.Subject` made when something reads it.

A Parquet findings run reads only the ids (the findings rows, the subjects without a total);
making a ``Subject`` per row was a fifth of a Dask partition's CPU time (dept30, 200,000 rows).
A subject read is the one :func:`~perfscore.subjects.read_subject` makes of the row's id and
name — equal to it field for field.  A row that says more of its subject (主管部门, 年度) has
its subject made by the reader's own function when read (:meth:`Subjects.add_lazy`): making
one per row of rev12's 1,000,000-row file (id, name, parent, year) was 9.7 of its 23 s.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from ..subjects import Subject, read_subject
from ..textsafe import clean

__all__ = ["Subjects", "subject_ids"]


class Subjects(Sequence[Subject]):
    """Subjects made when read; :attr:`ids` without making them."""

    __slots__ = ("_kind", "_lazy", "_made", "_names", "_starts", "ids")

    def __init__(self, kind: str) -> None:
        self.ids: list[str] = []
        self._names: list[Any] = []
        self._made: dict[int, Subject] = {}  # rows whose subject read_subject made at once
        self._kind = kind
        self._starts: list[int] = []  # each add_lazy part's first row
        self._lazy: list[tuple[int, Callable[[int], Subject]]] = []  # (its end, its maker)

    def add_simple(self, sids: Sequence[Any], names: Sequence[Any], index: int) -> bool:
        """Rows that give an id (any cell) and a name (or None) alone, the first of them the
        file's ``index``-th record; True when every id is plain text, its subject's id."""
        joined = "".join(sids) if set(map(type, sids)) <= {str} else None
        if joined is not None and clean(joined) == joined:  # no surrogate in any id
            self.ids += sids
            self._names += names
            return True
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

    def add_lazy(self, sids: Sequence[Any], make: Callable[[int], Subject]) -> bool:
        """Rows whose subject ``make(k)`` makes when read (``k``: the row among these), their
        ids ``sids`` — taken only when every one is plain text (its subject's id, as
        ``read_subject`` makes it); False (nothing added) otherwise."""
        if not set(map(type, sids)) <= {str}:
            return False
        joined = "".join(sids)
        if clean(joined) != joined:  # a lone surrogate
            return False
        self._starts.append(len(self.ids))
        self.ids += sids
        self._names += [None] * len(sids)
        self._lazy.append((len(self.ids), make))
        return True

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
        part = bisect.bisect_right(self._starts, i) - 1
        if part >= 0 and i < self._lazy[part][0]:
            return self._lazy[part][1](i - self._starts[part])
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
