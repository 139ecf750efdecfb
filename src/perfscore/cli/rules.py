"""The commands about rule sets themselves: ``perfscore validate`` (does it load, and what a
reviewer should know), ``perfscore test`` (its ``x.tests.yaml`` cases), ``perfscore show``
(the YAML, ``--resolved``: with its ``extends:`` applied) and ``perfscore list-rules`` (the
bundled catalogue)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .._yaml import load_yaml_file
from ..errors import RuleSetError
from ..outputs import EXIT_FINDINGS, EXIT_OK, EXIT_RULES, cli_lang, say_cli
from ..ruleset import load_ruleset
from ..textsafe import terminal as _safe
from ._options import allow_extends_anywhere, help_text

__all__ = ["COMMANDS", "add_list_rules", "add_show", "add_test", "add_validate", "run"]

COMMANDS = ("test", "show", "list-rules", "validate")

_TESTS = (".tests.yaml", ".tests.yml")


def add_test(sub: Any) -> None:
    t = sub.add_parser("test", help=help_text("test"))
    t.add_argument("rules", nargs="+", help=help_text("rules_many"))


def add_show(sub: Any) -> None:
    sh = sub.add_parser("show", help=help_text("show"))
    sh.add_argument("rules", help=help_text("rules"))
    sh.add_argument("--resolved", action="store_true", help=help_text("resolved"))
    allow_extends_anywhere(sh)


def add_list_rules(sub: Any) -> None:
    sub.add_parser("list-rules", help=help_text("list_rules"))


def add_validate(sub: Any) -> None:
    v = sub.add_parser("validate", help=help_text("validate"))
    v.add_argument("rules", nargs="+", help=help_text("rules_many"))
    allow_extends_anywhere(v)


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.command == "test":
        return _test(args, stdout)
    if args.command == "show":
        return _show(args, stdout)
    if args.command == "list-rules":
        return _list_rules(stdout)
    return _validate(args, stdout, stderr)


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
                stdout.write(_safe(problem.render(cli_lang()) + "\n"))
            stderr.write(
                _safe(say_cli("validate_problems", path=path, count=len(e.problems)) + "\n")
            )
            status = EXIT_RULES
            continue
        from ..lint import ruleset_warnings

        for warning in ruleset_warnings(rs):
            stdout.write(_safe(warning.render(cli_lang()) + "\n"))
        n_ind = sum(1 for r in rs.rules if r.kind == "indicator")
        n_chk = sum(1 for r in rs.rules if r.kind == "check")
        summary = say_cli(
            "validate_ok", path=path, id=rs.id, version=rs.version, indicators=n_ind, checks=n_chk
        )
        stdout.write(_safe(summary + "\n"))
    return status


def _test(args: argparse.Namespace, stdout: TextIO) -> int:
    from ..ruletest import case_file_for, run_tests

    status = EXIT_OK
    for path in _rule_files(args.rules):
        if path.endswith(_TESTS):  # given the cases' file: test the rule set beside it
            path = path.removesuffix(".tests.yaml").removesuffix(".tests.yml") + ".yaml"
        elif not case_file_for(path).exists() and path not in args.rules:
            continue  # a rule set in a folder without test cases
        suite = run_tests(path)
        stdout.write(_safe(suite.render()))  # case names and values are the file's text
        if not suite.passed:
            status = EXIT_FINDINGS
    return status


def _show(args: argparse.Namespace, stdout: TextIO) -> int:
    from ..overlay import resolve
    from ..yamldump import dump_yaml

    anywhere = args.allow_extends_anywhere
    doc = (
        resolve(args.rules, allow_anywhere=anywhere)
        if args.resolved
        else load_yaml_file(args.rules)
    )
    load_ruleset(args.rules, allow_extends_anywhere=anywhere)  # refuse one that does not load
    stdout.write(dump_yaml(doc.data))
    return EXIT_OK


def _list_rules(stdout: TextIO) -> int:
    from ..catalog import bundled_rulesets, format_catalog

    text = format_catalog(bundled_rulesets())
    stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK
