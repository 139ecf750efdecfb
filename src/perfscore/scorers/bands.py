"""``bands``: ordered bands with explicit edges (预算控制率 0 / (0,10%] / … → 5/4/3/2/0 points,
or letters); the bands must not overlap or leave gaps, and ``otherwise`` covers the rest.

Example::

    inputs: {adjust: {type: percent}}
    indicators:
      - id: adjustment
        title: 预算调整率
        weight: 5
        value: adjust
        scorer:
          type: bands
          bands:
            - {range: "= 0", points: 5}
            - {range: "(0, 0.1]", points: 3}
          otherwise: 0
    cases:
      - {values: {adjust: 0}, points: 5}
      - {values: {adjust: 10%}, points: 3}
      - {values: {adjust: 10.01%}, points: 0}
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from pydantic import Field

from ..errors import EvaluationError
from ..intervals import Interval, check_partition, parse_interval
from ..modelbase import StrictModel
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
    check_letter,
    need_weight,
    number,
    scored,
    within_weight,
)

__all__ = [
    "KIND",
    "Band",
    "BandModel",
    "BandsConfig",
    "BandsScorer",
    "band_result",
    "build_bands",
]


class BandModel(StrictModel):
    range: str
    points: Decimal | None = None
    grade: str | None = None
    label: str | None = None


class BandsConfig(ScorerConfig):
    type: Literal["bands"]
    bands: tuple[BandModel, ...] = Field(min_length=1)
    otherwise: Decimal | str | None = None


@dataclass(frozen=True)
class Band:
    interval: Interval
    points: Decimal | None
    grade: str | None
    index: int


def _banded(
    get: Callable[[Mapping[str, Any]], Any],
    bands: list[tuple[Interval, Decimal]],
    other: Decimal | None,
) -> PointsForm:
    """The bands as one generated function: each band's edges compared in order, as
    :meth:`Interval.__contains__ <perfscore.intervals.Interval.__contains__>` decides
    (``v >= low`` or ``v > low`` by the side's bracket, nothing for an infinite edge); its
    edges and points travel as namespace values."""
    values: dict[str, Any] = {"__builtins__": {}, "_get": get, "_D": Decimal, "_F": Fallback}
    lines = [
        "def banded(scope):",
        "    v = _get(scope)",
        "    if v.__class__ is not _D or not v.is_finite(): raise _F",
    ]
    for k, (iv, points) in enumerate(bands):
        tests = []
        if iv.low.is_finite():
            values[f"_l{k}"] = iv.low
            tests.append(f"v {'>=' if iv.low_inclusive else '>'} _l{k}")
        elif iv.low > 0:
            tests.append("False")  # (an interval from +inf: empty)
        if iv.high.is_finite():
            values[f"_h{k}"] = iv.high
            tests.append(f"v {'<=' if iv.high_inclusive else '<'} _h{k}")
        elif iv.high < 0:
            tests.append("False")  # (an interval up to -inf: empty)
        values[f"_p{k}"] = points
        lines.append(f"    if {' and '.join(tests) or 'True'}: return _p{k}")
    if other is None:
        lines.append("    raise _F")
    else:
        values["_other"] = other
        lines.append("    return _other")
    exec(compile("\n".join(lines) + "\n", "<perfscore bands>", "exec"), values)
    return values["banded"]  # type: ignore[no-any-return]


def build_bands(
    bands: tuple[BandModel, ...],
    otherwise: Decimal | str | None,
    ctx: BuildContext,
    *,
    partition: bool,
) -> tuple[list[Band], Decimal | str | None, str]:
    """Build step of ``bands`` and ``series_bands``: ranges parsed, points within the weight,
    letters on the scale, all bands giving the same kind; ``partition``: no gaps or overlaps."""
    built: list[Band] = []
    kinds = {"points" if b.points is not None else "grade" for b in bands}
    if len(kinds) > 1:
        ctx.problem((*ctx.path, "bands"), "bands must all give points or all give a grade")
    yields = "grade" if kinds == {"grade"} else "points"
    if yields == "points":
        need_weight(ctx)
    for i, b in enumerate(bands):
        bpath = (*ctx.path, "bands", i)
        if (b.points is None) == (b.grade is None):
            ctx.problem(bpath, "a band gives either 'points' or 'grade'")
        try:
            interval = parse_interval(b.range)
        except ValueError as e:
            ctx.problem((*bpath, "range"), str(e))
            continue
        within_weight(b.points, ctx, (*bpath, "points"))
        if b.grade is not None:
            check_letter(b.grade, ctx, (*bpath, "grade"))
        built.append(Band(interval, b.points, b.grade, i))
    if partition and len(built) == len(bands):
        for i, msg in check_partition([b.interval for b in built]):
            ctx.problem((*ctx.path, "bands", built[i].index, "range"), msg)
    if otherwise is not None:
        if yields == "points" and not isinstance(otherwise, Decimal):
            ctx.problem((*ctx.path, "otherwise"), "otherwise must be points, like the bands")
        elif isinstance(otherwise, Decimal):
            within_weight(otherwise, ctx, (*ctx.path, "otherwise"))
        if yields == "grade":
            if isinstance(otherwise, Decimal):
                ctx.problem((*ctx.path, "otherwise"), "otherwise must be a grade, like the bands")
            else:
                check_letter(otherwise, ctx, (*ctx.path, "otherwise"))
    return built, otherwise, yields


def band_result(band: Band | None, otherwise: Decimal | str | None, yields: str) -> Scored:
    """What a band (None: no band holds) gives."""
    if band is None:
        if otherwise is None:
            raise EvaluationError(said(SCORE, "no_band"))
        if isinstance(otherwise, Decimal):
            return scored(points=otherwise, threshold={"name": "otherwise"})
        return scored(grade=otherwise, threshold={"name": "otherwise"})
    th = {"name": band.interval.describe(), "range": band.interval.describe()}
    if yields == "grade":
        return scored(grade=band.grade, threshold=th)
    return scored(points=band.points, threshold=th)


def band_edges(bands: Iterable[Band]) -> Iterable[Decimal]:
    """The finite edges of the bands (values worth testing)."""
    return (x for b in bands for x in (b.interval.low, b.interval.high) if x.is_finite())


@dataclass
class BandsScorer(BaseScorer):
    """Ordered bands with explicit edges (预算控制率 0 / (0,10%] / ... → 5/4/3/2/0)."""

    bands: list[Band]
    otherwise: Decimal | str | None
    yields: str
    expressions: tuple[Any, ...] = ()

    def band_of(self, v: Decimal) -> Band | None:
        return next((b for b in self.bands if v in b.interval), None)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        return band_result(self.band_of(number(value)), self.otherwise, self.yields)

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        if self.yields != "points" or get is None:
            return None
        # a points scorer compiles only when every band gives points (see ``build_bands``)
        bands = [(b.interval, round_places(cast(Decimal, b.points), places)) for b in self.bands]
        otherwise = self.otherwise
        other = round_places(otherwise, places) if isinstance(otherwise, Decimal) else None
        return _banded(get, bands, other)

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        if self.yields != "points" or get is None:
            return None
        # the points as points_form gives them; each band's threshold as band_result says it
        bands = []  # each band's threshold one for every finding (read, never written)
        for b in self.bands:
            text = b.interval.describe()
            th = {"name": text, "range": text}
            bands.append((b.interval, round_places(cast(Decimal, b.points), places), th))
        otherwise = self.otherwise
        other = round_places(otherwise, places) if isinstance(otherwise, Decimal) else None
        otherwise_th = {"name": "otherwise"}

        def banded(scope: Mapping[str, Any]) -> tuple[Any, Decimal, None, Any, None]:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            for interval, p, th in bands:
                if v in interval:
                    return v, p, None, th, None
            if other is None:
                raise Fallback
            return v, other, None, otherwise_th, None

        return banded

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        b, np = build.bounds, build.np
        if self.yields == "grade":
            return self._letter_form(build)
        if not isinstance(self.otherwise, (Decimal, type(None))):
            raise build.no("otherwise", x=repr(self.otherwise))
        # a points scorer compiles only when every band gives points
        bands = [(x.interval, b.scaled(cast(Decimal, x.points), places)) for x in self.bands]
        other = None if self.otherwise is None else b.scaled(self.otherwise, places)
        # the open slots between consecutive band edges: each lies in one band or none
        edges = sorted(set(band_edges(self.bands)))
        reps = (
            [
                edges[0] - 1,
                *((lo + hi) / 2 for lo, hi in itertools.pairwise(edges)),
                edges[-1] + 1,
            ]
            if edges
            else [Decimal(0)]
        )

        def band_index(x: Decimal) -> int | None:
            return next((i for i, (interval, _) in enumerate(bands) if x in interval), None)

        slot_band = [band_index(x) for x in reps]
        slots: list[int | None] = [other if i is None else bands[i][1] for i in slot_band]
        # a value exactly on edge j belongs to the band above it (counts as past the edge:
        # '>='), the band below ('>'), or neither: then the row is left to the exact path
        edge_ops: list[str | None] = []
        for j, edge in enumerate(edges):
            i = band_index(edge)
            if i is not None and i == slot_band[j + 1]:
                edge_ops.append(">=")
            elif i is not None and i == slot_band[j]:
                edge_ops.append(">")
            elif i is None and slot_band[j] is None and slot_band[j + 1] is None:
                edge_ops.append(">")  # all three fall through: the same either way
            else:
                edge_ops.append(None)
        # per edge: the constant to compare with ('>' or '>='); where the edge's own band is
        # neither neighbour (a band such as '== 1'), '>' and the rows exactly on the edge
        # get that band's points (or 'otherwise', or an error) — built once
        cuts = []
        on_edge: list[tuple[int, Any, int | None]] = []
        for j, (edge, op) in enumerate(zip(edges, edge_ops, strict=True)):
            c = b.const(edge)
            cuts.append((op or ">", c))
            if op is None:
                i = band_index(edge)
                on_edge.append((j, c, other if i is None else bands[i][1]))
        fills = [0 if p is None else p for p in slots]
        last_int = fills[-1]
        int_steps = [fills[j] - fills[j + 1] for j in range(len(edges))]
        limits = [
            (
                None if not iv.low.is_finite() else (">=" if iv.low_inclusive else ">"),
                None if not iv.low.is_finite() else b.const(iv.low),
                None if not iv.high.is_finite() else ("<=" if iv.high_inclusive else "<"),
                None if not iv.high.is_finite() else b.const(iv.high),
                p,
            )
            for iv, p in bands
        ]

        def slotted(ctx: Any, below: list[Any], on: list[tuple[Any, int | None]]) -> Any:
            """The points from the edges each row is not past (``below``, per edge) and the
            rows exactly on an edge that is a band of its own (``on``: mask, points):
            p_last + Σ_j [not past edge_j]·(p_j − p_j+1); rows outside every band with no
            'otherwise' are left to the per-record path (an error finding there)."""
            pts = np.full(ctx.n, last_int, np.int64)
            for fail, step in zip(below, int_steps, strict=True):
                if step:
                    pts += np.multiply(fail, step, dtype=np.int64)
            equal = None
            for eq, p in on:
                if eq.any():
                    if p is None:
                        ctx.flag(eq)
                    else:
                        pts[eq] = p
                    equal = eq if equal is None else equal | eq
            m = len(below)
            for j, p in enumerate(slots):
                if p is None:  # slot j: above edge j−1 (if any), not above edge j (if any)
                    if j == 0:
                        outside = below[0]
                    elif j == m:
                        outside = ~below[m - 1]
                    else:
                        outside = ~below[j - 1] & below[j]
                    ctx.flag(outside if equal is None else outside & ~equal)
            return pts

        def banded(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            if v.mag is None and cuts:
                # exact for rows away from every edge; rows near one: exact rationals
                below = [b.fail(ctx, v, op, cut) for op, cut in cuts]
                on = [(b.equal_rows(ctx, v, c), p) for _, c, p in on_edge]
                return slotted(ctx, below, on), None, False
            pts = np.zeros(ctx.n)
            found = np.zeros(ctx.n, bool)
            for low_op, low, high_op, high, p in limits:
                inside = np.ones(ctx.n, bool)
                if low is not None:
                    inside &= b.compare(ctx, v, low_op, low)
                if high is not None:
                    inside &= b.compare(ctx, v, high_op, high)
                take = inside & ~found
                pts[take] = p
                found |= inside
            if other is None:
                ctx.flag(~found)  # outside every band: an error, the per-record path says so
            else:
                pts[~found] = other
            return pts, None, False

        int_run = None
        fracs = [build.ints.fraction(e) for e in edges]
        if cuts and all(f is not None for f in fracs):
            ints = build.ints
            int_cuts = [(op or ">", ints.const(f)) for op, f in zip(edge_ops, fracs, strict=True)]
            int_edge = [(int_cuts[j][1], p) for j, _, p in on_edge]

            def banded_int(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
                below = [~ints.compare(v, op, c, ctx.n) for op, c in int_cuts]
                on = [(ints.compare(v, "==", c, ctx.n), p) for c, p in int_edge]
                return slotted(ctx, below, on), None, False

            int_run = banded_int
        return build.form(banded, uses_met=False, int_run=int_run)

    def _letter_form(self, build: Any) -> Any:
        """Bands that give letters: the first band (in order) holding the value, decided
        exactly on its edges; none and no ``otherwise``: the per-record error (−1)."""
        b, np = build.bounds, build.np
        expr = build.expression(build.value or "")

        def code(g: Decimal | str | None) -> int:
            if g is None:
                return -1
            if not isinstance(g, str) or g not in build.letters:
                raise build.no("not_letter", x=repr(g))
            return int(build.letters.index(g))

        other = code(self.otherwise)
        limits = [
            (
                None if not x.interval.low.is_finite() else b.const(x.interval.low),
                ">=" if x.interval.low_inclusive else ">",
                None if not x.interval.high.is_finite() else b.const(x.interval.high),
                "<=" if x.interval.high_inclusive else "<",
                code(x.grade),
            )
            for x in self.bands
        ]

        def grade(ctx: Any) -> Any:
            v = expr(ctx)
            out = np.full(ctx.n, other, np.int8)
            found = np.zeros(ctx.n, bool)
            for low, low_op, high, high_op, got in limits:
                inside = ~found
                if low is not None:
                    inside &= b.compare(ctx, v, low_op, low)
                if high is not None:
                    inside &= b.compare(ctx, v, high_op, high)
                out[inside] = got
                found |= inside
            return out

        def no_points(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            return np.zeros(ctx.n, np.int64), None, False

        return build.form(no_points, needs_value=False, grade=grade)

    def boundaries(self) -> Iterable[Decimal]:
        return band_edges(self.bands)

    def branches(self) -> list[str] | None:
        return [b.interval.describe() for b in self.bands]

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        v = number(value)
        band = self.band_of(v)
        if band is None:
            return how.working(
                "band_otherwise", {"range": "otherwise"}, [{"step": "band", "value": None}],
                value=how.q(v),
            )  # fmt: skip
        rng = band.interval.describe()
        return how.working(
            "band", {"range": rng}, [{"step": "band", "value": rng, "index": band.index}],
            value=how.q(v), range=band.interval.shown(),
        )  # fmt: skip


def build(config: BandsConfig, ctx: BuildContext) -> BandsScorer:
    bands, otherwise, yields = build_bands(config.bands, config.otherwise, ctx, partition=True)
    return BandsScorer(bands, otherwise, yields)


KIND = ScorerType(
    "bands", BandsConfig, build, __doc__ or "", needs_value=True, weight_optional=True
)
