"""Hand-written baselines for the benchmark rule set of :mod:`gen` (what a programmer would
write for exactly this rule set, with no engine): Decimal per record, numpy for columns.

Written independently of the code they measure: no perfscore import (numbers as text with
plain ``format``/``quantize``, the fingerprint with ``hashlib``; a test checks)."""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gen import KINDS

ZERO, ONE, W = Decimal(0), Decimal(1), Decimal(4)
T90, T95, T70, PER, HALF = (
    Decimal("0.9"),
    Decimal("0.95"),
    Decimal("0.7"),
    Decimal("0.01"),
    Decimal("0.5"),
)
B25 = Decimal("2.5")
Q = Decimal("0.01")


def _r(x: Decimal) -> Decimal:
    return x.quantize(Q, rounding=ROUND_HALF_UP)


def layout(
    n: int, group_size: int = 5
) -> list[tuple[str, Decimal, list[tuple[str, str, str, int]]]]:
    groups = []
    for g in range(max(1, (n + group_size - 1) // group_size)):
        members = [
            (f"i{i}", f"a{i}", f"b{i}", KINDS.index(KINDS[i % len(KINDS)]))
            for i in range(g * group_size, min(n, (g + 1) * group_size))
        ]
        groups.append((f"g{g}", Decimal(4 * len(members)), members))
    return groups


def _leaf(kind: int, a: Decimal, b: Decimal) -> tuple[Decimal, Decimal]:
    r = a / b
    if kind == 0:
        p = W if r >= T90 else ZERO
    elif kind == 1:
        p = W if r >= T95 else (ZERO if r <= 0 else W * (r / T95))
    elif kind == 2:
        beyond = T95 - r
        p = W if beyond <= 0 else min(W, max(ZERO, W - beyond / PER * HALF))
    elif kind == 3:
        p = W if r >= T90 else (B25 if r >= T70 else ZERO)
    else:
        p = min(W, max(ZERO, min(W, W * a / b)))
    return r, _r(p)


def points(groups: Any, v: dict[str, Decimal]) -> tuple[dict[str, Decimal], Decimal]:
    """Every indicator's and group's rounded points, and the total."""
    out: dict[str, Decimal] = {}
    total = ZERO
    for gid, _gw, members in groups:
        out[gid] = ZERO
        got = ZERO
        for iid, an, bn, kind in members:
            p = _leaf(kind, v[an], v[bn])[1]
            out[iid] = p
            got += p
        out[gid] = _r(got)
        total += out[gid]
    return out, _r(total)


_STD = {0: "≥ 90%", 1: "≥ 95%", 2: "≥ 95%", 3: None, 4: None}


def _plain(x: Decimal) -> str:
    """A Decimal as plain text without trailing zeros (``87.3``, ``4``)."""
    s = format(x, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _percent(r: Decimal) -> str:
    """A ratio as a percentage to 2 places, rounded half-up (``87.35%``)."""
    return _plain((r * 100).quantize(Q, ROUND_HALF_UP)) + "%"


def _amount(x: Decimal) -> str:
    """A number to 2 places, rounded half-up; a whole number as it is."""
    return _plain(x if x == x.to_integral_value() else x.quantize(Q, ROUND_HALF_UP))


def _fingerprint(ruleset_id: str, rule_id: str, subject: Any) -> str:
    key = f"{ruleset_id}\x1f{rule_id}\x1f{subject.type}\x1f{subject.key}"
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def findings(
    groups: Any, ruleset_id: str, subject: Any, v: dict[str, Decimal], checks: int = 2
) -> dict[str, Any]:
    """Plain-dict findings with the same fields and message texts as the engine's: one per
    indicator and per check (``gen``'s rule sets have ``checks`` equal checks), plus the
    scores, the total and the grade."""
    out = []
    scores = []
    total = ZERO
    for gid, _gw, members in groups:
        got = ZERO
        for iid, an, bn, kind in members:
            r, p = _leaf(kind, v[an], v[bn])
            got += p
            value = None if kind == 4 else r
            vt = _percent(value) if value is not None else None
            th = _STD[kind]
            if kind == 3:
                th = "≥ 0.9" if r >= T90 else ("[0.7, 0.9)" if r >= T70 else "< 0.7")
            ok = p >= W if kind != 0 else r >= T90
            if kind in (1, 2):
                ok = r >= T95
            pts, w = _plain(p), _plain(W)
            v_zh = f" {vt}" if vt else ""
            std_zh = f"（标准 {th}）" if th else ""
            std_en = f" (standard {th})" if th else ""
            verdict = "达标" if ok else "未达标"
            title = f"指标{iid[1:]}"
            out.append(
                {
                    "rule_id": iid,
                    "subject": subject,
                    "outcome": "pass" if ok else "fail",
                    "severity": "none" if ok else "warning",
                    "message": f"{title}{v_zh}{std_zh}，{verdict}，得 {pts}/{w} 分",
                    "message_en": (
                        f"{iid}{':' if vt else ''}{v_zh}{std_en}, "
                        f"{'met' if ok else 'not met'}, {pts}/{w} points"
                    ),
                    "value": value,
                    "display": vt,
                    "points": p,
                    "weight": W,
                    "fingerprint": _fingerprint(ruleset_id, iid, subject),
                }
            )
            scores.append((iid, p))
        gp = _r(got)
        scores.append((gid, gp))
        total += gp
    for c in range(checks):  # gen's `equal` checks: a_c + b_c against b_c + a_c, tolerance 0.01
        left, right = v[f"a{c}"] + v[f"b{c}"], v[f"b{c}"] + v[f"a{c}"]
        ok = abs(left - right) <= Q
        lt, rt = _amount(left), _amount(right)
        cid = f"c{c}"
        out.append(
            {
                "rule_id": cid,
                "subject": subject,
                "outcome": "pass" if ok else "fail",
                "severity": "none" if ok else "warning",
                "message": f"核对{c}：{lt} = {rt}，一致" if ok else f"核对{c}：{lt} ≠ {rt}",
                "message_en": f"{cid}: {lt} = {rt}, consistent" if ok else f"{cid}: {lt} ≠ {rt}",
                "value": left,
                "display": lt,
                "threshold": {"op": "==", "value": right, "tolerance": Q},
                "fingerprint": _fingerprint(ruleset_id, cid, subject),
            }
        )
    total = _r(total)
    grade = next(g for g, low in _GRADES if total >= low)
    return {"findings": out, "scores": scores, "total": total, "grade": grade}


_GRADES = (("A", Decimal(90)), ("B", Decimal(80)), ("C", Decimal(60)), ("D", ZERO))


# --- numpy ---------------------------------------------------------------------------------


def numpy_points(n: int, cols: dict[str, Any], group_size: int = 5) -> dict[str, Any]:
    """Points per indicator and group (float64, rounded half-up to 2 places), pass flags and
    totals, for the benchmark rule set: plain vectorised numpy, no exactness guard."""
    import numpy as np

    out: dict[str, Any] = {}
    total = None
    for gid, _gw, members in layout(n, group_size):
        got = None
        for iid, an, bn, kind in members:
            a, b = cols[an], cols[bn]
            r = a / b
            if kind == 0:
                met = r >= 0.9
                p = np.where(met, 4.0, 0.0)
            elif kind == 1:
                met = r >= 0.95
                p = np.where(met, 4.0, np.where(r <= 0, 0.0, 4.0 * (r / 0.95)))
            elif kind == 2:
                beyond = 0.95 - r
                met = beyond <= 0
                p = np.where(met, 4.0, np.clip(4.0 - beyond / 0.01 * 0.5, 0.0, 4.0))
            elif kind == 3:
                p = np.where(r >= 0.9, 4.0, np.where(r >= 0.7, 2.5, 0.0))
                met = p >= 4.0
            else:
                p = np.clip(4.0 * a / b, 0.0, 4.0)
                met = p >= 4.0
            p = np.floor(p * 100 + 0.5) / 100
            out[iid] = (p, met)
            got = p if got is None else got + p
        gp = np.floor(got * 100 + 0.5) / 100
        out[gid] = (gp, None)
        total = gp if total is None else total + gp
    out["total"] = np.floor(total * 100 + 0.5) / 100
    return out
