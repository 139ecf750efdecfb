"""rev18's data: departments of a 市交通运输局 system as bureaus hand them over.

``records(n, seed, family)`` -> list of {id, name, values} with raw cells:
  * spent exactly the budget (40 %), zero adjustments (60 %), integer counts, values exactly on
    thresholds and band edges (95 %, 5 %/10 %/20 % 结转, PQI 90/80/70, 满意度 90 %, 超限率 2 %),
  * blanks in every written form (None, "", " ", "-", "—", "/", "－", "--"),
  * 万元 suffixes, thousands separators, full-width digits, 元 amounts into 万元 inputs,
  * constructed exact halves behind non-terminating quotients (计划成本 13.51 / 实际 14 style),
  * series as {year: cell}.
family: "bureau" (all of the above), "clean" (no blanks, no text forms), "exact" (every subject
carries several constructed halves).
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

BLANK_FORMS = [None, "", " ", "-", "—", "/", "－", "--"]
FW = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _money_text(rng, d: Decimal, fam):
    """A 万元 amount as a bureau writes it."""
    if fam == "clean":
        return float(d) if rng.random() < 0.5 else str(d)
    r = rng.random()
    if r < 0.35:
        return float(d) if Decimal(repr(float(d))) == d else str(d)
    if r < 0.55:
        return f"{d:,}"
    if r < 0.75:
        return f"{d}万元"
    if r < 0.82:
        return f"{d:,}万元"
    if r < 0.88:
        return str(d).translate(FW)
    if r < 0.94:
        yuan = d * 10000
        return f"{yuan.normalize():f}元"
    return str(d)


def _pct_text(rng, pp: Decimal, fam):
    """A percent in percentage points: 95, '95%', '95.00'."""
    if fam == "clean":
        return float(pp) if Decimal(repr(float(pp))) == pp else str(pp)
    r = rng.random()
    if r < 0.5:
        return float(pp) if Decimal(repr(float(pp))) == pp else str(pp)
    if r < 0.8:
        return f"{pp}%"
    return str(pp)


def _blank(rng, fam):
    return None if fam == "clean" else rng.choice(BLANK_FORMS)


def _bool(rng, fam, p_true=0.8):
    t = rng.random() < p_true
    if fam == "clean":
        return t
    return rng.choice(["是", "√", "true", True, "Y"] if t else ["否", "×", "false", False, "N"])


def _cents(rng, lo, hi):
    return Decimal(rng.randint(lo * 100, hi * 100)) / 100


def _halves_cost(rng):
    """(plan, actual) with 3 × plan / actual ending in exactly 5 at the third decimal,
    plan < actual, actual a non-terminating divisor (7, 3 …)."""
    while True:
        a = Decimal(rng.choice([14, 21, 28, 42, 56, 63, 70, 84, 98, 112, 126, 140, 1400, 2100]))
        # want 3p/a = k/1000 with k odd multiple of 5 -> p = k*a/3000
        k = rng.randrange(1000, 3000, 10) + 5
        p = Fraction(k) * Fraction(a) / 3000
        if p.denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100) and p < a:
            return Decimal(p.numerator) / Decimal(p.denominator), a


def record(i: int, rng: random.Random, fam: str) -> dict:
    v: dict = {}
    blank_p = 0.0 if fam == "clean" else 0.04

    def put(name, val):
        v[name] = _blank(rng, fam) if rng.random() < blank_p else val

    # budget
    bi = rng.choice([Decimal(rng.randint(5, 800) * 100), _cents(rng, 300, 60000), Decimal("3435.02")])
    zero_adj = rng.random() < 0.6
    adj = Decimal(0) if zero_adj else (_cents(rng, -300, 800) if rng.random() < 0.8 else bi * Decimal("0.05"))
    bf = bi + adj
    if bf <= 0:
        bf, adj = bi, Decimal(0)
    r = rng.random()
    if r < 0.40:
        ex = bf
    elif r < 0.50:
        ex = bf * Decimal("0.95")
    elif r < 0.55:
        ex = bf * Decimal("0.9")
    elif r < 0.60:
        ex = bf * Decimal("0.89")
    else:
        ex = (bf * Decimal(rng.randint(7000, 10000)) / 10000).quantize(Decimal("0.01"))
    v["budget_initial"] = _money_text(rng, bi, fam)
    v["budget_final"] = _money_text(rng, bf, fam)
    v["executed"] = _money_text(rng, ex, fam)
    put("executed_h1", _money_text(rng, bf / 2 if rng.random() < 0.3 else (ex * Decimal(rng.randint(30, 70)) / 100).quantize(Decimal("0.01")), fam))
    put("adjust_amt", _money_text(rng, adj, fam) if adj >= 0 else str(adj))
    carry = bf - ex
    if rng.random() < 0.2:
        carry = bf * rng.choice([Decimal("0.05"), Decimal("0.1"), Decimal("0.2")])
    put("carryover", _money_text(rng, carry, fam))
    # parts adding up: exactly, by the half-cent tolerance, or one cent off
    r = rng.random()
    basic = (ex * Decimal(rng.randint(30, 70)) / 100).quantize(Decimal("0.01"))
    proj = ex - basic
    if r < 0.08:
        proj += Decimal("0.005")
    elif r < 0.12:
        proj += Decimal("0.01")
    put("basic_exp", _money_text(rng, basic, fam))
    put("project_exp", _money_text(rng, proj, fam))
    put("detail_amt", _money_text(rng, bi * Decimal("0.95") if rng.random() < 0.3 else bi, fam))
    pt = rng.choice([0, 3, 5, 8, 12, 20])
    put("proj_total", pt)
    put("proj_in_lib", pt if rng.random() < 0.7 else max(0, pt - rng.randint(1, 3)))
    put("perf_cover", _pct_text(rng, Decimal(100) if rng.random() < 0.7 else Decimal("98.5"), fam))
    for k in ("disclosed_budget", "disclosed_final", "disclosed_perf"):
        put(k, _bool(rng, fam, 0.85))
    vd = rng.choice(["达成", "达成", "部分达成", "未达成"])
    put("verdict", vd)
    by_tier = {"达成": [None, "0.85", "0.8", "1"], "部分达成": [None, "0.7", "0.65", "0.6", "0.79"],
               "未达成": [None, "0.3", "0", "0.59"]}
    gr = rng.choice(by_tier[vd]) if rng.random() < 0.97 else rng.choice(["0.8", "0.6", "0.95"])  # 3 % slips
    put("goal_ratio", gr)
    put("clear_tier", rng.choice(["achieved", "achieved", "partial", "not_achieved"]))
    # execution history (percent series)
    years = [2023, 2024, 2025]
    hist = {}
    for y in years:
        x = rng.choice([Decimal(100), Decimal(95), Decimal("94.99"), Decimal("105"), Decimal("88.5"),
                        Decimal(rng.randint(8500, 10500)) / 100])
        hist[y] = _pct_text(rng, x, fam)
    if fam != "clean" and rng.random() < 0.05:
        hist[2024] = _blank(rng, fam)
    put("exec_hist", hist)
    tpb = rng.choice([Decimal(0), Decimal(rng.randint(5, 80)), _cents(rng, 5, 80)])
    tpa = tpb if rng.random() < 0.4 else (tpb * Decimal(rng.randint(80, 110)) / 100).quantize(Decimal("0.01"))
    put("three_public_budget", _money_text(rng, tpb, fam))
    put("three_public_actual", _money_text(rng, tpa, fam))
    sa = rng.choice([12, 25, 40, 49, 50, 51, 80, 150, 300])
    put("staff_authorised", sa)
    put("staff_actual", sa + rng.choice([0, 0, 0, -2, 1, 1, 2]))
    pp = rng.choice([Decimal(0), Decimal(rng.randint(10, 900)), _cents(rng, 10, 900)])
    put("procure_plan", _money_text(rng, pp, fam))
    put("procure_actual", _money_text(rng, pp if rng.random() < 0.5 else (pp * Decimal(rng.randint(70, 120)) / 100).quantize(Decimal("0.01")), fam))
    for k in ("sys_finance", "sys_asset", "sys_procure", "sys_contract"):
        put(k, _bool(rng, fam, 0.9))
    at = _cents(rng, 100, 90000)
    put("assets_total", _money_text(rng, at, fam))
    put("assets_used", _money_text(rng, at * Decimal("0.9") if rng.random() < 0.3 else (at * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("0.01")), fam))
    ai = rng.choice([0, 0, 1, 3, 6, 7])
    put("audit_issues", ai)
    put("audit_fixed", ai if rng.random() < 0.6 else max(0, ai - 1))
    put("monitor_times", rng.choice([4, 4, 3, 2, 0]))
    if fam == "exact" or rng.random() < 0.08:
        # rate = done / plan = P / 3 (never ends), points 3 × rate = P exactly on a half
        m = Decimal(rng.choice([1, 10, 100]))
        P = Decimal(rng.randrange(1000, 2990, 10) + 5) / 1000
        if P % Decimal(3) == 0:
            P += Decimal("0.01")
        put("road_km_plan", str(3 * m))
        put("road_km_done", str((P * m).normalize()))
    else:
        rk = Decimal(rng.randint(20, 2000)) / rng.choice([1, 2, 10])
        put("road_km_plan", str(rk))
        put("road_km_done", str(rk if rng.random() < 0.5 else (rk * Decimal(rng.randint(80, 110)) / 100).quantize(Decimal("0.1"))))
    rr = Decimal(rng.randint(3, 300)) / 2
    put("rural_km_plan", str(rr))
    put("rural_km_done", str(rr if rng.random() < 0.5 else rr - Decimal(rng.randint(1, 5)) / 2 if rr > 3 else rr))
    bp = rng.choice([0, 2, 5, 8])
    put("bridge_plan", bp)
    put("bridge_done", bp if rng.random() < 0.7 else max(0, bp - 1))
    bup = rng.choice([1, 2, 3, 5])
    put("bus_plan", bup)
    put("bus_new", max(0, bup - rng.choice([0, 0, 1, 2, 3])))
    put("signs_rate", _pct_text(rng, rng.choice([Decimal(95), Decimal(100), Decimal("93.1"), Decimal("94.99")]), fam))
    put("quality_rate", _pct_text(rng, rng.choice([Decimal(98), Decimal(100), Decimal("97.99"), Decimal(96)]), fam))
    put("pqi", str(rng.choice([Decimal(90), Decimal(80), Decimal(70), Decimal("89.99"), Decimal("92.4"), Decimal("69.9")])))
    put("ontime_rate", _pct_text(rng, rng.choice([Decimal(100), Decimal(95), Decimal(90), Decimal("89.99"), Decimal(80)]), fam))
    put("pay_rate", _pct_text(rng, rng.choice([Decimal(95), Decimal(100), Decimal("94.5")]), fam))
    if fam == "exact" or rng.random() < 0.1:
        plan, act = _halves_cost(rng)
    else:
        plan = Decimal(rng.randint(2000, 9000))
        act = plan if rng.random() < 0.4 else Decimal(rng.randint(2000, 9000)) + Decimal(rng.randint(0, 99)) / 100
    put("unit_cost_plan", str(plan) if fam == "clean" else rng.choice([str(plan), f"{plan}元", f"{plan:,}"]))
    put("unit_cost_actual", str(act) if fam == "clean" else rng.choice([str(act), f"{act}元", f"{act:,}"]))
    cb = _cents(rng, 50, 5000)
    put("cost_budget", _money_text(rng, cb, fam))
    put("cost_actual", _money_text(rng, cb if rng.random() < 0.5 else (cb * Decimal(rng.randint(90, 105)) / 100).quantize(Decimal("0.01")), fam))
    put("accidents", rng.choice([0, 0, 0, 0, 1, 2]))
    put("level", rng.choice(["市本级", "区县", "区县"]))
    put("congestion_drop", _pct_text(rng, rng.choice([Decimal(5), Decimal("4.99"), Decimal("7.5"), Decimal(-2), Decimal(0)]), fam))
    base = Decimal(rng.randint(100, 90000))
    g = rng.choice([Decimal("1.03"), Decimal("1.015"), Decimal("0.97"), Decimal("1.05"), Decimal(1)])
    pax = {2023: str(base * Decimal("0.98")), 2024: str(base), 2025: str(base * g)}
    if fam == "exact":
        # 3 × growth / 0.03 -> points = 100 × (a-b)/b: choose b = 7k·… so (a-b)/b*100 = x.xx5
        b = Decimal(rng.choice([700, 1400, 2100, 7000]))
        k = rng.randrange(100, 290, 10) + 5  # points*1000 in (0.1, 2.9)
        # points = 3 * (a-b)/b / 0.03 = 100 (a-b)/b -> a = b + k*b/100000
        a = b + Decimal(k) * b / 100000
        pax = {2023: str(b), 2024: str(b), 2025: str(a)}
    if fam != "clean" and rng.random() < 0.04:
        pax[2024] = _blank(rng, fam)
    put("pax_hist", pax)
    put("overload_rate", _pct_text(rng, rng.choice([Decimal(2), Decimal("2.5"), Decimal("2.49"), Decimal(3), Decimal("1.2")]), fam))
    put("maint_tier", rng.choice(["good", "good", "fair", "poor"]))
    mt = v["maint_tier"]
    ms = {"good": ["80", "100", "90.5", None], "fair": ["70", "60", "79.99", None], "poor": ["30", None, "59.99"]}
    put("maint_score", rng.choice(ms.get(mt, [None])) if isinstance(mt, str) else None)
    tb = rng.choice([50, 120, 300, 600, 1000])
    put("total_buses", tb)
    put("ev_buses", rng.choice([tb * 8 // 10, tb * 6 // 10, tb * 4 // 10, tb - 1, tb * 7 // 10]))
    put("sat_public", _pct_text(rng, rng.choice([Decimal(90), Decimal(85), Decimal("93.2"), Decimal("89.9")]), fam))
    put("sat_firm", _pct_text(rng, rng.choice([Decimal(90), Decimal(80), Decimal(60), Decimal("79.99"), Decimal(95)]), fam))
    cp = rng.choice([0, 0, 4, 12, 30])
    put("complaints", cp)
    put("complaints_closed", cp if rng.random() < 0.7 else max(0, cp - 1))
    rate = (ex / bf * 100).quantize(Decimal("0.01"))
    if rng.random() < 0.1:
        rate += Decimal("0.01")
    put("reported_rate", _pct_text(rng, rate, fam))
    if ex / bf < Decimal("0.9") and fam != "clean":
        v["low_exec_reason"] = rng.choice([None, "无", "（无）", "资金下达较晚，项目未能按期开工", "N/A", "待补充", "无法按期开工"])
    if rng.random() < 0.02:
        v["major_accident"] = "是"
    # remove keys whose value is None for JSON-like sparsity (a bureau leaves the cell out)
    if fam != "clean":
        for k in list(v):
            if v[k] is None and rng.random() < 0.5:
                del v[k]
    return {"id": f"jt{i:07d}", "name": f"交通运输局下属单位{i}", "values": v}


def records(n: int, seed: int = 18, family: str = "bureau") -> list[dict]:
    rng = random.Random(f"{seed}-{family}")
    return [record(i, rng, family) for i in range(n)]


if __name__ == "__main__":
    import json
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    fam = sys.argv[2] if len(sys.argv) > 2 else "bureau"
    json.dump(records(n, family=fam), sys.stdout, ensure_ascii=False, indent=1, default=str)
