"""Declared claims (自评) on subject records: read exactly, malformed values named, never raised."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import perfscore
from perfscore.declared import Declared, read_declared
from perfscore.subjects import InputSpec, read_subject
from perfscore.words import in_language

SPECS = {"budget": InputSpec("budget", "money", unit="万元")}


def _read(record: object) -> Declared | None:
    return read_subject(record, SPECS, index=0, subject_type="department").declared


def test_declared_read_exactly() -> None:
    d = _read(
        {
            "id": "a",
            "values": {"budget": 10},
            "declared": {
                "total": "92.5分",
                "grade": " 优 ",
                "points": {"execution": 9.94, "outputs": "４８"},
                "weights": {"execution": 10},
            },
        }
    )
    assert d is not None and not d.problems
    assert d.total == Decimal("92.5")
    assert d.grade == "优"
    assert d.points == {"execution": Decimal("9.94"), "outputs": Decimal("48")}
    assert d.weights == {"execution": Decimal("10")}
    assert not d.empty


def test_no_declared_is_none_not_zero() -> None:
    data = read_subject({"id": "a", "values": {"budget": 1}}, SPECS, index=0, subject_type="x")
    assert data.declared is None
    assert read_declared({}).empty
    assert read_declared({"points": {}}).empty


def test_flat_record_declared_is_not_a_value_field() -> None:
    data = read_subject(
        {"id": "a", "budget": 3, "declared": {"total": 80}}, SPECS, index=0, subject_type="x"
    )
    assert data.values == {"budget": Decimal(3)}
    assert not data.notes  # 'declared' is metadata, not an unknown value field
    assert data.declared is not None and data.declared.total == Decimal(80)


@pytest.mark.parametrize(
    ("raw", "field", "words", "zh"),
    [
        (95, "declared", "mapping", "自评数据应为映射"),
        ({"total": "九十"}, "declared.total", "expected a number", "应为数字，实为 文字 '九十'"),
        ({"total": -1}, "declared.total", "negative", "-1 为负数：得分不会低于 0"),
        ({"total": True}, "declared.total", "expected a number", "应为数字"),
        ({"grade": 5}, "declared.grade", "grade as text", "自评等级应为文字，实为 5"),
        ({"grade": ["优"]}, "declared.grade", "grade as text", "实为 列表"),  # ("  ": a blank)
        ({"points": [1, 2]}, "declared.points", "mapping", "应为按指标编号给出的得分（映射）"),
        ({"points": {"execution": "abc"}}, "declared.points.execution", "expected a number",
         "应为数字"),
        ({"points": {"execution": float("nan")}}, "declared.points.execution", "finite",
         "有限的数"),
        ({"weights": {"execution": "10%"}}, "declared.weights.execution", "percentage",
         "此处不应是百分数"),
        ({"points": {True: 1}}, "declared.points", "True is not an indicator id",
         "True 不是指标编号"),
        ({"names": {"a": [1]}}, "declared.names.a", "text as printed", "应为表上所印的文字"),
    ],
)  # fmt: skip
def test_malformed_declared_named_not_raised(raw: object, field: str, words: str, zh: str) -> None:
    d = read_declared(raw)
    assert [p.field for p in d.problems] == [field]
    assert words in d.problems[0].message
    assert zh in in_language(d.problems[0].message, "zh")  # Chinese first-class, as the rest
    assert d.problems[0].level == "error"


def test_unknown_declared_key_is_a_warning_with_a_hint() -> None:
    d = read_declared({"totl": 90, "points": {"a": 1}})
    assert [(p.field, p.level) for p in d.problems] == [("declared.totl", "warning")]
    assert "did you mean 'total'" in d.problems[0].message
    assert in_language(d.problems[0].message, "zh") == "未知键 'totl' 已忽略（是否想写 'total'？）"
    assert d.points == {"a": Decimal(1)}


def test_blank_claim_for_one_indicator_is_not_a_claim() -> None:
    d = read_declared({"points": {"a": None, "b": 0}})
    assert d.points == {"b": Decimal(0)}  # 0 is a claim of zero points; blank is no claim


def test_scoring_ignores_declared() -> None:
    rs = perfscore.load_ruleset("rules/cn-dept-overall.yaml")
    rec = perfscore.load_subjects("examples/liwan-npc-office-2023.yaml").records[0]
    plain = rs.evaluate(rec).to_json()
    claimed = rs.evaluate({**rec, "declared": {"total": 100, "points": {"zz": "bad"}}}).to_json()
    assert plain == claimed


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(
            st.none(),
            st.integers(-5, 200),
            st.decimals(allow_nan=True, allow_infinity=True),
            st.text(max_size=6),
            st.booleans(),
            st.lists(st.integers(), max_size=2),
        ),
        max_size=5,
    )
)
def test_any_declared_value_reads_without_raising(points: dict[str, object]) -> None:
    d = read_declared({"total": points.get("t"), "points": points})
    assert all(p.field.startswith("declared") for p in d.problems)
    for v in (d.points or {}).values():
        assert isinstance(v, Decimal) and v.is_finite() and v >= 0


@pytest.mark.parametrize("blank", ["", " ", "-", "—", "/", "－"])
def test_a_blank_claim_claims_nothing_as_a_blank_cell_does(blank: str) -> None:
    # a workbook's 自评得分 cell left "-" declares nothing; the same in JSON or YAML
    d = read_declared(
        {"total": blank, "grade": blank, "points": {"a": blank}, "targets": {"a": blank}}
    )
    assert d.problems == ()
    assert d.empty and not d.targets
    d = read_declared({"total": blank, "points": {"a": "9.5分", "b": blank}})
    assert d.total is None and d.points == {"a": Decimal("9.5")} and d.problems == ()
