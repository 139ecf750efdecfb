"""The ids a file has given so far, kept so a file of any length streams in bounded memory
while its duplicate-id check stays exact.

A ``dict`` from id to the first cell's reference costs about 300 bytes an id (two string
objects and a dict entry); :class:`FirstSeen` keeps each id's UTF-8 bytes in one
``bytearray``, its end offset and first row in two ``array``\\ s, and an open-addressing
table of 32-bit entry numbers — about 38 bytes an id.  Lookups compare the bytes themselves,
so two different ids are never taken for one (no fingerprint that could collide).

Past :data:`SPILL` ids (about 2.5 MB) they move to a table in a private temporary SQLite
database on disk (deleted when it is closed), with its page cache capped at 512 kB: measured,
10,000 to 1,000,000 ids then hold 2.8 MB of memory where the arrays grew to 38 MB, at the same
CPU time (3.4 µs an id).  The id is the table's unique key (its text; the bytes of one a lone
surrogate keeps from UTF-8), so the check stays exact.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .seenfile import HashedIds

__all__ = ["SPILL", "FirstSeen", "SeenBatches"]

_START = 1 << 10  # table slots to begin with (a power of two)
#: ids kept in memory; more move to a temporary SQLite table on disk
SPILL = 1 << 16
#: an id's hash for :class:`SeenBatches` (two ids with one hash are told apart by their text)
_HASH = hash


class FirstSeen:
    """An exact set of ids, each with the row where it was first seen."""

    __slots__ = (
        "_blob",
        "_db",
        "_ends",
        "_mask",
        "_on_disk",
        "_rows",
        "_spill",
        "_table",
    )

    def __init__(self, spill: int = SPILL) -> None:
        self._blob = bytearray()  # every id's bytes, one after the other
        self._ends = array("Q")  # entry i's bytes end here in _blob
        self._rows = array("Q")  # entry i's first row
        self._table = array("I", bytes(4 * _START))  # 0: empty slot, else entry number + 1
        self._mask = _START - 1
        self._spill = spill
        self._db: Any = None  # the SQLite connection, once the ids are on disk
        self._on_disk = 0

    def __len__(self) -> int:
        return self._on_disk if self._db is not None else len(self._ends)

    def __enter__(self) -> FirstSeen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget the ids (and delete the temporary database, if any)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._blob, self._ends, self._rows = bytearray(), array("Q"), array("Q")
        self._table, self._mask, self._on_disk = (
            array("I", bytes(4 * _START)),
            _START - 1,
            0,
        )

    def first(self, sid: str, row: int) -> int | None:
        """The row where ``sid`` was first seen, or None when it is new (it is then
        remembered as first seen on ``row``)."""
        key = sid.encode("utf-8", "surrogatepass")
        if self._db is not None:
            return self._first_on_disk(key, row)
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
        if len(ends) >= self._spill:
            self._to_disk()
        elif 2 * len(ends) > mask:  # keep the table at most half full
            self._grow()
        return None

    def first_many(self, sids: Sequence[str], rows: Sequence[int]) -> list[int | None]:
        """:meth:`first` of each id in turn; ``rows`` ascending, each after every row given
        before.  On disk, a batch is added in one statement and, when it added every id (no
        duplicate: the usual case), answered without looking any up."""
        out: list[int | None] = []
        at = 0
        while at < len(sids) and self._db is None:
            out.append(self.first(sids[at], rows[at]))
            at += 1
        if at < len(sids):
            out += self._many_on_disk(sids[at:] if at else sids, rows[at:] if at else rows)
        return out

    def _many_on_disk(self, sids: Sequence[str], rows: Sequence[int]) -> list[int | None]:
        import sqlite3

        keys = _disk_keys(sids)
        db = self._db
        try:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO ids VALUES (?, ?)", zip(keys, rows, strict=True))
            added = db.total_changes - before
            self._on_disk += added
            if added == len(keys):
                return [None] * len(keys)
            # some were there already (or twice in the batch): each one's first row; a row
            # that is its own was new
            found = [
                db.execute("SELECT row FROM ids WHERE id = ?", (k,)).fetchone()[0] for k in keys
            ]
        except sqlite3.Error as exc:  # the temporary directory is full: the file is unreadable
            raise OSError(f"checking duplicate ids in a temporary file: {exc}") from exc
        return [None if f == r else int(f) for f, r in zip(found, rows, strict=True)]

    def __iter__(self) -> Iterator[str]:
        """The ids, in the order first seen."""
        if self._db is not None:
            for (key,) in self._db.execute("SELECT id FROM ids ORDER BY rowid"):
                yield key if type(key) is str else key.decode("utf-8", "surrogatepass")
            return
        start = 0
        for end in self._ends:
            yield self._blob[start:end].decode("utf-8", "surrogatepass")
            start = end

    def _entries(self) -> Iterator[tuple[bytes, int]]:
        blob, start = self._blob, 0
        for end, row in zip(self._ends, self._rows, strict=True):
            yield bytes(blob[start:end]), row
            start = end

    def _first_on_disk(self, key: bytes, row: int) -> int | None:
        import sqlite3

        db = self._db
        disk_key = _disk_key(key)
        try:
            if db.execute("INSERT OR IGNORE INTO ids VALUES (?, ?)", (disk_key, row)).rowcount:
                self._on_disk += 1
                return None
            found: int = db.execute("SELECT row FROM ids WHERE id = ?", (disk_key,)).fetchone()[0]
        except sqlite3.Error as exc:  # the temporary directory is full: the file is unreadable
            raise OSError(f"checking duplicate ids in a temporary file: {exc}") from exc
        return found

    def _to_disk(self, entries: Iterable[tuple[str | bytes, int]] | None = None) -> None:
        """The ids to a table on disk: ``entries`` (keys as :func:`_disk_keys` makes them,
        with their first rows), else this set's own."""
        import sqlite3

        db = None
        try:
            db = sqlite3.connect("", isolation_level=None)  # "": private, temporary, on disk
            db.execute("PRAGMA cache_size = -512")  # kB
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE ids (id BLOB UNIQUE NOT NULL, row INTEGER NOT NULL)")
            db.execute("BEGIN")  # never committed: the table lives as long as the connection
            if entries is None:
                entries = ((_disk_key(k), r) for k, r in self._entries())
            db.executemany("INSERT INTO ids VALUES (?, ?)", entries)
        except sqlite3.Error:  # no temporary directory to write to: stay in memory
            if db is not None:
                db.close()
            self._spill = 1 << 62
            if 2 * len(self._ends) > self._mask:
                self._grow()
            return
        self._on_disk = db.execute("SELECT count(*) FROM ids").fetchone()[0]
        self._blob, self._ends, self._rows = bytearray(), array("Q"), array("Q")
        self._table, self._mask = array("I"), 0
        self._db = db

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


def _disk_key(key: bytes) -> str | bytes:
    """An id's key on disk, from its bytes: its text (SQLite encodes it, in C) when it is
    UTF-8, else (a lone surrogate, written ``surrogatepass``) the bytes.  An id is always
    the same one of the two, and SQLite never finds a text equal to a blob: exact."""
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return key


def _disk_keys(sids: Sequence[str]) -> Sequence[str | bytes]:
    """:func:`_disk_key` of each id: the ids themselves when all are UTF-8 (checked at once;
    ``encode`` per id cost ~1.2 µs of CPU an id)."""
    try:
        "".join(sids).encode("utf-8")
    except UnicodeEncodeError:
        return [_disk_key(s.encode("utf-8", "surrogatepass")) for s in sids]
    return sids


class SeenBatches:
    """:class:`FirstSeen` for ids given a batch at a time (:meth:`first_many`: a table read by
    columns), without a Python step per id while they are few: each id's ``hash`` in a
    sorted numpy array, its text in Arrow arrays and its first row — about 40 bytes an id.
    An id whose hash is already there (a duplicate, or the rare other id with its hash) is
    compared by its text, so the check stays exact.  Past :data:`SPILL` ids they move to a
    :class:`FirstSeen` on disk, as its own ids do."""

    def __init__(self, spill: int = SPILL) -> None:
        import numpy as np

        self._np = np
        self._hashes = np.empty(0, np.int64)  # sorted
        self._entry = np.empty(0, np.int64)  # the entry each sorted hash is
        self._rows: list[Any] = []  # each batch's new entries' first rows (numpy)
        self._texts: list[Any] = []  # ... and their ids (Arrow)
        self._starts: list[int] = []  # the batch's first entry
        self._count = 0
        self._spill = spill
        self._disk: HashedIds | None = None

    def __len__(self) -> int:
        return len(self._disk) if self._disk is not None else self._count

    def __enter__(self) -> SeenBatches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget the ids (and delete the temporary database, if any)."""
        if self._disk is not None:
            self._disk.close()
        self.__init__(self._spill)  # type: ignore[misc]

    def first_many(self, sids: Sequence[str], rows: Sequence[int]) -> list[int | None]:
        """:meth:`FirstSeen.first` of each id in turn (``rows`` ascending, each after every
        row given before): the row an id was first seen on, None for a new one."""
        np = self._np
        n = len(sids)
        h = np.fromiter(map(_HASH, sids), np.int64, n)
        out: list[int | None] = [None] * n
        # ids that may have been seen: their hash is known, or an earlier one in the batch has it
        disk = self._disk
        if disk is not None:
            known = disk.maybe(h)
            earlier = disk.firsts(h[known]) if known.any() else {}
        else:
            pos = np.searchsorted(self._hashes, h)
            known = np.zeros(n, bool)
            if len(self._hashes):
                known = self._hashes[np.minimum(pos, len(self._hashes) - 1)] == h
        order = np.argsort(h, kind="stable")
        again = np.zeros(n, bool)
        again[order[1:]] = h[order[1:]] == h[order[:-1]]
        maybe = known | again
        if maybe.any():  # look each one up by its text, in row order
            hashes = np.unique(h[maybe])
            at = np.flatnonzero(np.isin(h, hashes))
            local: dict[str, int] = {}
            for k in at.tolist():
                sid = sids[k]
                first = local.get(sid)
                if first is None and known[k]:
                    first = earlier.get(sid) if disk is not None else self._lookup(sid, int(h[k]))
                if first is None:
                    local[sid] = rows[k]
                    continue
                local.setdefault(sid, first)
                out[k] = first
        new = np.fromiter((o is None for o in out), bool, n)
        self._add(sids, rows, h, new)
        return out

    def _lookup(self, sid: str, h: int) -> int | None:
        """The first row of ``sid``, whose hash ``h`` is known; None if another id has it."""
        import bisect

        np = self._np
        lo = int(np.searchsorted(self._hashes, h, "left"))
        hi = int(np.searchsorted(self._hashes, h, "right"))
        for p in range(lo, hi):
            e = int(self._entry[p])
            b = bisect.bisect_right(self._starts, e) - 1
            text = self._texts[b][e - self._starts[b]]
            if (text if type(text) is str else text.as_py()) == sid:
                return int(self._rows[b][e - self._starts[b]])
        return None

    def _add(self, sids: Sequence[str], rows: Sequence[int], h: Any, new: Any) -> None:
        import pyarrow as pa

        np = self._np
        at = np.flatnonzero(new)
        if not len(at):
            return
        if self._disk is not None:
            texts = _texts(pa, [sids[k] for k in at.tolist()])
            self._disk.add(texts, np.asarray(rows, np.int64)[at], h[at])
            return
        entries = np.arange(self._count, self._count + len(at))
        hs = h[at]
        o = np.argsort(hs, kind="stable")
        where = np.searchsorted(self._hashes, hs[o])
        self._hashes = np.insert(self._hashes, where, hs[o])
        self._entry = np.insert(self._entry, where, entries[o])
        self._starts.append(self._count)
        self._texts.append(_texts(pa, [sids[k] for k in at.tolist()]))
        self._rows.append(np.asarray(rows, np.int64)[at])
        self._count += len(at)
        if self._count >= self._spill:
            self._to_disk()

    def _to_disk(self) -> None:
        """The ids, in the order first seen, into a :class:`~.seenfile.HashedIds` on disk (when
        its files cannot be made, they stay here, in memory)."""
        from .seenfile import HashedIds

        np = self._np
        try:
            disk = HashedIds()
        except OSError:  # no temporary directory to write to: stay in memory
            self._spill = 1 << 62
            return
        by_entry = np.empty(self._count, np.int64)  # each entry's hash
        by_entry[self._entry] = self._hashes
        try:
            for start, texts, rows in zip(self._starts, self._texts, self._rows, strict=True):
                disk.add(texts, rows, by_entry[start : start + len(rows)])
        except OSError:
            disk.close()
            self._spill = 1 << 62
            return
        self._disk = disk
        self._hashes, self._entry = np.empty(0, np.int64), np.empty(0, np.int64)
        self._rows, self._texts, self._starts = [], [], []


def _texts(pa: Any, texts: list[str]) -> Any:
    """Ids as an Arrow string array; a list kept as it is when one has a lone surrogate."""
    try:
        return pa.array(texts, pa.string())
    except (UnicodeError, pa.ArrowException):
        return texts
