"""The ids of a table read by columns, for its duplicate-id check, in memory that holds 4
bytes an id: :class:`IdLog` (the column reader's: every id kept with its row, the duplicates
found once the table is read) and :class:`HashedIds` (an exact set on disk, for
:class:`~perfscore.ingest.seen.SeenBatches`, which looks each batch up as it comes).

Each id's text (UTF-8; a lone surrogate's bytes as ``surrogatepass`` writes them), its row
and its 64-bit ``hash`` go to temporary files in the order given; memory holds the high 32
bits of each hash.  An id whose 32 bits another has may be a duplicate: its full hash is
read back, then its text, so the check stays exact.  A SQLite table with the id as its
unique key, which :class:`HashedIds` replaced, cost ~1.2 µs of CPU an id to insert (1.2 s for
1,000,000).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import IO, Any

__all__ = ["HashedIds", "IdLog"]

#: hashes scanned at a time when an id may have been seen (8 bytes each)
BLOCK = 1 << 17


class HashedIds:
    """An exact set of ids with their first rows, on disk; use :meth:`close` (or ``with``)
    to delete its files.  Raises :class:`OSError` when its files cannot be made."""

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self._tmp = tempfile.TemporaryDirectory(prefix="perfscore-ids-")
        self._files: dict[str, IO[bytes]] = {
            name: open(os.path.join(self._tmp.name, name), "w+b")  # noqa: SIM115
            for name in ("text", "ends", "rows", "hashes")
        }
        self._bytes = 0  # the ids' bytes so far
        self._count = 0
        self._high = np.empty(0, np.uint32)  # each id's hash's high 32 bits, sorted

    def __len__(self) -> int:
        return self._count

    def __enter__(self) -> HashedIds:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._tmp.cleanup()

    # -- adding --------------------------------------------------------------------------------
    def add(self, texts: Any, rows: Any, hashes: Any) -> None:
        """New ids (a list of str or an Arrow string array), their first rows and ``hash``
        values, in the order first seen."""
        np = self._np
        data, lengths = _utf8(texts)
        self._append("text", data)
        ends = self._bytes + np.cumsum(lengths, dtype=np.int64)
        self._bytes = int(ends[-1]) if len(ends) else self._bytes
        self._append("ends", ends.tobytes())
        self._append("rows", np.asarray(rows, np.int64).tobytes())
        hashes = np.asarray(hashes, np.int64)
        self._append("hashes", hashes.tobytes())
        high = np.sort(_high(np, hashes))
        self._high = np.insert(self._high, np.searchsorted(self._high, high), high)
        self._count += len(hashes)

    def _append(self, name: str, data: bytes | memoryview) -> None:
        fh = self._files[name]
        fh.seek(0, os.SEEK_END)
        fh.write(data)

    # -- looking up ----------------------------------------------------------------------------
    def maybe(self, hashes: Any) -> Any:
        """Which of ``hashes`` (int64) may belong to an id already here (its high 32 bits
        are some id's)."""
        np = self._np
        if not len(self._high):
            return np.zeros(len(hashes), bool)
        high = _high(np, np.asarray(hashes, np.int64))
        order = np.argsort(high)  # looked up in order: each search starts where the last ended
        at = np.minimum(np.searchsorted(self._high, high[order]), len(self._high) - 1)
        out = np.empty(len(high), bool)
        out[order] = self._high[at] == high[order]
        return out

    def firsts(self, hashes: Any) -> dict[str, int]:
        """The ids here whose hash is one of ``hashes``, each with its first row."""
        np = self._np
        wanted = np.unique(np.asarray(hashes, np.int64))
        found: dict[str, int] = {}
        if not len(wanted):
            return found
        fh = self._files["hashes"]
        for lo in range(0, self._count, BLOCK):
            fh.seek(lo * 8)
            block = np.frombuffer(fh.read(min(BLOCK, self._count - lo) * 8), np.int64)
            for e in (lo + np.flatnonzero(np.isin(block, wanted))).tolist():
                found[self._text(e)] = self._row(e)
        return found

    def _read(self, name: str, at: int, size: int) -> bytes:
        fh = self._files[name]
        fh.seek(at)
        return fh.read(size)

    def _text(self, e: int) -> str:
        np = self._np
        if e:
            start, end = np.frombuffer(self._read("ends", (e - 1) * 8, 16), np.int64).tolist()
        else:
            start, end = 0, int(np.frombuffer(self._read("ends", 0, 8), np.int64)[0])
        return self._read("text", start, end - start).decode("utf-8", "surrogatepass")

    def _row(self, e: int) -> int:
        return int(self._np.frombuffer(self._read("rows", e * 8, 8), self._np.int64)[0])


def _high(np: Any, hashes: Any) -> Any:
    """The high 32 bits of int64 hashes, as uint32."""
    return (hashes.view(np.uint64) >> np.uint64(32)).astype(np.uint32)


def _utf8(texts: Any) -> tuple[bytes | memoryview, Any]:
    """Ids' UTF-8 bytes one after the other, and each one's length: Arrow's buffers for an
    Arrow string array; each id encoded (``surrogatepass``) for a list."""
    import numpy as np

    if isinstance(texts, list):
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        return b"".join(encoded), np.fromiter(map(len, encoded), np.int64, len(encoded))
    _, offsets, data = texts.buffers()
    width = 8 if str(texts.type) == "large_string" else 4
    at = np.frombuffer(offsets, f"<i{width}", len(texts) + 1, texts.offset * width)
    at = at.astype(np.int64)
    lo, hi = int(at[0]), int(at[-1])
    body: bytes | memoryview = memoryview(data)[lo:hi] if data is not None and hi > lo else b""
    return body, np.diff(at)


#: an id's hash for :class:`IdLog` (ids with one hash are told apart by their text)
_HASH = hash


class IdLog:
    """The ids of a table read by columns, each with its row, checked for duplicates once
    the table is read (:meth:`duplicates`) rather than batch by batch.

    :class:`~perfscore.ingest.seen.SeenBatches` looked each batch's ids up among every id
    before it (a binary search of a sorted array per id, then an insert into it): 1.0–1.3 s
    of CPU for 1,000,000 ids in batches of 16,384, most of it cache misses in the array.
    Here a batch costs its ids' ``hash`` and appending them; at the end one sort of the
    hashes' high 32 bits finds the few ids that may repeat, their full hashes are compared,
    then their texts — exact, as before.  The duplicate-id notes are the same, in the same
    row order; they only come at the end of the file, where the run first reads them.

    Memory: the high 32 bits of each id's hash (4 bytes an id); the ids' texts, rows and full
    hashes stay in memory until :data:`~perfscore.ingest.seen.SPILL` ids, then go to
    temporary files (or stay, when none can be made).  Use as a context manager."""

    def __init__(self, spill: int = 1 << 16) -> None:
        self._spill = spill
        self._high: list[Any] = []  # each batch's hashes' high 32 bits (uint32)
        self._parts: list[tuple[Any, Any, Any]] = []  # in memory: (texts, rows, hashes)
        self._disk: _IdFiles | None = None
        self._odd: dict[int, Any] = {}  # entries whose id is not a str: the id as given
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __enter__(self) -> IdLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None
        self._high, self._parts, self._odd, self._count = [], [], {}, 0

    def add(self, sids: Sequence[Any], rows: Sequence[int]) -> None:
        """A batch's ids (``str`` of any other value is its text) and their rows, ascending
        and after every row given before."""
        import numpy as np

        n = len(sids)
        if not n:
            return
        if not set(map(type, sids)) <= {str}:
            for k, s in enumerate(sids):
                if type(s) is not str:
                    self._odd[self._count + k] = s
            sids = [str(s) for s in sids]
        hashes = np.fromiter(map(_HASH, sids), np.int64, n)
        self._high.append(_high(np, hashes))
        part = (_texts(sids), np.asarray(rows, np.int64), hashes)
        self._count += n
        if self._disk is not None:
            self._disk.add(*part)
            return
        self._parts.append(part)
        if self._count >= self._spill:
            try:
                disk = _IdFiles()
            except OSError:  # no temporary directory to write to: stay in memory
                self._spill = 1 << 62
                return
            try:
                for p in self._parts:
                    disk.add(*p)
            except OSError:
                disk.close()
                self._spill = 1 << 62
                return
            self._disk, self._parts = disk, []

    def duplicates(self) -> list[tuple[int, int, Any]]:
        """Each id given again: ``(its row, the row it was first given on, the id as given
        there)``, in row order."""
        import numpy as np

        if self._count < 2:
            return []
        high = np.concatenate(self._high)
        self._high = [high]
        ordered = np.sort(high)
        again = ordered[1:][ordered[1:] == ordered[:-1]]
        if not len(again):
            return []
        again = np.unique(again)
        at = np.minimum(np.searchsorted(again, high), len(again) - 1)
        maybe = np.flatnonzero(again[at] == high)  # entries, ascending
        full = self._hashes(maybe)
        order = np.argsort(full, kind="stable")  # each hash's entries in entry order
        sorted_full = full[order]
        same = sorted_full[1:] == sorted_full[:-1]
        shared = np.zeros(len(maybe), bool)
        shared[1:] |= same
        shared[:-1] |= same
        entries = np.sort(maybe[order[shared]])  # entries whose full hash another has
        if not len(entries):
            return []
        texts, rows = self._read(entries)
        first: dict[str, int] = {}
        out: list[tuple[int, int, Any]] = []
        for e, text, row in zip(entries.tolist(), texts, rows, strict=True):
            was = first.setdefault(text, row)
            if was != row:
                out.append((row, was, self._odd.get(e, text)))
        return out

    def _hashes(self, entries: Any) -> Any:
        """The full hashes of ``entries`` (ascending)."""
        import numpy as np

        if self._disk is not None:
            return self._disk.hashes(entries)
        return np.concatenate([h for _, _, h in self._parts])[entries]

    def _read(self, entries: Any) -> tuple[list[str], list[int]]:
        """The texts and rows of ``entries`` (ascending)."""
        import numpy as np

        if self._disk is not None:
            return self._disk.read(entries)
        starts = np.cumsum([0] + [len(r) for _, r, _ in self._parts])
        texts: list[str] = []
        rows: list[int] = []
        for e in entries.tolist():
            p = int(np.searchsorted(starts, e, "right")) - 1
            t, r, _ = self._parts[p]
            k = e - int(starts[p])
            x = t[k]
            texts.append(x if type(x) is str else x.as_py())
            rows.append(int(r[k]))
        return texts, rows


class _IdFiles:
    """:class:`IdLog`'s ids on disk: their UTF-8 bytes one after the other, each one's end
    offset, row and hash (int64), in four temporary files."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="perfscore-ids-")
        self._files: dict[str, IO[bytes]] = {
            name: open(os.path.join(self._tmp.name, name), "w+b")  # noqa: SIM115
            for name in ("text", "ends", "rows", "hashes")
        }
        self._bytes = 0

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._tmp.cleanup()

    def add(self, texts: Any, rows: Any, hashes: Any) -> None:
        import numpy as np

        data, lengths = _utf8(texts)
        ends = self._bytes + np.cumsum(lengths, dtype=np.int64)
        self._bytes = int(ends[-1]) if len(ends) else self._bytes
        self._append("text", data)
        for name, numbers in (("ends", ends), ("rows", rows), ("hashes", hashes)):
            self._append(name, np.ascontiguousarray(numbers, np.int64).tobytes())

    def _append(self, name: str, data: bytes | memoryview) -> None:
        fh = self._files[name]
        fh.seek(0, os.SEEK_END)
        fh.write(data)

    def hashes(self, entries: Any) -> Any:
        """The hashes of ``entries`` (ascending), the file read :data:`BLOCK` at a time."""
        import numpy as np

        fh = self._files["hashes"]
        fh.flush()
        out = np.empty(len(entries), np.int64)
        total = os.fstat(fh.fileno()).st_size // 8
        done = 0
        for lo in range(0, total, BLOCK):
            hi = min(total, lo + BLOCK)
            upto = int(np.searchsorted(entries, hi))
            if upto > done:
                fh.seek(lo * 8)
                block = np.frombuffer(fh.read((hi - lo) * 8), np.int64)
                out[done:upto] = block[entries[done:upto] - lo]
                done = upto
        return out

    def read(self, entries: Any) -> tuple[list[str], list[int]]:
        """The texts and rows of ``entries``."""
        import numpy as np

        for fh in self._files.values():
            fh.flush()
        texts: list[str] = []
        rows: list[int] = []
        for e in entries.tolist():
            at = (e - 1) * 8 if e else 0
            self._files["ends"].seek(at)
            got = np.frombuffer(self._files["ends"].read(16 if e else 8), np.int64).tolist()
            start, end = (got[0], got[1]) if e else (0, got[0])
            self._files["text"].seek(start)
            texts.append(self._files["text"].read(end - start).decode("utf-8", "surrogatepass"))
            self._files["rows"].seek(e * 8)
            rows.append(int(np.frombuffer(self._files["rows"].read(8), np.int64)[0]))
        return texts, rows


def _texts(sids: Sequence[str]) -> Any:
    """Ids as an Arrow string array (their bytes written at once); a list kept as it is when
    one has a lone surrogate."""
    import pyarrow as pa

    try:
        return pa.array(sids, pa.string())
    except (UnicodeError, pa.ArrowException):
        return list(sids)
