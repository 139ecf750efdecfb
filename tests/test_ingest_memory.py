"""What ingest keeps per row (#13): the ids for the duplicate check in a compact exact set,
the workbook's shared strings as bytes; reading a department file keeps a few dozen bytes a
row, not the hundreds a dict of ids and a list of strings took."""

from __future__ import annotations

import io
import sys
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.reader.strings import read_string_table

import perfscore
from perfscore.ingest import seen as seen_module
from perfscore.ingest.seen import FirstSeen, SeenBatches
from perfscore.ingest.xlsx import open_workbook, read_shared_strings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import departments  # noqa: E402
import ingest_bench  # noqa: E402

from reading_memory import held_while_reading  # noqa: E402

ids = st.text(min_size=0, max_size=6) | st.sampled_from(["D000001", "第1局", "", "\udcff", "a"])


@given(st.lists(ids, max_size=3000))
def test_first_seen_answers_as_a_dict_of_first_rows_does(seq: list[str]) -> None:
    seen, first = FirstSeen(), {}
    for row, sid in enumerate(seq, start=3):
        assert seen.first(sid, row) == first.get(sid)
        first.setdefault(sid, row)
    assert len(seen) == len(first)
    assert list(seen) == list(first)  # in the order first seen, bytes decoded back exactly


def test_first_seen_across_table_growth_and_similar_ids() -> None:
    seen = FirstSeen()
    for i in range(50_000):
        assert seen.first(f"D{i:06d}", i) is None
    assert seen.first("D000000", 99) == 0 and seen.first("D049999", 99) == 49_999
    assert seen.first("D0499999", 99) is None  # a prefix of a stored id is not that id
    assert seen.first("D04999", 100) is None and seen.first("D04999", 101) == 100


@given(st.lists(st.lists(ids, max_size=40), max_size=30), st.sampled_from([1, 7, 1 << 16]))
def test_first_seen_in_batches_answers_as_one_at_a_time(
    batches: list[list[str]], spill: int
) -> None:
    """``first_many`` (the column reader's: on disk, a batch added in one statement) gives
    what ``first`` gives id by id, duplicates inside a batch and across batches included."""
    with FirstSeen(spill=spill) as seen, FirstSeen(spill=spill) as one:
        row = 3
        for batch in batches:
            rows = list(range(row, row + len(batch)))
            assert seen.first_many(batch, rows) == [
                one.first(s, r) for s, r in zip(batch, rows, strict=True)
            ]
            row += len(batch) + 2
        assert len(seen) == len(one) and list(seen) == list(one)


@given(
    st.lists(st.lists(ids, max_size=40), max_size=30),
    st.sampled_from([1, 7, 50, 1 << 16]),
    st.booleans(),
)
def test_seen_in_batches_by_hash_answers_as_one_at_a_time(
    batches: list[list[str]], spill: int, collide: bool
) -> None:
    """:class:`SeenBatches` (ids by hash in numpy, the column reader's) gives what
    ``FirstSeen.first`` gives id by id — duplicates inside a batch and across batches, lone
    surrogates, on disk past ``spill`` — and with a hash every id of one length shares, ids
    with one hash are still told apart by their text."""
    with pytest.MonkeyPatch.context() as m:
        if collide:
            m.setattr(seen_module, "_HASH", len)
        with SeenBatches(spill=spill) as seen, FirstSeen() as one:
            row = 3
            for batch in batches:
                rows = list(range(row, row + len(batch)))
                assert seen.first_many(batch, rows) == [
                    one.first(s, r) for s, r in zip(batch, rows, strict=True)
                ]
                row += len(batch) + 2
            assert len(seen) == len(one)


def test_seen_in_batches_is_exact_when_every_hash_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hash that says nothing (every id 0): the answers come from the texts alone; a
    mutant that trusts the hash (any known hash a duplicate) is caught by this."""
    monkeypatch.setattr(seen_module, "_HASH", lambda s: 0)
    for spill in (1 << 16, 1):  # in memory; on disk (seenfile.HashedIds) from the first id
        with SeenBatches(spill=spill) as seen:
            assert seen.first_many(["a", "b", "a"], [1, 2, 3]) == [None, None, 1]
            assert seen.first_many(["c", "b", "d", "c"], [4, 5, 6, 7]) == [None, 2, None, 4]
            assert seen.first_many(["d", "e", "a\udcff"], [8, 9, 10]) == [6, None, None]
            assert seen.first_many(["a\udcff", "a"], [11, 12]) == [10, 1]
            assert len(seen) == 6


def test_ids_on_disk_are_told_apart_by_their_high_hash_bits_and_their_text() -> None:
    """Past the spill: 5,000 ids in batches of 100 (each batch's first id seen again in
    the next), and ids whose hashes share the high 32 bits (every candidate is read back
    and compared by its text): the answers of a dict of first rows."""
    from perfscore.ingest import seenfile

    first: dict[str, int] = {}
    with SeenBatches(spill=64) as seen:
        for b in range(50):
            batch = [f"D{b * 100 + i:05d}" for i in range(100)] + (
                [f"D{(b - 1) * 100:05d}"] if b else []
            )
            rows = list(range(b * 1000, b * 1000 + len(batch)))
            assert seen.first_many(batch, rows) == [first.get(s) for s in batch]
            for s, r in zip(batch, rows, strict=True):
                first.setdefault(s, r)
        assert isinstance(seen._disk, seenfile.HashedIds) and len(seen) == 5000
    with pytest.MonkeyPatch.context() as m:
        m.setattr(seen_module, "_HASH", lambda s: len(s) * 7919)  # high 32 bits all 0
        m.setattr(seenfile, "BLOCK", 3)  # the hash file scanned 3 at a time
        with SeenBatches(spill=2) as seen:
            assert seen.first_many(["x", "yy", "zzz"], [0, 1, 2]) == [None, None, None]
            assert seen.first_many(["q", "yy", "x", "ww"], [3, 4, 5, 6]) == [None, 1, 0, None]
            assert seen.first_many(["ww", "w", "q"], [7, 8, 9]) == [6, None, 3]


def _workbook_with_texts(path: Path) -> list[object]:
    """Plain, rich-text (runs), phonetic, escaped and whitespace texts, as Excel stores them."""
    texts: list[object] = ["部门名称", "  前后空格 ", "a_x005F_x000D_b", "", "第1局", "合计"]
    wb = openpyxl.Workbook()
    ws = wb.active
    for t in texts:
        ws.append([t])
    wb.save(path)
    ingest_bench.as_excel_saves_it(str(path))
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    sst = files["xl/sharedStrings.xml"].decode()
    rich = (
        '<si><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve">文本 </t></r></si>'
        '<si><t>拼音</t><rPh sb="0" eb="1"><t>pinyin</t></rPh></si></sst>'
    )
    files["xl/sharedStrings.xml"] = sst.replace("</sst>", rich).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return texts


def test_shared_strings_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _workbook_with_texts(path)
    with zipfile.ZipFile(path) as z:
        raw = z.read("xl/sharedStrings.xml")
    ours = read_shared_strings(io.BytesIO(raw))
    theirs = list(read_string_table(io.BytesIO(raw)))
    assert list(ours) == theirs and len(ours) == len(theirs) >= 7
    assert [ours[i] for i in range(-len(ours), len(ours))] == theirs + theirs
    assert "富文本 " in theirs and "拼音" in theirs
    with pytest.raises(IndexError):
        ours[len(ours)]
    for spill in (0, 1, 3):  # the strings past ``spill`` read back from disk
        spilled = read_shared_strings(io.BytesIO(raw), spill=spill)
        assert list(spilled) == theirs and len(spilled) == len(theirs)
        assert [spilled[i] for i in range(-len(ours), len(ours))] == theirs + theirs
        with pytest.raises(IndexError):
            spilled[len(ours)]
        with pytest.raises(IndexError):
            spilled[-len(ours) - 1]
        spilled.close()
    wb = open_workbook(path)
    got = [r[0] for r in wb.worksheets[0].iter_rows(values_only=True)]
    want = [r[0] for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]
    assert got == want


def _sst(n: int) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = "".join(f"<si><t>广州市第{i}部门 D{i:07d}</t></si>" for i in range(n))
    return f'<sst xmlns="{ns}" count="{n}" uniqueCount="{n}">{items}</sst>'.encode()


def test_shared_strings_past_the_spill_are_held_on_disk() -> None:
    """Read with 1,000 strings in memory: 50,000 strings hold what 5,000 hold, give or take
    the strings waiting to be written (at most 4,096); kept in memory the 45,000 more took
    about 1.2 MB.  Every string reads back."""
    read_shared_strings(io.BytesIO(_sst(10)))  # imports, caches
    held = []
    for n in (5_000, 50_000):
        raw = _sst(n)
        tracemalloc.start()
        try:
            table = read_shared_strings(io.BytesIO(raw), spill=1_000)
            held.append(tracemalloc.get_traced_memory()[0])
        finally:
            tracemalloc.stop()
        assert len(table) == n and table[n - 1] == f"广州市第{n - 1}部门 D{n - 1:07d}"
        assert all(table[i] == f"广州市第{i}部门 D{i:07d}" for i in range(0, n, 997))
        table.close()
    assert held[1] - held[0] < 150_000, held


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_reading_a_department_file_keeps_little_per_row(tmp_path: Path, suffix: str) -> None:
    """Memory held while 1,000 and then 8,000 rows are read: under 64 bytes per extra row
    for a CSV (the ids for the duplicate check, ~38 bytes; a dict of ids and first cells
    took ~300), under 128 for an .xlsx, whose shared-string table holds each distinct text
    of the file (here a department's code and name: ~40 bytes more; openpyxl's list of
    strings and its row elements took ~250)."""
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    write = departments.write_csv if suffix == ".csv" else departments.write_xlsx
    sizes, peaks = (1_000, 8_000), []
    held_while_reading(rs, _written(tmp_path, write, 200, suffix))  # imports, caches
    for n in sizes:
        got, peak = held_while_reading(rs, _written(tmp_path, write, n, suffix))
        assert got == n
        peaks.append(peak)
    per_row = (peaks[1] - peaks[0]) / (sizes[1] - sizes[0])
    assert per_row < (64 if suffix == ".csv" else 128), (suffix, peaks, per_row)


def _written(tmp_path: Path, write: object, n: int, suffix: str) -> Path:
    path = tmp_path / f"d{n}{suffix}"
    write(str(path), n)  # type: ignore[operator]
    return path


@given(st.lists(ids, max_size=400), st.integers(1, 40))
def test_first_seen_on_disk_answers_as_in_memory(seq: list[str], spill: int) -> None:
    """Past ``spill`` ids the set moves to a temporary SQLite table: the same answers, the
    same order, surrogates and empty ids included."""
    with FirstSeen(spill=spill) as seen:
        first: dict[str, int] = {}
        for row, sid in enumerate(seq, start=3):
            assert seen.first(sid, row) == first.get(sid)
            first.setdefault(sid, row)
        assert len(seen) == len(first)
        assert list(seen) == list(first)
    assert len(seen) == 0 and seen.first("a", 1) is None  # closed: empty, usable


_IDS_RSS = """
import sys
sys.path.insert(0, {src!r})
from perfscore.ingest import seen as seen_module
from perfscore.ingest.seen import FirstSeen, SeenBatches
seen = FirstSeen()
for i in range({n}):
    assert seen.first(f"D{{i:07d}}", i) is None
assert seen.first("D0000000", 9) == 0 and seen.first(f"D{{{n} - 1:07d}}", 9) == {n} - 1
with open("/proc/self/status") as fh:
    print(next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:")))
"""


def test_a_million_ids_hold_what_100000_hold() -> None:
    """Fresh processes: peak RSS after 100,000 and after 1,000,000 ids differs by less than
    2 MB (the ids are on disk past SPILL; in memory they took 38 MB more)."""
    import subprocess

    peaks = []
    for n in (100_000, 1_000_000):
        code = _IDS_RSS.format(src=str(ROOT / "src"), n=n)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        peaks.append(int(out.stdout))
    assert peaks[1] - peaks[0] < 2048, peaks  # kB
