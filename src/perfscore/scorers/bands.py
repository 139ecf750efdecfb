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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from pydantic import Field

from ..errors import EvaluationError
from ..intervals import Interval, check_partition, parse_interval
from ..modelbase import StrictModel
from ..numbers import round_places
from .base import (
    BaseScorer,
    BuildContext,
    Fallback,
    PointsForm,
    Scored,
    ScorerConfig,
    ScorerType,
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
            raise EvaluationError("the value falls outside every band and no 'otherwise' is given")
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

        def banded(scope: Mapping[str, Any]) -> Decimal:
            v = get(scope)
            if type(v) is not Decimal or not v.is_finite():
                raise Fallback
            for interval, p in bands:
                if v in interval:
                    return p
            if other is None:
                raise Fallback
            return other

        return banded

    def boundaries(self) -> Iterable[Decimal]:
        return band_edges(self.bands)

    def branches(self) -> list[str] | None:
        return [b.interval.describe() for b in self.bands]


def build(config: BandsConfig, ctx: BuildContext) -> BandsScorer:
    bands, otherwise, yields = build_bands(config.bands, config.otherwise, ctx, partition=True)
    return BandsScorer(bands, otherwise, yields)


KIND = ScorerType(
    "bands", BandsConfig, build, __doc__ or "", needs_value=True, weight_optional=True
)
