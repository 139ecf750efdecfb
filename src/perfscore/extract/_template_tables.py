"""The tables of a template (a table's columns, rows, checks), the references fields make to
their cells, the indicator table (项目支出绩效自评表) and the sections (headings, parents)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from perfscore._yaml import Document
from perfscore.errors import did_you_mean
from perfscore.extract._indicators import COLUMNS as INDICATOR_COLUMNS
from perfscore.extract._indicators import IndicatorSpec
from perfscore.extract._table import RowSpec, TableSpec
from perfscore.extract._template_check import _Checker, _words
from perfscore.extract._template_model import (
    _CHECK_ROLES,
    _ID,
    _SECTION_KEYS,
    _TABLE_KEYS,
    SectionSpec,
)


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


def _sections(
    check: _Checker,
    sections_raw: Mapping[str, tuple[Document, Any]],
    heads_raw: Any,
) -> dict[str, SectionSpec]:
    """Each section (found by its heading at a level); parents known and not in a cycle."""
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
    return sections
