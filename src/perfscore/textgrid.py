"""The report's tables and lines as rich writes them to a console that shows no styles (a
file, a pipe, ``--format table``), without rich's general machinery: the same column widths
(rich's ``Table`` measures each cell, collapses the widest wrapping columns, then re-measures),
the same wrapping (rich's own ``Text.wrap`` and ``cell_len``, East Asian wide characters
counted as two cells) and the same box characters — about a tenth of the CPU.

:class:`Plain` raises :class:`Unplain` where it would have to guess (a column narrower than
3 cells, a line wider than the console, markup in a header): the caller then prints that
subject with rich itself.  ``tests/test_terminal_plain.py`` compares the two, byte for byte.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from rich.box import Box
    from rich.console import Console

__all__ = ["Column", "Plain", "Unplain"]


class Unplain(Exception):
    """What :class:`Plain` does not write as rich would for sure: print it with rich."""


class Column(NamedTuple):
    """A column as ``rich.table.Table.add_column`` was given it (header, justify, overflow,
    no_wrap); no fixed, minimum or maximum width, no ratio."""

    header: str
    justify: Literal["left", "right"] = "left"
    overflow: Literal["fold", "ellipsis"] = "ellipsis"
    no_wrap: bool = False


_TRAILING = re.compile(r"\s+$")  # (rich.text's)
#: the Table's padding: one space each side of a cell
_PAD = 2
_CACHE_LIMIT = 4096


class Plain:
    """Lines of text as ``console.print`` writes them (``console`` styles nothing: no colour
    system, not a terminal), collected in :attr:`parts`."""

    def __init__(self, console: Console) -> None:
        from rich._wrap import divide_line
        from rich.box import HEAVY_HEAD
        from rich.cells import cell_len, set_cell_size
        from rich.text import Text

        self.console = console
        self.width: int = console.width
        self.box: Box = HEAVY_HEAD.substitute(console.options, safe=console.safe_box)
        self.parts: list[str] = []
        self._cell_len = cell_len
        self._set_cell_size = set_cell_size
        self._divide = divide_line
        self._text = Text
        self._measured: dict[str, int] = {}
        self._cells: dict[tuple[str, int, Column], list[str]] = {}

    # -- lines ---------------------------------------------------------------------------------

    def line(self, text: str) -> None:
        """``console.print(Text(text))``: wrapped at the console's width (words, then folded)."""
        width = self.width
        _check(text)
        if (
            len(text) <= width
            and "\n" not in text
            and "\t" not in text
            and self._cell_len(text) <= width
        ):
            self.parts.append(text + "\n")
            return
        for plain in self._wrap(text, width, "default", "fold", False):
            if self._cell_len(plain) > width:
                raise Unplain(plain)
            self.parts.append(plain + "\n")

    def blank(self) -> None:
        """``console.print()``."""
        self.parts.append("\n")

    # -- tables --------------------------------------------------------------------------------

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
        """``console.print(table)`` of a ``Table(box=HEAVY_HEAD)`` with a header, these columns
        and rows of ``Text`` cells (no lines between rows, no footer, no title)."""
        if any("[" in c.header for c in columns):  # a header is markup to rich
            raise Unplain("markup")
        extra = 2 + len(columns) - 1  # the edges and a divider between columns
        widths = self._widths(columns, rows, self.width - extra)
        if min(widths) < 1 + _PAD or sum(widths) + extra > self.width:
            raise Unplain("narrow")
        box, out = self.box, self.parts
        out.append(box.get_top(widths) + "\n")
        header = [self._padded(c.header, w, c) for c, w in zip(columns, widths, strict=True)]
        last = len(rows) - 1
        for i, cells in enumerate([header, *[self._row(columns, r, widths) for r in rows]]):
            height = max(len(c) for c in cells)
            if i == 0:  # a header cell sits at the bottom of its row
                shaped = [
                    [" " * w] * (height - len(c)) + c for c, w in zip(cells, widths, strict=True)
                ]
                left, mid, right = box.head_left, box.head_vertical, box.head_right
            else:
                shaped = [
                    c + [" " * w] * (height - len(c)) for c, w in zip(cells, widths, strict=True)
                ]
                if i - 1 == last:
                    left, mid, right = box.foot_left, box.foot_vertical, box.foot_right
                else:
                    left, mid, right = box.mid_left, box.mid_vertical, box.mid_right
            for n in range(height):
                out.append(left + mid.join(c[n] for c in shaped) + right + "\n")
            if i == 0:
                out.append(box.get_row(widths, "head", edge=True) + "\n")
        out.append(box.get_bottom(widths) + "\n")

    def _row(
        self, columns: Sequence[Column], row: Sequence[str], widths: list[int]
    ) -> list[list[str]]:
        return [self._padded(t, w, c) for t, w, c in zip(row, widths, columns, strict=True)]

    def _padded(self, text: str, width: int, column: Column) -> list[str]:
        """A cell's lines, each ``width`` cells wide with its padding (``Padding(Text)``
        rendered ``width`` wide, justified and wrapped as its column says)."""
        key = (text, width, column)
        got = self._cells.get(key)
        if got is not None:
            return got
        inner = width - _PAD
        cell_len = self._cell_len
        _check(text)
        size = cell_len(text)
        if size <= inner and len(text) <= inner and "\n" not in text and "\t" not in text:
            # fits: no break, nothing stripped but a right-justified cell's trailing space
            if column.justify == "right":
                kept = text.rstrip()
                lines = [" " * (inner - cell_len(kept)) + kept]
            elif column.justify == "left":
                lines = [text + " " * (inner - size)]
            else:
                raise Unplain(column.justify)
        else:
            lines = []
            for plain in self._wrap(text, inner, column.justify, column.overflow, column.no_wrap):
                short = inner - cell_len(plain)
                if short < 0:
                    raise Unplain(plain)
                lines.append(plain + " " * short)
        got = [f" {line} " for line in lines]
        if len(self._cells) >= _CACHE_LIMIT:
            self._cells.clear()
        self._cells[key] = got
        return got

    def _wrap(
        self,
        text: str,
        width: int,
        justify: Literal["default", "left", "right"],
        overflow: Literal["fold", "ellipsis"],
        no_wrap: bool,
    ) -> list[str]:
        """``Text(text).wrap(console, width, ...)``'s lines: broken between words (a word wider
        than a line folded, or cropped), trailing space beyond the width dropped, justified,
        cut to the width.  A text with a newline or a tab: rich's own ``Text.wrap``."""
        if "\n" in text or "\t" in text:
            lines = self._text(text).wrap(
                self.console,
                width,
                justify=justify,
                overflow=overflow,
                tab_size=8,
                no_wrap=no_wrap,
            )
            return [one.plain for one in lines]
        if no_wrap:
            pieces = [text]
        else:
            offsets = self._divide(text, width, fold=overflow == "fold")
            if offsets:
                ends = [0, *offsets, len(text)]
                pieces = [text[a:b] for a, b in itertools.pairwise(ends)]
            else:
                pieces = [text]
            for i, piece in enumerate(pieces):  # Text.rstrip_end
                excess = len(piece) - width
                if excess > 0:
                    space = _TRAILING.search(piece)
                    if space is not None:
                        pieces[i] = piece[: -min(len(space.group(0)), excess)]
        cell_len, out = self._cell_len, []
        for piece in pieces:
            if justify == "right":
                piece = self._truncate(piece.rstrip(), width, overflow)
                piece = " " * (width - cell_len(piece)) + piece
            elif justify == "left":
                size = cell_len(piece)
                cut = self._truncate(piece, width, overflow)
                piece = cut + " " * (width - size) if size < width else cut
            out.append(self._truncate(piece, width, overflow))
        return out

    def _truncate(self, text: str, width: int, overflow: str) -> str:
        """``Text.truncate``: cut to ``width`` cells (an ellipsis in the last)."""
        if self._cell_len(text) > width:
            if overflow == "ellipsis":
                return self._set_cell_size(text, width - 1) + "…"
            return self._set_cell_size(text, width)
        return text

    # -- widths: rich.table.Table._calculate_column_widths, for columns as Column says ---------

    def _widths(
        self, columns: Sequence[Column], rows: Sequence[Sequence[str]], max_width: int
    ) -> list[int]:
        texts = [[c.header, *(r[i] for r in rows)] for i, c in enumerate(columns)]
        widths = [self._column(t, max_width) or 1 for t in texts]
        if sum(widths) > max_width:
            widths = _collapse(widths, [not c.no_wrap for c in columns], max_width)
            if sum(widths) > max_width:
                widths = _ratio_reduce(sum(widths) - max_width, [1] * len(widths), widths, widths)
            widths = [self._column(t, w) for t, w in zip(texts, widths, strict=True)]
        return widths

    def _column(self, texts: list[str], max_width: int) -> int:
        """``Table._measure_column(...).maximum``: the most a column's padded cells need
        (``Measurement.get`` of each ``Padding(Text(text), (0, 1))``, at most ``max_width``;
        below 3 cells a padded cell asks for all there is).  The least is never read where a
        table does not expand."""
        if max_width < 1:
            return 0
        if max_width - _PAD < 1:
            return max_width
        return min(max(self._widest(t) for t in texts) + _PAD, max_width)

    def _widest(self, text: str) -> int:
        """``Text.__rich_measure__(...).maximum``: the widest line, in cells."""
        got = self._measured.get(text)
        if got is None:
            cell_len = self._cell_len
            lines = text.splitlines()
            got = max(cell_len(line) for line in lines) if lines else 0
            if len(self._measured) >= _CACHE_LIMIT:
                self._measured.clear()
            self._measured[text] = got
        return got


def _check(text: str) -> None:
    """:class:`Unplain` for text whose width is not the sum of its characters' (a zero-width
    joiner, an emoji presentation selector: rich measures a line of them one way and its
    padding another)."""
    if "\u200d" in text or "\ufe0f" in text:
        raise Unplain(text)


def _collapse(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    """``Table._collapse_widths``: the widest wrapping columns narrowed, down to the next
    widest, until the table fits."""
    total = sum(widths)
    excess = total - max_width
    if any(wrapable):
        while total and excess > 0:
            widest = max(w for w, ok in zip(widths, wrapable, strict=True) if ok)
            second = max(
                w if ok and w != widest else 0 for w, ok in zip(widths, wrapable, strict=True)
            )
            difference = widest - second
            ratios = [
                1 if (w == widest and ok) else 0 for w, ok in zip(widths, wrapable, strict=True)
            ]
            if not any(ratios) or not difference:
                break
            most = [min(excess, difference)] * len(widths)
            widths = _ratio_reduce(excess, ratios, most, widths)
            total = sum(widths)
            excess = total - max_width
    return widths


def _ratio_reduce(
    total: int, ratios: list[int], maximums: list[int], values: list[int]
) -> list[int]:
    """``rich._ratio.ratio_reduce``."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    out: list[int] = []
    for ratio, most, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            given = min(most, round(ratio * remaining / total_ratio))
            out.append(value - given)
            remaining -= given
            total_ratio -= ratio
        else:
            out.append(value)
    return out
