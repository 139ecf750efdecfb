"""The properties, and running them with hypothesis."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ..compile import CheckNode, IndicatorNode
from ..errors import PerfscoreError
from ..findings import Report, SubjectResult
from ..ruleset import RuleSet
from .structure import (
    ONE,
    ZERO,
    _conditions,
    _leaves,
    _memo,
    _walk,
    rule_inputs,
)
from .values import (
    BadCase,
    MonotoneCase,
    _invalid_fields,
    _record_values,
    as_record,
    bad_cases,
    monotone_cases,
    monotone_indicators,
    subjects,
)

_SCORED = ("pass", "fail")
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
#: no 'explain' phase: its report names lines of the kit, not of the rule set
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]


# --- the properties --------------------------------------------------------------------------


def _evaluate(rs: RuleSet, record: Any) -> Report:
    """``rs.evaluate`` for ONE record: a non-mapping record is passed as a batch of one (a bare
    list or string would otherwise be read as a batch of its items)."""
    return rs.evaluate(record if isinstance(record, Mapping) else [record])


def _one(rs: RuleSet, record: Any) -> SubjectResult:
    return _evaluate(rs, record).subjects[0]


def _with_value(record: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    if isinstance(record.get("values"), Mapping):
        return {**record, "values": {**record["values"], name: value}}
    return {**record, name: value}


def _assert_bounds(result: SubjectResult) -> None:
    for s in result.scores:
        assert ZERO <= s.coverage <= ONE, f"{s.rule_id}: coverage {s.coverage} is not in [0, 1]"
        if s.points is not None:
            assert s.points.is_finite() and s.points >= 0, f"{s.rule_id}: {s.points} points"
            if s.weight is not None:
                assert s.points <= s.weight, (
                    f"{s.rule_id}: {s.points} points, more than its weight {s.weight}"
                )
    for f in result.findings:
        if f.points is not None and f.weight is not None:
            assert ZERO <= f.points <= f.weight, (
                f"{f.rule_id}: {f.points} points is not within [0, {f.weight}]"
            )
    assert ZERO <= result.coverage <= ONE, f"coverage {result.coverage} is not in [0, 1]"
    if result.total is not None:
        assert ZERO <= result.total <= result.max, (
            f"total {result.total} is not within [0, {result.max}]"
        )


def check_points_within_weights(rs: RuleSet, record: Any) -> None:
    """每项得分不超过权重: every indicator's points are within [0, weight], the total within
    [0, max] and every coverage within [0, 1]."""
    __tracebackhide__ = True
    _assert_bounds(_one(rs, record))


def _summing_groups(rs: RuleSet) -> list[IndicatorNode]:
    """weighted_sum groups whose children's weights add up to the group's own weight."""
    return [
        n
        for n in _walk(rs.compiled.indicators)
        if n.children
        and n.aggregate_name == "weighted_sum"
        and n.weight is not None
        and all(c.yields == "points" for c in n.children)
        and sum((c.weight or ZERO for c in n.children), ZERO) == n.weight
    ]


def _all_points(rs: RuleSet) -> bool:
    return bool(rs.compiled.indicators) and all(
        n.yields == "points" for n in rs.compiled.indicators
    )


def check_totals_add_up(rs: RuleSet, record: Any) -> None:
    """分项得分之和等于总分: a ``weighted_sum`` parent whose children's weights add up to its own
    is the exact sum of its children when all of them were scored; the total is the sum of the
    top-level points when all were scored, out of the sum of their weights."""
    __tracebackhide__ = True
    result = _one(rs, record)
    scores = {s.rule_id: s for s in result.scores}
    for g in _summing_groups(rs):
        kids = [scores[c.id] for c in g.children]
        if all(k.outcome in _SCORED and k.points is not None for k in kids):
            parent = scores[g.id]
            assert parent.outcome in _SCORED, (
                f"{g.id}: {parent.outcome} though every child was scored"
            )
            want = sum((k.points for k in kids if k.points is not None), ZERO)
            parts = " + ".join(f"{k.rule_id} {k.points}" for k in kids)
            assert parent.points == want, f"{g.id}: {parent.points} points, but {parts} = {want}"
    top = [scores[n.id] for n in rs.compiled.indicators]
    if _all_points(rs) and all(t.outcome in _SCORED and t.points is not None for t in top):
        want = sum((t.points for t in top if t.points is not None), ZERO)
        assert result.total == want, (
            f"total {result.total}, but the top-level points add up to {want}"
        )
        most = sum((n.weight or ZERO for n in rs.compiled.indicators), ZERO)
        assert result.max == most, f"max {result.max}, but the top-level weights add up to {most}"


def check_monotone(
    rs: RuleSet, record: Mapping[str, Any], indicator: str, low: Decimal, high: Decimal
) -> None:
    """单调性: scoring ``record`` with the indicator's input at ``low`` and at ``high``
    (``low ≤ high``), its points move in its direction (see :func:`monotone_indicators`)."""
    __tracebackhide__ = True
    ind = next((i for i in monotone_indicators(rs) if i.id == indicator), None)
    if ind is None:
        ids = ", ".join(i.id for i in monotone_indicators(rs)) or "none"
        raise ValueError(f"{indicator!r} has no direction to test (candidates: {ids})")
    if low > high:
        low, high = high, low
    a = _one(rs, _with_value(record, ind.field, low)).score(ind.id)
    b = _one(rs, _with_value(record, ind.field, high)).score(ind.id)
    if a.points is None or b.points is None:
        return
    worse = b.points < a.points if ind.direction == "increasing" else b.points > a.points
    pct = "%" if rs.inputs[ind.field].type == "percent" else ""
    assert not worse, (
        f"{ind.id} is {ind.direction} in {ind.field}, but {ind.field}={low}{pct} scores "
        f"{a.points} and {ind.field}={high}{pct} scores {b.points}"
    )


def _check_monotone_case(rs: RuleSet, case: MonotoneCase) -> None:
    __tracebackhide__ = True
    check_monotone(rs, case.record, case.indicator, case.low, case.high)


def check_grade_matches_total(rs: RuleSet, record: Any) -> None:
    """等级与总分一致: the grade is the first band whose ``min`` the total reaches — none without
    a total or below ``min_coverage``; only an override (with a reason) may say otherwise."""
    __tracebackhide__ = True
    c = rs.compiled
    result = _one(rs, record)
    if result.total is None:
        assert result.grade is None, f"graded {result.grade} without a total"
        return
    if c.min_coverage is not None and result.coverage < c.min_coverage:
        assert result.grade is None, (
            f"graded {result.grade} at coverage {result.coverage} (min_coverage {c.min_coverage})"
        )
        return
    band = next((b for b in c.grade_bands if b.min <= result.total), None)
    expected = None if band is None else band.id
    override_grades = {o.grade for o in c.overrides}
    if result.grade != expected:
        assert result.grade in override_grades, (
            f"total {result.total} is graded {result.grade}, expected {expected}"
        )
        assert result.grade_reason, f"an override graded {result.grade} without a reason"
    elif band is not None and result.grade not in override_grades:
        assert result.grade_label == band.label, (
            f"grade {result.grade} labelled {result.grade_label!r}, expected {band.label!r}"
        )


def _reloaded(rs: RuleSet) -> RuleSet:
    """The same rule set validated and compiled again (a separate object graph)."""

    def build() -> RuleSet:
        copy: RuleSet = pickle.loads(pickle.dumps(rs))
        return copy

    return _memo(rs, "reloaded", build)


def check_deterministic(rs: RuleSet, record: Any, *, again: RuleSet | None = None) -> None:
    """可复现: the same record (or list of records) gives byte-identical JSON twice, and with the
    rule set compiled again (``again``; default: ``rs`` re-loaded through pickle)."""
    __tracebackhide__ = True
    first = rs.evaluate(record).to_json()
    assert rs.evaluate(record).to_json() == first, "same rules, same data, different JSON"
    other = again if again is not None else _reloaded(rs)
    assert other.evaluate(record).to_json() == first, (
        "the rule set compiled again gives different JSON"
    )


def check_bad_data_never_raises(
    rs: RuleSet,
    record: Any,
    *,
    clean: Mapping[str, Any] | None = None,
    allow_perfscore_errors: bool = True,
) -> Report | None:
    """异常数据不崩溃: a hostile record is scored without an exception other than a
    :class:`~perfscore.PerfscoreError` (none at all with ``allow_perfscore_errors=False``), and:

    * the report serialises to JSON; points stay within their weights;
    * one finding per leaf indicator and per check; a rule that reads a field the data policy
      refuses (docs/data.md) is an ``error`` naming it, unless a condition around it decides
      first; an error names only fields the rule reads;
    * unknown fields are reported (``unknown-field``), not scored;
    * with ``clean`` (the valid values the record was derived from; a :class:`BadCase` carries
      them): a rule that reads none of the changed fields scores as with the clean values.

    ``record`` may also be a :class:`BadCase`.  Returns the report (None after an allowed
    PerfscoreError)."""
    __tracebackhide__ = True
    if isinstance(record, BadCase):
        clean = record.clean if clean is None else clean
        record = record.record
    try:
        report = _evaluate(rs, record)
        text = report.to_json()
    except PerfscoreError:
        if allow_perfscore_errors:
            return None
        raise
    except Exception as e:
        raise AssertionError(f"{type(e).__name__}: {e} (a crash, not a finding)") from e
    json.loads(text)
    [result] = report.subjects
    _assert_bounds(result)

    deps = rule_inputs(rs)
    leaves = _leaves(rs)
    expected_ids = [n.id for n in leaves] + [c.id for c in rs.compiled.checks]
    known = set(expected_ids)
    # a group has a finding only when its own rule failed (a lookup without a matching row)
    groups = [f for f in result.findings if f.rule_id not in known]
    assert all(f.outcome == "error" and f.reason for f in groups), (
        f"group findings {[(f.rule_id, f.outcome) for f in groups]}: only errors, with a reason"
    )
    rule_findings = [f for f in result.findings if f.rule_id in known]
    got_ids = [f.rule_id for f in rule_findings]
    assert got_ids == expected_ids, f"findings for {got_ids}, expected one per rule {expected_ids}"
    for f in rule_findings:
        assert set(f.fields) <= deps[f.rule_id], (
            f"{f.rule_id} blames {list(f.fields)} but reads {sorted(deps[f.rule_id])}"
        )
    assert result.complete == all(f.outcome != "error" for f in result.findings), (
        f"complete={result.complete} does not match the error findings"
    )

    values = _record_values(record)
    if values is None:
        for f in rule_findings:
            if deps[f.rule_id]:
                assert f.outcome == "error", f"{f.rule_id}: {f.outcome} for a non-mapping record"
                assert f.fields, f"{f.rule_id}: an error that names no field"
        return report

    invalid = _invalid_fields(rs, record)
    nodes: dict[str, IndicatorNode | CheckNode] = {n.id: n for n in leaves}
    nodes.update({c.id: c for c in rs.compiled.checks})
    conds = _conditions(rs)
    for f in rule_findings:
        bad = deps[f.rule_id] & invalid
        if not bad:
            continue
        why = f"{f.rule_id} reads invalid {sorted(bad)} but is {f.outcome} ({f.reason})"
        around = conds.get(f.rule_id, ()) if isinstance(nodes[f.rule_id], IndicatorNode) else ()
        if next((i for i, c in enumerate(around) if c & invalid), len(around)) > 0:
            # an outer condition can be read first, and may say the indicator does not apply
            assert f.outcome in ("error", "not_applicable"), why
            continue
        assert f.outcome == "error", why
        assert set(f.fields) & invalid, (
            f"{f.rule_id}: the error names {list(f.fields)}, none of {sorted(invalid)}"
        )

    if clean is not None:
        changed = {
            n
            for n in rs.inputs
            if (n in values) != (n in clean) or _differs(values.get(n), clean.get(n))
        }
        base = _one(rs, as_record(clean))
        theirs = [g for g in base.findings if g.rule_id in known]
        for f, g in zip(rule_findings, theirs, strict=True):
            if not deps[f.rule_id] & changed:
                assert (f.outcome, f.points, f.grade) == (g.outcome, g.points, g.grade), (
                    f"{f.rule_id} reads none of the changed fields {sorted(changed)} but went "
                    f"{g.outcome}/{g.points} → {f.outcome}/{f.points}"
                )

    notes = " ".join(n.message for n in result.notifications if n.code == "unknown-field")
    for k in values:
        if k not in rs.inputs and k not in ("id", "name", "type"):
            assert repr(str(k)) in notes, f"unknown field {k!r} is not reported"
    return report


def _differs(a: Any, b: Any) -> bool:
    try:
        return bool(type(a) is not type(b) or a != b)
    except Exception:  # a hostile value that cannot even be compared
        return True


# --- running them with hypothesis ------------------------------------------------------------


def _register_profiles() -> None:
    """``HYPOTHESIS_PROFILE=ci`` (50 examples) and ``long`` (2000), unless already registered."""
    for name, n in (("ci", 50), ("long", 2000)):
        try:
            settings.get_profile(name)
        except InvalidArgument:
            settings.register_profile(
                name, max_examples=n, deadline=None, suppress_health_check=_HEALTH, phases=_PHASES
            )


_register_profiles()


def _settings(max_examples: int | None, share: float = 1.0) -> settings:
    name = os.environ.get("HYPOTHESIS_PROFILE")
    base = settings.get_profile(name) if name else settings.default
    assert base is not None
    n = max_examples if max_examples is not None else base.max_examples
    return settings(
        base,
        max_examples=max(10, int(n * share)),
        deadline=None,
        suppress_health_check=_HEALTH,
        phases=_PHASES,
    )


def _run(
    name: str,
    rs: RuleSet,
    strategy: st.SearchStrategy[Any],
    check: Callable[[RuleSet, Any], object],
    conf: settings,
    arg: str = "record",
) -> Callable[[], None]:
    """``check`` over ``strategy`` as a hypothesis test named ``name`` (its failing example is
    reported as ``name(arg=...)``)."""

    def with_record(record: Any) -> None:
        __tracebackhide__ = True
        check(rs, record)

    def with_case(case: Any) -> None:
        __tracebackhide__ = True
        check(rs, case)

    def with_records(records: Any) -> None:
        __tracebackhide__ = True
        check(rs, records)

    test = {"record": with_record, "case": with_case, "records": with_records}[arg]
    test.__name__ = test.__qualname__ = name
    # one hypothesis database entry per rule set and property
    test._hypothesis_internal_add_digest = f"{rs.sha256}:{name}".encode()  # type: ignore[attr-defined]
    run: Callable[[], None] = conf(given(**{arg: strategy})(test))
    return run


def property_tests(
    rs: RuleSet, *, max_examples: int | None = None
) -> dict[str, Callable[[], None]]:
    """The properties that apply to ``rs``, as test callables (no arguments) driven by
    hypothesis: ``points_within_weights``, ``totals_add_up`` (if a parent sums its children),
    ``monotone`` (if an indicator has a direction), ``grade_matches_total`` (if the rule set
    grades), ``deterministic`` and ``bad_data_never_raises``.

    ``max_examples``: examples per property; default the active hypothesis profile's
    (``HYPOTHESIS_PROFILE=long`` gives 2000; ``deterministic`` runs half as many)."""
    conf = _settings(max_examples)
    out: dict[str, Callable[[], None]] = {
        "points_within_weights": _run(
            "points_within_weights", rs, subjects(rs), check_points_within_weights, conf
        ),
    }
    if _summing_groups(rs) or _all_points(rs):
        out["totals_add_up"] = _run("totals_add_up", rs, subjects(rs), check_totals_add_up, conf)
    if monotone_indicators(rs):
        out["monotone"] = _run(
            "monotone", rs, monotone_cases(rs), _check_monotone_case, conf, "case"
        )
    if rs.compiled.grade_bands:
        out["grade_matches_total"] = _run(
            "grade_matches_total", rs, subjects(rs), check_grade_matches_total, conf
        )
    out["deterministic"] = _run(
        "deterministic",
        rs,
        st.lists(subjects(rs), min_size=1, max_size=2),
        check_deterministic,
        _settings(max_examples, 0.5),
        "records",
    )
    out["bad_data_never_raises"] = _run(
        "bad_data_never_raises", rs, bad_cases(rs), check_bad_data_never_raises, conf, "case"
    )
    return out


def assert_rule_set_properties(rs: RuleSet, *, max_examples: int | None = None) -> list[str]:
    """Run every property that applies to ``rs`` (see :func:`property_tests`) with hypothesis;
    the first that fails raises its ``AssertionError`` with the minimal failing record.
    Returns the names of the properties run."""
    tests = property_tests(rs, max_examples=max_examples)
    for run in tests.values():
        run()
    return list(tests)
