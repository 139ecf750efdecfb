"""``proportional``'s outcome form (what a finding shows besides the points), apart from the
scorer so that its module stays readable: a constant target (``higher``, ``lower``,
``equal``) or one read per subject — the points as the points form gives them, ``met`` and
the threshold as ``score`` says them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..exact import full as full_digits
from ..exact import unsure_pair
from ..numbers import NotExact, round_places
from .base import ONE, ZERO, Fallback, OutcomeForm, Target

#: ``_slack(direction, v, t, w)`` and ``_equal_points(v, t, |t|, w, places, none, slack)`` of
#: :mod:`.proportional` (given: that module imports this one)
Slack = Callable[[str, Decimal, Decimal, Decimal], Decimal | None]
EqualPoints = Callable[[Decimal, Decimal, Decimal, Decimal, int, Decimal, Decimal | None], Decimal]

__all__ = ["outcome_form"]


def outcome_form(
    target: Target,
    direction: str,
    op: str,
    get: Callable[[Mapping[str, Any]], Any] | None,
    weight: Decimal,
    places: int,
    _slack: Slack,
    _equal_points: EqualPoints,
) -> OutcomeForm | None:
    """The outcome form (see :data:`~perfscore.scorers.base.OutcomeForm`) of a proportional
    scorer with ``target``, ``direction`` and its threshold's ``op``: the points as its
    ``points_form`` gives them, ``met`` and the threshold as ``score`` says them."""
    if get is None:
        return None
    t = target.const
    # the points as points_form gives them; met and the threshold as score says them
    full, none = round_places(weight * ONE, places), round_places(weight * ZERO, places)
    if t is None:  # a target read per subject
        return _outcome_per_subject(
            target, get, direction, op, weight, places, full, none, _slack, _equal_points
        )
    th = {"op": op, "value": t}  # one for every finding (read, never written)
    if direction == "higher":

        def higher(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, Any, None]:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            if v >= t:
                return v, full, True, th, None
            if t <= 0 or v <= 0:
                return v, none, False, th, None
            return v, round_places(weight * (v / t), places), False, th, None

        return higher
    if direction == "lower":

        def lower(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, Any, None]:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            if v <= t:
                return v, full, True, th, None
            if v <= 0 or t <= 0:  # (score clamps -0 / v to 0)
                return v, none, False, th, None
            return v, round_places(weight * (t / v), places), False, th, None

        return lower
    at, t_full = abs(t), full_digits(t)

    def equal(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, Any, None]:
        v = get(scope)
        if type(v) is not Decimal or not v.is_finite():
            raise Fallback
        if v == t:
            return v, full, True, th, None
        if t == 0:
            return v, none, False, th, None
        slack = _slack(direction, v, t, weight) if t_full or full_digits(v) else None
        return v, _equal_points(v, t, at, weight, places, none, slack), False, th, None

    return equal


def _outcome_per_subject(
    target: Target,
    get: Callable[[Mapping[str, Any]], Any],
    direction: str,
    op: str,
    weight: Decimal,
    places: int,
    full: Decimal,
    none: Decimal,
    _slack: Slack,
    _equal_points: EqualPoints,
) -> OutcomeForm:
    """The outcome form with a target read per subject: :func:`_per_subject`'s points, with
    ``score``'s met and threshold (the target read)."""
    expr = target.expr
    assert expr is not None
    read = expr.__call__  # (the compiled function itself)

    def per_subject(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, Any, None]:
        v, t = get(scope), read(scope)
        if type(v) is not Decimal or not v.is_finite() or type(t) is not Decimal:
            raise Fallback
        if not t.is_finite():
            raise Fallback
        if unsure_pair(v, t):  # (two rounded values side by side: decided exactly)
            raise NotExact("a computed value against a computed target")
        th = {"op": op, "value": t}
        if direction == "higher":
            if v >= t:
                return v, full, True, th, None
            if t <= 0 or v <= 0:
                return v, none, False, th, None
            return v, round_places(weight * (v / t), places), False, th, None
        if direction == "lower":
            if v <= t:
                return v, full, True, th, None
            if v <= 0 or t <= 0:  # (score clamps -0 / v to 0)
                return v, none, False, th, None
            return v, round_places(weight * (t / v), places), False, th, None
        if v == t:
            return v, full, True, th, None
        if t == 0:
            return v, none, False, th, None
        slack = _slack(direction, v, t, weight) if full_digits(t) or full_digits(v) else None
        return v, _equal_points(v, t, t.copy_abs(), weight, places, none, slack), False, th, None

    return per_subject
