"""``perfscore score --jobs 2`` against ``--jobs 1`` through the CLI, in one script.

The data look like departments' (a third spend exactly their budget, so rates of exactly
100% are common); the two runs alternate and each ratio is the best of the rounds.  The
machine's load average is printed beside the figure: the machine is shared, and a second
worker only helps when a second core is free.

    .venv/bin/python benchmarks/jobs_bench.py 20000 --formats json jsonl csv
    .venv/bin/python benchmarks/jobs_bench.py 20000 --family mixed   # a realistic family's set
    .venv/bin/python benchmarks/jobs_bench.py 2000 --family deep50 --inputs csv  # 50 leaves
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import os
import random
import subprocess
import sys
import tempfile
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


def write_data(path: str, recs: list[dict], kind: str) -> None:
    """The records as a bureau might hand them over: a JSON document (``subjects:``), JSON
    Lines, a CSV table, a YAML list or an Excel sheet (id, name, one column per input)."""
    cols = list(dict.fromkeys(c for r in recs for c in r["values"]))  # a blank is a missing key
    if kind == "json":
        Path(path).write_text(json.dumps({"subjects": recs}, ensure_ascii=False), "utf-8")
    elif kind == "jsonl":
        Path(path).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8"
        )
    elif kind == "yaml":
        with open(path, "w", encoding="utf-8") as fh:
            for r in recs:
                fh.write(f"- id: {r['id']}\n  name: {r['name']}\n  values:\n")
                fh.writelines(f"    {c}: {v}\n" for c, v in r["values"].items())
    elif kind == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "name", *cols])
            w.writerows([r["id"], r["name"], *(r["values"].get(c) for c in cols)] for r in recs)
    elif kind == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Sheet1")
        ws.append(["id", "name", *cols])
        for r in recs:
            ws.append([r["id"], r["name"], *(r["values"].get(c) for c in cols)])
        wb.save(path)
    else:
        raise ValueError(kind)


INPUTS = ("json", "jsonl", "csv", "yaml", "xlsx")

_CHILD = """
import io, resource, sys, time
sys.path.insert(0, {src!r})
from perfscore.cli import main
t = time.perf_counter()
main({argv!r}, stdout=io.StringIO(), stderr=io.StringIO())
wall = time.perf_counter() - t
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime)
"""


def _run(argv: list[str]) -> tuple[float, float, float]:
    """(wall seconds, this process's CPU seconds, its workers' CPU seconds) of one CLI run in
    a fresh process (imports included)."""
    code = _CHILD.format(src=str(HERE.parent / "src"), argv=argv)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def cli_jobs(
    row: Row,
    n: int,
    formats: list[str],
    rounds: int = 1,
    jobs: int = 2,
    inputs: tuple[str, ...] = ("json",),
    family: str | None = None,
) -> None:
    """``family``: a realistic family's rule set and data (benchmarks/families.py) instead of
    ``gen``'s 30 indicators."""
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "bench30.yaml")
        if family is None:
            Path(rules).write_text(gen.ruleset_text(30), encoding="utf-8")
            recs = records(n)
        else:
            import families

            fam = families.family(family)
            Path(rules).write_text(families.ruleset_text(fam), encoding="utf-8")
            recs = families.records(fam, n)
        for kind in inputs:
            data = os.path.join(tmp, f"departments.{kind}")
            write_data(data, recs, kind)
            _formats(row, n, rules, data, kind, formats, rounds, jobs)


def _formats(
    row: Row, n: int, rules: str, data: str, kind: str, formats: list[str], rounds: int, jobs: int
) -> None:
    tmp = os.path.dirname(data)
    for fmt in formats:
        best: dict[int, tuple[float, float, float]] = {}
        outs = {}
        loads = []
        for _ in range(rounds):
            for j in (1, jobs):
                out = os.path.join(tmp, f"out{j}.{fmt}")
                loads.append(os.getloadavg()[0])
                got = _run(["score", rules, data, "--jobs", str(j), "-o", out])
                if j not in best or got[0] < best[j][0]:
                    best[j] = got
                outs[j] = out
        same = filecmp.cmp(outs[1], outs[jobs], shallow=False)
        (w1, c1, _), (w2, p2, k2) = best[1], best[jobs]
        row(
            f"score --jobs {jobs} vs --jobs 1, {n:,} subj. {kind} → {fmt}",
            f"{w1 / w2:.2f}×",
            f"wall {w1:.1f} s vs {w2:.1f} s, identical={same}; CPU: one process {c1:.1f} s, "
            f"--jobs {jobs}: parent {p2:.1f} s + workers {k2:.1f} s; "
            f"load {min(loads):.1f}–{max(loads):.1f}, {os.cpu_count()} CPUs",
        )


def _print_row(name: str, figure: str, note: str = "") -> None:
    print(f"{name:<52} {figure:>10}  {note}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("subjects", type=int, nargs="?", default=20_000)
    ap.add_argument("--formats", nargs="+", default=["jsonl", "json", "csv"])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--inputs", nargs="+", choices=INPUTS, default=["json"])
    ap.add_argument(
        "--family", help="a realistic family (benchmarks/families.py), e.g. mixed; or deep50"
    )
    args = ap.parse_args(argv)
    cli_jobs(
        _print_row,
        args.subjects,
        args.formats,
        args.rounds,
        inputs=tuple(args.inputs),
        family=args.family,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
