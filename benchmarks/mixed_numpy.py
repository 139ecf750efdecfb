"""The hand-written exact numpy baseline for the ``mixed`` family (:mod:`mixed`), written from
its rule set's text (no perfscore import): money as int64 cents, counts as int64, percentages
as int64 tenths of a point; every comparison by cross-multiplication and every rounded
quotient an integer floor division (half-up: ⌊(2n + d) / 2d⌋)."""

from __future__ import annotations

from typing import Any

import numpy as np

PASS, FAIL, NA = 0, 1, 2
#: the tree as in :mod:`mixed_baselines`, weights as integers
TREE: list[tuple[str, int, str, list[Any]]] = [
    ("g_input", 24, "sum", [("targets", 4), ("adjust", 4), ("carry", 4), ("staffing", 4),
                            ("three_public", 4), ("tp_down", 4)]),
    ("g_process", 40, "sum", [("rate_ge", 4), ("rate_full", 2), ("rate_exact", 5),
                              ("rate_started", 5), ("overspend", 3), ("rate_dev", 3), ("funds", 3),
                              ("procure", 3), ("disclosure", 5), ("assets", 3), ("transfer", 4)]),
    ("g_output", 20, "mean", [("tasks", 4), ("tasks_all", 4), ("cost", 3), ("quality", 4),
                              ("quality_bands", 5)]),
    ("g_effect", 16, "sum", [("effect", 4), ("satisfaction", 4), ("perf_use", 4),
                             ("g_sustain", 4, "weakest", [("staff_ok", 2), ("tp_ok", 2)])]),
]  # fmt: skip
GRADES = ("excellent", "good", "fair", "poor")
CHECKS = ("nature_adds_up", "funds_within_due", "low_rate_explained")


def hu(n: Any, d: Any) -> Any:
    """n / d rounded half up (d > 0)."""
    return (2 * n + d) // (2 * d)


def _ints(cols: dict[str, Any], name: str, scale: int) -> tuple[Any, Any]:
    x = cols[name]
    ok = ~np.isnan(x)
    return np.rint(np.where(ok, x, 0) * scale).astype(np.int64), ok


def _is(cols: dict[str, Any], name: str, value: Any) -> Any:
    return np.asarray(cols[name] == value, dtype=bool)


def _given(cols: dict[str, Any], name: str) -> Any:
    return np.asarray(cols[name] != None, dtype=bool)  # noqa: E711  (object array: elementwise)


def numpy_mixed(cols: dict[str, Any]) -> dict[str, Any]:
    """Points ×100 and outcome codes (0 pass, 1 fail, 2 n/a) of every indicator and group,
    the total ×100 (−1: none), the grade (index into :data:`GRADES`, −1: none) and the
    checks' outcome codes."""
    P: dict[str, Any] = {}
    V: dict[str, Any] = {}  # applicable
    OK: dict[str, Any] = {}
    CV: dict[str, Any] = {}  # a checklist's answered items' points over all of them (coverage)

    def put(rid: str, valid: Any, ok: Any, p: Any) -> None:
        V[rid], OK[rid], P[rid] = valid, ok, np.where(valid, p, 0)

    def one(d: Any) -> Any:
        return np.where(d == 0, 1, d)

    B, vB = _ints(cols, "budget", 100)
    E, vE = _ints(cols, "executed", 100)
    Bs = one(B)
    rv = vB & vE & (B != 0)
    ok95 = 100 * E >= 95 * B
    full = E == B
    put("rate_ge", rv, ok95, np.where(ok95, 400, 0))
    put("rate_full", rv, full, np.where(full, 200, 0))
    put(
        "rate_exact",
        rv,
        E >= B,
        np.where(E >= B, 500, np.maximum(0, hu(500 * B - 5000 * (B - E), Bs))),
    )
    put(
        "rate_started",
        rv,
        ok95,
        np.where(ok95, 500, np.maximum(100, 500 + 100 * ((100 * E - 95 * B) // Bs))),
    )
    over = E > B
    put(
        "overspend",
        rv,
        ~over,
        np.where(over, np.maximum(0, 300 - 100 * ((20 * (E - B)) // Bs)), 300),
    )
    put("rate_dev", rv, full, np.where(full, 300, np.maximum(0, hu(300 * (B - np.abs(E - B)), Bs))))
    bv = vB & (B != 0)
    A, vA = _ints(cols, "adjust", 100)
    put(
        "adjust",
        bv & vA,
        A == 0,
        np.where(A == 0, 400, np.where(100 * A <= 5 * B, 300, np.where(100 * A <= 10 * B, 200, 0))),
    )
    C, vC = _ints(cols, "carry", 100)
    pc = np.where(
        100 * C <= 2 * B, 400, np.where(100 * C <= 5 * B, 300, np.where(100 * C < 15 * B, 150, 0))
    )
    put("carry", bv & vC, pc == 400, pc)
    for rid, col, pass_at in (("targets", "targets_tier", 320), ("effect", "effect_tier", 400)):
        pt = np.where(
            _is(cols, col, "achieved"), 400, np.where(_is(cols, col, "partial"), 280, 120)
        )
        put(rid, _given(cols, col), pt >= pass_at, pt)
    SA, vSA = _ints(cols, "staff_actual", 1)
    SQ, vSQ = _ints(cols, "staff_quota", 1)
    sv = vSA & vSQ & (SQ != 0)
    ps = np.where(SA <= SQ, 400, np.where(100 * SA <= 105 * SQ, 250, 0))
    put("staffing", sv, ps == 400, ps)
    put("staff_ok", sv, SA <= SQ, np.where(SA <= SQ, 200, 0))
    TP, vTP = _ints(cols, "tp_prev", 100)
    TC, vTC = _ints(cols, "tp_cur", 100)
    tv, down, TPs = vTP & vTC & (TP != 0), TC <= TP, one(TP)
    put(
        "three_public",
        tv,
        down,
        np.where(down, 400, np.maximum(0, hu(400 * TP - 5000 * (TC - TP), TPs))),
    )
    put("tp_down", tv, down, np.where(down, 400, 0))
    put(
        "tp_ok",
        tv,
        down,
        np.where(down, 200, np.maximum(0, 200 + 100 * ((-10 * (TC - TP)) // TPs))),
    )
    FI, vFI = _ints(cols, "funds_in", 100)
    FD, vFD = _ints(cols, "funds_due", 100)
    put("funds", vFI & vFD & (FD != 0), FI == FD, np.where(FI == FD, 300, 0))
    PD, vPD = _ints(cols, "procure_done", 100)
    PP, vPP = _ints(cols, "procure_plan", 100)
    put("procure", vPD & vPP & (PP != 0), PD >= PP, np.where(PD >= PP, 300, hu(300 * PD, one(PP))))
    # a checklist: blank items left out, the answered ones scaled to the weight (7.6); a zero
    # budget (the rate item divides by zero): not applicable as a whole
    vdb, vdf = _given(cols, "disclosed_budget"), _given(cols, "disclosed_final")
    db, df = _is(cols, "disclosed_budget", True), _is(cols, "disclosed_final", True)
    earned = 200 * db + 200 * df + np.where(rv & ok95, 100, 0)
    base = 200 * vdb + 200 * vdf + 100 * rv
    zero = vB & vE & (B == 0)
    put("disclosure", ~zero & (base > 0), earned == base, hu(500 * earned, one(base)))
    CV["disclosure"] = (base, 500)  # (coverage: only the answered items, rule-language 7.6)
    AO, vAO = _ints(cols, "assets_ok", 1)
    AA, vAA = _ints(cols, "assets_all", 1)
    pa = 100 * np.clip(hu(3 * AO, one(AA)), 0, 3)
    put("assets", vAO & vAA & (AA != 0), pa == 300, pa)
    TT, vTT = _ints(cols, "transfer_timely", 10)
    put("transfer", _is(cols, "level", "city") & vTT, TT >= 900, np.where(TT >= 900, 400, 0))
    TD, vTD = _ints(cols, "tasks_done", 1)
    TN, vTN = _ints(cols, "tasks_plan", 1)
    kv, kok = vTD & vTN & (TN != 0), TD >= TN
    put("tasks", kv, kok, np.where(kok, 400, hu(400 * TD, one(TN))))
    put("tasks_all", kv, kok, np.where(kok, 400, 0))
    AC, vAC = _ints(cols, "actual_cost", 100)
    PC, vPC = _ints(cols, "plan_cost", 100)
    put("cost", vAC & vPC, AC <= PC, np.where(AC <= PC, 300, hu(300 * PC, one(AC))))
    Q, vQ = _ints(cols, "quality", 10)
    put("quality", vQ, Q >= 950, np.where(Q >= 950, 400, hu(400 * Q, 950)))
    pq = np.where(Q < 600, 0, np.where(Q < 900, 250, 500))
    put("quality_bands", vQ, pq == 500, pq)
    S, vS = _ints(cols, "satisfaction", 10)
    psat = np.where(S >= 950, 400, np.where(S >= 900, 320, np.where(S >= 800, 240, 0)))
    put("satisfaction", vS, psat == 400, psat)
    pp, rc = _is(cols, "perf_published", True), _is(cols, "rectified", True)
    vpp, vrc = _given(cols, "perf_published"), _given(cols, "rectified")
    earned, base = 200 * pp + 200 * rc, 200 * vpp + 200 * vrc
    put("perf_use", base > 0, earned == base, hu(400 * earned, one(base)))
    CV["perf_use"] = (base, 400)

    def group(gid: str, gw: int, agg: str, kids: list[Any]) -> None:
        for k in kids:
            if len(k) > 2:
                group(*k)
        live = np.zeros(len(B), bool)
        bad = np.zeros(len(B), bool)
        for k in kids:
            live |= V[k[0]]
            bad |= V[k[0]] & ~OK[k[0]]
        if agg == "sum":
            got = sum(P[k[0]] for k in kids)
            base = sum(np.where(V[k[0]], k[1], 0) for k in kids)
            p = np.where(base == gw, got, hu(got * gw, one(base)))
        else:
            lcm = int(np.lcm.reduce([k[1] for k in kids]))
            shares = [np.where(V[k[0]], P[k[0]] * (lcm // k[1]), -1) for k in kids]
            if agg == "mean":
                n = sum(V[k[0]].astype(np.int64) for k in kids)
                p = hu(gw * sum(np.maximum(s, 0) for s in shares), lcm * np.maximum(n, 1))
            else:
                low = np.min(np.where(np.array(shares) < 0, np.iinfo(np.int64).max, shares), 0)
                p = hu(gw * low, lcm)
        put(gid, live, ~bad, p)

    got = base = 0
    cover = 0  # coverage × 100 (the weights are whole numbers adding up to 100)
    for gid, gw, agg, kids in TREE:
        group(gid, gw, agg, kids)
        got = got + P[gid]
        base = base + np.where(V[gid], gw, 0)
        cover = cover + _cover(V, CV, gw, kids)
    total = np.where(base == 100, got, hu(got * 100, one(base)))
    total = np.where(base > 0, total, -1)
    grade = np.where(total >= 9000, 0, np.where(total >= 8000, 1, np.where(total >= 6000, 2, 3)))
    grade = np.where((total < 0) | (cover < 60 * _DEN), -1, grade)
    code = {r: np.where(V[r], np.where(OK[r], PASS, FAIL), NA).astype(np.int8) for r in P}
    return {"points": P, "outcome": code, "total": total, "grade": grade,
            "checks": _checks(cols, B, vB, E, vE, FI, vFI, FD, vFD)}  # fmt: skip


_DEN = 60  # coverage is kept over 100 × 60 (the weights' common denominators: 4, 40, 20, 16 …)


def _cover(V: dict[str, Any], C: dict[str, Any], gw: int, kids: list[Any]) -> Any:
    """This top group's share of the coverage, × 100 × :data:`_DEN` (exact: Σ w·cov / Σ w; a
    checklist's coverage: its answered items' points over all of them, ``C``)."""
    total_w = sum(k[1] for k in kids)
    out = 0
    for k in kids:
        if len(k) > 2:
            sub = sum(k2[1] for k2 in k[3])
            part = sum(np.where(V[c], w, 0) for c, w in k[3])
            out = out + part * k[1] * gw * _DEN // (sub * total_w)
        elif k[0] in C:
            num, den = C[k[0]]
            out = out + np.where(V[k[0]], k[1] * gw * _DEN * num // (den * total_w), 0)
        else:
            out = out + np.where(V[k[0]], k[1] * gw * _DEN // total_w, 0)
    return out


def _checks(cols: dict[str, Any], B: Any, vB: Any, E: Any, vE: Any, FI: Any, vFI: Any, FD: Any,
            vFD: Any) -> dict[str, Any]:  # fmt: skip
    BA, vBA = _ints(cols, "basic", 100)
    PR, vPR = _ints(cols, "project", 100)
    nat = np.where(vBA & vPR & vE, np.where(BA + PR == E, PASS, FAIL), NA)
    fwd = np.where(vFI & vFD, np.where(FI <= FD, PASS, FAIL), NA)
    low = 10 * E < 9 * B
    lre = np.where(
        vB & vE & (B != 0), np.where(low & ~_given(cols, "low_rate_reason"), FAIL, PASS), NA
    )
    return {k: x.astype(np.int8) for k, x in zip(CHECKS, (nat, fwd, lre), strict=True)}
