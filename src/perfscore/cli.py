"""The ``perfscore`` command: score, validate, test, show, list-rules, extract, review, schema.

Exit statuses and output planning are in :mod:`perfscore.outputs` (0 done; 1 a failed finding
at or above ``--fail-on``; 2 usage or rule-set error, or an output that cannot be produced;
3 data could not be read, or with ``--strict`` something could not be evaluated).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import warnings
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import IO, Any, TextIO

from ._version import __version__
from ._yaml import load_yaml_file
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
    UsageError,
    plan_outputs,
    say_cli,
    write_outputs,
)
from .recheck import cli as review_cli
from .ruleset import RuleSet, load_ruleset
from .store import cli as store_cli
from .summary import RunSummary
from .terminal import BatchProgress
from .textsafe import terminal as _safe
from .waivers import Waiving, load_waivers

__all__ = ["main", "rules_schema"]

_SEVERITY_RANK = {"note": 1, "warning": 2, "error": 3}
_say = say_cli


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="perfscore",
        description="Score budget-performance data against YAML rule sets (全过程预算绩效管理).",
    )
    p.add_argument("--version", action="version", version=f"perfscore {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score subject data against a rule set")
    s.add_argument("rules", help="rule-set YAML file, or a bundled rule set's name (list-rules)")
    s.add_argument(
        "data",
        nargs="+",
        help="subject data: .xlsx, .csv/.tsv (UTF-8 or GBK), .parquet, .jsonl, .json, .yaml, "
        "or folders of them",
    )
    s.add_argument(
        "--format",
        action="append",
        choices=EXPORTERS.keys(),
        help="output format; repeat for several (each then needs an --output, or --output-dir). "
        + "; ".join(f"{f.name}: {f.description}" for f in EXPORTERS),
    )
    s.add_argument(
        "-o",
        "--output",
        action="append",
        help="write to this file (repeatable); its extension picks the format when --format "
        "is not given: " + " ".join(ext for f in EXPORTERS for ext in f.extensions),
    )
    s.add_argument("--output-dir", help="write every requested format into this folder")
    s.add_argument(
        "--bom", action="store_true", help="CSV: start with a UTF-8 BOM so Excel reads 中文"
    )
    s.add_argument(
        "--sarif-all",
        action="store_true",
        help="SARIF: also report pass and not-applicable results (default: failures only)",
    )
    s.add_argument(
        "--strict", action="store_true", help="exit 3 when any indicator could not be evaluated"
    )
    s.add_argument(
        "--fail-on",
        choices=["error", "warning", "note"],
        help="exit 1 when a failed finding has this severity or worse",
    )
    s.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="message language for people's formats"
    )
    s.add_argument("--waivers", help="YAML file of approved exemptions (豁免) to apply")
    s.add_argument(
        "--as-of", help="judge waiver expiry as of this date (YYYY-MM-DD; default today)"
    )
    s.add_argument(
        "--template",
        help="the data are self-evaluation reports (.txt/.docx/.pdf, or folders of them): "
        "extract them with this template first",
    )
    s.add_argument("--jobs", type=int, default=1, help="score a large batch in N processes")
    s.add_argument("--sheet", help="the worksheet to read in .xlsx data (default: the first)")
    s.add_argument(
        "--columns",
        help="YAML file mapping column headers to inputs ({header: input id | id | name | "
        "year | parent | declared.total | declared.grade | null})",
    )
    s.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="print the end-of-run summary on stderr (default: when stderr is a terminal)",
    )
    store_cli.add_score_option(s)

    t = sub.add_parser(
        "test", help="run a rule set's YAML test cases (x.tests.yaml next to x.yaml)"
    )
    t.add_argument("rules", nargs="+", help="rule-set YAML files")

    sh = sub.add_parser("show", help="print a rule set (with --resolved: after merging 'extends')")
    sh.add_argument("rules", help="rule-set YAML file")
    sh.add_argument("--resolved", action="store_true", help="print the merged rule set")

    sub.add_parser("list-rules", help="the bundled rule sets, their sources and versions")
    extract_cli.add_subcommand(sub)
    ingest_cli.add_subcommand(sub)
    store_cli.add_subcommands(sub)
    review_cli.add_subcommand(sub)

    v = sub.add_parser("validate", help="check rule sets and report every problem")
    v.add_argument("rules", nargs="+", help="rule-set YAML files")

    sc = sub.add_parser("schema", help="print a JSON Schema: the findings document or rule sets")
    sc.add_argument("what", choices=["findings", "rules"])
    sc.add_argument("-o", "--output", help="write to this file instead of standard output")
    for command in (s, sh, v):
        command.add_argument(
            "--allow-extends-anywhere",
            action="store_true",
            help="let 'extends:' name a rule set outside the rule set's folder and the bundled "
            "catalogue (off by default: see docs/security.md)",
        )
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


def _sources(args: argparse.Namespace, notes: list[Notification]) -> list[DataSource]:
    """Every data file to read.  JSON/YAML documents are read now: with one data file its
    problem stops the run (exit 3, as before); with several, an unreadable file becomes an
    ``unreadable-file`` error notification and the others are scored."""
    from .ingest import load_columns, open_data, read_document

    if args.template:
        from .extract import subjects_from_reports

        records = tuple(subjects_from_reports(args.data, args.template))
        return [DataSource("reports", "records", lambda: ((0, r) for r in records), sha256="")]
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
                    docs, digest = read_document(src.uri)
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
    summary: RunSummary,
) -> Iterator[SubjectResult]:
    """Score record by record (indexes count per file, as in ``rs.evaluate``)."""
    from .ingest import read_sources

    for src in sources:
        for i, record in enumerate(read_sources(rs, [src], notes)):
            result = rs.evaluate_subject(
                record, index=i, waivers=waiving.waivers, as_of=waiving.as_of
            )
            summary.add(result)
            progress.advance()
            yield result


class _TextSink:
    """Lets the byte-writing JSON Lines writer stream to a text ``stdout``."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, data: bytes) -> int:
        self._out.write(data.decode("utf-8"))
        return len(data)


def _score(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    plan = plan_outputs(args)
    rs = load_ruleset(args.rules, allow_extends_anywhere=args.allow_extends_anywhere)
    waiving = _waiving(args, rs)
    notes: list[Notification] = []
    sources = _hashed(_sources(args, notes), notes)
    inputs = tuple({"uri": b.uri, "sha256": b.sha256} for b in sources)
    options = ExportOptions(lang=args.lang, bom=args.bom, sarif_all=args.sarif_all)
    known = [s.total for s in sources]
    total = sum(t for t in known if t is not None) if all(t is not None for t in known) else None
    summary = RunSummary(rs.rules)
    all_notes: list[Notification] = notes
    with BatchProgress(total, stderr, description=_say("progress")) as progress:
        if len(plan) == 1 and plan[0].format.name == "jsonl" and args.store is None:
            # stream: each subject's lines are written as soon as it is scored
            path = plan[0].path
            if path is None:
                sink: Any = _TextSink(stdout)
                result = _stream(rs, sources, inputs, sink, progress, waiving, summary, notes)
            else:
                with atomic_writer(path) as fh:
                    result = _stream(rs, sources, inputs, fh, progress, waiving, summary, notes)
            complete: bool = result["complete"]
            failed: dict[str, int] = result["by_severity"]
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
                for r in results:
                    summary.add(r)
            elif args.store is not None:
                scored = []
                for i, record in enumerate(records):
                    one = rs.evaluate_subject(
                        record, index=i, waivers=waiving.waivers, as_of=waiving.as_of
                    )
                    summary.add(one)
                    progress.advance()
                    scored.append(one)
                results = tuple(scored)
            else:
                results = tuple(_results(rs, sources, notes, progress, waiving, summary))
            report = rs.report(results, inputs=inputs, waiving=waiving, notifications=notes)
            all_notes = list(report.notifications)
            write_outputs(report, plan, options, stdout)
            if args.store is not None:
                store_cli.record_score(args.store, report, records, stderr)
            complete = report.complete
            failed = {k: 0 for k in _SEVERITY_RANK}
            for f in report.findings:
                if f.outcome == "fail" and f.severity in failed:
                    failed[f.severity] += 1
    show = args.summary if args.summary is not None else _isatty(stderr)
    if show:
        stderr.write(_safe(summary.render(all_notes)))
    unreadable = [n.message for n in notes if n.code == "unreadable-file"]
    if unreadable:
        stderr.write(_safe("perfscore: " + "; ".join(unreadable) + "\n"))
        return EXIT_DATA
    if args.strict and not complete:
        stderr.write(f"perfscore: {_say('incomplete')}\n")
        return EXIT_DATA
    if args.fail_on:
        limit = _SEVERITY_RANK[args.fail_on]
        if any(n and _SEVERITY_RANK[sev] >= limit for sev, n in failed.items()):
            return EXIT_FINDINGS
    return EXIT_OK


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _stream(
    rs: RuleSet,
    sources: Sequence[DataSource],
    inputs: Sequence[dict[str, str]],
    out: IO[bytes],
    progress: BatchProgress,
    waiving: Waiving,
    summary: RunSummary,
    notes: list[Notification],
) -> dict[str, Any]:
    results = _results(rs, sources, notes, progress, waiving, summary)
    return write_jsonl(
        out,
        rs.provenance(),
        rs.rules,
        results,
        inputs,
        waivers=waiving.info(),
        notifications=notes,  # read after the results: it fills in as the files are read
    )


# --- validate, schema ------------------------------------------------------------------------


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    status = EXIT_OK
    for path in args.rules:
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
    from .ruletest import run_tests

    status = EXIT_OK
    for path in args.rules:
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
