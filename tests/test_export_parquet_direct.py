"""The Parquet findings file of a columnar run written row group by row group as the rows are
scored (perfscore.export.parquet_direct.FindingsWriter): byte for byte the file of the whole
table however the rows are chunked and cut into row groups — also when its guess of the grade
dictionary and the points' places (made before the first row group is written) proves wrong
and the written row groups are written again."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
np = pytest.importorskip("numpy")

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.export import parquet, parquet_direct  # noqa: E402
from perfscore.export.parquet import columnar_table, parquet_bytes  # noqa: E402
from perfscore.export.parquet_direct import FindingsWriter  # noqa: E402
from test_export_parquet_stream import ROOT, _family, families  # noqa: E402


def _direct(
    rs: perfscore.RuleSet, cols: dict[str, Any], n: int, ids: list[str], k: int, flush: bool
) -> bytes:
    """The file from chunks of ``k`` rows, each scored on its own (``flush``: as the command
    adds them, each chunk's full row groups written before the next is scored)."""
    scorer = ColumnarScorer(rs)
    sink = pa.BufferOutputStream()
    with FindingsWriter(rs.rules, ruleset=rs.provenance()) as out:
        for lo in range(0, n, k):
            res = scorer.score({name: col[lo : lo + k] for name, col in cols.items()})
            out.add_columnar(res, ids[lo : lo + k])
            if flush:
                out.flush()
        out.write(sink, places=res.places)
    return bytes(sink.getvalue().to_pybytes())


def _whole(rs: perfscore.RuleSet, cols: dict[str, Any], ids: list[str]) -> bytes:
    res = ColumnarScorer(rs).score(cols)
    return parquet_bytes(columnar_table(res, rules=rs.rules, ruleset=rs.provenance(), subjects=ids))


@pytest.fixture
def rewrites(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a written file was written again (the guess proved wrong)."""
    seen: list[int] = []
    real = parquet_direct._rewrite

    def spy(*args: Any) -> None:
        seen.append(1)
        real(*args)

    monkeypatch.setattr(parquet_direct, "_rewrite", spy)
    return seen


@pytest.mark.parametrize("row_group", [1 << 20, 1_000, 31])
@pytest.mark.parametrize("flush", [True, False])
def test_any_chunking_gives_the_whole_tables_bytes(
    row_group: int, flush: bool, monkeypatch: pytest.MonkeyPatch, rewrites: list[int]
) -> None:
    """300 departments (the first chunks hold only some of the grades) in chunks of 1, 7, 64
    and 300 rows, into row groups of 2**20, 1,000 and 31 rows (cut inside a subject's rows):
    the same bytes as the whole table.  No department is 'excellent': a file of more than one
    row group is written again without it."""
    monkeypatch.setattr(parquet, "ROW_GROUP", row_group)
    rs, cols = _family(300)
    ids = [f"部门-{i:04d}" for i in range(300)]
    whole = _whole(rs, cols, ids)
    grades = ColumnarScorer(rs).score(cols).grade.tolist()
    assert len(set(grades[:7])) < len(set(grades))  # a later chunk brings a new grade
    for k in (1, 7, 64, 300):
        assert _direct(rs, cols, 300, ids, k, flush) == whole, k
    meta = pq.ParquetFile(pa.BufferReader(whole)).metadata
    assert meta.num_row_groups == -(-300 * (len(rs.rules) + 1) // row_group)
    assert len(rewrites) == (4 if meta.num_row_groups > 1 else 0)


def test_when_every_grade_occurs_the_file_is_written_once(
    monkeypatch: pytest.MonkeyPatch, rewrites: list[int]
) -> None:
    """The 'mixed' family's 300 departments get every grade (and some none): the row groups,
    written as they fill, are the file."""
    monkeypatch.setattr(parquet, "ROW_GROUP", 97)
    fam = families.family("mixed")
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="mixed.yaml")
    cols = families.columns(fam, 300, seed=3)
    ids = [f"M{i}" for i in range(300)]
    grades = set(ColumnarScorer(rs).score(cols).grade.tolist())
    assert grades >= set(range(len(ColumnarScorer(rs).score(cols).grade_ids)))
    assert _direct(rs, cols, 300, ids, 64, True) == _whole(rs, cols, ids)
    assert rewrites == []


@pytest.mark.parametrize("row_group", [1_000, 31])
def test_a_grade_the_rules_have_but_no_row_gets_is_written_again(
    row_group: int, monkeypatch: pytest.MonkeyPatch, rewrites: list[int]
) -> None:
    """The departments of 300 that do not get the most common grade: the rule set can give
    it, so the row groups are first written with it in their dictionary; the file is then
    written again without it — the whole table's bytes."""
    monkeypatch.setattr(parquet, "ROW_GROUP", row_group)
    rs, cols = _family(300)
    res = ColumnarScorer(rs).score(cols)
    codes = res.grade
    common = np.bincount(codes[codes >= 0]).argmax()
    keep = np.flatnonzero(codes != common)
    cols = {name: col[keep] for name, col in cols.items()}
    n = len(keep)
    ids = [f"D{i}" for i in range(n)]
    whole = _whole(rs, cols, ids)
    assert _direct(rs, cols, n, ids, 64, True) == whole
    assert rewrites == [1]
    table = pq.read_table(pa.BufferReader(whole))
    assert res.grade_ids[common] not in table.column("grade").to_pylist()


def _omb(n: int, scored: bool) -> tuple[perfscore.RuleSet, dict[str, Any]]:
    """``n`` blank rows of rules/omb-part.yaml (no points), the last scored when ``scored``."""
    rs = perfscore.load_ruleset(ROOT / "rules" / "omb-part.yaml")
    row = {"purpose_design": 85, "strategic_planning": 85, "program_management": 85}
    row |= {"results_accountability": 84.98, "has_performance_measures": True}
    row |= {"has_baseline_data": True}
    cols: dict[str, Any] = {}
    for name, spec in rs.compiled.inputs.items():
        cells = [None] * (n - 1) + [row.get(name) if scored else None]
        if spec.type in ("text", "boolean"):
            cols[name] = np.array(cells, dtype=object)
        else:
            cols[name] = np.array([math.nan if c is None else float(c) for c in cells])
    return rs, cols


@pytest.mark.parametrize("scored", [True, False])
def test_places_come_from_the_whole_run(
    scored: bool, monkeypatch: pytest.MonkeyPatch, rewrites: list[int]
) -> None:
    """101 rows in row groups of 50 rows: 100 blank (no points) first and one scored — 84.99
    in the last row group, at the rule set's places, as the whole table has them; with no
    points at all, 0 places, as the whole table writes (the row groups, written with the
    rule set's places, are written again)."""
    monkeypatch.setattr(parquet, "ROW_GROUP", 50)
    rs, cols = _omb(101, scored)
    ids = [f"row-{i + 1}" for i in range(101)]
    streamed = _direct(rs, cols, 101, ids, 10, True)
    assert streamed == _whole(rs, cols, ids)
    assert scored or rewrites == [1]
    table = pq.read_table(pa.BufferReader(streamed))
    assert table.schema.field("points").type.scale == (2 if scored else 0)
    assert pq.ParquetFile(pa.BufferReader(streamed)).metadata.num_row_groups > 2


def test_nothing_scored_writes_the_empty_table() -> None:
    rs, cols = _family(1)
    sink = pa.BufferOutputStream()
    with FindingsWriter(rs.rules, ruleset=rs.provenance()) as out:
        out.write(sink, places=2)
    assert bytes(sink.getvalue().to_pybytes()) == _whole(
        rs, {k: v[:0] for k, v in cols.items()}, []
    )


def test_the_temporary_file_is_deleted_on_leaving(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "ROW_GROUP", 31)
    rs, cols = _family(5)
    with FindingsWriter(rs.rules, ruleset=rs.provenance()) as out:
        out.add_columnar(ColumnarScorer(rs).score(cols), list("abcde"))
        out.flush()
        where = Path(out._tmp.name)
        assert any(where.iterdir())
    assert not where.exists()


def test_only_the_subject_column_has_statistics() -> None:
    """Min, max and nulls of the subjects (a reader skips the row groups without the one it
    asks for); none for rule ids, outcomes and grades, which every row group holds."""
    rs, cols = _family(40)
    meta = pq.ParquetFile(pa.BufferReader(_whole(rs, cols, [f"D{i:02d}" for i in range(40)])))
    group = meta.metadata.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).statistics for i in range(5)}
    assert stats["subject"] is not None and stats["subject"].has_min_max
    assert (stats["subject"].min, stats["subject"].max) == ("D00", "D39")
    assert all(stats[c] is None for c in ("rule_id", "outcome", "points", "grade"))
