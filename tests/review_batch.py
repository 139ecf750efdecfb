"""A generated batch of project self-evaluations with declared scores, for the review (复核).

Projects are generated the way departments file them for rules/cn-project-10.yaml: budgets
in 万元 (some written "480万元"), often spent exactly, integer counts, unused indicator slots,
qualitative tiers.  Each project's self-evaluation (``declared:``) is one of:

* ``honest``      — every point as the rule set recomputes it, total and grade consistent;
* ``inflated``    — one or two indicators claimed at full marks their figures do not
                    support, with the group points and the total raised to match;
* ``arithmetic``  — honest points, but a 总分 that is not the sum of the parts, weights on the
                    form that do not add up to 100, or a grade outside the band of the total;
* ``red``         — money largely unspent, yet every output and benefit claimed at full marks;
* ``no_data``     — points claimed for an indicator the project gives no figures for, and one
                    for an indicator the rule set does not have; and on its form the printed
                    patterns reviewers flag by hand: the cost indicator's target written
                    "≥", a target that cannot be assessed ("≥95%，社会效益明显"), and
                    satisfaction evidenced by "未收到群众投诉";
* ``nothing``     — no self-evaluation at all.

``python tests/review_batch.py`` prints the batch; examples/review-batch-2023.yaml is exactly
that output (a test checks it), and docs/review.md walks through its review.
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

import perfscore
from perfscore.numbers import json_number

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "cn-project-10.yaml"
KINDS = ("honest", "inflated", "arithmetic", "red", "no_data", "nothing")
D = Decimal

_PROJECTS = [
    ("社区老年助餐服务补助", "服务老年人数", "助餐服务人次"),
    ("农村饮水安全巩固提升", "改造供水工程处数", "受益人口"),
    ("中小学校舍维修改造", "维修校舍面积（平方米）", "完工学校数"),
    ("公共文化服务进基层", "送戏下乡场次", "参与群众人次"),
    ("高标准农田建设", "建成面积（亩）", "配套灌溉设施处数"),
    ("城乡困难群众临时救助", "救助人次", "救助资金发放户数"),
    ("基层医疗卫生机构设备购置", "购置设备台套", "覆盖卫生院数"),
    ("河道综合整治", "整治河道长度（公里）", "清淤量（万立方米）"),
    ("就业技能培训补贴", "培训人数", "取得证书人数"),
    ("老旧小区改造", "改造户数", "加装电梯部数"),
    ("森林防火能力建设", "巡护里程（公里）", "防火宣传场次"),
    ("公共法律服务", "法律援助案件数", "咨询服务人次"),
]


def _values(rng: random.Random, kind: str) -> dict[str, Any]:
    budget = D(rng.choice([80, 120, 150, 200, 260, 480, 600, 1200])) + D(rng.randint(0, 99)) / 100
    adjusted = budget if rng.random() < 0.7 else budget - D(rng.randint(1, 20))
    if kind == "red":
        executed = (adjusted * D(rng.choice(["0.35", "0.42", "0.5"]))).quantize(D("0.01"))
    elif rng.random() < 0.4:
        executed = adjusted  # spent exactly the budget
    else:
        executed = (adjusted * D(rng.randint(86, 99)) / 100).quantize(D("0.01"))
    v: dict[str, Any] = {
        "budget_initial": budget,
        "budget_adjusted": f"{json_number(adjusted)}万元" if rng.random() < 0.3 else adjusted,
        "executed": executed,
    }
    if executed < adjusted * D("0.9"):
        v["low_execution_reason"] = "部分工程跨年度实施，尾款于次年支付。"
    if adjusted != budget:
        v["adjustment_reason"] = "年中按实际需求调减预算。"
    for slot in ("output_ge_1", "output_ge_2"):
        target = rng.choice([20, 50, 120, 800, 1500])
        ratio = D(rng.choice([80, 90, 95, 100, 100, 104, 110])) / 100
        v[f"{slot}_target"] = target
        v[f"{slot}_actual"] = int(target * ratio)
    v["output_le_1_name"] = "单位成本（元）"
    v["output_le_1_target"] = 500
    v["output_le_1_actual"] = rng.choice([480, 500, 520, 560])
    v["output_q_1_name"] = "项目管理规范性"
    v["output_q_1_tier"] = rng.choice(["achieved", "achieved", "partial"])
    v["benefit_ge_1_name"] = "目标人群覆盖率（%）"
    v["benefit_ge_1_target"] = 90
    v["benefit_ge_1_actual"] = rng.choice([85, 90, 92, 96])
    v["benefit_q_1_name"] = "社会效益"
    v["benefit_q_1_tier"] = rng.choice(["achieved", "partial"])
    v["satisfaction"] = rng.choice([88, 90, 93, 96])
    v["satisfaction_target"] = 90
    return v


def _honest(rs: perfscore.RuleSet, record: dict[str, Any]) -> dict[str, Any]:
    result = rs.evaluate_subject(record)
    points = {
        s.rule_id: s.points for s in result.scores if s.points is not None and s.rule_id in _CLAIMED
    }
    return {
        "total": result.total,
        "grade": result.grade_label,
        "points": points,
        "weights": {"execution": 10, "outputs": 50, "benefits": 30, "satisfaction_score": 10},
    }


_CLAIMED = (
    "execution",
    "outputs",
    "output_ge_1",
    "output_ge_2",
    "output_le_1",
    "output_q_1",
    "benefits",
    "benefit_ge_1",
    "benefit_q_1",
    "satisfaction_score",
)
_WEIGHT = {"output_ge_1": 8, "output_ge_2": 8, "output_le_1": 6, "output_q_1": 6}


def generate(seed: int = 2023, n: int = 12) -> list[dict[str, Any]]:
    """``n`` project records with declared scores, cycling through :data:`KINDS`."""
    rng = random.Random(seed)
    rs = perfscore.load_ruleset(RULES)
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        name, out1, out2 = _PROJECTS[i % len(_PROJECTS)]
        values = _values(rng, kind)
        values["output_ge_1_name"] = out1
        values["output_ge_2_name"] = out2
        record: dict[str, Any] = {
            "id": f"prj-{i + 1:02d}",
            "name": f"{name}项目",
            "type": "project",
            "values": values,
        }
        if kind != "nothing":
            record["declared"] = _declare(rs, record, kind, rng)
        out.append(record)
    return out


def _declare(
    rs: perfscore.RuleSet, record: dict[str, Any], kind: str, rng: random.Random
) -> dict[str, Any]:
    d = _honest(rs, record)
    pts: dict[str, Decimal] = d["points"]
    if kind == "inflated":
        # claim full marks on the outputs that fall short, and raise the group and total
        short = [k for k in _WEIGHT if k in pts and pts[k] < _WEIGHT[k]] or ["output_ge_1"]
        for k in short[: rng.choice([1, 2])]:
            gain = D(_WEIGHT[k]) - pts.get(k, D(0))
            pts[k] = D(_WEIGHT[k])
            pts["outputs"] = min(D(50), pts["outputs"] + gain)
            d["total"] = min(D(100), d["total"] + gain)
        if pts["outputs"] == 50 and d["total"] < 100:
            d["total"] = sum(
                (pts[k] for k in ("execution", "outputs", "benefits", "satisfaction_score")), D(0)
            )
    elif kind == "arithmetic":
        d["total"] = d["total"] + D(rng.choice([3, 5, -4]))
        d["weights"] = {**d["weights"], "benefits": 25}
        d["grade"] = "优" if d["grade"] != "优" else "良"
    elif kind == "red":
        for k in _CLAIMED:
            if k == "execution":
                continue
            pts[k] = D({"outputs": 50, "benefits": 30, "satisfaction_score": 10}.get(k, 0)) or D(
                _WEIGHT.get(k, 8 if k == "benefit_ge_1" else 7)
            )
        # execution honest (the money was not spent); everything else claimed at full marks
        d["total"] = sum(
            (pts[k] for k in ("execution", "outputs", "benefits", "satisfaction_score")), D(0)
        )
        d["grade"] = "优" if d["total"] >= 90 else "良"
    elif kind == "no_data":
        pts["output_ge_4"] = D(8)  # the project gives no figures for slot 4
        pts["output_ge_5"] = D(2)  # not an indicator of the rule set
    d["points"] = {k: pts[k] for k in sorted(pts, key=_order)}
    d["targets"], d["actuals"] = _printed(record["values"], kind)
    return d


def _printed(v: dict[str, Any], kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """The 指标值 and 实际完成值 columns of the form, as a department prints them."""
    targets = {
        "output_ge_1": f"≥{v['output_ge_1_target']}",
        "output_ge_2": f"≥{v['output_ge_2_target']}",
        "output_le_1": "≤500元",
        "output_q_1": "达标",
        "benefit_ge_1": "≥90%",
        "benefit_q_1": "受益群众≥1000人",
        "satisfaction_score": "≥90%",
    }
    actuals = {
        "output_ge_1": str(v["output_ge_1_actual"]),
        "output_ge_2": str(v["output_ge_2_actual"]),
        "output_le_1": f"{v['output_le_1_actual']}元",
        "benefit_ge_1": f"{v['benefit_ge_1_actual']}%",
        "satisfaction_score": f"{v['satisfaction']}%",
    }
    if kind == "no_data":
        targets["output_le_1"] = "≥500元"  # a cost written as a floor
        targets["benefit_q_1"] = "≥95%，社会效益明显"  # cannot be assessed
        actuals["satisfaction_score"] = "未收到群众投诉"  # no complaints taken as satisfied
    return targets, actuals


def _order(k: str) -> tuple[int, str]:
    return ((list(_CLAIMED).index(k) if k in _CLAIMED else len(_CLAIMED)), k)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _decimal(dumper: yaml.SafeDumper, x: Decimal) -> yaml.ScalarNode:
    text = json_number(x)
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _decimal)


def dump(records: list[dict[str, Any]]) -> str:
    head = (
        "# GENERATED by tests/review_batch.py (python tests/review_batch.py > this file);\n"
        "# tests/test_review.py checks this file is exactly its output.  Illustrative projects\n"
        "# with honest, inflated and arithmetically wrong self-evaluations (declared:), for\n"
        "#   perfscore review rules/cn-project-10.yaml examples/review-batch-2023.yaml\n"
    )
    body = yaml.dump(
        {"subjects": records}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )
    return head + body


if __name__ == "__main__":
    sys.stdout.write(dump(generate()))
