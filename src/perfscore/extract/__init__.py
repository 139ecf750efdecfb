"""``perfscore extract``: read a 部门整体支出绩效自评报告 (text, .docx, PDF) into subject data.

A declarative template (YAML) says which figures to find, in which section, with which
patterns, units and types; every value keeps the place in the original report it came from.

    >>> from perfscore.extract import extract_report
    >>> result = extract_report("report.txt", "cn-dept-self-eval")   # doctest: +SKIP
    >>> rs.evaluate(result.to_subject())                              # doctest: +SKIP
"""

from perfscore.extract._text import Span
from perfscore.extract.engine import (
    extract_folder,
    extract_lines,
    extract_report,
    subjects_from_reports,
)
from perfscore.extract.result import ExtractResult, dump_subjects
from perfscore.extract.template import (
    BUILTIN_TEMPLATES,
    FieldSpec,
    SectionSpec,
    Template,
    TemplateError,
    load_template,
)

__all__ = [
    "BUILTIN_TEMPLATES",
    "ExtractResult",
    "FieldSpec",
    "SectionSpec",
    "Span",
    "Template",
    "TemplateError",
    "dump_subjects",
    "extract_folder",
    "extract_lines",
    "extract_report",
    "load_template",
    "subjects_from_reports",
]
