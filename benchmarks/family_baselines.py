"""Hand-written baselines for the realistic families (:mod:`families`), written from the
family's *spec*, never from perfscore (no perfscore import in this module):

* :func:`decimal_scorer` — the straight-line ``Decimal`` code a programmer would write for that
  one rule set (generated as Python source from the spec, so it is specialised the way a
  hand-written script is): exact by construction — comparisons by cross-multiplication, one
  division per rounded result, half-up rounding to 2 places; ``points(values)`` and
  ``findings(values, subject_id)`` (own dicts, own ``format()`` of Decimals, own fingerprint).
* :func:`numpy_exact` — the hand-written exact numpy version: money as int64 cents, counts as
  int64, survey scores as int64 tenths; every comparison and rounding in integer arithmetic.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from baselines import _percent, _plain  # the same hand-written number texts as gen's baseline
from families import _TITLES, Family, Group, Leaf, MixedFamily, missing_policy, zero_policy
from mixed_baselines import MixedDecimal
from record_baselines import REFUSED

Q = Decimal("0.01")


def _q(x: Decimal) -> Decimal:
    return x.quantize(Q, rounding=ROUND_HALF_UP)


# --- per record: generated straight-line Decimal code --------------------------------------------


#: what a leaf is where it has no value (``dept30-adv``: its missing / zero-division policy)
_POLICY = {
    None: "P['{i}'] = None; O['{i}'] = 'not_applicable'; V['{i}'] = None",
    "zero": "P['{i}'] = ZERO; O['{i}'] = 'fail'; V['{i}'] = None",
    "full": "P['{i}'] = {W}; O['{i}'] = 'pass'; V['{i}'] = None",
}


def _leaf_code(leaf: Leaf, adv: bool = False) -> list[str]:
    k, i, w = leaf.kind, leaf.id, leaf.weight
    a = leaf.inputs[0]
    b = leaf.inputs[1] if len(leaf.inputs) > 1 else None
    W = f"D('{w}')"
    out = [f"    a = g('{a}')"]
    if adv:  # a refused cell: an error; a blank: the leaf's missing policy; a zero: its rate's
        refused = "a is R" if b is None else "a is R or b is R"
        blank = "a is None" if b is None else "a is None or b is None"
        out += [] if b is None else [f"    b = g('{b}')"]
        out += [
            f"    if {refused}:",
            f"        P['{i}'] = None; O['{i}'] = 'error'; V['{i}'] = None",
            f"    elif {blank}:",
            "        " + _POLICY[missing_policy(leaf)].format(i=i, W=W),
        ]
        if b is not None:
            out += ["    elif not b:", "        " + _POLICY[zero_policy(leaf)].format(i=i, W=W)]
    elif b is not None:
        out += [
            f"    b = g('{b}')",
            "    if a is None or b is None or not b:",
            f"        P['{i}'] = None; O['{i}'] = 'not_applicable'; V['{i}'] = None",
        ]
    else:
        out += [
            "    if a is None:",
            f"        P['{i}'] = None; O['{i}'] = 'not_applicable'; V['{i}'] = None",
        ]
    out.append("    else:")
    body: list[str]
    if k == "exec_ge":
        body = ["ok = a >= b * T95", f"p = {W} if ok else ZERO", "v = a / b"]
    elif k in ("exec_prop", "count_prop"):
        body = [
            "ok = a >= b",
            f"p = {W} if ok else (ZERO if a <= 0 else q({W} * a / b))",
            "v = a / b",
        ]
    elif k == "exec_deduct":
        body = ["d = b * T95 - a", "ok = d <= 0"]
        if leaf.count == "exact":
            body.append(f"p = {W} if ok else q(max(ZERO, {W} - d * 50 / b))")
        elif leaf.count == "started":
            body.append(
                f"p = {W} if ok else max(ZERO, {W} - HALF * (d * 100 / b).to_integral_value(CEIL))"
            )
        else:
            body.append(f"p = {W} if ok else max(ZERO, {W} - HALF * ((d * 100) // b))")
        body.append("v = a / b")
    elif k == "funds_eq":
        body = ["ok = a == b", f"p = {W} if ok else ZERO", "v = a / b"]
    elif k == "cost_lower":
        body = ["ok = a <= b", f"p = {W} if ok else q({W} * b / a)", "v = a / b"]
    elif k == "count_ge":
        body = ["ok = a >= b", f"p = {W} if ok else ZERO", "v = a / b"]
    elif k == "survey_bands":
        body = [
            f"p = {W} if a >= 95 else (D('{w * Decimal('0.8')}') if a >= 90 else"
            f" (D('{w * Decimal('0.6')}') if a >= 80 else ZERO))",
            f"ok = p >= {W}",
            "v = a",
        ]
    else:  # formula min(w, w a / b)
        body = [f"p = min({W}, q({W} * a / b))", f"ok = p >= {W}", "v = None"]
    body += [f"P['{i}'] = p", f"O['{i}'] = 'pass' if ok else 'fail'", f"V['{i}'] = v"]
    return out + ["        " + line for line in body]


def _group_code(g: Group, adv: bool = False) -> list[str]:
    ids = [c.id for c in g.children]
    ws = [c.weight for c in g.children]
    W = f"D('{g.weight}')"
    lines = ["    got = ZERO; base = ZERO; ok = True" + ("; err = False" if adv else "")]
    for cid, cw in zip(ids, ws, strict=True):
        lines += [
            f"    p = P['{cid}']",
            "    if p is not None:",
            f"        got += p; base += D('{cw}')",
            f"        ok = ok and O['{cid}'] != 'fail'",
        ]
        if adv:  # a child in error: so is its group
            lines += [f"    elif O['{cid}'] == 'error':", "        err = True"]
    if adv:
        lines += ["    if err:", f"        P['{g.id}'] = None; O['{g.id}'] = 'error'"]
    lines += [
        f"    {'elif' if adv else 'if'} base == 0:",
        f"        P['{g.id}'] = None; O['{g.id}'] = 'not_applicable'",
        "    else:",
        f"        P['{g.id}'] = got if base == {W} else q(got * {W} / base)",
        f"        O['{g.id}'] = 'pass' if ok else 'fail'",
    ]
    return lines


def _post_order(nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for n in nodes:
        if isinstance(n, Group):
            out += _post_order(n.children)
        out.append(n)
    return out


def decimal_source(fam: Family) -> str:
    lines = [
        "def _score(vals):",
        "    g = vals.get",
        "    P = {}; O = {}; V = {}",
    ]
    for node in _post_order(fam.root):
        lines += _leaf_code(node, fam.adv) if isinstance(node, Leaf) else _group_code(node, fam.adv)
    # the total: the top groups' points over the weight that counts (a top group with nothing
    # applicable hands its weight to the others, as the rule set's default policy says; one
    # in error leaves no total)
    root_w = sum((top.weight for top in fam.root), Decimal(0))
    lines += ["    total = ZERO; base = ZERO"]
    for top in fam.root:
        if fam.adv:
            lines += [f"    if O['{top.id}'] == 'error':", "        return P, O, V, None"]
        lines += [
            f"    if P['{top.id}'] is not None:",
            f"        total += P['{top.id}']; base += D('{top.weight}')",
        ]
    lines += [
        "    if base == 0:",
        "        return P, O, V, None",
        f"    return P, O, V, q(total if base == D('{root_w}') else total * D('{root_w}') / base)",
    ]
    return "\n".join(lines) + "\n"


_GRADES = (
    ("excellent", Decimal(90)),
    ("good", Decimal(80)),
    ("fair", Decimal(60)),
    ("poor", Decimal(0)),
)

# --- the words of a finding, written by hand ------------------------------------------------------
# What the engine's findings say, in the rule set's words: "预算执行率0 95%（标准 ≥ 95%），达标，
# 得 2.5/2.5 分" / "i0: 95% (standard ≥ 95%), met, 2.5/2.5 points"; a blank or a zero budget:
# "资金到位率3：不适用（缺少数据：x3（x3））" / "i3: not applicable (no data for 'x3')".

#: the standard each kind is scored against, as the message shows it (a band: the band's range)
_STANDARD = {
    "exec_ge": ">=", "exec_prop": ">=", "exec_deduct": ">=", "funds_eq": "==",
    "cost_lower": "<=", "count_ge": ">=", "count_prop": ">=",
}  # fmt: skip
_TARGET = {"exec_ge": "0.95", "exec_deduct": "0.95"}  # the others: 1 (100%)
_SIGN = {">=": "≥", "<=": "≤", "==": "="}
#: 满意度 bands as the rule set writes them (families._leaf_yaml): lower edge, range text
_BANDS = ((Decimal(95), ">= 95"), (Decimal(90), "[90, 95)"), (Decimal(80), "[80, 90)"))
_BELOW = "< 80"


def _score_text(x: Decimal) -> str:
    """A survey score: a whole number as it is, else to 2 places, rounded half-up."""
    return _plain(x if x == x.to_integral_value() else _q(x))


def _std(th: str) -> tuple[str, str]:
    return f"（标准 {th}）", f" (standard {th})"


def _shown(rng: str) -> str:
    """A band's range as a finding shows it: ``>= 95`` reads ``≥ 95`` (the data keep ``>=``)."""
    for op, sign in (">=", "≥"), ("<=", "≤"), ("==", "="):
        if rng.startswith(op):
            return sign + rng[len(op) :]
    return rng


class _LeafWords:
    """One indicator's constant words, made once (what a hand-written script hard-codes)."""

    def __init__(self, leaf: Leaf) -> None:
        self.id = leaf.id
        self.title = f"{_TITLES[leaf.kind]}{leaf.id[1:]}"
        self.kind = leaf.kind
        self.inputs = leaf.inputs
        self.weight = _plain(leaf.weight)
        self.pct = leaf.kind not in ("survey_bands", "formula")
        self.standard: tuple[str, str] | None = None
        self.threshold: dict[str, Any] | None = None
        if leaf.kind in _STANDARD:
            op, t = _STANDARD[leaf.kind], Decimal(_TARGET.get(leaf.kind, "1"))
            self.threshold = {"op": op, "value": t}
            self.standard = _std(f"{_SIGN[op]} {_percent(t)}")
        self.bands = [
            (low, _std(_shown(r)), {"name": r, "range": r})
            for low, r in (*_BANDS, (Decimal(0), _BELOW))
        ]
        # why it is not applicable: a blank input (or both), a zero denominator — the message
        # in both languages, the reason (English) and the input fields to blame
        a, b = (*leaf.inputs, "")[:2]
        zh_a, en_a = f"缺少数据：{a}（{a}）", f"no data for '{a}'"
        zh_b, en_b = f"缺少数据：{b}（{b}）", f"no data for '{b}'"
        if leaf.kind == "formula":  # the scorer divides: the indicator's own zero division
            zh_0, en_0 = "分母为零", "division by zero"
        else:  # the metric m<n> = a / b divides
            m = f"m{leaf.id[1:]}"
            zh_0, en_0 = f"{self.title}（{m}）的分母为零", f"'{m}' divides by zero"
        self.na = {
            why: (f"{self.title}：不适用（{zh}）", f"{self.id}: not applicable ({en})", en, fields)
            for why, zh, en, fields in (
                ("a", zh_a, en_a, (a,)),
                ("b", zh_b, en_b, (b,)),
                ("ab", f"{zh_a}；{zh_b}", f"{en_a}; {en_b}", (a, b)),
                ("zero", zh_0, en_0, (a, b)),
            )
        }


def decimal_baseline(fam: Family | MixedFamily, ruleset_id: str) -> DecimalBaseline | MixedDecimal:
    """The family's hand-written per-record code (``mixed`` has its own, :mod:`mixed_baselines`;
    ``proj`` and ``exact`` their own, :mod:`family_proj`, :mod:`family_exact`)."""
    if hasattr(fam, "baseline"):
        return fam.baseline(ruleset_id)  # type: ignore[no-any-return]
    if isinstance(fam, MixedFamily):
        return MixedDecimal(ruleset_id)
    return DecimalBaseline(fam, ruleset_id)


class DecimalBaseline:
    """The generated per-record code for one family, plus findings built on it."""

    def __init__(self, fam: Family, ruleset_id: str) -> None:
        ns: dict[str, Any] = {
            "D": Decimal,
            "ZERO": Decimal(0),
            "HALF": Decimal("0.5"),
            "T95": Decimal("0.95"),
            "q": _q,
            "CEIL": ROUND_CEILING,
            "R": REFUSED,
        }
        exec(compile(decimal_source(fam), f"<baseline {fam.name}>", "exec"), ns)
        self._score = ns["_score"]
        self.leaves = fam.leaves
        self.words = [_LeafWords(leaf) for leaf in fam.leaves]
        self.order = [n.id for n in _pre_order(fam.root)]
        self.ruleset_id = ruleset_id
        self.weights = {leaf.id: leaf.weight for leaf in fam.leaves}

    def points(self, vals: dict[str, Any]) -> tuple[dict[str, Decimal | None], Decimal | None]:
        P, _O, _V, total = self._score(vals)
        return {k: P[k] for k in self.order}, total

    def outcomes(self, vals: dict[str, Any]) -> dict[str, str]:
        """Every indicator's and group's outcome (pre-order)."""
        outcome = self._score(vals)[1]
        return {k: outcome[k] for k in self.order}

    def findings(self, vals: dict[str, Any], subject: Any) -> dict[str, Any]:
        """Every indicator's finding as a dict — outcome, points, the value and its display,
        the standard, both languages' messages, why it is not applicable, the fingerprint —
        plus the scores, the total and the grade; ``subject`` has ``id``, ``type``, ``key``."""
        P, outcomes, V, total = self._score(vals)
        out = []
        prefix = f"{self.ruleset_id}\x1f"
        tail = f"\x1f{subject.type}\x1f{subject.key}"
        sid = subject.id
        for lw in self.words:
            i = lw.id
            p, o, v = P[i], outcomes[i], V[i]
            threshold = reason = None
            fields: tuple[str, ...] = ()
            if o == "not_applicable":
                a = vals.get(lw.inputs[0])
                b = vals.get(lw.inputs[1]) if len(lw.inputs) > 1 else 0
                why = "zero" if a is not None and b is not None else (
                    "ab" if a is None and b is None else ("a" if a is None else "b")
                )  # fmt: skip
                msg, msg_en, reason, fields = lw.na[why]
                shown = None
            else:
                shown = None if v is None else (_percent(v) if lw.pct else _score_text(v))
                if lw.kind == "survey_bands":
                    std, threshold = next((s, t) for low, s, t in lw.bands if v >= low)
                else:
                    std, threshold = lw.standard or ("", ""), lw.threshold
                verdict, verdict_en = ("达标", "met") if o == "pass" else ("未达标", "not met")
                pts, wt = _plain(p), lw.weight
                if shown is None:
                    msg = f"{lw.title}{std[0]}，{verdict}，得 {pts}/{wt} 分"
                    msg_en = f"{i}{std[1]}, {verdict_en}, {pts}/{wt} points"
                else:
                    msg = f"{lw.title} {shown}{std[0]}，{verdict}，得 {pts}/{wt} 分"
                    msg_en = f"{i}: {shown}{std[1]}, {verdict_en}, {pts}/{wt} points"
            key = f"{prefix}{i}{tail}".encode()
            out.append(
                {
                    "rule_id": i,
                    "subject": sid,
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


def _pre_order(nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for n in nodes:
        out.append(n)
        if isinstance(n, Group):
            out += _pre_order(n.children)
    return out


# --- columns: exact integer numpy ----------------------------------------------------------------

_CODE = {"pass": 0, "fail": 1, "not_applicable": 2}


def numpy_exact(fam: Family | MixedFamily, cols: dict[str, Any]) -> dict[str, Any]:
    """Points ×100 (int64), outcome codes (0 pass, 1 fail, 2 n/a) per indicator and group,
    the total ×100 (−1: none) — exact: inputs as integers at their scale."""
    if isinstance(fam, MixedFamily):
        from mixed_numpy import numpy_mixed

        return numpy_mixed(cols)
    import numpy as np

    pts: dict[str, Any] = {}
    code: dict[str, Any] = {}
    for node in _post_order(fam.root):
        if isinstance(node, Leaf):
            _np_leaf(np, node, cols, pts, code)
        else:
            got = base = ok = None
            for c in node.children:
                valid = code[c.id] != 2
                p = np.where(valid, pts[c.id], 0)
                w = np.where(valid, int(c.weight * 100), 0)
                f = code[c.id] == 1
                got = p if got is None else got + p
                base = w if base is None else base + w
                ok = f if ok is None else ok | f
            gw = int(node.weight * 100)
            safe = np.maximum(base, 1)
            pts[node.id] = np.where(base == gw, got, (2 * got * gw + safe) // (2 * safe))
            code[node.id] = np.where(base == 0, 2, np.where(ok, 1, 0)).astype(np.int8)
    total = None
    seen = None
    for top in fam.root:
        valid = code[top.id] != 2
        p = np.where(valid, pts[top.id], 0)
        total = p if total is None else total + p
        seen = valid if seen is None else seen | valid
    return {"points": pts, "outcome": code, "total": np.where(seen, total, -1)}


def _np_leaf(
    np: Any, leaf: Leaf, cols: dict[str, Any], pts: dict[str, Any], code: dict[str, Any]
) -> None:
    k, w100 = leaf.kind, int(leaf.weight * 100)
    x = cols[leaf.inputs[0]]
    if k == "survey_bands":
        valid = ~np.isnan(x)
        s = np.rint(np.nan_to_num(x) * 10).astype(np.int64)
        p = np.where(
            s >= 950,
            w100,
            np.where(s >= 900, w100 * 8 // 10, np.where(s >= 800, w100 * 6 // 10, 0)),
        )
        ok = p >= w100
    else:
        y = cols[leaf.inputs[1]]
        scale = 1 if k.startswith("count") else 100
        valid = ~(np.isnan(x) | np.isnan(y))
        A = np.rint(np.nan_to_num(x) * scale).astype(np.int64)
        B = np.rint(np.nan_to_num(y) * scale).astype(np.int64)
        valid &= B != 0
        Bs = np.where(B == 0, 1, B)
        if k == "exec_ge":
            ok = 100 * A >= 95 * B
            p = np.where(ok, w100, 0)
        elif k in ("exec_prop", "count_prop"):
            ok = A >= B
            p = np.where(ok, w100, (2 * w100 * A + Bs) // (2 * Bs))
        elif k == "exec_deduct":
            d = 95 * B - 100 * A
            ok = d <= 0
            if leaf.count == "exact":
                raw = (2 * (w100 * B - 50 * d) + Bs) // (2 * Bs)
            elif leaf.count == "started":
                raw = w100 - 50 * -((-d) // Bs)
            else:
                raw = w100 - 50 * (d // Bs)
            p = np.where(ok, w100, np.maximum(raw, 0))
        elif k == "funds_eq":
            ok = A == B
            p = np.where(ok, w100, 0)
        elif k == "cost_lower":
            ok = A <= B
            As = np.where(A == 0, 1, A)
            p = np.where(ok, w100, (2 * w100 * B + As) // (2 * As))
        elif k == "count_ge":
            ok = A >= B
            p = np.where(ok, w100, 0)
        else:  # formula
            p = np.minimum(w100, (2 * w100 * A + Bs) // (2 * Bs))
            ok = p >= w100
    pts[leaf.id] = np.where(valid, p, 0)
    code[leaf.id] = np.where(valid, np.where(ok, 0, 1), 2).astype(np.int8)
