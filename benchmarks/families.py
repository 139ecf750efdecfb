"""Realistic benchmark families (issue #18): generated department rule sets and data that look
like what finance bureaus receive — not tuned to any fast path.

A *family* is a rule-set spec (a tree of groups and leaf indicators, each leaf one of
:data:`LEAF_KINDS`) plus a data generator.  The spec is plain Python data; the YAML rule set is
written from it (:func:`ruleset_text`) and the hand-written baselines (:mod:`family_baselines`)
are generated from the *same spec*, never from perfscore.  The data has what real returns have:

* spent exactly the budget (execution rate exactly 100%) — about a third of the rows;
* values exactly on a threshold (95.00%) and on band edges (满意度 90, 95);
* round budgets (multiples of 10 万元), zeros (nothing spent), a few zero budgets;
* blanks (missing values), integer counts (完成数 / 计划数), one-decimal survey scores.

Families: ``dept30`` (30 indicators in a 3-level weighted tree, the shape of a 部门整体支出绩效
自评表), ``dept30-clean`` (the same rule set on data with no ties, blanks or zeros — to show what
ties cost), ``deep`` (24 indicators, 6 levels deep), ``wide120`` (120 indicators) — all of them
threshold, proportional, deduct, bands and formula leaves in weighted sums, one metric per leaf —
``mixed`` (:mod:`mixed`: a hand-written 27-indicator set with shared metrics, checklist,
tier, a leaf ``when``, ``mean``/``weakest_link`` groups and checks), and ``dept30-adv``: dept30's
tree where the uncommon outcomes are common — each leaf's own ``missing`` policy (not
applicable, zero, full marks) and each rate's own ``zero_division`` (not applicable, zero), and
data with refused cells (``待核实``, a negative amount, ``2.5`` in a count: the leaf is an
error, and so is every group above it), blanks written as ``-``/``—``/``/``/``""``, zero plans
and budgets, and amounts at the 10^15 edge — at the rates departments' returns have them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import mixed
from mixed import MixedFamily

#: leaf kinds: what each reads and how it scores (see ``_leaf_yaml``)
LEAF_KINDS = (
    "exec_ge",  # 预算执行率 ≥ 95% → full marks (threshold)
    "exec_prop",  # 预算执行率 × weight (proportional, target 100%)
    "exec_deduct",  # below 95%: 0.5 per point short (deduct; count: exact/started/completed)
    "funds_eq",  # 资金到位率 = 100% (threshold ==)
    "cost_lower",  # 实际成本 ≤ 计划成本 (proportional, direction lower)
    "count_ge",  # 完成数 / 计划数 ≥ 100% (threshold, integers)
    "count_prop",  # 完成数 / 计划数 × weight (proportional, integers)
    "survey_bands",  # 满意度 score 0–100 in bands with edges at 80/90/95
    "formula",  # min(w, w × a / b)
)
COUNTS = ("exact", "started", "completed")


@dataclass
class Leaf:
    id: str
    kind: str
    weight: Decimal
    inputs: tuple[str, ...]
    count: str = "exact"


@dataclass
class Group:
    id: str
    weight: Decimal
    children: list[Any] = field(default_factory=list)


@dataclass
class Family:
    name: str
    root: list[Group]
    leaves: list[Leaf]
    clean: bool = False  # data without ties, blanks or zeros
    adv: bool = False  # per-leaf missing / zero-division policies; refused cells in the data

    @property
    def inputs(self) -> list[tuple[str, str]]:
        out = []
        for leaf in self.leaves:
            types = _INPUT_TYPES[leaf.kind]
            out += list(zip(leaf.inputs, types, strict=True))
        return out


_INPUT_TYPES = {
    "exec_ge": ("money", "money"),
    "exec_prop": ("money", "money"),
    "exec_deduct": ("money", "money"),
    "funds_eq": ("money", "money"),
    "cost_lower": ("money", "money"),
    "count_ge": ("integer", "integer"),
    "count_prop": ("integer", "integer"),
    "survey_bands": ("number",),
    "formula": ("money", "money"),
}
_WEIGHTS = (Decimal(2), Decimal(3), Decimal(4), Decimal(5), Decimal("2.5"))


def _leaf(i: int, kind: str, weight: Decimal) -> Leaf:
    n = len(_INPUT_TYPES[kind])
    names = (f"x{i}", f"y{i}")[:n]
    return Leaf(f"i{i}", kind, weight, names, COUNTS[i % 3])


def _tree(n_leaves: int, fanout: tuple[int, ...], seed: int) -> tuple[list[Group], list[Leaf]]:
    """Groups nested ``len(fanout)`` levels deep; leaves cycle through the kinds."""
    rnd = random.Random(seed)
    leaves = [
        _leaf(i, LEAF_KINDS[i % len(LEAF_KINDS)], rnd.choice(_WEIGHTS)) for i in range(n_leaves)
    ]
    counter = iter(range(10**6))

    def build(items: list[Any], level: int) -> list[Any]:
        if level < 0:
            return items
        k = fanout[level]
        chunks = [items[j : j + k] for j in range(0, len(items), k)]
        groups = []
        for chunk in chunks:
            w = sum((c.weight for c in chunk), Decimal(0))
            groups.append(Group(f"g{next(counter)}", w, chunk))
        return build(groups, level - 1)

    top = build(list(leaves), len(fanout) - 1)
    return top, leaves


def family(name: str) -> Family | MixedFamily:
    if name == "mixed":
        return MixedFamily()
    if name in ("dept30", "dept30-clean", "dept30-adv"):
        root, leaves = _tree(30, (2, 5), seed=30)  # 3 levels: 一级 → 二级 → 三级 (leaves)
        return Family(name, root, leaves, clean=name.endswith("clean"), adv=name.endswith("adv"))
    if name == "deep":
        root, leaves = _tree(24, (2, 2, 2, 2, 3), seed=24)
        return Family(name, root, leaves)
    if name == "deep50":  # (not in FAMILIES: jobs_bench's deep set, session 18)
        return Family(name, *_tree(50, (2, 2, 2, 2, 4), seed=50))
    if name == "wide120":
        root, leaves = _tree(120, (4, 6), seed=120)
        return Family(name, root, leaves)
    if name == "proj":  # family_proj: its own spec, rule set, data and baseline
        import family_proj

        return family_proj.ProjFamily()
    if name == "exact":  # family_exact: exact halves behind rates that never end
        import family_exact

        return family_exact.ExactFamily()
    raise KeyError(name)


FAMILIES = ("dept30", "deep", "wide120", "dept30-clean", "mixed", "dept30-adv", "exact")
#: families run only when named (`run.py --only families --family proj`)
NAMED = ("proj",)


def missing_policy(leaf: Leaf) -> str | None:
    """``dept30-adv``: a leaf's own ``missing`` policy (None: the settings', not applicable) —
    a blank scores zero on every fourth leaf, full marks on every eighth."""
    n = int(leaf.id[1:])
    return "full" if n % 8 == 3 else "zero" if n % 4 == 1 else None


def zero_policy(leaf: Leaf) -> str | None:
    """``dept30-adv``: a rate's own ``zero_division`` (a formula leaf's own; None: the
    settings', not applicable) — zero points on every third leaf."""
    return "zero" if int(leaf.id[1:]) % 3 == 2 else None


# --- the rule set ------------------------------------------------------------------------------

_TITLES = {
    "exec_ge": "预算执行率",
    "exec_prop": "项目预算执行率",
    "exec_deduct": "年度预算执行进度",
    "funds_eq": "资金到位率",
    "cost_lower": "成本控制率",
    "count_ge": "计划完成率",
    "count_prop": "数量指标完成率",
    "survey_bands": "服务对象满意度",
    "formula": "绩效目标实现程度",
}


def _leaf_yaml(leaf: Leaf, ind: str, adv: bool = False) -> list[str]:
    k, (a, *rest) = leaf.kind, leaf.inputs
    b = rest[0] if rest else None
    lines = [f"{ind}- id: {leaf.id}", f"{ind}  title: {_TITLES[k]}{leaf.id[1:]}"]
    lines.append(f"{ind}  weight: {leaf.weight}")
    if adv and missing_policy(leaf):
        lines.append(f"{ind}  missing: {missing_policy(leaf)}")
    if adv and k == "formula" and zero_policy(leaf):
        lines.append(f"{ind}  zero_division: {zero_policy(leaf)}")
    r = f"m{leaf.id[1:]}"
    if k == "exec_ge":
        lines += [
            f"{ind}  value: {r}",
            f"{ind}  scorer: {{type: threshold, op: '>=', target: 0.95}}",
        ]
    elif k in ("exec_prop", "count_prop"):
        lines += [f"{ind}  value: {r}", f"{ind}  scorer: {{type: proportional, target: 1}}"]
    elif k == "exec_deduct":
        lines += [
            f"{ind}  value: {r}",
            f"{ind}  scorer: {{type: deduct, start: 0.95, direction: below, per: 0.01,"
            f" points: 0.5, count: {leaf.count}}}",
        ]
    elif k == "funds_eq":
        lines += [f"{ind}  value: {r}", f"{ind}  scorer: {{type: threshold, op: '==', target: 1}}"]
    elif k == "cost_lower":
        lines += [
            f"{ind}  value: {r}",
            f"{ind}  scorer: {{type: proportional, target: 1, direction: lower}}",
        ]
    elif k == "count_ge":
        lines += [f"{ind}  value: {r}", f"{ind}  scorer: {{type: threshold, op: '>=', target: 1}}"]
    elif k == "survey_bands":
        w = leaf.weight
        lines += [
            f"{ind}  value: {a}",
            f"{ind}  scorer:",
            f"{ind}    type: bands",
            f"{ind}    bands:",
            f"{ind}      - {{range: '>= 95', points: {w}}}",
            f"{ind}      - {{range: '[90, 95)', points: {w * Decimal('0.8')}}}",
            f"{ind}      - {{range: '[80, 90)', points: {w * Decimal('0.6')}}}",
            f"{ind}      - {{range: '< 80', points: 0}}",
        ]
    else:
        lines += [
            f"{ind}  scorer: {{type: formula,"
            f" expr: 'min({leaf.weight}, {leaf.weight} * {a} / {b})'}}"
        ]
    return lines


def _metric(leaf: Leaf, adv: bool = False) -> str | None:
    if leaf.kind in ("survey_bands", "formula"):
        return None
    a, b = leaf.inputs
    title = f"{_TITLES[leaf.kind]}{leaf.id[1:]}"
    zero = f", zero_division: {zero_policy(leaf)}" if adv and zero_policy(leaf) else ""
    return f"  m{leaf.id[1:]}: {{expr: '{a} / {b}', unit: '%', title: {title}{zero}}}"


def ruleset_text(fam: Family | MixedFamily) -> str:
    if hasattr(fam, "ruleset_text"):  # a family with its own module (family_proj, family_exact)
        return fam.ruleset_text()  # type: ignore[no-any-return]
    if isinstance(fam, MixedFamily):
        return mixed.RULES
    lines = [
        "perfscore: 1",
        f"id: family_{fam.name.replace('-', '_')}",
        f"title: 部门整体支出绩效自评（{fam.name}）",
        'version: "1"',
        "settings: {places: 2, missing: not_applicable, zero_division: not_applicable}",
        "inputs:",
    ]
    for name, typ in fam.inputs:
        extra = (
            ", unit: 万元, min: 0" if typ == "money" else (", min: 0" if typ == "integer" else "")
        )
        lines.append(f"  {name}: {{type: {typ}{extra}}}")
    lines.append("metrics:")
    lines += [m for leaf in fam.leaves if (m := _metric(leaf, fam.adv))]
    lines.append("indicators:")

    def emit(node: Any, ind: str) -> None:
        if isinstance(node, Leaf):
            lines.extend(_leaf_yaml(node, ind, fam.adv))
            return
        lines.extend([f"{ind}- id: {node.id}", f"{ind}  title: 分组{node.id[1:]}"])
        lines.extend([f"{ind}  weight: {node.weight}", f"{ind}  children:"])
        for c in node.children:
            emit(c, ind + "    ")

    for g in fam.root:
        emit(g, "  ")
    lines += [
        "grades:",
        "  bands:",
        "    - {id: excellent, label: 优, min: 90}",
        "    - {id: good, label: 良, min: 80}",
        "    - {id: fair, label: 中, min: 60}",
        "    - {id: poor, label: 差, min: 0}",
    ]
    return "\n".join(lines) + "\n"


# --- the data ----------------------------------------------------------------------------------


def _money_pair(rnd: random.Random, clean: bool) -> tuple[str | None, str | None]:
    """(spent, budget) as department returns give them (text with 2 decimals)."""
    if clean:
        b = rnd.randint(10_00, 5000_00)
        return f"{b * rnd.uniform(0.6, 1.05) / 100:.2f}", f"{b / 100:.2f}"
    u = rnd.random()
    if u < 0.4:
        b = rnd.randint(1, 500) * 10_00  # a round budget: 10, 20, …, 5000 万元
    elif u < 0.405:
        b = 0
    else:
        b = rnd.randint(10_00, 5000_00)
    v = rnd.random()
    if v < 0.35:
        s = b  # spent exactly the budget
    elif v < 0.45 and b % 20 == 0:
        s = b * 95 // 100  # exactly 95.00%
    elif v < 0.48:
        s = 0
    else:
        s = round(b * rnd.uniform(0.6, 1.05))
    sa = None if rnd.random() < 0.02 else f"{s / 100:.2f}"
    sb = None if rnd.random() < 0.01 else f"{b / 100:.2f}"
    return sa, sb


def _count_pair(rnd: random.Random, clean: bool) -> tuple[str | None, str | None]:
    plan = rnd.randint(1, 500)
    if clean:
        return str(max(0, plan + rnd.choice((-3, -2, -1, 1, 2)))), str(plan)
    v = rnd.random()
    done = plan if v < 0.5 else max(0, plan + rnd.randint(-20, 5))
    return (None if rnd.random() < 0.02 else str(done)), str(plan)


def _survey(rnd: random.Random, clean: bool) -> str | None:
    if clean:
        return f"{rnd.uniform(60, 100):.1f}".replace("80.0", "80.1").replace("90.0", "90.1")
    u = rnd.random()
    if u < 0.02:
        return None
    if u < 0.4:
        return rnd.choice(("80", "90", "95", "100", "90.0"))
    return f"{rnd.uniform(60, 100):.1f}"


def row_values(fam: Family, rnd: random.Random) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for leaf in fam.leaves:
        typ = _INPUT_TYPES[leaf.kind]
        if typ == ("number",):
            out[leaf.inputs[0]] = _survey(rnd, fam.clean)
            continue
        pair = _count_pair(rnd, fam.clean) if typ[0] == "integer" else _money_pair(rnd, fam.clean)
        out[leaf.inputs[0]], out[leaf.inputs[1]] = pair
    if fam.adv:
        _adversarial(fam, rnd, out)
    return out


#: amounts at the 10^15 edge (the largest a number may be: docs/data.md): spent, budget
_HUGE = (
    ("999999999999999.99", "1000000000000000"),
    ("0.01", "1000000000000000"),
    ("1000000000000000", "1000000000000000"),
    ("950000000000000.00", "1000000000000000"),
    ("1000000000000000", "999999999999999.99"),
)
#: cells a reader refuses, by input type (not a number; below the input's min 0; not whole)
_REFUSED = {"money": ("待核实", "-5.00"), "integer": ("2.5", "-1", "待核实"), "number": ("待核实",)}
_BLANK_TEXTS = ("", "-", "—", "/")


def _adversarial(fam: Family, rnd: random.Random, out: dict[str, str | None]) -> None:
    """``dept30-adv``'s data on top of dept30's: zero plans, amounts at the 10^15 edge, a
    refused cell in about 0.3% of cells, half the blanks written as text."""
    for leaf in fam.leaves:
        typ = _INPUT_TYPES[leaf.kind]
        if typ == ("money", "money") and rnd.random() < 0.004:
            out[leaf.inputs[0]], out[leaf.inputs[1]] = rnd.choice(_HUGE)
        elif typ == ("integer", "integer") and rnd.random() < 0.01:
            out[leaf.inputs[1]] = "0"  # nothing planned: the rate divides by zero
        for name, t in zip(leaf.inputs, typ, strict=True):
            if rnd.random() < 0.003:
                out[name] = rnd.choice(_REFUSED[t])
            elif out[name] is None and rnd.random() < 0.5:
                out[name] = rnd.choice(_BLANK_TEXTS)


def records(fam: Family | MixedFamily, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Subject records ``{id, name, values}``; a blank is a missing key (as a blank cell)."""
    if hasattr(fam, "records"):  # a family with its own module (family_proj, family_exact)
        return fam.records(n, seed)  # type: ignore[no-any-return]
    if isinstance(fam, MixedFamily):
        return mixed.records(fam, n, seed)
    rnd = random.Random(seed)
    recs = []
    for r in range(n):
        vals = {k: v for k, v in row_values(fam, rnd).items() if v is not None}
        recs.append({"id": f"dept-{r:07d}", "name": f"部门{r}", "values": vals})
    return recs


def columns(fam: Family | MixedFamily, n: int, seed: int = 7) -> dict[str, Any]:
    """The same kind of data as float64 columns (NaN = blank), generated vectorised."""
    if isinstance(fam, MixedFamily):
        return mixed.columns(fam, n, seed)
    import numpy as np

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}

    def blank(x: Any, p: float) -> Any:
        if fam.clean:
            return x
        x = x.astype(np.float64)
        x[rng.random(n) < p] = np.nan
        return x

    for leaf in fam.leaves:
        typ = _INPUT_TYPES[leaf.kind]
        if typ == ("number",):
            if fam.clean:
                s = np.round(rng.uniform(60, 100, n), 1)
                s[np.isin(s, (80.0, 90.0, 95.0))] += 0.1
            else:
                edge = rng.choice(np.array([80.0, 90.0, 95.0, 100.0]), n)
                s = np.where(rng.random(n) < 0.38, edge, np.round(rng.uniform(60, 100, n), 1))
            cols[leaf.inputs[0]] = blank(s, 0.02)
            continue
        if typ[0] == "integer":
            plan = rng.integers(1, 501, n)
            if fam.clean:
                done = np.maximum(0, plan + rng.choice(np.array([-3, -2, -1, 1, 2]), n))
            else:
                done = np.where(
                    rng.random(n) < 0.5, plan, np.maximum(0, plan + rng.integers(-20, 6, n))
                )
            cols[leaf.inputs[0]] = blank(done, 0.02)
            cols[leaf.inputs[1]] = plan.astype(np.float64)
            continue
        if fam.clean:
            b = rng.integers(10_00, 5000_01, n)
            s = np.rint(b * rng.uniform(0.6, 1.05, n))
        else:
            u = rng.random(n)
            b = np.where(u < 0.4, rng.integers(1, 501, n) * 10_00, rng.integers(10_00, 5000_01, n))
            b[(u >= 0.4) & (u < 0.405)] = 0
            v = rng.random(n)
            s = np.rint(b * rng.uniform(0.6, 1.05, n))
            s = np.where(v < 0.35, b, s)
            s = np.where((v >= 0.35) & (v < 0.45) & (b % 20 == 0), b * 95 // 100, s)
            s = np.where((v >= 0.45) & (v < 0.48), 0, s)
        cols[leaf.inputs[0]] = blank(s / 100, 0.02)
        cols[leaf.inputs[1]] = blank(b / 100, 0.01)
    return cols


def ties_share(fam: Family | MixedFamily, cols: dict[str, Any]) -> float:
    """Share of money leaves whose rate is exactly 100% or 95% (how often an edge is hit)."""
    if isinstance(fam, MixedFamily):
        return mixed.ties_share(fam, cols)
    import numpy as np

    hits = total = 0
    for leaf in fam.leaves:
        if _INPUT_TYPES[leaf.kind][0] != "money":
            continue
        a, b = cols[leaf.inputs[0]], cols[leaf.inputs[1]]
        ok = np.isfinite(a) & np.isfinite(b) & (b > 0)
        hits += int((ok & ((a == b) | (np.rint(a * 100) * 100 == np.rint(b * 100) * 95))).sum())
        total += int(ok.sum())
    return hits / total if total else 0.0
