"""Readers: a file or a frame becomes a :class:`Sheet` — its header cells and a stream of rows.

Nothing here knows about rule sets except through ``rank``: a function scoring how much a row
looks like the header (how many of its cells name an input or a metadata column), used to find
the header under one or two title rows.  Rows are streamed: CSV line by line, ``.xlsx`` with
openpyxl in read-only mode, Parquet and pyarrow one record batch at a time, pandas and polars
frames a slice at a time, so peak memory does not grow with the number of rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..errors import DataError, Problem, did_you_mean
from ..subjects import RejectedRecord
from ..words import DATA, Bilingual, said
from .headerrows import Rank, Row, shown, split_header
from .xlsx import open_workbook, sheet_rows

__all__ = [
    "SLICE",
    "Sheet",
    "detect_encoding",
    "frame_kind",
    "read_csv",
    "read_frame",
    "read_parquet",
    "read_xlsx",
]

SLICE = 8192
#: bytes read at a time from each Parquet column (pyarrow's default, ``pre_buffer``, reads a
#: row group's compressed columns at once: 99 MB of rev12's 1,000,000 rows in one row group)
PARQUET_BUFFER = 1 << 16
#: How many rows at the top may hold titles before the header.
HEADER_SEARCH = 12


@dataclass
class Sheet:
    """One table being read: header texts, where each cell is, and the rows after the header."""

    source: str
    label: str  # sheet name (xlsx) or file name
    kind: str  # "xlsx", "csv", "frame"
    headers: list[str]
    rows: Iterator[Row]
    header_row: int = 1
    encoding: str | None = None
    letters: list[str] = field(default_factory=list)
    #: a Parquet file's Arrow record batches (the rows again, by columns), when it has them;
    #: given column numbers, batches of those columns alone, in that order
    batches: Callable[..., Iterator[Any]] | None = field(default=None, repr=False, compare=False)
    _refs: dict[int, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    def ref(self, row: int, col: int) -> str:
        """``Sheet1!D12`` (xlsx), ``line 12, column 预算数`` (CSV), ``row 12, column x``."""
        if self.kind == "xlsx":
            return f"{self.label}!{_letter(col)}{row}"
        # a Bilingual: its text is the English form (what JSON and cell maps hold), its .zh the
        # Chinese one, so a zh message says 第 12 行「预算数」列.  Every cell of every row gets
        # one, so the column's words are made once and only the row number is put in per cell.
        parts = self._refs.get(col)
        if parts is None:
            parts = self._refs[col] = self._ref_parts(col)
        if len(parts) == 1:  # (the marker could not be placed: say it in full)
            return said(DATA, parts[0], row=row, column=self._column(col))
        en_a, en_b, zh_a, zh_b = parts
        return Bilingual(f"{en_a}{row}{en_b}", f"{zh_a}{row}{zh_b}")

    def _column(self, col: int) -> str:
        return self.headers[col] if col < len(self.headers) else f"#{col + 1}"

    def _ref_parts(self, col: int) -> tuple[str, ...]:
        """The words around the row number, in each language, for column ``col``."""
        key = "cell_line" if self.kind == "csv" else "cell_row"
        words = said(DATA, key, row=_ROW_MARK, column=self._column(col))
        en, zh = str.__str__(words).split(_ROW_MARK), words.zh.split(_ROW_MARK)
        if len(en) != 2 or len(zh) != 2:
            return (key,)
        return (en[0], en[1], zh[0], zh[1])


#: Stands for the row number while a column's words are made (no header text holds it).
_ROW_MARK = "\x00row\x00"


def _letter(col: int) -> str:
    n, out = col + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _chain(first: list[Row], rest: Iterator[Row], width: int) -> Iterator[Row]:
    for number, cells, fmt in first:
        yield number, cells[:width], fmt[:width] if fmt is not None else None
    for number, cells, fmt in rest:
        yield number, cells[:width], fmt[:width] if fmt is not None else None


# --- CSV / TSV --------------------------------------------------------------------------------


def detect_encoding(head: bytes) -> str:
    """The encoding of a text file a Chinese office produced, from its first bytes: a BOM
    (UTF-8, UTF-16), else UTF-8 when the bytes decode as UTF-8, else GB18030 (a superset of
    GBK and GB2312, which Excel and WPS write for "CSV" on a Chinese Windows)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def read_csv(path: str | os.PathLike[str], rank: Rank, *, delimiter: str | None = None) -> Sheet:
    """A CSV/TSV file in UTF-8 (with or without BOM), UTF-16 or GBK/GB18030."""
    fh = open(path, "rb")  # noqa: SIM115 - closed when the rows are exhausted
    try:
        head = fh.read(1 << 20)
        encoding = detect_encoding(head)
        fh.seek(0)
        text = io.TextIOWrapper(fh, encoding=encoding, newline="")
        first = text.readline()
        if delimiter is None:
            tabs, commas = first.count("\t"), first.count(",")
            delimiter = (
                "\t" if str(path).lower().endswith((".tsv", ".tab")) or tabs > commas else ","
            )
        reader = csv.reader(_prepend(first, text), delimiter=delimiter)
    except BaseException:
        fh.close()
        raise
    name = Path(path).name

    def rows() -> Iterator[Row]:
        try:
            for cells in reader:
                yield reader.line_num, list(cells), None
        except UnicodeDecodeError as exc:
            raise DataError(
                [
                    Problem(
                        f"line {reader.line_num + 1} is not valid {encoding}: {exc.reason}",
                        source=str(path),
                    )
                ]
            ) from exc
        except csv.Error as exc:
            raise DataError([Problem(f"line {reader.line_num}: {exc}", source=str(path))]) from exc
        finally:
            fh.close()

    return _sheet(str(path), name, "csv", rows(), rank, encoding=encoding)


def _prepend(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def _sheet(
    source: str,
    label: str,
    kind: str,
    rows: Iterator[Row],
    rank: Rank,
    *,
    encoding: str | None = None,
) -> Sheet:
    head: list[Row] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SEARCH:
            break
    headers, number, rest = split_header(head, rank)
    return Sheet(source, label, kind, headers, _chain(rest, rows, len(headers)), number, encoding)


# --- xlsx -------------------------------------------------------------------------------------


def read_xlsx(path: str | os.PathLike[str], rank: Rank, *, sheet: str | None = None) -> Sheet:
    """One worksheet of an ``.xlsx`` workbook (``sheet`` by name, else the first), read-only."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:  # pragma: no cover - the excel extra is part of [dev]
        raise DataError(
            [
                Problem(
                    "reading .xlsx needs openpyxl: pip install 'perfscore[excel]'", source=str(path)
                )
            ]
        ) from None
    if str(path).lower().endswith(".xls"):
        raise DataError(
            [
                Problem(
                    "this is an old .xls workbook: save it as .xlsx (Excel 2007+) first",
                    source=str(path),
                )
            ]
        )
    try:
        wb = open_workbook(path)
    except Exception as exc:  # zip/xml errors: the file is not a workbook
        raise DataError(
            [Problem(f"cannot read as an .xlsx workbook: {exc}", source=str(path))]
        ) from exc
    names = wb.sheetnames
    if sheet is None:
        ws = wb.worksheets[0]
    elif sheet in names:
        ws = wb[sheet]
    else:
        wb.close()
        hint = did_you_mean(sheet, names)
        extra = f" (did you mean {hint!r}?)" if hint else ""
        raise DataError(
            [
                Problem(
                    f"no sheet {sheet!r}{extra}; the sheets are: {', '.join(names)}",
                    source=str(path),
                )
            ]
        )
    title = ws.title

    def rows() -> Iterator[Row]:
        try:
            yield from sheet_rows(ws)
        finally:
            wb.close()

    return _sheet(str(path), title, "xlsx", rows(), rank)


# --- Parquet, pyarrow, pandas, polars ----------------------------------------------------------


def frame_kind(obj: object) -> str | None:
    """``pandas``, ``polars``, ``pyarrow`` (Table / RecordBatch) or None."""
    mod = type(obj).__module__.split(".")[0]
    name = type(obj).__name__
    if mod == "pandas" and name == "DataFrame":
        return "pandas"
    if mod == "polars" and name in ("DataFrame", "LazyFrame"):
        return "polars"
    if mod == "pyarrow" and name in ("Table", "RecordBatch"):
        return "pyarrow"
    return None


def plain_value(v: object) -> object:
    """Python scalars from numpy / pandas ones; pandas' missing markers become None."""
    if v is None or isinstance(v, (str, int, float, Decimal, bool)):
        return v
    tname = type(v).__name__
    if tname in ("NAType", "NaTType"):
        return None
    item = getattr(v, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            return v
    return v


def _columns_rows(columns: Sequence[Sequence[object]], start: int) -> Iterator[Row]:
    for k, cells in enumerate(zip(*columns, strict=True)):
        yield start + k, [plain_value(c) for c in cells], None


def _frame_header(name: object) -> str:
    """A pandas column's header.  Read with two header rows (``pd.read_excel(path, header=[1,
    2])``, how pandas reads a header merged across columns) a column is named by a tuple —
    ``('预算执行情况', '执行数')``, ``('部门编码', 'Unnamed: 0_level_1')`` under a cell merged
    down —: its lowest level that says something names it, as in the workbook."""
    if not isinstance(name, tuple):
        return str(name)
    said = [t for t in (shown(x) for x in name if x is not None) if not t.startswith("Unnamed:")]
    return said[-1] if said else ""


def read_frame(obj: object, *, source: str = "<frame>") -> Sheet:
    """A pandas or polars DataFrame, or a pyarrow Table/RecordBatch: column names are the
    header (no title rows), rows are numbered from 1."""
    kind = frame_kind(obj)
    if kind == "pandas":
        df: Any = obj
        headers = [_frame_header(c) for c in df.columns]

        def rows() -> Iterator[Row]:
            for start in range(0, len(df), SLICE):
                part = df.iloc[start : start + SLICE]
                cols = [part.iloc[:, j].tolist() for j in range(part.shape[1])]
                yield from _columns_rows(cols, start + 1)

        return Sheet(source, source, "frame", headers, rows(), 0)
    if kind == "polars":
        pl: Any = obj
        if type(pl).__name__ == "LazyFrame":
            pl = pl.collect()
        headers = [str(c) for c in pl.columns]

        def rows() -> Iterator[Row]:
            start = 1
            for part in pl.iter_slices(SLICE):
                cols = [part.get_column(c).to_list() for c in part.columns]
                yield from _columns_rows(cols, start)
                start += part.height

        return Sheet(source, source, "frame", headers, rows(), 0)
    if kind == "pyarrow":
        tb: Any = obj
        headers = [str(c) for c in tb.schema.names]
        batches = tb.to_batches(max_chunksize=SLICE) if hasattr(tb, "to_batches") else [tb]
        return Sheet(source, source, "frame", headers, _arrow_rows(batches), 0)
    raise TypeError(f"not a DataFrame or Table: {type(obj).__name__}")


def _arrow_rows(batches: Any) -> Iterator[Row]:
    start = 1
    for batch in batches:
        cols = [c.to_pylist() for c in batch.columns]
        yield from _columns_rows(cols, start)
        start += batch.num_rows


def read_parquet(path: str | os.PathLike[str]) -> Sheet:
    """A Parquet file, one record batch at a time (needs pyarrow: ``perfscore[columnar]``)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover
        raise DataError(
            [
                Problem(
                    "reading Parquet needs pyarrow: pip install 'perfscore[columnar]'",
                    source=str(path),
                )
            ]
        ) from None
    try:  # read a page at a time, not a row group's columns at once (see PARQUET_BUFFER)
        pf = pq.ParquetFile(path, buffer_size=PARQUET_BUFFER, pre_buffer=False)
    except Exception as exc:
        raise DataError([Problem(f"cannot read as Parquet: {exc}", source=str(path))]) from exc
    names = pf.schema_arrow.names
    headers = [str(n) for n in names]

    def batches(columns: Sequence[int] | None = None) -> Iterator[Any]:
        if columns is not None and len(set(names)) == len(names):  # else a name said twice
            return pf.iter_batches(SLICE, columns=[names[i] for i in columns])  # type: ignore[no-any-return]
        whole = pf.iter_batches(SLICE)
        return whole if columns is None else (_select(b, columns) for b in whole)

    rows = _arrow_rows(batches())
    sheet = Sheet(str(path), Path(path).name, "frame", headers, rows, 0)
    sheet.batches = batches  # the same batches (ingest.arrowcols, ingest.ratiocols)
    return sheet


def _select(batch: Any, columns: Sequence[int]) -> Any:
    """Columns ``columns`` of an Arrow record batch, in that order."""
    import pyarrow as pa

    cols = [batch.column(i) for i in columns]
    return pa.RecordBatch.from_arrays(cols, names=[str(k) for k in range(len(cols))])


# --- JSON Lines -------------------------------------------------------------------------------


class _KeyTwice(Exception):
    """A JSON object giving one key twice (which the standard library reads as the last)."""


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _KeyTwice(k)
            seen.add(k)
    return out


#: JSON Lines are read as a ``.json`` file is: numbers with a point exactly, and a key given
#: twice in one object rejects that record (the last one would win silently: 满意度 95 then 60
#: scored 60)
_JSONL = json.JSONDecoder(parse_float=Decimal, object_pairs_hook=_once)


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, object]]:
    """``(line number, record)`` per non-empty line; a line that is not JSON is a text record
    the caller reports (the record itself is ``DataError``); a line giving a key twice in one
    object is a :class:`~perfscore.subjects.RejectedRecord` (its id and name kept, every value
    an error saying why), as in a ``.json`` file."""
    with open(path, "rb") as fh:
        encoding = detect_encoding(fh.read(1 << 16))
    decode = _JSONL.decode
    with open(path, encoding=encoding, newline=None) as text:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                yield number, decode(line)
            except _KeyTwice as twice:
                key = str(twice.args[0])
                where = Problem(f"duplicate key '{key}'", source=str(path), line=number)
                yield number, RejectedRecord(json.loads(line, parse_float=Decimal), str(where))
            except json.JSONDecodeError as exc:
                yield (
                    number,
                    DataError(
                        [
                            Problem(
                                f"not a JSON object: {exc.msg}",
                                source=str(path),
                                line=number,
                                column=exc.colno,
                            )
                        ]
                    ),
                )
