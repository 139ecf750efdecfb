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
from hypothesis import example, given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import perfscore
from perfscore._yaml import load_yaml_file
from perfscore.compile import CheckNode, IndicatorNode
from perfscore.scorers import DeductScorer, ProportionalScorer, ThresholdScorer

from strategies import (
    BadCase,
    NUMBER_TYPES,
    as_record,
    bad_cases,
    number_for,
    scorer_constants,
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


def run(ident: str, strategy: st.SearchStrategy[Any], check: Any, examples: Any = ()) -> None:
    """Run ``check(x)`` for ``x`` drawn from ``strategy`` (a strategy built from the parametrized
    rule set, so hypothesis' ``@example`` can pin known failing inputs first)."""

    def inner(x: Any) -> None:
        check(x)

    for e in examples:
        inner = example(x=e)(inner)
    inner._hypothesis_internal_add_digest = ident.encode()  # type: ignore[attr-defined]
    given(x=strategy)(inner)()


ALL = sorted(SOURCES)


# --- 1. bounds ----------------------------------------------------------------------------------


def assert_bounds(result: perfscore.SubjectResult) -> None:
    for s in result.scores:
        assert ZERO <= s.coverage <= ONE, f"{s.rule_id}: coverage {s.coverage}"
        if s.points is not None:
            assert s.points.is_finite() and s.points >= 0, f"{s.rule_id}: {s.points} points"
            if s.weight is not None:
                assert s.points <= s.weight, f"{s.rule_id}: {s.points} points of {s.weight}"
    for f in result.findings:
        if f.points is not None and f.weight is not None:
            assert ZERO <= f.points <= f.weight, f"{f.rule_id}: {f.points} points of {f.weight}"
    assert ZERO <= result.coverage <= ONE, f"coverage {result.coverage}"
    if result.total is not None:
        assert ZERO <= result.total <= result.max, f"total {result.total} of {result.max}"


@pytest.mark.parametrize("ident", ALL)
def test_points_total_and_coverage_within_bounds(ident: str) -> None:
    rs = ruleset(ident)
    run(ident, subject_records(rs), lambda record: assert_bounds(rs.evaluate(record).subjects[0]))


# --- 2. parent = aggregate of children ----------------------------------------------------------


def _summing_groups(rs: perfscore.RuleSet) -> list[IndicatorNode]:
    """weighted_sum groups whose children's weights add up to the group's own weight."""
    return [
        n for n in _walk(rs.compiled.indicators)
        if n.children and n.aggregate_name == "weighted_sum" and n.weight is not None
        and all(c.yields == "points" for c in n.children)
        and sum((c.weight or ZERO for c in n.children), ZERO) == n.weight
    ]


def _all_points(rs: perfscore.RuleSet) -> bool:
    return bool(rs.compiled.indicators) and all(n.yields == "points" for n in rs.compiled.indicators)


AGG = [i for i in ALL if _summing_groups(ruleset(i)) or _all_points(ruleset(i))]


def check_sums(rs: perfscore.RuleSet, record: Any) -> None:
    result = rs.evaluate(record).subjects[0]
    scores = {s.rule_id: s for s in result.scores}
    scored = ("pass", "fail")
    for g in _summing_groups(rs):
        kids = [scores[c.id] for c in g.children]
        if all(k.outcome in scored and k.points is not None for k in kids):
            parent = scores[g.id]
            assert parent.outcome in scored, f"{g.id}: {parent.outcome} though every child was scored"
            want = sum((k.points for k in kids if k.points is not None), ZERO)
            assert parent.points == want, f"{g.id}: {parent.points} != Σ children {want}"
    top = [scores[n.id] for n in rs.compiled.indicators]
    if _all_points(rs) and all(t.outcome in scored and t.points is not None for t in top):
        want = sum((t.points for t in top if t.points is not None), ZERO)
        assert result.total == want, f"total {result.total} != Σ top-level {want}"
        assert result.max == sum((n.weight or ZERO for n in rs.compiled.indicators), ZERO)


@pytest.mark.parametrize("ident", AGG)
def test_parent_is_the_sum_of_its_children(ident: str) -> None:
    rs = ruleset(ident)
    run(ident, subject_records(rs), lambda record: check_sums(rs, record))


# --- 3. monotone ----------------------------------------------------------------------------------


def _direction(node: IndicatorNode) -> str | None:
    """up: a higher value never earns fewer points; down: a lower value never does."""
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
    """(leaf id, input, direction) for leaves whose value is one numeric input."""
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
        if any(name in _metric_inputs(ident, n) for n in other):
            continue  # the target or the condition moves with the value
        out.append((node.id, name, direction))
    return out


MONO = [(i, c) for i in ALL for c in _monotone_candidates(i)]


@st.composite
def _pairs(draw: st.DrawFn, rs: perfscore.RuleSet, name: str) -> tuple[dict[str, Any], Decimal, Decimal]:
    values = draw(subject_values(rs))
    numbers = number_for(rs.inputs[name], scorer_constants(rs))
    a, b = sorted((draw(numbers), draw(numbers)))
    return values, a, b


def check_monotone(rs: perfscore.RuleSet, rule_id: str, name: str, direction: str,
                   case: tuple[dict[str, Any], Decimal, Decimal]) -> None:
    values, a, b = case
    low = rs.evaluate(as_record({**values, name: a})).subjects[0].score(rule_id)
    high = rs.evaluate(as_record({**values, name: b})).subjects[0].score(rule_id)
    if low.points is None or high.points is None:
        return
    if direction == "up":
        assert high.points >= low.points, f"{rule_id}: {name}={a} → {low.points}, {name}={b} → {high.points}"
    else:
        assert low.points >= high.points, f"{rule_id}: {name}={a} → {low.points}, {name}={b} → {high.points}"


@pytest.mark.parametrize(("ident", "candidate"), MONO, ids=[f"{i}:{c[0]}" for i, c in MONO])
def test_monotone_in_the_declared_direction(ident: str, candidate: tuple[str, str, str]) -> None:
    rs = ruleset(ident)
    rule_id, name, direction = candidate
    run(f"{ident}:{rule_id}", _pairs(rs, name),
        lambda case: check_monotone(rs, rule_id, name, direction, case))


# --- 4. deterministic ---------------------------------------------------------------------------


def check_deterministic(ident: str, records: list[Any]) -> None:
    rs, again = ruleset(ident), ruleset_again(ident)
    batch = records[0] if len(records) == 1 else records
    first = rs.evaluate(batch).to_json()
    assert rs.evaluate(batch).to_json() == first, "same rules, same data, different JSON"
    assert again.evaluate(batch).to_json() == first, "the rule set loaded again gives different JSON"


@pytest.mark.parametrize("ident", ALL)
def test_output_is_deterministic(ident: str) -> None:
    rs = ruleset(ident)
    run(ident, st.lists(subject_records(rs), min_size=1, max_size=2),
        lambda records: check_deterministic(ident, records))


# --- 5. hostile records end in findings -----------------------------------------------------------


def check_bad(ident: str, case: BadCase) -> None:
    rs = ruleset(ident)
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
        assert set(f.fields) <= deps[f.rule_id], (
            f"{f.rule_id} blames {list(f.fields)} but reads {sorted(deps[f.rule_id])}")

    if not case.is_mapping:
        for f in result.findings:
            if deps[f.rule_id]:
                assert f.outcome == "error", f"{f.rule_id}: {f.outcome} for a non-mapping record"
                assert f.fields, f"{f.rule_id}: an error that names no field"
        assert not result.complete or not any(deps.values())
        return

    invalid = case.invalid_fields(rs)
    nodes: dict[str, IndicatorNode | CheckNode] = {n.id: n for n in leaves}
    nodes.update({c.id: c for c in rs.compiled.checks})
    for f in result.findings:
        reads = deps[f.rule_id]
        if not reads & invalid:
            continue
        node = nodes[f.rule_id]
        why = f"{f.rule_id} reads invalid {sorted(reads & invalid)} but is {f.outcome} ({f.reason})"
        if isinstance(node, IndicatorNode) and node.when is not None and not (when_deps(ident, node) & invalid):
            # the condition can be read, and may say that the indicator does not apply
            assert f.outcome in ("error", "not_applicable"), why
            continue
        assert f.outcome == "error", why
        assert set(f.fields) & invalid, f"{f.rule_id}: the error names {list(f.fields)}, none of {sorted(invalid)}"
    if any(deps[f.rule_id] & invalid for f in result.findings):
        assert not result.complete

    # locality: a rule that reads none of the changed fields is scored as with the clean record
    clean = rs.evaluate(as_record(case.clean)).subjects[0]
    for f, g in zip(result.findings, clean.findings):
        if not deps[f.rule_id] & case.changed:
            assert (f.outcome, f.points, f.grade) == (g.outcome, g.points, g.grade), (
                f"{f.rule_id} reads none of the changed fields {sorted(case.changed)} but went "
                f"{g.outcome}/{g.points} → {f.outcome}/{f.points}")

    # unknown fields are reported, not scored
    values = case.record["values"] if "values" in case.record else case.record
    notes = " ".join(n.message for n in result.notifications if n.code == "unknown-field")
    for k in values:
        if k not in rs.inputs and k not in ("id", "name", "type"):
            assert repr(str(k)) in notes, f"unknown field {k!r} is not reported"


def _case(changed: dict[str, Any], clean: dict[str, Any] | None = None) -> BadCase:
    clean = dict(clean or {})
    return BadCase({"id": "dept-1", "values": {**clean, **changed}}, clean, frozenset(changed), True)


HUGE = Decimal("1E+300")
BUG_HUGE = (
    "BUG: a valid but huge number (≥ 1e26 percentage points, or a ratio that large) crashes "
    "rs.evaluate with decimal.InvalidOperation in numbers.display → round_half_up (quantize "
    "beyond the 28-digit context) instead of ending in findings; one such record aborts the batch"
)
BUG_OPTIONAL_ERROR = (
    "BUG: a field error in a tier scorer's optional 'ratio' is dropped when the 'tier' field is "
    "missing: the indicator is not_applicable naming only 'tier' (evaluate.Evaluator._leaf checks "
    "node.reads before node.optional_reads, so 'missing' outranks 'error')"
)

#: known failing hostile records, replayed first (hypothesis @example) so the xfails are strict
BAD_EXAMPLES: dict[str, tuple[str, list[BadCase]]] = {
    "rules/cn-dept-overall.yaml": (BUG_HUGE, [_case({"satisfaction": HUGE}, {"budget": Decimal(100), "executed": Decimal(90)})]),
    "scorers[0]": (BUG_HUGE, [_case({"executed": HUGE}, {"budget": Decimal(1)})]),
    "scorers[2]": (BUG_HUGE, [_case({"rate": HUGE})]),
    "scorers[3]": (BUG_HUGE, [_case({"rate": HUGE})]),
    "scorers[4]": (BUG_HUGE, [_case({"control": HUGE})]),
    "checks_grades[0]": (BUG_HUGE, [_case({"reported": HUGE}, {"executed": Decimal(1), "budget": Decimal(1)})]),
    "policies[3]": (BUG_HUGE, [_case({"executed": HUGE}, {"budget": Decimal(1), "staff": Decimal(1)})]),
    "policies[5]": (BUG_HUGE, [_case({"area_rate": HUGE})]),
    "scorers[6]": (BUG_OPTIONAL_ERROR, [_case({"ratio": "NaN"})]),
}


def _bad_params() -> list[Any]:
    out = []
    for ident in ALL:
        if ident in BAD_EXAMPLES:
            out.append(pytest.param(ident, marks=pytest.mark.xfail(strict=True, reason=BAD_EXAMPLES[ident][0])))
        else:
            out.append(ident)
    return out


@pytest.mark.parametrize("ident", _bad_params())
def test_bad_records_end_in_findings(ident: str) -> None:
    rs = ruleset(ident)
    examples = BAD_EXAMPLES.get(ident, ("", []))[1]
    run(ident, bad_cases(rs), lambda case: check_bad(ident, case), examples)


# --- the bugs above, as minimal reproducers ------------------------------------------------------

MINI = 'perfscore: 1\nid: mini\ntitle: t\nversion: "1"\n'


@pytest.mark.xfail(strict=True, raises=ArithmeticError, reason=BUG_HUGE)
@pytest.mark.parametrize("raw", ["1e26", Decimal("1E+300"), 10**400])
def test_huge_percent_value_ends_in_a_finding(raw: Any) -> None:
    rs = perfscore.load_ruleset_text(MINI + """\
inputs: {rate: {type: percent}}
indicators:
  - {id: r, title: R, weight: 5, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
""")
    report = rs.evaluate({"rate": raw})  # decimal.InvalidOperation today
    assert report.findings[0].outcome == "pass"
    report.to_json()


@pytest.mark.xfail(strict=True, raises=ArithmeticError, reason=BUG_HUGE)
def test_long_number_ends_in_a_finding() -> None:
    """Same root cause without percent: 27 integer digits and a decimal cannot be shown
    to 2 places in the default 28-digit context."""
    rs = perfscore.load_ruleset_text(MINI + """\
inputs: {amount: {type: money, unit: 万元}}
indicators:
  - {id: a, title: A, weight: 5, value: amount, scorer: {type: threshold, op: ">=", target: 1}}
""")
    rs.evaluate({"amount": "123456789012345678901234567.5"}).to_json()


@pytest.mark.xfail(strict=True, reason=BUG_OPTIONAL_ERROR)
def test_optional_read_error_is_not_hidden_by_a_missing_field() -> None:
    rs = perfscore.load_ruleset_text(MINI + """\
inputs: {tier: {type: text}, ratio: {type: number}}
indicators:
  - id: q
    title: Q
    weight: 10
    scorer: {type: tier, tier: tier, ratio: ratio, tiers: [{id: a, range: "[0, 1]"}]}
""")
    [f] = rs.evaluate({"ratio": "abc"}).findings  # today: not_applicable, fields ('tier',)
    assert f.outcome == "error"
    assert "ratio" in f.fields


# --- 6. grade consistent with total -------------------------------------------------------------


GRADED = [i for i in ALL if ruleset(i).compiled.grade_bands]


def check_grade(rs: perfscore.RuleSet, record: Any) -> None:
    c = rs.compiled
    result = rs.evaluate(record).subjects[0]
    if result.total is None:
        assert result.grade is None, f"graded {result.grade} without a total"
        return
    if c.min_coverage is not None and result.coverage < c.min_coverage:
        assert result.grade is None, f"graded {result.grade} at coverage {result.coverage}"
        return
    band = next((b for b in c.grade_bands if b.min <= result.total), None)
    expected = None if band is None else band.id
    override_grades = {o.grade for o in c.overrides}
    if result.grade != expected:
        # only an override may say otherwise, and it says why
        assert result.grade in override_grades, f"total {result.total} → {result.grade}, expected {expected}"
        assert result.grade_reason, "an override fired without a reason"
    elif band is not None and result.grade not in override_grades:
        assert result.grade_label == band.label


@pytest.mark.parametrize("ident", GRADED)
def test_grade_is_the_first_band_reached(ident: str) -> None:
    rs = ruleset(ident)
    run(ident, subject_records(rs), lambda record: check_grade(rs, record))


# --- 7. the findings document validates against the schema --------------------------------------


def check_schema(rs: perfscore.RuleSet, record: Any) -> None:
    validator().validate(json.loads(rs.evaluate(record).to_json(), parse_float=Decimal))


@pytest.mark.parametrize("ident", ALL)
def test_json_validates_against_the_schema(ident: str) -> None:
    rs = ruleset(ident)
    run(ident, subject_records(rs), lambda record: check_schema(rs, record))
