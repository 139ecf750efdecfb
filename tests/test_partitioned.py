"""perfscore.partitioned: partitioned Parquet/CSV input scored into one Parquet findings file per
partition, written by the worker that scored it; the same bytes with a Dask cluster as without;
the rows equal the per-record evaluation of the same subjects."""

from __future__ import annotations

import math
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("numpy")

import perfscore  # noqa: E402
from perfscore.export.parquet import TOTAL  # noqa: E402
from perfscore.partitioned import partition_paths, score_partitioned  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402


def _write_partitions(tmp: Path, n: int, parts: int) -> tuple[perfscore.RuleSet, dict[str, list]]:
    fam = families.family("dept30")
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="dept30.yaml")
    cols = families.columns(fam, n, seed=9)
    ids = [f"d{i:05d}" for i in range(n)]
    src = tmp / "in"
    src.mkdir()
    step = -(-n // parts)
    for p, lo in enumerate(range(0, n, step)):
        data = {"id": ids[lo : lo + step], **{k: v[lo : lo + step] for k, v in cols.items()}}
        table = pa.table(data)
        if p % 2:  # a blank is an empty cell (a "nan" text is refused, as perfscore score does)
            import pyarrow.csv as pacsv

            blanks = {
                k: pa.array([None if math.isnan(x) else x for x in v])
                for k, v in data.items()
                if k != "id"
            }
            pacsv.write_csv(pa.table({"id": data["id"], **blanks}), src / f"part{p}.csv")
        else:
            pq.write_table(table, src / f"part{p}.parquet")
    rows = {k: [float(x) for x in v] for k, v in cols.items()}
    rows["id"] = ids  # type: ignore[assignment]
    return rs, rows


def _expected(rs: perfscore.RuleSet, rows: dict[str, list]) -> dict[tuple[str, str], object]:
    ids = rows["id"]
    records = [
        {
            "id": sid,
            "values": {k: v[i] for k, v in rows.items() if k != "id" and not math.isnan(v[i])},
        }
        for i, sid in enumerate(ids)
    ]
    out: dict[tuple[str, str], object] = {}
    for res in rs.evaluate(records).subjects:
        for sc in res.scores:
            out[(res.subject.id, sc.rule_id)] = sc.points
        out[(res.subject.id, TOTAL)] = res.total
    return out


def test_partitions_scored_in_process_equal_the_per_record_path(tmp_path: Path) -> None:
    rs, rows = _write_partitions(tmp_path, 300, 4)
    summary = score_partitioned(rs, tmp_path / "in", tmp_path / "out")
    assert summary["partitions"] == 4 and summary["subjects"] == 300
    assert [Path(f).name for f in summary["files"]] == [f"part-{i:05d}.parquet" for i in range(4)]
    table = pq.read_table(tmp_path / "out")  # the folder reads as one table
    got = {
        (r["subject"], r["rule_id"]): r["points"]
        for r in table.select(["subject", "rule_id", "points"]).to_pylist()
    }
    expected = _expected(rs, rows)
    assert got.keys() == expected.keys()
    assert all(got[k] == expected[k] for k in expected)
    assert isinstance(next(v for v in got.values() if v is not None), Decimal)


def test_a_dask_cluster_writes_the_same_files(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    rs, _ = _write_partitions(tmp_path, 200, 4)
    score_partitioned(rs, tmp_path / "in", tmp_path / "one")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        summary = score_partitioned(rs, tmp_path / "in", tmp_path / "many", client=client)
    assert summary["subjects"] == 200
    for i in range(4):
        name = f"part-{i:05d}.parquet"
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "many" / name).read_bytes()


def test_no_partitions_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(perfscore.PerfscoreError, match="no Parquet or CSV partitions"):
        partition_paths(str(tmp_path / "nothing-*.parquet"))


# --- partitions as departments fill them in: read as `perfscore score` reads each file -------

DEPT_RULES = ROOT / "rules" / "cn-dept-overall.yaml"


def _bureau_partitions(tmp: Path) -> tuple[list[Path], Counter[str]]:
    """Three partitions of test_ingest_acceptance's 300 departments (title row, Chinese headers
    with units, full-width digits, 万元 in cells, blanks, text in number cells, zero budgets, a
    repeated id, a 合计 row): a GBK CSV, a UTF-8 CSV with 自评得分 (declared scores: read
    record by record) and a Parquet file; returns the files and each dirty kind's count."""
    import csv

    from test_ingest_acceptance import HEADERS, _cell, _departments

    depts = _departments()
    src = tmp / "in"
    src.mkdir()
    title = ["2023年度部门整体支出绩效自评汇总表"]
    plain = [(h, k) for h, k, _ in HEADERS if k != "declared_total"]
    files = []
    for p, part in enumerate((depts[:100], depts[100:200], depts[200:])):
        heads = [(h, k) for h, k, _ in HEADERS] if p == 1 else plain
        rows = [[_cell(d, k) for _, k in heads] for d in part]
        if p < 2:
            path = src / f"part{p}.csv"
            enc = "gbk" if p == 0 else "utf-8"
            with open(path, "w", encoding=enc, newline="") as fh:
                w = csv.writer(fh)
                w.writerows(
                    [title, [h for h, _ in heads], *rows, ["合计", "", "", "=SUM(D3:D102)"]]
                )
        else:
            path = src / f"part{p}.parquet"
            cols = list(zip(*rows, strict=True))
            pq.write_table(
                pa.table(
                    {
                        h: [None if v is None else str(v) for v in c]
                        for (h, _), c in zip(heads, cols, strict=True)
                    }
                ),
                path,
            )
        files.append(path)
    return files, Counter(d["kind"] for d in depts)


def _rows(path: Path) -> list[tuple[object, ...]]:
    cols = ["subject", "rule_id", "outcome", "points", "grade"]
    return [tuple(r.values()) for r in pq.read_table(path).select(cols).to_pylist()]


def test_a_partition_filled_in_by_a_department_gives_the_rows_perfscore_score_gives(
    tmp_path: Path,
) -> None:
    """Each partition's findings rows equal ``perfscore score PART -o x.parquet --no-columnar``
    (the per-record path) for that file; the file's errors come back as counts and texts."""
    from perfscore.cli import main

    files, kinds = _bureau_partitions(tmp_path)
    rs = perfscore.load_ruleset(DEPT_RULES)
    summary = score_partitioned(rs, tmp_path / "in", tmp_path / "out")
    assert summary["subjects"] == 300  # the 合计 rows are not departments
    assert summary["per_record"] >= 100  # the partition declaring scores went record by record
    for i, part in enumerate(files):
        ref = tmp_path / f"ref{i}.parquet"
        code = main(["score", str(DEPT_RULES), str(part), "-o", str(ref), "--no-columnar"])
        assert code in (0, 1, 2)
        got = _rows(tmp_path / "out" / f"part-{i:05d}.parquet")
        assert got == _rows(ref)
    table = pq.read_table(tmp_path / "out").to_pylist()
    assert {r["subject"] for r in table} >= {"D0001", "D0299"}
    # a text in a number cell is an error finding for what reads it, not a blank or a crash
    errors = {r["subject"] for r in table if r["outcome"] == "error"}
    assert len(errors) >= kinds["text_cell"] + kinds["blank_budget"]
    # the repeated id is said (an error notification), and so are the 合计 rows
    assert summary["problems"] >= kinds["dup_id"]
    assert sum("合计" in n or "total" in n for n in summary["notes"]) >= 1
