"""Where a once-rounded Decimal still decides exactly, and exact Decimal arithmetic where it may
not: the contexts (``WIDE``, ``ONCE``), the tests of a value that may be rounded, and the exact
quotients, steps, shares and differences the scorers and groups decide on."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_05UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import Any

from ..functions import DECIMAL_CONTEXT
from ..values import Series
from .rational import _q


def full(x: Any) -> bool:
    """Whether ``x`` may be a rounded result: a Decimal with 28 or more significant digits in
    its coefficient (a rounded 28-digit result always has all 28), or below the smallest normal
    size (an exact rational is not).

    Asked per value on the hot paths, so without ``as_tuple()`` (a named tuple per call): a
    coefficient of at most 27 digits passes a 27-digit context unchanged, exponent included;
    one of 28 or more is rounded there, which moves its exponent."""
    if type(x) is not Decimal or not x.is_finite():
        return False
    return x.adjusted() < -99 or not x.same_quantum(_PLUS27(x))


def maybe_rounded(x: Any) -> bool:
    """:func:`full` for a value a scorer reads: a number, or any value of a series."""
    if isinstance(x, Series):
        return any(full(v) for v in x.values())
    return full(x)


#: a 27-digit context's ``plus``: what :func:`full` compares ``x`` with
PLUS27 = _PLUS27 = Context(prec=27, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[]).plus


_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def has_long_number(config: Any) -> bool:
    """Whether a scorer's settings (a pydantic model, mappings, sequences) hold a number of 28
    significant digits: the grid argument covers numbers of at most 27 (a once-rounded value
    never ends in 0 or 5, so never equals one), but a 28-digit edge such as
    3333333333.333333333333333333 *is* what 10000000000 / 3 rounds to."""
    stack = [config]
    while stack:
        x = stack.pop()
        if isinstance(x, str):  # a range "[95%, 105%]", an expression: the numbers written
            stack.extend(Decimal(t) for t in _NUMBER.findall(x))
        elif isinstance(x, Decimal):
            if x.is_finite() and not x.is_zero():
                digits = x.as_tuple().digits
                if len(digits) >= 28 and len(bytes(digits).rstrip(b"\0")) >= 28:
                    return True
        elif isinstance(x, Mapping):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif hasattr(type(x), "model_fields"):  # a config model: its fields
            stack.extend(getattr(x, name, None) for name in type(x).model_fields)
    return False


def unsure_pair(a: Decimal, b: Decimal) -> bool:
    """Two values that may both be rounded, compared with each other: the comparison is sure
    only when they are apart by more than their error bounds."""
    if not (full(a) and full(b)):
        return False
    gap = abs(_WIDE.subtract(a, b))
    return gap <= (abs(a) + abs(b)).scaleb(-25) + _TINY


_TINY = Decimal("1e-120")
#: Exact Decimal arithmetic for decisions (a result that would need rounding is trapped).
WIDE = _WIDE = Context(prec=400, Emax=10**6, Emin=-(10**6), traps=[Inexact, InvalidOperation])


def exact_steps(beyond: Any, per: Decimal, up: bool) -> Decimal:
    """``ceil`` (``up``) or ``floor`` of ``beyond / per``, exactly."""
    if type(beyond) is Decimal:
        try:
            whole = _WIDE.divide_int(beyond, per)
            rest = _WIDE.remainder(beyond, per)
        except (Inexact, InvalidOperation):
            pass
        else:
            if rest and (rest > 0) == (per > 0) and up:
                whole = _WIDE.add(whole, 1)
            elif rest and (rest > 0) != (per > 0) and not up:
                whole = _WIDE.subtract(whole, 1)
            return whole
    q = _q(beyond) / _q(per)
    return Decimal(math.ceil(q) if up else math.floor(q))


def exact_quotient(a: Any, b: Any) -> Any:
    """``a / b`` exactly: a Decimal when it has at most 28 digits, else a :class:`Q`."""
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _EXACT28.divide(a, b)
        except (Inexact, InvalidOperation):
            pass
    return _q(a) / _q(b)


#: Where a result is rounded once: 28 digits, ROUND_05UP (never onto a last digit 0 or 5, so
#: never onto a number of at most 27 digits, a threshold or a half) — the expressions'
#: outermost operations too.
ONCE = Context(
    prec=DECIMAL_CONTEXT.prec,
    rounding=ROUND_05UP,
    Emin=DECIMAL_CONTEXT.Emin,
    Emax=DECIMAL_CONTEXT.Emax,
    capitals=1,
    clamp=0,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def share_of(got: Decimal, weight: Decimal, base: Decimal) -> Decimal:
    """``got × weight / base`` of exact decimals, rounded once."""
    try:
        return ONCE.divide(_WIDE.multiply(got, weight), base)
    except (Inexact, InvalidOperation):  # a product of more than 400 digits: exactly
        return _q(got) * weight / base  # type: ignore[no-any-return]


#: Relative error bound of a once-rounded value (< one unit of its 28th digit), doubled.
SLACK = Decimal("2e-27")
_EXACT28 = Context(prec=28, Emax=10**6, Emin=-(10**6), traps=[Inexact, InvalidOperation])


def exact_difference(a: Any, b: Any) -> Any:
    """``a − b`` exactly (a Decimal when it fits 400 digits, else a Q)."""
    if type(a) is not Decimal or type(b) is not Decimal:
        return _q(a) - _q(b)
    try:
        return _WIDE.subtract(a, b)
    except (Inexact, InvalidOperation):
        return _q(a) - _q(b)
