"""Pieces a ``--jobs`` worker wrote to its file, copied into an output by the kernel: the
output holds exactly those bytes, whatever the copying method, and the buffered file goes on
writing after them."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest

from perfscore import spans
from perfscore.spans import Span, write_piece


@pytest.fixture
def worker_file(tmp_path: Path) -> Path:
    path = tmp_path / "worker-0"
    path.write_bytes('前言,{"a": 1},{"b": "预算"}\n尾'.encode())
    return path


def _span(path: Path, text: str) -> Span:
    data = path.read_bytes()
    start = data.index(text.encode())
    return Span(str(path), start, len(text.encode()))


@pytest.mark.parametrize("method", ["copy_file_range", "sendfile", "read"])
def test_a_span_lands_between_buffered_writes(
    tmp_path: Path, worker_file: Path, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, method) and method != "read":
        pytest.skip(f"no os.{method} here")
    monkeypatch.setattr(spans, "_METHOD", method)
    out = tmp_path / "out"
    with open(out, "wb") as fh:
        fh.write(b"[")
        write_piece(fh, _span(worker_file, ',{"a": 1}'), skip=1)  # the first item's comma
        write_piece(fh, _span(worker_file, ',{"b": "预算"}'))
        assert fh.tell() == len('[{"a": 1},{"b": "预算"}'.encode())
        fh.write(b"]")
    assert out.read_bytes().decode() == '[{"a": 1},{"b": "预算"}]'
    assert method == spans._METHOD  # copied that way, not by a fallback


def test_the_kernel_refusing_falls_back_to_another_method(
    tmp_path: Path, worker_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another file system (EXDEV) or an old kernel: the bytes are copied another way."""

    def refuse(*args: object) -> int:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(spans, "_METHOD", "copy_file_range")
    monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    monkeypatch.setattr(os, "sendfile", refuse, raising=False)
    out = tmp_path / "out"
    with open(out, "wb") as fh:
        write_piece(fh, _span(worker_file, "前言"))
    assert out.read_bytes().decode() == "前言"
    assert spans._METHOD == "read"


def test_an_output_in_memory_reads_the_piece(worker_file: Path) -> None:
    buf = io.BytesIO()
    write_piece(buf, b",xy", skip=1)
    write_piece(buf, _span(worker_file, ',{"a": 1}'), skip=1)
    write_piece(buf, _span(worker_file, "尾"))
    assert buf.getvalue().decode() == 'xy{"a": 1}尾'


def test_a_short_worker_file_is_an_error_not_a_short_output(
    tmp_path: Path, worker_file: Path
) -> None:
    size = worker_file.stat().st_size
    with open(tmp_path / "out", "wb") as fh, pytest.raises(OSError, match="missing"):
        write_piece(fh, Span(str(worker_file), size - 2, 10))
    with pytest.raises(OSError, match="missing"):
        write_piece(io.BytesIO(), Span(str(worker_file), size - 2, 10))


def test_empty_pieces_write_nothing(tmp_path: Path, worker_file: Path) -> None:
    buf = io.BytesIO()
    write_piece(buf, b"")
    write_piece(buf, Span(str(worker_file), 3, 0))
    write_piece(buf, b",", skip=1)
    assert buf.getvalue() == b"" and not Span(str(worker_file), 3, 0)
