"""perfscore.partitioned: partitioned Parquet/CSV input scored into one Parquet findings file per
partition, written by the worker that scored it; the same bytes with a Dask cluster as without;
the rows equal the per-record evaluation of the same subjects."""

from __future__ import annotations

import math
import sys
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
        if p % 2:
            import pyarrow.csv as pacsv

            pacsv.write_csv(table, src / f"part{p}.csv")
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
