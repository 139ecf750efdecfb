"""The findings walk (perfscore.evaluate.findcode) and the words made in one pass
(findings.results._make_all) give what the evaluator's walk node by node gives, on
adversarial records of this module's own making
(refused cells, blanks written as text, zero denominators, amounts at the 10^15 edge, a leaf
condition, missing-data policies of every kind, checks that hold and that fail), lazily and
with ``texts=True``; a finding not applicable or in error by a reason met before has its
words made in the one pass (``findings.results._make_all``) as its node's ``fill`` makes
them."""

from __future__ import annotations

import random
from typing import Any

import pytest

import perfscore
from perfscore.evaluate import Evaluator
from perfscore.findings import results
from perfscore.subjects import read_subject
from test_evaluate_findcode import _interpreted, _same

RULES = """perfscore: 1
id: steps
title: 共用步骤
version: "1"
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  spent: {type: money, unit: 万元, min: 0}
  budget: {type: money, unit: 万元, min: 0}
  basic: {type: money, unit: 万元, min: 0}
  project: {type: money, unit: 万元, min: 0}
  done: {type: integer, min: 0}
  plan: {type: integer, min: 0}
  score: {type: number}
  open: {type: boolean}
  level: {type: text, choices: [city, county]}
metrics:
  rate: {expr: 'spent / budget', unit: '%', title: 执行率}
  done_rate: {expr: 'done / plan', unit: '%', title: 完成率, zero_division: zero}
indicators:
  - id: g1
    title: 投入
    weight: 40
    children:
      - {id: exec, title: 执行率, weight: 10, value: rate, scorer: {type: threshold, op: '>=', target: 0.95}}
      - {id: prop, title: 比例, weight: 10, value: rate, missing: zero, scorer: {type: proportional, target: 1}}
      - {id: cut, title: 扣分, weight: 10, value: done_rate, missing: full, scorer: {type: deduct, start: 1, direction: below, per: 0.01, points: 0.5, count: started}}
      - {id: city, title: 市级, weight: 10, when: "level == 'city'", value: rate, missing: error, scorer: {type: threshold, op: '>=', target: 0.9}}
  - id: g2
    title: 效果
    weight: 60
    children:
      - id: sat
        title: 满意度
        weight: 20
        value: score
        scorer: {type: bands, bands: [{range: '[90, 100]', points: 20}, {range: '[80, 90)', points: 15}, {range: '[0, 80)', points: 0}]}
      - {id: form, title: 公式, weight: 20, scorer: {type: formula, expr: 'min(20, 20 * done / plan)'}}
      - id: list
        title: 清单
        weight: 20
        scorer:
          type: checklist
          items:
            - {id: o, points: 10, when: open}
            - {id: r, points: 10, when: rate >= 0.95}
checks:
  - {id: adds, title: 基本加项目等于支出, type: equal, left: basic + project, right: spent, tolerance: 0.005}
  - {id: within, title: 支出不超预算, type: assert, expr: 'spent <= budget'}
grades:
  bands:
    - {id: good, label: 良, min: 80}
    - {id: poor, label: 差, min: 0}
"""
RS = perfscore.load_ruleset_text(RULES, source="steps.yaml")

#: what a hostile return puts in a cell: refused text, a negative amount, half a count, blanks
#: written as text, zero, the 10^15 edge and past it, full-width digits
_HOSTILE = ("待核实", "-5", "2.5", "", "-", "—", "/", "0", "0.00", "1000000000000000",
            "10000000000000000", "１，０００", "约九成")  # fmt: skip


def _records(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` departments: plausible returns (spent exactly the budget a third of the time,
    on 95%, round budgets, the sum of basic and project equal to spent or not), then 0–4
    hostile edits each (a cell dropped or replaced by one of :data:`_HOSTILE`)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        budget = rnd.choice((100, 1000, rnd.randint(1, 900_000) / 100))
        spent = rnd.choice((budget, budget * 0.95, round(budget * rnd.uniform(0.5, 1.1), 2)))
        basic = round(spent * rnd.uniform(0, 1), 2)
        project = round(spent - basic, 2) if rnd.random() < 0.7 else round(spent / 3, 2)
        plan = rnd.randint(0, 40)
        values: dict[str, Any] = {
            "spent": f"{spent:.2f}", "budget": f"{budget:.2f}", "basic": f"{basic:.2f}",
            "project": f"{project:.2f}", "done": str(rnd.choice((plan, max(0, plan - 3)))),
            "plan": str(plan), "score": rnd.choice(("80", "90", "89.99", "100", "61.5")),
            "open": rnd.choice(("是", "否")), "level": rnd.choice(("city", "county")),
        }  # fmt: skip
        for _ in range(rnd.choice((0, 1, 1, 2, 4))):
            name = rnd.choice(sorted(values))
            if rnd.random() < 0.3:
                del values[name]
            else:
                values[name] = rnd.choice(_HOSTILE)
        out.append({"id": f"dept-{i}", "name": f"部门{i}", "values": values})
    return out


def _data(record: dict[str, Any], i: int) -> Any:
    return read_subject(record, RS.compiled.inputs, index=i, subject_type="department")


@pytest.mark.parametrize("seed", [17, 1717])
def test_the_shared_steps_give_the_walk_node_by_node_on_hostile_records(seed: int) -> None:
    """One evaluator for the batch (its kept results and kept words found again), against a
    fresh evaluator walking node by node per subject: every finding, its words read, every
    score — lazily, and with ``texts=True``."""
    ev = Evaluator(RS.compiled, RS.id)
    for i, record in enumerate(_records(120, seed)):
        data = _data(record, i)
        _same(ev.subject(data), _interpreted(RS).subject(data))
        made, general = ev.subject(data, texts=True), _interpreted(RS).subject(data)
        assert made == general  # (every field, the words read)
        assert [f.explanation for f in made.findings] == [f.explanation for f in general.findings]
        assert [vars(x) for x in made.scores] == [vars(x) for x in general.scores]


def test_words_kept_per_reason_are_made_in_one_pass_as_fill_makes_them() -> None:
    """(Not vacuous: findings not applicable or in error by a reason met before in this batch
    are made by ``_make_all`` itself — not by ``_make_one`` — and equal the words the walk
    node by node's findings get from ``fill``.)"""
    ev = Evaluator(RS.compiled, RS.id)
    by_reason = 0
    made_alone = results._make_one
    alone: list[Any] = []

    def one(f: Any, words: Any, run: Any) -> None:
        alone.append(f)
        made_alone(f, words, run)

    results._make_one = one
    try:
        for i, record in enumerate(_records(150, 5)):
            data = _data(record, i)
            got = ev.subject(data)
            unmade = [f for f in got.findings if f._explanation is results.UNMADE]
            alone.clear()
            assert got.findings[0].message  # (one read makes them all)
            for f in unmade:
                if f._why is not None and all(f is not x for x in alone):
                    by_reason += 1
            general = _interpreted(RS).subject(data)
            assert general.findings[0].message  # (the same read)
            _same(got, general)
    finally:
        results._make_one = made_alone
    assert by_reason > 20
