"""The pair form (perfscore.expr.pairs): plain arithmetic whose inner operation was inexact,
evaluated as one exact fraction and rounded once, gives the very Decimal — value and digits —
that the rational path gives, and that Python's own ``Fraction`` arithmetic rounds to; metrics
read by metrics included."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.expr import compile_expression, rounded_once
from perfscore.expr.pairs import NoPair, rounded_pair
from perfscore.subjects import read_subject
from perfscore.values import Series
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
    _same_as_rational(text, scope)


@st.composite
def rounded_expressions(draw: Any) -> str:
    """Arithmetic with round(…, k) inside and around it."""
    inner = draw(expressions(2))
    k = draw(st.sampled_from(["", ", 0", ", 2", ", 1", ", -1", ", 3"]))
    outer = draw(st.sampled_from(["round({x}{k})", "round({x}{k}) * 3", "(a / 3) + round({x}{k})"]))
    return outer.format(x=inner, k=k)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=rounded_expressions(), scope=st.fixed_dictionaries({k: decimals() for k in NAMES}))
@example(text="round((a / b) * 3, 2)", scope={"a": Decimal("0.965"), "b": 1, "c": 0, "d": 0})
@example(text="round(a / 3, 0)", scope={"a": Decimal("-7.5"), "b": 1, "c": 0, "d": 0})
@example(text="round(a, -1) * 3", scope={"a": Decimal("-25"), "b": 1, "c": 0, "d": 0})
def test_round_in_the_pair_form_is_the_rational_path(text: str, scope: dict[str, Any]) -> None:
    _same_as_rational(text, scope)


@st.composite
def extreme_expressions(draw: Any) -> str:
    """Arithmetic inside and around ``min``/``max`` of two or three numbers — the formula
    ``min(w, w * a / b)`` among them."""
    xs = [draw(expressions(2)) for _ in range(draw(st.integers(2, 3)))]
    inner = f"{draw(st.sampled_from(['min', 'max']))}({', '.join(xs)})"
    outer = draw(st.sampled_from(["{x}", "{x} * 3", "(a / 3) + {x}", "min(3, 3 * {x})"]))
    return outer.format(x=inner)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=extreme_expressions(), scope=st.fixed_dictionaries({k: decimals() for k in NAMES}))
@example(text="min(3, 3 * (a / b))", scope={"a": Decimal(107), "b": Decimal(120), "c": 0, "d": 0})
@example(text="max((a / 3), (b / 3))", scope={"a": Decimal(1), "b": Decimal(1), "c": 0, "d": 0})
@example(text="min((a / b), (c / d))", scope={k: Decimal(-1 if k in "bd" else 2) for k in NAMES})
def test_min_and_max_in_the_pair_form_are_the_rational_path(
    text: str, scope: dict[str, Any]
) -> None:
    """The smaller (larger) exact value picked by cross-multiplication — of any signs —
    rounded once: the rational path's value and digits, and Python's Fraction ``min``."""
    _same_as_rational(text, scope, {"min": min, "max": max})


def _same_as_rational(
    text: str, scope: dict[str, Any], functions: dict[str, Any] | None = None
) -> None:
    expr = compile_expression(text, names=NAMES)
    pair = expr._pair()
    assert pair is not None  # + - * / over names and numbers: always a form
    try:
        got = rounded_pair(*pair(scope))
    except NoPair:  # a zero divisor, a huge integer: the rational path decides
        return
    except ArithmeticError:  # beyond 400 digits, or past the results' size: likewise
        return
    want = _rational(expr, scope)
    assert (got, str(got)) == (want, str(want)), text
    assert expr(scope) == got  # and the value the expression gives, whatever its path
    if "round" not in text:  # Python's own Fraction arithmetic (no round there)
        exact = _exact(text, scope) if functions is None else _fraction(text, scope, functions)
        assert exact is not None
        assert got == rounded_once(Fraction(exact))


def _fraction(text: str, scope: dict[str, Any], functions: dict[str, Any]) -> Fraction:
    """``text`` by Python's own Fraction arithmetic, with ``functions`` (min, max)."""
    source = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)", r"F('\1')", text)  # literals exactly
    values = {k: Fraction(v) for k, v in scope.items()}
    return Fraction(eval(source, {"__builtins__": {}, "F": Fraction, **functions}, values))


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
    for text in ("round(a / b, c) * 3", "a / b if c > 0 else 1", "abs(a / b) * 3", "a // b"):
        names = {"a": "number", "b": "number", "c": "number"}
        assert compile_expression(text, names=names)._pair() is None, text
    assert CHAIN_RS.compiled.metric_exprs["mixed"]._pair() is not None


@settings(max_examples=2000, deadline=None)
@given(
    sign=st.integers(0, 1),
    coefficient=st.one_of(
        st.integers(0, 10**40),
        st.integers(10**26, 10**29),
        st.integers(1, 10**28).map(
            lambda c: c * 10 ** max(0, 28 - len(str(c)))
        ),  # zeros at the end
    ),
    exponent=st.integers(-140, 120),
)
def test_full_counts_the_coefficient_s_digits(sign: int, coefficient: int, exponent: int) -> None:
    """exact.full (asked per value on the hot paths, without as_tuple) is its definition:
    28 or more digits in the coefficient, trailing zeros included, or below 1e-99."""
    from perfscore.exact import full

    x = Decimal((sign, tuple(int(c) for c in str(coefficient)), exponent))
    assert full(x) == (len(x.as_tuple().digits) >= 28 or x.adjusted() < -99)


def _outcome(fn: Any, scope: dict[str, Any]) -> tuple[str, str]:
    try:
        value = fn(scope)
    except perfscore.PerfscoreError as e:
        return "error", str(e)
    return "value", str(value)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=expressions(), scope=st.fixed_dictionaries({k: decimals() for k in NAMES}))
@example(text="((a / b) * c) * d", scope={k: Decimal("1E+60") for k in NAMES})
@example(text="((a * b) / 3) / c", scope={k: Decimal("1E+60") for k in NAMES})
@example(text="(a / b) * 0", scope={"a": Decimal(1), "b": Decimal(3), "c": 0, "d": 0})
@example(text="(a / b) + c", scope={"a": Decimal(1), "b": Decimal(0), "c": 0, "d": 0})
def test_the_pair_goes_first_where_a_quotient_is_inside(text: str, scope: dict[str, Any]) -> None:
    """An expression with a quotient inside tries its pair form before the fast code: the same
    value written the same way, and the same errors in the same words (an intermediate of
    1e98 or more, where the fast code would overflow, is left to it)."""
    from perfscore.expr.runtime import PLACED_FAST

    expr = compile_expression(text, names=NAMES)
    before = expr._build(PLACED_FAST, expr._constants, expr._reference_functions, expr._recover)
    assert _outcome(expr, scope) == _outcome(before, scope), text


# --- mean and sum of a series: their pair form ------------------------------------------------

SERIES_NAMES = {"s": "series", "a": "number", "b": "number"}


@st.composite
def year_series(draw: Any) -> Any:
    """A series as departments send it: a few years, some missing or empty, values on halves
    and thirds, money, many digits; now and then a value that is not a finite number."""
    from perfscore.values import Series

    years = sorted(draw(st.sets(st.integers(2015, 2024), max_size=5)))
    values = st.one_of(st.none(), decimals(), st.sampled_from([Decimal("Infinity")]))
    weights = [9, 1] if draw(st.integers(0, 4)) else [1, 1]  # mostly full, sometimes gappy
    points = []
    for y in years:
        blank = draw(st.sampled_from([False] * weights[0] + [True] * weights[1]))
        points.append((y, None if blank else draw(values)))
    return Series(tuple(points))


@st.composite
def reductions(draw: Any) -> str:
    """Arithmetic over ``mean``/``sum`` of ``s`` or of its last years, as rules write it."""
    fn = draw(st.sampled_from(["mean", "sum"]))
    inner = draw(st.sampled_from(["s", "last(s, 3)", "last(s, 1)", "last(s, 0)", "last(s, 5)"]))
    x = f"{fn}({inner})"
    outer = draw(
        st.sampled_from(
            [
                "{x}",
                "round({x} * 100, 2)",
                "round({x}, 0)",
                "({x} - 85) * 0.3",
                "{x} / b",
                "{x} * a / 3",
                "round({x} / 3, 2) + a",
            ]
        )
    )
    return outer.format(x=x)


def _said(fn: Any, scope: dict[str, Any]) -> tuple[str, str]:
    try:
        value = fn(scope)
    except perfscore.PerfscoreError as e:
        return "error", f"{type(e).__name__}: {e} / {getattr(e, 'zh', '')}"
    return "value", str(value)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=reductions(), s=year_series(), a=decimals(), b=decimals())
@example(
    text="round(mean(last(s, 3)) * 100, 2)",
    s=Series(((2021, Decimal("0.9")), (2022, Decimal("0.95")), (2023, Decimal("0.985")))),
    a=Decimal(0),
    b=Decimal(1),
)
@example(text="mean(last(s, 3))", s=Series(((2021, Decimal(1)), (2023, Decimal(2)))), a=0, b=1)
@example(text="mean(s)", s=Series(()), a=Decimal(0), b=Decimal(1))
@example(text="sum(last(s, 0))", s=Series(((2023, Decimal(2)),)), a=0, b=1)
def test_a_series_mean_or_sum_in_the_pair_form_is_the_rational_path(
    text: str, s: Any, a: Decimal, b: Decimal
) -> None:
    """``mean``/``sum`` of a series (or of its last years) inside arithmetic: its pair form
    gives the rational path's very Decimal, and the expression gives what it gave before
    (value and digits, or the same error in the same words); a window with every year's value
    a finite number never leaves the pair form."""
    expr = compile_expression(text, names=SERIES_NAMES)
    scope = {"s": s, "a": a, "b": b}
    pair = expr._pair()
    assert pair is not None, text
    before = compile_expression(text, names=SERIES_NAMES)
    before._pair_fn = None  # what it was: the rational path, rounded once, errors translated
    assert expr.chained and before.chained
    assert _said(expr, scope) == _said(before, scope), text
    window = _window_values(text, s)
    try:
        got = rounded_pair(*pair(scope))
    except NoPair:
        # only for what the form leaves to the rational path
        fine = window is not None and all(
            v is not None and v.is_finite() for v in window if "mean" in text or v is not None
        )
        assert not (fine and ("sum" in text or window)) or "/ b" in text or "round" in text
        return
    except ArithmeticError:
        return
    want = rounded_once(expr.exact(scope))
    assert (got, str(got)) == (want, str(want)), text
    if re.fullmatch(r"(mean|sum)\((s|last\(s, \d\))\)", text):
        assert window is not None
        present = [Fraction(v) for v in window if v is not None]
        exact = sum(present, Fraction(0)) / (len(present) if "mean" in text else 1)
        assert got == rounded_once(exact)  # Python's own Fraction arithmetic


def _window_values(text: str, s: Any) -> list[Decimal | None] | None:
    """The series' values the reduction reads (its last years' where ``last`` is written)."""
    for k in (0, 1, 3, 5):
        if f"last(s, {k})" in text:
            return list(s.last(k).values())
    return list(s.values())


def test_the_reductions_pair_form_is_used_without_the_rational_path(monkeypatch: Any) -> None:
    """A no-fallback spy: ``round(mean(last(s, 3)) * 100, 2)`` over a full window is decided
    by its pair form — the rational path is never asked — and gives the half-up result the
    exact mean says (0.945 → 94.50, 1/3 + … thirds); a gap still says mean's own error."""
    from perfscore.values import Series

    expr = compile_expression("round(mean(last(s, 3)) * 100, 2)", names=SERIES_NAMES)

    from perfscore.expr.compiled import CompiledExpression

    def no(self: Any, scope: Any) -> Any:
        raise AssertionError("the rational path was asked")

    monkeypatch.setattr(CompiledExpression, "exact", no)
    thirds = Series(((2021, Decimal("0.9")), (2022, Decimal("0.95")), (2023, Decimal("0.985"))))
    assert str(expr({"s": thirds})) == "94.5"  # (0.9 + 0.95 + 0.985) / 3 = 0.945 exactly
    halves = Series(((2020, Decimal(5)), (2021, Decimal("0.00001")), (2022, Decimal(0)),
                     (2023, Decimal("0.000005"))))  # fmt: skip
    assert expr({"s": halves}) == Decimal("0.00")  # 0.0000050 / ... rounds down
    one_third = Series(((2021, Decimal(1)), (2022, Decimal(0)), (2023, Decimal("0.00015"))))
    assert expr({"s": one_third}) == Decimal("33.34")  # 33.33338333… half up at 2 places
    monkeypatch.undo()
    gap = Series(((2021, Decimal(1)), (2023, Decimal(1))))
    with pytest.raises(perfscore.PerfscoreError) as caught:
        expr({"s": gap})
    assert "2022" in str(caught.value)


def test_a_plugin_reduction_has_no_pair_form() -> None:
    """A rule set's own series function (a plugin) is not the built-ins': no form, the
    rational path as before."""
    from perfscore.functions import DEFAULT_FUNCTIONS

    registry = DEFAULT_FUNCTIONS.copy()

    @registry.register("halfmean", min_args=1, max_args=1)
    def halfmean(s: Any) -> Decimal:
        return Decimal(1)

    expr = compile_expression("halfmean(s) * 100 / 3", names=SERIES_NAMES, functions=registry)
    assert expr.chained and expr._pair() is None
    assert expr({"s": Series(((2023, Decimal(1)),))}) == Decimal(100) / Decimal(3)
