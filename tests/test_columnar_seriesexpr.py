"""A series function inside arithmetic on the columnar path (#18, columnar/seriesexpr.py):
``round(mean(last(r, 3)) * 100, 2)``, ``(year(a, 2024) - y23) / y23``, bounds that are inputs
(``count_within(r, lo, hi)``), ``min``/``max`` of several series or of reductions, ``clamp``,
and ``year(s, y)`` read by other metrics — each equal to the per-record path row by row, with
no row sent there, over multi-year data written the way departments write it: blank years,
zeros, 万元 text, integers, negative growth, values exactly on a bound; the first failure in
the per-record order of evaluation decides (``x / t + mean(b)`` a zero denominator,
``mean(b) + x / t`` an error)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import SETTINGS  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.words import Bilingual  # noqa: E402
from test_columnar_series import _same  # noqa: E402


def _head(rule_set: str, title: str) -> str:
    """The rule sets' shared head: settings to fill ({zd}, {missing}) and the inputs."""
    return f'perfscore: 1\nid: {rule_set}\ntitle: {title}\nversion: "1"\n' + _INPUTS


_INPUTS = """\
settings: {zero_division: {zd}, missing: {missing}, places: 2}
inputs:
  budget: {type: series, of: money, unit: 万元}
  actual: {type: series, of: money, unit: 万元}
  staff: {type: series, of: integer}
  x: {type: money, unit: 万元}
  t: {type: number}
  lo: {type: percent}
  hi: {type: percent}
"""


ARITH = (
    _head("series_arithmetic", "年度序列运算")
    + """\
metrics:
  r: {expr: "ratio_series(actual, budget)"}
  y23: {expr: "year(actual, 2023)"}
  avg100: {expr: "round(mean(last(r, 3)) * 100, 2)"}
  grow: {expr: "(year(actual, 2024) - y23) / y23"}
  share: {expr: "round(y23 / x, 4)"}
  within: {expr: "count_within(r, lo, hi)"}
  above: {expr: "count_above(actual, t)"}
  swing: {expr: "max(staff) - min(staff)"}
  both: {expr: "max(mean(actual), sum(budget) / 3)"}
  order: {expr: "x / t + mean(budget)"}
  several: {expr: "min(actual, budget)"}
  neg: {expr: "-year(budget, 2022) + abs(x)"}
  cl: {expr: "clamp(sum(actual) / 100, lo, hi)"}
  late: {expr: "count_below(last(r, 2), year(r, 2022))"}
indicators:
  - {id: i_y23, title: 当年, weight: 5, value: y23, scorer: {type: threshold, op: ">=", target: 100}}
  - id: i_avg
    title: 近三年平均执行率
    weight: 15
    value: avg100
    scorer:
      type: bands
      bands:
        - {range: "[95, 105]", points: 15}
        - {range: "[90, 95)", points: 8}
      otherwise: 0
  - id: i_grow
    title: 增长
    weight: 10
    value: grow
    scorer:
      type: bands
      bands:
        - {range: ">= 0.05", points: 10}
        - {range: "[0, 0.05)", points: 5}
      otherwise: 0
  - {id: i_share, title: 占比, weight: 5, value: share, scorer: {type: proportional, target: 1}}
  - {id: i_within, title: 达标年数, weight: 10, value: within, scorer: {type: threshold, op: ">=", target: 2}}
  - {id: i_above, title: 高于, weight: 5, value: above, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: i_swing, title: 人员波动, weight: 10, value: swing, scorer: {type: threshold, op: "<=", target: 2}}
  - {id: i_both, title: 较大者, weight: 10, value: both, scorer: {type: threshold, op: ">=", target: 100}}
  - {id: i_order, title: 顺序, weight: 5, value: order, scorer: {type: threshold, op: ">=", target: 100}}
  - {id: i_several, title: 多序列, weight: 5, value: several, scorer: {type: threshold, op: ">=", target: 0}}
  - {id: i_neg, title: 负, weight: 5, value: neg, scorer: {type: threshold, op: "<=", target: 0}}
  - {id: i_cl, title: 夹取, weight: 10, value: cl, scorer: {type: threshold, op: ">=", target: 0.95}}
  - {id: i_late, title: 近年低于, weight: 5, value: late, scorer: {type: threshold, op: "<=", target: 0}}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""
)


def _rules(zd: str = "zero", missing: str = "not_applicable") -> str:
    return ARITH.replace("{zd}", zd).replace("{missing}", missing)


# figures as departments write them: 万元 with two decimals, round budgets, zeros, blanks,
# text with units, negative (a refund year), past float64's digits
_FIGURE = st.sampled_from(
    [
        100.0, 100.0, 95.0, 105.0, 90.0, 120.0, 13.51, 14.0, 0.0, 0, 1000, 250.5, 97.5, 3, 5,
        None, None,  # a blank year inside
        -20.0, "1,234.50万元", "95", Decimal("123456789012345.67"), "-", 10**16,
    ]
)  # fmt: skip
_YEARS = st.sampled_from([2021, 2022, 2023, 2024])
# (a text cell in a numeric column goes to the per-record path by design: the readers of
# perfscore.ingest turn 万元 text into numbers before the columns see it)
_SCALAR = st.sampled_from([None, 0, 0.0, 1, 3, 95, 95.0, 100, 105, 90.5, 250.5, -5])


@st.composite
def _series(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["series"] * 5 + ["blank", "empty"]))
    if kind == "blank":
        return None
    if kind == "empty":
        return {}
    years = draw(st.lists(_YEARS, min_size=1, max_size=4, unique=True))
    return {draw(st.sampled_from([y, y, str(y)])): draw(_FIGURE) for y in years}


@st.composite
def _row(draw: st.DrawFn) -> dict[str, Any]:
    """One department; actual is often the budget × a share (exactly on a band edge), staff
    whole numbers, growth negative as often as not."""
    row: dict[str, Any] = {"budget": draw(_series()), "actual": draw(_series())}
    budget = row["budget"]
    if isinstance(budget, dict) and draw(st.booleans()):
        k = draw(st.sampled_from([Decimal(1), Decimal("0.95"), Decimal("1.05"), Decimal("0.9")]))
        row["actual"] = {
            y: v * k if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else v
            for y, v in budget.items()
        }
    row["staff"] = draw(
        st.one_of(
            st.none(),
            st.dictionaries(_YEARS, st.one_of(st.none(), st.integers(0, 12)), max_size=4),
        )
    )
    for name in ("x", "t"):
        row[name] = draw(_SCALAR)
    row["lo"] = draw(st.sampled_from([None, 90, 95, 95.0, 100, 0]))
    row["hi"] = draw(st.sampled_from([None, 100, 105, 105.0, 90]))
    return row


_EDGES = [
    {  # every bound met exactly: 95 % and 105 % inside, mean exactly 100 %
        "budget": {2022: 100.0, 2023: 100.0, 2024: 100.0},
        "actual": {2022: 95.0, "2023": 105.0, 2024: 100.0},
        "staff": {2022: 10, 2023: 12, 2024: 10},
        "x": 105.0,
        "t": 100,
        "lo": 95,
        "hi": 105,
    },
    {  # a blank year (mean: error) and t = 0 (zero denominator): x / t comes first
        "budget": {2022: 100.0, 2023: None},
        "actual": {2022: 90.0, 2023: 80.0, 2024: 72.0},
        "staff": {},
        "x": 3,
        "t": 0,
        "lo": 100,
        "hi": 90,
    },
    {  # 2023 has no value: y23 none — grow errs at the subtraction, share at the division
        "budget": {2023: 0.0, 2024: 100.0},
        "actual": {2023: None, 2024: 100.0},
        "staff": None,
        "x": None,
        "t": None,
        "lo": None,
        "hi": None,
    },
]


@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS)
@settings(max_examples=70, deadline=None)
@given(rows=st.lists(_row(), min_size=1, max_size=30))
@example(rows=_EDGES)
def test_series_arithmetic_equals_per_record(
    zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    rs = perfscore.load_ruleset_text(_rules(zd, missing), source="a.yaml")
    cs = ColumnarScorer(rs, arithmetic=arithmetic)
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_the_first_failure_in_the_order_of_evaluation_decides() -> None:
    """Per record an expression stops at the first thing that raises, operands left to right
    and then the operation; a year without a value raises where it is used (missing data:
    the missing policy, not applicable here — an error until session 16)."""
    cases = [  # (metric, row, the per-record outcome with zero_division: zero)
        ("x / t + mean(budget)", {"budget": {2022: 1, 2023: None}, "x": 1, "t": 0}, "fail"),
        ("mean(budget) + x / t", {"budget": {2022: 1, 2023: None}, "x": 1, "t": 0}, "error"),
        ("year(budget, 2023) + x / t", {"budget": {2022: 1}, "x": 1, "t": 0}, "fail"),
        ("year(budget, 2023) * 2 + x / t", {"budget": {2022: 1}, "x": 1, "t": 0}, "not_applicable"),
        ("year(budget, 2023) + x", {"budget": {2022: 1}, "x": None, "t": 0}, "not_applicable"),
        ("count_above(budget, x)", {"budget": {2022: 1}, "x": None, "t": 0}, "not_applicable"),
        (
            "count_above(budget, year(actual, 2023))",
            {"budget": {2022: 1}, "actual": {2022: 2}},
            "not_applicable",
        ),
        ("clamp(mean(budget), x, t)", {"budget": {2022: 1}, "x": 3, "t": 2}, "error"),
        ("min(budget, actual)", {"budget": {2022: 1}, "actual": {2022: 2}}, "error"),
        ("sum(budget) / count(last(budget, 1))", {"budget": {2021: 1, 2022: None}}, "fail"),
        ("round(year(budget, 2023), 4)", {"budget": {2022: 1}}, "not_applicable"),
    ]
    for metric, row, outcome in cases:
        text = _rules().replace('"year(actual, 2023)"', f'"{metric}"', 1)
        rs = perfscore.load_ruleset_text(text, source="o.yaml")
        cs = ColumnarScorer(rs)
        assert cs.supported, (metric, cs.reason)
        full = {"budget": None, "actual": None, "staff": None, "x": 1, "t": 1, "lo": 95, "hi": 105}
        res = _same(cs, [{**full, **row}])
        assert res.outcomes("i_y23") == [outcome], metric


def test_a_blank_text_series_cell_is_a_blank() -> None:
    """ "" and "-" in a series cell are blanks, as the reader takes them (the input's
    missing-data policy), not refused figures."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(_rules(missing="zero"), source="b.yaml"))
    rows = [{**_EDGES[0], "actual": cell} for cell in ("", "-", None, "—")]
    res = _same(cs, rows)
    assert res.outcomes("i_y23") == ["fail"] * 4  # missing: zero


@pytest.mark.parametrize(
    ("metric", "construct", "zh"),
    [
        ('"mean(actual) if x > 0 else actual"', "if-else", "条件取值"),  # a series chosen
        ('"sum(actual) > 100"', "comparison", "比较"),  # a yes/no metric
        ('"round(sum(actual), x)"', "round() to places", "round() 的位数"),
        ('"year(actual, t)"', "year()", "year() 的年份"),
        ('"mean(last(actual, t))"', "last()", "last() 的年数"),
    ],
)
def test_what_stays_per_record_says_why_in_both_languages(
    metric: str, construct: str, zh: str
) -> None:
    """The reason names the metric, the indicators that read it and the construct."""
    from perfscore.functions import DEFAULT_FUNCTIONS

    functions = DEFAULT_FUNCTIONS.copy()

    @functions.register("growth", min_args=1, max_args=1)
    def growth(x: Any) -> Any:
        return x

    text = _rules().replace('"round(mean(last(r, 3)) * 100, 2)"', metric, 1)
    rs = perfscore.load_ruleset_text(text, source="w.yaml", functions=functions)
    cs = ColumnarScorer(rs)
    assert not cs.supported
    reason = cs.reason
    assert isinstance(reason, Bilingual), reason
    assert reason.startswith("metric avg100 (read by i_avg): ") and construct in reason, reason
    assert reason.zh.startswith("计算指标 avg100（i_avg 读它）：") and zh in reason.zh, reason.zh


def test_a_year_read_by_a_check_stays_per_record_and_says_so() -> None:
    text = _rules() + ('checks:\n  - {id: k, title: 当年, type: assert, expr: "y23 >= 0"}\n')
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="k.yaml"))
    assert not cs.supported
    reason = cs.reason
    assert isinstance(reason, Bilingual)
    assert "metric y23 (read by " in reason and "year(s, y) read beside" in reason
    assert "计算指标 y23" in reason.zh and "与其他值一起读" in reason.zh


def test_the_command_says_the_reason_in_its_language(tmp_path: Any) -> None:
    """``perfscore score … -o f.parquet`` on a rule set the columns do not score says why in
    the command's language (the reason's Chinese in a zh run, its English in an en run)."""
    pytest.importorskip("pyarrow")
    import yaml

    from cli_runner import run

    rules = tmp_path / "r.yaml"
    rules.write_text(
        _rules().replace('"round(mean(last(r, 3)) * 100, 2)"', '"mean(r) if x > 0 else r"', 1),
        encoding="utf-8",
    )
    data = tmp_path / "d.yaml"
    subjects = [{"id": f"d{i}", "values": {k: v for k, v in _EDGES[0].items()}} for i in range(3)]
    data.write_text(yaml.safe_dump({"subjects": subjects}, allow_unicode=True), encoding="utf-8")
    for lang, said in (("zh", "与逐年序列并用的条件取值"), ("en", "an if-else choice beside")):
        out = tmp_path / f"f-{lang}.parquet"
        _, _, err = run("score", str(rules), str(data), "-o", str(out), "--lang", lang)
        line = next((x for x in err.splitlines() if "avg100" in x), "")
        assert said in line and "i_avg" in line, err


LEAVES = (
    _head("series_leaf_values", "取值里的年度序列")
    + """\
metrics:
  r: {expr: "ratio_series(actual, budget)"}
indicators:
  - id: avg
    title: 近三年平均执行率
    weight: 25
    value: "round(mean(last(r, 3)) * 100, 2)"
    scorer:
      type: bands
      bands:
        - {range: "[95, 105]", points: 25}
        - {range: "[90, 95)", points: 15}
      otherwise: 0
  - {id: now, title: 当年, weight: 15, value: "year(actual, 2023)", scorer: {type: threshold, op: ">=", target: 100}}
  - {id: years, title: 达标年数, weight: 15, value: "count_within(r, lo, hi)", scorer: {type: threshold, op: ">=", target: 2}}
  - {id: per, title: 人均, weight: 15, value: "sum(actual) / max(staff)", scorer: {type: proportional, target: 50}}
  - id: band
    title: 逐年区间
    weight: 30
    value: "ratio_series(actual, budget)"
    scorer:
      type: series_bands
      last: 2
      at_least: 2
      bands:
        - {range: "[0.95, 1.05]", points: 30}
      otherwise: 0
"""
)
LETTERS = (
    LEAVES[: LEAVES.index("indicators:")].replace(
        "settings:", "letters: {letters: [A, B, C, D], plus: false}\nsettings:"
    )
    + """\
indicators:
  - id: letter
    title: 等级
    value: "mean(last(r, 2)) - x / 100"
    scorer:
      type: bands
      bands:
        - {range: ">= 1", grade: A}
        - {range: "[0.9, 1)", grade: B}
        - {range: "< 0.9", grade: C}
  - id: yearly
    title: 逐年等级
    value: "ratio_series(actual, budget)"
    scorer:
      type: series_bands
      last: 3
      at_least: 2
      bands:
        - {range: "[95%, 105%]", grade: A}
        - {range: "[90%, 110%]", grade: B}
      otherwise: D
"""
)


@pytest.mark.parametrize(
    ("shape", "zd", "missing", "arithmetic"),
    [
        ("points", "zero", "not_applicable", "auto"),
        ("points", "error", "error", "int"),
        ("points", "not_applicable", "zero", "float"),
        ("letters", "zero", "error", "auto"),
        ("letters", "not_applicable", "not_applicable", "int"),
    ],
)
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row(), min_size=1, max_size=30))
@example(rows=_EDGES)
def test_series_functions_in_a_leaf_value_equal_per_record(
    shape: str, zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    """A leaf whose value computes with series (and reads nothing else) runs as a metric of
    its own with the leaf's zero-division policy: the same outcome, points and letter."""
    base = LEAVES if shape == "points" else LETTERS
    text = base.replace("{zd}", zd).replace("{missing}", missing)
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="l.yaml"), arithmetic=arithmetic)
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_a_leaf_value_over_series_beside_another_read_says_why() -> None:
    """Its scorer reading another input would decide before the value per record: such a leaf
    stays per record, and the reason says to write the value as a metric."""
    text = LEAVES.replace("{zd}", "zero").replace("{missing}", "error")
    text = text.replace('op: ">=", target: 100}', 'op: ">=", target: t}')
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="l.yaml"))
    reason = cs.reason
    assert isinstance(reason, Bilingual), reason
    assert reason.startswith("indicator now: a series function in its value") and "(t)" in reason
    assert "评分指标 now" in reason.zh and "写成计算指标" in reason.zh


WHEN = (
    _head("series_when", "条件里的年度序列")
    + """\
metrics:
  r: {expr: "ratio_series(actual, budget)"}
  spent: {expr: "sum(actual)"}
indicators:
  - id: three
    title: 三年以上
    weight: 40
    when: "count(budget) >= 3"
    value: spent
    scorer: {type: threshold, op: ">=", target: 100}
  - id: grp
    title: 执行较好时
    weight: 40
    when: "mean(last(r, 3)) * 100 >= 95"
    children:
      - {id: g1, title: 人员, weight: 20, when: "not max(staff) - min(staff) > 2", value: x, scorer: {type: threshold, op: ">=", target: 1}}
      - {id: g2, title: 占比, weight: 20, when: "sum(actual) / x > 1", value: t, scorer: {type: threshold, op: ">=", target: 1}}
  - {id: now, title: 当年有值, weight: 20, when: "year(actual, 2023) > 0", value: x, scorer: {type: threshold, op: ">=", target: 1}}
grades:
  bands:
    - {id: A, min: 60}
    - {id: B, min: 0}
"""
)


@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS[:3])
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row(), min_size=1, max_size=30))
@example(rows=_EDGES)
def test_a_when_comparing_series_functions_equals_per_record(
    zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    """Each side computed from series runs as a metric; what it raises (a gap in ``mean``,
    ``x = 0``, no 2023 value) is the condition's error, what it reads failing decides first."""
    text = WHEN.replace("{zd}", zd).replace("{missing}", missing)
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="w.yaml"), arithmetic=arithmetic)
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_a_series_function_under_and_or_in_a_when_runs_by_columns() -> None:
    """Since session 11 the whole condition runs as one exact expression in Python's order
    (columnar/seriescond.py; more in tests/test_columnar_seriescond.py)."""
    text = WHEN.replace("{zd}", "zero").replace("{missing}", "error")
    text = text.replace('"count(budget) >= 3"', '"x > 0 and count(budget) >= 3"')
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="w.yaml"))
    assert cs.supported, cs.reason
    _same(cs, _EDGES)
