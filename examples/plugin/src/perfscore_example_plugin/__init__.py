"""An example of what a finance bureau's own plugin package looks like.

* ``growth(series)`` — year-on-year growth of the last two years of a series (an expression
  function, entry point group ``perfscore.functions``);
* ``target_band`` — a scorer giving full marks inside a target range and losing points linearly
  outside it, reaching zero ``tolerance`` away (entry point group ``perfscore.scorers``).  Its
  configuration model sits next to its code and is checked when a rule set loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from perfscore.errors import EvaluationError, ZeroDenominatorError
from perfscore.functions import Function
from perfscore.plugins import ScorerType
from perfscore.scorers import BuildContext, Scored
from perfscore.values import Series


def _growth(series: object) -> Decimal:
    if not isinstance(series, Series):
        raise EvaluationError("growth() takes a series of years")
    present = [v for v in series.values() if v is not None]
    if len(present) < 2:
        raise EvaluationError("growth() needs two years with values")
    previous, current = present[-2], present[-1]
    if previous == 0:
        raise ZeroDenominatorError("growth() of a series whose previous year is 0")
    return (current - previous) / previous


growth = Function("growth", _growth, 1, 1, "number", "year-on-year growth of the last two years")


class TargetBandConfig(BaseModel):
    """YAML: ``scorer: {type: target_band, low: 0.95, high: 1.05, tolerance: 0.1}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["target_band"]
    low: Decimal
    high: Decimal
    tolerance: Decimal = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> TargetBandConfig:
        if self.low > self.high:
            raise ValueError("low must not be above high")
        return self


@dataclass(frozen=True)
class TargetBandScorer:
    config: TargetBandConfig
    yields: str = "points"
    expressions: tuple[Any, ...] = ()

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        if not isinstance(value, Decimal) or weight is None:
            raise EvaluationError("target_band scores a number for an indicator with a weight")
        c = self.config
        distance = max(c.low - value, value - c.high, Decimal(0))
        share = max(Decimal(0), 1 - distance / c.tolerance)
        threshold = {"name": "target band", "range": f"[{c.low}, {c.high}]"}
        return Scored(points=weight * share, met=distance == 0, threshold=threshold)


def _build(config: TargetBandConfig, ctx: BuildContext) -> TargetBandScorer:
    if ctx.weight is None:
        ctx.problem(ctx.path, "target_band needs the indicator to have a weight")
    return TargetBandScorer(config)


target_band = ScorerType("target_band", TargetBandConfig, _build, "full marks within [low, high]")


def _tsv(report: Any, options: Any) -> bytes:
    """One line per finding: subject, rule, outcome, points — tab separated, UTF-8.  Text goes
    through perfscore's sanitiser for the format (no formulas, tabs or newlines in a cell)."""
    from perfscore.textsafe import tsv_cell

    lines = ["subject\trule\toutcome\tpoints"]
    for f in report.findings:
        points = "" if f.points is None else format(f.points, "f")
        cells = (tsv_cell(f.subject.id), tsv_cell(f.rule_id), f.outcome, points)
        lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_format() -> Any:
    from perfscore.export import Format

    return Format("tsv", (".tsv",), _tsv, "tab-separated findings (example plugin)")


tsv = _tsv_format()
