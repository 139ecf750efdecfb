"""``grade``: an assessor's letter for a dimension (PEFA A–D; an alias such as D* read as D).

Example::

    letters: {letters: [A, B, C, D], aliases: {"D*": D}}
    inputs: {assessed: {type: text}}
    indicators:
      - id: pi2
        title: Expenditure composition out-turn
        scorer: {type: grade, grade: assessed}
    cases:
      - {values: {assessed: B}, grade: B}
      - {values: {assessed: "D*"}, grade: D}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..errors import EvaluationError
from ..letters import LetterScale
from ..modelbase import Expr
from ..words import SCORE, said
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

__all__ = ["KIND", "GradeInputConfig", "GradeInputScorer"]


class GradeInputConfig(ScorerConfig):
    type: Literal["grade"]
    grade: Expr


@dataclass
class GradeInputScorer(BaseScorer):
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
            raise EvaluationError(
                said(SCORE, "not_grade", scale=self.letters.describe(), kind=kind_of(g))
            )
        return Scored(
            grade=self.letters.canonical(g),
            detail=None if g == self.letters.canonical(g) else f"given as {g}",
        )

    def column_form(self, weight: Decimal | None, places: int, build: Any) -> Any:
        """The letter per row from a text input's values: each distinct value looked up once
        (index into the scale's grades best first; −1, the per-record error, for a value
        that is not a grade)."""
        np = build.np
        name = build.category(self.expr.text)
        letters = self.letters
        ordered = letters.ordered()

        def grade(ctx: Any) -> Any:
            cats, vocab = ctx.category(name)
            codes = [
                ordered.index(letters.canonical(x))
                if isinstance(x, str) and letters.is_grade(x)
                else -1
                for x in vocab
            ]
            return np.array([*codes, -1, -1], np.int8)[cats]

        def no_points(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            return np.zeros(ctx.n, np.int64), None, False

        return build.form(no_points, needs_value=False, grade=grade)

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        g = self.expr(scope)
        if not isinstance(g, str) or not self.letters.is_grade(g):
            return None
        canonical = self.letters.canonical(g)
        alias = "" if g == canonical else how.say("grade_alias", grade=canonical)
        return how.working(
            "grade",
            {"scale": self.letters.describe()},
            [{"step": "given", "value": g}],
            given=g,
            alias=alias,
        )


def build(config: GradeInputConfig, ctx: BuildContext) -> GradeInputScorer:
    if ctx.letters is None:
        ctx.problem(ctx.path, "grades need a 'letters' scale at the top of the rule set")
        letters = LetterScale(letters=("A", "B"))
    else:
        letters = ctx.letters
    return GradeInputScorer(ctx.compile(config.grade, (*ctx.path, "grade")), letters)


KIND = ScorerType("grade", GradeInputConfig, build, __doc__ or "", weight_optional=True)
