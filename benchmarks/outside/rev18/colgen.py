"""rev18's tables: the same kind of departments as gen.py, as a bureau's Parquet/Arrow file —
typed columns (doubles for amounts and percentage points, nullable integers, nullable yes/no,
text), three year columns for each series (exec_hist_2023 … and pax_hist_2023 …), ~4 % blanks
(nulls) in every optional column, spent = budget in 40 %, values on every edge.

usage: python colgen.py ROWS OUT.parquet [seed]
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REQUIRED = {"budget_initial", "budget_final", "executed"}


def _pick(rng, n, choices, p=None):
    return np.asarray(choices)[rng.choice(len(choices), size=n, p=p)]


def table(n: int, seed: int = 18, blank: float = 0.04) -> pa.Table:
    rng = np.random.default_rng(seed)
    c: dict[str, np.ndarray] = {}
    # amounts in cents (万元 × 100) as integers, then to doubles
    bi_c = np.where(rng.random(n) < 0.3, rng.integers(5, 800, n) * 10000, rng.integers(30000, 6000000, n))
    bi_c = np.where(rng.random(n) < 0.05, 343502, bi_c)
    adj_c = np.where(rng.random(n) < 0.6, 0, rng.integers(-30000, 80000, n))
    bf_c = bi_c + adj_c
    neg = bf_c <= 0
    bf_c = np.where(neg, bi_c, bf_c)
    adj_c = np.where(neg, 0, adj_c)
    # executed at scale 10^4 (万元 with 4 decimals: 0.95 × budget keeps exact)
    bf4 = bf_c * 100
    r = rng.random(n)
    ex4 = np.where(r < 0.40, bf4,
          np.where(r < 0.50, bf4 * 95 // 100,
          np.where(r < 0.55, bf4 * 90 // 100,
          np.where(r < 0.60, bf4 * 89 // 100,
                   (bf_c * rng.integers(7000, 10001, n) // 10000) * 100))))
    c["budget_initial"] = bi_c / 100
    c["budget_final"] = bf_c / 100
    c["executed"] = ex4 / 10000
    h1 = np.where(rng.random(n) < 0.3, bf4 // 2, (ex4 // 100 * rng.integers(30, 71, n) // 100) * 100)
    c["executed_h1"] = h1 / 10000
    c["adjust_amt"] = adj_c / 100
    carry4 = bf4 - ex4
    cr = rng.random(n)
    carry4 = np.where(cr < 0.07, bf4 * 5 // 100, np.where(cr < 0.14, bf4 // 10, np.where(cr < 0.2, bf4 // 5, carry4)))
    c["carryover"] = carry4 / 10000
    basic4 = (ex4 // 100 * rng.integers(30, 71, n) // 100) * 100
    proj4 = ex4 - basic4
    pr = rng.random(n)
    proj4 = np.where(pr < 0.08, proj4 + 50, np.where(pr < 0.12, proj4 + 100, proj4))
    c["basic_exp"] = basic4 / 10000
    c["project_exp"] = proj4 / 10000
    c["detail_amt"] = np.where(rng.random(n) < 0.3, bi_c * 95 // 100, bi_c) / 100
    pt = _pick(rng, n, [0, 3, 5, 8, 12, 20])
    c["proj_total"] = pt
    c["proj_in_lib"] = np.where(rng.random(n) < 0.7, pt, np.maximum(0, pt - rng.integers(1, 4, n)))
    c["perf_cover"] = np.where(rng.random(n) < 0.7, 100.0, 98.5)
    for k in ("disclosed_budget", "disclosed_final", "disclosed_perf"):
        c[k] = rng.random(n) < 0.85
    c["verdict"] = _pick(rng, n, ["达成", "达成", "部分达成", "未达成"])
    vd = c["verdict"]
    # ratios consistent with the tier most of the time, else refused (error) as a reviewer's slip
    gr = np.full(n, np.nan)
    rr = rng.random(n)
    gr = np.where(vd == "达成", np.where(rr < 0.5, np.nan, _pick(rng, n, [0.85, 0.8, 1.0])), gr)
    gr = np.where(vd == "部分达成", np.where(rr < 0.5, np.nan, _pick(rng, n, [0.7, 0.65, 0.6, 0.79])), gr)
    gr = np.where(vd == "未达成", np.where(rr < 0.5, np.nan, _pick(rng, n, [0.3, 0.0, 0.59])), gr)
    c["goal_ratio"] = gr
    c["clear_tier"] = _pick(rng, n, ["achieved", "achieved", "partial", "not_achieved"])
    for y in (2023, 2024, 2025):
        c[f"exec_hist_{y}"] = np.where(rng.random(n) < 0.5, _pick(rng, n, [100.0, 95.0, 94.99, 105.0, 88.5]),
                                       rng.integers(8500, 10501, n) / 100)
    tpb = _pick(rng, n, [0, 1, 2])
    tpb_c = np.where(tpb == 0, 0, np.where(tpb == 1, rng.integers(5, 81, n) * 100, rng.integers(500, 8001, n)))
    tpa_c = np.where(rng.random(n) < 0.4, tpb_c, tpb_c * rng.integers(80, 111, n) // 100)
    c["three_public_budget"] = tpb_c / 100
    c["three_public_actual"] = tpa_c / 100
    sa = _pick(rng, n, [12, 25, 40, 49, 50, 51, 80, 150, 300])
    c["staff_authorised"] = sa
    c["staff_actual"] = sa + _pick(rng, n, [0, 0, 0, -2, 1, 1, 2])
    pp_c = np.where(rng.random(n) < 0.1, 0, rng.integers(1000, 90000, n))
    c["procure_plan"] = pp_c / 100
    c["procure_actual"] = np.where(rng.random(n) < 0.5, pp_c, pp_c * rng.integers(70, 121, n) // 100) / 100
    for k in ("sys_finance", "sys_asset", "sys_procure", "sys_contract"):
        c[k] = rng.random(n) < 0.9
    at_c = rng.integers(10000, 9000000, n)
    c["assets_total"] = at_c / 100
    c["assets_used"] = np.where(rng.random(n) < 0.3, at_c * 9 // 10, at_c * rng.integers(60, 101, n) // 100) / 100
    ai = _pick(rng, n, [0, 0, 1, 3, 6, 7])
    c["audit_issues"] = ai
    c["audit_fixed"] = np.where(rng.random(n) < 0.6, ai, np.maximum(0, ai - 1))
    c["monitor_times"] = _pick(rng, n, [4, 4, 3, 2, 0])
    # road: 8 % constructed halves (plan 3·m km, done P·m: 3 × done/plan = P, a x.xx5)
    half = rng.random(n) < 0.08
    m = _pick(rng, n, [1, 10, 100])
    P = (rng.integers(100, 299, n) * 10 + 5)  # thousandths
    P = np.where(P % 3 == 0, P + 10, P)
    rk10 = rng.integers(20, 2000, n) * 10 // _pick(rng, n, [1, 2, 10])  # km × 10
    done10 = np.where(rng.random(n) < 0.5, rk10, rk10 * rng.integers(80, 111, n) // 100)
    c["road_km_plan"] = np.where(half, 3.0 * m, rk10 / 10)
    c["road_km_done"] = np.where(half, P * m / 1000, done10 / 10)
    rr2 = rng.integers(3, 301, n)  # half-km
    c["rural_km_plan"] = rr2 / 2
    c["rural_km_done"] = np.where(rng.random(n) < 0.5, rr2, np.maximum(rr2 - rng.integers(1, 6, n), 1)) / 2
    bp = _pick(rng, n, [0, 2, 5, 8])
    c["bridge_plan"] = bp
    c["bridge_done"] = np.where(rng.random(n) < 0.7, bp, np.maximum(0, bp - 1))
    bup = _pick(rng, n, [1, 2, 3, 5])
    c["bus_plan"] = bup
    c["bus_new"] = np.maximum(0, bup - _pick(rng, n, [0, 0, 1, 2, 3]))
    c["signs_rate"] = _pick(rng, n, [95.0, 100.0, 93.1, 94.99])
    c["quality_rate"] = _pick(rng, n, [98.0, 100.0, 97.99, 96.0])
    c["pqi"] = _pick(rng, n, [90.0, 80.0, 70.0, 89.99, 92.4, 69.9])
    c["ontime_rate"] = _pick(rng, n, [100.0, 95.0, 90.0, 89.99, 80.0])
    c["pay_rate"] = _pick(rng, n, [95.0, 100.0, 94.5])
    # unit cost (元): 10 % constructed halves 3 × plan / actual = x.xx5
    h2 = rng.random(n) < 0.1
    a = _pick(rng, n, [14, 21, 28, 42, 56, 70, 84, 98, 112, 140, 1400, 2100])
    k = rng.integers(100, 300, n) * 10 + 5
    # plan = k·a/3000 must have ≤ 2 decimals: k·a divisible by 30 -> keep only rows where it is
    num = k * a
    ok = (num * 100) % 3000 == 0
    plan_c = np.where(h2 & ok, num * 100 // 3000, rng.integers(200000, 900000, n))
    act_c = np.where(h2 & ok, a * 100, np.where(rng.random(n) < 0.4, plan_c, rng.integers(200000, 900000, n) + rng.integers(0, 100, n)))
    c["unit_cost_plan"] = plan_c / 100
    c["unit_cost_actual"] = act_c / 100
    cb_c = rng.integers(5000, 500000, n)
    c["cost_budget"] = cb_c / 100
    c["cost_actual"] = np.where(rng.random(n) < 0.5, cb_c, cb_c * rng.integers(90, 106, n) // 100) / 100
    c["accidents"] = _pick(rng, n, [0, 0, 0, 0, 1, 2])
    c["level"] = _pick(rng, n, ["市本级", "区县", "区县"])
    c["congestion_drop"] = _pick(rng, n, [5.0, 4.99, 7.5, -2.0, 0.0])
    base = rng.integers(100, 90000, n)
    g = _pick(rng, n, [1030, 1015, 970, 1050, 1000])
    c["pax_hist_2023"] = base * 98 / 100
    c["pax_hist_2024"] = base.astype(float)
    c["pax_hist_2025"] = base * g / 1000
    c["overload_rate"] = _pick(rng, n, [2.0, 2.5, 2.49, 3.0, 1.2])
    c["maint_tier"] = _pick(rng, n, ["good", "good", "fair", "poor"])
    mt = c["maint_tier"]
    ms = np.full(n, np.nan)
    ms = np.where(mt == "good", _pick(rng, n, [80.0, 100.0, 90.5, np.nan]), ms)
    ms = np.where(mt == "fair", _pick(rng, n, [70.0, 60.0, 79.99, np.nan]), ms)
    ms = np.where(mt == "poor", _pick(rng, n, [30.0, np.nan, 59.99]), ms)
    c["maint_score"] = ms
    tb = _pick(rng, n, [50, 120, 300, 600, 1000])
    c["total_buses"] = tb
    sel = rng.integers(0, 5, n)
    c["ev_buses"] = np.choose(sel, [tb * 8 // 10, tb * 6 // 10, tb * 4 // 10, tb - 1, tb * 7 // 10])
    c["sat_public"] = _pick(rng, n, [90.0, 85.0, 93.2, 89.9])
    c["sat_firm"] = _pick(rng, n, [90.0, 80.0, 60.0, 79.99, 95.0])
    cp = _pick(rng, n, [0, 0, 4, 12, 30])
    c["complaints"] = cp
    c["complaints_closed"] = np.where(rng.random(n) < 0.7, cp, np.maximum(0, cp - 1))
    # reported rate: ex/bf in percentage points to 2 decimals, half up; 10 % one unit off
    rate_c = (2 * ex4 * 10000 + bf4) // (2 * bf4)
    rate_c = np.where(rng.random(n) < 0.1, rate_c + 1, rate_c)
    c["reported_rate"] = rate_c / 100
    low = 10 * ex4 < 9 * bf4
    c["low_exec_reason"] = np.where(low, _pick(rng, n, ["", "无", "（无）", "资金下达较晚，项目未能按期开工", "N/A", "待补充", "无法按期开工"]), "")
    c["major_accident"] = rng.random(n) < 0.02

    cols = {}
    cols["id"] = pa.array([f"jt{i:07d}" for i in range(n)])
    for name, arr in c.items():
        mask = None
        if name not in REQUIRED:
            mask = rng.random(n) < (blank / 4 if "_hist_" in name else blank)
        if name == "low_exec_reason":
            vals = [None if (s == "" or (mask is not None and mk)) else s for s, mk in zip(arr.tolist(), mask.tolist())]
            cols[name] = pa.array(vals, pa.string())
            continue
        if arr.dtype.kind == "U" or arr.dtype.kind == "O":
            cols[name] = pa.array(arr.tolist(), pa.string(), mask=mask).dictionary_encode() if False else pa.array(arr.astype(object), pa.string(), mask=mask)
        elif arr.dtype.kind == "b":
            cols[name] = pa.array(arr, pa.bool_(), mask=mask)
        elif arr.dtype.kind in "iu":
            cols[name] = pa.array(arr.astype(np.int64), pa.int64(), mask=mask)
        else:
            m2 = np.isnan(arr) if mask is None else (mask | np.isnan(arr))
            cols[name] = pa.array(arr.astype(np.float64), pa.float64(), mask=m2)
    return pa.table(cols)


if __name__ == "__main__":
    rows = int(sys.argv[1])
    out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 18
    t = table(rows, seed)
    pq.write_table(t, out, row_group_size=131072)
    print(f"{out}: {t.num_rows} rows, {t.num_columns} columns")
