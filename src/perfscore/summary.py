"""The end-of-run summary: one screen on stderr, the way ruff and pytest end a run.

:class:`RunSummary` keeps counters only (it is fed one :class:`SubjectResult` at a time, so a
streamed run of a million subjects costs nothing extra): subjects, graded and ungraded, how
many got each grade, coverage, the subjects with errors and the fields those errors name (with
the first cell, ``Sheet1!D12``), the indicators failed most often, and the file-level problems
(unreadable files, unmapped columns, 合计 rows, duplicate ids).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from .findings import Notification, RuleInfo, SubjectResult
from .words import DATA, NOTICE, RUN_SUMMARY, in_language, language, said, say

__all__ = ["RunSummary"]

#: ``field 'x': Sheet1!D12: ...`` or ``field 'x': line 12, column 预算数: ...`` (readers.ref); a
#: reason naming no cell (``field 'x': required value is missing; field 'y': ...``) has none
_CELL = re.compile(
    r"^field '([^']+)': ([^!:;]+![A-Z]+\d+|(line|row) (\d+)(?:, (column|key) ([^:;]+))?): "
)


class RunSummary:
    """Counters for one run; :meth:`render` gives the summary text."""

    def __init__(self, rules: Sequence[RuleInfo]) -> None:
        self._titles = {r.id: r.title for r in rules}
        self._order = {r.id: i for i, r in enumerate(rules)}
        self.subjects = 0
        self.graded = 0
        self.grades: Counter[str] = Counter()
        self.with_errors = 0
        self.errors_by_field: Counter[str] = Counter()
        self.first_cell: dict[str, str] = {}
        self.failed: Counter[str] = Counter()
        self._coverage_sum = Decimal(0)
        self.coverage_min: Decimal | None = None

    def add(self, result: SubjectResult) -> None:
        self.subjects += 1
        if result.grade is not None:
            self.graded += 1
            self.grades[result.grade_label or result.grade] += 1
        self._coverage_sum += result.coverage
        if self.coverage_min is None or result.coverage < self.coverage_min:
            self.coverage_min = result.coverage
        fields: dict[str, None] = {}  # in the findings' order: the same run, the same summary
        for f in result.findings:
            if f.outcome == "fail" and f.kind != "check":
                self.failed[f.rule_id] += 1
            elif f.outcome == "error":
                for name in f.fields:
                    if name not in fields:
                        fields[name] = None
                        m = _CELL.match(f.reason or "")
                        if m and name not in self.first_cell:
                            self.first_cell[name] = _cell(m)
        if any(f.outcome == "error" for f in result.findings):
            self.with_errors += 1
        self.errors_by_field.update(list(fields))

    def add_counts(
        self,
        *,
        grades: Mapping[str, int],
        failed: Mapping[str, int],
        coverage: Mapping[Decimal, int],
    ) -> None:
        """Add subjects without errors by their counts (a columnar run's settled rows):
        ``coverage`` counts them by coverage, ``grades`` by grade label, ``failed`` their
        failed indicators."""
        for cov, n in coverage.items():
            self.subjects += n
            self._coverage_sum += cov * n
            if self.coverage_min is None or cov < self.coverage_min:
                self.coverage_min = cov
        self.graded += sum(grades.values())
        self.grades.update(grades)
        self.failed.update(failed)

    def merge(self, other: RunSummary) -> None:
        """Add ``other``'s counters, as if its subjects came after these (``--jobs``)."""
        self.subjects += other.subjects
        self.graded += other.graded
        self.grades.update(other.grades)
        self.with_errors += other.with_errors
        self.errors_by_field.update(other.errors_by_field)
        for name, cell in other.first_cell.items():
            self.first_cell.setdefault(name, cell)
        self.failed.update(other.failed)
        self._coverage_sum += other._coverage_sum
        if other.coverage_min is not None and (
            self.coverage_min is None or other.coverage_min < self.coverage_min
        ):
            self.coverage_min = other.coverage_min

    def _most_failed(self) -> list[tuple[str, int]]:
        """Failed indicators, most often first; ties in the rule set's order (not in the order
        the subjects came in: a streamed, a parallel and a columnar run say the same)."""
        n = len(self._order)
        return sorted(self.failed.items(), key=lambda kv: (-kv[1], self._order.get(kv[0], n)))

    def _fields(self) -> list[tuple[str, int]]:
        """Fields with errors, most often first; ties by name."""
        return sorted(self.errors_by_field.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def ungraded(self) -> int:
        return self.subjects - self.graded

    @property
    def mean_coverage(self) -> Decimal | None:
        return self._coverage_sum / self.subjects if self.subjects else None

    def as_dict(self, notifications: Iterable[Notification] = ()) -> dict[str, object]:
        notes = Counter(n.code for n in notifications)
        return {
            "subjects": self.subjects,
            "graded": self.graded,
            "ungraded": self.ungraded,
            "grades": dict(sorted(self.grades.items())),
            "subjects_with_errors": self.with_errors,
            "errors_by_field": dict(self._fields()),
            "most_failed": dict(self._most_failed()[:5]),
            "notifications": dict(sorted(notes.items())),
        }

    def render(
        self, notifications: Sequence[Notification] = (), *, width: int = 100, lang: str = "en"
    ) -> str:
        """The summary as plain text (at most about 25 lines), in ``lang`` (zh or en)."""

        def w(key: str, **fields: object) -> str:
            return say(RUN_SUMMARY, lang, key, **fields)

        lines = []
        grades = "  ".join(f"{g} {n}" for g, n in sorted(self.grades.items()))
        lines.append(
            w("scored", subjects=self.subjects, graded=self.graded, ungraded=self.ungraded)
            + (w("grades", grades=grades) if grades else "")
        )
        if self.subjects:
            mean = self.mean_coverage or Decimal(0)
            low = self.coverage_min or Decimal(0)
            lines.append(w("coverage", mean=f"{mean:.0%}", low=f"{low:.0%}"))
        if self.with_errors:
            lines.append(w("with_errors", count=self.with_errors))
            for name, n in self._fields()[:8]:
                cell = self.first_cell.get(name)
                at = w("first_at", cell=in_language(cell, lang)) if cell else ""
                lines.append(f"  {name:<28} {n:>6}" + at)
            more = len(self.errors_by_field) - 8
            if more > 0:
                lines.append(w("more_fields", count=more))
        if self.failed:
            lines.append(w("most_failed"))
            for rid, n in self._most_failed()[:5]:
                lines.append(f"  {rid:<28} {n:>6}   {self._titles.get(rid, '')}")
        by_code: dict[str, list[Notification]] = {}
        for note in notifications:
            by_code.setdefault(note.code, []).append(note)
        for code, notes in sorted(by_code.items(), key=_note_order):
            first = notes[0]
            extra = w("more_notes", count=len(notes) - 1) if len(notes) > 1 else ""
            level = NOTICE[language(lang)].get(first.level, first.level)
            sep = "：" if language(lang) == "zh" else ": "  # the code stays ASCII
            lines.append(f"{level}{sep}{code}{sep}{in_language(first.message, lang)}{extra}")
        return "\n".join(_cut(line, width) for line in lines) + "\n"


def _cell(m: re.Match[str]) -> str:
    """The cell a reason names, in both languages (第 12 行「预算数」列 in a zh summary)."""
    if m.group(3) is None:
        return m.group(2)  # Sheet1!D12 reads the same in both
    if m.group(5) is None:  # a JSON Lines record: its line
        return said(DATA, "cell_at_line", row=m.group(4))
    if m.group(5) == "key":  # a flat JSON Lines record: its line and key
        return said(DATA, "cell_key", row=m.group(4), column=m.group(6))
    key = "cell_line" if m.group(3) == "line" else "cell_row"
    return said(DATA, key, row=m.group(4), column=m.group(6))


def _note_order(item: tuple[str, list[Notification]]) -> tuple[int, str]:
    rank: Mapping[str, int] = {"error": 0, "warning": 1, "note": 2}
    return rank.get(item[1][0].level, 3), item[0]


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width * 2 else line[: width * 2 - 1] + "…"
