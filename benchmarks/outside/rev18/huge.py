"""Huge and tiny figures by columns: amounts near the documented 1e15 limit with cents, rates with
many decimals, budgets of 0.0001 万元 — ColumnarScorer against rev18's Fraction oracle, row by row.

usage: python huge.py [ROWS]
"""

from __future__ import annotations

import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np
import perfscore
import pyarrow as pa
from perfscore.columnar import ColumnarScorer

import colgen
import model

OUT = ("pass", "fail", "na", "error")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    t = colgen.table(n, seed=99)
    rng = np.random.default_rng(5)
    cols = {name: t.column(name) for name in t.column_names}
    # money in text (exact), near the limit: 999,999,999,999.99 万元 and tiny 0.0001 万元
    big = [str(Decimal(int(x)) / 100) for x in rng.integers(10**13, 10**14, n)]  # ~1e11..1e12 万元 with cents
    kind = rng.integers(0, 4, n)
    bi, bf, ex = [], [], []
    for i in range(n):
        if kind[i] == 0:  # huge, spent exactly
            b = Decimal(big[i]) * 1000
            bi.append(str(b)); bf.append(str(b)); ex.append(str(b))
        elif kind[i] == 1:  # huge, 95 % exactly
            b = Decimal(big[i]) * 1000
            bi.append(str(b)); bf.append(str(b)); ex.append(str(b * Decimal("0.95")))
        elif kind[i] == 2:  # tiny
            bi.append("0.0003"); bf.append("0.0003"); ex.append("0.0001")
        else:  # a third that never ends
            b = Decimal(big[i])
            bi.append(str(b)); bf.append(str(b * 3)); ex.append(str(b * 2))
    cols["budget_initial"] = pa.array(bi)
    cols["budget_final"] = pa.array(bf)
    cols["executed"] = pa.array(ex)
    cols["executed_h1"] = pa.array([str(Decimal(x) / 2) for x in bf])
    cols["carryover"] = pa.array([str(Decimal(a) - Decimal(b)) for a, b in zip(bf, ex, strict=True)])
    cols["basic_exp"] = pa.array([str(Decimal(x) / 4) for x in ex])
    cols["project_exp"] = pa.array([str(Decimal(x) - Decimal(x) / 4) for x in ex])
    cols["adjust_amt"] = pa.array([str(Decimal(a) - Decimal(b)) for a, b in zip(bf, bi, strict=True)])
    cols["detail_amt"] = pa.array(bi)
    cols["reported_rate"] = pa.array([str((Decimal(e) / Decimal(b) * 100).quantize(Decimal("0.01"))) for e, b in zip(ex, bf, strict=True)])
    tab = pa.table(cols)
    rs = perfscore.load_ruleset("rules/rev18-jtj-dept.yaml")
    res = ColumnarScorer(rs).score(tab)
    rows = tab.to_pylist()
    sc = model.Scorer(model.FRAC)
    bad = 0
    for i, row in enumerate(rows):
        vals = {k: v for k, v in row.items() if k not in ("id",) and not k.startswith(("exec_hist_", "pax_hist_"))}
        vals["exec_hist"] = {y: row[f"exec_hist_{y}"] for y in (2023, 2024, 2025)}
        vals["pax_hist"] = {y: row[f"pax_hist_{y}"] for y in (2023, 2024, 2025)}
        if all(v is None for v in vals["exec_hist"].values()):
            vals["exec_hist"] = None
        if all(v is None for v in vals["pax_hist"].values()):
            vals["pax_hist"] = None
        R, total, grade, cov, checks = sc.score(model.read_record({"values": vals}, model.FRAC))
        et = Fraction(int(res.total[i]), 100) if res.has_total[i] else None
        diffs = []
        if et != total:
            diffs.append(("@total", et, total))
        for rid in res.rule_ids:
            o = OUT[res.outcome[rid][i]]
            p = Fraction(int(res.points[rid][i]), 100) if res.has_points[rid][i] else None
            mo, mp = R[rid]
            if o != mo or (mo in ("pass", "fail") and p != mp):
                diffs.append((rid, o, p, mo, mp))
        for cid, arr in res.checks.items():
            if OUT[arr[i]] != checks[cid]:
                diffs.append((cid, OUT[arr[i]], checks[cid]))
        if diffs:
            bad += 1
            if bad <= 5:
                print(i, kind[i], bf[i], ex[i], diffs[:4])
    print(f"huge/tiny by columns: {n} rows, {int(res.fallback.sum())} per record, {bad} rows differ from the oracle")


if __name__ == "__main__":
    main()
