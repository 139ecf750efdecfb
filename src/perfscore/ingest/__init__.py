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

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError, Problem
from ..findings import Notification
from .documents import open_document, read_document
from .readers import (
    detect_encoding,
    frame_kind,
    read_csv,
    read_frame,
    read_jsonl,
    read_parquet,
    read_xlsx,
)
from .source import UNREADABLE, DataSource, RawRow

if TYPE_CHECKING:
    from ..ruleset import RuleSet

__all__ = [
    "DATA_SUFFIXES",
    "STREAM_SUFFIXES",
    "DataSource",
    "RawRow",
    "detect_encoding",
    "frame_kind",
    "load_columns",
    "open_data",
    "open_document",
    "open_frame",
    "read_document",
    "read_sources",
]

TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq")
RECORD_SUFFIXES = (".jsonl", ".ndjson", ".json", ".yaml", ".yml")
DATA_SUFFIXES = TABLE_SUFFIXES + RECORD_SUFFIXES
#: Read as a stream of rows or lines (every other file is one JSON/YAML document).
STREAM_SUFFIXES = (*TABLE_SUFFIXES, ".jsonl", ".ndjson")


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
    """JSON/YAML: one subject, a list, or ``subjects: [...]`` (a plain list streams)."""

    def opener() -> Iterator[tuple[int, object]]:
        _, _, records = open_document(path)  # a plain list of subjects streams
        for rec in records():
            yield 0, rec

    uri = os.fspath(path)
    return DataSource(uri, "records", opener, path=uri, columns=columns)


def open_frame(
    obj: object, *, source: str = "<frame>", columns: Mapping[str, str | None] | None = None
) -> DataSource:
    """A pandas/polars DataFrame or a pyarrow Table as a data source."""
    return DataSource(
        source, "table", lambda rank: read_frame(obj, source=source), sha256="", columns=columns
    )


def read_sources(
    rs: RuleSet,
    sources: Iterable[DataSource],
    notifications: list[Notification],
    *,
    raw: bool = False,
) -> Iterator[Any]:
    """Records of every source in turn.  A source that cannot be read (or stops being
    readable half-way) adds an ``error`` notification naming the file and the problem; the
    other sources are still read.  Each source's own notifications are appended after it.
    ``raw``: tables' rows as :class:`~perfscore.ingest.source.RawRow` (see
    :meth:`DataSource.records`)."""
    for src in sources:
        try:
            yield from src.records(rs, raw=raw)
        except UNREADABLE as exc:
            src.unreadable(exc)
        notifications.extend(src.notifications)
