"""Read a report file into lines: plain text, .docx (standard library only) and PDF (pypdf)."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from perfscore.errors import DataError, Problem

__all__ = ["REPORT_SUFFIXES", "ReportSource", "read_report"]

REPORT_SUFFIXES = (".txt", ".text", ".docx", ".pdf")
_MAX_BYTES = 50 * 2**20
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class ReportSource:
    """A report's lines as the reader saw them; provenance lines and columns refer to these.

    For .docx a "line" is a paragraph; for PDF, a line of the extracted text layer (pages are
    separated by a blank line).  ``reflow`` says whether lines are visual lines to be joined.
    """

    path: str
    kind: str
    lines: tuple[str, ...]
    reflow: bool


def _fail(path: str, message: str, cause: BaseException | None = None) -> DataError:
    error = DataError([Problem(message, source=path)])
    if cause is not None:
        error.__cause__ = cause
    return error


def _decode(raw: bytes, path: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(path, "cannot decode the report text (tried UTF-8 and GB18030)")


def _read_text(path: str) -> ReportSource:
    raw = Path(path).read_bytes()
    text = _decode(raw, path).replace("\r\n", "\n").replace("\r", "\n")
    return ReportSource(path, "text", tuple(text.split("\n")), reflow=True)


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


def _read_docx(path: str) -> ReportSource:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > _MAX_BYTES:
                raise _fail(path, f"word/document.xml is larger than {_MAX_BYTES} bytes")
            xml = archive.read(info)
    except KeyError as exc:
        raise _fail(path, "not a Word document: word/document.xml is missing", exc) from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise _fail(path, f"cannot read the .docx file: {exc}", exc) from exc
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise _fail(path, f"word/document.xml is not valid XML: {exc}", exc) from exc
    lines: list[str] = []
    for paragraph in root.iter(f"{_W}p"):
        lines.extend(_paragraph_text(paragraph))
    return ReportSource(path, "docx", tuple(lines), reflow=False)


def _read_pdf(path: str) -> ReportSource:
    try:
        import pypdf
    except ImportError as exc:
        raise _fail(
            path,
            "reading PDF needs the optional extra 'pdf' (pip install 'perfscore[pdf]', "
            "which installs pypdf)",
            exc,
        ) from exc
    try:
        reader = pypdf.PdfReader(path)
        lines: list[str] = []
        for number, page in enumerate(reader.pages):
            if number:
                lines.append("")
            lines.extend((page.extract_text() or "").splitlines())
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise _fail(path, f"cannot read the PDF text layer: {exc}", exc) from exc
    if not any(line.strip() for line in lines):
        raise _fail(path, "the PDF has no text layer (a scanned document needs OCR first)")
    return ReportSource(path, "pdf", tuple(lines), reflow=True)


def read_report(path: str | os.PathLike[str]) -> ReportSource:
    """Read a report; the format follows the file's suffix (anything else is read as text)."""
    name = os.fspath(path)
    try:
        size = os.stat(name).st_size
    except OSError as exc:
        raise _fail(name, f"cannot read file: {exc.strerror or exc}", exc) from exc
    if size > _MAX_BYTES:
        raise _fail(name, f"file is {size} bytes; the limit is {_MAX_BYTES}")
    suffix = Path(name).suffix.lower()
    try:
        if suffix == ".docx":
            return _read_docx(name)
        if suffix == ".pdf":
            return _read_pdf(name)
        return _read_text(name)
    except OSError as exc:
        raise _fail(name, f"cannot read file: {exc.strerror or exc}", exc) from exc
