"""Agreement check: perfscore's findings against rev18's Fraction oracle and Decimal baseline.

usage: python check.py N FAMILY [--show K]
Prints disagreements per rule (outcome or points), total and grade; exit 1 if any.
"""

from __future__ import annotations

import collections
import json
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import perfscore

import gen
import model

HERE = Path(__file__).parent
RULES = HERE / "rules" / "rev18-jtj-dept.yaml"
CHECKS = {"nature_adds_up", "reported_rate_agrees", "budget_positive", "three_public_within", "low_exec_explained"}
OUTC = {"pass": "pass", "fail": "fail", "not_applicable": "na", "error": "error"}


def engine_view(res):
    out = {}
    for sc in res.scores:
        out[sc.rule_id] = (OUTC.get(sc.outcome, sc.outcome), None if sc.points is None else Fraction(sc.points))
    for f in res.findings:
        if f.rule_id not in out:
            out[f.rule_id] = (OUTC.get(f.outcome, f.outcome), None if f.points is None else Fraction(f.points))
    return out, (None if res.total is None else Fraction(res.total)), res.grade


def model_view(rec, B):
    v = model.read_record(rec, B)
    R, total, grade, cov, checks = model.Scorer(B).score(v)
    out = {}
    for k, (o, p) in R.items():
        if k == "@total":
            continue
        out[k] = (o, None if p is None else Fraction(p))
    for k, o in checks.items():
        out[k] = (o, None)
    return out, (None if total is None else Fraction(total)), grade


def compare(recs, show=5):
    rs = perfscore.load_ruleset(str(RULES))
    rep = rs.evaluate(recs)
    bad = collections.Counter()
    examples = collections.defaultdict(list)
    nsub = 0
    for rec, res in zip(recs, rep.subjects, strict=True):
        nsub += 1
        e, et, eg = engine_view(res)
        for name, B in (("fraction", model.FRAC), ("decimal", model.DEC)):
            m, mt, mg = model_view(rec, B)
            for k, (mo, mp) in m.items():
                eo, ep = e.get(k, ("absent", None))
                if eo != mo or (mo in ("pass", "fail") and k not in CHECKS and ep != mp):
                    bad[(name, k)] += 1
                    if len(examples[(name, k)]) < show:
                        examples[(name, k)].append((rec["id"], f"engine {eo} {ep}", f"{name} {mo} {mp}"))
            if mt != et:
                bad[(name, "@total")] += 1
                if len(examples[(name, "@total")]) < show:
                    examples[(name, "@total")].append((rec["id"], f"engine {et}", f"{name} {mt}"))
            if mg != eg:
                bad[(name, "@grade")] += 1
                if len(examples[(name, "@grade")]) < show:
                    examples[(name, "@grade")].append((rec["id"], f"engine {eg}", f"{name} {mg}"))
    return nsub, bad, examples


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    fam = sys.argv[2] if len(sys.argv) > 2 else "bureau"
    recs = gen.records(n, family=fam)
    nsub, bad, examples = compare(recs)
    print(f"{fam}: {nsub} subjects; disagreements: {sum(bad.values())}")
    for key, cnt in sorted(bad.items(), key=lambda kv: -kv[1]):
        print(f"  {key[0]:8s} {key[1]:22s} {cnt}")
        for ex in examples[key]:
            print("      ", *ex)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
