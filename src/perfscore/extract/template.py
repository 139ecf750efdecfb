"""Extraction templates: which figures to find in a report, where, and how to read them.

A template is a YAML file (see ``docs/extract.md``).  It is loaded with the project's safe,
located YAML loader and checked completely before use: every problem is reported as
``file:line:col: path: message`` in one :class:`TemplateError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perfscore._yaml import Document, load_yaml_file
from perfscore.errors import Problem
from perfscore.extract._template_check import _Checker, _fold, _gaps
from perfscore.extract._template_fields import (
    _add_vocabularies,
    _field_spec,
    _FieldContext,
    _VocabPlan,
)
from perfscore.extract._template_model import (
    _DEFAULT_MARKERS,
    _ID,
    _TOP_KEYS,
    _VOCAB_KEYS,
    FIND_KINDS,
    FieldSpec,
    SectionSpec,
    Template,
    TemplateError,
)
from perfscore.extract._template_model import GRADES as GRADES
from perfscore.extract._template_model import OUTPUTS as OUTPUTS
from perfscore.extract._template_model import TYPES as TYPES
from perfscore.extract._template_tables import _indicator_spec, _sections, _table
from perfscore.extract._vocab import unbounded
from perfscore.registry import PluginError, Registry, check_slug

__all__ = [
    "BUILTIN_TEMPLATES",
    "FIND_KINDS",
    "TEMPLATES",
    "FieldSpec",
    "SectionSpec",
    "Template",
    "TemplateError",
    "builtin_template_path",
    "load_template",
]

TEMPLATES_DIR = Path(__file__).with_name("templates")


def _check_template(name: str, path: Path) -> None:
    check_slug(name)
    if not isinstance(path, os.PathLike) or not os.fspath(path).endswith(".yaml"):
        raise PluginError(name, "an extraction template entry point is the path of a .yaml file")


#: Extraction templates by name: the built-in ones, and those plugins add (entry point group
#: ``perfscore.templates``, each naming a :class:`~pathlib.Path` to a template file).
TEMPLATES: Registry[Path] = Registry(
    "extraction template", group="perfscore.templates", check=_check_template
)
for _stem in ("cn-dept-self-eval", "cn-npc-office", "cn-project-self-eval"):
    TEMPLATES.add(TEMPLATES_DIR / f"{_stem}.yaml", name=_stem)
BUILTIN_TEMPLATES = tuple(TEMPLATES.keys())


def builtin_template_path(name: str) -> Path | None:
    """Path of a template shipped with perfscore (``cn-dept-self-eval``), else None."""
    stem = name[:-5] if name.endswith(".yaml") else name
    return TEMPLATES.get(stem)


def _resolve(name: str | os.PathLike[str], base: Path | None = None) -> Path:
    text = os.fspath(name)
    builtin = builtin_template_path(text)
    candidate = Path(text) if base is None else base / text
    if candidate.is_file() or builtin is None:
        return candidate
    return builtin


def _load_chain(path: Path, seen: tuple[str, ...]) -> list[tuple[Document, Mapping[str, Any]]]:
    key = str(path.resolve())
    if key in seen:
        raise TemplateError(
            [Problem(f"templates extend each other in a cycle: {path}", source=str(path))]
        )
    doc = load_yaml_file(path, error=TemplateError)
    if not isinstance(doc.data, Mapping):
        raise TemplateError([doc.problem((), "a template must be a mapping")])
    chain: list[tuple[Document, Mapping[str, Any]]] = []
    parent = doc.data.get("extends")
    if parent is not None:
        if not isinstance(parent, str):
            raise TemplateError(
                [doc.problem(("extends",), "extends must be a template name or path")]
            )
        parent_path = _resolve(parent, path.parent)
        if not parent_path.is_file():
            raise TemplateError(
                [doc.problem(("extends",), f"no template {parent!r} (not a file, not built in)")]
            )
        chain = _load_chain(parent_path, (*seen, key))
    chain.append((doc, doc.data))
    return chain


def load_template(name: str | os.PathLike[str]) -> Template:
    """Load a template: a file path, or the name of a built-in one (``cn-dept-self-eval``)."""
    path = _resolve(name)
    chain = _load_chain(path, ())
    check = _Checker()

    # Merge scalars and tables: the extending template overrides key by key.
    top: dict[str, tuple[Document, Any]] = {}
    sections_raw: dict[str, tuple[Document, Any]] = {}
    fields_raw: dict[str, tuple[Document, Any]] = {}
    units_raw: dict[str, tuple[Document, Any]] = {}
    tables_raw: dict[str, tuple[Document, Any]] = {}
    # the indicator table: columns override column by column, ids add up along the chain
    ind_columns: dict[str, tuple[Document, Any]] = {}
    ind_ids: dict[str, tuple[Document, Any]] = {}
    for doc, data in chain:
        ind = data.get("indicators")
        if ind is not None:
            if not isinstance(ind, Mapping):
                check.add(doc, ("indicators",), "indicators must be a mapping (columns, ids)")
            else:
                check.keys(doc, ind, ("columns", "ids", "description"), ("indicators",))
                for key, into in (("columns", ind_columns), ("ids", ind_ids)):
                    part = ind.get(key)
                    if part is None:
                        continue
                    if not isinstance(part, Mapping):
                        check.add(doc, ("indicators", key), f"indicators.{key} must be a mapping")
                        continue
                    for k, v in part.items():
                        into[str(k)] = (doc, v)
        check.keys(doc, data, _TOP_KEYS, ())
        for key in (
            "template", "id", "title", "version", "description", "qualifiers", "headings",
            "markers", "vocabulary",
        ):  # fmt: skip
            if key in data:
                top[key] = (doc, data[key])
        for key, into in (
            ("sections", sections_raw),
            ("fields", fields_raw),
            ("units", units_raw),
            ("tables", tables_raw),
        ):
            table = data.get(key)
            if table is None:
                continue
            if not isinstance(table, Mapping):
                check.add(doc, (key,), f"{key} must be a mapping")
                continue
            for name_, value in table.items():
                into[str(name_)] = (doc, value)

    last_doc = chain[-1][0]
    version_doc, lang = top.get("template", (last_doc, None))
    if lang not in (1, "1"):
        check.add(version_doc, ("template",), "template: 1 is required (template format version)")
    tid_doc, tid = top.get("id", (last_doc, None))
    if not isinstance(tid, str) or not _ID.match(tid):
        check.add(tid_doc, ("id",), "id must be an ASCII identifier (letters, digits, _)")
        tid = "template"
    title_doc, title = top.get("title", (last_doc, None))
    title = check.text(title_doc, title, ("title",), "title") or tid
    version = str(top.get("version", (last_doc, "1"))[1])

    units: dict[str, Decimal] = {}
    for uname, (doc, factor) in units_raw.items():
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal) or factor <= 0:
            check.add(doc, ("units", uname), "a unit's factor must be a positive number")
            continue
        units[uname] = Decimal(factor)
    money_units = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))

    qual_doc, quals_raw = top.get("qualifiers", (last_doc, []))
    qualifiers = tuple(check.texts(qual_doc, quals_raw, ("qualifiers",), "a qualifier"))

    vocab_doc, vocab_raw = top.get("vocabulary", (last_doc, {}))
    if not isinstance(vocab_raw, Mapping):
        check.add(vocab_doc, ("vocabulary",), "vocabulary must be a mapping")
        vocab_raw = {}
    check.keys(vocab_doc, vocab_raw, _VOCAB_KEYS, ("vocabulary",))
    connectors = [
        _fold(w)
        for w in check.texts(
            vocab_doc, vocab_raw.get("connectors"), ("vocabulary", "connectors"), "a connector"
        )
    ]
    shared_gaps = _gaps(check, vocab_doc, vocab_raw.get("gaps"), ("vocabulary", "gaps"))
    shared_not_after = [
        _fold(w)
        for w in check.texts(
            vocab_doc, vocab_raw.get("not_after"), ("vocabulary", "not_after"), "a word"
        )
    ]

    head_doc, heads_raw = top.get("headings", (last_doc, None))
    headings: list[re.Pattern[str]] = []
    if not isinstance(heads_raw, list) or not heads_raw:
        check.add(head_doc, ("headings",), "headings must list one pattern per heading level")
    else:
        for i, text in enumerate(heads_raw):
            if check.text(head_doc, text, ("headings", i), "a heading pattern"):
                heading = check.regex(head_doc, text, ("headings", i), "", ())
                if heading:
                    headings.append(heading)

    mark_doc, marks_raw = top.get("markers", (last_doc, list(_DEFAULT_MARKERS)))
    markers: list[re.Pattern[str]] = []
    for i, text in enumerate(check.texts(mark_doc, marks_raw, ("markers",), "a marker pattern")):
        marker = check.regex(mark_doc, text, ("markers", i), "", ())
        if marker is not None:
            if unbounded(marker.pattern):
                check.add(mark_doc, ("markers", i), "a marker must not repeat without a bound")
                continue
            markers.append(marker)

    tables = {
        tid_: table
        for tid_, (doc, raw) in tables_raw.items()
        if (table := _table(check, doc, tid_, raw, units)) is not None
    }

    indicators = _indicator_spec(check, ind_columns, ind_ids)

    sections = _sections(check, sections_raw, heads_raw)

    fields: dict[str, FieldSpec] = {}
    vocab_plan: dict[str, _VocabPlan] = {}
    shared = _FieldContext(
        units, money_units, qualifiers, sections_raw, fields_raw, tables_raw, tables,
        shared_not_after, shared_gaps,
    )  # fmt: skip
    for fname, (doc, raw) in fields_raw.items():
        made = _field_spec(check, doc, fname, raw, shared)
        if made is not None:
            fields[fname], plan = made
            if plan is not None:
                vocab_plan[fname] = plan
    _add_vocabularies(check, fields, vocab_plan, fields_raw, units, connectors, qualifiers)

    if check.problems:
        raise TemplateError(check.problems)
    return Template(
        id=str(tid),
        title=title,
        version=version,
        source=str(path),
        units=MappingProxyType(units),
        qualifiers=qualifiers,
        headings=tuple(headings),
        sections=MappingProxyType(sections),
        fields=MappingProxyType(fields),
        chain=tuple(d.source for d, _ in chain),
        markers=tuple(markers),
        tables=MappingProxyType(tables),
        indicators=indicators,
    )
