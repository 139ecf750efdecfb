"""The Parquet findings file of a columnar run written as its rows are scored: each row group
encoded as soon as it is full, not spooled to disk first and read back.

The file is :func:`~perfscore.export.parquet.write_table`'s, byte for byte, as
:class:`~perfscore.export.parquet_stream.FindingsSpool` writes it.  Two things in it are
decided by the whole run — the grade dictionary (the grades that occur anywhere, sorted, in
every row group) and the points' decimal places (0 when no row has points) — so the row
groups are written with a guess: every grade the rule set can give, and its places (0 for a
rule set without points).  A run of one row group is written straight with what it holds.
A longer run that proves the guess wrong (a grade that never occurred; no points at all) has
its row groups read back from the temporary file and written again with the right dictionary
and places.  The spool wrote 15 bytes a row to temporary files and read them back (a
1,000,000-department run with 50 rules: 750 MB each way); this writes the file's bytes once
(about 1.2 bytes a row) and, when the guess holds, copies them.  What it holds in memory is one
row group's codes and points (about 11 MB at most); the subject ids wait on disk.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ..findings import RuleInfo
from . import parquet
from .parquet import (
    TOTAL,
    Dictionaries,
    _codes,
    _decimal_array,
    _metadata,
    _schema,
    columnar_rows,
    row_group,
    writer,
)
from .parquet_stream import IdFile

__all__ = ["FindingsWriter"]

_Writer = TypeVar("_Writer", bound="FindingsWriter")


class FindingsWriter:
    """Columnar results in, the findings file out (:meth:`write`); use as a context manager
    (its temporary file is deleted on leaving it).  ``ruleset`` and ``inputs`` are the file's
    metadata, as :meth:`FindingsSpool.write <perfscore.export.parquet_stream.FindingsSpool.write>`
    takes them."""

    def __init__(
        self,
        rules: Sequence[RuleInfo],
        *,
        ruleset: Mapping[str, Any],
        inputs: Sequence[Mapping[str, Any]] = (),
        dir: str | None = None,
    ) -> None:
        import numpy as np

        self.rules = list(rules)
        self.rule_ids = [r.id for r in self.rules] + [TOTAL]
        self._meta = _metadata(self.rules, ruleset, inputs)
        self._tmp = tempfile.TemporaryDirectory(prefix="perfscore-parquet-", dir=dir)
        self._idfile = IdFile(self._tmp.name)  # the subjects' ids, until their rows are written
        self._out: Any = None  # the temporary file's writer, once a row group is full
        self._size = parquet.ROW_GROUP
        #: one row group's rows: outcome codes, scaled points, has points, grade codes
        #: (into :attr:`_names`, −1 none)
        self._rows = [np.empty(self._size, t) for t in ("int8", "int64", "bool", "int8")]
        self._fill = 0  # rows in them
        self._pending: list[tuple[Any, ...]] = []  # rows added that did not fit in them
        self._done = 0  # rows written
        self.subjects = 0
        self._names: dict[str, int] = {}  # grades met, in the order first met
        self._possible: set[str] = set()  # every grade the rule set can give
        self._points_rules = False  # the rule set has rules with points
        self.has_points = False  # any row with points
        self._places = 0  # the places of the scored rows
        #: what the written row groups were written with: grade dictionaries, places
        self._orders: set[tuple[str, ...]] = set()
        self._guess: int | None = None

    def __enter__(self: _Writer) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self._idfile.close()
        self._tmp.cleanup()

    # -- adding rows ---------------------------------------------------------------------------
    def add_columnar(self, result: Any, subjects: Sequence[str]) -> None:
        """A chunk's columnar result (:class:`perfscore.columnar.ColumnarResult`), its rows'
        subject ids in order: its rows are taken into the row group being filled; what does
        not fit waits for :meth:`flush`."""
        import numpy as np

        outcome, points, has, grade, names = columnar_rows(result, self.rules)
        if outcome.shape != (len(subjects), len(self.rule_ids)):
            raise ValueError(f"rows of {outcome.shape}, {len(subjects)} subjects")
        self._possible.update(result.grade_ids, result.letter_ids)
        self._points_rules = self._points_rules or bool(result.points)
        self._places = int(result.places)
        lookup = np.array(
            [self._names.setdefault(g, len(self._names)) for g in names] + [-1], np.int8
        )
        self.has_points = self.has_points or bool(has.any())
        self._idfile.add(subjects)
        self.subjects += len(subjects)
        self._pending.append((outcome.ravel(), points.ravel(), has.ravel(), lookup[grade.ravel()]))
        self._take()

    def _take(self, flush: bool = False) -> None:
        """The waiting rows into the row group being filled, as far as they fit; with
        ``flush``, each row group written once it is full and every row taken."""
        while self._pending:
            flat = self._pending[0]
            total = len(flat[0])
            take = min(total, self._size - self._fill)
            for buf, rows in zip(self._rows, flat, strict=True):
                buf[self._fill : self._fill + take] = rows[:take]
            self._fill += take
            if take < total:
                self._pending[0] = tuple(rows[take:] for rows in flat)
            else:
                del self._pending[0]
            if self._fill == self._size:
                if not flush:
                    return
                self._flush(self._temporary())

    def flush(self) -> None:
        """Write the row groups the rows added fill (a caller that drops what it scored
        first holds less while the row group is encoded)."""
        self._take(flush=True)

    def _temporary(self) -> Any:
        """The temporary file's writer, opened with the guessed places (the guessed grade
        dictionary is each row group's: :meth:`_flush`)."""
        if self._out is None:
            import pyarrow as pa

            self._guess = self._places if self.has_points or self._points_rules else 0
            schema = _schema(pa, self._guess, self._meta)
            self._out = writer(os.path.join(self._tmp.name, "findings.parquet"), schema)
        return self._out

    def _flush(
        self, out: Any, order: Sequence[str] | None = None, places: int | None = None
    ) -> None:
        """The rows held as one row group to ``out`` (grade dictionary ``order``: by default
        every grade met or possible, sorted)."""
        import numpy as np
        import pyarrow as pa

        if order is None:
            order = sorted(self._possible | set(self._names))
        self._orders.add(tuple(order))
        places = self._guess if places is None else places
        assert places is not None
        r = len(self.rule_ids)
        rows, at = self._fill, self._done % r
        last = -(-(at + rows) // r)
        self._idfile.flush()
        first = self._done // r
        ids = self._idfile.read(first, first + last)
        outcome, points, has, grade = (b[:rows] for b in self._rows)
        remap = _remap(np, self._names, order)
        arrays = row_group(
            pa,
            np,
            Dictionaries.of(pa, self.rule_ids, order),
            ids,
            at,
            outcome,
            points,
            has,
            remap[grade],
            places=places,
        )
        out.write_table(pa.Table.from_arrays(arrays, schema=out.schema), self._size)
        self._done += rows
        self._fill = 0

    # -- writing -------------------------------------------------------------------------------
    def grades(self) -> list[str]:
        """The grade dictionary: every grade that occurs, sorted."""
        return sorted(self._names)

    def write(self, where: Any, *, places: int) -> None:
        """Write the Parquet file (a path or a binary file object): ``places`` are the
        points' decimal places (as the rows were scaled; 0 is written when no row has
        points, as :func:`~perfscore.export.parquet.columnar_table` decides)."""
        import pyarrow as pa

        places = places if self.has_points else 0
        order = self.grades()
        self._take()
        if self._out is None and not self._pending:  # one row group at most: written as it is
            with writer(where, _schema(pa, places, self._meta)) as out:
                self._guess = places
                self._flush(out, order, places)
            return
        self.flush()
        if self._fill:
            self._flush(self._temporary())
        self._out.close()
        self._out = None
        path = os.path.join(self._tmp.name, "findings.parquet")
        if self._orders == {tuple(order)} and self._guess == places:
            _copy(path, where)
        else:
            _rewrite(path, where, _schema(pa, places, self._meta), order, places)


def _remap(np: Any, names: Mapping[str, int], order: Sequence[str]) -> Any:
    """Codes into ``names`` (−1 none: the last entry) as codes into ``order``."""
    at = {g: k for k, g in enumerate(order)}
    remap = np.full(len(names) + 1, -1, np.int8)
    for g, i in names.items():
        remap[i] = at[g]
    return remap


def _copy(path: str, where: Any) -> None:
    if isinstance(where, (str, os.PathLike)):
        shutil.copyfile(path, where)
        return
    with open(path, "rb") as src:
        shutil.copyfileobj(src, where, 1 << 20)


def _rewrite(path: str, where: Any, schema: Any, order: Sequence[str], places: int) -> None:
    """The row groups of the file at ``path`` written again to ``where`` with the grade
    dictionary ``order`` and the points at ``places`` (the same integers, read at the right
    places: there are none when they differ, or the run's places changed)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    at = {g: k for k, g in enumerate(order)}
    grades = pa.array(list(order), pa.string())
    source = pq.ParquetFile(path)
    with writer(where, schema) as out:
        for i in range(source.num_row_groups):
            group = source.read_row_group(i)
            subject, rule, outcome, points, grade = (c.combine_chunks() for c in group.columns)
            named = np.array([at.get(g, -1) for g in grade.dictionary.to_pylist()] + [-1], np.int32)
            codes = grade.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
            scaled, valid = _scaled(np, points)
            arrays = [
                subject,
                rule,
                outcome,
                _decimal_array(pa, np, scaled, valid, places),
                _codes(pa, np, named[codes], grades, np.int8),
            ]
            out.write_table(pa.Table.from_arrays(arrays, schema=schema), parquet.ROW_GROUP)


def _scaled(np: Any, points: Any) -> tuple[Any, Any]:
    """A decimal array's integers (as stored: scaled) and where it has a value."""
    n = len(points)
    valid = np.asarray(points.is_valid().to_numpy(zero_copy_only=False), bool)
    data = points.buffers()[1]
    if data is None or n == 0:
        return np.zeros(n, np.int64), valid
    step = points.type.bit_width // 64
    words = np.frombuffer(data, np.int64, (points.offset + n) * step)
    return words[points.offset * step :: step].copy(), valid
