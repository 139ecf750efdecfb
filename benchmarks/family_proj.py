"""The ``proj`` benchmark family (issue #18): a 项目支出绩效自评 rule set built to be awkward —
52 indicators in 20 groups three levels deep (weighted sums, a ``mean`` and a
``weakest_link`` group), every scorer kind (threshold, proportional, deduct, bands, checklist
with items, tier, a leaf ``when``, formula), six checks (sums with a tolerance, asserts,
explain-ifs), and data the way departments send it: blanks written as ``""``/``-``/``—``/``/``,
refused cells (``待核实``: the indicator is an error and so is every group above it), a blank
checklist item, zero denominators, rates exactly on an edge, leaves scoring a blank as zero.

Its hand-written baseline (:class:`ProjBaseline`) is written from the spec below and the
message forms docs/rule-language.md shows, never from perfscore (no perfscore import here; a
test checks): its own dicts, its own ``format`` of Decimals, its own fingerprint.  It reads the
values the engine's reader gives, with a refused cell marked :data:`record_baselines.REFUSED`
(the cell's text, ``待核实``, is the only refused text the data has).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from baselines import _amount, _percent, _plain
from record_baselines import REFUSED

D = Decimal
Z, ONE = D(0), D(1)
Q = D("0.01")

# --- the spec ----------------------------------------------------------------------------------

#: leaf kinds, cycled over the leaves: what each reads and how it scores (see ``_leaf_yaml``)
KINDS = (
    "rate_ge",  # 执行率 ≥ 95% (threshold on a metric a / b)
    "count_prop",  # 完成数 / 计划数 × weight (proportional, integers; a blank scores 0)
    "pct_bands",  # a percent in bands ≥ 95% / [90%, 95%) / [80%, 90%) / < 80%
    "checklist",  # two yes/no items and one on the shared 执行率
    "deduct",  # below 95%: 0.5 per point short (count exact / started / completed)
    "tier",  # an 等次 given as text
    "cost_lower",  # 实际成本 / 计划成本, lower is better (proportional)
    "city",  # only where level == 'city': a percent ≥ 90%
    "rate_eq",  # 到位率 = 100% (threshold ==)
    "count_ge",  # 完成数 / 计划数 ≥ 100% (threshold, integers)
    "formula",  # min(w, w × a / b)
    "rate_prop",  # a / b × weight (proportional)
)
COUNTS = ("exact", "started", "completed")
_PAIR = {"rate_ge", "count_prop", "deduct", "cost_lower", "rate_eq", "count_ge", "formula",
         "rate_prop"}  # fmt: skip
_METRIC = _PAIR - {"formula"}
_TITLES = {
    "rate_ge": "预算执行率", "count_prop": "数量指标完成率", "pct_bands": "质量达标率",
    "checklist": "管理制度健全性", "deduct": "资金执行进度", "tier": "项目效益等次",
    "cost_lower": "成本控制率", "city": "市级配套及时率", "rate_eq": "资金到位率",
    "count_ge": "计划完成率", "formula": "绩效目标实现程度", "rate_prop": "支付进度",
}  # fmt: skip
#: the inputs' own titles (numerator, denominator) by kind
_INPUT_TITLES = {
    "rate_ge": ("执行数", "预算数"), "count_prop": ("完成数", "计划数"),
    "deduct": ("已支付", "应支付"), "cost_lower": ("实际成本", "计划成本"),
    "rate_eq": ("到位资金", "应到位资金"), "count_ge": ("完成项目数", "计划项目数"),
    "formula": ("实现值", "目标值"), "rate_prop": ("支付数", "合同数"),
    "pct_bands": ("达标率",), "checklist": ("制度健全", "执行有效"), "tier": ("效益等次",),
    "city": ("配套及时率",),
}  # fmt: skip
_TYPES = {
    "count_prop": ("integer", "integer"), "count_ge": ("integer", "integer"),
    "pct_bands": ("percent",), "checklist": ("boolean", "boolean"), "tier": ("text",),
    "city": ("percent",),
}  # fmt: skip
_WEIGHTS = (D(2), D(3), D(4), D(5), D("2.5"))
TIERS = (("achieved", "达成年度指标", "[0.8, 1]", None),
         ("partial", "部分达成", "[0.6, 0.8)", D("0.7")),
         ("not_achieved", "未达成", "[0, 0.6)", D("0.3")))  # fmt: skip
#: 质量达标率 bands: points as a share of the weight, range text as written
BANDS = ((D(1), ">= 95%"), (D("0.8"), "[90%, 95%)"), (D("0.6"), "[80%, 90%)"), (Z, "< 80%"))
#: the shared inputs: 全年预算数 / 全年执行数 (the metric ``rate`` three kinds read), the checks'
SHARED = (
    ("budget", "money", "全年预算数"), ("spent", "money", "全年执行数"),
    ("basic", "money", "基本支出"), ("projexp", "money", "项目支出"),
    ("capital", "money", "资本性支出"), ("current", "money", "经常性支出"),
    ("funds_due", "money", "应拨付资金"), ("funds_in", "money", "已拨付资金"),
    ("done_all", "integer", "已完成子项目数"), ("plan_all", "integer", "子项目总数"),
    ("level", "text", "预算级次"), ("low_reason", "text", "执行率偏低原因说明"),
    ("funds_note", "text", "资金未足额拨付说明"),
)  # fmt: skip
LEVELS = ("province", "city", "county")


@dataclass
class Leaf:
    id: str
    kind: str
    weight: Decimal
    inputs: tuple[str, ...]
    count: str = "exact"
    shared: bool = False  # reads the shared metric ``rate`` (spent / budget)

    @property
    def title(self) -> str:
        return f"{_TITLES[self.kind]}{self.id[1:]}"

    @property
    def metric(self) -> str | None:
        if self.kind not in _METRIC:
            return None
        return "rate" if self.shared else f"m{self.id[1:]}"


@dataclass
class Group:
    id: str
    title: str
    weight: Decimal
    aggregate: str = "sum"
    children: list[Any] = field(default_factory=list)


def _leaves() -> list[Leaf]:
    rnd = random.Random(18)
    out = []
    for i in range(52):
        kind = KINDS[i % len(KINDS)]
        n = len(_INPUT_TITLES[kind])
        names = (f"x{i}", f"y{i}")[:n]
        shared = kind in ("rate_ge", "deduct", "rate_prop") and i < len(KINDS)
        if shared:
            names = ("spent", "budget")
        out.append(Leaf(f"i{i}", kind, rnd.choice(_WEIGHTS), names, COUNTS[i % 3], shared))
    return out


def _tree(leaves: list[Leaf]) -> list[Group]:
    """4 一级 groups of 4 二级 groups each (20 groups), the leaves dealt 3–4 a 二级 group; one
    二级 group is a ``mean``, one a ``weakest_link``."""
    tops = [("决策", 0), ("过程", 1), ("产出", 2), ("效益", 3)]
    subs: list[Group] = []
    k = 0
    for s in range(16):
        n = 4 if s < 4 else 3
        kids = leaves[k : k + n]
        k += n
        agg = "mean" if s == 6 else "weakest_link" if s == 13 else "sum"
        w = sum((c.weight for c in kids), Z)
        subs.append(Group(f"s{s}", f"二级指标{s}", w, agg, list(kids)))
    root = []
    for title, t in tops:
        kids = subs[4 * t : 4 * t + 4]
        root.append(Group(f"t{t}", title, sum((c.weight for c in kids), Z), "sum", kids))
    return root


@dataclass
class ProjFamily:
    """The ``proj`` family (what :mod:`families` and ``benchmarks/run.py`` ask of a family)."""

    name: str = "proj"
    clean: bool = False
    adv: bool = False  # (its baseline makes every word: the families part compares findings)
    refused: bool = True  # refused cells are in the data: the baseline is told which
    columnar: bool = False  # no numpy baseline: the families part leaves out its columns
    leaves: list[Leaf] = field(default_factory=_leaves)
    root: list[Group] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.root:
            self.root = _tree(self.leaves)

    def ruleset_text(self) -> str:
        return ruleset_text(self)

    def records(self, n: int, seed: int = 7) -> list[dict[str, Any]]:
        return records(self, n, seed)

    def baseline(self, ruleset_id: str) -> ProjBaseline:
        return ProjBaseline(self, ruleset_id)


# --- the rule set ------------------------------------------------------------------------------


def _leaf_yaml(leaf: Leaf, ind: str) -> list[str]:
    k, w = leaf.kind, leaf.weight
    lines = [f"{ind}- id: {leaf.id}", f"{ind}  title: {leaf.title}", f"{ind}  weight: {w}"]
    if k == "count_prop":
        lines.append(f"{ind}  missing: zero")
    if k == "city":
        lines.append(f"{ind}  when: level == 'city'")
    m = leaf.metric
    a = leaf.inputs[0]
    if k == "rate_ge":
        lines += [
            f"{ind}  value: {m}",
            f"{ind}  scorer: {{type: threshold, op: '>=', target: 0.95}}",
        ]
    elif k in ("count_prop", "rate_prop"):
        lines += [f"{ind}  value: {m}", f"{ind}  scorer: {{type: proportional, target: 1}}"]
    elif k == "deduct":
        lines += [
            f"{ind}  value: {m}",
            f"{ind}  scorer: {{type: deduct, start: 0.95, direction: below, per: 0.01,"
            f" points: 0.5, count: {leaf.count}}}",
        ]
    elif k == "rate_eq":
        lines += [f"{ind}  value: {m}", f"{ind}  scorer: {{type: threshold, op: '==', target: 1}}"]
    elif k == "cost_lower":
        lines += [
            f"{ind}  value: {m}",
            f"{ind}  scorer: {{type: proportional, target: 1, direction: lower}}",
        ]
    elif k == "count_ge":
        lines += [f"{ind}  value: {m}", f"{ind}  scorer: {{type: threshold, op: '>=', target: 1}}"]
    elif k == "city":
        lines += [
            f"{ind}  value: {a}",
            f"{ind}  scorer: {{type: threshold, op: '>=', target: 0.9}}",
        ]
    elif k == "pct_bands":
        lines += [f"{ind}  value: {a}", f"{ind}  scorer:", f"{ind}    type: bands",
                  f"{ind}    bands:"]  # fmt: skip
        lines += [f"{ind}      - {{range: '{r}', points: {w * s}}}" for s, r in BANDS]
    elif k == "checklist":
        b = leaf.inputs[1]
        two, one = _items(w)
        lines += [
            f"{ind}  scorer:",
            f"{ind}    type: checklist",
            f"{ind}    items:",
            f"{ind}      - {{id: c1, title: 制度健全, points: {two}, when: {a}}}",
            f"{ind}      - {{id: c2, title: 执行有效, points: {two}, when: {b}}}",
            f"{ind}      - {{id: c3, title: 执行率达到 95%, points: {one}, when: rate >= 0.95}}",
        ]
    elif k == "tier":
        lines += [f"{ind}  scorer:", f"{ind}    type: tier", f"{ind}    tier: {a}",
                  f"{ind}    tiers:"]  # fmt: skip
        for tid, title, rng, dflt in TIERS:
            d = "" if dflt is None else f", default: {dflt}"
            lines.append(f"{ind}      - {{id: {tid}, title: {title}, range: '{rng}'{d}}}")
    else:  # formula
        b = leaf.inputs[1]
        lines.append(f"{ind}  scorer: {{type: formula, expr: 'min({w}, {w} * {a} / {b})'}}")
    return lines


def _items(w: Decimal) -> tuple[Decimal, Decimal]:
    """A checklist's item points: two of 2/5 of the weight, one of 1/5."""
    return w * D("0.4"), w * D("0.2")


CHECKS = """\
checks:
  - {id: nature_adds_up, title: 基本支出 + 项目支出 = 执行数, type: equal, left: basic + projexp, right: spent, tolerance: 0.01}
  - {id: economic_adds_up, title: 资本性支出 + 经常性支出 = 执行数, type: equal, left: capital + current, right: spent, tolerance: 1}
  - {id: within_budget, title: 执行数不超过预算数, type: assert, expr: spent <= budget, severity: warning}
  - {id: subprojects, title: 已完成子项目数不超过总数, type: assert, expr: done_all <= plan_all}
  - {id: low_rate_explained, title: 执行率低于 90% 须说明原因, type: explain_if, when: rate < 0.9, require: low_reason, severity: warning}
  - {id: funds_explained, title: 资金未足额拨付须说明, type: explain_if, when: funds_in < funds_due, require: funds_note, severity: note}
"""  # noqa: E501


def ruleset_text(fam: ProjFamily) -> str:
    lines = [
        "perfscore: 1",
        "id: family_proj",
        "title: 项目支出绩效自评（proj）",
        'version: "1"',
        "settings: {places: 2, missing: not_applicable, zero_division: not_applicable}",
        "inputs:",
    ]
    for name, typ, title in SHARED:
        extra = ", choices: [province, city, county]" if name == "level" else ""
        lines.append(f"  {name}: {{type: {typ}, title: {title}{_bounds(typ)}{extra}}}")
    for leaf in fam.leaves:
        if leaf.shared:
            continue
        types = _TYPES.get(leaf.kind, ("money", "money"))
        for name, typ, t in zip(leaf.inputs, types, _INPUT_TITLES[leaf.kind], strict=True):
            extra = ", choices: [achieved, partial, not_achieved]" if typ == "text" else ""
            lines.append(f"  {name}: {{type: {typ}, title: {t}{leaf.id[1:]}{_bounds(typ)}{extra}}}")
    lines += ["metrics:", "  rate: {expr: spent / budget, unit: '%', title: 预算执行率}"]
    for leaf in fam.leaves:
        if leaf.metric and not leaf.shared:
            a, b = leaf.inputs
            lines.append(f"  {leaf.metric}: {{expr: '{a} / {b}', unit: '%', title: {leaf.title}}}")
    lines.append("indicators:")

    def emit(node: Any, ind: str) -> None:
        if isinstance(node, Leaf):
            lines.extend(_leaf_yaml(node, ind))
            return
        lines.extend([f"{ind}- id: {node.id}", f"{ind}  title: {node.title}"])
        lines.append(f"{ind}  weight: {node.weight}")
        if node.aggregate != "sum":
            lines.append(f"{ind}  aggregate: {node.aggregate}")
        lines.append(f"{ind}  children:")
        for c in node.children:
            emit(c, ind + "    ")

    for g in fam.root:
        emit(g, "  ")
    lines.append(CHECKS.rstrip("\n"))
    lines += [
        "grades:",
        "  bands:",
        "    - {id: excellent, label: 优, min: 90}",
        "    - {id: good, label: 良, min: 80}",
        "    - {id: fair, label: 中, min: 60}",
        "    - {id: poor, label: 差, min: 0}",
    ]
    return "\n".join(lines) + "\n"


def _bounds(typ: str) -> str:
    if typ == "money":
        return ", unit: 万元, min: 0"
    if typ == "integer":
        return ", min: 0"
    if typ == "percent":
        return ", min: 0, max: 100"
    return ""


# --- the data ----------------------------------------------------------------------------------

_BLANKS = (None, None, "", "-", "—", "/")
#: the share of cells refused (``待核实``) and left blank
REFUSE, BLANK = 0.003, 0.03


def _money(rnd: random.Random) -> tuple[int, int]:
    """(spent, budget) in cents: a third spent exactly the budget, 95.00%, zeros, zero budgets."""
    u = rnd.random()
    b = (rnd.randint(1, 500) * 10_00 if u < 0.4 else 0 if u < 0.42
         else rnd.randint(10_00, 5000_00))  # fmt: skip
    v = rnd.random()
    s = (b if v < 0.35 else b * 95 // 100 if v < 0.45 and b % 20 == 0 else 0 if v < 0.48
         else round(b * rnd.uniform(0.6, 1.08)))  # fmt: skip
    return s, b


def _cents(c: int, rnd: random.Random) -> str:
    return str(c // 100) if c % 100 == 0 and rnd.random() < 0.5 else f"{c / 100:.2f}"


def _pct(rnd: random.Random) -> str:
    x = (rnd.choice(("95", "90", "80", "100", "90.0")) if rnd.random() < 0.35
         else f"{rnd.uniform(60, 100):.1f}")  # fmt: skip
    return x + "%" if rnd.random() < 0.3 else x


def _row(fam: ProjFamily, rnd: random.Random) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    s, b = _money(rnd)
    out["budget"], out["spent"] = _cents(b, rnd), _cents(s, rnd)
    basic = round(s * rnd.uniform(0.3, 0.9))
    proj = s - basic + (1 if rnd.random() < 0.08 else 0)  # 8%: one 分 off (within 0.01)
    proj += 50 if rnd.random() < 0.05 else 0  # 5%: 0.5 万元 off
    out["basic"], out["projexp"] = _cents(basic, rnd), _cents(proj, rnd)
    cap = round(s * rnd.uniform(0, 0.5))
    cur = s - cap + rnd.choice((0, 0, 0, 100, -100, 150))  # off by exactly the tolerance, or more
    out["capital"], out["current"] = _cents(cap, rnd), _cents(max(cur, 0), rnd)
    due = rnd.randint(1, 300) * 10_00
    got = due if rnd.random() < 0.6 else round(due * rnd.uniform(0.7, 1.0))
    out["funds_due"], out["funds_in"] = _cents(due, rnd), _cents(got, rnd)
    plan = rnd.randint(1, 30)
    out["plan_all"] = str(plan)
    out["done_all"] = str(plan if rnd.random() < 0.6 else max(0, plan + rnd.choice((-2, -1, 1))))
    out["level"] = rnd.choices(LEVELS, (10, 40, 50))[0]
    out["low_reason"] = "项目尚未完工" if rnd.random() < 0.5 else None
    out["funds_note"] = "分期拨付" if rnd.random() < 0.5 else None
    for leaf in fam.leaves:
        if leaf.shared:
            continue
        k, (a, *rest) = leaf.kind, leaf.inputs
        if k in ("count_prop", "count_ge"):
            plan = rnd.randint(1, 200) if rnd.random() > 0.02 else 0
            done = plan if rnd.random() < 0.5 else max(0, plan + rnd.randint(-20, 5))
            out[a], out[rest[0]] = str(done), str(plan)
        elif k in _PAIR:
            s, b = _money(rnd)
            if k == "cost_lower":  # 实际成本 / 计划成本: around the plan
                s = b if rnd.random() < 0.3 else round(b * rnd.uniform(0.8, 1.2))
            out[a], out[rest[0]] = _cents(s, rnd), _cents(b, rnd)
        elif k in ("pct_bands", "city"):
            out[a] = _pct(rnd)
        elif k == "checklist":
            out[a] = "是" if rnd.random() < 0.8 else "否"
            out[rest[0]] = "是" if rnd.random() < 0.7 else "否"
            if rnd.random() < 0.1:  # a blank item
                out[rnd.choice((a, rest[0]))] = None
        elif k == "tier":
            out[a] = rnd.choices([t[0] for t in TIERS], (50, 35, 15))[0]
    # blanks and refused cells: at most one refused cell a leaf (its words name one field)
    for name in list(out):
        u = rnd.random()
        if u < REFUSE and name not in ("low_reason", "funds_note"):
            out[name] = "待核实"
        elif u < REFUSE + BLANK or out[name] is None:
            out[name] = rnd.choice(_BLANKS)
    return out


def records(fam: ProjFamily, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Subject records ``{id, name, values}``; a blank is a missing key or blank text."""
    rnd = random.Random(seed)
    recs = []
    for r in range(n):
        vals = {k: v for k, v in _row(fam, rnd).items() if v is not None}
        recs.append({"id": f"proj-{r:07d}", "name": f"项目{r}", "values": vals})
    return recs


# --- the hand-written baseline -----------------------------------------------------------------


def q(x: Decimal) -> Decimal:
    return x.quantize(Q, rounding=ROUND_HALF_UP)


_SIGN = {">=": "≥", "<=": "≤", "==": "="}
_TYPE_ZH = {"money": "应为数字", "integer": "应为数字", "percent": "应为数字",
            "boolean": "应为 是/否（true/false）"}  # fmt: skip
_TYPE_EN = {"money": "expected a number", "integer": "expected a number",
            "percent": "expected a number", "boolean": "expected true or false"}  # fmt: skip
_CHOICES = {"level": "province, city, county"}


def _std(text: str) -> tuple[str, str]:
    return f"（标准 {text}）", f" (standard {text})"


def _shown(rng: str) -> str:
    """A range as a finding shows it: ``>= 95%`` reads ``≥ 95%`` (the data keep ``>=``)."""
    for op, sign in (">=", "≥"), ("<=", "≤"), ("==", "="):
        if rng.startswith(op):
            return sign + rng[len(op) :]
    return rng


class _Inputs:
    """Each input's title and type, and the words for it blank or refused."""

    def __init__(self, fam: ProjFamily) -> None:
        self.title: dict[str, str] = {}
        self.type: dict[str, str] = {}
        for name, typ, title in SHARED:
            self.title[name], self.type[name] = title, typ
        for leaf in fam.leaves:
            if leaf.shared:
                continue
            types = _TYPES.get(leaf.kind, ("money", "money"))
            for name, typ, t in zip(leaf.inputs, types, _INPUT_TITLES[leaf.kind], strict=True):
                self.title[name], self.type[name] = f"{t}{leaf.id[1:]}", typ
        self.blank = {
            n: (f"缺少数据：{t}（{n}）", f"no data for '{n}'") for n, t in self.title.items()
        }
        self.bad: dict[str, tuple[str, str]] = {}
        for n, t in self.title.items():
            typ = self.type[n]
            if typ == "text":
                choices = _CHOICES.get(n, "achieved, partial, not_achieved")
                zh = f"'待核实' 不是 {choices} 之一"
                en = f"'待核实' is not one of {choices}"
            else:
                zh, en = (
                    f"{_TYPE_ZH[typ]}，实为 文字 '待核实'",
                    f"{_TYPE_EN[typ]}, got text '待核实'",
                )
            self.bad[n] = (f"数据有误：{t}（{n}）：{zh}", f"field '{n}': {en}")

    def refused(self, names: list[str]) -> tuple[str, str, tuple[str, ...]]:
        names = sorted(names)
        zh = "；".join(self.bad[n][0] for n in names)
        en = "; ".join(self.bad[n][1] for n in names)
        return zh, en, tuple(names)

    def no_data(self, names: list[str]) -> tuple[str, str, tuple[str, ...]]:
        names = sorted(names)
        zh = "；".join(self.blank[n][0] for n in names)
        en = "; ".join(self.blank[n][1] for n in names)
        return zh, en, tuple(names)


class ProjBaseline:
    """The hand-written per-record code for ``proj``: ``points(values)`` and
    ``findings(values, subject)`` — values as read, a refused cell :data:`REFUSED`."""

    def __init__(self, fam: ProjFamily, ruleset_id: str) -> None:
        self.fam = fam
        self.ruleset_id = ruleset_id
        self.inp = _Inputs(fam)
        self.leaves = fam.leaves
        self.order: list[str] = []
        self.post: list[Any] = []

        def walk(n: Any) -> None:
            self.order.append(n.id)
            if isinstance(n, Group):
                for c in n.children:
                    walk(c)
            self.post.append(n)

        for top in fam.root:
            walk(top)
        self.words = {leaf.id: self._leaf_words(leaf) for leaf in fam.leaves}
        self.tops = [(top.id, top.weight) for top in fam.root]
        self.whole = sum((top.weight for top in fam.root), Z)
        self.codes = [(leaf.id, self._leaf_code(leaf)) for leaf in fam.leaves]
        #: groups in post-order: (id, weight, aggregate, [(child, weight)])
        self.group_plan = [
            (n.id, n.weight, n.aggregate, [(c.id, c.weight) for c in n.children])
            for n in self.post
            if isinstance(n, Group)
        ]

    # the constant words of each indicator, made once
    def _leaf_words(self, leaf: Leaf) -> dict[str, Any]:
        k, w = leaf.kind, leaf.weight
        lw: dict[str, Any] = {"title": leaf.title, "wt": _plain(w)}
        if k in ("rate_ge", "deduct"):
            lw["std"] = (*_std("≥ 95%"), {"op": ">=", "value": D("0.95")})
        elif k in ("count_prop", "rate_prop", "count_ge"):
            lw["std"] = (*_std("≥ 100%"), {"op": ">=", "value": ONE})
        elif k == "rate_eq":
            lw["std"] = (*_std("= 100%"), {"op": "==", "value": ONE})
        elif k == "cost_lower":
            lw["std"] = (*_std("≤ 100%"), {"op": "<=", "value": ONE})
        elif k == "city":
            lw["std"] = (*_std("≥ 90%"), {"op": ">=", "value": D("0.9")})
        elif k == "pct_bands":
            lw["bands"] = {w * s: (*_std(_shown(r)), {"name": r, "range": r}) for s, r in BANDS}
        elif k == "tier":
            lw["tiers"] = {t: (*_std(r), {"name": t, "range": r}) for t, _ti, r, _d in TIERS}
        if leaf.kind == "checklist":  # its third item reads the shared metric
            lw["zero"] = ("预算执行率（rate）的分母为零", "'rate' divides by zero")
        elif leaf.metric:
            m = leaf.metric
            title = "预算执行率" if leaf.shared else leaf.title
            lw["zero"] = (f"{title}（{m}）的分母为零", f"'{m}' divides by zero")
        else:
            lw["zero"] = ("分母为零", "division by zero")
        return lw

    # --- points ---------------------------------------------------------------------------

    def _leaf_code(self, leaf: Leaf) -> Any:
        """The leaf's own scoring function, its constants bound (what a hand-written script
        writes out per indicator): ``f(values) -> (outcome, points, value, why)`` — the value
        shown as a percent (None: nothing shown); why is (zh, en, fields) where the leaf has no
        points of its own (a blank, a zero, a refused cell, a false ``when``)."""
        k, w = leaf.kind, leaf.weight
        bad, no_data = self.inp.bad, self.inp.no_data
        if k in _PAIR:
            A, B = leaf.inputs
            bad_a, bad_b, bad_ab = (
                self.inp.refused([A]),
                self.inp.refused([B]),
                self.inp.refused([A, B]),
            )
            blank_a, blank_b, blank_ab = no_data([A]), no_data([B]), no_data([A, B])
            zero = (*self.words[leaf.id]["zero"], tuple(sorted(leaf.inputs)))
            na = "fail" if k == "count_prop" else "not_applicable"  # missing: zero
            p_na = Z if k == "count_prop" else None
            T95, HALF, count = D("0.95"), D("0.5"), leaf.count

            def pair(v: dict[str, Any]) -> tuple[str, Any, Any, Any]:
                a, b = v.get(A), v.get(B)
                if a is REFUSED:
                    return "error", None, None, bad_ab if b is REFUSED else bad_a
                if b is REFUSED:
                    return "error", None, None, bad_b
                if a is None:
                    return na, p_na, None, blank_ab if b is None else blank_a
                if b is None:
                    return na, p_na, None, blank_b
                if not b:
                    return "not_applicable", None, None, zero
                if k == "rate_ge":
                    ok = a * 100 >= b * 95
                    p = w if ok else Z
                elif k == "count_prop" or k == "rate_prop":
                    ok = a >= b
                    p = w if ok else (Z if a <= 0 else q(w * a / b))
                elif k == "deduct":
                    d = b * T95 - a
                    ok = d <= 0
                    if ok:
                        p = w
                    elif count == "exact":
                        p = q(max(Z, w - d * 50 / b))
                    elif count == "started":
                        p = max(Z, w - HALF * (d * 100 / b).to_integral_value(ROUND_CEILING))
                    else:
                        p = max(Z, w - HALF * (d * 100 / b).to_integral_value(ROUND_FLOOR))
                elif k == "rate_eq":
                    ok = a == b
                    p = w if ok else Z
                elif k == "cost_lower":
                    ok = a <= b
                    p = w if ok else q(w * b / a)
                elif k == "count_ge":
                    ok = a >= b
                    p = w if ok else Z
                else:  # formula
                    p = min(w, q(w * a / b))
                    return ("pass" if p >= w else "fail"), p, None, None
                return ("pass" if ok else "fail"), p, a / b, None

            return pair
        if k == "checklist":
            return self._checklist_code(leaf)
        (X,) = leaf.inputs
        bad_x, blank_x = (*bad[X], (X,)), no_data([X])
        if k == "city":
            bad_level, blank_level = (*bad["level"], ("level",)), no_data(["level"])
            c = "level == 'city'"
            false = (f"条件 {c} 不成立", f"condition {c} is false", ())
            T90 = D("0.9")

            def city(v: dict[str, Any]) -> tuple[str, Any, Any, Any]:
                lv = v.get("level")
                if lv is REFUSED:
                    return "error", None, None, bad_level
                if lv is None:
                    return "not_applicable", None, None, blank_level
                if lv != "city":
                    return "not_applicable", None, None, false
                x = v.get(X)
                if x is REFUSED:
                    return "error", None, None, bad_x
                if x is None:
                    return "not_applicable", None, None, blank_x
                if x >= T90:
                    return "pass", w, x, None
                return "fail", Z, x, None

            return city
        if k == "pct_bands":
            e95, e90, e80 = D("0.95"), D("0.9"), D("0.8")
            p95, p90, p80 = (w * s for s, _r in BANDS[:3])

            def bands(v: dict[str, Any]) -> tuple[str, Any, Any, Any]:
                x = v.get(X)
                if x is REFUSED:
                    return "error", None, None, bad_x
                if x is None:
                    return "not_applicable", None, None, blank_x
                if x >= e95:
                    return "pass", p95, x, None
                return "fail", (p90 if x >= e90 else p80 if x >= e80 else Z), x, None

            return bands
        # tier
        tier_points = {t: (w if d is None else q(w * d)) for t, _ti, _r, d in TIERS}

        def tier(v: dict[str, Any]) -> tuple[str, Any, Any, Any]:
            x = v.get(X)
            if x is REFUSED:
                return "error", None, None, bad_x
            if x is None:
                return "not_applicable", None, None, blank_x
            p = tier_points[x]
            return ("pass" if p == w else "fail"), p, None, None

        return tier

    def _checklist_code(self, leaf: Leaf) -> Any:
        w = leaf.weight
        A, B = leaf.inputs
        refused = self.inp.refused
        zero = (*self.words[leaf.id]["zero"], ("budget", "spent"))
        two, one = _items(w)
        no_data = self.inp.no_data

        def checklist(v: dict[str, Any]) -> tuple[str, Any, Any, Any]:
            a, b = v.get(A), v.get(B)
            spent, budget = v.get("spent"), v.get("budget")
            if a is REFUSED or b is REFUSED or spent is REFUSED or budget is REFUSED:
                names = [n for n, x in ((A, a), (B, b), ("spent", spent), ("budget", budget))
                         if x is REFUSED]  # fmt: skip
                return "error", None, None, refused(names)
            if spent is not None and budget == 0:
                return "not_applicable", None, None, zero
            r = None if spent is None or budget is None else spent * 100 >= budget * 95
            base = earned = Z
            for p, ok in ((two, a), (two, b), (one, r)):
                if ok is not None:
                    base += p
                    if ok:
                        earned += p
            if not base:
                blanks = [A, B] + [
                    n for n, x in (("budget", budget), ("spent", spent)) if x is None
                ]
                return "not_applicable", None, None, no_data(blanks)
            if earned == base:
                return "pass", w, None, None
            return "fail", q(w * earned / base), None, None

        return checklist

    def _score(self, v: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
        """Every node's points and outcome, and each leaf's (value, why)."""
        P: dict[str, Any] = {}
        OUT: dict[str, str] = {}
        F: dict[str, Any] = {}
        for i, fn in self.codes:
            o, P[i], x, why = fn(v)
            OUT[i] = o
            F[i] = (x, why)
        for gid, gw, agg, kids in self.group_plan:
            live = []
            err = fail = False
            for cid, cw in kids:
                o = OUT[cid]
                if o == "error":
                    err = True
                elif o != "not_applicable":
                    live.append((P[cid], cw))
                    fail = fail or o == "fail"
            if err:
                P[gid], OUT[gid] = None, "error"
            elif not live:
                P[gid], OUT[gid] = None, "not_applicable"
            else:
                OUT[gid] = "fail" if fail else "pass"
                if agg == "sum":
                    got = base = Z
                    for p, cw in live:
                        got += p
                        base += cw
                    P[gid] = got if base == gw else q(got * gw / base)
                elif agg == "mean":
                    P[gid] = q(gw * sum((p / cw for p, cw in live), Z) / len(live))
                else:
                    P[gid] = q(gw * min(p / cw for p, cw in live))
        return P, OUT, F

    def _total(self, P: dict[str, Any], OUT: dict[str, str]) -> Decimal | None:
        got = base = Z
        for top, tw in self.tops:
            if OUT[top] == "error":
                return None
            if P[top] is not None:
                got += P[top]
                base += tw
        if base == 0:
            return None
        return q(got if base == self.whole else got * self.whole / base)

    def points(self, v: dict[str, Any]) -> tuple[dict[str, Any], Decimal | None]:
        P, OUT, _F = self._score(v)
        return {k: P[k] for k in self.order}, self._total(P, OUT)

    # --- findings -------------------------------------------------------------------------

    def findings(self, v: dict[str, Any], subject: Any) -> dict[str, Any]:
        P, OUT, F = self._score(v)
        total = self._total(P, OUT)
        prefix = f"{self.ruleset_id}\x1f"
        tail = f"\x1f{subject.type}\x1f{subject.key}"
        sid = subject.id
        out = []
        for leaf in self.leaves:
            i = leaf.id
            out.append(self._leaf_finding(leaf, P[i], OUT[i], F[i], v))
        out += self._checks(v)
        for f in out:
            f["subject"] = sid
            key = f"{prefix}{f['rule_id']}{tail}".encode()
            f["fingerprint"] = "sha256:" + hashlib.sha256(key).hexdigest()[:32]
        grade = None
        if total is not None:
            grade = ("excellent" if total >= 90 else "good" if total >= 80 else "fair"
                     if total >= 60 else "poor")  # fmt: skip
        return {"findings": out, "scores": [(k, P[k], OUT[k]) for k in self.order],
                "total": total, "grade": grade}  # fmt: skip

    def _leaf_finding(self, leaf: Leaf, p: Any, o: str, f: Any, v: dict[str, Any]) -> Any:
        i = leaf.id
        lw = self.words[i]
        x, why = f
        shown = None if x is None else _percent(x)
        title = lw["title"]
        if o == "not_applicable":
            zh, en, fields = why
            return {"rule_id": i, "outcome": o, "severity": "none", "points": None,
                    "display": None, "threshold": None, "reason": en, "fields": fields,
                    "message": f"{title}：不适用（{zh}）",
                    "message_en": f"{i}: not applicable ({en})"}  # fmt: skip
        if o == "error":
            zh, en, fields = why
            return {"rule_id": i, "outcome": o, "severity": "none", "points": None,
                    "display": None, "threshold": None, "reason": en, "fields": fields,
                    "message": f"{title}：无法评分（{zh}）",
                    "message_en": f"{i}: cannot be scored ({en})"}  # fmt: skip
        pts, wt = _plain(p), lw["wt"]
        ok = o == "pass"
        verdict, verdict_en = ("达标", "met") if ok else ("未达标", "not met")
        if why is not None:  # a blank scored zero (missing: zero)
            zh, en, fields = why
            return {"rule_id": i, "outcome": o, "severity": "warning", "points": p,
                    "display": None, "threshold": None, "reason": en, "fields": fields,
                    "message": f"{title}，{verdict}，得 {pts}/{wt} 分（{zh}，按规则计分）",
                    "message_en": f"{i}, {verdict_en}, {pts}/{wt} points ({en}; scored by rule)"}  # fmt: skip # noqa: E501
        k = leaf.kind
        if k == "pct_bands":
            zs, es, th = lw["bands"][p]
        elif k == "tier":
            zs, es, th = lw["tiers"][v[leaf.inputs[0]]]
        elif "std" in lw:
            zs, es, th = lw["std"]
        else:
            zs = es = ""
            th = None
        if shown is None:
            msg = f"{title}{zs}，{verdict}，得 {pts}/{wt} 分"
            msg_en = f"{i}{es}, {verdict_en}, {pts}/{wt} points"
        else:
            msg = f"{title} {shown}{zs}，{verdict}，得 {pts}/{wt} 分"
            msg_en = f"{i}: {shown}{es}, {verdict_en}, {pts}/{wt} points"
        return {"rule_id": i, "outcome": o, "severity": "none" if ok else "warning",
                "points": p, "display": shown, "threshold": th, "reason": None, "fields": (),
                "message": msg, "message_en": msg_en}  # fmt: skip

    def _na(self, i: str, title: str, zh: str, en: str, fields: tuple[str, ...]) -> Any:
        return {"rule_id": i, "outcome": "not_applicable", "severity": "none", "points": None,
                "display": None, "threshold": None, "reason": en, "fields": fields,
                "message": f"{title}：不适用（{zh}）",
                "message_en": f"{i}: not applicable ({en})"}  # fmt: skip

    def _said(self, i: str, title: str, ok: bool, sev: str, zh: str, en: str,
              display: Any = None, threshold: Any = None) -> Any:  # fmt: skip
        return {"rule_id": i, "outcome": "pass" if ok else "fail",
                "severity": "none" if ok else sev, "points": None, "display": display,
                "threshold": threshold, "reason": None, "fields": (),
                "message": f"{title}：{zh}", "message_en": f"{i}: {en}"}  # fmt: skip

    def _bad(self, i: str, title: str, names: tuple[str, ...], v: dict[str, Any]) -> Any:
        """A check reading a refused cell: an error naming it; a blank: not applicable."""
        bad = [n for n in names if v.get(n) is REFUSED]
        if bad:
            zh, en, fields = self.inp.refused(bad)
            return {"rule_id": i, "outcome": "error", "severity": "none", "points": None,
                    "display": None, "threshold": None, "reason": en, "fields": fields,
                    "message": f"{title}：无法检查（{zh}）",
                    "message_en": f"{i}: cannot be checked ({en})"}  # fmt: skip
        blank = [n for n in names if v.get(n) is None]
        if blank:
            return self._na(i, title, *self.inp.no_data(blank))
        return None

    def _equal(self, i: str, title: str, a: str, b: str, r: str, tol: Decimal,
               v: dict[str, Any]) -> Any:  # fmt: skip
        bad = self._bad(i, title, (a, b, r), v)
        if bad is not None:
            return bad
        left, right = v[a] + v[b], v[r]
        L, R = _amount(left) + "万元", _amount(right) + "万元"
        th = {"op": "==", "value": right, "tolerance": tol}
        diff = abs(left - right)
        if diff <= tol:
            if diff == 0:
                zh, en = f"{L} = {R}，一致", f"{L} = {R}, consistent"
            else:
                d = _amount(diff) + "万元"
                zh = f"{L} ≈ {R}（相差 {d}，容差 {_amount(tol)}万元），一致"
                en = f"{L} ≈ {R} (differs by {d}, tolerance {_amount(tol)}万元), consistent"
            return self._said(i, title, True, "error", zh, en, L, th)
        d = _amount(diff) + "万元"
        zh = f"{L} ≠ {R}（相差 {d}，容差 {_amount(tol)}万元）"
        en = f"{L} ≠ {R} (differs by {d}, tolerance {_amount(tol)}万元)"
        return self._said(i, title, False, "error", zh, en, L, th)

    def _checks(self, v: dict[str, Any]) -> list[Any]:
        g = v.get
        out = [
            self._equal("nature_adds_up", "基本支出 + 项目支出 = 执行数", "basic", "projexp",
                        "spent", Q, v),
            self._equal("economic_adds_up", "资本性支出 + 经常性支出 = 执行数", "capital",
                        "current", "spent", ONE, v),
        ]  # fmt: skip
        i, title = "within_budget", "执行数不超过预算数"
        f = self._bad(i, title, ("budget", "spent"), v)
        if f is None:
            ok = g("spent") <= g("budget")
            zh, en = ("通过", "holds") if ok else ("未通过", "does not hold")
            f = self._said(i, title, ok, "warning", zh, f"{en} (spent <= budget)")
        out.append(f)
        i, title = "subprojects", "已完成子项目数不超过总数"
        f = self._bad(i, title, ("done_all", "plan_all"), v)
        if f is None:
            ok = g("done_all") <= g("plan_all")
            zh, en = ("通过", "holds") if ok else ("未通过", "does not hold")
            f = self._said(i, title, ok, "error", zh, f"{en} (done_all <= plan_all)")
        out.append(f)
        i, title = "low_rate_explained", "执行率低于 90% 须说明原因"
        f = self._bad(i, title, ("budget", "spent"), v)
        if f is None and g("budget") == 0:
            f = self._na(i, title, "预算执行率（rate）的分母为零", "'rate' divides by zero",
                         ("budget", "spent"))  # fmt: skip
        if f is None:
            f = self._explain(i, title, g("spent") * 10 < g("budget") * 9, "low_reason",
                              "rate < 0.9", "warning", v)  # fmt: skip
        out.append(f)
        i, title = "funds_explained", "资金未足额拨付须说明"
        f = self._bad(i, title, ("funds_due", "funds_in"), v)
        if f is None:
            f = self._explain(i, title, g("funds_in") < g("funds_due"), "funds_note",
                              "funds_in < funds_due", "note", v)  # fmt: skip
        out.append(f)
        return out

    def _explain(self, i: str, title: str, when: bool, need: str, cond: str, sev: str,
                 v: dict[str, Any]) -> Any:  # fmt: skip
        t = self.inp.title[need]
        if not when:
            return self._said(i, title, True, sev, "无需说明", "no explanation needed")
        if v.get(need):
            return self._said(i, title, True, sev, f"已说明（{t}）", f"explained ({need})")
        zh = f"条件 {cond} 成立，但未提供“{t}”"
        return self._said(i, title, False, sev, zh, f"{cond} holds but no {need} was given")
