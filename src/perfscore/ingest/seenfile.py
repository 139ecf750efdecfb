"""The ids of a table read by columns, past :data:`~perfscore.ingest.seen.SPILL` of them: on
disk, with 4 bytes an id in memory, for :class:`~perfscore.ingest.seen.SeenBatches`.

Each id's text (UTF-8; a lone surrogate's bytes as ``surrogatepass`` writes them), its first
row and its 64-bit ``hash`` go to temporary files in the order first seen; memory holds the
high 32 bits of each hash, sorted.  An id of a new batch whose 32 bits are there may have
been seen: the hash file is scanned (a block at a time) for its full hash, and the ids found
are compared by their text — so the check stays exact, and a batch with no such id (the usual
case) reads nothing back.  A SQLite table with the id as its unique key, which this replaces,
cost ~1.2 µs of CPU an id to insert (1.2 s for 1,000,000).
"""

from __future__ import annotations

import os
import tempfile
from typing import IO, Any

__all__ = ["HashedIds"]

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
