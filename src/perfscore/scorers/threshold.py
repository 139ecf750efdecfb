"""``threshold``: pass/fail — full marks (or ``points_met``) when ``value op target``, else
``points_otherwise``.

Example::

    inputs: {rate: {type: percent}}
    indicators:
      - id: execution
        title: 预算执行率
        weight: 10
        value: rate
        scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 2}
    cases:
      - {values: {rate: 95%}, points: 10}
      - {values: {rate: 94.99%}, points: 2}
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..exact import unsure_pair
from ..modelbase import NumberOrExpr
from ..numbers import NotExact, round_places
from .base import (
    BaseScorer,
    BuildContext,
    Explaining,
    Fallback,
    OutcomeForm,
    PointsForm,
    Scored,
    ScorerConfig,
    ScorerType,
    Target,
    Working,
    need_weight,
    number,
    scored,
    weight_of,
    within_weight,
)

__all__ = ["KIND", "OP_TEXT", "ThresholdConfig", "ThresholdScorer"]

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


#: How a comparison reads in an explanation.
OP_TEXT = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}


class ThresholdConfig(ScorerConfig):
    type: Literal["threshold"]
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    target: NumberOrExpr
    points_met: Decimal | None = None
    points_otherwise: Decimal = Decimal(0)


@dataclass
class ThresholdScorer(BaseScorer):
    """Pass/fail: full marks (or ``points_met``) when ``value op target``, else
    ``points_otherwise``."""

    op: str
    target: Target
    points_met: Decimal | None
    points_otherwise: Decimal
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return self.target.expressions

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        v, t = number(value), self.target(scope)
        if self.target.const is None and unsure_pair(v, t):
            raise NotExact("a computed value against a computed target")
        met = OPS[self.op](v, t)
        full = self.points_met if self.points_met is not None else weight_of(weight)
        pts = full if met else self.points_otherwise
        return scored(points=pts, met=met, threshold={"op": self.op, "value": t})

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        limit = self.target.const
        if get is None:
            return None
        full = round_places(self.points_met if self.points_met is not None else weight, places)
        other = round_places(self.points_otherwise, places)
        op = OPS[self.op]
        if limit is None:  # a target read per subject (``plan_cost``)
            assert self.target.expr is not None
            read = self.target.expr.__call__  # the compiled function itself

            def per_subject(scope: Mapping[str, Any]) -> Decimal:
                v, t = get(scope), read(scope)
                if type(v) is not Decimal or not v.is_finite() or type(t) is not Decimal:
                    raise Fallback
                if not t.is_finite():
                    raise Fallback
                if unsure_pair(v, t):  # (two rounded values side by side: decided exactly)
                    raise NotExact("a computed value against a computed target")
                return full if op(v, t) else other

            return per_subject

        def threshold(scope: Mapping[str, Any]) -> Decimal:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            return full if op(v, limit) else other

        return threshold

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        limit = self.target.const
        if limit is None or get is None:
            return None
        full = round_places(self.points_met if self.points_met is not None else weight, places)
        other = round_places(self.points_otherwise, places)
        op = OPS[self.op]
        th = {"op": self.op, "value": limit}  # one for every finding (read, never written)

        def threshold(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, Any, None]:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            if op(v, limit):
                return v, full, True, th, None
            return v, other, False, th, None

        return threshold

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        b, np, ints = build.bounds, build.np, build.ints
        op = self.op
        if self.target.const is None:  # a target read per row: compared exactly per row
            assert self.target.expr is not None
            target = build.expression(self.target.expr.text)
            full_pts = b.scaled(self.points_met if self.points_met is not None else weight, places)
            other_pts = b.scaled(self.points_otherwise, places)

            def per_row(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
                met = b.compare(ctx, v, op, target(ctx))
                pts = np.where(met, float(full_pts), float(other_pts))
                return pts, met, False

            def per_row_int(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
                t = target.ints(ctx)
                if t is None:
                    raise ints.NoInt
                met = ints.compare(v, op, t, ctx.n)
                return np.where(met, full_pts, other_pts), met, False

            return build.form(per_row, int_run=per_row_int)
        t = b.const(self.target.const)
        t_frac = ints.fraction(self.target.const)
        t_int = None if t_frac is None else ints.const(t_frac)
        full = b.scaled(self.points_met if self.points_met is not None else weight, places)
        other = b.scaled(self.points_otherwise, places)

        def threshold(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            fail = b.fail(ctx, v, op, t, out=failed if use_met else None)
            pts = np.multiply(fail, other - full, dtype=np.int64)
            pts += full
            return pts, None, use_met

        def threshold_int(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            assert t_int is not None
            met = ints.compare(v, op, t_int, ctx.n)
            if use_met:
                np.logical_not(met, out=failed)
            pts = np.multiply(met, full - other, dtype=np.int64)  # (no branch per row)
            pts += other
            return pts, None, use_met

        return build.form(threshold, int_run=None if t_int is None else threshold_int)

    def boundaries(self) -> Iterable[Decimal]:
        return () if self.target.const is None else (self.target.const,)

    def monotone(self, weight: Decimal | None) -> str | None:
        full = self.points_met if self.points_met is not None else weight
        if full is None or full < self.points_otherwise:
            return None
        return {">=": "increasing", ">": "increasing", "<=": "decreasing", "<": "decreasing"}.get(
            self.op
        )

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        v, t = number(value), self.target(scope)
        met = OPS[self.op](v, t)
        return how.working(
            "threshold_met" if met else "threshold_not_met",
            {"op": self.op, "target": t},
            [{"step": "compare", "value": v, "op": self.op, "target": t, "met": met}],
            value=how.q(v),
            op=OP_TEXT[self.op],
            target=how.q(t),
        )


def build(config: ThresholdConfig, ctx: BuildContext) -> ThresholdScorer:
    need_weight(ctx)
    within_weight(config.points_met, ctx, (*ctx.path, "points_met"))
    within_weight(config.points_otherwise, ctx, (*ctx.path, "points_otherwise"))
    return ThresholdScorer(
        config.op, Target(config.target, ctx, "target"), config.points_met, config.points_otherwise
    )


KIND = ScorerType("threshold", ThresholdConfig, build, __doc__ or "", needs_value=True)
