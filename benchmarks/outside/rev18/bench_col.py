"""Columnar figure of #18 on rev18's set: ColumnarScorer(rs).score(table) against rev18's exact
numpy (whole table, and in 131,072-row chunks), CPU time, best of ROUNDS alternating rounds.
Checks every rule's points and outcome, totals, grades and checks on every row first.

usage: python bench_col.py ROWS [ROUNDS] [table.parquet]
"""

from __future__ import annotations

import gc
import os
import sys
import time

import numpy as np
import perfscore
import pyarrow.parquet as pq
from perfscore.columnar import ColumnarScorer

import colgen
import npbase

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.environ.get("REV18_NOPLUGIN", "0") != "1"
RULES = os.path.join(HERE, "rules", "rev18-jtj-dept.yaml" if PLUGIN else "rev18-jtj-dept-noplugin.yaml")


def compare(res, base, offset=0):
    diff_rows = np.zeros(len(res.total), bool)
    per_rule = {}
    for rid in res.rule_ids:
        if rid not in base["rules"]:
            continue
        bp, bo, _ = base["rules"][rid]
        eo = res.outcome[rid]
        ep = np.where(res.has_points[rid], res.points[rid], 0)
        d = (eo != bo) | (((bo == 0) | (bo == 1)) & (ep != bp))
        if d.any():
            per_rule[rid] = int(d.sum())
            diff_rows |= d
    d = (res.has_total != base["has_total"]) | (base["has_total"] & (res.total != base["total"]))
    if d.any():
        per_rule["@total"] = int(d.sum())
        diff_rows |= d
    d = res.grade != base["grade"]
    if d.any():
        per_rule["@grade"] = int(d.sum())
        diff_rows |= d
    for cid, o in base["checks"].items():
        d = res.checks[cid] != o
        if d.any():
            per_rule[cid] = int(d.sum())
            diff_rows |= d
    return diff_rows, per_rule


def main():
    rows = int(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    src = sys.argv[3] if len(sys.argv) > 3 else None
    t = pq.read_table(src) if src else colgen.table(rows)
    rs = perfscore.load_ruleset(RULES)
    cs = ColumnarScorer(rs)
    print(f"load {os.getloadavg()[0]:.2f}; {os.path.basename(RULES)}; {t.num_rows} rows x {t.num_columns} columns; reason={cs.reason}", flush=True)
    res = cs.score(t)
    base = npbase.score(t, PLUGIN)
    diff_rows, per_rule = compare(res, base)
    fb = int(res.fallback.sum())
    print(f"  rows per record (fallback): {fb} ({fb / t.num_rows:.4%}); baseline inexact rows: {int(base['inexact'].sum())}; "
          f"rows differing: {int(diff_rows.sum())} {per_rule}", flush=True)
    if diff_rows.any():
        idx = np.nonzero(diff_rows)[0][:5]
        print("  first differing rows:", idx.tolist(), flush=True)
        np.save("/tmp/rev18/data/col_diff_rows.npy", np.nonzero(diff_rows)[0])
    edge = float(np.mean(t.column("executed").to_numpy() == t.column("budget_final").to_numpy()))
    print(f"  spent == budget in {edge:.1%} of rows", flush=True)
    del res, base
    ta, tb, tc = [], [], []
    for _ in range(rounds):
        for fn, acc in ((lambda: cs.score(t), ta), (lambda: npbase.score(t, PLUGIN), tb),
                        (lambda: npbase.score_chunked(t, 131072, PLUGIN), tc)):
            gc.collect()
            t0 = time.process_time()
            fn()
            acc.append(time.process_time() - t0)
    a, b, cc = min(ta), min(tb), min(tc)
    print(f"  columnar {t.num_rows:,} rows: perfscore {a:.2f} s CPU; numpy whole {b:.2f} s ({a / b:.2f}x); "
          f"numpy in 131,072-row chunks {cc:.2f} s ({a / cc:.2f}x); load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
