"""A frame's headers read as ``rs.evaluate(frame)`` and ``perfscore score`` read them.

:class:`~perfscore.columnar.ColumnarScorer` (and so ``score_frame``, ``FrameScorer`` and the
Dask and Spark recipes) takes a pandas or polars DataFrame, a pyarrow Table or a mapping of
columns.  Its headers go through the one mapping every reader uses,
:func:`perfscore.ingest.columns.map_columns`: an input's id, its ``title`` (``全年预算数`` →
``budget``) or an alias, compared after NFKC, without spaces, quotes or case; a unit in
brackets at the end (``执行数（元）`` into a 万元 input: each cell × 0.0001, exactly; ``（%）``;
a unit that cannot be converted refuses every cell, as in a table).  A series' year columns
(``2022年预算执行率``) are read by :func:`~perfscore.columnar.frames.year_series`.  Two columns
for one input (``budget`` and ``全年预算数``) are refused with :class:`DataError`: a table read
by the command uses the last one and says so in an ``error`` notification, which a columnar
result has no place for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import DataError, Problem
from ..ingest.columns import ColumnMap, Target, convert_cell, map_columns
from ..ingest.readers import frame_kind, read_frame
from ..subjects import InputSpec
from ..words import NOTICE, said
from .frames import cell_objects, plain_cell, year_cells

__all__ = ["HeaderMaps", "frame_headers", "frame_inputs"]

#: what a frame is called in a refusal (as ``rs.evaluate(frame)`` names it)
FRAME = "<frame>"


class HeaderMaps:
    """Each row of headers mapped once per scorer: a Dask or Spark run hands one scorer
    thousands of partitions with the same headers, and mapping them (titles, aliases, units,
    year columns) costs about a millisecond each time."""

    #: header rows remembered; more distinct ones than this start the memory afresh
    SIZE = 64

    def __init__(
        self, inputs: Mapping[str, InputSpec], aliases: Mapping[str, Sequence[str]]
    ) -> None:
        self.inputs = inputs
        self.aliases = aliases
        self._maps: dict[tuple[str, ...], ColumnMap] = {}

    def __call__(self, headers: Sequence[str]) -> ColumnMap:
        """``map_columns(headers, …)``, the same object each time for the same headers (it
        is only read)."""
        key = tuple(headers)
        found = self._maps.get(key)
        if found is None:
            if len(self._maps) >= self.SIZE:
                self._maps.clear()
            found = map_columns(key, self.inputs, aliases=self.aliases)
            self._maps[key] = found
        return found


def frame_headers(data: Any) -> list[str]:
    """The headers in column order, as ``rs.evaluate(frame)`` reads them (a pandas column
    named by a tuple — two header rows — by its lowest line that says something)."""
    if frame_kind(data) is not None:
        return list(read_frame(data).headers)
    names = getattr(data, "column_names", None)  # a pyarrow RecordBatch-like mapping
    if isinstance(names, list):
        return [str(n) for n in names]
    return [str(k) for k in data]


def _column(data: Any, j: int, header: str) -> Any:
    """The ``j``-th column (by position: a pandas frame may hold two columns of one name)."""
    kind = frame_kind(data)
    if kind == "pandas":  # (by its label where labels are unique: iloc costs ~20 us a column)
        return data[data.columns[j]] if data.columns.is_unique else data.iloc[:, j]
    if kind == "polars":
        return data.to_series(j)
    if kind == "pyarrow":
        return data.column(j)
    return data[header] if header in data else list(data.values())[j]


def frame_inputs(
    data: Any,
    inputs: Mapping[str, InputSpec],
    aliases: Mapping[str, Sequence[str]],
    maps: HeaderMaps | None = None,
) -> dict[str, Any]:
    """Each input a header of ``data`` names (not a series' year columns; in the rule set's
    order) → its column: as given, or converted cell by cell as a table's reader converts it
    when the header says a unit.  :class:`DataError` when two columns name one input (or one
    year of a series).  ``maps``: the scorer's memory of header rows already mapped."""
    headers = frame_headers(data)
    if len(set(headers)) == len(headers) and all(h in inputs for h in headers):
        at = {h: j for j, h in enumerate(headers)}  # ids only: the columns as given
        return {n: _column(data, at[n], n) for n in inputs if n in at}
    cmap = map_columns(headers, inputs, aliases=aliases) if maps is None else maps(headers)
    clashes = [
        (name, cols)
        for name, cols in cmap.duplicates
        if (t := cmap.targets[cols[0]]) is not None and t.kind in ("input", "series")
    ]
    if clashes:
        problems = [
            Problem(
                said(
                    NOTICE,
                    "duplicate_frame_column",
                    where=FRAME,
                    heads=", ".join(repr(headers[c]) for c in cols),
                    name=repr(name),
                )
            )
            for name, cols in clashes
        ]
        raise DataError(problems)
    named: dict[str, tuple[int, Target]] = {
        t.name: (j, t) for j, t in enumerate(cmap.targets) if t is not None and t.kind == "input"
    }
    out: dict[str, Any] = {}
    for name in inputs:  # in the rule set's order, as the record reader reads them
        if name in named:
            j, target = named[name]
            col = _column(data, j, headers[j])
            out[name] = _converted(col, target, inputs[name]) if _says_more(target) else col
    return out


def _says_more(t: Target) -> bool:
    """The header changes what its cells mean (a scale, ``%``, or a unit refused)."""
    return t.scale is not None or t.refused is not None or t.percent_header or t.ratios


def _converted(col: Any, target: Target, spec: InputSpec) -> Any:
    """``col``'s cells as the record reader reads them under ``target``'s header."""
    if spec.kind == "number":
        return year_cells(col, target, spec)  # one numeric column, converted exactly
    cells = cell_objects(col)
    out = np.empty(len(cells), object)
    out[:] = [convert_cell(target, spec, plain_cell(v)) for v in cells]
    return out
