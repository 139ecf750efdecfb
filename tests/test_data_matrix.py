"""Bad and odd values, each with a defined result: normalised (documented in docs/data.md) or an
`error` finding naming the field, while the rest of the subject and the batch are still scored."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import perfscore
from perfscore.expr import rounded_once

RS = perfscore.load_ruleset_text(
    'perfscore: 1\nid: matrix\ntitle: t\nversion: "1"\n'
    "inputs:\n"
    "  budget: {type: money, unit: 万元, required: true, min: 0}\n"
    "  executed: {type: money, unit: 万元, required: true, min: 0}\n"
    "  rate: {type: percent}\n"
    "  staff: {type: integer, min: 0}\n"
    "  ok: {type: boolean}\n"
    "  tier: {type: text, choices: [achieved, partial]}\n"
    "  history: {type: series, of: percent}\n"
    "  other: {type: number}\n"
    "metrics: {exec_rate: {expr: executed / budget, unit: '%', zero_division: not_applicable}}\n"
    "indicators:\n"
    "  - {id: i_exec, title: 执行率, weight: 50, value: exec_rate, scorer: {type: threshold, op: '>=', target: 0.95}}\n"
    "  - {id: i_other, title: 其他, weight: 50, value: other, scorer: {type: threshold, op: '>=', target: 0}}\n"
    "checks:\n"
    "  - {id: c_rate, title: 比率, type: assert, expr: rate <= 1}\n"
    "  - {id: c_staff, title: 人数, type: assert, expr: staff >= 0}\n"
    "  - {id: c_ok, title: 是否, type: assert, expr: ok or not ok}\n"
    "  - {id: c_tier, title: 等次, type: assert, expr: tier != ''}\n"
    "  - {id: c_hist, title: 序列, type: assert, expr: count(history) >= 0}\n"
)
BASE = {"budget": 100, "executed": 96, "other": 1}

ACCEPTED: list[tuple[str, Any, Any]] = [
    ("budget", "3,435.02", Decimal("3435.02")),  # thousands separators
    ("budget", "３４３５．０２", Decimal("3435.02")),  # full-width digits (NFKC)
    ("budget", "3435.02万元", Decimal("3435.02")),  # the declared unit
    ("budget", "34350200元", Decimal("3435.02")),  # another money unit: converted exactly
    ("budget", "0.3435亿元", Decimal("3435")),
    ("budget", " 100 ", Decimal(100)),
    ("budget", 100.5, Decimal("100.5")),  # a Python float goes through repr
    ("budget", "1e3", Decimal(1000)),  # scientific notation, as a program writes it to CSV
    ("budget", "1.5E+3", Decimal(1500)),
    ("rate", "9.5E+01%", Decimal("0.95")),
    ("rate", "99.4%", Decimal("0.994")),  # percentage points → ratio
    ("rate", "99.4 %", Decimal("0.994")),
    ("rate", 99.4, Decimal("0.994")),
    ("rate", "９９．４％", Decimal("0.994")),
    ("rate", "0.5%", Decimal("0.005")),  # written with its %: not ambiguous
    ("rate", 0, Decimal(0)),
    ("staff", "42", Decimal(42)),
    ("staff", 42.0, Decimal(42)),
    ("ok", "是", True),
    ("ok", "否", False),
    ("ok", "yes", True),
    ("history", {"2022": 98, 2023: "101%"}, None),  # years as text or numbers
]

REFUSED: list[tuple[str, Any, str]] = [
    ("budget", None, "required value is missing"),
    ("budget", "NaN", "expected a finite number"),
    ("budget", Decimal("Infinity"), "expected a finite number"),
    ("budget", float("nan"), "expected a finite number"),
    ("budget", float("-inf"), "expected a finite number"),
    ("budget", -5, "below the minimum 0"),
    ("budget", "12,34,5", "expected a number"),
    ("budget", "3435.02美元", "unit 美元 where 万元 is expected"),  # not convertible
    ("budget", "3435.02人", "unit 人 where 万元 is expected"),
    ("budget", "无", "expected a number, got text '无'"),  # 0 or not reported? not guessed
    ("budget", "0x10", "expected a number, got text '0x10'"),  # not zero in unit 'x10'
    ("budget", "0b1", "expected a number, got text '0b1'"),
    ("budget", "1_000", "expected a number, got text '1_000'"),
    ("budget", "100x10", "expected a number, got text '100x10'"),
    ("rate", 0.98, "0.98 is ambiguous for a percentage (98% or 0.98%?)"),
    ("rate", Decimal("0.98"), "0.98 is ambiguous for a percentage"),
    ("rate", "1", "1 is ambiguous for a percentage (100% or 1%?)"),
    ("rate", 1, "1 is ambiguous for a percentage"),
    ("history", {2023: 0.5}, "year 2023: 0.5 is ambiguous for a percentage"),
    ("budget", "99%", "a percentage where none is expected"),
    ("budget", True, "expected a number, got true"),
    ("budget", [1, 2], "expected a number, got a list"),
    ("budget", {"v": 1}, "expected a number, got a mapping"),
    ("budget", "1e400", "too large"),
    ("staff", 4.5, "expected a whole number"),
    ("ok", "maybe", "expected true or false"),
    ("tier", "achievd", "did you mean 'achieved'?"),
    ("tier", 3, "'3' is not one of achieved, partial"),  # a whole number: its text
    ("tier", 3.5, "expected text"),
    ("history", [98, 99], "expected values per year"),
    ("history", {"last year": 98}, "is not a year"),
    ("history", {2023: "abc"}, "year 2023: expected a number"),
]


@pytest.mark.parametrize(("field", "raw", "stored"), ACCEPTED)
def test_accepted_with_normalisation(field: str, raw: Any, stored: Any) -> None:
    result = RS.evaluate({"id": "s", "values": {**BASE, field: raw}}).subjects[0]
    assert result.complete, [f.message for f in result.findings if f.outcome == "error"]
    if field == "budget":
        # the exact quotient rounded once to 28 digits (ROUND_05UP: see perfscore.exact)
        assert result.finding("i_exec").value == rounded_once(Fraction(96) / Fraction(stored))
    if field == "rate":
        assert result.finding("c_rate").outcome == "pass"


@pytest.mark.parametrize(("field", "raw", "message"), REFUSED)
def test_refused_values_give_error_findings_naming_the_field(
    field: str, raw: Any, message: str
) -> None:
    result = RS.evaluate({"id": "s", "values": {**BASE, field: raw}}).subjects[0]
    errors = [f for f in result.findings if f.outcome == "error"]
    assert errors, "a bad value must never pass silently"
    for f in errors:
        assert field in f.fields
        assert message in (f.reason or ""), f.reason
    # everything that does not read the field is still scored
    assert result.finding("i_other").outcome == "pass"


def test_zero_denominator_is_what_the_rule_set_declares() -> None:
    f = RS.evaluate({"values": {**BASE, "budget": 0}}).subjects[0].finding("i_exec")
    assert f.outcome == "not_applicable" and f.fields == ("budget", "executed")


def test_unknown_fields_are_noted_not_scored() -> None:
    result = RS.evaluate({"id": "s", "values": {**BASE, "budgt": 5}}).subjects[0]
    assert result.complete
    assert [n.message for n in result.notifications] == [
        "unknown field 'budgt' is ignored (did you mean 'budget'?)"
    ]


def test_a_batch_with_broken_records_is_still_scored_and_marked_incomplete() -> None:
    report = RS.evaluate(
        [
            {"id": "a", "values": BASE},
            "not a record",
            None,
            {"id": "a", "values": BASE},
            {"id": "c", "values": {**BASE, "budget": "x"}},
        ]
    )
    assert len(report.subjects) == 5
    assert report.subjects[0].complete
    assert not report.subjects[1].complete and not report.subjects[2].complete
    assert report.subjects[4].finding("i_other").outcome == "pass"
    assert not report.complete
    assert [n.code for n in report.notifications] == ["duplicate-subject"]


READ = RS.compiled.inputs


@pytest.mark.parametrize("blank", ["", "  ", "\u3000", "-", "--", "—", "——", "–", "/", "／", "－"])
def test_a_blank_written_as_text_is_missing_data_in_every_field(blank: str) -> None:
    """As in a spreadsheet cell: a required input's "required value is missing", an optional
    one's missing-data outcome (not applicable here) — never a zero, never "not a number"."""
    result = RS.evaluate(
        {"id": "s", "values": {**BASE, "budget": blank, "other": blank, "tier": blank,
                               "ok": blank, "history": {2023: blank, 2022: 98}}}
    ).subjects[0]  # fmt: skip
    exec_ = result.finding("i_exec")
    assert exec_.outcome == "error" and "required value is missing" in (exec_.reason or "")
    assert result.finding("i_other").outcome == "not_applicable"
    assert result.finding("c_tier").outcome == "not_applicable"
    assert result.finding("c_ok").outcome == "not_applicable"
    assert result.finding("c_hist").outcome == "pass"  # one year blank, the other read


def test_other_values_read_as_spreadsheets_read_them() -> None:
    from perfscore.subjects import normalise_value

    assert normalise_value(READ["other"], "95%") == Decimal("0.95")  # a ratio written as %
    assert normalise_value(READ["ok"], "√") is True
    assert normalise_value(READ["ok"], " ×") is False
    assert normalise_value(READ["ok"], "Y") is True
    assert normalise_value(READ["tier"], " achieved ") == "achieved"
