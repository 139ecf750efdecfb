"""A batch of records scored by columns, its per-subject results built when they are read.

:class:`ColumnBatch` takes records exactly as the per-record path reads them
(:mod:`perfscore.ingest`: column mapping, 万元, "95%", blanks, cell locations), scores them
with :class:`~perfscore.columnar.ColumnarScorer` and answers from the columns what only needs
scores — totals, grades, outcome codes, the exit status's counts, the run summary's counters.
A subject's full :class:`~perfscore.findings.SubjectResult` (findings, messages, explanations,
notifications) is the per-record evaluator's own result for the same record and index, built
the first time anything beyond subject/total/grade is read (:class:`LazyResult`): so every
output written from these results is byte-for-byte the per-record one.

A row's result is *settled* by the columns when the columns scored it (no per-record
fallback), nothing in it is an ``error``, and no indicator passed or failed because of a
failure (one that can fail with 0 points through a ``zero`` policy did not, one whose
missing-data policy is ``full`` is not at full marks, none scored on part of its data — a
checklist with blank items): its coverage then depends only on which
indicators did not apply, and the run summary counts it from the columns (one per-record
result per such pattern gives the coverage); every other row is summarised from its
per-record result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .compile import Compiled
from .findings import Notification, SubjectResult
from .subjects import RESERVED, RejectedRecord, Subject, read_subject
from .summary import RunSummary

if TYPE_CHECKING:
    from .columnar import ColumnarResult, ColumnarScorer
    from .ruleset import RuleSet

__all__ = [
    "ENV",
    "META",
    "ColumnBatch",
    "LazyResult",
    "evaluate_frame",
    "plain_records",
    "record_columns",
]

#: ``PERFSCORE_COLUMNAR=0`` forces the per-record path (``perfscore score --no-columnar``)
ENV = "PERFSCORE_COLUMNAR"

#: what a record may hold besides its values and still be scored by columns (``declared``
#: scores, for one, are checked per record)
META = frozenset({"id", "name", "type", "key", "year", "period", "parent", "values", "cells"})
_FAIL, _NA, _ERROR = 1, 2, 3  # perfscore.columnar.OUTCOMES: pass fail not_applicable error


def plain_records(records: Sequence[Any], inputs: Collection[str] = ()) -> bool:
    """Every record one the columns read as the per-record path reads it: a mapping, not
    rejected by its file, declaring no scores of its own; its values under ``values`` (any other
    key — ``source``, a note — is not read there either) or flat: besides :data:`META`, only
    ``inputs``' names (a JSON/YAML subject as written; another key is said per record)."""
    flat = META | set(inputs)
    return all(
        isinstance(r, Mapping)
        and not isinstance(r, RejectedRecord)
        and "declared" not in r
        and ("values" in r or set(r) <= flat)
        for r in records
    )


def _values(rec: Mapping[str, Any]) -> Mapping[str, Any]:
    """A record's values as :func:`~perfscore.subjects.read_subject` reads them: ``values``,
    or a flat record less its reserved keys (``year`` there is the subject's, never an
    input's)."""
    if "values" in rec:
        values = rec.get("values")
        return values if isinstance(values, Mapping) else {}
    if RESERVED.isdisjoint(rec):
        return rec
    return {k: v for k, v in rec.items() if k not in RESERVED}


class ColumnBatch:
    """Records (``index``: each one's position in its file, as the per-record path counts it)
    scored by columns."""

    def __init__(
        self, rs: RuleSet, scorer: ColumnarScorer, records: Sequence[Any], index: Sequence[int]
    ) -> None:
        self.rs = rs
        self.records = records
        self.index = index
        columns, subjects = record_columns(rs, scorer, records, index)
        self.subjects: Sequence[Subject] = subjects
        self.result: ColumnarResult = scorer.score(columns)
        self._settled: Any = None
        self._errors: Any = None

    @classmethod
    def of_columns(
        cls,
        rs: RuleSet,
        scorer: ColumnarScorer,
        columns: Mapping[str, Any],
        subjects: Sequence[Subject],
        records: Sequence[Any],
        index: Sequence[int],
    ) -> ColumnBatch:
        """A batch from columns as :meth:`__init__` builds them from ``records`` (which are
        read only for the rows scored per record: :mod:`perfscore.ingest.arrowcols`)."""
        self = cls.__new__(cls)
        self.rs, self.records, self.index, self.subjects = rs, records, index, subjects
        self.result = scorer.score(columns)
        self._settled = self._errors = None
        return self

    def __len__(self) -> int:
        return len(self.records)

    # -- results -------------------------------------------------------------------------------
    def evaluate(self, i: int) -> SubjectResult:
        """Row ``i`` scored by the per-record evaluator: the result the per-record path gives."""
        return self.rs.evaluate_subject(self.records[i], index=self.index[i])

    def results(self) -> Iterator[SubjectResult]:
        """Every row's full result, in order, each built as it is asked for (nothing kept)."""
        for i in range(len(self.records)):
            yield self.evaluate(i)

    def lazy(self) -> list[LazyResult]:
        """Every row as a :class:`LazyResult`."""
        totals = self.result.totals_decimal()
        grades = self.result.grades()
        top = self.rs.max_total
        return [
            LazyResult.of(self, i, s, t, top, g)
            for i, (s, t, g) in enumerate(zip(self.subjects, totals, grades, strict=True))
        ]

    # -- what the columns answer ----------------------------------------------------------------
    def errors(self) -> Any:
        """Rows with an ``error`` finding (an indicator or check that could not be evaluated)."""
        import numpy as np

        if self._errors is None:
            res = self.result
            bad = np.zeros(len(self), bool)
            for codes in (*res.outcome.values(), *res.checks.values()):
                bad |= codes == _ERROR
            self._errors = bad
        return self._errors

    def failed(self, severities: Mapping[str, int]) -> dict[str, int]:
        """Failed findings by severity, and ``error`` findings counted as ``error``: what the
        exit status reads (indicators and checks — the rules that give findings)."""
        res = self.result
        out = dict.fromkeys(severities, 0)
        errors = 0
        for rule in self.rs.rules:
            if rule.kind == "group":
                continue
            codes = res.checks[rule.id] if rule.kind == "check" else res.outcome[rule.id]
            errors += int((codes == _ERROR).sum())
            if rule.default_severity in out:
                out[rule.default_severity] += int((codes == _FAIL).sum())
        out["error"] = out.get("error", 0) + errors
        return out

    def without_total(self) -> list[str]:
        if self.rs.max_total <= 0:
            return []
        from .ingest.lazysubjects import subject_ids

        has = self.result.has_total.tolist()
        return [s for s, ok in zip(subject_ids(self.subjects), has, strict=True) if not ok]

    def settled(self) -> Any:
        """Rows whose result the columns give whole (see the module's docstring)."""
        import numpy as np

        if self._settled is not None:
            return self._settled
        res = self.result
        c = self.rs.compiled
        ok = ~np.asarray(res.fallback, bool)
        if res.covered_in_part is not None:  # (a checklist with blank items: its coverage)
            ok &= ~res.covered_in_part
        for codes in (*res.outcome.values(), *res.checks.values()):
            ok &= codes != _ERROR
        zero = _zero_prone(c)
        for node in c.leaves():
            codes, points = res.outcome[node.id], res.points[node.id]
            if node.id in zero:  # failed with 0 points: a blank or a zero may be why
                ok &= ~((codes == _FAIL) & (points == 0))
            if node.missing == "full" and node.weight is not None:
                ok &= ~(points == int(node.weight.scaleb(res.places)))
        labels = {b.id: b.label for b in c.grade_bands}
        for o in c.overrides:  # a grade an override can give with another label: per record
            if o.grade not in labels or o.label != labels[o.grade]:
                ok &= res.grade != res.grade_ids.index(o.grade)
        self._settled = ok
        return ok

    def summarise(
        self, summary: RunSummary, results: Sequence[SubjectResult] | None = None
    ) -> None:
        """Add every row to ``summary`` as :meth:`RunSummary.add` would: settled rows from the
        columns, the others from their per-record results (``results``', when given)."""
        self.summarise_settled(summary)
        for i in (~self.settled()).nonzero()[0].tolist():
            summary.add(results[i] if results is not None else self.evaluate(i))

    def summarise_settled(self, summary: RunSummary) -> None:
        """Add the settled rows to ``summary`` (the caller adds the others' results).  A
        settled row's coverage depends only on which indicators did not apply: it is read from
        the per-record result of one row of each such pattern."""
        import numpy as np

        res = self.result
        settled = self.settled()
        rows = settled.nonzero()[0]
        if not len(rows):
            return
        labels = {b.id: b.label for b in self.rs.compiled.grade_bands}
        grades: Counter[str] = Counter()
        for code, n in zip(*_unique(res.grade[rows]), strict=True):
            if code >= 0:
                gid = res.grade_ids[code]
                grades[labels.get(gid) or gid] += n
        failed: Counter[str] = Counter()
        for rule in self.rs.rules:
            if rule.kind == "indicator":
                n = int((res.outcome[rule.id][rows] == _FAIL).sum())
                if n:
                    failed[rule.id] = n
        leaves = [n.id for n in self.rs.compiled.leaves()]
        first, counts = [0], [len(rows)]
        if leaves:
            na = np.stack([res.outcome[rid][rows] == _NA for rid in leaves], axis=1)
            _, at, many = np.unique(
                np.packbits(na, axis=1), axis=0, return_index=True, return_counts=True
            )
            first, counts = at.tolist(), many.tolist()
        coverage: Counter[Decimal] = Counter()
        for k, n in zip(first, counts, strict=True):
            coverage[self.evaluate(int(rows[k])).coverage] += n
        summary.add_counts(grades=grades, failed=failed, coverage=coverage)


def record_columns(
    rs: RuleSet, scorer: ColumnarScorer, records: Sequence[Any], index: Sequence[int]
) -> tuple[dict[str, Any], list[Subject]]:
    """The columns the scorer is given for ``records`` (one per input: float64 where every
    cell is a number a float holds exactly, else objects) and each record's subject."""
    import numpy as np

    subject_type = rs.compiled.model.subject_type
    cells: dict[str, list[Any]] = {n: [] for n in scorer.inputs}
    subjects: list[Subject] = []
    for i, rec in zip(index, records, strict=True):
        values = _values(rec)
        for n, column in cells.items():
            column.append(values.get(n))
        meta = {k: v for k, v in rec.items() if k not in ("values", "cells")}
        meta["values"] = {}  # the subject only: its values are read per record, if ever
        subjects.append(read_subject(meta, {}, index=i, subject_type=subject_type).subject)
    numeric = {n: scorer.inputs[n].kind == "number" for n in cells}
    return {n: _column(np, column, numeric[n]) for n, column in cells.items()}, subjects


def _zero_prone(c: Compiled) -> set[str]:
    """Leaves a failure can fail with 0 points (a ``zero`` missing-data or zero-division
    policy: their own, or that of a metric they read, however indirectly)."""
    deps = {mt.name: set(mt.expr.names) for mt in c.metrics}
    zero = {mt.name for mt in c.metrics if mt.zero_division == "zero"}
    out = set()
    for node in c.leaves():
        seen: set[str] = set()
        todo = [*node.reads, *node.optional_reads]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(deps.get(name, ()))
        if node.missing == "zero" or node.zero_division == "zero" or seen & zero:
            out.add(node.id)
    return out


def _unique(codes: Any) -> tuple[list[int], list[int]]:
    import numpy as np

    values, counts = np.unique(codes, return_counts=True)
    return values.tolist(), counts.tolist()


def _column(np: Any, cells: list[Any], numeric: bool) -> Any:
    """A column for the scorer: float64 (NaN for a blank) when every cell is a number a float
    holds exactly; else the cells as objects — those that are not plain numbers (text, a
    refused cell, a Decimal a float cannot hold) send their rows to the per-record path."""
    if numeric:
        floats: list[float] = []
        for v in cells:
            if v is None:
                floats.append(float("nan"))
            elif type(v) is Decimal and v.is_finite() and Decimal(repr(f := float(v))) == v:
                floats.append(f)
            elif type(v) in (int, float) and v == v:
                floats.append(float(v))
                if type(v) is int and float(v) != v:
                    break
            else:
                break
        else:
            return np.array(floats, np.float64)
        out = np.empty(len(cells), object)
        for k, v in enumerate(cells):
            if type(v) is Decimal and v.is_finite() and Decimal(repr(f := float(v))) == v:
                v = f
            out[k] = v
        return out
    out = np.empty(len(cells), object)
    out[:] = cells
    return out


class LazyResult(SubjectResult):
    """A :class:`SubjectResult` whose subject, total and grade come from the columns; every
    other field is the per-record evaluator's, built the first time one of them is read.  It
    equals (``==``, ``hash``) the per-record result and pickles as a plain one."""

    @classmethod
    def of(
        cls,
        batch: ColumnBatch,
        i: int,
        subject: Subject,
        total: Decimal | None,
        top: Decimal,
        grade: str | None,
    ) -> LazyResult:
        r = object.__new__(cls)
        d = r.__dict__
        d["subject"], d["total"], d["max"], d["grade"] = subject, total, top, grade
        d["_row"] = (batch, i)
        return r

    def _build(self) -> None:
        d = self.__dict__
        row = d.pop("_row", None)
        if row is None:
            return
        batch, i = row
        full = batch.evaluate(i)
        for name in _LAZY:
            d.setdefault(name, getattr(full, name))

    @property
    def complete(self) -> bool:
        row = self.__dict__.get("_row")
        if row is None:
            return super().complete
        batch, i = row
        return not bool(batch.errors()[i])  # per-subject notifications are warnings only

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SubjectResult):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _FIELDS)

    __hash__ = SubjectResult.__hash__

    def __reduce__(self) -> tuple[Any, ...]:
        return (SubjectResult, tuple(getattr(self, f) for f in _FIELDS))


class _Field:
    """A field of :class:`LazyResult` read from the per-record result when first needed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        if self.name not in d:
            obj._build()
        return d[self.name]


_FIELDS = tuple(SubjectResult.__dataclass_fields__)
_LAZY = tuple(f for f in _FIELDS if f not in ("subject", "total", "max", "grade"))
for _name in _LAZY:
    setattr(LazyResult, _name, _Field(_name))
del _name


def evaluate_frame(
    rs: RuleSet, data: Any, notes: list[Notification], *, strict: bool = False
) -> list[LazyResult] | None:
    """``rs.evaluate(frame)`` by columns: every row as a :class:`LazyResult` (equal to the
    per-record result), the frame's notifications in ``notes``; None — ``notes`` as they were
    — when the frame goes record by record: numpy is not installed, ``PERFSCORE_COLUMNAR=0``,
    the rule set uses what the columns do not score, a record declares its own scores, or
    ``strict`` and a row has an error (the per-record path raises it)."""
    import importlib.util
    import os

    if os.environ.get(ENV, "") == "0" or importlib.util.find_spec("numpy") is None:
        return None
    from .columnar import ColumnarScorer
    from .ingest import open_frame, read_sources

    scorer = ColumnarScorer(rs)
    if not scorer.supported:
        return None
    before = len(notes)
    records = list(read_sources(rs, [open_frame(data)], notes))
    if plain_records(records):
        batch = ColumnBatch(rs, scorer, records, range(len(records)))
        if not (strict and batch.errors().any()):
            return batch.lazy()
    del notes[before:]
    return None
