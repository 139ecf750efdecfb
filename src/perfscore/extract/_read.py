"""Read a report file into lines: plain text, .docx (standard library only) and PDF (pypdf).

Every reader works within a budget (:data:`LIMITS`): bytes read from disk, bytes decompressed
from a .docx or from a PDF's content streams, pages, characters of text and seconds.  A report
over budget is refused with a :class:`~perfscore.errors.DataError` that says which limit it
hit, after bounded work — a small file that unpacks to gigabytes is stopped while unpacking,
not after.
"""

from __future__ import annotations

import os
import stat
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from perfscore.errors import DataError, Problem

__all__ = ["LIMITS", "REPORT_SUFFIXES", "Deadline", "ReadLimits", "ReportSource", "read_report"]

REPORT_SUFFIXES = (".txt", ".text", ".docx", ".pdf")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class ReadLimits:
    """What one report may cost to read.  A real self-evaluation report is well inside each."""

    file_bytes: int = 50 * 2**20  # a .docx or .pdf file on disk
    text_bytes: int = 12 * 2**20  # a plain-text report
    xml_bytes: int = 24 * 2**20  # word/document.xml once unzipped
    page_stream_bytes: int = 4 * 2**20  # content streams one PDF page draws, decompressed
    stream_bytes: int = 64 * 2**20  # all PDF pages together, decompressed
    pages: int = 2000
    chars: int = 2_000_000  # characters of text, any format (a long report: 300,000)
    seconds: float = 60.0  # wall time to read and extract one report, any format


LIMITS = ReadLimits()


@dataclass(frozen=True)
class ReportSource:
    """A report's lines as the reader saw them; provenance lines and columns refer to these.

    For .docx a "line" is a paragraph, or a table row with its cells separated by `` | ``; for
    PDF, a line of the extracted text layer (pages are separated by a blank line).  ``reflow``
    says whether lines are visual lines to be joined.
    """

    path: str
    kind: str
    lines: tuple[str, ...]
    reflow: bool


class Deadline:
    """The wall-clock budget of one report — reading it (any format) and extracting from it.

    ``check()`` is called between bounded steps (a PDF page, a template field, a table
    reading); past the deadline it refuses the report with a DataError naming the limit."""

    def __init__(self, path: str, seconds: float | None) -> None:
        self.path = path
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at:
            raise _fail(self.path, f"reading the report took longer than {self.seconds:g} s")


def _fail(path: str, message: str, cause: BaseException | None = None) -> DataError:
    error = DataError([Problem(message, source=path)])
    if cause is not None:
        error.__cause__ = cause
    return error


def _decode(raw: bytes, path: str) -> str:
    encodings = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ()
    for encoding in (*encodings, "utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(path, "cannot decode the report text (tried UTF-8 and GB18030)")


def _check_chars(path: str, lines: list[str] | tuple[str, ...], limits: ReadLimits) -> None:
    total = sum(len(line) for line in lines)
    if total > limits.chars:
        raise _fail(path, f"the report holds more than {limits.chars} characters of text")


def _read_text(path: str, limits: ReadLimits) -> ReportSource:
    with open(path, "rb") as fh:
        raw = fh.read(limits.text_bytes + 1)
    if len(raw) > limits.text_bytes:
        raise _fail(path, f"the text file is larger than {limits.text_bytes} bytes")
    text = _decode(raw, path)
    del raw
    if len(text) > limits.chars:
        raise _fail(path, f"the report holds more than {limits.chars} characters of text")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return ReportSource(path, "text", tuple(lines), reflow=True)


# -- .docx ---------------------------------------------------------------------------------------


def _paragraph_text(paragraph: ElementTree.Element) -> list[str]:
    parts: list[str] = [""]
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts[-1] += node.text
        elif node.tag == f"{_W}tab":
            parts[-1] += "\t"
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("")
    return parts


def _cell_text(cell: ElementTree.Element) -> str:
    words = []
    for paragraph in cell.iter(f"{_W}p"):
        text = " ".join(p.strip() for p in _paragraph_text(paragraph) if p.strip())
        if text:
            words.append(text)
    return " ".join(words).replace("|", "¦")


def _body_lines(element: ElementTree.Element) -> Iterator[str]:
    """Paragraphs as lines; a table row as one line, its cells separated by `` | ``."""
    for child in element:
        if child.tag == f"{_W}p":
            yield from _paragraph_text(child)
        elif child.tag == f"{_W}tbl":
            for row in child.iter(f"{_W}tr"):
                cells = [_cell_text(c) for c in row if c.tag == f"{_W}tc"]
                yield " | ".join(cells)
        else:  # content controls, custom XML ... hold paragraphs and tables
            yield from _body_lines(child)


def _read_docx(path: str, limits: ReadLimits) -> ReportSource:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > limits.xml_bytes:
                raise _fail(path, f"word/document.xml is larger than {limits.xml_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            with archive.open(info) as member:  # the size in the header may lie: count
                while chunk := member.read(2**20):
                    size += len(chunk)
                    if size > limits.xml_bytes:
                        raise _fail(
                            path, f"word/document.xml unpacks to more than {limits.xml_bytes} bytes"
                        )
                    chunks.append(chunk)
            xml = b"".join(chunks)
            del chunks
    except KeyError as exc:
        raise _fail(path, "not a Word document: word/document.xml is missing", exc) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise _fail(path, f"cannot read the .docx file: {exc}", exc) from exc
    if b"<!DOCTYPE" in xml[:4096] or b"<!ENTITY" in xml:
        raise _fail(path, "word/document.xml declares a DOCTYPE or entities; refused")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise _fail(path, f"word/document.xml is not valid XML: {exc}", exc) from exc
    body = root.find(f"{_W}body")
    lines = list(_body_lines(body if body is not None else root))
    _check_chars(path, lines, limits)
    return ReportSource(path, "docx", tuple(lines), reflow=False)


# -- PDF -----------------------------------------------------------------------------------------


class _Budget:
    """Decompressed bytes and time one PDF may cost; streams are measured before pypdf reads."""

    def __init__(self, path: str, limits: ReadLimits, deadline: Deadline) -> None:
        self.path = path
        self.limits = limits
        self.total = 0
        self.deadline = deadline

    def check_time(self) -> None:
        self.deadline.check()

    def stream_size(self, stream: Any, cap: int) -> int:
        """Decompressed size of one stream, counting no further than ``cap`` + 1 bytes."""
        raw = getattr(stream, "_data", b"") or b""
        filters = stream.get("/Filter")
        if filters is None:
            return len(raw)
        names = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]
        if names == ["/FlateDecode"]:
            try:
                return len(zlib.decompressobj().decompress(raw, cap + 1))
            except zlib.error:
                return len(raw)  # pypdf will report it
        if len(raw) * 8 > cap:  # other filters: small enough that no expansion can hurt
            return cap + 1
        return len(stream.get_data())

    def page(self, number: int, page: Any) -> None:
        """Refuse a page whose content streams (and the forms they draw) unpack too far."""
        cap = self.limits.page_stream_bytes
        size = 0
        for stream in _page_streams(page):
            size += self.stream_size(stream, cap - size)
            if size > cap:
                raise _fail(
                    self.path, f"page {number}: its content unpacks to more than {cap} bytes"
                )
        self.total += size
        if self.total > self.limits.stream_bytes:
            raise _fail(
                self.path,
                f"the PDF's pages unpack to more than {self.limits.stream_bytes} bytes of content",
            )


def _page_streams(page: Any, depth: int = 0) -> Iterator[Any]:
    contents = page.get("/Contents") if depth == 0 else None
    if contents is not None:
        contents = contents.get_object()
        items = contents if isinstance(contents, list) else [contents]
        for item in items:
            yield item.get_object()
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if resources is not None else None
    if xobjects is None or depth > 3:
        return
    for ref in xobjects.get_object().values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Form":
            yield obj
            yield from _page_streams(obj, depth + 1)


def _read_pdf(path: str, limits: ReadLimits, deadline: Deadline) -> ReportSource:
    try:
        import pypdf
    except ImportError as exc:
        raise _fail(
            path,
            "reading PDF needs the optional extra 'pdf' (pip install 'perfscore[pdf]', "
            "which installs pypdf)",
            exc,
        ) from exc
    budget = _Budget(path, limits, deadline)
    lines: list[str] = []
    chars = 0
    try:
        reader = pypdf.PdfReader(path)
        count = len(reader.pages)
        if count > limits.pages:
            raise _fail(path, f"the PDF has {count} pages; the limit is {limits.pages}")
        for number, page in enumerate(reader.pages):
            budget.check_time()
            budget.page(number + 1, page)
            if number:
                lines.append("")
            page_lines = (page.extract_text() or "").splitlines()
            chars += sum(len(line) for line in page_lines)
            if chars > limits.chars:
                raise _fail(path, f"the report holds more than {limits.chars} characters of text")
            lines.extend(page_lines)
        budget.check_time()
    except DataError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise _fail(path, f"cannot read the PDF text layer: {exc}", exc) from exc
    if not any(line.strip() for line in lines):
        raise _fail(path, "the PDF has no text layer (a scanned document needs OCR first)")
    return ReportSource(path, "pdf", tuple(lines), reflow=True)


def read_report(
    path: str | os.PathLike[str], limits: ReadLimits = LIMITS, deadline: Deadline | None = None
) -> ReportSource:
    """Read a report; the format follows the file's suffix (anything else is read as text).

    ``deadline``: the report's wall-clock budget, when the caller goes on to extract from it
    (default: ``limits.seconds`` from now)."""
    name = os.fspath(path)
    if deadline is None:
        deadline = Deadline(name, limits.seconds)
    try:
        info = os.stat(name)
    except OSError as exc:
        raise _fail(name, f"cannot read file: {exc.strerror or exc}", exc) from exc
    if not stat.S_ISREG(info.st_mode):
        raise _fail(name, "cannot read file: not a regular file")
    suffix = Path(name).suffix.lower()
    cap = limits.file_bytes if suffix in (".docx", ".pdf") else limits.text_bytes
    if info.st_size > cap:
        raise _fail(name, f"file is {info.st_size} bytes; the limit is {cap}")
    try:
        if suffix == ".docx":
            source = _read_docx(name, limits)
        elif suffix == ".pdf":
            return _read_pdf(name, limits, deadline)
        else:
            source = _read_text(name, limits)
    except OSError as exc:
        raise _fail(name, f"cannot read file: {exc.strerror or exc}", exc) from exc
    deadline.check()
    return source
