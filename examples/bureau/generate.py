"""Three years of self-evaluation data for 20 departments of one (invented) district bureau.

    python examples/bureau/generate.py OUT_DIR        # writes depts-2021.yaml … depts-2023.yaml

The data are made the way departments produce them: some spend exactly their budget, most
make no in-year adjustment (0), counts are whole numbers, a few leave fields blank, and two
give too little to be graded.  Each record carries ``key`` (the department, the same every
year), ``year`` and ``parent`` (主管部门).  Deterministic: the same files every time.
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

YEARS = (2021, 2022, 2023)
PARENTS = ("教育系统", "卫健系统", "城建系统", "政法系统")
NAMES = (
    "区第一中学",
    "区实验小学",
    "区职业学校",
    "区教师发展中心",
    "区少年宫",
    "区人民医院",
    "区妇幼保健院",
    "区疾控中心",
    "区卫生监督所",
    "区中医院",
    "区市政所",
    "区园林所",
    "区住建档案馆",
    "区环卫站",
    "区建设工程质监站",
    "区司法局",
    "区公证处",
    "区法律援助中心",
    "区社区矫正中心",
    "区人民调解中心",
)
TIERS = ("achieved", "achieved", "achieved", "partial", "not_achieved")


def _money(x: float) -> Decimal:
    return Decimal(str(round(x, 2)))


def department(i: int, year: int, rng: random.Random) -> dict[str, Any]:
    budget = _money(rng.uniform(300, 5000))
    # later years: most departments improve their execution a little
    drift = (year - YEARS[0]) * rng.choice((0.01, 0.02, -0.01))
    rate = min(1.0, max(0.6, rng.uniform(0.82, 1.0) + drift))
    executed = budget if rng.random() < 0.2 else _money(float(budget) * rate)  # spent exactly
    basic = _money(float(executed) * rng.uniform(0.55, 0.9))
    values: dict[str, Any] = {
        "budget": budget,
        "executed": executed,
        "reported_execution_rate": (executed / budget * 100).quantize(Decimal("0.1")),
        "general_public_budget": executed,
        "government_fund_budget": 0,
        "soe_capital_budget": 0,
        "basic_expenditure": basic,
        "project_expenditure": executed - basic,
        "initial_budget": budget,
        "supplementary_budget": 0,  # no in-year adjustment
        "staff_actual": rng.randint(20, 60),
        "staff_authorised": 60,
        "key_tasks_planned": (planned := rng.randint(3, 8)),
        "key_tasks_completed": planned - rng.choice((0, 0, 0, 1)),
        "problems_identified": True,
        "targets_reasonable_tier": rng.choice(TIERS),
        "targets_clear_tier": rng.choice(TIERS),
        "rules_sound_tier": rng.choice(TIERS),
        "compliance_tier": rng.choice(TIERS),
        "benefit_tier": rng.choice(TIERS),
        "disclosed_budget": True,
        "disclosed_final_accounts": True,
        "disclosed_performance": rng.random() < 0.8,
        "satisfaction": Decimal(rng.randint(850, 990)) / 10,
    }
    if i >= 18:  # two departments report only their spending: too little to grade
        values = {k: values[k] for k in ("budget", "executed", "key_tasks_planned")}
    if executed / budget < Decimal("0.9"):
        values["low_execution_reason"] = "部分项目跨年度实施"
    return {
        "id": f"dept-{i + 1:02d}-{year}",
        "key": f"dept-{i + 1:02d}",
        "name": NAMES[i],
        "year": year,
        "parent": PARENTS[i // 5],
        "values": values,
    }


def year_file(year: int) -> list[dict[str, Any]]:
    rng = random.Random(year)
    return [department(i, year, rng) for i in range(len(NAMES))]


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # write every figure out, no &anchors


_Dumper.add_representer(
    Decimal, lambda d, x: d.represent_scalar("tag:yaml.org,2002:float", format(x, "f"))
)


def write(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in YEARS:
        path = out / f"depts-{year}.yaml"
        text = yaml.dump(
            {"subjects": year_file(year)}, Dumper=_Dumper, allow_unicode=True, sort_keys=False
        )
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(p)
