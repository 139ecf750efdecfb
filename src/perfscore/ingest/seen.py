"""The ids a file has given so far, kept compactly so a 100,000-row file streams in bounded
memory while its duplicate-id check stays exact.

A ``dict`` from id to the first cell's reference costs about 300 bytes an id (two string
objects and a dict entry); :class:`FirstSeen` keeps each id's UTF-8 bytes in one
``bytearray``, its end offset and first row in two ``array``\\ s, and an open-addressing
table of 32-bit entry numbers — about 35 bytes an id.  Lookups compare the bytes themselves,
so two different ids are never taken for one (no fingerprint that could collide).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

__all__ = ["FirstSeen"]

_START = 1 << 10  # table slots to begin with (a power of two)


class FirstSeen:
    """An exact set of ids, each with the row where it was first seen."""

    __slots__ = ("_blob", "_ends", "_mask", "_rows", "_table")

    def __init__(self) -> None:
        self._blob = bytearray()  # every id's bytes, one after the other
        self._ends = array("Q")  # entry i's bytes end here in _blob
        self._rows = array("Q")  # entry i's first row
        self._table = array("I", bytes(4 * _START))  # 0: empty slot, else entry number + 1
        self._mask = _START - 1

    def __len__(self) -> int:
        return len(self._ends)

    def first(self, sid: str, row: int) -> int | None:
        """The row where ``sid`` was first seen, or None when it is new (it is then
        remembered as first seen on ``row``)."""
        key = sid.encode("utf-8", "surrogatepass")
        blob, ends, table, mask = self._blob, self._ends, self._table, self._mask
        slot = hash(key) & mask
        while entry := table[slot]:
            end = ends[entry - 1]
            start = ends[entry - 2] if entry > 1 else 0
            if end - start == len(key) and blob[start:end] == key:
                return self._rows[entry - 1]
            slot = (slot + 1) & mask
        blob += key
        ends.append(len(blob))
        self._rows.append(row)
        table[slot] = len(ends)
        if 2 * len(ends) > mask:  # keep the table at most half full
            self._grow()
        return None

    def __iter__(self) -> Iterator[str]:
        start = 0
        for end in self._ends:
            yield self._blob[start:end].decode("utf-8", "surrogatepass")
            start = end

    def _grow(self) -> None:
        size = 2 * (self._mask + 1)
        table = array("I", bytes(4 * size))
        mask = size - 1
        blob, start = self._blob, 0
        for entry, end in enumerate(self._ends, start=1):
            slot = hash(bytes(blob[start:end])) & mask
            while table[slot]:
                slot = (slot + 1) & mask
            table[slot] = entry
            start = end
        self._table, self._mask = table, mask
