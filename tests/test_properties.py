"""Property tests: the invariants every rule set and every record must keep.

Run over every bundled rule set (rules/*.yaml) and every rule set embedded in
tests/conformance/*.yaml.  Profiles (tests/conftest.py): ``ci`` (default, 50 examples per test
and rule set) and ``long`` (2000): ``HYPOTHESIS_PROFILE=long pytest tests/test_properties.py``.

1. points ∈ [0, weight]; total ∈ [0, max]; coverage ∈ [0, 1].
2. a weighted_sum parent whose children's weights add up to its own is the exact sum of its
   scored children; the total is the sum of the top-level points when all were scored.
3. monotone where the scorer's direction says so (value = one numeric input).
4. deterministic: byte-identical JSON twice and with the rule set loaded again.
5. hostile records end in findings, never an exception; field errors are blamed on the field.
6. the grade is the first band whose min ≤ total (coverage and overrides permitting).
7. the findings document validates against schemas/findings-1.json.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import perfscore
from perfscore._yaml import load_yaml_file
from perfscore.compile import CheckNode, IndicatorNode
from perfscore.scorers import DeductScorer, ProportionalScorer, ThresholdScorer

from strategies import (
    NUMBER_TYPES,
    _scorer_constants,
    as_record,
    bad_cases,
    number_for,
    subject_records,
    subject_values,
)

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "rules"
CONFORMANCE_DIR = Path(__file__).resolve().parent / "conformance"
SCHEMA_PATH = ROOT / "src" / "perfscore" / "schemas" / "findings-1.json"
HEADER = 'perfscore: 1\nid: conformance\ntitle: t\nversion: "1"\n'
ZERO = Decimal(0)
ONE = Decimal(1)


# --- the rule sets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    ident: str
    path: Path | None = None
    text: str | None = None

    def load(self) -> perfscore.RuleSet:
        if self.path is not None:
            return perfscore.load_ruleset(self.path)
        assert self.text is not None
        text = self.text if "perfscore:" in self.text else HEADER + self.text
        return perfscore.load_ruleset_text(text)


def _sources() -> list[Source]:
    out = [Source(f"rules/{p.name}", path=p) for p in sorted(RULES_DIR.glob("*.yaml"))]
    for path in sorted(CONFORMANCE_DIR.glob("*.yaml")):
        for i, group in enumerate(load_yaml_file(path).data):
            out.append(Source(f"{path.stem}[{i}]", text=group["rules"]))
    return out


SOURCES = {s.ident: s for s in _sources()}


@functools.lru_cache(maxsize=None)
def ruleset(ident: str) -> perfscore.RuleSet:
    return SOURCES[ident].load()


@functools.lru_cache(maxsize=None)
def ruleset_again(ident: str) -> perfscore.RuleSet:
    """The same rule set loaded a second time (a separate object graph)."""
    return SOURCES[ident].load()


@functools.lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _walk(nodes: list[IndicatorNode]) -> Iterator[IndicatorNode]:
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _leaves(rs: perfscore.RuleSet) -> list[IndicatorNode]:
    return [n for n in _walk(rs.compiled.indicators) if n.is_leaf]


def _names(*exprs: Any) -> set[str]:
    return {n for e in exprs if e is not None for n in e.names}


@functools.lru_cache(maxsize=None)
def input_deps(ident: str) -> dict[str, frozenset[str]]:
    """rule id → the input fields it reads, through metrics, from every expression it holds
    (value, when, scorer targets/items/tier/ratio, check sides)."""
    c = ruleset(ident).compiled
    metric: dict[str, frozenset[str]] = {}

    def expand(names: set[str]) -> frozenset[str]:
        out: set[str] = set()
        for n in names:
            if n in c.inputs:
                out.add(n)
            elif n in metric:
                out |= metric[n]
        return frozenset(out)

    for _ in range(len(c.metrics) + 1):  # fixpoint, whatever the order
        for mt in c.metrics:
            metric[mt.name] = expand(set(mt.expr.names))
    deps: dict[str, frozenset[str]] = {}
    for node in _leaves(ruleset(ident)):
        s = node.scorer
        names = _names(node.value, node.when, *getattr(s, "expressions", ()),
                       *getattr(s, "optional_expressions", ()))
        deps[node.id] = expand(names | set(node.reads) | set(node.optional_reads))
    for chk in c.checks:
        names = _names(chk.left, chk.right, chk.expr, chk.when) | ({chk.require} if chk.require else set())
        deps[chk.id] = expand(names | set(chk.reads))
    return deps


def when_deps(ident: str, node: IndicatorNode) -> frozenset[str]:
    """The input fields an indicator's ``when`` condition reads."""
    names = set(node.when.names) if node.when is not None else set()
    return frozenset(f for n in names for f in _metric_inputs(ident, n))


def _metric_inputs(ident: str, name: str) -> frozenset[str]:
    c = ruleset(ident).compiled
    by_name = {mt.name: mt for mt in c.metrics}
    seen: set[str] = set()
    stack = [name]
    out: set[str] = set()
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in c.inputs:
            out.add(n)
        elif n in by_name:
            stack.extend(by_name[n].expr.names)
    return frozenset(out)


def evaluate(rs: perfscore.RuleSet, record: Any) -> perfscore.Report:
    """``rs.evaluate`` for one record; a non-mapping record is passed as a batch of one (a bare
    list or string would otherwise be read as a batch of its items)."""
    return rs.evaluate(record if isinstance(record, dict) else [record])


ALL = sorted(SOURCES)


# --- 1. bounds ----------------------------------------------------------------------------------


def assert_bounds(result: perfscore.SubjectResult) -> None:
    for s in result.scores:
        assert ZERO <= s.coverage <= ONE, f"{s.rule_id}: coverage {s.coverage}"
        if s.points is not None and s.weight is not None:
            assert ZERO <= s.points <= s.weight, f"{s.rule_id}: {s.points} points of {s.weight}"
        if s.points is not None:
            assert s.points.is_finite() and s.points >= 0, f"{s.rule_id}: {s.points}"
    for f in result.findings:
        if f.points is not None and f.weight is not None:
            assert ZERO <= f.points <= f.weight, f"{f.rule_id}: {f.points} points of {f.weight}"
    assert ZERO <= result.coverage <= ONE, f"coverage {result.coverage}"
    if result.total is not None:
        assert ZERO <= result.total <= result.max, f"total {result.total} of {result.max}"


@pytest.mark.parametrize("ident", ALL)
@given(data=st.data())
def test_points_total_and_coverage_within_bounds(ident: str, data: st.DataObject) -> None:
    rs = ruleset(ident)
    record = data.draw(subject_records(rs), label="record")
    assert_bounds(rs.evaluate(record).subjects[0])


# --- 2. parent = aggregate of children ----------------------------------------------------------


def _summing_groups(rs: perfscore.RuleSet) -> list[IndicatorNode]:
    return [
        n for n in _walk(rs.compiled.indicators)
        if n.children and n.aggregate_name == "weighted_sum" and n.weight is not None
        and sum((c.weight or ZERO for c in n.children), ZERO) == n.weight
        and all(c.yields == "points" for c in n.children)
    ]


AGG = [i for i in ALL if _summing_groups(ruleset(i))
       or all(n.yields == "points" for n in ruleset(i).compiled.indicators)]


@pytest.mark.parametrize("ident", AGG)
@given(data=st.data())
def test_parent_is_the_sum_of_its_children(ident: str, data: st.DataObject) -> None:
    rs = ruleset(ident)
    record = data.draw(subject_records(rs), label="record")
    result = rs.evaluate(record).subjects[0]
    scores = {s.rule_id: s for s in result.scores}
    scored = ("pass", "fail")
    for g in _summing_groups(rs):
        kids = [scores[c.id] for c in g.children]
        if all(k.outcome in scored and k.points is not None for k in kids):
            parent = scores[g.id]
            assert parent.outcome in scored, f"{g.id}: {parent.outcome} though every child was scored"
            want = sum((k.points for k in kids), ZERO)  # type: ignore[misc]
            assert parent.points == want, f"{g.id}: {parent.points} != Σ children {want}"
    top = [scores[n.id] for n in rs.compiled.indicators]
    if top and all(n.yields == "points" for n in rs.compiled.indicators) and all(
        t.outcome in scored and t.points is not None for t in top
    ):
        want = sum((t.points for t in top), ZERO)  # type: ignore[misc]
        assert result.total == want, f"total {result.total} != Σ top-level {want}"


# --- 3. monotone ----------------------------------------------------------------------------------


def _direction(node: IndicatorNode) -> str | None:
    if node.monotone is not None:
        return "up" if node.monotone == "increasing" else "down"
    s = node.scorer
    if isinstance(s, ThresholdScorer):
        full = s.points_met if s.points_met is not None else node.weight
        if full is None or full < s.points_otherwise:
            return None
        return {">=": "up", ">": "up", "<=": "down", "<": "down"}.get(s.op)
    if isinstance(s, ProportionalScorer):
        return {"higher": "up", "lower": "down"}.get(s.direction)
    if isinstance(s, DeductScorer):
        return {"below": "up", "above": "down"}.get(s.direction)
    return None


def _monotone_candidates(ident: str) -> list[tuple[str, str, str]]:
    rs = ruleset(ident)
    out = []
    for node in _leaves(rs):
        if node.value is None or node.weight is None:
            continue
        name = node.value.text.strip()
        spec = rs.inputs.get(name)
        if spec is None or spec.type not in NUMBER_TYPES:
            continue
        direction = _direction(node)
        if direction is None:
            continue
        other = _names(node.when, *getattr(node.scorer, "expressions", ()))
        if name in other or any(name in _metric_inputs(ident, n) for n in other):
            continue  # the target or the condition moves with the value
        out.append((node.id, name, direction))
    return out


MONO = [(i, c) for i in ALL for c in _monotone_candidates(i)]


@pytest.mark.parametrize(("ident", "candidate"), MONO, ids=[f"{i}:{c[0]}" for i, c in MONO])
@given(data=st.data())
def test_monotone_in_the_declared_direction(ident: str, candidate: tuple[str, str, str],
                                            data: st.DataObject) -> None:
    rs = ruleset(ident)
    rule_id, name, direction = candidate
    spec = rs.inputs[name]
    values = data.draw(subject_values(rs), label="values")
    numbers = number_for(spec, _scorer_constants(rs))
    a, b = sorted((data.draw(numbers, label="a"), data.draw(numbers, label="b")))
    low = rs.evaluate(as_record({**values, name: a})).subjects[0].score(rule_id)
    high = rs.evaluate(as_record({**values, name: b})).subjects[0].score(rule_id)
    if low.points is None or high.points is None:
        return
    if direction == "up":
        assert high.points >= low.points, f"{rule_id}: {name}={a} → {low.points}, {name}={b} → {high.points}"
    else:
        assert low.points >= high.points, f"{rule_id}: {name}={a} → {low.points}, {name}={b} → {high.points}"


# --- 4. deterministic ---------------------------------------------------------------------------


@pytest.mark.parametrize("ident", ALL)
@given(data=st.data())
def test_output_is_deterministic(ident: str, data: st.DataObject) -> None:
    rs = ruleset(ident)
    records = data.draw(st.lists(subject_records(rs), min_size=1, max_size=2), label="records")
    batch = records[0] if len(records) == 1 else records
    first = rs.evaluate(batch).to_json()
    assert rs.evaluate(batch).to_json() == first
    assert ruleset_again(ident).evaluate(batch).to_json() == first
    assert rs.evaluate(batch).to_json(indent=None) == ruleset_again(ident).evaluate(batch).to_json(indent=None)


# --- 5. hostile records end in findings -----------------------------------------------------------


@pytest.mark.parametrize("ident", ALL)
@given(data=st.data())
def test_bad_records_end_in_findings(ident: str, data: st.DataObject) -> None:
    rs = ruleset(ident)
    case = data.draw(bad_cases(rs), label="case")
    report = evaluate(rs, case.record)  # must not raise
    text = report.to_json()  # must not raise
    validator().validate(json.loads(text, parse_float=Decimal))
    [result] = report.subjects
    assert_bounds(result)

    deps = input_deps(ident)
    leaves = _leaves(rs)
    expected_ids = [n.id for n in leaves] + [c.id for c in rs.compiled.checks]
    assert [f.rule_id for f in result.findings] == expected_ids, "one finding per leaf indicator and check"

    for f in result.findings:
        assert set(f.fields) <= deps[f.rule_id], f"{f.rule_id} blames {f.fields}, reads {sorted(deps[f.rule_id])}"

    if not case.is_mapping:
        for f in result.findings:
            if deps[f.rule_id]:
                assert f.outcome == "error", f"{f.rule_id}: {f.outcome} for a non-mapping record"
                assert f.fields, f"{f.rule_id}: error names no field"
        assert not result.complete or not any(deps.values())
        return

    invalid = case.invalid_fields(rs)
    changed = case.changed
    nodes: dict[str, IndicatorNode | CheckNode] = {n.id: n for n in leaves}
    nodes.update({c.id: c for c in rs.compiled.checks})
    for f in result.findings:
        reads = deps[f.rule_id]
        if not reads & invalid:
            continue
        node = nodes[f.rule_id]
        if isinstance(node, IndicatorNode) and node.when is not None and not (when_deps(ident, node) & invalid):
            # the condition is readable: it may say the indicator does not apply
            assert f.outcome in ("error", "not_applicable"), (
                f"{f.rule_id} reads invalid {sorted(reads & invalid)} but is {f.outcome} ({f.reason})")
            continue
        assert f.outcome == "error", (
            f"{f.rule_id} reads invalid {sorted(reads & invalid)} but is {f.outcome} ({f.reason}); "
            f"values: {case.record}")
        assert set(f.fields) & invalid, f"{f.rule_id}: error names {f.fields}, not one of {sorted(invalid)}"
    if any(deps[f.rule_id] & invalid for f in result.findings):
        assert not result.complete

    # locality: what reads nothing that was changed is scored exactly as with the clean record
    clean = rs.evaluate(as_record(case.clean)).subjects[0]
    for f, g in zip(result.findings, clean.findings):
        if deps[f.rule_id] & changed:
            continue
        assert (f.outcome, f.points, f.grade) == (g.outcome, g.points, g.grade), (
            f"{f.rule_id} reads none of the changed fields {sorted(changed)} but went "
            f"{g.outcome}/{g.points} → {f.outcome}/{f.points}")

    # unknown fields are reported, not scored
    values = case.record["values"] if "values" in case.record else case.record
    unknown = [str(k) for k in values if k not in rs.inputs and k not in ("id", "name", "type")]
    notes = " ".join(n.message for n in result.notifications if n.code == "unknown-field")
    for k in unknown:
        assert repr(k) in notes, f"unknown field {k!r} not reported"


# --- 6. grade consistent with total -------------------------------------------------------------


GRADED = [i for i in ALL if ruleset(i).compiled.grade_bands]


@pytest.mark.parametrize("ident", GRADED)
@given(data=st.data())
def test_grade_is_the_first_band_reached(ident: str, data: st.DataObject) -> None:
    rs = ruleset(ident)
    c = rs.compiled
    result = rs.evaluate(data.draw(subject_records(rs), label="record")).subjects[0]
    if result.total is None:
        assert result.grade is None
        return
    if c.min_coverage is not None and result.coverage < c.min_coverage:
        assert result.grade is None, f"graded {result.grade} at coverage {result.coverage}"
        return
    band = next((b for b in c.grade_bands if b.min <= result.total), None)
    expected = None if band is None else band.id
    override_grades = {o.grade for o in c.overrides}
    if result.grade != expected:
        assert result.grade in override_grades, (
            f"total {result.total} → {result.grade}, expected {expected}")
        assert result.grade_reason, "an override fired without a reason"
    elif band is not None and result.grade not in override_grades:
        assert result.grade_label == band.label


# --- 7. the findings document validates against the schema --------------------------------------


@pytest.mark.parametrize("ident", ALL)
@given(data=st.data())
def test_json_validates_against_the_schema(ident: str, data: st.DataObject) -> None:
    rs = ruleset(ident)
    records = data.draw(st.lists(subject_records(rs), min_size=1, max_size=2), label="records")
    doc = json.loads(rs.evaluate(records if len(records) > 1 else records[0]).to_json(), parse_float=Decimal)
    validator().validate(doc)
