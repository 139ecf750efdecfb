"""Department data as bureaus hold it, at any size, for the ingest scale runs (#13): the
columns of ``rules/cn-dept-overall.yaml`` under Chinese headers with units, a title row above
the header and a 合计 row below; 40 % of departments spend exactly their budget, most have no
supplementary budget (exactly zero), some cells are blank, some amounts carry a 万元 suffix,
and the review tiers (评审等次) come from the template's drop-down.  CSV is written in GBK, as
an office PC saves it.

    .venv/bin/python benchmarks/departments.py 10000 100000 [csv|xlsx] [parquet]
    .venv/bin/python benchmarks/departments.py 10000 100000 json yaml [load]
    .venv/bin/python benchmarks/departments.py 10000 100000 csv parquet record

Each run is ``perfscore score cn-dept-overall FILE -o out.jsonl`` (``parquet``: ``-o
out.parquet``; ``record``: with ``--no-columnar``) in a fresh process: wall and CPU time, peak
RSS (VmHWM).  ``json``/``yaml`` write the same departments as a JSON/YAML list of subjects;
with ``load`` only their records are read (as ``perfscore score`` reads them), not scored.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingest_bench import write_sheet_csv, write_sheet_xlsx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

HEADER = [
    "部门编码",
    "部门名称",
    "主管部门",
    "全年预算数（万元）",
    "执行数（万元）",
    "年初预算数（万元）",
    "本年追加预算数（万元）",
    "在职人员数（人）",
    "编制数（人）",
    "社会公众或服务对象满意度（%）",
    "绩效目标合理性（评审等次）",
    "绩效指标明确性（评审等次）",
    "管理制度健全性（评审等次）",
    "资金使用合规性（评审等次）",
    "履职效益（评审等次）",
]
TIERS = ("achieved", "partial", "not_achieved")


def rows(n: int, seed: int = 13) -> Iterator[list[Any]]:
    rnd = random.Random(seed)
    for i in range(n):
        budget = Decimal(rnd.randint(8_000, 6_000_000)) / 100
        spent = (
            budget
            if rnd.random() < 0.4
            else (budget * rnd.randint(60, 100) / 100).quantize(Decimal("0.01"))
        )
        initial = (
            budget if rnd.random() < 0.7 else (budget * Decimal("0.9")).quantize(Decimal("0.01"))
        )
        authorised = rnd.randint(5, 400)
        row: list[Any] = [
            f"D{i:06d}",
            f"第{i}局",
            f"主管{i % 37}",
            budget,
            f"{spent}万元" if rnd.random() < 0.03 else spent,
            initial,
            budget - initial,
            authorised - rnd.randint(0, 5),
            authorised,
            None if rnd.random() < 0.05 else rnd.randint(800, 1000) / 10,
            *(rnd.choices(TIERS, (8, 2, 1))[0] for _ in range(5)),
        ]
        if rnd.random() < 0.02:  # a blank optional cell
            row[5] = None
        yield [float(v) if isinstance(v, Decimal) else v for v in row]


def write_csv(path: str, n: int) -> None:
    write_sheet_csv(path, HEADER, rows(n), encoding="gbk")  # as a Chinese office saves it


def write_xlsx(path: str, n: int) -> None:
    write_sheet_xlsx(path, HEADER, rows(n))


#: the input each column after the id, name and parent fills (rules/cn-dept-overall.yaml)
INPUTS = [
    "budget",
    "executed",
    "initial_budget",
    "supplementary_budget",
    "staff_actual",
    "staff_authorised",
    "satisfaction",
    "targets_reasonable_tier",
    "targets_clear_tier",
    "rules_sound_tier",
    "compliance_tier",
    "benefit_tier",
]


def subjects(n: int) -> Iterator[dict[str, Any]]:
    """The same departments as JSON/YAML subjects (amounts as numbers, blanks left out)."""
    for row in rows(n):
        values = {
            k: float(v.removesuffix("万元")) if isinstance(v, str) and v.endswith("万元") else v
            for k, v in zip(INPUTS, row[3:], strict=True)
            if v is not None
        }
        yield {"id": row[0], "name": row[1], "parent": row[2], "values": values}


def write_json(path: str, n: int) -> None:
    import json

    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        for i, s in enumerate(subjects(n)):
            fh.write((",\n" if i else "") + json.dumps(s, ensure_ascii=False))
        fh.write("\n]\n")


def write_yaml(path: str, n: int) -> None:
    """Block style, as a person or a script writes a list of departments."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("subjects:\n")
        for s in subjects(n):
            fh.write(f"  - id: {s['id']}\n    name: {s['name']}\n    parent: {s['parent']}\n")
            fh.write("    values:\n")
            fh.writelines(f"      {k}: {v}\n" for k, v in s["values"].items())


_CHILD = """
import sys, time
sys.path.insert(0, {src!r})
from perfscore.cli import main
t, cpu = time.perf_counter(), time.process_time()
code = main(["score", "cn-dept-overall", {path!r}, "-o", {out!r}, *{extra!r}])
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
with open("/proc/self/status") as fh:
    peak = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024
print(code, elapsed, peak, cpu)
"""


_LOAD = """
import sys, time
sys.path.insert(0, {src!r})
import perfscore
from perfscore.ingest import open_data
rs = perfscore.load_ruleset({rules!r})
t, cpu = time.perf_counter(), time.process_time()
code = 0
for src in open_data({path!r}):
    for record in src.records(rs):
        code += 1
elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
with open("/proc/self/status") as fh:
    peak = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024
print(code, elapsed, peak, cpu)
"""


def end_to_end(
    path: str, out: str, *, load: bool = False, extra: tuple[str, ...] = ()
) -> tuple[int, float, float, float]:
    """(exit status, seconds, peak RSS MB, CPU seconds) of ``perfscore score cn-dept-overall
    PATH -o OUT`` in a fresh process (on a shared machine the CPU time says more than the
    wall clock); with ``load``, of reading the records only (the first number: how many)."""
    code = (_LOAD if load else _CHILD).format(
        src=str(ROOT / "src"),
        path=path,
        out=out,
        rules=str(ROOT / "rules" / "cn-dept-overall.yaml"),
        extra=extra,
    )
    got = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    return int(got[0]), float(got[1]), float(got[2]), float(got[3])


Figures = dict[str, list[tuple[int, float, float, float]]]


def run(
    row: Callable[..., None],
    sizes: list[int],
    kinds: tuple[str, ...] = ("csv", "xlsx"),
    *,
    output: str = "jsonl",
    load: bool = False,
    extra: tuple[str, ...] = (),
) -> Figures:
    """Write and score (or, ``load``, read) each size, in the order CSV, xlsx, JSON, YAML:
    ``{kind: [(rows, s, MB, CPU s), ...]}``."""
    got: Figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, f"out.{output}")
        for kind, writer, suffix in (
            ("CSV (GBK)", write_csv, ".csv"),
            ("xlsx", write_xlsx, ".xlsx"),
            ("JSON", write_json, ".json"),
            ("YAML", write_yaml, ".yaml"),
        ):
            if suffix[1:] not in kinds:
                continue
            for n in sizes:
                path = os.path.join(tmp, f"部门{n}{suffix}")
                writer(path, n)
                code, secs, rss, cpu = end_to_end(path, out, load=load, extra=extra)
                got.setdefault(kind, []).append((n, secs, rss, cpu))
                what = "read" if load else f"→ {output}, cn-dept-overall"
                row(
                    f"{kind} {n:,} departments {what}",
                    f"{rss:.0f} MB",
                    f"peak RSS; {secs:.1f} s ({n / secs:,.0f} rows/s), CPU {cpu:.1f} s, "
                    + (f"{code} records" if load else f"exit {code}"),
                )
    return got


def _print_row(name: str, figure: str, note: str = "") -> None:
    print(f"{name:<50} {figure:>8}  {note}", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    kinds = tuple(a for a in args if a in ("csv", "xlsx", "json", "yaml")) or ("csv", "xlsx")
    run(
        _print_row,
        [int(a) for a in args if a.isdigit()] or [10_000, 100_000],
        kinds,
        output="parquet" if "parquet" in args else "jsonl",
        load="load" in args,
        extra=("--no-columnar",) if "record" in args else (),
    )
