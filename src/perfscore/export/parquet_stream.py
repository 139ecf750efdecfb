"""The Parquet findings file of a run of any length, in memory that does not grow with it.

The file is :func:`~perfscore.export.parquet.write_table`'s, byte for byte, however the rows
arrive: row groups of :data:`~perfscore.export.parquet.ROW_GROUP` rows, each with the
dictionary of its own subjects.  Two things in it are decided by the whole run — the grade
dictionary (the grades that occur anywhere, sorted, written into every row group) and the
points' decimal places (0 when no row has points) — so the rows are kept on disk, not in
memory, until the run is scored: :class:`FindingsSpool` appends each chunk's codes and scaled
points to temporary files (15 bytes a row, and each subject id's UTF-8 bytes), then writes
the file one row group at a time from them.  What it holds in memory is one row group's
arrays (about 20 MB at most) and the grade names.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any, TypeVar

from ..findings import RuleInfo, SubjectResult
from . import parquet
from .parquet import (
    TOTAL,
    Dictionaries,
    PlacesOf,
    _metadata,
    _schema,
    clean_ids,
    columnar_rows,
    result_rows,
    row_group,
    writer,
)

__all__ = ["FindingsSpool", "IdFile", "ResultsSpool"]

_Spool = TypeVar("_Spool", bound="FindingsSpool")

#: the spooled columns: name, numpy dtype (one value a row; ``ends``: one a subject)
_FILES = (("outcome", "int8"), ("points", "int64"), ("has", "bool"), ("grade", "int32"))


class FindingsSpool:
    """Findings rows in temporary files until :meth:`write`; use as a context manager (the
    files are deleted on leaving it)."""

    def __init__(self, rules: Sequence[RuleInfo], dir: str | None = None) -> None:
        self.rules = list(rules)
        self.rule_ids = [r.id for r in self.rules] + [TOTAL]
        self._tmp = tempfile.TemporaryDirectory(prefix="perfscore-parquet-", dir=dir)
        self._files: dict[str, IO[bytes]] = {
            name: open(os.path.join(self._tmp.name, name), "w+b")  # noqa: SIM115
            for name, _ in _FILES
        }
        self._idfile = IdFile(self._tmp.name)
        self.subjects = 0
        self._names: dict[str, int] = {}  # grade names, in the order first met
        self._present: set[int] = set()
        self.has_points = False  # any row with points
        #: points that do not fit 18 digits, by row (absurd weights): the file then writes
        #: every point as exact decimal text, as the whole table does
        self.wide: dict[int, Decimal] = {}

    def __enter__(self: _Spool) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._idfile.close()
        self._tmp.cleanup()

    # -- adding rows ---------------------------------------------------------------------------
    def add_columnar(self, result: Any, subjects: Sequence[str]) -> None:
        """A chunk's columnar result (:class:`perfscore.columnar.ColumnarResult`), its rows'
        subject ids in order."""
        outcome, points, has, grade, names = columnar_rows(result, self.rules)
        self.add(subjects, outcome, points, has, grade, names)

    def add(
        self,
        subjects: Sequence[str],
        outcome: Any,
        points: Any,
        has: Any,
        grade: Any,
        names: Sequence[str],
        wide: Mapping[tuple[int, int], Decimal] | None = None,
    ) -> None:
        """``(len(subjects), len(rule_ids))`` matrices as :func:`columnar_rows` gives them
        (``grade``: codes into ``names``, −1 none; ``wide``: as :func:`result_rows`)."""
        import numpy as np

        r = len(self.rule_ids)
        for (s, j), x in (wide or {}).items():
            self.wide[(self.subjects + s) * r + j] = x

        if outcome.shape != (len(subjects), len(self.rule_ids)):
            raise ValueError(f"rows of {outcome.shape}, {len(subjects)} subjects")
        lookup = np.array([self._names.setdefault(g, len(self._names)) for g in names] + [-1])
        grade = lookup[np.asarray(grade, np.int64)].astype(np.int32)
        self._present.update(np.unique(grade[grade >= 0]).tolist())
        self.has_points = self.has_points or bool(np.asarray(has).any())
        for (name, dtype), arr in zip(_FILES, (outcome, points, has, grade), strict=True):
            self._files[name].write(np.ascontiguousarray(arr, dtype=dtype).tobytes())
        self._idfile.add(subjects)
        self.subjects += len(subjects)

    # -- writing -------------------------------------------------------------------------------
    def grades(self) -> list[str]:
        """The grade dictionary: every grade that occurs, sorted."""
        return sorted(g for g, i in self._names.items() if i in self._present)

    def write(
        self,
        where: Any,
        *,
        places: int,
        ruleset: Mapping[str, Any],
        inputs: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Write the Parquet file (a path or a binary file object): ``places`` are the
        points' decimal places (as the rows were scaled; 0 is written when no row has
        points, as :func:`~perfscore.export.parquet.columnar_table` decides)."""
        import numpy as np
        import pyarrow as pa

        for fh in self._files.values():
            fh.flush()
        self._idfile.flush()
        places = places if self.has_points else 0
        order = self.grades()
        remap = np.full(len(self._names) + 1, -1, np.int32)
        for k, g in enumerate(order):
            remap[self._names[g]] = k
        values = Dictionaries.of(pa, self.rule_ids, order)
        meta = _metadata(self.rules, ruleset, inputs)
        schema = _schema(pa, places, meta, wide=bool(self.wide))
        r = len(self.rule_ids)
        total = self.subjects * r
        size = parquet.ROW_GROUP
        with writer(where, schema) as out:
            for lo in range(0, max(total, 1), size):
                hi = min(total, lo + size)
                first, last = lo // r, -(-hi // r)
                flat = [self._read(name, dtype, lo, hi) for name, dtype in _FILES]
                flat[3] = remap[flat[3]]
                arrays = row_group(
                    pa, np, values, self._idfile.read(first, last), lo % r, *flat, places=places
                )
                if self.wide:
                    arrays[3] = self._text(pa, lo, flat[1], flat[2], places)
                out.write_table(pa.Table.from_arrays(arrays, schema=schema), size)
                del flat, arrays  # before the next row group's are read

    def _read(self, name: str, dtype: str, lo: int, hi: int) -> Any:
        import numpy as np

        size = np.dtype(dtype).itemsize
        fh = self._files[name]
        fh.seek(lo * size)
        return np.frombuffer(fh.read((hi - lo) * size), dtype=dtype)

    def _text(self, pa: Any, lo: int, points: Any, has: Any, places: int) -> Any:
        """Rows ``lo`` on as exact decimal text (a run with :attr:`wide` points)."""
        out: list[str | None] = []
        for k, (v, ok) in enumerate(zip(points.tolist(), has.tolist(), strict=True)):
            x = self.wide.get(lo + k)
            if x is not None:
                out.append(f"{x:f}")
            elif ok:
                out.append(f"{Decimal(v).scaleb(-places):f}")
            else:
                out.append(None)
        return pa.array(out, pa.string())


class IdFile:
    """Subject ids in two files of the folder ``where``: their UTF-8 bytes one after the
    other, and each one's end offset (int64) — read back by position (:meth:`read`)."""

    def __init__(self, where: str) -> None:
        self._ids = open(os.path.join(where, "ids"), "w+b")  # noqa: SIM115
        self._ends = open(os.path.join(where, "ends"), "w+b")  # noqa: SIM115
        self._bytes = 0  # the ids' bytes so far

    def close(self) -> None:
        self._ids.close()
        self._ends.close()

    def flush(self) -> None:
        self._ids.flush()
        self._ends.flush()

    def add(self, subjects: Sequence[str]) -> None:
        """The ids' UTF-8 bytes appended to the ids file, their end offsets to the ends file.
        Arrow encodes them and its offsets are the ends (a Python ``encode`` and ``len`` per
        id cost ~2 µs of CPU an id)."""
        import numpy as np
        import pyarrow as pa

        ids = pa.array(clean_ids(subjects), pa.large_string())
        _, offsets, data = ids.buffers()
        at = np.frombuffer(offsets, np.int64, len(ids) + 1, ids.offset * 8)
        lo, hi = int(at[0]), int(at[-1])
        self._ids.seek(0, os.SEEK_END)
        if data is not None and hi > lo:
            self._ids.write(memoryview(data)[lo:hi])
        ends = at[1:] - lo + self._bytes
        self._ends.seek(0, os.SEEK_END)
        self._ends.write(ends.tobytes())
        self._bytes = int(ends[-1]) if len(ends) else self._bytes

    def read(self, first: int, last: int) -> Any:
        """Ids ``first`` to ``last`` (not included) as an Arrow string array."""
        import numpy as np
        import pyarrow as pa

        self._ends.seek(max(first - 1, 0) * 8)
        ends = np.frombuffer(self._ends.read((last - max(first - 1, 0)) * 8), np.int64)
        start = int(ends[0]) if first else 0
        ends = ends[1:] if first else ends
        self._ids.seek(start)
        data = self._ids.read((int(ends[-1]) if len(ends) else start) - start)
        offsets = np.concatenate([[0], ends - start]).astype(np.int32)
        return pa.Array.from_buffers(
            pa.string(), last - first, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        )


class ResultsSpool(FindingsSpool):
    """A :class:`FindingsSpool` fed per-record results (a run scored record by record): the
    rows :func:`~perfscore.export.parquet.report_table` builds, with the points' places read
    as it reads them — from the first 100 subjects with points; until then the results are
    held (those 100, and any without points between them), then written :attr:`BATCH` at a
    time."""

    BATCH = 128

    def __init__(self, rules: Sequence[RuleInfo], dir: str | None = None) -> None:
        super().__init__(rules, dir)
        self._places = PlacesOf()
        self._known = False
        self._held: list[SubjectResult] = []

    def add_results(self, results: Iterable[SubjectResult]) -> None:
        for res in results:
            self._held.append(res)
            if not self._known:
                self._known = self._places.add(res)
            if self._known and len(self._held) >= self.BATCH:
                self._flush()

    def _flush(self) -> None:
        held, self._held = self._held, []
        outcome, points, has, grade, names, wide = result_rows(
            held, self.rule_ids, self._places.places
        )
        self.add([r.subject.id for r in held], outcome, points, has, grade, names, wide)

    @property
    def places(self) -> int:
        return self._places.places

    def write(
        self,
        where: Any,
        *,
        places: int | None = None,
        ruleset: Mapping[str, Any],
        inputs: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """As :meth:`FindingsSpool.write`, at the places read from the results."""
        if self._held:
            self._flush()
        super().write(where, places=self.places, ruleset=ruleset, inputs=inputs)
