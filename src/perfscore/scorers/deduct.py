"""``deduct``: "每超过1个百分点扣0.5分，扣完为止" — full marks on the good side of ``start``,
then ``points`` off per ``per`` beyond it (partial steps counted ``exact``, ``started`` or
``completed``), never below ``floor``.

Example::

    inputs: {overrun: {type: percent}}
    indicators:
      - id: control
        title: 预算调整率
        weight: 5
        value: overrun
        scorer: {type: deduct, start: 0, direction: above, per: 0.01, points: 0.5, count: started}
    cases:
      - {values: {overrun: 0%}, points: 5}
      - {values: {overrun: 2.5%}, points: 3.5}
      - {values: {overrun: 30%}, points: 0}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from ..exact import (
    SLACK,
    WIDE,
    exact_difference,
    exact_quotient,
    exact_steps,
    plain,
    unsure_pair,
)
from ..exact import full as rounded
from ..modelbase import NumberOrExpr
from ..numbers import NotExact, round_places
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
    Target,
    Working,
    need_weight,
    number,
    scored,
    weight_of,
)

__all__ = ["KIND", "DeductConfig", "DeductScorer"]


class DeductConfig(ScorerConfig):
    type: Literal["deduct"]
    start: NumberOrExpr
    direction: Literal["above", "below"]
    per: Decimal = Field(gt=0)
    points: Decimal = Field(gt=0)
    count: Literal["exact", "started", "completed"]
    floor: Decimal = Decimal(0)


@dataclass
class DeductScorer(BaseScorer):
    """ "每超过1个百分点扣0.5分，扣完为止": full marks on the good side of ``start``, then
    ``points`` off per ``per`` beyond it, counting partial steps as declared, never below
    ``floor``."""

    start: Target
    direction: str
    per: Decimal
    points: Decimal
    count: str
    floor: Decimal
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return self.start.expressions

    def units(self, beyond: Decimal) -> Decimal:
        """Steps of ``per`` in ``beyond`` (> 0), counted as declared — exactly (a step is a
        decision; a partial count is a rational when the quotient does not end)."""
        if self.count == "exact":
            units: Decimal = exact_quotient(beyond, self.per)
            return units
        return exact_steps(beyond, self.per, self.count == "started")

    def slack(self, v: Decimal) -> Decimal | None:
        """How far the points may be from the exact value's when ``v`` is a rounded result
        (with ``count: exact`` the points follow ``v``; a step count is decided exactly)."""
        if self.count != "exact" or type(v) is not Decimal:
            return None
        return abs(v) * abs(self.points / self.per) * SLACK

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w, v, s = weight_of(weight), number(value), self.start(scope)
        if self.start.const is None and unsure_pair(v, s):
            raise NotExact("a computed value against a computed start")
        beyond = exact_difference(v, s) if self.direction == "above" else exact_difference(s, v)
        op = "<=" if self.direction == "above" else ">="
        threshold = {"op": op, "value": s}
        if beyond <= 0:
            return scored(points=w, met=True, threshold=threshold)
        units = self.units(beyond)
        pts = max(self.floor, w - units * self.points)
        return scored(
            points=min(w, pts),
            met=False,
            threshold=threshold,
            detail=f"{plain(units)} step(s) × {self.points}",
            slack=self.slack(v),
        )

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        s = self.start.const
        if s is None or get is None:
            return None
        wide = WIDE
        above, step, floor, per = self.direction == "above", self.points, self.floor, self.per
        exact, up = self.count == "exact", self.count == "started"
        full = round_places(weight, places)
        # how far the points may be from the exact value's per unit of a rounded value (count
        # exact: the points follow it; see ``slack``) — none for an exact value
        per_unit = abs(self.points / self.per) * SLACK if exact else None

        def deduct(scope: Mapping[str, Any]) -> Decimal:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            try:  # exactly (no rounding of a subtraction near a step)
                beyond = wide.subtract(v, s) if above else wide.subtract(s, v)
            except ArithmeticError:
                beyond = exact_difference(v, s) if above else exact_difference(s, v)
            if beyond <= 0:
                return full
            # min(weight, max(floor, x)) spelt out as Python's min and max decide (cheaper)
            units = exact_quotient(beyond, per) if exact else exact_steps(beyond, per, up)
            x = weight - units * step  # (as ``units`` counts them)
            c = x if x > floor else floor
            slack = None if per_unit is None or not rounded(v) else abs(v) * per_unit
            return round_places(c if c < weight else weight, places, slack)

        return deduct

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        s = self.start.const
        if s is None or get is None:
            return None
        above, step, floor, units_of, slack_of = (
            self.direction == "above",
            self.points,
            self.floor,
            self.units,
            self.slack,
        )
        th = {"op": "<=" if above else ">=", "value": s}  # one for every finding (read only)
        full = round_places(weight, places)

        def deduct(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, Any, str | None]:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            beyond = exact_difference(v, s) if above else exact_difference(s, v)
            if beyond <= 0:
                return v, full, True, th, None
            units = units_of(beyond)
            # min(weight, max(floor, x)) spelt out as Python's min and max decide (cheaper)
            x = weight - units * step
            c = x if x > floor else floor
            points = round_places(c if c < weight else weight, places, slack_of(v))
            detail = f"{plain(units)} step(s) × {step}"
            return v, points, False, th, detail

        return deduct

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        b, np = build.bounds, build.np
        s = self.start.const
        if s is None:
            return self._column_form_per_row(weight, build)
        for x in (s, self.per, self.points, self.floor, weight):
            b.const(x)  # in range (raises Unsupported otherwise)
        above, count, sv = self.direction == "above", self.count, b.const(s)
        op = "<=" if above else ">="
        per, wf, ff, pf = float(self.per), float(weight), float(self.floor), float(self.points)
        guard = b.SAFETY * b.U
        stepped = _stepped(b, np, above, count, per, (wf, ff, pf), guard)
        rational = _rational_points(b, above, count, (self.per, self.points, weight, self.floor))

        def exact_points(ctx: Any, v: Any, rows: Any) -> Any:
            """The points of ``rows``, exactly (rationals)."""
            q = v.exact_rows(ctx, rows)
            return None if q is None else rational(q, b.q_const(s, len(rows)), len(rows))

        # count 'exact': the points W − (beyond / per)·points, clamped to [floor, W], are
        # continuous in v (W on the good side of the start, where the clamp gives W too): one
        # multiply-add, the clamp, the rounding guard — its bound from the largest |v|
        slope = pf / per if above else -pf / per  # W − (v − s)·slope (rounded: k covers it)
        offset = wf + float(sv.v) * slope

        def deduct_exact(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            if use_met:
                b.fail(ctx, v, op, sv, out=failed)  # ties exactly
            top = float(max(-np.min(v.v), np.max(v.v)))
            if v.mag is not None:
                top = max(top, float(np.max(v.mag)))
            raw = v.v * (-slope)
            raw += offset
            np.clip(raw, ff, wf, out=raw)
            mag = abs(wf) + abs(ff) + (top + abs(float(sv.v))) * abs(slope)
            pv = b.Bounded(raw, mag, v.k + 12)

            def exact(rows: Any) -> Any:
                return exact_points(ctx, v, rows)

            return b.round_points(ctx, pv, wf, exact=exact), None, use_met

        def deduct(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            fail = b.fail(ctx, v, op, sv, out=failed if use_met else None)  # ties exactly
            pv, force = stepped(v, sv, max(v.k, 1.0) + 1, fail)

            def exact(rows: Any) -> Any:
                return exact_points(ctx, v, rows)

            return b.round_points(ctx, pv, wf, exact=exact, force=force), None, use_met

        return build.form(
            deduct_exact if count == "exact" else deduct,
            int_run=self._int_form(s, weight, places, build),
        )

    def _column_form_per_row(self, weight: Decimal, build: Any) -> Any:
        """The column form with the start read per row (an expression: ``0.9 if f else
        0.95``): beyond it per row, ties on the start, on a step and on a half exact."""
        b, np = build.bounds, build.np
        assert self.start.expr is not None
        start = build.expression(self.start.expr.text)
        for x in (self.per, self.points, self.floor, weight):
            b.const(x)  # in range (raises Unsupported otherwise)
        above, count = self.direction == "above", self.count
        op = "<=" if above else ">="
        per, wf, ff, pf = float(self.per), float(weight), float(self.floor), float(self.points)
        guard = b.SAFETY * b.U
        stepped = _stepped(b, np, above, count, per, (wf, ff, pf), guard)
        rational = _rational_points(b, above, count, (self.per, self.points, weight, self.floor))

        def exact_points(ctx: Any, v: Any, sb: Any, rows: Any) -> Any:
            q, s_q = v.exact_rows(ctx, rows), sb.exact_rows(ctx, rows)
            return None if q is None or s_q is None else rational(q, s_q, len(rows))

        def deduct(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            sb = start(ctx)
            fail = b.fail(ctx, v, op, sb, out=failed if use_met else None)  # ties exactly
            pv, force = stepped(v, sb, max(v.k, sb.k) + 1, fail)

            def exact(rows: Any) -> Any:
                return exact_points(ctx, v, sb, rows)

            return b.round_points(ctx, pv, wf, exact=exact, force=force), None, use_met

        return build.form(deduct)

    def _int_form(self, s: Decimal, weight: Decimal, places: int, build: Any) -> Any:
        """The step over exact integer columns (value ``n / d``, ``d > 0``): ``beyond`` as
        the integer ``B`` over ``d·sd``, the steps and the points as integer quotients, the
        clamp to [floor, weight] on the rounded points (rounding is monotone)."""
        ints, np = build.ints, build.np
        fr = [ints.fraction(x) for x in (s, self.per, self.points, weight, self.floor)]
        if any(f is None for f in fr):
            return None
        sq, pq, qq, wq, _ = fr
        sn, sd, pn, pd = sq.numerator, sq.denominator, pq.numerator, pq.denominator
        qn, qd, wn, wd = qq.numerator, qq.denominator, wq.numerator, wq.denominator
        above, count, scale = self.direction == "above", self.count, 10**places
        full = int(round_places(weight, places).scaleb(places))
        low = int(round_places(self.floor, places).scaleb(places))
        signed = self.floor < 0  # negative raw points matter: round them away from zero
        k1 = sd * pn  # steps = B·pd / (d·k1)

        def deduct_int(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            ints.fits(v.nmax * sd + abs(sn) * v.dmax)
            x, y = v.n * sd, v.d * sn
            beyond = x - y if above else y - x  # beyond the start, over d·sd
            bmax = v.nmax * sd + abs(sn) * v.dmax
            if use_met:
                np.greater(beyond, 0, out=failed)
            if count == "exact":
                # S·(W − B·pd·q / (d·k1)) = (S·wn·qd·k1·d − S·wd·qn·pd·B) / (wd·qd·k1·d)
                ca, cb, cd = scale * wn * qd * k1, scale * wd * qn * pd, wd * qd * k1
                ints.fits(ca * v.dmax + cb * bmax)
                num = v.d * ca - beyond * cb
                nmax, den, dmax = ca * v.dmax + cb * bmax, v.d * cd, v.dmax * cd
            else:
                ints.fits(bmax * pd, v.dmax * k1)
                un, ud = beyond * pd if pd != 1 else beyond, v.d * k1
                steps = -((-un) // ud) if count == "started" else un // ud
                # S·(W − steps·q) = (S·wn·qd − steps·S·wd·qn) / (wd·qd)
                smax = bmax * pd + 1
                ca, cb = scale * wn * qd, scale * wd * qn
                ints.fits(ca + cb * smax)
                if ca % (wd * qd) == 0 and cb % (wd * qd) == 0:  # whole points: no rounding
                    k = wd * qd
                    pts = (ca // k) - steps * (cb // k)
                    return np.clip(pts, low, full, out=pts), None, use_met
                num = ca - steps * cb
                nmax, den, dmax = ca + cb * smax, wd * qd, wd * qd
            rounded = (ints.round_signed if signed else ints.half_up)(num, den, nmax, dmax)
            return np.clip(rounded, low, full), None, use_met

        return deduct_int

    def boundaries(self) -> Iterable[Decimal]:
        s = self.start.const
        return () if s is None else (s, s + self.per, s - self.per)

    def monotone(self, weight: Decimal | None) -> str | None:
        return {"below": "increasing", "above": "decreasing"}.get(self.direction)

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        w, v, s = weight_of(weight), number(value), self.start(scope)
        if self.start.const is None and unsure_pair(v, s):
            raise NotExact("a computed value against a computed start")
        beyond = exact_difference(v, s) if self.direction == "above" else exact_difference(s, v)
        standard = {
            "start": s,
            "direction": self.direction,
            "per": self.per,
            "points": self.points,
            "count": self.count,
            "floor": self.floor,
        }
        side = how.say(f"deduct_{self.direction}")
        fields: dict[str, Any] = {"value": how.q(v), "start": how.q(s), "side": side}
        if beyond <= 0:
            return how.working(
                "deduct_clear", standard, [{"step": "beyond", "value": beyond}], **fields
            )
        # the same arithmetic as ``score``: units × points off the weight, within [floor, w]
        units = plain(self.units(beyond))  # an exact rational as its 28 digits
        off = units * self.points
        raw = w - off
        bound: Any = ""
        if raw < self.floor:
            bound = how.say("floored", floor=how.n(self.floor))
        elif raw > w:  # a negative step (never with points > 0): the weight caps it
            bound = how.say("capped", weight=how.n(w))
        count = "" if self.count == "exact" else how.say(f"count_{self.count}", units=how.n(units))
        return how.working(
            "deduct",
            standard,
            [
                {"step": "beyond", "value": beyond},
                {"step": "units", "value": units},
                {"step": "deduction", "value": off},
                {"step": "raw", "value": raw},
            ],
            gap=how.gap(beyond),
            per=how.gap(self.per),
            step=how.n(self.points),
            count=count,
            units=how.n(units),
            off=how.n(off),
            subtract=how.say("subtract", weight=how.n(w), off=how.n(off), raw=how.n(raw)),
            bound=bound,
            **fields,
        )


def build(config: DeductConfig, ctx: BuildContext) -> DeductScorer:
    need_weight(ctx)
    if ctx.weight is not None and not ZERO <= config.floor <= ctx.weight:
        ctx.problem(
            (*ctx.path, "floor"), f"floor {config.floor} is outside [0, weight {ctx.weight}]"
        )
    return DeductScorer(
        Target(config.start, ctx, "start"),
        config.direction,
        config.per,
        config.points,
        config.count,
        config.floor,
    )


KIND = ScorerType("deduct", DeductConfig, build, __doc__ or "", needs_value=True)


def _stepped(
    b: Any, np: Any, above: bool, count: str, per: float, wfp: tuple[float, ...], guard: Any
) -> Any:
    """The column form's points past a start (a constant or read per row), bounded: the steps
    beyond it (whole ones for ``started``/``completed``, rows on a step forced to the exact
    points), times the points per step, off the weight, clamped at the floor."""
    wf, ff, pf = wfp

    def stepped(v: Any, start: Any, k: float, fail: Any) -> tuple[Any, Any]:
        beyond_v = v.v - start.v if above else start.v - v.v
        beyond = b.Bounded(beyond_v, v.m() + start.m(), k)
        units = b.Bounded(beyond.v / per, beyond.m() / abs(per), beyond.k + 2)
        force = None
        if count in ("started", "completed"):
            f = np.ceil(units.v) if count == "started" else np.floor(units.v)
            off = np.abs(units.v - np.round(units.v))
            near = off <= units.tol() + guard * np.abs(units.v)
            force = near & fail  # on a step: the exact points decide
            units = b.Bounded(f, np.abs(f), 1.0)
        raw = np.minimum(wf, np.maximum(ff, wf - units.v * pf))
        mag = units.m() * abs(pf) + abs(wf) + abs(ff)
        return b.Bounded(np.where(fail, raw, wf), mag, units.k + 3), force

    return stepped


def _rational_points(b: Any, above: bool, count: str, consts: tuple[Decimal, ...]) -> Any:
    """The column form's points of some rows in rationals, from their values ``q`` and their
    start ``s_q``: the steps beyond the start (whole ones for ``started``/``completed``) times
    the points per step, off the weight, clamped to [floor, weight]; the weight on the good
    side of the start."""
    per, points, weight, floor = consts

    def rational(q: Any, s_q: Any, n: int) -> Any:
        per_q, pts_q, w_q, floor_q, nil = (
            b.q_const(x, n) for x in (per, points, weight, floor, ZERO)
        )
        beyond = q - s_q if above else s_q - q
        units = beyond / per_q
        if count == "started":
            units = units.ceil()
        elif count == "completed":
            units = units.floor()
        off = (w_q - units * pts_q).maximum(floor_q).minimum(w_q)
        return b.select(beyond.cmp(nil) <= 0, w_q, off)

    return rational
