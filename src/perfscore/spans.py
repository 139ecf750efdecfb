"""Bytes that already sit in a file: what a ``perfscore score --jobs N`` worker encoded.

The parent of ``--jobs`` writes each output from its workers' pieces in input order.  Reading
them back and writing them again cost the parent about 400 µs a subject on JSON Lines (48 kB a
subject: a pipe, a spool file, the output) — CPU the workers needed on a 2-core machine.  A
:class:`Span` names where a worker wrote a piece; :func:`write_piece` has the kernel copy it
into the output (``copy_file_range``, else ``sendfile``), so the bytes never pass through this
process, and falls back to reading and writing where the kernel cannot (another system, an
output in memory)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import IO

__all__ = ["Piece", "Span", "write_piece"]


@dataclass(frozen=True)
class Span:
    """``length`` bytes of the file at ``path`` from ``offset``."""

    path: str
    offset: int
    length: int

    def __len__(self) -> int:
        return self.length

    def read(self) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            data = fh.read(self.length)
        if len(data) != self.length:
            raise OSError(f"{self.path}: {self.length - len(data)} bytes missing")
        return data


#: a piece of an output: its bytes, or where they are
Piece = bytes | Span

_BLOCK = 1 << 24  # bytes copied by one call


def write_piece(out: IO[bytes], piece: Piece, skip: int = 0) -> None:
    """Write ``piece`` (without its first ``skip`` bytes) to ``out``."""
    if isinstance(piece, bytes):
        out.write(piece[skip:] if skip else piece)
        return
    span = Span(piece.path, piece.offset + skip, piece.length - skip)
    if span.length <= 0:
        return
    try:
        fd = out.fileno() if out.seekable() else -1
    except (AttributeError, OSError, io.UnsupportedOperation):
        fd = -1
    if fd < 0:
        out.write(span.read())
        return
    out.flush()
    with open(span.path, "rb") as src:
        _copy(src.fileno(), fd, span.offset, span.length)
    out.seek(os.lseek(fd, 0, os.SEEK_CUR))  # the buffered file learns where the copy ended


def _copy(src: int, dst: int, offset: int, length: int) -> None:
    """Copy by the kernel, at ``dst``'s position (which moves on)."""
    while length:
        n = _kernel_copy(src, dst, offset, min(length, _BLOCK))
        if n <= 0:
            raise OSError(f"{length} bytes missing at offset {offset}")
        offset += n
        length -= n


def _kernel_copy(src: int, dst: int, offset: int, count: int) -> int:
    global _METHOD
    if _METHOD == "copy_file_range":
        try:
            return os.copy_file_range(src, dst, count, offset)
        except OSError:  # another file system, an old kernel: sendfile then
            _METHOD = "sendfile"
    if _METHOD == "sendfile":
        try:
            return os.sendfile(dst, src, offset, count)
        except OSError:
            _METHOD = "read"
    data = os.pread(src, count, offset)
    view = memoryview(data)
    while view:
        view = view[os.write(dst, view) :]
    return len(data)


_METHOD = "copy_file_range" if hasattr(os, "copy_file_range") else "sendfile"
if not hasattr(os, "sendfile"):  # pragma: no cover - not on Linux or macOS
    _METHOD = "read"
