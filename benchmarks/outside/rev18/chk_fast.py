"""fastbase agrees with the oracle and perfscore's points path? usage: chk_fast.py N FAMILY"""
import sys
from fractions import Fraction
import perfscore
from perfscore.subjects import read_subject
import gen, model, fastbase
n = int(sys.argv[1]); fam = sys.argv[2]
rs = perfscore.load_ruleset("rules/rev18-jtj-dept.yaml"); ev = rs.evaluator
bad = 0
for i, r in enumerate(gen.records(n, family=fam)):
    pts, tot = ev.points(read_subject(r, rs.inputs, index=i, subject_type="department"))
    fp, ft = fastbase.points(model.read_record(r, model.DEC))
    d = [k for k in fp if fp[k] != pts.get(k)]
    if d or ft != tot:
        bad += 1
        if bad <= 5:
            print(r["id"], tot, ft, [(k, pts.get(k), fp[k]) for k in d][:5])
print(f"{fam}: fastbase vs perfscore points: {bad} of {n} subjects differ")
