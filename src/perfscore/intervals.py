"""Intervals with explicit edges: ``[0.95, 1.05]``, ``(0, 0.1]``, ``>= 0.9``, ``< 60``, ``= 0``.

Published tables say "(含)" or "less than"; a band's inclusive side is part of the rule, so it
is written in the range itself and checked for gaps and overlaps when the rule set loads.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .numbers import literal_problem

__all__ = ["OP_SYMBOL", "Interval", "check_partition", "parse_interval", "range_text"]

_INF = Decimal("Infinity")
_BRACKET = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s\])]+)\s*([\])])\s*$")
_OP = re.compile(r"^\s*(>=|<=|>|<|==|=)\s*([^\s]+)\s*$")


@dataclass(frozen=True)
class Interval:
    low: Decimal
    high: Decimal
    low_inclusive: bool
    high_inclusive: bool
    text: str

    def __contains__(self, x: Decimal) -> bool:
        if x < self.low or (x == self.low and not self.low_inclusive):
            return False
        return not (x > self.high or (x == self.high and not self.high_inclusive))

    def describe(self) -> str:
        """The range as the rule set wrote it (data, and the messages that quote the file)."""
        return self.text.strip()

    def shown(self) -> str:
        """The range as a finding's words show it (:func:`range_text`)."""
        return range_text(self.text)


#: how a comparison is written for a reader (``>=`` in a rule file, ``≥`` in a finding)
OP_SYMBOL = {">=": "≥", "<=": "≤", "==": "=", "=": "=", "!=": "≠", ">": ">", "<": "<"}


def range_text(text: str) -> str:
    """A range as a bureau writes it, whatever the rule file's spelling: ``>= 90%`` and
    ``>=90%`` read ``≥ 90%``, ``<= 5%`` ``≤ 5%``, ``== 0`` ``= 0``, ``[80%,90%)``
    ``[80%, 90%)``; its figures as written.  Text that is no range stays as it is."""
    m = _BRACKET.match(text)
    if m:
        return f"{m.group(1)}{m.group(2)}, {m.group(3)}{m.group(4)}"
    m = _OP.match(text)
    if m:
        return f"{OP_SYMBOL[m.group(1)]} {m.group(2)}"
    return text.strip()


def _number(text: str) -> Decimal:
    t = text.strip().lower()
    if t in ("inf", "+inf", "infinity", "+infinity", "∞", "+∞"):
        return _INF
    if t in ("-inf", "-infinity", "-∞"):
        return -_INF
    pct = t.endswith("%")
    try:
        d = Decimal(t[:-1] if pct else t)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not d.is_finite():
        raise ValueError(f"{text.strip()!r} is not a number")
    problem = literal_problem(d)
    if problem is not None:
        raise ValueError(problem)
    return d / 100 if pct else d


def parse_interval(text: str) -> Interval:
    """Parse a range; ``95%`` means 0.95.  Raises ``ValueError`` with a plain message."""
    m = _BRACKET.match(text)
    if m:
        lo, hi = _number(m.group(2)), _number(m.group(3))
        lo_inc, hi_inc = m.group(1) == "[", m.group(4) == "]"
        if lo.is_infinite():
            lo_inc = False
        if hi.is_infinite():
            hi_inc = False
        if lo > hi or (lo == hi and not (lo_inc and hi_inc)):
            raise ValueError(f"range {text.strip()!r} is empty")
        return Interval(lo, hi, lo_inc, hi_inc, text)
    m = _OP.match(text)
    if m:
        op, v = m.group(1), _number(m.group(2))
        if op in ("=", "=="):
            return Interval(v, v, True, True, text)
        if op == ">=":
            return Interval(v, _INF, True, False, text)
        if op == ">":
            return Interval(v, _INF, False, False, text)
        if op == "<=":
            return Interval(-_INF, v, False, True, text)
        return Interval(-_INF, v, False, False, text)
    raise ValueError(
        f"cannot read range {text!r}; write it like '[0.95, 1.05]', '(0, 10%]', '>= 90' or '= 0'"
    )


def check_partition(intervals: Sequence[Interval]) -> list[tuple[int, str]]:
    """Problems (band index, message) when bands overlap or leave a gap between them.

    Bands may be listed in any order; outside the outermost edges is what ``otherwise`` covers.
    """
    problems: list[tuple[int, str]] = []
    order = sorted(
        range(len(intervals)), key=lambda i: (intervals[i].low, not intervals[i].low_inclusive)
    )
    for a, b in itertools.pairwise(order):
        x, y = intervals[a], intervals[b]
        if y.low < x.high or (y.low == x.high and x.high_inclusive and y.low_inclusive):
            problems.append((b, f"band {y.describe()!r} overlaps band {x.describe()!r}"))
        elif y.low > x.high or (y.low == x.high and not x.high_inclusive and not y.low_inclusive):
            problems.append(
                (
                    b,
                    f"gap between band {x.describe()!r} and band {y.describe()!r}: "
                    "values there would fall through",
                )
            )
    return problems
