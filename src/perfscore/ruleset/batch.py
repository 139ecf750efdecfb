"""A batch of subjects: the records a data file holds (:class:`SubjectBatch`,
:func:`load_subjects`), what :meth:`RuleSet.evaluate` reads from whatever it is given, and the
check that no two subjects share an id."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..findings import Notification, SubjectResult
from ..subjects import Subject
from ..words import NOTICE, said

if TYPE_CHECKING:
    from .rules import RuleSet

__all__ = [
    "DuplicateIds",
    "SubjectBatch",
    "duplicate_ids",
    "duplicate_subjects",
    "load_subjects",
    "records_of",
]


def duplicate_subjects(
    results: Iterable[SubjectResult], flagged: Iterable[Notification] = ()
) -> tuple[Notification, ...]:
    """Two subjects with one id would share fingerprints and overwrite each other downstream:
    both are still scored, and the run is marked incomplete with an error notification."""
    return duplicate_ids((r.subject for r in results), flagged)


def duplicate_ids(
    subjects: Iterable[Subject], flagged: Iterable[Notification] = ()
) -> tuple[Notification, ...]:
    """:func:`duplicate_subjects` from the subjects alone.  An id a sheet's reader already
    flagged (``duplicate-id`` in ``flagged``, naming both cells) is not said again."""
    seen: dict[str, int] = {}
    periods: dict[tuple[str, str, int | None], list[str]] = {}
    for s in subjects:
        seen[s.id] = seen.get(s.id, 0) + 1
        if s.key != s.id:
            periods.setdefault((s.type, s.key, s.period), []).append(s.id)
    return _duplicates([(sid, n) for sid, n in seen.items() if n > 1], periods, flagged)


class DuplicateIds:
    """:func:`duplicate_ids` for subjects given a chunk at a time, in memory that does not
    grow with them: each id is kept as bytes (:class:`~perfscore.ingest.seen.FirstSeen`, on
    disk past 65,536 ids); only ids seen twice are kept as text — and, for the check of one
    key per period, the ids of subjects whose key is not their id."""

    def __init__(self) -> None:
        from ..ingest.seen import FirstSeen

        self._seen = FirstSeen()
        self._count = 0
        self._twice: dict[str, list[int]] = {}  # id: [where first seen, how many]
        self._periods: dict[tuple[str, str, int | None], list[str]] = {}

    def __enter__(self) -> DuplicateIds:
        return self

    def __exit__(self, *exc: object) -> None:
        self._seen.close()

    def add(self, subjects: Iterable[Subject]) -> None:
        for s in subjects:
            first = self._seen.first(s.id, self._count)
            if first is not None:
                self._twice.setdefault(s.id, [first, 1])[1] += 1
            if s.key != s.id:
                self._periods.setdefault((s.type, s.key, s.period), []).append(s.id)
            self._count += 1

    def notifications(self, flagged: Iterable[Notification] = ()) -> tuple[Notification, ...]:
        """What :func:`duplicate_ids` says of every subject added so far."""
        twice = sorted(self._twice.items(), key=lambda kv: kv[1][0])
        return _duplicates([(sid, n) for sid, (_, n) in twice], self._periods, flagged)


def _duplicates(
    ids: list[tuple[str, int]],
    periods: Mapping[tuple[str, str, int | None], list[str]],
    flagged: Iterable[Notification] = (),
) -> tuple[Notification, ...]:
    said_ids = {n.subject for n in flagged if n.code == "duplicate-id"}
    out = [
        Notification(
            "error",
            "duplicate-subject",
            said(NOTICE, "duplicate_id", id=repr(sid), n=n),
            sid,
        )
        for sid, n in ids
        if sid not in said_ids
    ]
    out += [
        Notification(
            "error",
            "duplicate-subject",
            said(
                NOTICE,
                "duplicate_key",
                ids=", ".join(repr(i) for i in sorted(set(ids))),
                key=repr(key),
                period=said(NOTICE, "for_period", period=period) if period is not None else "",
            ),
            ids[0],
        )
        for (_t, key, period), ids in periods.items()
        if len(set(ids)) > 1
    ]
    return tuple(out)


@dataclass(frozen=True)
class SubjectBatch:
    """Subject records read from a data file, with the file's provenance.

    A spreadsheet, CSV, Parquet or JSON Lines file read without a rule set keeps its
    ``sources`` and no ``records``: its columns are mapped onto a rule set's inputs when the
    batch is evaluated (pass ``rules=`` to :func:`load_subjects` to read the records now)."""

    records: tuple[Any, ...]
    uri: str
    sha256: str
    notifications: tuple[Notification, ...] = ()
    sources: tuple[Any, ...] = ()


def load_subjects(
    path: str | os.PathLike[str],
    rules: RuleSet | None = None,
    *,
    sheet: str | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> SubjectBatch:
    """Read subject data: YAML or JSON (one subject, a list, or ``{subjects: [...]}``), JSON
    Lines, CSV/TSV (UTF-8, GBK/GB18030), ``.xlsx`` (``sheet``), Parquet, or a folder of them.
    ``columns`` maps headers to inputs (see docs/data.md); with ``rules`` the records are read
    against that rule set now, else when the batch is evaluated."""
    from ..ingest import STREAM_SUFFIXES, open_data, read_document, read_sources

    p = os.fspath(path)
    if not os.path.isdir(p) and not p.lower().endswith(STREAM_SUFFIXES):
        records, digest = read_document(p)
        return SubjectBatch(records, p, digest)
    sources = tuple(open_data(p, sheet=sheet, columns=columns))
    digest = sources[0].sha256 if len(sources) == 1 else ""
    if rules is None:
        return SubjectBatch((), p, digest, sources=sources)
    notes: list[Notification] = []
    records = tuple(read_sources(rules, sources, notes))
    return SubjectBatch(records, p, digest, tuple(notes))


def records_of(
    rules: RuleSet, data: Any, notes: list[Notification]
) -> tuple[tuple[Mapping[str, str], ...], Iterable[Any]]:
    """What :meth:`RuleSet.evaluate` reads from ``data``: the inputs' provenance and the records
    (lazily where the data allow); reading notifications go to ``notes``."""
    from ..ingest import DataSource, frame_kind, open_frame, read_sources

    inputs: tuple[Mapping[str, str], ...] = ()
    if isinstance(data, SubjectBatch):
        inputs = ({"uri": data.uri, "sha256": data.sha256},)
        if data.sources:
            records: Iterable[Any] = read_sources(rules, data.sources, notes)
        else:
            from ..ingest.ratiocols import ratio_records

            records = ratio_records(data.records, rules.inputs, data.uri, notes)
            notes.extend(data.notifications)
    elif isinstance(data, DataSource):
        inputs = ({"uri": data.uri, "sha256": data.sha256},)
        records = read_sources(rules, [data], notes)
    elif frame_kind(data) is not None:
        records = read_sources(rules, [open_frame(data)], notes)
    elif isinstance(data, Mapping):
        records = data["subjects"] if isinstance(data.get("subjects"), list) else [data]
    elif (
        data is None or isinstance(data, (str, bytes, os.PathLike)) or not hasattr(data, "__iter__")
    ):
        raise TypeError(
            "RuleSet.evaluate takes a subject (a mapping), an iterable of mappings, a pandas "
            "or polars DataFrame, a pyarrow Table, or perfscore.load_subjects(path); got "
            + (
                f"{type(data).__name__} {str(data)[:60]!r} (read a file with load_subjects)"
                if isinstance(data, (str, bytes, os.PathLike))
                else type(data).__name__
            )
        )
    else:
        records = data
    return inputs, records
