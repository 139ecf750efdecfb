"""The bundled rule sets (and any others named) on the columnar path against the per-record
path, in this process, on data that looks like each one's (:mod:`bundled_data`: blanks, zeros,
spent = budget, band edges, series per year with blanks inside and odd cells): whether the set
plans columnar (else why not), the rows the columnar run sent to the per-record path, and CPU
time (``time.process_time``: both runs single-threaded here, far less disturbed by the other
jobs of a shared machine than the wall clock) — columnar for ``rows`` rows against per record
for ``sample`` rows scaled to ``rows``.  Run::

    .venv/bin/python benchmarks/bundled_bench.py [--rows 20000] [--sample 1000] [RULES.yaml …]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

from bundled_data import columns

import perfscore
from perfscore.columnar import ColumnarScorer

ROOT = Path(__file__).resolve().parent.parent


def _record(cols: dict[str, Any], i: int) -> dict[str, Any]:
    out = {}
    for k, v in cols.items():
        x = v[i]
        if isinstance(x, float) and math.isnan(x):
            x = None
        out[k] = x.item() if hasattr(x, "item") and not isinstance(x, (dict, list)) else x
    return out


def measure(path: Path, rows: int, sample: int, seed: int = 11) -> dict[str, Any]:
    """One rule set: planned columnar or why not; rows per record; CPU seconds both ways."""
    rs = perfscore.load_ruleset(path)
    cs = ColumnarScorer(rs)
    cols = columns(rs, rows, seed)
    cs.score(columns(rs, 64, seed + 1))  # warm: imports (pandas for text columns) not timed
    t = time.process_time()
    res = cs.score(cols)
    columnar = time.process_time() - t
    recs = [_record(cols, i) for i in range(min(sample, rows))]
    t = time.process_time()
    for i, rec in enumerate(recs):
        rs.evaluate_subject(rec, index=i)
    per_record = (time.process_time() - t) * rows / max(1, len(recs))
    return {
        "rule set": path.stem,
        "columnar": cs.reason or "yes",
        "rows per record": int(res.fallback.sum()),
        "rows": rows,
        "columnar s": columnar,
        "per record s (est.)": per_record,
        "speed-up": per_record / columnar if columnar else math.inf,
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rules", nargs="*", type=Path, help="rule sets (default: rules/*.yaml)")
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--sample", type=int, default=1000, help="per-record rows measured")
    args = ap.parse_args(argv)
    paths = args.rules or sorted((ROOT / "rules").glob("*.yaml"))
    paths = [p for p in paths if not p.name.endswith(".tests.yaml")]  # (test cases)
    out = [measure(p, args.rows, args.sample) for p in paths]
    print("| rule set | columnar? | rows per record | columnar CPU | per record (est.) | × |")
    print("|---|---|---|---|---|---|")
    for r in out:
        print(
            f"| {r['rule set']} | {r['columnar']} | {r['rows per record']} of {r['rows']:,} | "
            f"{r['columnar s']:.2f} s | {r['per record s (est.)']:.1f} s | {r['speed-up']:.0f}× |"
        )
    return out


if __name__ == "__main__":
    main()
