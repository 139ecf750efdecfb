"""The ``mixed`` benchmark family (issue #18): a 部门整体支出绩效 rule set of 27 indicators and 3
checks that uses what the generated families (:mod:`families`) do not — one metric read by
several leaves of different kinds, a target that is an input, checklist and tier scorers, a
leaf ``when`` on a text input, ``mean`` and ``weakest_link`` groups, checks and ``min_coverage``.

The rule set is written by hand (``mixed.yaml``, :data:`RULES`) as a bureau would write it; its
spec is the text itself.  The hand-written baselines (:mod:`mixed_baselines`,
:mod:`mixed_words`, :mod:`mixed_numpy`) are written from that text, never from perfscore.  The
data (:func:`records`, :func:`columns`) has what real returns have: a third spent exactly the
budget, exactly 95%, zeros, zero budgets and plans, blanks, round 万元 budgets, integer head
counts, the 13.51 / 14 cost pair (3 × 13.51 / 14 = 2.895 → 2.90).

The language has no per-indicator ``places``; ``assets`` rounds its points to whole points
with ``round(…, 0)`` inside its formula instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RULES = (Path(__file__).with_name("mixed.yaml")).read_text("utf-8")


#: the indicators (leaves) of :data:`RULES`, in order
LEAF_IDS = (
    "targets", "adjust", "carry", "staffing", "three_public", "tp_down", "rate_ge", "rate_full",
    "rate_exact", "rate_started", "overspend", "rate_dev", "funds", "procure", "disclosure",
    "assets", "transfer", "tasks", "tasks_all", "cost", "quality", "quality_bands", "effect",
    "satisfaction", "perf_use", "staff_ok", "tp_ok",
)  # fmt: skip


@dataclass
class MixedFamily:
    """The ``mixed`` family: its rule set is :data:`RULES` (no spec tree: the text is the spec)."""

    name: str = "mixed"
    clean: bool = False
    leaves: tuple[str, ...] = LEAF_IDS


MONEY = (
    "budget", "executed", "basic", "project", "adjust", "carry", "funds_due", "funds_in",
    "procure_plan", "procure_done", "plan_cost", "actual_cost", "tp_prev", "tp_cur",
)  # fmt: skip
INTEGERS = ("staff_actual", "staff_quota", "tasks_done", "tasks_plan", "assets_ok", "assets_all")
PERCENTS = ("quality", "satisfaction", "transfer_timely")
TEXTS = ("level", "targets_tier", "effect_tier", "low_rate_reason")
BOOLEANS = ("disclosed_budget", "disclosed_final", "perf_published", "rectified")
TIERS = ("achieved", "partial", "not_achieved")
LEVELS = ("province", "city", "county")

# --- records (text, as department returns give them) --------------------------------------------


def _cents(r: random.Random, round_share: float = 0.4) -> int:
    u = r.random()
    if u < round_share:
        return r.randint(1, 500) * 10_00  # a round amount: 10, 20, …, 5000 万元
    if u < round_share + 0.01:
        return 0
    return r.randint(10_00, 5000_00)


def _share(r: random.Random, c: int, lo: float, hi: float) -> int:
    return round(c * r.uniform(lo, hi))


def _row(r: random.Random) -> dict[str, Any]:
    """One department's values: money in cents, counts and percents as numbers, text as is."""
    b = _cents(r)
    v = r.random()
    if v < 0.35:
        ex = b  # spent exactly the budget
    elif v < 0.45 and b % 20 == 0:
        ex = b * 95 // 100  # exactly 95.00%
    elif v < 0.48:
        ex = 0
    elif v < 0.55:
        ex = _share(r, b, 1.0, 1.12)  # 超支
    else:
        ex = _share(r, b, 0.6, 1.0)
    basic = _share(r, ex, 0.3, 0.9)
    project = ex - basic + (1 if r.random() < 0.08 else 0)  # 8%: one 分 off
    w = r.random()
    adjust = (
        0 if w < 0.3 else b * 5 // 100 if w < 0.4 else b // 10 if w < 0.45
        else _share(r, b, 0, 0.15)
    )  # fmt: skip
    w = r.random()
    carry = (
        0 if w < 0.25 else b * 2 // 100 if w < 0.35 else b * 15 // 100 if w < 0.4
        else _share(r, b, 0, 0.2)
    )  # fmt: skip
    due = _cents(r)
    got = due if r.random() < 0.55 else _share(r, due, 0.8, 1.03)
    pplan = _cents(r, 0.3)
    pdone = pplan if r.random() < 0.4 else _share(r, pplan, 0.5, 1.05)
    u = r.random()
    if u < 0.03:
        plan_c, act_c = 13_51, 14_00  # 3 × 13.51 / 14 = 2.895 → 2.90
    else:
        plan_c = _cents(r)
        act_c = plan_c if u < 0.33 else 0 if u < 0.36 else _share(r, plan_c, 0.85, 1.2)
    prev = _cents(r, 0.5) if r.random() > 0.03 else 0
    u = r.random()
    cur = prev if u < 0.25 else prev * 9 // 10 if u < 0.35 else prev * 11 // 10 if u < 0.45 else (
        _share(r, prev, 0.7, 1.3)
    )  # fmt: skip
    quota = r.randint(5, 300) if r.random() > 0.01 else 0
    u = r.random()
    staff = (
        quota if u < 0.4 else quota * 105 // 100 if u < 0.5 else quota + r.randint(1, 10)
        if u < 0.7 else quota - r.randint(0, quota // 5)
    )  # fmt: skip
    tplan = r.randint(1, 40) if r.random() > 0.01 else 0
    tdone = tplan if r.random() < 0.55 else max(0, tplan - r.randint(1, 6))
    aall = r.randint(1, 800)
    aok = aall if r.random() < 0.6 else max(0, aall - r.randint(1, aall // 4 + 1))
    level = r.choices(LEVELS, (10, 40, 50))[0]
    row: dict[str, Any] = {
        "budget": b, "executed": ex, "basic": basic, "project": project, "adjust": adjust,
        "carry": carry, "funds_due": due, "funds_in": got, "procure_plan": pplan,
        "procure_done": pdone, "plan_cost": plan_c, "actual_cost": act_c, "tp_prev": prev,
        "tp_cur": cur, "staff_actual": staff, "staff_quota": quota, "tasks_done": tdone,
        "tasks_plan": tplan, "assets_ok": aok, "assets_all": aall,
        "quality": _pct(r, ("100", "95", "90", "60"), 0.3, 50),
        "satisfaction": _pct(r, ("95", "90", "80", "100", "90.0"), 0.35, 60),
        "transfer_timely": _pct(r, ("90", "100"), 0.6, 70) if level == "city" else None,
        "level": level, "targets_tier": r.choices(TIERS, (50, 35, 15))[0],
        "effect_tier": r.choices(TIERS, (45, 40, 15))[0],
        "disclosed_budget": r.random() < 0.85, "disclosed_final": r.random() < 0.8,
        "perf_published": r.random() < 0.7, "rectified": r.random() < 0.6,
        "low_rate_reason": "项目尚未完工" if b and ex * 10 < b * 9 and r.random() < 0.7 else None,
    }  # fmt: skip
    for k in row:  # blanks: 2% of every field (1% of budgets)
        if r.random() < (0.01 if k == "budget" else 0.02):
            row[k] = None
    return row


def _pct(r: random.Random, edges: tuple[str, ...], share: float, low: int) -> str:
    if r.random() < share:
        return r.choice(edges)
    return f"{r.uniform(low, 100):.1f}"


def _text(k: str, x: Any, r: random.Random) -> str:
    if k in MONEY:  # a round amount is often written without decimals
        return str(x // 100) if x % 100 == 0 and r.random() < 0.5 else f"{x / 100:.2f}"
    if k in BOOLEANS:
        return "是" if x else "否"
    return str(x)


def records(fam: MixedFamily, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Subject records ``{id, name, values}`` with text values; a blank is a missing key."""
    r = random.Random(seed)
    out = []
    for i in range(n):
        vals = {k: _text(k, x, r) for k, x in _row(r).items() if x is not None}
        out.append({"id": f"dept-{i:07d}", "name": f"部门{i}", "values": vals})
    return out


# --- columns (vectorised: float64 numbers, NaN blank; text and yes/no as object arrays) ----------


def columns(fam: MixedFamily, n: int, seed: int = 7) -> dict[str, Any]:
    """The same kind of data as :func:`records`, generated with numpy for a million rows."""
    import numpy as np

    g = np.random.default_rng(seed)

    def cents(round_share: float = 0.4) -> Any:
        u = g.random(n)
        c = np.where(u < round_share, g.integers(1, 501, n) * 10_00, g.integers(10_00, 5000_01, n))
        return np.where((u >= round_share) & (u < round_share + 0.01), 0, c)

    def share(c: Any, lo: float, hi: float) -> Any:
        return np.rint(c * g.uniform(lo, hi, n)).astype(np.int64)

    def pick(u: Any, cases: list[tuple[float, Any]], other: Any) -> Any:
        out, lo = other, 0.0
        for hi, x in cases:
            out = np.where((u >= lo) & (u < hi), x, out)
            lo = hi
        return out

    b = cents()
    v = g.random(n)
    ex = pick(v, [(0.35, b), (0.45, np.where(b % 20 == 0, b * 95 // 100, b)), (0.48, 0)], 0)
    ex = np.where(v >= 0.48, np.where(v < 0.55, share(b, 1.0, 1.12), share(b, 0.6, 1.0)), ex)
    basic = share(ex, 0.3, 0.9)
    project = ex - basic + (g.random(n) < 0.08)
    adjust = pick(g.random(n), [(0.3, 0), (0.4, b * 5 // 100), (0.45, b // 10)], share(b, 0, 0.15))
    carry = pick(g.random(n), [(0.25, 0), (0.35, b * 2 // 100), (0.4, b * 15 // 100)], 0)
    carry = np.where(carry == 0, share(b, 0, 0.2), carry)  # (the 25% zeros: set again below)
    carry[g.random(n) < 0.25] = 0
    due = cents()
    got = np.where(g.random(n) < 0.55, due, share(due, 0.8, 1.03))
    pplan = cents(0.3)
    pdone = np.where(g.random(n) < 0.4, pplan, share(pplan, 0.5, 1.05))
    u = g.random(n)
    plan_c = np.where(u < 0.03, 13_51, cents())
    act_c = pick(u, [(0.03, 14_00), (0.33, plan_c), (0.36, 0)], share(plan_c, 0.85, 1.2))
    prev = np.where(g.random(n) > 0.03, cents(0.5), 0)
    u = g.random(n)
    cur = pick(u, [(0.25, prev), (0.35, prev * 9 // 10), (0.45, prev * 11 // 10)], 0)
    cur = np.where(u >= 0.45, share(prev, 0.7, 1.3), cur)
    quota = np.where(g.random(n) > 0.01, g.integers(5, 301, n), 0)
    u = g.random(n)
    staff = pick(
        u,
        [(0.4, quota), (0.5, quota * 105 // 100), (0.7, quota + g.integers(1, 11, n))],
        quota - np.rint(g.random(n) * (quota // 5)).astype(np.int64),
    )
    tplan = np.where(g.random(n) > 0.01, g.integers(1, 41, n), 0)
    tdone = np.where(g.random(n) < 0.55, tplan, np.maximum(0, tplan - g.integers(1, 7, n)))
    aall = g.integers(1, 801, n)
    aok = np.where(
        g.random(n) < 0.6, aall, np.maximum(0, aall - 1 - np.rint(g.random(n) * (aall // 4)))
    )

    def pct(edges: tuple[float, ...], p: float, low: float) -> Any:
        e = g.choice(np.array(edges), n)
        return np.where(g.random(n) < p, e, np.round(g.uniform(low, 100, n), 1))

    level = g.choice(np.array(LEVELS, dtype=object), n, p=(0.1, 0.4, 0.5))
    cols: dict[str, Any] = {
        "budget": b, "executed": ex, "basic": basic, "project": project, "adjust": adjust,
        "carry": carry, "funds_due": due, "funds_in": got, "procure_plan": pplan,
        "procure_done": pdone, "plan_cost": plan_c, "actual_cost": act_c, "tp_prev": prev,
        "tp_cur": cur,
    }  # fmt: skip
    cols = {k: c / 100 for k, c in cols.items()}
    cols.update(
        staff_actual=staff, staff_quota=quota, tasks_done=tdone, tasks_plan=tplan,
        assets_ok=aok, assets_all=aall,
        quality=pct((100.0, 95.0, 90.0, 60.0), 0.3, 50),
        satisfaction=pct((95.0, 90.0, 80.0, 100.0), 0.35, 60),
        transfer_timely=np.where(level == "city", pct((90.0, 100.0), 0.6, 70), np.nan),
    )  # fmt: skip
    for k in list(cols):  # blanks: 2% of every field (1% of budgets)
        x = cols[k].astype(np.float64)
        x[g.random(n) < (0.01 if k == "budget" else 0.02)] = np.nan
        cols[k] = x
    tiers = np.array(TIERS, dtype=object)
    texts: dict[str, Any] = {
        "level": level,
        "targets_tier": g.choice(tiers, n, p=(0.5, 0.35, 0.15)),
        "effect_tier": g.choice(tiers, n, p=(0.45, 0.4, 0.15)),
        "low_rate_reason": np.where(
            (b > 0) & (ex * 10 < b * 9) & (g.random(n) < 0.7), "项目尚未完工", None
        ).astype(object),
    }
    for k, p in zip(BOOLEANS, (0.85, 0.8, 0.7, 0.6), strict=True):
        texts[k] = (g.random(n) < p).astype(object)
    for k, x in texts.items():
        x = x.astype(object)
        x[g.random(n) < 0.02] = None
        cols[k] = x
    return cols


def ties_share(fam: MixedFamily, cols: dict[str, Any]) -> float:
    """Share of execution rates exactly 100% or 95% (of those with a budget)."""
    import numpy as np

    a, b = cols["executed"], cols["budget"]
    ok = np.isfinite(a) & np.isfinite(b) & (b > 0)
    edge = (a == b) | (np.rint(a * 100) * 100 == np.rint(b * 100) * 95)
    return float((ok & edge).sum() / max(1, int(ok.sum())))
