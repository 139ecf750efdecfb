"""Subject records: key, period and parent (findings 1.1), read from the record's metadata."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import perfscore
from perfscore.subjects import InputSpec, Subject, read_subject

SPECS = {"a": InputSpec("a", "number")}

RS = (
    'perfscore: 1\nid: fp\ntitle: t\nversion: "1"\n'
    "inputs: {a: {type: number}}\n"
    "indicators:\n"
    "  - {id: x, title: X, weight: 10, value: a, severity: error, scorer: {type: threshold, op: '>=', target: 1}}\n"
)


def read(record: object) -> perfscore.subjects.SubjectData:
    return read_subject(record, SPECS, index=0, subject_type="department")


def test_key_defaults_to_id_and_period_and_parent_are_optional() -> None:
    d = read({"id": "d1", "values": {"a": 1}})
    assert d.subject == Subject("d1", None, "department", key="d1")
    assert d.subject.period is None and d.subject.parent is None and not d.notes


def test_key_year_and_parent_are_read_from_the_record() -> None:
    d = read({"id": "d1-2023", "key": "d1", "year": 2023, "parent": "教育局", "values": {"a": 1}})
    assert (d.subject.key, d.subject.period, d.subject.parent) == ("d1", 2023, "教育局")
    assert not d.notes


def test_period_is_an_alias_of_year_and_common_spellings_are_read() -> None:
    assert read({"id": "d", "period": 2022, "values": {}}).subject.period == 2022
    assert read({"id": "d", "year": "2023年度", "values": {}}).subject.period == 2023
    assert read({"id": "d", "year": "２０２３", "values": {}}).subject.period == 2023  # full-width
    assert (
        read({"id": "d", "year": 2023.0, "values": {}}).subject.period == 2023
    )  # a spreadsheet cell
    assert read({"id": 7, "key": 7, "year": "2021年", "values": {}}).subject.key == "7"


def test_a_bad_year_is_a_note_not_a_crash_and_not_a_period() -> None:
    nan, inf = float("nan"), float("inf")
    for bad in ("last year", 23, 2023.5, True, {"y": 1}, "99999", nan, inf, Decimal("NaN")):
        d = read({"id": "d", "year": bad, "values": {"a": 1}})
        assert d.subject.period is None, bad
        assert any("not a fiscal year" in n for n in d.notes), bad
        assert d.values == {"a": 1}


def test_year_and_period_that_disagree_are_noted_and_year_wins() -> None:
    d = read({"id": "d", "year": 2023, "period": 2022, "values": {}})
    assert d.subject.period == 2023
    assert d.notes == ["year 2023 and period 2022 disagree; year is used"]


def test_metadata_fields_are_not_read_as_values_in_a_flat_record() -> None:
    d = read({"id": "d", "key": "k", "year": 2023, "parent": "p", "a": 5})
    assert d.values == {"a": 5} and not d.notes


def test_fingerprint_follows_the_key_across_periods() -> None:
    rs = perfscore.load_ruleset_text(RS)
    r = rs.evaluate(
        [
            {"id": "d1-2022", "key": "d1", "year": 2022, "values": {"a": 0}},
            {"id": "d1-2023", "key": "d1", "year": 2023, "values": {"a": 5}},
            {"id": "d2-2023", "key": "d2", "year": 2023, "values": {"a": 5}},
        ]
    )
    fp = [s.findings[0].fingerprint for s in r.subjects]
    assert fp[0] == fp[1] != fp[2]
    # the documented formula, with the key in place of the id
    raw = "\x1f".join(("fp", "x", "department", "d1")).encode()
    assert fp[0] == "sha256:" + hashlib.sha256(raw).hexdigest()[:32]
    assert r.complete  # several periods of one key in a batch are fine


def test_without_a_key_fingerprints_are_those_of_format_1_0() -> None:
    f = perfscore.load_ruleset_text(RS).evaluate({"id": "d1", "values": {"a": 0}}).findings[0]
    raw = "\x1f".join(("fp", "x", "department", "d1")).encode()
    assert f.fingerprint == "sha256:" + hashlib.sha256(raw).hexdigest()[:32]


@given(
    st.text(min_size=1, max_size=8).filter(str.strip),
    st.integers(1900, 2999),
    st.integers(1900, 2999),
)
def test_fingerprints_do_not_depend_on_period_or_record_id(key: str, y1: int, y2: int) -> None:
    rs = perfscore.load_ruleset_text(RS)
    a = rs.evaluate({"id": f"{key}-{y1}", "key": key, "year": y1, "values": {"a": 0}})
    b = rs.evaluate({"id": f"x{key}", "key": key, "year": y2, "values": {"a": 9}})
    assert a.findings[0].fingerprint == b.findings[0].fingerprint


def test_one_key_twice_in_one_period_is_a_duplicate_subject() -> None:
    r = perfscore.load_ruleset_text(RS).evaluate(
        [
            {"id": "a", "key": "k", "year": 2023, "values": {"a": 1}},
            {"id": "b", "key": "k", "year": 2023, "values": {"a": 1}},
        ]
    )
    assert not r.complete
    [n] = r.notifications
    assert n.code == "duplicate-subject" and "'a', 'b' share key 'k' for period 2023" in n.message


def _schema() -> jsonschema.Draft202012Validator:
    text = resources.files("perfscore").joinpath("schemas/findings-1.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def test_documents_1_1_carry_key_period_parent_and_1_0_documents_stay_valid() -> None:
    rs = perfscore.load_ruleset_text(RS)
    doc = json.loads(
        rs.evaluate(
            {"id": "d1-2023", "key": "d1", "year": 2023, "parent": "p", "values": {"a": 1}}
        ).to_json()
    )
    assert doc["format_version"] == "1.1"
    ref = {"type": "department", "id": "d1-2023", "key": "d1", "period": 2023, "parent": "p"}
    assert doc["subjects"][0]["subject"] == ref and doc["findings"][0]["subject"] == ref
    assert {"id", "version", "sha256"} <= set(doc["run"]["ruleset"])
    assert doc["tool"]["version"] == perfscore.__version__
    _schema().validate(doc)
    # a 1.0 document (no key/period/parent) is still a valid 1.x document
    old = json.loads(rs.evaluate({"id": "d1", "values": {"a": 1}}).to_json())
    assert old["subjects"][0]["subject"] == {"type": "department", "id": "d1"}
    old["format_version"] = "1.0"
    _schema().validate(old)
    bad = json.loads(json.dumps(doc))
    bad["subjects"][0]["subject"]["period"] = "2023"
    assert list(_schema().iter_errors(bad))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "部门", "d\ud800"]),
            st.sampled_from(["", "k", "m"]),
            st.sampled_from([None, 2023, 2024]),
        ),
        max_size=40,
    ),
    st.integers(min_value=1, max_value=9),
)
def test_duplicate_ids_chunk_by_chunk_say_what_the_whole_batch_says(
    rows: list[tuple[str, str, int | None]], k: int
) -> None:
    """A streamed run (Parquet by columns) checks ids a chunk at a time, in bounded memory:
    the same notifications, in the same order, as the check of the whole batch."""
    from perfscore.ruleset import DuplicateIds, duplicate_ids

    subjects = [Subject(sid, key=key, period=p) for sid, key, p in rows]
    with DuplicateIds() as dups:
        for lo in range(0, len(subjects), k):
            dups.add(subjects[lo : lo + k])
        assert dups.notifications() == duplicate_ids(subjects)


NUMBER_AS_TEXT = """\
perfscore: 1
id: t
title: 文字字段
version: "1"
inputs:
  code: {type: text, title: 项目编码}
  kind: {type: text, title: 项目类别, choices: ["1", "2"]}
indicators:
  - {id: first, title: 一类, weight: 100, value: "1", scorer: {type: threshold, op: ">=", target: 1},
     when: "kind == '1'"}
checks:
  - {id: coded, title: 有编码, type: assert, expr: "code != ''"}
"""


def _text_outcomes(report: Any) -> list[tuple[str, str, str, str | None]]:
    out = []
    for s in report.subjects:
        first, coded = (next(f for f in s.findings if f.rule_id == r) for r in ("first", "coded"))
        out.append((s.subject.id, first.outcome, coded.outcome, coded.reason))
    return out


@pytest.mark.parametrize(
    ("code", "kind", "want"),
    [
        (2024, 1, ("pass", "pass", None)),
        (2024.0, 2.0, ("not_applicable", "pass", None)),
        (Decimal("7"), Decimal("1.00"), ("pass", "pass", None)),
        (3.5, 1, ("pass", "error", "field 'code': expected text, got 3.5")),
        (True, 1, ("pass", "error", "field 'code': expected text, got true")),
        (float("nan"), 1, ("pass", "error", "field 'code': expected text, got nan")),
    ],
)
def test_a_whole_number_in_a_text_field_is_its_text_in_every_format(
    tmp_path: Path, code: Any, kind: Any, want: tuple[Any, ...]
) -> None:
    """A JSON number in a text field used to be refused while the same number in a numeric
    spreadsheet cell was read as its text: every format now reads a whole number as its text
    (2024 → "2024") and refuses a fraction, a boolean or NaN."""
    import openpyxl

    rs = perfscore.load_ruleset_text(NUMBER_AS_TEXT)
    [got] = _text_outcomes(rs.evaluate({"id": "a", "values": {"code": code, "kind": kind}}))
    assert got == ("a", *want)
    if isinstance(code, Decimal) or code != code:
        return  # (a workbook holds floats; NaN is not a cell value)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id", "项目编码", "项目类别"])
    ws.append(["a", code, kind])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    [cell] = _text_outcomes(rs.evaluate(perfscore.load_subjects(path, rs)))
    assert cell[:3] == got[:3]
    if got[3] is not None:
        assert cell[3] == got[3].replace("'code': ", "'code': Sheet!B2: ")


@pytest.mark.parametrize(
    ("record", "en", "zh"),
    [
        ("abc", "the subject record is text 'abc', not a mapping", "该评价对象的记录是文字 'abc'"),
        ({"id": "x", "values": "budget=3"}, "'values' is text 'budget=3', not a mapping",
         "'values' 是文字 'budget=3'，不是映射"),
    ],
)  # fmt: skip
def test_a_record_that_is_no_mapping_is_said_in_each_language(
    record: object, en: str, zh: str
) -> None:
    from perfscore.words import in_language

    spec = InputSpec("budget", "money")
    data = read_subject(record, {"budget": spec}, index=0, subject_type="department")
    problem = data.field_errors["budget"]
    assert str.__str__(problem) == en
    assert in_language(problem, "zh").startswith(zh) and "text" not in in_language(problem, "zh")


def test_a_series_giving_a_year_twice_is_an_error_for_that_field_not_a_crash() -> None:
    """``{2022: 1, "2022": None}`` (a YAML mapping or a Python dict may hold both): the record
    reader sorted the pairs and compared None with a Decimal — TypeError out of the whole batch
    (seen by rawread, session 14). Now the field is refused and everything else still scored;
    the columnar path sends such a cell to the same reader, so both say the same."""
    from perfscore import load_ruleset_text
    from perfscore.columnar import ColumnarScorer

    rs = load_ruleset_text(
        """
perfscore: 1
id: twice
title: 年份重复
version: "1"
inputs:
  budget: {type: money, title: 预算数}
  executed: {type: money, title: 执行数}
  outturn: {type: series, of: money, title: 历年支出}
indicators:
  - {id: rate, title: 预算执行率, weight: 50, value: executed / budget,
     scorer: {type: threshold, op: ">=", target: 0.95}}
  - {id: last, title: 2022年支出, weight: 50, value: "year(outturn, 2022)",
     scorer: {type: threshold, op: ">=", target: 1}}
"""
    )
    rows = [
        {"id": "a", "budget": 100, "executed": 100, "outturn": {2021: 3, 2022: 1, "2022": None}},
        {"id": "b", "budget": 100, "executed": 90, "outturn": {2022: 1, "2022": 2}},
        {"id": "c", "budget": 100, "executed": 95, "outturn": {2021: 3, 2022: 2}},
    ]
    report = rs.evaluate(rows)
    got = {(f.subject.id, f.rule_id): f for f in report.findings}
    for sid in ("a", "b"):
        assert got[sid, "last"].outcome == "error"
        assert "2022 年给了两次" in got[sid, "last"].message
        assert "given twice" in (got[sid, "last"].message_en or "")
    assert got["a", "rate"].outcome == "pass" and got["b", "rate"].outcome == "fail"
    assert got["c", "last"].outcome == "pass"
    import pandas as pd

    res = ColumnarScorer(rs).score(pd.DataFrame(rows))
    by_record = [[got[r["id"], rid].outcome for rid in ("rate", "last")] for r in rows]
    by_columns = [[res.outcomes(rid)[i] for rid in ("rate", "last")] for i in range(len(rows))]
    assert by_columns == by_record
    assert [bool(x) for x in res.fallback] == [True, True, False]  # the same reader decides them


def test_numpy_numbers_in_a_record_read_as_the_python_numbers_they_equal() -> None:
    """A ``numpy.float64`` (a ``float`` subclass, what a cell pulled out of a numpy array or a
    pandas object column holds) read through ``repr`` gave ``np.float64(96.5)`` under numpy 2:
    ``decimal.InvalidOperation`` out of the whole batch (seen by mapcells, session 15). Now it
    reads as the float it equals, at a scalar input and inside a series, on the record and the
    columnar paths; a numpy type that is no Python number (``float32``) is refused for that
    field, not a crash."""
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    from perfscore import load_ruleset_text
    from perfscore.columnar import ColumnarScorer

    rs = load_ruleset_text(
        """
perfscore: 1
id: numpy_cells
title: numpy 数值
version: "1"
inputs:
  budget: {type: money, title: 预算数}
  executed: {type: money, title: 执行数}
  rate_hist: {type: series, of: percent, title: 历年执行率}
indicators:
  - {id: rate, title: 预算执行率, weight: 50, value: executed / budget,
     scorer: {type: threshold, op: ">=", target: 0.965}}
  - {id: last, title: 2022年执行率, weight: 50, value: "year(rate_hist, 2022)",
     scorer: {type: threshold, op: ">=", target: 0.9725}}
"""
    )

    def rows(num: Any) -> list[dict[str, Any]]:
        return [
            {"id": "a", "budget": num(100.0), "executed": num(96.5),
             "rate_hist": {2021: num(90.1), 2022: num(97.25)}},
            {"id": "b", "budget": num(100.0), "executed": num(96.49),
             "rate_hist": {2021: num(80.5), 2022: num(97.24)}},
        ]  # fmt: skip

    def seen(report: Any) -> list[tuple[Any, ...]]:
        return [(f.subject.id, f.rule_id, f.outcome, f.value, f.points) for f in report.findings]

    plain = seen(rs.evaluate(rows(float)))
    assert [o for _, _, o, _, _ in plain] == ["pass", "pass", "fail", "fail"]
    assert seen(rs.evaluate(rows(np.float64))) == plain
    by_columns = ColumnarScorer(rs).score(pd.DataFrame(rows(np.float64)))
    assert [by_columns.outcomes(r)[i] for i in range(2) for r in ("rate", "last")] == [
        o for _, _, o, _, _ in plain
    ]
    refused = {(f.subject.id, f.rule_id): f for f in rs.evaluate(rows(np.float32)).findings}
    assert {f.outcome for f in refused.values()} == {"error"}
