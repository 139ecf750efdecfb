"""One data file (or frame) read against a rule set (:class:`DataSource`): its columns mapped onto
the rule set's inputs once, each row made a subject record whose values say where they were read
(``Sheet1!D12``), 合计 rows left out, and what concerns the file collected as notifications."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import DataError
from ..findings import Notification
from ..subjects import RejectedRecord
from ..words import DATA, NOTICE, said
from .columns import (
    ColumnMap,
    Target,
    convert_cell,
    header_key,
    is_blank,
    map_columns,
    series_words,
    split_unit,
)
from .headerrows import Rank
from .ratiocols import mark_ratio_columns, mark_ratios, ratio_inputs, refuse_ratio_values
from .readers import Sheet
from .seen import FirstSeen
from .seriescols import element_spec, series_value, split_year

if TYPE_CHECKING:
    from ..ruleset import RuleSet
    from ..subjects import InputSpec


#: What reading a file may raise that makes it unreadable (noted, the other files read).
UNREADABLE = (DataError, OSError, UnicodeError, ValueError)

#: A row whose first cells say this is a total, not a department.
TOTAL_WORDS = ("合计", "总计", "小计", "总合计", "合计数", "total")


def _aliases(rs: RuleSet) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, model in rs.model.inputs.items():
        al = getattr(model, "aliases", None)
        if al:
            out[name] = tuple(al)
    return out


class DataSource:
    """One data file (or frame) to be read against a rule set."""

    def __init__(
        self,
        uri: str,
        kind: str,
        opener: Callable[[Rank], Sheet] | Callable[[], Iterator[tuple[int, object]]],
        *,
        sha256: str | None = None,
        path: str | None = None,
        columns: Mapping[str, str | None] | None = None,
        total: int | None = None,
    ) -> None:
        self.uri = uri
        self.kind = kind  # "table" | "records"
        self._opener = opener
        self._sha256 = sha256
        self._path = path
        self.columns = dict(columns or {})
        self.notifications: list[Notification] = []
        self.rows_read = 0
        self.skipped_rows = 0
        #: the number of records when known before reading (JSON/YAML), else None
        self.total = total

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            h = hashlib.sha256()
            if self._path is not None:
                with open(self._path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
            self._sha256 = h.hexdigest()
        return self._sha256

    def unreadable(self, exc: Exception) -> None:
        """Note that the file could not be read (or stopped being readable): ``exc``, one of
        :data:`UNREADABLE`."""
        if isinstance(exc, DataError) and exc.problems:
            what = "; ".join(str(p) for p in exc.problems[:3])
        else:
            what = f"{self.uri}: {exc}"
        self._note("error", "unreadable-file", f"cannot read {what}")

    def _note(self, level: str, code: str, message: str, subject: str | None = None) -> None:
        self.notifications.append(Notification(level, code, message, subject))

    def records(self, rs: RuleSet, *, raw: bool = False) -> Iterator[Any]:
        """This source's subject records for ``rs``, streamed.  A file that cannot be read
        raises :class:`DataError` (rows already yielded stay yielded).  ``raw``: a table's rows
        come as :class:`RawRow` (what needs the whole file in order — the header, 合计 rows,
        duplicate ids — done here; the record made by whoever scores it)."""
        self.notifications.clear()
        if self.kind == "records":
            yield from self._structured(rs)
            return
        sheet, cmap = self.open_table(rs)
        yield from self.table_records(sheet, cmap, rs, raw=raw)

    def open_table(self, rs: RuleSet) -> tuple[Sheet, ColumnMap]:
        """A table source opened, its headers mapped onto ``rs``'s inputs and what the mapping
        says noted (its rows unread): :meth:`table_records` reads them row by row,
        :mod:`perfscore.ingest.arrowcols` a Parquet file's by columns."""
        self.notifications.clear()
        inputs = rs.inputs
        aliases = _aliases(rs)
        opener: Any = self._opener
        sheet: Sheet = opener(_rank(inputs, aliases, self.columns))
        cmap = map_columns(sheet.headers, inputs, aliases=aliases, columns=self.columns)
        self._report_columns(sheet, cmap, rs)
        where = f"{self.uri}" + (f" [{sheet.label}]" if sheet.kind == "xlsx" else "")
        notes, consumed = mark_ratio_columns(sheet, cmap, inputs, where, is_total_row)
        self.notifications += notes
        if consumed:  # its rows were counted: the table again, one workbook held at a time
            del sheet
            # the counted workbook sits in reference cycles (its row generators): freed now,
            # not whenever the collector next runs, or two workbooks' strings are held at once
            gc.collect()
            sheet = opener(_rank(inputs, aliases, self.columns))
        return sheet, cmap

    def table_records(
        self, sheet: Sheet, cmap: ColumnMap, rs: RuleSet, *, raw: bool = False
    ) -> Iterator[Any]:
        """The records of a table :meth:`open_table` opened, row by row."""
        yield from self._rows(sheet, cmap, rs.inputs, raw)

    # -- tables ----------------------------------------------------------------------------
    def _report_columns(self, sheet: Sheet, cmap: ColumnMap, rs: RuleSet) -> None:
        where = f"{self.uri}" + (f" [{sheet.label}]" if sheet.kind == "xlsx" else "")
        for col, header, hint in cmap.unmapped:
            cell = (
                sheet.ref(sheet.header_row, col)
                if sheet.kind == "xlsx"
                else said(NOTICE, "column_at", n=col + 1)
            )
            self._note(
                "warning",
                "unmapped-column",
                said(
                    NOTICE,
                    "unmapped_column",
                    where=where,
                    header=repr(header),
                    cell=cell,
                    rules=rs.id,
                    hint=said(NOTICE, "column_hint", hint=repr(hint)) if hint else "",
                ),
            )
        for name, cols in cmap.duplicates:
            heads = ", ".join(repr(sheet.headers[c]) for c in cols)
            self._note(
                "error",
                "duplicate-column",
                said(NOTICE, "duplicate_column", where=where, heads=heads, name=repr(name)),
            )
        for name in cmap.missing_required:
            title = rs.inputs[name].title
            self._note(
                "error",
                "missing-column",
                said(
                    NOTICE,
                    "missing_column",
                    where=where,
                    name=repr(name),
                    title=said(NOTICE, "input_title", title=title) if title else "",
                ),
            )

    def _rows(
        self, sheet: Sheet, cmap: ColumnMap, inputs: Mapping[str, InputSpec], raw: bool
    ) -> Iterator[Any]:
        with FirstSeen() as seen:  # exact, in bounded memory (a dict of refs took ~300 B an id)
            yield from self._read_rows(sheet, cmap, inputs, seen, raw)

    def _read_rows(
        self,
        sheet: Sheet,
        cmap: ColumnMap,
        inputs: Mapping[str, InputSpec],
        seen: FirstSeen,
        raw: bool,
    ) -> Iterator[Any]:
        targets = [
            (i, t) for i, t in enumerate(cmap.targets) if t is not None and t.kind != "ignore"
        ]
        maker = RowMaker(sheet, targets)
        naming = [(i, t) for i, t in targets if t.kind == "meta" and t.name in ("id", "name")]
        id_col = next((i for i, t in targets if t.name == "id"), None)
        name_col = next((i for i, t in targets if t.name == "name"), None)
        key_col = id_col if id_col is not None else (name_col or 0)
        for number, cells, fmt in sheet.rows:
            self.rows_read += 1
            if all(is_blank(c) for c in cells):
                continue
            if is_total_row(cells):
                self.skipped_rows += 1
                first = next(i for i, c in enumerate(cells) if not is_blank(c))
                self._note(
                    "note",
                    "total-row",
                    said(
                        NOTICE,
                        "total_row",
                        ref=sheet.ref(number, first),
                        label=repr(label_text(cells[first])),
                    ),
                )
                continue
            record = _record(maker.sheet, number, cells, fmt, naming if raw else targets, inputs)
            sid = record.get("id")
            if sid is None:
                sid = record["id"] = record.get("name") or f"row-{number}"
            earlier = seen.first(str(sid), number)
            if earlier is not None:
                self._note(
                    "error",
                    "duplicate-id",
                    said(
                        NOTICE,
                        "duplicate_row_id",
                        ref=sheet.ref(number, key_col),
                        id=repr(sid),
                        first=sheet.ref(earlier, key_col),
                    ),
                    str(sid),
                )
            yield RawRow(maker, number, cells, fmt) if raw else record

    # -- JSON / YAML / JSON Lines ----------------------------------------------------------
    def _structured(self, rs: RuleSet) -> Iterator[Any]:
        inputs = rs.inputs
        aliases = _aliases(rs)
        maps: dict[tuple[str, ...], ColumnMap] = {}
        opener: Any = self._opener
        ratios, notes = ratio_inputs(opener(), inputs, aliases, self.columns, self.uri)
        self.notifications += notes
        for number, rec in opener():
            self.rows_read += 1
            if isinstance(rec, DataError):
                msg = str(rec.problems[0].message) if rec.problems else str(rec)
                yield _bad_record(f"line-{number}", f"line {number}: {msg}", inputs)
                continue
            if isinstance(rec, RejectedRecord):  # a key given twice: every value an error
                yield rec
                continue
            if (
                number > 0
                and isinstance(rec, Mapping)
                and "values" not in rec
                and not any(k in inputs for k in rec if k not in ("id", "name"))
            ):
                # a flat line keyed by headers/titles: map it like a table row
                keys = tuple(str(k) for k in rec)
                cmap = maps.get(keys)
                if cmap is None:
                    cmap = maps[keys] = map_columns(
                        list(keys), inputs, aliases=aliases, columns=self.columns
                    )
                    mark_ratios(cmap, ratios)
                    sheet = Sheet(self.uri, self.uri, "csv", list(keys), iter(()), number)
                    self._report_columns(sheet, cmap, rs)
                sheet = Sheet(self.uri, self.uri, "line", list(keys), iter(()), number)
                targets = [
                    (i, t)
                    for i, t in enumerate(cmap.targets)
                    if t is not None and t.kind != "ignore"
                ]
                yield _record(sheet, number, list(rec.values()), None, targets, inputs)
                continue
            if ratios and isinstance(rec, Mapping):  # a column of ratios: its 1.x values refused
                values = rec.get("values") if "values" in rec else rec
                if isinstance(values, Mapping):
                    rec = refuse_ratio_values(rec, values, ratios)
            if number > 0 and isinstance(rec, Mapping):
                values = rec.get("values") if "values" in rec else rec
                if isinstance(values, Mapping) and "cells" not in rec:
                    at = said(DATA, "cell_at_line", row=number)  # 第 3 行 in a zh message
                    rec = {**rec, "cells": {str(k): at for k in values}}
            yield rec


class RowMaker:
    """What makes a table's row a record, as :meth:`DataSource.records` does: sent along with
    the rows to a ``perfscore score --jobs`` worker (the sheet travels without its rows)."""

    def __init__(self, sheet: Sheet, targets: Sequence[tuple[int, Target]]) -> None:
        # without its rows: a record's cell references keep the sheet, not the open file
        self.sheet = dataclasses.replace(sheet, rows=iter(()), batches=None)
        self.targets = list(targets)

    def __reduce__(self) -> tuple[Any, ...]:
        s = self.sheet
        where = (s.source, s.label, s.kind, s.headers, s.header_row, s.encoding, s.letters)
        return (_maker, (where, self.targets))

    def record(
        self, number: int, cells: Sequence[object], fmt: Sequence[bool] | None, inputs: Any
    ) -> dict[str, Any]:
        record = _record(self.sheet, number, cells, fmt, self.targets, inputs)
        if record.get("id") is None:
            record["id"] = record.get("name") or f"row-{number}"
        return record


def _maker(where: tuple[Any, ...], targets: list[tuple[int, Target]]) -> RowMaker:
    source, label, kind, headers, header_row, encoding, letters = where
    sheet = Sheet(source, label, kind, headers, iter(()), header_row, encoding, letters)
    return RowMaker(sheet, targets)


class RawRow:
    """A table row as read, made a record by :meth:`record` (in a ``--jobs`` worker: making
    records — each value with its cell, in two languages — was most of reading a CSV file)."""

    __slots__ = ("cells", "fmt", "maker", "number")

    def __init__(
        self, maker: RowMaker, number: int, cells: list[object], fmt: list[bool] | None
    ) -> None:
        self.maker, self.number, self.cells, self.fmt = maker, number, cells, fmt

    def __reduce__(self) -> tuple[Any, ...]:
        return (RawRow, (self.maker, self.number, self.cells, self.fmt))

    def record(self, inputs: Mapping[str, InputSpec]) -> dict[str, Any]:
        return self.maker.record(self.number, self.cells, self.fmt, inputs)


def label_text(v: object) -> str:
    """A cell as a 合计 row's label is compared and named: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", str(v)).split())


def is_total_label(v: object) -> bool:
    """A (non-blank) cell that says its row is a total (:data:`TOTAL_WORDS`)."""
    return label_text(v).casefold().startswith(TOTAL_WORDS)


def is_total_row(cells: Sequence[object]) -> bool:
    """The first non-blank of a row's first three cells says it is a total."""
    for c in cells[:3]:
        if is_blank(c):
            continue
        return is_total_label(c)
    return False


def meta_text(raw: object) -> object:
    """A subject metadata cell (id, name, ...) as a record holds it."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str):
        return unicodedata.normalize("NFKC", raw).strip()
    return raw


def _record(
    sheet: Sheet,
    number: int,
    cells: Sequence[object],
    fmt: Sequence[bool] | None,
    targets: Sequence[tuple[int, Target]],
    inputs: Mapping[str, InputSpec],
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    record: dict[str, Any] = {"values": values, "cells": CellRefs(sheet, number, targets)}
    years: dict[str, list[tuple[int, Any]]] | None = None
    for col, t in targets:
        raw = cells[col] if col < len(cells) else None
        if t.kind == "input":
            values[t.name] = convert_cell(
                t, inputs[t.name], raw, percent_format=bool(fmt and col < len(fmt) and fmt[col])
            )
        elif t.kind == "series":  # one year of a series input (perfscore.ingest.seriescols)
            cell = convert_cell(
                t,
                element_spec(inputs[t.name]),
                raw,
                percent_format=bool(fmt and col < len(fmt) and fmt[col]),
            )
            years = {} if years is None else years
            assert t.year is not None  # a series target has its year
            years.setdefault(t.name, []).append((t.year, cell))
        elif is_blank(raw):
            continue
        elif t.name.startswith("declared."):
            claim = Decimal(float.__repr__(raw)) if isinstance(raw, float) else raw
            if isinstance(claim, str):
                claim = unicodedata.normalize("NFKC", claim).strip()
            # declared.total, or one indicator's claim: declared.points.<id>, .targets.<id> ...
            node = record.setdefault("declared", {})
            *path, leaf = t.name.split(".")[1:]
            for part in path:
                node = node.setdefault(part, {})
            node[leaf] = claim
        elif t.name == "year":
            text = meta_text(raw)
            try:
                record["year"] = int(str(text).removesuffix("年"))
            except ValueError:
                record["year"] = text
        else:
            record[t.name] = meta_text(raw)
    if years is not None:
        for name, given in years.items():
            values[name] = series_value(given)
    return record


class CellRefs(Mapping[str, str]):
    """Where each input of a table row was read (``Sheet1!D12``, ``line 12, column 预算数``),
    made when asked: only a refused cell's message reads it, and making the words for every
    cell of every row was a quarter of a routed CSV run.  Pickles as the plain dict it
    stands for."""

    __slots__ = ("number", "sheet", "targets")

    def __init__(self, sheet: Sheet, number: int, targets: Sequence[tuple[int, Target]]) -> None:
        self.sheet, self.number, self.targets = sheet, number, targets

    def __getitem__(self, name: str) -> str:
        for col, t in self.targets:
            if t.kind == "input" and t.name == name:
                return _ref(self.sheet, self.number, col)
        # a series read from its year columns: all of them
        refs = [
            _ref(self.sheet, self.number, col)
            for col, t in self.targets
            if t.kind == "series" and t.name == name
        ]
        if refs:
            return ", ".join(refs)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(t.name for _, t in self.targets if t.kind in ("input", "series")))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))

    def __repr__(self) -> str:
        return repr(dict(self))


def _ref(sheet: Sheet, number: int, col: int) -> str:
    if sheet.kind == "line":  # (a Bilingual: 第 3 行「满意度」键 in a zh message)
        return said(DATA, "cell_key", row=number, column=sheet.headers[col])
    return sheet.ref(number, col)


def _bad_record(sid: str, message: str, inputs: Mapping[str, InputSpec]) -> dict[str, Any]:
    from ..subjects import CellProblem

    return {"id": sid, "values": dict.fromkeys(inputs, CellProblem(message))}


def _rank(
    inputs: Mapping[str, InputSpec],
    aliases: Mapping[str, Sequence[str]],
    columns: Mapping[str, str | None],
) -> Rank:
    known = {header_key(k) for k in columns}
    for name, spec in inputs.items():
        known.add(header_key(name))
        if spec.title:
            known.add(header_key(spec.title))
        known.update(header_key(a) for a in aliases.get(name, ()))
    from .columns import META_WORDS

    known.update(header_key(w) for words in META_WORDS.values() for w in words)
    known.update(series_words(inputs, aliases))  # a series' year columns: 2022年预算执行率

    def rank(cells: Sequence[object]) -> int:
        n = 0
        for c in cells:
            if (
                isinstance(c, str)
                and c.strip()
                and (
                    header_key(c) in known
                    or header_key(split_unit(c)[0]) in known
                    or header_key((split_year(c) or ("",))[0]) in known  # 2022年执行率
                )
            ):
                n += 1
        return n

    return rank
