"""Class 1 of #19: every extreme literal in every position → a located refusal or quick findings.

The sweep is deterministic: ``bounds.yaml`` lists the literals and the positions; the CI sample
takes the literals marked ``ci`` (every position), ``-m slow`` takes all of them.  A hypothesis
strategy of *extreme* literals adds cases nobody wrote down.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfscore.numbers import RESULT_MAX_ADJUSTED, literal_problem

from ._harness import data_file, run_case

BOUNDS = data_file("bounds.yaml")
LITERALS: list[dict[str, Any]] = BOUNDS["literals"]
EXPRS: list[str] = BOUNDS["positions"]["expr"]
YAMLS: list[dict[str, str]] = BOUNDS["positions"]["yaml"]

RECORDS = [
    {"id": "d1", "name": "部门一", "x": 5, "s": {2020: 1, 2021: 2}, "t": "achieved"},
    {"id": "d2", "name": "部门二", "x": "999999999999999", "s": {2019: "0.5"}, "t": "achieved"},
]
DEFAULTS = {
    "version": '"1"',
    "settings": "{}",
    "inputs": "{x: {type: number}, s: {type: series}, t: {type: text}}",
    "indicator": "{id: a, title: a, weight: 10, value: x, "
    "scorer: {type: threshold, op: '>=', target: 1}}",
    "checks": "[]",
    "grades": "{bands: [{id: A, min: 0}]}",
}


def rule_set(position: dict[str, str] | str, literal: str) -> str:
    parts = dict(DEFAULTS)
    if isinstance(position, str):  # an expression position
        expr = position.replace("{L}", literal)
        parts["indicator"] = (
            f'{{id: a, title: a, weight: 10, value: "{expr}", '
            "scorer: {type: threshold, op: '>=', target: 1}}"
        )
    else:
        for key, template in position.items():
            if key != "name":
                parts[key] = template.replace("{L}", literal)
    return (
        "perfscore: 1\nid: hostile\ntitle: 极端数字\n"
        f"version: {parts['version']}\n"
        f"settings: {parts['settings']}\n"
        f"inputs: {parts['inputs']}\n"
        f"indicators:\n  - {parts['indicator']}\n"
        f"checks: {parts['checks']}\n"
        f"grades: {parts['grades']}\n"
    )


POSITIONS: list[tuple[str, dict[str, str] | str]] = [(e, e) for e in EXPRS] + [
    (y["name"], y) for y in YAMLS
]


def _cases(ci_only: bool) -> list[Any]:
    return [
        pytest.param(pos, lit["text"], id=f"{name}|{lit['text'][:24]}")
        for name, pos in POSITIONS
        for lit in LITERALS
        if lit.get("ci") or not ci_only
    ]


def check_case(position: dict[str, str] | str, literal: str) -> None:
    outcome = run_case(rule_set(position, literal), RECORDS)
    if outcome.refused is not None:
        return
    json.loads(outcome.outputs["json"], parse_float=_bounded, parse_int=_bounded)


def _bounded(text: str) -> str:
    """No number in a finding is wider than the declared result range (about 100 digits)."""
    assert len(text) <= RESULT_MAX_ADJUSTED + 30, text[:60]
    return text


@pytest.mark.parametrize(("position", "literal"), _cases(ci_only=True))
def test_extreme_literal_sample(position: dict[str, str] | str, literal: str) -> None:
    check_case(position, literal)


@pytest.mark.slow
@pytest.mark.parametrize(("position", "literal"), _cases(ci_only=False))
def test_extreme_literal_sweep(position: dict[str, str] | str, literal: str) -> None:
    check_case(position, literal)


@pytest.mark.parametrize(("name", "position"), POSITIONS, ids=[n for n, _ in POSITIONS])
def test_every_position_accepts_an_honest_number(name: str, position: Any) -> None:
    """The templates are valid rule sets: refusals in the sweep come from the literal."""
    honest = "1" if name not in ("grade min_coverage", "pass_at") else "0.5"
    outcome = run_case(rule_set(position, honest), RECORDS, formats=["json"])
    assert outcome.refused is None, str(outcome.refused)


@pytest.mark.parametrize(
    ("position", "literal", "message"),
    [
        ("x + {L}", "1e99999999", "too large"),
        ("x + {L}", "1e99999999999999999999", "finite"),
        ("x * {L}", "1e-99999999", "decimal places"),
        ("x * {L}", "1.2345678901234567890123456789", "decimal places"),
        ("x + {L}", "12345678901234567.8901234567891", "digits"),
        ({"indicator": DEFAULTS["indicator"].replace("weight: 10", "weight: {L}")}, ".nan", "finite"),
        ({"indicator": DEFAULTS["indicator"].replace("weight: 10", "weight: {L}")}, "1e99999999", "too large"),
        ({"indicator": DEFAULTS["indicator"].replace("target: 1", "target: {L}")}, "-.inf", "finite"),
    ],
)  # fmt: skip
def test_refusals_are_located_and_plain(position: Any, literal: str, message: str) -> None:
    outcome = run_case(rule_set(position, literal), RECORDS, formats=[])
    assert outcome.refused is not None
    problem = outcome.refused.problems[0]
    assert message in problem.message
    assert problem.line == 8  # the indicator's line
    assert len(str(problem)) < 300  # never the whole 5,000-digit literal


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("year(s, 10 ** 60)", "between 1 and 9999"),
        ("round(x, 10 ** 30)", "between -28 and 28"),
        ("sum(last(s, 10 ** 50))", "between 0 and 9999"),
        ("x * 1e18 * 1e18 * 1e18 * 1e18 * 1e18 * 1e18", "too large"),
        ("(x * 1e18) ** 6", "too large"),
    ],
)
def test_run_time_ranges_are_error_findings(expr: str, message: str) -> None:
    outcome = run_case(rule_set(expr, "0"), RECORDS[:1], formats=["json"])
    assert outcome.report is not None
    (finding,) = [f for f in outcome.report.subjects[0].findings if f.rule_id == "a"]
    assert finding.outcome == "error"
    assert message in (finding.message_en or "")
    assert not re.search(r"[a-z]{3,}", finding.message.split("无法评分", 1)[1].replace("round", "")
                         .replace("year", "").replace("last", "")), finding.message  # fmt: skip


# --- a hypothesis strategy of extreme literals ------------------------------------------------


@st.composite
def extreme_literals(draw: st.DrawFn) -> str:
    """Number spellings at the edges: huge/tiny exponents, many digits, NaN/inf spellings,
    negative zero, subnormal floats, huge ints."""
    kind = draw(st.sampled_from(["exp", "digits", "special", "float", "int", "zero"]))
    sign = draw(st.sampled_from(["", "-", "+"]))
    if kind == "exp":
        mantissa = draw(st.sampled_from(["1", "9.99", "1.5", "0.001"]))
        exponent = draw(
            st.integers(-(10**25), 10**25) | st.sampled_from([17, 18, 19, 99, 100, 308, 309])
        )
        return f"{sign}{mantissa}e{exponent}"
    if kind == "digits":
        whole = draw(st.text("0123456789", min_size=1, max_size=60))
        frac = draw(st.text("0123456789", max_size=60))
        return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"
    if kind == "special":
        return draw(st.sampled_from(["nan", ".nan", "NaN", "inf", ".inf", "-.inf", "Infinity"]))
    if kind == "float":
        value = draw(st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True))
        return repr(value)
    if kind == "int":
        return str(draw(st.integers(-(10**80), 10**80)))
    return draw(st.sampled_from(["0", "-0", "0.0", "-0.0", "0e-99999", "0e99999"]))


@given(
    literal=extreme_literals(),
    position=st.sampled_from([p for _, p in POSITIONS]),
)
def test_extreme_literals_property(literal: str, position: Any) -> None:
    check_case(position, literal)


@given(extreme_literals())
def test_literal_problem_is_total(text: str) -> None:
    """The range check itself never raises, for any spelling Decimal reads."""
    try:
        value = Decimal(text)
    except ArithmeticError:
        return
    literal_problem(value)


@pytest.mark.parametrize(
    "result", [Decimal("NaN"), Decimal("Infinity"), Decimal("-1e400"), 0.5, Decimal("sNaN")]
)
def test_a_plugin_function_cannot_bring_nan_in(result: object) -> None:
    from perfscore import DEFAULT_FUNCTIONS, load_ruleset_text

    functions = DEFAULT_FUNCTIONS.copy()

    @functions.register("hostile", min_args=1, max_args=1)
    def hostile(x: object) -> object:
        return result

    text = rule_set("hostile(x) + 1", "0")
    rs = load_ruleset_text(text, source="plugin.yaml", functions=functions)
    report = rs.evaluate(RECORDS[:1])
    (finding,) = [f for f in report.subjects[0].findings if f.rule_id == "a"]
    assert finding.outcome == "error"
    assert "hostile()" in finding.message
