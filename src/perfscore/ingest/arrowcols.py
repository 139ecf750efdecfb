"""A Parquet file read by columns for the columnar scorer (``perfscore score data.parquet -o
findings.parquet``, issue #18): each Arrow column converted at once into the column
:class:`~perfscore.colbatch.ColumnBatch` would build from the file's records — the same
values, the same float-or-object choice per cell — without making a record per row.

Reading a row as a record (:mod:`perfscore.ingest.source`) costs ~50 µs for 50 cells; this
reads the same rows in a few µs.  What it shares with the record reader, so the two cannot
drift: the header mapping (:meth:`DataSource.open_table`), blanks (:func:`is_blank`), 合计
rows (:func:`is_total_label`), metadata cells (:func:`meta_text`), duplicate ids
(:class:`FirstSeen`, the same row numbers and words), and every cell the columns do not
decide — text, a refused or non-finite number, 0.1 + 0.2, a value past 2**51 — which goes
through :func:`convert_cell` one by one, as in a record.  Text cells are converted once per
distinct value (Arrow's dictionary).  A row's record is still made when something asks for
it (:class:`TableRecords`: a summary's unsettled rows).

A number ``x`` (float64) is decided by columns when, for some ``p``, ``m = round(x·10**p)``
has ``|m| < 2**51`` and ``m / 10**p == x`` in float64: then ``Decimal(repr(x))`` is exactly
``m·10**-p`` (no other decimal with ``p`` places rounds to ``x``, their spacing being wider
than ``x``'s ulp), so the cell's value in the input's unit is ``m·10**(k-p)`` (header unit
``10**k``) and its float64 — computed by one correctly rounded multiplication or division —
is the one ``ColumnBatch`` stores (its text reads back as the same decimal).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import Notification
from ..subjects import Subject, read_subject
from ..textsafe import clean
from ..words import NOTICE, said
from .columns import ColumnMap, Target, convert_cell, is_blank
from .readers import Sheet, plain_value
from .seen import FirstSeen
from .source import UNREADABLE, DataSource, RowMaker, is_total_label, label_text, meta_text

if TYPE_CHECKING:
    from ..ruleset import RuleSet
    from ..subjects import InputSpec

__all__ = ["ROWS", "TableChunk", "TableRecords", "read_chunks", "table_chunks"]

#: rows converted and scored at a time (Arrow batches of the reader's 8,192 rows gathered)
ROWS = 1 << 15
_NUMERIC = ("number", "money", "percent", "integer")
_LIMIT = float(1 << 51)  # |m| below this: one decimal with p places per float (module doc)
_TRIES = (2, 0, 6, 10, 15)  # decimal places tried, the likeliest first


@dataclass
class TableChunk:
    """Rows of one table by columns: what :class:`~perfscore.colbatch.ColumnBatch` scores."""

    columns: dict[str, Any]  # input -> float64 (NaN: blank) or object column
    subjects: list[Subject]
    records: TableRecords  # each row's record, made when asked for
    index: list[int]  # each row's place among the file's records
    declared: bool  # a row declares its own scores (the run then goes record by record)


class TableRecords(Sequence[dict[str, Any]]):
    """The records of a chunk's rows, each made from its Arrow row when asked for."""

    def __init__(
        self, maker: RowMaker, inputs: Mapping[str, InputSpec], where: list[tuple[Any, int, int]]
    ) -> None:
        self.maker, self.inputs, self.where = maker, inputs, where  # (batch, row, number)

    def __len__(self) -> int:
        return len(self.where)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        batch, r, number = self.where[i]
        cells = [plain_value(c[r].as_py()) for c in batch.columns]
        return self.maker.record(number, cells, None, self.inputs)


def read_chunks(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notifications: list[Notification],
    inputs: Mapping[str, InputSpec],
    records: int = 512,
) -> Iterator[TableChunk | tuple[list[Any], list[int]]]:
    """:func:`~perfscore.ingest.read_sources` by chunks: a Parquet file's as
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
    """``src``'s rows, :data:`ROWS` at a time: by columns (:class:`TableChunk`) when it is a
    Parquet file, else as records (lists of them, as :meth:`DataSource.records` gives them).
    ``src.notifications`` as the record reader leaves them; errors as it raises them (the
    rows before the error given first)."""
    src.notifications.clear()
    if src.kind != "table":
        yield from _lists(src.records(rs), records)
        return
    sheet, cmap = src.open_table(rs)
    if sheet.batches is None:
        yield from _lists(src.table_records(sheet, cmap, rs), records)
        return
    reader = _Reader(rs, src, sheet, cmap, inputs)
    with reader.seen:
        pending: list[Any] = []
        size = 0
        batches = sheet.batches()
        while True:
            try:
                batch = next(batches, None)
            except Exception:
                if pending:
                    yield reader.chunk(pending)
                raise
            if batch is not None and batch.num_rows:
                pending.append(batch)
                size += batch.num_rows
            if pending and (batch is None or size >= ROWS):
                yield reader.chunk(pending)
                pending, size = [], 0
            if batch is None:
                return


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
        self.meta = [(i, t) for i, t in targets if t.kind != "input"]
        self.simple = {t.name for _, t in self.meta} <= {"id", "name"}
        id_col = next((i for i, t in targets if t.name == "id"), None)
        name_col = next((i for i, t in targets if t.name == "name"), None)
        self.key_col = id_col if id_col is not None else (name_col or 0)
        self.seen = FirstSeen()
        self.count = 0  # records so far (each one's index)
        self.number = 1  # the next row's number (rows are numbered from 1)
        self.pending: list[tuple[int, Notification]] = []  # a batch's notes, by row

    def chunk(self, batches: list[Any]) -> TableChunk:
        parts: dict[str, list[Any]] = {n: [] for n in self.inputs}
        subjects: list[Subject] = []
        where: list[tuple[Any, int, int]] = []
        index: list[int] = []
        declared = False
        for batch in batches:
            keep, numbers = self._rows(batch)
            rows = np.flatnonzero(keep)
            if len(rows):
                declared = self._meta(batch, rows, numbers, subjects, index) or declared
            self.pending.sort(key=lambda x: x[0])  # 合计 rows and duplicate ids, in row order
            self.src.notifications += [n for _, n in self.pending]
            self.pending.clear()
            if not len(rows):
                continue
            where += [(batch, int(r), int(numbers[r])) for r in rows]
            for name, spec in self.inputs.items():
                parts[name].append(self._input(batch, rows, name, spec.kind == "number"))
        columns = {n: _join(p, self.inputs[n].kind == "number") for n, p in parts.items()}
        records = TableRecords(self.maker, self.specs, where)
        return TableChunk(columns, subjects, records, index, declared)

    # -- rows: blanks and 合计 rows left out ------------------------------------------------
    def _rows(self, batch: Any) -> tuple[Any, Any]:
        """Which rows are records, and every row's number; 合计 rows noted."""
        n = batch.num_rows
        numbers = np.arange(self.number, self.number + n)
        self.number += n
        self.src.rows_read += n
        blank = [_blank(batch.column(j)) for j in range(min(3, batch.num_columns))]
        empty = blank[0].copy() if blank else np.ones(n, bool)
        for j in range(1, batch.num_columns):
            if not empty.any():
                break
            empty &= blank[j] if j < len(blank) else _blank(batch.column(j))
        total = np.zeros(n, bool)
        first = np.full(n, -1)
        for j, b in enumerate(blank):  # the first non-blank of the first three cells decides
            here = ~b & (first < 0)
            first[here] = j
            if here.any() and not _plain_type(batch.column(j).type):
                total[here] = _by_value(batch.column(j), _total_cell)[here]
        for r in np.flatnonzero(total).tolist():
            self.src.skipped_rows += 1
            cell = plain_value(batch.column(int(first[r]))[r].as_py())
            ref = self.sheet.ref(int(numbers[r]), int(first[r]))
            label = repr(label_text(cell))
            words = said(NOTICE, "total_row", ref=ref, label=label)
            self.pending.append((int(numbers[r]), Notification("note", "total-row", words)))
        return ~(empty | total), numbers

    # -- metadata: ids, subjects, duplicate ids ---------------------------------------------
    def _meta(
        self, batch: Any, rows: Any, numbers: Any, subjects: list[Subject], index: list[int]
    ) -> bool:
        """Each kept row's subject (as ColumnBatch reads it from the record); True when a row
        declares scores.  Duplicate ids noted in row order, with the 合计 notes."""
        cells = {i: batch.column(i).take(pa.array(rows)).to_pylist() for i, _ in self.meta}
        declared = False
        for k, r in enumerate(rows.tolist()):
            number = int(numbers[r])
            record: dict[str, Any] = {}
            for i, t in self.meta:
                raw = plain_value(cells[i][k])
                if is_blank(raw):
                    continue
                if t.name.startswith("declared."):
                    declared = True
                elif t.name == "year":
                    text = meta_text(raw)
                    try:
                        record["year"] = int(str(text).removesuffix("年"))
                    except ValueError:
                        record["year"] = text
                else:
                    record[t.name] = meta_text(raw)
            sid = record.get("id")
            if sid is None:
                sid = record["id"] = record.get("name") or f"row-{number}"
            earlier = self.seen.first(str(sid), number)
            if earlier is not None:
                ref = self.sheet.ref(number, self.key_col)
                first = self.sheet.ref(earlier, self.key_col)
                words = said(NOTICE, "duplicate_row_id", ref=ref, id=repr(sid), first=first)
                note = Notification("error", "duplicate-id", words, str(sid))
                self.pending.append((number, note))
            subjects.append(self._subject(record, sid))
            index.append(self.count)
            self.count += 1
        return declared

    def _subject(self, record: dict[str, Any], sid: Any) -> Subject:
        if self.simple and type(sid) is str:  # what read_subject makes of id and name alone
            name = record.get("name")
            return Subject(
                clean(sid), clean(name) if isinstance(name, str) else None, self.subject_type
            )
        record["values"] = {}
        return read_subject(record, {}, index=self.count, subject_type=self.subject_type).subject

    # -- inputs -----------------------------------------------------------------------------
    def _input(self, batch: Any, rows: Any, name: str, numeric: bool) -> Any:
        """The kept rows' cells of input ``name`` as ColumnBatch's column holds them."""
        found = self.by_input.get(name)
        if found is None:  # not in the file: blank in every row
            return np.full(len(rows), np.nan) if numeric else np.full(len(rows), None, object)
        col_no, target = found
        spec = self.specs[name]
        col = batch.column(col_no)
        if len(rows) < batch.num_rows:
            col = col.take(pa.array(rows))
        if numeric and spec.type in _NUMERIC and target.refused is None:
            floats, todo = _numbers(col, target, spec)
            if floats is not None:
                if not todo.any():
                    return floats
                out = _objects(floats)
                idx = np.flatnonzero(todo)
                values = col.take(pa.array(idx)).to_pylist()
                for k, v in zip(idx.tolist(), values, strict=True):
                    out[k] = _value(target, spec, plain_value(v), numeric)
                return _settle(out)
        values = _by_value(col, lambda v: _value(target, spec, v, numeric), kind=object)
        return _settle(values) if numeric else values


def _exponent(scale: Decimal) -> int | None:
    """``k`` when ``scale`` is ``10**k``, else None."""
    t = scale.normalize().as_tuple()
    if t.sign or t.digits != (1,) or not isinstance(t.exponent, int) or abs(t.exponent) > 22:
        return None
    return t.exponent


def _numbers(col: Any, target: Target, spec: InputSpec) -> tuple[Any, Any]:
    """The float64 values of a numeric Arrow column (NaN: blank) and the cells left to
    :func:`_value` (``todo``); (None, None) for a column of another type."""
    k = 0
    if spec.type != "percent" and target.scale is not None:  # a percent input is not scaled
        found = _exponent(target.scale)
        if found is None:
            return None, None
        k = found
    typ = col.type
    if pa.types.is_floating(typ):
        x = np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)
        out = np.full(len(x), np.nan)
        todo = ~np.isnan(x)  # nulls are NaN here: blanks
        with np.errstate(all="ignore"):
            for p in _TRIES:
                at = np.flatnonzero(todo)
                if not len(at):
                    break
                j = p - k
                if j > 22:
                    continue
                xs = x[at]
                m = np.round(xs * 10.0**p)
                ok = (np.abs(m) < _LIMIT) & (m / 10.0**p == xs)
                v = m * 10.0**-j if j <= 0 else m / 10.0**j
                ok &= np.abs(v) < _LIMIT
                out[at[ok]] = v[ok]
                todo[at[ok]] = False
        return out, todo
    if pa.types.is_integer(typ):
        valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
        f = np.asarray(col.fill_null(0).to_numpy(zero_copy_only=False)).astype(np.float64)
        with np.errstate(all="ignore"):
            v = f * 10.0**k if k >= 0 else f / 10.0**-k
        small = (np.abs(f) < _LIMIT) & (np.abs(v) < _LIMIT)
        return np.where(valid & small, v, np.nan), valid & ~small
    return None, None


def _value(target: Target, spec: InputSpec, raw: object, numeric: bool) -> Any:
    """One cell as ColumnBatch's column holds it: the record's value, a float where a float
    holds that decimal exactly (a numeric input)."""
    v = convert_cell(target, spec, raw)
    if numeric and type(v) is Decimal and v.is_finite() and Decimal(repr(f := float(v))) == v:
        return f
    return v


def _objects(floats: Any) -> Any:
    """A float64 column as objects (NaN, a blank, as None)."""
    out = floats.astype(object)
    out[np.isnan(floats)] = None
    return out


def _settle(cells: Any) -> Any:
    """Object cells as ColumnBatch keeps them: float64 when every one is a float or blank."""
    if all(c is None or type(c) is float for c in cells):
        return np.array([np.nan if c is None else c for c in cells], np.float64)
    return cells


def _join(parts: list[Any], numeric: bool) -> Any:
    if not parts:
        return np.empty(0, np.float64 if numeric else object)
    if all(p.dtype != object for p in parts):
        return np.concatenate(parts)
    return np.concatenate([p if p.dtype == object else _objects(p) for p in parts])


def _text_type(typ: Any) -> bool:
    return bool(pa.types.is_string(typ) or pa.types.is_large_string(typ))


def _by_value(col: Any, fn: Any, kind: Any = bool) -> Any:
    """``fn`` of every cell, called once per distinct value of a text (or dictionary) column,
    once per cell otherwise."""
    typ = col.type
    if pa.types.is_boolean(typ):  # three values: False, True, blank
        table = np.empty(3, kind)
        for i, v in enumerate((False, True, None)):
            table[i] = fn(v)
        valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
        yes = np.asarray(col.fill_null(False).to_numpy(zero_copy_only=False), bool)
        return table[np.where(valid, yes.astype(np.int64), 2)]
    if pa.types.is_dictionary(typ) or _text_type(typ):
        enc = col if pa.types.is_dictionary(typ) else pc.dictionary_encode(col)
        values = enc.dictionary.to_pylist()
        table = np.empty(len(values) + 1, kind)
        for i, v in enumerate([*values, None]):
            table[i] = fn(plain_value(v))
        valid = np.asarray(enc.indices.is_valid().to_numpy(zero_copy_only=False), bool)
        codes = np.asarray(enc.indices.fill_null(0).to_numpy(zero_copy_only=False), np.int64)
        return table[np.where(valid, codes, len(values))]
    out = np.empty(len(col), kind)
    for i, v in enumerate(col.to_pylist()):
        out[i] = fn(plain_value(v))
    return out


def _blank(col: Any) -> Any:
    """Which cells of an Arrow column :func:`is_blank` calls blank."""
    typ = col.type
    if pa.types.is_null(typ):
        return np.ones(len(col), bool)
    if pa.types.is_floating(typ):  # nulls are NaN here
        return np.isnan(np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False)))
    if _plain_type(typ):
        return ~np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
    return _by_value(col, is_blank)


def _plain_type(typ: Any) -> bool:
    """Numbers, yes/no or nothing: never blank text, never a 合计 label."""
    return bool(
        pa.types.is_null(typ)
        or pa.types.is_floating(typ)
        or pa.types.is_integer(typ)
        or pa.types.is_boolean(typ)
        or pa.types.is_decimal(typ)
    )


def _total_cell(v: object) -> bool:
    return v is not None and is_total_label(v)
