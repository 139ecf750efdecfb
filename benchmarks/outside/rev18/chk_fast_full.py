"""fastbase.full outcomes agree with the engine (leaves with points)? usage: chk_fast_full.py N FAMILY"""
import sys
import perfscore
import gen, model, fastbase
n = int(sys.argv[1]); fam = sys.argv[2]
rs = perfscore.load_ruleset("rules/rev18-jtj-dept.yaml")
rep = rs.evaluate(gen.records(n, family=fam))
bad = 0
for rec, s in zip(gen.records(n, family=fam), rep.subjects):
    R, t = fastbase.full(model.read_record(rec, model.DEC))
    for sc in s.scores:
        o, p = R[sc.rule_id]
        if sc.points is not None and (o != sc.outcome or p != sc.points):
            bad += 1
            if bad < 5: print(rec["id"], sc.rule_id, sc.outcome, sc.points, o, p)
print(f"{fam}: fastbase.full vs engine outcomes/points: {bad} differing")
