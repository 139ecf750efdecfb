"""Checking a template file: :class:`_Checker` collects every located problem; a template's
pattern text (its macros ``{number}``, ``{percent}``, ``{unit}``, ``{qualifier}``, ``{cjk}``,
full-width folding) is expanded and compiled here."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from perfscore._yaml import Document
from perfscore.errors import Problem, did_you_mean
from perfscore.extract._template_model import _CJK, _MACRO, _NUMBER, _PERCENT
from perfscore.extract._vocab import unbounded


def _fold_pattern(pattern: str) -> str:
    """Fold full-width characters the way report text is folded (NFKC), escaping the result:
    an author may write ``（二）`` or ``：`` and it matches the normalised ``(二)`` / ``:``."""
    out = []
    for ch in pattern:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(re.escape(norm) if norm != ch else ch)
    return "".join(out)


def _expand(pattern: str, unit_alternatives: str, qualifiers: tuple[str, ...]) -> str:
    quals = "|".join(re.escape(q) for q in sorted(qualifiers, key=len, reverse=True))

    def macro(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "number":
            return _NUMBER
        if name == "percent":
            return _PERCENT
        if name == "cjk":
            return _CJK
        if name == "qualifier":
            return rf"(?:(?P<qualifier>{quals})\s*)?" if quals else ""
        return rf"(?P<unit>{unit_alternatives})"

    return _MACRO.sub(macro, _fold_pattern(pattern))


def _fold(word: str) -> str:
    """A vocabulary word as it appears in normalised report text (NFKC, one blank per run)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", word))


def _tail_kind(ftype: str, unit: str | None, units: Mapping[str, Decimal]) -> str:
    if ftype == "percent":
        return "percent"
    if ftype == "integer":
        return "integer"
    if unit == "分":
        return "score"
    return "money"


def _gaps(check: _Checker, doc: Document, raw: Any, path: tuple[str | int, ...]) -> list[str]:
    out = []
    items = check.texts(doc, raw, path, "a gap")
    for i, text in enumerate(items):
        at = path if isinstance(raw, str) else (*path, i)
        pattern = _fold_pattern(text)
        try:
            re.compile(pattern.replace("{n}", "0"))
        except re.error as exc:
            check.add(doc, at, f"invalid gap: {exc.msg}")
            continue
        if unbounded(pattern.replace("{n}", "0")):
            check.add(doc, at, "a gap must not repeat without a bound (write {0,20}, not * or +)")
            continue
        out.append(pattern)
    return out


def _words(check: _Checker, doc: Document, raw: Any, path: tuple[str | int, ...]) -> list[str]:
    return [_fold(w) for w in check.texts(doc, raw, path, "a label")]


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, doc: Document, path: tuple[str | int, ...], message: str, **kw: Any) -> None:
        self.problems.append(doc.problem(path, message, **kw))

    def keys(
        self,
        doc: Document,
        data: Mapping[str, Any],
        allowed: tuple[str, ...],
        path: tuple[str | int, ...],
    ) -> None:
        for key in data:
            if key not in allowed:
                self.add(
                    doc,
                    (*path, key),
                    f"unknown key {key!r}",
                    suggestion=did_you_mean(str(key), allowed),
                    key=True,
                )

    def text(self, doc: Document, value: Any, path: tuple[str | int, ...], what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.add(doc, path, f"{what} must be non-empty text")
        return None

    def texts(self, doc: Document, value: Any, path: tuple[str | int, ...], what: str) -> list[str]:
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.add(doc, path, f"{what} must be text or a list of text")
            return []
        out = []
        for i, item in enumerate(items):
            p = path if isinstance(value, str) else (*path, i)
            checked = self.text(doc, item, p, what)
            if checked is not None:
                out.append(checked)
        return out

    def regex(
        self,
        doc: Document,
        text: str,
        path: tuple[str | int, ...],
        units: str,
        quals: tuple[str, ...],
    ) -> re.Pattern[str] | None:
        try:
            return re.compile(_expand(text, units, quals))
        except re.error as exc:
            self.add(doc, path, f"invalid pattern: {exc.msg}")
            return None


def _context(
    check: _Checker, doc: Document, raw: Any, path: tuple[str | int, ...]
) -> tuple[int, int]:
    items = raw if isinstance(raw, list) else [raw, raw]
    if len(items) != 2 or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= 20 for i in items
    ):
        check.add(doc, path, "context must be a number of characters (0-20) or [before, after]")
        return (0, 0)
    return (items[0], items[1])
