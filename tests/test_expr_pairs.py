"""The pair form (perfscore.expr.pairs): plain arithmetic whose inner operation was inexact,
evaluated as one exact fraction and rounded once, gives the very Decimal — value and digits —
that the rational path gives, and that Python's own ``Fraction`` arithmetic rounds to; metrics
read by metrics included."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.expr import compile_expression, rounded_once
from perfscore.expr.pairs import NoPair, rounded_pair
from perfscore.subjects import read_subject
from test_exact_decisions import NAMES, _exact, decimals, expressions


def _rational(expr: Any, scope: dict[str, Any]) -> Any:
    """What the rational path gives: the exact value, rounded once."""
    return rounded_once(expr.exact(scope))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=expressions(), scope=st.fixed_dictionaries({k: decimals() for k in NAMES}))
@example(text="((a / b) * 3) / 3", scope={"a": Decimal(1), "b": Decimal(3), "c": 0, "d": 0})
@example(text="(a / 3) + (b / 3)", scope={"a": Decimal(1), "b": Decimal(2), "c": 0, "d": 0})
@example(text="(a / 3) * 3", scope={"a": Decimal("1E+40"), "b": 0, "c": 0, "d": 0})
@example(text="(a / 7) * 7", scope={"a": Decimal("-0.00"), "b": 0, "c": 0, "d": 0})
def test_the_pair_form_is_the_rational_path(text: str, scope: dict[str, Decimal]) -> None:
    expr = compile_expression(text, names=NAMES)
    pair = expr._pair()
    assert pair is not None  # + - * / over names and numbers: always a form
    exact = _exact(text, scope)
    try:
        got = rounded_pair(*pair(scope))
    except NoPair:  # a zero divisor, a huge integer: the rational path decides
        return
    except ArithmeticError:  # beyond 400 digits, or past the results' size: likewise
        return
    assert exact is not None
    want = _rational(expr, scope)
    assert (got, str(got)) == (want, str(want)), text
    assert got == rounded_once(Fraction(exact))


CHAIN = """perfscore: 1
id: pairs
title: 比例链
version: "1"
inputs:
  a: {type: number}
  b: {type: number}
  c: {type: number}
metrics:
  r: {expr: 'a / b'}
  pct: {expr: 'r * 100'}
  back: {expr: 'a / b / 3 * 3'}
  mixed: {expr: '(pct - c) / (r + 1)'}
  chained: {expr: 'round(r, 2) * 100 / 3'}
indicators:
  - {id: x, title: X, weight: 10, value: mixed, scorer: {type: threshold, op: '>=', target: 1}}
  - {id: y, title: Y, weight: 10, value: chained, scorer: {type: threshold, op: '>=', target: 1}}
"""
CHAIN_RS = perfscore.load_ruleset_text(CHAIN)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=decimals(), b=decimals(), c=decimals())
def test_metrics_on_rounded_metrics_are_the_rational_path(
    a: Decimal, b: Decimal, c: Decimal
) -> None:
    """A metric reading a rounded metric re-derives it by that metric's own pair form; each
    metric's value in the scan is what the rational path gives (value and digits)."""
    rs = CHAIN_RS
    data = read_subject(
        {"id": "x", "values": {"a": str(a), "b": str(b), "c": str(c)}},
        rs.compiled.inputs,
        index=0,
        subject_type="department",
    )
    scope, failures = rs.evaluator._scan(data)
    for name, expr in rs.compiled.metric_exprs.items():
        if name in failures:
            continue
        try:
            want = _rational(expr, scope)
        except perfscore.PerfscoreError:
            continue
        assert scope[name] == want, name  # the scan's value: the exact one rounded once
        pair = expr._pair()
        if pair is None:
            assert name == "chained"
            continue
        try:
            got = rounded_pair(*pair(scope))
        except (NoPair, ArithmeticError):
            continue
        assert (got, str(got)) == (want, str(want)), name


def test_what_has_no_pair_form() -> None:
    """Functions, comparisons and conditionals go the rational way (no form)."""
    for text in ("round(a / b, 2) * 3", "a / b if c > 0 else 1", "min(a / b, 1) * 3", "a // b"):
        names = {"a": "number", "b": "number", "c": "number"}
        assert compile_expression(text, names=names)._pair() is None, text
    assert CHAIN_RS.compiled.metric_exprs["mixed"]._pair() is not None
