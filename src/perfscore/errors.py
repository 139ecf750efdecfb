"""One error root, split by pipeline phase.

Callers catch :class:`PerfscoreError`; nothing from pydantic, simpleeval or PyYAML escapes —
the original exception is kept as ``__cause__``.  Errors are data first: attributes such as
``source``, ``line``, ``column`` and ``path`` are set, and the message is derived from them the
way a compiler prints ``file:line:col: path: message``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "DataError",
    "EvaluationError",
    "ExportError",
    "ExpressionError",
    "MissingValueError",
    "PerfscoreError",
    "Problem",
    "RuleSetError",
    "ZeroDenominatorError",
    "did_you_mean",
    "format_path",
]

PathItem = str | int


def format_path(path: Sequence[PathItem]) -> str:
    """Render a location inside a document for people: ``indicators › 预算执行率 › expr``."""
    return " › ".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest known name to a misspelt one, or None when nothing is close."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass(frozen=True)
class Problem:
    """One located problem in a rule set or data file.

    ``line`` and ``column`` count from 1 (PyYAML's marks count from 0; people count from 1).
    """

    message: str
    source: str | None = None
    line: int | None = None
    column: int | None = None
    path: tuple[PathItem, ...] = ()
    suggestion: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str) -> str:
        """``file:line:col: path: message`` with the message in ``lang`` when it carries both
        languages (a :class:`perfscore.words.Bilingual`)."""
        from .words import Bilingual, in_language

        message = in_language(self.message, lang)
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        if lang == "zh":
            from .loadwords import hint_zh, load_zh

            if not isinstance(self.message, Bilingual):  # said in English only: its Chinese
                message = load_zh(message) or message
            hint = hint_zh(self.suggestion) if self.suggestion else ""
        where = ""
        if self.source is not None:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        path = f"{format_path(self.path)}: " if self.path else ""
        return f"{where}{path}{message}{hint}"


class PerfscoreError(Exception):
    """Root of every error perfscore raises on purpose."""


class RuleSetError(PerfscoreError):
    """A rule set (or a file it needs) cannot be loaded: YAML, structure, names, weights.

    Carries *every* problem found, most useful first; ``str()`` shows the first and how many
    more there are.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            problems = [Problem("invalid rule set")]
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = str(self.problems[0])
        more = len(self.problems) - 1
        super().__init__(first if not more else f"{first} (and {more} more problem(s))")

    @property
    def source(self) -> str | None:
        return self.problems[0].source

    @property
    def line(self) -> int | None:
        return self.problems[0].line

    @property
    def column(self) -> int | None:
        return self.problems[0].column

    @property
    def path(self) -> tuple[PathItem, ...]:
        return self.problems[0].path


class ExpressionError(PerfscoreError):
    """An expression cannot be compiled: syntax, a forbidden construct, an unknown name.

    ``offset`` is the 0-based character offset inside ``expr`` when known, so the rule-set
    loader can turn it into a file column.
    """

    def __init__(
        self,
        message: str,
        *,
        expr: str | None = None,
        offset: int | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.message = message
        self.expr = expr
        self.offset = offset
        self.suggestion = suggestion
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        super().__init__(f"{message}{hint}")


class EvaluationError(PerfscoreError):
    """An expression or scorer failed for one subject (bad value, division by zero...).

    The engine turns these into ``error`` findings; they escape only under ``strict=True``.
    """

    def __init__(
        self,
        message: str,
        *,
        rule_id: str | None = None,
        field: str | None = None,
        reads: tuple[str, ...] = (),
    ):
        self.message = message
        self.rule_id = rule_id
        self.field = field
        #: names (inputs or metrics) the problem is also about, beyond what the rule always
        #: reads (a tier's ratio outside its tier): their inputs are the finding's fields too
        self.reads = reads
        super().__init__(message if rule_id is None else f"{rule_id}: {message}")


class ZeroDenominatorError(EvaluationError):
    """A division by zero (or 0/0); rule sets declare what it means (n/a, zero points, error)."""


class MissingValueError(EvaluationError):
    """An expression computed with a missing value its names did not show — ``year(s, y)`` of
    a year the series has no figure for, a metric that is itself such a year, a blank met
    under ``is_missing``/``coalesce`` — where a number was due: the rule reads a missing value,
    so it follows the missing-data policy (``missing:``), as one reading a blank input does."""


class DataError(PerfscoreError):
    """A subject-data file cannot be read at all (not a per-field problem)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems) or (Problem("invalid data"),)
        more = len(self.problems) - 1
        first = str(self.problems[0])
        super().__init__(first if not more else f"{first} (and {more} more problem(s))")


class ExportError(PerfscoreError):
    """Findings could not be written in the requested format."""
