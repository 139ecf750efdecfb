"""Extraction that cannot run away and cannot take a batch down (#19 class 4 and 6, #17 item 1).

* mangled reports (truncated, shuffled, headings removed, noise) never raise and never yield a
  figure the text does not hold;
* hostile sizes are refused after bounded work: a label followed by 200,000 spaces, a text file
  over the limit, a PDF whose pages share one huge content stream;
* a report that cannot be read is an error for that report; the rest of the folder is extracted.
"""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfscore.errors import DataError
from perfscore.extract import cli as extract_cli
from perfscore.extract import extract_folder, extract_lines, extract_report, load_template
from perfscore.extract._read import ReadLimits

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples/reports/sample-dept-2023.txt"
CASES = ROOT / "tests/extract_cases"


def _base_texts() -> list[list[str]]:
    texts = [SAMPLE.read_text(encoding="utf-8").split("\n")]
    for path in sorted(CASES.glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8").split("\n"))
    return texts


BASES = _base_texts()
_NUMBER = re.compile(r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?")
_SCALES = [Decimal(10) ** k for k in range(-8, 9)]


def _printed(value: Decimal, text: str) -> bool:
    """``value`` is a number printed in ``text`` (in some unit: 0.28 亿元 is 2800 万元), or the
    digits of a cell that a scan glued to its neighbours (20 in ``202010100.00%``)."""
    folded = unicodedata.normalize("NFKC", text).replace(" ", "")
    folded = folded.translate(str.maketrans("OoIl", "0011"))
    for raw in _NUMBER.findall(folded):
        number = Decimal(raw.replace(",", ""))
        if any(number * scale == value for scale in _SCALES):
            return True
    return format(value, "f") in folded.replace(",", "")


def assert_nothing_invented(lines: list[str], template: str) -> None:
    result = extract_lines(lines, template)
    for name, value in result.values.items():
        if isinstance(value, Decimal):
            prov = result.provenance[name]
            assert _printed(value, str(prov["text"])), (name, value, prov)
    declared = result.to_subject().get("declared", {})
    if "total" in declared:
        prov = result.provenance["self_score"]
        assert _printed(Decimal(str(declared["total"])), str(prov["text"])), prov
    if "grade" in declared:
        assert declared["grade"] in ("优", "良", "中", "差")
        assert set(str(result.provenance["grade"]["text"])) & set("优良中差")


_NOISE = st.text(
    alphabet=st.sampled_from(
        list("，。：；、（）()|%万元执行数预算一二三四五六七八九十0123456789 \t□☑R£优良—IO得分")
    ),
    max_size=12,
)


@st.composite
def mangled(draw: st.DrawFn) -> list[str]:
    lines = list(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["truncate", "shuffle", "drop_headings", "noise", "join", "cut"]))
        if op == "truncate" and lines:
            lines = lines[: draw(st.integers(0, len(lines)))]
        elif op == "shuffle":
            lines = draw(st.permutations(lines))
        elif op == "drop_headings":
            lines = [ln for ln in lines if not re.match(r"\s*[一二三四五六七八九十（(]", ln)]
        elif op == "noise" and lines:
            at = draw(st.integers(0, len(lines) - 1))
            col = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:col] + draw(_NOISE) + lines[at][col:]
        elif op == "join":
            lines = ["".join(lines)]
        elif op == "cut" and lines:
            text = "\n".join(lines)
            at = draw(st.integers(0, len(text)))
            lines = (text[:at] + "\n" + text[at:]).split("\n")
    return lines


@given(mangled(), st.sampled_from(["cn-dept-self-eval", "cn-project-self-eval"]))
def test_mangled_reports_never_raise_and_never_invent(lines: list[str], template: str) -> None:
    assert_nothing_invented(lines, template)


@given(st.lists(st.text(max_size=40), max_size=30))
def test_arbitrary_text_never_raises(lines: list[str]) -> None:
    extract_lines(lines, "cn-npc-office")
    extract_lines(lines, "cn-project-self-eval")


def test_level2_heading_without_task_items_is_no_crash() -> None:
    lines = ["2023年度某局整体支出绩效自评报告", "一、综合评价分析", "（二）绩效目标完成情况",
             "年度目标全部完成。"]  # fmt: skip
    result = extract_lines(lines)
    assert result.values["key_tasks_completed"] == 0
    assert result.meta == {"name": "某局", "year": 2023}


# --- bounded work -------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [" ", "\u3000", " \n", "\t"])
def test_a_label_followed_by_200000_blanks_is_fast(blank: str) -> None:
    text = "全年预算数" + blank * 200_000 + "为 100 万元。"
    start = time.process_time()
    result = extract_lines(text.split("\n"))
    assert time.process_time() - start < 2.0  # was > 180 s (a backtracking pattern)
    if "\n" not in blank:
        assert result.values["budget"] == Decimal(100)


def test_a_text_file_over_the_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(40 * 2**20)  # 40 MB (sparse): the old reader ended in MemoryError
    with pytest.raises(DataError, match="file is 41943040 bytes; the limit is"):
        extract_report(big)
    big.write_bytes("全年预算数 1 万元。\n".encode() * 200)
    with pytest.raises(DataError, match="the limit is 1000"):
        extract_report(big, limits=ReadLimits(text_bytes=1000))


def test_a_large_text_report_is_read_in_bounded_memory(tmp_path: Path) -> None:
    line = "全年预算数为 3435.02 万元，执行数 3415.62 万元，完成预算的 99.4%。" * 3
    path = tmp_path / "long.txt"
    path.write_text((line + "\n") * 1000, encoding="utf-8")  # 120,000 characters
    chars = 1000 * (len(line) + 1)
    tracemalloc.start()
    try:
        result = extract_report(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.values["budget"] == Decimal("3435.02")
    assert peak < 120 * chars  # ~14 MB for 120k characters; the old reader needed ~85 bytes/char
    # beyond the character budget: refused with a clear error
    with pytest.raises(DataError, match="more than 100000 characters"):
        extract_report(path, limits=ReadLimits(chars=100_000))


def _pdf_with_shared_stream(path: Path, pages: int, size: int) -> None:
    pypdf = pytest.importorskip("pypdf")
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = pypdf.PdfWriter()
    content = DecodedStreamObject()
    content.set_data(b"0 0 m 1 1 l S\n" * (size // 14))
    shared = writer._add_object(content.flate_encode())
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Contents")] = shared
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())


def test_a_pdf_whose_pages_share_a_huge_content_stream_is_refused_quickly(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bomb.pdf"
    _pdf_with_shared_stream(path, pages=200, size=60 * 2**20)
    assert path.stat().st_size < 400_000  # small on disk, 60 MB per page unpacked
    start = time.process_time()
    with pytest.raises(DataError, match="page 1: its content unpacks to more than"):
        extract_report(path)
    assert time.process_time() - start < 5.0  # was > 180 s and 1.3 GB


def test_pdf_budget_over_all_pages(tmp_path: Path) -> None:
    path = tmp_path / "many.pdf"
    _pdf_with_shared_stream(path, pages=30, size=2**20)  # 1 MB per page: each page is fine
    with pytest.raises(DataError, match="pages unpack to more than 16000000 bytes"):
        extract_report(path, limits=ReadLimits(stream_bytes=16_000_000))
    with pytest.raises(DataError, match="the PDF has 30 pages; the limit is 10"):
        extract_report(path, limits=ReadLimits(pages=10))


def test_a_docx_that_unpacks_too_far_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "word/document.xml", b"<w:document>" + b" " * (3 * 2**20) + b"</w:document>"
        )
    with pytest.raises(DataError, match="larger than 1000000 bytes"):
        extract_report(path, limits=ReadLimits(xml_bytes=1_000_000))
    entity = tmp_path / "entity.docx"
    with zipfile.ZipFile(entity, "w") as archive:
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;&a;</d>',
        )
    with pytest.raises(DataError, match="DOCTYPE"):
        extract_report(entity)


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        extract_report(fifo)


# --- one bad report, the batch goes on ------------------------------------------------------


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a-good.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b-broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "c-broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (folder / "d-undecodable.txt").write_bytes(b"\xff\xfe\x00\xd8" * 3 + b"\x81")
    (folder / "e-good.txt").write_text(
        "一 基本情况。\n全年预算数100万元,执行数90万元。\n", encoding="utf-8"
    )
    return folder


def test_one_unreadable_report_never_stops_a_folder(tmp_path: Path) -> None:
    results = extract_folder(_folder(tmp_path))
    assert [r.id for r in results] == ["a-good", "b-broken", "c-broken", "d-undecodable", "e-good"]
    by_id = {r.id: r for r in results}
    assert by_id["a-good"].values["executed"] == Decimal("2838.27")
    assert by_id["e-good"].values["budget"] == Decimal(100)
    for bad in ("b-broken", "c-broken", "d-undecodable"):
        assert by_id[bad].errors and by_id[bad].values == {}
        subject = by_id[bad].to_subject()
        assert subject["errors"] == list(by_id[bad].errors)
    assert "cannot read the .docx file" in by_id["b-broken"].errors[0]
    assert by_id["c-broken"].kind == "pdf"


def test_cli_reports_each_bad_report_and_writes_the_rest(tmp_path: Path) -> None:
    import argparse
    import json

    folder = _folder(tmp_path)
    parser = argparse.ArgumentParser(prog="perfscore")
    extract_cli.add_subcommand(parser.add_subparsers(dest="command"))
    target = tmp_path / "out.json"
    args = parser.parse_args(["extract", str(folder), "--format", "json", "-o", str(target)])
    out, err = io.StringIO(), io.StringIO()
    assert extract_cli.run(args, out, err) == 3
    written = json.loads(target.read_text(encoding="utf-8"))
    assert len(written["subjects"]) == 5
    assert err.getvalue().count(": cannot read") >= 2
    assert "b-broken.docx" in err.getvalue() and "d-undecodable.txt" in err.getvalue()


def test_cli_output_never_follows_a_planted_temp_symlink(tmp_path: Path) -> None:
    import argparse

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "out.yaml"
    (tmp_path / ".out.yaml.tmp").symlink_to(victim)  # the old fixed temp name
    parser = argparse.ArgumentParser(prog="perfscore")
    extract_cli.add_subcommand(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["extract", str(SAMPLE), "-o", str(target)])
    assert extract_cli.run(args, io.StringIO(), io.StringIO()) == 0
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert "executed: 2838.27" in target.read_text(encoding="utf-8")
    leftovers = {p.name for p in tmp_path.iterdir()}
    assert leftovers == {"victim.txt", "out.yaml", ".out.yaml.tmp"}


def test_templates_load_once_for_a_batch() -> None:
    assert load_template("cn-dept-self-eval").id == "cn_dept_self_eval"


# --- the wall-clock budget covers every format, reading and extracting -------------------------


def _docx(path: Path, paragraphs: list[str]) -> None:
    from xml.sax.saxutils import escape

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'
        )


# every label of the template, each followed by something that is not its figure: every field
# searches the whole text and every hit is read and rejected (2–3 s unbounded, measured once)
_PATHOLOGICAL = [
    "全年预算数 一 执行数 二 年度资金总额 1234567890123 预算执行率 三 自评得分 四"
] * 25_000


@pytest.mark.parametrize("suffix", [".txt", ".docx"])
def test_the_time_budget_applies_to_text_and_docx(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"slow{suffix}"
    if suffix == ".txt":
        path.write_text("\n".join(_PATHOLOGICAL), encoding="utf-8")
    else:
        _docx(path, _PATHOLOGICAL)
    # a budget already spent: refused at the first check, whatever the machine's speed
    with pytest.raises(DataError, match="took longer than 0 s"):
        extract_report(path, limits=ReadLimits(seconds=0))
    # a budget the reading fits in, the extraction not: stopped during the extraction
    with pytest.raises(DataError, match=r"took longer than 0\.3 s"):
        extract_report(path, "cn-project-self-eval", limits=ReadLimits(seconds=0.3))
    # in a batch: that report is an error, the others are extracted
    good = tmp_path / "good.txt"
    good.write_text("全年预算数为 100 万元，执行数 90 万元。", encoding="utf-8")
    results = extract_folder(tmp_path, limits=ReadLimits(seconds=0.3))
    by_name = {Path(r.source).name: r for r in results}
    assert by_name[path.name].errors and "took longer" in by_name[path.name].errors[0]
    assert by_name["good.txt"].values["budget"] == Decimal(100)


def test_extract_lines_takes_a_budget_too() -> None:
    with pytest.raises(DataError, match="took longer than 0 s"):
        extract_lines(_PATHOLOGICAL, seconds=0)
    assert extract_lines(["全年预算数为 100 万元。"], seconds=30).values["budget"] == Decimal(100)
