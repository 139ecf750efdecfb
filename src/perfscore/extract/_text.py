"""Normalise report text and keep a map back to the original lines and columns.

Text taken from a PDF is full of debris: every visual line ends in a line break (sentences and
even numbers are cut in two), page breaks leave runs of blank lines and stray page numbers, and
digits or punctuation may be full-width.  :func:`normalise` turns the original lines into one
string of *paragraphs* separated by ``"\\n"``:

* every character is NFKC-normalised (``３４１５．６２`` → ``3415.62``, ``，`` → ``,``,
  ``（`` → ``(``, ``％`` → ``%``);
* blank lines and page-number lines (``- 3 -``, ``第 3 页``, ``3/10``, a bare ``3``) are dropped;
* with ``reflow`` (text from PDFs), a line is joined to the next one unless it ends a sentence
  (``。!?``), is clearly shorter than a full line, or the next line starts a heading or list item
  (``一、``, ``(二)``, ``(3)``, ``任务 1``, ``1、``).  Lines are joined without a space (Chinese),
  so a number cut across a line or page break is whole again.

Each character of the result remembers where it came from, so a match can be reported at its
line and column in the *original* file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["NormalText", "Span", "normalise"]

Origin = tuple[int, int]  # (line index, column index), both 0-based

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–_·~ ]*\d{1,4}[-—–_·~ ]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})$"
)
_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+、"
    r"|\(\s*[一二三四五六七八九十0-9]+\s*\)"
    r"|任务\s*(?:[0-9]+|[一二三四五六七八九十]+)"
    r"|[0-9]{1,2}[、.](?![0-9])"
    r"|附件)"
)
_SENTENCE_END = "。!?"
_SHORT = 0.8  # a line narrower than this share of a full line ends its paragraph


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
    """Normalised paragraphs (``"\\n"``-separated) with each character's original position."""

    text: str
    origin: tuple[Origin | None, ...]
    lines: tuple[str, ...]
    paragraphs: tuple[tuple[int, int], ...]

    def span(self, start: int, end: int) -> Span | None:
        """The original span of ``text[start:end]``; None when it holds no original character."""
        origins: list[Origin] = []
        for o in self.origin[start:end]:
            if o is not None and (not origins or origins[-1] != o):
                origins.append(o)
        if not origins:
            return None
        first, last = origins[0], origins[-1]
        chars = "".join(self.lines[line][col] for line, col in origins)
        return Span(first[0] + 1, first[1] + 1, last[0] + 1, last[1] + 2, chars)

    def original(self, start: int, end: int) -> str:
        """The original characters behind ``text[start:end]`` (line breaks left out)."""
        span = self.span(start, end)
        return span.text if span else ""


def _width(chars: Sequence[tuple[str, Origin]]) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c, _ in chars)


def _normal_line(index: int, line: str) -> list[tuple[str, Origin]]:
    out: list[tuple[str, Origin]] = []
    for col, ch in enumerate(line):
        for norm in unicodedata.normalize("NFKC", ch):
            if norm in "\r\n\x0c":
                continue
            out.append((norm, (index, col)))
    while out and out[0][0].isspace():
        out.pop(0)
    while out and out[-1][0].isspace():
        out.pop()
    return out


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _text(chars: Sequence[tuple[str, Origin]]) -> str:
    return "".join(c for c, _ in chars)


def normalise(lines: Sequence[str], *, reflow: bool = True) -> NormalText:
    """Normalise ``lines`` (the original report, one entry per line) into paragraphs."""
    content: list[list[tuple[str, Origin]]] = []
    for index, raw in enumerate(lines):
        chars = _normal_line(index, raw)
        if not chars:
            continue
        if reflow and _PAGE_NUMBER.match(_text(chars)):
            previous = _text(content[-1]) if content else ""
            # A bare number right after "3415." or "3,435," is the tail of a cut number.
            if not (previous.endswith((".", ",")) and _text(chars).strip().isdigit()):
                continue
        content.append(chars)

    paragraphs: list[list[tuple[str, Origin]]] = []
    if reflow and content:
        widths = sorted(_width(c) for c in content)
        full = widths[min(len(widths) - 1, (len(widths) * 3) // 4)]
        current: list[tuple[str, Origin]] = []
        for i, chars in enumerate(content):
            if current and _MARKER.match(_text(chars)):
                paragraphs.append(current)
                current = []
            if current and _latin(current[-1][0]) and _latin(chars[0][0]):
                current.append((" ", current[-1][1]))
            current.extend(chars)
            last = i == len(content) - 1
            cut_number = (
                not last and chars[-1][0] in "0123456789.," and content[i + 1][0][0].isdigit()
            )
            if cut_number:
                continue
            short = _width(chars) < _SHORT * full and not _text(chars).isdigit()
            if last or chars[-1][0] in _SENTENCE_END or short:
                paragraphs.append(current)
                current = []
        if current:
            paragraphs.append(current)
    else:
        paragraphs = content

    text_parts: list[str] = []
    origin: list[Origin | None] = []
    bounds: list[tuple[int, int]] = []
    offset = 0
    for n, para in enumerate(paragraphs):
        if n:
            text_parts.append("\n")
            origin.append(None)
            offset += 1
        bounds.append((offset, offset + len(para)))
        text_parts.append(_text(para))
        origin.extend(o for _, o in para)
        offset += len(para)
    return NormalText("".join(text_parts), tuple(origin), tuple(lines), tuple(bounds))
