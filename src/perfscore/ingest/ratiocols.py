"""A percent column that holds ratios: its cells between 1 and 2 refused too, and said once.

A ``percent`` input is written in percentage points (``95``, ``95%``); a bare number above 0
and at most 1 is refused cell by cell as ambiguous (0.98 % or 98 %?).  A system that stores
rates as ratios gives a column of mostly such cells — and a few just above 1 (``1.05``,
105 %) that a cell alone would read as 1.05 % without a word.  So a table's (or a batch of
records') percent columns are counted before any row is scored: when more of a column's bare
non-zero numbers are at most 1 than are 2 or more (plainly percentage points, 95), and some
lie between 1 and 2, the column holds ratios: those cells are refused as well
(:attr:`Target.ratios`, :func:`perfscore.ingest.columns.convert_cell`), and one ``error``
notification names the column (docs/data.md).  Cells written with ``%`` (or formatted as a
percentage in Excel) say their scale and are read as always.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..findings import Notification
from ..rawvalue import plain_number, read_number
from ..subjects import CellProblem, InputSpec
from ..words import DATA, NOTICE, Bilingual, said
from .columns import RATIO_POINTS, ColumnMap, is_blank, map_columns
from .readers import Sheet

__all__ = [
    "Tally",
    "mark_ratio_columns",
    "mark_ratios",
    "ratio_inputs",
    "ratio_records",
    "refuse_ratio_values",
]


#: A bare number from here up is percentage points in any column (2 is 200 % as a ratio, not a
#: rate a bureau reports); between 1 and this it is 1.x % or 10x %: read by its column.
POINTS = RATIO_POINTS


@dataclass
class Tally:
    """One percent column's bare non-zero numbers: at most 1 (refused as ambiguous), between
    1 and :data:`POINTS` (1.05: 1.05 % or 105 %?), and plainly percentage points (95)."""

    ambiguous: int = 0
    between: int = 0
    points: int = 0
    first_between: int | None = None  # the row number of the first cell between 1 and 2

    @property
    def holds_ratios(self) -> bool:
        """More of the column's numbers are ratios than percentage points, and some cells
        between 1 and 2 would otherwise be read as 1.x %."""
        return self.between > 0 and self.ambiguous > self.points

    def add(self, value: Decimal | None, number: int) -> None:
        if value is None or value <= 0:
            return
        if value <= 1:
            self.ambiguous += 1
        elif value < POINTS:
            self.between += 1
            if self.first_between is None:
                self.first_between = number
        else:
            self.points += 1


def bare(raw: object, percent_format: bool = False) -> Decimal | None:
    """A cell's number when it does not say its scale (no ``%``, no % format), else None."""
    if percent_format or is_blank(raw) or isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(float.__repr__(raw)) if raw == raw and abs(raw) != float("inf") else None
    if isinstance(raw, str):
        try:
            number, said_unit = read_number(raw, None, percent=True)
        except ValueError:
            return None
        return None if said_unit or not number.is_finite() else number
    return None


def mark_ratio_columns(
    sheet: Sheet,
    cmap: ColumnMap,
    inputs: Mapping[str, InputSpec],
    where: str,
    skip: Callable[[Sequence[object]], bool],
) -> tuple[list[Notification], bool]:
    """Count ``cmap``'s percent columns over the whole table and mark those holding ratios
    (``cmap.targets`` replaced in place): one notification per such column, and whether
    ``sheet.rows`` were read doing so (then the caller opens the table again; a Parquet
    file is counted by its batches, its rows left unread).  ``skip``: a 合计 row."""
    watched = {
        i: Tally()
        for i, t in enumerate(cmap.targets)
        if t is not None
        and t.kind == "input"
        and t.refused is None
        and inputs[t.name].type == "percent"
    }
    if not watched:
        return [], False
    consumed = sheet.batches is None
    if consumed:
        _count_rows(sheet.rows, watched, skip)
    else:
        order = sorted(watched)  # only the percent columns read
        _count_batches(sheet.batches(order), dict(enumerate(watched[i] for i in order)))  # type: ignore[misc]
    notes = []
    for i, tally in watched.items():
        target = cmap.targets[i]
        if target is None or not tally.holds_ratios:
            continue
        cmap.targets[i] = dataclasses.replace(target, ratios=True)
        first = sheet.ref(tally.first_between or 0, i)
        words = said(
            NOTICE,
            "ratio_column",
            where=where,
            header=repr(sheet.headers[i]) if i < len(sheet.headers) else f"#{i + 1}",
            ambiguous=tally.ambiguous,
            between=tally.between,
            first=first,
        )
        notes.append(Notification("error", "ratio-column", words))
    return notes, consumed


def _count_rows(
    rows: Iterator[tuple[int, Sequence[object], Any]],
    watched: dict[int, Tally],
    skip: Callable[[Sequence[object]], bool],
) -> None:
    for number, cells, fmt in rows:
        if skip(cells):
            continue
        for i, tally in watched.items():
            if i < len(cells):
                percent_format = bool(fmt and i < len(fmt) and fmt[i])
                tally.add(bare(cells[i], percent_format), number)


def _count_batches(batches: Iterator[Any], watched: dict[int, Tally]) -> None:
    """The same counts over Arrow batches: numeric columns at once, text cell by cell (a
    合计 row's cells are numbers like any other here: a total of ratios is a ratio too)."""
    import numpy as np
    import pyarrow as pa

    start = 1
    for batch in batches:
        for i, tally in watched.items():
            if i >= batch.num_columns:
                continue
            col = batch.column(i)
            if pa.types.is_floating(col.type) or pa.types.is_integer(col.type):
                x = np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), np.float64)
                with np.errstate(invalid="ignore"):
                    low = (x > 0) & (x <= 1)
                    mid = (x > 1) & (x < float(POINTS))
                    high = x >= float(POINTS)
                tally.ambiguous += int(low.sum())
                tally.points += int(high.sum())
                between = np.flatnonzero(mid)
                tally.between += len(between)
                if len(between) and tally.first_between is None:
                    tally.first_between = start + int(between[0])
            else:
                for k, raw in enumerate(col.to_pylist()):
                    tally.add(bare(raw), start + k)
        start += batch.num_rows


# -- records: JSON Lines, JSON and YAML batches ------------------------------------------------


def ratio_inputs(
    records: Iterator[tuple[int, object]],
    inputs: Mapping[str, InputSpec],
    aliases: Mapping[str, Sequence[str]],
    columns: Mapping[str, str | None],
    uri: str,
) -> tuple[frozenset[str], list[Notification]]:
    """The percent inputs whose values across a batch of records hold ratios (counted as a
    table's column is), and one notification for each."""
    percent = {n for n, s in inputs.items() if s.type == "percent"}
    if not percent:
        return frozenset(), []
    tallies: dict[str, Tally] = {}
    keys_of: dict[str, str] = {}
    maps: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for k, (line, rec) in enumerate(records, 1):
        if not isinstance(rec, Mapping):
            continue
        number = line if line > 0 else -k  # a document's records have no line: their place
        values = rec.get("values") if "values" in rec else None
        if isinstance(values, Mapping):
            pairs = [(str(k), str(k)) for k in values if k in percent]
            cells: Mapping[Any, Any] = values
        else:  # a flat line keyed by headers or titles, mapped as a table row is
            keys = tuple(str(k) for k in rec)
            if keys not in maps:
                cmap = map_columns(list(keys), inputs, aliases=aliases, columns=columns)
                maps[keys] = [
                    (keys[i], t.name)
                    for i, t in enumerate(cmap.targets)
                    if t is not None and t.kind == "input" and t.name in percent
                ]
            pairs = maps[keys]
            cells = {str(k): v for k, v in rec.items()}
        for key, name in pairs:
            keys_of.setdefault(name, key)
            tallies.setdefault(name, Tally()).add(bare(cells.get(key)), number)
    found = frozenset(n for n, t in tallies.items() if t.holds_ratios)
    notes = [
        Notification(
            "error",
            "ratio-column",
            said(
                NOTICE,
                "ratio_column",
                where=uri,
                header=repr(keys_of[n]),
                ambiguous=tallies[n].ambiguous,
                between=tallies[n].between,
                first=_line(tallies[n].first_between),
            ),
        )
        for n in sorted(found)
    ]
    return found, notes


def _line(number: int | None) -> Bilingual:
    if number is not None and number < 0:
        return Bilingual(f"record {-number}", f"第 {-number} 条记录")
    return Bilingual(f"line {number}", f"第 {number} 行")


def mark_ratios(cmap: ColumnMap, ratios: frozenset[str]) -> None:
    """``cmap``'s targets of the inputs in ``ratios`` marked (in place)."""
    for i, t in enumerate(cmap.targets):
        if t is not None and t.kind == "input" and t.name in ratios:
            cmap.targets[i] = dataclasses.replace(t, ratios=True)


def refuse_ratio_values(
    rec: Mapping[str, Any], values: Mapping[str, Any], ratios: frozenset[str]
) -> Mapping[str, Any]:
    """``rec`` with its bare values above 1 of the inputs in ``ratios`` refused."""
    refused = {}
    for name in ratios:
        number = bare(values.get(name))
        if number is not None and 1 < number < POINTS:
            refused[name] = CellProblem(
                said(DATA, "ratio_cell", value=plain_number(number), pct=plain_number(number * 100))
            )
    if not refused:
        return rec
    new = {**values, **refused}
    return {**rec, "values": new} if "values" in rec else {**rec, **new}


def ratio_records(
    records: Sequence[Any], inputs: Mapping[str, InputSpec], uri: str, notes: list[Notification]
) -> list[Any]:
    """A JSON or YAML document's records (all in memory) with the ratio columns' 1.x values
    refused, as a JSON Lines file's are; the notifications appended to ``notes``."""
    ratios, said_ = ratio_inputs(((0, r) for r in records), inputs, {}, {}, uri)
    notes.extend(said_)
    if not ratios:
        return list(records)
    out = []
    for rec in records:
        if isinstance(rec, Mapping):
            values = rec.get("values") if "values" in rec else rec
            if isinstance(values, Mapping):
                rec = refuse_ratio_values(rec, values, ratios)
        out.append(rec)
    return out
