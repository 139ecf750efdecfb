"""The subject's scan (perfscore.evaluate.state.Scan): a rate ``x / y`` whose ``y`` has been a
zero is looked at first (its code raises, an exception costs microseconds, and zero
denominators are common in real returns) — the same failure, scope and messages as running it.  And the kind of
what stops an expression or a leaf, asked without making the failure (the points path)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.errors import ZeroDenominatorError
from perfscore.evaluate.leaves import stop_kind, stopping
from perfscore.evaluate.state import PRIORITY, Failure, Scan, blocking, blocking_kind
from test_pointsonly import MESSY, _data, messy_records

MESSY_RS = perfscore.load_ruleset_text(MESSY)
RATES = perfscore.load_ruleset_text(
    """perfscore: 1
id: rates
title: 比率
version: "1"
inputs:
  a: {type: number}
  b: {type: number}
metrics:
  plain: {expr: 'a / b'}
  same: {expr: 'a / a'}
  scaled: {expr: 'a / b * 100'}
  twice: {expr: 'a / b / 3'}
  of_rate: {expr: 'plain / b'}
  by_rate: {expr: 'a / plain'}
  sum: {expr: 'a + b'}
indicators:
  - {id: t, title: T, weight: 1, value: plain, scorer: {type: threshold, op: '>=', target: 1}}
"""
)


def _expr(rs: perfscore.RuleSet, name: str) -> Any:
    return next(mt.expr for mt in rs.compiled.metrics if mt.name == name)


def test_a_plain_quotient_is_known_as_one() -> None:
    assert _expr(RATES, "plain").quotient == ("a", "b")
    assert _expr(RATES, "same").quotient == ("a", "a")
    # more than one division, none, or a read of a rounded metric (its guard decides)
    for name in ("scaled", "twice", "sum", "by_rate"):
        assert _expr(RATES, name).quotient is None
    asked = {m[0]: m[6] for m in Scan(RATES.compiled, {}).metrics}
    assert asked["plain"] == ("a", "b") and asked["by_rate"] is None


_ZEROS = st.sampled_from([Decimal(x) for x in ("0", "-0", "0.00", "0E+5", "-0E-30")])
_FINITE = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal(x) for x in ("0", "-0", "1e999999", "-1e-999999", "0.95")]),
)


@settings(max_examples=200, deadline=None)
@given(x=_FINITE, y=_ZEROS)
@example(x=Decimal(0), y=Decimal(0))
def test_what_the_scan_asks_first_is_what_the_code_raises(x: Decimal, y: Decimal) -> None:
    with pytest.raises(ZeroDenominatorError):
        _expr(RATES, "plain")({"a": x, "b": y})


def _seen(scan: Scan, data: Any) -> tuple[Any, ...]:
    scope, failures = scan(data)
    return (
        scope,
        [(k, f.kind, f.fields, f.en, f.zh) for k, f in failures.items()],
    )


def _unasked(scan: Scan) -> Scan:
    """The same scan running every metric's code (nothing asked first)."""
    scan.metrics = tuple((*m[:6], None) for m in scan.metrics)
    return scan


@settings(max_examples=300, deadline=None)
@given(record=messy_records(), zeros=st.lists(st.sampled_from("abcdeb"), max_size=3))
def test_the_scan_gives_what_running_every_metric_gives(
    record: dict[str, Any], zeros: list[str]
) -> None:
    """Zero denominators of every kind (not applicable, zero, error), 0 / 0, a blank or bad
    numerator over a zero."""
    values = dict(record["values"])
    for name in zeros:
        values[name] = "0"
    data = _data(MESSY_RS, {**record, "values": values})
    titles = MESSY_RS.evaluator.titles
    fast = Scan(MESSY_RS.compiled, titles)
    slow = _unasked(Scan(MESSY_RS.compiled, titles))
    want = _seen(slow, data)
    assert _seen(fast, data) == want  # a zero met for the first time: its code raises
    assert _seen(fast, data) == want  # and after: looked at first
    fast.watch = ("b", "d")  # every denominator looked at first
    assert _seen(fast, data) == want


def test_a_zero_denominator_once_met_is_looked_at_first() -> None:
    """The first subject with a zero denominator runs the rate's code (which raises); from
    then on the scan looks at that denominator first and runs none of its rates' code."""
    data = _data(
        MESSY_RS, {"id": "x", "values": {"a": "5", "b": "0", "c": "0", "d": "0", "e": "1"}}
    )
    scan = Scan(MESSY_RS.compiled, MESSY_RS.evaluator.titles)
    clean = _data(MESSY_RS, {"id": "y", "values": {"a": "5", "b": "2", "c": "1", "d": "3"}})
    scan(clean)
    assert scan.watch == ()  # nothing looked at first until a zero is met
    scan(data)
    assert set(scan.watch) == {"b", "d"}
    scan.metrics = tuple((m[0], _never, *m[2:]) if m[6] is not None else m for m in scan.metrics)
    _, failures = scan(data)  # none of the rates' code runs now
    assert {k: f.kind for k, f in failures.items() if k in ("r", "q", "z")} == {
        "r": "not_applicable",
        "q": "zero",
        "z": "error",
    }


def _never(scope: Any) -> Any:
    raise AssertionError("the metric's code ran")


_KINDS = st.sampled_from(["error", "missing", "not_applicable", "zero"])


@settings(max_examples=300, deadline=None)
@given(
    failed=st.dictionaries(st.sampled_from("abcdef"), _KINDS, max_size=5),
    names=st.lists(st.sampled_from("abcdefg"), max_size=4),
    optional=st.lists(st.sampled_from("abcdefg"), max_size=3),
    aware=st.booleans(),
)
def test_the_kind_of_what_stops_an_expression_or_a_leaf_without_making_it(
    failed: dict[str, str], names: list[str], optional: list[str], aware: bool
) -> None:
    """blocking_kind / stop_kind give the kind of the failure blocking / stopping give (the
    most serious; several of it joined), None where they give none."""
    failures = {n: Failure(k, n, n, (n,)) for n, k in failed.items()}
    f = blocking(names, failures, aware)
    assert blocking_kind(names, failures, aware) == (None if f is None else f.kind)
    node: Any = SimpleNamespace(
        reads=tuple(names), optional_reads=tuple(optional), missing_aware=aware
    )
    g = stopping(node, failures)
    assert stop_kind(node, failures) == (None if g is None else g.kind)


@settings(max_examples=200, deadline=None)
@given(first=messy_records(), second=messy_records())
def test_a_failure_made_once_for_every_subject_says_what_a_new_one_says(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    """A blank field's failure and a rate's division by zero are made once per scan and
    shared: a scan that has seen other subjects gives what a new scan gives."""
    for rs, records in (
        (MESSY_RS, (second, first, second)),
        (RATES, ({"id": "x", "values": {"a": "0", "b": "0"}}, {"id": "y", "values": {"b": "0"}})),
    ):
        titles = rs.evaluator.titles
        used = Scan(rs.compiled, titles)
        for record in (*records, *records):
            data = _data(rs, record)
            assert _seen(used, data) == _seen(Scan(rs.compiled, titles), data)
    _, failures = used(_data(RATES, {"id": "z", "values": {"a": "0", "b": "0"}}))
    for name in ("plain", "same", "scaled", "twice"):  # each rate's own words
        assert failures[name].en == f"'{name}' divides by zero"


def _joined(names: Any, failures: dict[str, Failure], aware: bool) -> Failure | None:
    """:func:`blocking` by its definition: the failures of ``names`` in name order (less the
    missing ones for a missing-aware expression), the most serious kind, several joined."""
    found = [failures[n] for n in sorted(names) if n in failures]
    found = [f for f in found if not (aware and f.kind == "missing")]
    if not found:
        return None
    rank = min(PRIORITY[f.kind] for f in found)
    same = [f for f in found if PRIORITY[f.kind] == rank]
    if len(same) == 1:
        return same[0]
    return Failure.later(
        same[0].kind, tuple(sorted({x for f in same for x in f.fields})), ("join", tuple(same))
    )


@settings(max_examples=300, deadline=None)
@given(
    failed=st.dictionaries(st.sampled_from("abcdef"), _KINDS, max_size=5),
    names=st.frozensets(st.sampled_from("abcdefg"), max_size=4),
    aware=st.booleans(),
)
def test_blocking_is_the_most_serious_failure_several_joined_in_name_order(
    failed: dict[str, str], names: frozenset[str], aware: bool
) -> None:
    failures = {n: Failure(k, f"{n} en", f"{n} zh", (n,)) for n, k in failed.items()}
    got, want = blocking(names, failures, aware), _joined(names, failures, aware)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        assert (got.kind, got.en, got.zh, got.fields) == (want.kind, want.en, want.zh, want.fields)
        if any(want is f for f in failures.values()):
            assert got is want  # one failure: itself, not a copy


AWARE = perfscore.load_ruleset_text(
    """perfscore: 1
id: aware
title: 缺失可用
version: "1"
inputs:
  a: {type: number}
  b: {type: number}
metrics:
  filled: {expr: 'coalesce(a, 0) + 1'}
  blank: {expr: 'is_missing(b)'}
  r: {expr: 'a / b'}
indicators:
  - {id: t, title: T, weight: 1, value: filled, scorer: {type: threshold, op: '>=', target: 1}}
"""
)
_CELLS = st.one_of(st.none(), st.sampled_from(["abc", "1", "0", "2.5", "-3"]))


def _one_by_one(scan: Scan) -> Scan:
    """The same scan running every metric through :meth:`Scan.one` (as the loop did before
    the metrics were written out in one function)."""

    def run(scope: Any, failures: Any, suspects: Any, one: Any) -> None:
        for i in range(len(scan.metrics)):
            one(i, scope, failures, suspects)

    scan.run = run
    return scan


@settings(max_examples=300, deadline=None)
@given(
    record=messy_records(),
    a=st.one_of(st.none(), _FINITE, _ZEROS),
    b=st.one_of(st.none(), _FINITE, _ZEROS),
    cells=st.tuples(_CELLS, _CELLS),
)
def test_the_metrics_written_out_give_what_each_metric_run_alone_gives(
    record: dict[str, Any], a: Decimal | None, b: Decimal | None, cells: tuple[Any, Any]
) -> None:
    """The scan's generated function (a metric's body written in place where nothing it reads
    failed) gives the scope, the failures and their words that running each metric on its
    own gives — blanks, bad values, zero denominators met first and after, rates of rates,
    inner quotients, missing-aware metrics over a blank or a refused cell."""
    for rs, data in (
        (MESSY_RS, _data(MESSY_RS, record)),
        (RATES, _data(RATES, {"id": "r", "values": {"a": a, "b": b}})),
        # a missing-aware metric reading a refused cell: an error, not its default
        (AWARE, _data(AWARE, {"id": "w", "values": dict(zip("ab", cells, strict=True))})),
    ):
        fast = Scan(rs.compiled, rs.evaluator.titles)
        slow = _one_by_one(Scan(rs.compiled, rs.evaluator.titles))
        for _ in range(2):  # a zero met for the first time, and after
            assert _seen(fast, data) == _seen(slow, data)


def _spied(scan: Scan) -> list[str]:
    """The metrics ``scan``'s generated function hands to :meth:`Scan.one` (recorded as
    it runs)."""
    alone: list[str] = []
    one, run = scan.one, scan.run

    def spy(i: int, *args: Any) -> None:
        alone.append(scan.metrics[i][0])
        one(i, *args)

    scan.run = lambda scope, failures, suspects, _: run(scope, failures, suspects, spy)
    return alone


def test_a_metric_reading_nothing_that_failed_is_not_run_alone() -> None:
    """A spy: where nothing failed, no metric goes through :meth:`Scan.one` — its body
    written in place, or its expression called in place where the call does more than the
    body (an inner quotient, a rounded metric read)."""
    scan = Scan(RATES.compiled, RATES.evaluator.titles)
    alone = _spied(scan)
    data = _data(RATES, {"id": "r", "values": {"a": "3", "b": "7"}})
    got = _seen(scan, data)
    assert alone == []
    assert {mt.name for mt in RATES.compiled.metrics if mt.expr.inline() is None} >= {"scaled"}
    assert got == _seen(_one_by_one(Scan(RATES.compiled, RATES.evaluator.titles)), data)


@pytest.mark.parametrize("blank", ["a", "b", "ab"])
def test_a_metric_its_reads_block_is_blocked_in_place(blank: str) -> None:
    """A spy: a metric whose one failed read blocks it — or whose two failed reads do, as
    they did for the subject before (their join kept) — is blocked by the generated code, not
    :meth:`Scan.one`; the scope and failures (kinds, fields, words) are those of every metric
    run alone."""
    values = {k: v for k, v in (("a", "3"), ("b", "7")) if k not in blank}
    data = _data(RATES, {"id": "r", "values": values})
    scan = Scan(RATES.compiled, RATES.evaluator.titles)
    slow = _one_by_one(Scan(RATES.compiled, RATES.evaluator.titles))
    alone = _spied(scan)
    for _ in range(2):  # (the second subject: every join met before)
        alone.clear()
        got = _seen(scan, data)
        assert got == _seen(slow, data)
    assert alone == [], alone
    assert {k for k, *_ in got[1]} >= {"plain", "scaled", "sum"}
