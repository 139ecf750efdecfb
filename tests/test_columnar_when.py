"""The columnar path's conditional and letter constructs (#18, #13): an indicator's or a
group's ``when``, the aggregators other than ``weighted_sum`` (``mean``, ``weakest_link``,
``lookup``), letter grades (``grade`` scorers), text tests (``x in ('A', 'B')``),
``coalesce()`` and blanks read under ``is_missing``/``coalesce`` in checks and grade
overrides, and ``round(x, places)`` with the places read per row — each equal to the
per-record path, row by row, with no row sent to it."""

from __future__ import annotations

import math
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402

WHEN = """\
perfscore: 1
id: when_groups
title: 条件与汇总
version: "1"
settings: {places: 2, zero_division: not_applicable, missing: not_applicable}
inputs:
  budget: {type: money, min: 0}
  spent: {type: money, min: 0}
  plan: {type: integer, min: 0}
  done: {type: integer, min: 0}
  kind: {type: text, choices: [新建, 续建, 完工]}
  builds: {type: boolean}
metrics:
  rate: {expr: spent / budget}
indicators:
  - id: money
    title: 资金（续建项目不考核）
    weight: 40
    when: "kind != '续建'"
    children:
      - {id: r95, title: 执行率, weight: 20, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
      - id: prog
        title: 进度（有计划时）
        weight: 20
        when: plan > 0
        missing: zero
        value: done / plan
        scorer: {type: proportional, target: 1}
  - id: avg
    title: 平均得分
    weight: 30
    aggregate: mean
    children:
      - {id: a1, title: A1, weight: 10, when: budget >= 100, value: rate, scorer: {type: proportional, target: 0.9}}
      - {id: a2, title: A2, weight: 20, missing: zero, value: done, scorer: {type: threshold, op: ">=", target: 3}}
  - id: weakest
    title: 最弱项
    weight: 30
    aggregate: weakest_link
    when: "builds and spent / budget > 0.5"
    missing: error
    children:
      - {id: w1, title: W1, weight: 15, value: rate, scorer: {type: bands, bands: [{range: ">= 1", points: 15}, {range: "[0.9, 1)", points: 12}, {range: "< 0.9", points: 5}]}}
      - {id: w2, title: W2, weight: 15, when: "kind in ('新建', '完工')", value: done, scorer: {type: proportional, target: plan}}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""


@st.composite
def _when_rows(draw: st.DrawFn) -> dict[str, Any]:
    budget = draw(st.sampled_from([0.0, 100.0, 99.99, 13.51, 2000.0, math.nan]))
    share = draw(st.sampled_from([1.0, 0.95, 0.9, 0.5, 0.50001, 0.0, 1.2]))
    spent = math.nan if math.isnan(budget) else round(budget * share, 2)
    plan = draw(st.sampled_from([0.0, 3.0, 7.0, math.nan]))
    done = draw(st.sampled_from([0.0, 3.0, 7.0, 2.0, math.nan]))
    return {
        "budget": budget,
        "spent": draw(st.sampled_from([spent, spent, math.nan])),
        "plan": plan,
        "done": done,
        "kind": draw(st.sampled_from(["新建", "续建", "完工", None, "其他"])),
        "builds": draw(st.sampled_from([True, False, None])),
    }


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    for k in rows[0]:
        cells = [r[k] for r in rows]
        if any(isinstance(c, (str, bool)) or c is None for c in cells):
            cols[k] = np.array(cells, dtype=object)
        else:
            cols[k] = np.array(cells, dtype=np.float64)
    return cols


def _same(cs: ColumnarScorer, rows: list[dict[str, Any]]) -> Any:
    """Every score (points, outcome, letter), check, total and grade of every row equal to
    the per-record path's; no row fell back."""
    res = cs.score(_columns(rows))
    for i, rec in enumerate(rows):
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        want = cs.rs.evaluate_subject(clean, index=i)
        for sc in want.scores:
            got = (
                res.points_decimal(sc.rule_id)[i],
                res.outcomes(sc.rule_id)[i],
                res.letter_grades(sc.rule_id)[i],
            )
            assert got == (sc.points, sc.outcome, sc.grade), (i, sc, rec)
        for f in want.findings:
            if f.kind == "check":
                assert res.outcomes(f.rule_id)[i] == f.outcome, (i, f.rule_id, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)
    # none fell back but a bare 0 < x <= 1 in a percent input: ambiguous, the reader's to refuse
    percents = [n for n, spec in cs.inputs.items() if spec.type == "percent"]
    vague = [any(0 < (r.get(n) or 0) <= 1 for n in percents) for r in rows]
    assert res.fallback.tolist() == vague
    return res


@settings(max_examples=60, deadline=None)
@given(st.lists(_when_rows(), min_size=1, max_size=40))
@example(
    [
        {"budget": 0.0, "spent": 0.0, "plan": 0.0, "done": 0.0, "kind": "新建", "builds": True},
        {"budget": 100.0, "spent": 50.0, "plan": 3.0, "done": 3.0, "kind": None, "builds": True},
        {"budget": 13.51, "spent": 13.51, "plan": 7.0, "done": 2.0, "kind": "完工", "builds": None},
    ]
)
def test_when_and_other_aggregators_equal_per_record(rows: list[dict[str, Any]]) -> None:
    cs = ColumnarScorer(perfscore.load_ruleset_text(WHEN, source="w.yaml"))
    assert cs.supported, cs.reason
    _same(cs, rows)


#: the same, a not-applicable child's weight not handed on (a share of 0 in ``mean`` and
#: ``weakest_link``) and weights whose shares do not end (7.5 / 22.5, 15 / 15 of 30 → 1/3)
WHEN_ZERO = (
    WHEN.replace(
        "missing: not_applicable}", "missing: not_applicable, not_applicable_weight: zero}"
    )
    .replace("weight: 10, when: budget", "weight: 7.5, when: budget")
    .replace("id: a2, title: A2, weight: 20", "id: a2, title: A2, weight: 22.5")
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_when_rows(), min_size=1, max_size=40))
def test_mean_and_weakest_link_in_integers_equal_per_record(rows: list[dict[str, Any]]) -> None:
    """``mean``/``weakest_link`` on points are summed in integers (each child's share as
    ``points·coef / D``), not by the aggregator per distinct combination: the same results,
    not-applicable children counted as a share of 0 where their weight is not handed on."""
    assert WHEN_ZERO.count("22.5") == 1 and "not_applicable_weight: zero" in WHEN_ZERO
    cs = ColumnarScorer(perfscore.load_ruleset_text(WHEN_ZERO, source="z.yaml"))
    assert cs.supported, cs.reason
    assert all(k.ints is not None for k in cs.plan.tree if hasattr(k, "ints"))  # type: ignore[union-attr]
    _same(cs, rows)


def test_when_sends_the_subtree_to_not_applicable_or_error() -> None:
    """A group's ``when`` that does not hold makes every indicator under it not applicable;
    one that reads a blank under ``missing: error`` makes them errors; a division by zero in
    a ``when`` is an error (as the per-record path's ``applies``)."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(WHEN, source="w.yaml"))
    rows = [
        {"budget": 100.0, "spent": 95.0, "plan": 3.0, "done": 3.0, "kind": "续建", "builds": True},
        {"budget": 100.0, "spent": 95.0, "plan": 3.0, "done": 3.0, "kind": "新建", "builds": None},
        {"budget": 0.0, "spent": 0.0, "plan": 3.0, "done": 3.0, "kind": "新建", "builds": True},
    ]
    res = _same(cs, rows)
    assert (
        res.outcomes("r95")[0] == "not_applicable" and res.outcomes("prog")[0] == "not_applicable"
    )
    assert res.outcomes("w1")[1] == "error" and res.outcomes("weakest")[1] == "error"
    assert res.outcomes("w1")[2] == "error"  # spent / budget in the when divides by zero


LETTERS = """\
perfscore: 1
id: letters
title: 字母等级
version: "1"
letters: {letters: [A, B, C, D], plus: true, aliases: {"D*": D}}
settings: {missing: not_applicable}
inputs:
  d1: {type: text}
  d2: {type: text}
  d3: {type: text}
indicators:
  - id: m1
    title: M1
    aggregate: weakest_link
    children:
      - {id: a1, title: D1, when: "d1 not in ('NA', 'NU')", scorer: {type: grade, grade: d1}}
      - {id: a2, title: D2, when: "d2 != 'NA'", scorer: {type: grade, grade: d2}}
      - {id: a3, title: D3, scorer: {type: grade, grade: d3}}
  - id: m2
    title: M2
    aggregate: lookup
    table:
      - {grades: [A], result: A}
      - {grades: [B], result: B}
      - {grades: [D], result: D}
      - {grades: [B, A], result: B+}
      - {grades: [C, A], result: B}
      - {grades: [D, C], result: D+}
      - {grades: [A, A], result: A}
    children:
      - {id: b1, title: D1, when: "d1 not in ('NA', 'NU')", scorer: {type: grade, grade: d1}}
      - {id: b2, title: D2, when: "d2 == 'A' or d2 == 'C' or d2 == 'D*'", scorer: {type: grade, grade: d2}}
"""

_LETTER = st.sampled_from(["A", "B", "C", "D", "D*", "B+", "NA", "NU", "E", "", None])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"d1": _LETTER, "d2": _LETTER, "d3": _LETTER}), max_size=40))
def test_letters_weakest_link_and_lookup_equal_per_record(rows: list[dict[str, Any]]) -> None:
    """Letters (aliases, ``+`` steps, a text that is no grade: an error), ``weakest_link``
    and a ``lookup`` table with missing rows (an error of the group), ``when`` on text."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(LETTERS, source="l.yaml"))
    assert cs.supported, cs.reason
    if rows:
        _same(cs, rows)


def test_letter_columns_in_the_table() -> None:
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import score_frame

    rs = perfscore.load_ruleset_text(LETTERS, source="l.yaml")
    df = pd.DataFrame({"d1": ["A", "NA", "D*"], "d2": ["C", "B", None], "d3": ["B", "D", "A"]})
    out = score_frame(rs, df)

    def cells(name: str) -> list[Any]:
        return [None if pd.isna(x) else x for x in out[name].tolist()]

    assert cells("m1.grade") == ["C+", "D+", "D+"]
    assert cells("a1.grade") == ["A", None, "D"]
    assert cells("b2.outcome") == ["pass", "not_applicable", "not_applicable"]
    assert cells("total") == [None, None, None]


BLANKS = """\
perfscore: 1
id: blanks
title: 空值
version: "1"
settings: {places: 2}
inputs:
  a: {type: number}
  b: {type: number}
  f: {type: boolean}
  decimals: {type: integer, min: 0, max: 6}
  reported: {type: percent}
indicators:
  - {id: t, title: T, weight: 100, value: a, scorer: {type: threshold, op: ">=", target: 1}}
checks:
  - {id: c1, title: C1, type: assert, expr: is_missing(a) or a / b > 5}
  - {id: c2, title: C2, type: assert, expr: "coalesce(a, 1) / b > 5 and coalesce(f, True)"}
  - {id: c3, title: C3, type: assert, when: "coalesce(a, 0) > 0", expr: b > 1}
  - {id: c4, title: C4, type: equal, left: reported, right: "round(a / b, decimals + 2)"}
  - {id: c5, title: C5, type: assert, expr: "coalesce(b, 0) == 0 or coalesce(a, 0) / b >= 0.5"}
grades:
  bands:
    - {id: A, min: 50}
    - {id: B, min: 0}
  overrides:
    - {grade: B, when: "coalesce(b, 0) > 100"}
"""


@st.composite
def _blank_rows(draw: st.DrawFn) -> dict[str, Any]:
    b = draw(st.sampled_from([0.0, 1.0, 2.0, 3.0, 8.0, 200.0, math.nan]))
    decimals = draw(st.sampled_from([0.0, 1.0, 2.0, 6.0, math.nan]))
    a = draw(st.sampled_from([0.0, 1.0, 3.0, 5.0, 60.0, 0.005, 1.005, math.nan]))
    # the reported rate: the exact rounded one (often), one unit off, or another figure
    reported = math.nan
    if not (math.isnan(a) or math.isnan(b) or math.isnan(decimals) or b == 0):
        from decimal import ROUND_HALF_UP, Decimal

        exact = Decimal(repr(a)) / Decimal(repr(b)) * 100
        r = exact.quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP)
        reported = float(r + draw(st.sampled_from([0, 0, Decimal(1).scaleb(-int(decimals))])))
    return {
        "a": a,
        "b": b,
        "f": draw(st.sampled_from([True, False, None])),
        "decimals": decimals,
        "reported": draw(st.sampled_from([reported, reported, 50.0])),
    }


@settings(max_examples=80, deadline=None)
@given(st.lists(_blank_rows(), min_size=1, max_size=40))
@example([{"a": 3.0, "b": math.nan, "f": None, "decimals": 0.0, "reported": 50.0}])
@example([{"a": 3.0, "b": 200.0, "f": True, "decimals": 0.0, "reported": 2.0}])  # 1.5 % → 2 %
def test_coalesce_blank_reads_and_places_per_row_equal_per_record(
    rows: list[dict[str, Any]],
) -> None:
    """``coalesce`` (numbers and yes/no), a blank read outside it under a missing-aware check
    (missing data: 不适用, not a division by zero), ``round(x, places)`` with the places read per row
    (exact halves: 3 / 200 = 1.5 % → 2 %), and a grade override with ``coalesce``."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(BLANKS, source="b.yaml"))
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_a_blank_read_under_is_missing_is_missing_data_not_a_division_by_zero() -> None:
    """A blank computed with beside is_missing: the check reads missing data (不适用, session
    16: was an error), and says so — not the division by zero after it."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(BLANKS, source="b.yaml"))
    rows = [{"a": 3.0, "b": math.nan, "f": None, "decimals": 0.0, "reported": 2.0}]
    res = _same(cs, rows)
    assert res.outcomes("c1") == ["not_applicable"]
    pd = pytest.importorskip("pandas")
    report = perfscore.load_ruleset_text(BLANKS, source="b.yaml").evaluate(pd.DataFrame(rows))
    c1 = next(f for f in report.findings if f.rule_id == "c1")
    assert "missing" in (c1.message_en or "") and "zero" not in (c1.message_en or "")


def test_places_out_of_range_go_to_the_per_record_path() -> None:
    """Places the columnar path does not mirror (a whole number past 12, which the
    per-record path still accepts) are that row's alone to take the per-record path."""
    text = BLANKS.replace("max: 6}", "max: 20}")
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="b.yaml"))
    rows = [
        {"a": 1.0, "b": 3.0, "f": True, "decimals": 15.0, "reported": 33.33},
        {"a": 1.0, "b": 3.0, "f": True, "decimals": 2.0, "reported": 33.3333},
    ]
    res = cs.score(_columns(rows))
    assert res.fallback.tolist() == [True, False]
    want = [cs.rs.evaluate_subject(r, index=i) for i, r in enumerate(rows)]
    got = res.outcomes("c4")
    assert got == [next(f.outcome for f in w.findings if f.rule_id == "c4") for w in want]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.sampled_from([0, 5, 10**6, -(10**12), 2**61, -(2**61)]),
            st.integers(-1, 6),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_distinct_rows_of_children_results(rows: list[tuple[int, int, int]]) -> None:
    """The distinct combinations a ``mean``/``weakest_link``/``lookup`` group is run on: one
    int64 key per row where the ranges allow (wide points numbered first), numpy's row-wise
    unique where they do not — the same rows and the same index either way."""
    from perfscore.columnar.tree import distinct_rows

    parts = [np.array([r[k] for r in rows], np.int64) for k in range(3)]
    uniq, where = distinct_rows(parts)
    assert sorted(map(tuple, uniq.tolist())) == sorted(set(rows))
    assert [tuple(uniq[w]) for w in where.tolist()] == rows


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-(2**40), 2**40), min_size=13 * 40, max_size=13 * 40))
def test_distinct_rows_past_one_int64_key(cells: list[int]) -> None:
    """Thirteen columns of 40 distinct wide values: no single int64 key holds them all —
    numpy's row-wise unique decides, with the same answer."""
    from perfscore.columnar.tree import distinct_rows

    parts = [np.array(cells[k * 40 : (k + 1) * 40], np.int64) for k in range(13)]
    rows = list(zip(*(p.tolist() for p in parts), strict=True))
    uniq, where = distinct_rows(parts)
    assert sorted(map(tuple, uniq.tolist())) == sorted(set(rows))
    assert [tuple(uniq[w]) for w in where.tolist()] == rows


@pytest.mark.parametrize("arithmetic", ["auto", "int", "float"])
def test_a_value_too_large_to_round_exactly_goes_to_the_per_record_path(arithmetic: str) -> None:
    """A rounded value past float64's exact integers (a tiny divisor: 1 / 1e-26, 95 / 1e-300)
    is the per-record path's to decide — its Decimal context refuses to round it (an error
    finding) — instead of a 'fail' on the columnar path or an OverflowError for the batch."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(BLANKS, source="b.yaml"), arithmetic=arithmetic)
    rows = [
        {"a": 1.0, "b": 1e-26, "f": True, "decimals": 0.0, "reported": 2.0},
        {"a": 95.0, "b": 1e-300, "f": True, "decimals": 6.0, "reported": 95.0},
        {"a": 1.0, "b": 3.0, "f": True, "decimals": 2.0, "reported": 33.33},
    ]
    res = cs.score(_columns(rows))
    assert res.fallback[:2].all()  # (an overflow in a span of 64 rows sends the span there)
    want = [cs.rs.evaluate_subject(r, index=i) for i, r in enumerate(rows)]
    assert res.outcomes("c4") == [
        next(f.outcome for f in w.findings if f.rule_id == "c4") for w in want
    ]
    assert res.outcomes("c4") == ["error", "error", "pass"]
