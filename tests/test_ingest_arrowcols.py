"""A Parquet file read by columns (``perfscore.ingest.arrowcols``) gives the scorer exactly the
columns, subjects and notifications the record reader gives (``colbatch.record_columns`` over
``DataSource.records``) — float or object per cell, each value, each refusal's words — and
``perfscore score data.parquet`` writes the bytes ``--no-columnar`` writes, on data as
departments produce it and on hostile cells."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli_runner import run
from perfscore.ingest import open_data

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from perfscore.colbatch import record_columns  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.ingest import arrowcells, arrowcols, readers  # noqa: E402

RULES = """\
perfscore: 1
id: county_cols
title: 县级项目支出（列读取测试）
version: "1"
subject_type: project
settings: {places: 2, missing: not_applicable, zero_division: not_applicable}
inputs:
  kind: {type: text, title: 项目类别, choices: [基建类, 民生类]}
  approved: {type: boolean, title: 经集体决策, default: false}
  budget: {type: money, unit: 万元, title: 预算数, required: true, min: 0}
  executed: {type: money, unit: 万元, title: 执行数, min: 0}
  cost: {type: money, title: 实际成本, min: 0}
  planned: {type: integer, unit: 个, title: 计划数量, min: 0}
  done: {type: integer, unit: 个, title: 完成数量, min: 0}
  satisfaction: {type: percent, title: 满意度, min: 0, max: 100}
  ratio: {type: number, title: 评审得分比例, min: 0, max: 1}
  reason: {type: text, title: 原因说明}
metrics:
  rate: {title: 预算执行率, expr: executed / budget, unit: "%"}
  completion: {title: 完成率, expr: done / planned, unit: "%"}
indicators:
  - id: execution
    title: 预算执行率
    weight: 20
    value: rate
    scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 0.5, count: exact}
  - id: completion_ind
    title: 完成率
    weight: 20
    value: completion
    scorer: {type: proportional, target: 1}
  - id: satisfied
    title: 满意度
    weight: 20
    value: satisfaction
    scorer: {type: threshold, op: ">=", target: 0.9}
  - id: review
    title: 评审
    weight: 20
    value: ratio
    scorer:
      type: bands
      bands:
        - {range: ">= 0.8", points: 20}
        - {range: "[0.6, 0.8)", points: 12}
        - {range: "[0, 0.6)", points: 0}
  - id: decision
    title: 集体决策
    weight: 10
    scorer:
      type: checklist
      items:
        - {id: approved, title: 经集体决策, points: 6, when: approved}
        - {id: typed, title: 类别已填, points: 4, when: "kind == '基建类'"}
  - id: cost_ok
    title: 成本
    weight: 10
    value: cost
    scorer: {type: threshold, op: "<=", target: 1000000}
"""


@pytest.fixture(scope="module")
def rules_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "county_cols.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rs(rules_path: Path) -> Any:
    from perfscore import load_ruleset

    return load_ruleset(rules_path)


def test_the_rule_set_is_scored_by_columns(rs: Any) -> None:
    assert ColumnarScorer(rs).supported, ColumnarScorer(rs).reason


# -- data as departments write it ---------------------------------------------------------

BLANKS: list[Any] = [None, "", "-", "—", "/", " ", "--", "——", float("nan")]
HOSTILE = [
    float("inf"),
    float("-inf"),
    1e300,
    5e-324,
    0.1 + 0.2,
    -0.0,
    9007199254740993.0,
    1e15 + 2,
    2.0**60,
    123456789.123456789,
    -100.0,
    1e-7,
]


def _money(rng: random.Random, budget: float) -> Any:
    pick = rng.random()
    if pick < 0.35:
        return budget  # spent exactly the budget
    if pick < 0.45:
        return round(budget * 0.95, 2)
    if pick < 0.5:
        return 0.0
    if pick < 0.55:
        return rng.choice(BLANKS)
    return round(rng.uniform(0, budget * 1.2), rng.choice([0, 2, 4, 6]))


def _frame(n: int, seed: int, *, hostile: bool = True) -> dict[str, list[Any]]:
    """Columns as a budget system exports them: ids (one repeated, one blank), names, a 合计
    row, an empty row; money in 万元 (float64), counts (float64 integers and int64),
    percents (0.31: ambiguous), yes/no as bool and as 是/否/√/× text, text choices."""
    rng = random.Random(seed)
    cols: dict[str, list[Any]] = {k: [] for k in COLUMNS}
    for i in range(n):
        budget = rng.choice([100.0, 2017.2, 880.0, 0.0, 12.5, 604.0, round(rng.uniform(1, 5e4), 2)])
        row: dict[str, Any] = {
            "id": f"XM{i:05d}",
            "name": f"项目{i}",
            "kind": rng.choice(["基建类", "民生类", "民生类", None, "待定", "基建类 "]),
            "approved": rng.choice([True, False, None]),
            "approved_text": rng.choice(["是", "否", "√", "×", "", None, "Y", "对"]),
            "budget": budget if rng.random() > 0.03 else rng.choice(BLANKS),
            "executed": _money(rng, budget),
            "cost_yuan": rng.choice([1000.0, 25.5, 0.0, None, 123456.78, 1e6]),
            "planned": float(rng.choice([10, 17, 0, 100])) if rng.random() > 0.05 else None,
            "done": rng.choice([10, 16, 0, 100, 95, None]),
            "satisfaction": rng.choice([95.0, 90.0, 85.5, 100.0, 0.31, 1.0, None, 60.0]),
            "ratio": rng.choice([0.8, 0.75, 1.0, 0.0, None, 0.8000000000000002, 1.5]),
            "reason": rng.choice([None, "进度滞后", "", "-"]),
        }
        if hostile and rng.random() < 0.06:
            row[rng.choice(["budget", "executed", "cost_yuan", "satisfaction", "ratio"])] = (
                rng.choice(HOSTILE)
            )
        for k, v in row.items():
            cols[k].append(v)
    if n > 10:
        cols["id"][7] = cols["id"][3]  # a duplicate id
        cols["id"][9] = None  # no id: the name names it
        cols["name"][9] = "无编号项目"
        for k in cols:  # an empty row and a 合计 row
            cols[k][5] = None if k != "kind" else " "
            cols[k][8] = None
        cols["id"][8] = "合计"
        cols["budget"][8] = 99999.0
    return cols


COLUMNS = {
    "id": ("编号", pa.string()),
    "name": ("项目名称", pa.string()),
    "kind": ("项目类别", pa.string()),
    "approved": ("经集体决策", pa.bool_()),
    "approved_text": ("备注", pa.string()),  # ignored: 备注
    "budget": ("预算数（万元）", pa.float64()),
    "executed": ("执行数", pa.float64()),
    "cost_yuan": ("实际成本（元）", pa.float64()),
    "planned": ("计划数量", pa.float64()),
    "done": ("完成数量", pa.int64()),
    "satisfaction": ("满意度", pa.float64()),
    "ratio": ("评审得分比例", pa.float64()),
    "reason": ("原因说明", pa.dictionary(pa.int32(), pa.string())),
}


def _write(cols: dict[str, list[Any]], path: Path, **types: Any) -> Path:
    arrays, names = [], []
    for k, (header, typ) in COLUMNS.items():
        typ = types.get(k, typ)
        values = cols[k]
        if pa.types.is_floating(typ):
            values = [
                v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
                for v in values
            ]
        elif pa.types.is_integer(typ):
            values = [
                int(v) if isinstance(v, (int, float)) and float(v).is_integer() else None
                for v in values
            ]
        elif pa.types.is_boolean(typ):
            values = [v if isinstance(v, bool) else None for v in values]
        elif pa.types.is_decimal(typ):
            values = [v if isinstance(v, Decimal) else None for v in values]
        else:
            values = [None if v is None else (v if isinstance(v, str) else repr(v)) for v in values]
        if pa.types.is_dictionary(typ):
            arrays.append(pa.array(values, pa.string()).dictionary_encode())
        else:
            arrays.append(pa.array(values, typ))
        names.append(header)
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)
    return path


# -- the reader against the record reader --------------------------------------------------


def _same_cell(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)  # -0.0 and NaN told apart
    if isinstance(a, Decimal):  # Decimal('NaN') (a cell "nan", refused later) too
        return bool(a.as_tuple() == b.as_tuple())
    if type(a).__name__ == "CellProblem":
        return str(a.message) == str(b.message) and getattr(a.message, "zh", None) == getattr(
            b.message, "zh", None
        )
    return bool(a == b)


def _said(notes: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (n.level, n.code, str(n.message), getattr(n.message, "zh", None), n.subject) for n in notes
    ]


def compare(rs: Any, path: Path) -> list[str]:
    """Where the column reader and the record reader disagree on ``path`` (empty: nowhere)."""
    scorer = ColumnarScorer(rs)
    src = open_data(path)[0]
    records = list(src.records(rs))
    want_notes = _said(src.notifications)
    src = open_data(path)[0]
    chunks = list(arrowcols.table_chunks(rs, src, scorer.inputs))
    got_notes = _said(src.notifications)
    out = [] if got_notes == want_notes else [f"notes {got_notes} != {want_notes}"]
    assert all(isinstance(c, arrowcols.TableChunk) for c in chunks)
    at = 0
    for chunk in chunks:
        part = records[at : at + len(chunk.index)]
        if chunk.index != list(range(at, at + len(part))):
            out.append(f"index {chunk.index[:5]}... at {at}")
        want, subjects = record_columns(rs, scorer, part, chunk.index)
        if subjects != chunk.subjects:
            out.append(f"subjects {chunk.subjects[:3]} != {subjects[:3]}")
        for name, column in want.items():
            got = chunk.columns[name]
            if got.dtype != column.dtype:
                out.append(f"{name}: {got.dtype} != {column.dtype}")
                continue
            for k, (a, b) in enumerate(zip(got.tolist(), column.tolist(), strict=True)):
                if not _same_cell(a, b):
                    out.append(f"{name} row {at + k}: {a!r} != {b!r}")
        for k, (a, b) in enumerate(zip(chunk.records, part, strict=True)):
            if repr(dict(a)) != repr(dict(b)):  # (repr: a Decimal('NaN') equals no other)
                out.append(f"record {at + k}: {dict(a)!r} != {dict(b)!r}")
        at += len(part)
    if at != len(records):
        out.append(f"{at} rows read, {len(records)} records")
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_are_the_record_readers(rs: Any, tmp_path: Path, seed: int) -> None:
    path = _write(_frame(300, seed), tmp_path / "d.parquet")
    assert compare(rs, path) == []


def test_batches_and_chunks_cut_anywhere(
    rs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow batches of 7 rows gathered into chunks of 20: indexes, duplicate ids across
    chunks, the 合计 note, each in its place."""
    monkeypatch.setattr(readers, "SLICE", 7)
    monkeypatch.setattr(arrowcols, "ROWS", 20)
    path = _write(_frame(150, 9), tmp_path / "d.parquet")
    chunks = list(arrowcols.table_chunks(rs, open_data(path)[0], {}))
    assert len(chunks) > 5
    assert compare(rs, path) == []


@pytest.mark.parametrize(
    "types",
    [
        {"budget": pa.float32()},
        {"executed": pa.string(), "done": pa.float64(), "planned": pa.int32()},
        {"kind": pa.dictionary(pa.int8(), pa.string()), "approved": pa.string()},
        {"budget": pa.decimal128(20, 4), "id": pa.large_string()},
        {"id": pa.int64(), "satisfaction": pa.string()},
    ],
    ids=["float32", "text-numbers", "dictionary-and-yes-no-text", "decimal", "int-ids"],
)
def test_every_arrow_type_a_department_may_use(rs: Any, tmp_path: Path, types: Any) -> None:
    cols = _frame(120, 4)
    if "id" in types:
        cols["id"] = [i if i % 11 else None for i in range(len(cols["id"]))]
        cols["id"][20] = 19
    if "satisfaction" in types:  # as a department types it
        cols["satisfaction"] = [
            rng_pick for rng_pick in ["90%", "85.5", "0.31", "九十", "", None] * 20
        ]
    if "approved" in types:
        cols["approved"] = ["是", "否", "√", "×", "", None] * 20
    if "budget" in types and types["budget"] == pa.decimal128(20, 4):
        cols["budget"] = [
            None
            if not isinstance(v, float) or not math.isfinite(v) or abs(v) > 1e15
            else Decimal(repr(v)).quantize(Decimal("0.0001"))
            for v in cols["budget"]
        ]
    path = _write(cols, tmp_path / "d.parquet", **types)
    assert compare(rs, path) == []


def test_a_column_every_cell_of_which_is_text_in_a_number_input(rs: Any, tmp_path: Path) -> None:
    cols = _frame(40, 5, hostile=False)
    cols["executed"] = ["待补", "1,200", "１２０", "12万元", "95%", None, "n/a", "-"] * 5
    path = _write(cols, tmp_path / "d.parquet", executed=pa.string())
    assert compare(rs, path) == []


def test_a_header_unit_that_cannot_be_converted_refuses_every_cell(rs: Any, tmp_path: Path) -> None:
    cols = _frame(30, 6, hostile=False)
    path = tmp_path / "d.parquet"
    table = pq.read_table(_write(cols, path))
    names = [("满意度（万元）" if n == "满意度" else n) for n in table.column_names]
    pq.write_table(table.rename_columns(names), path)
    assert compare(rs, path) == []


FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 2)),
    st.decimals(min_value=-(10**16), max_value=10**16, places=6).map(float),
    st.integers(min_value=-(2**60), max_value=2**60).map(float),
    st.sampled_from([0.31, 1.0, 0.5, 100.0, 95.0, -0.0, 0.1 + 0.2, 2.0**51, 2.0**51 - 1]),
)


@given(
    budget=st.lists(FLOATS | st.none(), min_size=1, max_size=30),
    done=st.lists(
        st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.none(), min_size=1, max_size=30
    ),
    percent=st.lists(FLOATS | st.none(), min_size=1, max_size=30),
)
def test_any_numbers_are_read_as_the_record_reader_reads_them(
    rs: Any, tmp_path_factory: pytest.TempPathFactory, budget: Any, done: Any, percent: Any
) -> None:
    n = max(len(budget), len(done), len(percent))
    cols = _frame(n, 8, hostile=False)
    cols["budget"] = (budget * n)[:n]
    cols["executed"] = (percent * n)[:n]
    cols["done"] = (done * n)[:n]
    cols["satisfaction"] = (percent * n)[:n]
    cols["cost_yuan"] = (budget * n)[:n]
    path = _write(cols, tmp_path_factory.mktemp("h") / "d.parquet")
    assert compare(rs, path) == []


def test_a_looser_bound_in_the_converter_is_caught(
    rs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound that makes a float's decimal unique (|m| < 2**51) matters: with 2**64 the
    check above finds cells the columns read otherwise than the records (元 under a 万元
    input: each value divided by 10**4)."""
    rng = random.Random(3)
    cols = _frame(300, 3, hostile=False)
    cols["budget"] = [rng.uniform(2.3e15, 1.8e17) for _ in range(300)]
    path = tmp_path / "d.parquet"
    table = pq.read_table(_write(cols, path))
    names = [("预算数（元）" if n == "预算数（万元）" else n) for n in table.column_names]
    pq.write_table(table.rename_columns(names), path)
    assert compare(rs, path) == []
    monkeypatch.setattr(arrowcells, "LIMIT", 2.0**64)
    assert any(d.startswith("budget") for d in compare(rs, path))


# -- the command: the same bytes --------------------------------------------------------------


def _both(routes: list[Any], argv: list[str], out: Path) -> tuple[bytes, str]:
    """``argv`` routed and with ``--no-columnar``: the same exit status, stderr and output
    (for Parquet: the same table and metadata in this process — repeated runs in one process
    may compress a page differently, on main too — and the same bytes from two fresh
    processes, as a bureau runs the command)."""
    code_fast, _, err_fast = run(*argv)
    assert routes[-1] is not None, err_fast
    fast = out.read_bytes()
    code_slow, _, err_slow = run(*argv, "--no-columnar")
    assert routes[-1] is None
    assert code_fast == code_slow
    forced = [x for x in err_slow.splitlines(keepends=True) if "--no-columnar" not in x]
    assert "".join(forced) == err_fast
    if out.suffix != ".parquet":
        assert out.read_bytes() == fast
        return fast, err_fast
    slow = pq.read_table(out)
    (tmp := out.with_suffix(".fast.parquet")).write_bytes(fast)
    assert pq.read_table(tmp).equals(slow, check_metadata=True)
    files = []
    for extra in ([], ["--no-columnar"]):
        cmd = [sys.executable, "-m", "perfscore.cli", *argv, *extra]
        subprocess.run(cmd, capture_output=True, check=False, timeout=600)
        files.append(out.read_bytes())
    assert files[0] == files[1]
    return fast, err_fast


@pytest.mark.parametrize("fmt", ["parquet", "json", "csv"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_writes_the_per_record_bytes(
    rules_path: Path, tmp_path: Path, routes: list[Any], fmt: str, lang: str
) -> None:
    data = _write(_frame(400, 12), tmp_path / "d.parquet")
    out = tmp_path / f"f.{fmt}"
    argv = ["score", str(rules_path), str(data), "-o", str(out), "--lang", lang, "--summary"]
    _, err = _both(routes, argv, out)
    assert "duplicate-id" in err and "'XM00003'" in err and "total-row" in err
    if fmt == "parquet":
        assert routes[0].per_record > 0  # the hostile and ambiguous cells, per record


def test_the_command_over_many_chunks_and_two_files(
    rules_path: Path, tmp_path: Path, routes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "SLICE", 13)
    monkeypatch.setattr(arrowcols, "ROWS", 40)
    a = _write(_frame(200, 21), tmp_path / "a.parquet")
    b = _write(_frame(90, 22), tmp_path / "b.parquet")
    out = tmp_path / "f.parquet"
    argv = ["score", str(rules_path), str(a), str(b), "-o", str(out), "--summary", "--lang", "en"]
    _, err = _both(routes, argv, out)
    assert "286 subject(s) scored" in err


def test_a_declared_score_sends_the_parquet_run_record_by_record(
    rules_path: Path, tmp_path: Path, routes: list[Any]
) -> None:
    path = _write(_frame(60, 2, hostile=False), tmp_path / "d.parquet")
    table = pq.read_table(path)
    claims = pa.array([None] * 50 + [88.5] + [None] * 9, pa.float64())
    pq.write_table(table.append_column("自评得分", claims), path)
    out = tmp_path / "f.parquet"
    code, _, err = run("score", str(rules_path), str(path), "-o", str(out), "--lang", "en")
    assert routes == [None] and err.count("record by record") == 1
    fast = pq.read_table(out)
    code_slow, _, _ = run("score", str(rules_path), str(path), "-o", str(out), "--no-columnar")
    assert pq.read_table(out).equals(fast, check_metadata=True) and code == code_slow


# -- rows that say more of their subject than an id and a name ---------------------------------

META = {  # header -> (type, the cell of row i)
    "主管部门": (pa.string(), lambda i: ["区教育局 ", "区财政局", None, "-"][i % 4]),
    "年度": (pa.int64(), lambda i: [2024, 2023, None, 1800][i % 4]),
    "预算年度": (pa.string(), lambda i: ["2024年", "2023年度", "", "二〇二四"][i % 4]),
    "部门标识": (pa.string(), lambda i: f"K{i % 50}"),  # a key: two rows share one a year
    "类型": (pa.string(), lambda i: ["project", "部门"][i % 2]),
}


@pytest.mark.parametrize(
    "extra, ids",
    [
        (["主管部门", "年度"], pa.string()),
        (["年度", "主管部门", "预算年度"], pa.string()),
        (["主管部门", "部门标识", "年度"], pa.string()),
        (["类型", "年度"], pa.string()),
        (["主管部门"], pa.float64()),  # ids 1.5, 2.5 ...: not text, each subject made at once
    ],
    ids=["parent-year", "two-years", "key", "type", "number-ids"],
)
def test_rows_with_a_parent_and_a_year_give_the_record_readers_subjects(
    rules_path: Path,
    rs: Any,
    tmp_path: Path,
    routes: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    ids: Any,
) -> None:
    """主管部门, 年度 (a number, text 2024年, a bad 1800), 部门标识 and 类型 beside the id: the
    same subjects field for field as the record reader's (each made only when read — none
    while the file is read when its ids are text), the same duplicate-id and duplicate-key
    notes, and the command's bytes and stderr those of ``--no-columnar``."""
    monkeypatch.setattr(readers, "SLICE", 37)
    monkeypatch.setattr(arrowcols, "ROWS", 80)
    cols = _frame(240, 5, hostile=False)
    path = tmp_path / "d.parquet"
    table = pq.read_table(_write(cols, path))
    for k, header in enumerate(extra):
        typ, cell = META[header]
        table = table.add_column(1 + k, header, pa.array([cell(i) for i in range(240)], typ))
    if pa.types.is_floating(ids):
        id_cells = [None if v is None else 0.5 + i for i, v in enumerate(cols["id"])]
        id_cells[7], id_cells[8] = id_cells[3], None  # a duplicate id; no 合计 row
        table = table.set_column(0, "编号", pa.array(id_cells, ids))
    pq.write_table(table, path)
    made = [0]
    real = arrowcols.read_subject

    def counted(*a: Any, **k: Any) -> Any:
        made[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(arrowcols, "read_subject", counted)
    chunks = list(arrowcols.table_chunks(rs, open_data(path)[0], {}))
    assert len(chunks) == 3
    if pa.types.is_floating(ids):
        assert made[0] == sum(len(c.index) for c in chunks)  # each made at once
    else:
        assert made[0] == 0
        assert [c.checked for c in chunks] == ["部门标识" not in extra] * 3
    assert compare(rs, path) == []
    assert made[0] > 200  # every subject read by compare, field for field
    out = tmp_path / "f.parquet"
    argv = ["score", str(rules_path), str(path), "-o", str(out), "--lang", "en"]
    _, err = _both(routes, argv, out)
    assert "was already used at row 4" in err, err  # the id of row 4 (3) again at row 8
    if "部门标识" in extra:
        assert "'K1'" in err  # a key given twice for one year
