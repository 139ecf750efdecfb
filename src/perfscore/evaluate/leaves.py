"""Evaluate, one leaf indicator: does it apply, is anything it reads missing or wrong, what its
scorer gives (rounded, pass or fail), and what an approved waiver makes of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..compile import Compiled, IndicatorNode
from ..errors import EvaluationError, MissingValueError, ZeroDenominatorError
from ..exact import WIDE, ExactScope, as_fast, maybe_rounded
from ..numbers import NotExact, round_places
from ..scorers import Blank, Fallback, OutcomeForm, Scored
from ..words import SCORE, in_language, said
from .state import (
    EN,
    ONE,
    PRIORITY,
    ZERO,
    ZERO_KIND,
    ZH,
    Failure,
    Outcome,
    blocking,
    blocking_kind,
)


def missing_outcome(policy: str, f: Failure, weight: Decimal | None) -> Outcome:
    """The declared missing-data policy applied."""
    if policy == "not_applicable":
        return Outcome("not_applicable", reason=f)
    if policy == "zero":
        return Outcome("fail", points=ZERO, reason=f)
    if policy == "full":
        return Outcome("pass", points=weight, reason=f)
    return Outcome("error", reason=f)


def from_failure(node: IndicatorNode, f: Failure) -> Outcome:
    if f.kind == "error":
        return Outcome("error", reason=f)
    if f.kind == "missing":
        return missing_outcome(node.missing, f, node.weight)
    if f.kind == "zero":
        return Outcome("fail", points=ZERO, reason=f)
    return Outcome("not_applicable", reason=f)


def applies(
    node: IndicatorNode, scope: dict[str, Any], failures: dict[str, Failure]
) -> Outcome | None:
    """None when the indicator (or group) applies; else the outcome that replaces scoring."""
    if node.when is None:
        return None
    aware = bool(node.when.functions & {"is_missing", "coalesce"})
    f = blocking(node.when.names, failures, aware)
    if f is not None:
        return from_failure(node, f)
    try:
        holds = bool(node.when(scope))
    except MissingValueError as e:  # a missing value computed with: the missing policy
        return from_failure(node, missing_failure(e, ()))
    except EvaluationError as e:
        return Outcome("error", reason=Failure("error", e.message, e.message, ()))
    if holds:
        return None
    return Outcome("not_applicable", reason=condition_false(node.when))


def missing_failure(e: EvaluationError, fields: tuple[str, ...]) -> Failure:
    """Why a rule that computed with a missing value (:class:`MissingValueError`) follows its
    missing-data policy: the expression's own words ("a value is missing")."""
    return Failure("missing", e.message, in_language(e.message, "zh"), fields)


def condition_false(when: Any) -> Failure:
    """Why a node whose condition ``when`` does not hold is not applicable (the same for every
    subject: the evaluator's fast path makes it once per leaf and shares it)."""
    text = when.text
    return Failure(
        "not_applicable",
        EN["condition_false"].format(condition=text),
        ZH["condition_false"].format(condition=text),
        (),
    )


class NotApplicable(Exception):
    """A leaf's condition does not hold (the evaluator's fast path: not applicable)."""


def builtin(scorer: Any) -> bool:
    """Whether ``scorer`` is one of perfscore's own (whose ``score`` may be asked twice: once by
    :func:`scored_form`, once more by :func:`leaf` when the form gives up)."""
    return type(scorer).__module__.startswith("perfscore.scorers.")


def scored_form(
    scorer: Any, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
) -> OutcomeForm:
    """An outcome form (see :data:`~perfscore.scorers.OutcomeForm`) for a points scorer that has
    none of its own: its ``score`` of the value read, the points rounded — what :func:`leaf`
    gives when nothing the leaf reads failed and it applies.  It gives up (:class:`Fallback`,
    or what ``score`` raises: an error, :class:`NotExact`) where :func:`leaf` takes another
    way: a letter, no points."""
    score = scorer.score

    def form(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool | None, Any, str | None]:
        value = None if get is None else get(scope)
        s = score(value, scope, weight)
        points = s.points
        if points is None or s.grade is not None:
            raise Fallback
        return value, round_places(points, places, s.slack), s.met, s.threshold, s.detail

    return form


def stopping(node: IndicatorNode, failures: dict[str, Failure]) -> Failure | None:
    """The failure that keeps a leaf from being scored — the most serious of what its required
    and its optional reads found — or None."""
    found = [
        x
        for x in (
            blocking(node.reads, failures, node.missing_aware),
            blocking(node.optional_reads, failures, True),
        )
        if x is not None
    ]
    return min(found, key=lambda x: PRIORITY[x.kind]) if found else None


def stop_kind(node: IndicatorNode, failures: dict[str, Failure]) -> str | None:
    """The kind of :func:`stopping`'s failure (None: nothing stops the leaf), without making
    it (see :func:`~perfscore.evaluate.state.blocking_kind`)."""
    a = blocking_kind(node.reads, failures, node.missing_aware)
    b = blocking_kind(node.optional_reads, failures, True) if node.optional_reads else None
    if a is None or b is None:
        return a if b is None else b
    return a if PRIORITY[a] <= PRIORITY[b] else b


def leaf(
    compiled: Compiled,
    places: int,
    node: IndicatorNode,
    scope: dict[str, Any],
    failures: dict[str, Failure],
) -> Outcome:
    """A leaf indicator's outcome for one subject."""
    if node.when is not None:
        skipped = applies(node, scope, failures)
        if skipped is not None:
            return skipped
    if failures and not failures.keys().isdisjoint(node.names_read):
        f = stopping(node, failures)
        if f is not None:
            return from_failure(node, f)
    assert node.scorer is not None
    value = None
    points: Decimal | None = None
    try:
        value = node.value(scope) if node.value is not None else None
        try:
            if node.long_numbers and maybe_rounded(value):  # it may equal a 28-digit edge
                raise NotExact("a rounded value against a number of 28 digits")
            scored: Scored = node.scorer.score(value, scope, node.weight)
            if scored.points is not None:
                points = round_places(scored.points, places, scored.slack)
        except NotExact:
            scored, points = exactly(compiled, places, node, scope)
    except Blank as blank:  # blanks the scorer cannot score around: its missing policy
        f = blocking(node.names_read, failures, False)
        if f is None:  # (a value with none the reader did not record: said as a blank is)
            names = sorted(str(n) for n in blank.args)
            en = EN["join"].join(EN["field_missing"].format(name=n, title=n) for n in names)
            zh = ZH["join"].join(ZH["field_missing"].format(name=n, title=n) for n in names)
            f = Failure("missing", en, zh, tuple(names))
        return from_failure(node, f)
    except MissingValueError as e:  # year(s, y) of a year without a figure: the missing policy
        return from_failure(node, missing_failure(e, compiled.inputs_of((*node.reads, *e.reads))))
    except ZeroDenominatorError:
        fields = compiled.inputs_of(node.reads)
        fz = Failure(
            ZERO_KIND[node.zero_division],
            EN["division_by_zero"],
            ZH["division_by_zero"],
            fields,
        )
        return from_failure(node, fz)
    except EvaluationError as e:
        fields = compiled.inputs_of((*node.reads, *e.reads))
        return Outcome(
            "error",
            value=value,
            reason=Failure(
                "error",
                e.message,
                ZH["cannot_score"].format(problem=in_language(e.message, "zh")),
                fields,
            ),
        )
    if scored.grade is not None:
        letters = compiled.letters
        assert letters is not None
        outcome = "pass" if letters.passes(scored.grade) else "fail"
        return Outcome(
            outcome,
            grade=scored.grade,
            value=value,
            threshold=scored.threshold,
            detail=scored.detail,
        )
    assert points is not None and node.weight is not None
    if scored.met is not None and node.pass_at == ONE:
        outcome = "pass" if scored.met else "fail"
    else:
        w, at = node.weight, node.pass_at
        outcome = "pass" if points >= (w if at == ONE else WIDE.multiply(w, at)) else "fail"
    # positional: outcome, points, grade, value, threshold, reason, detail, on_data
    return Outcome(
        outcome, points, None, value, scored.threshold, None, scored.detail, scored.on_data
    )


def exactly(
    compiled: Compiled, places: int, node: IndicatorNode, scope: dict[str, Any]
) -> tuple[Scored, Decimal | None]:
    """The leaf scored again on the subject's exact values (:mod:`perfscore.exact`): the same
    scorer, every decision exact; what it shows (the threshold) as the fast path shows it."""
    assert node.scorer is not None
    exact = ExactScope(scope, compiled.metric_exprs)
    value = node.value(exact) if node.value is not None else None
    s = node.scorer.score(value, exact, node.weight)
    try:
        points = None if s.points is None else round_places(s.points, places)
    except NotExact as e:  # a Decimal the exact view could not make exact (a plug-in's value
        # rounded at 28 digits): an error of this leaf, never an exception out of the batch
        raise EvaluationError(said(SCORE, "not_exact", points=s.points)) from e
    threshold = None if s.threshold is None else as_fast(s.threshold)
    return Scored(s.points, s.grade, s.met, threshold, s.detail, on_data=s.on_data), points


#: what :func:`exact_form` gives where it does not decide (``points`` None)
UNDECIDED = (None, None, None, None, None)


def exact_form(
    compiled: Compiled, places: int, node: IndicatorNode, scope: dict[str, Any]
) -> tuple[Any, Decimal | None, bool | None, Any, str | None]:
    """An outcome form's answer (see :data:`~perfscore.scorers.OutcomeForm`) for a leaf whose
    form refused a decision its 28 digits cannot make (:class:`NotExact`): the value as read,
    and the points, ``met``, threshold and detail decided exactly (:func:`exactly`) — what
    :func:`leaf` gives a leaf that applies and reads nothing that failed, without asking the
    fast form again first.  Only that leaf is re-derived, and of the subject's metrics only
    those it reads.  :data:`UNDECIDED` where :func:`leaf` must say more (a letter, no
    points, an error)."""
    try:
        value = node.value(scope) if node.value is not None else None
        s, points = exactly(compiled, places, node, scope)
    except Exception:  # (an error of the exact path, a blank: leaf() says it in its words)
        return UNDECIDED
    if points is None or s.grade is not None:
        return UNDECIDED
    return value, points, s.met, s.threshold, s.detail


def waive(waiver: Any, o: Outcome, weight: Decimal | None) -> Outcome:
    """Apply an approved exemption: excluded → not applicable; met → full marks."""
    why = Failure(
        "not_applicable",
        EN["waived"].format(reason=waiver.reason, approved_by=waiver.approved_by),
        ZH["waived"].format(reason=waiver.reason, approved_by=waiver.approved_by),
        (),
    )
    if waiver.effect == "exclude" or weight is None:
        return Outcome("not_applicable", value=o.value, reason=why)
    return Outcome("pass", points=weight, value=o.value, threshold=o.threshold, reason=why)
