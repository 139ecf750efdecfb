"""The exact rational :class:`Q` and the integer-pair arithmetic behind it: kept apart so that
every exact re-derivation (ops, scope, decisions) shares one definition of a value's exact form."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any


def _fraction_args(x: object) -> Fraction:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise InvalidOperation(f"{x} is not a finite number")
        return Fraction(x)
    if isinstance(x, int):
        return Fraction(x)
    raise TypeError(f"conversion from {type(x).__name__} to Decimal is not supported")


class Q(Fraction):
    """An exact rational that mixes with Decimals and ints in arithmetic (the result is a Q)
    and compares exactly with them; used only to re-derive a decision.  Arithmetic works on
    the integer pairs directly (``Fraction``'s own goes through abstract-class checks)."""

    __slots__ = ()

    def is_finite(self) -> bool:
        return True

    def is_zero(self) -> bool:
        return self.numerator == 0

    def copy_abs(self) -> Q:
        return _make(abs(self.numerator), self.denominator)

    def __add__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(self.numerator * d + n * self.denominator, self.denominator * d)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(self.numerator * d - n * self.denominator, self.denominator * d)

    def __rsub__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(n * self.denominator - self.numerator * d, self.denominator * d)

    def __mul__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        return _make(self.numerator * n, self.denominator * d)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        if n == 0:
            raise ZeroDivisionError(f"Fraction({self.numerator}, 0)")
        return _make(self.numerator * d, self.denominator * n)

    def __rtruediv__(self, other: Any) -> Any:
        o = _pair(other)
        if o is None:
            return NotImplemented
        n, d = o
        if self.numerator == 0:
            raise ZeroDivisionError(f"Fraction({n}, 0)")
        return _make(n * self.denominator, d * self.numerator)

    def __neg__(self) -> Q:
        return _make(-self.numerator, self.denominator)

    def __pos__(self) -> Q:
        return self

    def __abs__(self) -> Q:
        return _make(abs(self.numerator), self.denominator)

    # comparisons on the integer pairs too: Fraction's own hands a Decimal back to Decimal's
    # (NotImplemented, then a conversion) — the exact path compares with Decimals all along
    def __eq__(self, other: object) -> bool:
        o = _pair(other)
        if o is None:
            return Fraction.__eq__(self, other)
        n, d = o
        return self._numerator * d == n * self._denominator  # type: ignore[attr-defined,no-any-return]

    __hash__ = Fraction.__hash__

    def __lt__(self, other: Any) -> bool:
        o = _pair(other)
        if o is None:
            return Fraction.__lt__(self, other)
        n, d = o
        return self._numerator * d < n * self._denominator  # type: ignore[attr-defined,no-any-return]

    def __le__(self, other: Any) -> bool:
        o = _pair(other)
        if o is None:
            return Fraction.__le__(self, other)
        n, d = o
        return self._numerator * d <= n * self._denominator  # type: ignore[attr-defined,no-any-return]

    def __gt__(self, other: Any) -> bool:
        o = _pair(other)
        if o is None:
            return Fraction.__gt__(self, other)
        n, d = o
        return self._numerator * d > n * self._denominator  # type: ignore[attr-defined,no-any-return]

    def __ge__(self, other: Any) -> bool:
        o = _pair(other)
        if o is None:
            return Fraction.__ge__(self, other)
        n, d = o
        return self._numerator * d >= n * self._denominator  # type: ignore[attr-defined,no-any-return]

    def __repr__(self) -> str:
        return f"Q({self.numerator}, {self.denominator})"


_new = object.__new__


def _make(n: int, d: int) -> Q:
    """``n / d`` in lowest terms (any sign of ``d``; never zero)."""
    if d < 0:
        n, d = -n, -d
    g = math.gcd(n, d)
    q = _new(Q)
    if g != 1:
        n //= g
        d //= g
    q._numerator = n  # type: ignore[attr-defined]
    q._denominator = d  # type: ignore[attr-defined]
    return q


def _pair(x: Any) -> tuple[int, int] | None:
    """``x`` as (numerator, denominator; the denominator above zero), or None when it is no
    finite number."""
    t = type(x)
    if t is Q:
        return x._numerator, x._denominator
    if t is Decimal:
        return x.as_integer_ratio() if x.is_finite() else None
    if t is int or t is bool:
        return int(x), 1
    if isinstance(x, Fraction):
        return x.numerator, x.denominator
    return None


def _coerce(x: Any) -> Fraction | None:
    p = _pair(x)
    return None if p is None else _make(*p)


def _q(x: object) -> Q:
    if type(x) is Q:
        return x
    p = _pair(x)
    if p is None:
        _fraction_args(x)  # raises what the fast path would (TypeError, InvalidOperation)
        raise TypeError(f"conversion from {type(x).__name__} to Decimal is not supported")
    return _make(*p)


def exact_value(v: Any) -> Any:
    """A finite Decimal as a Q; anything else unchanged."""
    if isinstance(v, Decimal) and v.is_finite():
        return _make(*v.as_integer_ratio())
    return v


def exact_share(parts: Iterable[tuple[Any, Any]], total: Any) -> Q:
    """``Σ w × x / total`` exactly (coverage, a mean of shares), as a :class:`Q`: integer
    pairs added up, reduced once."""
    n, d = 0, 1
    for w, x in parts:
        wn, wd = _pair_of(w)
        xn, xd = _pair_of(x)
        pn, pd = wn * xn, wd * xd
        n, d = n * pd + pn * d, d * pd
    tn, td = _pair_of(total)
    if tn == 0:
        raise ZeroDivisionError("a share of nothing")
    return _make(n * td, d * tn)


def ratio(a: Decimal, b: Decimal) -> Q:
    """``a / b`` of two finite Decimals (``b`` not zero) as a :class:`Q`."""
    n, d = a.as_integer_ratio()
    m, e = b.as_integer_ratio()
    return _make(n * e, d * m)


def _pair_of(x: Any) -> tuple[int, int]:
    p = _pair(x)
    if p is None:
        raise TypeError(f"{x!r} is no finite number")
    return p
