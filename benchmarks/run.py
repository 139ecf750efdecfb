"""perfscore benchmarks (issue #7): every figure is a RATIO against a baseline measured in the
same process (best of several rounds), except the 1,000-indicator load time and peak RSS.

    .venv/bin/python benchmarks/run.py            # full sizes (1,000,000 rows; takes a while)
    .venv/bin/python benchmarks/run.py --quick    # small sizes, a few minutes on a busy machine
    .venv/bin/python benchmarks/run.py --only families   # the realistic families (issue #18)
    .venv/bin/python benchmarks/run.py --only routed     # the routed CLI vs --no-columnar (#13)
    .venv/bin/python benchmarks/run.py --only columnar-series  # multi-year series (#18)
    .venv/bin/python benchmarks/run.py --only columnar-deep  # rev17's shape, chunked numpy (#18)
    .venv/bin/python benchmarks/run.py --only pqcmd      # the Parquet command at 10k/100k/1M (#18)
    .venv/bin/python benchmarks/run.py --cpu ...         # CPU time, not wall clock (busy machine)

Optional parts need the extras: columnar (numpy, pandas, pyarrow), dask (dask, distributed).
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import baselines  # noqa: E402
import gen  # noqa: E402

import perfscore  # noqa: E402
from perfscore.export import ExportOptions, export  # noqa: E402
from perfscore.subjects import read_subject  # noqa: E402

ROWS: list[tuple[str, str, str]] = []


def row(name: str, figure: str, note: str = "") -> None:
    ROWS.append((name, figure, note))
    print(f"{name:<46} {figure:>14}  {note}", flush=True)


#: what :func:`best` (and so :func:`ratio`) reads: the wall clock, or with ``--cpu`` this
#: process's CPU time (what other work on a shared machine disturbs least)
CLOCK = time.perf_counter


def best(fn: Any, rounds: int) -> float:
    """Best of ``rounds``; each round starts from a collected heap, so no round pays for the
    garbage the one before it (or the other side of a :func:`ratio`) left behind."""
    out = []
    for _ in range(rounds):
        gc.collect()
        t = CLOCK()
        fn()
        out.append(CLOCK() - t)
    return min(out)


def ratio(ours: Any, base: Any, rounds: int) -> tuple[float, float, float]:
    """Alternate the two so machine noise hits both alike; best of ``rounds`` each."""
    a, b = [], []
    for _ in range(rounds):
        a.append(best(ours, 1))
        b.append(best(base, 1))
    return min(a) / min(b), min(a), min(b)


# --- per record ----------------------------------------------------------------------------------


def per_record(n_subjects: int, rounds: int) -> None:
    rs = perfscore.load_ruleset_text(gen.ruleset_text(30), source="bench30.yaml")
    ev = rs.evaluator
    recs = gen.records(30, n_subjects)
    data = [
        read_subject(r, rs.compiled.inputs, index=i, subject_type="department")
        for i, r in enumerate(recs)
    ]
    groups = baselines.layout(30)
    for d in data:  # the baseline computes the same numbers
        mine, total = ev.points(d)
        theirs, t2 = baselines.points(groups, d.values)
        assert mine == theirs and total == t2, "baseline disagrees"
    r, a, b = ratio(
        lambda: [ev.points(d) for d in data],
        lambda: [baselines.points(groups, d.values) for d in data],
        rounds,
    )
    row(
        "per-record points, 30 indicators",
        f"{r:.2f}×",
        f"{a / n_subjects * 1e6:.0f} vs {b / n_subjects * 1e6:.0f} µs/subject (target ≤ 1.5×)",
    )
    for d in data:  # ... and the same findings: ids, outcomes, texts, total and grade
        mine_r = ev.subject(d)
        theirs_r = baselines.findings(groups, rs.id, d.subject, d.values)
        same = ("rule_id", "outcome", "message", "message_en", "display", "fingerprint")
        assert [tuple(getattr(f, k) for k in same) for f in mine_r.findings] == [
            tuple(f[k] for k in same) for f in theirs_r["findings"]
        ], "baseline findings disagree"
        assert (mine_r.total, mine_r.grade) == (theirs_r["total"], theirs_r["grade"])
    r, a, b = ratio(
        lambda: [ev.subject(d) for d in data],
        lambda: [baselines.findings(groups, rs.id, d.subject, d.values) for d in data],
        rounds,
    )
    row(
        "per-record findings, 30 indicators",
        f"{r:.2f}×",
        f"{a / n_subjects * 1e6:.0f} vs {b / n_subjects * 1e6:.0f} µs/subject (target ≤ 2×)",
    )


# --- columnar ------------------------------------------------------------------------------------


def columnar(n_rows: int, rounds: int) -> None:
    try:
        from perfscore.columnar import ColumnarScorer
    except ImportError:
        row("columnar 30 indicators", "skipped", "needs numpy (pip install perfscore[columnar])")
        return
    rs = perfscore.load_ruleset_text(gen.ruleset_text(30, checks=0), source="bench30.yaml")
    cs = ColumnarScorer(rs)
    cols = gen.columns(30, n_rows)
    r, a, b = ratio(lambda: cs.score(cols), lambda: baselines.numpy_points(30, cols), rounds)
    res = cs.score(cols)
    row(
        f"columnar {n_rows:,} × 30 vs hand-written numpy",
        f"{r:.2f}×",
        f"{a:.2f} s vs {b:.2f} s; {int(res.fallback.sum())} rows by the exact per-record path"
        " (target ≤ 1.5×)",
    )
    frames: list[tuple[str, Any]] = []
    try:
        import pandas as pd

        frames.append(("pandas DataFrame", pd.DataFrame(cols)))
    except ImportError:
        pass
    try:
        import pyarrow as pa

        frames.append(("pyarrow Table", pa.table(cols)))
    except ImportError:
        pass
    try:
        import polars as pl

        frames.append(("polars DataFrame", pl.DataFrame(cols)))
    except ImportError:
        pass
    for label, frame in frames:
        r, a, b = ratio(
            lambda frame=frame: cs.score(frame), lambda: baselines.numpy_points(30, cols), rounds
        )
        same = bool((cs.score(frame).total == res.total).all())
        row(f"  the same from a {label}", f"{r:.2f}×", f"{a:.2f} s; identical={same}")


# --- realistic families (issue #18) --------------------------------------------------------------


def _read_texts(result: Any) -> Any:
    """Read what a finding makes when first read and the baseline's dicts hold from the start
    (its explanation is not: the baseline has none)."""
    for f in result.findings:
        f.message, f.message_en, f.display, f.reason, f.fingerprint  # noqa: B018
    return result


#: what a family's finding carries that its baseline makes too (the baseline has no explanation;
#: its ``value`` is a/b in the default context, the engine's a 28-digit quotient rounded
#: towards the exact one, so the last of 28 digits may differ: the displays are compared)
FAMILY_FIELDS = (
    "rule_id", "outcome", "severity", "points", "display", "threshold", "message",
    "message_en", "reason", "fields", "fingerprint",
)  # fmt: skip


def family_findings(findings: Any) -> list[tuple[Any, ...]]:
    """The :data:`FAMILY_FIELDS` of each finding (the engine's objects or the baseline's
    dicts), to check the two say the same."""
    return [
        tuple(
            (dict(x) if k == "threshold" and x else x)
            for k in FAMILY_FIELDS
            for x in [f[k] if isinstance(f, dict) else getattr(f, k)]
        )
        for f in findings
    ]


def families_part(n_subjects: int, n_rows: int, rounds: int, names: list[str]) -> None:
    """Each realistic family (benchmarks/families.py) against its hand-written baselines
    (benchmarks/family_baselines.py, generated from the family's spec, not from perfscore);
    every figure is printed per family, the worst family first."""
    import families
    import family_baselines
    import record_baselines

    figures: dict[str, list[tuple[float, str, str]]] = {}

    def add(fig: str, r: float, fam: str, note: str) -> None:
        figures.setdefault(fig, []).append((r, fam, note))
        print(f"  … [{fam}] {fig.split(' (')[0]}: {r:.2f}; {note}", file=sys.stderr, flush=True)

    for name in names:
        fam = families.family(name)
        rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source=f"{name}.yaml")
        ev = rs.evaluator
        base = family_baselines.decimal_baseline(fam, rs.id)
        recs = families.records(fam, n_subjects)
        data = [
            read_subject(r, rs.compiled.inputs, index=i, subject_type="department")
            for i, r in enumerate(recs)
        ]
        adv = getattr(fam, "adv", False)  # its baseline has no words: points and outcomes
        refused = adv or getattr(fam, "refused", False)  # (proj: refused cells, every word)
        # (a refused cell is the baseline's own reader's REFUSED, not a blank)
        vals = [
            {**d.values, **dict.fromkeys(d.field_errors, record_baselines.REFUSED)} if refused
            else d.values
            for d in data
        ]  # fmt: skip
        wrong = sum(1 for d, v in zip(data, vals, strict=True) if ev.points(d) != base.points(v))
        wrong += sum(  # ... and the same findings: outcomes, texts, fingerprints
            1
            for d, v in zip(data, vals, strict=True)
            if (
                {s.rule_id: s.outcome for s in ev.subject(d).scores} != base.outcomes(v)
                if adv
                else family_findings(ev.subject(d).findings)
                != family_findings(base.findings(v, d.subject)["findings"])
            )
        )
        r, a, b = ratio(
            lambda ev=ev, data=data: [ev.points(d) for d in data],
            lambda base=base, vals=vals: [base.points(v) for v in vals],
            rounds,
        )
        add(
            "points per subject vs hand-written Decimal (target ≤ 1.5×)",
            r,
            name,
            f"{a / n_subjects * 1e6:.0f} vs {b / n_subjects * 1e6:.0f} µs; {len(fam.leaves)}"
            f" indicators; baseline disagrees on {wrong} of {n_subjects}",
        )
        # from the record: what every per-record route pays (JSON Lines, CSV, a list of dicts)
        reader = record_baselines.Reader(
            families.ruleset_text(fam), record_baselines.REFUSED if refused else None
        )
        inputs = rs.compiled.inputs
        wrong = sum(
            1
            for i, x in enumerate(recs)
            if ev.points(read_subject(x, inputs, index=i, subject_type="department"))
            != base.points(reader.read(x["values"]))
        )
        r, a, b = ratio(
            lambda ev=ev, recs=recs, inputs=inputs: [
                ev.points(read_subject(x, inputs, index=i, subject_type="department"))
                for i, x in enumerate(recs)
            ],
            lambda base=base, recs=recs, reader=reader: [
                base.points(reader.read(x["values"])) for x in recs
            ],
            rounds,
        )
        add(
            "points per subject from the record vs hand-written read + Decimal (target ≤ 1.5×)",
            r,
            name,
            f"{a / n_subjects * 1e6:.0f} vs {b / n_subjects * 1e6:.0f} µs (read_subject + points vs"
            f" record_baselines.Reader + points); baseline disagrees on {wrong} of {n_subjects}",
        )
        if adv:  # (findings and columns: its baselines give points and outcomes only)
            continue
        r, a, b = ratio(
            lambda ev=ev, data=data: [ev.subject(d) for d in data],
            lambda base=base, data=data, vals=vals: [
                base.findings(v, d.subject) for d, v in zip(data, vals, strict=True)
            ],
            rounds,
        )
        add(
            "full findings per subject vs hand-written dicts (target ≤ 2×)",
            r,
            name,
            f"{a / n_subjects * 1e6:.0f} vs {b / n_subjects * 1e6:.0f} µs (texts made when read)",
        )
        r, a, b = ratio(
            lambda ev=ev, data=data: [_read_texts(ev.subject(d)) for d in data],
            lambda base=base, data=data, vals=vals: [
                base.findings(v, d.subject) for d, v in zip(data, vals, strict=True)
            ],
            rounds,
        )
        add(
            "the same, every finding's texts read (as an export does)",
            r,
            name,
            f"{a / n_subjects * 1e6:.0f} vs {b / n_subjects * 1e6:.0f} µs (message, message_en,"
            " display, reason, fingerprint)",
        )
        r, a, b = ratio(
            lambda ev=ev, data=data: [_read_texts(ev.subject(d, texts=True)) for d in data],
            lambda base=base, data=data, vals=vals: [
                base.findings(v, d.subject) for d, v in zip(data, vals, strict=True)
            ],
            rounds,
        )
        add(
            "the same, texts made as scored (texts=True, as the CLI asks)",
            r,
            name,
            f"{a / n_subjects * 1e6:.0f} vs {b / n_subjects * 1e6:.0f} µs (every text read after)",
        )
        report = rs.evaluate(recs[: min(200, n_subjects)])
        size = len(report.to_json().encode()) / len(report.subjects)
        lean = len(export(report, "json", ExportOptions(lean=True))) / len(report.subjects)
        lines = len(export(report, "jsonl")) / len(report.subjects)
        lean_lines = len(export(report, "jsonl", ExportOptions(lean=True))) / len(report.subjects)
        add(
            "JSON findings bytes per subject",
            size / 1000,
            name,
            f"{size / 1000:.1f} kB; --lean {lean / 1000:.1f} kB; JSONL {lines / 1000:.1f} kB,"
            f" --lean {lean_lines / 1000:.1f} kB",
        )
        if not getattr(fam, "columnar", True):  # (proj, exact: no numpy baseline)
            continue
        try:
            import numpy as np

            from perfscore.columnar import ColumnarScorer
        except ImportError:
            continue
        cs = ColumnarScorer(rs)
        cols = families.columns(fam, n_rows)
        res = cs.score(cols)
        nb = family_baselines.numpy_exact(fam, cols)
        diff = np.zeros(n_rows, bool)
        for rid in cs.rule_ids:
            diff |= res.outcome[rid].astype(np.int64) != nb["outcome"][rid]
            diff |= res.has_points[rid] & (res.points[rid] != nb["points"][rid])
        diff |= np.where(res.has_total, res.total, -1) != nb["total"]
        r, a, b = ratio(
            lambda cs=cs, cols=cols: cs.score(cols),
            lambda fam=fam, cols=cols: family_baselines.numpy_exact(fam, cols),
            max(1, rounds - 2),
        )
        fb = int(res.fallback.sum())
        add(
            f"columnar {n_rows:,} rows vs hand-written exact numpy (target ≤ 1.5×)",
            r,
            name,
            f"{a:.2f} vs {b:.3f} s; {fb:,} rows ({fb / n_rows:.1%}) on the per-record path;"
            f" {families.ties_share(fam, cols):.0%} of rates on an edge;"
            f" differs on {int(diff.sum())} rows"
            + ("" if cs.supported else f"; not columnar: {cs.reason}"),
        )
    for fig, rows in figures.items():
        for r, name, note in sorted(rows, reverse=True):
            shown = f"{r:.1f} kB" if fig.startswith("JSON") else f"{r:.2f}×"
            row(f"[{name}] {fig.split(' (')[0]}", shown, note)


# --- findings at scale: Parquet from the columnar path -------------------------------------------


def _rules_and_columns(name: str, n: int, seed: int) -> tuple[Any, dict[str, Any], Any]:
    """A family's rule set, ``n`` rows of its columns and its numpy baseline; ``gen30`` is the
    older generated set (benchmarks/gen.py, no blanks or ties) with its plain numpy baseline."""
    if name == "gen30":
        rs = perfscore.load_ruleset_text(gen.ruleset_text(30, checks=0), source="bench30.yaml")
        return rs, gen.columns(30, n, seed=seed), lambda c: baselines.numpy_points(30, c)
    import families
    import family_baselines

    fam = families.family(name)
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source=f"{name}.yaml")
    return rs, families.columns(fam, n, seed=seed), lambda c: family_baselines.numpy_exact(fam, c)


def parquet_part(n_rows: int, names: list[str]) -> None:
    """Score ``n_rows`` subjects from columns and write the Parquet findings table (one row per
    subject × rule), against the hand-written exact numpy baseline computing the points."""
    try:
        import pyarrow.parquet  # noqa: F401  (imported before the clock starts)

        from perfscore.columnar import ColumnarScorer
        from perfscore.export.parquet import columnar_table, write_table
    except ImportError:
        row("parquet findings", "skipped", "needs numpy and pyarrow")
        return
    for name in names:
        rs, cols, baseline = _rules_and_columns(name, n_rows, 7)
        cs = ColumnarScorer(rs)
        ids = [f"dept-{i:07d}" for i in range(n_rows)]
        t = time.perf_counter()
        baseline(cols)
        t_base = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "findings.parquet")
            t = time.perf_counter()
            res = cs.score(cols)
            t_score = time.perf_counter() - t
            table = columnar_table(res, rules=rs.rules, ruleset=rs.provenance(), subjects=ids)
            t_table = time.perf_counter() - t - t_score
            write_table(table, out)
            t_all = time.perf_counter() - t
            size = os.path.getsize(out)
        fb = int(res.fallback.sum())
        row(
            f"[{name}] {n_rows:,} subjects → Parquet findings vs numpy",
            f"{t_all / t_base:.1f}×",
            f"score {t_score:.2f} s ({fb:,} rows per-record) + table {t_table:.2f} s + write"
            f" {t_all - t_score - t_table:.2f} s vs numpy {t_base:.2f} s; {table.num_rows:,} rows,"
            f" {size / 1e6:.1f} MB ({size / n_rows:.0f} B/subject) (target < 10×)"
            + ("" if cs.supported else f"; not columnar: {cs.reason}"),
        )


def columnar_edges(n_rows: int, rounds: int) -> None:
    """Edge-heavy data (37% spend exactly their budget, others exactly on a threshold, target
    or band edge) against a hand-written exact int64 numpy baseline (benchmarks/exact_numpy)."""
    try:
        import exact_numpy

        from perfscore.columnar import ColumnarScorer
    except ImportError:
        row("columnar edge-heavy", "skipped", "needs numpy (pip install perfscore[columnar])")
        return
    rs = perfscore.load_ruleset_text(gen.ruleset_text(30, checks=0), source="bench30.yaml")
    cs = ColumnarScorer(rs)
    cols = exact_numpy.edge_columns(30, n_rows)
    r, a, b = ratio(lambda: cs.score(cols), lambda: exact_numpy.exact_points(30, cols), rounds)
    res, base = cs.score(cols), exact_numpy.exact_points(30, cols)
    same = bool((res.total == base["total"]).all()) and all(
        bool((res.points[k] == v).all()) for k, v in base.items() if k != "total"
    )
    fell = int(res.fallback.sum())
    row(
        f"columnar {n_rows:,} × 30, edge-heavy, vs exact numpy",
        f"{r:.2f}×",
        f"{a:.2f} s vs {b:.2f} s; identical={same}; {fell} rows ({fell / n_rows:.3%}) by the"
        " per-record path (targets ≤ 1.5×, < 0.1%)",
    )


def columnar_series(n_rows: int, rounds: int) -> None:
    """The multi-year set (benchmarks/series3.yaml: series functions inside arithmetic, an input
    as a bound, ``year()`` read by other metrics) against its hand-written exact numpy baseline
    (benchmarks/series3.py): the cells as year → figure mappings, then one column a year, each
    layout read by both sides."""
    try:
        import numpy as np
        import series3

        from perfscore.columnar import ColumnarScorer
    except ImportError:
        row("columnar multi-year", "skipped", "needs numpy (pip install perfscore[columnar])")
        return
    rs = perfscore.load_ruleset_text(series3.RULES, source="series3.yaml")
    cs = ColumnarScorer(rs)
    # the cells as year → figure mappings, then the same departments as a table gives them,
    # one column a year (budget_2021 …): read by columns on both sides (session 14)
    ways = [
        (
            series3.columns,
            series3.numpy_exact,
            "",
            "6 indicators over 4 series of up to 4 years",
        ),
        (
            series3.year_columns,
            series3.numpy_exact_years,
            ", one column a year,",
            "16 year columns read as columns by both",
        ),
    ]
    for make, baseline, layout, what in ways:
        cols = make(n_rows)  # (each layout made when it is measured)
        res, base = cs.score(cols), baseline(cols)
        diff = np.where(res.has_total, res.total, -1) != base["total"]
        for rid in series3.LEAF_IDS:
            diff |= res.outcome[rid] != base["outcome"][rid]
            diff |= res.has_points[rid] & (res.points[rid] != base["points"][rid])
        r, a, b = ratio(lambda c=cols: cs.score(c), lambda c=cols, f=baseline: f(c), rounds)
        fell = int(res.fallback.sum())
        row(
            f"columnar {n_rows:,} multi-year departments{layout} vs exact numpy",
            f"{r:.2f}×",
            f"{a:.2f} s vs {b:.2f} s; {what}; differs on {int(diff.sum())} rows; {fell} rows"
            f" ({fell / n_rows:.1%}) on the per-record path"
            + ("" if cs.supported else f"; not columnar: {cs.reason}"),
        )


# --- load ----------------------------------------------------------------------------------------


def load(rounds: int) -> None:
    from perfscore import _yaml, expr

    text = gen.ruleset_text(1000, checks=0)
    distinct = gen.ruleset_text(1000, checks=0, distinct=True)

    def cold(text: str) -> None:  # as in a fresh process: no compiled code or scalars to reuse
        expr.clear_code_cache()
        _yaml.clear_scalar_cache()
        perfscore.load_ruleset_text(text, source="bench1000.yaml")

    t = best(lambda: cold(text), rounds)
    row("load+validate+compile 1,000 indicators", f"{t:.3f} s", "cold caches (target < 0.5 s)")
    w = best(lambda: perfscore.load_ruleset_text(text, source="bench1000.yaml"), rounds)
    row("  the same, loaded again in one process", f"{w:.3f} s", "code/resolver caches warm")
    d = best(lambda: cold(distinct), rounds)
    row(
        "  1,000 indicators, every formula different",
        f"{d:.3f} s",
        "worst case for the shared expression code (1,201 distinct shapes)",
    )
    rs = perfscore.load_ruleset_text(text, source="bench1000.yaml")
    blob = pickle.dumps(rs)
    u = best(lambda: pickle.loads(blob), rounds)
    row("unpickle (re-compile) 1,000 indicators", f"{u:.3f} s", f"{len(blob) / 1e6:.1f} MB pickled")


# --- streaming memory ----------------------------------------------------------------------------

_CHILD = r"""
import resource, sys, time
sys.path.insert(0, {src!r}); sys.path.insert(0, {here!r})
import gen, perfscore
from perfscore.stream import stream_to_jsonl
rs = perfscore.load_ruleset_text(gen.ruleset_text(5), source="bench5.yaml")
t = time.perf_counter()
with open({out!r}, "wb") as out:
    s = stream_to_jsonl(rs, {path!r}, out, jobs={jobs})
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:  # Linux: this process's own high-water mark (ru_maxrss keeps the forking parent's)
    with open("/proc/self/status") as fh:
        peak = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    pass
print(s["subjects"], elapsed, peak)
"""


def _write_csv(path: str, n: int) -> None:
    import random

    rnd = random.Random(3)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        names = [f"{p}{i}" for i in range(5) for p in "ab"]
        w.writerow(["id", "name", *names])
        for r in range(n):
            vals = []
            for _ in range(5):
                b = round(rnd.uniform(100, 10000), 2)
                vals += [round(b * rnd.uniform(0.6, 1.1), 2), b]
            w.writerow([f"d{r}", f"部门{r}", *vals])


def stream(n_rows: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "subjects.csv")
        _write_csv(src, n_rows)
        paths = [src]
        try:
            import pyarrow.csv as pacsv
            import pyarrow.parquet as pq

            pq.write_table(pacsv.read_csv(src), os.path.join(tmp, "subjects.parquet"))
            paths.append(os.path.join(tmp, "subjects.parquet"))
        except ImportError:
            pass
        for path in paths:
            code = _CHILD.format(
                src=str(HERE.parent / "src"),
                here=str(HERE),
                out=os.path.join(tmp, "out.jsonl"),
                path=path,
                jobs=jobs,
            )
            got = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.split()
            n, secs, rss = int(got[0]), float(got[1]), float(got[2])
            kind = "Parquet" if path.endswith("parquet") else "CSV"
            row(
                f"stream {n:,} subjects {kind}→JSONL peak RSS",
                f"{rss:.0f} MB",
                f"{secs:.1f} s, jobs={jobs}, 5 indicators; parent process (target < 300 MB)",
            )


# --- scale-out -----------------------------------------------------------------------------------


def parallel(n: int) -> None:
    from perfscore.parallel import evaluate_parallel

    rs = perfscore.load_ruleset_text(gen.ruleset_text(30), source="bench30.yaml")
    recs = gen.records(30, n)
    t = time.perf_counter()
    one = rs.evaluate(recs)
    t1 = time.perf_counter() - t
    t = time.perf_counter()
    two = evaluate_parallel(rs, recs, jobs=2)
    t2 = time.perf_counter() - t
    same = one.subjects == two.subjects
    row(
        f"evaluate_parallel jobs=2 vs jobs=1, {n:,} subj.",
        f"{t2 / t1:.2f}×",
        f"identical={same} (time ratio; < 1 is faster)",
    )


def dask_run(n_rows: int, partitions: int) -> None:
    try:
        import dask.dataframe as dd
        import pandas as pd
        from distributed import Client, LocalCluster
    except ImportError:
        row("dask LocalCluster(2 workers)", "skipped", "needs dask, distributed")
        return
    from perfscore.columnar import FrameScorer, score_frame

    rs = perfscore.load_ruleset_text(gen.ruleset_text(30), source="bench30.yaml")
    pdf = pd.DataFrame(gen.columns(30, n_rows))
    t = time.perf_counter()
    single = score_frame(rs, pdf)
    t1 = time.perf_counter() - t
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        ddf = dd.from_pandas(pdf, npartitions=partitions)
        meta = single.iloc[:0]
        t = time.perf_counter()
        out = ddf.map_partitions(FrameScorer(rs), meta=meta).compute()
        t2 = time.perf_counter() - t
    same = out.sort_index().equals(single)
    row(
        f"dask 2 workers, {n_rows:,} rows, {partitions} partitions",
        f"{t2 / t1:.2f}×",
        f"identical={same} (time vs single process)",
    )


def dask_partitioned(
    n_rows: int,
    partitions: int,
    name: str,
    *,
    local: bool = True,
    workers: tuple[int, ...] = (1, 2),
) -> None:
    """Partitioned Parquet input scored into partitioned Parquet findings written by the
    workers (perfscore.partitioned): one process (unless ``local`` is False), then a
    LocalCluster with each of ``workers``.  The input is generated to disk once, a partition at
    a time (memory holds one partition); every run writes its own findings folder, checked
    byte for byte against the first run's."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
        from distributed import Client, LocalCluster

        from perfscore.partitioned import score_partitioned
    except ImportError:
        row("dask partitioned", "skipped", "needs dask, distributed, pyarrow")
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in")
        os.makedirs(src)
        step = -(-n_rows // partitions)
        t = time.perf_counter()
        for p in range(partitions):
            rs, cols, _ = _rules_and_columns(name, step, 100 + p)
            ids = [f"d{p:03d}-{i:07d}" for i in range(step)]
            pq.write_table(pa.table({"id": ids, **cols}), os.path.join(src, f"p{p:03d}.parquet"))
            del cols, ids
        made = time.perf_counter() - t
        size = sum(os.path.getsize(os.path.join(src, f)) for f in os.listdir(src))
        runs: list[tuple[str, float, dict[str, Any]]] = []
        if local:
            t = time.perf_counter()
            one = score_partitioned(rs, src, os.path.join(tmp, "out0"))
            runs.append(("1 process", time.perf_counter() - t, one))
        for n in workers:
            with (
                LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                t = time.perf_counter()
                res = score_partitioned(rs, src, os.path.join(tmp, f"out{n}"), client=client)
                runs.append((f"LocalCluster {n} worker(s)", time.perf_counter() - t, res))
        first_label, first_secs, first = runs[0]
        subjects = first["subjects"]
        row(
            f"[{name}] dask partitioned {subjects:,} subjects, {partitions} parts",
            f"{first_secs:.1f} s",
            f"{first_label}; input {size / 1e6:.0f} MB Parquet (generated in {made:.0f} s);"
            f" findings {first['bytes'] / 1e6:.0f} MB; {first['per_record']:,} rows per-record",
        )
        for label, secs, res in runs[1:]:
            same = all(
                Path(a).read_bytes() == Path(b).read_bytes()
                for a, b in zip(first["files"], res["files"], strict=True)
            )
            row(
                f"[{name}]   {label}",
                f"{first_secs / secs:.2f}×",
                f"{secs:.1f} s, {subjects / secs:,.0f} subjects/s (speed-up vs {first_label};"
                f" cluster start excluded); identical={same}",
            )


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - no load average on this platform
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small sizes (< 60 s)")
    ap.add_argument("--stream-rows", type=int, default=None)
    ap.add_argument(
        "--only",
        action="append",
        choices=(
            "per-record",
            "columnar",
            "columnar-edges",
            "columnar-series",
            "columnar-deep",
            "load",
            "stream",
            "parallel",
            "dask",
            "store",
            "ingest",
            "families",
            "parquet",
            "dask-partitioned",
            "routed",
            "pqcmd",
        ),
        help="run only these parts (repeatable)",
    )
    ap.add_argument("--stream-jobs", type=int, default=None)
    ap.add_argument("--family", action="append", help="families part: only these families")
    ap.add_argument("--family-subjects", type=int, default=None, help="per-record subjects")
    ap.add_argument("--family-rows", type=int, default=None, help="columnar rows per family")
    ap.add_argument("--parquet-rows", type=int, default=None, help="parquet part: subjects")
    ap.add_argument(
        "--pqcmd-rows",
        default=None,
        help="pqcmd (the Parquet command as a process vs exact numpy): sizes, e.g. 10000,100000",
    )
    ap.add_argument("--series-rows", type=int, default=None, help="columnar-series: rows")
    ap.add_argument("--deep-rows", default=None, help="columnar-deep: sizes, e.g. 200000,1000000")
    ap.add_argument(
        "--deep-text-rows",
        type=int,
        default=None,
        help="columnar-deep: rows of the pandas frame of number text (0: skip it)",
    )
    ap.add_argument("--dask-rows", type=int, default=None, help="dask-partitioned: subjects")
    ap.add_argument("--dask-parts", type=int, default=8, help="dask-partitioned: partitions")
    ap.add_argument(
        "--dask-workers", default="1,2", help="dask-partitioned: worker counts, e.g. 1,2"
    )
    ap.add_argument(
        "--dask-no-local",
        action="store_true",
        help="dask-partitioned: skip the one-process run (the curve is then vs 1 worker)",
    )
    ap.add_argument("--store-subjects", type=int, default=None, help="store ingest size")
    ap.add_argument("--ingest-rows", type=int, default=None, help="ingest benchmark rows")
    ap.add_argument("--routed-rows", type=int, default=None, help="routed CLI: department rows")
    ap.add_argument(
        "--routed-format",
        action="append",
        help="routed: only these outputs (parquet, jsonl, csv, json, …; +summary: shown)",
    )
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="time ratios (and load) in this process's CPU time, not the wall clock",
    )
    ap.add_argument(
        "--rounds", type=int, default=None, help="families part: rounds per ratio (best of)"
    )
    args = ap.parse_args(argv)
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    want = set(
        args.only
        or (
            "families",
            "parquet",
            "dask-partitioned",
            "per-record",
            "columnar",
            "columnar-edges",
            "columnar-series",
            "load",
            "stream",
            "parallel",
            "dask",
            "store",
            "ingest",
            "routed",
        )
    )
    q = args.quick
    if q and not args.only:  # long parts, smoke-tested small by tests/test_benchmark_families.py
        want -= {"families", "parquet", "dask-partitioned"}
    print(
        f"perfscore benchmarks — {'quick' if q else 'full'}; python {platform.python_version()}, "
        f"nproc {os.cpu_count()}, {platform.machine()} (shared machine: figures are noisy);"
        f" {'CPU time' if args.cpu else 'wall clock'}, load average {_load()}"
    )
    if "families" in want:
        import families

        families_part(
            args.family_subjects or (20 if q else 500),
            args.family_rows or (1_000 if q else 1_000_000),
            args.rounds or (2 if q else 5),
            args.family or list(families.FAMILIES),
        )
    if "parquet" in want:
        parquet_part(args.parquet_rows or (2_000 if q else 1_000_000), args.family or ["dept30"])
    if "dask-partitioned" in want:
        dask_partitioned(
            args.dask_rows or (4_000 if q else 1_000_000),
            args.dask_parts,
            (args.family or ["dept30"])[0],
            local=not args.dask_no_local,
            workers=tuple(int(w) for w in args.dask_workers.split(",")),
        )
    if "per-record" in want:
        per_record(60 if q else 500, 3 if q else 5)
    if "columnar" in want:
        columnar(100_000 if q else 1_000_000, 3)
    if "columnar-edges" in want:
        columnar_edges(100_000 if q else 1_000_000, 3)
    if "columnar-series" in want:
        columnar_series(args.series_rows or (20_000 if q else 1_000_000), args.rounds or 3)
    if "columnar-deep" in want:  # rev17's shape: year columns, text, a plug-in (#18)
        import coldeep

        sizes = args.deep_rows or ("20000" if q else "200000,1000000")
        text_rows = args.deep_text_rows
        if text_rows is None:
            text_rows = 20_000 if q else 200_000
        coldeep.run(row, ratio, [int(x) for x in sizes.split(",")], args.rounds or 3, text_rows)
    if "load" in want:
        load(1 if q else 3)
    if "stream" in want:
        stream(args.stream_rows or (2_000 if q else 1_000_000), args.stream_jobs or 1)
    if "parallel" in want:
        parallel(300 if q else 5_000)
    if "dask" in want:
        dask_run(20_000 if q else 200_000, 4 if q else 8)
    if "store" in want:
        import store_bench

        # ingest N × 30 findings; history/rank over 3 periods × 11,112 × 30 ≈ 1,000,000 findings
        n_ingest = 200 if q else 100_000
        if args.store_subjects is not None:
            n_ingest = args.store_subjects
        store_bench.run(row, n_ingest, 40 if q else 11_112)
    if "ingest" in want:
        import ingest_bench

        ingest_bench.run(row, args.ingest_rows or (2_000 if q else 100_000), 1 if q else 3)
    if "routed" in want:  # the fast path chosen for the user (#13)
        import routed_bench

        n = args.routed_rows or (200 if q else 100_000)
        formats = tuple(args.routed_format or routed_bench.FORMATS)
        routed_bench.run(row, n, 1, formats)
        routed_bench.frame(row, n, 1)
    if "pqcmd" in want:  # the Parquet command, a process of its own, at several sizes (#18)
        import pqcmd_bench

        sizes = args.pqcmd_rows or ("2000" if q else "10000,100000,1000000")
        pqcmd_bench.run(row, [int(x) for x in sizes.split(",")], args.rounds or (1 if q else 3))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
