"""The ``mixed`` benchmark family (benchmarks/mixed.py): its rule set uses what the generated
families do not, its data has the edges real returns have, and on hand-computed records the
engine and the hand-written baseline (benchmarks/mixed_baselines.py) both give the exact
half-up result.  Engine-vs-baseline agreement on generated data is in
tests/test_benchmark_families.py."""

from __future__ import annotations

import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import perfscore
from perfscore.subjects import read_subject

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import mixed  # noqa: E402
import mixed_baselines  # noqa: E402


def _nodes(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for n in items:
        out.append(n)
        out += _nodes(n.get("children", []))
    return out


def test_the_rule_set_uses_what_the_other_families_do_not() -> None:
    doc = yaml.safe_load(mixed.RULES)
    nodes = _nodes(doc["indicators"])
    leaves = [n for n in nodes if "scorer" in n]
    assert [n["id"] for n in leaves] == list(mixed.LEAF_IDS)
    kinds = Counter(n["scorer"]["type"] for n in leaves)
    assert set(kinds) == {"threshold", "proportional", "deduct", "bands", "checklist", "tier",
                          "formula"}  # fmt: skip
    # one execution rate read by six leaves of three kinds
    on_rate = [n["scorer"] for n in leaves if n.get("value") == "rate"]
    assert len(on_rate) == 6 and {s["type"] for s in on_rate} == {"threshold", "deduct",
                                                                  "proportional"}  # fmt: skip
    assert {s.get("count") for s in on_rate} >= {"exact", "started", "completed"}
    assert any(s.get("floor") for s in on_rate) and any(s.get("op") == "==" for s in on_rate)
    scorers = [n["scorer"] for n in leaves]
    assert any(s.get("target") == "plan_cost" and s.get("direction") == "lower" for s in scorers)
    assert any(s.get("direction") == "equal" for s in scorers)
    items = [i["when"] for s in scorers if s["type"] == "checklist" for i in s["items"]]
    assert "rate >= 0.95" in items and "disclosed_budget" in items
    assert [n["when"] for n in leaves if "when" in n] == ["level == 'city'"]
    assert {n.get("aggregate", "weighted_sum") for n in nodes if "children" in n} == {
        "weighted_sum", "mean", "weakest_link"}  # fmt: skip
    assert {c["type"] for c in doc["checks"]} == {"equal", "assert", "explain_if"}
    assert doc["grades"]["min_coverage"] == 0.6
    assert doc["settings"]["not_applicable_weight"] == "redistribute"
    perfscore.load_ruleset_text(mixed.RULES, source="mixed.yaml")  # loads without a warning


def test_the_data_has_edges_blanks_and_zeros() -> None:
    recs = mixed.records(mixed.MixedFamily(), 600)
    vals = [r["values"] for r in recs]
    money = [(v.get("executed"), v.get("budget")) for v in vals]
    full = [(e, b) for e, b in money if e is not None and b is not None]
    assert sum(Decimal(e) == Decimal(b) for e, b in full) > len(full) // 4
    assert sum(Decimal(b) and Decimal(e) * 100 == Decimal(b) * 95 for e, b in full) > 20
    assert any(Decimal(b) == 0 for _, b in full) and any(Decimal(e) == 0 for e, _ in full)
    assert any(Decimal(e) > Decimal(b) for e, b in full)  # 超支
    assert any(b is None for _, b in money) and any(v.get("satisfaction") is None for v in vals)
    assert sum(v.get("plan_cost") == "13.51" and v.get("actual_cost") in ("14", "14.00")
               for v in vals) > 5  # fmt: skip
    assert any(v.get("staff_actual") == v.get("staff_quota") for v in vals)
    assert any(v.get("satisfaction") in ("90", "95") for v in vals)
    np = pytest.importorskip("numpy")
    cols = mixed.columns(mixed.MixedFamily(), 5000)
    assert 0.3 < mixed.ties_share(mixed.MixedFamily(), cols) < 0.6
    assert int(np.isnan(cols["budget"]).sum()) > 0 and int((cols["budget"] == 0).sum()) > 0
    assert int(((cols["plan_cost"] == 13.51) & (cols["actual_cost"] == 14)).sum()) > 50


BASE = {"budget": "100", "disclosed_budget": "是", "disclosed_final": "是", "level": "county"}


@pytest.mark.parametrize(
    ("values", "expect"),
    [
        # exactly 95%: ≥ 95% met, 5 points short of 100% → 5 − 5 × 0.5, 偏差 3 × 0.95
        ({"executed": "95"}, {"rate_ge": "4", "rate_full": "0", "rate_exact": "2.5",
                              "rate_started": "5", "overspend": "3", "rate_dev": "2.85",
                              "disclosure": "5"}),
        # 6.99 points short: 5 − 3.495 = 1.505 → 1.51 (half up); 1.99 below 95% → 2 started steps
        ({"executed": "93.01"}, {"rate_exact": "1.51", "rate_started": "3", "disclosure": "4"}),
        # far below: the floor of 1 holds
        ({"executed": "80"}, {"rate_started": "1", "rate_exact": "0"}),
        # 12.5% over: 2 completed steps of 5% → 3 − 2; 偏差 3 × 0.875 = 2.625 → 2.63
        ({"executed": "112.5"}, {"overspend": "1", "rate_dev": "2.63", "rate_exact": "5"}),
        # 3 × 13.51 / 14 = 2.895 → 2.90 exactly (issue #18's half-cent case)
        ({"plan_cost": "13.51", "actual_cost": "14"}, {"cost": "2.9"}),
        # 在职人员 21 of 20: 105% is in (100%, 105%]; 不超编 fails; weakest link = 0
        ({"staff_actual": "21", "staff_quota": "20"}, {"staffing": "2.5", "staff_ok": "0",
                                                       "g_sustain": "0"}),
        # a county: the city-only leaf is not applicable, whatever its data (27 of 27 points
        # that apply → 40); a city: 27 of 31 → 27 × 40 / 31 = 34.838… → 34.84
        ({"executed": "100", "transfer_timely": "50"}, {"transfer": None, "g_process": "40"}),
        ({"executed": "100", "transfer_timely": "50", "level": "city"},
         {"transfer": "0", "g_process": "34.84"}),
        # 3 × 7 / 9 = 2.33 → round(…, 0) = 2
        ({"assets_ok": "7", "assets_all": "9"}, {"assets": "2"}),
        # 公开决算 blank: 不适用, the answered 公开预算 (2) and ≥ 95% (1) scaled, 5 × 2 / 3 = 3.33;
        # 整改 blank, 公开自评 是: 4 × 2 / 2 (rule-language 7.6, blank items one by one)
        ({"executed": "90", "disclosed_final": None, "perf_published": "是"},
         {"disclosure": "3.33", "perf_use": "4"}),
        # every item of 绩效结果应用 blank: 不适用 as a whole
        ({"executed": "95"}, {"perf_use": None, "disclosure": "5"}),
    ],
)  # fmt: skip
def test_hand_computed_points(values: dict[str, str], expect: dict[str, str | None]) -> None:
    rs = perfscore.load_ruleset_text(mixed.RULES, source="mixed.yaml")
    given = {k: v for k, v in {**BASE, **values}.items() if v is not None}
    d = read_subject(
        {"id": "x", "values": given},
        rs.compiled.inputs,
        index=0,
        subject_type="department",
    )
    engine, _ = rs.evaluator.points(d)
    mine, _ = mixed_baselines.MixedDecimal(rs.id).points(d.values)
    full = {s.rule_id: s.points for s in rs.evaluator.subject(d).scores}
    for rid, want in expect.items():
        w = None if want is None else Decimal(want)
        assert (engine[rid], mine[rid], full[rid]) == (w, w, w), rid


def test_the_baselines_agree_on_every_sample_record() -> None:
    """Both hand-written baselines give the engine's points on the family's own records, its
    blank checklist items included (they follow rule-language 7.6 as written)."""
    rs = perfscore.load_ruleset_text(mixed.RULES, source="mixed.yaml")
    base = mixed_baselines.MixedDecimal(rs.id)
    partly = 0
    for rec in mixed.records(mixed.MixedFamily(), 400):
        d = read_subject(rec, rs.compiled.inputs, index=0, subject_type="department")
        engine, total = rs.evaluator.points(d)
        mine, my_total = base.points(d.values)
        assert (engine, total) == (mine, my_total), rec
        v = rec["values"]
        partly += (v.get("perf_published") is None) != (v.get("rectified") is None)
    assert partly > 10  # (the sample reaches the per-item rule)
