"""Parquet findings (perfscore.export.parquet): one row per subject × rule, dictionary-encoded,
exact decimals, rules in the metadata; the columnar and per-record paths write the same bytes;
the CLI writes it; pandas (and DuckDB/Polars when installed) read it back."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
np = pytest.importorskip("numpy")

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.export.parquet import (  # noqa: E402
    TOTAL,
    columnar_table,
    parquet_bytes,
    report_table,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402

RULES = ROOT / "rules" / "cn-project-10.yaml"
DATA = ROOT / "examples" / "project-elderly-meals-2023.yaml"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfscore.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def _family_run(n: int, seed: int = 3) -> tuple[perfscore.RuleSet, dict[str, object]]:
    fam = families.family("dept30")
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="dept30.yaml")
    return rs, families.columns(fam, n, seed=seed)


def _records(cols: dict[str, object], n: int) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        values = {k: float(v[i]) for k, v in cols.items() if not math.isnan(v[i])}  # type: ignore[index]
        out.append({"id": f"row-{i + 1}", "values": values})
    return out


def test_columnar_and_per_record_write_the_same_bytes() -> None:
    rs, cols = _family_run(400)
    res = ColumnarScorer(rs).score(cols)
    fast = columnar_table(res, rules=rs.rules, ruleset=rs.provenance())
    report = rs.evaluate(_records(cols, 400))
    slow = report_table(report)
    assert fast.equals(slow)
    assert parquet_bytes(fast) == parquet_bytes(slow)


def test_points_keep_their_places_when_the_first_hundred_rows_have_none() -> None:
    """The places are read from rows that have points: 100 blank rows first (no points) and
    then a scored one still give 17.00 and 84.99 — not 1700 (columnar) or 17 (per record)."""
    rs = perfscore.load_ruleset(ROOT / "rules" / "omb-part.yaml")
    row = {"purpose_design": 85, "strategic_planning": 85, "program_management": 85}
    row |= {"results_accountability": 84.98, "has_performance_measures": True}
    row |= {"has_baseline_data": True}
    n = 101
    cols: dict[str, object] = {}
    for name, spec in rs.compiled.inputs.items():
        cells = [None] * (n - 1) + [row.get(name)]
        if spec.type in ("text", "boolean"):
            cols[name] = np.array(cells, dtype=object)
        else:
            cols[name] = np.array([math.nan if c is None else float(c) for c in cells])
    fast = columnar_table(ColumnarScorer(rs).score(cols), rules=rs.rules, ruleset=rs.provenance())
    report = rs.evaluate(
        [{"id": f"row-{i + 1}", "values": {}} for i in range(n - 1)]
        + [{"id": f"row-{n}", "values": row}]
    )
    slow = report_table(report)
    for table in (fast, slow):
        last = {r["rule_id"]: r["points"] for r in table.to_pylist() if r["subject"] == f"row-{n}"}
        assert last["section_1"] == Decimal("17.00") and last[TOTAL] == Decimal("84.99")
    assert parquet_bytes(fast) == parquet_bytes(slow)


def test_one_row_per_subject_and_rule_exact_points() -> None:
    rs, cols = _family_run(50)
    report = rs.evaluate(_records(cols, 50))
    table = pq.read_table(pa.BufferReader(parquet_bytes(report_table(report))))
    ids = [r.id for r in rs.rules]
    assert table.num_rows == 50 * (len(ids) + 1)
    assert table.schema.field("rule_id").type == pa.dictionary(pa.int32(), pa.string())
    assert table.schema.field("outcome").type == pa.dictionary(pa.int8(), pa.string())
    assert table.schema.field("points").type in (
        pa.decimal128(18, 2),
        getattr(pa, "decimal64", pa.decimal128)(18, 2),
    )
    assert (
        pq.ParquetFile(pa.BufferReader(parquet_bytes(report_table(report))))
        .schema.column(3)
        .physical_type
        == "INT64"
    )
    rows = table.to_pylist()
    first = report.subjects[0]
    mine = {r["rule_id"]: r for r in rows[: len(ids) + 1]}
    for sc in first.scores:
        assert mine[sc.rule_id]["points"] == sc.points and mine[sc.rule_id]["outcome"] == sc.outcome
    assert mine[TOTAL]["points"] == first.total and mine[TOTAL]["grade"] == first.grade
    assert mine[TOTAL]["outcome"] is None
    meta = table.schema.metadata
    rules = json.loads(meta[b"perfscore.rules"])
    assert [r["id"] for r in rules] == ids and all("title" in r for r in rules)
    assert json.loads(meta[b"perfscore.run"])["ruleset"]["id"] == rs.id


def test_cli_writes_parquet_by_extension_and_by_format(tmp_path: Path) -> None:
    a = _cli("score", str(RULES), str(DATA), "-o", "a.parquet", cwd=tmp_path)
    b = _cli("score", str(RULES), str(DATA), "--format", "parquet", "-o", "b.bin", cwd=tmp_path)
    assert a.returncode in (0, 1) and b.returncode == a.returncode, a.stderr + b.stderr
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.bin").read_bytes()
    df = __import__("pandas").read_parquet(tmp_path / "a.parquet")
    total = df[df.rule_id == TOTAL]
    assert len(total) == 1 and total.points.iloc[0] == Decimal("92.63")
    assert df[df.rule_id == "execution"].points.iloc[0] == Decimal("8.80")


def test_same_rules_and_data_give_identical_files(tmp_path: Path) -> None:
    for name in ("one", "two"):
        r = _cli("score", str(RULES), str(DATA), "-o", f"{name}.parquet", cwd=tmp_path)
        assert r.returncode in (0, 1), r.stderr
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "two.parquet").read_bytes()


def test_duckdb_and_polars_read_it(tmp_path: Path) -> None:
    rs, cols = _family_run(100)
    res = ColumnarScorer(rs).score(cols)
    path = tmp_path / "f.parquet"
    path.write_bytes(parquet_bytes(columnar_table(res, rules=rs.rules, ruleset=rs.provenance())))
    expected_total = Decimal(int(res.total[0])).scaleb(-2)
    read = 0
    try:
        import duckdb
    except ImportError:
        pass
    else:
        con = duckdb.connect()
        con.execute("CREATE TABLE f AS SELECT * FROM read_parquet(?)", [str(path)])
        got = con.execute(
            "SELECT points FROM f WHERE subject = 'row-1' AND rule_id = ?", [TOTAL]
        ).fetchone()
        assert got is not None and got[0] == expected_total
        read += 1
    try:
        import polars as pl
    except ImportError:
        pass
    else:
        df = pl.read_parquet(path)
        row = df.filter((pl.col("subject") == "row-1") & (pl.col("rule_id") == TOTAL))
        assert row["points"][0] == expected_total
        read += 1
    if not read:
        pytest.skip("neither duckdb nor polars installed")


def test_points_too_wide_for_18_digits_are_written_as_exact_text() -> None:
    rules = (
        "perfscore: 1\nid: wide\ntitle: wide\nversion: '1'\n"
        "inputs: {x: {type: number}}\n"
        "indicators:\n"
        "  - {id: a, title: a, weight: 1e17, value: x,"
        " scorer: {type: threshold, op: '>=', target: 1}}\n"
    )
    rs = perfscore.load_ruleset_text(rules, source="wide.yaml")
    report = rs.evaluate([{"id": "s1", "values": {"x": 2}}, {"id": "s2", "values": {"x": 0}}])
    table = pq.read_table(pa.BufferReader(parquet_bytes(report_table(report))))
    assert table.schema.field("points").type == pa.string()
    got = {(r["subject"], r["rule_id"]): r["points"] for r in table.to_pylist()}
    assert Decimal(got[("s1", "a")]) == Decimal("1e17") and Decimal(got[("s2", "a")]) == 0


def test_a_repeated_subject_id_is_written_once_in_the_dictionary(tmp_path: Path) -> None:
    """Two departments sharing an id (reported, and both scored): the subjects' dictionary
    holds the id once, so the command writes the same bytes by columns and record by record,
    run after run (a dictionary holding a value twice was written differently from one
    process to the next: rev11's repro 9)."""
    from perfscore.cli import main

    rs, cols = _family_run(12)
    ids = [f"d{i:03d}" for i in range(12)]
    ids[1] = ids[0]  # the second row repeats the first's id
    ids[7] = ids[5]
    data = tmp_path / "depts.parquet"
    pq.write_table(pa.table({"id": ids, **cols}), data)
    rules = tmp_path / "dept30.yaml"
    rules.write_text(families.ruleset_text(families.family("dept30")), encoding="utf-8")
    outs = []
    for k, extra in enumerate(([], ["--no-columnar"], [])):
        out = tmp_path / f"f{k}.parquet"
        main(["score", str(rules), str(data), "-o", str(out), "--no-summary", *extra])
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    subject = pq.read_table(tmp_path / "f0.parquet").column("subject")
    assert subject.to_pylist() == [s for s in ids for _ in range(len(rs.rules) + 1)]
    dictionary = pq.ParquetFile(tmp_path / "f0.parquet").read(columns=["subject"])
    values = dictionary.column("subject").chunk(0).dictionary.to_pylist()
    assert values == list(dict.fromkeys(ids))  # each id once, first seen first
