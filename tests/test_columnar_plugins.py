"""A bureau's own (plug-in) functions inside a columnar run (#18, columnar/rowexpr.py): the
expressions that call one — a metric, an indicator's value, a scorer's expression, a tier's
ratio — run per row by the per-record evaluator's own compiled expression, everything else by
columns; every row equal to the per-record path, over plug-ins that return a Decimal, an int,
None or text, raise, divide by zero, are slow, count their calls (impure), or are declared
pure (called once per distinct combination of what they read)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import SETTINGS, object_columns  # noqa: E402
from perfscore.columnar import OUTCOMES, ColumnarScorer  # noqa: E402
from perfscore.functions import Function, FunctionRegistry  # noqa: E402
from perfscore.plugins import default_functions  # noqa: E402

CALLS: list[tuple[str, tuple[Any, ...]]] = []


def grow(a: Any, b: Any) -> Any:
    """(a − b) / b — a Decimal; b = 0 divides by zero (the per-record zero failure)."""
    CALLS.append(("grow", (a, b)))
    return (a - b) / b


def odd(x: Any) -> Any:
    """Every kind of result by the argument: a raise, None, text, an int, a Decimal."""
    CALLS.append(("odd", (x,)))
    k = int(x) % 7 if x == x.to_integral_value() else 6
    if k == 1:
        raise ValueError("boom")
    if k == 2:
        return None
    if k == 3:
        return "文字"
    if k == 4:
        return 7
    return x * Decimal("0.5")


def slow(x: Any) -> Any:
    """Slow (a loop per call) but plain: x rounded to 2 places after some work."""
    total = 0
    for k in range(200):
        total += k
    return (x + total - total).quantize(Decimal("0.01"))


def share_of(word: Any, x: Any) -> Any:
    """A text input's share (a bureau's table of 等次 → 系数) times a number."""
    return {"achieved": Decimal(1), "partial": Decimal("0.7")}.get(word, Decimal("0.3")) * x


TICK = [0]


def tick(x: Any) -> Any:
    """Impure: how many times it was called (the per-record path and the columns call it in
    the same rows, so a run that calls it once per row gives the same count)."""
    TICK[0] += 1
    return x


def registry(pure: bool) -> FunctionRegistry:
    reg = default_functions()
    reg.add(Function("grow", grow, 2, 2, "number", "growth", pure))
    reg.add(Function("odd", odd, 1, 1, "number", "odd", pure))
    reg.add(Function("slow", slow, 1, 1, "number", "slow", pure))
    reg.add(Function("share_of", share_of, 2, 2, "number", "share", pure))
    return reg


_TIERS = """\
      tiers:
        - {id: achieved, range: "[0.8, 1]"}
        - {id: partial, range: "[0.6, 0.8)", default: 0.7}
        - {id: not_achieved, range: "[0, 0.6)", default: 0.3}
"""

RULES = (
    """\
perfscore: 1
id: plug
title: 插件函数
version: "1"
settings: {zero_division: {zd}, missing: {missing}, places: 2}
inputs:
  spent: {type: money, unit: 万元, min: 0}
  budget: {type: money, unit: 万元, min: 0}
  last: {type: money, unit: 万元, min: 0}
  rate: {type: percent}
  n: {type: number}
  tier: {type: text, choices: [achieved, partial, not_achieved]}
metrics:
  exec: {expr: spent / budget}
  g: {expr: "grow(spent, last)"}
  g2: {expr: "g * 100 + grow(budget, last)"}
  o: {expr: odd(n)}
  w: {expr: "share_of(tier, exec)"}
indicators:
  - {id: i_exec, title: i_exec, weight: 10, value: exec, scorer: {type: threshold, op: ">=", target: 0.9}}
  - {id: i_g, title: i_g, weight: 10, value: g, scorer: {type: proportional, target: 0.1}}
  - {id: i_g2, title: i_g2, weight: 10, scorer: {type: formula, expr: "clamp(g2, 0, 10)"}}
  - {id: i_o, title: i_o, weight: 5, scorer: {type: formula, expr: "clamp(o, 0, 5)"}}
  - {id: i_val, title: i_val, weight: 5, value: "odd(n) + spent / 100", scorer: {type: threshold, op: ">=", target: 2}}
  - {id: i_form, title: i_form, weight: 5, scorer: {type: formula, expr: "min(5, max(0, slow(rate * 10) - odd(n)))"}}
  - {id: i_tgt, title: i_tgt, weight: 5, value: spent, scorer: {type: threshold, op: ">=", target: "slow(budget) * 0.9"}}
  - {id: i_w, title: i_w, weight: 5, value: w, scorer: {type: threshold, op: ">=", target: 0.7}}
  - {id: i_when, title: i_when, weight: 5, value: exec, when: "odd(n) > 1 or spent > 200", scorer: {type: threshold, op: ">=", target: 0.9}}
  - id: i_tier
    title: 等次
    weight: 5
    scorer:
      type: tier
      tier: tier
      ratio: grow(spent, budget) + 1
"""
    + _TIERS
    + """\
checks:
  - {id: k_grow, title: 增幅不过半, type: assert, expr: "grow(budget, spent) < 0.5", when: "slow(spent) > 10"}
  - {id: k_same, title: 两数相同, type: equal, left: "slow(spent)", right: "spent", tolerance: 0.005}
grades:
  bands:
    - {id: A, min: 40}
    - {id: B, min: 0}
  overrides:
    - {grade: B, when: "total >= 40 and grow(budget, spent) > 0.05"}
"""
)

_MONEY = st.sampled_from([None, 0, 0.0, 100.0, 95.0, 13.51, 14.0, 250.5, 1000, -0.01])
_N = st.sampled_from([None, 0, 1, 2, 3, 4, 5, 6, 7, 8, 2.5, 10.25, 13, -1])
_RATE = st.sampled_from([None, 95, 85, 90.5, 100, 120, 0.5])


@st.composite
def _row(draw: st.DrawFn) -> dict[str, Any]:
    row = {
        "spent": draw(_MONEY),
        "budget": draw(_MONEY),
        "last": draw(_MONEY),
        "rate": draw(_RATE),
        "n": draw(_N),
        "tier": draw(st.sampled_from(["achieved", "partial", "not_achieved", None])),
    }
    if draw(st.booleans()):
        row["spent"] = row["budget"]
    return row


_EDGES = [
    {"spent": 100.0, "budget": 100.0, "last": 0, "rate": 95, "n": 1, "tier": "achieved"},
    {"spent": 95.0, "budget": 100.0, "last": 95.0, "rate": 85, "n": 2, "tier": "partial"},
    {"spent": 13.51, "budget": 14.0, "last": 13.51, "rate": None, "n": 3, "tier": None},
    {"spent": None, "budget": 250.5, "last": 100.0, "rate": 100, "n": 4, "tier": "partial"},
    {"spent": 250.5, "budget": 100.0, "last": 250.5, "rate": 120, "n": 8, "tier": "achieved"},
    {"spent": 110.0, "budget": 100.0, "last": 100.0, "rate": 90.5, "n": 2.5, "tier": "partial"},
]  # fmt: skip


def _rules(zd: str, missing: str, pure: bool) -> Any:
    text = RULES.replace("{zd}", zd).replace("{missing}", missing)
    return perfscore.load_ruleset_text(text, source="p.yaml", functions=registry(pure))


def _same(cs: ColumnarScorer, rows: list[dict[str, Any]]) -> Any:
    res = cs.score(object_columns(rows))
    for i, rec in enumerate(rows):
        want = cs.rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc, rec)
        for f in want.findings:
            if f.kind == "check":
                assert OUTCOMES[res.checks[f.rule_id][i]] == f.outcome, (i, f, rec)
        assert res.totals_decimal()[i] == want.total, (i, rec)
        assert res.grades()[i] == want.grade, (i, rec)
    return res


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS)
@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_row(), min_size=1, max_size=30))
@example(rows=_EDGES)
def test_plugin_functions_equal_per_record(
    zd: str, missing: str, arithmetic: str, pure: bool, rows: list[dict[str, Any]]
) -> None:
    cs = ColumnarScorer(_rules(zd, missing, pure), arithmetic=arithmetic)
    assert cs.supported, cs.reason
    _same(cs, rows)


def test_only_the_rows_a_plugin_leaves_open_go_per_record() -> None:
    """A Decimal result, a raise in a metric (the metric's error), a division by zero in a
    metric (its zero_division) stay columnar; None, text or an int from a plug-in, or a raise
    inside an indicator's own expression, send the row to the per-record path."""
    cs = ColumnarScorer(_rules("zero", "not_applicable", False))
    rows = [
        {"spent": 110.0, "budget": 100.0, "last": 100.0, "rate": 90.5, "n": n, "tier": "partial"}
        for n in (0, 1, 2, 3, 4, 5, 6, 2.5)
    ]
    rows.append({"spent": 1.0, "budget": 2.0, "last": 0, "rate": 95, "n": 5, "tier": "partial"})
    res = _same(cs, rows)
    # odd(): n % 7 → 0, 5, 6, 2.5 a Decimal; 1 raises; 2 None; 3 text; 4 an int
    assert res.fallback.tolist() == [False, True, True, True, True, False, False, False, False]
    assert res.outcomes("i_g")[8] == "fail"  # grow(1, 0): the zero policy, by columns


def test_every_plugin_call_is_the_per_record_one() -> None:
    """Not declared pure: called once per row where nothing its expression reads failed (a
    blank ``last`` calls neither ``g`` nor ``g2``'s grow), with the arguments the per-record
    path passes; declared pure: once per distinct combination of the inputs behind it; the
    same call in a check and an override: one column."""
    rows = [
        {"spent": 110.0, "budget": 100.0, "last": 100.0, "rate": 90.5, "n": 0, "tier": "partial"}
        for _ in range(50)
    ]
    rows += [{**rows[0], "last": None}, {**rows[0], "spent": 7.0}]
    # g, g2, the tier's ratio, and grow(budget, spent) of k_grow and the override (one call)
    for pure, calls in ((False, 51 + 51 + 52 + 52), (True, 2 + 2 + 2 + 2)):
        cs = ColumnarScorer(_rules("zero", "not_applicable", pure))
        CALLS.clear()
        res = cs.score(object_columns(rows))
        assert not res.fallback.any()
        grows = [a for f, a in CALLS if f == "grow"]
        assert len(grows) == calls, (pure, len(grows))
        CALLS.clear()
        for i, rec in enumerate(rows):
            cs.rs.evaluate_subject(rec, index=i)
        # the same arguments (Decimal ==); a condition's call is also made where the
        # per-record path's ``and`` stops before it (k_grow's when is false at spent 7)
        record = {a for f, a in CALLS if f == "grow"}
        assert record < set(grows) and set(grows) - record == {(Decimal(100), Decimal(7))}


def test_an_impure_plugin_sees_the_per_record_calls() -> None:
    text = """\
perfscore: 1
id: tick
title: 计数
version: "1"
inputs:
  x: {type: number}
metrics:
  t: {expr: tick(x)}
indicators:
  - {id: i, title: i, weight: 10, scorer: {type: formula, expr: "min(10, t)"}}
"""
    reg = default_functions()
    reg.add(Function("tick", tick, 1, 1, "number", "calls so far"))
    rs = perfscore.load_ruleset_text(text, source="t.yaml", functions=reg)
    rows = [{"x": v} for v in (1.0, None, 2.5, 1.0, 30.0)]
    TICK[0] = 0
    ColumnarScorer(rs).score(object_columns(rows))
    columns = TICK[0]
    TICK[0] = 0
    for i, rec in enumerate(rows):
        rs.evaluate_subject(rec, index=i)
    assert columns == TICK[0] == 4  # the blank row calls nothing


def test_the_reason_says_what_runs_per_row_in_both_languages() -> None:
    cs = ColumnarScorer(_rules("zero", "not_applicable", False))
    note = cs.per_row
    assert note is not None
    assert "metric g (grow())" in str(note) and "indicator i_val (odd())" in str(note)
    assert "计算指标 g（grow()）" in note.zh and "评分指标 i_tier（grow()）" in note.zh
    assert "the when of i_when (odd())" in str(note) and "check k_grow (grow(), slow())" in str(
        note
    )
    assert "the grade override to B (grow())" in str(note)
    assert "检查 k_same（slow()）" in note.zh and "调整为等级 B 的条件（grow()）" in note.zh
    assert "i_exec" not in str(note)  # read by columns
    # the Chinese has no English in it but the rule set's ids and the functions' names
    ours = r"\b(g|g2|o|w|share_of|i_val|i_form|i_tgt|i_tier|i_when|k_grow|k_same|B|grow|odd|slow)\b"
    assert not re.search(r"[A-Za-z]", re.sub(ours, "", note.zh)), note.zh
    assert re.search(r"[A-Za-z]{3}", re.sub(ours, "", str(note)))  # (the check can fail)


def test_a_plugin_beside_is_missing_still_says_why_not() -> None:
    text = RULES.replace("{zd}", "zero").replace("{missing}", "error")
    text = text.replace('expr: "grow(budget, spent) < 0.5"', 'expr: "is_missing(n) or odd(n) >= 0"')
    rs = perfscore.load_ruleset_text(text, source="c.yaml", functions=registry(False))
    cs = ColumnarScorer(rs)
    assert cs.reason is not None and "odd()" in str(cs.reason)
    assert "函数 odd()" in getattr(cs.reason, "zh", "")


def test_the_docs_example_runs_its_metric_per_row_and_once_per_combination() -> None:
    """docs/customising.md, "Plug-in functions on large tables": the function and the rule
    set as written there."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "customising.md").read_text("utf-8")
    code = re.search(r"```python plugin-pure\n(.*?)```", doc, re.S)
    rules = re.search(r"```yaml plugin-rules\n(.*?)```", doc, re.S)
    assert code and rules
    space: dict[str, Any] = {}
    exec(code.group(1), space)
    seen: list[Any] = []
    fn = space["yoy"].fn
    reg = default_functions()
    reg.add(Function("yoy", lambda a, b: seen.append((a, b)) or fn(a, b), 2, 2, "number", "", True))
    rs = perfscore.load_ruleset_text(rules.group(1), source="doc.yaml", functions=reg)
    cs = ColumnarScorer(rs)
    assert cs.supported and "metric growth (yoy())" in str(cs.per_row), (cs.reason, cs.per_row)
    rows = [{"budget": b, "last_budget": lb} for b, lb in [(110.0, 100.0), (120.0, 100.0),
            (110.0, 100.0), (5.0, 0.0), (None, 100.0), (110.0, 100.0)]]  # fmt: skip
    cs.score(object_columns(rows))
    assert len(seen) == 3  # three distinct pairs that are not blank
    res = _same(cs, rows)
    assert res.outcomes("budget_growth") == [
        "pass",
        "fail",
        "pass",
        "error",
        "not_applicable",
        "pass",
    ]


def test_the_command_writes_the_per_record_bytes(tmp_path: Path) -> None:
    """``perfscore score RULES DATA.csv -o f.parquet`` (and JSON Lines) with plug-in functions
    installed: by columns, the same bytes and exit status as ``--no-columnar``."""
    pytest.importorskip("pyarrow")
    from cli_runner import run
    from perfscore.functions import DEFAULT_FUNCTIONS

    added = []
    for name, fn, n in (("grow", grow, 2), ("odd", odd, 1), ("slow", slow, 1),
                        ("share_of", share_of, 2)):  # fmt: skip
        if DEFAULT_FUNCTIONS.get(name) is None:
            DEFAULT_FUNCTIONS.add(Function(name, fn, n, n, "number", name, True))
            added.append(name)
    try:
        rules = tmp_path / "p.yaml"
        rules.write_text(RULES.replace("{zd}", "zero").replace("{missing}", "zero"), "utf-8")
        lines = ["id,spent,budget,last,rate,n,tier"]
        for i, r in enumerate([*_EDGES, *_EDGES]):
            cells = [r[k] for k in ("spent", "budget", "last", "rate", "n", "tier")]
            lines.append(f"d{i}," + ",".join("" if v is None else str(v) for v in cells))
        data = tmp_path / "d.csv"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cs = ColumnarScorer(perfscore.load_ruleset(rules))
        assert cs.supported and cs.per_row is not None, cs.reason
        for ext in ("parquet", "jsonl"):
            fast, slow_ = tmp_path / f"fast.{ext}", tmp_path / f"slow.{ext}"
            a = run("score", str(rules), str(data), "-o", str(fast))
            b = run("score", str(rules), str(data), "-o", str(slow_), "--no-columnar")
            assert a[0] == b[0] and fast.read_bytes() == slow_.read_bytes(), (ext, a, b)
            # (a Parquet run not by columns says so on stderr, in the run's language)
            assert "record by record" not in a[2] and "逐条评分" not in a[2], a[2]
            if ext == "parquet":
                assert "逐条评分" in b[2] or "record by record" in b[2], b[2]
    finally:
        for name in added:
            DEFAULT_FUNCTIONS.unregister(name)


def _example_growth() -> Any:
    """The example plugin's ``growth(series)`` (examples/plugin), as its package defines it."""
    import importlib
    import sys

    src = str(Path(__file__).resolve().parent.parent / "examples" / "plugin" / "src")
    sys.path.insert(0, src)
    try:
        return importlib.import_module("perfscore_example_plugin").growth
    finally:
        sys.path.remove(src)


SERIES_RULES = """\
perfscore: 1
id: growth
title: 增长
version: "1"
settings: {zero_division: {zd}, missing: {missing}, places: 2}
inputs:
  spend: {type: series, of: money, unit: 万元, title: 历年支出}
  budget: {type: money, unit: 万元}
metrics:
  g: {expr: growth(spend)}
  share: {expr: "g * budget / 100"}
indicators:
  - {id: i_g, title: 支出增幅, weight: 10, value: g, scorer: {type: threshold, op: "<=", target: 0.1}}
  - {id: i_s, title: 份额, weight: 10, scorer: {type: formula, expr: "clamp(share, 0, 10)"}}
  - {id: i_v, title: 直接, weight: 5, value: "growth(spend) * 100", scorer: {type: threshold, op: ">=", target: 0}}
"""

_SERIES = st.sampled_from(
    [
        None,
        {2022: 100.0, 2023: 110.0},
        {2022: 100, 2023: 100},
        {2021: 90.5, 2022: 0, 2023: 5.0},  # previous year 0: a division by zero
        {2023: 50.0},  # one year: growth() raises
        {2022: 100.0, 2023: None, 2024: 130.0},
        {"2022": "1,234.50", "2023": 1300},  # text figures: the reader's own reading
        {2022: -5.0, 2023: 5.0},
        {2022: "x", 2023: 1.0},  # refused
    ]
)


@pytest.mark.parametrize(("zd", "missing", "arithmetic"), SETTINGS)
@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({"spend": _SERIES, "budget": _MONEY}), min_size=1,
                     max_size=20))  # fmt: skip
def test_the_example_plugins_growth_of_a_series_equals_per_record(
    zd: str, missing: str, arithmetic: str, rows: list[dict[str, Any]]
) -> None:
    reg = default_functions()
    if reg.get("growth") is None:
        reg.add(_example_growth())
    text = SERIES_RULES.replace("{zd}", zd).replace("{missing}", missing)
    cs = ColumnarScorer(
        perfscore.load_ruleset_text(text, source="g.yaml", functions=reg), arithmetic=arithmetic
    )
    assert cs.supported and "metric g (growth())" in str(cs.per_row), cs.reason
    _same(cs, rows)


def test_a_series_plugin_leaves_only_its_raising_values_per_record() -> None:
    """growth() in a metric: a previous year of 0 is the metric's zero_division, one year its
    error — by columns; the same call inside an indicator's value (i_v) sends those two rows
    per record; a refused cell ("x") and a blank series are decided by columns."""
    reg = default_functions()
    reg.add(_example_growth())
    text = SERIES_RULES.replace("{zd}", "zero").replace("{missing}", "not_applicable")
    cs = ColumnarScorer(perfscore.load_ruleset_text(text, source="g.yaml", functions=reg))
    series = [None, {2022: 100.0, 2023: 110.0}, {2021: 90.5, 2022: 0, 2023: 5.0},
              {2023: 50.0}, {"2022": "1,234.50", "2023": 1300}, {2022: "x", 2023: 1.0}]  # fmt: skip
    res = _same(cs, [{"spend": s, "budget": 100.0} for s in series])
    assert res.fallback.tolist() == [False, False, True, True, False, False]
    assert res.outcomes("i_g") == ["not_applicable", "pass", "fail", "error", "pass", "error"]
