"""Scorers: how a leaf indicator's value becomes points (or a letter grade).

Each scorer is built once from its YAML model when the rule set loads (targets compiled, bands
parsed and checked) and then called per subject.  New scorers register in :data:`SCORERS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from . import model as m
from .errors import EvaluationError
from .intervals import Interval, check_partition, parse_interval
from .letters import LetterScale
from .registry import Registry
from .values import Series

__all__ = [
    "SCORERS",
    "BuildContext",
    "Scored",
    "Scorer",
    "ScorerFactory",
    "register_scorer",
]

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class Scored:
    """What a scorer says: points or a letter, plus the threshold that decided it."""

    points: Decimal | None = None
    grade: str | None = None
    met: bool | None = None
    threshold: Mapping[str, Any] | None = None
    detail: str | None = None


_new = object.__new__


def _scored(
    points: Decimal | None = None,
    grade: str | None = None,
    met: bool | None = None,
    threshold: Mapping[str, Any] | None = None,
    detail: str | None = None,
) -> Scored:
    """``Scored(...)`` without the frozen dataclass's per-field ``object.__setattr__`` (the
    built-in scorers make one per indicator per subject): the same class and attributes."""
    s = _new(Scored)
    s.__dict__.update(points=points, grade=grade, met=met, threshold=threshold, detail=detail)
    return s


class Scorer(Protocol):
    """Turns a value into points within [0, weight] (or into a letter of the rule set's scale)."""

    @property
    def yields(self) -> str:
        """ "points" or "grade"."""

    @property
    def expressions(self) -> tuple[Any, ...]:
        """Compiled expressions the scorer reads (for dependency tracking)."""

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored: ...


@dataclass
class BuildContext:
    """What a scorer factory may use while the rule set compiles."""

    compile: Callable[[str, tuple[str | int, ...]], Any]
    problem: Callable[[tuple[str | int, ...], str], None]
    path: tuple[str | int, ...]
    weight: Decimal | None
    letters: LetterScale | None


ScorerFactory = Callable[[Any, BuildContext], Scorer]
SCORERS: Registry[ScorerFactory] = Registry("scorer")


def register_scorer(name: str) -> Callable[[ScorerFactory], ScorerFactory]:
    """Register a scorer factory under ``type: name``; refuses a name twice."""
    return SCORERS.register(name)


def _num(value: Any, what: str = "value") -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise EvaluationError(f"{what} must be a number, got {_kind(value)}")
    if not value.is_finite():
        raise EvaluationError(f"{what} is not a finite number")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (missing)"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, Series):
        return "a series"
    return type(value).__name__


class _Target:
    """A number, or an expression evaluated per subject (a target read from the data)."""

    def __init__(self, raw: Decimal | str, ctx: BuildContext, key: str) -> None:
        self.const: Decimal | None = raw if isinstance(raw, Decimal) else None
        self.expr = None if isinstance(raw, Decimal) else ctx.compile(raw, (*ctx.path, key))

    def __call__(self, scope: Mapping[str, Any]) -> Decimal:
        if self.const is not None:
            return self.const
        assert self.expr is not None
        return _num(self.expr(scope), "target")

    @property
    def expressions(self) -> tuple[Any, ...]:
        return () if self.expr is None else (self.expr,)


def _weight(weight: Decimal | None) -> Decimal:
    if weight is None:
        raise EvaluationError("this scorer gives points, but the indicator has no weight")
    return weight


def _need_weight(ctx: BuildContext) -> None:
    if ctx.weight is None:
        ctx.problem(
            (*ctx.path[:-1], "weight"), "a points scorer needs the indicator to have a weight"
        )


_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@dataclass
class ThresholdScorer:
    """Pass/fail: full marks (or ``points_met``) when ``value op target``, else
    ``points_otherwise``."""

    op: str
    target: _Target
    points_met: Decimal | None
    points_otherwise: Decimal
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return self.target.expressions

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        v, t = _num(value), self.target(scope)
        met = _OPS[self.op](v, t)
        full = self.points_met if self.points_met is not None else _weight(weight)
        pts = full if met else self.points_otherwise
        return _scored(points=pts, met=met, threshold={"op": self.op, "value": t})


@register_scorer("threshold")
def _threshold(model: m.ThresholdScorer, ctx: BuildContext) -> Scorer:
    _need_weight(ctx)
    for key in ("points_met", "points_otherwise"):
        p = getattr(model, key)
        if p is not None and ctx.weight is not None and not ZERO <= p <= ctx.weight:
            ctx.problem((*ctx.path, key), f"{p} points is outside [0, weight {ctx.weight}]")
    return ThresholdScorer(
        model.op, _Target(model.target, ctx, "target"), model.points_met, model.points_otherwise
    )


@dataclass
class ProportionalScorer:
    """10号 quantitative rule: met → full marks, else weight × actual/target (direction-aware)."""

    target: _Target
    direction: str
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return self.target.expressions

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w, v, t = _weight(weight), _num(value), self.target(scope)
        if self.direction == "higher":
            op = ">="
            met = v >= t
            ratio = ONE if met else (ZERO if t <= 0 or v <= 0 else v / t)
        elif self.direction == "lower":
            op = "<="
            met = v <= t
            ratio = ONE if met else (ZERO if v <= 0 or t < 0 else t / v)
        else:
            op = "=="
            met = v == t
            if met:
                ratio = ONE
            elif t == 0:
                ratio = ZERO
            else:
                ratio = max(ZERO, ONE - abs(v - t) / abs(t))
        ratio = min(ONE, max(ZERO, ratio))
        return _scored(points=w * ratio, met=met, threshold={"op": op, "value": t})


@register_scorer("proportional")
def _proportional(model: m.ProportionalScorer, ctx: BuildContext) -> Scorer:
    _need_weight(ctx)
    return ProportionalScorer(_Target(model.target, ctx, "target"), model.direction)


@dataclass
class DeductScorer:
    """ "每超过1个百分点扣0.5分，扣完为止": full marks on the good side of ``start``, then
    ``points`` off per ``per`` beyond it, counting partial steps as declared, never below
    ``floor``."""

    start: _Target
    direction: str
    per: Decimal
    points: Decimal
    count: str
    floor: Decimal
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return self.start.expressions

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w, v, s = _weight(weight), _num(value), self.start(scope)
        beyond = v - s if self.direction == "above" else s - v
        op = "<=" if self.direction == "above" else ">="
        threshold = {"op": op, "value": s}
        if beyond <= 0:
            return _scored(points=w, met=True, threshold=threshold)
        units = beyond / self.per
        if self.count == "started":
            units = Decimal(math.ceil(units))
        elif self.count == "completed":
            units = Decimal(math.floor(units))
        pts = max(self.floor, w - units * self.points)
        return _scored(
            points=min(w, pts),
            met=False,
            threshold=threshold,
            detail=f"{units} step(s) × {self.points}",
        )


@register_scorer("deduct")
def _deduct(model: m.DeductScorer, ctx: BuildContext) -> Scorer:
    _need_weight(ctx)
    if ctx.weight is not None and not ZERO <= model.floor <= ctx.weight:
        ctx.problem(
            (*ctx.path, "floor"), f"floor {model.floor} is outside [0, weight {ctx.weight}]"
        )
    return DeductScorer(
        _Target(model.start, ctx, "start"),
        model.direction,
        model.per,
        model.points,
        model.count,
        model.floor,
    )


@dataclass(frozen=True)
class _Band:
    interval: Interval
    points: Decimal | None
    grade: str | None
    index: int


def _build_bands(
    bands: tuple[m.BandModel, ...],
    otherwise: Decimal | str | None,
    ctx: BuildContext,
    *,
    partition: bool,
) -> tuple[list[_Band], Decimal | str | None, str]:
    built: list[_Band] = []
    kinds = {"points" if b.points is not None else "grade" for b in bands}
    if len(kinds) > 1:
        ctx.problem((*ctx.path, "bands"), "bands must all give points or all give a grade")
    yields = "grade" if kinds == {"grade"} else "points"
    if yields == "points":
        _need_weight(ctx)
    for i, b in enumerate(bands):
        bpath = (*ctx.path, "bands", i)
        if (b.points is None) == (b.grade is None):
            ctx.problem(bpath, "a band gives either 'points' or 'grade'")
        try:
            interval = parse_interval(b.range)
        except ValueError as e:
            ctx.problem((*bpath, "range"), str(e))
            continue
        if b.points is not None and ctx.weight is not None and not ZERO <= b.points <= ctx.weight:
            ctx.problem(
                (*bpath, "points"), f"{b.points} points is outside [0, weight {ctx.weight}]"
            )
        if b.grade is not None:
            _check_letter(b.grade, ctx, (*bpath, "grade"))
        built.append(_Band(interval, b.points, b.grade, i))
    if partition and len(built) == len(bands):
        for i, msg in check_partition([b.interval for b in built]):
            ctx.problem((*ctx.path, "bands", built[i].index, "range"), msg)
    if otherwise is not None:
        if yields == "points" and not isinstance(otherwise, Decimal):
            ctx.problem((*ctx.path, "otherwise"), "otherwise must be points, like the bands")
        if yields == "grade":
            if isinstance(otherwise, Decimal):
                ctx.problem((*ctx.path, "otherwise"), "otherwise must be a grade, like the bands")
            else:
                _check_letter(otherwise, ctx, (*ctx.path, "otherwise"))
    return built, otherwise, yields


def _check_letter(letter: str, ctx: BuildContext, path: tuple[str | int, ...]) -> None:
    if ctx.letters is None:
        ctx.problem(path, "grades need a 'letters' scale at the top of the rule set")
    elif not ctx.letters.is_grade(letter):
        ctx.problem(path, f"{letter!r} is not a grade of the scale {ctx.letters.describe()}")


def _band_result(band: _Band | None, otherwise: Decimal | str | None, yields: str) -> Scored:
    if band is None:
        if otherwise is None:
            raise EvaluationError("the value falls outside every band and no 'otherwise' is given")
        if isinstance(otherwise, Decimal):
            return _scored(points=otherwise, threshold={"name": "otherwise"})
        return _scored(grade=otherwise, threshold={"name": "otherwise"})
    th = {"name": band.interval.describe(), "range": band.interval.describe()}
    if yields == "grade":
        return _scored(grade=band.grade, threshold=th)
    return _scored(points=band.points, threshold=th)


@dataclass
class BandsScorer:
    """Ordered bands with explicit edges (预算控制率 0 / (0,10%] / ... → 5/4/3/2/0)."""

    bands: list[_Band]
    otherwise: Decimal | str | None
    yields: str
    expressions: tuple[Any, ...] = ()

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        v = _num(value)
        band = next((b for b in self.bands if v in b.interval), None)
        return _band_result(band, self.otherwise, self.yields)


@register_scorer("bands")
def _bands(model: m.BandsScorer, ctx: BuildContext) -> Scorer:
    bands, otherwise, yields = _build_bands(model.bands, model.otherwise, ctx, partition=True)
    return BandsScorer(bands, otherwise, yields)


@dataclass
class SeriesBandsScorer:
    """PEFA-style: the first band (in the order written) that holds in at least ``at_least`` of
    the ``last`` years."""

    last: int
    at_least: int
    bands: list[_Band]
    otherwise: Decimal | str | None
    yields: str
    expressions: tuple[Any, ...] = ()

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        if not isinstance(value, Series):
            raise EvaluationError(f"value must be a series of years, got {_kind(value)}")
        window = value.last(self.last)
        present = [v for v in window.values() if v is not None]
        if len(present) < self.last:
            raise EvaluationError(
                f"needs {self.last} years with values, got {len(present)} "
                f"({', '.join(str(y) for y in window.years) or 'none'})"
            )
        for band in self.bands:
            hits = sum(1 for v in present if v in band.interval)
            if hits >= self.at_least:
                res = _band_result(band, self.otherwise, self.yields)
                return Scored(
                    points=res.points,
                    grade=res.grade,
                    threshold=res.threshold,
                    detail=f"{hits} of the last {self.last} years in {band.interval.describe()}",
                )
        return _band_result(None, self.otherwise, self.yields)


@register_scorer("series_bands")
def _series_bands(model: m.SeriesBandsScorer, ctx: BuildContext) -> Scorer:
    if model.at_least > model.last:
        ctx.problem(
            (*ctx.path, "at_least"), f"at_least {model.at_least} is more than last {model.last}"
        )
    bands, otherwise, yields = _build_bands(model.bands, model.otherwise, ctx, partition=False)
    return SeriesBandsScorer(model.last, model.at_least, bands, otherwise, yields)


@dataclass
class ChecklistScorer:
    """Points per satisfied item (三公经费管理: 3 items × 1 point)."""

    items: list[tuple[str, Decimal, Any]]
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return tuple(e for _, _, e in self.items)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w = _weight(weight)
        got = [(i, p) for i, p, e in self.items if e(scope)]
        pts = sum((p for _, p in got), ZERO)
        met_ids = ", ".join(i for i, _ in got) or "none"
        return Scored(
            points=min(w, pts),
            met=pts >= w,
            detail=f"{len(got)} of {len(self.items)} items met: {met_ids}",
        )


@register_scorer("checklist")
def _checklist(model: m.ChecklistScorer, ctx: BuildContext) -> Scorer:
    _need_weight(ctx)
    total = sum((i.points for i in model.items), ZERO)
    if ctx.weight is not None and total != ctx.weight:
        ctx.problem(
            (*ctx.path, "items"),
            f"the items' points add up to {total}, not the weight {ctx.weight}",
        )
    seen: set[str] = set()
    items = []
    for k, item in enumerate(model.items):
        if item.id in seen:
            ctx.problem((*ctx.path, "items", k, "id"), f"item id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(
            (item.id, item.points, ctx.compile(item.when, (*ctx.path, "items", k, "when")))
        )
    return ChecklistScorer(items)


@dataclass
class TierScorer:
    """Qualitative tiers (10号: 达成 100–80%, 部分达成 80–60%, 未达成 60–0% of the weight):
    a reviewer names the tier and, optionally, the ratio within it."""

    tier: Any
    ratio: Any | None
    tiers: dict[str, tuple[Interval, Decimal]]
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return (self.tier,)

    @property
    def optional_expressions(self) -> tuple[Any, ...]:
        """Read when present: a missing ratio means the tier's default."""
        return () if self.ratio is None else (self.ratio,)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w = _weight(weight)
        chosen = self.tier(scope)
        if not isinstance(chosen, str) or chosen not in self.tiers:
            raise EvaluationError(
                f"tier must be one of {', '.join(self.tiers)}, got {_kind(chosen)}"
            )
        interval, default = self.tiers[chosen]
        raw = self.ratio(scope) if self.ratio is not None else None
        ratio = default if raw is None else _num(raw, "ratio")
        if ratio not in interval:
            raise EvaluationError(f"ratio {ratio} is outside tier {chosen!r} {interval.describe()}")
        return _scored(points=w * ratio, threshold={"name": chosen, "range": interval.describe()})


@register_scorer("tier")
def _tier(model: m.TierScorer, ctx: BuildContext) -> Scorer:
    _need_weight(ctx)
    tiers: dict[str, tuple[Interval, Decimal]] = {}
    for k, t in enumerate(model.tiers):
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
    if len(tiers) == len(model.tiers):
        for i, msg in check_partition([iv for iv, _ in tiers.values()]):
            ctx.problem((*ctx.path, "tiers", i, "range"), msg)
    ratio = None if model.ratio is None else ctx.compile(model.ratio, (*ctx.path, "ratio"))
    return TierScorer(ctx.compile(model.tier, (*ctx.path, "tier")), ratio, tiers)


@dataclass
class FormulaScorer:
    """Free formula for points, clamped to [0, weight]."""

    expr: Any
    yields: str = "points"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return (self.expr,)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w = _weight(weight)
        raw = _num(self.expr(scope), "formula")
        clamped = min(w, max(ZERO, raw))
        return _scored(
            points=clamped, detail=None if clamped == raw else f"formula gave {raw}, clamped"
        )


@register_scorer("formula")
def _formula(model: m.FormulaScorer, ctx: BuildContext) -> Scorer:
    _need_weight(ctx)
    return FormulaScorer(ctx.compile(model.expr, (*ctx.path, "expr")))


@dataclass
class GradeInputScorer:
    """An assessor's letter for a dimension (PEFA A–D, D* read as D)."""

    expr: Any
    letters: LetterScale
    yields: str = "grade"

    @property
    def expressions(self) -> tuple[Any, ...]:
        return (self.expr,)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        g = self.expr(scope)
        if not isinstance(g, str) or not self.letters.is_grade(g):
            raise EvaluationError(f"grade must be one of {self.letters.describe()}, got {_kind(g)}")
        return Scored(
            grade=self.letters.canonical(g),
            detail=None if g == self.letters.canonical(g) else f"given as {g}",
        )


@register_scorer("grade")
def _grade(model: m.GradeInputScorer, ctx: BuildContext) -> Scorer:
    if ctx.letters is None:
        ctx.problem(ctx.path, "grades need a 'letters' scale at the top of the rule set")
        letters = LetterScale(("A", "B"))
    else:
        letters = ctx.letters
    return GradeInputScorer(ctx.compile(model.grade, (*ctx.path, "grade")), letters)
