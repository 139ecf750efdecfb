"""Text and yes/no columns as value codes: each distinct cell read once by the per-record
reader (:func:`perfscore.subjects.read_subject`: defaults, required, choices, 是/否 words,
blanks, refusals), the column then looked up by codes — 0, 1, … into the values read, −1 a
blank, −2 a cell the reader refuses.

An Arrow column (a Parquet file's ``string``, ``large_string``, ``dictionary``, ``bool``,
integer or ``null`` column) is encoded by Arrow (``dictionary_encode``) and looked up with
numpy: no Python object per cell.  rev12's 项目支出 set (15 text and yes/no inputs) spent
about 45 % of its columnar run making a Python string of every cell and looking it up in a
dict.  Other columns (numpy object arrays, pandas, lists) are hashed by pandas' ``factorize``
when worth it, else by a dict over their cells.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..subjects import read_subject
from .frames import cell_objects, plain_cell

if TYPE_CHECKING:
    from ..subjects import InputSpec

__all__ = ["FACTORIZE_ROWS", "absent_codes", "category_codes"]

#: rows from which a text column is worth importing pandas for (see :func:`_factorize`)
FACTORIZE_ROWS = 50_000

BLANK, REFUSED = -1, -2


class _Reader:
    """One input's cells read as the per-record reader reads them, each distinct cell once;
    ``vocab`` the values read, in the order first met."""

    def __init__(self, name: str, spec: InputSpec, subject_type: str) -> None:
        self.name, self.spec, self.subject_type = name, {name: spec}, subject_type
        self.vocab: list[Any] = []
        self.memo: dict[tuple[type, Any], int] = {}

    def read(self, cell: Any) -> int:
        data = read_subject({self.name: cell}, self.spec, index=0, subject_type=self.subject_type)
        if self.name in data.field_errors:
            return REFUSED
        value = data.values.get(self.name)
        if value is None:
            return BLANK
        if value not in self.vocab:
            self.vocab.append(value)
        return self.vocab.index(value)

    def code(self, cell: Any) -> int:
        """:meth:`read`, remembered by the cell's type and value (an Arrow value: hashable)."""
        key = (cell.__class__, cell)
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = self.read(cell)
        return got


def category_codes(
    name: str, spec: InputSpec, subject_type: str, col: Any
) -> tuple[Any, list[Any]]:
    """``col`` (a column of any kind the scorer takes) as int32 codes and the values they
    index."""
    reader = _Reader(name, spec, subject_type)
    arrow = _as_arrow(col)
    codes = None if arrow is None else _arrow_codes(arrow, reader)
    if codes is None:
        if type(col).__module__.startswith("pandas") and _objects(col):
            col = col.to_numpy()  # the same cells, hashed below without a list of them
        codes = _other_codes(col, reader)
    return codes, reader.vocab


def absent_codes(name: str, spec: InputSpec, subject_type: str, n: int) -> tuple[Any, list[Any]]:
    """A column the data does not hold: every row reads a blank — read once."""
    reader = _Reader(name, spec, subject_type)
    return np.full(n, reader.read(None), np.int32), reader.vocab


# -- Arrow ------------------------------------------------------------------------------------
def _as_arrow(col: Any) -> Any:
    """``col`` as a pyarrow array: itself, a polars Series' Arrow form, a pandas Series of a
    typed kind (pandas 3's ``str``, ``string``, ``category``, ``boolean``, integers — their
    missing cells nulls, as the reader reads NaN and NA); None for anything else (a pandas
    ``object`` column: its cells may be of several kinds, read as such below)."""
    module = type(col).__module__
    if module.startswith("pyarrow"):
        return col
    if not module.startswith(("pandas", "polars")) or _objects(col):
        return None
    if module.startswith("pandas") and _mixed_categories(col):
        return None
    try:
        pa = importlib.import_module("pyarrow")
        return col.to_arrow() if module.startswith("polars") else pa.array(col)
    except Exception:  # no pyarrow, or a kind Arrow does not take: read as before
        return None


def _mixed_categories(col: Any) -> bool:
    """A pandas ``category`` column whose categories are of several kinds: Arrow would cast
    one kind into another (numpy's ``True`` beside ``0`` into the integer 1, which reads as the
    text "1" where the per-record reader refuses a yes/no in a text field)."""
    cat = getattr(col, "cat", None) if str(getattr(col, "dtype", "")) == "category" else None
    cats = None if cat is None else cat.categories
    return cats is not None and cats.dtype == object and len(set(map(type, cats))) > 1


def _arrow_codes(col: Any, reader: _Reader) -> Any:
    """Codes of a pyarrow Array or ChunkedArray whose values Python compares as Arrow does
    (text, bytes, yes/no, integers, nulls; dictionaries of those); None for any other column
    (floats: NaN and −0.0; nested values).  A yes/no column is read from its bits; any other
    is encoded once for all its chunks (Arrow gives them one dictionary), each chunk then
    looked up in one table of the values read."""
    pa = sys.modules["pyarrow"]
    if isinstance(col, pa.ChunkedArray):
        chunks = [c for c in col.chunks if len(c)]
    elif isinstance(col, pa.Array):
        chunks = [col] if len(col) else []
    else:
        return None
    if not _by_value(pa, col.type):
        return None
    out = np.empty(sum(map(len, chunks)), np.int32)
    if pa.types.is_boolean(col.type):
        at = 0
        for chunk in chunks:
            _bool_codes(chunk, reader, out[at : at + len(chunk)])
            at += len(chunk)
        return out
    return _dictionary_codes(pa, col, chunks, reader, out)


def _bits(buffer: Any, offset: int, n: int) -> Any:
    """``n`` bits of an Arrow bitmap from bit ``offset``, as a numpy bool array."""
    raw = np.frombuffer(buffer, np.uint8, (offset + n + 7) // 8)
    return np.unpackbits(raw, count=offset + n, bitorder="little")[offset:].view(bool)


def _valid(chunk: Any) -> Any:
    """The chunk's non-null cells as a bool array (None: no null among them)."""
    if not chunk.null_count:
        return None
    return _bits(chunk.buffers()[0], chunk.offset, len(chunk))


def _bool_codes(chunk: Any, reader: _Reader, out: Any) -> None:
    """A yes/no chunk's codes into ``out``, from its value bits: False, True and a blank each
    read once (those the chunk holds)."""
    n = len(chunk)
    if chunk.null_count == n:
        out[:] = reader.code(None)
        return
    yes = _bits(chunk.buffers()[1], chunk.offset, n)
    valid = _valid(chunk)
    trues = int(np.count_nonzero(yes if valid is None else yes & valid))
    falses = n - chunk.null_count - trues
    no, yes_code = (reader.code(False) if falses else 0), (reader.code(True) if trues else 0)
    # arithmetic, not a choice per cell (np.where): no branch to mispredict
    np.multiply(yes, np.int32(yes_code - no), out=out)
    if no:
        out += no
    if valid is not None:  # a blank: its code
        out *= valid
        out += np.multiply(~valid, reader.code(None), dtype=np.int32)


def _dictionary_codes(pa: Any, col: Any, chunks: list[Any], reader: _Reader, out: Any) -> Any:
    """``out`` filled with each chunk's codes by its dictionary (the column encoded once
    unless it is a dictionary column already); None when Arrow cannot encode it."""
    if not pa.types.is_dictionary(col.type):
        try:
            enc = col.dictionary_encode()
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            return None
        chunks = [c for c in enc.chunks if len(c)] if isinstance(enc, pa.ChunkedArray) else [enc]
    tables: list[tuple[Any, Any]] = []  # (dictionary, its table) read so far
    start = 0
    for chunk in chunks:
        n = len(chunk)
        part = out[start : start + n]
        start += n
        if pa.types.is_null(chunk.type) or chunk.null_count == n:
            part[:] = reader.code(None)
            continue
        values = chunk.dictionary
        table = next((t for d, t in tables if d is values or d.equals(values)), None)
        if table is None:  # the distinct cells (a dictionary's may repeat)
            table = np.array(list(map(reader.code, values.to_pylist())), np.int32)
            tables.append((values, table))
        at = chunk.indices
        valid = _valid(at)
        if valid is None:
            np.take(table, at.to_numpy(), out=part)
            continue
        # a null cell: the blank's code, which follows the values' (its index may be anything)
        table = np.append(table, np.int32(reader.code(None)))
        kind = np.dtype(at.type.to_pandas_dtype())
        where = np.frombuffer(at.buffers()[1], kind, n, at.offset * kind.itemsize)
        where = np.multiply(where, valid, dtype=np.intp)
        where += np.multiply(~valid, len(table) - 1, dtype=np.intp)
        np.take(table, where, out=part)
    return out


def _objects(col: Any) -> bool:
    """A column of Python objects (numpy's or pandas' ``object`` kind)."""
    dtype = getattr(col, "dtype", None)
    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def _by_value(pa: Any, typ: Any) -> bool:
    """Arrow values of ``typ`` equal exactly when their Python objects do (and hash)."""
    t = pa.types
    if t.is_dictionary(typ):
        return _by_value(pa, typ.value_type)
    simple = (t.is_string, t.is_large_string, t.is_binary, t.is_large_binary, t.is_boolean)
    view = [getattr(t, k) for k in ("is_string_view", "is_binary_view") if hasattr(t, k)]
    return any(f(typ) for f in (*simple, *view, t.is_integer, t.is_null))


# -- everything else --------------------------------------------------------------------------
def _other_codes(col: Any, reader: _Reader) -> Any:
    read = reader.read
    objects = isinstance(col, np.ndarray) and col.dtype == object and len(col) > 0
    if objects and _leads_yes_no(col):
        arrow = _yes_no_arrow(col)
        if arrow is not None:
            return _arrow_codes(arrow, reader)
    if objects and _yes_no_only(col):
        # yes/no and blanks only: two comparisons (no number among them that would
        # equal True or False)
        blank, yes = col == None, col == True  # noqa: E711, E712  (elementwise)
        table = np.array([read(False), read(True), read(None)], np.int32)
        return table[np.where(blank, 2, yes.astype(np.int8))]
    factorize = _factorize(len(col))
    if factorize is not None and isinstance(col, np.ndarray) and col.dtype == object:
        # hashed in C; safe when every distinct cell is text (text equals only text;
        # None, NaN and pandas' NA are one blank, as the reader reads them) or yes/no
        try:
            where, uniques = factorize(col)
        except TypeError:  # a cell that is no key (a list, a mapping): one by one below
            where, uniques = None, [[]]
        kinds = set(map(type, uniques))
        if kinds <= {str} or (kinds <= {bool} and set(map(type, col)) <= {bool, type(None)}):
            # (yes/no: no number among them that would equal True or False)
            table = np.array([*(read(u) for u in uniques), read(None)], np.int32)
            return table[where]
    cells = cell_objects(col)
    types = set(map(type, cells))
    if types <= {str, type(None)} or types <= {bool, type(None)}:
        # text (or yes/no) and blanks only: no two kinds of cell compare equal, so each
        # distinct cell is read once and the column looked up in one pass
        table_of = {cell: read(cell) for cell in dict.fromkeys(cells)}
        return np.fromiter(map(table_of.__getitem__, cells), np.int32, len(cells))
    return _mixed_codes(cells, read)


def _mixed_codes(cells: list[Any], read: Callable[[Any], int]) -> Any:
    """Cells of several kinds (numbers among text, lists): each read as its plain value,
    once per kind and value."""
    seen: dict[tuple[str, Any], int] = {}
    raw: dict[tuple[type, Any], int] = {}  # the cells as given (one plain_cell each)
    out = []
    for cell in cells:
        try:
            code = raw.get((cell.__class__, cell))
            hashable = True
        except TypeError:  # a list or mapping in the cell: read it every time
            code, hashable = None, False
        if code is None:
            x = plain_cell(cell)
            if not hashable:
                out.append(read(x))
                continue
            key = (type(x).__name__, x)
            code = seen.get(key)
            if code is None:
                code = seen[key] = read(x)
            raw[cell.__class__, cell] = code
        out.append(code)
    return np.array(out, np.int32)


def _leads_yes_no(col: Any) -> bool:
    """The first cell of an object column that is not None (among its first 16) is a
    ``bool``: likely a yes/no column."""
    return next((type(c) for c in col[:16].tolist() if c is not None), None) is bool


def _yes_no_arrow(col: Any) -> Any:
    """An object column of yes/no cells and blanks (None, NaN, pandas' NA) as an Arrow
    ``bool`` array — Arrow checks and converts every cell in C, about three times faster than
    looking at them from Python — or None: another column (a number or text among them:
    Arrow refuses ``True`` beside ``1`` or ``"是"``), or no pyarrow."""
    try:
        pa = importlib.import_module("pyarrow")
        arr = pa.array(col, from_pandas=True)
    except Exception:  # (ArrowInvalid, ArrowTypeError, OverflowError, no pyarrow …)
        return None
    return arr if pa.types.is_boolean(arr.type) else None


def _yes_no_only(col: Any) -> bool:
    """Every cell of an object column True, False or None (checked from its first cell)."""
    return type(col[0]) in (bool, type(None)) and set(map(type, col)) <= {bool, type(None)}


def _factorize(rows: int) -> Any:
    """pandas' ``factorize`` (codes and distinct values of a column, hashed in C) when pandas
    is already loaded (the data came as a DataFrame) or the column has at least
    :data:`FACTORIZE_ROWS` rows, else None.  Not imported for small columns: the CLI scores 512
    rows at a time, where factorize saves about 7 µs a column over a dict and the import costs
    0.3 s of CPU and 19 MB (rev9's routed CSV → Parquet run: 191 → 211 MB); on 200,000 rows of
    the ``mixed`` family the dict took 0.22 s against factorize's 0.18 s for the whole score."""
    module: Any = sys.modules.get("pandas")
    if module is None and rows >= FACTORIZE_ROWS:
        try:
            module = importlib.import_module("pandas")
        except ImportError:
            return None
    return getattr(module, "factorize", None)
