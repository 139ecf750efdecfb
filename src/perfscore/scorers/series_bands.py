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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from pydantic import Field

from ..errors import EvaluationError
from ..numbers import round_places
from ..values import Series
from ..words import SCORE, said
from .bands import Band, BandModel, band_edges, band_result, build_bands
from .base import (
    BaseScorer,
    BuildContext,
    Explaining,
    Fallback,
    PointsForm,
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

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        """The points path's form: the window's years read off the series in place (no
        window made), each band's hits counted as :meth:`score` counts them, the first band
        with ``at_least`` of them — its points rounded at load; a series with too few years
        in its window, or no band and nothing ``otherwise``, gives up (:class:`Fallback`:
        the evaluator's leaf says the error)."""
        if self.yields != "points" or get is None:
            return None
        # a points scorer compiles only when every band gives points (see ``build_bands``)
        bands = tuple(
            (b.interval, round_places(cast(Decimal, b.points), places)) for b in self.bands
        )
        otherwise = self.otherwise
        other = round_places(otherwise, places) if isinstance(otherwise, Decimal) else None
        last, at_least = self.last, self.at_least

        def form(scope: Mapping[str, Any]) -> Decimal:
            s = get(scope)
            if s.__class__ is not Series or not s.points:
                raise Fallback
            first = s.points[-1][0] - last + 1  # (Series.last: the years up to the latest)
            present = [v for y, v in s.points if y >= first and v is not None]
            if len(present) < last:
                raise Fallback  # too few years: the evaluator's error
            for interval, points in bands:
                hits = 0
                for v in present:
                    if v in interval:
                        hits += 1
                if hits >= at_least:
                    return points
            if other is None:
                raise Fallback  # no band holds, nothing otherwise: the evaluator's error
            return other

        return form

    def column_form(self, weight: Decimal | None, places: int, build: Any) -> Any:
        """Per row, the window of the last years of the indicator's series (fewer values
        than ``last`` in it: the per-record error), each band's years counted by exact
        integer comparisons, the first band with ``at_least`` of them — a letter, or points."""
        np, tools = build.np, build.series_tools()
        name = build.series(build.value)
        grades = self.yields == "grade"

        def result(x: Decimal | str | None) -> int | None:
            if x is None:
                return None
            if grades:
                if not isinstance(x, str) or x not in build.letters:
                    raise build.no("not_letter", x=repr(x))
                return int(build.letters.index(x))
            if not isinstance(x, Decimal):
                raise build.no("otherwise", x=repr(x))
            return int(build.bounds.scaled(x, places))

        bands = [(b.interval, result(b.grade if grades else b.points)) for b in self.bands]
        other = result(self.otherwise)
        last, at_least = self.last, self.at_least

        def choose(ctx: Any) -> tuple[Any, Any]:
            """Each row's band result (letter code or scaled points) and its error mask."""
            s = ctx.series[name]
            present = s.present & tools.window(s, last)
            short = tools.count_years(present) < last
            out = np.full(ctx.n, -1 if other is None else other, np.int64)
            found = np.zeros(ctx.n, bool)
            for interval, got in bands:
                hits = tools.count_years(tools.within(s, interval) & present)
                take = (hits >= at_least) & ~found
                out[take] = got
                found |= take
            error = short if other is not None else short | ~found
            return out, error

        def grade(ctx: Any) -> Any:
            out, error = choose(ctx)
            return np.where(error, -1, out).astype(np.int8)

        def points(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            if grades:
                return np.zeros(ctx.n, np.int64), None, False
            out, error = choose(ctx)
            if ctx.skip is not None:
                error &= ~ctx.skip
            ctx.add_error(error)
            return np.where(error, 0, out), None, False

        return build.form(
            points, needs_value=False, uses_met=False, grade=grade if grades else None
        )

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
                    range=band.interval.shown(), years=shown,
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
