"""Report formats: .docx (standard library reader) and PDF with a text layer (pypdf, optional).

Both files are generated here, from our own sample report's text."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from perfscore.errors import DataError
from perfscore.extract import extract_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples/reports/sample-dept-2023.txt"

INCOME = [
    "一、基本情况",
    "（二）部门整体收支情况",
    "全年预算数 ２８５６．４０ 万元，执行数 2838.27 万元，完成预算的 99.4 %。",
    "按资金来源分，一般公共预算财政拨款支出 0.28 亿元，政府性基金预算财政拨款支出 382,700 元，"
    "国有资本经营预算财政拨款支出 0 万元。按支出性质看，基本支出 2511.05 万元，项目支出 3,272,200 元。",
]
EXPECTED = {
    "budget": Decimal("2856.4"),
    "executed": Decimal("2838.27"),
    "reported_execution_rate": Decimal("99.4"),
    "general_public_budget": Decimal("2800"),
    "government_fund_budget": Decimal("38.27"),
    "soe_capital_budget": Decimal("0"),
    "basic_expenditure": Decimal("2511.05"),
    "project_expenditure": Decimal("327.22"),
}

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def write_docx(path: Path, paragraphs: list[str]) -> None:
    """A minimal Word document; each paragraph's text is split over two runs, as Word does."""
    body = []
    for text in paragraphs:
        half = len(text) // 2
        runs = "".join(
            f'<w:r><w:t xml:space="preserve">{escape(part)}</w:t></w:r>'
            for part in (text[:half], text[half:])
        )
        body.append(f"<w:p>{runs}</w:p>")
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{''.join(body)}<w:p/></w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("_rels/.rels", _DOCX_RELS)
        archive.writestr("word/document.xml", document)


def _sample_paragraphs() -> list[str]:
    """The sample report's paragraphs (as a word processor would hold them)."""
    from perfscore.extract._text import normalise

    text = normalise(SAMPLE.read_text(encoding="utf-8").split("\n"))
    return [text.original(a, b) for a, b in text.paragraphs]


def test_docx_sample_report(tmp_path: Path) -> None:
    path = tmp_path / "sample.docx"
    write_docx(path, _sample_paragraphs())
    result = extract_report(path, "cn-npc-office")
    assert result.kind == "docx"
    assert result.warnings == ()
    for key, value in EXPECTED.items():
        assert result.values[key] == value, key
    assert (result.values["key_tasks_planned"], result.values["key_tasks_completed"]) == (4, 3)
    assert result.facts["deputy_activities"]["qualifier"] == "近"
    assert result.checks["doubled_char_count"] == 1
    # provenance: a .docx "line" is a paragraph
    executed = result.provenance["executed"]
    assert executed["line"] == executed["end_line"]
    assert executed["text"] == "执行数 2838.27 万元"
    assert result.to_subject()["source"]["format"] == "docx"


def test_docx_damaged(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"cannot read the \.docx"):
        extract_report(bad)
    empty = tmp_path / "empty.docx"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("other.xml", "<x/>")
    with pytest.raises(DataError, match=r"word/document\.xml is missing"):
        extract_report(empty)


def test_missing_report_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read file"):
        extract_report(tmp_path / "nope.txt")


# --- PDF ----------------------------------------------------------------------------------


def write_pdf(path: Path, pages: list[list[str]]) -> None:
    """A PDF with a real text layer: a Type0 font with a ToUnicode map (no glyphs embedded)."""
    chars = sorted({c for page in pages for line in page for c in line})
    code = {c: i + 1 for i, c in enumerate(chars)}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes, extra: str = "") -> bytes:
        return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"

    bfchar = "".join(f"<{code[c]:04X}> <{ord(c):04X}>\n" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchar}endbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    tounicode = add(stream(cmap))
    descriptor = add(
        b"<< /Type /FontDescriptor /FontName /Sample /Flags 4 /FontBBox [0 0 1000 1000] "
        b"/ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>"
    )
    cidfont = add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Sample /CIDSystemInfo << /Registry "
        b"(Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 >>"
        % descriptor
    )
    font = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Sample /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cidfont, tounicode)
    )
    pages_id = len(objects) + 2 * len(pages) + 1
    kids = []
    for page in pages:
        ops = ["BT /F1 10 Tf 14 TL 40 800 Td"]
        for line in page:
            ops.append("<" + "".join(f"{code[c]:04X}" for c in line) + "> Tj T*")
        ops.append("ET")
        content = add(stream("\n".join(ops).encode()))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font "
                b"<< /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_id, font, content)
            )
        )
    kid_refs = " ".join(f"{k} 0 R" for k in kids).encode()
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kid_refs, len(kids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    path.write_bytes(bytes(out))


def test_pdf_with_text_layer(tmp_path: Path) -> None:
    pytest.importorskip("pypdf", reason="PDF reading needs the optional extra 'pdf' (pypdf)")
    path = tmp_path / "report.pdf"
    # Visual lines as a PDF holds them; the executed amount is cut across the page break.
    page1 = [
        "一、基本情况",
        "（二）部门整体收支情况",
        "全年预算数 2856.40 万元，执行数 2838.",
    ]
    page2 = [
        "- 2 -",
        "27 万元，完成预算的 99.4 %。",
        "按支出性质看，基本支出 2511.05 万元，项目支出 3,272,200 元。",
    ]
    write_pdf(path, [page1, page2])
    result = extract_report(path)
    assert result.kind == "pdf"
    assert result.values["budget"] == Decimal("2856.4")
    assert result.values["executed"] == Decimal("2838.27")
    assert result.values["reported_execution_rate"] == Decimal("99.4")
    assert result.values["project_expenditure"] == Decimal("327.22")
    assert result.provenance["executed"]["text"] == "执行数 2838.27 万元"


def test_pdf_without_pypdf_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "pypdf":
            raise ImportError("no pypdf")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(DataError, match="optional extra 'pdf'"):
        extract_report(path)
