"""The findings document: schema-valid, deterministic, stable fingerprints, outcome vs severity."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

import perfscore

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "cn-dept-overall.yaml"
DATA = ROOT / "examples" / "liwan-npc-office-2023.yaml"


def schema() -> dict:
    text = (
        resources.files("perfscore").joinpath("schemas/findings-1.json").read_text(encoding="utf-8")
    )
    return json.loads(text)


def test_schema_is_valid_and_liwan_output_conforms() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    doc = json.loads(
        perfscore.load_ruleset(RULES).evaluate(perfscore.load_subjects(DATA)).to_json()
    )
    jsonschema.Draft202012Validator(schema()).validate(doc)
    assert doc["run"]["ruleset"]["id"] == "cn_dept_overall"
    assert doc["run"]["inputs"][0]["uri"].endswith("liwan-npc-office-2023.yaml")
    assert len(doc["findings"]) == 13 + 5
    # parents come before their children in rule metadata
    ids = [r["id"] for r in doc["rules"]]
    assert ids.index("process") < ids.index("budget_execution") < ids.index("execution_rate_score")


def test_schema_rejects_a_broken_document() -> None:
    doc = json.loads(
        perfscore.load_ruleset(RULES).evaluate(perfscore.load_subjects(DATA)).to_json()
    )
    doc["findings"][0]["outcome"] = "maybe"
    errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(doc))
    assert errors


def test_numbers_are_exact_decimal_text_and_chinese_is_unescaped() -> None:
    text = perfscore.load_ruleset(RULES).evaluate(perfscore.load_subjects(DATA)).to_json()
    assert '"value": 3415.62' in text  # not 3415.6199999999
    assert "预算执行率" in text and "\\u" not in text
    doc = json.loads(text, parse_float=Decimal)
    rate = next(f for f in doc["findings"] if f["rule_id"] == "execution_rate_score")
    assert rate["measurement"]["value"] == Decimal("0.9943522891")  # 3415.62 / 3435.02, 10 places


HEADER = 'perfscore: 1\nid: fp\ntitle: t\nversion: "1"\n'
RS = HEADER + (
    "inputs: {a: {type: number}}\n"
    "indicators:\n"
    "  - {id: x, title: X, weight: 10, value: a, severity: error, scorer: {type: threshold, op: '>=', target: 1}}\n"
)


def test_fingerprint_depends_on_identity_not_on_values() -> None:
    rs = perfscore.load_ruleset_text(RS)
    f1 = rs.evaluate({"id": "d1", "values": {"a": 0}}).findings[0]
    f2 = rs.evaluate({"id": "d1", "values": {"a": 5}}).findings[0]
    f3 = rs.evaluate({"id": "d2", "values": {"a": 0}}).findings[0]
    assert f1.fingerprint == f2.fingerprint != f3.fingerprint
    assert f1.outcome == "fail" and f1.severity == "error"
    assert f2.outcome == "pass" and f2.severity == "none"


def test_batch_report_and_single_subject_accessors() -> None:
    rs = perfscore.load_ruleset_text(RS)
    report = rs.evaluate([{"id": "d1", "values": {"a": 0}}, {"id": "d2", "values": {"a": 2}}])
    assert [s.total for s in report.subjects] == [Decimal(0), Decimal(10)]
    assert report["d2"].total == Decimal(10)
    try:
        _ = report.total
    except perfscore.PerfscoreError as e:
        assert "2 subjects" in str(e)
    else:  # pragma: no cover
        raise AssertionError("report.total on a batch must refuse")
    doc = json.loads(report.to_json())
    assert doc["summary"] == {
        "subjects": 2,
        "evaluated": 2,
        "pass": 1,
        "fail": 1,
        "not_applicable": 0,
        "error": 0,
        "by_severity": {"error": 1, "warning": 0, "note": 0},
        "ranked": 2,
        "not_ranked": [],
    }


def test_findings_point_at_the_report_sentence_their_figures_came_from() -> None:
    from perfscore.extract import subjects_from_reports

    sample = ROOT / "examples" / "reports" / "sample-dept-2023.txt"
    subjects = subjects_from_reports([str(sample)], "cn-dept-self-eval")
    report = perfscore.load_ruleset(RULES).evaluate(subjects)
    doc = json.loads(report.to_json())
    jsonschema.Draft202012Validator(schema()).validate(doc)
    f = next(x for x in doc["findings"] if x["rule_id"] == "execution_rate_score")
    report_locs = {loc["pointer"]: loc for loc in f["locations"] if loc["role"] == "report"}
    assert set(report_locs) == {"/values/budget", "/values/executed"}
    text = sample.read_text(encoding="utf-8").splitlines()
    budget = report_locs["/values/budget"]
    assert "预算" in text[budget["line"] - 1]


# --- the deterministic encoder (fast paths) against the standard library -----------------------

from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from perfscore.findings import dumps  # noqa: E402

_json_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_json_doc = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


def _stdlib_like(text: str) -> str:
    """dumps escapes C1 controls and U+2028/2029 (JSON Lines stay one line): so does this."""
    return re.sub("[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text)


@given(_json_doc)
@example({"\x7f": "a\x7f"})  # DEL in an all-ASCII key and value (was written raw)
def test_dumps_matches_stdlib_json_for_plain_values(doc: object) -> None:
    assert dumps(doc, indent=None) == _stdlib_like(
        json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    )
    assert dumps(doc, indent=2) == _stdlib_like(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    )


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_dumps_decimal_text_is_value_only(x: Decimal) -> None:
    # the memoised text must not depend on which equal Decimal was cached first
    plain = format(x, "f")
    same = Decimal(plain + ("0" if "." in plain else ".0"))  # equal value, other exponent
    doc = {"a": x, "b": [same, x]}
    text = dumps(doc, indent=None)
    back = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    assert back["a"] == x and back["b"] == [x, x]
    assert text.count(dumps(x, indent=None).strip()) >= 3


def test_dumps_refuses_non_finite_decimal_even_after_caching() -> None:
    import pytest

    dumps({"x": Decimal("1.5")}, indent=None)
    for bad in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(ValueError):
            dumps({"x": bad}, indent=None)


@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 1_000])
@pytest.mark.parametrize("size", [7, 1 << 16])
def test_spooled_items_write_the_list_dumps_writes(n: int, size: int) -> None:
    """The JSON Lines summary's ``not_ranked`` past its first 100 entries is kept as text in
    a temporary file: written back (in pieces of ``size`` bytes, cut inside items), the line
    is the one ``dumps`` writes of the whole list; memory holds the first 100 only."""
    from perfscore.findings.jsontext import SpooledItems, dumps, write_document

    items = [
        {"subject": f"部门-{i}", "reason": "无总分", "reason_en": "no total"} for i in range(n)
    ]
    doc = {"record": "summary", "ranked": 3, "not_ranked": items}
    spool = SpooledItems(head=100)
    spool.extend(items)
    assert len(spool) == n and spool.items == items[:100] and spool.spilled == (n > 100)
    out = io.BytesIO()
    write_document(
        out, {**doc, "not_ranked": spool.items}, {"not_ranked": spool.pieces(size)}, indent=None
    )
    assert out.getvalue().decode("utf-8") == dumps(doc, indent=None)
    spool.close()
