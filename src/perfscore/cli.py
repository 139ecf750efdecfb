"""The ``perfscore`` command: score, validate, test, show, list-rules, extract, review, schema.

Exit statuses and output planning are in :mod:`perfscore.outputs` (0 done; 1 a failed finding
at or above ``--fail-on`` — an ``error`` finding or notification, something not evaluated,
counts as severity ``error``; 2 usage or rule-set error, or an output that cannot be produced;
3 data could not be read, no total could be computed for any subject, or with ``--strict``
something could not be evaluated).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import json
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import IO, Any, TextIO

from . import fastpath
from ._version import __version__
from ._yaml import load_yaml_file
from .clilang import localise, requested
from .errors import DataError, ExportError, PerfscoreError, RuleSetError
from .export import (
    EXPORTERS,
    ExportOptions,
    atomic_writer,
    write_atomic,
    write_jsonl,
)
from .extract import cli as extract_cli
from .findings import Notification, SubjectResult
from .ingest import DataSource
from .ingest import cli as ingest_cli
from .outputs import (
    EXIT_DATA,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_RULES,
    Target,
    TextSink,
    UsageError,
    cli_lang,
    plan_outputs,
    say_cli,
    use_cli_lang,
    write_outputs,
)
from .recheck import cli as review_cli
from .ruleset import RuleSet, load_ruleset
from .store import cli as store_cli
from .summary import RunSummary
from .terminal import BatchProgress, ReadingProgress
from .textsafe import terminal as _safe
from .waivers import Waiving, load_waivers
from .words import HELP, in_language

__all__ = ["main", "rules_schema"]

_SEVERITY_RANK = {"note": 1, "warning": 2, "error": 3}
_say = say_cli


def _help(key: str) -> str:
    """A ``--help`` text (:data:`perfscore.words.HELP`) in the command's language."""
    return HELP[cli_lang()][key]


def _format_help(f: Any) -> str:
    """An output format's description in the command's language (a plugin's: its own)."""
    lang = cli_lang()
    return HELP[lang].get(f"fmt_{f.name}", f.description) if lang == "zh" else f.description


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="perfscore",
        description=_help("description"),
    )
    p.add_argument("--version", action="version", version=f"perfscore {__version__}")
    p.add_argument("--lang", dest="global_lang", choices=["zh", "en"], help=_help("lang_global"))
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help=_help("score"))
    s.add_argument("rules", help=_help("rules"))
    s.add_argument("data", nargs="+", help=_help("data"))
    s.add_argument(
        "--format",
        action="append",
        choices=EXPORTERS.keys(),
        help=_help("format") + "; ".join(f"{f.name}: {_format_help(f)}" for f in EXPORTERS),
    )
    s.add_argument(
        "-o",
        "--output",
        action="append",
        help=_help("output") + " ".join(ext for f in EXPORTERS for ext in f.extensions),
    )
    s.add_argument("--output-dir", help=_help("output_dir"))
    s.add_argument("--bom", action="store_true", help=_help("bom"))
    s.add_argument("--lean", action="store_true", help=_help("lean"))
    s.add_argument(
        "--sarif-all",
        action="store_true",
        help=_help("sarif_all"),
    )
    s.add_argument("--strict", action="store_true", help=_help("strict"))
    s.add_argument(
        "--fail-on",
        choices=["error", "warning", "note"],
        help=_help("fail_on"),
    )
    s.add_argument("--lang", choices=["zh", "en"], default=None, help=_help("lang"))
    s.add_argument("--waivers", help=_help("waivers"))
    s.add_argument("--as-of", help=_help("as_of"))
    s.add_argument(
        "--template",
        help=_help("template"),
    )
    s.add_argument("--jobs", type=int, default=1, help=_help("jobs"))
    s.add_argument("--no-columnar", action="store_true", help=_help("no_columnar"))
    s.add_argument("--sheet", help=_help("sheet"))
    s.add_argument("--columns", help=_help("columns"))
    s.add_argument(
        "--summary", action=argparse.BooleanOptionalAction, default=None, help=_help("summary")
    )
    store_cli.add_score_option(s)

    t = sub.add_parser("test", help=_help("test"))
    t.add_argument("rules", nargs="+", help=_help("rules_many"))

    sh = sub.add_parser("show", help=_help("show"))
    sh.add_argument("rules", help=_help("rules"))
    sh.add_argument("--resolved", action="store_true", help=_help("resolved"))

    sub.add_parser("list-rules", help=_help("list_rules"))
    extract_cli.add_subcommand(sub)
    ingest_cli.add_subcommand(sub)
    store_cli.add_subcommands(sub)
    review_cli.add_subcommand(sub)

    v = sub.add_parser("validate", help=_help("validate"))
    v.add_argument("rules", nargs="+", help=_help("rules_many"))

    sc = sub.add_parser("schema", help=_help("schema"))
    sc.add_argument("what", choices=["findings", "rules"])
    sc.add_argument("-o", "--output", help=_help("schema_output"))
    for command in (s, sh, v):
        command.add_argument(
            "--allow-extends-anywhere",
            action="store_true",
            help=_help("allow_extends_anywhere"),
        )
    localise(p, cli_lang())
    return p


# --- scoring ---------------------------------------------------------------------------------


def _waiving(args: argparse.Namespace, rs: RuleSet) -> Waiving:
    as_of = None
    if args.as_of:
        try:
            as_of = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise UsageError(_say("bad_date", value=repr(args.as_of))) from None
    return rs.waiving(load_waivers(args.waivers) if args.waivers else None, as_of)


@dataclass
class _Tally:
    """What the exit status needs to know about the subjects as they are scored: counts, so a
    streamed run's memory does not grow with its rows (every id only when waivers need them)."""

    keep_ids: bool = False  # waivers name subjects: the ones no record had are reported
    count: int = 0
    subject_ids: list[str] = field(default_factory=list)
    missing: int = 0  # subjects without a total
    without_total: list[str] = field(default_factory=list)  # the first few of them
    problems: list[Notification] = field(default_factory=list)  # error notifications

    def add(self, result: SubjectResult, points: bool) -> None:
        self.count += 1
        if self.keep_ids:
            self.subject_ids.append(result.subject.id)
        if points and result.total is None:
            self.missing += 1
            if len(self.without_total) < _NAMED:
                self.without_total.append(result.subject.id)
        self.problems += [n for n in result.notifications if n.level == "error"]

    def extend(
        self,
        ids: Sequence[str],
        without_total: Sequence[str],
        *,
        count: int | None = None,
        missing: int | None = None,
    ) -> None:
        """Subjects scored elsewhere (the columnar path, ``--jobs`` workers): their ``ids``
        (or only their ``count``) and those without a total (or the first few and how many)."""
        self.count += len(ids) if count is None else count
        if self.keep_ids:
            self.subject_ids += ids
        self.missing += len(without_total) if missing is None else missing
        self.without_total += without_total[: _NAMED - len(self.without_total)]


_NAMED = fastpath.NAMED  # subjects named when some have no total


def _sources(
    args: argparse.Namespace, notes: list[Notification], stderr: TextIO
) -> list[DataSource]:
    """Every data file to read.  JSON/YAML documents are read now: with one data file its
    problem stops the run (exit 3, as before); with several, an unreadable file becomes an
    ``unreadable-file`` error notification and the others are scored."""
    from .ingest import load_columns, open_data, read_document

    if args.template:
        from .extract import subjects_from_reports

        records = tuple(subjects_from_reports(args.data, args.template))
        return [
            DataSource(
                "reports",
                "records",
                lambda: ((0, r) for r in records),
                sha256="",
                total=len(records),
            )
        ]
    columns = load_columns(args.columns) if args.columns else None
    sources: list[DataSource] = []
    several = len(args.data) > 1
    for path in args.data:
        try:
            found = open_data(path, sheet=args.sheet, columns=columns)
        except DataError as e:
            if not several:
                raise
            notes.append(Notification("error", "unreadable-file", f"cannot read {e}"))
            continue
        for src in found:
            if src.kind == "records" and not src.uri.lower().endswith((".jsonl", ".ndjson")):
                try:
                    with ReadingProgress(src.uri, stderr, lang=cli_lang()) as reading:
                        docs, digest = read_document(src.uri)
                        reading.records = len(docs)
                except DataError as e:
                    if not several and len(found) == 1:
                        raise
                    notes.append(Notification("error", "unreadable-file", f"cannot read {e}"))
                    continue
                sources.append(
                    DataSource(
                        src.uri,
                        "records",
                        lambda r=docs: ((0, x) for x in r),
                        sha256=digest,
                        total=len(docs),
                    )
                )
            else:
                sources.append(src)
    return sources


def _hashed(sources: Sequence[DataSource], notes: list[Notification]) -> list[DataSource]:
    """Sources whose bytes can be hashed (the run id needs them before scoring)."""
    ok = []
    for src in sources:
        try:
            _ = src.sha256
        except OSError as e:
            notes.append(
                Notification("error", "unreadable-file", f"cannot read {src.uri}: {e.strerror}")
            )
            continue
        ok.append(src)
    return ok


def _results(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notes: list[Notification],
    progress: BatchProgress,
    waiving: Waiving,
    tally: _Tally,
    summary: RunSummary,
) -> Iterator[SubjectResult]:
    """Score record by record (indexes count per file, as in ``rs.evaluate``)."""
    from .ingest import read_sources

    points = rs.max_total > 0
    for src in sources:
        for i, record in enumerate(read_sources(rs, [src], notes)):
            result = rs.evaluate_subject(
                record, index=i, waivers=waiving.waivers, as_of=waiving.as_of
            )
            tally.add(result, points)
            summary.add(result)
            yield result
            progress.advance()


def _unmatched(waiving: Waiving, tally: _Tally) -> Iterator[Notification]:
    """Waivers naming a subject not in the data (read once every subject is scored)."""
    if waiving.waivers is not None:
        for n in waiving.waivers.unmatched(tally.subject_ids):
            tally.problems.append(n)
            yield n


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


def _score(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    plan = plan_outputs(args)
    rs = _load_rules_for_scoring(args)
    lang = args.lang or args.global_lang or rs.language  # --lang, else the rule set's locale
    use_cli_lang(lang)
    waiving = _waiving(args, rs)
    notes: list[Notification] = []
    sources = _hashed(_sources(args, notes, stderr), notes)
    inputs = tuple({"uri": b.uri, "sha256": b.sha256} for b in sources)
    options = ExportOptions(lang=lang, bom=args.bom, sarif_all=args.sarif_all, lean=args.lean)
    known = [s.total for s in sources]
    total = sum(t for t in known if t is not None) if all(t is not None for t in known) else None
    tally = _Tally(keep_ids=waiving.waivers is not None)
    summary = RunSummary(rs.rules)
    all_notes: list[Notification] = notes
    complete: bool
    failed: dict[str, int]
    show = args.summary if args.summary is not None else _isatty(stderr)
    with BatchProgress(total, stderr, description=_say("progress")) as progress:
        run = fastpath.Run(
            rs, plan, sources, notes, inputs, options, waiving, _SEVERITY_RANK,
            summary if show else None, progress, stdout,
        )  # fmt: skip
        routed = fastpath.route(args, run, stderr)
        if routed is not None:  # scored by columns (see perfscore.fastpath)
            tally.extend((), routed.without_total, count=routed.count, missing=routed.missing)
            tally.problems += routed.problems
            complete, failed, all_notes = routed.complete, routed.failed, routed.notes
        elif args.jobs > 1 and args.store is None and all(t.format.shards for t in plan):
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
        elif len(plan) == 1 and plan[0].format.name == "jsonl" and args.store is None:
            # stream: each subject's lines are written as soon as it is scored
            path = plan[0].path
            stream = functools.partial(_stream, lean=args.lean)
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
            records: list[Any] = []
            if args.jobs > 1 or args.store is not None:
                from .ingest import read_sources

                records = list(read_sources(rs, sources, notes))
            if args.jobs > 1:
                from .parallel import evaluate_parallel

                results = evaluate_parallel(
                    rs, records, jobs=args.jobs, waivers=waiving.waivers, as_of=waiving.as_of
                ).subjects
                points = rs.max_total > 0
                for r in results:
                    tally.add(r, points)
                    summary.add(r)
            elif args.store is not None:
                one_by_one = DataSource("records", "records", lambda: ((0, r) for r in records))
                results = tuple(_results(rs, [one_by_one], [], progress, waiving, tally, summary))
            else:
                results = tuple(_results(rs, sources, notes, progress, waiving, tally, summary))
            report = rs.report(results, inputs=inputs, waiving=waiving, notifications=notes)
            unmatched = tuple(_unmatched(waiving, tally))
            if unmatched:
                report = replace(report, notifications=(*report.notifications, *unmatched))
            all_notes = list(report.notifications)
            tally.problems += [n for n in report.notifications if n.level == "error"]
            write_outputs(report, plan, options, stdout)
            if args.store is not None:
                store_cli.record_score(args.store, report, records, stderr, lang=lang)
            complete = report.complete
            failed = {k: 0 for k in _SEVERITY_RANK}
            for f in report.findings:
                if f.outcome == "fail" and f.severity in failed:
                    failed[f.severity] += 1
                elif f.outcome == "error":  # could not be evaluated: as bad as an error
                    failed["error"] += 1
    if show:
        stderr.write(_safe(summary.render(all_notes, lang=cli_lang())))
    listed = all_notes if show else ()  # the summary just listed them: not again
    status = _status(args, complete, failed, tally, tally.count, stderr, listed)
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
    tally: _Tally,
    summary: RunSummary,
    stdout: TextIO,
) -> tuple[bool, dict[str, int], list[Notification]]:
    """``--jobs N``: workers score and encode, this process reads the data and writes the
    files from their bytes — exactly what one process writes (and the same exit status)."""
    from .findings import Report
    from .ingest import read_sources
    from .parallel import encode_parallel
    from .ruleset import duplicate_ids

    def records() -> Iterator[tuple[int, Any]]:  # indexes count per file, as in _results
        for src in sources:
            yield from enumerate(read_sources(rs, [src], notes))

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
        run_notes = [*notes, *(() if streamed else duplicate_ids(totals.subjects))]
        run_notes += _unmatched(waiving, tally)
        tally.problems += [n for n in (notes if streamed else run_notes) if n.level == "error"]
        head = replace(head, notifications=tuple(run_notes))
        for i, t in enumerate(plan):
            if t.path is not None:
                with atomic_writer(t.path) as fh:
                    run.write(i, head, fh)
            else:
                buf = io.BytesIO()
                run.write(i, head, buf)
                stdout.write(buf.getvalue().decode("utf-8"))
    finally:
        run.close()
    complete = totals.complete and not any(n.level == "error" for n in run_notes)
    if streamed:  # as the JSON Lines summary counts them
        failed = dict(totals.severity)
        failed["error"] += totals.counts["error"]
    else:
        failed = dict(totals.failed)
    return complete, failed, (list(notes) if streamed else run_notes)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _status(
    args: argparse.Namespace,
    complete: bool,
    failed: dict[str, int],
    tally: _Tally,
    records: int,
    stderr: TextIO,
    listed: Sequence[Notification] = (),
) -> int:
    """The exit status (see :mod:`perfscore.outputs`), saying on stderr why it is not 0 (the
    error notifications, but for those the run summary has ``listed`` already)."""
    shown = set(listed)
    for n in tally.problems:
        if n in shown:
            continue
        stderr.write(
            _safe(f"perfscore: {_say('error', message=in_language(n.message, cli_lang()))}\n")
        )
    failed["error"] += len(tally.problems)
    if not complete:
        stderr.write(f"perfscore: {_say('incomplete')}\n")
    nothing = bool(records) and tally.missing == records
    if nothing:
        key = "no_total_one" if records == 1 else "no_total_any"
        stderr.write(f"perfscore: {_say(key, count=records)}\n")
    elif tally.missing:
        ids = ", ".join(tally.without_total) + (" …" if tally.missing > _NAMED else "")
        said = _say("no_total_some", count=tally.missing, of=records, ids=ids)
        stderr.write(_safe(f"perfscore: {said}\n"))
    if nothing or (args.strict and not complete):
        return EXIT_DATA
    if args.fail_on:
        limit = _SEVERITY_RANK[args.fail_on]
        if any(n and _SEVERITY_RANK[sev] >= limit for sev, n in failed.items()):
            return EXIT_FINDINGS
    return EXIT_OK


def _stream(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[dict[str, str]],
    out: IO[bytes],
    progress: BatchProgress,
    waiving: Waiving,
    tally: _Tally,
    summary: RunSummary,
    *,
    lean: bool = False,
) -> dict[str, Any]:
    results = _results(rs, sources, notes, progress, waiving, tally, summary)

    def after() -> Iterator[Notification]:  # read once every subject is scored
        yield from notes
        yield from _unmatched(waiving, tally)

    return write_jsonl(
        out,
        rs.provenance(),
        rs.rules,
        results,
        inputs,
        waivers=waiving.info(),
        notifications=after(),
        lean=lean,
    )


# --- validate, schema ------------------------------------------------------------------------


_TESTS = (".tests.yaml", ".tests.yml")


def _rule_files(paths: Sequence[str]) -> list[str]:
    """Rule sets named, and those in folders named; in a folder, ``x.tests.yaml`` files are
    rule-set tests, not rule sets, and are left out."""
    out: list[str] = []
    for p in paths:
        folder = Path(p)
        if folder.is_dir():
            out += sorted(
                str(f)
                for f in folder.iterdir()
                if f.suffix in (".yaml", ".yml") and not f.name.endswith(_TESTS)
            )
        else:
            out.append(p)
    return out


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    status = EXIT_OK
    for path in _rule_files(args.rules):
        if path.endswith(_TESTS):
            stdout.write(_safe(f"{path}: rule-set tests, not a rule set (run: perfscore test)\n"))
            continue
        try:
            rs = load_ruleset(path, allow_extends_anywhere=args.allow_extends_anywhere)
        except RuleSetError as e:
            for problem in e.problems:
                stdout.write(_safe(f"{problem}\n"))
            stderr.write(_safe(_say("validate_problems", path=path, count=len(e.problems)) + "\n"))
            status = EXIT_RULES
            continue
        from .lint import ruleset_warnings

        for warning in ruleset_warnings(rs):
            stdout.write(f"{warning}\n")
        from .lint import ruleset_warnings

        for warning in ruleset_warnings(rs):
            stdout.write(_safe(f"{warning}\n"))
        n_ind = sum(1 for r in rs.rules if r.kind == "indicator")
        n_chk = sum(1 for r in rs.rules if r.kind == "check")
        summary = _say(
            "validate_ok", path=path, id=rs.id, version=rs.version, indicators=n_ind, checks=n_chk
        )
        stdout.write(_safe(summary + "\n"))
    return status


def rules_schema() -> dict[str, Any]:
    """JSON Schema of the rule language, from the pydantic model, for editor autocompletion.

    ``perfscore:`` and ``version:`` are read as text but may be written as numbers in YAML
    (``perfscore: 1``, ``version: 2024``), so the schema accepts both.
    """
    from .model import RuleSetModel

    schema = RuleSetModel.model_json_schema()
    _exclusive_plugin_scorers(schema)
    props = schema.get("properties", {})
    for key in ("perfscore", "version"):
        if key in props:
            props[key] = {**props[key], "type": ["string", "integer", "number"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://perfscore.invalid/schemas/rules-1.json",
        **{k: v for k, v in schema.items() if k != "title"},
        "title": "perfscore rule set (rule language version 1)",
    }


def _exclusive_plugin_scorers(schema: dict[str, Any]) -> None:
    """A plugin scorer accepts any ``type``, so it would also match every built-in scorer and
    make pydantic's ``oneOf`` fail; give it every type except the built-in ones."""
    defs = schema.get("$defs", {})
    plugin = defs.get("PluginScorerModel")
    if plugin is None:
        return
    from .scorers import builtin_scorers

    builtin = sorted(builtin_scorers().keys())
    plugin["properties"]["type"] = {**plugin["properties"]["type"], "not": {"enum": builtin}}


def _schema(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.what == "findings":
        text = (resources.files("perfscore") / "schemas" / "findings-1.json").read_text("utf-8")
    else:
        text = json.dumps(rules_schema(), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        write_atomic(args.output, text.encode("utf-8"))
    else:
        stdout.write(text)
    return EXIT_OK


def _test(args: argparse.Namespace, stdout: TextIO) -> int:
    from .ruletest import case_file_for, run_tests

    status = EXIT_OK
    for path in _rule_files(args.rules):
        if path.endswith(_TESTS):  # given the cases' file: test the rule set beside it
            path = path.removesuffix(".tests.yaml").removesuffix(".tests.yml") + ".yaml"
        elif not case_file_for(path).exists() and path not in args.rules:
            continue  # a rule set in a folder without test cases
        suite = run_tests(path)
        stdout.write(suite.render())
        if not suite.passed:
            status = EXIT_FINDINGS
    return status


def _show(args: argparse.Namespace, stdout: TextIO) -> int:
    from .overlay import resolve
    from .yamldump import dump_yaml

    anywhere = args.allow_extends_anywhere
    doc = (
        resolve(args.rules, allow_anywhere=anywhere)
        if args.resolved
        else load_yaml_file(args.rules)
    )
    load_ruleset(args.rules, allow_extends_anywhere=anywhere)  # refuse one that does not load
    stdout.write(dump_yaml(doc.data))
    return EXIT_OK


def _load_plugins(err: TextIO) -> None:
    """Load installed plugins; each one that cannot be loaded is named on stderr and left out."""
    from .plugins import PluginWarning, load_entry_points, plugin_failures

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)  # said below, on this command's stderr
        load_entry_points()
    for failure in plugin_failures():
        err.write(_safe(f"perfscore: {failure}\n"))


def _bundled_names(args: argparse.Namespace) -> None:
    """A rule-set argument that is not a file may name a bundled rule set (``cn-dept-overall``)."""
    from .catalog import resolve_rules

    rules = getattr(args, "rules", None)
    if isinstance(rules, str):
        args.rules = str(resolve_rules(rules))
    elif isinstance(rules, list):
        args.rules = [str(resolve_rules(r)) for r in rules]


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit status (the console script exits with it)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    _load_plugins(err)  # installed plugins may add output formats the parser must know
    argv = sys.argv[1:] if argv is None else list(argv)
    use_cli_lang(requested(argv) or "en")  # help and usage errors; `score` then asks the rules
    args = _parser().parse_args(argv)
    _bundled_names(args)
    try:
        if args.command == "score":
            return _score(args, out, err)
        if args.command == "schema":
            return _schema(args, out)
        if args.command == "template":
            return ingest_cli.run(args, out, err)
        if args.command == "extract":
            return extract_cli.run(args, out, err)
        if args.command in store_cli.COMMANDS:
            return store_cli.run(args, out, err)
        if args.command == "review":
            return review_cli.run(args, out, err)
        if args.command == "test":
            return _test(args, out)
        if args.command == "show":
            return _show(args, out)
        if args.command == "list-rules":
            from .catalog import bundled_rulesets, format_catalog

            text = format_catalog(bundled_rulesets())
            out.write(text if text.endswith("\n") else text + "\n")
            return EXIT_OK
        return _validate(args, out, err)
    except RuleSetError as e:
        for problem in e.problems:
            err.write(_safe(f"{problem}\n"))
        return EXIT_RULES
    except DataError as e:
        for problem in e.problems:
            err.write(_safe(f"{problem}\n"))
        return EXIT_DATA
    except (UsageError, ExportError) as e:
        err.write(_safe(f"perfscore: {e}\n"))
        return EXIT_RULES
    except OSError as e:
        err.write(_safe(f"perfscore: {_say('cannot_write', error=e)}\n"))
        return EXIT_RULES
    except PerfscoreError as e:
        err.write(_safe(f"perfscore: {e}\n"))
        return EXIT_DATA


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
