"""Where a command's outputs go, decided before anything is scored; writing them; exit
statuses.  Shared by every command that writes findings (``score``, ``review``).

Exit status (the same for every output format): 0 done; 1 a failed finding at or above
``--fail-on`` (an ``error`` finding or notification — something not evaluated — counts as
severity ``error``); 2 usage or rule-set error, or an output that cannot be produced (nothing
written); 3 data could not be read, no total could be computed for any subject, or with
``--strict`` something could not be evaluated.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .errors import ExportError, PerfscoreError
from .export import EXPORTERS, ExportOptions, Format, render, write_atomic
from .export._common import check_output
from .findings import Report
from .words import CLI, Lang, language, say

__all__ = [
    "EXIT_DATA",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_RULES",
    "Target",
    "TextSink",
    "UsageError",
    "cli_lang",
    "plan_outputs",
    "say_cli",
    "use_cli_lang",
    "write_outputs",
]

EXIT_OK, EXIT_FINDINGS, EXIT_RULES, EXIT_DATA = 0, 1, 2, 3
#: The language of the command's own messages and help: set by ``perfscore.cli.main`` from
#: ``--lang`` / the environment, then from the rule set (see :mod:`perfscore.clilang`).
_CLI_LANG: ContextVar[Lang] = ContextVar("perfscore_cli_lang", default="en")


def cli_lang() -> Lang:
    """The language the command speaks now."""
    return _CLI_LANG.get()


def use_cli_lang(lang: str) -> None:
    """From now on the command speaks ``lang`` (zh unless ``en``)."""
    _CLI_LANG.set(language(lang))


def say_cli(key: str, /, **fields: object) -> str:
    """A message of the command line (:data:`perfscore.words.CLI`) in its language."""
    return say(CLI, cli_lang(), key, **fields)


class UsageError(PerfscoreError):
    """The command line asks for something that cannot be done (exit 2, nothing written)."""


@dataclass(frozen=True)
class Target:
    format: Format
    path: str | None  # None: standard output


def _input_at(path: str, inputs: list[Any]) -> str | None:
    """The input (rule set or data file) that ``path`` names, or None: writing there would
    replace what is being read."""
    if not os.path.exists(path):
        return None
    for given in inputs:
        if given is None or given == "-":
            continue
        try:
            if os.path.isfile(given) and os.path.samefile(path, given):
                return str(given)
        except OSError:
            continue
    return None


def plan_outputs(args: argparse.Namespace) -> list[Target]:
    """Which format goes where; every mistake is found before anything is scored."""
    formats = list(dict.fromkeys(args.format or []))
    outputs: list[str] = args.output or []
    if not formats and not outputs:
        formats = ["table"]
    if len(formats) == 1 and len(outputs) == 1:
        plan = [Target(EXPORTERS[formats[0]], outputs[0])]
    else:
        plan = []
        for path in outputs:
            fmt = EXPORTERS.for_path(path)
            if fmt is None:
                known = " ".join(ext for f in EXPORTERS for ext in f.extensions)
                raise UsageError(say_cli("unknown_extension", path=path, known=known))
            plan.append(Target(fmt, path))
        claimed = {t.format.name for t in plan}
        rest = [f for f in formats if f not in claimed]
        if rest and args.output_dir:
            folder = Path(args.output_dir)
            stem = Path(args.data[0]).stem if len(args.data) == 1 else Path(args.rules).stem
            for name in rest:
                fmt = EXPORTERS[name]
                plan.append(Target(fmt, str(folder / (stem + fmt.extensions[0]))))
        elif len(rest) == 1 and not outputs:
            plan.append(Target(EXPORTERS[rest[0]], None))
        elif rest:
            raise UsageError(say_cli("shared_stdout", formats=", ".join(rest)))
    if args.output_dir and not formats:
        raise UsageError(say_cli("output_dir_needs_format"))
    for t in plan:
        t.format.check()
        if t.path is None and t.format.binary:
            raise UsageError(say_cli("binary_needs_file", format=t.format.name))
    paths = [t.path for t in plan if t.path is not None]
    if len({os.path.realpath(p) for p in paths}) != len(paths):
        raise UsageError(say_cli("same_file"))
    read = [getattr(args, "rules", None), *(getattr(args, "data", None) or [])]
    for path in paths:  # -o data.json over the data itself: the input would be lost
        given = _input_at(path, read)
        if given is not None:
            raise UsageError(say_cli("output_is_input", path=path, given=given))
    if args.output_dir:
        Path(args.output_dir).mkdir(parents=True, exist_ok=True)
    for path in paths:  # every target is checked before any is written
        check_output(path)
    return plan


def write_outputs(
    report: Report, plan: Sequence[Target], options: ExportOptions, stdout: TextIO
) -> None:
    """Render every output first, then write them: a failing built-in exporter leaves no file
    at all; a failing plugin format is reported and every other output is still written."""
    rendered: list[tuple[Target, bytes]] = []
    failed: list[ExportError] = []
    for t in plan:
        if t.path is None and t.format.name == "table":
            rendered.append((t, b""))  # rendered live below, at the terminal's width
            continue
        try:
            rendered.append((t, render(t.format, report, options)))
        except ExportError as e:
            failed.append(e)
    for t, data in rendered:
        if t.path is not None:
            write_atomic(t.path, data)
        elif t.format.name == "table":
            from .terminal import render_report

            render_report(report, stdout, lang=options.lang)
        else:
            stdout.write(data.decode("utf-8"))
    if failed:
        raise ExportError("; ".join(str(e) for e in failed))


class TextSink:
    """Lets a byte-writing writer (JSON Lines) stream to a text ``stdout``."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, data: bytes) -> int:
        self._out.write(data.decode("utf-8"))
        return len(data)
