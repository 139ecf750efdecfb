"""A pyarrow column of numbers read as float64 one span of rows at a time, from the column's
own buffers — not converted whole up front.

``to_numpy(zero_copy_only=False)`` of a chunked column concatenates it into one new array in
Arrow's memory pool: at 1,000,000 rows 8 MB per column, mostly fresh memory that the kernel
hands over page by page (huge pages, with compaction, under ``madvise``) — 42 such columns of
an outside rule set cost 0.4–0.7 s of system time per call, a third of the whole score, where
200,000 rows cost 15 ms.  Read a span at a time, a column costs a view of its buffer (one
chunk, no nulls, float64: no copy) or a copy of that span only (64 K rows: 512 KB, reused from
the heap by the next span)."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["ArrowNumbers", "arrow_numbers"]


def arrow_numbers(col: Any) -> ArrowNumbers | None:
    """``col`` as :class:`ArrowNumbers` when it is a pyarrow Array or ChunkedArray of floats or
    integers (None otherwise: the caller converts it as before)."""
    if not type(col).__module__.startswith("pyarrow"):
        return None
    import pyarrow as pa

    if not isinstance(col, (pa.Array, pa.ChunkedArray)):
        return None
    typ = col.type
    if not (pa.types.is_integer(typ) or pa.types.is_float32(typ) or pa.types.is_float64(typ)):
        return None
    dtype = np.dtype(typ.to_pandas_dtype())
    if dtype.kind not in "iuf" or typ.bit_width != dtype.itemsize * 8:
        return None
    chunks = [c for c in (getattr(col, "chunks", None) or [col]) if len(c)]
    if any(c.type != typ or len(c.buffers()) != 2 for c in chunks):
        return None
    return ArrowNumbers(chunks, dtype, len(col))


class ArrowNumbers:
    """Cells of a numeric pyarrow column as float64 (NaN: null), a slice at a time
    (``col[lo:hi]``), as ``to_numpy(zero_copy_only=False)`` and ``np.asarray(…, float64)``
    read them: an integer is cast as numpy casts it, a NaN stays NaN, a null is NaN."""

    def __init__(self, chunks: list[Any], dtype: Any, n: int) -> None:
        self._chunks = chunks
        self._dtype = np.dtype(dtype).newbyteorder("<")
        self._n = n
        self._starts = [0]
        for c in chunks:
            self._starts.append(self._starts[-1] + len(c))
        assert self._starts[-1] == n

    def __len__(self) -> int:
        return self._n

    @property
    def dtype(self) -> Any:
        return np.dtype(np.float64)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        whole = self[0 : self._n]
        return whole if dtype is None else whole.astype(dtype, copy=False)

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, slice):
            return np.asarray(self)[key]
        lo, hi, step = key.indices(self._n)
        if step != 1:
            return np.asarray(self)[key]
        hi = max(lo, hi)
        pieces = list(self._pieces(lo, hi))
        if len(pieces) == 1:
            chunk, a, b, _ = pieces[0]
            if self._dtype == np.float64 and chunk.null_count == 0:
                return self._values(chunk, a, b)  # a view of Arrow's buffer (read-only)
        out = np.empty(hi - lo, np.float64)
        for chunk, a, b, at in pieces:
            part = out[at : at + b - a]
            part[:] = self._values(chunk, a, b)
            if chunk.null_count:
                valid = self._valid(chunk, a, b)
                if valid is not None:
                    part[~valid] = np.nan
        return out

    def percent_vague(self) -> Any:
        """Cells in (0, 1] — 0.98 % or 98 %? (the per-record reader says): a bool mask of
        every row, False for nulls and NaN; None when there are none."""
        out: Any = None
        for chunk, at in zip(self._chunks, self._starts, strict=False):
            v = self._values(chunk, 0, len(chunk))
            vague = (v > 0) & (v <= 1)
            if chunk.null_count:
                valid = self._valid(chunk, 0, len(chunk))
                if valid is not None:
                    vague &= valid
            if vague.any():
                if out is None:
                    out = np.zeros(self._n, bool)
                out[at : at + len(chunk)] = vague
        return out

    def _pieces(self, lo: int, hi: int) -> Iterator[tuple[Any, int, int, int]]:
        """(chunk, first, end, position in the span) of each chunk the span ``lo:hi`` meets."""
        origin = lo
        k = bisect.bisect_right(self._starts, lo) - 1
        while lo < hi and k < len(self._chunks):
            start = self._starts[k]
            end = min(hi, self._starts[k + 1])
            if end > lo:
                yield self._chunks[k], lo - start, end - start, lo - origin
                lo = end
            k += 1

    def _values(self, chunk: Any, a: int, b: int) -> Any:
        """Cells ``a:b`` of ``chunk`` as its own dtype, a view of its value buffer."""
        size = self._dtype.itemsize
        buf = chunk.buffers()[1]
        got = np.frombuffer(buf, self._dtype, count=b - a, offset=(chunk.offset + a) * size)
        got.flags.writeable = False  # the caller's memory: nothing writes into it
        return got

    @staticmethod
    def _valid(chunk: Any, a: int, b: int) -> Any:
        """Validity of cells ``a:b`` of ``chunk`` (None: no validity bitmap, every cell set)."""
        bits = chunk.buffers()[0]
        if bits is None:
            return None
        first = chunk.offset + a
        raw = np.frombuffer(bits, np.uint8, count=(first + b - a + 7) // 8 - first // 8,
                            offset=first // 8)  # fmt: skip
        return np.unpackbits(raw, bitorder="little")[first % 8 : first % 8 + b - a].view(bool)
