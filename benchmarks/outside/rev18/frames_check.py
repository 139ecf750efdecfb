"""The shapes a bureau hands over, scored by perfscore and checked against rev18's oracle:
  1. the GBK CSV read with pandas dtype=str (title row skipped, 合计 row dropped) -> rs.evaluate(frame)
  2. a DataFrame built from the JSON records (object columns: floats, '1,234.5万元', 是/否, blanks,
     {year: cell} mappings for the series) -> rs.evaluate(frame)
  3. an Arrow table (colgen, 20,000 rows) -> rs.evaluate(table) against rev18's numpy
usage: python frames_check.py [csv records arrow]
"""

from __future__ import annotations

import json
import os
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import perfscore

import colgen
import model
import npbase
import prep

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "rules", "rev18-jtj-dept.yaml")
DATA = os.environ.get("REV18_DATA", "/tmp/rev18/data")
OUTC = {"pass": "pass", "fail": "fail", "not_applicable": "na", "error": "error"}


def against_oracle(label, report, recs):
    sc = model.Scorer(model.FRAC)
    bad = {}
    ex = []
    subs = report.subjects
    if len(subs) != len(recs):
        print(f"  {label}: {len(subs)} subjects scored for {len(recs)} records")
    for res, rec in zip(subs, recs, strict=False):
        R, total, grade, cov, checks = sc.score(model.read_record(rec, model.FRAC))
        et = None if res.total is None else Fraction(res.total)
        diffs = []
        if et != total:
            diffs.append(("@total", et, total))
        if res.grade != grade:
            diffs.append(("@grade", res.grade, grade))
        for s in res.scores:
            mo, mp = R[s.rule_id]
            eo = OUTC[s.outcome]
            ep = None if s.points is None else Fraction(s.points)
            if eo != mo or (mo in ("pass", "fail") and ep != mp):
                diffs.append((s.rule_id, eo, ep, mo, mp))
        for f in res.findings:
            if f.rule_id in checks and OUTC[f.outcome] != checks[f.rule_id]:
                diffs.append((f.rule_id, f.outcome, checks[f.rule_id]))
        for d in diffs:
            bad[d[0]] = bad.get(d[0], 0) + 1
        if diffs and len(ex) < 5:
            ex.append((rec["id"], res.subject.id, diffs[:3]))
    print(f"  {label}: {len(subs)} subjects; rules differing from the oracle: {bad or 0}", flush=True)
    for e in ex:
        print("     ", e)
    return bad


def main():
    what = sys.argv[1:] or ["csv", "records", "arrow"]
    rs = perfscore.load_ruleset(RULES)
    recs = json.load(open(os.path.join(DATA, "bureau5k.json"), encoding="utf-8"))[:2000]
    if "csv" in what:
        path = os.path.join(DATA, "bureau2k.csv")
        prep.write_csv(recs, path)
        df = pd.read_csv(path, encoding="gbk", header=1, dtype=str)
        df = df[df["单位编码"] != "合计"]
        rep = rs.evaluate(df)
        ids_ok = [s.subject.id for s in rep.subjects] == [r["id"] for r in recs]
        print(f"  csv dtype=str frame: subject ids as in the file: {ids_ok}")
        against_oracle("GBK CSV read by pandas with dtype=str", rep, recs)
    if "records" in what:
        rows = []
        for r in recs:
            row = {"id": r["id"], "name": r["name"]}
            row.update(r["values"])
            rows.append(row)
        df = pd.DataFrame(rows)
        rep = rs.evaluate(df)
        against_oracle("DataFrame of the JSON records (object columns, mapping cells)", rep, recs)
    if "arrow" in what:
        t = colgen.table(20000, seed=7)
        rep = rs.evaluate(t)
        base = npbase.score(t)
        tot = np.array([-1 if s.total is None else int(s.total.scaleb(2)) for s in rep.subjects])
        bt = np.where(base["has_total"], base["total"], -1)
        grades = ["excellent", "good", "fair", "poor", "poor_accident"]
        g = np.array([-1 if s.grade is None else grades.index(s.grade) for s in rep.subjects])
        print(f"  Arrow table, rs.evaluate: {len(rep.subjects)} subjects; totals differing from numpy: "
              f"{int((tot != bt).sum())}; grades differing: {int((g != base['grade']).sum())}", flush=True)


if __name__ == "__main__":
    main()
