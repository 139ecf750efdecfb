"""Hand-written baselines for the ``mixed`` family (:mod:`mixed`), written from its rule set's
text and docs/rule-language.md, never from perfscore (no perfscore import here; a test checks).

* :class:`MixedDecimal` — the straight-line ``Decimal`` code a programmer would write for that
  one rule set: comparisons by cross-multiplication, one division per rounded result, half-up
  rounding to 2 places; ``points(values)`` and ``findings(values, subject)`` (own dicts, own
  texts, own fingerprint).
* :func:`mixed_baselines_numpy.numpy_mixed` — the exact integer numpy version (its own module).
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from mixed_words import check_findings, leaf_finding

D = Decimal
Z, ONE = D(0), D(1)
Q = D("0.01")
W2, W3, W4, W5 = D(2), D(3), D(4), D(5)
P28, P12, P32, P24, P25, P15 = D("2.8"), D("1.2"), D("3.2"), D("2.4"), D("2.5"), D("1.5")
R95, R90, R80, R60 = D("0.95"), D("0.9"), D("0.8"), D("0.6")
TIER = {"achieved": W4, "partial": P28, "not_achieved": P12}


def q(x: Decimal) -> Decimal:
    return x.quantize(Q, rounding=ROUND_HALF_UP)


def _ceil(x: Decimal) -> Decimal:
    return x.to_integral_value(ROUND_CEILING)


def _floor(x: Decimal) -> Decimal:
    return x.to_integral_value(ROUND_FLOOR)


#: the tree: (group, weight, aggregate, children); a child is a leaf id with its weight or a group
TREE: list[tuple[str, Decimal, str, list[Any]]] = [
    ("g_input", D(24), "sum", [("targets", W4), ("adjust", W4), ("carry", W4), ("staffing", W4),
                               ("three_public", W4), ("tp_down", W4)]),
    ("g_process", D(40), "sum", [("rate_ge", W4), ("rate_full", W2), ("rate_exact", W5),
                                 ("rate_started", W5), ("overspend", W3), ("rate_dev", W3),
                                 ("funds", W3), ("procure", W3), ("disclosure", W5),
                                 ("assets", W3), ("transfer", W4)]),
    ("g_output", D(20), "mean", [("tasks", W4), ("tasks_all", W4), ("cost", W3), ("quality", W4),
                                 ("quality_bands", W5)]),
    ("g_effect", D(16), "sum", [("effect", W4), ("satisfaction", W4), ("perf_use", W4),
                                ("g_sustain", W4, "weakest", [("staff_ok", W2), ("tp_ok", W2)])]),
]  # fmt: skip
ORDER = [
    x
    for g, _w, _a, kids in TREE
    for x in [g, *(k[0] for k in kids), *(c[0] for k in kids if len(k) > 2 for c in k[3])]
]
# pre-order: g_sustain's children come right after it (it is g_effect's last child)
LEAVES = [x for x in ORDER if not x.startswith("g_")]


def _leaves(v: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bool]]:
    """Every leaf's points (None: not applicable) and whether it met its standard."""
    g = v.get
    P: dict[str, Any] = {}
    OK: dict[str, bool] = {}
    b, e = g("budget"), g("executed")
    has_rate = b is not None and e is not None and b != 0
    if has_rate:
        ok95, full, over = e * 100 >= b * 95, e == b, e > b
        OK["rate_ge"] = ok95
        P["rate_ge"] = W4 if ok95 else Z
        OK["rate_full"] = full
        P["rate_full"] = W2 if full else Z
        OK["rate_exact"] = e >= b
        P["rate_exact"] = W5 if e >= b else q(max(Z, (5 * b - 50 * (b - e)) / b))
        OK["rate_started"] = ok95
        P["rate_started"] = W5 if ok95 else max(ONE, W5 - _ceil((95 * b - 100 * e) / b))
        OK["overspend"] = not over
        P["overspend"] = max(Z, W3 - _floor(20 * (e - b) / b)) if over else W3
        OK["rate_dev"] = full
        P["rate_dev"] = W3 if full else q(max(Z, 3 * (b - abs(e - b)) / b))
    else:
        for k in ("rate_ge", "rate_full", "rate_exact", "rate_started", "overspend", "rate_dev"):
            P[k] = None
    x = g("adjust")
    if x is None or b is None or b == 0:
        P["adjust"] = None
    else:
        p = W4 if x == 0 else W3 if x * 100 <= b * 5 else W2 if x * 100 <= b * 10 else Z
        P["adjust"], OK["adjust"] = p, p == W4
    x = g("carry")
    if x is None or b is None or b == 0:
        P["carry"] = None
    else:
        c = x * 100
        p = W4 if c <= b * 2 else W3 if c <= b * 5 else P15 if c < b * 15 else Z
        P["carry"], OK["carry"] = p, p == W4
    t = g("targets_tier")
    if t is None:
        P["targets"] = None
    else:
        P["targets"] = p = TIER[t]
        OK["targets"] = p >= P32  # pass_at 0.8
    sa, sq = g("staff_actual"), g("staff_quota")
    if sa is None or sq is None or sq == 0:
        P["staffing"] = P["staff_ok"] = None
    else:
        p = W4 if sa <= sq else P25 if sa * 100 <= sq * 105 else Z
        P["staffing"], OK["staffing"] = p, p == W4
        OK["staff_ok"] = sa <= sq
        P["staff_ok"] = W2 if sa <= sq else Z
    prev, cur = g("tp_prev"), g("tp_cur")
    if prev is None or cur is None or prev == 0:
        P["three_public"] = P["tp_down"] = P["tp_ok"] = None
    else:
        ok = cur <= prev
        OK["three_public"] = OK["tp_down"] = OK["tp_ok"] = ok
        P["three_public"] = W4 if ok else q(max(Z, (4 * prev - 50 * (cur - prev)) / prev))
        P["tp_down"] = W4 if ok else Z
        P["tp_ok"] = W2 if ok else max(Z, W2 - _ceil(10 * (cur - prev) / prev))
    a, n = g("funds_in"), g("funds_due")
    if a is None or n is None or n == 0:
        P["funds"] = None
    else:
        OK["funds"] = a == n
        P["funds"] = W3 if a == n else Z
    a, n = g("procure_done"), g("procure_plan")
    if a is None or n is None or n == 0:
        P["procure"] = None
    else:
        OK["procure"] = a >= n
        P["procure"] = W3 if a >= n else q(3 * a / n)
    # a checklist: each blank item left out, the answered ones scaled to the weight (missing:
    # not_applicable, not_applicable_weight: redistribute; rule-language 7.6); a zero budget
    # makes the rate item divide by zero: zero_division not_applicable, the whole checklist
    db, df = g("disclosed_budget"), g("disclosed_final")
    rate_ok = (e * 100 >= b * 95) if has_rate else None
    if b is not None and e is not None and b == 0:
        P["disclosure"] = None
    else:
        _checklist(P, OK, "disclosure", W5, [(W2, db), (W2, df), (ONE, rate_ok)])
    a, n = g("assets_ok"), g("assets_all")
    if a is None or n is None or n == 0:
        P["assets"] = None
    else:
        p = min(W3, max(Z, (3 * a / n).quantize(ONE, ROUND_HALF_UP)))
        P["assets"], OK["assets"] = p, p == W3
    lv, tt = g("level"), g("transfer_timely")
    if lv != "city" or tt is None:
        P["transfer"] = None
    else:
        OK["transfer"] = tt >= R90
        P["transfer"] = W4 if tt >= R90 else Z
    a, n = g("tasks_done"), g("tasks_plan")
    if a is None or n is None or n == 0:
        P["tasks"] = P["tasks_all"] = None
    else:
        OK["tasks"] = OK["tasks_all"] = a >= n
        P["tasks"] = W4 if a >= n else q(4 * a / n)
        P["tasks_all"] = W4 if a >= n else Z
    a, n = g("actual_cost"), g("plan_cost")
    if a is None or n is None:
        P["cost"] = None
    else:
        OK["cost"] = a <= n
        P["cost"] = W3 if a <= n else q(3 * n / a)
    x = g("quality")
    if x is None:
        P["quality"] = P["quality_bands"] = None
    else:
        OK["quality"] = x >= R95
        P["quality"] = W4 if x >= R95 else q(4 * x / R95)
        p = Z if x < R60 else P25 if x < R90 else W5
        P["quality_bands"], OK["quality_bands"] = p, p == W5
    t = g("effect_tier")
    if t is None:
        P["effect"] = None
    else:
        P["effect"] = p = TIER[t]
        OK["effect"] = p == W4
    x = g("satisfaction")
    if x is None:
        P["satisfaction"] = None
    else:
        p = W4 if x >= R95 else P32 if x >= R90 else P24 if x >= R80 else Z
        P["satisfaction"], OK["satisfaction"] = p, p == W4
    _checklist(P, OK, "perf_use", W4, [(W2, g("perf_published")), (W2, g("rectified"))])
    return P, OK


def _checklist(
    P: dict[str, Any], OK: dict[str, bool], rid: str, w: Decimal, items: list[tuple[Decimal, Any]]
) -> None:
    """Points of a checklist whose blank items (None) are not applicable: the answered items'
    points earned over their own points, times the weight; every item blank: not applicable.
    Its coverage (``P["cov:" + rid]``): the answered items' points over all of them."""
    answered = [(p, bool(ok)) for p, ok in items if ok is not None]
    if not answered:
        P[rid] = None
        return
    base = sum((p for p, _ in answered), Z)
    P[f"cov:{rid}"] = base / sum((p for p, _ in items), Z)
    earned = sum((p for p, ok in answered if ok), Z)
    P[rid], OK[rid] = (w if earned == base else q(w * earned / base)), earned == base


def _group(
    P: dict[str, Any], OK: dict[str, bool], gid: str, gw: Decimal, agg: str, kids: Any
) -> None:
    for k in kids:
        if len(k) > 2:
            _group(P, OK, k[0], k[1], k[2], k[3])
    live = [(k[0], k[1]) for k in kids if P[k[0]] is not None]
    if not live:
        P[gid] = None
        return
    OK[gid] = all(OK[c] for c, _ in live)
    if agg == "sum":
        got = sum((P[c] for c, _ in live), Z)
        base = sum((w for _, w in live), Z)
        P[gid] = got if base == gw else q(got * gw / base)
    elif agg == "mean":
        P[gid] = q(gw * sum((P[c] / w for c, w in live), Z) / len(live))
    else:  # weakest link
        P[gid] = q(gw * min(P[c] / w for c, w in live))


def score(v: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bool], Decimal | None]:
    """Leaves' and groups' points, whether each met its standard, and the total."""
    P, OK = _leaves(v)
    got = base = Z
    for gid, gw, agg, kids in TREE:
        _group(P, OK, gid, gw, agg, kids)
        if P[gid] is not None:
            got += P[gid]
            base += gw
    if base == 0:
        return P, OK, None
    return P, OK, q(got if base == 100 else got * 100 / base)


def _coverage(P: dict[str, Any]) -> Decimal:
    """Share of the total weight scored from data: Σ w·cov / Σ w at every level."""

    def cov(kids: Any) -> Decimal:
        num = sum((k[1] * (cov(k[3]) if len(k) > 2 else P.get(f"cov:{k[0]}", ONE)
                           if P[k[0]] is not None else Z) for k in kids), Z)  # fmt: skip
        return num / sum((k[1] for k in kids), Z)

    return cov([(g, w, a, kids) for g, w, a, kids in TREE])


GRADES = (("excellent", D(90)), ("good", D(80)), ("fair", D(60)), ("poor", Z))


def grade(P: dict[str, Any], total: Decimal | None) -> str | None:
    if total is None or _coverage(P) < R60:
        return None
    return next(g for g, low in GRADES if total >= low)


class MixedDecimal:
    """The hand-written per-record code for ``mixed``, with findings built on it."""

    def __init__(self, ruleset_id: str) -> None:
        self.ruleset_id = ruleset_id

    def points(self, vals: dict[str, Any]) -> tuple[dict[str, Any], Decimal | None]:
        P, _O, total = score(vals)
        return {k: P[k] for k in ORDER}, total

    def findings(self, vals: dict[str, Any], subject: Any) -> dict[str, Any]:
        P, OK, total = score(vals)
        prefix = f"{self.ruleset_id}\x1f"
        tail = f"\x1f{subject.type}\x1f{subject.key}"
        out = []
        for i in LEAVES:
            f = leaf_finding(i, P[i], OK.get(i, False), vals)
            out.append(_stamp(f, i, subject.id, prefix, tail))
        for i, f in check_findings(vals):
            out.append(_stamp(f, i, subject.id, prefix, tail))
        scores = [(k, P[k]) for k in ORDER]
        return {"findings": out, "scores": scores, "total": total, "grade": grade(P, total)}


def _stamp(f: dict[str, Any], i: str, sid: str, prefix: str, tail: str) -> dict[str, Any]:
    f["rule_id"] = i
    f["subject"] = sid
    key = f"{prefix}{i}{tail}".encode()
    f["fingerprint"] = "sha256:" + hashlib.sha256(key).hexdigest()[:32]
    return f
