"""The ``exact`` benchmark family (issue #18): a department's project rule set whose rates are
quotients that never end (spent ÷ budget of 107 ÷ 120) while the points they give land *exactly*
on a half — 3 × 107 / 120 = 2.675 → 2.68 — so the engine's 28-digit arithmetic cannot decide the
rounding and re-derives it exactly (``perfscore.exact``).

Rule set: 24 leaves in two levels of weighted groups, weights of 1.5, 3, 4.5 and 6 分 (the
weights that make a third, a sixth … whole), every rate a metric ``a / b`` read by its leaf:

* ``prop`` — 预算执行率 × weight (proportional, target 100%);
* ``lower`` — 成本控制 (proportional, direction lower: weight × plan / actual);
* ``deduct`` — below 95%, 0.3 分 per point short (deduct, count exact);
* ``formula`` — ``min(w, w * r)``: the metric multiplied back by the weight;
* ``direct`` — ``min(w, w * a / b)`` over the inputs;
* ``ge`` — 执行率 ≥ 95% (threshold);
* ``vs_last`` — 本年执行率 ≥ 上年执行率 (a threshold whose target is another metric: two
  quotients that never end, equal in a share of the data).

Data: what :mod:`families` gives departments (a third spent exactly the budget, round budgets,
blanks, zero budgets), and on top of it — in one subject in three — about one leaf in ten whose
points land exactly on a half behind a rate that never ends (and, for ``vs_last``, this year's
rate equal to last year's, both never-ending); in one subject in ten, a leaf a hair either side
of such a half (2.674999…, 2.675000…1: amounts near 10^13 万元) that must round the other way.

The hand-written baseline (:class:`Baseline`) is written from this module's spec, never from
perfscore: straight-line ``Decimal`` code generated once per rule set as a programmer would
write it for this one rule set — each rounded result one division of exact products at 60
digits (``w × a / b``, never the rate first), comparisons by cross-multiplication — and its own
words and fingerprints for the findings.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from baselines import _percent, _plain  # the hand-written number texts of gen's baseline
from families import Group, Leaf

NAME = "exact"
KINDS = ("prop", "formula", "lower", "deduct", "direct", "ge", "prop", "vs_last")
WEIGHTS = (Decimal(3), Decimal("1.5"), Decimal("4.5"), Decimal(6))
#: leaves whose points can land on a half (the others give full marks or none)
HALVES = ("prop", "formula", "lower", "deduct", "direct")
_TITLES = {
    "prop": "项目预算执行率",
    "formula": "绩效目标实现程度",
    "lower": "成本控制率",
    "deduct": "年度预算执行进度",
    "direct": "资金使用效益",
    "ge": "预算执行率",
    "vs_last": "执行率同比",
}


@dataclass
class ExactFamily:
    """The ``exact`` family: its spec (groups of leaves), rule set, data and baseline."""

    name: str = NAME
    root: list[Group] = field(default_factory=list)
    leaves: list[Leaf] = field(default_factory=list)
    clean: bool = False
    adv: bool = False
    #: no hand-written numpy baseline: the columnar figures are the other families'
    columnar: bool = False

    def __post_init__(self) -> None:
        if not self.leaves:
            self.root, self.leaves = _tree()

    # (what :mod:`families` and :mod:`family_baselines` ask of a family that is not theirs)
    def ruleset_text(self) -> str:
        return ruleset_text(self)

    def records(self, n: int, seed: int = 7) -> list[dict[str, Any]]:
        return records(self, n, seed)

    def baseline(self, ruleset_id: str) -> Baseline:
        return Baseline(self, ruleset_id)


def _tree() -> tuple[list[Group], list[Leaf]]:
    """24 leaves: 3 一级 groups of 2 二级 groups of 4 leaves."""
    rnd = random.Random(18)
    leaves = []
    for i in range(24):
        kind = KINDS[i % len(KINDS)]
        names = (f"a{i}", f"b{i}", f"c{i}", f"d{i}") if kind == "vs_last" else (f"a{i}", f"b{i}")
        leaves.append(Leaf(f"i{i}", kind, rnd.choice(WEIGHTS), names))
    groups = []
    for j in range(6):
        kids = leaves[4 * j : 4 * j + 4]
        groups.append(Group(f"g{j}", sum((c.weight for c in kids), Decimal(0)), list(kids)))
    top = []
    for j in range(3):
        kids = groups[2 * j : 2 * j + 2]
        top.append(Group(f"t{j}", sum((c.weight for c in kids), Decimal(0)), list(kids)))
    return top, leaves


def _title(leaf: Leaf) -> str:
    return f"{_TITLES[leaf.kind]}{leaf.id[1:]}"


# --- the rule set ------------------------------------------------------------------------------


def _leaf_yaml(leaf: Leaf, ind: str) -> list[str]:
    k, n, w = leaf.kind, leaf.id[1:], leaf.weight
    a, b = leaf.inputs[:2]
    lines = [f"{ind}- id: {leaf.id}", f"{ind}  title: {_title(leaf)}", f"{ind}  weight: {w}"]
    if k == "prop":
        lines += [f"{ind}  value: r{n}", f"{ind}  scorer: {{type: proportional, target: 1}}"]
    elif k == "lower":
        lines += [
            f"{ind}  value: r{n}",
            f"{ind}  scorer: {{type: proportional, target: 1, direction: lower}}",
        ]
    elif k == "deduct":
        lines += [
            f"{ind}  value: r{n}",
            f"{ind}  scorer: {{type: deduct, start: 0.95, direction: below, per: 0.01,"
            " points: 0.3, count: exact}",
        ]
    elif k == "formula":
        lines += [f"{ind}  scorer: {{type: formula, expr: 'min({w}, {w} * r{n})'}}"]
    elif k == "direct":
        lines += [f"{ind}  scorer: {{type: formula, expr: 'min({w}, {w} * {a} / {b})'}}"]
    elif k == "ge":
        lines += [
            f"{ind}  value: r{n}",
            f"{ind}  scorer: {{type: threshold, op: '>=', target: 0.95}}",
        ]
    else:  # vs_last
        lines += [
            f"{ind}  value: r{n}",
            f"{ind}  scorer: {{type: threshold, op: '>=', target: p{n}}}",
        ]
    return lines


def ruleset_text(fam: ExactFamily) -> str:
    lines = [
        "perfscore: 1",
        "id: family_exact",
        "title: 项目支出绩效自评（exact）",
        'version: "1"',
        "settings: {places: 2, missing: not_applicable, zero_division: not_applicable}",
        "inputs:",
    ]
    for leaf in fam.leaves:
        for name in leaf.inputs:
            lines.append(f"  {name}: {{type: money, unit: 万元, min: 0}}")
    lines.append("metrics:")
    for leaf in fam.leaves:
        n = leaf.id[1:]
        if leaf.kind != "direct":
            a, b = leaf.inputs[:2]
            lines.append(f"  r{n}: {{expr: '{a} / {b}', unit: '%', title: {_title(leaf)}}}")
        if leaf.kind == "vs_last":
            c, d = leaf.inputs[2:]
            lines.append(f"  p{n}: {{expr: '{c} / {d}', unit: '%', title: 上年{_title(leaf)}}}")
    lines.append("indicators:")

    def emit(node: Any, ind: str) -> None:
        if isinstance(node, Leaf):
            lines.extend(_leaf_yaml(node, ind))
            return
        lines.extend([f"{ind}- id: {node.id}", f"{ind}  title: 分组{node.id}"])
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


def _cents(x: int) -> str:
    return f"{x // 100}.{x % 100:02d}"


def _ordinary(rnd: random.Random) -> tuple[int | None, int | None]:
    """(spent, budget) in cents as departments' returns have them (see families._money_pair)."""
    u = rnd.random()
    if u < 0.4:
        b = rnd.randint(1, 500) * 10_00
    elif u < 0.405:
        b = 0
    else:
        b = rnd.randint(10_00, 5000_00)
    v = rnd.random()
    if v < 0.35:
        s = b
    elif v < 0.45 and b % 20 == 0:
        s = b * 95 // 100
    elif v < 0.48:
        s = 0
    else:
        s = round(b * rnd.uniform(0.6, 1.05))
    return (None if rnd.random() < 0.02 else s), (None if rnd.random() < 0.01 else b)


def _rate_of_half(rnd: random.Random, leaf: Leaf) -> Fraction:
    """A rate that never ends whose points land exactly on a half (x.xx5)."""
    w = Fraction(leaf.weight)
    while True:
        if leaf.kind == "deduct":  # w − 30 (0.95 − r) = P, r in (0.95 − w / 30, 0.95)
            r = Fraction(rnd.randint(int((Fraction(95, 100) - w / 30) * 1000) + 1, 949), 1000)
            p = w - 30 * (Fraction(95, 100) - r)
            p = Fraction(int(p * 100), 100) + Fraction(5, 1000)  # a half next to it
            r = (p - w) / 30 + Fraction(95, 100)
        else:  # w × r = P (prop, formula, direct), or w × plan / actual = P (lower)
            p = Fraction(rnd.randint(int(w * 60), int(w * 100) - 1), 100) + Fraction(5, 1000)
            r = p / w if leaf.kind != "lower" else w / p
        if _never_ends(r) and r > 0:
            return r


def _never_ends(r: Fraction) -> bool:
    d = r.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    return d != 1


def _scaled(rnd: random.Random, r: Fraction, big: bool = False) -> tuple[int, int]:
    """(a, b) in cents with a / b = r: the fraction times a whole factor (budgets of 10 万元
    to 5000 万元, or near 10^13 万元 when ``big``)."""
    n, d = r.numerator, r.denominator
    top = (10**15 if big else 5000_00) // max(n, d)
    k = rnd.randint(max(1, top // 10), max(1, top))
    return n * k, d * k


def row_values(fam: ExactFamily, rnd: random.Random) -> dict[str, str]:
    """One department's values; one in three lands about one leaf in ten on an exact half
    (at least one), one in ten puts a leaf a hair beside one."""
    kind = rnd.random()
    exact, near = kind < 1 / 3, 1 / 3 <= kind < 1 / 3 + 0.1
    halves = [x for x in fam.leaves if x.kind in HALVES or x.kind == "vs_last"]
    chosen: set[str] = set()
    if exact:
        chosen = {x.id for x in halves if rnd.random() < 0.1} or {rnd.choice(halves).id}
    out: dict[str, str] = {}
    nudged = rnd.choice([x for x in halves if x.kind != "vs_last"]).id if near else None
    for leaf in fam.leaves:
        a, b = leaf.inputs[:2]
        pair: tuple[int | None, int | None]
        if leaf.id in chosen and leaf.kind == "vs_last":  # this year's rate = last year's
            r = Fraction(rnd.choice((1, 2, 4, 5, 7, 8)), rnd.choice((3, 6, 7, 9, 12))) % 1
            r = r or Fraction(2, 3)
            pair = _scaled(rnd, r)
        elif leaf.id in chosen:
            pair = _scaled(rnd, _rate_of_half(rnd, leaf))
        elif leaf.id == nudged:
            x, y = _scaled(rnd, _rate_of_half(rnd, leaf), big=True)
            pair = (x + rnd.choice((-1, 1)), y) if rnd.random() < 0.5 else (x, y + 1)
        else:
            pair = _ordinary(rnd)
        for name, cents in zip((a, b), pair, strict=True):
            if cents is not None:
                out[name] = _cents(cents)
        if leaf.kind == "vs_last":
            c, d = leaf.inputs[2:]
            last = (
                (int(out[a].replace(".", "")) * 3, int(out[b].replace(".", "")) * 3)
                if leaf.id in chosen
                else _ordinary(rnd)
            )
            for name, cents in zip((c, d), last, strict=True):
                if cents is not None:
                    out[name] = _cents(cents)
    return out


def records(fam: ExactFamily, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Subject records ``{id, name, values}``; a blank is a missing key (as a blank cell)."""
    rnd = random.Random(seed)
    return [
        {"id": f"dept-{r:07d}", "name": f"部门{r}", "values": row_values(fam, rnd)}
        for r in range(n)
    ]


# --- the hand-written baseline -------------------------------------------------------------------

Q = Decimal("0.01")
#: every rounded result is one division of exact products: 60 digits hold it with room to spare
#: (inputs of at most 17 digits; a half is decided by digits 3–4 after the point)
WIDE = Context(prec=60)
#: a rate as the rule set's metric gives it: 28 significant digits, never rounded onto a last
#: digit of 0 or 5 (docs/language.md: a quotient that never ends is cut, not rounded half-up)
RATE = Context(prec=28, rounding="ROUND_05UP")


def _q(x: Decimal) -> Decimal:
    return x.quantize(Q, rounding=ROUND_HALF_UP)


def _leaf_code(leaf: Leaf) -> list[str]:
    k, i = leaf.kind, leaf.id
    W = f"D('{leaf.weight}')"
    a, b = leaf.inputs[:2]
    na = f"P['{i}'] = None; O['{i}'] = 'not_applicable'; V['{i}'] = None; T['{i}'] = None"
    out = [f"    a = g('{a}'); b = g('{b}')"]
    test = "a is None or b is None or not b"
    if k == "vs_last":
        c, d = leaf.inputs[2:]
        out.append(f"    c = g('{c}'); d = g('{d}')")
        test += " or c is None or d is None or not d"
    out += [f"    if {test}:", f"        {na}", "    else:"]
    if k == "prop":
        body = ["ok = a >= b", f"p = {W} if ok else (ZERO if a <= 0 else q(div({W} * a, b)))"]
    elif k == "lower":
        body = ["ok = a <= b", f"p = {W} if ok else (ZERO if a <= 0 else q(div({W} * b, a)))"]
    elif k == "deduct":
        body = [
            "short = b * T95 - a",
            "ok = short <= 0",
            f"p = {W} if ok else q(max(ZERO, div({W} * b - 30 * short, b)))",
        ]
    elif k in ("formula", "direct"):
        body = [f"p = min({W}, q(div({W} * a, b)))", f"ok = p >= {W}"]
    elif k == "ge":
        body = ["ok = a >= b * T95", f"p = {W} if ok else ZERO"]
    else:  # vs_last: a / b >= c / d, cross-multiplied (b, d > 0)
        body = ["ok = a * d >= c * b", f"p = {W} if ok else ZERO"]
    rate = "None" if k in ("formula", "direct") else "rate(a, b)"
    target = {"vs_last": "rate(c, d)", "ge": "T95", "deduct": "T95"}.get(k, "ONE")
    if k in ("formula", "direct"):
        target = "None"
    body += [
        f"P['{i}'] = p",
        f"O['{i}'] = 'pass' if ok else 'fail'",
        f"V['{i}'] = {rate}",
        f"T['{i}'] = {target}",
    ]
    return out + ["        " + line for line in body]


def _group_code(g: Group) -> list[str]:
    W = f"D('{g.weight}')"
    lines = ["    got = ZERO; base = ZERO; ok = True"]
    for c in g.children:
        lines += [
            f"    p = P['{c.id}']",
            "    if p is not None:",
            f"        got += p; base += D('{c.weight}')",
            f"        ok = ok and O['{c.id}'] != 'fail'",
        ]
    lines += [
        "    if base == 0:",
        f"        P['{g.id}'] = None; O['{g.id}'] = 'not_applicable'",
        "    else:",
        f"        P['{g.id}'] = got if base == {W} else q(div(got * {W}, base))",
        f"        O['{g.id}'] = 'pass' if ok else 'fail'",
    ]
    return lines


def _post_order(nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        if isinstance(node, Group):
            out += _post_order(node.children)
        out.append(node)
    return out


def _pre_order(nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        out.append(node)
        if isinstance(node, Group):
            out += _pre_order(node.children)
    return out


def baseline_source(fam: ExactFamily) -> str:
    """The straight-line code of :class:`Baseline` for this rule set (its points, outcomes,
    values and standards; the total: the top groups' points, a group with nothing applicable
    handing its weight to the others)."""
    lines = ["def _score(vals):", "    g = vals.get", "    P = {}; O = {}; V = {}; T = {}"]
    for node in _post_order(fam.root):
        lines += _leaf_code(node) if isinstance(node, Leaf) else _group_code(node)
    root_w = sum((top.weight for top in fam.root), Decimal(0))
    lines.append("    total = ZERO; base = ZERO")
    for top in fam.root:
        lines += [
            f"    if P['{top.id}'] is not None:",
            f"        total += P['{top.id}']; base += D('{top.weight}')",
        ]
    lines += [
        "    if base == 0:",
        "        return P, O, V, T, None",
        f"    return P, O, V, T, (total if base == D('{root_w}')"
        f" else q(div(total * D('{root_w}'), base)))",
    ]
    return "\n".join(lines) + "\n"


_GRADES = (("excellent", 90), ("good", 80), ("fair", 60), ("poor", 0))
_SIGN = {">=": "≥", "<=": "≤"}


class _Words:
    """One indicator's constant words, made once (what a hand-written script hard-codes)."""

    def __init__(self, leaf: Leaf) -> None:
        self.id, self.kind, self.inputs = leaf.id, leaf.kind, leaf.inputs
        self.title = _title(leaf)
        self.weight = _plain(leaf.weight)
        self.op = "<=" if leaf.kind == "lower" else ">="
        n = leaf.id[1:]
        a, b = leaf.inputs[:2]
        # what each name the leaf reads says when it has no value: (name, inputs, why it
        # divides by zero) — a formula reads its inputs, the others their metrics
        if leaf.kind == "direct":
            self.reads = [(f"{a}/{b}", (a, b), ("分母为零", "division by zero"))]
        else:
            self.reads = [
                (f"r{n}", (a, b), (f"{self.title}（r{n}）的分母为零", f"'r{n}' divides by zero"))
            ]
        if leaf.kind == "vs_last":
            c, d = leaf.inputs[2:]
            zero = (f"上年{self.title}（p{n}）的分母为零", f"'p{n}' divides by zero")
            self.reads.insert(0, (f"p{n}", (c, d), zero))  # (in the order of the names)

    def not_applicable(self, vals: dict[str, Any]) -> tuple[str, str, str, Any]:
        """The message (both languages), the reason and the fields of a leaf that has no value.
        Each name it reads that has none says why: its blank inputs, else its zero
        denominator (all its inputs to blame); a zero denominator outranks a blank, and the
        names of the same kind are said in the order of their names."""
        zeros, blanks = [], []
        for _name, inputs, zero in self.reads:
            blank = [x for x in inputs if vals.get(x) is None]
            if blank:
                zh = "；".join(f"缺少数据：{x}（{x}）" for x in blank)
                en = "; ".join(f"no data for '{x}'" for x in blank)
                blanks.append((zh, en, blank))
            elif zero is not None and not vals[inputs[-1]]:
                zeros.append((*zero, list(inputs)))
        said = zeros or blanks
        zh = "；".join(x[0] for x in said)
        en = "; ".join(x[1] for x in said)
        fields = tuple(sorted({f for x in said for f in x[2]}))
        return f"{self.title}：不适用（{zh}）", f"{self.id}: not applicable ({en})", en, fields


class Baseline:
    """The generated per-record code for the ``exact`` family, plus findings built on it."""

    def __init__(self, fam: ExactFamily, ruleset_id: str) -> None:
        ns: dict[str, Any] = {
            "D": Decimal,
            "ZERO": Decimal(0),
            "ONE": Decimal(1),
            "T95": Decimal("0.95"),
            "q": _q,
            "div": WIDE.divide,
            "rate": RATE.divide,
        }
        exec(compile(baseline_source(fam), "<baseline exact>", "exec"), ns)
        self._score = ns["_score"]
        self.words = [_Words(leaf) for leaf in fam.leaves]
        self.order = [node.id for node in _pre_order(fam.root)]
        self.ruleset_id = ruleset_id
        self.weights = {leaf.id: leaf.weight for leaf in fam.leaves}

    def points(self, vals: dict[str, Any]) -> tuple[dict[str, Decimal | None], Decimal | None]:
        P, _O, _V, _T, total = self._score(vals)
        return {k: P[k] for k in self.order}, total

    def outcomes(self, vals: dict[str, Any]) -> dict[str, str]:
        outcome = self._score(vals)[1]
        return {k: outcome[k] for k in self.order}

    def findings(self, vals: dict[str, Any], subject: Any) -> dict[str, Any]:
        """Every indicator's finding as a dict (outcome, points, value and its display, the
        standard, both languages' messages, why it is not applicable, the fingerprint), the
        scores, the total and the grade; ``subject`` has ``id``, ``type``, ``key``."""
        P, outcomes, V, T, total = self._score(vals)
        out = []
        prefix = f"{self.ruleset_id}\x1f"
        tail = f"\x1f{subject.type}\x1f{subject.key}"
        for lw in self.words:
            i = lw.id
            p, o, v, t = P[i], outcomes[i], V[i], T[i]
            threshold = reason = shown = None
            fields: Any = ()
            if o == "not_applicable":
                msg, msg_en, reason, fields = lw.not_applicable(vals)
            else:
                verdict, verdict_en = ("达标", "met") if o == "pass" else ("未达标", "not met")
                pts = _plain(p)
                if v is None:  # a formula: no value, no standard
                    msg = f"{lw.title}，{verdict}，得 {pts}/{lw.weight} 分"
                    msg_en = f"{i}, {verdict_en}, {pts}/{lw.weight} points"
                else:
                    shown = _percent(v)
                    threshold = {"op": lw.op, "value": t}
                    std = f"{_SIGN[lw.op]} {_percent(t)}"
                    msg = f"{lw.title} {shown}（标准 {std}），{verdict}，得 {pts}/{lw.weight} 分"
                    msg_en = (
                        f"{i}: {shown} (standard {std}), {verdict_en}, {pts}/{lw.weight} points"
                    )
            key = f"{prefix}{i}{tail}".encode()
            out.append(
                {
                    "rule_id": i,
                    "subject": subject.id,
                    "outcome": o,
                    "severity": "warning" if o == "fail" else "none",
                    "message": msg,
                    "message_en": msg_en,
                    "value": v,
                    "display": shown,
                    "threshold": threshold,
                    "points": p,
                    "weight": self.weights[i],
                    "reason": reason,
                    "fields": fields,
                    "fingerprint": "sha256:" + hashlib.sha256(key).hexdigest()[:32],
                }
            )
        scores = [(k, P[k], outcomes[k]) for k in self.order]
        grade = None if total is None else next(g for g, low in _GRADES if total >= low)
        return {"findings": out, "scores": scores, "total": total, "grade": grade}
