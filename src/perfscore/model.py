"""The rule language v1 as data: pydantic models of what a rule-set YAML file may say.

This is the *structure* pass of loading (types, required keys, unknown keys).  Meaning —
names resolving, weights summing, bands not overlapping — is checked by :mod:`perfscore.compile`,
which turns these models into the runtime :class:`~perfscore.ruleset.RuleSet`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

__all__ = [
    "LANGUAGE_VERSION",
    "BandModel",
    "BandsScorer",
    "CheckModel",
    "ChecklistItem",
    "ChecklistScorer",
    "DeductScorer",
    "FormulaScorer",
    "GradeBand",
    "GradeInputScorer",
    "GradeOverride",
    "GradesModel",
    "IndicatorModel",
    "InputModel",
    "LetterScale",
    "LookupRow",
    "MetricModel",
    "ProportionalScorer",
    "RuleSetModel",
    "ScorerModel",
    "SeriesBandsScorer",
    "SettingsModel",
    "SourceModel",
    "ThresholdScorer",
    "Tier",
    "TierScorer",
]

LANGUAGE_VERSION = "1"

#: ASCII identifiers: machine-readable fields stay ASCII, titles carry the 中文.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
Expr = Annotated[str, Field(min_length=1, max_length=2000)]
Number = Decimal
NumberOrExpr = Decimal | Expr

Evidence = Literal[
    "SEEN",
    "SEEN-partial",
    "RECALLED",
    "MEMORY",
    "INFERRED",
    "COMPUTED",
    "DATA",
    "ASSUMED",
    "PLACEHOLDER",
]
Severity = Literal["error", "warning", "note"]
ZeroPolicy = Literal["not_applicable", "zero", "error"]
MissingPolicy = Literal["not_applicable", "zero", "full", "error"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class SourceModel(_Strict):
    """Where a rule came from, and how sure we are (the [SEEN]/[RECALLED] labels stay visible)."""

    document: str
    evidence: Evidence | None = None
    section: str | None = None
    uri: str | None = None
    note: str | None = None


class Messages(_Strict):
    """Per-outcome message templates; ``{value}``, ``{points}``, ``{weight}``, input names..."""

    zh: str | None = None
    en: str | None = None


class SettingsModel(_Strict):
    zero_division: ZeroPolicy = "error"
    missing: MissingPolicy = "not_applicable"
    not_applicable_weight: Literal["redistribute", "zero"] = "redistribute"
    places: int = Field(2, ge=0, le=6)


class InputModel(_Strict):
    type: Literal["number", "money", "percent", "integer", "boolean", "text", "series"]
    title: str | None = None
    unit: str | None = None
    required: bool = False
    default: Decimal | int | bool | str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    choices: tuple[str, ...] | None = None
    of: Literal["number", "money", "percent", "integer"] = "number"
    description: str | None = None
    #: other column headers that mean this input in spreadsheets and CSV files (预算数, 年度预算)
    aliases: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()


class MetricModel(_Strict):
    expr: Expr
    title: str | None = None
    unit: str | None = None
    zero_division: ZeroPolicy | None = None
    description: str | None = None


# --- scorers ---------------------------------------------------------------------------------


class _ScorerBase(_Strict):
    pass_at: Decimal | None = Field(
        None, description="fraction of the weight at or above which the outcome is pass (1)"
    )


class ThresholdScorer(_ScorerBase):
    type: Literal["threshold"]
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    target: NumberOrExpr
    points_met: Decimal | None = None
    points_otherwise: Decimal = Decimal(0)


class ProportionalScorer(_ScorerBase):
    type: Literal["proportional"]
    target: NumberOrExpr
    direction: Literal["higher", "lower", "equal"] = "higher"


class DeductScorer(_ScorerBase):
    type: Literal["deduct"]
    start: NumberOrExpr
    direction: Literal["above", "below"]
    per: Decimal = Field(gt=0)
    points: Decimal = Field(gt=0)
    count: Literal["exact", "started", "completed"]
    floor: Decimal = Decimal(0)


class BandModel(_Strict):
    range: str
    points: Decimal | None = None
    grade: str | None = None
    label: str | None = None


class BandsScorer(_ScorerBase):
    type: Literal["bands"]
    bands: tuple[BandModel, ...] = Field(min_length=1)
    otherwise: Decimal | str | None = None


class SeriesBandsScorer(_ScorerBase):
    type: Literal["series_bands"]
    last: int = Field(ge=1, le=50)
    at_least: int = Field(ge=1, le=50)
    bands: tuple[BandModel, ...] = Field(min_length=1)
    otherwise: Decimal | str | None = None


class ChecklistItem(_Strict):
    id: Identifier
    title: str | None = None
    points: Decimal = Field(gt=0)
    when: Expr


class ChecklistScorer(_ScorerBase):
    type: Literal["checklist"]
    items: tuple[ChecklistItem, ...] = Field(min_length=1)


class Tier(_Strict):
    id: Identifier
    title: str | None = None
    range: str
    default: Decimal | None = None


class TierScorer(_ScorerBase):
    type: Literal["tier"]
    tier: Expr
    ratio: Expr | None = None
    tiers: tuple[Tier, ...] = Field(min_length=1)


class FormulaScorer(_ScorerBase):
    type: Literal["formula"]
    expr: Expr


class GradeInputScorer(_ScorerBase):
    type: Literal["grade"]
    grade: Expr


class PluginScorerModel(_ScorerBase):
    """A scorer type added by a plugin; its own config model validates the rest when compiling."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str


BUILTIN_SCORERS = (
    "threshold",
    "proportional",
    "deduct",
    "bands",
    "series_bands",
    "checklist",
    "tier",
    "formula",
    "grade",
)


def _scorer_tag(v: object) -> str | None:
    t = v.get("type") if isinstance(v, dict) else getattr(v, "type", None)
    if t is None:
        return None
    return t if t in BUILTIN_SCORERS else "plugin"


ScorerModel = Annotated[
    Annotated[ThresholdScorer, Tag("threshold")]
    | Annotated[ProportionalScorer, Tag("proportional")]
    | Annotated[DeductScorer, Tag("deduct")]
    | Annotated[BandsScorer, Tag("bands")]
    | Annotated[SeriesBandsScorer, Tag("series_bands")]
    | Annotated[ChecklistScorer, Tag("checklist")]
    | Annotated[TierScorer, Tag("tier")]
    | Annotated[FormulaScorer, Tag("formula")]
    | Annotated[GradeInputScorer, Tag("grade")]
    | Annotated[PluginScorerModel, Tag("plugin")],
    Discriminator(_scorer_tag),
]


class LookupRow(_Strict):
    grades: tuple[str, ...] = Field(min_length=1)
    result: str


class IndicatorModel(_Strict):
    id: Identifier
    title: str
    title_en: str | None = None
    weight: Decimal | None = Field(None, ge=0)
    level: int | None = None
    description: str | None = None
    source: SourceModel | None = None
    value: Expr | None = None
    unit: str | None = None
    scorer: ScorerModel | None = None
    children: tuple[IndicatorModel, ...] | None = None
    aggregate: str = "weighted_sum"
    normalise: bool = False
    table: tuple[LookupRow, ...] | None = None
    missing: MissingPolicy | None = None
    zero_division: ZeroPolicy | None = None
    not_applicable_weight: Literal["redistribute", "zero"] | None = None
    when: Expr | None = Field(None, description="indicator applies only when this is true")
    severity: Severity = "warning"
    monotone: Literal["increasing", "decreasing"] | None = None
    messages: dict[Literal["pass", "fail", "not_applicable", "error"], Messages] | None = None
    tags: tuple[str, ...] = ()


class CheckModel(_Strict):
    id: Identifier
    title: str
    title_en: str | None = None
    type: Literal["equal", "assert", "explain_if"]
    left: Expr | None = None
    right: Expr | None = None
    tolerance: Decimal = Field(Decimal(0), ge=0)
    expr: Expr | None = None
    when: Expr | None = None
    require: Identifier | None = None
    severity: Severity = "error"
    source: SourceModel | None = None
    messages: dict[Literal["pass", "fail", "not_applicable", "error"], Messages] | None = None
    description: str | None = None


class GradeBand(_Strict):
    id: Identifier
    label: str | None = None
    min: Decimal


class GradeOverride(_Strict):
    when: Expr
    grade: Identifier
    label: str | None = None
    reason: str | None = None


DEFAULT_MIN_COVERAGE = Decimal("0.6")  # a grade needs data for 60% of the weight unless told


class GradesModel(_Strict):
    bands: tuple[GradeBand, ...] = Field(min_length=1)
    overrides: tuple[GradeOverride, ...] = ()
    min_coverage: Decimal | None = Field(None, ge=0, le=1)
    source: SourceModel | None = None

    @property
    def effective_min_coverage(self) -> Decimal:
        """``min_coverage``, or :data:`DEFAULT_MIN_COVERAGE` when the rule set does not say
        (``perfscore validate`` warns about that)."""
        return DEFAULT_MIN_COVERAGE if self.min_coverage is None else self.min_coverage


class LetterScale(_Strict):
    """An ordinal scale such as PEFA's A > B > C > D, with ``+`` steps and aliases (D* → D)."""

    letters: tuple[str, ...] = Field(min_length=2)
    plus: bool = False
    aliases: dict[str, str] = Field(default_factory=dict)


class RuleSetModel(_Strict):
    perfscore: str
    id: Identifier
    title: str
    title_en: str | None = None
    version: str
    locale: str = "zh-CN"
    description: str | None = None
    source: SourceModel | None = None
    subject_type: str = "department"
    settings: SettingsModel = Field(default_factory=lambda: SettingsModel.model_validate({}))
    letters: LetterScale | None = None
    inputs: dict[Identifier, InputModel] = Field(default_factory=dict)
    metrics: dict[Identifier, MetricModel] = Field(default_factory=dict)
    indicators: tuple[IndicatorModel, ...] = ()
    checks: tuple[CheckModel, ...] = ()
    grades: GradesModel | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: object) -> object:
        return str(v) if isinstance(v, (int, Decimal)) else v

    @field_validator("perfscore", mode="before")
    @classmethod
    def _language_text(cls, v: object) -> object:
        return str(v) if isinstance(v, (int, Decimal)) else v
