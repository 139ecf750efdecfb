"""A Parquet or CSV file read by columns for the columnar scorer (``perfscore score
data.parquet -o findings.parquet``, the same for ``data.csv``; issue #18): each column
converted at once into the column :func:`~perfscore.colbatch.record_columns` builds from the
file's records — the same values, the same float-or-object choice per cell
(:mod:`perfscore.ingest.arrowcells`) — without making a record per row.

Making a record of a row (:mod:`perfscore.ingest.source`) cost ~50 µs for 50 cells, most of
rev10's 100,000-row Parquet run.  What this shares with the record reader, so the two cannot
drift: the opening of the file and its header mapping (:meth:`DataSource.open_table`; a
CSV's rows as its reader gives them, after the title rows, each with its line number),
blanks, 合计 rows, metadata cells and ids, duplicate ids (:class:`SeenBatches`, the same row
numbers and words) and every cell the columns do not decide.  A row's record is still made
when something asks for it (:class:`TableRecords`: a summary's unsettled rows).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..findings import Notification
from ..subjects import Subject, read_subject
from ..words import NOTICE, said
from .arrowcells import blanks, input_cells, join, meta_cells, totals
from .columns import ColumnMap, Target, convert_cell
from .lazysubjects import Subjects
from .readers import Sheet, plain_value
from .seenfile import IdLog
from .seriescols import by_series, element_spec, series_value
from .source import UNREADABLE, DataSource, RowMaker, label_text
from .yearcols import YearColumns

if TYPE_CHECKING:
    from ..ruleset import RuleSet
    from ..subjects import InputSpec

__all__ = ["ROWS", "TEXT_ROWS", "TableChunk", "TableRecords", "read_chunks", "table_chunks"]

#: rows converted and scored at a time (the reader's batches of 8,192 rows gathered): rev10's
#: 1,000,000 rows to Parquet took 14.0 s CPU and peaked at 339 MB with 8,192, 12.6 s and
#: 373 MB with 16,384, 11.8 s and 463 MB with 32,768 (load 7.7)
ROWS = 1 << 14
#: a CSV file's rows converted and scored at a time.  Its cells arrive as Python strings (the
#: csv module's rows, then Arrow text columns): a chunk held ~1.5 kB a row on a three-column
#: rule set, so 16,384-row chunks made an 8,000-row file's run 12 MB lighter than an
#: 80,000-row one's (what held session 10's CSV reader back; the memory was flat from the
#: second chunk on).  rev10's 100,000-row GBK CSV (50 columns): 4.4 s CPU and 221 MB with
#: 2,048 rows, 4.8 s and 229 MB with 4,096, 5.4 s and 213 MB with 1,024, 7.3 s with 512
#: (record by record: 12.0 s, 202 MB; load 4.6)
TEXT_ROWS = 1 << 11


@dataclass
class TableChunk:
    """Rows of one table by columns: what :class:`~perfscore.colbatch.ColumnBatch` scores."""

    columns: dict[str, Any]  # input -> float64 (NaN: blank) or object column
    subjects: Subjects  # made when read; their ids at once
    records: TableRecords  # each row's record, made when asked for
    index: list[int]  # each row's place among the file's records
    declared: bool  # a row declares its own scores (the run then goes record by record)
    #: every subject's id is its row's id as the file's duplicate check read it and its key
    #: is its id: the file's duplicate-id notes then say all a run of this file alone would
    checked: bool = False


class TableRecords(Sequence[dict[str, Any]]):
    """The records of a chunk's rows, each made from its Arrow row when asked for (the
    record reader's, cell for cell)."""

    def __init__(self, maker: RowMaker, inputs: Mapping[str, InputSpec]) -> None:
        self.maker, self.inputs = maker, inputs
        self.parts: list[tuple[Any, Any, Any]] = []  # (batch, its kept rows, their numbers)
        self.starts: list[int] = []
        self.size = 0

    def add(self, batch: Any, rows: Any, numbers: Any) -> None:
        self.parts.append((batch, rows, numbers))
        self.starts.append(self.size)
        self.size += len(rows)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -self.size <= i < self.size:
            raise IndexError(i)
        i %= self.size
        part = bisect.bisect_right(self.starts, i) - 1
        batch, rows, numbers = self.parts[part]
        r = int(rows[i - self.starts[part]])
        cells = [plain_value(c[r].as_py()) for c in batch.columns]
        return self.maker.record(int(numbers[r]), cells, None, self.inputs)


def read_chunks(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notifications: list[Notification],
    inputs: Mapping[str, InputSpec],
    records: int = 512,
) -> Iterator[TableChunk | tuple[list[Any], list[int]]]:
    """:func:`~perfscore.ingest.read_sources` by chunks: a Parquet or CSV file's as
    :class:`TableChunk`, any other file's ``records`` records at a time, with their index in
    it."""
    for src in sources:
        count = 0
        try:
            for chunk in table_chunks(rs, src, inputs, records):
                if isinstance(chunk, TableChunk):
                    yield chunk
                else:
                    yield chunk, list(range(count, count + len(chunk)))
                    count += len(chunk)
        except UNREADABLE as exc:
            src.unreadable(exc)
        notifications.extend(src.notifications)


def table_chunks(
    rs: RuleSet, src: DataSource, inputs: Mapping[str, InputSpec], records: int = 512
) -> Iterator[TableChunk | list[Any]]:
    """``src``'s rows, :data:`ROWS` (CSV: :data:`TEXT_ROWS`) at a time: by columns
    (:class:`TableChunk`) when it is a Parquet or CSV/TSV file, else as records (lists of
    them, as :meth:`DataSource.records` gives them: JSON, YAML, JSON Lines, xlsx).
    ``src.notifications`` as the record reader leaves them; errors as it raises them (the
    rows before the error given first)."""
    src.notifications.clear()
    if src.kind != "table":
        yield from _lists(src.records(rs), records)
        return
    sheet, cmap = src.open_table(rs)
    if sheet.batches is not None:  # Parquet: Arrow's batches, rows numbered from 1
        batches: Iterator[tuple[Any, Any]] = _numbered(sheet.batches())
        limit = ROWS
    elif sheet.kind == "csv":  # the CSV reader's rows (after its header), as text columns
        batches = _text_batches(sheet.rows, len(sheet.headers), TEXT_ROWS)
        limit = TEXT_ROWS
    else:
        yield from _lists(src.table_records(sheet, cmap, rs), records)
        return
    reader = _Reader(rs, src, sheet, cmap, inputs)
    with reader.seen:
        try:
            yield from _chunks(reader, batches, limit)
        except GeneratorExit:  # the caller stopped reading: no notes wanted
            raise
        except Exception:
            reader.finish()  # the notes of the rows read before the error
            raise
        reader.finish()


def _chunks(reader: _Reader, batches: Iterator[tuple[Any, Any]], limit: int) -> Iterator[Any]:
    """The batches gathered into chunks of ``limit`` rows (the rows read before an error
    given before it is raised)."""
    pending: list[tuple[Any, Any]] = []
    size = 0
    while True:
        try:
            batch = next(batches, None)
        except Exception:
            if pending:
                yield reader.chunk(pending)
            raise
        if batch is not None and batch[0].num_rows:
            pending.append(batch)
            size += batch[0].num_rows
        if pending and (batch is None or size >= limit):
            yield reader.chunk(pending)
            pending, size = [], 0
        if batch is None:
            return


def _numbered(batches: Iterator[Any]) -> Iterator[tuple[Any, Any]]:
    """Arrow batches with their rows' numbers (a frame's rows are numbered from 1)."""
    start = 1
    for batch in batches:
        yield batch, np.arange(start, start + batch.num_rows)
        start += batch.num_rows


def _text_batches(rows: Iterator[Any], width: int, size: int) -> Iterator[tuple[Any, Any]]:
    """A text table's rows (number, cells, _) as Arrow batches of text columns, ``width``
    wide (a short row's missing cells None, as a record reads them); the rows read before
    an error are given before it is raised."""
    part: list[Any] = []
    while True:
        try:
            row = next(rows, None)
        except Exception:
            if part:
                yield _text_batch(part, width)
            raise
        if row is not None:
            part.append(row)
        if part and (row is None or len(part) >= size):
            yield _text_batch(part, width)
            part = []
        if row is None:
            return


def _text_batch(part: list[Any], width: int) -> tuple[Any, Any]:
    numbers = np.array([number for number, _, _ in part], np.int64)
    columns = list(itertools.zip_longest(*(cells for _, cells, _ in part)))
    columns += [(None,) * len(part)] * (width - len(columns))
    arrays = [pa.array(c, pa.string()) for c in columns[:width]]
    return pa.RecordBatch.from_arrays(arrays, names=[str(i) for i in range(width)]), numbers


def _lists(records: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for r in records:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Reader:
    """One Parquet source's rows made columns, batch by batch, as the record reader reads them."""

    def __init__(
        self,
        rs: RuleSet,
        src: DataSource,
        sheet: Sheet,
        cmap: ColumnMap,
        inputs: Mapping[str, InputSpec],
    ) -> None:
        self.src, self.sheet = src, sheet
        self.specs = rs.inputs
        self.inputs = inputs
        self.subject_type = rs.compiled.model.subject_type
        targets = [
            (i, t) for i, t in enumerate(cmap.targets) if t is not None and t.kind != "ignore"
        ]
        self.maker = RowMaker(sheet, targets)
        self.by_input: dict[str, tuple[int, Target]] = {}
        for i, t in targets:
            if t.kind == "input":
                self.by_input[t.name] = (i, t)  # the last column wins, as in a record
        self.by_series = by_series(targets)  # a series' year columns (ingest.seriescols)
        self.meta = [(i, t) for i, t in targets if t.kind not in ("input", "series")]
        names = {t.name for _, t in self.meta}
        self.simple = names <= {"id", "name"}
        self.keyless = "key" not in names
        self.checked = True  # see TableChunk.checked
        id_col = next((i for i, t in targets if t.name == "id"), None)
        name_col = next((i for i, t in targets if t.name == "name"), None)
        self.key_col = id_col if id_col is not None else (name_col or 0)
        self.seen = IdLog()  # every kept row's id, checked for duplicates at the end
        self.count = 0  # records so far (each one's index)
        #: 合计 rows' notes, by row: given with the duplicate ids' once the file is read
        self.pending: list[tuple[int, Notification]] = []

    def chunk(self, batches: list[tuple[Any, Any]]) -> TableChunk:
        parts: dict[str, list[Any]] = {n: [] for n in self.inputs}
        subjects = Subjects(self.subject_type)
        records = TableRecords(self.maker, self.specs)
        index: list[int] = []
        declared = False
        for batch, numbers in batches:
            keep = self._rows(batch, numbers)
            rows = np.flatnonzero(keep)
            if len(rows):
                declared = self._meta(batch, rows, numbers, subjects, index) or declared
            if not len(rows):
                continue
            records.add(batch, rows, numbers)
            for name, spec in self.inputs.items():
                parts[name].append(self._input(batch, rows, name, spec.kind == "number"))
        columns = {
            n: self._year_columns(n, p) if n in self.by_series else join(p, spec.kind == "number")
            for (n, p), spec in zip(parts.items(), self.inputs.values(), strict=True)
        }
        return TableChunk(columns, subjects, records, index, declared, self.checked)

    # -- rows: blanks and 合计 rows left out ------------------------------------------------
    def _rows(self, batch: Any, numbers: Any) -> Any:
        """Which rows are records; 合计 rows noted."""
        n = batch.num_rows
        self.src.rows_read += n
        # a column's cells are read only in the rows blank so far (a name column's cells,
        # each a distinct non-ASCII text, cost 1 us apiece: only where no id is given)
        rest = np.arange(n)  # rows whose cells so far are all blank
        total = np.zeros(n, bool)
        first = np.full(n, -1)
        for j in range(batch.num_columns):
            if not len(rest):
                break
            col = batch.column(j)
            if len(rest) < n:
                col = col.take(pa.array(rest))
            blank = blanks(col)
            if j < 3:  # the first non-blank of the first three cells decides
                here = ~blank
                first[rest[here]] = j
                if here.any():
                    total[rest[here]] = totals(col)[here]
            rest = rest[blank]
        empty = np.zeros(n, bool)
        empty[rest] = True
        for r in np.flatnonzero(total).tolist():
            self.src.skipped_rows += 1
            cell = plain_value(batch.column(int(first[r]))[r].as_py())
            ref = self.sheet.ref(int(numbers[r]), int(first[r]))
            label = repr(label_text(cell))
            words = said(NOTICE, "total_row", ref=ref, label=label)
            self.pending.append((int(numbers[r]), Notification("note", "total-row", words)))
        return ~(empty | total)

    def finish(self) -> None:
        """The file's 合计 rows and duplicate ids noted, in row order (as the record reader
        notes them), once its rows are read."""
        for number, earlier, sid in self.seen.duplicates():
            ref = self.sheet.ref(number, self.key_col)
            first = self.sheet.ref(earlier, self.key_col)
            words = said(NOTICE, "duplicate_row_id", ref=ref, id=repr(sid), first=first)
            self.pending.append((number, Notification("error", "duplicate-id", words, str(sid))))
        self.pending.sort(key=lambda x: x[0])
        self.src.notifications += [n for _, n in self.pending]
        self.pending.clear()

    # -- metadata: ids, subjects, duplicate ids ---------------------------------------------
    def _meta(
        self,
        batch: Any,
        rows: Any,
        numbers: Any,
        subjects: Subjects,
        index: list[int],
    ) -> bool:
        """Each kept row's subject (as ColumnBatch reads it from the record); True when a row
        declares scores.  Its id kept for the duplicate check (:meth:`finish`)."""
        take = None if len(rows) == batch.num_rows else pa.array(rows)
        declared = False
        columns: list[tuple[str, Any]] = []
        for i, t in self.meta:
            col = batch.column(i) if take is None else batch.column(i).take(take)
            if t.name.startswith("declared."):
                declared = declared or not bool(blanks(col).all())
            else:
                columns.append((t.name, col))
        nums = numbers[rows].tolist()
        if self.simple:  # None: a blank cell, which a record leaves out
            cells = [(name, meta_cells(col, year=False)) for name, col in columns]
        else:  # the ids alone (the rest read when a subject is): the name where no id
            cells = [(name, meta_cells(col, year=False)) for name, col in columns if name == "id"]
            if not cells or any(v is None for v in _later(cells)):
                cells += [(n, meta_cells(c, year=False)) for n, c in columns if n == "name"]
        sids, names = self._ids(cells, nums)
        self.seen.add(sids, nums)
        if self.simple:
            if not subjects.add_simple(sids, names, self.count):
                self.checked = False
        else:
            make = _SubjectMaker(columns, nums, self.count, self.subject_type)
            # a subject's key is its id unless the file gives keys: its ids were then checked
            self.checked = self.checked and self.keyless
            if not subjects.add_lazy(sids, make):  # an id that is not plain text
                self.checked = False
                subjects.add_made([make(k) for k in range(len(sids))])
        index += range(self.count, self.count + len(sids))
        self.count += len(sids)
        return declared

    def _ids(self, cells: list[tuple[str, list[Any]]], nums: list[int]) -> tuple[Any, Any]:
        """Rows' ids and names when the file says nothing else of its subjects: an id, else
        the name, else ``row-N`` (as a record's id is made)."""
        got: dict[str, list[Any]] = {}
        for name, values in cells:  # a later non-blank cell wins, as in a record
            were = got.get(name)
            got[name] = (
                values
                if were is None
                else [w if v is None else v for v, w in zip(values, were, strict=True)]
            )
        ids, names = got.get("id"), got.get("name")
        if names is None:
            names = [None] * len(nums)
        if ids is None:
            ids = [None] * len(nums)
        sids = [
            sid if sid is not None else (name or f"row-{n}")
            for sid, name, n in zip(ids, names, nums, strict=True)
        ]
        return sids, names

    # -- inputs -----------------------------------------------------------------------------
    def _input(self, batch: Any, rows: Any, name: str, numeric: bool) -> Any:
        """The kept rows' cells of input ``name`` as ColumnBatch's column holds them."""
        years = self.by_series.get(name)
        if years is not None:
            return self._series(batch, rows, name, years)
        found = self.by_input.get(name)
        if found is None:  # not in the file: blank in every row
            return np.full(len(rows), np.nan) if numeric else np.full(len(rows), None, object)
        col_no, target = found
        col = batch.column(col_no)
        if len(rows) < batch.num_rows:
            col = col.take(pa.array(rows))
        return input_cells(col, target, self.specs[name], numeric)

    def _series(self, batch: Any, rows: Any, name: str, years: list[tuple[int, Target]]) -> Any:
        """A series input's year columns in the kept rows: per column its Arrow cells and
        their values as a numeric column's are converted (:func:`input_cells`)."""
        take = None if len(rows) == batch.num_rows else pa.array(rows)
        spec = element_spec(self.specs[name])
        raw, values = [], []
        for col_no, t in years:
            col = batch.column(col_no) if take is None else batch.column(col_no).take(take)
            raw.append(col)
            values.append(input_cells(col, t, spec, True))
        return raw, values

    def _year_columns(self, name: str, parts: list[Any]) -> Any:
        """A chunk's parts of a series given one column a year, as one :class:`YearColumns`:
        its rows' ``{year: value}`` (or None, or the cell's problem) made from the raw cells
        as the record reader makes them only for the rows that ask (module doc of
        :mod:`perfscore.ingest.yearcols`)."""
        years = self.by_series[name]
        spec = element_spec(self.specs[name])
        if not parts:
            raws: list[Any] = [pa.chunked_array([], pa.null()) for _ in years]
            values = [np.empty(0, np.float64) for _ in years]
        else:
            raws = [pa.chunked_array([p[0][j] for p in parts]) for j in range(len(years))]
            values = [join([p[1][j] for p in parts], True) for j in range(len(years))]
        targets = [t for _, t in years]

        def exact(rows: Any) -> list[Any]:
            at = pa.array(rows)
            columns: list[tuple[int, list[Any]]] = []
            for raw, t in zip(raws, targets, strict=True):
                cells = [convert_cell(t, spec, plain_value(v)) for v in raw.take(at).to_pylist()]
                assert t.year is not None  # a series target has its year
                columns.append((t.year, cells))
            return [
                series_value([(year, cells[r]) for year, cells in columns])
                for r in range(len(rows))
            ]

        return YearColumns([t.year for t in targets if t.year is not None], values, exact)


def _later(cells: list[tuple[str, list[Any]]]) -> list[Any]:
    """Several columns' cells merged as a record's keys are: a later non-blank cell wins."""
    out = list(cells[0][1])
    for _, values in cells[1:]:
        out = [w if v is None else v for v, w in zip(values, out, strict=True)]
    return out


class _SubjectMaker:
    """The subject of a row that says more of it than an id and a name (主管部门, 年度, a key
    or a type), made as the record reader's record makes it — when it is read."""

    def __init__(
        self, columns: list[tuple[str, Any]], numbers: list[int], start: int, kind: str
    ) -> None:
        self.columns, self.numbers, self.start, self.kind = columns, numbers, start, kind

    def __call__(self, k: int) -> Subject:
        record: dict[str, Any] = {}
        for name, col in self.columns:  # in column order: a later cell wins, as in a record
            v = meta_cells(col.slice(k, 1), year=name == "year")[0]
            if v is not None:
                record[name] = v
        if record.get("id") is None:
            record["id"] = record.get("name") or f"row-{self.numbers[k]}"
        record["values"] = {}
        return read_subject(record, {}, index=self.start + k, subject_type=self.kind).subject
