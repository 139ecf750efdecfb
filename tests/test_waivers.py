"""Waivers: exclude or count as met; marked in the output; expired ones ignored with a notification."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

import perfscore
from perfscore.waivers import load_waivers

ROOT = Path(__file__).resolve().parent.parent
RULES = perfscore.load_ruleset_text(
    'perfscore: 1\nid: w\ntitle: t\nversion: "1"\n'
    "inputs: {a: {type: number}, b: {type: number}}\n"
    "indicators:\n"
    "  - {id: x, title: X, weight: 60, value: a, scorer: {type: threshold, op: '>=', target: 1}}\n"
    "  - {id: y, title: Y, weight: 40, value: b, scorer: {type: threshold, op: '>=', target: 1}}\n"
    "checks:\n  - {id: c, title: C, type: assert, expr: a > b}\n"
)
WAIVERS = """
- {subject: d1, rule: y, reason: 当年未开展, approved_by: 财政局, expires: 2030-01-01, effect: exclude}
- {subject: d1, rule: c, reason: 口径不同, approved_by: 财政局, expires: 2030-01-01, effect: met}
- {subject: d2, rule: y, reason: 特殊情况, approved_by: 财政局, expires: 2030-01-01, effect: met}
- {subject: d3, rule: y, reason: 已过期, approved_by: 财政局, expires: 2020-01-01, effect: met}
"""
DATA = [{"id": d, "values": {"a": 1, "b": 0 if d != "d1" else 5}} for d in ("d1", "d2", "d3")]
AS_OF = dt.date(2024, 6, 30)


def test_exclude_met_and_expired() -> None:
    report = RULES.evaluate(DATA, waivers=load_waivers(text=WAIVERS), as_of=AS_OF)
    d1, d2, d3 = report.subjects
    y1 = d1.finding("y")
    assert (
        y1.outcome == "not_applicable"
        and y1.waiver is not None
        and y1.waiver["effect"] == "exclude"
    )
    assert d1.total == Decimal(100)  # x full marks, y's weight redistributed
    c1 = d1.finding("c")
    assert c1.outcome == "pass" and c1.waiver is not None and "口径不同" in c1.message
    y2 = d2.finding("y")
    assert y2.outcome == "pass" and y2.points == Decimal(40) and "已豁免" in y2.message
    assert d2.total == Decimal(100)
    y3 = d3.finding("y")
    assert y3.outcome == "fail" and y3.waiver is None and d3.total == Decimal(60)
    assert [n.code for n in d3.notifications] == ["waiver-expired"]
    doc = json.loads(report.to_json())
    assert doc["run"]["waivers"]["as_of"] == "2024-06-30"
    waived = [f for f in doc["findings"] if "waiver" in f]
    assert len(waived) == 3 and all(w["waiver"]["approved_by"] == "财政局" for w in waived)


def test_waiver_for_an_unknown_rule_or_a_bad_file_is_refused() -> None:
    with pytest.raises(perfscore.DataError, match="unknown rule 'yy'"):
        RULES.evaluate(
            DATA,
            waivers=load_waivers(text=WAIVERS.replace("rule: y,", "rule: yy,", 1)),
            as_of=AS_OF,
        )
    with pytest.raises(perfscore.DataError) as info:
        load_waivers(
            text="- {subject: d1, rule: y, reason: r, approved_by: a, expires: someday, effect: maybe}\n"
        )
    assert {p.path[-1] for p in info.value.problems} == {"expires", "effect"}
    assert all(p.line == 1 for p in info.value.problems)


def test_bundled_waiver_file_applies_to_the_liwan_example() -> None:
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    waivers = load_waivers(ROOT / "examples" / "waivers-2023.yaml")
    report = rs.evaluate(
        perfscore.load_subjects(ROOT / "examples" / "liwan-npc-office-2023.yaml"),
        waivers=waivers,
        as_of=dt.date(2024, 3, 1),
    )
    s = report.subjects[0]
    assert s.finding("adjustment_explained").waiver is not None
    assert s.finding("benefits").waiver is None  # expired 2023-06-30
    assert [n.code for n in s.notifications] == ["waiver-expired"]
