"""Per-subject figures of #18 on rev18's set: CPU-time ratios against rev18's hand-written
baselines in one process, best of ROUNDS alternating rounds, gc.collect() before each.

usage: python bench_points.py [N] [ROUNDS] [families...]
"""

from __future__ import annotations

import gc
import os
import sys
import time

import perfscore
from perfscore.subjects import read_subject

import fastbase
import gen
import model
import texts

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "rules", "rev18-jtj-dept.yaml")


def best(fn_a, fn_b, rounds):
    ta, tb = [], []
    for _ in range(rounds):
        for fn, acc in ((fn_a, ta), (fn_b, tb)):
            gc.collect()
            t0 = time.process_time()
            fn()
            acc.append(time.process_time() - t0)
    return min(ta), min(tb)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    fams = sys.argv[3:] or ["bureau", "exact", "clean"]
    rs = perfscore.load_ruleset(RULES)
    ev = rs.evaluator
    specs = rs.inputs
    sc = model.Scorer(model.DEC)
    print(f"load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; n={n} rounds={rounds}; "
          f"perfscore at {perfscore.__file__}", flush=True)
    for fam in fams:
        recs = gen.records(n, family=fam)
        sds = [read_subject(r, specs, index=i, subject_type="department") for i, r in enumerate(recs)]
        vals = [model.read_record(r, model.DEC) for r in recs]
        # agreement of the points path with the baseline (totals and every indicator's points)
        dis = 0
        for sd, v in zip(sds, vals, strict=True):
            pts, tot = ev.points(sd)
            R, t, *_ = sc.score(v, with_checks=False)
            if tot != t or any((R[k][1] if R[k][0] in ("pass", "fail") else None) != pts.get(k) for k in R if k != "@total"):
                dis += 1
        res = {}

        def e_points():
            for sd in sds:
                ev.points(sd)

        def b_points():
            for v in vals:
                sc.score(v, with_checks=False)

        def f_points():
            for v in vals:
                fastbase.points(v)

        def f_points_raw():
            for r in recs:
                fastbase.points(model.read_record(r, model.DEC))

        def e_points_raw():
            for i, r in enumerate(recs):
                ev.points(read_subject(r, specs, index=i, subject_type="department"))

        def b_points_raw():
            for r in recs:
                sc.score(model.read_record(r, model.DEC), with_checks=False)

        def e_findings():
            rs.evaluate(recs)

        def b_findings():
            for r in recs:
                v = model.read_record(r, model.DEC)
                R, t, g, cov, ch = sc.score(v)
                texts.findings_plain(r["id"], v, R, ch, sc)

        def e_texts():
            rep = rs.evaluate(recs)
            for s in rep.subjects:
                for f in s.findings:
                    f.message, f.message_en, f.display, f.reason, f.fingerprint  # noqa: B018

        def e_texts_true():
            rep = rs.evaluate(recs, texts=True)
            for s in rep.subjects:
                for f in s.findings:
                    f.message, f.message_en, f.display, f.reason, f.fingerprint  # noqa: B018

        def b_texts():
            for r in recs:
                v = model.read_record(r, model.DEC)
                R, t, g, cov, ch = sc.score(v)
                texts.findings_texts(r["id"], v, R, ch, sc)

        def bt_texts():
            for r in recs:
                v = model.read_record(r, model.DEC)
                R, t = fastbase.full(v)
                texts.findings_texts(r["id"], v, R, sc.checks(v), sc)

        for key, a, b in (("points (values read)", e_points, b_points),
                          ("points (values read) vs the tight baseline (fastbase.py)", e_points, f_points),
                          ("points from the raw record", e_points_raw, b_points_raw),
                          ("points from the raw record vs reader + tight baseline", e_points_raw, f_points_raw),
                          ("full findings, texts when read", e_findings, b_findings),
                          ("every text read", e_texts, b_texts),
                          ("texts=True, every text read", e_texts_true, b_texts),
                          ("every text read vs tight baseline (fastbase.full + texts)", e_texts, bt_texts),
                          ("texts=True vs tight baseline", e_texts_true, bt_texts)):
            ta, tb = best(a, b, rounds)
            res[key] = (ta, tb)
            print(f"  [{fam}] {key}: {ta / tb:.2f}x  ({ta / n * 1e6:.0f} vs {tb / n * 1e6:.0f} us/subject)"
                  f"{'; points disagree on %d of %d' % (dis, n) if key.startswith('points (') else ''}", flush=True)
    print(f"load after {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
