"""rev18's tight hand-written points baseline: straight-line Decimal code for the 40 leaves, the
16 groups and the total — comparisons cross-multiplied, one division per rounded quotient
(60-digit private context, so a quotient that ends is exact and one that does not is never a
half), blanks and bad cells handled inline.  Input: model.read_record(rec, model.DEC).
Output: ({rule_id: Decimal points or None}, total or None) — the shape of Evaluator.points.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

import model

_C = Context(prec=60)
_div = _C.divide
Q2 = Decimal("0.01")
Q4 = Decimal("0.0001")
D0, D1, D2, D3, D4 = (Decimal(i) for i in range(5))
D5, D6, D8, D9, D10, D12, D15, D25, D30, D100 = (Decimal(i) for i in (5, 6, 8, 9, 10, 12, 15, 25, 30, 100))
D095, D09, D098, D005, D05, D08, D06, D07, D03 = (Decimal(s) for s in ("0.95", "0.9", "0.98", "0.05", "0.5", "0.8",
                                                                      "0.6", "0.7", "0.3"))
D15_, D20, D90, D80, D70, D200 = Decimal("1.5"), Decimal(20), Decimal(90), Decimal(80), Decimal(70), Decimal(200)
MISSING = model.MISSING
NA = "na"
ERR = "err"
Bad = model._Bad


def _r(x):
    return x.quantize(Q2, rounding=ROUND_HALF_UP)


def _st(*xs):
    """NA / ERR / None (all present) for the values a rule reads."""
    st = None
    for x in xs:
        if x.__class__ is Bad:
            return ERR
        if x is MISSING:
            st = NA
    return st


def _ws(W, items):
    """weighted_sum with redistribution; items: (points|NA|ERR, weight)."""
    s = D0
    aw = D0
    for p, w in items:
        if p is ERR:
            return ERR
        if p is not NA:
            s += p
            aw += w
    if aw == 0:
        return NA
    return s if aw == W else _r(_div(s * W, aw))


def points(v):
    P = {}
    bi, bf, ex = v["budget_initial"], v["budget_final"], v["executed"]
    req_bad = bi.__class__ is Bad or bf.__class__ is Bad or ex.__class__ is Bad

    # d_goal_reason: tier from 评审等次, ratio given or the tier's default
    vd, r = v["verdict"], v["goal_ratio"]
    s = _st(vd, r if r is not MISSING else D0)
    if s is not None:
        p = s
    else:
        if vd == "达成":
            lo, hi, inc, dflt = D08, D1, True, D1
        elif vd == "部分达成":
            lo, hi, inc, dflt = D06, D08, False, D07
        else:
            lo, hi, inc, dflt = D0, D06, False, D03
        if r is MISSING:
            p = _r(D3 * dflt)
        elif r < lo or r > hi or (r == hi and not inc):
            p = ERR
        else:
            p = _r(D3 * r)
    P["d_goal_reason"] = p
    ct = v["clear_tier"]
    s = _st(ct)
    P["d_goal_clear"] = s if s is not None else (D3 if ct == "achieved" else _r(D3 * D06) if ct == "partial" else D0)
    P["d_goal"] = _ws(D6, ((P["d_goal_reason"], D3), (P["d_goal_clear"], D3)))

    # d_budget_dev: bands on |bf - bi| / bi
    if req_bad:
        p = ERR
    elif bi == 0:
        p = ERR
    else:
        dev = abs(bf - bi)
        p = D3 if dev == 0 else D2 if dev * D100 <= D5 * bi else D1 if dev * D100 <= D10 * bi else D0
    P["d_budget_dev"] = p
    det = v["detail_amt"]
    s = _st(det, bi)
    P["d_budget_detail"] = s if s is not None else (ERR if bi == 0 else (D2 if det * D100 >= 95 * bi else D0))
    pin, ptot = v["proj_in_lib"], v["proj_total"]
    s = _st(pin, ptot)
    if s is not None:
        p = s
    elif ptot == 0:
        p = NA
    elif pin >= ptot:
        p = D1
    elif pin <= 0:
        p = D0
    else:
        p = _r(_div(pin, ptot))
    P["d_proj_lib"] = p
    pcv = v["perf_cover"]
    s = _st(pcv)
    P["d_perf_cover"] = s if s is not None else (D1 if pcv == D1 else D0)
    earned = answered = D0
    p = None
    for name, pts in (("disclosed_budget", D1), ("disclosed_final", D05), ("disclosed_perf", D05)):
        x = v[name]
        if x.__class__ is Bad:
            p = ERR
            break
        if x is MISSING:
            continue
        answered += pts
        if x:
            earned += pts
    if p is None:
        p = NA if answered == 0 else (earned if answered == D2 else _r(_div(D2 * earned, answered)))
    P["d_disclose"] = p
    P["d_budgeting"] = _ws(D9, ((P["d_budget_dev"], D3), (P["d_budget_detail"], D2), (P["d_proj_lib"], D1),
                                (P["d_perf_cover"], D1), (P["d_disclose"], D2)))
    P["decision"] = _ws(D15, ((P["d_goal"], D6), (P["d_budgeting"], D9)))

    # process
    if req_bad or bf == 0:
        p = ERR
    elif ex >= bf:
        p = D4
    else:
        steps = math.ceil(_div((bf - ex) * D100, bf))
        p = max(D0, D4 - D05 * steps)
        p = _r(p)
    P["p_exec"] = p
    h1 = v["executed_h1"]
    s = _st(h1, bf)
    P["p_exec_h1"] = s if s is not None else (ERR if bf == 0 else (D2 if h1 * D2 >= bf else D0))
    adj = v["adjust_amt"]
    s = _st(adj, bi)
    if s is not None:
        p = s
    elif bi == 0:
        p = ERR
    else:
        a = abs(adj)
        p = D2 if a == 0 else max(D0, _r(D2 - _div(a * D20, bi)))
    P["p_adjust"] = p
    car = v["carryover"]
    s = _st(car, bf)
    if s is not None:
        p = s
    elif bf == 0:
        p = ERR
    else:
        c100 = car * D100
        p = D2 if car == 0 else D15_ if c100 <= D5 * bf else D1 if c100 <= D10 * bf else D05 if c100 <= D20 * bf else D0
    P["p_carry"] = p
    h = v["exec_hist"]
    if h.__class__ is Bad:
        p1 = p2 = ERR
    elif h is MISSING:
        p1 = p2 = NA
    else:
        last = max(h)
        a, b, c = h.get(last - 2, MISSING), h.get(last - 1, MISSING), h.get(last, MISSING)
        if a is MISSING or b is MISSING or c is MISSING:
            p1 = ERR
        else:
            p1 = D1 if _div(a + b + c, D3).quantize(Q4, rounding=ROUND_HALF_UP) >= D09 else D0
        n = 0
        for x in (a, b, c):
            if x is not MISSING and Decimal("0.95") <= x <= Decimal("1.05"):
                n += 1
        p2 = D1 if n >= 2 else D0
    P["p_exec_hist"], P["p_exec_stable"] = p1, p2
    P["p_exec_grp"] = _ws(D12, ((P["p_exec"], D4), (P["p_exec_h1"], D2), (P["p_adjust"], D2), (P["p_carry"], D2),
                               (p1, D1), (p2, D1)))

    ta, tb = v["three_public_actual"], v["three_public_budget"]
    s = _st(ta, tb)
    if s is not None:
        p = s
    elif tb == 0:
        p = NA
    elif ta <= tb:
        p = D3
    else:
        p = max(D0, _r(D3 - _div((ta - tb) * D10, tb)))
    P["p_three_public"] = p
    sa, sz = v["staff_actual"], v["staff_authorised"]
    s = _st(sa, sz)
    P["p_staff"] = s if s is not None else (D2 if sa - sz <= (D1 if 0 < sz < 50 else D0) else D0)
    pa, pp = v["procure_actual"], v["procure_plan"]
    s = _st(pa, pp)
    if s is not None:
        p = s
    elif pp == 0:
        p = NA
    elif pa == pp:
        p = D3
    else:
        p = _r(max(D0, _div(D3 * (pp - abs(pa - pp)), abs(pp))))
    P["p_procure"] = p
    # mean group
    items = ((P["p_three_public"], D3), (P["p_staff"], D2), (P["p_procure"], D3))
    if any(x is ERR for x, _ in items):
        P["p_cost"] = ERR
    else:
        app = [(x, w) for x, w in items if x is not NA]
        P["p_cost"] = NA if not app else _r(_div(D8 * sum(_div(x, w) for x, w in app), Decimal(len(app))))

    earned = answered = D0
    p = None
    for name, pts in (("sys_finance", D1), ("sys_asset", D1), ("sys_procure", D05), ("sys_contract", D05)):
        x = v[name]
        if x.__class__ is Bad:
            p = ERR
            break
        if x is MISSING:
            continue
        answered += pts
        if x:
            earned += pts
    P["p_systems"] = p if p is not None else earned
    au, at = v["assets_used"], v["assets_total"]
    s = _st(au, at)
    if s is not None:
        p = s
    elif at == 0:
        p = ERR
    elif au * D10 >= D9 * at:
        p = D2
    elif au <= 0:
        p = D0
    else:
        p = _r(_div(au * D20, at * D9))
    P["p_asset"] = p
    ai, af = v["audit_issues"], v["audit_fixed"]
    s = _st(ai)
    if s is not None:
        p = s
    elif not ai > 0:
        p = NA
    else:
        s = _st(af)
        p = s if s is not None else (D2 if af >= ai else D0 if af <= 0 else _r(_div(D2 * af, ai)))
    P["p_audit"] = p
    mt = v["monitor_times"]
    s = _st(mt)
    P["p_monitor"] = s if s is not None else _r(min(D3, max(D0, _div(mt * D3, D4))))
    P["p_mgmt"] = _ws(D10, ((P["p_systems"], D3), (P["p_asset"], D2), (P["p_audit"], D2), (P["p_monitor"], D3)))
    P["process"] = _ws(D30, ((P["p_exec_grp"], D12), (P["p_cost"], D8), (P["p_mgmt"], D10)))

    # output
    for lid, dn, pn in (("o_road", "road_km_done", "road_km_plan"), ("o_rural", "rural_km_done", "rural_km_plan")):
        dd, pl = v[dn], v[pn]
        s = _st(dd, pl)
        if s is not None:
            p = s
        elif pl == 0:
            p = ERR
        elif dd >= pl:
            p = D3
        elif dd <= 0:
            p = D0
        else:
            p = _r(_div(D3 * dd, pl))
        P[lid] = p
    bd, bp = v["bridge_done"], v["bridge_plan"]
    s = _st(bd, bp)
    P["o_bridge"] = s if s is not None else (D2 if bd >= bp else D0)
    bn, bu = v["bus_new"], v["bus_plan"]
    s = _st(bn, bu)
    P["o_bus"] = s if s is not None else (D2 if bn >= bu else max(D0, D2 - (bu - bn)))
    x = v["signs_rate"]
    s = _st(x)
    P["o_signs"] = s if s is not None else (D2 if x >= D095 else D0 if x <= 0 else _r(_div(D2 * x, D095)))
    P["o_qty"] = _ws(D12, ((P["o_road"], D3), (P["o_rural"], D3), (P["o_bridge"], D2), (P["o_bus"], D2), (P["o_signs"], D2)))
    x = v["quality_rate"]
    s = _st(x)
    P["o_q_pass"] = s if s is not None else (D4 if x >= D098 else D0)
    x = v["pqi"]
    s = _st(x)
    P["o_q_pqi"] = s if s is not None else (D4 if x >= D90 else D3 if x >= D80 else D2 if x >= D70 else D0)
    items = ((P["o_q_pass"], D4), (P["o_q_pqi"], D4))
    if any(x is ERR for x, _ in items):
        P["o_quality"] = ERR
    else:
        app = [_div(x, w) for x, w in items if x is not NA]
        P["o_quality"] = NA if not app else _r(D8 * min(app))
    x = v["ontime_rate"]
    s = _st(x)
    P["o_ontime"] = s if s is not None else (D3 if x >= D1 else max(D1, D3 - math.ceil(_div(D1 - x, D005))))
    x = v["pay_rate"]
    s = _st(x)
    P["o_pay"] = s if s is not None else (D2 if x >= D095 else D0)
    P["o_time"] = _ws(D5, ((P["o_ontime"], D3), (P["o_pay"], D2)))
    ua, up = v["unit_cost_actual"], v["unit_cost_plan"]
    s = _st(ua, up)
    P["o_unit_cost"] = s if s is not None else (D3 if ua <= up else D0 if (ua <= 0 or up < 0) else _r(_div(D3 * up, ua)))
    cb, ca = v["cost_budget"], v["cost_actual"]
    s = _st(cb, ca)
    P["o_cost_save"] = s if s is not None else (ERR if cb == 0 else (D2 if cb - ca >= 0 else D0))
    P["o_cost"] = _ws(D5, ((P["o_unit_cost"], D3), (P["o_cost_save"], D2)))
    P["output"] = _ws(D30, ((P["o_qty"], D12), (P["o_quality"], D8), (P["o_time"], D5), (P["o_cost"], D5)))

    # effect
    x = v["accidents"]
    s = _st(x)
    P["e_accidents"] = s if s is not None else (D3 if x <= 0 else max(D0, D3 - D15_ * x))
    lv, cg = v["level"], v["congestion_drop"]
    s = _st(lv)
    if s is not None:
        p = s
    elif lv != "市本级":
        p = NA
    else:
        s = _st(cg)
        p = s if s is not None else (D2 if cg >= D005 else D0)
    P["e_congestion"] = p
    ph = v["pax_hist"]
    if ph.__class__ is Bad:
        p = ERR
    elif ph is MISSING:
        p = NA
    else:
        a, b = ph.get(2025, MISSING), ph.get(2024, MISSING)
        if a is MISSING or b is MISSING or b == 0:
            p = NA
        else:
            g = _div(a - b, b)
            p = D3 if g >= Decimal("0.03") else D0 if g <= 0 else _r(_div(D100 * (a - b), b))
    P["e_traffic"] = p
    x = v["overload_rate"]
    s = _st(x)
    P["e_overload"] = s if s is not None else (D2 if x <= Decimal("0.02") else
                                               max(D0, D2 - D05 * math.floor(_div(x - Decimal("0.02"), Decimal("0.005")))))
    P["e_social"] = _ws(D10, ((P["e_accidents"], D3), (P["e_congestion"], D2), (P["e_traffic"], D3), (P["e_overload"], D2)))
    mtier, ms = v["maint_tier"], v["maint_score"]
    s = _st(mtier, ms if ms is not MISSING else D0)
    if s is not None:
        p = s
    else:
        if mtier == "good":
            lo, hi, inc, dflt = D08, D1, True, D1
        elif mtier == "fair":
            lo, hi, inc, dflt = D06, D08, False, D07
        else:
            lo, hi, inc, dflt = D0, D06, False, D03
        if ms is MISSING:
            p = _r(D3 * dflt)
        else:
            rr = _div(ms, D100)
            p = ERR if (rr < lo or rr > hi or (rr == hi and not inc)) else _r(D3 * rr)
    P["e_maint"] = p
    evb, tbs = v["ev_buses"], v["total_buses"]
    s = _st(evb, tbs)
    if s is not None:
        p = s
    elif tbs == 0:
        p = ERR
    else:
        e10 = evb * D10
        p = D2 if e10 >= D8 * tbs else D15_ if e10 >= D6 * tbs else D1 if e10 >= D4 * tbs else D0
    P["e_green"] = p
    P["e_sustain"] = _ws(D5, ((P["e_maint"], D3), (P["e_green"], D2)))
    x = v["sat_public"]
    s = _st(x)
    P["e_sat_public"] = s if s is not None else (D4 if x >= D09 else D0 if x <= 0 else _r(_div(D4 * x, D09)))
    x = v["sat_firm"]
    s = _st(x)
    P["e_sat_firm"] = s if s is not None else (D3 if x >= D09 else D2 if x >= D08 else D1 if x >= D06 else D0)
    cp, cl = v["complaints"], v["complaints_closed"]
    s = _st(cp)
    if s is not None:
        p = s
    elif not cp > 0:
        p = NA
    else:
        s = _st(cl)
        p = s if s is not None else (D3 if cl == cp else D0)
    P["e_complaints"] = p
    items = ((P["e_sat_public"], D4), (P["e_sat_firm"], D3), (P["e_complaints"], D3))
    if any(x is ERR for x, _ in items):
        P["e_satisfy"] = ERR
    else:
        app = [(x, w) for x, w in items if x is not NA]
        P["e_satisfy"] = NA if not app else _r(_div(D10 * sum(_div(x, w) for x, w in app), Decimal(len(app))))
    P["effect"] = _ws(D25, ((P["e_social"], D10), (P["e_sustain"], D5), (P["e_satisfy"], D10)))
    tot = _ws(D100, ((P["decision"], D15), (P["process"], D30), (P["output"], D30), (P["effect"], D25)))
    out = {k: (None if (x is NA or x is ERR) else _r(x)) for k, x in P.items()}
    return out, (None if (tot is NA or tot is ERR) else tot)


W = {"d_goal_reason": D3, "d_goal_clear": D3, "d_budget_dev": D3, "d_budget_detail": D2, "d_proj_lib": D1,
     "d_perf_cover": D1, "d_disclose": D2, "p_exec": D4, "p_exec_h1": D2, "p_adjust": D2, "p_carry": D2,
     "p_exec_hist": D1, "p_exec_stable": D1, "p_three_public": D3, "p_staff": D2, "p_procure": D3,
     "p_systems": D3, "p_asset": D2, "p_audit": D2, "p_monitor": D3, "o_road": D3, "o_rural": D3, "o_bridge": D2,
     "o_bus": D2, "o_signs": D2, "o_q_pass": D4, "o_q_pqi": D4, "o_ontime": D3, "o_pay": D2, "o_unit_cost": D3,
     "o_cost_save": D2, "e_accidents": D3, "e_congestion": D2, "e_traffic": D3, "e_overload": D2, "e_maint": D3,
     "e_green": D2, "e_sat_public": D4, "e_sat_firm": D3, "e_complaints": D3}
TREE = {"d_goal": ("d_goal_reason", "d_goal_clear"),
        "d_budgeting": ("d_budget_dev", "d_budget_detail", "d_proj_lib", "d_perf_cover", "d_disclose"),
        "decision": ("d_goal", "d_budgeting"),
        "p_exec_grp": ("p_exec", "p_exec_h1", "p_adjust", "p_carry", "p_exec_hist", "p_exec_stable"),
        "p_cost": ("p_three_public", "p_staff", "p_procure"),
        "p_mgmt": ("p_systems", "p_asset", "p_audit", "p_monitor"),
        "process": ("p_exec_grp", "p_cost", "p_mgmt"),
        "o_qty": ("o_road", "o_rural", "o_bridge", "o_bus", "o_signs"), "o_quality": ("o_q_pass", "o_q_pqi"),
        "o_time": ("o_ontime", "o_pay"), "o_cost": ("o_unit_cost", "o_cost_save"),
        "output": ("o_qty", "o_quality", "o_time", "o_cost"),
        "e_social": ("e_accidents", "e_congestion", "e_traffic", "e_overload"), "e_sustain": ("e_maint", "e_green"),
        "e_satisfy": ("e_sat_public", "e_sat_firm", "e_complaints"), "effect": ("e_social", "e_sustain", "e_satisfy")}


def _short(v, lid):
    """Full marks but the standard not met (a quotient that rounds up to the weight, a part step)."""
    g = v.get
    if lid == "d_proj_lib":
        return g("proj_in_lib") < g("proj_total")
    if lid == "p_procure":
        return g("procure_actual") != g("procure_plan")
    if lid == "p_asset":
        return g("assets_used") * D10 < D9 * g("assets_total")
    if lid == "p_audit":
        return g("audit_fixed") < g("audit_issues")
    if lid == "o_road":
        return g("road_km_done") < g("road_km_plan")
    if lid == "o_rural":
        return g("rural_km_done") < g("rural_km_plan")
    if lid == "o_signs":
        return g("signs_rate") < D095
    if lid == "o_unit_cost":
        return g("unit_cost_actual") > g("unit_cost_plan")
    if lid == "e_traffic":
        s = g("pax_hist")
        return (s[2025] - s[2024]) * D100 < Decimal(3) * s[2024] if s[2024] > 0 else False
    if lid == "e_sat_public":
        return g("sat_public") < D09
    if lid == "p_adjust":
        return g("adjust_amt") != 0
    if lid == "p_three_public":
        return g("three_public_actual") > g("three_public_budget")
    if lid == "e_overload":
        return g("overload_rate") > Decimal("0.02")
    return False


def full(v):
    """{rule: (outcome, points)} for every leaf and group, the shape model.Scorer gives."""
    P, tot = points(v)
    R = {}
    for lid, w in W.items():
        p = P[lid]
        if p is None:
            R[lid] = ("na", None)  # (errors and not applicable alike: texts only)
        elif lid == "d_goal_reason":
            R[lid] = ("pass" if p >= Decimal("2.4") else "fail", p)
        else:
            R[lid] = ("pass" if (p == w and not _short(v, lid)) else "fail", p)
    for gid in ("d_goal", "d_budgeting", "decision", "p_exec_grp", "p_cost", "p_mgmt", "process", "o_qty",
                "o_quality", "o_time", "o_cost", "output", "e_social", "e_sustain", "e_satisfy", "effect"):
        p = P[gid]
        R[gid] = ("na", None) if p is None else (
            "pass" if all(R[c][0] in ("pass", "na") for c in TREE[gid]) else "fail", p)
    return R, tot
