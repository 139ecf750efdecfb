"""The fast path chosen for the user: ``perfscore score RULES DATA`` scores tabular data through
:mod:`perfscore.columnar` whenever the rule set and the options allow it, whatever the output
format, and writes exactly the bytes the per-record path (``--no-columnar``) writes — with the
same exit status and the same lines on stderr.

* Parquet: the findings table straight from the columns
  (:func:`~perfscore.export.parquet.columnar_table`, no per-subject objects);
* every other format: each subject's findings are the per-record evaluator's, built from the
  same record when the exporter reads them (:class:`~perfscore.colbatch.LazyResult`); JSON
  Lines streams chunk by chunk in bounded memory, as the per-record path does;
* the exit status's counts and the run summary (``--summary``) come from the columns; rows
  the columns do not settle alone (an error, a blank, a zero denominator) are summarised
  from their per-record results.

The records are read exactly as the per-record path reads them (:mod:`perfscore.ingest`); a
cell the columns cannot hold as a float without loss (or a refused cell) sends its row to the
per-record evaluator inside :class:`~perfscore.columnar.ColumnarScorer`.  When the run cannot
be routed, :func:`why_not` says why — in one line on stderr when the output is Parquet (for
the other formats the findings are built per record either way).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from . import textsafe
from .colbatch import ENV, ColumnBatch, LazyResult, plain_records
from .export import ExportOptions, atomic_writer, write_atomic, write_jsonl
from .findings import Notification, SubjectResult
from .ingest import DataSource
from .outputs import Target, say_cli, write_outputs
from .ruleset import RuleSet, duplicate_ids
from .summary import RunSummary
from .waivers import Waiving

__all__ = ["CHUNK", "ENV", "Routed", "forced", "route", "why_not"]

#: rows scored at a time when JSON Lines streams
CHUNK = 4096


def forced(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "no_columnar", False)) or os.environ.get(ENV, "") == "0"


def _parquet(plan: Sequence[Target]) -> bool:
    return any(t.format.name == "parquet" for t in plan)


def why_not(
    args: argparse.Namespace, rs: RuleSet, plan: Sequence[Target], sources: Sequence[DataSource]
) -> str | None:
    """None when a run may take the columnar path; else why not, in the command's language
    (empty when there is nothing to say: numpy or, for Parquet, pyarrow is not installed —
    the per-record path says what is missing where it matters)."""
    needs = ("numpy", "pyarrow") if _parquet(plan) else ("numpy",)
    if any(importlib.util.find_spec(m) is None for m in needs):
        return ""
    from .columnar import ColumnarScorer

    if forced(args):
        return say_cli("why_forced")
    for option, key in (("store", "why_store"), ("waivers", "why_waivers")):
        if getattr(args, option, None) is not None:
            return say_cli(key)
    if args.jobs > 1:
        return say_cli("why_jobs")
    if args.template:
        return say_cli("why_template")
    if any(t.path is None and t.format.name == "parquet" for t in plan):
        return say_cli("why_stdout")
    for src in sources:
        if src.kind != "table" and not src.uri.lower().endswith((".jsonl", ".ndjson")):
            return say_cli("why_not_tabular", uri=src.uri)
    scorer = ColumnarScorer(rs)
    if not scorer.supported:
        return say_cli("why_rules", reason=scorer.reason)
    return None


@dataclass
class Routed:
    """What the exit status and the summary need from a columnar run (as the per-record run
    counts it)."""

    subject_ids: list[str] = field(default_factory=list)
    without_total: list[str] = field(default_factory=list)
    problems: list[Notification] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)
    complete: bool = True
    per_record: int = 0  # rows the columnar scorer handed to the per-record evaluator


def _read(
    rs: RuleSet, sources: Sequence[DataSource], notes: list[Notification]
) -> Iterator[tuple[int, Any]]:
    """Every record with its index in its file, as the per-record path reads them."""
    from .ingest import read_sources

    for src in sources:
        yield from enumerate(read_sources(rs, [src], notes))


def route(
    args: argparse.Namespace,
    rs: RuleSet,
    plan: Sequence[Target],
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[Mapping[str, str]],
    options: ExportOptions,
    waiving: Waiving,
    severities: Mapping[str, int],
    summary: RunSummary | None,
    progress: Any,
    stdout: Any,
    stderr: Any,
) -> Routed | None:
    """Score and write the run by columns when :func:`why_not` finds nothing against it; else
    None (nothing read, nothing written) — with one line on ``stderr`` saying why, when the
    output is Parquet.  ``summary``: the run summary to fill, when it is shown."""
    why = why_not(args, rs, plan, sources)
    if why is None:
        from .columnar import ColumnarScorer

        scorer = ColumnarScorer(rs)
        if len(plan) == 1 and plan[0].format.name == "jsonl":
            return _stream(rs, scorer, plan[0], sources, notes, inputs, options, waiving,
                           summary, progress, stdout)  # fmt: skip
        before = len(notes)
        rows = list(_read(rs, sources, notes))
        records = [r for _, r in rows]
        if plain_records(records):
            batch = ColumnBatch(rs, scorer, records, [i for i, _ in rows])
            progress.advance(len(batch))
            return _whole(batch, plan, notes, inputs, options, waiving, severities, summary,
                          stdout)  # fmt: skip
        del notes[before:]  # read again by the per-record path
        why = say_cli("why_declared")
    if why and _parquet(plan):
        stderr.write(textsafe.terminal(f"perfscore: {say_cli('per_record', why=why)}\n"))
    return None


def _whole(
    batch: ColumnBatch,
    plan: Sequence[Target],
    notes: list[Notification],
    inputs: Sequence[Mapping[str, str]],
    options: ExportOptions,
    waiving: Waiving,
    severities: Mapping[str, int],
    summary: RunSummary | None,
    stdout: Any,
) -> Routed:
    """Every format but streamed JSON Lines: the whole batch at once."""
    rs = batch.rs
    lazy: list[LazyResult] | None = None
    run_notes = [*notes, *duplicate_ids(batch.subjects)]
    if plan and all(t.format.name == "parquet" for t in plan):
        from .export.parquet import columnar_table, parquet_bytes

        table = columnar_table(
            batch.result,
            rules=rs.rules,
            ruleset=rs.provenance(),
            subjects=[s.id for s in batch.subjects],
            inputs=inputs,
        )
        data = parquet_bytes(table)
        for t in plan:
            assert t.path is not None
            write_atomic(t.path, data)
    else:
        lazy = batch.lazy()
        report = rs.report(lazy, inputs=inputs, waiving=waiving, notifications=notes)
        run_notes = list(report.notifications)
        write_outputs(report, plan, options, stdout)
    if summary is not None:  # shown: from the columns, per record where they do not settle it
        batch.summarise(summary, lazy)
    out = Routed(subject_ids=[s.id for s in batch.subjects], per_record=_fallback(batch))
    out.failed = batch.failed(severities)
    out.without_total = batch.without_total()
    out.notes = run_notes
    out.problems = [n for n in run_notes if n.level == "error"]
    out.complete = not bool(batch.errors().any()) and not out.problems
    return out


class _TextSink:
    """Lets the byte-writing JSON Lines writer stream to a text ``stdout``."""

    def __init__(self, out: Any) -> None:
        self._out = out

    def write(self, data: bytes) -> int:
        self._out.write(data.decode("utf-8"))
        return len(data)


def _fallback(batch: ColumnBatch) -> int:
    return int(batch.result.fallback.sum())


def _stream(
    rs: RuleSet,
    scorer: Any,
    target: Target,
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[Mapping[str, str]],
    options: ExportOptions,
    waiving: Waiving,
    summary: RunSummary | None,
    progress: Any,
    stdout: Any,
) -> Routed:
    """JSON Lines, one chunk of rows at a time: each subject's lines are the per-record
    evaluator's result for its record, written as soon as it is built; a chunk holding a
    record the columns cannot take (one that declares its own scores) is scored record by
    record."""
    out = Routed()
    points = rs.max_total > 0

    def results() -> Iterator[SubjectResult]:
        rows = _read(rs, sources, notes)
        while True:
            chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
            if not chunk:
                return
            records = [r for _, r in chunk]
            if not plain_records(records):
                for i, record in chunk:
                    result = rs.evaluate_subject(record, index=i)
                    out.subject_ids.append(result.subject.id)
                    if points and result.total is None:
                        out.without_total.append(result.subject.id)
                    out.problems += [n for n in result.notifications if n.level == "error"]
                    if summary is not None:
                        summary.add(result)
                    yield result
                    progress.advance()
                continue
            batch = ColumnBatch(rs, scorer, records, [i for i, _ in chunk])
            out.per_record += _fallback(batch)
            out.subject_ids += [s.id for s in batch.subjects]
            out.without_total += batch.without_total()
            settled = [True] * len(batch)
            if summary is not None:
                batch.summarise_settled(summary)
                settled = batch.settled().tolist()
            for k in range(len(batch)):
                result = batch.evaluate(k)
                if not settled[k] and summary is not None:
                    summary.add(result)
                yield result
                progress.advance()

    def write(fh: IO[bytes]) -> dict[str, Any]:
        return write_jsonl(
            fh,
            rs.provenance(),
            rs.rules,
            results(),
            inputs,
            waivers=waiving.info(),
            notifications=iter(notes),  # read once every subject is scored
            lean=options.lean,
        )

    if target.path is None:
        done = write(_TextSink(stdout))  # type: ignore[arg-type]
    else:
        with atomic_writer(target.path) as fh:
            done = write(fh)
    out.problems += [n for n in notes if n.level == "error"]
    out.notes = list(notes)
    out.complete = done["complete"]
    out.failed = dict(done["by_severity"])
    out.failed["error"] += done["error"]
    return out
