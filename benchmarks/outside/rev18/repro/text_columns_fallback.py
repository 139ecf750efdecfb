"""rev18 finding: numbers held as text in a frame or an Arrow table — what pandas gives for a
bureau's CSV (dtype=str, or the default dtypes once a column holds a '万元' or a '-') — send
EVERY row of ColumnarScorer / score_frame / rs.evaluate(frame) to the per-record path, even cells
that are plain numbers ('4009.8').  The command reading the same CSV itself scores it by columns.
Run: python repro/text_columns_fallback.py   (needs rules/rev18-jtj-dept.yaml and colgen.py)
"""
import os
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import perfscore
from perfscore.columnar import ColumnarScorer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import colgen  # noqa: E402

rs = perfscore.load_ruleset(os.path.join(os.path.dirname(__file__), "..", "rules", "rev18-jtj-dept.yaml"))
cs = ColumnarScorer(rs)
t = colgen.table(5000, seed=3)
for label, tab in (("typed columns", t),
                   ("the 9 money columns as Arrow strings ('4009.8')",
                    t.select(t.column_names) if False else None)):
    if tab is None:
        tab = t
        for m in ("budget_initial", "budget_final", "executed", "executed_h1", "carryover", "basic_exp",
                  "project_exp", "detail_amt", "adjust_amt"):
            tab = tab.set_column(tab.column_names.index(m), m, pc.cast(tab.column(m), pa.string()))
    t0 = time.process_time()
    r = cs.score(tab)
    print(f"{label}: {int(r.fallback.sum())} of {tab.num_rows} rows per record, {time.process_time() - t0:.2f} s CPU")
