"""``perfscore template RULES -o 填报表.xlsx|.csv|.yaml``: a blank data file for a rule set."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

__all__ = ["add_subcommand", "run"]


def add_subcommand(subparsers: Any) -> None:
    t = subparsers.add_parser(
        "template",
        help="write a blank data file (.xlsx/.csv/.yaml) with one column per input of a rule set",
    )
    t.add_argument("rules", help="rule-set YAML file, or a bundled rule set's name")
    t.add_argument("-o", "--output", required=True, help="填报表.xlsx, .csv or .yaml")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..export import write_atomic
    from ..ruleset import load_ruleset
    from .template import TEMPLATE_FORMATS, template_bytes

    suffix = Path(args.output).suffix.lower()
    if suffix not in TEMPLATE_FORMATS:
        stderr.write(f"perfscore: a template is {', '.join(TEMPLATE_FORMATS)}, not {args.output}\n")
        return 2
    rs = load_ruleset(args.rules)
    write_atomic(args.output, template_bytes(rs, suffix))
    n = sum(1 for s in rs.inputs.values() if s.type != "series")
    stdout.write(f"{args.output}: {n} input column(s) for {rs.id} {rs.version}\n")
    return 0
