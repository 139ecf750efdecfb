"""Extraction templates: which figures to find in a report, where, and how to read them.

A template is a YAML file (see ``docs/extract.md``).  It is loaded with the project's safe,
located YAML loader and checked completely before use: every problem is reported as
``file:line:col: path: message`` in one :class:`TemplateError`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from perfscore._yaml import Document, load_yaml_file
from perfscore.errors import Problem, RuleSetError, did_you_mean
from perfscore.extract._indicators import COLUMNS as INDICATOR_COLUMNS
from perfscore.extract._indicators import IndicatorSpec
from perfscore.extract._table import RowSpec, TableSpec
from perfscore.extract._vocab import Vocabulary, compile_tail, unbounded
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

FIND_KINDS = ("match", "count", "blocks", "exists", "length", "matches", "decimals", "grade")
TYPES = ("number", "percent", "integer", "text", "boolean")
OUTPUTS = ("values", "checks", "facts", "meta", "declared")
GRADES = ("优", "良", "中", "差")
_DEFAULT_TYPE = {
    "match": "number",
    "count": "integer",
    "blocks": "integer",
    "exists": "boolean",
    "length": "integer",
    "matches": "text",
    "decimals": "integer",
    "grade": "text",
}
_NEEDS_PATTERN = ("match", "count", "matches")

_TOP_KEYS = (
    "template",
    "id",
    "title",
    "version",
    "description",
    "extends",
    "units",
    "qualifiers",
    "headings",
    "markers",
    "vocabulary",
    "tables",
    "indicators",
    "sections",
    "fields",
)
_VOCAB_KEYS = ("connectors", "gaps", "not_after", "description")
_SECTION_KEYS = ("title", "heading", "level", "parent", "description")
_FIELD_KEYS = (
    "title",
    "type",
    "unit",
    "section",
    "find",
    "pattern",
    "patterns",
    "output",
    "required",
    "split",
    "where",
    "allow",
    "distinct",
    "of",
    "context",
    "anywhere",
    "labels",
    "not_after",
    "gaps",
    "table",
    "row",
    "column",
    "declared",
    "description",
)
_TABLE_KEYS = (
    "title",
    "unit",
    "columns",
    "percent",
    "rows",
    "total",
    "checks",
    "min_columns",
    "description",
)
_CHECK_ROLES = ("budget", "executed", "rate", "weight", "score")
_DECLARED = re.compile(r"^(?:total|grade|(?:points|weights)\.[A-Za-z][A-Za-z0-9_]{0,63})$")

_CJK = r"[\u3400-\u9fff]"
_CN_NUMERAL = "零〇一二两三四五六七八九十百千"
_NUMBER = (
    r"(?P<value>(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
    rf"|[{_CN_NUMERAL}]+)"
)
_PERCENT = r"(?P<value>[0-9]+(?:\.[0-9]+)?)\s*%"
_MACRO = re.compile(r"\{(number|percent|unit|qualifier|cjk)\}")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# A heading's number, per level, where it may run straight into the heading's words.
_DEFAULT_MARKERS = (
    "(?P<number>[一二三四五六七八九十]{1,3})(?:、|\\.| )",
    "(?P<number>[(][一二三四五六七八九十]{1,3}[)])",
)


class TemplateError(RuleSetError):
    """A template cannot be loaded: YAML, structure, an invalid pattern, an unknown section."""


@dataclass(frozen=True)
class SectionSpec:
    """A part of the report, found by its heading (a paragraph at ``level``)."""

    id: str
    title: str
    heading: tuple[re.Pattern[str], ...]
    level: int
    parent: str | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One figure (or report-level check input) to extract."""

    name: str
    title: str
    type: str
    find: str
    output: tuple[str, ...]
    unit: str | None = None
    sections: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    required: bool = False
    split: re.Pattern[str] | None = None
    where: re.Pattern[str] | None = None
    allow: tuple[str, ...] = ()
    distinct: bool = False
    of: str | None = None
    context: tuple[int, int] = (0, 0)
    anywhere: bool = False
    vocab: Vocabulary | None = None
    table: tuple[str, str, str] | None = None  # (table, row, column)
    declared: str | None = None  # total, grade, points.<indicator>, weights.<indicator>


@dataclass(frozen=True)
class Template:
    """A loaded, checked template; patterns are compiled once."""

    id: str
    title: str
    version: str
    source: str
    units: Mapping[str, Decimal]
    qualifiers: tuple[str, ...]
    headings: tuple[re.Pattern[str], ...]
    sections: Mapping[str, SectionSpec]
    fields: Mapping[str, FieldSpec]
    chain: tuple[str, ...] = field(default=())
    markers: tuple[re.Pattern[str], ...] = ()
    tables: Mapping[str, TableSpec] = field(default_factory=dict)
    #: the indicator table (项目支出绩效自评表): header labels and printed name → indicator id
    indicators: IndicatorSpec | None = None

    def __repr__(self) -> str:
        return f"<Template {self.id} {self.version} from {self.source}>"


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


# -- pattern text ------------------------------------------------------------------------------


def _fold_pattern(pattern: str) -> str:
    """Fold full-width characters the way report text is folded (NFKC), escaping the result:
    an author may write ``（二）`` or ``：`` and it matches the normalised ``(二)`` / ``:``."""
    out = []
    for ch in pattern:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(re.escape(norm) if norm != ch else ch)
    return "".join(out)


def _expand(pattern: str, unit_alternatives: str, qualifiers: tuple[str, ...]) -> str:
    quals = "|".join(re.escape(q) for q in sorted(qualifiers, key=len, reverse=True))

    def macro(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "number":
            return _NUMBER
        if name == "percent":
            return _PERCENT
        if name == "cjk":
            return _CJK
        if name == "qualifier":
            return rf"(?:(?P<qualifier>{quals})\s*)?" if quals else ""
        return rf"(?P<unit>{unit_alternatives})"

    return _MACRO.sub(macro, _fold_pattern(pattern))


def _fold(word: str) -> str:
    """A vocabulary word as it appears in normalised report text (NFKC, one blank per run)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", word))


def _tail_kind(ftype: str, unit: str | None, units: Mapping[str, Decimal]) -> str:
    if ftype == "percent":
        return "percent"
    if ftype == "integer":
        return "integer"
    if unit == "分":
        return "score"
    return "money"


def _gaps(check: _Checker, doc: Document, raw: Any, path: tuple[str | int, ...]) -> list[str]:
    out = []
    items = check.texts(doc, raw, path, "a gap")
    for i, text in enumerate(items):
        at = path if isinstance(raw, str) else (*path, i)
        pattern = _fold_pattern(text)
        try:
            re.compile(pattern.replace("{n}", "0"))
        except re.error as exc:
            check.add(doc, at, f"invalid gap: {exc.msg}")
            continue
        if unbounded(pattern.replace("{n}", "0")):
            check.add(doc, at, "a gap must not repeat without a bound (write {0,20}, not * or +)")
            continue
        out.append(pattern)
    return out


def _words(check: _Checker, doc: Document, raw: Any, path: tuple[str | int, ...]) -> list[str]:
    return [_fold(w) for w in check.texts(doc, raw, path, "a label")]


def _table(
    check: _Checker, doc: Document, tid: str, raw: Any, units: Mapping[str, Decimal]
) -> TableSpec | None:
    path: tuple[str | int, ...] = ("tables", tid)
    if not isinstance(raw, Mapping):
        check.add(doc, path, "a table must be a mapping")
        return None
    check.keys(doc, raw, _TABLE_KEYS, path)
    columns_raw = raw.get("columns")
    if not isinstance(columns_raw, Mapping) or not columns_raw:
        check.add(doc, (*path, "columns"), "columns must map a column id to its header labels")
        return None
    columns = {
        str(c): tuple(_words(check, doc, labels, (*path, "columns", c)))
        for c, labels in columns_raw.items()
    }
    rows: dict[str, RowSpec] = {}
    rows_raw = raw.get("rows")
    if not isinstance(rows_raw, Mapping) or not rows_raw:
        check.add(doc, (*path, "rows"), "rows must map a row id to its labels")
        rows_raw = {}
    for rid, row in rows_raw.items():
        at = (*path, "rows", rid)
        if isinstance(row, Mapping):
            check.keys(doc, row, ("labels", "cells"), at)
            cells = tuple(check.texts(doc, row.get("cells"), (*at, "cells"), "a column id"))
            for i, c in enumerate(cells):
                if c not in columns:
                    check.add(doc, (*at, "cells", i), f"unknown column {c!r}",
                              suggestion=did_you_mean(c, columns))  # fmt: skip
            rows[str(rid)] = RowSpec(
                str(rid), tuple(_words(check, doc, row.get("labels"), (*at, "labels"))), cells
            )
        else:
            rows[str(rid)] = RowSpec(str(rid), tuple(_words(check, doc, row, at)))
    percent = tuple(check.texts(doc, raw.get("percent"), (*path, "percent"), "a column id"))
    checks_raw = raw.get("checks", {})
    checks: dict[str, str] = {}
    if isinstance(checks_raw, Mapping):
        check.keys(doc, checks_raw, _CHECK_ROLES, (*path, "checks"))
        for role, col in checks_raw.items():
            if col not in columns:
                check.add(doc, (*path, "checks", role), f"unknown column {col!r}")
            else:
                checks[str(role)] = str(col)
    else:
        check.add(doc, (*path, "checks"), "checks must map budget/executed/rate/... to columns")
    for i, c in enumerate(percent):
        if c not in columns:
            check.add(doc, (*path, "percent", i), f"unknown column {c!r}")
    unit = raw.get("unit")
    if unit is not None and unit not in units:
        check.add(
            doc, (*path, "unit"), f"unit must be one of the template's units: {', '.join(units)}"
        )
        unit = None
    min_columns = raw.get("min_columns", 3)
    if isinstance(min_columns, bool) or not isinstance(min_columns, int) or min_columns < 1:
        check.add(doc, (*path, "min_columns"), "min_columns must be a positive whole number")
        min_columns = 3
    total = raw.get("total")
    if total is not None and total not in rows:
        check.add(doc, (*path, "total"), f"unknown row {total!r}")
        total = None
    return TableSpec(
        tid, str(raw.get("title", tid)), MappingProxyType(columns), MappingProxyType(rows),
        percent, unit, min_columns, MappingProxyType(checks),
        str(total) if total is not None else None,
    )  # fmt: skip


def _table_ref(
    check: _Checker,
    doc: Document,
    path: tuple[str | int, ...],
    raw: Mapping[str, Any],
    tables_raw: Mapping[str, Any],
    tables: Mapping[str, TableSpec],
) -> tuple[str, str, str] | None:
    name = raw.get("table")
    if name is None:
        return None
    if name not in tables_raw:
        check.add(doc, (*path, "table"), f"unknown table {name!r}",
                  suggestion=did_you_mean(str(name), tables_raw))  # fmt: skip
        return None
    table = tables.get(str(name))
    if table is None:
        return None
    row, column = raw.get("row"), raw.get("column")
    if row not in table.rows:
        check.add(
            doc, (*path, "row"), f"row must be one of the table's rows: {', '.join(table.rows)}"
        )
        return None
    if column not in table.columns:
        known = ", ".join(table.columns)
        check.add(doc, (*path, "column"), f"column must be one of the table's columns: {known}")
        return None
    return (str(name), str(row), str(column))


# -- checking ----------------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, doc: Document, path: tuple[str | int, ...], message: str, **kw: Any) -> None:
        self.problems.append(doc.problem(path, message, **kw))

    def keys(
        self,
        doc: Document,
        data: Mapping[str, Any],
        allowed: tuple[str, ...],
        path: tuple[str | int, ...],
    ) -> None:
        for key in data:
            if key not in allowed:
                self.add(
                    doc,
                    (*path, key),
                    f"unknown key {key!r}",
                    suggestion=did_you_mean(str(key), allowed),
                    key=True,
                )

    def text(self, doc: Document, value: Any, path: tuple[str | int, ...], what: str) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.add(doc, path, f"{what} must be non-empty text")
        return None

    def texts(self, doc: Document, value: Any, path: tuple[str | int, ...], what: str) -> list[str]:
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.add(doc, path, f"{what} must be text or a list of text")
            return []
        out = []
        for i, item in enumerate(items):
            p = path if isinstance(value, str) else (*path, i)
            checked = self.text(doc, item, p, what)
            if checked is not None:
                out.append(checked)
        return out

    def regex(
        self,
        doc: Document,
        text: str,
        path: tuple[str | int, ...],
        units: str,
        quals: tuple[str, ...],
    ) -> re.Pattern[str] | None:
        try:
            return re.compile(_expand(text, units, quals))
        except re.error as exc:
            self.add(doc, path, f"invalid pattern: {exc.msg}")
            return None


def _context(
    check: _Checker, doc: Document, raw: Any, path: tuple[str | int, ...]
) -> tuple[int, int]:
    items = raw if isinstance(raw, list) else [raw, raw]
    if len(items) != 2 or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= 20 for i in items
    ):
        check.add(doc, path, "context must be a number of characters (0-20) or [before, after]")
        return (0, 0)
    return (items[0], items[1])


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

    sections: dict[str, SectionSpec] = {}
    for sid, (doc, raw) in sections_raw.items():
        path_ = ("sections", sid)
        if not isinstance(raw, Mapping):
            check.add(doc, path_, "a section must be a mapping")
            continue
        check.keys(doc, raw, _SECTION_KEYS, path_)
        level = raw.get("level", 1)
        if (
            isinstance(level, bool)
            or not isinstance(level, int)
            or not 1 <= level <= max(1, len(heads_raw or []))
        ):
            check.add(
                doc,
                (*path_, "level"),
                "level must be a heading level listed in headings (1, 2, ...)",
            )
            level = 1
        pats = [
            p
            for i, text in enumerate(
                check.texts(doc, raw.get("heading"), (*path_, "heading"), "heading")
            )
            if (p := check.regex(doc, text, (*path_, "heading", i), "", ())) is not None
        ]
        if not pats:
            check.add(doc, path_, "a section needs a heading pattern")
        parent = raw.get("parent")
        if parent is not None and parent not in sections_raw:
            check.add(
                doc,
                (*path_, "parent"),
                f"unknown section {parent!r}",
                suggestion=did_you_mean(str(parent), sections_raw),
            )
            parent = None
        sections[sid] = SectionSpec(sid, str(raw.get("title", sid)), tuple(pats), level, parent)
    for sid, spec in sections.items():  # parents must not form a cycle
        seen_: set[str] = {sid}
        cur = spec.parent
        while cur is not None:
            if cur in seen_:
                doc = sections_raw[sid][0]
                check.add(doc, ("sections", sid, "parent"), "sections are each other's parents")
                break
            seen_.add(cur)
            cur = sections[cur].parent if cur in sections else None

    fields: dict[str, FieldSpec] = {}
    vocab_plan: dict[str, tuple[list[str], list[str], list[str], str]] = {}
    for fname, (doc, raw) in fields_raw.items():
        path_ = ("fields", fname)
        if not _ID.match(fname):
            check.add(doc, path_, "a field name must be an ASCII identifier", key=True)
        if not isinstance(raw, Mapping):
            check.add(doc, path_, "a field must be a mapping")
            continue
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
        if (find == "decimals" or of is not None) and (
            not isinstance(of, str) or of not in fields_raw
        ):
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
        anywhere = raw.get(
            "anywhere", find == "match" and ftype in ("number", "percent", "integer")
        )
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
        labels = [
            _fold(w) for w in check.texts(doc, raw.get("labels"), (*path_, "labels"), "a label")
        ]
        if labels and find not in ("match", "grade"):
            check.add(doc, (*path_, "labels"), "labels are for find: match and find: grade")
        if labels:
            vocab_plan[fname] = (
                labels,
                [
                    *shared_not_after,
                    *(
                        _fold(w)
                        for w in check.texts(
                            doc, raw.get("not_after"), (*path_, "not_after"), "a word"
                        )
                    ),
                ],
                [*_gaps(check, doc, raw.get("gaps"), (*path_, "gaps")), *shared_gaps],
                "grade" if find == "grade" else _tail_kind(str(ftype), unit, units),
            )
        fields[fname] = FieldSpec(
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


def _indicator_spec(
    check: _Checker,
    columns_raw: Mapping[str, tuple[Document, Any]],
    ids_raw: Mapping[str, tuple[Document, Any]],
) -> IndicatorSpec | None:
    if not columns_raw and not ids_raw:
        return None
    columns: dict[str, tuple[str, ...]] = {}
    for col, (doc, labels) in columns_raw.items():
        path: tuple[str | int, ...] = ("indicators", "columns", col)
        if col not in INDICATOR_COLUMNS:
            known = ", ".join(INDICATOR_COLUMNS)
            check.add(doc, path, f"unknown column {col!r} (columns: {known})",
                      suggestion=did_you_mean(col, INDICATOR_COLUMNS))  # fmt: skip
            continue
        columns[col] = tuple(_words(check, doc, labels, path))
    for need in ("target", "actual", "score"):
        if need not in columns:
            doc = next(iter(columns_raw.values()), next(iter(ids_raw.values())))[0]
            check.add(doc, ("indicators", "columns"), f"indicators.columns needs {need!r} labels")
    ids: dict[str, str | None] = {}
    for name, (doc, rid) in ids_raw.items():
        path = ("indicators", "ids", name)
        if rid is not None and (not isinstance(rid, str) or not _ID.match(rid)):
            check.add(doc, path, "an indicator id must be an ASCII identifier (or null: not read)")
            continue
        folded = "".join(unicodedata.normalize("NFKC", name).split())
        if not folded:
            check.add(doc, path, "an indicator name must not be blank")
            continue
        ids[folded] = rid
    return IndicatorSpec(MappingProxyType(columns), MappingProxyType(ids))
