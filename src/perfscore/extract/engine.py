"""Extract reports: text lines, one report file, a folder of them → extraction results and
subject records.  Applying a template to one normalised report (sections first, then each
field) is :mod:`perfscore.extract._extraction`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfscore.errors import DataError
from perfscore.extract._extraction import _Extraction, _Found
from perfscore.extract._indicators import read_indicators
from perfscore.extract._numbers import tidy
from perfscore.extract._read import (
    LIMITS,
    REPORT_SUFFIXES,
    Deadline,
    ReadLimits,
    ReportSource,
    read_report,
)
from perfscore.extract._text import normalise
from perfscore.extract.result import ExtractResult
from perfscore.extract.template import Template, load_template
from perfscore.rawvalue import plain_number

__all__ = [
    "extract_folder",
    "extract_lines",
    "extract_one",
    "extract_report",
    "subjects_from_reports",
]

TemplateArg = Template | str | os.PathLike[str]
_DEFAULT_TEMPLATE = "cn-dept-self-eval"


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
                values[spec.name] = _as_data(spec.type, found.value)
                if found.qualifier:
                    qualifiers[spec.name] = found.qualifier
            elif out == "checks":
                checks[spec.name] = _as_data(spec.type, found.value)
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


def _as_data(kind: str, value: Any) -> Any:
    """A figure as a subject record holds it: a percentage of at most 1 % keeps its ``%``
    (``"0.5%"``) — a bare 0.5 in a percent input is refused as ambiguous (0.5 % or 50 %?)."""
    if kind == "percent" and isinstance(value, Decimal) and 0 < value <= 1:
        return f"{plain_number(value)}%"
    return value
