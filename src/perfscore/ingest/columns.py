"""Columns to inputs: which header feeds which input, and what a cell becomes on the way.

A header is matched, after NFKC and without spaces, quotes or case, against (in this order) the
``--columns`` mapping, each input's id, its ``title`` and its ``aliases``, and the subject
metadata words (``id``/编号, ``name``/部门名称, ``year``/年度, ``parent``/主管部门, 自评得分 →
``declared.total``, 自评等级 → ``declared.grade``).  A unit in brackets at the end of a header
(``全年预算数（元）``) is split off and compared with the input's unit.

Cells are converted *exactly* (Decimal) before the subject reader sees them, by the reading
every format shares (:func:`perfscore.rawvalue.read_number`: a JSON value with the cell's text
means what the cell means); only what a table alone has is applied here:

* a header's unit (``全年预算数（元）``) scales the plain numbers under it exactly; a unit
  that cannot be converted is refused, never ignored;
* an Excel cell formatted as a percentage holds the ratio (``98%`` is 0.98);
* a bare number between 0 and 1 in a percent input (``0.98``, ``1``) is left for the reader to
  refuse as *ambiguous* — 0.98 % or 98 % — as it does in JSON;
* blanks (:data:`perfscore.rawvalue.BLANK_TEXTS`: empty, ``-``, ``—``, ``/``) are missing.

A cell that cannot be read becomes a :class:`~perfscore.subjects.CellProblem`: the subject
reader turns it into an ``error`` finding naming the field and the cell.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import did_you_mean
from ..rawvalue import BLANK_TEXTS, MONEY_UNITS, plain_number, read_number
from ..subjects import CellProblem, InputSpec, whole_number_text
from ..words import DATA, said
from .seriescols import AROUND, element_spec, split_year

__all__ = [
    "META_WORDS",
    "MONEY_UNITS",
    "ColumnMap",
    "Target",
    "convert_cell",
    "header_key",
    "map_columns",
    "series_words",
    "split_unit",
]

#: Header words for the subject's metadata (the agreed record keys).
META_WORDS: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "编号",
        "编码",
        "代码",
        "部门编码",
        "部门代码",
        "单位编码",
        "单位代码",
        "项目编码",
    ),
    "name": ("name", "名称", "部门", "单位", "部门名称", "单位名称", "预算单位", "项目名称"),
    "type": ("type", "类型", "对象类型"),
    "key": ("key", "部门标识"),
    "year": ("year", "period", "年度", "年份", "预算年度", "评价年度"),
    "parent": ("parent", "主管部门", "上级部门", "主管单位"),
    "declared.total": ("declared.total", "自评得分", "自评分", "自评总分"),
    "declared.grade": ("declared.grade", "自评等级", "自评结果等级"),
}
#: Columns that are never data (a row counter); not reported as unmapped.
IGNORED_WORDS = ("序号", "行次", "栏次", "no", "no.", "#", "备注")
_UNIT_TAIL = re.compile(r"^(.*?)\s*[（(\[【]\s*(?:单位[:：]\s*)?([^（()\[\]【】]*?)\s*[）)\]】]$")
_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』`")


def header_key(text: str) -> str:
    """A header as compared: NFKC, no whitespace or quotes, case-folded."""
    norm = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return "".join(norm.split()).rstrip("*").casefold()  # a trailing * marks "required"


def split_unit(header: str) -> tuple[str, str | None]:
    """``全年预算数（万元）`` → (``全年预算数``, ``万元``); ``预算数/元`` → (``预算数``, ``元``)."""
    norm = unicodedata.normalize("NFKC", header).strip().rstrip("*").rstrip()
    m = _UNIT_TAIL.match(norm)
    if m and m.group(1):
        return m.group(1), (m.group(2).strip() or None)
    if "/" in norm:
        base, _, unit = norm.rpartition("/")
        if base and is_unit(unit.strip()):
            return base, unit.strip()
    return norm, None


def is_unit(text: str) -> bool:
    """A unit a header may end in (money, %, counts)."""
    return text in MONEY_UNITS or text in ("%", "人", "项", "个", "次", "分", "天")


#: In a percent column that holds ratios, a bare number from 1 up to this is refused (1.05:
#: 1.05 % or 105 %?); from here up it is percentage points in any column (perfscore.ingest.
#: ratiocols).
RATIO_POINTS = Decimal(2)


@dataclass(frozen=True)
class Target:
    """Where one column goes: an input (``kind="input"``), subject metadata (``"meta"``, name
    ``id``/``name``/... or ``declared.total``), or nowhere (``"ignore"``)."""

    kind: str
    name: str
    header: str
    unit: str | None = None  # the header's unit, when it says one
    scale: Decimal | None = None  # multiply cells by this (header unit → input unit)
    refused: str | None = None  # the column's unit cannot be converted: every cell refused
    percent_header: bool = False
    #: a percent column that holds ratios (perfscore.ingest.ratiocols): its bare cells above 1
    #: are refused too, as those at most 1 are
    ratios: bool = False
    #: ``kind="series"``: the year this column holds of series input ``name``
    #: (perfscore.ingest.seriescols)
    year: int | None = None


@dataclass
class ColumnMap:
    targets: list[Target | None]
    unmapped: list[tuple[int, str, str | None]]  # (column index, header, suggestion)
    missing_required: list[str]
    duplicates: list[tuple[str, list[int]]]

    def has(self, name: str) -> bool:
        return any(t is not None and t.name == name for t in self.targets)


def _lookup(
    inputs: Mapping[str, InputSpec], aliases: Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for meta, words in META_WORDS.items():
        for w in words:
            table.setdefault(header_key(w), ("meta", meta))
    for w in IGNORED_WORDS:
        table.setdefault(header_key(w), ("ignore", w))
    # inputs win over metadata words (a rule set may well have an input titled 单位)
    for name, spec in inputs.items():
        for word in (spec.title, *aliases.get(name, ())):
            if word:
                table[header_key(word)] = ("input", name)
    for name in inputs:
        table[header_key(name)] = ("input", name)
    return table


def map_columns(
    headers: Sequence[str],
    inputs: Mapping[str, InputSpec],
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> ColumnMap:
    """Map each header to a :class:`Target` (or ``None`` when nothing matches)."""
    table = _lookup(inputs, aliases or {})
    user = {header_key(k): v for k, v in (columns or {}).items()}
    targets: list[Target | None] = []
    unmapped: list[tuple[int, str, str | None]] = []
    series: dict[str, str] | None = None  # series inputs' words, when a header needs them
    for i, header in enumerate(headers):
        text = "" if header is None else str(header)
        if not text.strip():
            targets.append(None)
            continue
        base, unit = split_unit(text)
        found: tuple[str, str] | None = None
        for key in (header_key(text), header_key(base)):
            if key in user:
                value = user[key]
                if value is None or value == "ignore":
                    found = ("ignore", text)
                elif value in inputs:
                    found = ("input", value)
                else:
                    found = ("meta", value)
                break
            if key in table:
                found = table[key]
                break
        if key == header_key(text) and found is not None and found[0] == "input":
            # the whole header is the title (it may end in brackets that are not a unit)
            spec = inputs[found[1]]
            if spec.title and header_key(spec.title) == header_key(text):
                unit = None
        if found is None or (found[0] == "input" and inputs[found[1]].type == "series"):
            if series is None:
                series = series_words(inputs, aliases or {})
            year_column = _series_target(text, inputs, series)
            if year_column is not None:
                targets.append(year_column)
                continue
        if found is None:
            hint = did_you_mean(base, [*inputs, *(s.title for s in inputs.values() if s.title)])
            unmapped.append((i, text, hint))
            targets.append(None)
            continue
        kind, name = found
        if kind != "input":
            targets.append(Target(kind, name, text, unit))
            continue
        targets.append(_input_target(inputs[name], text, unit))
    seen: dict[tuple[str, int | None], list[int]] = {}
    for i, t in enumerate(targets):
        if t is not None and t.kind != "ignore":
            seen.setdefault((t.name, t.year), []).append(i)
    duplicates = [
        (n if year is None else f"{n}[{year}]", idx)
        for (n, year), idx in seen.items()
        if len(idx) > 1
    ]
    given = {n for n, _ in seen}
    missing = [n for n, s in inputs.items() if s.required and n not in given]
    return ColumnMap(targets, unmapped, missing, duplicates)


def _series_target(
    header: str, inputs: Mapping[str, InputSpec], series: Mapping[str, str]
) -> Target | None:
    """A year column of a series input (``2022年预算执行率``; perfscore.ingest.seriescols), its
    unit and scale as one year's value would have them; None when ``header`` is not one."""
    base, unit = split_unit(header)
    tries: list[tuple[str, str | None]] = [(header, None)]
    if unit is not None and is_unit(unit):
        tries.append((base, unit))
    for text, said_unit in tries:
        parts = split_year(text)
        if parts is None:
            continue
        name = series.get(header_key(parts[0]))
        if name is None:
            continue
        t = _input_target(element_spec(inputs[name]), header, said_unit)
        return dataclasses.replace(t, kind="series", year=parts[1])
    return None


def _input_target(spec: InputSpec, header: str, unit: str | None) -> Target:
    name = spec.name
    if unit is None:
        return Target("input", name, header)
    want = spec.unit
    if unit == "%":
        if spec.type == "percent":
            return Target("input", name, header, unit, percent_header=True)
        if spec.type == "number":
            return Target("input", name, header, unit, Decimal("0.01"), percent_header=True)
        return Target(
            "input",
            name,
            header,
            unit,
            refused=said(
                DATA,
                "column_percent",
                type=said(DATA, f"type_{spec.type}"),
                unit=said(DATA, "in_unit", unit=want) if want else "",
            ),
        )
    if unit in MONEY_UNITS:
        if want in MONEY_UNITS:
            scale = MONEY_UNITS[unit] / MONEY_UNITS[want]
            return Target("input", name, header, unit, None if scale == 1 else scale)
        if want is None and spec.type == "money":
            return Target("input", name, header, unit)
        return Target(
            "input",
            name,
            header,
            unit,
            refused=said(DATA, "column_unit", unit=unit, want=want or said(DATA, "no_unit")),
        )
    if want in MONEY_UNITS:
        return Target(
            "input",
            name,
            header,
            unit,
            refused=said(DATA, "column_unit", unit=unit, want=want),
        )
    return Target("input", name, header, unit)  # counts (人, 项, 个): no scaling


# --- cells ---------------------------------------------------------------------------------------


def is_blank(raw: object) -> bool:
    """A blank cell: nothing, NaN (a frame's blank) or :data:`~perfscore.rawvalue.BLANK_TEXTS`."""
    if raw is None:
        return True
    if isinstance(raw, float) and raw != raw:  # NaN from a frame: a missing value
        return True
    if isinstance(raw, str):
        return unicodedata.normalize("NFKC", raw).strip() in BLANK_TEXTS
    return False


def _decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(float.__repr__(raw))
    return None


def convert_cell(
    target: Target, spec: InputSpec, raw: object, *, percent_format: bool = False
) -> Any:
    """The value handed to the subject reader for one cell (or a :class:`CellProblem`): what
    the cell means in the input's unit, as a JSON or YAML value with the same text would mean
    (the subject reader reads both alike); the header's unit and Excel's % format are applied
    here, as only a table has them."""
    if is_blank(raw):
        return None
    if target.refused is not None:
        return CellProblem(target.refused)
    t = spec.type
    if t in ("number", "money", "percent", "integer"):
        return _number_cell(target, spec, raw, percent_format)
    if t == "text":
        if isinstance(raw, bool):
            return raw
        whole = whole_number_text(raw)  # the one rule for numbers in text fields
        if whole is not None:
            return whole
    return raw


def _number_cell(target: Target, spec: InputSpec, raw: object, percent_format: bool) -> Any:
    percent_input = spec.type == "percent"
    number = _decimal(raw)
    if number is None:
        if not isinstance(raw, str):
            return raw  # the reader refuses it with its usual message
        try:
            number, said_unit = read_number(
                raw, spec.unit, percent=percent_input, ratio=spec.type == "number"
            )
        except ValueError as e:
            return CellProblem(e.args[0])
        if said_unit:
            # "0.98%": the reader reads the text the same, and a bare 0.98 it would refuse
            return raw if percent_input and 0 < number <= 1 else number
    if percent_input:
        if percent_format:  # an Excel cell formatted as a percentage holds the ratio
            points = number * 100
            return f"{plain_number(points)}%" if 0 < points <= 1 else points
        if target.ratios and 1 < number < RATIO_POINTS:  # 1.05 among ratios: 105 % or 1.05 %?
            return CellProblem(
                said(DATA, "ratio_cell", value=plain_number(number), pct=plain_number(number * 100))
            )
        return number  # bare: the reader refuses 0 < x <= 1 as ambiguous, as in JSON
    if percent_format and spec.type == "number":
        return number  # a ratio shown as a percentage: the cell holds the ratio
    if target.scale is not None:
        return number * target.scale
    return number


def series_words(
    inputs: Mapping[str, InputSpec], aliases: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """The words a year column may carry for each series input: its id, title and aliases,
    and its title without 近三年/历年/各年 before it or a bracket after it (a column is one
    year's figure: ``2023年预算执行率`` under a series titled ``预算执行率（历年）``).  Keys
    compared as headers are (:func:`~perfscore.ingest.columns.header_key`)."""
    words: dict[str, str] = {}
    for name, spec in inputs.items():
        if spec.type != "series":
            continue
        given = [name, *(w for w in (spec.title, *aliases.get(name, ())) if w)]
        for word in given:
            words.setdefault(header_key(word), name)
        for word in given[1:]:
            norm = unicodedata.normalize("NFKC", word).strip()
            m = AROUND.match(norm)
            if m and m.group("b").strip():
                words.setdefault(header_key(m.group("b")), name)
    return words
