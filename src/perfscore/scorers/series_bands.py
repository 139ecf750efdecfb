"""``series_bands``: PEFA-style — the first band (in the order written) that holds in at least
``at_least`` of the ``last`` years of a series.

Example::

    letters: {letters: [A, B, C, D]}
    inputs: {deviation: {type: series, of: percent}}
    indicators:
      - id: pi1
        title: Aggregate expenditure out-turn
        value: deviation
        scorer:
          type: series_bands
          last: 3
          at_least: 2
          bands:
            - {range: "[0.95, 1.05]", grade: A}
            - {range: "[0.90, 1.10]", grade: B}
          otherwise: D
    cases:
      - {values: {deviation: {2021: 99%, 2022: 101%, 2023: 80%}}, grade: A}
      - {values: {deviation: {2021: 92%, 2022: 108%, 2023: 80%}}, grade: B}
      - {values: {deviation: {2021: 70%, 2022: 70%, 2023: 80%}}, grade: D}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from ..errors import EvaluationError
from ..values import Series
from ..words import SCORE, said
from .bands import Band, BandModel, band_edges, band_result, build_bands
from .base import (
    BaseScorer,
    BuildContext,
    Explaining,
    Scored,
    ScorerConfig,
    ScorerType,
    Working,
    kind_of,
)

__all__ = ["KIND", "SeriesBandsConfig", "SeriesBandsScorer"]


class SeriesBandsConfig(ScorerConfig):
    type: Literal["series_bands"]
    last: int = Field(ge=1, le=50)
    at_least: int = Field(ge=1, le=50)
    bands: tuple[BandModel, ...] = Field(min_length=1)
    otherwise: Decimal | str | None = None


@dataclass
class SeriesBandsScorer(BaseScorer):
    """PEFA-style: the first band (in the order written) that holds in at least ``at_least`` of
    the ``last`` years."""

    last: int
    at_least: int
    bands: list[Band]
    otherwise: Decimal | str | None
    yields: str
    expressions: tuple[Any, ...] = ()

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        if not isinstance(value, Series):
            raise EvaluationError(said(SCORE, "not_series", kind=kind_of(value)))
        window = value.last(self.last)
        present = [v for v in window.values() if v is not None]
        if len(present) < self.last:
            years = ", ".join(str(y) for y in window.years) or said(SCORE, "no_years")
            raise EvaluationError(
                said(SCORE, "too_few_years", need=self.last, have=len(present), years=years)
            )
        for band in self.bands:
            hits = sum(1 for v in present if v in band.interval)
            if hits >= self.at_least:
                res = band_result(band, self.otherwise, self.yields)
                return Scored(
                    points=res.points,
                    grade=res.grade,
                    threshold=res.threshold,
                    detail=f"{hits} of the last {self.last} years in {band.interval.describe()}",
                )
        return band_result(None, self.otherwise, self.yields)

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        if not isinstance(value, Series):
            return None
        window = value.last(self.last)
        present = [v for v in window.values() if v is not None]
        pairs = [f"{y}: {how.q(v)}" for y, v in zip(window.years, window.values(), strict=True)]
        zh_sep, en_sep = how.say("list_sep")
        shown = (zh_sep.join(pairs), en_sep.join(pairs))
        standard = {"last": self.last, "at_least": self.at_least}
        steps: list[dict[str, Any]] = []
        for band in self.bands:  # the same order and count as ``score``
            hits = sum(1 for v in present if v in band.interval)
            rng = band.interval.describe()
            steps.append({"step": "band", "value": hits, "range": rng})
            if hits >= self.at_least:
                return how.working(
                    "series_band", {**standard, "range": rng}, steps,
                    last=str(self.last), at_least=str(self.at_least), hits=str(hits),
                    range=rng, years=shown,
                )  # fmt: skip
        return how.working(
            "series_otherwise", {**standard, "range": "otherwise"}, steps,
            last=str(self.last), at_least=str(self.at_least), years=shown,
        )  # fmt: skip

    def boundaries(self) -> Iterable[Decimal]:
        return band_edges(self.bands)

    def branches(self) -> list[str] | None:
        return [b.interval.describe() for b in self.bands]


def build(config: SeriesBandsConfig, ctx: BuildContext) -> SeriesBandsScorer:
    if config.at_least > config.last:
        ctx.problem(
            (*ctx.path, "at_least"), f"at_least {config.at_least} is more than last {config.last}"
        )
    bands, otherwise, yields = build_bands(config.bands, config.otherwise, ctx, partition=False)
    return SeriesBandsScorer(config.last, config.at_least, bands, otherwise, yields)


KIND = ScorerType(
    "series_bands",
    SeriesBandsConfig,
    build,
    __doc__ or "",
    needs_value=True,
    weight_optional=True,
)
