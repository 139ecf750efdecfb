"""The data files ``perfscore score`` reads: every file (or folder of reports, with
``--template``) named on its command line, and which of them can be hashed for the run id."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TextIO

from ..errors import DataError
from ..findings import Notification
from ..ingest import DataSource
from ..outputs import cli_lang
from ..terminal import ReadingProgress

__all__ = ["data_sources", "hashed"]


def data_sources(
    args: argparse.Namespace, notes: list[Notification], stderr: TextIO
) -> list[DataSource]:
    """Every data file to read.  JSON/YAML documents are read now: with one data file its
    problem stops the run (exit 3, as before); with several, an unreadable file becomes an
    ``unreadable-file`` error notification and the others are scored."""
    from ..ingest import load_columns, open_data, open_document

    if args.template:
        from ..extract import subjects_from_reports

        records = tuple(subjects_from_reports(args.data, args.template))
        return [
            DataSource(
                "reports",
                "records",
                lambda: ((0, r) for r in records),
                sha256="",
                total=len(records),
            )
        ]
    columns = load_columns(args.columns) if args.columns else None
    sources: list[DataSource] = []
    several = len(args.data) > 1
    for path in args.data:
        try:
            found = open_data(path, sheet=args.sheet, columns=columns)
        except DataError as e:
            if not several:
                raise
            notes.append(Notification("error", "unreadable-file", f"cannot read {e}"))
            continue
        for src in found:
            if src.kind == "records" and not src.uri.lower().endswith((".jsonl", ".ndjson")):
                try:  # read through now (a plain list of subjects streams: read again later)
                    with ReadingProgress(src.uri, stderr, lang=cli_lang()) as reading:
                        count, digest, docs = open_document(src.uri)
                        reading.records = count
                except DataError as e:
                    if not several and len(found) == 1:
                        raise
                    notes.append(Notification("error", "unreadable-file", f"cannot read {e}"))
                    continue
                sources.append(
                    DataSource(
                        src.uri,
                        "records",
                        lambda r=docs: ((0, x) for x in r()),
                        sha256=digest,
                        total=count,
                    )
                )
            else:
                sources.append(src)
    return sources


def hashed(sources: Sequence[DataSource], notes: list[Notification]) -> list[DataSource]:
    """Sources whose bytes can be hashed (the run id needs them before scoring)."""
    ok = []
    for src in sources:
        try:
            _ = src.sha256
        except OSError as e:
            notes.append(
                Notification("error", "unreadable-file", f"cannot read {src.uri}: {e.strerror}")
            )
            continue
        ok.append(src)
    return ok
