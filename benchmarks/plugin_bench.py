"""A bureau's own functions in a large run (#18, columnar/rowexpr.py): ``perfscore score
DATA.parquet -o findings.parquet`` on the team's 30-indicator department family (``dept30``:
27 rate metrics, blanks, zero denominators, spent exactly the budget) in three versions —
as written, with one metric's ``x / y`` written as a plug-in call ``rate(x, y)``, and with
three metrics through three plug-in functions — each routed (by columns; the plug-in
metrics per row) against ``--no-columnar`` (the whole set record by record, which is what a
plug-in function forced before session 13), and against the set without a function.

    .venv/bin/python benchmarks/plugin_bench.py [ROWS] [ROUNDS] [--pure] [--no-record]

Times are this process's CPU time (the runs are in this process, single-threaded), best of
``ROUNDS`` alternating; every routed file is checked byte-identical to its ``--no-columnar``
file.  ``--pure``: the functions are declared ``pure=True`` (called once per distinct pair
of inputs; on this data nearly every pair is distinct, so it shows the cost of grouping);
``--no-record``: the routed runs only (the ``--no-columnar`` runs take ~90 s CPU each at
100,000 rows and do not change with the columnar code)."""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import families  # noqa: E402

from perfscore.functions import DEFAULT_FUNCTIONS, Function  # noqa: E402

#: metric → the plug-in function its ``x / y`` is written as (one, then three)
ONE = {"m0": "rate"}
THREE = {"m0": "rate", "m9": "share", "m18": "ratio_of"}


def _div(a: Decimal, b: Decimal) -> Decimal:
    return a / b  # a zero b: decimal's DivisionByZero, a division by zero per record


def register(pure: bool) -> None:
    for name in ("rate", "share", "ratio_of"):
        if DEFAULT_FUNCTIONS.get(name) is None:
            DEFAULT_FUNCTIONS.add(Function(name, _div, 2, 2, "number", "x / y", pure))


def ruleset(calls: dict[str, str]) -> str:
    text = families.ruleset_text(families.family("dept30"))
    for metric, fn in calls.items():
        text, n = re.subn(
            rf"^(  {metric}: \{{expr: )'(\w+) / (\w+)'", rf"\1'{fn}(\2, \3)'", text, flags=re.M
        )
        assert n == 1, metric
    return text


def write_data(path: str, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = families.columns(families.family("dept30"), n)
    ids = [f"d{i:07d}" for i in range(n)]
    pq.write_table(pa.table({"id": ids, **cols}), path)


def _cli(argv: list[str]) -> float:
    from perfscore.cli import main

    t = time.process_time()
    main(argv, stdout=io.StringIO(), stderr=io.StringIO())
    return time.process_time() - t


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    n = int(args[0]) if args else 100_000
    rounds = int(args[1]) if len(args) > 1 else 2
    pure = "--pure" in argv
    register(pure)
    print(f"load average {os.getloadavg()}; {n:,} rows; rounds {rounds}; pure={pure}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        data, warm = os.path.join(tmp, "d.parquet"), os.path.join(tmp, "w.parquet")
        write_data(data, n)
        write_data(warm, 50)
        sets: dict[str, str] = {}
        for name, calls in (("none", {}), ("one", ONE), ("three", THREE)):
            sets[name] = os.path.join(tmp, f"{name}.yaml")
            Path(sets[name]).write_text(ruleset(calls), encoding="utf-8")
        from perfscore import load_ruleset
        from perfscore.columnar import ColumnarScorer
        from perfscore.columnar.reasons import readers

        calls_of = {"none": [], "one": list(ONE), "three": list(THREE)}

        cols = families.columns(families.family("dept30"), n)
        for name, path in sets.items():
            cs = ColumnarScorer(load_ruleset(path))
            sent = int(cs.score(cols).fallback.sum()) if cs.supported else n
            c = cs.rs.compiled
            leaves = sorted({r for m in calls_of[name] for r in readers(c, m)})
            print(
                f"  {name}: columnar={cs.supported}, rows sent wholly per record {sent:,} of "
                f"{n:,}; computed per row: {len(calls_of[name])} metric(s) read by "
                f"{len(leaves)} of {len(cs.rule_ids)} rules ({', '.join(leaves)}); "
                f"per_row: {cs.per_row}",
                flush=True,
            )
            for extra in ([], ["--no-columnar"]):  # imports and first-use caches: not timed
                _cli(["score", path, warm, "-o", os.path.join(tmp, "warm-out.parquet"), *extra])
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for name, path in sets.items():
                modes = (("routed", []), ("record", ["--no-columnar"]))
                for mode, extra in modes[:1] if "--no-record" in argv else modes:
                    if (
                        name == "none"
                        and mode == "record"
                        and rounds > 1
                        and times.get((name, mode))
                    ):
                        continue  # (the slowest run, and only a reference)
                    out = os.path.join(tmp, f"{name}-{mode}.parquet")
                    times.setdefault((name, mode), []).append(
                        _cli(["score", path, data, "-o", out, *extra])
                    )
        best = {k: min(v) for k, v in times.items()}
        for name in sets:
            if "--no-record" in argv:
                r = best[(name, "routed")]
                print(f"{name:>5} plug-in set: routed {r:.2f} s CPU, vs the set without a "
                      f"function {r / best[('none', 'routed')]:.2f}×", flush=True)  # fmt: skip
                continue
            same = (
                Path(tmp, f"{name}-routed.parquet").read_bytes()
                == Path(tmp, f"{name}-record.parquet").read_bytes()
            )
            r, p = best[(name, "routed")], best[(name, "record")]
            print(
                f"{name:>5} plug-in set: routed {r:.2f} s CPU, --no-columnar {p:.2f} s "
                f"({p / r:.1f}× faster routed), routed vs the set without a function "
                f"{r / best[('none', 'routed')]:.2f}×, identical={same}",
                flush=True,
            )
    print(f"load average {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
