"""The ``perfscore`` command: score, validate.

Exit status: 0 done; 1 findings at or above ``--fail-on``; 2 usage or rule-set error (nothing
scored); 3 data could not be read or a subject could not be fully evaluated with ``--strict``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ._version import __version__
from .errors import DataError, PerfscoreError, RuleSetError
from .findings import Report
from .ruleset import RuleSet, load_ruleset, load_subjects

__all__ = ["main"]

EXIT_OK, EXIT_FINDINGS, EXIT_RULES, EXIT_DATA = 0, 1, 2, 3
_SEVERITY_RANK = {"note": 1, "warning": 2, "error": 3}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="perfscore",
        description="Score budget-performance data against YAML rule sets (全过程预算绩效管理).",
    )
    p.add_argument("--version", action="version", version=f"perfscore {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score subject data against a rule set")
    s.add_argument("rules", help="rule-set YAML file")
    s.add_argument("data", nargs="+", help="subject data files (YAML or JSON)")
    s.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table for people (default), json for the findings document",
    )
    s.add_argument("-o", "--output", help="write to this file instead of standard output")
    s.add_argument(
        "--strict", action="store_true", help="exit 3 when any indicator could not be evaluated"
    )
    s.add_argument(
        "--fail-on",
        choices=["error", "warning", "note"],
        help="exit 1 when a failed finding has this severity or worse",
    )
    s.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="message language for the table"
    )

    v = sub.add_parser("validate", help="check rule sets and report every problem")
    v.add_argument("rules", nargs="+", help="rule-set YAML files")
    return p


def _write(text: str, output: str | None, stdout: TextIO) -> None:
    if output is None:
        stdout.write(text)
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _score(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    rs = load_ruleset(args.rules)
    reports: list[Report] = []
    for path in args.data:
        reports.append(rs.evaluate(load_subjects(path)))
    report = reports[0] if len(reports) == 1 else _merge(rs, reports)
    if args.format == "json":
        _write(report.to_json(), args.output, stdout)
    else:
        from .terminal import render_report

        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                render_report(report, fh, lang=args.lang)
        else:
            render_report(report, stdout, lang=args.lang)
    if args.strict and not report.complete:
        stderr.write("perfscore: some indicators could not be evaluated (see the error findings)\n")
        return EXIT_DATA
    if args.fail_on:
        limit = _SEVERITY_RANK[args.fail_on]
        if any(
            f.outcome == "fail" and _SEVERITY_RANK.get(f.severity, 0) >= limit
            for f in report.findings
        ):
            return EXIT_FINDINGS
    return EXIT_OK


def _merge(rs: RuleSet, reports: Sequence[Report]) -> Report:
    return Report(
        rs.provenance(),
        rs.rules,
        tuple(s for r in reports for s in r.subjects),
        tuple(i for r in reports for i in r.inputs),
    )


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    status = EXIT_OK
    for path in args.rules:
        try:
            rs = load_ruleset(path)
        except RuleSetError as e:
            for problem in e.problems:
                stdout.write(f"{problem}\n")
            stderr.write(f"{path}: {len(e.problems)} problem(s)\n")
            status = EXIT_RULES
            continue
        n_ind = sum(1 for r in rs.rules if r.kind == "indicator")
        n_chk = sum(1 for r in rs.rules if r.kind == "check")
        stdout.write(f"{path}: ok ({rs.id} {rs.version}: {n_ind} indicators, {n_chk} checks)\n")
    return status


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit status (the console script exits with it)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = _parser().parse_args(argv)
    try:
        if args.command == "score":
            return _score(args, out, err)
        return _validate(args, out, err)
    except RuleSetError as e:
        for problem in e.problems:
            err.write(f"{problem}\n")
        return EXIT_RULES
    except DataError as e:
        for problem in e.problems:
            err.write(f"{problem}\n")
        return EXIT_DATA
    except PerfscoreError as e:
        err.write(f"perfscore: {e}\n")
        return EXIT_DATA


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
