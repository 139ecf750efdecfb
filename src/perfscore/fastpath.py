"""The fast path chosen for the user: ``perfscore score RULES DATA`` scores its data (tables, JSON
Lines, JSON and YAML documents) through :mod:`perfscore.columnar` whenever the rule set and the
options allow it, whatever the output format, and writes exactly the bytes the per-record path
(``--no-columnar``) writes — with the same exit status and the same lines on stderr.

* Parquet: the findings table straight from the columns
  (:func:`~perfscore.export.parquet.columnar_table`, no per-subject objects);
* every other format: each subject's findings are the per-record evaluator's result for the
  same record and index, built chunk by chunk (:data:`CHUNK` rows: each chunk's records are
  dropped once its results are built); JSON Lines streams them in bounded memory, as the
  per-record path does;
* the exit status's subject counts and the run summary (``--summary``) come from the columns;
  rows the columns do not settle alone (an error, a blank, a zero denominator) are summarised
  from their per-record results.

The records are read exactly as the per-record path reads them (:mod:`perfscore.ingest`); to
Parquet, a Parquet or CSV file's rows are read by columns (:mod:`perfscore.ingest.arrowcols`: the
columns those records would give, without a record per row).  A cell the columns cannot hold
as a float without loss (or a refused cell) sends its row to the per-record evaluator inside
:class:`~perfscore.columnar.ColumnarScorer`.  When the run cannot
be routed, :func:`why_not` says why — in one line on stderr when the output is Parquet (for
the other formats the findings are built per record either way).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

from . import textsafe
from ._gc import results_held
from .colbatch import ENV, ColumnBatch, plain_records
from .export import ExportOptions, atomic_writer, write_jsonl
from .findings import Notification, SubjectResult
from .ingest import DataSource
from .model import SEVERITY_RANK
from .outputs import Target, TextSink, cli_lang, say_cli, write_outputs
from .ruleset import RuleSet
from .summary import RunSummary
from .waivers import Waiving
from .words import in_language

__all__ = [
    "CHUNK",
    "ENV",
    "NAMED",
    "POOL_ENV",
    "Routed",
    "Run",
    "arrow_pool",
    "forced",
    "malloc_for_arrow",
    "parquet_findings",
    "results_files",
    "route",
    "why_not",
]

#: rows scored at a time: what a chunk holds while it is scored is about 13 kB a row — a
#: 10,000-row CSV to JSON Lines peaked at 116 MB with 4,096-row chunks, 77 MB with 1,024, 67 MB
#: with 256, and took the same CPU time; to Parquet (no per-subject results built), 148 MB
#: with 4,096-row chunks, 101 MB with 512, before the file is written
CHUNK = 512


def forced(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "no_columnar", False)) or os.environ.get(ENV, "") == "0"


def _parquet(plan: Sequence[Target]) -> bool:
    return any(t.format.name == "parquet" for t in plan)


def why_not(args: argparse.Namespace, rs: RuleSet, plan: Sequence[Target]) -> str | None:
    """None when a run may take the columnar path; else why not, in the command's language
    (empty when there is nothing to say: numpy or, for Parquet, pyarrow is not installed —
    the per-record path says what is missing where it matters)."""
    return _planned(args, rs, plan)[0]


def _planned(
    args: argparse.Namespace, rs: RuleSet, plan: Sequence[Target]
) -> tuple[str | None, Any]:
    """:func:`why_not`, with the columnar scorer it made (None when it made none): the run
    then scores with it rather than planning the rule set's columns again."""
    needs = ("numpy", "pyarrow") if _parquet(plan) else ("numpy",)
    if any(importlib.util.find_spec(m) is None for m in needs):
        return "", None
    if forced(args):
        return say_cli("why_forced"), None
    for option, key in (("store", "why_store"), ("waivers", "why_waivers")):
        if getattr(args, option, None) is not None:
            return say_cli(key), None
    if args.jobs > 1 and not all(t.format.name == "parquet" for t in plan):
        # (Parquet alone is written from the columns in one process: record by record in
        # processes it took 168 s of CPU for 20,000 rows that one process scores in 1.4 s)
        return say_cli("why_jobs"), None
    if args.template:
        return say_cli("why_template"), None
    if any(t.path is None and t.format.name == "parquet" for t in plan):
        return say_cli("why_stdout"), None
    from .columnar import ColumnarScorer  # (numpy: not imported by a run it cannot take)

    scorer = ColumnarScorer(rs)
    if not scorer.supported:
        # (a reason said in both languages is given in the command's)
        return say_cli("why_rules", reason=in_language(scorer.reason, cli_lang())), None
    return None, scorer


#: subjects named on stderr when some have no total (the first few)
NAMED = 5


@dataclass
class Routed:
    """What the exit status and the summary need from a columnar run (as the per-record run
    counts it): counts, and the first :data:`NAMED` subjects without a total — so a streamed
    run's memory does not grow with its rows (a run with waivers, which needs every id, is
    never routed)."""

    count: int = 0  # subjects scored
    missing: int = 0  # subjects without a total (rule sets with points)
    without_total: list[str] = field(default_factory=list)  # the first NAMED of them
    problems: list[Notification] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)
    complete: bool = True
    per_record: int = 0  # rows the columnar scorer handed to the per-record evaluator

    def scored(self, count: int, without_total: Sequence[str]) -> None:
        """``count`` more subjects, of which ``without_total`` (their ids) have no total."""
        self.count += count
        self.missing += len(without_total)
        self.without_total += without_total[: NAMED - len(self.without_total)]


def _read(
    rs: RuleSet, sources: Sequence[DataSource], notes: list[Notification]
) -> Iterator[tuple[int, Any]]:
    """Every record with its index in its file, as the per-record path reads them."""
    from .ingest import read_sources

    for src in sources:
        yield from enumerate(read_sources(rs, [src], notes))


@dataclass
class Run:
    """One ``perfscore score`` run as the command planned it: what :func:`route` reads and
    writes (``summary``: the run summary to fill, when it is shown)."""

    rs: RuleSet
    plan: Sequence[Target]
    sources: Sequence[DataSource]
    notes: list[Notification]
    inputs: Sequence[Mapping[str, str]]
    options: ExportOptions
    waiving: Waiving
    severities: Mapping[str, int]
    summary: RunSummary | None
    progress: Any
    stdout: Any


def route(args: argparse.Namespace, run: Run, stderr: Any) -> Routed | None:
    """Score and write the run by columns when :func:`why_not` finds nothing against it; else
    None (nothing read, nothing written) — with one line on ``stderr`` saying why, when the
    output is Parquet."""
    rs, plan, notes = run.rs, run.plan, run.notes
    why, scorer = _planned(args, rs, plan)
    if why is None:
        if getattr(args, "console", False):
            arrow_pool()
        if len(plan) == 1 and plan[0].format.name == "jsonl":
            return _stream(run, scorer)
        if not all(t.format.name == "parquet" for t in plan):
            return _report(run, scorer)
        before = len(notes)
        routed = _parquet_run(run, scorer)
        if routed is not None:
            return routed
        del notes[before:]  # read again by the per-record path
        run.progress.restart()
        why = say_cli("why_declared")
    if why and _parquet(plan):
        stderr.write(textsafe.terminal(f"perfscore: {say_cli('per_record', why=why)}\n"))
    return None


def _parquet_run(run: Run, scorer: Any) -> Routed | None:
    """Parquet only, by columns, :data:`CHUNK` rows at a time: each chunk's findings
    rows go to a :class:`~perfscore.export.parquet_direct.FindingsWriter`, which encodes each
    row group once it is full — no per-subject objects, memory flat in the rows.  None
    (nothing written) when a record declares its own scores: the whole run then goes record
    by record."""
    from .export.parquet_direct import FindingsWriter
    from .ruleset import DuplicateIds

    rs, summary = run.rs, run.summary
    out = Routed()
    out.failed = dict.fromkeys(run.severities, 0)
    out.failed["error"] = 0
    errors = False
    places = 0
    from .ingest.arrowcols import TableChunk, read_chunks
    from .ingest.lazysubjects import subject_ids

    chunks = read_chunks(rs, run.sources, run.notes, scorer.inputs, CHUNK)
    alone = len(run.sources) == 1
    spool = FindingsWriter(rs.rules, ruleset=rs.provenance(), inputs=run.inputs)
    with spool, DuplicateIds() as dups:
        for chunk in chunks:
            if isinstance(chunk, TableChunk):  # a Parquet file, read by columns
                if chunk.declared:
                    return None
                batch = ColumnBatch.of_columns(
                    rs, scorer, chunk.columns, chunk.subjects, chunk.records, chunk.index
                )
            else:
                records, index = chunk
                if not plain_records(records, scorer.inputs):
                    return None
                batch = ColumnBatch(rs, scorer, records, index)
                del records, index
            places = batch.result.places
            spool.add_columnar(batch.result, subject_ids(batch.subjects))
            if not (alone and isinstance(chunk, TableChunk) and chunk.checked):
                dups.add(batch.subjects)  # (a file alone, read by columns, said them already)
            if summary is not None:  # from the columns, per record where they do not settle it
                batch.summarise(summary)
            out.per_record += _fallback(batch)
            out.scored(len(batch), batch.without_total())
            for k, v in batch.failed(run.severities).items():
                out.failed[k] = out.failed.get(k, 0) + v
            errors = errors or bool(batch.errors().any())
            run.progress.advance(len(batch))
            del batch, chunk  # before the rows are encoded and the next chunk is read
            spool.flush()
        paths = [t.path for t in run.plan if t.path is not None]
        with atomic_writer(paths[0]) as fh:
            spool.write(fh, places=places)
        for path in paths[1:]:
            with open(paths[0], "rb") as src, atomic_writer(path) as fh:
                shutil.copyfileobj(src, fh)
        out.notes = [*run.notes, *dups.notifications(run.notes)]
    out.problems = [n for n in out.notes if n.level == "error"]
    out.complete = not errors and not out.problems
    return out


#: what a user sets to choose Arrow's allocator (perfscore then leaves it)
POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def malloc_for_arrow() -> None:
    """Arrow's buffers from ``malloc`` in the console command's process (and the workers it
    starts), unless the user chose an allocator: set before pyarrow first allocates, so no
    buffer comes from its default (mimalloc), which kept what it had freed resident — 70–80 MB
    more at the peak of a 1,000,000-department run when the pool was switched only once the
    run began (:func:`arrow_pool` still switches it then, for a pyarrow that allocated
    earlier)."""
    if not os.environ.get(POOL_ENV):
        os.environ[POOL_ENV] = "system"


def arrow_pool() -> str | None:
    """Arrow's buffers from the C library's allocator (``malloc``, as numpy's are) when the
    user chose no allocator (:data:`POOL_ENV`); the allocator's name, or None when it was
    left as it was.  The command alone asks for it (``perfscore`` run as the console script:
    a process of its own), for the same bytes at less CPU and memory.  rev16's 1,000,000
    departments to Parquet (session 17, load 5–6): 9.4–9.8 s CPU of which 0.5 s system time,
    315–321 MB at the peak, against 10.4–10.7 s (1.3–1.4 s system) and 355–375 MB with
    jemalloc (session 13's choice, made against pyarrow's default mimalloc; at 200,000 rows
    mimalloc 2.6–2.7 s and 321–323 MB, jemalloc 2.7–2.8 s and 323–326 MB, malloc 2.5–2.7 s and
    291 MB)."""
    if os.environ.get(POOL_ENV, "system") != "system":
        return None
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    return "system"


class _Quiet:
    """No progress shown (a worker scoring one partition)."""

    def advance(self, n: int = 1) -> None:
        """Nothing to show."""

    def restart(self) -> None:
        """Nothing to show."""


def parquet_findings(
    rs: RuleSet,
    scorer: Any,
    sources: Sequence[DataSource],
    notes: list[Notification],
    path: str,
    inputs: Sequence[Mapping[str, str]],
) -> Routed | None:
    """The Parquet findings file ``perfscore score SOURCES -o path`` writes by columns — the
    same reading (headers, units, 合计 rows, refused cells) and the same rows — for callers
    that are not the command (:mod:`perfscore.partitioned`).  None (nothing written) when a
    record declares its own scores: those go record by record."""
    from .export import EXPORTERS

    run = Run(
        rs, [Target(EXPORTERS["parquet"], path)], sources, notes, inputs, ExportOptions(),
        Waiving(), SEVERITY_RANK, None, _Quiet(), None,
    )  # fmt: skip
    return _parquet_run(run, scorer)


def results_files(
    rs: RuleSet,
    results: Iterable[SubjectResult],
    paths: Sequence[str],
    *,
    inputs: Sequence[Mapping[str, Any]],
    notes: Sequence[Notification],
) -> list[Notification]:
    """Per-record ``results`` written as the Parquet findings file at each of ``paths`` (the
    bytes the whole report gives), in memory that does not grow with them: each result's rows
    spooled to disk as it comes, the file written once all are.  Returns the run's
    notifications as the report would hold them: ``notes``, then the duplicate ids among the
    results (``perfscore score --no-columnar`` and a partition whose records declare their
    own scores both write this way)."""
    from .export.parquet_stream import ResultsSpool
    from .ruleset import DuplicateIds

    with ResultsSpool(rs.rules) as spool, DuplicateIds() as dups:

        def each() -> Iterator[SubjectResult]:
            for r in results:
                dups.add([r.subject])
                yield r

        spool.add_results(each())
        run_notes = [*notes, *dups.notifications(list(notes))]
        with atomic_writer(paths[0]) as fh:
            spool.write(fh, ruleset=rs.provenance(), inputs=inputs)
        for path in paths[1:]:
            with open(paths[0], "rb") as src, atomic_writer(path) as fh:
                shutil.copyfileobj(src, fh)
    return run_notes


def _report(run: Run, scorer: Any) -> Routed:
    """Formats written from the whole report (JSON, CSV, SARIF, JUnit, Markdown, HTML, xlsx,
    the table, several outputs at once): the per-record results built chunk by chunk (each
    chunk's records dropped once its results are built), then written as the per-record path
    writes them."""
    if all(t.format.shards is not None for t in run.plan):
        return _encoded(run, scorer)
    out = Routed()
    with results_held() as kept:
        results = tuple(kept(_results(run, scorer, out)))
        report = run.rs.report(
            results, inputs=run.inputs, waiving=run.waiving, notifications=run.notes
        )
        write_outputs(report, run.plan, run.options, run.stdout)
    out.notes = list(report.notifications)
    out.problems += [n for n in out.notes if n.level == "error"]
    out.complete = report.complete
    out.failed = dict.fromkeys(run.severities, 0)
    for f in report.findings:  # as the per-record path counts them
        if f.outcome == "fail" and f.severity in out.failed:
            out.failed[f.severity] += 1
        elif f.outcome == "error":
            out.failed["error"] += 1
    return out


def _encoded(run: Run, scorer: Any) -> Routed:
    """JSON and CSV findings (every output a form that can be written in pieces): each chunk of
    results encoded as soon as it is built and dropped, the files joined from those bytes —
    what ``--jobs N`` writes, and the same bytes as the whole report's.  Holding every result
    until the end took about 1 MB a department on a 40-indicator set (rev18, session 18)."""
    from .findings import Report
    from .parallel import encode_results
    from .ruleset import duplicate_ids

    rs, out = run.rs, Routed()
    head = Report(rs.provenance(), rs.rules, (), tuple(run.inputs), waivers=run.waiving.info())
    forms = [(t.format.shards, run.options) for t in run.plan if t.format.shards is not None]
    encoded = encode_results(rs, _results(run, scorer, out), head, forms)
    try:
        totals = encoded.totals
        notes = [*run.notes, *duplicate_ids(totals.subjects, run.notes)]
        head = replace(head, notifications=tuple(notes))
        encoded.write_to([t.path for t in run.plan], head, run.stdout)
    finally:
        encoded.close()
    out.notes = notes
    out.problems += [n for n in notes if n.level == "error"]
    out.complete = totals.complete and not any(n.level == "error" for n in notes)
    out.failed = dict(totals.failed)
    return out


def _results(run: Run, scorer: Any, out: Routed) -> Iterator[SubjectResult]:
    """Every subject's per-record result in order, read and scored by columns one chunk of
    :data:`CHUNK` rows at a time: the columns give the exit status's subject counts and the
    summary (the rows they settle); a chunk holding a record the columns cannot take (one that
    declares its own scores) is scored record by record."""
    rs, summary, progress = run.rs, run.summary, run.progress
    points = rs.max_total > 0
    rows = _read(rs, run.sources, run.notes)
    by_record = False  # the columns sent most of a chunk per record: they only add a pass
    while True:
        chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            return
        records = [r for _, r in chunk]
        if by_record or not plain_records(records, scorer.inputs):
            for i, record in chunk:
                result = rs.evaluate_subject(record, index=i)
                out.scored(1, [result.subject.id] if points and result.total is None else [])
                out.problems += [n for n in result.notifications if n.level == "error"]
                if summary is not None:
                    summary.add(result)
                yield result
                progress.advance()
            continue
        batch = ColumnBatch(rs, scorer, records, [i for i, _ in chunk])
        del records, chunk
        fallback = _fallback(batch)
        out.per_record += fallback
        # Every row's findings are made record by record below anyway; when the columns could
        # not decide most rows either (cells as text: "1234.5", "80万元", as departments send
        # JSON Lines), scoring by columns first is a second pass for nothing (rev14: 500
        # projects scored 1,000 times) — the rest of the run goes record by record.
        by_record = fallback * 2 > len(batch)
        out.scored(len(batch), batch.without_total())
        settled = [True] * len(batch)
        if summary is not None:
            batch.summarise_settled(summary)
            settled = batch.settled().tolist()
        for k in range(len(batch)):
            result = batch.evaluate(k)
            out.problems += [n for n in result.notifications if n.level == "error"]
            if not settled[k] and summary is not None:
                summary.add(result)
            yield result
            progress.advance()


def _fallback(batch: ColumnBatch) -> int:
    return int(batch.result.fallback.sum())


def _stream(run: Run, scorer: Any) -> Routed:
    """JSON Lines alone: each subject's lines written as soon as its per-record result is
    built (:func:`_results`), in bounded memory, as the per-record path streams them."""
    rs, notes = run.rs, run.notes
    out = Routed()

    def write(fh: IO[bytes]) -> dict[str, Any]:
        return write_jsonl(
            fh,
            rs.provenance(),
            rs.rules,
            _results(run, scorer, out),
            run.inputs,
            waivers=run.waiving.info(),
            notifications=iter(notes),  # read once every subject is scored
            lean=run.options.lean,
            lang=run.options.lang,
        )

    target = run.plan[0]
    if target.path is None:
        done = write(TextSink(run.stdout))  # type: ignore[arg-type]
    else:
        with atomic_writer(target.path) as fh:
            done = write(fh)
    out.problems += [n for n in notes if n.level == "error"]
    out.notes = list(notes)
    out.complete = done["complete"]
    out.failed = dict(done["by_severity"])
    out.failed["error"] += done["error"]
    return out
