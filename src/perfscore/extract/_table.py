"""Read the tables of a 项目支出绩效自评表 however the text arrives flattened.

A form's funds table has a header row (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分)
above a 年度资金总额 row and 其中：财政资金 / 其他资金 rows.  Text taken from such a form arrives
as pipe rows, one cell per line (often ending in `` |``), one cell per paragraph with blank
lines between (a label even split across two cells: 年初 / 预算数), a whole table on one line
separated by spaces, or — from a scan — cells glued together (``得分年度资金总额:202010100.00%10``)
and misread (万兀, IO for 10).

The reader does not care which: it cuts the text into *items* (column labels, row labels,
numbers, blanks such as ``—``, other text), finds a header (a run of column labels), and reads a
row as the numbers that follow its label.  Cells are mapped to the header's columns by
position.  When the count does not match (an empty cell left out, digits glued together), every
way of splitting glued digits and of leaving cells empty is tried, and a reading is accepted only
when exactly one of them agrees with what the row itself prints — 执行数 / 全年预算数 rounded as
the printed 执行率, 得分 ≤ 分值 — otherwise the row is not read (never guessed).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["Cell", "RowSpec", "TableReader", "TableSpec"]

_MAX_CANDIDATES = 20_000
_OCR_DIGIT = re.compile(r"(?<=[0-9.])[OoIl]|[OoIl](?=[0-9.])|(?<![A-Za-z])I[O0](?![A-Za-z])")
_OCR_MAP = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
_PUNCT = set(":;,.、。()（）[]【】\"'“”")


@dataclass(frozen=True)
class RowSpec:
    """A row of a table: its labels, and (optionally) its own cells, read by position."""

    id: str
    labels: tuple[str, ...]
    cells: tuple[str, ...] = ()  # column ids, when the row is read without the header


@dataclass(frozen=True)
class TableSpec:
    """A table the template knows: column and row labels, the unit when the header has none."""

    id: str
    title: str
    columns: Mapping[str, tuple[str, ...]]
    rows: Mapping[str, RowSpec]
    percent: tuple[str, ...]  # column ids whose cells are percentages (执行率)
    unit: str | None = None
    min_columns: int = 3
    checks: Mapping[str, str] | None = None  # roles: budget / executed / rate / weight / score
    total: str | None = None  # the row that is the sum of the others (年度资金总额)


@dataclass(frozen=True)
class Cell:
    """One cell's value, and where it is in the normalised text."""

    value: Decimal
    start: int
    end: int
    unit: str | None


@dataclass
class _Item:
    kind: str  # col, row, num, blank, text
    start: int
    end: int
    key: str = ""  # column or row id
    raw: str = ""
    percent: bool = False


def _covers(total: Mapping[str, Cell], part: Mapping[str, Cell]) -> bool:
    """Every amount of ``part`` is at most the same column of ``total``."""
    return all(
        col not in total or cell.unit is None or total[col].value >= cell.value
        for col, cell in part.items()
    )


def _number_ok(raw: str) -> bool:
    digits = raw.rstrip("%").replace(",", "")
    if not digits or digits.count(".") > 1 or digits.startswith(".") or digits.endswith("."):
        return False
    whole = digits.split(".")[0]
    return not (len(whole) > 1 and whole.startswith("0"))


def _splits(raw: str, parts: int) -> list[list[str]]:
    """Ways to cut glued digits into ``parts`` numbers (a ``%`` stays on the last one)."""
    if parts == 1:
        return [[raw]] if _number_ok(raw) else []
    out: list[list[str]] = []
    body = raw.rstrip("%")
    for cut in range(1, len(body)):
        head = body[:cut]
        if not _number_ok(head) or "," in head:
            continue
        if "." in head and len(head.split(".")[1]) > 2:
            continue  # glued cells are cut after whole amounts, 1 or 2 decimals
        for rest in _splits(raw[cut:], parts - 1):
            out.append([head, *rest])
    return out


class TableReader:
    """The items of one report's text, cut once; rows are read on demand."""

    def __init__(
        self,
        text: str,
        spec: TableSpec,
        units: Mapping[str, Decimal],
        *,
        check: Callable[[], None] = lambda: None,
    ) -> None:
        self.check = check  # the report's deadline: raises when it has passed
        self.text = text
        self.spec = spec
        self.units = units
        self.problems: list[str] = []
        self.items = self._items()
        self.headers = self._headers()

    # -- items --------------------------------------------------------------------------------

    def _items(self) -> list[_Item]:
        spec = self.spec
        words: dict[str, tuple[str, str]] = {}
        for cid, labels in spec.columns.items():
            for label in labels:
                words[label] = ("col", cid)
        for rid, row in spec.rows.items():
            for label in row.labels:
                words[label] = ("row", rid)
        self.words = words
        # a label may be split across cells or lines (年初 | 预算数): blanks may stand inside it
        alternatives = "|".join(
            r"[\s|]{0,3}".join(re.escape(c) for c in w)
            for w in sorted(words, key=len, reverse=True)
        )
        self._squeeze = re.compile(r"[\s|]")
        text = _OCR_DIGIT.sub(lambda m: m.group().translate(_OCR_MAP).replace("O", "0"), self.text)
        token = re.compile(
            rf"(?P<sep>[|\n\t ]+)|(?P<word>{alternatives})"
            # several decimal points: cells a scan glued together (1402.585.00% is 1402.5 | 85.00%)
            r"|(?P<num>[0-9][0-9,]{0,40}(?:\.[0-9]{1,12}){0,4}(?: ?%)?)"
            r"|(?P<blank>[—–\-/]{1,4}|无)|(?P<text>.)"
        )
        items: list[_Item] = []
        gap = False  # a separator since the last item
        for m in token.finditer(text):
            kind = m.lastgroup
            if kind == "sep":
                gap = True
                continue
            raw = m.group()
            if kind == "word":
                raw = self._squeeze.sub("", raw)
                k, key = words[raw]
                items.append(_Item(k, m.start(), m.end(), key, raw))
            elif kind == "num":
                items.append(_Item("num", m.start(), m.end(), "", raw.replace(" ", ""), "%" in raw))
            elif kind == "blank":
                items.append(_Item("blank", m.start(), m.end(), "", raw))
            else:
                last = items[-1] if items else None
                if raw == "%" and last is not None and last.kind == "num" and not last.percent:
                    last.percent, last.end, last.raw = True, m.end(), last.raw + "%"
                elif last is not None and last.kind == "text" and not gap:
                    last.end, last.raw = m.end(), last.raw + raw
                else:
                    items.append(_Item("text", m.start(), m.end(), "", raw))
            gap = False
        return items

    # -- headers and rows ----------------------------------------------------------------------

    def _headers(self) -> list[tuple[int, int, list[str], str | None]]:
        """(first item, item after, column ids, unit) of every header row."""
        headers = []
        items = self.items
        i = 0
        while i < len(items):
            if items[i].kind != "col":
                i += 1
                continue
            j, columns = i, []
            while j < len(items) and (
                items[j].kind == "col" or (items[j].kind == "text" and self._unit_of(items[j].raw))
            ):
                if items[j].kind == "col":
                    columns.append(items[j].key)
                j += 1
            if len(columns) >= self.spec.min_columns and len(set(columns)) == len(columns):
                unit = None
                for k in range(max(0, i - 3), j):
                    if items[k].kind == "text" and (u := self._unit_of(items[k].raw)):
                        unit = u
                headers.append((i, j, columns, unit or self.spec.unit))
            i = max(j, i + 1)
        return headers

    def _unit_of(self, raw: str) -> str | None:
        for unit in sorted(self.units, key=len, reverse=True):
            if unit in raw and ("(" in raw or "单位" in raw or raw.strip("()") == unit):
                return unit
        return None

    def row(self, row_id: str) -> dict[str, Cell] | None:
        """The cells of a row, by column id; None when it is not there or cannot be read."""
        spec = self.spec.rows.get(row_id)
        if spec is None:
            return None
        if spec.cells:
            for n, item in enumerate(self.items):
                if item.kind == "row" and item.key == row_id:
                    found = self._read(n, list(spec.cells), self.spec.unit, positional_only=True)
                    if found is not None:
                        return found
            return None
        for h, (_, after, columns, unit) in enumerate(self.headers):
            stop = self.headers[h + 1][0] if h + 1 < len(self.headers) else len(self.items)
            rows = [n for n in range(after, stop) if self.items[n].kind == "row"]
            for n in rows:
                if self.items[n].key != row_id:
                    continue
                readings = self._readings(n, columns, unit)
                if len(readings) > 1 and row_id == self.spec.total:
                    # a total is at least each of its parts (其中 rows read without doubt)
                    parts = [
                        r[0] for m in rows if m != n
                        if len(r := self._readings(m, columns, unit)) == 1
                    ]  # fmt: skip
                    readings = [r for r in readings if all(_covers(r, p) for p in parts)]
                return readings[0] if len(readings) == 1 else None
        return None

    def _read(
        self, at: int, columns: list[str], unit: str | None, *, positional_only: bool
    ) -> dict[str, Cell] | None:
        readings = self._readings(at, columns, unit, positional_only=positional_only)
        return readings[0] if len(readings) == 1 else None

    def _readings(
        self, at: int, columns: list[str], unit: str | None, *, positional_only: bool = False
    ) -> list[dict[str, Cell]]:
        cells: list[_Item] = []
        n = at + 1
        while n < len(self.items) and len(cells) <= len(columns) + 2:
            item = self.items[n]
            if item.kind in ("num", "blank"):
                cells.append(item)
            elif not (item.kind == "text" and set(item.raw) <= _PUNCT):
                break
            n += 1
        if not cells or len(cells) > len(columns):
            return []
        if len(cells) == len(columns) and self._types_fit(cells, columns):
            reading = self._cells(cells, [c.raw for c in cells], columns, unit)
            return [reading] if reading is not None else []
        if positional_only:
            return []
        return self._candidates(cells, columns, unit)

    def _types_fit(self, cells: Sequence[_Item], columns: Sequence[str]) -> bool:
        percent = self.spec.percent
        return all(
            c.kind == "blank" or (c.percent == (col in percent))
            for c, col in zip(cells, columns, strict=True)
        )

    def _cells(
        self, items: Sequence[_Item], raws: Sequence[str], columns: Sequence[str], unit: str | None
    ) -> dict[str, Cell] | None:
        out: dict[str, Cell] = {}
        for item, raw, col in zip(items, raws, columns, strict=True):
            if item.kind == "blank":
                continue
            try:
                value = Decimal(raw.rstrip("%").replace(",", ""))
            except InvalidOperation:
                return None
            out[col] = Cell(value, item.start, item.end, None if col in self.spec.percent else unit)
        return out

    def _candidates(
        self, cells: list[_Item], columns: list[str], unit: str | None
    ) -> list[dict[str, Cell]]:
        """Split glued digits and leave cells empty in every possible way; the readings that
        the row's own figures confirm (the caller takes one only when it is the only one)."""
        options: list[list[tuple[_Item, str]]] = [[]]
        for cell in cells:
            ways: list[list[str]] = [[cell.raw]]
            if cell.kind == "num":
                digits = len(cell.raw.rstrip("%").replace(".", ""))
                ways = [w for k in range(1, min(digits, len(columns)) + 1)
                        for w in _splits(cell.raw, k)]  # fmt: skip
            options = [
                [*o, *((cell, part) for part in way)]
                for o in options
                for way in ways
                if len(o) + len(way) <= len(columns)
            ][:_MAX_CANDIDATES]
        found: list[dict[str, Cell]] = []
        for parts in options:
            self.check()
            for chosen in itertools.combinations(range(len(columns)), len(parts)):
                cols = [columns[k] for k in chosen]
                pieces = [
                    _Item(c.kind, c.start, c.end, "", raw, raw.endswith("%")) for c, raw in parts
                ]
                if not self._types_fit(pieces, cols):
                    continue
                reading = self._cells(pieces, [raw for _, raw in parts], cols, unit)
                if reading is not None and self._confirmed(reading):
                    found.append(reading)
                    if len(found) > 8:
                        return found
        return found

    def _confirmed(self, reading: Mapping[str, Cell]) -> bool:
        roles = self.spec.checks or {}
        budget, executed, rate, weight, score = (
            reading.get(roles.get(r, "")) for r in ("budget", "executed", "rate", "weight", "score")
        )
        if weight is not None and weight.value > 100:
            return False  # a form's 分值 is at most 100
        if score is not None and (weight is None or score.value > weight.value):
            return False
        if budget is None or executed is None or rate is None or budget.value == 0:
            return False  # nothing confirms a reading that had to be pieced together
        exact = executed.value / budget.value * 100
        places = Decimal(1).scaleb(rate.value.as_tuple().exponent)  # type: ignore[arg-type]
        return rate.value in (
            exact.quantize(places, ROUND_HALF_UP),
            exact.quantize(places, ROUND_DOWN),
        )
