"""``formula``: a free formula for the points, clamped to [0, weight].

Example::

    inputs: {spent: {type: money}, budget: {type: money}}
    indicators:
      - id: execution
        title: 预算执行率
        weight: 10
        scorer: {type: formula, expr: "10 * spent / budget"}
    cases:
      - {values: {spent: 90, budget: 100}, points: 9}
      - {values: {spent: 120, budget: 100}, points: 10}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..modelbase import Expr
from ..numbers import round_places
from .base import (
    ZERO,
    BaseScorer,
    BuildContext,
    Explaining,
    Fallback,
    OutcomeForm,
    PointsForm,
    Scored,
    ScorerConfig,
    ScorerType,
    Working,
    need_weight,
    number,
    scored,
    weight_of,
)

__all__ = ["KIND", "FormulaConfig", "FormulaScorer"]


class FormulaConfig(ScorerConfig):
    type: Literal["formula"]
    expr: Expr


@dataclass
class FormulaScorer(BaseScorer):
    """Free formula for points, clamped to [0, weight]."""

    expr: Any
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return (self.expr,)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w = weight_of(weight)
        raw = number(self.expr(scope), "formula")
        clamped = min(w, max(ZERO, raw))
        return scored(
            points=clamped, detail=None if clamped == raw else f"formula gave {raw}, clamped"
        )

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        expr = self.expr.__call__  # the compiled function itself (no property look-up per call)

        def formula(scope: Mapping[str, Any]) -> Decimal:
            if get is not None:
                get(scope)  # evaluated like the full path does (an error there: fallback)
            raw = expr(scope)
            if type(raw) is not Decimal or not raw.is_finite():
                raise Fallback
            # min(weight, max(ZERO, raw)) spelt out as Python's min and max decide (cheaper)
            c = raw if raw > ZERO else ZERO
            return round_places(c if c < weight else weight, places)

        return formula

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        expr = self.expr.__call__

        def formula(scope: Mapping[str, Any]) -> tuple[Any, Decimal, None, None, str | None]:
            v = get(scope) if get is not None else None  # the value, as the full path reads it
            raw = expr(scope)
            if type(raw) is not Decimal or not raw.is_finite():
                raise Fallback
            c = raw if raw > ZERO else ZERO
            clamped = c if c < weight else weight
            detail = None if clamped == raw else f"formula gave {raw}, clamped"
            return v, round_places(clamped, places), None, None, detail

        return formula

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        w = weight_of(weight)
        raw = number(self.expr(scope), "formula")
        clamped = min(w, max(ZERO, raw))
        bound: Any = ""
        if raw < ZERO:
            bound = how.say("floored", floor="0")
        elif raw > w:
            bound = how.say("capped", weight=how.n(w))
        return how.working(
            "formula_points",
            {"expr": self.expr.text},
            [{"step": "raw", "value": raw}, {"step": "clamped", "value": clamped}],
            expr=how.expr(self.expr), raw=how.n(raw), bound=bound,
        )  # fmt: skip

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        b, np = build.bounds, build.np
        column, wf = build.expression(self.expr.text), float(weight)

        def formula(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            raw = column(ctx)
            clamped = np.minimum(wf, np.maximum(0.0, raw.v))

            def exact_points(rows: Any) -> Any:
                n = len(rows)
                return column.exact(ctx, rows).clip(b.q_const(ZERO, n), b.q_const(weight, n))

            # clamping is 1-Lipschitz: the raw value's bound holds for the clamped one
            pts = b.round_points(
                ctx, b.Bounded(clamped, raw.mag, raw.k + 1), wf, exact=exact_points
            )
            return pts, None, False

        ints = build.ints
        full = int(round_places(weight, places).scaleb(places))
        scale = 10**places

        def formula_int(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            x = column.ints(ctx)
            if x is None:
                raise ints.NoInt
            # round(clamp(x, 0, W)) = clamp(round(x), 0, round(W)): rounding is monotone (and
            # rounds a negative x to at most 0)
            ints.fits(x.nmax * scale)
            r = ints.half_up(x.n * scale, x.d, x.nmax * scale, x.dmax)
            return np.clip(r, 0, full), None, False

        return build.form(formula, needs_value=False, uses_met=False, int_run=formula_int)


def build(config: FormulaConfig, ctx: BuildContext) -> FormulaScorer:
    need_weight(ctx)
    return FormulaScorer(ctx.compile(config.expr, (*ctx.path, "expr")))


KIND = ScorerType("formula", FormulaConfig, build, __doc__ or "")
