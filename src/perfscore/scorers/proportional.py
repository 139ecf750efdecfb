"""``proportional``: the 10号 quantitative rule — met gives full marks, else the weight ×
actual/target (``higher``), target/actual (``lower``) or 1 − |deviation|/target (``equal``).

Example::

    inputs: {done: {type: number}}
    indicators:
      - id: output
        title: 完成数量
        weight: 10
        value: done
        scorer: {type: proportional, target: 20, direction: higher}
    cases:
      - {values: {done: 20}, points: 10}
      - {values: {done: 15}, points: 7.5}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..exact import ONCE, SLACK, WIDE, exact_value, full, plain, unsure_pair
from ..exact import full as full_digits
from ..modelbase import NumberOrExpr
from ..numbers import NotExact, round_places
from .base import (
    ONE,
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
from .proportional_outcome import outcome_form
from .threshold import OP_TEXT

__all__ = ["KIND", "ProportionalConfig", "ProportionalScorer", "ratio"]


class ProportionalConfig(ScorerConfig):
    type: Literal["proportional"]
    target: NumberOrExpr
    direction: Literal["higher", "lower", "equal"] = "higher"


def ratio(direction: str, v: Decimal, t: Decimal) -> tuple[bool, Decimal]:
    """Whether ``v`` meets target ``t``, and the share of the weight it earns (in [0, 1])."""
    if direction == "higher":
        met = v >= t
        r = ONE if met else (ZERO if t <= 0 or v <= 0 else v / t)
    elif direction == "lower":
        met = v <= t
        r = ONE if met else (ZERO if v <= 0 or t < 0 else t / v)
    else:
        met = v == t
        if met:
            r = ONE
        elif t == 0:
            r = ZERO
        else:  # 1 − |v − t| / |t| cancels: exactly (a rational), rounded by the caller
            r = max(ZERO, ONE - abs(exact_value(v) - exact_value(t)) / abs(exact_value(t)))
    return met, min(ONE, max(ZERO, r))


def _slack(direction: str, v: Decimal, t: Decimal, w: Decimal) -> Decimal | None:
    """How far the points may be from the exact value's when ``v`` or ``t`` is a rounded
    result (the deviation of ``equal`` is not proportional to the points)."""
    if direction != "equal" or not isinstance(v, Decimal) or not (full(v) or full(t)) or t == 0:
        return None
    return w * (abs(v) + abs(t)) / abs(t) * SLACK


_OP = {"higher": ">=", "lower": "<=", "equal": "=="}


@dataclass
class ProportionalScorer(BaseScorer):
    """10号 quantitative rule: met → full marks, else weight × actual/target (direction-aware)."""

    target: Target
    direction: str
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return self.target.expressions

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w, v, t = weight_of(weight), number(value), self.target(scope)
        if self.target.const is None and unsure_pair(v, t):
            raise NotExact("a computed value against a computed target")
        met, r = ratio(self.direction, v, t)
        return scored(
            points=w * r,
            met=met,
            threshold={"op": _OP[self.direction], "value": t},
            slack=_slack(self.direction, v, t, w) if self.direction == "equal" else None,
        )

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        if get is None:
            return None
        t = self.target.const
        direction = self.direction
        # ratio()'s two constant answers kept; between them its clamp to [0, 1] changes nothing
        # (0 < v < t gives 0 < v / t ≤ 1 after rounding, 0 ≤ t < v gives 0 ≤ t / v ≤ 1)
        full, none = round_places(weight * ONE, places), round_places(weight * ZERO, places)
        if t is None:  # a target read per subject
            return _per_subject(self.target, get, direction, weight, places, full, none)
        if direction == "higher":  # the common case

            def higher(scope: Mapping[str, Any]) -> Decimal:
                v = get(scope)
                if type(v) is not Decimal or not v.is_finite():
                    raise Fallback
                if v >= t:
                    return full
                if t <= 0 or v <= 0:
                    return none
                return round_places(weight * (v / t), places)

            return higher
        if direction == "lower":

            def lower(scope: Mapping[str, Any]) -> Decimal:
                v = get(scope)
                if type(v) is not Decimal or not v.is_finite():
                    raise Fallback
                if v <= t:
                    return full
                if v <= 0 or t <= 0:  # (0 / v is 0, and -0 too: score clamps it to 0)
                    return none
                return round_places(weight * (t / v), places)

            return lower
        if t == 0:  # met (v = 0) or nothing
            return lambda scope: full if _number(get(scope)) == 0 else none
        at, t_full = abs(t), full_digits(t)
        per_unit = weight * SLACK / at  # _slack's bound is (|v| + |t|) × this

        def equal(scope: Mapping[str, Any]) -> Decimal:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            if v == t:
                return full
            slack = (abs(v) + at) * per_unit if t_full or full_digits(v) else None
            return _equal_points(v, t, at, weight, places, none, slack)

        return equal

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        d = self.direction
        return outcome_form(self.target, d, _OP[d], get, weight, places, _slack, _equal_points)

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        b, np = build.bounds, build.np
        t = self.target.const
        if t is None:
            return self._column_form_per_row(weight, build)
        direction, tv, wf, zero = self.direction, b.const(t), float(weight), b.const(ZERO)

        def exact_points(ctx: Any, v: Any, rows: Any) -> Any:
            """weight × ratio(direction, v, t), exactly (rationals), for ``rows``."""
            q, n = v.exact_rows(ctx, rows), len(rows)
            if q is None:
                return None
            t_q, one, nil, w_q = (b.q_const(x, n) for x in (t, ONE, ZERO, weight))
            s = q.cmp(t_q)
            if direction == "higher":
                met = s >= 0
                r = nil if t <= 0 else (q / t_q).clip(nil, one)
            elif direction == "lower":
                met = s <= 0
                pos = q.cmp(nil) > 0
                if t < 0:
                    r = nil
                else:
                    safe = b.select(pos, q, one)  # v <= 0 earns nothing (no division)
                    r = b.select(pos, (t_q / safe).clip(nil, one), nil)
            else:
                met = s == 0
                r = nil if t == 0 else (one - abs(q - t_q) / abs(t_q)).clip(nil, one)
            return b.select(met, one, r) * w_q

        def proportional(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            met = None
            decided = False

            def exact(rows: Any) -> Any:
                return exact_points(ctx, v, rows)

            if direction == "higher":
                if use_met or t <= 0:
                    met = ~b.fail(ctx, v, ">=", tv, out=failed)
                    decided = use_met
                # (otherwise no comparison is needed: the points are continuous in v, and
                # the rounding guard sends rows too close to call to the exact points)
                if t <= 0:
                    ratio = b.Bounded(np.where(met, 1.0, 0.0), None, 1.0)
                else:  # continuous in v: 0 for v <= 0, v/t below t, 1 from t on
                    r = v.v / float(t)
                    np.clip(r, 0.0, 1.0, out=r)
                    ratio = b.Bounded(r, None if v.mag is None else v.m() / float(t), v.k + 2)
                return b.round_points(ctx, ratio, wf, factor=wf, exact=exact), met, decided
            if direction == "lower":
                met = b.compare(ctx, v, "<=", tv)
                pos = b.compare(ctx, v, ">", zero)
                if t < 0:
                    ratio = b.Bounded(np.zeros(ctx.n), None, 1.0)
                else:
                    safe = np.where(v.v == 0, 1.0, v.v)
                    r = float(t) / safe
                    clipped = np.minimum(np.maximum(r, 0.0), 1.0)
                    # t/v inherits v's error relative to |v|: with an absolute bound (after
                    # + or −, where cancellation makes it large) carry it as a magnitude
                    mag = None if v.mag is None else np.abs(r) * v.mag / np.abs(safe)
                    ratio = b.Bounded(np.where(pos, clipped, 0.0), mag, v.k + 2)
            else:
                met = b.compare(ctx, v, "==", tv)
                if t == 0:
                    ratio = b.Bounded(np.zeros(ctx.n), None, 1.0)
                else:
                    dev = np.abs(v.v - float(t))
                    r = 1.0 - dev / abs(float(t))
                    mag = (v.m() + abs(float(t))) / abs(float(t)) + 1.0
                    ratio = b.Bounded(np.minimum(np.maximum(r, 0.0), 1.0), mag, v.k + 3)
                ratio = b.Bounded(np.where(met, 1.0, ratio.v), ratio.mag, ratio.k)
            pv = b.Bounded(
                np.where(met, wf, ratio.v * wf),
                None if ratio.mag is None else ratio.m() * wf,
                ratio.k + 2,
            )
            return b.round_points(ctx, pv, wf, exact=exact), met, decided

        return build.form(proportional, int_run=self._int_form(weight, places, build))

    def _int_form(self, weight: Decimal, places: int, build: Any) -> Any:
        """The step over exact integer columns (value ``n / d``, ``d > 0``): the ratio's
        points as one rounded integer quotient, e.g. ``(2·c·n + k·d) // (2·k·d)``."""
        ints, np = build.ints, build.np
        t_f, w_f = ints.fraction(self.target.const), ints.fraction(weight)
        if t_f is None or w_f is None:
            return None
        direction, tq = self.direction, ints.const(t_f)
        tn, td, wn, wd = t_f.numerator, t_f.denominator, w_f.numerator, w_f.denominator
        s = 10**places
        full = int(round_places(weight, places).scaleb(places))
        op = _OP[direction]

        def proportional_int(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            met = ints.compare(v, op, tq, ctx.n)
            if use_met:
                np.logical_not(met, out=failed)
            if direction == "higher":
                if tn <= 0:
                    return np.where(met, full, 0), met, use_met
                # below the target (and v > 0): W·v/t = wn·td·n / (wd·tn·d)
                p = ints.half_up_lin(v.n, wn * s * td, v.d, wd * tn, v.nmax, v.dmax)
                if not v.nonneg:
                    np.maximum(p, 0, out=p)
            elif direction == "lower":
                if tn < 0:
                    return np.where(met, full, 0), met, use_met
                # above the target (so v > 0): W·t/v = wn·tn·d / (wd·td·n)
                pos = np.maximum(v.n, 1)  # rows at or below 0 met the target
                p = ints.half_up_lin(v.d, wn * s * tn, pos, wd * td, v.dmax, v.nmax + 1)
            else:
                if tn == 0:
                    return np.where(met, full, 0), met, use_met
                # W·(|t| − |v − t|)/|t| = wn·(|tn|·d − |n·td − tn·d|) / (wd·|tn|·d)
                at = abs(tn)
                ints.fits(v.nmax * td + at * v.dmax, 2 * wn * s * at * v.dmax)
                dev = np.abs(v.n * td - v.d * tn)
                num = np.maximum(v.d * at - dev, 0)
                c, k = wn * s, wd * at
                p = ints.half_up(num * c, v.d * k, at * v.dmax * c, v.dmax * k)
            return ints.where_int(met, full, p), met, use_met

        return proportional_int

    def _column_form_per_row(self, weight: Decimal, build: Any) -> Any:
        """The column form with a target read per row (an expression): every comparison and
        the ratio per row, exact on ties and halves."""
        b, np = build.bounds, build.np
        assert self.target.expr is not None
        target = build.expression(self.target.expr.text)
        direction, wf, zero = self.direction, float(weight), b.const(ZERO)

        def exact(ctx: Any, v: Any, tb: Any, rows: Any) -> Any:
            q, t_q, n = v.exact_rows(ctx, rows), tb.exact_rows(ctx, rows), len(rows)
            one, nil, w_q = b.q_const(ONE, n), b.q_const(ZERO, n), b.q_const(weight, n)
            s = q.cmp(t_q)
            if direction == "higher":
                met = s >= 0
                use = (t_q.cmp(nil) > 0) & (q.cmp(nil) > 0)
                r = b.select(use, q / b.select(use, t_q, one), nil)
            elif direction == "lower":
                met = s <= 0
                use = (q.cmp(nil) > 0) & (t_q.cmp(nil) >= 0)
                r = b.select(use, t_q / b.select(use, q, one), nil)
            else:
                met = s == 0
                use = t_q.cmp(nil) != 0
                dev = abs(q - t_q) / abs(b.select(use, t_q, one))
                r = b.select(use, one - dev, nil)
            return b.select(met, one, r.clip(nil, one)) * w_q

        def proportional(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            tb = target(ctx)
            op = {"higher": ">=", "lower": "<=", "equal": "=="}[direction]
            met = b.compare(ctx, v, op, tb)
            if direction == "higher":
                use = b.compare(ctx, tb, ">", zero) & b.compare(ctx, v, ">", zero)
                num, den = v, tb
            elif direction == "lower":
                use = b.compare(ctx, v, ">", zero) & b.compare(ctx, tb, ">=", zero)
                num, den = tb, v
            else:
                use = ~b.equal_rows(ctx, tb, zero)
                num, den = None, tb
            safe = np.where(use, den.v, 1.0)
            if num is None:  # 1 − |v − t| / |t|
                dev = np.abs(v.v - tb.v) / np.abs(safe)
                r = 1.0 - dev
                mag = (v.m() + tb.m()) / np.abs(safe) + dev * den.m() / np.abs(safe) + 1.0
                k = max(v.k, tb.k) + 3
            else:
                r = num.v / safe
                mag = (
                    None
                    if num.mag is None and den.mag is None
                    else (num.m() + np.abs(r) * den.m()) / np.abs(safe)
                )
                k = num.k + den.k + 1
            r = np.where(met, 1.0, np.where(use, np.minimum(np.maximum(r, 0.0), 1.0), 0.0))
            if mag is not None:
                mag = np.where(use & ~met, mag, 0.0)
            pv = b.Bounded(r, mag, k + 1)
            pts = b.round_points(ctx, pv, wf, factor=wf, exact=lambda rows: exact(ctx, v, tb, rows))
            if use_met:
                np.logical_not(met, out=failed)
            return pts, met, use_met

        return build.form(proportional)

    def boundaries(self) -> Iterable[Decimal]:
        return () if self.target.const is None else (self.target.const,)

    def monotone(self, weight: Decimal | None) -> str | None:
        return {"higher": "increasing", "lower": "decreasing"}.get(self.direction)

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        w, v, t = weight_of(weight), number(value), self.target(scope)
        met, r = ratio(self.direction, v, t)
        r = plain(r)  # an exact rational (equal) as its 28 digits
        op = _OP[self.direction]
        standard = {"op": op, "target": t, "direction": self.direction}
        fields = {"value": how.q(v), "target": how.q(t), "weight": how.n(w)}
        if met:
            return how.working(
                "proportional_met",
                standard,
                [{"step": "compare", "value": v, "op": op, "target": t, "met": True}],
                op=OP_TEXT[op],
                **fields,
            )
        raw = w * r
        steps = [{"step": "ratio", "value": r}, {"step": "raw", "value": raw}]
        if r == ZERO:
            return how.working("proportional_nothing", standard, steps, **fields)
        return how.working(
            f"proportional_{self.direction}", standard, steps, raw=how.n(raw), **fields
        )


def _number(v: Any) -> Decimal:
    """``v`` when it is a finite Decimal, else :class:`Fallback` (the evaluator decides)."""
    if type(v) is not Decimal or not v.is_finite():
        raise Fallback
    return v


def _equal_points(
    v: Decimal,
    t: Decimal,
    at: Decimal,
    weight: Decimal,
    places: int,
    none: Decimal,
    slack: Decimal | None,
) -> Decimal:
    """``equal``'s points ``w × (|t| − |v − t|) / |t|`` (``v ≠ t``, ``t ≠ 0``) rounded to
    ``places``: the deviation exact, the quotient rounded once (no rational arithmetic) —
    what ``score`` gives exactly, or :class:`NotExact` near a half (decided exactly then)."""
    dev = WIDE.subtract(v, t).copy_abs()  # exact (Inexact beyond 400 digits: the evaluator)
    if dev >= at:
        return none
    return round_places(
        ONCE.divide(WIDE.multiply(weight, WIDE.subtract(at, dev)), at), places, slack
    )


def _per_subject(
    target: Target,
    get: Callable[[Mapping[str, Any]], Any],
    direction: str,
    weight: Decimal,
    places: int,
    full: Decimal,
    none: Decimal,
) -> PointsForm:
    """The fast form with a target read per subject (``plan_cost``): as ``score`` decides it,
    two possibly rounded values side by side left to the evaluator (exactly)."""
    expr = target.expr
    assert expr is not None
    read = expr.__call__  # the compiled function itself

    def per_subject(scope: Mapping[str, Any]) -> Decimal:
        v, t = get(scope), read(scope)
        if type(v) is not Decimal or not v.is_finite() or type(t) is not Decimal:
            raise Fallback
        if not t.is_finite():
            raise Fallback
        if unsure_pair(v, t):  # (two rounded values side by side: decided exactly)
            raise NotExact("a computed value against a computed target")
        if direction == "higher":
            if v >= t:
                return full
            if t <= 0 or v <= 0:
                return none
            return round_places(weight * (v / t), places)
        if direction == "lower":
            if v <= t:
                return full
            if v <= 0 or t <= 0:  # (score clamps -0 / v to 0)
                return none
            return round_places(weight * (t / v), places)
        if v == t:
            return full
        if t == 0:
            return none
        slack = _slack(direction, v, t, weight) if full_digits(t) or full_digits(v) else None
        return _equal_points(v, t, t.copy_abs(), weight, places, none, slack)

    return per_subject


def build(config: ProportionalConfig, ctx: BuildContext) -> ProportionalScorer:
    need_weight(ctx)
    return ProportionalScorer(Target(config.target, ctx, "target"), config.direction)


KIND = ScorerType("proportional", ProportionalConfig, build, __doc__ or "", needs_value=True)
