"""A series input read from a table: one column a year (``2022年预算执行率``, ``预算执行率2023``,
``预算执行率（2024年）``), the way a bureau's spreadsheet lays out 近三年 figures.

A header is a year column of series input ``s`` when, without its year (and a unit in brackets
at its end), it names ``s`` as any header does — its id, its ``title`` or an alias — and nothing
else in the rule set has that header whole.  A row's cells make the mapping ``{year: cell}`` a
JSON record would hold, each cell read as one value of the series' ``of`` type (the header's
unit and Excel's % format applied as in any column); a blank cell is a year with no value, and a
row whose cells for the series are all blank gives no series at all (a missing input, as a blank
cell is).  A cell that cannot be read makes the whole series an error naming its year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ..subjects import CellProblem, InputSpec
from ..words import DATA, said

__all__ = ["AROUND", "by_series", "element_spec", "series_value", "split_year"]

_YEAR = r"(?P<y>(?:19|20)\d{2})"
_SEP = r"[\s_\-—–·.]*"
#: ``2022年预算执行率``, ``2022年度 预算执行率``, ``2022_预算执行率``
_HEAD = re.compile(rf"^{_YEAR}(?:年度|年)?{_SEP}(?P<b>\D.*)$")
#: ``预算执行率2022``, ``预算执行率_2022年``, ``预算执行率(2022年度)``, ``预算执行率[2022]``
_TAIL = re.compile(rf"^(?P<b>.*?\D){_SEP}[(\[【]?{_YEAR}(?:年度|年)?[)\]】]?$")


def split_year(header: str) -> tuple[str, int] | None:
    """``2022年预算执行率`` → (``预算执行率``, 2022); None when the header carries no year at its
    start or end.  The header is compared after NFKC (full-width brackets and digits read as
    their ASCII forms); a bracket must close what it opens."""
    norm = unicodedata.normalize("NFKC", header).strip().rstrip("*").rstrip()
    for pattern in (_HEAD, _TAIL):
        m = pattern.match(norm)
        if m is None:
            continue
        base = m.group("b").strip(" _-—–·.")
        whole = m.group(0)
        opened = sum(whole.count(c) for c in "([【")
        closed = sum(whole.count(c) for c in ")]】")
        if base and opened == closed:
            return base, int(m.group("y"))
    return None


#: what a series' title may say around the name a year column repeats: 预算执行率（历年）,
#: 近三年预算执行率, 历年预算执行率
AROUND = re.compile(
    r"^(?:近[一二三四五六七八九十\d]+年|历年|各年度?|逐年)?(?P<b>.*?)(?:\([^()]*\))?$"
)


def element_spec(spec: InputSpec) -> InputSpec:
    """One year's value of series input ``spec``: a value of its ``of`` type, with its unit
    and bounds (as the subject reader checks each year of a series)."""
    return InputSpec(spec.name, spec.of, unit=spec.unit, min=spec.min, max=spec.max)


def series_value(cells: Sequence[tuple[int, Any]]) -> Any:
    """A row's ``(year, converted cell)`` pairs for one series input → what the subject reader
    takes: ``{year: value}``; None when every cell is blank; the first unreadable cell's
    :class:`CellProblem`, naming its year.  A year given twice keeps its later column, as a
    record keeps a later key."""
    years: dict[int, Any] = {}
    for year, cell in cells:
        if isinstance(cell, CellProblem):
            return CellProblem(said(DATA, "in_year", year=year, problem=cell.message))
        years[year] = cell
    if all(v is None for v in years.values()):
        return None
    return years


def by_series(targets: Sequence[tuple[int, Any]]) -> Mapping[str, list[tuple[int, Any]]]:
    """The year columns of each series input, in column order: ``{name: [(column, target)]}``."""
    found: dict[str, list[tuple[int, Any]]] = {}
    for col, t in targets:
        if t.kind == "series":
            found.setdefault(t.name, []).append((col, t))
    return found
