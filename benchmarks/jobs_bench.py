"""``perfscore score --jobs 2`` against ``--jobs 1`` through the CLI, in one script.

The data look like departments' (a third spend exactly their budget, so rates of exactly
100% are common); the two runs alternate and each ratio is the best of the rounds.  The
machine's load average is printed beside the figure: the machine is shared, and a second
worker only helps when a second core is free.

    .venv/bin/python benchmarks/jobs_bench.py 20000 --formats json jsonl csv
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen  # noqa: E402

Row = Callable[..., None]


def records(n: int, n_indicators: int = 30, seed: int = 5) -> list[dict]:
    """``gen.records`` with a third of the departments spending exactly their budget."""
    rnd = random.Random(seed)
    recs = gen.records(n_indicators, n, seed=seed)
    for r in recs:
        values = r["values"]
        for i in range(n_indicators):
            if rnd.random() < 1 / 3:
                values[f"a{i}"] = values[f"b{i}"]
    return recs


def _perfscore() -> str:
    return str(Path(sys.executable).with_name("perfscore"))


def _time(argv: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t


def cli_jobs(row: Row, n: int, formats: list[str], rounds: int = 1, jobs: int = 2) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "bench30.yaml")
        Path(rules).write_text(gen.ruleset_text(30), encoding="utf-8")
        data = os.path.join(tmp, "departments.json")
        Path(data).write_text(
            json.dumps({"subjects": records(n)}, ensure_ascii=False), encoding="utf-8"
        )
        for fmt in formats:
            best: dict[int, float] = {}
            outs = {}
            for _ in range(rounds):
                for j in (1, jobs):
                    out = os.path.join(tmp, f"out{j}.{fmt}")
                    argv = [_perfscore(), "score", rules, data, "--jobs", str(j), "-o", out]
                    best[j] = min(best.get(j, float("inf")), _time(argv))
                    outs[j] = out
            same = filecmp.cmp(outs[1], outs[jobs], shallow=False)
            load = os.getloadavg()[0]
            row(
                f"score --jobs {jobs} vs --jobs 1, {n:,} subj. → {fmt}",
                f"{best[1] / best[jobs]:.2f}×",
                f"speed-up; {best[1]:.1f} s vs {best[jobs]:.1f} s, identical={same}, "
                f"load {load:.1f}, {os.cpu_count()} CPUs",
            )


def _print_row(name: str, figure: str, note: str = "") -> None:
    print(f"{name:<52} {figure:>10}  {note}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("subjects", type=int, nargs="?", default=20_000)
    ap.add_argument("--formats", nargs="+", default=["jsonl", "json", "csv"])
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args(argv)
    cli_jobs(_print_row, args.subjects, args.formats, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
