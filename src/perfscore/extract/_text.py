"""Normalise report text and keep a map back to the original lines and columns.

Text taken from a PDF is full of debris: every visual line ends in a line break (sentences and
even numbers are cut in two), page breaks leave runs of blank lines and stray page numbers, and
digits or punctuation may be full-width.  :func:`normalise` turns the original lines into one
string of *paragraphs* separated by ``"\\n"``:

* every character is NFKC-normalised (``３４１５．６２`` → ``3415.62``, ``，`` → ``,``,
  ``（`` → ``(``, ``％`` → ``%``);
* a run of spaces becomes one space (a tab stays a tab: it may separate table cells), so no
  pattern ever sees more than one blank in a row, however many the report holds;
* the OCR misreading ``万兀`` (for ``万元``) is repaired;
* blank lines and page-number lines (``- 3 -``, ``第 3 页``, ``3/10``, a bare ``3``) are dropped;
* with ``reflow`` (text from PDFs), a line is joined to the next one unless it ends a sentence
  (``。!?``), is clearly shorter than a full line, or the next line starts a heading or list item
  (``一、``, ``(二)``, ``(3)``, ``任务 1``, ``1、``).  Lines are joined without a space (Chinese),
  so a number cut across a line or page break is whole again.

Each character of the result remembers where it came from (one 64-bit integer per character),
so a match can be reported at its line and column in the *original* file.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["NormalText", "Span", "normalise"]

_NONE = -1
_SHIFT = 32

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–_·~ ]{0,8}\d{1,4}[-—–_·~ ]{0,8}"
    r"|第 ?\d{1,4} ?页(?: ?[,/]? ?共 ?\d{1,4} ?页)?"
    r"|\d{1,4} ?/ ?\d{1,4})$"
)
_MARKER = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、"
    r"|\( ?[一二三四五六七八九十0-9]{1,3} ?\)"
    r"|任务 ?(?:[0-9]{1,3}|[一二三四五六七八九十]{1,3})"
    r"|[0-9]{1,2}[、.](?![0-9])"
    r"|附件)"
)
_SENTENCE_END = "。!?"
_CLAUSE = re.compile("[。,;:!?]")
_CELL = re.compile(r"(?:[0-9][0-9,.]{0,30} ?%?|[—–-]{1,3})(?: ?\|)?$")
_BARE_NUMBER = re.compile(r"[0-9][0-9,.]{0,30} ?%?(?: ?\|)?$")
_SHORT = 0.6  # a line narrower than this share of a full line ends its paragraph
_REPAIRS = {"万兀": "万元"}  # OCR misreadings that can only mean one thing (same length)


@dataclass(frozen=True)
class Span:
    """A stretch of the original report: lines and columns count from 1; the end column is
    one past the last character (as in SARIF), and ``text`` is the original characters without
    the line breaks in between."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    def to_dict(self) -> dict[str, int | str]:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "text": self.text,
        }


@dataclass(frozen=True)
class NormalText:
    """Normalised paragraphs (``"\\n"``-separated) with each character's original position.

    ``origin[i]`` is ``line << 32 | column`` of ``text[i]`` in the original (0-based), or -1
    for a character that has none (the paragraph separators).
    """

    text: str
    origin: array[int]
    lines: tuple[str, ...]
    paragraphs: tuple[tuple[int, int], ...]

    def span(self, start: int, end: int) -> Span | None:
        """The original span of ``text[start:end]``; None when it holds no original character."""
        origins: list[int] = []
        for o in self.origin[start:end]:
            if o != _NONE and (not origins or origins[-1] != o):
                origins.append(o)
        if not origins:
            return None
        mask = (1 << _SHIFT) - 1
        chars = "".join(self.lines[o >> _SHIFT][o & mask] for o in origins)
        first, last = origins[0], origins[-1]
        return Span(
            (first >> _SHIFT) + 1,
            (first & mask) + 1,
            (last >> _SHIFT) + 1,
            (last & mask) + 2,
            chars,
        )

    def original(self, start: int, end: int) -> str:
        """The original characters behind ``text[start:end]`` (line breaks left out)."""
        span = self.span(start, end)
        return span.text if span else ""


@dataclass
class _Line:
    """One original line, normalised: its text and each character's origin."""

    text: str
    origin: array[int]


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# a blank run, or a blank other than a plain space: the line needs the slow path
_PLAIN = re.compile(r"\s{2,}|[^\S ]")


def _normal_line(index: int, line: str) -> _Line:
    base = index << _SHIFT
    if unicodedata.is_normalized("NFKC", line) and not _PLAIN.search(line):
        text = line.strip()  # the usual line: nothing to fold, no blank run
        lead = len(line) - len(line.lstrip())
        for wrong, right in _REPAIRS.items():
            text = text.replace(wrong, right)
        return _Line(text, array("q", range(base + lead, base + lead + len(text))))
    chars: list[str] = []
    origin = array("q")
    blank = False  # the last character kept is a collapsed blank
    for col, ch in enumerate(line):
        norm = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
        for c in norm:
            if c in "\r\n\x0c":
                continue
            if c.isspace():
                if blank:
                    if c == "\t":
                        chars[-1] = "\t"
                    continue
                c = "\t" if c == "\t" else " "
                blank = True
            else:
                blank = False
            chars.append(c)
            origin.append(base + col)
    text = "".join(chars)
    start, end = 0, len(text)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    text = text[start:end]
    for wrong, right in _REPAIRS.items():
        text = text.replace(wrong, right)
    return _Line(text, origin[start:end])


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def normalise(lines: Sequence[str], *, reflow: bool = True) -> NormalText:
    """Normalise ``lines`` (the original report, one entry per line) into paragraphs."""
    kept = [line for index, raw in enumerate(lines) if (line := _normal_line(index, raw)).text]
    content: list[_Line] = []
    for n, line in enumerate(kept):
        if reflow and len(line.text) <= 40 and _PAGE_NUMBER.match(line.text):
            previous = content[-1].text if content else ""
            following = kept[n + 1].text if n + 1 < len(kept) else ""
            # A bare number right after "3415." or "3,435," is the tail of a cut number; one
            # next to another bare number (or a blank cell) is a table cell, one per line.
            cut = previous.endswith((".", ",")) and line.text.strip().isdigit()
            cell = line.text.isdigit() and (_CELL.match(previous) or _CELL.match(following))
            if not (cut or cell):
                continue
        content.append(line)

    paragraphs: list[list[_Line]] = []
    if reflow and content:
        line_widths = [_width(c.text) for c in content]
        widths = sorted(line_widths)
        full = widths[min(len(widths) - 1, (len(widths) * 3) // 4)]
        current: list[_Line] = []
        for i, line in enumerate(content):
            if current and _MARKER.match(line.text):
                paragraphs.append(current)
                current = []
            if current and _latin(current[-1].text[-1]) and _latin(line.text[0]):
                tail = current[-1]
                current[-1] = _Line(tail.text + " ", tail.origin + tail.origin[-1:])
            current.append(line)
            last = i == len(content) - 1
            # a number cut by a line or page break: 3415. | 62, 执行数 2838 | 27 万元 — but two
            # lines that are each a bare number are two cells of a table, never one number
            cut_number = (
                not last
                and line.text[-1] in "0123456789.,"
                and content[i + 1].text[0].isdigit()
                and (line.text[-1] in ".," or not _BARE_NUMBER.match(line.text))
            )
            if cut_number:
                continue
            bare = _BARE_NUMBER.match(line.text) is not None
            # a bare number continues the sentence (3415. | 62 | 万元。) unless a number follows
            short = line_widths[i] < _SHORT * full and not (
                bare and not (i + 1 < len(content) and content[i + 1].text[0].isdigit())
            )
            # a heading line (一、… / (二)… with no sentence in it) ends its paragraph
            heading = (
                len(line.text) <= 32
                and _MARKER.match(line.text) is not None
                and not _CLAUSE.search(line.text)
            )
            if last or line.text[-1] in _SENTENCE_END or short or heading:
                paragraphs.append(current)
                current = []
        if current:
            paragraphs.append(current)
    else:
        paragraphs = [[c] for c in content]

    text_parts: list[str] = []
    origin = array("q")
    bounds: list[tuple[int, int]] = []
    offset = 0
    for n, para in enumerate(paragraphs):
        if n:
            text_parts.append("\n")
            origin.append(_NONE)
            offset += 1
        length = 0
        for piece in para:
            text_parts.append(piece.text)
            origin.extend(piece.origin)
            length += len(piece.text)
        bounds.append((offset, offset + length))
        offset += length
    return NormalText("".join(text_parts), origin, tuple(lines), tuple(bounds))
