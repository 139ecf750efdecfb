"""Ingest benchmark (``run.py --only ingest``): reading spreadsheets and CSV as subject records.

* rows/s of perfscore's reader (header detection, column mapping, unit/percent conversion,
  cell locations) as a RATIO to ``pandas.read_csv`` and to openpyxl's read-only iteration
  reading the same file in the same process (best of ``rounds``);
* a CSV and an ``.xlsx`` scored end to end (``perfscore score RULES FILE -o out.jsonl``) in
  a child process at two sizes, with the child's peak RSS: flat in the row count means the
  rows stream.
"""

from __future__ import annotations

import csv
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAIRS = 5
RULES = (
    "perfscore: 1\nid: ingest_bench\ntitle: 读取基准\nversion: '1'\ninputs:\n"
    + "".join(
        f"  b{i}: {{type: money, unit: 万元, title: 预算数{i}, required: true, min: 0}}\n"
        f"  e{i}: {{type: money, unit: 万元, title: 执行数{i}, min: 0}}\n"
        for i in range(PAIRS)
    )
    + "  sat: {type: percent, title: 满意度}\nindicators:\n"
    + "".join(
        f"  - {{id: x{i}, title: 执行率{i}, weight: 10, value: e{i} / b{i},"
        f" scorer: {{type: threshold, op: '>=', target: 0.95}}}}\n"
        for i in range(PAIRS)
    )
    + "  - {id: s, title: 满意度, weight: 50, value: sat,"
    " scorer: {type: threshold, op: '>=', target: 0.9}}\n"
)
HEADER = [
    "部门编码",
    "部门名称",
    *[h for i in range(PAIRS) for h in (f"预算数{i}（万元）", f"执行数{i}（万元）")],
    "满意度（%）",
]


def _rows(n: int) -> Any:
    rnd = random.Random(13)
    for r in range(n):
        vals: list[Any] = []
        for _ in range(PAIRS):
            b = round(rnd.uniform(100, 10000), 2)
            e = b if rnd.random() < 0.4 else round(b * rnd.uniform(0.6, 1.0), 2)
            vals += [b, e]
        yield [f"D{r:06d}", f"部门{r}", *vals, rnd.randint(80, 100)]


TITLE = "2023年度部门整体支出绩效自评汇总表"


def write_sheet_csv(
    path: str, header: list[str], rows: Iterable[list[Any]], encoding: str = "utf-8"
) -> None:
    """A bureau's CSV: a title row, the header, the rows, a 合计 row at the bottom."""
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow([TITLE])
        w.writerow(header)
        w.writerows(rows)
        w.writerow(["合计"])


def write_sheet_xlsx(path: str, header: list[str], rows: Iterable[list[Any]]) -> None:
    """The same as an ``.xlsx`` workbook (openpyxl, write-only)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append([TITLE])
    ws.append(header)
    for r in rows:
        ws.append(r)
    ws.append(["合计"])
    wb.save(path)
    as_excel_saves_it(path)


_INLINE = re.compile(
    r'<c r="([A-Z]+)(\d+)"((?: s="\d+")?) t="inlineStr"><is>(<t[^>]*>.*?</t>)</is></c>'
)
_ROW = re.compile(r'<row r="(\d+)"')
_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def as_excel_saves_it(path: str) -> None:
    """Rewrite an openpyxl workbook the way Excel and WPS save one: every text in the
    shared-string table (``xl/sharedStrings.xml``, one entry per distinct text, so a
    department file holds one or two per row) instead of inline, a ``<dimension>`` and
    ``spans`` on each row."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    index: dict[str, int] = {}
    last = [0, 0]

    def shared(m: re.Match[str]) -> str:
        col, row, style, text = m.groups()
        n = index.setdefault(text, len(index))
        width = 0
        for ch in col:
            width = width * 26 + ord(ch) - 64
        last[0], last[1] = max(last[0], width), max(last[1], int(row))
        return f'<c r="{col}{row}"{style} t="s"><v>{n}</v></c>'

    sheet = _INLINE.sub(shared, sheet)
    sheet = sheet.replace(
        "<sheetViews>", f'<dimension ref="A1:{_column(last[0])}{last[1]}"/><sheetViews>', 1
    )
    sheet = _ROW.sub(lambda m: f'<row r="{m.group(1)}" spans="1:{last[0]}"', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    texts = "".join(f"<si>{t}</si>" for t in index)
    parts["xl/sharedStrings.xml"] = (
        f'<sst xmlns="{ns}" count="{len(index)}" uniqueCount="{len(index)}">{texts}</sst>'
    ).encode()
    types = parts["[Content_Types].xml"].decode("utf-8")
    parts["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST}"/></Types>'
    ).encode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Type="{_SST_REL}" Target="sharedStrings.xml" Id="rIdSST"/></Relationships>',
    ).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _column(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def write_csv(path: str, n: int) -> None:
    write_sheet_csv(path, HEADER, _rows(n))


def write_xlsx(path: str, n: int) -> None:
    write_sheet_xlsx(path, HEADER, _rows(n))


def _best(fn: Callable[[], Any], rounds: int) -> float:
    """Least CPU time of ``rounds`` calls (this process's: other processes on a shared
    machine do not count; both readers are single-threaded)."""
    out = []
    for _ in range(rounds):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return min(out)


_CHILD = """
import resource, sys, time
sys.path.insert(0, {src!r})
from perfscore.cli import main
t = time.perf_counter()
code = main(["score", {rules!r}, {path!r}, "-o", {out!r}])
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(code, elapsed, peak)
"""


def _end_to_end(rules: str, path: str, out: str) -> tuple[int, float, float]:
    code = _CHILD.format(src=str(HERE.parent / "src"), rules=rules, path=path, out=out)
    got = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(got[0]), float(got[1]), float(got[2])


def run(row: Callable[..., None], n_rows: int, rounds: int) -> None:
    import perfscore
    from perfscore.ingest import open_data

    rs = perfscore.load_ruleset_text(RULES, source="ingest_bench.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules.yaml")
        Path(rules).write_text(RULES, encoding="utf-8")
        csv_path = os.path.join(tmp, "data.csv")
        xlsx_path = os.path.join(tmp, "data.xlsx")
        write_csv(csv_path, n_rows)
        write_xlsx(xlsx_path, n_rows)

        def ours(path: str) -> Callable[[], None]:
            def read() -> None:
                n = sum(1 for _ in open_data(path)[0].records(rs))
                assert n == n_rows, n

            return read

        try:
            import pandas as pd

            t_ours = _best(ours(csv_path), rounds)
            t_base = _best(lambda: pd.read_csv(csv_path, header=1, dtype=str), rounds)
            row(
                f"ingest CSV {n_rows:,} rows vs pandas.read_csv",
                f"{t_ours / t_base:.1f}×",
                f"ours {n_rows / t_ours:,.0f} rows/s (mapped, converted, located); "
                f"pandas {n_rows / t_base:,.0f} rows/s (text cells only)",
            )
        except ImportError:
            row("ingest CSV vs pandas.read_csv", "skipped", "pandas not installed")

        from openpyxl import load_workbook

        def openpyxl_read() -> None:
            wb = load_workbook(xlsx_path, read_only=True, data_only=True)
            n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
            wb.close()
            assert n == n_rows + 3

        t_ours = _best(ours(xlsx_path), rounds)
        t_base = _best(openpyxl_read, rounds)
        row(
            f"ingest xlsx {n_rows:,} rows vs openpyxl read-only",
            f"{t_ours / t_base:.2f}×",
            f"ours {n_rows / t_ours:,.0f} rows/s; "
            f"openpyxl values_only {n_rows / t_base:,.0f} rows/s",
        )

        out = os.path.join(tmp, "out.jsonl")
        small = max(n_rows // 10, 100)
        for kind, writer, suffix in (("CSV", write_csv, ".csv"), ("xlsx", write_xlsx, ".xlsx")):
            figures = []
            for n in (small, n_rows):
                path = os.path.join(tmp, f"e2e{n}{suffix}")
                writer(path, n)
                code, secs, rss = _end_to_end(rules, path, out)
                assert code == 0, code
                figures.append((n, secs, rss))
            (n1, s1, r1), (n2, s2, r2) = figures
            row(
                f"ingest {kind} scored end to end peak RSS",
                f"{r2:.0f} MB",
                f"{n2:,} rows {s2:.1f} s ({n2 / s2:,.0f} rows/s) vs {n1:,} rows {r1:.0f} MB "
                f"({s1:.1f} s): ×{n2 // n1} rows → ×{r2 / r1:.2f} memory",
            )
