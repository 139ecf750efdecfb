"""rev18's hand-written exact numpy baseline for rules/rev18-jtj-dept.yaml — no perfscore code.

Every amount is an integer at a fixed scale (万元 × 10^4, rates × 10^4, km × 10^3, 元 × 10^2,
PQI and scores × 10^2, 客运量 × 10^3); a quotient compared with a line is cross-multiplied; a
rounded quotient is one integer floor division ((2n + d) // 2d, half up); points are cents.
``score(table)`` -> dict with points/outcome per rule, total, grade, checks, and ``inexact``:
rows holding a figure with more decimals than its scale (none in rev18's data; such a row would
need a per-record path).  ``score_chunked(table, 131072)`` runs it chunk by chunk.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

P, F, NA, E = 0, 1, 2, 3
MONEY, RATE, KM, YUAN, HUND, PAX = 10_000, 10_000, 1_000, 100, 100, 1_000


class Cols:
    def __init__(self, t: pa.Table):
        self.t = t
        self.n = t.num_rows
        self.inexact = np.zeros(self.n, bool)

    def num(self, name, scale, pct=False):
        col = self.t.column(name)
        valid = col.is_valid().to_numpy(zero_copy_only=False) if col.null_count else np.ones(self.n, bool)
        if pa.types.is_integer(col.type):
            k = pc.fill_null(col, 0).to_numpy(zero_copy_only=False).astype(np.int64)
            return k * (scale // (100 if pct else 1)), valid
        x = pc.fill_null(col, 0.0).to_numpy(zero_copy_only=False)
        s = scale // 100 if pct else scale  # percentage points -> ratio at `scale`
        y = x * s
        k = np.rint(y)
        bad = (k / s != x) & valid
        if bad.any():
            self.inexact |= bad
        return k.astype(np.int64), valid

    def flag(self, name):
        col = self.t.column(name)
        valid = col.is_valid().to_numpy(zero_copy_only=False)
        val = pc.fill_null(col, False).to_numpy(zero_copy_only=False)
        return val, valid

    def text_eq(self, name, word):
        col = self.t.column(name)
        return pc.fill_null(pc.equal(col, word), False).to_numpy(zero_copy_only=False)

    def valid(self, name):
        col = self.t.column(name)
        return col.is_valid().to_numpy(zero_copy_only=False) if col.null_count else np.ones(self.n, bool)


def rdiv(n, d):
    """n / d rounded half up (n >= 0, d > 0)."""
    d = np.where(d == 0, 1, d)
    return (2 * n + d) // (2 * d)


def leaf(out_ok, pts, pass_mask, na_mask=None, err_mask=None):
    out = np.where(pass_mask, P, F).astype(np.int8)
    if na_mask is not None:
        out[na_mask] = NA
    if err_mask is not None:
        out[err_mask] = E
    pts = np.where((out == P) | (out == F), pts, 0)
    return pts, out


def prop_higher(w, x, t_num, t_den):
    """value x (scaled), target t_num/t_den at the same scale: met if x·t_den ≥ t_num."""
    met = x * t_den >= t_num
    p = np.where(met, w * 100, np.where(x <= 0, 0, rdiv(np.maximum(x, 0) * w * 100 * t_den, np.where(t_num <= 0, 1, t_num))))
    return p, met


def group(children, W, agg="weighted_sum"):
    outs = np.stack([c[1] for c in children])
    pts = np.stack([c[0] for c in children])
    ws = np.array([c[2] for c in children], dtype=np.int64)[:, None]
    err = (outs == E).any(0)
    app = (outs == P) | (outs == F)
    none = ~app.any(0)
    allpass = ((outs == P) | (outs == NA)).all(0)
    if agg == "weighted_sum":
        s = np.where(app, pts, 0).sum(0)
        aw = np.where(app, ws, 0).sum(0)
        p = np.where(aw == W, s, rdiv(s * W, aw))
    elif agg == "mean":
        L = int(np.lcm.reduce(ws[:, 0]))
        num = np.where(app, pts * (L // ws), 0).sum(0) * W
        k = app.sum(0)
        p = rdiv(num, L * k)
    else:  # weakest_link
        L = int(np.lcm.reduce(ws[:, 0]))
        sh = np.where(app, pts * (L // ws), np.iinfo(np.int64).max)
        p = rdiv(sh.min(0) * W, np.full(sh.shape[1], L))
    out = np.where(allpass, P, F).astype(np.int8)
    out[none] = NA
    out[err] = E
    p = np.where((out == P) | (out == F), p, 0)
    return p, out, W


def score(t: pa.Table, plugin: bool = True) -> dict:
    """plugin=False: rules/rev18-jtj-dept-noplugin.yaml (p_staff's target 0)."""
    c = Cols(t)
    n = c.n
    R = {}
    cov = np.zeros(n, np.int64)  # covered weight, cents

    def put(lid, w, pts, out):
        R[lid] = (pts, out, w)
        nonlocal cov
        cov = cov + np.where((out == P) | (out == F), w * 100, 0)

    bi, _ = c.num("budget_initial", MONEY)
    bf, _ = c.num("budget_final", MONEY)
    ex, _ = c.num("executed", MONEY)

    # ---- decision
    vd_ok = c.valid("verdict")
    ach, part = c.text_eq("verdict", "达成"), c.text_eq("verdict", "部分达成")
    r, rv = c.num("goal_ratio", RATE)
    lo = np.where(ach, 8000, np.where(part, 6000, 0))
    hi = np.where(ach, 10000, np.where(part, 8000, 6000))
    hi_inc = ach
    dflt = np.where(ach, 10000, np.where(part, 7000, 3000))
    outside = rv & ((r < lo) | (r > hi) | ((r == hi) & ~hi_inc))
    ratio = np.where(rv, r, dflt)
    p = rdiv(3 * ratio, 100)
    put("d_goal_reason", 3, *leaf(None, p, p >= 240, ~vd_ok, vd_ok & outside))
    ct_ok = c.valid("clear_tier")
    ca, cp_ = c.text_eq("clear_tier", "achieved"), c.text_eq("clear_tier", "partial")
    p = np.where(ca, 300, np.where(cp_, 180, 0))
    put("d_goal_clear", 3, *leaf(None, p, p == 300, ~ct_ok))
    R["d_goal"] = group([R["d_goal_reason"], R["d_goal_clear"]], 6)

    dev = np.abs(bf - bi)
    p = np.where(dev == 0, 300, np.where(dev * 100 <= 5 * bi, 200, np.where(dev * 100 <= 10 * bi, 100, 0)))
    put("d_budget_dev", 3, *leaf(None, p, p == 300, None, bi == 0))
    det, detv = c.num("detail_amt", MONEY)
    met = det * 100 >= 95 * bi
    put("d_budget_detail", 2, *leaf(None, np.where(met, 200, 0), met, ~detv, detv & (bi == 0)))
    pin, pinv = c.num("proj_in_lib", 1)
    ptot, ptv = c.num("proj_total", 1)
    p, met = prop_higher(1, pin, ptot, 1)
    put("d_proj_lib", 1, *leaf(None, p, met, ~(pinv & ptv) | (ptot == 0)))
    pc_, pcv = c.num("perf_cover", RATE, pct=True)
    met = pc_ == 10000
    put("d_perf_cover", 1, *leaf(None, np.where(met, 100, 0), met, ~pcv))
    # checklist, blanks not applicable -> redistributed over the answered items
    earned = np.zeros(n, np.int64)
    answered = np.zeros(n, np.int64)
    for name, pts in (("disclosed_budget", 100), ("disclosed_final", 50), ("disclosed_perf", 50)):
        val, v = c.flag(name)
        answered += np.where(v, pts, 0)
        earned += np.where(v & val, pts, 0)
    p = np.where(answered == 200, earned, rdiv(200 * earned, answered))
    out = np.where(p == 200, P, F).astype(np.int8)
    out[answered == 0] = NA
    R["d_disclose"] = (np.where(out != NA, p, 0), out, 2)
    cov += answered
    R["d_budgeting"] = group([R[k] for k in ("d_budget_dev", "d_budget_detail", "d_proj_lib", "d_perf_cover", "d_disclose")], 9)
    R["decision"] = group([R["d_goal"], R["d_budgeting"]], 15)

    # ---- process
    short = bf - ex
    steps = -((-(100 * short)) // np.where(bf == 0, 1, bf))  # ceil
    p = np.where(short <= 0, 400, np.maximum(0, 400 - 50 * steps))
    put("p_exec", 4, *leaf(None, p, short <= 0, None, bf == 0))
    h1, h1v = c.num("executed_h1", MONEY)
    met = 2 * h1 >= bf
    put("p_exec_h1", 2, *leaf(None, np.where(met, 200, 0), met, ~h1v, h1v & (bf == 0)))
    adj, adjv = c.num("adjust_amt", MONEY)
    a = np.abs(adj)
    num = 200 * bi - 2000 * a
    p = np.where(a == 0, 200, np.where(num <= 0, 0, rdiv(np.maximum(num, 0), bi)))
    put("p_adjust", 2, *leaf(None, p, a == 0, ~adjv, adjv & (bi == 0)))
    car, carv = c.num("carryover", MONEY)
    p = np.where(car == 0, 200, np.where(car * 100 <= 5 * bf, 150, np.where(car * 100 <= 10 * bf, 100,
                 np.where(car * 100 <= 20 * bf, 50, 0))))
    put("p_carry", 2, *leaf(None, p, p == 200, ~carv, carv & (bf == 0)))
    ys = [c.num(f"exec_hist_{y}", RATE, pct=True) for y in (2023, 2024, 2025)]
    anyv = ys[0][1] | ys[1][1] | ys[2][1]
    allv = ys[0][1] & ys[1][1] & ys[2][1]
    m = (2 * (ys[0][0] + ys[1][0] + ys[2][0]) + 3) // 6
    met = m >= 9000
    put("p_exec_hist", 1, *leaf(None, np.where(met, 100, 0), met, ~anyv, anyv & ~allv))
    cnt = sum(((x >= 9500) & (x <= 10500) & v).astype(np.int64) for x, v in ys)
    met = cnt >= 2
    put("p_exec_stable", 1, *leaf(None, np.where(met, 100, 0), met, ~anyv))
    R["p_exec_grp"] = group([R[k] for k in ("p_exec", "p_exec_h1", "p_adjust", "p_carry", "p_exec_hist", "p_exec_stable")], 12)

    tpa, tpav = c.num("three_public_actual", MONEY)
    tpb, tpbv = c.num("three_public_budget", MONEY)
    over = tpa - tpb
    num = 300 * tpb - 1000 * over
    p = np.where(over <= 0, 300, np.where(num <= 0, 0, rdiv(np.maximum(num, 0), tpb)))
    put("p_three_public", 3, *leaf(None, p, over <= 0, ~(tpav & tpbv) | (tpb == 0)))
    sa, sav = c.num("staff_actual", 1)
    sz, szv = c.num("staff_authorised", 1)
    tol = np.where((sz > 0) & (sz < 50), 1, 0) if plugin else 0
    met = sa - sz <= tol
    put("p_staff", 2, *leaf(None, np.where(met, 200, 0), met, ~(sav & szv)))
    pa_, pav = c.num("procure_actual", MONEY)
    pp, ppv = c.num("procure_plan", MONEY)
    d = np.abs(pa_ - pp)
    num = 300 * (pp - d)
    p = np.where(d == 0, 300, np.where(num <= 0, 0, rdiv(np.maximum(num, 0), pp)))
    put("p_procure", 3, *leaf(None, p, d == 0, ~(pav & ppv) | (pp == 0)))
    R["p_cost"] = group([R[k] for k in ("p_three_public", "p_staff", "p_procure")], 8, "mean")

    earned = np.zeros(n, np.int64)
    answered = np.zeros(n, np.int64)
    for name, pts in (("sys_finance", 100), ("sys_asset", 100), ("sys_procure", 50), ("sys_contract", 50)):
        val, v = c.flag(name)
        answered += np.where(v, pts, 0)
        earned += np.where(v & val, pts, 0)
    out = np.where(earned == 300, P, F).astype(np.int8)  # missing: zero -> never not applicable
    R["p_systems"] = (earned, out, 3)
    cov += answered
    au, auv = c.num("assets_used", MONEY)
    at, atv = c.num("assets_total", MONEY)
    met = 10 * au >= 9 * at
    p = np.where(met, 200, np.where(au <= 0, 0, rdiv(2000 * np.maximum(au, 0), 9 * np.where(at == 0, 1, at))))
    put("p_asset", 2, *leaf(None, p, met, ~(auv & atv), auv & atv & (at == 0)))
    ai, aiv = c.num("audit_issues", 1)
    af, afv = c.num("audit_fixed", 1)
    p, met = prop_higher(2, af, ai, 1)
    put("p_audit", 2, *leaf(None, p, met, ~aiv | (ai <= 0) | ~afv))
    mt, mtv = c.num("monitor_times", 1)
    p = np.clip(75 * mt, 0, 300)
    put("p_monitor", 3, *leaf(None, p, p == 300, ~mtv))
    R["p_mgmt"] = group([R[k] for k in ("p_systems", "p_asset", "p_audit", "p_monitor")], 10)
    R["process"] = group([R["p_exec_grp"], R["p_cost"], R["p_mgmt"]], 30)

    # ---- output
    for lid, dn, pn in (("o_road", "road_km_done", "road_km_plan"), ("o_rural", "rural_km_done", "rural_km_plan")):
        dd, dv = c.num(dn, KM)
        pl, plv = c.num(pn, KM)
        p, met = prop_higher(3, dd, pl, 1)
        put(lid, 3, *leaf(None, p, met, ~(dv & plv), dv & plv & (pl == 0)))
    bd, bdv = c.num("bridge_done", 1)
    bp, bpv = c.num("bridge_plan", 1)
    met = bd >= bp
    put("o_bridge", 2, *leaf(None, np.where(met, 200, 0), met, ~(bdv & bpv)))
    bn, bnv = c.num("bus_new", 1)
    bu, buv = c.num("bus_plan", 1)
    p = np.where(bn >= bu, 200, np.maximum(0, 200 - 100 * (bu - bn)))
    put("o_bus", 2, *leaf(None, p, bn >= bu, ~(bnv & buv)))
    x, xv = c.num("signs_rate", RATE, pct=True)
    p, met = prop_higher(2, x, 9500, 1)
    put("o_signs", 2, *leaf(None, p, met, ~xv))
    R["o_qty"] = group([R[k] for k in ("o_road", "o_rural", "o_bridge", "o_bus", "o_signs")], 12)
    x, xv = c.num("quality_rate", RATE, pct=True)
    put("o_q_pass", 4, *leaf(None, np.where(x >= 9800, 400, 0), x >= 9800, ~xv))
    x, xv = c.num("pqi", HUND)
    p = np.where(x >= 9000, 400, np.where(x >= 8000, 300, np.where(x >= 7000, 200, 0)))
    put("o_q_pqi", 4, *leaf(None, p, p == 400, ~xv))
    R["o_quality"] = group([R["o_q_pass"], R["o_q_pqi"]], 8, "weakest_link")
    x, xv = c.num("ontime_rate", RATE, pct=True)
    steps = -((-(10000 - x)) // 500)
    p = np.where(x >= 10000, 300, np.maximum(100, 300 - 100 * steps))
    put("o_ontime", 3, *leaf(None, p, x >= 10000, ~xv))
    x, xv = c.num("pay_rate", RATE, pct=True)
    put("o_pay", 2, *leaf(None, np.where(x >= 9500, 200, 0), x >= 9500, ~xv))
    R["o_time"] = group([R["o_ontime"], R["o_pay"]], 5)
    ua, uav = c.num("unit_cost_actual", YUAN)
    up, upv = c.num("unit_cost_plan", YUAN)
    met = ua <= up
    p = np.where(met, 300, np.where((ua <= 0) | (up < 0), 0, rdiv(300 * np.maximum(up, 0), np.where(ua <= 0, 1, ua))))
    put("o_unit_cost", 3, *leaf(None, p, met, ~(uav & upv)))
    cb, cbv = c.num("cost_budget", MONEY)
    ca_, cav = c.num("cost_actual", MONEY)
    met = cb - ca_ >= 0
    put("o_cost_save", 2, *leaf(None, np.where(met, 200, 0), met, ~(cbv & cav), cbv & cav & (cb == 0)))
    R["o_cost"] = group([R["o_unit_cost"], R["o_cost_save"]], 5)
    R["output"] = group([R[k] for k in ("o_qty", "o_quality", "o_time", "o_cost")], 30)

    # ---- effect
    x, xv = c.num("accidents", 1)
    p = np.where(x <= 0, 300, np.maximum(0, 300 - 150 * x))
    put("e_accidents", 3, *leaf(None, p, x <= 0, ~xv))
    city = c.text_eq("level", "市本级")
    x, xv = c.num("congestion_drop", RATE, pct=True)
    met = x >= 500
    put("e_congestion", 2, *leaf(None, np.where(met, 200, 0), met, ~city | ~xv))
    y24, v24 = c.num("pax_hist_2024", PAX)
    y25, v25 = c.num("pax_hist_2025", PAX)
    g = y25 - y24
    pos = y24 > 0
    met = np.where(pos, 100 * g >= 3 * y24, 100 * g <= 3 * y24)
    gpos = np.where(pos, g > 0, g < 0)
    p = np.where(met, 300, np.where(~gpos, 0, rdiv(10000 * np.abs(g), np.abs(y24))))
    put("e_traffic", 3, *leaf(None, p, met, ~(v24 & v25) | (y24 == 0)))
    x, xv = c.num("overload_rate", RATE, pct=True)
    steps = np.maximum(x - 200, 0) // 50
    p = np.where(x <= 200, 200, np.maximum(0, 200 - 50 * steps))
    put("e_overload", 2, *leaf(None, p, x <= 200, ~xv))
    R["e_social"] = group([R[k] for k in ("e_accidents", "e_congestion", "e_traffic", "e_overload")], 10)
    mtv_ = c.valid("maint_tier")
    good, fair = c.text_eq("maint_tier", "good"), c.text_eq("maint_tier", "fair")
    s, sv = c.num("maint_score", HUND)  # score × 100 == ratio × 10^4
    lo = np.where(good, 8000, np.where(fair, 6000, 0))
    hi = np.where(good, 10000, np.where(fair, 8000, 6000))
    outside = sv & ((s < lo) | (s > hi) | ((s == hi) & ~good))
    ratio = np.where(sv, s, np.where(good, 10000, np.where(fair, 7000, 3000)))
    p = rdiv(3 * ratio, 100)
    put("e_maint", 3, *leaf(None, p, p == 300, ~mtv_, mtv_ & outside))
    ev, evv = c.num("ev_buses", 1)
    tb, tbv = c.num("total_buses", 1)
    p = np.where(10 * ev >= 8 * tb, 200, np.where(10 * ev >= 6 * tb, 150, np.where(10 * ev >= 4 * tb, 100, 0)))
    put("e_green", 2, *leaf(None, p, p == 200, ~(evv & tbv), evv & tbv & (tb == 0)))
    R["e_sustain"] = group([R["e_maint"], R["e_green"]], 5)
    x, xv = c.num("sat_public", RATE, pct=True)
    p, met = prop_higher(4, x, 9000, 1)
    put("e_sat_public", 4, *leaf(None, p, met, ~xv))
    x, xv = c.num("sat_firm", RATE, pct=True)
    p = np.where(x >= 9000, 300, np.where(x >= 8000, 200, np.where(x >= 6000, 100, 0)))
    put("e_sat_firm", 3, *leaf(None, p, p == 300, ~xv))
    cpl, cplv = c.num("complaints", 1)
    cl, clv = c.num("complaints_closed", 1)
    met = cl == cpl
    put("e_complaints", 3, *leaf(None, np.where(met, 300, 0), met, ~cplv | (cpl <= 0) | ~clv))
    R["e_satisfy"] = group([R[k] for k in ("e_sat_public", "e_sat_firm", "e_complaints")], 10, "mean")
    R["effect"] = group([R["e_social"], R["e_sustain"], R["e_satisfy"]], 25)

    tot, tout, _ = group([R["decision"], R["process"], R["output"], R["effect"]], 100)
    has_total = (tout == P) | (tout == F)
    grade = np.where(tot >= 9000, 0, np.where(tot >= 8000, 1, np.where(tot >= 6000, 2, 3))).astype(np.int8)
    grade[~has_total | (cov < 6000)] = -1
    ma, mav = c.flag("major_accident")
    grade[(grade >= 0) & ma & mav] = 4

    # ---- checks
    ch = {}
    b, bv = c.num("basic_exp", MONEY)
    pj, pjv = c.num("project_exp", MONEY)
    o = np.where(np.abs(b + pj - ex) <= 50, P, F).astype(np.int8)
    o[~(bv & pjv)] = NA
    ch["nature_adds_up"] = o
    rr, rrv = c.num("reported_rate", RATE, pct=True)
    o = np.where(rr == rdiv(ex * 10000, bf), P, F).astype(np.int8)
    o[~rrv] = NA
    o[rrv & (bf == 0)] = E
    ch["reported_rate_agrees"] = o
    ch["budget_positive"] = np.where(bf > 0, P, F).astype(np.int8)
    o = np.where(tpa <= tpb, P, F).astype(np.int8)
    o[~tpbv | (tpb <= 0) | ~tpav] = NA
    ch["three_public_within"] = o
    low = 10 * ex < 9 * bf
    reason = t.column("low_exec_reason")
    filled = reason.is_valid().to_numpy(zero_copy_only=False)
    if filled.any():
        words = pc.utf8_trim(pc.utf8_lower(pc.fill_null(reason, "")), "。.，,（）() ")
        ph = pc.is_in(words, pa.array(["", "无", "没有", "暂无", "无说明", "暂无说明", "没有说明", "无原因", "无原因说明", "略", "空",
                                       "待补充", "待填写", "n/a", "na", "none", "nil", "null", "tbd", "-", "/", "—"]))
        filled &= ~ph.to_numpy(zero_copy_only=False)
    o = np.where(low & ~filled, F, P).astype(np.int8)
    o[bf == 0] = E
    ch["low_exec_explained"] = o
    return {"rules": R, "total": tot, "has_total": has_total, "grade": grade, "checks": ch,
            "coverage": cov, "inexact": c.inexact}


def score_chunked(t: pa.Table, rows: int = 131072, plugin: bool = True):
    parts = [score(t.slice(i, rows), plugin) for i in range(0, t.num_rows, rows)]
    return parts
