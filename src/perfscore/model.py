"""The rule language v1 as data: pydantic models of what a rule-set YAML file may say.

This is the *structure* pass of loading (types, required keys, unknown keys).  Meaning —
names resolving, weights summing, bands not overlapping — is checked by :mod:`perfscore.compile`,
which turns these models into the runtime :class:`~perfscore.ruleset.RuleSet`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from .letters import LetterScale
from .modelbase import Expr, Identifier, StrictModel
from .scorers import ScorerConfig, builtin_scorers

__all__ = [
    "BUILTIN_SCORERS",
    "LANGUAGE_VERSION",
    "SEVERITY_RANK",
    "CheckModel",
    "GradeBand",
    "GradeOverride",
    "GradesModel",
    "IndicatorModel",
    "InputModel",
    "LetterScale",
    "LookupRow",
    "MetricModel",
    "PluginScorerModel",
    "RuleSetModel",
    "ScorerModel",
    "SettingsModel",
    "SourceModel",
]

LANGUAGE_VERSION = "1"


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
#: How serious each severity is, for ``--fail-on`` and the run summary (higher is worse).
SEVERITY_RANK: dict[str, int] = {"note": 1, "warning": 2, "error": 3}
ZeroPolicy = Literal["not_applicable", "zero", "error"]
MissingPolicy = Literal["not_applicable", "zero", "full", "error"]


class SourceModel(StrictModel):
    """Where a rule came from, and how sure we are (the [SEEN]/[RECALLED] labels stay visible)."""

    document: str
    evidence: Evidence | None = None
    section: str | None = None
    uri: str | None = None
    note: str | None = None


class Messages(StrictModel):
    """Per-outcome message templates; ``{value}``, ``{points}``, ``{weight}``, input names..."""

    zh: str | None = None
    en: str | None = None


class SettingsModel(StrictModel):
    zero_division: ZeroPolicy = "error"
    missing: MissingPolicy = "not_applicable"
    not_applicable_weight: Literal["redistribute", "zero"] = "redistribute"
    places: int = Field(2, ge=0, le=6)
    #: what the top-level weights add up to (满分); unsaid, 100 is expected and another sum
    #: is a warning; said, another sum is refused
    total: Decimal | None = Field(None, gt=0)


class InputModel(StrictModel):
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


class MetricModel(StrictModel):
    expr: Expr
    title: str | None = None
    unit: str | None = None
    zero_division: ZeroPolicy | None = None
    description: str | None = None


# --- scorers: each scorer module declares its own config model (perfscore.scorers) ---------


class PluginScorerModel(ScorerConfig):
    """A scorer type added by a plugin; its own config model validates the rest when compiling."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str


#: The built-in scorer ``type:`` names, from the scorer registry (kept in one place).
BUILTIN_SCORERS: tuple[str, ...] = tuple(builtin_scorers().keys())


def _scorer_tag(v: object) -> str | None:
    t = v.get("type") if isinstance(v, dict) else getattr(v, "type", None)
    if t is None:
        return None
    return t if t in BUILTIN_SCORERS else "plugin"


if TYPE_CHECKING:
    ScorerModel = ScorerConfig
else:
    _TAGGED = (
        *(Annotated[k.config, Tag(n)] for n, k in builtin_scorers().items()),
        Annotated[PluginScorerModel, Tag("plugin")],
    )
    ScorerModel = Annotated[Union[_TAGGED], Discriminator(_scorer_tag)]  # noqa: UP007


class LookupRow(StrictModel):
    grades: tuple[str, ...] = Field(min_length=1)
    result: str


class IndicatorModel(StrictModel):
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


class CheckModel(StrictModel):
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


class GradeBand(StrictModel):
    id: Identifier
    label: str | None = None
    min: Decimal


class GradeOverride(StrictModel):
    when: Expr
    grade: Identifier
    label: str | None = None
    reason: str | None = None


DEFAULT_MIN_COVERAGE = Decimal("0.6")  # a grade needs data for 60% of the weight unless told


class GradesModel(StrictModel):
    bands: tuple[GradeBand, ...] = Field(min_length=1)
    overrides: tuple[GradeOverride, ...] = ()
    min_coverage: Decimal | None = Field(None, ge=0, le=1)
    source: SourceModel | None = None

    @property
    def effective_min_coverage(self) -> Decimal:
        """``min_coverage``, or :data:`DEFAULT_MIN_COVERAGE` when the rule set does not say
        (``perfscore validate`` warns about that)."""
        return DEFAULT_MIN_COVERAGE if self.min_coverage is None else self.min_coverage


class EffectiveModel(StrictModel):
    """The fiscal years a rule set applies to, both ends included; either may be left open.
    Written ``effective: {from: 2021, to: 2025}``."""

    from_: int | None = Field(None, alias="from", ge=1900, le=2999)
    to: int | None = Field(None, ge=1900, le=2999)

    @model_validator(mode="after")
    def _ordered(self) -> EffectiveModel:
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError(f"from {self.from_} is after to {self.to}")
        return self

    def covers(self, year: int) -> bool:
        return (self.from_ is None or year >= self.from_) and (self.to is None or year <= self.to)

    def text(self) -> str:
        return f"{self.from_ or '…'}–{self.to or '…'}"


class RuleSetModel(StrictModel):
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
    effective: EffectiveModel | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: object) -> object:
        return str(v) if isinstance(v, (int, Decimal)) else v

    @field_validator("perfscore", mode="before")
    @classmethod
    def _language_text(cls, v: object) -> object:
        return str(v) if isinstance(v, (int, Decimal)) else v
