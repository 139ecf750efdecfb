"""The evaluator keeps nothing per subject on shared objects: one loaded rule set scores
subjects on many threads at once with exactly the sequential results, waivers included."""

from __future__ import annotations

import datetime as dt
import random
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import perfscore
from perfscore.findings import SubjectResult
from perfscore.waivers import waivers_from

RULES = """
perfscore: 1
id: threads
title: 并发评分
version: 1
inputs:
  budget: {type: money, unit: 万元, required: true}
  spent: {type: money, unit: 万元, required: true}
  adjust: {type: percent}
  done: {type: integer}
  note: {type: text}
metrics:
  rate: {expr: spent / budget, unit: "%", title: 预算执行率}
indicators:
  - id: money
    title: 资金管理
    weight: 60
    children:
      - id: execution
        title: 预算执行率
        weight: 30
        value: rate
        scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 10}
        messages: {fail: {zh: "{title}仅{value}（{subject}）"}}
      - id: adjustment
        title: 预算调整率
        weight: 30
        value: adjust
        scorer:
          type: bands
          bands:
            - {range: "= 0", points: 30}
            - {range: "(0, 0.1]", points: 20}
          otherwise: 0
  - id: output
    title: 产出
    weight: 40
    when: done > 0
    value: done
    scorer: {type: proportional, target: 20}
checks:
  - id: balance
    title: 支出不超预算
    type: assert
    expr: spent <= budget * 1.1
  - id: explain
    title: 调整需说明
    type: explain_if
    when: adjust > 0.05
    require: note
grades:
  bands:
    - {id: excellent, min: 90}
    - {id: good, min: 80}
    - {id: poor, min: 0}
"""

AS_OF = dt.date(2025, 1, 1)


def _records(n: int) -> list[dict[str, Any]]:
    rnd = random.Random(12)
    out = []
    for i in range(n):
        values: dict[str, Any] = {
            "budget": rnd.choice([100, 250, "300万元", 0]),
            "spent": rnd.choice([95, 99.5, 240, 330, 0]),
        }
        if rnd.random() < 0.8:
            values["adjust"] = rnd.choice(["0", "5%", "8%", "30%", "abc"])
        if rnd.random() < 0.7:
            values["done"] = rnd.choice([0, 5, 20, 25])
        if rnd.random() < 0.5:
            values["note"] = "已说明"
        out.append({"id": f"d{i:03d}", "name": f"部门{i}", "values": values})
    return out


def _waivers(n: int) -> Any:
    """Every subject its own waivers: none, or a different rule and effect per subject."""
    rules = [("execution", "met"), ("adjustment", "exclude"), ("balance", "exclude"), None]
    items = []
    for i in range(n):
        pick = rules[i % len(rules)]
        if pick is not None:
            items.append(
                {
                    "subject": f"d{i:03d}",
                    "rule": pick[0],
                    "reason": f"批准的豁免 {i}",
                    "approved_by": "财政局",
                    "expires": "2026-12-31" if i % 5 else "2024-06-30",  # some expired
                    "effect": pick[1],
                }
            )
    return waivers_from(items)


def _key(r: SubjectResult) -> tuple[Any, ...]:
    return (
        r.subject.id,
        r.total,
        r.grade,
        tuple(
            (f.rule_id, f.outcome, f.points, f.message, f.message_en, f.waiver, f.fingerprint)
            for f in r.findings
        ),
        tuple((s.rule_id, s.points, s.outcome, s.coverage) for s in r.scores),
        tuple((n.code, n.message) for n in r.notifications),
    )


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_threads_sharing_one_rule_set_get_the_sequential_results(
    tiny_switch_interval: None,
) -> None:
    rs = perfscore.load_ruleset_text(RULES, source="threads.yaml")
    records = _records(300)
    waivers = _waivers(len(records))
    expected = {
        r["id"]: _key(rs.evaluate_subject(r, waivers=waivers, as_of=AS_OF)) for r in records
    }
    # the waivers really differ per subject: some results carry one, others none
    with_waiver = {sid for sid, k in expected.items() if any(f[5] for f in k[3])}
    assert 0 < len(with_waiver) < len(records)
    got: dict[int, dict[str, tuple[Any, ...]]] = {}
    errors: list[BaseException] = []

    def work(t: int) -> None:
        order = list(records)
        random.Random(t).shuffle(order)
        mine: dict[str, tuple[Any, ...]] = {}
        try:
            for r in order:
                mine[r["id"]] = _key(rs.evaluate_subject(r, waivers=waivers, as_of=AS_OF))
                # the points-only path shares the rule set too
                data = perfscore.subjects.read_subject(
                    r, rs.compiled.inputs, index=0, subject_type="department"
                )
                points, total = rs.evaluator.points(data)
                full = rs.evaluator.subject(data)
                assert total == full.total
                assert points == {sc.rule_id: sc.points for sc in full.scores}
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        got[t] = mine

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for t in range(4):
        wrong = [sid for sid in expected if got[t][sid] != expected[sid]]
        assert not wrong, f"thread {t}: {len(wrong)} results differ from the sequential run"


def test_the_evaluator_keeps_no_subject_state() -> None:
    rs = perfscore.load_ruleset_text(RULES, source="threads.yaml")
    ev = rs.evaluator
    before = dict(vars(ev))
    rec = _records(1)[0]
    rs.evaluate_subject(rec, waivers=_waivers(1), as_of=AS_OF)
    assert vars(ev).keys() == before.keys()
    assert all(vars(ev)[k] is v for k, v in before.items())
    assert Decimal(0) <= rs.max_total
