"""The fields of a template: each one checked (find, type, unit, output, patterns, sections,
table cell, labels), and the label vocabulary of those read by their labels."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from perfscore._yaml import Document
from perfscore.errors import did_you_mean
from perfscore.extract._table import TableSpec
from perfscore.extract._template_check import _Checker, _context, _fold, _gaps, _tail_kind
from perfscore.extract._template_model import (
    _DECLARED,
    _DEFAULT_TYPE,
    _FIELD_KEYS,
    _ID,
    _NEEDS_PATTERN,
    FIND_KINDS,
    OUTPUTS,
    TYPES,
    FieldSpec,
)
from perfscore.extract._template_tables import _table_ref
from perfscore.extract._vocab import Vocabulary, compile_tail

#: a field read by its labels: (labels, words it must not follow, gaps, the kind of its tail)
_VocabPlan = tuple[list[str], list[str], list[str], str]


@dataclass(frozen=True)
class _FieldContext:
    """What every field of one template is checked against."""

    units: Mapping[str, Decimal]
    money_units: str  # the units as regex alternatives
    qualifiers: tuple[str, ...]
    sections: Mapping[str, Any]  # section id → its raw entry
    fields: Mapping[str, Any]  # field name → its raw entry
    tables_raw: Mapping[str, Any]
    tables: Mapping[str, TableSpec]
    not_after: list[str]  # the template's shared vocabulary
    gaps: list[str]


def _field_spec(
    check: _Checker, doc: Document, fname: str, raw: Any, shared: _FieldContext
) -> tuple[FieldSpec, _VocabPlan | None] | None:
    """One field checked; None when it is not even a mapping (its problem is recorded)."""
    units, money_units, qualifiers = shared.units, shared.money_units, shared.qualifiers
    sections_raw, fields_raw = shared.sections, shared.fields
    tables_raw, tables = shared.tables_raw, shared.tables
    shared_not_after, shared_gaps = shared.not_after, shared.gaps
    plan: _VocabPlan | None = None
    path_ = ("fields", fname)
    if not _ID.match(fname):
        check.add(doc, path_, "a field name must be an ASCII identifier", key=True)
    if not isinstance(raw, Mapping):
        check.add(doc, path_, "a field must be a mapping")
        return None
    check.keys(doc, raw, _FIELD_KEYS, path_)
    find = raw.get("find", "match")
    find_ok = find in FIND_KINDS
    if not find_ok:
        check.add(
            doc,
            (*path_, "find"),
            f"find must be one of {', '.join(FIND_KINDS)}",
            suggestion=did_you_mean(str(find), FIND_KINDS),
        )
        find = "match"
    ftype = raw.get("type", _DEFAULT_TYPE[find])
    if ftype not in TYPES:
        check.add(
            doc,
            (*path_, "type"),
            f"type must be one of {', '.join(TYPES)}",
            suggestion=did_you_mean(str(ftype), TYPES),
        )
        ftype = _DEFAULT_TYPE[find]
    unit_raw: Any = raw.get("unit")
    unit = unit_raw if isinstance(unit_raw, str) else None
    if unit_raw is not None and unit is None:
        check.add(doc, (*path_, "unit"), "unit must be text")
    if unit is None:
        unit_alts = "[^\\s0-9,.;:!?。]{1,3}"
    elif unit in units:
        unit_alts = money_units
    else:
        unit_alts = re.escape(unit)
    outputs = check.texts(doc, raw.get("output", "values"), (*path_, "output"), "output")
    for i, out in enumerate(outputs):
        if out not in OUTPUTS:
            check.add(
                doc,
                (*path_, "output", i)
                if not isinstance(raw.get("output"), str)
                else (*path_, "output"),
                f"output must be one of {', '.join(OUTPUTS)}",
            )
    pattern_texts: list[tuple[str, tuple[str | int, ...]]] = []
    for key in ("pattern", "patterns"):
        given = raw.get(key)
        texts = check.texts(doc, given, (*path_, key), "a pattern")
        for i, text in enumerate(texts):
            at: tuple[str | int, ...] = (*path_, key)
            pattern_texts.append((text, at if isinstance(given, str) else (*at, i)))
    patterns: list[re.Pattern[str]] = []
    for text, at in pattern_texts:
        p = check.regex(doc, text, at, unit_alts, qualifiers)
        if p is not None:
            patterns.append(p)
    of = raw.get("of")
    if (
        find_ok
        and find in _NEEDS_PATTERN
        and not pattern_texts
        and not (find == "match" and (raw.get("labels") or raw.get("table")))
        and not (find == "count" and of)
    ):
        check.add(
            doc,
            path_,
            f"find: {find} needs a pattern" + (" or labels" if find == "match" else ""),
        )
    split = where = None
    if find == "blocks":
        split_text = check.text(
            doc, raw.get("split"), (*path_, "split"), "split (the pattern that starts a block)"
        )
        split = (
            check.regex(doc, split_text, (*path_, "split"), unit_alts, qualifiers)
            if split_text
            else None
        )
    if raw.get("where") is not None:
        where_text = check.text(doc, raw.get("where"), (*path_, "where"), "where")
        where = (
            check.regex(doc, where_text, (*path_, "where"), unit_alts, qualifiers)
            if where_text
            else None
        )
    sec = check.texts(doc, raw.get("section"), (*path_, "section"), "section")
    for i, s in enumerate(sec):
        if s not in sections_raw:
            check.add(
                doc,
                (*path_, "section")
                if isinstance(raw.get("section"), str)
                else (*path_, "section", i),
                f"unknown section {s!r}",
                suggestion=did_you_mean(s, sections_raw),
            )
    if (find == "decimals" or of is not None) and (not isinstance(of, str) or of not in fields_raw):
        check.add(
            doc,
            (*path_, "of"),
            f"find: {find} needs 'of': the field whose result it reads",
            suggestion=did_you_mean(str(of), fields_raw) if of else None,
        )
    context = _context(check, doc, raw.get("context", 0), (*path_, "context"))
    required = raw.get("required", "values" in outputs)
    if not isinstance(required, bool):
        check.add(doc, (*path_, "required"), "required must be true or false")
        required = False
    anywhere = raw.get("anywhere", find == "match" and ftype in ("number", "percent", "integer"))
    if not isinstance(anywhere, bool):
        check.add(doc, (*path_, "anywhere"), "anywhere must be true or false")
        anywhere = False
    distinct = raw.get("distinct", False)
    if not isinstance(distinct, bool):
        check.add(doc, (*path_, "distinct"), "distinct must be true or false")
        distinct = False
    table_ref = _table_ref(check, doc, path_, raw, tables_raw, tables)
    declared_key = raw.get("declared")
    if "declared" in outputs and (
        not isinstance(declared_key, str) or not _DECLARED.match(declared_key)
    ):
        check.add(
            doc,
            (*path_, "declared"),
            "output: declared needs declared: total, grade, points.<indicator> or "
            "weights.<indicator>",
        )
    labels = [_fold(w) for w in check.texts(doc, raw.get("labels"), (*path_, "labels"), "a label")]
    if labels and find not in ("match", "grade"):
        check.add(doc, (*path_, "labels"), "labels are for find: match and find: grade")
    if labels:
        plan = (
            labels,
            [
                *shared_not_after,
                *(
                    _fold(w)
                    for w in check.texts(doc, raw.get("not_after"), (*path_, "not_after"), "a word")
                ),
            ],
            [*_gaps(check, doc, raw.get("gaps"), (*path_, "gaps")), *shared_gaps],
            "grade" if find == "grade" else _tail_kind(str(ftype), unit, units),
        )
    spec = FieldSpec(
        name=fname,
        title=str(raw.get("title", fname)),
        type=str(ftype),
        find=str(find),
        output=tuple(outputs) or ("values",),
        unit=unit,
        sections=tuple(sec),
        patterns=tuple(patterns),
        required=required,
        split=split,
        where=where,
        allow=tuple(check.texts(doc, raw.get("allow"), (*path_, "allow"), "an allowed word")),
        distinct=distinct,
        of=of if isinstance(of, str) else None,
        context=context,
        anywhere=anywhere,
        table=table_ref,
        declared=declared_key if isinstance(declared_key, str) else None,
    )
    return spec, plan


def _add_vocabularies(
    check: _Checker,
    fields: dict[str, FieldSpec],
    vocab_plan: Mapping[str, _VocabPlan],
    fields_raw: Mapping[str, tuple[Document, Any]],
    units: Mapping[str, Decimal],
    connectors: list[str],
    qualifiers: tuple[str, ...],
) -> None:
    """Each field read by its labels gets its vocabulary: its labels, the words they must not
    follow, the tail that reads its value, and every other field's labels (so one field's label
    never reads as another's value)."""
    every_label = [label.removeprefix("^") for plan in vocab_plan.values() for label in plan[0]]
    for fname, (labels, not_after, gaps, kind) in vocab_plan.items():
        fspec = fields[fname]
        own = {label.removeprefix("^") for label in labels}
        unit_words: list[str] = list(units) if kind == "money" else []
        if kind in ("money", "integer") and fspec.unit is not None and fspec.unit not in units:
            unit_words = [fspec.unit]
        try:
            tail = compile_tail(
                kind, units=unit_words, connectors=connectors, gaps=gaps, qualifiers=qualifiers
            )
        except re.error as exc:
            check.add(fields_raw[fname][0], ("fields", fname, "gaps"), f"invalid gap: {exc.msg}")
            continue
        vocab = Vocabulary.build(labels, not_after, tail, [w for w in every_label if w not in own])
        fields[fname] = dataclasses.replace(fspec, vocab=vocab)
