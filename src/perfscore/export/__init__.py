"""Exporters: every output format is a pure function ``Report -> bytes``.

The findings document (:meth:`perfscore.Report.to_json`) is the contract; the formats here are
views of it for tools (JSON Lines, CSV, SARIF, JUnit XML) and for people (table, Markdown,
HTML, Excel).  Formats live in a registry instance so a plugin can add one with
``@EXPORTERS.register(...)``.  JSON Lines can also be streamed while a batch is scored
(:func:`perfscore.stream.stream_jsonl`, on :func:`write_jsonl`), so a large batch never sits
in memory.  Exporters read a :class:`~perfscore.Report` only, never the rule set.
"""

from __future__ import annotations

# Formats register themselves on import (this order is the order ``--help`` lists them in).
from . import basic, csvfile, htmlreport, jsonl, junit, markdown, parquet, sarif, xlsx
from ._common import atomic_writer, write_atomic
from ._registry import (
    EXPORTERS,
    Exporter,
    ExporterRegistry,
    ExportOptions,
    Format,
    ShardForm,
    export,
    render,
)
from .jsonl import JsonlWriter, report_to_jsonl, stream_run_id, write_jsonl

__all__ = [
    "EXPORTERS",
    "ExportOptions",
    "Exporter",
    "ExporterRegistry",
    "Format",
    "JsonlWriter",
    "ShardForm",
    "atomic_writer",
    "basic",
    "csvfile",
    "export",
    "htmlreport",
    "jsonl",
    "junit",
    "markdown",
    "parquet",
    "render",
    "report_to_jsonl",
    "sarif",
    "stream_run_id",
    "write_atomic",
    "write_jsonl",
    "xlsx",
]
