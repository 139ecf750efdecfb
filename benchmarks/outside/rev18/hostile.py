"""Hostile cells: one department, one cell varied, scored four ways — a record (rs.evaluate),
a pandas object column (rs.evaluate(frame)), an Arrow string column through ColumnarScorer, and
rev18's own reader + oracle — printing where they do not agree.

usage: python hostile.py
"""

from __future__ import annotations

import math
import os
from decimal import Decimal

import pandas as pd
import perfscore
import pyarrow as pa
from perfscore.columnar import ColumnarScorer

import gen
import model

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "rules", "rev18-jtj-dept.yaml")
OUT = ("pass", "fail", "not_applicable", "error")
ORC = {"pass": "pass", "fail": "fail", "na": "not_applicable", "error": "error"}

CELLS = {
    # field: cells (money 万元, required, then a percent, an integer, a text, a yes/no)
    "executed": ["1e400", "1E+400", "9" * 40, "-0", "0.0", "１,２３４．５万元", "1,23,4", "1.234,5", "+95", "  95  ",
                 "−5", "(5)", "95万", "95 万元", "95万元整", "1e-400", "NaN", "nan", "Infinity", "inf", "0x10", "1_000",
                 "٩٥", "9.5e1", "950000元", "0.0095亿元", "95.000000000000000000000000001", "0.000001元",
                 float("nan"), float("inf"), 1e308, 10 ** 30, Decimal("95.0000000000000000000000000000001"), True, "95\t",
                 "95\u200b", "9 5", "95.", ".95", "95e", "0.95e2", "95元", "95 元", "95万 元", "95百万元"],
    "sat_public": ["95", "95%", "95％", "９５％", "0.95", "1", "0.95%", "95 %", "95%%", "%95", "-5%", "1e2", "100.0000001",
                   "9.5E+01%", "95/100", "九十五", 0.95, 95, True, "95.5%", "1%"],
    "accidents": ["0", "0.0", "1.0", "1.5", "1e0", "-0", "２", "2起", "2 起", "2件", "", "无", "0x1", 2.0, 2.5, True, "1,000"],
    "level": ["市本级", " 市本级", "市本级 ", "市本级\u3000", "區縣", "区县", 2024, 3.0, 3.5, True, ""],
    "disclosed_budget": ["是", "否", "√", "×", "✓", "✗", "Y", "n", "YES", "True", "1", "0", 1, 0, "是的", "有", " 是 ", "ｙｅｓ"],
}


def base_record():
    r = gen.records(40, family="clean")[3]
    r = {"id": "h", "name": "h", "values": dict(r["values"])}
    return r


def main():
    rs = perfscore.load_ruleset(RULES)
    cs = ColumnarScorer(rs)
    sc = model.Scorer(model.FRAC)
    base = base_record()
    reads = {"executed": "p_exec", "sat_public": "e_sat_public", "accidents": "e_accidents", "level": "e_congestion",
             "disclosed_budget": "d_disclose"}
    mism = 0
    for field, cells in CELLS.items():
        rid = reads[field]
        recs = []
        for c in cells:
            r = {"id": f"h{len(recs)}", "name": "h", "values": dict(base["values"])}
            r["values"][field] = c
            recs.append(r)
        rec_rep = rs.evaluate(recs)
        rows = [{"id": r["id"], **{k: v for k, v in r["values"].items()}} for r in recs]
        df = pd.DataFrame(rows)
        df[field] = pd.Series(cells, dtype=object)
        try:
            fr_rep = rs.evaluate(df)
            fr = [(s.finding(rid).outcome, s.finding(rid).points) for s in fr_rep.subjects]
        except Exception as e:  # noqa: BLE001
            fr = [("raised " + type(e).__name__ + ": " + str(e)[:80], None)] * len(cells)
        # Arrow: the varied column as strings (what a CSV reader without types gives)
        try:
            tab = pa.Table.from_pandas(df.drop(columns=[c for c in ("exec_hist", "pax_hist") if c in df]).astype(
                {field: str}) if False else df.assign(**{field: [None if (isinstance(c, float) and math.isnan(c)) else str(c) for c in cells]}).drop(
                columns=["exec_hist", "pax_hist"]), preserve_index=False)
            cr = cs.score(tab)
            col = [(OUT[o], None if not h else Decimal(int(p)).scaleb(-2))
                   for o, h, p in zip(cr.outcome[rid], cr.has_points[rid], cr.points[rid], strict=True)]
        except Exception as e:  # noqa: BLE001
            col = [("raised " + type(e).__name__ + ": " + str(e)[:80], None)] * len(cells)
        for i, c in enumerate(cells):
            f = rec_rep.subjects[i].finding(rid)
            a = (f.outcome, f.points)
            R, *_ = sc.score(model.read_record(recs[i], model.FRAC))
            mo, mp = R[rid]
            o = (ORC[mo], None if mp is None else Decimal(mp.numerator) / Decimal(mp.denominator))
            b = fr[i]
            s = col[i]
            same = a == b and (str(c) == c or True)
            flag = "" if (a == b) else "  <-- record vs frame differ"
            if a[0] != o[0] or (a[1] is not None and o[1] is not None and a[1] != o[1]):
                flag += "  (rev18 reader reads it otherwise)"
            print(f"{field:16s} {c!r:42.42} record {a[0]:14s} {str(a[1]):6s} frame {str(b[0])[:40]:14s} "
                  f"{str(b[1]):6s} arrow-str {str(s[0])[:30]:14s} {str(s[1]):6s} {f.reason or ''!s:.60}{flag}")
            if not same:
                mism += 1
    print(f"record vs frame mismatches: {mism}")


if __name__ == "__main__":
    main()
