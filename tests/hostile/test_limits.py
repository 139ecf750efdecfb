"""Class 7 of #19: limits that bite attacks, not honest users."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from perfscore import PerfscoreError, RuleSetError, load_ruleset_text
from perfscore._yaml import load_yaml_text
from perfscore.expr import compile_expression

from ._harness import data_file

CASES = data_file("limits.yaml")


def _params(key: str) -> list[Any]:
    return [
        pytest.param(c, marks=[pytest.mark.slow] if c.get("slow") else [], id=str(c))
        for c in CASES[key]
    ]


@pytest.mark.parametrize("case", _params("flat_sums"))
def test_flat_sums_parse_and_agree(case: dict[str, Any]) -> None:
    n, op = case["terms"], case["op"]
    names: dict[str, Any] = {f"a{i}": "number" for i in range(1, n + 1)}
    text = f" {op} ".join(names)
    compiled = compile_expression(text, names=names)
    scope = {name: Decimal(i % 7 + 1) for i, name in enumerate(names)}
    assert compiled(scope) == compiled.evaluate_reference(scope)
    expected = eval(text, {}, dict(scope))  # plain Python on the same Decimals (trusted text)
    assert compiled(scope) == expected


def _inputs_rule_set(count: int) -> str:
    lines = ["perfscore: 1", "id: big", "title: 大", 'version: "1"', "inputs:"]
    lines += [f"  i{i}: {{type: number, title: 输入{i}}}" for i in range(count)]
    lines += [
        "indicators:",
        "  - {id: s, title: s, weight: 10, value: i0, "
        "scorer: {type: threshold, op: '>=', target: 1}}",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", _params("honest_sizes"))
def test_honest_size_is_not_an_attack(case: dict[str, Any]) -> None:
    count = case["count"]
    start = time.perf_counter()
    if case["what"] == "inputs":
        rs = load_ruleset_text(_inputs_rule_set(count), source="big.yaml")
        assert len(rs.inputs) == count
    else:
        text = "".join(f'- {{id: d{i}, x: {i}, name: "部门{i}"}}\n' for i in range(count))
        doc = load_yaml_text(text, source="data.yaml")
        assert len(doc.data) == count
    assert time.perf_counter() - start < 120  # generous for a shared CI machine


def _attack(case: dict[str, Any]) -> str:
    what = case["what"]
    if what == "anchors":
        return "x:\n" + "".join(f"  - &a{i} 1\n" for i in range(case["count"]))
    if what == "aliases":
        return "a: &a 1\nx:\n" + "  - *a\n" * case["count"]
    if what == "laughs":
        levels, width = case["levels"], case["width"]
        lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
        for i in range(1, levels):
            lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
        return "\n".join(lines) + "\n"
    raise AssertionError(what)


@pytest.mark.parametrize("case", _params("attacks"))
def test_attacks_are_refused_quickly(case: dict[str, Any]) -> None:
    start = time.perf_counter()
    if case["what"] == "nesting":
        text = "(" * case["depth"] + "x" + ")" * case["depth"]
        with pytest.raises(PerfscoreError) as info:
            compile_expression(text, names={"x": "number"})
    else:
        with pytest.raises(RuleSetError) as info:
            load_yaml_text(_attack(case), source="attack.yaml")
        problem = info.value.problems[0]
        assert problem.line is not None and problem.source == "attack.yaml"
    assert case["expect"] in str(info.value)
    assert time.perf_counter() - start < 10
