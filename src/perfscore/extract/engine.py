"""Apply a template to a normalised report: sections first, then each field."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfscore.errors import DataError
from perfscore.extract._indicators import read_indicators
from perfscore.extract._numbers import parse_number, tidy
from perfscore.extract._read import (
    LIMITS,
    REPORT_SUFFIXES,
    Deadline,
    ReadLimits,
    ReportSource,
    read_report,
)
from perfscore.extract._table import TableReader
from perfscore.extract._text import NormalText, Span, normalise
from perfscore.extract.result import ExtractResult
from perfscore.extract.template import FieldSpec, Template, load_template

__all__ = [
    "extract_folder",
    "extract_lines",
    "extract_one",
    "extract_report",
    "subjects_from_reports",
]

TemplateArg = Template | str | os.PathLike[str]
_DEFAULT_TEMPLATE = "cn-dept-self-eval"
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


def _subject_id(path: str) -> str:
    stem = Path(path).stem
    return re.sub(r"[^0-9A-Za-z_.-]+", "-", stem).strip("-") or "report"


def extract_lines(
    lines: Sequence[str],
    template: TemplateArg = _DEFAULT_TEMPLATE,
    *,
    source: str = "<text>",
    reflow: bool = True,
    subject_id: str | None = None,
    seconds: float | None = None,
) -> ExtractResult:
    """Extract from report text already split into lines (``source`` names it in output).

    ``seconds``: a wall-clock budget; past it the extraction stops with a
    :class:`~perfscore.errors.DataError` (``extract_report`` gives every report
    ``ReadLimits.seconds`` for reading and extracting together)."""
    deadline = Deadline(source, seconds)
    return _extract(lines, template, source, reflow, subject_id, deadline)


def _extract(
    lines: Sequence[str],
    template: TemplateArg,
    source: str,
    reflow: bool,
    subject_id: str | None,
    deadline: Deadline,
) -> ExtractResult:
    tpl = template if isinstance(template, Template) else load_template(template)
    text = normalise(lines, reflow=reflow)
    deadline.check()
    run = _Extraction(text, tpl, deadline)
    done: dict[str, _Found] = {}
    ordered = sorted(tpl.fields.values(), key=lambda f: f.of is not None)
    values: dict[str, Any] = {}
    checks: dict[str, Any] = {}
    facts: dict[str, dict[str, Any]] = {}
    meta: dict[str, Any] = {}
    qualifiers: dict[str, str] = {}
    provenance: dict[str, dict[str, Any]] = {}
    declared: dict[str, Any] = {}
    for spec in ordered:
        deadline.check()
        found = run.find(spec, done)
        if found is None:
            if spec.required:
                where = ""
                if spec.sections:
                    missing = [s for s in spec.sections if s not in run.sections]
                    titles = "、".join(tpl.sections[s].title for s in spec.sections)
                    where = f" (section {titles} not found)" if missing else f" in {titles}"
                run.warnings.append(f"{spec.name}: {spec.title} not found{where}")
            continue
        done[spec.name] = found
        if found.spans:
            prov: dict[str, Any] = dict(found.spans[0].to_dict())
            if len(found.spans) > 1:
                prov["matches"] = [s.to_dict() for s in found.spans]
            provenance[spec.name] = prov
        for out in spec.output:
            if out == "values":
                values[spec.name] = found.value
                if found.qualifier:
                    qualifiers[spec.name] = found.qualifier
            elif out == "checks":
                checks[spec.name] = found.value
            elif out == "meta":
                meta[spec.name] = found.value
            elif out == "declared" and spec.declared is not None:
                head, _, key = spec.declared.partition(".")
                if key:
                    declared.setdefault(head, {})[key] = found.value
                else:
                    declared[head] = found.value
            else:
                fact: dict[str, Any] = {
                    "value": list(found.items)
                    if found.items is not None and spec.find == "matches"
                    else found.value
                }
                if spec.unit:
                    fact["unit"] = spec.unit
                if found.qualifier:
                    fact["qualifier"] = found.qualifier
                fact["title"] = spec.title
                facts[spec.name] = fact
    if tpl.indicators is not None:
        _indicator_rows(run, tpl, declared, provenance, deadline)
    sections = {
        sid: {"title": tpl.sections[sid].title, **span.to_dict()}
        for sid, sec in run.sections.items()
        if (span := text.span(*sec.heading)) is not None
    }
    return ExtractResult(
        id=subject_id or _subject_id(source),
        source=source,
        template=tpl.id,
        values=values,
        checks=checks,
        facts=facts,
        meta=meta,
        declared=declared,
        qualifiers=qualifiers,
        provenance=provenance,
        sections=sections,
        warnings=tuple(run.warnings),
    )


_ROW_FIELDS = (("points", "score"), ("weights", "weight"), ("targets", "target"),
               ("actuals", "actual"), ("names", "name"))  # fmt: skip


def _indicator_rows(
    run: _Extraction,
    tpl: Template,
    declared: dict[str, Any],
    provenance: dict[str, dict[str, Any]],
    deadline: Deadline,
) -> None:
    """Each mapped indicator row of the form → declared points/weights/targets/actuals/names
    (a claim a field already read — the funds table's 预算执行率 — is kept; two rows that
    disagree on one indicator give neither)."""
    assert tpl.indicators is not None
    rows, warnings = read_indicators(run.t, tpl.indicators, deadline.check)
    run.warnings.extend(warnings)
    by_id: dict[str, list[Any]] = {}
    for row in rows:
        by_id.setdefault(row.id, []).append(row)
    for rid, same in by_id.items():
        seen = {(r.target, r.actual, r.weight, r.score) for r in same}
        if len(seen) > 1:
            names = "、".join(dict.fromkeys(r.name for r in same))
            run.warnings.append(f"indicator {rid}: rows {names} disagree; neither is taken")
            continue
        row = same[0]
        for key, attr in _ROW_FIELDS:
            value = getattr(row, attr)
            if value is None:
                continue
            if isinstance(value, Decimal):
                value = tidy(value)
            have = declared.setdefault(key, {})
            if rid in have and have[rid] != value:
                run.warnings.append(
                    f"indicator {rid}: the indicator table's {attr} {value} differs from "
                    f"{have[rid]} read elsewhere; the latter is kept"
                )
                continue
            have.setdefault(rid, value)
        if (span := run.t.span(row.start, row.end)) is not None:
            provenance[f"declared.indicators.{rid}"] = dict(span.to_dict())


def extract_report(
    path: str | os.PathLike[str],
    template: TemplateArg = _DEFAULT_TEMPLATE,
    *,
    subject_id: str | None = None,
    limits: ReadLimits = LIMITS,
) -> ExtractResult:
    """Read a report (.txt, .docx, .pdf) and extract the template's fields from it.

    Raises :class:`~perfscore.errors.DataError` when the file cannot be read or is over one of
    the reading ``limits``, and :class:`~perfscore.extract.TemplateError` when the template
    cannot be loaded; a figure that is not found is a warning in the result, never an exception.
    """
    deadline = Deadline(os.fspath(path), limits.seconds)
    report: ReportSource = read_report(path, limits, deadline)
    result = _extract(report.lines, template, report.path, report.reflow, subject_id, deadline)
    return result.with_kind(report.kind)


def extract_one(
    path: str | os.PathLike[str], template: Template, *, limits: ReadLimits = LIMITS
) -> ExtractResult:
    """Like :func:`extract_report`, for batches: a report that cannot be read (or is over
    budget) comes back as a result with ``errors`` instead of raising, so the rest goes on."""
    name = os.fspath(path)
    try:
        return extract_report(name, template, limits=limits)
    except DataError as exc:
        messages = tuple(p.message for p in exc.problems) or (str(exc),)
    except Exception as exc:  # one report must never take a batch down
        messages = (f"extraction failed ({type(exc).__name__}: {exc})",)
    return ExtractResult.failed(_subject_id(name), name, template.id, messages)


def _report_paths(folder: str | os.PathLike[str]) -> list[Path]:
    return sorted(
        p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES
    )


def extract_folder(
    folder: str | os.PathLike[str],
    template: TemplateArg = _DEFAULT_TEMPLATE,
    *,
    limits: ReadLimits = LIMITS,
) -> list[ExtractResult]:
    """Extract every report (.txt, .text, .docx, .pdf) in ``folder``, in name order.

    A report that cannot be read is a result with ``errors`` (and no values); the others are
    extracted as usual.
    """
    tpl = template if isinstance(template, Template) else load_template(template)
    return [extract_one(p, tpl, limits=limits) for p in _report_paths(folder)]


def subjects_from_reports(
    paths: Iterable[str | os.PathLike[str]],
    template: TemplateArg = _DEFAULT_TEMPLATE,
    *,
    include_checks: bool = True,
) -> list[dict[str, Any]]:
    """Subject records (for ``RuleSet.evaluate``) from report files or folders of reports.

    A report that cannot be read becomes a record without values that carries ``errors``: the
    rule set then reports its inputs as missing, and the other reports are scored as usual.
    """
    tpl = template if isinstance(template, Template) else load_template(template)
    results: list[ExtractResult] = []
    for path in paths:
        if Path(path).is_dir():
            results.extend(extract_folder(path, tpl))
        else:
            results.append(extract_one(path, tpl))
    return [r.to_subject(include_checks=include_checks) for r in results]
