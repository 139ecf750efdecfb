"""``perfscore score RULES DATA...``: score the data with the rule set and write the findings
in every format asked for.  The run takes one of four paths, each writing the same bytes: the
columnar fast path (:mod:`perfscore.fastpath`), ``--jobs N`` workers, JSON Lines streamed
subject by subject, or every subject scored first and the report written (``--store`` records
it).  The exit status is made from what :class:`~perfscore.cli.tally.Tally` counted."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import IO, Any, TextIO

from .. import fastpath
from .._gc import results_held
from .._yaml import load_yaml_file
from ..errors import PerfscoreError, RuleSetError
from ..export import EXPORTERS, ExportOptions, atomic_writer, write_jsonl
from ..findings import Notification, SubjectResult
from ..ingest import DataSource
from ..outputs import (
    EXIT_DATA,
    Target,
    TextSink,
    UsageError,
    cli_lang,
    plan_outputs,
    say_cli,
    use_cli_lang,
    write_outputs,
)
from ..ruleset import RuleSet, load_ruleset
from ..store import cli as store_cli
from ..summary import RunSummary
from ..terminal import BatchProgress
from ..textsafe import terminal as _safe
from ..waivers import Waiving, load_waivers
from ..words import DEFAULT_LANG, HELP
from ._options import allow_extends_anywhere, help_text
from .sources import data_sources, hashed
from .tally import SEVERITY_RANK, Tally, exit_status, unmatched_waivers

__all__ = ["add_subcommand", "run"]


def _format_help(f: Any) -> str:
    """An output format's description in the command's language (a plugin's: its own)."""
    lang = cli_lang()
    return HELP[lang].get(f"fmt_{f.name}", f.description) if lang == "zh" else f.description


def add_subcommand(sub: Any) -> None:
    s = sub.add_parser("score", help=help_text("score"))
    s.add_argument("rules", help=help_text("rules"))
    s.add_argument("data", nargs="+", help=help_text("data"))
    s.add_argument(
        "--format",
        action="append",
        choices=EXPORTERS.keys(),
        help=help_text("format") + "; ".join(f"{f.name}: {_format_help(f)}" for f in EXPORTERS),
    )
    s.add_argument(
        "-o",
        "--output",
        action="append",
        help=help_text("output") + " ".join(ext for f in EXPORTERS for ext in f.extensions),
    )
    s.add_argument("--output-dir", help=help_text("output_dir"))
    s.add_argument("--bom", action="store_true", help=help_text("bom"))
    s.add_argument("--lean", action="store_true", help=help_text("lean"))
    s.add_argument(
        "--sarif-all",
        action="store_true",
        help=help_text("sarif_all"),
    )
    s.add_argument("--strict", action="store_true", help=help_text("strict"))
    s.add_argument(
        "--fail-on",
        choices=["error", "warning", "note"],
        help=help_text("fail_on"),
    )
    s.add_argument("--lang", choices=["zh", "en"], default=None, help=help_text("lang"))
    s.add_argument("--waivers", help=help_text("waivers"))
    s.add_argument("--as-of", help=help_text("as_of"))
    s.add_argument(
        "--template",
        help=help_text("template"),
    )
    s.add_argument("--jobs", type=int, default=1, help=help_text("jobs"))
    s.add_argument("--no-columnar", action="store_true", help=help_text("no_columnar"))
    s.add_argument("--sheet", help=help_text("sheet"))
    s.add_argument("--columns", help=help_text("columns"))
    s.add_argument(
        "--summary", action=argparse.BooleanOptionalAction, default=None, help=help_text("summary")
    )
    store_cli.add_score_option(s)
    allow_extends_anywhere(s)


def _waiving(args: argparse.Namespace, rs: RuleSet) -> Waiving:
    as_of = None
    if args.as_of:
        try:
            as_of = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise UsageError(say_cli("bad_date", value=repr(args.as_of))) from None
    return rs.waiving(load_waivers(args.waivers) if args.waivers else None, as_of)


def _results(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notes: list[Notification],
    progress: BatchProgress,
    waiving: Waiving,
    tally: Tally,
    summary: RunSummary,
) -> Iterator[SubjectResult]:
    """Score record by record (indexes count per file, as in ``rs.evaluate``)."""
    from ..ingest import read_sources

    points = rs.max_total > 0
    for src in sources:
        for i, record in enumerate(read_sources(rs, [src], notes)):
            result = rs.evaluate_subject(  # (every output writes each finding's words)
                record, index=i, waivers=waiving.waivers, as_of=waiving.as_of, texts=True
            )
            tally.add(result, points)
            summary.add(result)
            yield result
            progress.advance()


def _looks_like_rules(path: str) -> bool:
    """A YAML file whose top level declares ``perfscore:`` (a rule set, not subject data)."""
    try:
        doc = load_yaml_file(path)
    except (PerfscoreError, OSError):
        return False
    return isinstance(doc.data, dict) and "perfscore" in doc.data


def _load_rules_for_scoring(args: argparse.Namespace) -> RuleSet:
    try:
        return load_ruleset(args.rules, allow_extends_anywhere=args.allow_extends_anywhere)
    except RuleSetError:
        data = [p for p in args.data if str(p).endswith((".yaml", ".yml"))]
        if data and _looks_like_rules(data[0]):
            raise UsageError(
                f"{args.rules} is not a rule set but {data[0]} is: the rule set comes first — "
                f"perfscore score {data[0]} {args.rules}"
            ) from None
        raise


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    plan = plan_outputs(args)
    rs = _load_rules_for_scoring(args)
    lang = args.lang or args.global_lang or rs.language  # --lang, else the rule set's locale
    use_cli_lang(lang)
    waiving = _waiving(args, rs)
    notes: list[Notification] = []
    sources = hashed(data_sources(args, notes, stderr), notes)
    inputs = tuple({"uri": b.uri, "sha256": b.sha256} for b in sources)
    options = ExportOptions(lang=lang, bom=args.bom, sarif_all=args.sarif_all, lean=args.lean)
    known = [s.total for s in sources]
    total = sum(t for t in known if t is not None) if all(t is not None for t in known) else None
    tally = Tally(keep_ids=waiving.waivers is not None)
    summary = RunSummary(rs.rules)
    all_notes: list[Notification] = notes
    complete: bool
    failed: dict[str, int]
    show = args.summary if args.summary is not None else _isatty(stderr)
    with BatchProgress(total, stderr, description=say_cli("progress")) as progress:
        run = fastpath.Run(
            rs, plan, sources, notes, inputs, options, waiving, SEVERITY_RANK,
            summary if show else None, progress, stdout,
        )  # fmt: skip
        routed = fastpath.route(args, run, stderr)
        if routed is not None:  # scored by columns (see perfscore.fastpath)
            tally.extend((), routed.without_total, count=routed.count, missing=routed.missing)
            tally.problems += routed.problems
            complete, failed, all_notes = routed.complete, routed.failed, routed.notes
        elif (
            args.store is None
            and all(t.format.shards for t in plan)
            and (args.jobs > 1 or not _streamed(plan))
        ):
            # JSON and CSV findings: each chunk of subjects encoded as it is scored (in this
            # process with --jobs 1) and the file joined from the bytes — holding every result
            # until the end took ~1 MB a department on a 40-indicator set (rev18, session 18)
            complete, failed, all_notes = _score_jobs(
                args,
                rs,
                plan,
                sources,
                notes,
                inputs,
                options,
                waiving,
                progress,
                tally,
                summary,
                stdout,
            )
        elif args.jobs == 1 and args.store is None and _parquet_files(plan):
            complete, failed, all_notes = _parquet(
                rs, sources, notes, inputs, plan, progress, waiving, tally, summary
            )
        elif len(plan) == 1 and plan[0].format.name == "jsonl" and args.store is None:
            # stream: each subject's lines are written as soon as it is scored
            path = plan[0].path
            stream = functools.partial(_stream, lean=args.lean, lang=lang)
            if path is None:
                sink: Any = TextSink(stdout)
                result = stream(rs, sources, notes, inputs, sink, progress, waiving, tally, summary)
            else:
                with atomic_writer(path) as fh:
                    result = stream(
                        rs, sources, notes, inputs, fh, progress, waiving, tally, summary
                    )
            tally.problems += [n for n in notes if n.level == "error"]
            complete = result["complete"]
            failed = dict(result["by_severity"])
            failed["error"] += result["error"]  # could not be evaluated: as bad as an error
        else:
            # the results are held until written: out of the collector's sight (_gc)
            with results_held() as kept:
                records: list[Any] = []
                if args.jobs > 1 or args.store is not None:
                    from ..ingest import read_sources

                    records = list(read_sources(rs, sources, notes))
                if args.jobs > 1:
                    from ..parallel import evaluate_parallel

                    results = evaluate_parallel(
                        rs, records, jobs=args.jobs, waivers=waiving.waivers, as_of=waiving.as_of
                    ).subjects
                    points = rs.max_total > 0
                    for r in results:
                        tally.add(r, points)
                        summary.add(r)
                elif args.store is not None:
                    one_by_one = DataSource("records", "records", lambda: ((0, r) for r in records))
                    results = tuple(
                        kept(_results(rs, [one_by_one], [], progress, waiving, tally, summary))
                    )
                else:
                    results = tuple(
                        kept(_results(rs, sources, notes, progress, waiving, tally, summary))
                    )
                results = tuple(kept(results))
                report = rs.report(results, inputs=inputs, waiving=waiving, notifications=notes)
                unmatched = tuple(unmatched_waivers(waiving, tally))
                if unmatched:
                    report = replace(report, notifications=(*report.notifications, *unmatched))
                all_notes = list(report.notifications)
                tally.problems += [n for n in report.notifications if n.level == "error"]
                write_outputs(report, plan, options, stdout)
                if args.store is not None:
                    store_cli.record_score(args.store, report, records, stderr, lang=lang)
                complete = report.complete
                failed = {k: 0 for k in SEVERITY_RANK}
                for f in report.findings:
                    if f.outcome == "fail" and f.severity in failed:
                        failed[f.severity] += 1
                    elif f.outcome == "error":  # could not be evaluated: as bad as an error
                        failed["error"] += 1
    if show:
        stderr.write(_safe(summary.render(all_notes, lang=cli_lang())))
    listed = all_notes if show else ()  # the summary just listed them: not again
    status = exit_status(args, complete, failed, tally, tally.count, stderr, listed)
    if any(n.code == "unreadable-file" for n in notes):
        return EXIT_DATA  # the other files were scored and written
    return status


def _score_jobs(
    args: argparse.Namespace,
    rs: RuleSet,
    plan: Sequence[Target],
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[dict[str, str]],
    options: ExportOptions,
    waiving: Waiving,
    progress: BatchProgress,
    tally: Tally,
    summary: RunSummary,
    stdout: TextIO,
) -> tuple[bool, dict[str, int], list[Notification]]:
    """``--jobs N``: workers score and encode, this process reads the data and writes the
    files from their bytes — exactly what one process writes (and the same exit status)."""
    from ..findings import Report
    from ..ingest import read_sources
    from ..parallel import encode_parallel
    from ..ruleset import duplicate_ids

    def records() -> Iterator[tuple[int, Any]]:  # indexes count per file, as in _results
        for src in sources:  # a table's rows made records by the workers
            yield from enumerate(read_sources(rs, [src], notes, raw=True))

    head = Report(rs.provenance(), rs.rules, (), tuple(inputs), waivers=waiving.info())
    forms = [(t.format.shards, options) for t in plan if t.format.shards is not None]
    run = encode_parallel(
        rs,
        records(),
        head,
        forms,
        jobs=args.jobs,
        waivers=waiving.waivers,
        as_of=waiving.as_of,
        on_chunk=progress.advance,
    )
    try:
        totals = run.totals
        summary.merge(run.summary)
        tally.extend(
            [s.id for s in totals.subjects], totals.without_total if rs.max_total > 0 else []
        )
        tally.problems += [n for n in totals.notifications if n.level == "error"]
        streamed = len(plan) == 1 and plan[0].format.name == "jsonl"  # as _stream writes it
        run_notes = [*notes, *(() if streamed else duplicate_ids(totals.subjects, notes))]
        run_notes += unmatched_waivers(waiving, tally)
        tally.problems += [n for n in (notes if streamed else run_notes) if n.level == "error"]
        head = replace(head, notifications=tuple(run_notes))
        run.write_to([t.path for t in plan], head, stdout)
    finally:
        run.close()
    complete = totals.complete and not any(n.level == "error" for n in run_notes)
    if streamed:  # as the JSON Lines summary counts them
        failed = dict(totals.severity)
        failed["error"] += totals.counts["error"]
    else:
        failed = dict(totals.failed)
    return complete, failed, (list(notes) if streamed else run_notes)


def _streamed(plan: Sequence[Target]) -> bool:
    """One JSON Lines output: written subject by subject as scored (``_stream``)."""
    return len(plan) == 1 and plan[0].format.name == "jsonl"


def _parquet_files(plan: Sequence[Target]) -> bool:
    import importlib.util

    return all(t.format.name == "parquet" and t.path is not None for t in plan) and (
        importlib.util.find_spec("pyarrow") is not None  # else the exporter says it is missing
    )


def _parquet(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[dict[str, str]],
    plan: Sequence[Target],
    progress: BatchProgress,
    waiving: Waiving,
    tally: Tally,
    summary: RunSummary,
) -> tuple[bool, dict[str, int], list[Notification]]:
    """Parquet files scored record by record, in memory that does not grow with the rows:
    each result's rows go to a temporary file as it is scored, and the files are written
    from it once every subject is — the bytes the whole report gives.  Returns what the exit
    status reads, as the report would give it: complete, failed findings, notifications."""
    complete = True
    failed = dict.fromkeys(SEVERITY_RANK, 0)

    def each() -> Iterator[SubjectResult]:
        nonlocal complete
        for r in _results(rs, sources, notes, progress, waiving, tally, summary):
            complete = complete and r.complete
            for f in r.findings:  # as the report's findings are counted
                if f.outcome == "fail" and f.severity in failed:
                    failed[f.severity] += 1
                elif f.outcome == "error":
                    failed["error"] += 1
            yield r

    paths = [str(t.path) for t in plan]
    run_notes = fastpath.results_files(rs, each(), paths, inputs=inputs, notes=notes)
    run_notes += unmatched_waivers(waiving, tally)
    tally.problems += [n for n in run_notes if n.level == "error"]
    return complete and not any(n.level == "error" for n in run_notes), failed, run_notes


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _stream(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[dict[str, str]],
    out: IO[bytes],
    progress: BatchProgress,
    waiving: Waiving,
    tally: Tally,
    summary: RunSummary,
    *,
    lean: bool = False,
    lang: str = DEFAULT_LANG,
) -> dict[str, Any]:
    results = _results(rs, sources, notes, progress, waiving, tally, summary)

    def after() -> Iterator[Notification]:  # read once every subject is scored
        yield from notes
        yield from unmatched_waivers(waiving, tally)

    return write_jsonl(
        out,
        rs.provenance(),
        rs.rules,
        results,
        inputs,
        waivers=waiving.info(),
        notifications=after(),
        lean=lean,
        lang=lang,
    )
