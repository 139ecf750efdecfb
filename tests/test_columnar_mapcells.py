"""A series given as ``{year: figure}`` mapping cells (a frame built from records or JSON), the
usual column — the same years in one order in every row — read at once
(``perfscore.columnar.seriesmaps``), any other mapping by mapping: every row scores as the
per-record path scores it.  Generated frames hold one to three key sets per column (years as
``int`` or as text, mixed), rows that stray from them (another order, a
year missing or added, ``"2022"`` beside ``2022``, ``2022.0``, ``True`` or ``"2022年"`` as a key,
an empty mapping, a cell that is no mapping, a blank), and figures of every kind the reader
meets (floats, integers, ``None``, NaN, ``Decimal``, ``80万元`` and ``12.5%`` text, a numpy
float, ``True``, the 10^15 edge, integers past a float)."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from series_rules import RULES, VARIANTS  # noqa: E402

#: figures as a frame holds them: mostly plain floats, and every other kind the reader meets
ODD_FIGURES: list[Any] = [
    None, math.nan, 0, -5, 95, 10**15, 10**15 + 1, 2**70, 10**400, 1e15, -1e15,
    999999999999999.9, 1000000000000001.0, 1e300, 5e-324, 0.1 + 0.2, 0.98, 12.345678901234567,
    Decimal("95.5"), Decimal("123456789012345.67"), "80万元", "12.5%", "1,234.5", "", "-",
    "约九成", True, np.int64(90),
]  # fmt: skip
#: keys that are no plain year, or a year a second time
ODD_KEYS: list[Any] = [2022.0, True, "2022年", " 2023", "２０２３", 1e3, Decimal(2023)]
#: cells that are no mapping
ODD_CELLS: list[Any] = [None, math.nan, "", "-", "1,234", 5.0, [2022, 95.0], {}]


def _figure(r: random.Random, plain: float) -> Any:
    if r.random() < 0.85:
        return round(r.uniform(-50, 150), r.choice([0, 1, 2, 4])) if plain < 0.9 else None
    return r.choice(ODD_FIGURES)


def _cell(r: random.Random, keys: list[Any], stray: float) -> Any:
    """A mapping with ``keys`` (in another order, or straying from them), or another cell."""
    ks = list(keys)
    if r.random() < stray:
        r.shuffle(ks)
    if r.random() < stray:
        what = r.randrange(6)
        if what == 0 and ks:
            ks.pop(r.randrange(len(ks)))  # a year missing
        elif what == 1:
            ks.append(r.choice([2019, 2020, 2025, "2021"]))  # a year more (or twice)
        elif what == 2:
            ks.append(r.choice(ODD_KEYS))
        elif what == 3 and ks:
            y = ks[0]
            ks.append(str(y) if isinstance(y, int) else int(y))  # the same year twice
        elif what == 4:
            return r.choice(ODD_CELLS)
        else:
            ks = [str(k) if isinstance(k, int) else k for k in ks]  # text years in one row
    return {k: _figure(r, r.random()) for k in ks}


def _keysets(r: random.Random) -> list[list[Any]]:
    out = []
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        years = r.sample(range(2019, 2026), r.randint(1, 4))
        style = r.choice(["int", "int", "text", "mixed"])
        if style == "text":
            out.append([str(y) for y in years])
        elif style == "mixed":
            out.append([str(y) if i % 2 else y for i, y in enumerate(years)])
        else:
            out.append(years)
    return out


def _rows(seed: int, n: int, stray: float) -> list[dict[str, Any]]:
    r = random.Random(seed)
    sets = {name: _keysets(r) for name in ("paid", "outturn")}
    rows = []
    for i in range(n):
        row: dict[str, Any] = {"id": f"p{i}", "budget": r.choice([100.0, 0.0, 250.5, None])}
        for name, keysets in sets.items():
            row[name] = _cell(r, r.choice(keysets), stray)
        rows.append(row)
    return rows


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    cols = {}
    for name in rows[0]:
        cols[name] = np.empty(len(rows), object)
        cols[name][:] = [row[name] for row in rows]
    return cols


def _same(cs: ColumnarScorer, data: Any) -> Any:
    """Every row's points, outcomes and total as the per-record path gives them
    (``rs.evaluate`` of the same cells as a pandas frame, with ``PERFSCORE_COLUMNAR=0``)."""
    pd = pytest.importorskip("pandas")
    res = cs.score(data)
    frame = pd.DataFrame({k: pd.Series(list(v), dtype=object) for k, v in data.items()})
    with pytest.MonkeyPatch.context() as m:
        m.setenv("PERFSCORE_COLUMNAR", "0")
        report = cs.rs.evaluate(frame)
    want = {(f.subject.id, f.rule_id): (f.outcome, f.points) for f in report.findings}
    ids = [s.subject.id for s in report.subjects]
    assert res.totals_decimal() == [s.total for s in report.subjects]
    for rid in res.rule_ids:
        got = list(zip(res.outcomes(rid), res.points_decimal(rid), strict=True))
        assert got == [want[(sid, rid)] for sid in ids], rid
    return res


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 160),
    stray=st.sampled_from([0.0, 0.0, 0.02, 0.2, 0.6]),
)
def test_mapping_cells_score_as_per_record(seed: int, n: int, stray: float) -> None:
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES, source="m.yaml"))
    rows = _rows(seed, n, stray)
    _same(cs, _columns(rows))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), stray=st.sampled_from([0.0, 0.05]))
def test_mapping_cells_in_a_pandas_frame(seed: int, stray: float) -> None:
    pd = pytest.importorskip("pandas")
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES, source="m.yaml"))
    rows = _rows(seed, 300, stray)
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in _columns(rows).items()})
    _same(cs, frame)


def _in_order(ds: list[dict[Any, Any]]) -> Any:
    from itertools import chain

    from perfscore.columnar.seriesmaps import in_order

    keys = list(chain.from_iterable(ds))
    rows = np.arange(len(ds))
    return in_order(rows, ds, keys, set(map(type, keys)))


def test_the_same_years_in_one_order_are_read_at_once() -> None:
    """The usual column (every row the same years, in one order) is read at once; rows
    holding other figures go to the per-cell reader; a column whose rows differ in their
    keys (another order, a float key, a year fewer) is not read so."""
    ds: list[dict[Any, Any]] = [{2022: float(i), 2023: None, 2024: 1.5} for i in range(40)]
    ds[3] = {2022: "80万元", 2023: None, 2024: 1.5}  # a text figure: per cell
    ds[11] = {2022: 5.0, 2023: math.nan, 2024: True}  # True: per cell
    ds[12] = {2022: 10**400, 2023: 7, 2024: None}  # too large (refused later), an int, blank
    ds[13] = {2022: math.nan, 2023: None, 2024: 1.5}  # NaN: a figure (refused later)
    block, per_cell = _in_order(ds)
    assert per_cell.tolist() == [3, 11]
    at, years, x, blank = block
    assert at.tolist() == [i for i in range(40) if i not in (3, 11)]
    assert years.tolist() == [2022, 2023, 2024]
    assert blank[0].tolist() == [False, True, False] and x[4].tolist()[::2] == [5.0, 1.5]
    assert blank[10].tolist() == [False, False, True] and x[10][:2].tolist() == [math.inf, 7.0]
    assert blank[11].tolist() == [False, True, False] and math.isnan(x[11][0])
    text = [{str(k): v for k, v in d.items()} for d in ds]
    assert _in_order(text)[0][1].tolist() == [2022, 2023, 2024]
    for i, odd in ((5, {2024: 1.5, 2022: 5.0, 2023: None}), (7, {2022.0: 5.0, 2023: None,
                   2024: 1.5}), (9, {2022: 5.0, 2023: None}), (9, {2022: 5.0, "2023": None,
                   2024: 1.5}), (9, {2022: 5.0, 2023: None, 2025: 1.5})):  # fmt: skip
        assert _in_order([*ds[:i], odd, *ds[i + 1 :]]) is None, odd
    # a row a year short beside one a year long (as many keys in all): not in one order
    short, long = {2022: 1.0, 2023: 2.0}, {2024: 1.0, 2022: 2.0, 2023: 3.0, 2025: 4.0}
    assert _in_order([*ds[:9], short, long, *ds[11:]]) is None


def test_keys_no_row_reads_alike_are_read_mapping_by_mapping() -> None:
    """Years 0 or 1 (``True`` equals 1), text that is no ASCII year, years and text years
    mixed in one key set, a year given twice, a year past the axis, no key at all."""
    for keys in ([1, 2022], ["２０２２"], [2022, "2023"], ["2022年"], [2022, "2022"], [10**7], []):
        assert _in_order([dict.fromkeys(keys, 5.0) for _ in range(40)]) is None, keys


def test_complex_key_equal_to_a_year_is_not_taken_as_it() -> None:
    """``complex(2022)`` equals 2022 and hashes alike; the reader refuses it as a year."""
    ds: list[dict[Any, Any]] = [{2022: 1.0, 2023: 2.0} for _ in range(40)]
    ds[4] = {complex(2022, 0): 1.0, 2023: 2.0}
    assert _in_order(ds) is None
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES, source="m.yaml"))
    rows = [{"id": f"p{i}", "budget": 100.0, "paid": d, "outturn": None} for i, d in enumerate(ds)]
    res = _same(cs, _columns(rows))
    assert res.outcomes("grow")[4] == "error"


def test_blank_and_nan_figures_and_integers_past_a_float() -> None:
    """``None`` is a year without a figure, NaN a figure refused; an integer past float64
    (10**400) is refused as too large, beside blanks that stay blank.  Before: a chunk holding
    an integer past float64 read every blank year in it as 0 and every NaN figure as 0."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES, source="m.yaml"))
    rows = []
    for i in range(40):
        paid: dict[int, Any] = {2022: 100.0, 2023: 110.0 + i}
        if i == 3:
            paid = {2022: None, 2023: 110.0}
        elif i == 4:
            paid = {2022: math.nan, 2023: 110.0}
        elif i == 5:
            paid = {2022: 10**400, 2023: None}
        elif i == 6:
            paid = {2022: 100, 2023: None}
        rows.append({"id": f"p{i}", "budget": 100.0, "paid": paid, "outturn": None})
    res = _same(cs, _columns(rows))
    # a year listed blank: year() has no value, the missing policy; NaN / 10**400 refused
    assert res.outcomes("grow")[3:7] == ["not_applicable", "error", "error", "not_applicable"]
    # the whole series refused (NaN, 10**400): even the formula reading other years errs
    assert res.outcomes("rising")[4:6] == ["error", "error"]
    assert res.outcomes("rising")[7] == "pass" and not res.fallback.any()


#: figures a proof from a matrix's least and greatest figure must not let through: each is
#: refused by the reader (NaN, ±inf, past 10^15, 0.5 in a percent series, past a variant's
#: bound or not whole) or sits on an edge it takes (10^15, 1.0 %, 0, a bound itself)
EDGES = [math.nan, math.inf, -math.inf, 1e15, -1e15, 1000000000000001.0, 0.5, 1.0, 0.0, -5.0,
         -5.000000000000001, 1000000.0, 1000000.01, 12.25, None]  # fmt: skip


_EDGE_SCORERS: dict[str, ColumnarScorer] = {}


def _edge_rows(n: int, low: float) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        figs = [round(low + (i * 7 + k * 13) % 90 + 0.25 * k, 2) for k in range(3)]
        rows.append({
            "id": f"p{i}",
            "budget": 100.0,
            "paid": dict(zip([2022, 2023, 2024], figs, strict=True)),
            "outturn": dict(zip([2022, 2023, 2024], [f + 40 for f in figs], strict=True)),
        })  # fmt: skip
    return rows


def _edge_scorer(variant: str) -> ColumnarScorer:
    if variant not in _EDGE_SCORERS:
        rs = perfscore.load_ruleset_text(VARIANTS[variant], source="edges.yaml")
        _EDGE_SCORERS[variant] = ColumnarScorer(rs)
    return _EDGE_SCORERS[variant]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", ["paid", "outturn"])
@pytest.mark.parametrize("figure", EDGES)
def test_one_edge_figure_in_a_clean_column(variant: str, name: str, figure: Any) -> None:
    """Each edge figure alone in a column of plain floats in one order (one matrix): the
    row holding it scores as per record, the others too."""
    rows = _edge_rows(6, 2.0)
    rows[3][name][2023] = figure
    _same(_edge_scorer(variant), _columns(rows))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 60),
    variant=st.sampled_from(sorted(VARIANTS)),
    edges=st.lists(
        st.tuples(
            st.integers(0, 59),
            st.integers(0, 2),
            st.sampled_from(["paid", "outturn"]),
            st.sampled_from(EDGES),
        ),
        min_size=1,
        max_size=3,
    ),
    low=st.sampled_from([-3.0, 2.0, 50.0]),
)
def test_a_clean_column_with_one_edge_figure_is_checked_figure_by_figure(
    n: int, variant: str, edges: list[tuple[int, int, str, Any]], low: float
) -> None:
    """Mapping columns of plain floats in one order (read as one matrix) — figures from
    ``low`` up, so that a column's least and greatest figure prove most of them taken — with
    one to three edge figures put in: each row scores as the per-record path scores it."""
    rows = _edge_rows(n, low)
    for row, k, name, figure in edges:
        if row < n:
            rows[row][name][2022 + k] = figure
    _same(_edge_scorer(variant), _columns(rows))


def _numpy_floats(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with every float figure a ``numpy.float64`` (what ``zip`` over
    ``.to_numpy()`` gives)."""

    def np_cell(cell: Any) -> Any:
        if not isinstance(cell, dict):
            return cell
        return {k: np.float64(v) if type(v) is float else v for k, v in cell.items()}

    return [{k: np_cell(v) if k in ("paid", "outturn") else v for k, v in row.items()}
            for row in rows]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 90), stray=st.sampled_from([0.0, 0.1]))
def test_numpy_float64_figures_score_as_python_floats(seed: int, n: int, stray: float) -> None:
    """rev17: cells holding ``numpy.float64`` were read cell by cell, ~30x slower than the same
    cells holding Python floats; a ``numpy.float64`` is a float and reads as one."""
    cs = ColumnarScorer(perfscore.load_ruleset_text(RULES))
    rows = _rows(seed, n, stray)
    plain = _same(cs, _columns(rows))
    numpy = _same(cs, _columns(_numpy_floats(rows)))
    assert numpy.totals_decimal() == plain.totals_decimal()
    for rid in plain.rule_ids:
        assert list(numpy.outcomes(rid)) == list(plain.outcomes(rid))


def test_numpy_float64_figures_are_read_at_once() -> None:
    ds: list[dict[Any, Any]] = [
        {2022: np.float64(i) + 0.25, 2023: None, 2024: np.float64(1.5)} for i in range(30)
    ]
    ds[4] = {2022: np.float64(math.nan), 2023: 7, 2024: 2.5}  # NaN: a figure, refused later
    ds[5] = {2022: np.float32(1.5), 2023: None, 2024: 1.5}  # float32: not a number, per cell
    ds[6] = {2022: np.int64(3), 2023: None, 2024: 1.5}  # int64 likewise (docs/data.md)
    block, per_cell = _in_order(ds)
    assert per_cell.tolist() == [5, 6]
    at, years, x, blank = block
    assert years.tolist() == [2022, 2023, 2024]
    assert x[0].tolist()[::2] == [0.25, 1.5] and blank[0].tolist() == [False, True, False]
    assert math.isnan(x[4][0]) and x[4][1:].tolist() == [7.0, 2.5] and not blank[4].any()
    assert type(x[0][0]) is np.float64 and at.tolist() == [i for i in range(30) if i not in (5, 6)]
