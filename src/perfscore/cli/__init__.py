"""The ``perfscore`` command: score, validate, test, show, list-rules, extract, review, schema.

One module per command group, each with the parser of its commands and their run:
:mod:`.score` (with :mod:`.sources`, the data files read, and :mod:`.tally`, the exit status),
:mod:`.rules` (validate, test, show, list-rules), :mod:`.schema`; ``extract``, ``template``,
the store's commands and ``review`` live beside their code (``extract/cli.py``,
``ingest/cli.py``, ``store/cli.py``, ``recheck/cli.py``).  Here: the parser they make
together, and :func:`main`.

Exit statuses and output planning are in :mod:`perfscore.outputs` (0 done; 1 a failed finding
at or above ``--fail-on`` — an ``error`` finding or notification, something not evaluated,
counts as severity ``error``; 2 usage or rule-set error, or an output that cannot be produced;
3 data could not be read, no total could be computed for any subject, or with ``--strict``
something could not be evaluated).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from .._version import __version__
from ..clilang import localise, requested
from ..errors import DataError, ExportError, PerfscoreError, RuleSetError
from ..extract import cli as extract_cli
from ..ingest import cli as ingest_cli
from ..outputs import EXIT_DATA, EXIT_RULES, UsageError, cli_lang, say_cli, use_cli_lang
from ..recheck import cli as review_cli
from ..store import cli as store_cli
from ..textsafe import terminal as _safe
from . import rules, schema, score
from ._options import help_text
from .lean import without_pyarrow_pandas
from .schema import rules_schema

__all__ = ["main", "rules_schema"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="perfscore",
        description=help_text("description"),
    )
    p.add_argument("--version", action="version", version=f"perfscore {__version__}")
    p.add_argument(
        "--lang", dest="global_lang", choices=["zh", "en"], help=help_text("lang_global")
    )
    sub = p.add_subparsers(dest="command", required=True)
    # in the order ``perfscore --help`` lists them
    score.add_subcommand(sub)
    rules.add_test(sub)
    rules.add_show(sub)
    rules.add_list_rules(sub)
    extract_cli.add_subcommand(sub)
    ingest_cli.add_subcommand(sub)
    store_cli.add_subcommands(sub)
    review_cli.add_subcommand(sub)
    rules.add_validate(sub)
    schema.add_subcommand(sub)
    localise(p, cli_lang())
    return p


def _load_plugins(err: TextIO) -> None:
    """Load installed plugins; each one that cannot be loaded is named on stderr and left out."""
    from ..plugins import PluginWarning, load_entry_points, plugin_failures

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)  # said below, on this command's stderr
        load_entry_points()
    for failure in plugin_failures():
        err.write(_safe(f"perfscore: {failure}\n"))


def _bundled_names(args: argparse.Namespace) -> None:
    """A rule-set argument that is not a file may name a bundled rule set (``cn-dept-overall``)."""
    from ..catalog import resolve_rules

    rules = getattr(args, "rules", None)
    if isinstance(rules, str):
        args.rules = str(resolve_rules(rules))
    elif isinstance(rules, list):
        args.rules = [str(resolve_rules(r)) for r in rules]


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit status (the console script exits with it).  Run as the
    console script (no ``argv``: a process of its own), pyarrow does not load pandas on its
    own (:mod:`.lean`) and a columnar run takes Arrow's buffers from ``malloc``
    (:func:`perfscore.fastpath.arrow_pool`)."""
    if argv is None:
        from ..fastpath import malloc_for_arrow

        malloc_for_arrow()
        with without_pyarrow_pandas():
            return _main(sys.argv[1:], stdout, stderr, console=True)
    return _main(list(argv), stdout, stderr)


def _main(
    argv: list[str], stdout: TextIO | None, stderr: TextIO | None, *, console: bool = False
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    _load_plugins(err)  # installed plugins may add output formats the parser must know
    use_cli_lang(requested(argv) or "en")  # help and usage errors; `score` then asks the rules
    args = _parser().parse_args(argv)
    args.console = console  # a process of its own: fastpath.arrow_pool
    _bundled_names(args)
    try:
        if args.command == "score":
            return score.run(args, out, err)
        if args.command == "schema":
            return schema.run(args, out)
        if args.command == "template":
            return ingest_cli.run(args, out, err)
        if args.command == "extract":
            return extract_cli.run(args, out, err)
        if args.command in store_cli.COMMANDS:
            return store_cli.run(args, out, err)
        if args.command == "review":
            return review_cli.run(args, out, err)
        return rules.run(args, out, err)
    except RuleSetError as e:
        for problem in e.problems:
            err.write(_safe(problem.render(cli_lang()) + "\n"))
        return EXIT_RULES
    except DataError as e:
        for problem in e.problems:
            err.write(_safe(problem.render(cli_lang()) + "\n"))
        return EXIT_DATA
    except (UsageError, ExportError) as e:
        err.write(_safe(f"perfscore: {e}\n"))
        return EXIT_RULES
    except OSError as e:
        err.write(_safe(f"perfscore: {say_cli('cannot_write', error=e)}\n"))
        return EXIT_RULES
    except PerfscoreError as e:
        err.write(_safe(f"perfscore: {e}\n"))
        return EXIT_DATA
