"""Compare a Parquet findings file (perfscore score T.parquet -o F.parquet) with rev18's numpy on T.

usage: python cmp_parquet.py F.parquet T.parquet [totals|all]
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import npbase

OUT = {"pass": 0, "fail": 1, "not_applicable": 2, "error": 3}
GRADES = ["excellent", "good", "fair", "poor", "poor_accident"]


def main():
    fpath, tpath = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "totals"
    f = pq.read_table(fpath, columns=["subject", "rule_id", "outcome", "points", "grade"])
    t = pq.read_table(tpath)
    base = npbase.score(t)
    ids = t.column("id").to_pylist()
    rid = f.column("rule_id").combine_chunks()
    if isinstance(rid, pa.DictionaryArray):
        rid = rid.dictionary_decode()
    rules = ["@total"] if mode == "totals" else None
    if rules is None:
        rules = sorted(set(base["rules"]) | set(base["checks"]) | {"@total"})
    bad = {}
    for r in rules:
        sel = f.filter(pc.equal(rid, r))
        subj = sel.column("subject").to_pylist()
        if subj != ids:
            bad[r] = "subject order differs"
            continue
        pts = sel.column("points")
        has = pts.is_valid().to_numpy(zero_copy_only=False)
        cents = np.array([0 if x is None else int(x.scaleb(2)) for x in pts.to_pylist()], dtype=np.int64)
        if r == "@total":
            d = (has != base["has_total"]) | (has & (cents != base["total"]))
            g = sel.column("grade").to_pylist()
            gi = np.array([-1 if x is None else GRADES.index(x) for x in g], dtype=np.int8)
            d |= gi != base["grade"]
        elif r in base["checks"]:
            o = np.array([OUT[x] for x in sel.column("outcome").to_pylist()], dtype=np.int8)
            d = o != base["checks"][r]
        else:
            bp, bo, _ = base["rules"][r]
            o = np.array([OUT[x] for x in sel.column("outcome").to_pylist()], dtype=np.int8)
            d = (o != bo) | (((bo == 0) | (bo == 1)) & (cents != bp))
        if d.any():
            bad[r] = int(d.sum())
    print(f"{fpath}: {f.num_rows:,} finding rows, {len(ids):,} subjects; rules compared: {len(rules)}; "
          f"cells differing from rev18's numpy: {bad or 0}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
