"""``perfscore extract`` — the subcommand, for the main CLI to register.

    perfscore extract REPORT... [--template T] [--format yaml|json] [-o FILE]
                      [--no-checks] [--strict]

Wiring (in ``perfscore.cli``)::

    from .extract import cli as extract_cli
    extract_cli.add_subcommand(sub)                       # after the other sub.add_parser calls
    ...
    if args.command == "extract":
        return extract_cli.run(args, out, err)

Exit status: 0 done; 2 the template cannot be loaded; 3 a report cannot be read (the others
are still extracted and written; the unreadable one is a record with ``errors``), or (with
``--strict``) a required figure was not found.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from perfscore.errors import RuleSetError
from perfscore.export._common import write_atomic
from perfscore.extract.engine import extract_folder, extract_one
from perfscore.extract.result import ExtractResult, dump_subjects
from perfscore.extract.template import BUILTIN_TEMPLATES, load_template
from perfscore.outputs import say_cli

__all__ = ["add_subcommand", "run"]

EXIT_OK, EXIT_TEMPLATE, EXIT_DATA = 0, 2, 3


def add_subcommand(subparsers: Any) -> None:
    """Add ``extract`` to the ``perfscore`` subcommands (an ``add_subparsers()`` result)."""
    p = subparsers.add_parser(
        "extract",
        help="read self-evaluation reports (.txt, .docx, .pdf) into subject data",
        description=(
            "Extract the figures of 部门整体支出绩效自评报告 into the subject-data file a rule set "
            "scores, with the line and column each value came from."
        ),
    )
    p.add_argument("reports", nargs="+", metavar="REPORT", help="report files or folders of them")
    p.add_argument(
        "-t",
        "--template",
        default="cn-dept-self-eval",
        help=f"template file, or a built-in one: {', '.join(BUILTIN_TEMPLATES)} "
        "(default cn-dept-self-eval)",
    )
    p.add_argument("--format", choices=["yaml", "json"], default="yaml", help="output format")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument(
        "--no-checks",
        action="store_true",
        help="leave the report-check inputs (has_section_*, doubled_char_count ...) out of values",
    )
    p.add_argument(
        "--strict", action="store_true", help="exit 3 when a required figure was not found"
    )


def _write(text: str, output: str | None, stdout: TextIO) -> None:
    if output is None:
        stdout.write(text)
        return
    write_atomic(output, text.encode("utf-8"))  # mkstemp beside the target, then rename


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run ``perfscore extract`` with parsed ``args``; returns the exit status."""
    try:
        template = load_template(args.template)
    except RuleSetError as e:
        for problem in e.problems:
            stderr.write(f"{problem}\n")
        return EXIT_TEMPLATE
    results: list[ExtractResult] = []
    failed = False
    for report in args.reports:
        try:
            is_dir = Path(report).is_dir()
            found = extract_folder(report, template) if is_dir else [extract_one(report, template)]
        except OSError as e:  # a folder that cannot be listed
            stderr.write(say_cli("cannot_read_folder", path=report, error=e.strerror or e) + "\n")
            failed = True
            continue
        if is_dir and not found:
            stderr.write(f"perfscore: {say_cli('no_reports', path=report)}\n")
            failed = True
        results.extend(found)
    missing = False
    for result in results:
        for error in result.errors:
            stderr.write(f"{result.source}: {error}\n")
            failed = True
        for warning in result.warnings:
            stderr.write(say_cli("source_warning", source=result.source, warning=warning) + "\n")
            missing = missing or "not found" in warning
    if not results:
        return EXIT_DATA
    subjects = [r.to_subject(include_checks=not args.no_checks) for r in results]
    try:
        _write(dump_subjects(subjects, args.format), args.output, stdout)
    except OSError as e:
        said = say_cli("cannot_write_file", path=args.output, error=e.strerror or e)
        stderr.write(f"perfscore: {said}\n")
        return EXIT_DATA
    if failed:
        return EXIT_DATA
    if args.strict and missing:
        stderr.write(f"perfscore: {say_cli('figures_missing')}\n")
        return EXIT_DATA
    return EXIT_OK
