"""The exact view of a subject (:class:`ExactScope`) and what a finding shows of an exact value
(:func:`plain`): the boundary between a subject's fast scope and the exact re-derivation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, Overflow
from fractions import Fraction
from typing import Any

from ..functions import DECIMAL_CONTEXT
from ..values import Series
from .decide import ONCE, maybe_rounded
from .rational import exact_value, ratio

_UNSET = object()


class ExactScope(Mapping[str, Any]):
    """A subject's scope with exact values: numbers as :class:`Q`, and each metric whose value
    may be rounded (a full 28 digits) re-derived by its own compiled expression over exact
    operations (memoised); ``get`` as a Mapping's."""

    __slots__ = ("_cache", "_fast", "_metrics")

    def __init__(self, fast: Mapping[str, Any], metrics: Mapping[str, Any]) -> None:
        self._fast = fast
        self._metrics = metrics
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        v = self._cache.get(name, _UNSET)
        if v is not _UNSET:
            return v
        fast = self._fast[name]
        expr = self._metrics.get(name)
        # a metric that may be rounded is re-derived (any other value is exact as it is) — a
        # series too: ratio_series' yearly quotients, which a mean must not add up as cut;
        # by its pair form over the fast values where it has one (one fraction of exact
        # Decimals: a / b is a / b), else by its exact form over this view — not by its fast
        # code: over a series of Decimals (``year(r, 2024) / year(r, 2023)``) that code meets
        # no Q and rounded the quotient at 28 digits again (3 × 133.25 / 150 = 2.665 gave 2.66)
        if expr is not None and maybe_rounded(fast):
            got = expr.pair_of(self._fast)
            v = ratio(*got) if got is not None else exact_value(expr.exact(self))
        elif type(fast) is Series:  # its figures as Qs: an expression over them is exact too
            v = _exact_series(fast)
        else:
            v = exact_value(fast)
        self._cache[name] = v
        return v

    def __contains__(self, name: object) -> bool:
        return name in self._fast

    def __iter__(self) -> Iterator[str]:
        return iter(self._fast)

    def __len__(self) -> int:
        return len(self._fast)


def _exact_series(s: Series) -> Series:
    """A series' figures as Qs (an inline ``year(r, 2024) / year(r, 2023)`` read from the exact
    view then meets a Q, and its fast code gives way to the exact form)."""
    if not any(type(v) is Decimal for v in s.values()):
        return s
    return Series(tuple((y, exact_value(v)) for y, v in s.points))


#: 28 digits without the results' 1e100 limit: what a finding shows of an exact value that is
#: past it (1e98 below a line is 1e100 steps of 0.01 — the points are the floor all the same)
_SHOWN = Context(prec=28, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


def plain(v: Any) -> Any:
    """What a finding shows for a value of the exact path: a Q as its 28-digit Decimal."""
    if isinstance(v, Fraction):
        try:
            return DECIMAL_CONTEXT.divide(Decimal(v.numerator), Decimal(v.denominator))
        except Overflow:
            return _SHOWN.divide(Decimal(v.numerator), Decimal(v.denominator))
    if isinstance(v, Mapping):
        return {k: plain(x) for k, x in v.items()}
    return v


#: :data:`_SHOWN` rounded as :data:`~.decide.ONCE` rounds (past the results' 1e100 limit)
_SHOWN_ONCE = Context(prec=28, rounding=ONCE.rounding, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


def as_fast(v: Any) -> Any:
    """What the fast path gives for a value the exact path re-derived (a threshold read from a
    metric): a Q as the expressions round it, once to 28 digits with ``ROUND_05UP`` — 2/3 is
    0.6666…6 there, not :func:`plain`'s 0.6666…7 — so a finding shows the same digits
    whichever path decided it; mappings likewise."""
    t = type(v)
    if t is Decimal or t is str or v is None:  # (a threshold's op and value, most often)
        return v
    if t is dict:
        return {k: as_fast(x) for k, x in v.items()}
    if isinstance(v, Fraction):
        try:
            return ONCE.divide(Decimal(v.numerator), Decimal(v.denominator))
        except Overflow:
            return _SHOWN_ONCE.divide(Decimal(v.numerator), Decimal(v.denominator))
    if isinstance(v, Mapping):
        return {k: as_fast(x) for k, x in v.items()}
    return v
