"""A tier or grade named by an expression that reads numbers (#18, columnar/derived.py):
``'achieved' if score >= 80 else …`` — rev13's number-named tier, which sent a whole rule set
record by record — is a derived text column: the expression run once per distinct
combination of the cells it reads (as the per-record path reads them: a percent ÷ 100, a
blank its default or its failure), also through a plug-in function declared pure; every row
equal to the per-record path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import SETTINGS, object_columns  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.functions import Function, FunctionRegistry  # noqa: E402
from perfscore.plugins import default_functions  # noqa: E402

CALLS: list[Any] = []


def band(score: Any) -> Any:
    """A bureau's own 等次 from a 评审得分 (text), counting its calls."""
    CALLS.append(score)
    return "achieved" if score >= 80 else "partial" if score >= 60 else "not_achieved"


def registry(pure: bool) -> FunctionRegistry:
    reg = default_functions()
    reg.add(Function("band", band, 1, 1, "text", "等次", pure))
    return reg


_TIERS = """\
      tiers:
        - {id: achieved, title: 达成, range: "[0.8, 1]"}
        - {id: partial, title: 部分达成, range: "[0.6, 0.8)", default: 0.7}
        - {id: not_achieved, title: 未达成, range: "[0, 0.6)", default: 0.3}
"""

RULES = (
    """\
perfscore: 1
id: tiernum
title: 数值给出的等次
version: "1"
settings: {zero_division: {zd}, missing: {missing}, places: 2}
inputs:
  score: {type: number, title: 评审得分, min: 0, max: 100}
  rate: {type: percent, title: 执行率}
  n: {type: integer, min: 0, default: 3}
  ok: {type: boolean, title: 有佐证}
indicators:
  - id: t_score
    title: 按得分
    weight: 10
    scorer:
      type: tier
      tier: "'achieved' if score >= 80 else 'partial' if score >= 60 else 'not_achieved'"
      ratio: score / 100
"""
    + _TIERS
    + """\
  - id: t_rate
    title: 按执行率与佐证
    weight: 10
    scorer:
      type: tier
      tier: "'achieved' if rate >= 0.95 and ok else 'partial' if rate > 0.5 else 'nope'"
"""
    + _TIERS
    + """\
  - id: t_count
    title: 按件数
    weight: 5
    scorer:
      type: tier
      tier: "'achieved' if n * 2 > score / 10 else 'not_achieved'"
"""
    + _TIERS
    + """\
  - id: t_plug
    title: 插件给等次
    weight: 5
    scorer:
      type: tier
      tier: band(score)
"""
    + _TIERS
    + """\
grades:
  bands:
    - {id: A, min: 20}
    - {id: B, min: 0}
"""
)

_SCORE = st.sampled_from([None, 85, 80, 80.0, 79.99, 60, 59.5, 0, 100, 70, 150, -1, -0.0])
_RATE = st.sampled_from([None, 95, 94.99, 50, 50.01, 100, 120, 0.5])
_N = st.sampled_from([None, 0, 1, 3, 4, 2.5, 10])


@st.composite
def _row(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "score": draw(_SCORE),
        "rate": draw(_RATE),
        "n": draw(_N),
        "ok": draw(st.sampled_from([True, False, None])),
    }


_EDGES = [
    {"score": 80, "rate": 95, "n": 4, "ok": True},
    {"score": 60, "rate": 50, "n": None, "ok": False},
    {"score": None, "rate": None, "n": 0, "ok": None},
    {"score": 59.5, "rate": 120, "n": 2.5, "ok": True},
]


def _same(cs: ColumnarScorer, rows: list[dict[str, Any]]) -> Any:
    res = cs.score(object_columns(rows))
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)
    return res


def _rules(zd: str, missing: str, pure: bool = True) -> Any:
    text = RULES.replace("{zd}", zd).replace("{missing}", missing)
    return perfscore.load_ruleset_text(text, source="n.yaml", functions=registry(pure))


@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS)
@settings(max_examples=50, deadline=None)
@given(rows=st.lists(_row(), min_size=1, max_size=30))
@example(rows=_EDGES)
def test_number_named_tiers_equal_per_record(
    zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    cs = ColumnarScorer(_rules(zd, missing), arithmetic=arithmetic)
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_the_edges_and_who_goes_per_record() -> None:
    """80 is achieved (0.8 of the weight: a fail, pass_at being all of it), 60 partial,
    59.5 not achieved, a blank score takes the missing policy; only the refused cells (150
    out of range, an ambiguous 0.5 %, 2.5 pieces) go to the per-record path."""
    cs = ColumnarScorer(_rules("zero", "not_applicable"))
    rows = [*_EDGES, {"score": 150, "rate": 0.5, "n": 2.5, "ok": True}]
    res = _same(cs, rows)
    assert res.outcomes("t_score")[:4] == ["fail", "fail", "not_applicable", "fail"]
    assert res.outcomes("t_rate")[:3] == ["pass", "error", "not_applicable"]  # 50 %: nope
    assert res.fallback.tolist() == [False, False, False, True, True]  # 2.5 pieces; 150


def test_a_pure_plugin_is_called_once_per_distinct_cell() -> None:
    cs = ColumnarScorer(_rules("zero", "error"))
    rows = [{"score": s, "rate": 95, "n": 1, "ok": True} for s in [85.0, 70.0, 85.0, None] * 25]
    CALLS.clear()
    cs.score(object_columns(rows))
    assert sorted(CALLS) == [Decimal("70.0"), Decimal("85.0")]


def test_an_impure_plugin_naming_a_tier_says_why_not() -> None:
    cs = ColumnarScorer(_rules("zero", "error", pure=False))
    assert cs.reason is not None and "band()" in str(cs.reason)
    assert "未声明为纯函数" in getattr(cs.reason, "zh", "")


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(-1, 3), st.integers(-1, 4), st.sampled_from([-1, 0, 1])),
        min_size=1,
        max_size=40,
    )
)
def test_too_many_combinations_to_number_groups_the_rows_alike(rows: list[Any]) -> None:
    """Where the inputs' values are too many to number (``derived._by_rows``: the distinct
    rows), each row gets the code, value and 'raised' mark the numbered way gives it."""
    np = pytest.importorskip("numpy")
    from perfscore.columnar import derived

    def expr(scope: dict[str, Any]) -> str:
        if scope["c"] == "boom":
            raise ValueError("raised")
        return "high" if scope["a"] + scope["b"] >= 4 else f"low-{scope['c']}"

    d = derived.Derived("_cat_0", expr, ("a", "b", "c"))
    vocab = {"a": [0, 1, 2, 3], "b": [0, 1, 2, 3, 4], "c": ["ok", "boom"]}
    cols = {n: np.array([r[k] for r in rows], np.int64) for k, n in enumerate("abc")}
    codes, values, raised = derived.derived_codes(d, cols, vocab)
    codes2, values2, raised2 = derived._by_rows(d, [cols[n] for n in "abc"], vocab)
    named = [values[c] if c >= 0 else None for c in codes.tolist()]
    assert named == [values2[c] if c >= 0 else None for c in codes2.tolist()]
    want = [
        None if min(r) < 0 or r[2] == 1 else ("high" if r[0] + r[1] >= 4 else "low-ok")
        for r in rows
    ]
    assert named == want
    boom = [min(r) >= 0 and r[2] == 1 for r in rows]
    assert (raised is None and not any(boom)) or raised.tolist() == boom
    assert (raised2 is None and not any(boom)) or raised2.tolist() == boom
