"""Terminal output for people: the indicator tree with points, the checks, total and grade,
and a progress bar for long batches.

rich measures East Asian wide characters, so 中文 titles stay aligned in the columns.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from .evidence import evidence
from .findings import Report, RuleInfo, SubjectResult, notification_text
from .numbers import json_number
from .standing import score_text, standing
from .textgrid import Column, Plain, Unplain
from .textsafe import terminal as _safe
from .words import EVIDENCE, EXPLAIN, OUTCOME, RUN_SUMMARY, TERMINAL, language, say

if TYPE_CHECKING:  # rich is imported when something is shown (0.04 s of CPU a command)
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["BatchProgress", "ReadingProgress", "render_report"]

_OUTCOME = OUTCOME
_STYLE = {"pass": "green", "fail": "yellow", "not_applicable": "dim", "error": "bold red"}
_WORDS = TERMINAL


def _title(rule: RuleInfo, lang: str) -> str:
    return rule.title if lang == "zh" or not rule.title_en else rule.title_en


def _paren(text: str, lang: str) -> str:
    return EVIDENCE[language(lang)]["paren"].format(text=text) if text else ""


#: what a subject's report prints, in order: a line of text (with its rich style), a blank
#: line, or a table (its columns, and rows of (text, style) cells)
_Line = tuple[str, str]
_Cells = list[tuple[str, str]]
_Table = tuple[list[Column], list[_Cells], str]
_Part = _Line | _Table | None


def _subject_parts(s: SubjectResult, rules: dict[str, RuleInfo], lang: str) -> list[_Part]:
    w = _WORDS[lang]
    parts: list[_Part] = []
    name = s.subject.name or s.subject.id
    parts.append((_safe(f"{w['subject']}: {name} ({s.subject.id})"), "bold"))
    columns = [
        Column(w["indicator"], overflow="fold"),
        Column(w["value"], justify="right"),
        Column(w["points"], justify="right"),
        Column(w["outcome"]),
    ]
    rows: list[_Cells] = []
    findings = {f.rule_id: f for f in s.findings}
    for score in s.scores:
        rule = rules[score.rule_id]
        indent = "  " * ((rule.level or 1) - 1)
        group = rule.kind == "group"
        f = findings.get(score.rule_id)
        value = f.display if f is not None and f.display else ""
        if score.points is not None and score.weight is not None:
            pts = f"{json_number(score.points)} / {json_number(score.weight)}"
        elif score.grade is not None:
            pts = score.grade
        elif score.weight is not None:
            pts = f"— / {json_number(score.weight)}"
        else:
            pts = "—"
        rows.append([
            (_safe(indent + _title(rule, lang)), "bold" if group else ""),
            (_safe(value), ""),
            (_safe(pts), ""),
            (_OUTCOME[lang].get(score.outcome, score.outcome), _STYLE.get(score.outcome, "")),
        ])  # fmt: skip
    if s.scores:
        parts.append((columns, rows, "bold"))
    checks = [f for f in s.findings if f.kind == "check"]
    if checks:
        # long reasons wrap (fold) inside the column instead of being cut with "…"
        columns = [
            Column(w["check"], overflow="fold"),
            Column(w["outcome"], no_wrap=True),
            Column(w["message"], overflow="fold"),
        ]
        rows = []
        for f in checks:
            rule = rules[f.rule_id]
            msg = f.message if lang == "zh" else (f.message_en or f.message)
            prefixes = (
                TERMINAL["zh"]["check_prefix"].format(title=rule.title),
                TERMINAL["en"]["check_prefix"].format(title=_title(rule, lang)),
            )
            for prefix in prefixes:
                msg = msg.removeprefix(prefix)
            rows.append([
                (_safe(_title(rule, lang)), ""),
                (_OUTCOME[lang][f.outcome], _STYLE[f.outcome]),
                (_safe(msg), ""),
            ])  # fmt: skip
        parts.append((columns, rows, "bold"))
    problems = [
        f
        for f in s.findings
        if f.kind in ("indicator", "review") and f.outcome in ("error", "fail")
    ]
    for f in problems:
        said = f.message if lang == "zh" else (f.message_en or f.message)
        said += _paren(evidence(f, rules.get(f.rule_id), lang), lang)
        parts.append((_safe("• " + said), _STYLE[f.outcome]))
        if f.explanation is not None:  # the arithmetic, wrapped under the finding
            said = EXPLAIN[language(lang)]["labelled"].format(text=f.explanation.text(lang))
            parts.append((_safe("  " + said), "dim"))
    total = score_text(standing(s, tuple(rules.values())), lang)
    if s.grade is not None:
        grade = f"{s.grade_label or s.grade} ({s.grade})"
    else:
        reason = s.grade_reason_zh if lang == "zh" else s.grade_reason
        grade = w["no_grade"] + (w["why_no_grade"].format(reason=reason) if reason else "")
    if s.max > 0:  # a points rule set (letter-grade and checks-only rule sets have no total)
        parts.append((_safe(f"{w['total']}: {total}   {w['grade']}: {grade}"), "bold"))
    for n in s.notifications:
        parts.append((_safe(notification_text(n, lang)), "dim"))
    parts.append(None)
    return parts


def _print_rich(parts: list[_Part], console: Console) -> None:
    """The parts, by rich (styled on a terminal)."""
    from rich.table import Table
    from rich.text import Text

    for part in parts:
        if part is None:
            console.print()
        elif len(part) == 2:
            console.print(Text(part[0], style=part[1]))
        else:
            columns, rows, header_style = part
            table = Table(header_style=header_style)
            for c in columns:
                table.add_column(
                    c.header, justify=c.justify, overflow=c.overflow, no_wrap=c.no_wrap
                )
            for row in rows:
                table.add_row(*(Text(text, style=style) for text, style in row))
            console.print(table)


def _print_plain(parts: list[_Part], plain: Plain) -> str:
    """The parts as :func:`_print_rich` writes them where nothing is styled."""
    plain.parts.clear()
    for part in parts:
        if part is None:
            plain.blank()
        elif len(part) == 2:
            plain.line(part[0])
        else:
            columns, rows, _ = part
            plain.table(columns, [[text for text, _ in row] for row in rows])
    return "".join(plain.parts)


def render_report(
    report: Report, out: TextIO, *, lang: str = "zh", width: int | None = None
) -> None:
    """Write a readable table per subject."""
    from rich.console import Console
    from rich.text import Text

    console = Console(
        file=out,
        width=width or (None if out.isatty() else 120),
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    rs = report.ruleset
    heading = f"{rs.get('title')}  [{rs.get('id')} {rs.get('version')}]"
    console.print(Text(_safe(heading), style="bold"))
    rules = {r.id: r for r in report.rules}
    # styles shown nowhere (a file, a pipe): the same text without rich's machinery
    plain = None
    if console.color_system is None and not console.is_terminal:
        try:
            plain = Plain(console)
        except ImportError:  # a rich without the pieces Plain borrows (rich._wrap): rich prints
            plain = None
    for s in report.subjects:
        parts = _subject_parts(s, rules, lang)
        if plain is not None:
            try:
                text = _print_plain(parts, plain)
            except Unplain:
                pass
            else:
                out.write(text)
                continue
        _print_rich(parts, console)


class BatchProgress:
    """A progress bar on stderr for batches slow enough to wonder about.

    Shown only when the stream is a terminal (never in pipes, CI logs or files) and only once
    the batch has run for ``delay`` seconds, so quick runs print nothing extra.  Refreshed
    from the caller's loop (no thread), at most ten times a second.
    """

    def __init__(
        self,
        total: int | None,
        stream: TextIO,
        *,
        delay: float = 2.0,
        description: str = "scoring",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._total = total
        self._stream = stream
        self._delay = delay
        self._description = description
        self._clock = clock
        self._start = clock()
        self._last = 0.0
        self._done = 0
        self._enabled = _isatty(stream)
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> BatchProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @property
    def shown(self) -> bool:
        return self._progress is not None

    def restart(self) -> None:
        """Count from 0 again (the rows are read again, another way)."""
        self._done = 0
        self.advance(0)

    def advance(self, n: int = 1) -> None:
        self._done += n
        if not self._enabled:
            return
        now = self._clock()
        if self._progress is None:
            if now - self._start < self._delay:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
                auto_refresh=False,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._description, total=self._total)
        if self._task is not None:
            self._progress.update(self._task, completed=self._done)
        if now - self._last >= 0.1:
            self._last = now
            self._progress.refresh()


class ReadingProgress:
    """A line on stderr while a data document (JSON/YAML, read whole in one parse) is read:
    a spinner, the file and its size, and the time elapsed, refreshed by rich's own thread —
    the parse gives no rows to count — and gone when the document is read; then, if that took
    ``delay`` seconds or more, one line saying how many records were read in how long.  On a
    terminal only (never in pipes, CI logs or files)."""

    def __init__(
        self,
        path: str,
        stream: TextIO,
        *,
        lang: str = "en",
        delay: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._path = path
        self._stream = stream
        self._lang = lang
        self._delay = delay
        self._clock = clock
        self._enabled = _isatty(stream)
        self._progress: Progress | None = None
        self._start = 0.0
        self.records: int | None = None  # set by the caller once the document is read

    def __enter__(self) -> ReadingProgress:
        self._start = self._clock()
        if self._enabled:
            try:
                size = _size(os.path.getsize(self._path))
            except OSError:
                size = "?"
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=Console(file=self._stream),
                transient=True,
            )
            name = os.path.basename(self._path)
            what = say(RUN_SUMMARY, self._lang, "reading", path=name, size=size)
            self._progress.add_task(_safe(what), total=None)
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
        took = self._clock() - self._start
        if self._enabled and self.records is not None and took >= self._delay:
            line = say(
                RUN_SUMMARY,
                self._lang,
                "read",
                path=os.path.basename(self._path),
                records=self.records,
                seconds=f"{took:.1f}",
            )
            self._stream.write(_safe(line) + "\n")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}"
        n //= 1024
    return f"{n} MB"  # pragma: no cover


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
