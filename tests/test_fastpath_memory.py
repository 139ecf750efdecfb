"""What ``perfscore score data.parquet -o f.parquet`` holds as its rows grow (#18): a file
written as one row group (as ``pandas.to_parquet`` and rev12's generator write a million
rows) read a page at a time, its subjects made only when read, the duplicate-id check and
the findings on disk — memory flat in the rows whatever the row groups.  Measured as
growth between two sizes: Python's allocations (tracemalloc) and Arrow's, sampled as each
chunk is read."""

from __future__ import annotations

import functools
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from perfscore.cli import main  # noqa: E402
from perfscore.ingest import arrowcols, readers, seenfile  # noqa: E402

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from test_ingest_arrowcols import RULES, _frame, _write  # noqa: E402

#: number columns the rule set does not read (still read from the file): random, so that
#: a row group's compressed chunk of them is ~64 bytes a row
EXTRA = 8


def _file(tmp_path: Path, n: int) -> Path:
    """``n`` rows in one row group: the module's department rows repeated, ids unique, a
    主管部门 and a 年度 column (each subject made only when read), 8 random number columns."""
    cols = _frame(2048, 7, hostile=False)
    cols["satisfaction"] = [95.0, 85.5, None, 60.0] * 512  # no ambiguous cell: by columns
    cols["ratio"] = [0.8, 0.75, None, 0.5] * 512
    base = pq.read_table(_write(cols, tmp_path / "base.parquet"))
    table = pa.concat_tables([base] * -(-n // 2048)).slice(0, n)
    table = table.set_column(0, "编号", pa.array([f"XM{i:07d}" for i in range(n)]))
    table = table.add_column(2, "主管部门", pa.array(["区教育局", "区财政局"] * (n // 2)))
    table = table.add_column(3, "年度", pa.array(np.full(n, 2024)))
    rng = np.random.default_rng(n)
    for k in range(EXTRA):
        table = table.append_column(f"其他金额{k}", pa.array(rng.uniform(0, 1e6, n)))
    path = tmp_path / f"d{n}.parquet"
    # pages of 32 kB; a dictionary (which a reader holds for its whole column chunk, up to
    # the writer's 1 MB) only for the text columns that repeat
    texts = [
        c for c, t in zip(table.column_names, table.schema.types, strict=True) if t == "string"
    ]
    words = [c for c in texts if c != "编号"]
    pq.write_table(table, path, row_group_size=n, data_page_size=1 << 15, use_dictionary=words)
    return path


def _held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> int:
    """The most memory held (Python's and Arrow's) as the chunks of an ``n``-row run are read."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    path = _file(tmp_path, n)
    real, held = arrowcols.read_chunks, [0]

    def sampled(*a: Any, **k: Any) -> Any:
        for chunk in real(*a, **k):
            now = tracemalloc.get_traced_memory()[0] + pa.total_allocated_bytes()
            held[0] = max(held[0], now)
            yield chunk

    monkeypatch.setattr(arrowcols, "read_chunks", sampled)
    tracemalloc.start()
    try:
        code = main(["score", str(rules), str(path), "-o", str(tmp_path / "f.parquet")])
    except SystemExit as exc:
        code = exc.code
    finally:
        tracemalloc.stop()
    assert code in (0, 1), code
    return held[0]


def test_the_parquet_command_holds_the_same_memory_for_4x_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, routes: list[Any]
) -> None:
    """24,576 and then 98,304 rows, one row group each, read and scored 2,048 rows at a time
    (the ids on disk past 1,024: seenfile.IdLog): 17 bytes per extra row, under 24 — what grows is pyarrow's
    reading of the id column (text: ~11 bytes a row of its row group).  pyarrow's defaults
    (the row group's compressed columns read at once) held 82; the ids kept in memory, 55."""
    monkeypatch.setattr(readers, "SLICE", 2048)
    monkeypatch.setattr(arrowcols, "ROWS", 2048)
    monkeypatch.setattr(arrowcols, "IdLog", functools.partial(seenfile.IdLog, spill=1024))
    _held(tmp_path, monkeypatch, 4096)  # imports, caches
    sizes = (24_576, 98_304)
    peaks = [_held(tmp_path, monkeypatch, n) for n in sizes]
    assert all(r is not None for r in routes)  # scored by columns
    assert routes[-1].per_record < sizes[1] // 100
    per_row = (peaks[1] - peaks[0]) / (sizes[1] - sizes[0])
    assert per_row < 24, (peaks, per_row)
