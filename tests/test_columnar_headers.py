"""A frame headed by titles, aliases or header forms (units in brackets, 万元 suffixes, full-width
characters, a required-mark ``*``) scores on every frame route — ``ColumnarScorer.score``,
``score_frame``, ``FrameScorer`` over a Dask frame of several partitions — exactly as the same
table headed by input ids, and as ``rs.evaluate`` scores its records
(``perfscore.columnar.headers`` maps headers with the readers' own ``map_columns``).  Two
columns for one input are refused.  Before, those routes read scalar inputs by id only: a
title-headed frame got ``error`` findings."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.errors import DataError

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
np = pytest.importorskip("numpy")

from perfscore.columnar import ColumnarScorer, FrameScorer, score_frame  # noqa: E402

RULES = """\
perfscore: 1
id: frame_headers
title: 表头示例
version: "1"
settings:
  missing: not_applicable
  not_applicable_weight: redistribute
  places: 2
  total: 100
inputs:
  budget: {type: money, unit: 万元, title: 全年预算数, min: 0, aliases: [预算数, 年度预算数]}
  spent: {type: money, unit: 万元, title: 执行数, min: 0, aliases: [实际支出]}
  staff: {type: integer, unit: 人, title: 在职人员数, min: 0}
  satisfaction: {type: percent, title: 满意度}
  tier: {type: text, title: 履职效益（评审等次）, choices: [achieved, partial, not_achieved]}
  disclosed: {type: boolean, title: 按规定公开绩效信息}
  outturn: {type: series, of: percent, title: 预算执行率（历年）}
metrics:
  rate: {title: 预算执行率, expr: spent / budget, unit: "%"}
indicators:
  - id: execution
    title: 预算执行率
    weight: 30
    value: rate
    scorer: {type: proportional, direction: higher, target: 1}
  - id: staffing
    title: 在职人员数
    weight: 10
    value: staff
    scorer: {type: threshold, op: "<=", target: 20, points_otherwise: 4}
  - id: satisfied
    title: 满意度
    weight: 20
    value: satisfaction
    scorer: {type: threshold, op: ">=", target: 0.9, points_otherwise: 8}
  - id: benefit
    title: 履职效益
    weight: 20
    scorer:
      type: tier
      tier: tier
      tiers:
        - {id: achieved, title: 达成, range: "[0.8, 1]"}
        - {id: partial, title: 部分达成, range: "[0.6, 0.8)", default: 0.7}
        - {id: not_achieved, title: 未达成, range: "[0, 0.6)", default: 0.3}
  - id: disclosure
    title: 公开
    weight: 10
    scorer:
      type: checklist
      items:
        - {id: perf, title: 按规定公开绩效信息, points: 10, when: disclosed}
  - id: history
    title: 近三年平均预算执行率
    weight: 10
    value: round(mean(last(outturn, 3)), 4)
    scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 4}
"""

YEARS = (2022, 2023, 2024)


def _fullwidth(text: str) -> str:
    """ASCII letters, digits and brackets in their full-width forms (NFKC reads them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


#: each scalar input's header spellings: (header, factor the 万元 cells are multiplied by)
SPELLINGS: dict[str, list[tuple[str, int]]] = {
    "budget": [
        ("budget", 1),
        ("BUDGET", 1),
        (" budget ", 1),
        (_fullwidth("budget"), 1),
        ("全年预算数", 1),
        ("全年预算数*", 1),
        ("“全年预算数”", 1),
        ("全年预算数（万元）", 1),
        ("全年预算数(万元)", 1),
        ("全年预算数/万元", 1),
        ("全年预算数（元）", 10000),
        ("预算数（元）", 10000),
        ("年度预算数【千元】", 10),
        ("预算数", 1),
    ],
    "spent": [
        ("spent", 1),
        ("执行数", 1),
        ("执行数 （万元）", 1),
        ("执行数（元）", 10000),
        ("实际支出", 1),
        ("实际支出（单位：元）", 10000),
    ],
    "staff": [("staff", 1), ("在职人员数", 1), ("在职人员数（人）", 1), ("在职人员数(人)", 1)],
    "satisfaction": [("satisfaction", 1), ("满意度", 1), ("满意度（%）", 1), ("满意度(%)", 1)],
    "tier": [("tier", 1), ("履职效益（评审等次）", 1), ("履职效益(评审等次)", 1), ("TIER", 1)],
    "disclosed": [("disclosed", 1), ("按规定公开绩效信息", 1), (_fullwidth("disclosed"), 1)],
}
#: a series' year column headers (``{y}`` the year)
YEAR_FORMS = [
    "{y}年预算执行率",
    "预算执行率{y}",
    "预算执行率（{y}年）",
    "{y}年预算执行率（%）",
    "outturn{y}",
]

MONEY = st.one_of(
    st.none(),
    st.integers(0, 10**7).map(lambda c: Decimal(c).scaleb(-2)),
    st.sampled_from([Decimal("100"), Decimal("95"), Decimal("0"), Decimal("3435.02")]),
)
ROW = st.fixed_dictionaries(
    {
        "budget": MONEY,
        "spent": MONEY,
        "staff": st.one_of(st.none(), st.integers(0, 40)),
        "satisfaction": st.one_of(st.none(), st.sampled_from([95, 90, 85.5, 100, 60, 89.99])),
        "tier": st.sampled_from([None, "achieved", "partial", "not_achieved", "0.75", "0.9"]),
        "disclosed": st.sampled_from([None, True, False, "是", "否"]),
        "outturn": st.lists(st.sampled_from([None, 96, 98.5, 100, 80, 94.99]), min_size=3,
                            max_size=3),
    }
)  # fmt: skip


def _rs() -> Any:
    return perfscore.load_ruleset_text(RULES, source="frame_headers.yaml")


def _records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as JSON-like records (the series as ``{year: figure}``)."""
    out = []
    for i, row in enumerate(rows):
        values = {k: v for k, v in row.items() if k != "outturn" and v is not None}
        if any(v is not None for v in row["outturn"]):
            values["outturn"] = dict(zip(YEARS, row["outturn"], strict=True))
        out.append({"id": f"d{i:02d}", "values": values})
    return out


def _cell(value: Any, factor: int) -> Any:
    if value is None or factor == 1 or isinstance(value, bool):
        return value
    return value * factor


def _table(
    rows: list[dict[str, Any]], headers: dict[str, tuple[str, int]], years: list[str], order: Any
) -> tuple[list[str], list[list[Any]]]:
    """Column headers and cells: an id column, each scalar input under its spelling (cells in
    the header's unit), the series one column a year, extras no input takes, in ``order``."""
    cols: list[tuple[str, list[Any]]] = [("部门编码", [f"d{i:02d}" for i in range(len(rows))])]
    for name, (header, factor) in headers.items():
        cols.append((header, [_cell(r[name], factor) for r in rows]))
    for k, header in enumerate(years):
        cols.append((header, [r["outturn"][k] for r in rows]))
    cols.append(("备注", ["" for _ in rows]))
    cols = [cols[0], *order(cols[1:])]
    return [h for h, _ in cols], [c for _, c in cols]


def _float(v: Any) -> Any:
    return float(v) if isinstance(v, (Decimal, int)) and not isinstance(v, bool) else v


def _pandas(headers: list[str], columns: list[list[Any]]) -> Any:
    frame = pd.DataFrame({j: pd.Series(c, dtype=object) for j, c in enumerate(columns)})
    frame.columns = headers
    return frame


def _arrow(headers: list[str], columns: list[list[Any]]) -> Any:
    arrays = []
    for cells in columns:
        if all(v is None or (isinstance(v, (Decimal, int, float)) and not isinstance(v, bool))
               for v in cells):  # fmt: skip
            arrays.append(pa.array([_float(v) for v in cells], pa.float64()))
        else:
            text = [None if v is None else {True: "是", False: "否"}.get(v, v) for v in cells]
            arrays.append(pa.array([None if v is None else str(v) for v in text], pa.string()))
    return pa.table(arrays, names=headers)


def _scores(result: Any) -> bytes:
    """A columnar result's scores as bytes (every rule's points and outcome, total, grade)."""
    return result.to_pandas().astype(str).to_csv().encode()


def _by_records(rs: Any, records: list[dict[str, Any]], monkeypatch: Any) -> bytes:
    """``rs.evaluate`` of the records, per record, in the same table form."""
    with monkeypatch.context() as m:
        m.setenv("PERFSCORE_COLUMNAR", "0")
        report = rs.evaluate(records)
    scorer = ColumnarScorer(rs)
    table: dict[str, list[Any]] = {"total": [], "grade": []}
    for s in report.subjects:
        table["total"].append(s.total)
        table["grade"].append(s.grade)
        by_rule = {f.rule_id: f for f in s.findings}
        for rid in scorer.rule_ids:
            f = by_rule[rid]
            table.setdefault(f"{rid}.points", []).append(f.points)
            table.setdefault(f"{rid}.outcome", []).append(f.outcome)
        for cid in scorer.check_ids:
            table.setdefault(f"{cid}.outcome", []).append(by_rule[cid].outcome)
    return pd.DataFrame(table).astype(str).to_csv().encode()


def _every_route(
    rs: Any, headers: list[str], columns: list[list[Any]], *, supported: bool = True
) -> dict[str, bytes]:
    scorer = ColumnarScorer(rs)
    assert scorer.supported is supported, scorer.reason
    frame = _pandas(headers, columns)
    table = _arrow(headers, columns)
    got = {
        "pandas": _scores(scorer.score(frame)),
        "pyarrow": _scores(scorer.score(table)),
        "mapping": _scores(scorer.score(dict(zip(headers, columns, strict=True)))),
        "score_frame": score_frame(rs, frame).astype(str).to_csv().encode(),
    }
    pl = pytest.importorskip("polars")
    got["polars"] = _scores(scorer.score(pl.from_arrow(table)))
    framed = FrameScorer(rs)(frame.set_axis(range(7, 7 + len(frame))))  # a partition's index
    got["FrameScorer"] = framed.reset_index(drop=True).astype(str).to_csv().encode()
    return got


def test_a_title_headed_frame_scores_as_the_id_headed_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same four departments, headed by ids and by titles with units (cells in 元 under
    ``（元）``): equal bytes on every route, and equal to the records' per-record scores — and
    the title-headed frame is no longer all ``error``."""
    rs = _rs()
    rows = [
        {"budget": Decimal("100"), "spent": Decimal("95"), "staff": 18, "satisfaction": 95,
         "tier": "achieved", "disclosed": "是", "outturn": [96, 98.5, 100]},
        {"budget": Decimal("3435.02"), "spent": Decimal("3415.62"), "staff": 25,
         "satisfaction": 89.99, "tier": "partial", "disclosed": False, "outturn": [96, None, 99]},
        {"budget": Decimal("0"), "spent": None, "staff": None, "satisfaction": None,
         "tier": None, "disclosed": None, "outturn": [None, None, None]},
        {"budget": Decimal("200"), "spent": Decimal("200"), "staff": 20, "satisfaction": 90,
         "tier": "0.75", "disclosed": True, "outturn": [100, 80, 94.99]},
    ]  # fmt: skip
    want = _by_records(rs, _records(rows), monkeypatch)
    ids = {n: (n, 1) for n in SPELLINGS}
    titles = {
        "budget": ("全年预算数（元）", 10000),
        "spent": ("执行数（万元）", 1),
        "staff": ("在职人员数", 1),
        "satisfaction": ("满意度（%）", 1),
        "tier": ("履职效益（评审等次）", 1),
        "disclosed": ("按规定公开绩效信息", 1),
    }
    years = [f"{y}年预算执行率" for y in YEARS]
    for headers in (ids, titles):
        cols = _table(rows, headers, years, lambda c: c)
        got = _every_route(rs, *cols)
        for route, scores in got.items():
            assert scores == want, (route, headers["budget"])
    titled = ColumnarScorer(rs).score(_pandas(*_table(rows, titles, years, lambda c: c)))
    assert list(titled.outcomes("execution")) == ["fail", "fail", "not_applicable", "pass"]


def _order(draw: Any) -> Any:
    perm = draw(st.permutations(range(10)))

    def order(cols: list[Any]) -> list[Any]:
        return [cols[i] for i in sorted(range(len(cols)), key=lambda i: perm[i % len(perm)])]

    return order


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(ROW, min_size=1, max_size=12),
    spelling=st.fixed_dictionaries({n: st.sampled_from(s) for n, s in SPELLINGS.items()}),
    forms=st.lists(st.sampled_from(YEAR_FORMS), min_size=3, max_size=3),
    data=st.data(),
)
def test_random_header_spellings_score_the_same_on_every_route(
    monkeypatch: pytest.MonkeyPatch, rows: Any, spelling: Any, forms: Any, data: Any
) -> None:
    """Any spelling per input (id, case, spaces, full width, title, alias, ``*``, quotes,
    units in any bracket, 元/千元 with the cells in that unit), any year-column form, columns
    in any order beside an id and a 备注 column: every route's bytes are the records'."""
    rs = _rs()
    want = _by_records(rs, _records(rows), monkeypatch)
    years = [form.format(y=y) for form, y in zip(forms, YEARS, strict=True)]
    headers, columns = _table(rows, spelling, years, _order(data.draw))
    for route, scores in _every_route(rs, headers, columns).items():
        assert scores == want, (route, headers)


def test_one_scorer_remembers_header_rows_and_scores_each_as_a_fresh_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A scorer maps each row of headers once (``HeaderMaps``) and reuses the mapping for
    every later frame with those headers: frames headed in many spellings (more of them than
    the memory holds), each met twice in an interleaved order, score as a fresh scorer scores
    them and as the records score; a refused header row is refused every time it comes back."""
    import random

    from perfscore.columnar import headers as headers_module

    rs = _rs()
    rows = [
        {"budget": Decimal("100"), "spent": Decimal("95"), "staff": 18, "satisfaction": 95,
         "tier": "achieved", "disclosed": "是", "outturn": [96, 98.5, 100]},
        {"budget": Decimal("200"), "spent": Decimal("200"), "staff": 25, "satisfaction": 89.99,
         "tier": "partial", "disclosed": False, "outturn": [100, None, 94.99]},
    ]  # fmt: skip
    want = _by_records(rs, _records(rows), monkeypatch)
    pick = random.Random(18)
    tables = []
    for _ in range(headers_module.HeaderMaps.SIZE + 6):
        spelling = {n: pick.choice(s) for n, s in SPELLINGS.items()}
        years = [pick.choice(YEAR_FORMS).format(y=y) for y in YEARS]
        tables.append(_table(rows, spelling, years, lambda c: c))
    distinct = len({tuple(h) for h, _ in tables})
    calls = 0
    mapped = headers_module.map_columns

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return mapped(*args, **kwargs)

    scorer = ColumnarScorer(rs)
    order = [*range(8), *range(8), *range(len(tables)), *range(len(tables) - 4, len(tables))]
    for k in order:
        frame = _pandas(*tables[k])
        fresh = _scores(ColumnarScorer(rs).score(frame))
        with monkeypatch.context() as m:
            m.setattr(headers_module, "map_columns", counted)
            got = _scores(scorer.score(frame))
        assert got == want == fresh, tables[k][0]
    memory = scorer._maps
    assert 0 < len(memory._maps) <= memory.SIZE
    # each header row is mapped once while remembered; the memory starts afresh once when the
    # 65th distinct row arrives, so at most that many rows are mapped a second time
    assert distinct <= calls <= distinct + memory.SIZE, (calls, distinct)
    assert calls < len(order) - 8
    clash = pd.DataFrame({"id": ["a"], "budget": [1.0], "全年预算数": [2.0]})
    for _ in range(3):
        with pytest.raises(DataError):
            scorer.score(clash)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "    value: round(mean(last(outturn, 3)), 4)\n",
            "    when: outturn\n    value: round(mean(last(outturn, 3)), 4)\n",
        ),
        ("round(mean(last(outturn, 3)), 4)", "round(year(outturn, 2023.5), 4)"),
        ("round(mean(last(outturn, 3)), 4)", "round(year(outturn, -1), 4)"),
    ],
)
def test_a_rule_set_off_the_columns_still_reads_year_columns(
    monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    """A rule set the columns do not run (here a series as a condition, or ``year()`` of a
    year no series has) is scored per record inside ``ColumnarScorer.score``: it reads a
    series given one column a year as ``rs.evaluate(frame)`` and the command do.  Before,
    that fallback took the series as missing: 不适用 with its weight redistributed (rev16:
    ``repro/paths_disagree.py``) on every frame route, the Dask recipe's included."""
    assert old in RULES
    rs = perfscore.load_ruleset_text(RULES.replace(old, new), source="off_columns.yaml")
    assert not ColumnarScorer(rs).supported
    rows = [
        {"budget": Decimal("100"), "spent": Decimal("95"), "staff": 18, "satisfaction": 95,
         "tier": "achieved", "disclosed": "是", "outturn": [96, 98.5, 100]},
        {"budget": Decimal("200"), "spent": Decimal("200"), "staff": 25, "satisfaction": 80,
         "tier": "partial", "disclosed": False, "outturn": [96, None, 94.99]},
    ]  # fmt: skip
    want = _by_records(rs, _records(rows), monkeypatch)
    ids = {n: (n, 1) for n in SPELLINGS}
    years = [f"{y}年预算执行率" for y in YEARS]
    got = _every_route(rs, *_table(rows, ids, years, lambda c: c), supported=False)
    for route, scores in got.items():
        assert scores == want, route
    history = ColumnarScorer(rs).score(_pandas(*_table(rows, ids, years, lambda c: c)))
    assert "not_applicable" not in list(history.outcomes("history"))


def test_a_dask_frame_of_several_partitions_headed_by_titles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The docs' Dask recipe (docs/performance.md) on a title-headed frame in 3 partitions
    equals ``score_frame`` on the id-headed one."""
    dd = pytest.importorskip("dask.dataframe")
    import dask

    rs = _rs()
    rows = [
        {"budget": Decimal(100 + i), "spent": Decimal(90 + i % 13), "staff": i % 30,
         "satisfaction": 80 + i % 21, "tier": ["achieved", "partial", None][i % 3],
         "disclosed": [True, "否", None][i % 3], "outturn": [90 + i % 11, 95, None]}
        for i in range(40)
    ]  # fmt: skip
    years = [f"{y}年预算执行率（%）" for y in YEARS]
    titles = {
        n: s[-1] if n != "budget" else ("全年预算数（元）", 10000) for n, s in SPELLINGS.items()
    }
    ids = {n: (n, 1) for n in SPELLINGS}
    by_ids = _pandas(*_table(rows, ids, [f"outturn{y}" for y in YEARS], lambda c: c))
    by_titles = _pandas(*_table(rows, titles, years, lambda c: c))
    want = score_frame(rs, by_ids)
    assert want.astype(str).to_csv() == _by_records(rs, _records(rows), monkeypatch).decode()
    ddf = dd.from_pandas(by_titles, npartitions=3)
    assert ddf.npartitions >= 2
    recipe = re.findall(
        r"^```python\n(.*?)^```",
        (Path(__file__).resolve().parents[1] / "docs" / "performance.md").read_text("utf-8"),
        re.S | re.M,
    )[0]
    ns: dict[str, Any] = {"rs": rs, "pdf": by_titles, "ddf": ddf}
    with dask.config.set(scheduler="processes", num_workers=2):
        exec(recipe, ns)
    assert ns["scores"].sort_index().astype(str).equals(want.astype(str))


@pytest.mark.parametrize(
    "headers",
    [
        ["budget", "全年预算数"],
        ["预算数", "全年预算数（元）"],
        ["BUDGET", "budget"],
        ["2022年预算执行率", "预算执行率2022"],
    ],
)
def test_two_columns_for_one_input_are_refused(headers: list[str]) -> None:
    """Two columns feeding one input (or one year of a series): the columns refuse, naming
    both headers in both languages; ``rs.evaluate`` says the command's ``duplicate-column``
    error."""
    rs = _rs()
    frame = pd.DataFrame({"id": ["a"], **{h: [100.0 + k] for k, h in enumerate(headers)}})
    with pytest.raises(DataError) as raised:
        ColumnarScorer(rs).score(frame)
    text = str(raised.value)
    assert all(repr(h) in text for h in headers) and "which one to score is unclear" in text
    assert "无法判断应取哪一列" in raised.value.problems[0].message.zh
    with pytest.raises(DataError):
        score_frame(rs, frame)
    with pytest.raises(DataError):
        ColumnarScorer(rs).score(dict(frame.items()))
    codes = [n.code for n in rs.evaluate(frame).notifications]
    assert "duplicate-column" in codes


def test_a_header_in_a_unit_money_cannot_take_refuses_its_cells() -> None:
    """``全年预算数（人）``: the command refuses every cell of such a column; so do the columns
    (an ``error`` naming the unit, not the number read as 万元)."""
    rs = _rs()
    frame = pd.DataFrame({"全年预算数（人）": [100.0], "执行数": [95.0]})
    res = ColumnarScorer(rs).score(frame)
    assert list(res.outcomes("execution")) == ["error"]
    report = rs.evaluate(frame)
    finding = next(f for f in report.findings if f.rule_id == "execution")
    assert finding.outcome == "error"


def test_a_frame_of_ids_is_read_as_given() -> None:
    """Headers that are all input ids take the columns as they are (no header mapping): the
    same object the caller handed in."""
    from perfscore.columnar.headers import frame_inputs

    rs = _rs()
    col = np.array([1.0, 2.0])
    got = frame_inputs({"budget": col, "spent": col}, rs.inputs, {})
    assert got["budget"] is col and got["spent"] is col


def test_docs_frame_headers_example_scores_as_the_prose_says() -> None:
    """docs/data.md's ``python frame-headers`` block, run against the rule set above it: the
    alias in 元 and the other aliases read, the scores those of ``rs.evaluate(frame)`` and of
    the same frame headed by ids (budget in 万元); two columns for budget refused."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text("utf-8")
    blocks = [
        (m.group(1).strip(), m.group(2))
        for m in re.finditer(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", text, re.S | re.M)
    ]
    i = next(k for k, (info, _) in enumerate(blocks) if info == "python frame-headers")
    rules = next(t for info, t in reversed(blocks[:i]) if info == "yaml rules")
    rs = perfscore.load_ruleset_text(rules)
    ns: dict[str, Any] = {"rs": rs}
    exec(blocks[i][1], ns)
    scores, frame = ns["scores"], ns["frame"]
    assert scores["total"].tolist() == [Decimal("100.00"), Decimal("0.00")]
    assert scores["execution.outcome"].tolist() == ["pass", "fail"]
    assert scores["satisfied.outcome"].tolist() == ["pass", "fail"]
    report = rs.evaluate(frame)
    assert [s.total for s in report.subjects] == scores["total"].tolist()
    by_ids = frame.rename(columns={"预算数（元）": "budget", "实际支出": "executed",
                                   "满意度": "satisfaction"})  # fmt: skip
    by_ids["budget"] = [Decimal("3435.02"), Decimal("120")]
    assert score_frame(rs, by_ids).equals(scores)
    frame["全年预算数"] = [3435.02, 120]
    with pytest.raises(DataError, match="'预算数（元）', '全年预算数' all feed 'budget'"):
        score_frame(rs, frame)


def test_partitioned_files_headed_by_titles_write_the_same_findings(tmp_path: Path) -> None:
    """``score_partitioned`` (the cluster route over Parquet partitions) reads each file as
    the command does, so two partitions headed by titles (元 cells, year columns with ``%``)
    write the same findings files, byte for byte, as the same partitions headed by ids."""
    pq = pytest.importorskip("pyarrow.parquet")
    from perfscore.partitioned import score_partitioned

    rs = _rs()
    rows = [
        {"budget": Decimal(100 + i), "spent": Decimal(90 + i % 13), "staff": i % 30,
         "satisfaction": 80 + i % 21, "tier": ["achieved", "partial", None][i % 3],
         "disclosed": [True, "否", None][i % 3], "outturn": [90 + i % 11, 95, None]}
        for i in range(30)
    ]  # fmt: skip
    titles = {
        n: s[-1] if n != "budget" else ("全年预算数（元）", 10000) for n, s in SPELLINGS.items()
    }
    layouts = {
        "ids": ({n: (n, 1) for n in SPELLINGS}, [f"outturn{y}" for y in YEARS]),
        "titles": (titles, [f"{y}年预算执行率（%）" for y in YEARS]),
    }
    written: dict[str, list[bytes]] = {}
    for name, (headers, years) in layouts.items():
        h, c = _table(rows, headers, years, lambda cols: cols)
        src, out = tmp_path / f"in-{name}", tmp_path / f"out-{name}"
        src.mkdir()
        for k in range(2):
            pq.write_table(
                _arrow(h, [col[k * 15 : (k + 1) * 15] for col in c]), src / f"p{k}.parquet"
            )
        summary = score_partitioned(rs, src, out)
        assert (summary["subjects"], summary["per_record"], summary["problems"]) == (30, 0, 0)
        written[name] = [Path(f).read_bytes() for f in summary["files"]]
    assert written["titles"] == written["ids"]
    table = pq.read_table(tmp_path / "out-titles" / "part-00000.parquet").to_pandas()
    execution = table[table["rule_id"] == "execution"]
    assert len(execution) == 15 and "error" not in set(execution["outcome"])  # 元 read as 万元
