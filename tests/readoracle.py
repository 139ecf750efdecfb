"""The subject reader as it was before each field got its compiled reader (session 14): every
cell read the whole way, through :func:`perfscore.subjects.normalise_value`.  Kept as the oracle
of ``tests/test_fieldread.py`` — the compiled reader must give exactly what this gives (values,
field errors in both languages, notes, the subject).  A verbatim copy of ``read_subject`` and
its helpers at commit f038993; do not "improve" it.  Amended once (session 16, marked below):
a series with no figure at all reads as a blank, as the reader now reads it."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from perfscore.errors import did_you_mean
from perfscore.rawvalue import is_blank_text
from perfscore.rawvalue import problem as _problem
from perfscore.subjects import (
    RESERVED,
    CellProblem,
    InputSpec,
    RejectedRecord,
    Subject,
    SubjectData,
    normalise_value,
)
from perfscore.textsafe import clean
from perfscore.words import DATA, said

_RESERVED = RESERVED
#: Years outside this range are data-entry errors, not fiscal years.
_YEARS = (1900, 2999)


def _text(raw: object) -> str | None:
    """A scalar metadata field as text (ids may be written as numbers), else ``None``."""
    if raw is None or isinstance(raw, (Mapping, list, tuple, bool)):
        return None
    text = unicodedata.normalize("NFKC", clean(str(raw))).strip()
    return text or None


def _period(meta: Mapping[Any, Any], notes: list[str]) -> int | None:
    """The fiscal year from ``year`` (or its alias ``period``); a bad one is a note, not a crash."""
    found: list[tuple[str, int]] = []
    for name in ("year", "period"):
        raw = meta.get(name)
        if raw is None:
            continue
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # 2023.0 from a spreadsheet cell
        elif isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
            raw = int(raw)
        text = _text(raw)
        if text is not None and text.endswith("年度"):
            text = text[:-2]
        elif text is not None and text.endswith("年"):
            text = text[:-1]
        if text is None or not text.isdigit() or not _YEARS[0] <= int(text) <= _YEARS[1]:
            notes.append(f"{name} {raw!r} is not a fiscal year (expected e.g. 2023); it is ignored")
            continue
        found.append((name, int(text)))
    if len(found) == 2 and found[0][1] != found[1][1]:
        notes.append(f"year {found[0][1]} and period {found[1][1]} disagree; year is used")
    return found[0][1] if found else None


def reference_read_subject(
    record: object, specs: Mapping[str, InputSpec], *, index: int, subject_type: str
) -> SubjectData:
    """Read one record: ``{id, name, type, values: {...}}`` or a flat mapping of values."""
    if not isinstance(record, Mapping):
        subject = Subject(f"subject-{index + 1}", None, subject_type)
        problem = _problem("record_not_mapping", record)
        errors: dict[str, str] = dict.fromkeys(specs, problem)
        return SubjectData(subject, dict.fromkeys(specs), errors)
    if "values" in record:
        raw_values = record.get("values")
        meta = record
    else:
        raw_values = {k: v for k, v in record.items() if k not in _RESERVED}
        meta = record
    sid = meta.get("id")
    notes: list[str] = []
    subject = Subject(  # clean: an id from Python may hold lone surrogates (textsafe)
        clean(str(sid))
        if sid is not None and not isinstance(sid, (Mapping, list))
        else f"subject-{index + 1}",
        clean(str(meta["name"])) if isinstance(meta.get("name"), str) else None,
        clean(str(meta["type"])) if isinstance(meta.get("type"), str) else subject_type,
        key=_text(meta.get("key")) or "",
        period=_period(meta, notes),
        parent=_text(meta.get("parent")),
    )
    data = SubjectData(subject, {}, notes=notes)
    if isinstance(record, RejectedRecord):
        for n in specs:
            data.values[n] = None
            data.field_errors[n] = said(DATA, "rejected", problem=record.problem)
        return data
    if meta.get("declared") is not None:
        from .declared import read_declared  # only records that declare something pay for it

        data.declared = read_declared(meta["declared"])
    if not isinstance(raw_values, Mapping):
        for n in specs:
            data.values[n] = None
            data.field_errors[n] = _problem("not_mapping", raw_values)
        return data
    for key in raw_values:
        if str(key) not in specs:
            hint = did_you_mean(str(key), specs)
            extra = said(DATA, "did_you_mean", hint=repr(hint)) if hint else ""
            data.notes.append(said(DATA, "unknown_field", name=repr(str(key)), hint=extra))
    cells = record.get("cells")
    for name, spec in specs.items():
        raw: Any = raw_values.get(name)
        if isinstance(raw, str) and is_blank_text(raw):
            raw = None  # "", "-", "—", "/": a blank, as in a spreadsheet cell (docs/data.md)
        if isinstance(raw, CellProblem):
            data.values[name] = None
            data.field_errors[name] = _located(cells, name, raw.message)
            continue
        if raw is not None:
            try:
                value = normalise_value(spec, raw)
            except ValueError as e:
                data.values[name] = None
                data.field_errors[name] = _located(cells, name, e.args[0] if e.args else str(e))
                continue
            if value is not None:
                data.values[name] = value
                continue
            # amended in session 16 (the one change since f038993): a series holding no
            # figure at all ({}, every year blank) is a blank, as a table row of blanks is
        if spec.default is not None:  # already normalised when the rule set compiled
            data.values[name] = spec.default
            continue
        data.values[name] = None
        if spec.required:
            data.field_errors[name] = _located(cells, name, said(DATA, "required_missing"))
    return data


def _located(cells: object, name: str, message: str) -> str:
    """``message`` prefixed with where the value was read (``Sheet1!D12``), when known."""
    where = cells.get(name) if isinstance(cells, Mapping) else None
    if not isinstance(where, str):
        return message
    return said(DATA, "at_cell", where=where, problem=message)
