"""Peak memory of ``RuleSet.iter_evaluate`` over a generated stream of subjects, at two sizes
in fresh processes: flat means it does not grow with the number of subjects.

    .venv/bin/python benchmarks/memory_bench.py 100000 1000000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

Row = Callable[..., None]

_CHILD = r"""
import sys, time
sys.path.insert(0, {here!r})
import gen, perfscore
rs = perfscore.load_ruleset_text(gen.ruleset_text({k}), source="bench.yaml")
template = gen.records({k}, 1000, seed=3)

def subjects(n):
    for i in range(n):
        r = template[i % 1000]
        yield {{"id": f"d{{i}}", "name": r["name"], "values": dict(r["values"])}}

t = time.perf_counter()
n = graded = 0
for result in rs.iter_evaluate(subjects({n})):
    n += 1
    graded += result.grade is not None
elapsed = time.perf_counter() - t
with open("/proc/self/status") as fh:
    peak = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024
print(n, elapsed, peak)
"""


def peak_rss(n: int, indicators: int = 5) -> tuple[int, float, float]:
    """(subjects, seconds, peak RSS in MB) of one fresh process streaming ``n`` subjects."""
    code = _CHILD.format(here=str(HERE), k=indicators, n=n)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def run(row: Row, sizes: list[int], indicators: int = 5) -> None:
    for n in sizes:
        got, secs, peak = peak_rss(n, indicators)
        row(
            f"iter_evaluate {got:,} subjects × {indicators} indicators",
            f"{peak:.0f} MB",
            f"peak RSS of the process; {secs:.0f} s",
        )


def _print_row(name: str, figure: str, note: str = "") -> None:
    print(f"{name:<48} {figure:>10}  {note}", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--indicators", type=int, default=5)
    args = ap.parse_args()
    run(_print_row, args.sizes, args.indicators)
