"""The compiled field readers (perfscore.fieldread) read every record exactly as the whole reading
did before them (tests/readoracle.py): the same values (types and exact Decimal text), the same
field errors in both languages, the same notes, the same subject — on random rule-set inputs and
random records holding every cell form docs/data.md names, plus cells no document names."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfscore import subjects
from perfscore.fieldread import BLANK
from perfscore.subjects import CellProblem, InputSpec, RejectedRecord, read_subject
from perfscore.values import Series
from readoracle import reference_read_subject

NUMBER_TYPES = ("number", "money", "percent", "integer")
UNITS = (None, "万元", "元", "亿元", "人", "%", "km", "㎞", "e", " 万元", "万元\n")
BLANKS = ("", " ", "  ", "-", "--", "—", "——", "–", "/", "－", "／", " - ", "\u3000", "\t/")
WORDS = (
    "true", "false", "yes", "no", "是", "否", "√", "×", "✓", "✔", "✗", "✘", "对", "错", "y",
    "n", "Y", "N", "YES", "Ｙｅｓ", " 是 ", "True", "maybe", "1", "0", "无", "（无）", "N/A",
)  # fmt: skip
TEXTS = (
    "无", "暂无", "（无）", "N/A", "待核实", "项目资金拨付滞后", " padded ", "a\ud800b",
    "\ud840\udc0b", "achieved", " achieved", "achieved ", "ACHIEVED", "达成", "部分达成",
    "=SUM(A1)", "x" * 40, "a\x00b", "—", "-", " padded", "partial", "1", "ab", " ab ",
)  # fmt: skip
NUMBER_TEXTS = (
    "3435.02", "3,435.02", "12,34,5", "３４３５．０２", "3435.02万元", "3435.02 万元",
    "34350200元", "3435.02美元", "99%", "99.4 %", "９９．４％", "0.5%", "1e3", "1.5E+3",
    "9.5E+01%", "0x10", "1_000", "100x10", "无", "待核实", "N/A", "NaN", "nan", "Infinity",
    "-inf", "1000000000000000", "1000000000000000.01", "999999999999999", "9999999999999999",
    "123456789012345", "1234567890123456", ".5", "5.", "+5", "-5", "-0", "+.5", "-.", ".",
    "+", "0.98", "1", "1.0", "0", "00", "007", "95", "95.00", "100", " 95 ", "95 ", "１",
    "²", "١٢", "1.2.3", "1..2", "--5", "+-5", "5-", "1,000", "1000.00", "94.995", "89.995%",
    "0.00000000000000000000000000001", "12345678901234567890123456789", "3435.02万",
    "80万元", "1e-3", "1E400", "95人", "95km", "3.5", "0.98%", "1%", "101%", "-5%", "%", "95％",
    "12人", "12.5人", "1.5km", "5e", "5 人", "5㎞", "3435.02百万元", "万元", "5.万元", ".5万元",
    "-5万元", "+5万元", "1e3万元", "1,000万元", "5万元万元", "5%%", "5万元%", "1000000000000000万元",
    "123456789012345万元", "5 ", " 5%", "5e5", "5.x", "5,x", "5-x", "5万元\n", "5 万元", "5\u0301x",
)  # fmt: skip


def _decimals() -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True, places=None),
        st.decimals(min_value=-1000, max_value=10**6, places=2),
        st.sampled_from([Decimal("0.98"), Decimal("1.00"), Decimal("-0"), Decimal("1E+15")]),
        st.sampled_from([Decimal("sNaN"), Decimal("1E+16"), Decimal("0.5")]),
    )


def _plain_number_text() -> st.SearchStrategy[str]:
    """ASCII numbers: what the fast path reads (and its edges: long, signed, pointed)."""
    digits = st.text("0123456789", min_size=0, max_size=18)
    return st.builds(
        lambda sign, a, point, b: sign + a + point + b,
        st.sampled_from(["", "", "-", "+"]),
        digits,
        st.sampled_from(["", "", "."]),
        digits,
    )


SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**16), 10**16),
    st.integers(-5, 300),
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.sampled_from([0.98, 1.0, 0.5, -0.0, 1e15, 1e16, 100.5, 3435.02, 1e-7, 2024.0]),
    _decimals(),
    _plain_number_text(),
    st.sampled_from(NUMBER_TEXTS),
    st.sampled_from(BLANKS),
    st.sampled_from(WORDS),
    st.sampled_from(TEXTS),
    st.text(max_size=6),
    st.builds(CellProblem, st.sampled_from(["refused 美元", "a unit that cannot be converted"])),
    st.sampled_from([datetime.date(2023, 1, 2), datetime.datetime(2023, 1, 2, 3, 4)]),
    st.just([1, 2]),
    st.just({"a": 1}),
)
YEARS: st.SearchStrategy[Any] = st.one_of(
    st.integers(2019, 2025),
    st.sampled_from(["2022", "2023", " 2024", "abc", True, 2022.0, None, "二〇二二"]),
)
SERIES: st.SearchStrategy[Any] = st.dictionaries(YEARS, SCALARS, max_size=4)


@st.composite
def specs(draw: st.DrawFn) -> dict[str, InputSpec]:
    out: dict[str, InputSpec] = {}
    for i in range(draw(st.integers(1, 8))):
        name = f"f{i}"
        t = draw(st.sampled_from([*NUMBER_TYPES, "boolean", "text", "series"]))
        lo = draw(st.none() | st.sampled_from([Decimal(0), Decimal(-5), Decimal("0.5")]))
        hi = draw(st.none() | st.sampled_from([Decimal(100), Decimal(1000), Decimal("99.5")]))
        choices = None
        if t == "text" and draw(st.booleans()):
            choices = tuple(
                draw(
                    st.lists(
                        st.sampled_from(["achieved", "partial", " padded", "-", "达成", "1"]),
                        min_size=1,
                        max_size=4,
                        unique=True,
                    )
                )
            )
        default: Any = None
        if draw(st.integers(0, 4)) == 0:
            default = {"boolean": True, "text": "x"}.get(t, Decimal("1.5"))
        out[name] = InputSpec(
            name,
            t,
            unit=draw(st.sampled_from(UNITS)),
            required=draw(st.booleans()),
            default=default,
            min=lo if t in (*NUMBER_TYPES, "series") else None,
            max=hi if t in (*NUMBER_TYPES, "series") else None,
            choices=choices,
            of=draw(st.sampled_from(NUMBER_TYPES)),
        )
    return out


@st.composite
def records(draw: st.DrawFn, names: list[str]) -> Any:
    values: dict[Any, Any] = {}
    for name in names:
        if draw(st.integers(0, 5)) > 0:
            values[name] = draw(SCALARS)
    for name in draw(st.lists(st.sampled_from(names), max_size=3)):
        values[name] = draw(SERIES)  # a series (or a mapping where a scalar belongs)
    for extra in draw(st.lists(st.sampled_from(["f0 ", "budgte", 7, "F1", "f"]), max_size=2)):
        values[extra] = 1
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(st.sampled_from([None, "stray", [1, 2], 3]))
    if shape == 1:  # a flat record
        return {"id": draw(st.sampled_from(["a", 5, None])), **values}
    record: dict[str, Any] = {"id": "d-1", "name": "部门", "values": values}
    if shape == 2:
        record["cells"] = {n: f"Sheet1!B{i + 2}" for i, n in enumerate(names)}
    if shape == 3:
        record["values"] = draw(st.sampled_from(["x", None, [1]]))
    if shape == 4:
        record["year"] = draw(st.sampled_from([2023, "2023年", "二〇二三", 2023.0]))
    if shape == 5:
        return RejectedRecord(record, "duplicate key 'budget'")
    if shape == 6:  # the subject's own fields, as written
        for field in ("key", "parent", "type", "name", "period"):
            record[field] = draw(st.sampled_from([None, "", " k ", 5, "k", "\ud800", [1], 2023]))
        record["id"] = draw(st.sampled_from(["x\ud800", 7, 7.5, None, {"a": 1}, True]))
    return record


def _same(a: subjects.SubjectData, b: subjects.SubjectData) -> None:
    """Equal to the last detail: Decimal text (3 and 3.0 differ), both languages."""
    assert repr(a.subject) == repr(b.subject)
    assert list(a.values) == list(b.values)
    assert repr(a.values) == repr(b.values)
    assert [type(v) for v in a.values.values()] == [type(v) for v in b.values.values()]
    assert a.field_errors == b.field_errors
    assert list(a.field_errors) == list(b.field_errors)
    assert [getattr(e, "zh", None) for e in a.field_errors.values()] == [
        getattr(e, "zh", None) for e in b.field_errors.values()
    ]
    assert a.notes == b.notes
    assert [getattr(n, "zh", None) for n in a.notes] == [getattr(n, "zh", None) for n in b.notes]
    assert a.declared == b.declared


def _both(record: Any, spec_map: dict[str, InputSpec]) -> None:
    try:
        want = reference_read_subject(record, spec_map, index=3, subject_type="project")
    except Exception as e:  # (the old reader's crash, if any, must be the new one's too)
        with pytest.raises(type(e)):
            read_subject(record, spec_map, index=3, subject_type="project")
        return
    got = read_subject(record, spec_map, index=3, subject_type="project")
    _same(got, want)


@given(st.data())
@settings(max_examples=300)
def test_the_compiled_readers_read_every_record_as_the_whole_reading_does(data: Any) -> None:
    spec_map = data.draw(specs())
    for _ in range(3):  # the same inputs again: their compiled readers (and remembered cells)
        _both(data.draw(records(list(spec_map))), spec_map)


@given(st.data())
@settings(max_examples=100)
def test_each_cell_in_each_type_is_read_as_the_whole_reading_reads_it(data: Any) -> None:
    spec_map = data.draw(specs())
    cell = data.draw(st.one_of(SCALARS, SERIES))
    for _ in range(2):  # read once, then once more (remembered)
        _both({"id": "x", "values": dict.fromkeys(spec_map, cell)}, spec_map)


@given(st.data())
@settings(max_examples=50)
def test_a_decimal_context_of_the_callers_is_used_as_before(data: Any) -> None:
    """A percentage is divided in the caller's context each time (never remembered divided)."""
    spec_map = {"p": InputSpec("p", "percent"), "s": InputSpec("s", "series", of="percent")}
    cell = data.draw(st.one_of(_plain_number_text(), st.integers(2, 10**9)))
    record = {"values": {"p": cell, "s": {2023: cell}}}
    _both(record, spec_map)
    with decimal.localcontext(decimal.Context(prec=3)):
        _both(record, spec_map)
    _both(record, spec_map)


def test_inputs_changed_after_a_read_are_compiled_again() -> None:
    spec_map = {"a": InputSpec("a", "integer"), "b": InputSpec("b", "number")}
    record = {"values": {"a": "2.5", "b": "7"}}
    assert read_subject(record, spec_map, index=0, subject_type="d").field_errors.keys() == {"a"}
    spec_map["a"] = InputSpec("a", "number")  # the same mapping, another spec
    data = read_subject(record, spec_map, index=0, subject_type="d")
    assert data.field_errors == {} and data.values == {"a": Decimal("2.5"), "b": Decimal(7)}
    spec_map["c"] = InputSpec("c", "boolean", required=True)  # one more field
    data = read_subject(record, spec_map, index=0, subject_type="d")
    _same(data, reference_read_subject(record, spec_map, index=0, subject_type="d"))
    assert list(data.values) == ["a", "b", "c"] and "c" in data.field_errors


def test_a_rule_sets_inputs_carry_their_readers_compiled_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Compile once, evaluate many: ``Compiled.inputs`` holds each field's reader, made when
    the rule set was loaded — reading a record with it compiles nothing and looks nothing up
    by identity; a change to it compiles again; a copy (pickled too) reads the same."""
    import copy
    import pickle

    import perfscore

    rs = perfscore.load_ruleset_text(
        """perfscore: 1
id: declared
title: t
version: "1"
inputs:
  a: {type: integer, min: 0}
  b: {type: money, unit: 万元}
  ok: {type: boolean}
  s: {type: series, of: percent}
indicators:
  - {id: l1, title: L1, weight: 100, value: b, scorer: {type: threshold, op: '>=', target: 1}}
"""
    )
    declared = rs.compiled.inputs
    assert isinstance(declared, subjects.DeclaredInputs)
    records = [
        {"id": "x", "values": {"a": "2", "b": "3.5万元", "ok": "是", "s": {2023: "95%"}}},
        {"id": "y", "values": {"a": "2.5", "b": "-", "ok": "x", "s": {"y": 1}, "c": 1}},
    ]
    plain = dict(declared)
    want = [
        reference_read_subject(r, plain, index=i, subject_type="d") for i, r in enumerate(records)
    ]

    def no_compiling(*args: Any) -> Any:
        raise AssertionError("compiled again")

    monkeypatch.setattr(subjects, "compile_fields", no_compiling)
    monkeypatch.setattr(subjects, "_COMPILED", None)  # (no look-up by identity either)
    handed = rs.inputs  # a copy, with the same readers
    assert handed is not declared and handed.fields is declared.fields  # type: ignore[attr-defined]
    for i, r in enumerate(records):
        _same(read_subject(r, declared, index=i, subject_type="d"), want[i])
        _same(read_subject(r, handed, index=i, subject_type="d"), want[i])
    monkeypatch.undo()
    for other in (copy.copy(declared), pickle.loads(pickle.dumps(declared))):
        assert isinstance(other, subjects.DeclaredInputs) and other == declared
        for i, r in enumerate(records):
            _same(read_subject(r, other, index=i, subject_type="d"), want[i])
    # a change compiles again: what it reads is what the changed mapping says (and a copy
    # handed out changes nothing in the rule set)
    changed = rs.inputs
    assert isinstance(changed, subjects.DeclaredInputs)
    changed["a"] = InputSpec("a", "number")
    del changed["ok"]
    changed.update(z=InputSpec("z", "text", required=True))
    plain = dict(changed)
    for i, r in enumerate(records):
        got = read_subject(r, changed, index=i, subject_type="d")
        _same(got, reference_read_subject(r, plain, index=i, subject_type="d"))
        assert list(got.values) == ["a", "b", "s", "z"] and "z" in got.field_errors
    assert read_subject(records[1], changed, index=0, subject_type="d").values["a"] == Decimal(
        "2.5"
    )
    assert list(declared) == ["a", "b", "ok", "s"] and declared == rs.inputs
    _same(read_subject(records[0], declared, index=0, subject_type="d"), want[0])


def test_plain_cells_are_read_without_the_whole_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes it fast (and can break): the cells departments usually send — plain numbers as
    text or numbers, yes/no words, a choice as declared, a reason — and a series of them never
    reach ``normalise_value``; a cell with a unit or a blank does, once per cell."""
    spec_map = {
        "budget": InputSpec("budget", "money", unit="万元", min=Decimal(0)),
        "rate": InputSpec("rate", "percent", min=Decimal(0), max=Decimal(100)),
        "n": InputSpec("n", "integer", min=Decimal(0)),
        "ok": InputSpec("ok", "boolean"),
        "tier": InputSpec("tier", "text", choices=("achieved", "partial")),
        "why": InputSpec("why", "text"),
        "hist": InputSpec("hist", "series", of="percent"),
    }
    plain = {
        "budget": "3435.02",
        "rate": 95,
        "n": "12",
        "ok": "是",
        "tier": "achieved",
        "why": "受汛期影响工期顺延",
        "hist": {2022: 98.5, "2023": "101", 2024: None},
    }
    read_subject({"values": plain}, spec_map, index=0, subject_type="d")  # (words remembered)
    calls: list[object] = []
    real = subjects.normalise_value

    def counted(spec: InputSpec, raw: object) -> object:
        calls.append(raw)
        return real(spec, raw)

    monkeypatch.setattr(subjects, "normalise_value", counted)
    monkeypatch.setattr(subjects, "_COMPILED", {})  # compiled again, with the counted reading
    data = read_subject({"values": plain}, spec_map, index=0, subject_type="d")
    assert calls == []
    assert data.values["hist"] == Series(
        ((2022, Decimal("0.985")), (2023, Decimal("1.01")), (2024, None))
    )
    assert data.values["rate"] == Decimal("0.95") and data.field_errors == {}
    said = {"budget": "3435.02万元", "rate": "95%", "n": "12人", "hist": {2023: "0.5%"}}
    data = read_subject({"values": said}, spec_map, index=0, subject_type="d")
    assert calls == ["12人"]  # a unit the input does not declare goes the whole way (refused)
    assert data.values["budget"] == Decimal("3435.02") and data.values["rate"] == Decimal("0.95")
    assert data.values["hist"] == Series(((2023, Decimal("0.005")),))
    calls.clear()
    unusual = {"budget": "3,435.02", "rate": "９５％", "n": "-", "ok": "x", "tier": " partial"}
    data = read_subject({"values": unusual}, spec_map, index=0, subject_type="d")
    assert calls == ["3,435.02", "９５％", "x", " partial"]  # the blank is read as a blank
    assert data.values["budget"] == Decimal("3435.02") and data.values["tier"] == "partial"
    assert list(data.field_errors) == ["ok"]


def test_a_blank_is_no_value_and_the_reader_says_so() -> None:
    for blank in BLANKS:
        assert subjects.read_cell(InputSpec("a", "number"), blank) is BLANK


FIXED: tuple[Any, ...] = (
    *NUMBER_TEXTS, *BLANKS, *WORDS, *TEXTS, None, True, False, 0, 1, -1, 95, 100, 101, 2024,
    10**15, 10**15 + 1, -(10**15), 10**16, 0.98, 1.0, 95.0, 0.5, -0.0, 1e15, 1e16, 2024.5,
    1234567890123456.0, 999999999999999.9, 0.1234567890123456, -1234567890123456.0,
    float("nan"), float("inf"), Decimal("95"), Decimal("0.98"), Decimal("NaN"), Decimal("1E+16"),
    Decimal("1E+15"), Decimal("-1E+15"), Decimal("1000000000000000.01"), Decimal("sNaN"),
    Decimal("1.000000000000000000000000001"), Decimal("1.0000000000000000000000000001"),
    Decimal("Infinity"), Decimal("-Infinity"), Decimal("-0"), Decimal("95.00"), Decimal("0.5"),
    Decimal("1"), Decimal("3.5"), Decimal("-5"), Decimal("100.5"), Decimal("1E-30"),
    CellProblem("refused"), [1], {"a": 1}, datetime.date(2023, 1, 2),
)  # fmt: skip
GRID: tuple[InputSpec, ...] = (
    *(
        InputSpec("a", t, unit=u, min=lo, max=hi)
        for t in NUMBER_TYPES
        for u in (
            None,
            "万元",
            "人",
            "㎞",
            "e",
            "%",
            ".x",
            ",x",
            "-x",
            " 万元",
            "万元\n",
            "\u0301x",
        )
        for lo, hi in ((None, None), (Decimal(0), Decimal(100)), (Decimal("0.5"), None))
    ),
    InputSpec("a", "boolean"),
    InputSpec("a", "text"),
    InputSpec("a", "text", choices=("achieved", "partial", " padded", "-", "1", "ab")),
    *(InputSpec("a", "series", of=t, min=Decimal(0)) for t in NUMBER_TYPES),
    InputSpec("a", "number", required=True),
    InputSpec("a", "percent", default=Decimal("0.5")),
)


@pytest.mark.parametrize("spec", GRID, ids=lambda s: f"{s.type}-{s.of}-{s.unit}-{s.min}-{s.max}")
def test_every_named_cell_in_every_input_kind_reads_as_the_whole_reading(spec: InputSpec) -> None:
    """Every cell form this module names, in each kind of input, alone and in a series, read
    twice (the second time from what the field remembers) — without the luck of a draw."""
    spec_map = {"a": spec}
    for cell in FIXED:
        for record in ({"values": {"a": cell}}, {"values": {"a": {2023: cell, "2024": cell}}}):
            _both(record, spec_map)
            _both(record, spec_map)


class _ListKeys(Mapping[Any, Any]):
    """A mapping whose ``keys()`` is a plain list (as a duck-typed mapping may have)."""

    def __init__(self, data: dict[Any, Any]) -> None:
        self.data = data

    def __getitem__(self, key: Any) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def keys(self) -> Any:  # type: ignore[override]
        return list(self.data)


def test_values_in_a_mapping_of_any_kind_are_read_and_unknown_keys_noted() -> None:
    spec_map = {"a": InputSpec("a", "number"), "b": InputSpec("b", "boolean")}
    for values in ({"a": "1", "b": "是"}, {"a": "1", "bb": "是", 7: 1}):
        record = {"id": "x", "values": _ListKeys(values)}
        _both(record, spec_map)
    got = read_subject(record, spec_map, index=0, subject_type="d")
    assert [str(n) for n in got.notes] and "'bb'" in got.notes[0]
