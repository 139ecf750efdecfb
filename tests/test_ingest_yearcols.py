"""A series given one column a year, read by columns (``perfscore.ingest.yearcols``): every year
column converted as a numeric column is and read straight into the columnar scorer's
matrices, the rows whose cells those rules leave undecided read as the record reader reads
them.  Generated tables — random sets of years in random column order, blanks written many
ways, text (``1,234.5``, ``80万元``, ``0.98%``, ``约九成``), negative and zero figures, figures on
and past the reader's 10^15 edge and past a float's digits, extra years no formula names, a
column of text, a column all blank — score byte for byte as ``--no-columnar`` scores them
(Parquet and CSV), and frames score as the per-record path scores them (pandas, pyarrow, a
mapping of columns; a mapping column for one series beside year columns for the other)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfscore import load_ruleset_text
from perfscore.cli import main
from series_rules import RULES, VARIANTS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
np = pytest.importorskip("numpy")


BLANKS = [None, "", "-", "—", " ", "／"]
TEXTS = ["1,234.5", "80万元", "12.5%", "0.98%", "0.98", "约九成", "１２３", "3,4", "-0", "1e3",
         "1.000000000000000000000000000000", "96.5", "  97 "]  # fmt: skip
NUMBERS = [0.0, -5.0, 95.5, 100.0, 0.5, 1.0, 88.25, 1e15, -1e15, 999999999999999.9,
           1000000000000001.0, 2.0**51, 2.0**53 + 2, 1e300, 0.1 + 0.2, 1234567.891,
           12.345678901234567, 5e-324]  # fmt: skip

#: one year's cell: a float, a blank or text
CELL = st.one_of(
    st.sampled_from(NUMBERS),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 2)),
    st.integers(min_value=0, max_value=200).map(float),
    st.sampled_from(BLANKS),
    st.sampled_from(TEXTS),
)
#: year headers as docs/data.md spells them (a unit may follow the first two)
FORMS = ["{y}年{b}", "{b}{y}", "{b}（{y}年）", "{y}年度 {b}", "{b}_{y}", "{b}[{y}]", "{y}_{b}"]
#: a column: ("float", cells) — numbers and blanks only —, ("text", cells), or all blank
COLUMN_KIND = st.sampled_from(["float", "text", "text", "blank"])


@st.composite
def tables(draw: Any) -> tuple[list[str], list[list[Any]], list[str]]:
    """Headers, rows (by column) and each column's kind: an id, a budget, and each series'
    year columns — a random set of years (extra ones no formula names) in random order."""
    n = draw(st.integers(min_value=1, max_value=40))
    headers, columns, kinds = (
        ["编号", "年度预算数"],
        [[f"p{i}" for i in range(n)]],
        ["text", "float"],
    )
    columns.append([draw(st.sampled_from([100.0, 0.0, 250.5, None])) for _ in range(n)])
    for base in ("项目支出数", "预算执行率"):
        years = draw(st.lists(st.integers(2019, 2025), min_size=1, max_size=5, unique=True))
        for y in years:
            form = draw(st.sampled_from(FORMS))
            unit = "（万元）" if base == "项目支出数" and draw(st.booleans()) else ""
            if unit and form not in ("{y}年{b}", "{b}{y}"):
                form = "{y}年{b}"
            headers.append(form.format(y=y, b=base) + unit)
            kind = draw(COLUMN_KIND)
            cells = [draw(CELL) for _ in range(n)]
            if kind == "blank":
                cells = [None] * n
            elif kind == "float":
                cells = [c if isinstance(c, float) else None for c in cells]
            columns.append(cells)
            kinds.append(kind)
    return headers, columns, kinds


def _text(c: Any) -> Any:
    if c is None or isinstance(c, str):
        return c
    if isinstance(c, int):
        return str(c)
    return repr(c) if not float(c).is_integer() or abs(c) >= 1e16 else str(int(c))


def _arrow(headers: list[str], columns: list[list[Any]], kinds: list[str]) -> Any:
    arrays = []
    for cells, kind in zip(columns, kinds, strict=True):
        if kind == "float":
            arrays.append(pa.array(cells, pa.float64()))
        elif kind == "blank":
            arrays.append(pa.array(cells, pa.null()))
        else:
            arrays.append(pa.array([_text(c) for c in cells], pa.string()))
    return pa.table(arrays, names=headers)


def _run(rules: Path, data: Path, out: Path, capsys: Any) -> dict[str, bytes]:
    got = {}
    for flag in ([], ["--no-columnar"]):
        target = out / f"f{len(flag)}.parquet"
        main(["score", str(rules), str(data), "-o", str(target), *flag])
        got["columns" if not flag else "records"] = target.read_bytes()
    said = capsys.readouterr()
    return got | {"said": said.err.encode()}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables(), small=st.booleans())
def test_year_columns_score_as_the_record_path(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, table: Any, small: bool
) -> None:
    """Parquet (typed columns: numbers, text, nulls) and CSV (text): the findings table by
    columns is the per-record one, byte for byte; ``small`` reads the file a few rows at a
    time (a chunk of many Arrow batches, and many chunks)."""
    from perfscore.ingest import arrowcols

    if small:
        monkeypatch.setattr(arrowcols, "ROWS", 5)
        monkeypatch.setattr(arrowcols, "TEXT_ROWS", 3)
    headers, columns, kinds = table
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    tbl = _arrow(headers, columns, kinds)
    pq.write_table(tbl, tmp_path / "d.parquet", row_group_size=4 if small else None)
    got = _run(rules, tmp_path / "d.parquet", tmp_path, capsys)
    assert got["columns"] == got["records"]
    rows = list(zip(*columns, strict=True))
    with (tmp_path / "d.csv").open("w", encoding="utf-8", newline="") as fh:
        import csv

        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows([[("" if c is None else _text(c)) for c in row] for row in rows])
    got = _run(rules, tmp_path / "d.csv", tmp_path, capsys)
    assert got["columns"] == got["records"]


def _per_record(rs: Any, data: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setenv("PERFSCORE_COLUMNAR", "0")
        report = rs.evaluate(data)
    points = {
        (f.subject.id, f.rule_id): (f.outcome, f.points)
        for f in report.findings
        if f.kind != "check"
    }
    return points, [s.total for s in report.subjects], [s.subject.id for s in report.subjects]


def _same(rs: Any, result: Any, want: Any) -> None:
    points, totals, ids = want
    assert result.totals_decimal() == totals
    for rid in result.rule_ids:
        got = list(zip(result.outcomes(rid), result.points_decimal(rid), strict=True))
        assert got == [points[(sid, rid)] for sid in ids], rid


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=tables(), mapped=st.booleans())
def test_frames_with_year_columns_score_as_the_record_path(
    monkeypatch: pytest.MonkeyPatch, table: Any, mapped: bool
) -> None:
    """pandas (float, object and text columns; ``score_frame`` too), polars, pyarrow and a
    mapping of lists; ``mapped``
    gives 预算执行率 as one column of ``{year: figure}`` cells beside 项目支出数's year columns."""
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer, score_frame

    rs = load_ruleset_text(RULES, source="yearcols_gen.yaml")
    headers, columns, kinds = table
    headers = ["id", "budget", *headers[2:]]  # (ColumnarScorer reads other columns by name)
    if mapped:
        keep = [i for i, h in enumerate(headers) if "预算执行率" not in h]
        years = [
            (int("".join(ch for ch in h if ch.isdigit())), columns[i])
            for i, h in enumerate(headers)
            if "预算执行率" in h
        ]
        cells: list[Any] = []
        for r in range(len(columns[0])):
            pairs = {y: col[r] for y, col in years}
            cells.append(None if all(c is None for c in pairs.values()) else pairs)
        headers = [headers[i] for i in keep] + ["outturn"]
        kinds = [kinds[i] for i in keep] + ["map"]
        columns = [columns[i] for i in keep] + [cells]
    frame = pd.DataFrame(
        {h: (pd.Series(c, dtype=float) if k == "float" else pd.Series(c, dtype=object))
         for h, c, k in zip(headers, columns, kinds, strict=True)}
    )  # fmt: skip
    want = _per_record(rs, frame, monkeypatch)
    scorer = ColumnarScorer(rs)
    assert scorer.supported, scorer.reason
    _same(rs, scorer.score(frame), want)
    frame.index = range(1000, 1000 + len(frame))  # a Dask partition's index: cells by position
    scored = score_frame(rs, frame)
    got = list(zip(scored["latest.outcome"], scored["latest.points"], strict=True))
    assert got == [want[0][(sid, "latest")] for sid in want[2]]
    if not mapped:
        pl = pytest.importorskip("polars")
        _same(rs, scorer.score(pl.from_arrow(_arrow(headers, columns, kinds))), want)
        _same(rs, scorer.score(_arrow(headers, columns, kinds)), want)
        lists = {h: [None if isinstance(c, float) and math.isnan(c) else c for c in col]
                 for h, col in zip(headers, columns, strict=True)}  # fmt: skip
        _same(rs, scorer.score(lists), want)


def test_a_year_cell_of_more_digits_than_the_reader_takes_is_refused(tmp_path: Path) -> None:
    """``1.000…0`` with 30 digits: a float holds its value, but the record reader refuses a
    figure of over 28 digits — so do the columns (a scalar input's cell too)."""
    from perfscore.ingest.yearcols import year_value

    assert year_value(Decimal("1." + "0" * 27)) == 1.0  # 28 digits
    many = Decimal("1." + "0" * 29)
    assert year_value(many) is many
    assert year_value(Decimal("0.1")) == 0.1
    assert year_value(Decimal("1E+400")) == Decimal("1E+400")


SCALAR_RULES = """\
perfscore: 1
id: digits
title: 位数
version: "1"
inputs:
  spent: {type: money, unit: 万元, title: 执行数}
  budget: {type: money, unit: 万元, title: 预算数}
indicators:
  - id: rate
    title: 本年执行率
    weight: 5
    value: spent / budget
    scorer: {type: threshold, op: ">=", target: 0.95}
"""


def test_a_scalar_cell_of_too_many_digits_is_the_record_readers_error(
    tmp_path: Path, capsys: Any
) -> None:
    """Before: the columns read ``1.000…0`` (31 digits) as 1 and failed the row where the
    record reader refuses the cell (an error)."""
    rules = tmp_path / "r.yaml"
    rules.write_text(SCALAR_RULES, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("id,执行数,预算数\na,1.000000000000000000000000000000,2\nb,3,4\n", "utf-8")
    got = _run(rules, data, tmp_path, capsys)
    assert got["columns"] == got["records"]
    assert pq.read_table(tmp_path / "f0.parquet").column("outcome").to_pylist()[0] == "error"


def test_year_columns_give_a_chunk_or_the_rows_cells() -> None:
    """A slice is a chunk (its rows counted on from its start); an index array gives the rows'
    cells as the record reader makes them (a per-row plug-in reads them so)."""
    from perfscore.ingest.yearcols import YearColumns

    asked: list[list[int]] = []

    def exact(rows: Any) -> list[Any]:
        asked.append(rows.tolist())
        return [{2022: r} for r in rows.tolist()]

    yc = YearColumns([2022, 2023], [np.arange(6.0), np.arange(6.0)], exact)
    chunk = yc[2:5]
    assert isinstance(chunk, YearColumns) and len(chunk) == 3 and chunk.start == 2
    assert chunk.values[0].tolist() == [2.0, 3.0, 4.0]
    assert chunk.take(np.array([0, 2])) == [{2022: 2}, {2022: 4}]
    picked = chunk[np.array([1])]
    assert picked.dtype == object and picked.tolist() == [{2022: 3}]
    assert yc[::2].tolist() == [{2022: 0}, {2022: 2}, {2022: 4}]
    assert chunk.tolist() == [{2022: 2}, {2022: 3}, {2022: 4}]
    assert asked[-1] == [2, 3, 4]


@pytest.mark.parametrize(
    "rows",
    [
        # a growth over a year of 5e-324: past a float (the ratio was made a float and raised)
        "p1,100,0,5e-324,-1000000000000000,96\np2,100,0,5e-324,1,96\n",
        # 5e-324 beside zeros: a denominator past int64 times a column of zeros (int64 raised)
        "p0,100,0,0,,0\np1,100,0,5e-324,,0\n",
    ],
)
def test_tiny_and_huge_figures_in_a_year_are_scored_as_per_record_not_a_crash(
    tmp_path: Path, capsys: Any, rows: str
) -> None:
    """Found by the generated tables above: both raised OverflowError out of the command (by
    columns only; ``--no-columnar`` scored them), in JSON Lines as in a table."""
    rules = tmp_path / "r.yaml"
    rules.write_text(RULES, encoding="utf-8")
    data = tmp_path / "d.csv"
    head = "编号,年度预算数,2019年项目支出数,2022年项目支出数,2023年项目支出数,2019年预算执行率\n"
    data.write_text(head + rows, encoding="utf-8")
    got = _run(rules, data, tmp_path, capsys)
    assert got["columns"] == got["records"]


#: figures a Python column may hold that Arrow would not: integers past int64 and float64
BIG_INTS = [10**15, 10**15 + 1, 2**63, 2**70, 10**400, -(10**400), 7, 0]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=tables(),
    variant=st.sampled_from(sorted(VARIANTS)),
    chunks=st.sampled_from([None, (1, 3), (3, 7)]),
    ints=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(BIG_INTS)), max_size=4),
    far=st.lists(st.tuples(st.integers(0, 39), st.sampled_from([1900, 2200, 2026])), max_size=3),
)
def test_year_columns_in_chunks_with_bounds_big_integers_and_far_years(
    monkeypatch: pytest.MonkeyPatch,
    table: Any,
    variant: str,
    chunks: tuple[int, int] | None,
    ints: list[tuple[int, int]],
    far: list[tuple[int, int]],
) -> None:
    """The generated tables as pandas frames scored a few rows at a time (``chunks``: the
    first chunk's rows and the others', so matrices meet rows of blanks only, refused rows
    and per-cell rows in every position of a chunk), under bounds or whole numbers, with
    Python integers past int64 and float64 in some year cells, and 预算执行率 as mapping
    cells, some holding a year far from the others (those rows cannot share the chunk's
    year axis): the results are the per-record path's."""
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import ColumnarScorer, run

    if chunks is not None:
        monkeypatch.setattr(run, "PROBE", chunks[0])
        monkeypatch.setattr(run, "CHUNK", chunks[1])
    rs = load_ruleset_text(VARIANTS[variant], source="yearcols_var.yaml")
    headers, columns, kinds = table
    headers = ["id", "budget", *headers[2:]]
    n = len(columns[0])
    paid = [i for i, h in enumerate(headers) if "项目支出数" in h]
    for row, value in ints:  # (an object column then: its cells as they are)
        if row < n and paid:
            j = paid[row % len(paid)]
            columns[j] = [*columns[j][:row], value, *columns[j][row + 1 :]]
            kinds[j] = "text"
    frame = pd.DataFrame(
        {h: (pd.Series(c, dtype=float) if k == "float" else pd.Series(c, dtype=object))
         for h, c, k in zip(headers, columns, kinds, strict=True)}
    )  # fmt: skip
    if far:  # 预算执行率 as mappings, some rows with a far year
        years = [(int("".join(ch for ch in h if ch.isdigit())), c)
                 for h, c in zip(headers, columns, strict=True) if "预算执行率" in h]  # fmt: skip
        cells: list[Any] = []
        for r in range(n):
            pairs: dict[int, Any] = {y: col[r] for y, col in years}
            cells.append(None if all(c is None for c in pairs.values()) else pairs)
        for row, year in far:
            if row < n:
                cells[row] = {**(cells[row] or {}), year: 97.5}
        frame = frame[[h for h in headers if "预算执行率" not in h]].assign(outturn=cells)
    want = _per_record(rs, frame, monkeypatch)
    scorer = ColumnarScorer(rs)
    assert scorer.supported, scorer.reason
    _same(rs, scorer.score(frame), want)
