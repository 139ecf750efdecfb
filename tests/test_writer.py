"""What the generated walks read of an expression (perfscore.evaluate.writer.read_lines): a
formula, a tier's ratio, a value that is not a plain name, a group's and a leaf's condition are
written into the points walk as their bodies — the full evaluator's points on values that make
a body raise too (an inner rounding, a zero denominator, a blank), and no expression called
where none does."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import pointsonly
from perfscore.evaluate.writer import read_lines
from perfscore.expr.compiled import CompiledExpression
from test_pointsonly import _data, _full, _no_full

INLINE = """perfscore: 1
id: inline
title: 写入
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  a: {type: money}
  b: {type: money}
  v: {type: number}
  score: {type: number}
  flag: {type: boolean}
  level: {type: text, choices: [achieved, partial]}
indicators:
  - id: g
    title: G
    weight: 50
    when: a > 0
    children:
      - {id: f1, title: F1, weight: 10, scorer: {type: formula, expr: 'min(10, 10 * a / b)'}}
      - {id: f2, title: F2, weight: 5, scorer: {type: formula, expr: '5 - max(0, 0.95 - v) * 100 * 0.25'}}
      - id: t1
        title: T1
        weight: 10
        scorer:
          type: tier
          tier: level
          ratio: score / 300
          tiers:
            - {id: achieved, range: "[0.8, 1]"}
            - {id: partial, range: "[0.6, 0.8)", default: 0.7}
      - {id: s1, title: S1, weight: 25, value: a + b, scorer: {type: threshold, op: '>=', target: 100}}
  - id: h
    title: H
    weight: 50
    children:
      - {id: c1, title: C1, weight: 20, when: flag, value: v, scorer: {type: threshold, op: '>=', target: 0.9}}
      - {id: c2, title: C2, weight: 30, value: v, scorer: {type: proportional, target: 2}}
"""
#: the expressions written into the walk (their text)
WRITTEN = {"a > 0", "min(10, 10 * a / b)", "5 - max(0, 0.95 - v) * 100 * 0.25", "score / 300"}
WRITTEN |= {"a + b", "flag"}


@pytest.fixture(scope="module")
def counted() -> Any:
    """INLINE built with every expression's compiled function counting its calls."""
    calls: list[str] = []
    prop = CompiledExpression.__call__

    def getter(self: CompiledExpression) -> Any:
        fn, text = self._fn, self.text

        def spy(scope: Any) -> Any:
            calls.append(text)
            return fn(scope)

        return spy

    CompiledExpression.__call__ = property(getter)  # type: ignore[assignment,method-assign]
    try:
        return perfscore.load_ruleset_text(INLINE), calls
    finally:
        CompiledExpression.__call__ = prop  # type: ignore[method-assign]


_cell = st.one_of(
    st.none(),
    st.sampled_from(["0", "1", "3", "7", "100", "-5", "0.95", "0.9", "240", "180"]),
    st.decimals(min_value=-10, max_value=400, places=2).map(str),
    st.sampled_from(["0.123456789012345678901234567", "2.000000000000000000000000001"]),
)


@settings(max_examples=600, deadline=None)
@given(a=_cell, b=_cell, v=_cell, score=_cell, flag=st.sampled_from([None, True, False]))
def test_expressions_written_in_place_give_the_full_evaluators_points(
    counted: Any, a: str | None, b: str | None, v: str | None, score: str | None, flag: Any
) -> None:
    rs, _ = counted
    given_ = {"a": a, "b": b, "v": v, "score": score, "flag": flag, "level": "partial"}
    data = _data(rs, {"id": "x", "values": {k: x for k, x in given_.items() if x is not None}})
    assert pointsonly.points(rs.evaluator._plan, data, _no_full) == _full(rs, data)


def test_an_expression_written_in_place_is_not_called(counted: Any) -> None:
    """A spy on every expression's function: a subject where no body raises calls none of
    those written into the walk; one whose body raises (an inner product beyond 28 digits)
    calls that one, which decides as before."""
    rs, calls = counted
    values = {"a": "95", "b": "100", "v": "0.9", "score": "200", "flag": True, "level": "partial"}
    data = _data(rs, {"id": "x", "values": values})
    calls.clear()
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert not WRITTEN & set(calls), calls
    assert got == _full(rs, data)
    data = _data(rs, {"id": "x", "values": {**values, "v": "0.123456789012345678901234567"}})
    calls.clear()
    got = pointsonly.points(rs.evaluator._plan, data, _no_full)
    assert "5 - max(0, 0.95 - v) * 100 * 0.25" in calls
    assert got == _full(rs, data)


def test_a_name_is_read_a_plain_body_written_an_inner_quotient_called() -> None:
    """A plain name is read from the scope; a plain body is written with the expression's
    call where it raises; a body with an inner quotient (decided ``pair first``) is the
    expression's own call."""
    text = INLINE.replace("10 * a / b", "a / b * 10")
    rs = perfscore.load_ruleset_text(text)
    leaves = {pn.node.id: pn.node for g in rs.evaluator._plan.tree for pn in g.children}
    names: list[Any] = []

    def value(x: Any) -> str:
        names.append(x)
        return f"_x{len(names)}"

    assert read_lines(value, leaves["c2"].value, "t") == ["t = scope[_x1]"] and names == ["v"]
    written = read_lines(value, leaves["s1"].value, "t")
    assert written[0] == "try:" and written[2] == "except _Exception:" and len(written) == 4
    assert written[3] == "    t = _x2(scope)" and names[1] is leaves["s1"].value.__call__
    called = read_lines(value, leaves["f1"].scorer.expr, "t")
    assert called == [f"t = _x{len(names)}(scope)"]  # (a / b inside: not written)
