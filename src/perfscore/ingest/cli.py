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
    t.add_argument(
        "--years",
        type=_years,
        default=(),
        help="years a series input gets a column for (2022-2024, or 2022,2023,2024);"
        " without it series inputs have no column",
    )


def _years(text: str) -> tuple[int, ...]:
    """``2022-2024`` or ``2022,2023,2024`` → the years, each a fiscal year (1900–2999)."""
    try:
        if "-" in text:
            first, _, last = text.partition("-")
            years = tuple(range(int(first), int(last) + 1))
        else:
            years = tuple(int(y) for y in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _said(text, "年度写作 2022-2024 或 2022,2023", "years as 2022-2024 or 2022,2023")
        ) from None
    if not years or len(years) > 50 or any(not 1900 <= y <= 2999 for y in years):
        raise argparse.ArgumentTypeError(
            _said(text, "1 到 50 个 1900–2999 之间的年度", "1 to 50 years between 1900 and 2999")
        )
    if len(set(years)) != len(years):
        raise argparse.ArgumentTypeError(_said(text, "有年度重复", "a year given twice"))
    return years


def _said(text: str, zh: str, en: str) -> str:
    from ..outputs import cli_lang

    return f"{text!r}：{zh}" if cli_lang() == "zh" else f"{text!r}: {en}"


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ..export import write_atomic
    from ..ruleset import load_ruleset
    from .template import TEMPLATE_FORMATS, input_headers, template_bytes

    suffix = Path(args.output).suffix.lower()
    if suffix not in TEMPLATE_FORMATS:
        stderr.write(f"perfscore: a template is {', '.join(TEMPLATE_FORMATS)}, not {args.output}\n")
        return 2
    rs = load_ruleset(args.rules)
    years = tuple(args.years)
    write_atomic(args.output, template_bytes(rs, suffix, years))
    n = len(input_headers(rs, years))
    stdout.write(f"{args.output}: {n} input column(s) for {rs.id} {rs.version}\n")
    series = [s.title or s.name for s in rs.inputs.values() if s.type == "series"]
    if series and not years and suffix not in (".yaml", ".yml"):
        from ..outputs import cli_lang

        names = "、".join(series)
        stderr.write(
            f"perfscore: 分年输入 {names} 没有列：加 --years 2022-2024，每年一列\n"
            if cli_lang() == "zh"
            else f"perfscore: series input(s) {names} have no column: add --years 2022-2024"
            " for one column a year\n"
        )
    return 0
