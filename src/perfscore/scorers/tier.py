"""``tier``: qualitative tiers (10号: 达成 100–80%, 部分达成 80–60%, 未达成 60–0% of the weight) —
a reviewer names the tier and, optionally, the ratio within it (else the tier's default, its
top unless declared).

Example::

    inputs:
      verdict: {type: text, choices: [met, partly, not_met]}
      share: {type: number}
    indicators:
      - id: satisfaction
        title: 满意度
        weight: 10
        scorer:
          type: tier
          tier: verdict
          ratio: share
          tiers:
            - {id: met, range: "[0.8, 1]"}
            - {id: partly, range: "[0.6, 0.8)", default: 0.7}
            - {id: not_met, range: "[0, 0.6)", default: 0}
    cases:
      - {values: {verdict: met}, points: 10}
      - {values: {verdict: partly, share: 0.65}, points: 6.5}
      - {values: {verdict: partly}, points: 7}
      - {values: {verdict: not_met}, points: 0}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from ..errors import EvaluationError
from ..intervals import Interval, check_partition, parse_interval
from ..modelbase import Expr, Identifier, StrictModel
from ..numbers import round_places
from ..words import SCORE, said
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
    Working,
    kind_of,
    need_weight,
    number,
    scored,
    weight_of,
)

__all__ = ["KIND", "Tier", "TierConfig", "TierScorer"]

#: functions that read a missing value themselves (compile.nodes.MISSING_AWARE: not imported,
#: compile imports the scorers)
MISSING_AWARE = frozenset({"is_missing", "coalesce"})


class Tier(StrictModel):
    id: Identifier
    title: str | None = None
    range: str
    default: Decimal | None = None


class TierConfig(ScorerConfig):
    type: Literal["tier"]
    tier: Expr
    ratio: Expr | None = None
    tiers: tuple[Tier, ...] = Field(min_length=1)


@dataclass
class TierScorer(BaseScorer):
    """Qualitative tiers (10号: 达成 100–80%, 部分达成 80–60%, 未达成 60–0% of the weight):
    a reviewer names the tier and, optionally, the ratio within it."""

    tier: Any
    ratio: Any | None
    tiers: dict[str, tuple[Interval, Decimal]]
    yields: str = "points"
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def expressions(self) -> tuple[Any, ...]:
        return (self.tier,)

    @property
    def optional_expressions(self) -> tuple[Any, ...]:
        """Read when present: a missing ratio means the tier's default."""
        return () if self.ratio is None else (self.ratio,)

    def given_ratio(self, scope: Mapping[str, Any]) -> Any:
        """The ratio given, or None for none: no ``ratio:``, or a blank in what it is computed
        from — a reviewer who left 得分 blank gave no share, so ``score / 100`` means the
        tier's default as a bare ``ratio: share`` left blank does (``coalesce``/``is_missing``
        in it decide for themselves)."""
        r = self.ratio
        if r is None:
            return None
        if not r.functions & MISSING_AWARE:
            for name in r.names:
                if scope.get(name) is None:
                    return None
        return r(scope)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w = weight_of(weight)
        chosen = self.tier(scope)
        if not isinstance(chosen, str) or chosen not in self.tiers:
            raise EvaluationError(
                said(SCORE, "not_tier", tiers=", ".join(self.tiers), kind=kind_of(chosen))
            )
        interval, default = self.tiers[chosen]
        raw = self.given_ratio(scope)
        ratio = default if raw is None else number(raw, "ratio")
        if ratio not in interval:
            raise EvaluationError(
                said(
                    SCORE,
                    "ratio_outside",
                    ratio=ratio,
                    tier=repr(chosen),
                    range=interval.shown(),
                ),
                reads=() if raw is None or self.ratio is None else tuple(self.ratio.names),
            )
        return scored(points=w * ratio, threshold={"name": chosen, "range": interval.describe()})

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        """The tier named looks up its default's points (rounded at load); a ratio given is
        checked against the tier's range and scaled, as ``score`` does."""
        tier = self.tier.__call__  # the compiled function itself
        tiers = {
            name: (interval, round_places(weight * default, places))
            for name, (interval, default) in self.tiers.items()
        }
        if self.ratio is None:
            fixed = {name: points for name, (_, points) in tiers.items()}

            def named(scope: Mapping[str, Any]) -> Decimal:
                chosen = tier(scope)
                if chosen.__class__ is not str:
                    raise Fallback
                points = fixed.get(chosen)
                if points is None:
                    raise Fallback  # not a tier: an error, the evaluator's to say
                return points

            return named
        ratio = self.given_ratio

        def rated(scope: Mapping[str, Any]) -> Decimal:
            chosen = tier(scope)
            if chosen.__class__ is not str or chosen not in tiers:
                raise Fallback
            interval, points = tiers[chosen]
            r = ratio(scope)
            if r is None:
                return points
            if type(r) is not Decimal or not r.is_finite() or r not in interval:
                raise Fallback
            return round_places(weight * r, places)

        return rated

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        """Without a ratio: the tier named looks up its default's points (rounded at load) and
        its threshold (one for every finding of it: read, never written) — what ``score``
        gives; the value read, if any.  With a ratio: ``score`` (the evaluator's general
        form)."""
        if self.ratio is not None:
            return None
        tier = self.tier.__call__  # the compiled function itself
        fixed: dict[str, tuple[Decimal, Mapping[str, Any]]] = {}
        for name, (interval, default) in self.tiers.items():
            if default not in interval:  # (refused when built: score raises)
                return None
            th = {"name": name, "range": interval.describe()}
            fixed[name] = (round_places(weight * default, places), th)

        def named(scope: Mapping[str, Any]) -> tuple[Any, Decimal, None, Any, None]:
            chosen = tier(scope)
            got = fixed.get(chosen) if chosen.__class__ is str else None
            if got is None:  # not a tier: an error, the evaluator's to say
                raise Fallback
            return (None if get is None else get(scope)), got[0], None, got[1], None

        return named

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        b, np = build.bounds, build.np
        name = build.category(self.tier.text)
        ratio = None if self.ratio is None else build.number_input(self.ratio.text)
        ids = list(self.tiers)
        defaults = [self.tiers[i][1] for i in ids]
        fixed = [float(b.scaled(weight * d, places)) for d in defaults]
        limits = []
        for i in ids:
            iv = self.tiers[i][0]
            low = None if not iv.low.is_finite() else b.const(iv.low)
            high = None if not iv.high.is_finite() else b.const(iv.high)
            limits.append(
                (">=" if iv.low_inclusive else ">", low, "<=" if iv.high_inclusive else "<", high)
            )
        wf = float(weight)

        def tier(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            cats, vocab = ctx.category(name)
            lookup = np.array([ids.index(x) if x in ids else -1 for x in vocab] + [-1, -1])
            t = lookup[cats]  # the tier of each row (−1: not a tier, blank or unreadable)
            ctx.add_error(t < 0)  # a blank is decided by the missing-value policy first
            if ratio is None:
                pts = np.zeros(ctx.n)
                for k, p in enumerate(fixed):
                    pts[t == k] = p
                return pts, None, False
            r = ctx.cache[ratio]
            code = ctx.codes.get(ratio)
            given = np.ones(ctx.n, bool) if code is None else code != b.F_MISSING
            default = np.array([float(d) for d in defaults] + [0.0])[t]
            share = np.where(given, r.v, default)
            saved = ctx.skip  # rows without a ratio given are not compared (no value there)
            ctx.skip = ~given if saved is None else saved | ~given
            for k, (low_op, low, high_op, high) in enumerate(limits):
                rows = (t == k) & given
                if not rows.any():
                    continue
                inside = np.ones(ctx.n, bool)
                if low is not None:
                    inside &= b.compare(ctx, r, low_op, low)
                if high is not None:
                    inside &= b.compare(ctx, r, high_op, high)
                ctx.add_error(rows & ~inside)  # a share outside its tier: an error
            ctx.skip = saved

            def exact(rows: Any) -> Any:
                n = len(rows)
                d_q = b.q_const(0, n)
                for k, d in enumerate(defaults):
                    d_q = b.select(t[rows] == k, b.q_const(d, n), d_q)
                g = given[rows]  # (the ratio's exact value only where one was given)
                if g.any():
                    q = build.merge(g, r.exact_rows(ctx, rows[g]), d_q.take(np.flatnonzero(~g)), n)
                    d_q = q
                return d_q * b.q_const(weight, n)

            bounded = b.Bounded(share, None, r.k + 1)
            return b.round_points(ctx, bounded, wf, factor=wf, exact=exact), None, False

        return build.form(tier, needs_value=False, uses_met=False)

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        w = weight_of(weight)
        chosen = self.tier(scope)
        if not isinstance(chosen, str) or chosen not in self.tiers:
            return None
        interval, default = self.tiers[chosen]
        raw = self.given_ratio(scope)
        ratio = default if raw is None else number(raw, "ratio")  # as ``score`` reads it
        points = w * ratio
        title = self.titles.get(chosen)
        return how.working(
            "tier",
            {"tier": chosen, "range": interval.describe(), "default": default},
            [{"step": "ratio", "value": ratio, "given": raw is not None},
             {"step": "raw", "value": points}],
            tier=(f"{title}（{chosen}）", chosen) if title else chosen,
            range=interval.shown(), ratio=how.n(ratio),
            given=how.say("tier_default" if raw is None else "tier_given"),
            weight=how.n(w), raw=how.n(points),
        )  # fmt: skip

    def texts(self) -> Iterable[str]:
        return self.tiers

    def branches(self) -> list[str] | None:
        return list(self.tiers)


def build(config: TierConfig, ctx: BuildContext) -> TierScorer:
    need_weight(ctx)
    tiers: dict[str, tuple[Interval, Decimal]] = {}
    for k, t in enumerate(config.tiers):
        tpath = (*ctx.path, "tiers", k)
        try:
            interval = parse_interval(t.range)
        except ValueError as e:
            ctx.problem((*tpath, "range"), str(e))
            continue
        if interval.low < 0 or interval.high > 1:
            ctx.problem((*tpath, "range"), "a tier's range is a share of the weight, within [0, 1]")
        default = t.default if t.default is not None else interval.high
        if default not in interval:
            ctx.problem((*tpath, "default"), f"default {default} is outside the tier's range")
        if t.id in tiers:
            ctx.problem((*tpath, "id"), f"tier id {t.id!r} is used twice")
        tiers[t.id] = (interval, default)
    if len(tiers) == len(config.tiers):
        for i, msg in check_partition([iv for iv, _ in tiers.values()]):
            ctx.problem((*ctx.path, "tiers", i, "range"), msg)
    ratio = None if config.ratio is None else ctx.compile(config.ratio, (*ctx.path, "ratio"))
    titles = {t.id: t.title for t in config.tiers if t.title}
    return TierScorer(ctx.compile(config.tier, (*ctx.path, "tier")), ratio, tiers, titles=titles)


KIND = ScorerType("tier", TierConfig, build, __doc__ or "")
