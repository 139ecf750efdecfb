"""Compare a findings JSON Lines file (perfscore score ... -o x.jsonl) with rev18's Fraction oracle
on the records it was scored from: every score's outcome and points, total, grade, checks.

usage: python cmp_jsonl.py findings.jsonl records.json
"""

from __future__ import annotations

import collections
import json
import sys
from fractions import Fraction

import model

OUTC = {"pass": "pass", "fail": "fail", "not_applicable": "na", "error": "error"}


def main():
    path, recpath = sys.argv[1], sys.argv[2]
    recs = {r["id"]: r for r in json.load(open(recpath, encoding="utf-8"))}
    sc = model.Scorer(model.FRAC)
    bad = collections.Counter()
    ex = collections.defaultdict(list)
    seen = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            rec_kind = o.get("record")
            if rec_kind == "subject":
                sid = o["subject"]["id"]
                seen += 1
                v = model.read_record(recs[sid], model.FRAC)
                R, total, grade, cov, checks = sc.score(v)
                et = None if o["total"] is None else Fraction(str(o["total"]))
                mt = None if total is None else total
                if et != mt:
                    bad["@total"] += 1
                    ex["@total"].append((sid, et, mt))
                if o["grade"] != grade:
                    bad["@grade"] += 1
                    ex["@grade"].append((sid, o["grade"], grade))
                for s in o["scores"]:
                    mo, mp = R[s["rule_id"]]
                    eo = OUTC[s["outcome"]]
                    ep = Fraction(str(s["points"])) if "points" in s and s["points"] is not None else None
                    if eo != mo or (mo in ("pass", "fail") and ep != mp):
                        bad[s["rule_id"]] += 1
                        ex[s["rule_id"]].append((sid, eo, ep, mo, mp))
            elif rec_kind == "finding" and o["rule_id"] in ("nature_adds_up", "reported_rate_agrees", "budget_positive",
                                                            "three_public_within", "low_exec_explained"):
                sid = o["subject"]["id"]
                v = model.read_record(recs[sid], model.FRAC)
                chk = sc.checks(v)
                if OUTC[o["outcome"]] != chk[o["rule_id"]]:
                    bad[o["rule_id"]] += 1
                    ex[o["rule_id"]].append((sid, o["outcome"], chk[o["rule_id"]]))
    print(f"{path}: {seen} subjects; disagreements with the oracle: {sum(bad.values())} {dict(bad)}")
    for k, lst in ex.items():
        print("  ", k, lst[:3])
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
