"""``perfscore store|history|compare|rank`` and ``perfscore score --store`` — for the main CLI.

    perfscore store add FINDINGS... [--data FILE...] [--db URL]
    perfscore store runs [--db URL] [--format table|json]
    perfscore history KEY [--db URL] [--format table|json|html] [--ruleset R] [--rescore RULES]
    perfscore compare A B [--db URL] [--format table|json|sarif] [--ruleset R] [--rescore RULES]
    perfscore rank --period 2023 [--by parent] [--db URL] [--format table|json]

``--db`` defaults to ``$PERFSCORE_DB`` or ``perfscore.db`` (an SQLite file in the current
folder); ``postgresql://user@host/db`` uses PostgreSQL.  Exit status: 0 done; 2 the request
cannot be answered as asked (unknown run or department, rule sets mixed without
``--rescore``); 3 a document or data file cannot be read.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

from .. import words
from ..errors import DataError, PerfscoreError
from ..numbers import json_number
from ..textsafe import terminal

if TYPE_CHECKING:  # rich is imported when a table is shown (``perfscore score`` never needs it)
    from rich.console import Console

__all__ = ["COMMANDS", "add_score_option", "add_subcommands", "record_score", "run"]

COMMANDS = ("store", "history", "compare", "rank")
EXIT_OK, EXIT_REQUEST, EXIT_DATA = 0, 2, 3


def _db_default() -> str:
    return os.environ.get("PERFSCORE_DB") or "perfscore.db"


def add_score_option(score_parser: argparse.ArgumentParser) -> None:
    """``perfscore score … --store [URL]``."""
    score_parser.add_argument(
        "--store",
        nargs="?",
        const="",
        metavar="URL",
        help="also record the run in the results store (default $PERFSCORE_DB or perfscore.db)",
    )


def _lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=words.LANGS, default=words.DEFAULT_LANG, help="language")


def _w(lang: str, key: str, /, **fields: object) -> str:
    return words.say(words.STORE, lang, key, **fields)


def _common(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    _lang(p)
    p.add_argument("--db", default=None, help="store URL or SQLite file (default perfscore.db)")
    p.add_argument("--format", choices=formats, default=formats[0], help="output format")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")


def _method(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ruleset",
        help="only results scored with this rule set: ID, ID@VERSION or a sha256 prefix",
    )
    p.add_argument(
        "--rescore",
        metavar="RULES",
        help="re-score the stored inputs with this rule set (puts results of different "
        "rule-set versions on one method)",
    )


def add_subcommands(sub: Any) -> None:
    """Add ``store``, ``history``, ``compare`` and ``rank`` (an ``add_subparsers()`` result)."""
    st = sub.add_parser("store", help="the results store: add findings documents, list runs")
    ss = st.add_subparsers(dest="store_command", required=True)
    add = ss.add_parser("add", help="store findings documents (.json or .jsonl) as runs")
    add.add_argument("documents", nargs="+", metavar="FINDINGS")
    add.add_argument(
        "--data",
        action="append",
        help="the subject data the document was scored from (default: the files it names, "
        "when they are still there unchanged), so the run can be re-scored",
    )
    add.add_argument("--db", default=None, help="store URL or SQLite file (default perfscore.db)")
    _lang(add)
    runs = ss.add_parser("runs", help="list the stored runs")
    _common(runs, ("table", "json"))

    h = sub.add_parser("history", help="one department's total, grade and indicators by period")
    h.add_argument("key", metavar="SUBJECT", help="the department's key (or id, when no key)")
    _common(h, ("table", "json", "html"))
    _method(h)

    c = sub.add_parser(
        "compare", help="two periods or two runs: new, resolved, persisting, changed findings"
    )
    c.add_argument("a", metavar="A", help="a period (2022) or a run (run:3, or a hash prefix)")
    c.add_argument("b", metavar="B", help="the later period or run")
    _common(c, ("table", "json", "sarif"))
    _method(c)

    r = sub.add_parser("rank", help="rank the graded departments of a period")
    r.add_argument("--period", type=int, required=True, help="the fiscal year")
    r.add_argument("--by", choices=["parent"], help="rank within each parent (主管部门)")
    _common(r, ("table", "json"))
    _method(r)


# --- output --------------------------------------------------------------------------------


def _safe(text: object) -> str:
    """Text for a terminal: control and bidi characters become visible escapes, surrogates are
    joined or replaced (the one terminal sanitiser, :func:`perfscore.textsafe.terminal`)."""
    return terminal("" if text is None else str(text))


def _n(x: Decimal | None) -> str:
    return "—" if x is None else json_number(x)


def _console(out: TextIO) -> Console:
    from rich.console import Console

    return Console(
        file=out,
        width=None if out.isatty() else 120,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        markup=False,
    )


def _emit(text: str, args: argparse.Namespace, out: TextIO) -> None:
    if args.output:
        from ..export import write_atomic

        write_atomic(args.output, text.encode("utf-8"))
    else:
        out.write(text)


def _table_text(render: Any, args: argparse.Namespace, out: TextIO) -> None:
    if args.output:
        import io

        from rich.console import Console

        buf = io.StringIO()
        render(Console(file=buf, width=120, highlight=False, emoji=False, markup=False))
        _emit(buf.getvalue(), args, out)
    else:
        render(_console(out))


# --- commands ------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> Any:
    from . import Store

    return Store(args.db or _db_default())


def record_score(
    url: str, report: Any, records: Sequence[Any] | None, err: TextIO, *, lang: str = "zh"
) -> None:
    """After ``perfscore score --store``: store the report (with its input records)."""
    from . import Store

    with Store(url or _db_default()) as store:
        res = store.add(report, records=records, source="perfscore score")
        shown = store.display_url
    said = _w(lang, "stored" if res.added else "already", run=res.run.number, url=shown)
    err.write(f"perfscore: {_safe(said)}\n")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run one of :data:`COMMANDS` with parsed ``args``; returns the exit status."""
    from ._model import StoreError

    try:
        with _open(args) as store:
            if args.command == "store":
                return _store_cmd(store, args, out, err)
            if args.command == "history":
                return _history(store, args, out)
            if args.command == "compare":
                return _compare(store, args, out)
            return _rank(store, args, out)
    except DataError as e:
        for problem in e.problems:
            err.write(f"{problem}\n")
        return EXIT_DATA
    except StoreError as e:
        err.write(f"perfscore: {_safe(e)}\n")
        return EXIT_REQUEST
    except PerfscoreError:
        raise


def _store_cmd(store: Any, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.store_command == "runs":
        runs = store.runs()
        if args.format == "json":
            from ..findings import dumps

            _emit(dumps([r.to_dict() for r in runs]), args, out)
            return EXIT_OK

        def render(console: Console) -> None:
            from rich.table import Table
            from rich.text import Text

            t = Table(box=None, show_edge=False, pad_edge=False)
            for col in ("run", "ruleset", "periods", "subjects", "findings", "complete", "source"):
                t.add_column(_w(args.lang, col))
            for r in runs:
                t.add_row(
                    str(r.number),
                    Text(_safe(f"{r.method.id} {r.method.version} {r.method.sha256[:12]}")),
                    ", ".join(str(p) for p in r.periods) or "—",
                    str(r.subjects),
                    str(r.findings),
                    words.VALUES[words.language(args.lang)]["true" if r.complete else "false"],
                    Text(_safe(r.source or "")),
                )
            console.print(t)

        _table_text(render, args, out)
        return EXIT_OK
    records: list[Any] | None = None
    if args.data and len(args.documents) > 1:
        err.write(f"perfscore: {_w(args.lang, 'data_one')}\n")
        return EXIT_REQUEST
    if args.data:
        from ..ruleset import load_subjects

        records = [r for path in args.data for r in load_subjects(path).records]
    status = EXIT_OK
    for path in args.documents:
        try:
            res = store.add(path, records=records)
        except PerfscoreError as e:
            err.write(f"perfscore: {_safe(path)}: {_safe(e)}\n")
            status = EXIT_DATA
            continue
        if res.added:
            inputs = (
                _w(args.lang, "inputs_kept", count=res.inputs_stored)
                if res.inputs_stored
                else _w(args.lang, "no_inputs")
            )
            said = _w(
                args.lang,
                "added",
                path=path,
                run=res.run.number,
                subjects=res.run.subjects,
                findings=res.run.findings,
                inputs=inputs,
            )
        else:
            said = _w(args.lang, "added_again", path=path, run=res.run.number)
        out.write(_safe(said) + "\n")
    return status


def _history(store: Any, args: argparse.Namespace, out: TextIO) -> int:
    h = store.history(args.key, ruleset=args.ruleset, rescore=args.rescore)
    if args.format == "json":
        _emit(h.to_json(), args, out)
        return EXIT_OK
    if args.format == "html":
        from ._html import history_html

        _emit(history_html(h), args, out)
        return EXIT_OK
    labels = [str(e.subject.period or _w(args.lang, "run_n", run=e.run)) for e in h.entries]
    titles = {str(r["id"]): r for r in h.rules}

    def render(console: Console) -> None:
        from rich.table import Table
        from rich.text import Text

        head = f"{h.name or h.key} ({h.key})" if h.name else h.key
        console.print(Text(_safe(head), style="bold"))
        method = f"{h.method}" + (f"  — {_w(args.lang, 'rescored')}" if h.rescored else "")
        console.print(Text(_safe(method)))
        t = Table(box=None, show_edge=False, pad_edge=False)
        t.add_column("")
        for label in labels:
            t.add_column(label, justify="right")
        t.add_row(Text(_w(args.lang, "total"), style="bold"), *[_n(e.total) for e in h.entries])
        grades = [_safe(e.grade_label or e.grade or "—") for e in h.entries]
        t.add_row(Text(_w(args.lang, "grade"), style="bold"), *grades)
        for rid in h.indicators():
            r = titles.get(rid, {})
            depth = max(0, int(r.get("level") or 1) - 1)
            title = "  " * depth + _safe(r.get("title") or rid)
            t.add_row(Text(title), *[_n(x) for x in h.indicator(rid)])
        console.print(t)

    _table_text(render, args, out)
    return EXIT_OK


def _compare(store: Any, args: argparse.Namespace, out: TextIO) -> int:
    c = store.compare(args.a, args.b, ruleset=args.ruleset, rescore=args.rescore)
    if args.format == "json":
        _emit(c.to_json(), args, out)
        return EXIT_OK
    if args.format == "sarif":
        _emit(c.to_sarif(), args, out)
        return EXIT_OK
    counts = c.counts()
    titles = {str(r["id"]): r.get("title") or r["id"] for r in c.rules}

    def render(console: Console) -> None:
        from rich.table import Table
        from rich.text import Text

        console.print(Text(_safe(f"{c.before} → {c.after}   {c.method}"), style="bold"))
        console.print(Text("  ".join(f"{_w(args.lang, k)} {v}" for k, v in counts.items())))
        t = Table(box=None, show_edge=False, pad_edge=False, title=None)
        t.add_column(_w(args.lang, "subject"))
        for col in (c.before, c.after, "Δ"):
            t.add_column(col, justify="right")
        t.add_column(_w(args.lang, "grade"))
        for d in c.scores:
            b, a = d.before, d.after
            grade = f"{_label(b)} → {_label(a)}"
            delta = d.delta
            t.add_row(
                Text(_safe(f"{d.name or d.key} ({d.key})")),
                _n(b.total) if b else _w(args.lang, "absent"),
                _n(a.total) if a else _w(args.lang, "absent"),
                ("+" if delta is not None and delta > 0 else "") + _n(delta),
                _safe(grade),
            )
        console.print(t)
        for state in ("new", "resolved", "persisting"):
            rows = c.of(state)
            if not rows:
                continue
            console.print(Text(f"\n{_w(args.lang, state)} ({len(rows)})", style="bold"))
            ft = Table(box=None, show_edge=False, pad_edge=False, show_header=False)
            ft.add_column("subject")
            ft.add_column("indicator")
            ft.add_column("message")
            for ch in rows:
                f = ch.after if ch.after is not None else ch.before
                assert f is not None
                ft.add_row(
                    Text(_safe(ch.key)),
                    Text(_safe(titles.get(ch.rule_id, ch.rule_id))),
                    Text(_safe(f.message)),
                )
            console.print(ft)

    _table_text(render, args, out)
    return EXIT_OK


def _rank(store: Any, args: argparse.Namespace, out: TextIO) -> int:
    r = store.rank(args.period, by=args.by, ruleset=args.ruleset, rescore=args.rescore)
    if args.format == "json":
        _emit(r.to_json(), args, out)
        return EXIT_OK

    def render(console: Console) -> None:
        from rich.table import Table
        from rich.text import Text

        console.print(Text(_safe(f"{r.period}   {r.method}"), style="bold"))
        t = Table(box=None, show_edge=False, pad_edge=False)
        cols = (["group"] if r.by else []) + ["rank", "percentile", "subject", "total", "grade"]
        for col in cols:
            right = col in ("rank", "percentile", "total")
            t.add_column(_w(args.lang, col), justify="right" if right else "left")
        for x in r.ranked:
            e = x.entry
            cells: list[str | Text] = [Text(_safe(x.group or "—"))] if r.by else []
            cells += [
                f"{x.rank}/{x.of}",
                json_number(x.percentile),
                Text(_safe(f"{e.subject.name or e.subject.key} ({e.subject.key})")),
                _n(e.total),
                Text(_safe(e.grade_label or e.grade or "—")),
            ]
            t.add_row(*cells)
        console.print(t)
        if r.unranked:
            heading = _w(args.lang, "not_ranked", count=len(r.unranked))
            console.print(Text(f"\n{heading}", style="bold"))
            u = Table(box=None, show_edge=False, pad_edge=False, show_header=False)
            u.add_column("subject")
            u.add_column("why")
            for x in r.unranked:
                s = x.entry.subject
                u.add_row(
                    Text(_safe(f"{s.name or s.key} ({s.key})")), Text(_safe(x.why_in(args.lang)))
                )
            console.print(u)

    _table_text(render, args, out)
    return EXIT_OK


def _label(x: Any) -> str:
    return "—" if x is None else str(x.grade_label or x.grade or "—")
