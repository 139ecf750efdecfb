"""A CSV file read by columns (``perfscore.ingest.arrowcols`` over the CSV reader's rows) gives
the scorer exactly what the record reader gives — every cell's value or refusal (its words in
both languages), subjects, 合计 and duplicate-id notes with their line numbers — on files as
county and city departments save them: GBK or UTF-8 with a BOM, CRLF, a title row, a 合计
row, 万元 suffixes, thousands commas, full-width digits, blanks written ``-`` ``—`` ``/``,
quoted cells over two lines, short and long rows; and ``perfscore score data.csv`` writes the
bytes ``--no-columnar`` writes."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")

from perfscore.ingest import arrowcols, open_data  # noqa: E402
from test_ingest_arrowcols import (  # noqa: E402
    COLUMNS,
    _both,
    _frame,
    compare,
    rs,
    rules_path,
)

__all__ = ["rs", "rules_path"]  # the rule set's fixtures, shared with the Parquet tests


def _csv_text(cols: dict[str, list[Any]], rng: random.Random) -> list[list[str]]:
    """The frame as a county's CSV is typed: a title row, money with 万元 in the header or the
    cell, 1,234.5 and full-width digits now and then, blanks as "", "—", "-", "/", 是/否."""
    rows = [["某县2024年项目支出绩效自评汇总表", "", ""], [h for h, _ in COLUMNS.values()]]
    for i in range(len(cols["id"])):
        row = []
        for k in COLUMNS:
            v = cols[k][i]
            if v is None or (isinstance(v, float) and v != v):
                row.append(rng.choice(["", "", "—", "-", "/", " "]))
            elif isinstance(v, bool):
                row.append("是" if v else rng.choice(["否", "×"]))
            elif isinstance(v, (int, float)):
                text = repr(v) if rng.random() < 0.7 else f"{v:,}" if abs(v) < 1e15 else repr(v)
                if k == "executed" and rng.random() < 0.1:
                    text += "万元"
                if rng.random() < 0.02:
                    text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
                row.append(text)
            else:
                row.append(str(v))
        rows.append(row)
    rows.append(["合计", "", "", "", "", "12345.6"])
    return rows


def _save(rows: list[list[str]], path: Path, encoding: str, newline: str = "\r\n") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator=newline).writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_csv_file_is_read_by_columns_as_by_records(
    rs: Any, tmp_path: Path, encoding: str, seed: int
) -> None:
    rng = random.Random(seed)
    rows = _csv_text(_frame(250, seed), rng)
    rows[40] = rows[40][:4]  # a short row: its missing cells are blank
    rows[41] = [*rows[41], "多出的一格", "9"]  # a long row: the cells past the header unread
    path = _save(rows, tmp_path / "d.csv", encoding)
    chunks = list(arrowcols.table_chunks(rs, open_data(path)[0], {}))
    assert chunks and all(isinstance(c, arrowcols.TableChunk) for c in chunks)
    assert compare(rs, path) == []


def test_a_csv_run_writes_the_per_record_bytes(
    rules_path: Path, tmp_path: Path, routes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrowcols, "TEXT_ROWS", 50)
    path = _save(_csv_text(_frame(400, 5), random.Random(5)), tmp_path / "d.csv", "gbk")
    out = tmp_path / "f.parquet"
    argv = ["score", str(rules_path), str(path), "-o", str(out), "--summary", "--lang", "zh"]
    _, err = _both(routes, argv, out)
    assert "合计" in err and "'XM00003'" in err
    assert routes[0].per_record > 0  # refused and hostile cells, per record inside the run


def test_a_csv_line_that_cannot_be_read_keeps_the_rows_before_it(
    rules_path: Path, tmp_path: Path, routes: list[Any]
) -> None:
    """GBK bytes broken half-way: the rows before are scored, the file named as unreadable
    — as record by record."""
    buf = io.StringIO()
    csv.writer(buf).writerows(_csv_text(_frame(300, 6, hostile=False), random.Random(6)))
    data = buf.getvalue().encode("gbk")
    cut = data.index(b"\n", len(data) // 2) + 1
    path = tmp_path / "d.csv"
    path.write_bytes(data[:cut] + b"\xff\xfe\xfd" + data[cut:])
    out = tmp_path / "f.parquet"
    _, err = _both(routes, ["score", str(rules_path), str(path), "-o", str(out)], out)
    assert "unreadable" in err or "无法读取" in err or "cannot read" in err


# -- any cell a department may type -------------------------------------------------------------

_FULL = str.maketrans("0123456789.-,", "０１２３４５６７８９．－，")
_BLANK_CELLS = ["", " ", "-", "—", "/", "--", "——", "－", "–", " / ", "N/A", "无", "不适用"]
_ODD = ["待补", "九十", "0x10", "1e3", "(12)", "12.", ".5", "1,2,3", "12.3.4", "+7", "∞", "nan"]


@st.composite
def number_cell(draw: Any) -> str:
    """A number as a department types it: plain, with thousands commas, 万元/元/% after it,
    full-width, spaces around, leading zeros — or a blank, or something else entirely."""
    pick = draw(st.integers(0, 9))
    if pick == 0:
        return str(draw(st.sampled_from(_BLANK_CELLS)))
    if pick == 1:
        return str(draw(st.sampled_from(_ODD)))
    places = draw(st.integers(0, 7))
    value = (
        draw(st.integers(-(10**15), 10**15))
        if draw(st.booleans())
        else draw(st.integers(-(10**7), 10**7))
    )
    text = f"{abs(value) / 10**places:.{places}f}" if places else str(abs(value))
    if draw(st.integers(0, 4)) == 0:
        whole, _, frac = text.partition(".")
        text = f"{int(whole):,}" + (f".{frac}" if frac else "")
    if draw(st.integers(0, 5)) == 0:
        text = "0" + text
    text = ("-" if value < 0 else "") + text
    text += draw(st.sampled_from(["", "", "", "", "万元", "元", "%", " 万元", "万"]))
    if draw(st.integers(0, 9)) == 0:
        text = text.translate(_FULL)
    if draw(st.integers(0, 9)) == 0:
        text = draw(st.sampled_from([" ", "\u3000", "\t"])) + text + " "
    return text


_YES_NO = ["是", "否", "√", "×", "Y", "N", "对", "错", "true", "1", "0", "有", "", "-", "是 "]
_TEXT = ["基建类", "民生类", " 基建类", "基建类 ", "待定", "", "—", "ＡＢ", "进度\n滞后", "a,b"]
_IDS = ["XM001", "XM002", " XM003", "ＸＭ004", "合计", "", "total", "Total ", "小计", "123", "-"]


@st.composite
def department_row(draw: Any, i: int) -> list[str]:
    unique = f"XM{i:05d}"
    cells = [
        draw(st.sampled_from([unique, unique, unique, *_IDS])),
        draw(st.sampled_from([f"项目{i}", "", "合计", "其中：小计", "学校\n食堂"])),
        draw(st.sampled_from(_TEXT)),
        draw(st.sampled_from(_YES_NO)),
        draw(st.sampled_from([*_TEXT[:3], "×"])),  # 备注: not an input
        *(draw(number_cell()) for _ in range(6)),  # money, counts, 满意度
        draw(number_cell()),  # 评审得分比例
        draw(st.sampled_from(_TEXT)),
    ]
    cut = draw(st.sampled_from([None, None, None, None, 3, 7, 14]))
    return cells[:cut] if cut is not None else cells


@st.composite
def department_csv(draw: Any) -> tuple[list[list[str]], str, str, int]:
    n = draw(st.integers(1, 40))
    rows = [draw(department_row(i)) for i in range(n)]
    head = [[h for h, _ in COLUMNS.values()]]
    if draw(st.booleans()):
        head.insert(0, ["2024年度某局部门整体支出绩效自评表（单位：万元）", "", ""])
    if draw(st.booleans()):
        rows.append(["合计", "", "", "", "", "12,345.60"])
    encoding = draw(st.sampled_from(["gbk", "utf-8-sig", "utf-8"]))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    return head + rows, encoding, newline, draw(st.integers(1, 12))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(made=department_csv())
def test_any_department_csv_is_read_by_columns_as_by_records(
    rs: Any, tmp_path_factory: pytest.TempPathFactory, made: Any
) -> None:
    """Cell by cell, in batches of 1 to 12 rows: values, float-or-object, refusals and their
    words, subjects, records, the 合计 and duplicate-id notes with their lines."""
    rows, encoding, newline, size = made
    path = _save(rows, tmp_path_factory.mktemp("csv") / "d.csv", encoding, newline)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(arrowcols, "TEXT_ROWS", size)
        assert compare(rs, path) == []


def test_a_cell_over_two_lines_keeps_the_line_numbers_after_it(
    rs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quoted 原因说明 over two lines: the duplicate id after it is said at its own line, as
    the record reader says it; numbering the rows one after another instead is caught."""
    rows = [[h for h, _ in COLUMNS.values()]]
    rows += [[f"XM{i}", f"项目{i}", "基建类", "是", "", "100", "95", "", "", "", "90", "0.8"]
             for i in range(6)]  # fmt: skip
    rows[2].append("进度\n滞后")
    rows[5][0] = "XM3"
    path = _save(rows, tmp_path / "d.csv", "gbk")
    assert compare(rs, path) == []
    notes = [str(n.message) for n in open_data(path)[0].notifications]
    real = arrowcols._text_batch

    def consecutive(part: list[Any], width: int) -> Any:
        batch, numbers = real(part, width)
        return batch, np.arange(numbers[0], numbers[0] + len(numbers))

    monkeypatch.setattr(arrowcols, "_text_batch", consecutive)
    assert any(d.startswith("notes") for d in compare(rs, path)), notes


def test_chunks_of_the_csv_reader_are_the_text_rows(rs: Any, tmp_path: Path) -> None:
    """A CSV file's chunks hold :data:`~perfscore.ingest.arrowcols.TEXT_ROWS` rows (memory held
    while a chunk is scored is about 1.5 kB a row on a small rule set: a chunk larger than a
    small file made its run look lighter than a large one's), not a Parquet chunk's."""
    rows = _csv_text(_frame(arrowcols.TEXT_ROWS * 2 + 10, 3, hostile=False), random.Random(3))
    path = _save(rows, tmp_path / "d.csv", "utf-8")
    sizes = [len(c.index) for c in arrowcols.table_chunks(rs, open_data(path)[0], {})]
    assert max(sizes) <= arrowcols.TEXT_ROWS < arrowcols.ROWS and len(sizes) == 3
