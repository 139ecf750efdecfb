"""rev18 finding: a pure plug-in function in a scorer's target costs the columnar path about a
microsecond per row although its argument takes 9 values (docs/customising.md: "called once per
distinct combination of the inputs behind it").  Same 200,000 rows, the same rule set but for the
target: staff_tolerance(n) vs 0.  Run: python repro/plugin_pure_cost.py
"""
import gc
import time
from decimal import Decimal

import numpy as np
import pyarrow as pa
import perfscore
from perfscore.columnar import ColumnarScorer
from perfscore.functions import Function
from perfscore.plugins import register_function


def _tol(n):
    return Decimal(1) if 0 < n < 50 else Decimal(0)


register_function(Function("staff_tol_repro", _tol, 1, 1, "number", "1 below 50 posts", pure=True))

RULES = """
perfscore: 1
id: plugin_cost
title: 在职人员控制
version: "1"
inputs:
  staff_actual: {type: integer, title: 在职人员数}
  staff_authorised: {type: integer, title: 编制数}
  rate: {type: percent, title: 预算执行率}
metrics:
  staff_over: {title: 超编人数, expr: staff_actual - staff_authorised}
indicators:
  - {id: staff, title: 在职人员控制, weight: 50, value: staff_over, scorer: {type: threshold, op: "<=", target: TARGET}}
  - {id: exec, title: 预算执行率, weight: 50, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
"""
rng = np.random.default_rng(1)
n = 200_000
sa = rng.choice([12, 25, 40, 49, 50, 51, 80, 150, 300], n)
t = pa.table({"staff_authorised": sa, "staff_actual": sa + rng.choice([0, 1, 2, -2], n),
              "rate": rng.choice([95.0, 100.0, 90.0], n)})
with_fn = ColumnarScorer(perfscore.load_ruleset_text(RULES.replace("TARGET", "staff_tol_repro(staff_authorised)")))
without = ColumnarScorer(perfscore.load_ruleset_text(RULES.replace("TARGET", "0")))
print("per_row:", with_fn.per_row)
best = {"plug-in target": [], "target 0": []}
for _ in range(5):
    for k, cs in (("plug-in target", with_fn), ("target 0", without)):
        gc.collect()
        t0 = time.process_time()
        cs.score(t)
        best[k].append(time.process_time() - t0)
a, b = min(best["plug-in target"]), min(best["target 0"])
print(f"{n:,} rows: plug-in target {a:.3f} s, target 0 {b:.3f} s CPU: +{(a - b) / n * 1e6:.2f} us/row for a "
      f"pure function of 9 distinct values")
