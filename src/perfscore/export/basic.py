"""The two formats that existed before the registry: the terminal table and the JSON document."""

from __future__ import annotations

import io

from ..findings import Report, dumps
from ..terminal import render_report
from ._registry import EXPORTERS, ExportOptions
from .lean import lean_document


@EXPORTERS.register("table", extensions=(".txt",), description="readable tables (default)")
def table(report: Report, options: ExportOptions) -> bytes:
    buf = io.StringIO()
    render_report(report, buf, lang=options.lang, width=120)
    return buf.getvalue().encode("utf-8")


@EXPORTERS.register("json", extensions=(".json",), description="the findings document")
def json_document(report: Report, options: ExportOptions) -> bytes:
    if options.lean:
        return dumps(lean_document(report.to_dict()), indent=None).encode("utf-8")
    return report.to_json().encode("utf-8")
