"""Text and yes/no columns read by columns (:mod:`perfscore.columnar.categories`): every odd
cell a department writes (blank spellings, √ ×, 是/否 variants, whitespace, full-width, very
long text, numbers, surrogates in a Python column) in every kind of column a file or frame can
hold (Arrow string, large_string, string_view, dictionary, bool, integer, null-typed, all-null,
in several chunks, absent; numpy object columns; pandas and polars) gives the per-record
path's result on every row; a clean column is read once per distinct cell, never cell by cell;
a series input the data does not hold is decided once, not parsed per row."""

from __future__ import annotations

from typing import Any

import pytest

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")

from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from columnar_grid import SETTINGS  # noqa: E402
from perfscore.columnar import ColumnarScorer, categories, seriescells  # noqa: E402
from perfscore.columnar.frames import plain_cell  # noqa: E402

RULES = """\
perfscore: 1
id: coltext_demo
title: 文本列
version: "1"
settings: {{places: 2, zero_division: {zd}, missing: {missing}}}
inputs:
  budget: {{type: money, unit: 万元, min: 0}}
  spent: {{type: money, unit: 万元, min: 0}}
  kind: {{type: text, required: true, choices: [基建, 信息化]}}
  verdict: {{type: text, choices: [达成, 部分达成, 未达成]}}
  tier: {{type: text, choices: [achieved, partial]}}
  approved: {{type: boolean}}
  docs: {{type: boolean, required: true}}
  reason: {{type: text}}
  hist: {{type: series, of: percent}}
metrics:
  rate: {{expr: spent / budget}}
indicators:
  - id: basis
    title: 立项依据
    weight: 3
    scorer: {{type: formula, expr: "3 if verdict == '达成' else 1.5 if verdict == '部分达成' else 0"}}
  - id: procedure
    title: 立项程序
    weight: 2
    scorer:
      type: checklist
      items:
        - {{id: a, title: 审批, points: 1, when: approved}}
        - {{id: d, title: 论证, points: 1, when: docs}}
  - id: execution
    title: 预算执行率
    weight: 3
    when: kind == '基建'
    value: rate
    scorer: {{type: proportional, target: 1}}
  - id: sustain
    title: 可持续影响
    weight: 2
    scorer:
      type: tier
      tier: tier
      tiers:
        - {{id: achieved, title: 达成, range: "[0.8, 1]"}}
        - {{id: partial, title: 部分达成, range: "[0.6, 0.8)", default: 0.7}}
  - id: history
    title: 近三年执行率
    weight: 2
    value: hist
    scorer:
      type: series_bands
      last: 3
      at_least: 2
      bands:
        - {{range: "[95%, 105%]", points: 2}}
      otherwise: 0
checks:
  - {{id: explained, title: 执行率低须说明, type: explain_if, when: rate < 0.9, require: reason,
      severity: warning}}
grades:
  bands:
    - {{id: A, min: 8}}
    - {{id: B, min: 0}}
"""

TEXTS = ["kind", "verdict", "tier", "reason"]
YES_NO = ["approved", "docs"]
#: what departments write in a text or yes/no cell, odd ones first
ODD = [
    None, "", " ", "-", "--", "—", "——", "–", "/", "　", "\t是\n", "是", "否", " 是 ", "是 ",
    "√", "×", "✓", "✗", "对", "错", "Yes", "NO", "y", "N", "true", "False", "ｙｅｓ", "是的",
    "基建", " 基建", "基建 ", "信息化", "信 息化", "ｉｎｆｏ", "达成", "部分达成", "未达成",
    "达 成", "achieved", "Achieved", "partial", "无", "没有", "说明" * 3000, "0", "1", "9",
]  # fmt: skip
#: cells a yes/no column of Python objects may hold beside True and False
NEAR_BOOLS: list[Any] = [None, float("nan"), np.True_, np.False_, 1, 0, 1.0, "是", "否"]
#: the Arrow, numpy, pandas and polars kinds a column can come as
KINDS = ["string", "large_string", "dict8", "dict32", "chunks", "objects", "null", "absent"]
if hasattr(pa, "string_view"):  # pyarrow 16 on (polars hands these over)
    KINDS.append("string_view")
try:
    import pandas as pd

    KINDS += ["pandas", "pandas_category"]
    NEAR_BOOLS.append(pd.NA)
except ImportError:  # pragma: no cover (the columnar extra brings pandas)
    pd = None
try:
    import polars as pl

    KINDS += ["polars"]
except ImportError:  # pragma: no cover
    pl = None


def _scorer(k: int) -> ColumnarScorer:
    zd, missing, arithmetic = SETTINGS[k]
    text = RULES.format(zd=zd, missing=missing)
    return ColumnarScorer(perfscore.load_ruleset_text(text, source="t.yaml"), arithmetic=arithmetic)


_SCORERS: dict[int, ColumnarScorer] = {}


def scorer(k: int) -> ColumnarScorer:
    if k not in _SCORERS:
        _SCORERS[k] = _scorer(k)
    return _SCORERS[k]


def _arrow(cells: list[Any], kind: str) -> Any:
    """``cells`` as a column of ``kind`` (None: the column is left out)."""
    if kind == "absent":
        return None
    if kind == "null":
        return pa.nulls(len(cells))
    types = set(map(type, cells)) - {type(None)}
    if kind == "pandas":  # pandas 3's text columns are "str"; others hold Python objects
        return pd.Series(cells, dtype="str" if types <= {str} else object)
    if kind == "pandas_category":
        return pd.Series(cells, dtype="category")
    if kind == "polars" and len(types) <= 1:
        return pl.Series("c", cells)
    if kind in ("objects", "polars"):
        out = np.empty(len(cells), object)
        out[:] = cells
        return out
    if types <= {bool}:
        base = pa.array(cells, pa.bool_())
    elif types <= {int}:
        base = pa.array(cells, pa.int64())
    else:
        base = pa.array([None if c is None else str(c) for c in cells], pa.string())
    if kind == "large_string" and pa.types.is_string(base.type):
        return base.cast(pa.large_string())
    if kind == "string_view" and pa.types.is_string(base.type):
        return base.cast(pa.string_view())
    if kind in ("dict8", "dict32"):
        index = pa.int8() if kind == "dict8" else pa.int32()
        enc = base.dictionary_encode()
        if len(enc.dictionary) < 127 or index == pa.int32():
            return pa.DictionaryArray.from_arrays(enc.indices.cast(index), enc.dictionary)
        return enc
    if kind == "chunks":  # several chunks, one of them a slice (an offset into its buffers)
        third = max(1, len(cells) // 3)
        wide = pa.concat_arrays([base, base])
        parts = [base.slice(0, third), wide.slice(third, len(cells) - third)]
        return pa.chunked_array([p for p in parts if len(p)], base.type)
    return base


def _record(table: dict[str, Any], i: int) -> dict[str, Any]:
    """Row ``i`` as the per-record path reads it: each cell as its Python object, an absent
    column absent, a float NaN a blank."""
    out = {}
    for name, col in table.items():
        if isinstance(col, np.ndarray):
            cell = col[i : i + 1].tolist()[0]
        elif hasattr(col, "iloc"):  # pandas
            cell = col.iloc[i : i + 1].to_list()[0]
        elif hasattr(col, "as_py") or hasattr(col, "to_pylist"):  # pyarrow
            cell = col[i].as_py()
        else:  # polars
            cell = col[i : i + 1].to_list()[0]
        out[name] = plain_cell(cell)
    return out


def _same(cs: ColumnarScorer, data: dict[str, Any]) -> Any:
    res = cs.score(data)
    n = len(res)
    for i in range(n):
        want = cs.rs.evaluate_subject(_record(data, i), index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc, _record(data, i))
        for f in want.findings:
            if f.kind == "check":
                assert res.outcomes(f.rule_id)[i] == f.outcome, (i, f.rule_id)
        assert res.totals_decimal()[i] == want.total, i
        assert res.grades()[i] == want.grade, i
    return res


cell = st.one_of(
    st.sampled_from(ODD),
    st.booleans(),
    st.integers(-3, 3),
    st.text(max_size=6),  # whatever else: full-width, marks, control characters
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[int, dict[str, Any]]:
    n = draw(st.integers(1, 14))
    budget = draw(st.lists(st.sampled_from([0.0, 100.0, 80.0, np.nan]), min_size=n, max_size=n))
    spent = draw(st.lists(st.sampled_from([0.0, 100.0, 95.0, 70.0]), min_size=n, max_size=n))
    data: dict[str, Any] = {"budget": np.array(budget), "spent": np.array(spent)}
    for name in TEXTS + YES_NO:
        kind = draw(st.sampled_from(KINDS))
        shape = draw(st.sampled_from(["odd", "bools", "ints", "few"]))
        if shape == "bools":  # now and then a blank or a cell of another kind among them
            one = st.one_of(st.none(), st.booleans(), st.booleans(), st.sampled_from(NEAR_BOOLS))
        elif shape == "ints":
            one = st.one_of(st.none(), st.integers(-2, 12))
        elif shape == "few":  # a clean column: a handful of values repeated
            one = st.sampled_from(draw(st.lists(st.sampled_from(ODD), min_size=1, max_size=3)))
        else:
            one = cell
        cells = draw(st.lists(one, min_size=n, max_size=n))
        if kind != "objects" and shape == "odd":
            cells = [c if c is None or isinstance(c, str) else str(c) for c in cells]
            cells = [c.encode("utf-8", "replace").decode() if c else c for c in cells]
        col = _arrow(cells, kind)
        if col is not None:
            data[name] = col
    hist = draw(st.sampled_from(["absent", "null", "blank text", "all null text"]))
    if hist == "null":
        data["hist"] = pa.nulls(n)
    elif hist == "blank text":
        data["hist"] = pa.array(draw(st.lists(st.sampled_from([None, "", "-", "—", "x"]),
                                              min_size=n, max_size=n)), pa.string())  # fmt: skip
    elif hist == "all null text":
        data["hist"] = pa.array([None] * n, pa.string())
    return draw(st.integers(0, len(SETTINGS) - 1)), data


@settings(max_examples=60, deadline=None)
@given(tables())
@example((0, {"budget": np.array([100.0]), "spent": np.array([95.0])}))
def test_odd_text_and_yes_no_columns_of_every_kind_equal_the_per_record_path(
    case: tuple[int, dict[str, Any]],
) -> None:
    k, data = case
    _same(scorer(k), data)


@pytest.mark.parametrize(
    "cats", [[None, np.True_, 0], [np.True_, 0, 0], [np.False_, "基建"], [1, np.True_, "x"]]
)
def test_a_pandas_category_of_several_kinds_reads_as_its_cells(cats: list[Any]) -> None:
    """Arrow casts numpy's True beside 0 into the integer 1: a category column [0, True] read
    the True as the text "1" (explain_if passed) where the record reader refuses a yes/no in a
    text field (error).  Found by hypothesis on this module's property (col1m, session 17)."""
    pd = pytest.importorskip("pandas")
    n = len(cats)
    col = pd.Series(pd.Categorical(cats))
    for k in range(len(SETTINGS)):
        _same(scorer(k), {"budget": np.zeros(n), "spent": np.zeros(n), "reason": col})
        _same(scorer(k), {"budget": np.full(n, 100.0), "spent": np.full(n, 50.0), "kind": col})


def test_every_odd_cell_in_every_arrow_kind_at_once() -> None:
    """The whole list of odd cells in each column, each kind: one table per kind."""
    n = len(ODD)
    for kind in KINDS:
        for k in range(len(SETTINGS)):
            data: dict[str, Any] = {
                "budget": np.full(n, 100.0),
                "spent": np.linspace(50, 110, n),
            }
            for j, name in enumerate(TEXTS + YES_NO):
                cells = ODD[j:] + ODD[:j]  # each column its own order
                col = _arrow(cells, kind)
                if col is not None:
                    data[name] = col
            _same(scorer(k), data)


def test_surrogates_and_lists_in_a_python_column_are_read_as_the_reader_reads_them() -> None:
    """A Python column can hold what Arrow cannot (a lone surrogate, a list): each read by
    the reader itself, as before."""
    cells = ["是", "\ud800", "否", ["是"], None, "\udfff是", "是"]
    data: dict[str, Any] = {"budget": np.full(7, 100.0), "spent": np.full(7, 80.0)}
    for name in TEXTS + YES_NO:
        data[name] = _arrow(cells, "objects")
    _same(scorer(0), data)


@pytest.mark.parametrize("frame", ["arrow", "pandas", "polars"])
def test_a_clean_column_is_read_once_per_distinct_cell_never_cell_by_cell(
    monkeypatch: pytest.MonkeyPatch, frame: str
) -> None:
    """A spy: text and yes/no columns of 3,000 rows (Arrow string, large_string, dictionary,
    bool, several chunks, nulls; pandas ``str`` and ``category``; polars) reach the reader
    once per distinct cell and the blank, and no cell becomes a Python object
    (``cell_objects`` is never called)."""
    if (frame == "pandas" and pd is None) or (frame == "polars" and pl is None):
        pytest.skip(f"needs {frame}")
    reads: list[Any] = []
    real = categories.read_subject

    def counted(record: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        reads.append(next(iter(record.values())))
        return real(record, *args, **kwargs)

    def no_cells(col: Any) -> list[Any]:
        raise AssertionError("a clean Arrow column read cell by cell")

    monkeypatch.setattr(categories, "read_subject", counted)
    monkeypatch.setattr(categories, "cell_objects", no_cells)
    n = 3000
    rng = np.random.default_rng(7)
    data: dict[str, Any] = {"budget": np.full(n, 100.0), "spent": rng.choice([80.0, 100.0], n)}
    words = {
        "kind": ["基建", "信息化"],
        "verdict": ["达成", "部分达成", "未达成", None],
        "tier": ["achieved", "partial", None],
        "reason": ["无", "项目进度滞后", None],
    }
    for (name, values), kind in zip(words.items(), ["string", "large_string", "dict8", "chunks"],
                                    strict=True):  # fmt: skip
        data[name] = _arrow(rng.choice(np.array(values, object), n).tolist(), kind)
    data["approved"] = pa.array(rng.choice(np.array([True, False, None], object), n), pa.bool_())
    data["docs"] = _arrow(rng.choice(np.array(["是", "否", "√"], object), n).tolist(), "dict32")
    if frame != "arrow":
        kinds = ["pandas", "pandas_category"] if frame == "pandas" else ["polars"]
        for j, name in enumerate(TEXTS + YES_NO):
            data[name] = _arrow(data[name].to_pylist(), kinds[j % len(kinds)])
    cs = scorer(0)
    reads.clear()
    res = cs.score(data)
    distinct = sum(len(set(v)) + 1 for v in words.values()) + 3 + 4
    assert len(reads) <= distinct, reads
    assert not res.fallback.any()
    monkeypatch.undo()
    _same(cs, {k: v[:200] for k, v in data.items()})


def test_a_series_the_data_does_not_hold_is_decided_once_not_per_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``hist`` absent, or a null-typed or all-null column: no row parsed (the reader's
    ``normalise_value`` and ``plain_cell`` never called), results as per record."""

    def no_parse(*args: Any) -> Any:
        raise AssertionError("a series cell parsed one by one")

    n = 500
    base: dict[str, Any] = {
        "budget": np.full(n, 100.0),
        "spent": np.full(n, 95.0),
        "kind": pa.array(["基建"] * n),
        "docs": pa.array([True] * n),
    }
    for hist in (None, pa.nulls(n), pa.array([None] * n, pa.string())):
        data = dict(base) if hist is None else {**base, "hist": hist}
        for k in range(len(SETTINGS)):
            with monkeypatch.context() as m:
                m.setattr(seriescells, "normalise_value", no_parse)
                m.setattr(seriescells, "plain_cell", no_parse)
                res = scorer(k).score(data)
            assert not res.fallback.any()
            _same(scorer(k), {key: v[:20] for key, v in data.items()})


def _per_cell(name: str, col: Any) -> list[Any]:
    """What each cell of an Arrow column reads as, one cell at a time: its value, or
    ``("blank",)`` / ``("refused",)``."""
    spec = scorer(0).inputs[name]
    reader = categories._Reader(name, spec, "project")
    out: list[Any] = []
    for cell in col.to_pylist():
        code = reader.read(cell)
        out.append(("blank",) if code == -1 else ("refused",) if code == -2 else
                   reader.vocab[code])  # fmt: skip
    return out


def _by_codes(name: str, col: Any) -> list[Any]:
    codes, vocab = categories.category_codes(name, scorer(0).inputs[name], "project", col)
    assert codes.dtype == np.int32 and len(codes) == len(col)
    return [("blank",) if c == -1 else ("refused",) if c == -2 else vocab[c]
            for c in codes.tolist()]  # fmt: skip


@st.composite
def arrow_pieces(draw: st.DrawFn) -> tuple[str, Any]:
    """A yes/no or text column of several chunks, each a slice at any bit offset of a longer
    array (up to 300 cells), nulls anywhere; text chunks as dictionaries of their own
    (indices int8 or int32; a dictionary with a value twice, a null value, values no cell
    uses) or plain text."""
    name = draw(st.sampled_from(["approved", "docs", "verdict", "kind"]))
    yes_no = name in YES_NO and draw(st.booleans())
    words = ["达成", "部分达成", "未达成", "是", "否", "", "-", " 达成", "基建"]
    cells = st.none() | (st.booleans() if yes_no else st.sampled_from(words))
    chunks = []
    for _ in range(draw(st.integers(1, 4))):
        whole = draw(st.lists(cells, min_size=0, max_size=300))
        lo = draw(st.integers(0, len(whole)))
        hi = draw(st.integers(lo, len(whole)))
        if yes_no:
            arr = pa.array(whole, pa.bool_())
        elif draw(st.booleans()):
            arr = pa.array(whole, pa.string())
        else:
            extra = draw(st.lists(st.sampled_from([None, *words]), max_size=3))
            values = [w for w in dict.fromkeys(whole) if w is not None] + extra
            index = draw(st.sampled_from([pa.int8(), pa.int32()]))
            at = {w: values.index(w) for w in values if w is not None}
            indices = pa.array([None if w is None else at[w] for w in whole], index)
            arr = pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string()))
        chunks.append(arr.slice(lo, hi - lo))
    typ = chunks[0].type
    if not all(c.type == typ for c in chunks):
        chunks = [c.cast(typ) if not pa.types.is_dictionary(typ) else c for c in chunks[:1]]
    col = chunks[0] if len(chunks) == 1 and draw(st.booleans()) else pa.chunked_array(chunks, typ)
    return name, col


@settings(max_examples=150, deadline=None)
@given(arrow_pieces())
def test_arrow_codes_read_each_cell_as_the_reader_does(case: tuple[str, Any]) -> None:
    """Codes from bits (yes/no) and from dictionaries (text) give, cell for cell, what the
    reader reads from that cell alone — at any offset into an array's buffers, over chunks
    with dictionaries of their own."""
    name, col = case
    assert _by_codes(name, col) == _per_cell(name, col)
