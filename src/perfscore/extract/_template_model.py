"""What a loaded extraction template is (:class:`Template`, with a :class:`SectionSpec` per
section and a :class:`FieldSpec` per field) and the words a template file may use (find kinds,
types, outputs, keys)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from perfscore.errors import RuleSetError
from perfscore.extract._indicators import IndicatorSpec
from perfscore.extract._table import TableSpec
from perfscore.extract._vocab import Vocabulary

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
