"""A field's vocabulary: the labels a report writes before a figure, matched in linear time.

A template declares, per field, the words that introduce its figure (``labels``: 全年预算数,
调整后预算数, 部门预算总金额 …), words that must not stand right before a label
(``not_after``: 三公经费 before 预算数), and the gaps allowed between label and figure
(``gaps``: ``{n}个项目`` in 年初批复预算 12 个项目 350 万元).  Shared connectors (为, 是, :,
达到, 共计 …) and gaps (a parenthesis such as （含上年结转）) come from the template's
``vocabulary``.

Matching never backtracks over unbounded text: labels are found with one alternation of
literals; from each label, one *tail* pattern — built only from bounded repetitions — is tried
within a window of :data:`WINDOW` characters.  The work is at most (label occurrences ×
window), whatever the report holds.  A label that is part of a longer label of another field
(预算数 inside 年初预算数) is that other field's, never this one's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["WINDOW", "LabelHit", "Vocabulary", "compile_tail", "unbounded"]

WINDOW = 48  # characters after a label in which its figure must stand
_N = r"(?:[0-9]{1,6}|[一二三四五六七八九十百两]{1,4})"
_MONEY = r"(?:[0-9]{1,3}(?:,[0-9]{3}){1,5}|[0-9]{1,15})(?:\.[0-9]{1,6})?"
_CN = "零〇一二两三四五六七八九十百千"
_BOUNDARY = " \t\n|,.;:!?()、。，；：（）【】[]\"'“”‘’/"


def unbounded(pattern: str) -> bool:
    """True when ``pattern`` repeats something without an upper bound (``*``, ``+``, ``{2,}``)."""
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef,unused-ignore]

    def walk(items: object) -> bool:
        for op, arg in items:  # type: ignore[attr-defined]
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                _low, high, sub = arg
                if high == sre_parse.MAXREPEAT or walk(sub):
                    return True
            elif name == "SUBPATTERN":
                if walk(arg[-1]):
                    return True
            elif name == "BRANCH":
                if any(walk(branch) for branch in arg[1]):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT") and walk(arg[1]):
                return True
        return False

    return walk(sre_parse.parse(pattern))


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def compile_tail(
    kind: str,
    *,
    units: Sequence[str],
    connectors: Sequence[str],
    gaps: Sequence[str],
    qualifiers: Sequence[str],
) -> re.Pattern[str]:
    """The bounded pattern tried right after a label: connectors, a gap, a qualifier, the figure.

    ``kind`` is ``money`` (a number and one of ``units``, required), ``percent`` (a number and
    ``%``), ``integer`` (digits or a Chinese numeral, then an optional unit from ``units``) or
    ``score`` (a number, then an optional 分).
    """
    conn = _alternatives(connectors)
    lead = rf"(?:\s?(?:{conn})){{0,3}}\s?" if conn else r"\s?"
    gap = ""
    if gaps:
        inner = "|".join(g.replace("{n}", _N + r"\s?") for g in gaps)
        gap = rf"(?:(?:{inner})\s?(?:(?:{conn})\s?){{0,2}})?" if conn else rf"(?:(?:{inner})\s?)?"
    qual = rf"(?:(?P<qualifier>{_alternatives(qualifiers)})\s?)?" if qualifiers else ""
    unit = _alternatives(units)
    if kind == "percent":
        figure = r"(?P<value>[0-9]{1,4}(?:\.[0-9]{1,6})?)\s?%"
    elif kind == "integer":
        figure = rf"(?P<value>[0-9]{{1,9}}|[{_CN}]{{1,8}})(?![0-9.])"
        if unit:
            figure += rf"\s?(?P<unit>{unit})?"
    elif kind == "grade":
        figure = (
            r"[\"“”'‘’「」『』]?(?P<value>优\s?秀|良\s?好|中\s?等|较\s?差|优|良|中|差)"
            r"(?=$|[\s,.;:!?。，；、()（）\"”'’|]|等次|档|级)(?!\s?[、/,]\s?[优良中差])"
        )
    elif kind == "score":
        figure = r"(?P<value>[0-9]{1,3}(?:\.[0-9]{1,4})?)(?![0-9%])\s?(?:分)?"
    else:  # money: the unit after the figure, or in brackets after the label: 预算数(万元):200
        head_unit = rf"(?:\((?P<head_unit>{unit})\)\s?(?:(?:{conn or ':'})\s?){{0,2}})?"
        figure = (
            rf"(?P<value>{_MONEY})(?![0-9])"
            rf"(?(head_unit)(?!\s?[/每])|\s?(?P<unit>{unit})(?!\s?[/每]))"
        )
        return re.compile(lead + head_unit + gap + qual + figure)
    return re.compile(lead + gap + qual + figure)


@dataclass(frozen=True)
class LabelHit:
    """A label (``start``–``label_end``) and the figure the tail matched after it."""

    start: int
    label_end: int
    match: re.Match[str]


@dataclass(frozen=True)
class Vocabulary:
    """The compiled vocabulary of one field."""

    labels: tuple[str, ...]
    at_boundary: frozenset[str]  # labels that must start a clause (written with a leading ^)
    not_after: tuple[str, ...]
    tail: re.Pattern[str]
    finder: re.Pattern[str]
    shadows: Mapping[str, tuple[tuple[str, int], ...]]  # label -> (longer label, offset)

    @classmethod
    def build(
        cls,
        labels: Sequence[str],
        not_after: Sequence[str],
        tail: re.Pattern[str],
        others: Sequence[str],
    ) -> Vocabulary:
        plain = tuple(lb.removeprefix("^") for lb in labels)
        at_boundary = frozenset(lb[1:] for lb in labels if lb.startswith("^"))
        shadows: dict[str, tuple[tuple[str, int], ...]] = {}
        for label in plain:
            found = []
            for other in others:
                if other == label or label not in other:
                    continue
                k = other.find(label)
                while k >= 0:
                    found.append((other, k))
                    k = other.find(label, k + 1)
            shadows[label] = tuple(found)
        finder = re.compile(_alternatives(plain))
        return cls(plain, at_boundary, tuple(not_after), tail, finder, shadows)

    def _shadowed(self, text: str, start: int, label: str) -> bool:
        for other, k in self.shadows.get(label, ()):
            if start >= k and text.startswith(other, start - k):
                return True
        return any(text.endswith(word, 0, start) for word in self.not_after)

    def find(self, text: str, lo: int, hi: int) -> LabelHit | None:
        """The first label in ``text[lo:hi]`` with its figure right after it."""
        for m in self.finder.finditer(text, lo, hi):
            start, end = m.span()
            label = m.group()
            if label in self.at_boundary and start > 0 and text[start - 1] not in _BOUNDARY:
                continue
            if self._shadowed(text, start, label):
                continue
            tail = self._tail(text, end, hi)
            if tail is not None:
                return LabelHit(start, end, tail)
        return None

    def _tail(self, text: str, end: int, hi: int) -> re.Match[str] | None:
        limit = min(hi, end + WINDOW)
        stop = text.find("\n", end, limit)
        tail = self.tail.match(text, end, stop if stop >= 0 else limit)
        if tail is None and stop >= 0 and not text[end:stop].strip(" :|"):
            # the label ends its line (a cell, a PDF line): its figure may open the next one
            nxt = stop + 1
            stop = text.find("\n", nxt, min(hi, nxt + WINDOW))
            tail = self.tail.match(text, nxt, stop if stop >= 0 else min(hi, nxt + WINDOW))
        return tail
