"""Opening an ``.xlsx`` workbook to stream one sheet in bounded memory.

openpyxl's read-only mode streams the sheet's rows, but it reads the workbook's shared-string
table — every distinct text in the workbook, so in a department file one or two strings per
row (the department's code and name) — into a list of ``str`` objects first, each about
60–90 bytes, and its parser keeps a cleared element per string until the table is read.
:func:`open_workbook` loads the workbook the same way but keeps that table as UTF-8 bytes in
one ``bytearray`` with an array of end offsets (about 18 bytes a string), and past 65,536
strings in temporary files, giving each string back as it is asked for.  The texts are
exactly openpyxl's (``Text.content``, ``_x005F_`` escapes undone as openpyxl does).
"""

from __future__ import annotations

import functools
import math
import os
import sys
from array import array
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["SPILL", "SharedStrings", "open_workbook", "read_shared_strings"]


#: shared strings kept in memory; past them the table moves to temporary files on disk
SPILL = 1 << 16


class SharedStrings:
    """A workbook's shared strings, compactly: ``strings[i]`` is the i-th text.  Past
    :data:`SPILL` strings (about 1.2 MB of a department sheet's codes and names) the later
    ones go to two temporary files — their bytes, and their end offsets — read back with two
    small reads when a cell asks for one, so a workbook of any length is read in bounded
    memory (the files are deleted when the table is closed or dropped)."""

    __slots__ = ("_blob", "_ends", "_files", "_on_disk", "_pending", "_spill", "_written")

    def __init__(self, spill: int = SPILL) -> None:
        self._blob = bytearray()
        self._ends = array("Q")
        self._spill = spill
        self._files: tuple[IO[bytes], IO[bytes]] | None = None  # (bytes, end offsets)
        self._on_disk = 0  # strings past ``spill``; their offsets count from the files' start
        self._pending = (bytearray(), array("Q"))  # not yet written to the files
        self._written = 0  # bytes in the first file, and in the pending bytes before them

    def append(self, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        if len(self._ends) < self._spill:
            self._blob += data
            self._ends.append(len(self._blob))
            return
        blob, ends = self._pending
        blob += data
        self._written += len(data)
        ends.append(self._written)
        self._on_disk += 1
        if len(ends) >= 4096:
            self._flush()

    def _flush(self) -> None:
        """Write the pending strings to the temporary files (opened the first time)."""
        if self._files is None:
            import tempfile

            self._files = (
                tempfile.TemporaryFile(prefix="perfscore-strings-"),  # noqa: SIM115
                tempfile.TemporaryFile(prefix="perfscore-strings-"),  # noqa: SIM115
            )
        blob, ends = self._pending
        for fh, data in zip(self._files, (bytes(blob), ends.tobytes()), strict=True):
            fh.seek(0, os.SEEK_END)
            fh.write(data)
        self._pending = (bytearray(), array("Q"))

    def __len__(self) -> int:
        return len(self._ends) + self._on_disk

    def __getitem__(self, index: int) -> str:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(index)  # a cell naming a string the table lacks
        if index < 0:
            index += n
        kept = len(self._ends)
        if index < kept:
            start = self._ends[index - 1] if index else 0
            return self._blob[start : self._ends[index]].decode("utf-8", "surrogatepass")
        if self._pending[1]:
            self._flush()
        assert self._files is not None
        blob, ends = self._files
        k = index - kept
        ends.seek(8 * (k - 1) if k else 0)
        raw = ends.read(16 if k else 8)
        start = int.from_bytes(raw[:8], sys.byteorder) if k else 0
        end = int.from_bytes(raw[8:] if k else raw, sys.byteorder)
        blob.seek(start)
        return blob.read(end - start).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        """Delete the temporary files (the strings past :data:`SPILL` are then gone)."""
        if self._files is not None:
            for fh in self._files:
                fh.close()
            self._files = None
        self._on_disk = self._written = 0
        self._pending = (bytearray(), array("Q"))


def read_shared_strings(source: IO[bytes], spill: int = SPILL) -> SharedStrings:
    """The shared-string table (``xl/sharedStrings.xml``) as openpyxl reads it, kept compact;
    each ``<si>`` is dropped from the parse tree as soon as it is read."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    tag = f"{{{SHEET_MAIN_NS}}}si"
    out = SharedStrings(spill)
    root: Any = None
    for event, node in iterparse(source, events=("start", "end")):
        if root is None:
            root = node  # <sst>: its finished children are removed as we go
        elif event == "end" and node.tag == tag:
            text: Any = Text.from_tree(node)
            out.append(text.content.replace("x005F_", ""))
            root.clear()
    return out


def open_workbook(path: str | os.PathLike[str]) -> Any:
    """``openpyxl.load_workbook(path, read_only=True, data_only=True)`` with the shared
    strings kept compact (:class:`SharedStrings`)."""
    reader = _reader()(os.fspath(path), read_only=True, data_only=True)
    reader.read()
    return reader.wb


@functools.cache
def _reader() -> Any:
    """openpyxl's ``ExcelReader`` with its ``read_strings`` step keeping the table compact."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    def read_strings(self: Any) -> None:
        ct = self.package.find(SHARED_STRINGS)
        if ct is not None:
            with self.archive.open(ct.PartName[1:]) as src:
                self.shared_strings = read_shared_strings(src)

    return type("CompactStringsReader", (ExcelReader,), {"read_strings": read_strings})


def sheet_rows(ws: Any) -> Iterator[tuple[int, list[object], list[bool]]]:
    """``(row number, cell values, percent-formatted?)`` for each row of read-only sheet
    ``ws`` that has cells, in bounded memory.

    openpyxl's own read-only iteration clears each ``<row>`` element but leaves it in the
    parse tree (about 80 bytes a row) and keeps a dict per row that has a height or style;
    here each row is dropped from the tree once read.  Cell values come from openpyxl's
    parser (shared strings, numbers, dates, booleans, errors as openpyxl gives them); a
    number is percent-formatted when its cell's number format has a ``%``.
    """
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import (
        CELL_TAG,
        DATA_TAG,
        FORMULA_TAG,
        ROW_TAG,
        VALUE_TAG,
        WorkSheetParser,
    )
    from openpyxl.xml.functions import iterparse

    def uncomputed(row: Any) -> list[tuple[int, str]]:
        """``(column, "=formula")`` for each formula cell with no computed value: a workbook a
        program wrote (openpyxl, a reporting system) and Excel never saved.  Not a blank: its
        text reaches the reader, which refuses it naming the cell."""
        out = []
        for cell in row.iter(CELL_TAG):
            f = cell.find(FORMULA_TAG)
            if f is None or cell.findtext(VALUE_TAG) or cell.get("t", "n") != "n":
                continue  # computed (t="str" with an empty value: a formula giving "")
            where = cell.get("r")
            if where:
                out.append((coordinate_to_tuple(where)[1] - 1, f"={f.text or '(formula)'}"))
        return out

    wb = ws.parent
    percent: dict[int, bool] = {}

    def is_percent(style_id: int) -> bool:
        got = percent.get(style_id)
        if got is None:
            fmt = ReadOnlyCell(ws, 0, 0, 0, "n", style_id).number_format
            got = percent[style_id] = isinstance(fmt, str) and "%" in fmt
        return got

    with wb._archive.open(ws._worksheet_path) as src:  # what ws.iter_rows() opens
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        data: Any = None
        for event, element in iterparse(src, events=("start", "end")):
            if event == "start":
                if element.tag == DATA_TAG:
                    data = element
                continue
            if element.tag != ROW_TAG:
                continue
            has_formula = element.find(f".//{FORMULA_TAG}") is not None
            blank_formulas = uncomputed(element) if has_formula else []
            number, found = parser.parse_row(element)
            if data is not None:
                data.clear()  # the rows read so far (only this one) leave the tree
            parser.row_dimensions.clear()
            width = max((c["column"] for c in found), default=0)
            cells: list[object] = [None] * width
            fmt = [False] * width
            for c in found:
                col = c["column"] - 1
                v = cells[col] = c["value"]
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    if isinstance(v, float):
                        cells[col] = excel_number(v)
                    fmt[col] = is_percent(c["style_id"])
            for col, text in blank_formulas:
                if col < width and cells[col] is None:
                    cells[col] = text
            yield number, cells, fmt


def excel_number(v: float) -> float:
    """A number cell as Excel shows it: 15 significant digits.  A typed number has at most 15;
    a computed one (``=B2*0.95``, ``=SUM(…)``) is stored as its binary double in 17 digits —
    62311.35499999999 for 95 % of 65590.9 — and read as such it would fall a hair below the
    95 % line that the same sheet saved as CSV (62311.355) meets."""
    if math.isfinite(v) and len(repr(v)) > 16:  # 16+ digits take 17+ characters
        return float(f"{v:.15g}")
    return v
