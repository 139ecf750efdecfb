"""Ingest: the files a bureau really has — CSV/TSV, Excel, Parquet, JSON Lines, JSON/YAML, a
folder of them, or a pandas/polars/pyarrow frame — read as subject records for a rule set.

:func:`open_data` gives one :class:`DataSource` per file (a folder gives one per file in it);
:meth:`DataSource.records` streams that file's records mapped onto a rule set's inputs (see
:mod:`perfscore.ingest.columns`), each value carrying where it was read (``Sheet1!D12``,
``line 12, column 预算数``) so a bad cell becomes an ``error`` finding that names the cell.
What concerns the file rather than one subject — an unmapped column (once, with "did you
mean"), a 合计 row left out, a duplicate id — is collected in ``DataSource.notifications``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._gc import collector_paused
from ..errors import DataError, Problem
from ..findings import Notification
from ..subjects import RejectedRecord
from ..words import NOTICE, said
from .columns import ColumnMap, Target, convert_cell, header_key, is_blank, map_columns, split_unit
from .readers import (
    Rank,
    Sheet,
    detect_encoding,
    frame_kind,
    read_csv,
    read_frame,
    read_jsonl,
    read_parquet,
    read_xlsx,
)
from .seen import FirstSeen

if TYPE_CHECKING:
    from ..ruleset import RuleSet
    from ..subjects import InputSpec

__all__ = [
    "DATA_SUFFIXES",
    "STREAM_SUFFIXES",
    "DataSource",
    "detect_encoding",
    "frame_kind",
    "load_columns",
    "open_data",
    "open_frame",
    "read_document",
    "read_sources",
]

TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq")
RECORD_SUFFIXES = (".jsonl", ".ndjson", ".json", ".yaml", ".yml")
DATA_SUFFIXES = TABLE_SUFFIXES + RECORD_SUFFIXES
#: Read as a stream of rows or lines (every other file is one JSON/YAML document).
STREAM_SUFFIXES = (*TABLE_SUFFIXES, ".jsonl", ".ndjson")
#: A row whose first cells say this is a total, not a department.
TOTAL_WORDS = ("合计", "总计", "小计", "总合计", "合计数", "total")
#: Data files (not rule files) may be large; aliases stay bounded linearly in the file size.
MAX_DATA_BYTES = 2**30
BASE_NODES = 200_000


def _aliases(rs: RuleSet) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, model in rs.model.inputs.items():
        al = getattr(model, "aliases", None)
        if al:
            out[name] = tuple(al)
    return out


def load_columns(path: str | os.PathLike[str]) -> dict[str, str | None]:
    """A ``--columns`` file: ``{header: input id | id | name | year | parent | declared.total |
    declared.grade | declared.points.<id> | declared.targets.<id> | ... | null}`` (null: ignore
    the column), optionally under ``columns:``."""
    from .._yaml import load_yaml_file

    doc = load_yaml_file(path, error=DataError)
    data = doc.data
    if isinstance(data, Mapping) and isinstance(data.get("columns"), Mapping):
        data = data["columns"]
    if not isinstance(data, Mapping) or not all(
        v is None or isinstance(v, str) for v in data.values()
    ):
        raise DataError(
            [
                Problem(
                    "a columns file maps each header to an input id (or id, name, year, "
                    "parent, declared.total, declared.grade; null to ignore it)",
                    source=doc.source,
                    line=1,
                    column=1,
                )
            ]
        )
    return {str(k): v for k, v in data.items()}


class DataSource:
    """One data file (or frame) to be read against a rule set."""

    def __init__(
        self,
        uri: str,
        kind: str,
        opener: Callable[[Rank], Sheet] | Callable[[], Iterator[tuple[int, object]]],
        *,
        sha256: str | None = None,
        path: str | None = None,
        columns: Mapping[str, str | None] | None = None,
        total: int | None = None,
    ) -> None:
        self.uri = uri
        self.kind = kind  # "table" | "records"
        self._opener = opener
        self._sha256 = sha256
        self._path = path
        self.columns = dict(columns or {})
        self.notifications: list[Notification] = []
        self.rows_read = 0
        self.skipped_rows = 0
        #: the number of records when known before reading (JSON/YAML), else None
        self.total = total

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            h = hashlib.sha256()
            if self._path is not None:
                with open(self._path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
            self._sha256 = h.hexdigest()
        return self._sha256

    def _note(self, level: str, code: str, message: str, subject: str | None = None) -> None:
        self.notifications.append(Notification(level, code, message, subject))

    def records(self, rs: RuleSet) -> Iterator[Any]:
        """This source's subject records for ``rs``, streamed.  A file that cannot be read
        raises :class:`DataError` (rows already yielded stay yielded)."""
        self.notifications.clear()
        if self.kind == "records":
            yield from self._structured(rs)
            return
        inputs = rs.inputs
        aliases = _aliases(rs)
        cmap_cache: dict[tuple[str, ...], ColumnMap] = {}
        opener: Any = self._opener
        sheet: Sheet = opener(_rank(inputs, aliases, self.columns))
        cmap = map_columns(sheet.headers, inputs, aliases=aliases, columns=self.columns)
        cmap_cache[tuple(sheet.headers)] = cmap
        self._report_columns(sheet, cmap, rs)
        yield from self._rows(sheet, cmap, inputs)

    # -- tables ----------------------------------------------------------------------------
    def _report_columns(self, sheet: Sheet, cmap: ColumnMap, rs: RuleSet) -> None:
        where = f"{self.uri}" + (f" [{sheet.label}]" if sheet.kind == "xlsx" else "")
        for col, header, hint in cmap.unmapped:
            cell = (
                sheet.ref(sheet.header_row, col)
                if sheet.kind == "xlsx"
                else said(NOTICE, "column_at", n=col + 1)
            )
            self._note(
                "warning",
                "unmapped-column",
                said(
                    NOTICE,
                    "unmapped_column",
                    where=where,
                    header=repr(header),
                    cell=cell,
                    rules=rs.id,
                    hint=said(NOTICE, "column_hint", hint=repr(hint)) if hint else "",
                ),
            )
        for name, cols in cmap.duplicates:
            heads = ", ".join(repr(sheet.headers[c]) for c in cols)
            self._note(
                "error",
                "duplicate-column",
                said(NOTICE, "duplicate_column", where=where, heads=heads, name=repr(name)),
            )
        for name in cmap.missing_required:
            title = rs.inputs[name].title
            self._note(
                "error",
                "missing-column",
                said(
                    NOTICE,
                    "missing_column",
                    where=where,
                    name=repr(name),
                    title=said(NOTICE, "input_title", title=title) if title else "",
                ),
            )

    def _rows(
        self, sheet: Sheet, cmap: ColumnMap, inputs: Mapping[str, InputSpec]
    ) -> Iterator[Any]:
        seen = FirstSeen()  # exact, about 35 bytes an id (a dict of refs took ~300)
        targets = [
            (i, t) for i, t in enumerate(cmap.targets) if t is not None and t.kind != "ignore"
        ]
        id_col = next((i for i, t in targets if t.name == "id"), None)
        name_col = next((i for i, t in targets if t.name == "name"), None)
        key_col = id_col if id_col is not None else (name_col or 0)
        for number, cells, fmt in sheet.rows:
            self.rows_read += 1
            if all(is_blank(c) for c in cells):
                continue
            if _is_total_row(cells):
                self.skipped_rows += 1
                first = next(i for i, c in enumerate(cells) if not is_blank(c))
                self._note(
                    "note",
                    "total-row",
                    said(
                        NOTICE,
                        "total_row",
                        ref=sheet.ref(number, first),
                        label=repr(_clean(cells[first])),
                    ),
                )
                continue
            record = _record(sheet, number, cells, fmt, targets, inputs)
            sid = record.get("id")
            if sid is None:
                sid = record["id"] = record.get("name") or f"row-{number}"
            earlier = seen.first(str(sid), number)
            if earlier is not None:
                self._note(
                    "error",
                    "duplicate-id",
                    said(
                        NOTICE,
                        "duplicate_row_id",
                        ref=sheet.ref(number, key_col),
                        id=repr(sid),
                        first=sheet.ref(earlier, key_col),
                    ),
                    str(sid),
                )
            yield record

    # -- JSON / YAML / JSON Lines ----------------------------------------------------------
    def _structured(self, rs: RuleSet) -> Iterator[Any]:
        inputs = rs.inputs
        aliases = _aliases(rs)
        maps: dict[tuple[str, ...], ColumnMap] = {}
        opener: Any = self._opener
        for number, rec in opener():
            self.rows_read += 1
            if isinstance(rec, DataError):
                msg = str(rec.problems[0].message) if rec.problems else str(rec)
                yield _bad_record(f"line-{number}", f"line {number}: {msg}", inputs)
                continue
            if (
                number > 0
                and isinstance(rec, Mapping)
                and "values" not in rec
                and not any(k in inputs for k in rec if k not in ("id", "name"))
            ):
                # a flat line keyed by headers/titles: map it like a table row
                keys = tuple(str(k) for k in rec)
                cmap = maps.get(keys)
                if cmap is None:
                    cmap = maps[keys] = map_columns(
                        list(keys), inputs, aliases=aliases, columns=self.columns
                    )
                    sheet = Sheet(self.uri, self.uri, "csv", list(keys), iter(()), number)
                    self._report_columns(sheet, cmap, rs)
                sheet = Sheet(self.uri, self.uri, "line", list(keys), iter(()), number)
                targets = [
                    (i, t)
                    for i, t in enumerate(cmap.targets)
                    if t is not None and t.kind != "ignore"
                ]
                yield _record(sheet, number, list(rec.values()), None, targets, inputs)
                continue
            if number > 0 and isinstance(rec, Mapping):
                values = rec.get("values") if "values" in rec else rec
                if isinstance(values, Mapping) and "cells" not in rec:
                    rec = {**rec, "cells": {str(k): f"line {number}" for k in values}}
            yield rec


def _clean(v: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(v)).split())


def _is_total_row(cells: Sequence[object]) -> bool:
    for c in cells[:3]:
        if is_blank(c):
            continue
        text = _clean(c).casefold()
        return any(text.startswith(w) for w in TOTAL_WORDS)
    return False


def _meta_text(raw: object) -> object:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str):
        return unicodedata.normalize("NFKC", raw).strip()
    return raw


def _record(
    sheet: Sheet,
    number: int,
    cells: Sequence[object],
    fmt: Sequence[bool] | None,
    targets: Sequence[tuple[int, Target]],
    inputs: Mapping[str, InputSpec],
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    where: dict[str, str] = {}
    record: dict[str, Any] = {"values": values, "cells": where}
    for col, t in targets:
        raw = cells[col] if col < len(cells) else None
        if t.kind == "input":
            values[t.name] = convert_cell(
                t, inputs[t.name], raw, percent_format=bool(fmt and col < len(fmt) and fmt[col])
            )
            where[t.name] = _ref(sheet, number, col)
        elif is_blank(raw):
            continue
        elif t.name.startswith("declared."):
            claim = Decimal(repr(raw)) if isinstance(raw, float) else raw
            if isinstance(claim, str):
                claim = unicodedata.normalize("NFKC", claim).strip()
            # declared.total, or one indicator's claim: declared.points.<id>, .targets.<id> ...
            node = record.setdefault("declared", {})
            *path, leaf = t.name.split(".")[1:]
            for part in path:
                node = node.setdefault(part, {})
            node[leaf] = claim
        elif t.name == "year":
            text = _meta_text(raw)
            try:
                record["year"] = int(str(text).removesuffix("年"))
            except ValueError:
                record["year"] = text
        else:
            record[t.name] = _meta_text(raw)
    return record


def _ref(sheet: Sheet, number: int, col: int) -> str:
    if sheet.kind == "line":
        return f"line {number}, key {sheet.headers[col]}"
    return sheet.ref(number, col)


def _bad_record(sid: str, message: str, inputs: Mapping[str, InputSpec]) -> dict[str, Any]:
    from ..subjects import CellProblem

    return {"id": sid, "values": dict.fromkeys(inputs, CellProblem(message))}


def _rank(
    inputs: Mapping[str, InputSpec],
    aliases: Mapping[str, Sequence[str]],
    columns: Mapping[str, str | None],
) -> Rank:
    known = {header_key(k) for k in columns}
    for name, spec in inputs.items():
        known.add(header_key(name))
        if spec.title:
            known.add(header_key(spec.title))
        known.update(header_key(a) for a in aliases.get(name, ()))
    from .columns import META_WORDS

    known.update(header_key(w) for words in META_WORDS.values() for w in words)

    def rank(cells: Sequence[object]) -> int:
        n = 0
        for c in cells:
            if (
                isinstance(c, str)
                and c.strip()
                and (header_key(c) in known or header_key(split_unit(c)[0]) in known)
            ):
                n += 1
        return n

    return rank


# --- opening files -------------------------------------------------------------------------------


def _files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and p.suffix.lower() in DATA_SUFFIXES
        and not p.name.startswith((".", "~$"))
        and not p.name.endswith(".tests.yaml")
    )


def open_data(
    path: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> list[DataSource]:
    """One :class:`DataSource` per data file at ``path`` (a folder: every data file in it,
    sorted).  Nothing is read yet; a file that cannot be read fails when its records are."""
    p = Path(path)
    if p.is_dir():
        found = _files(p)
        if not found:
            raise DataError(
                [
                    Problem(
                        f"no data files ({' '.join(DATA_SUFFIXES)}) in this folder", source=str(p)
                    )
                ]
            )
        return [_source(f, sheet, columns) for f in found]
    return [_source(p, sheet, columns)]


def _source(path: Path, sheet: str | None, columns: Mapping[str, str | None] | None) -> DataSource:
    uri = os.fspath(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return DataSource(
            uri, "table", lambda rank: read_xlsx(path, rank, sheet=sheet), path=uri, columns=columns
        )
    if suffix in (".parquet", ".pq"):
        return DataSource(uri, "table", lambda rank: read_parquet(path), path=uri, columns=columns)
    if suffix in (".jsonl", ".ndjson"):
        return DataSource(uri, "records", lambda: read_jsonl(path), path=uri, columns=columns)
    if suffix in (".csv", ".tsv", ".tab"):
        return DataSource(
            uri, "table", lambda rank: read_csv(path, rank), path=uri, columns=columns
        )
    return _document_source(path, columns)


def _document_source(path: Path, columns: Mapping[str, str | None] | None) -> DataSource:
    """JSON/YAML: the whole document is read (one subject, a list, or ``subjects: [...]``)."""

    def opener() -> Iterator[tuple[int, object]]:
        records, _ = read_document(path)
        for rec in records:
            yield 0, rec

    uri = os.fspath(path)
    return DataSource(uri, "records", opener, path=uri, columns=columns)


def read_document(path: str | os.PathLike[str]) -> tuple[tuple[Any, ...], str]:
    """Records of a JSON or YAML data file and its sha256.

    Well-formed JSON without duplicate keys is read by the standard library (numbers as exact
    decimals, about a second for 100,000 subjects); anything else by the safe, located YAML
    loader, sized for a data file: an alias-free document loads whatever its number of nodes,
    while alias expansion stays bounded (linearly in the file size).  A duplicate key inside
    one record rejects that record only (its findings name the key and line); one outside
    every record rejects the file."""
    from .._yaml import load_yaml_file

    name = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise DataError([Problem(f"cannot read file: {exc.strerror or exc}", source=name)]) from exc
    data: Any = _NOT_READ
    digest = ""
    if name.lower().endswith(".json") and size <= MAX_DATA_BYTES:
        data, digest = _fast_json(path)
    duplicates: list[Problem] = []
    if data is _NOT_READ:
        with collector_paused():  # many small objects that all survive (see perfscore._gc)
            doc = load_yaml_file(
                path,
                error=DataError,
                max_bytes=MAX_DATA_BYTES,
                max_nodes=BASE_NODES + size,
                duplicates=duplicates,
            )
        data, digest = doc.data, doc.sha256
    prefix: tuple[str | int, ...] | None
    if isinstance(data, Mapping) and isinstance(data.get("subjects"), list):
        records, prefix = tuple(data["subjects"]), ("subjects",)
    elif isinstance(data, list):
        records, prefix = tuple(data), ()
    elif isinstance(data, Mapping):
        records, prefix = (data,), None
    else:
        raise DataError(
            [
                Problem(
                    "expected a subject (a mapping) or a list of subjects",
                    source=name,
                    line=1,
                    column=1,
                )
            ]
        )
    if duplicates:
        records = _reject_records(records, prefix, duplicates)
    return records, digest


def _reject_records(
    records: tuple[Any, ...], prefix: tuple[str | int, ...] | None, problems: list[Problem]
) -> tuple[Any, ...]:
    bad: dict[int, list[str]] = {}
    for p in problems:
        if prefix is None:  # the file is one record
            index: object = 0
        elif p.path[: len(prefix)] == prefix and len(p.path) > len(prefix) + 1:
            index = p.path[len(prefix)]
        else:
            raise DataError(problems)  # a duplicate outside every record: the file is wrong
        assert isinstance(index, int)
        bad.setdefault(index, []).append(str(p))
    return tuple(
        RejectedRecord(r, "; ".join(bad[i])) if i in bad else r for i, r in enumerate(records)
    )


_NOT_READ: Any = object()
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def _fast_json(path: str | os.PathLike[str]) -> tuple[Any, str]:
    """The document by the standard library, or ``_NOT_READ`` when it is not plain JSON
    (a syntax error, a duplicate key, YAML in a .json file): the located loader then says why."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return _NOT_READ, ""
    try:
        text = raw.decode(detect_encoding(raw[: 1 << 16]))
        if _ESCAPED_SURROGATE.search(text):
            return _NOT_READ, ""  # the located loader repairs lone surrogates (textsafe)
        with collector_paused():
            data = json.loads(
                text,
                parse_float=Decimal,
                parse_constant=Decimal,
                object_pairs_hook=_no_duplicates,
            )
    except (json.JSONDecodeError, _DuplicateKey, UnicodeDecodeError, RecursionError):
        return _NOT_READ, ""
    return data, hashlib.sha256(raw).hexdigest()


def open_frame(
    obj: object, *, source: str = "<frame>", columns: Mapping[str, str | None] | None = None
) -> DataSource:
    """A pandas/polars DataFrame or a pyarrow Table as a data source."""
    return DataSource(
        source, "table", lambda rank: read_frame(obj, source=source), sha256="", columns=columns
    )


def read_sources(
    rs: RuleSet, sources: Iterable[DataSource], notifications: list[Notification]
) -> Iterator[Any]:
    """Records of every source in turn.  A source that cannot be read (or stops being
    readable half-way) adds an ``error`` notification naming the file and the problem; the
    other sources are still read.  Each source's own notifications are appended after it."""
    for src in sources:
        try:
            yield from src.records(rs)
        except (DataError, OSError, UnicodeError, ValueError) as exc:
            if isinstance(exc, DataError) and exc.problems:
                what = "; ".join(str(p) for p in exc.problems[:3])
            else:
                what = f"{src.uri}: {exc}"
            src.notifications.append(
                Notification("error", "unreadable-file", f"cannot read {what}")
            )
        notifications.extend(src.notifications)
