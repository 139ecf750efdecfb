"""One report read with one template: the headings found and the sections they open, then each
field looked for in its sections (a pattern, a labelled figure, a table cell, a ticked grade, a
count or blocks) and its value read, converted and located."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from perfscore.extract._numbers import parse_number, tidy
from perfscore.extract._read import (
    Deadline,
)
from perfscore.extract._table import TableReader
from perfscore.extract._text import NormalText, Span
from perfscore.extract.template import FieldSpec, Template

_SENTENCE = re.compile("[。;!?]")


_CHECKED = "☑✓✔√■▣☒"


_TICK_OPTION = re.compile(r"([☑✓✔√■▣☒R□☐£○◯])\s?(优秀|良好|中等|较差|优|良|中|差)")


_TICK_GROUP = re.compile(r"(?:[☑✓✔√■▣☒R□☐£○◯]\s?(?:优秀|良好|中等|较差|优|良|中|差)\s?){3,4}")


MAX_MATCHES = 1000  # a count or list field keeps at most this many matches


@dataclass(frozen=True)
class _Section:
    id: str
    heading: tuple[int, int]  # the heading paragraph
    start: int  # body
    end: int


@dataclass(frozen=True)
class _Found:
    value: Any
    spans: tuple[Span, ...]
    qualifier: str | None = None
    unit: str | None = None
    raw: str | None = None  # the matched number text (for find: decimals)
    items: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _Heading:
    start: int
    end: int  # end of the heading's own text
    level: int
    body: int  # where the text under it starts


_RUN_IN_WINDOW = 14  # a run-in heading's words start within this many characters of its number


class _Extraction:
    def __init__(self, text: NormalText, template: Template, deadline: Deadline) -> None:
        self.t = text
        self.template = template
        self.deadline = deadline
        self.warnings: list[str] = []
        self.heads = self._headings()
        self.sections: dict[str, _Section] = {}
        self.tables: dict[str, TableReader] = {}
        self._locate_sections()

    def _headings(self) -> list[_Heading]:
        """Headings: whole paragraphs that match a level's pattern, and run-in headings — a
        level's number (一、 / (二)) at a paragraph start or after a sentence, followed closely
        by the words of a section of that level (一、基本情况全年预算数 …)."""
        text, tpl = self.t.text, self.template
        keywords: dict[int, list[re.Pattern[str]]] = {}
        for spec in tpl.sections.values():
            keywords.setdefault(spec.level, []).extend(spec.heading)
        heads: list[_Heading] = []
        for a, b in self.t.paragraphs:
            para = text[a:b]  # a slice: heading patterns are anchored (^ … $)
            level = next((n for n, p in enumerate(tpl.headings, start=1) if p.search(para)), None)
            if level is not None:
                heads.append(_Heading(a, b, level, min(b + 1, len(text))))
                continue
            for level, marker in enumerate(tpl.markers, start=1):
                for m in marker.finditer(text, a, b):
                    at = m.start("number") if "number" in marker.groupindex else m.start()
                    if at != a and text[at - 1] not in "。;!? ":
                        continue
                    window = min(b, m.end() + _RUN_IN_WINDOW)
                    for keyword in keywords.get(level, ()):
                        k = keyword.search(text, m.end(), window)
                        if k is not None and not _SENTENCE.search(text, m.end(), k.start()):
                            heads.append(_Heading(at, k.end(), level, k.end()))
                            break
        heads.sort(key=lambda h: h.start)
        return heads

    def _locate_sections(self) -> None:
        pending = dict(self.template.sections)
        while pending:
            progressed = False
            for sid, spec in list(pending.items()):
                if spec.parent is not None and spec.parent in pending:
                    continue
                del pending[sid]
                progressed = True
                lo, hi = 0, len(self.t.text)
                if spec.parent is not None:
                    parent = self.sections.get(spec.parent)
                    if parent is None:
                        continue
                    lo, hi = parent.start, parent.end
                found = self._find_heading(spec.level, spec.heading, lo, hi)
                if found is not None:
                    self.sections[sid] = found
            if not progressed:  # pragma: no cover - cycles are refused when loading
                break

    def _find_heading(
        self, level: int, patterns: Sequence[re.Pattern[str]], lo: int, hi: int
    ) -> _Section | None:
        text = self.t.text
        for i, head in enumerate(self.heads):
            if head.start < lo or head.end > hi or head.level != level:
                continue
            title = text[head.start : head.end]
            if not any(p.search(title) for p in patterns):
                continue
            end = hi
            for later in self.heads[i + 1 :]:
                if later.start >= hi:
                    break
                if later.level <= level and later.start >= head.body:
                    end = later.start
                    break
            return _Section("", (head.start, head.end), min(head.body, end), end)
        return None

    # -- scopes -------------------------------------------------------------------------------

    def scope(self, spec: FieldSpec) -> tuple[int, int, bool]:
        """(start, end, found) of the text a field is looked for in."""
        if not spec.sections:
            return 0, len(self.t.text), True
        for sid in spec.sections:
            sec = self.sections.get(sid)
            if sec is not None:
                return sec.start, sec.end, True
        return 0, 0, False

    def spans_of(self, matches: Iterable[tuple[int, int]]) -> tuple[Span, ...]:
        return tuple(s for a, b in matches if (s := self.t.span(a, b)) is not None)

    # -- finders ------------------------------------------------------------------------------

    def find(self, spec: FieldSpec, done: dict[str, _Found]) -> _Found | None:
        lo, hi, found = self.scope(spec)
        if spec.find == "exists":
            if not found:
                return _Found(False, ())
            if not spec.patterns:
                sec = next(self.sections[s] for s in spec.sections if s in self.sections)
                return _Found(True, self.spans_of([sec.heading]))
            for pattern in spec.patterns:
                m = pattern.search(self.t.text, lo, hi)
                if m:
                    return _Found(True, self.spans_of([m.span()]))
            return _Found(False, ())
        if spec.find == "length":
            if not found:
                return _Found(0, ())
            body = self.t.text[lo:hi]
            if spec.patterns:
                for pattern in spec.patterns:
                    m = pattern.search(self.t.text, lo, hi)
                    if m:
                        a, b = m.span("value") if "value" in pattern.groupindex else m.span()
                        length = sum(not c.isspace() for c in self.t.text[a:b])
                        return _Found(length, self.spans_of([(a, b)]))
                return _Found(0, ())
            length = sum(not c.isspace() for c in body)
            return _Found(length, self.spans_of([(lo, hi)]) if hi > lo else ())
        if spec.find == "count" and spec.of is not None:
            base = done.get(spec.of)
            if base is None:
                return None
            n = len(base.items) if base.items is not None else int(bool(base.value))
            return _Found(n, base.spans, items=base.items)
        if spec.find == "decimals":
            base = done.get(spec.of or "")
            if base is None or base.raw is None:
                return None
            _, _, frac = base.raw.partition(".")
            return _Found(len(frac), base.spans)
        if spec.find == "grade":
            return self._grade(spec, lo if found else 0, hi if found else len(self.t.text))
        if spec.find == "match" and spec.table is not None:
            cell = self._table_cell(spec)
            if cell is not None:
                return cell
        if spec.find == "match":
            hit = self._match(spec, lo, hi) if found else None
            if hit is None and spec.anywhere and spec.sections:  # sections help, never gate
                hit = self._match(spec, 0, len(self.t.text))
            return hit
        if not found:
            return None
        if spec.find in ("count", "matches"):
            return self._count(spec, lo, hi)
        return self._blocks(spec, lo, hi)

    def _match(self, spec: FieldSpec, lo: int, hi: int) -> _Found | None:
        for pattern in spec.patterns:
            m = pattern.search(self.t.text, lo, hi)
            if m is None:
                continue
            found = self._read(spec, m, m.start())
            if found is not None:
                return found
        if spec.vocab is not None:
            start = lo
            while (hit := spec.vocab.find(self.t.text, start, hi)) is not None:
                self.deadline.check()
                found = self._read(spec, hit.match, hit.start)
                if found is not None:
                    return found
                start = hit.label_end
        return None

    def _table_cell(self, spec: FieldSpec) -> _Found | None:
        assert spec.table is not None
        table_id, row_id, column = spec.table
        reader = self.tables.get(table_id)
        if reader is None:
            reader = self.tables[table_id] = TableReader(
                self.t.text,
                self.template.tables[table_id],
                self.template.units,
                check=self.deadline.check,
            )
        row = reader.row(row_id)
        cell = row.get(column) if row is not None else None
        if cell is None:
            return None
        unit = cell.unit if spec.unit in self.template.units else None  # 分: no money unit
        number = self._convert(spec, cell.value, unit)
        value: Any = tidy(number)
        if spec.type == "integer":
            if number != number.to_integral_value():
                return None
            value = int(number)
        return _Found(value, self.spans_of([(cell.start, cell.end)]), None, cell.unit,
                      self.t.text[cell.start : cell.end])  # fmt: skip

    def _grade(self, spec: FieldSpec, lo: int, hi: int) -> _Found | None:
        """优/良/中/差 as written after a label (自评等级为"优秀"), or as the one ticked box."""
        said: _Found | None = None
        if spec.vocab is not None:
            hit = spec.vocab.find(self.t.text, lo, hi) or spec.vocab.find(
                self.t.text, 0, len(self.t.text)
            )
            if hit is not None:
                word = hit.match.group("value").replace(" ", "")
                grade = "差" if word.endswith("差") else word[0]
                said = _Found(grade, self.spans_of([(hit.start, hit.match.end())]))
        ticked: _Found | None = None
        for m in _TICK_GROUP.finditer(self.t.text):
            group = m.group()
            checked = set(_CHECKED) | ({"R"} if "£" in group else set())
            marks = [(o.group(1), o.group(2), o.span()) for o in _TICK_OPTION.finditer(group)]
            chosen = [(w, span) for mark, w, span in marks if mark in checked]
            if len(chosen) == 1:
                word, (a, b) = chosen[0]
                ticked = _Found(word[0], self.spans_of([(m.start() + a, m.start() + b)]))
                break
        if said is not None and ticked is not None and said.value != ticked.value:
            self.warnings.append(
                f"{spec.name}: the text says {said.value} but the ticked box is {ticked.value}; "
                "neither is taken"
            )
            return None
        return said or ticked

    def _read(self, spec: FieldSpec, m: re.Match[str], start: int) -> _Found | None:
        """The value a match (of a pattern, or of a label's tail) holds; None if unreadable."""
        groups = m.re.groupindex
        has_value = "value" in groups and m.group("value") is not None
        a, b = m.span("value") if has_value else m.span()
        raw = self.t.text[a:b]
        unit = m.group("unit") if "unit" in groups else None
        if unit is None and "head_unit" in groups:
            unit = m.group("head_unit")
        qual = m.group("qualifier") if "qualifier" in groups else None
        spans = self.spans_of([(start, m.end())])
        if spec.type == "text":
            value: Any = self.t.original(a, b).strip()
        elif spec.type == "boolean":
            value = True
        else:
            try:
                number = parse_number(raw)
            except ValueError:
                self.warnings.append(f"{spec.name}: cannot read {raw!r} as a number")
                return None
            number = self._convert(spec, number, unit)
            if spec.unit == "分" and number > 100:
                self.warnings.append(f"{spec.name}: {raw!r} is more than 100 points; not taken")
                return None
            if spec.type == "integer":
                if number != number.to_integral_value():
                    self.warnings.append(f"{spec.name}: {raw!r} is not a whole number")
                    return None
                value = int(number)
            else:
                value = tidy(number)
        return _Found(value, spans, qual, unit, raw)

    def _convert(self, spec: FieldSpec, number: Decimal, unit: str | None) -> Decimal:
        units = self.template.units
        if unit is None or spec.unit is None or unit == spec.unit:
            return number
        if unit in units and spec.unit in units:
            return number * units[unit] / units[spec.unit]
        self.warnings.append(f"{spec.name}: unit {unit!r} cannot be converted to {spec.unit!r}")
        return number

    def _allowed(self, a: int, b: int, allow: Sequence[str]) -> bool:
        matched = self.t.text[a:b]
        for word in allow:
            k = word.find(matched)
            while k >= 0:
                if self.t.text[max(0, a - k) : a - k + len(word)] == word:
                    return True
                k = word.find(matched, k + 1)
        return False

    def _count(self, spec: FieldSpec, lo: int, hi: int) -> _Found:
        hits: dict[int, tuple[int, int, str, tuple[int, int]]] = {}
        for pattern in spec.patterns:
            for m in pattern.finditer(self.t.text, lo, hi):
                if len(hits) >= MAX_MATCHES:
                    self.warnings.append(
                        f"{spec.name}: more than {MAX_MATCHES} matches; only the first "
                        f"{MAX_MATCHES} are kept"
                    )
                    break
                if m.start() in hits or m.end() == m.start():
                    continue
                core = m.span("value") if "value" in pattern.groupindex else m.span()
                if spec.allow and self._allowed(*m.span(), spec.allow):
                    continue
                key = self.t.text[core[0] : core[1]]
                hits[m.start()] = (m.start(), m.end(), key, core)
        ordered = [hits[k] for k in sorted(hits)]
        if spec.distinct:
            seen: set[str] = set()
            unique = []
            for hit in ordered:
                if hit[2] not in seen:
                    seen.add(hit[2])
                    unique.append(hit)
            ordered = unique
        before, after = spec.context
        if before or after:
            ranges = [(max(lo, a - before), min(hi, b + after)) for _, _, _, (a, b) in ordered]
        else:
            ranges = [(a, b) for a, b, _, _ in ordered]
        spans = self.spans_of(ranges)
        items = tuple(self.t.original(a, b) for a, b in ranges)
        if spec.find == "matches":
            return _Found("、".join(items), spans, items=items)
        return _Found(len(ordered), spans, items=items)

    def _blocks(self, spec: FieldSpec, lo: int, hi: int) -> _Found:
        assert spec.split is not None
        starts = [m.start() for m in spec.split.finditer(self.t.text, lo, hi)]
        blocks = list(zip(starts, [*starts[1:], hi], strict=False))  # no item: no block
        if spec.where is not None:
            where = spec.where
            blocks = [(a, b) for a, b in blocks if where.search(self.t.text, a, b)]
        return _Found(len(blocks), self.spans_of(blocks))
