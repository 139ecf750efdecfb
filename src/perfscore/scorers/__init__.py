"""Scorers: how a leaf indicator's value becomes points (or a letter grade).

One module per scorer kind, each holding everything about it: its configuration model (what the
rule set's ``scorer:`` mapping may say), its build step (targets compiled, bands checked, once
when the rule set loads), its per-record ``score`` — the one definition of what it gives — and
its fast points form and column form, which every executor (full findings, points only,
columnar, the property-testing kit) calls instead of re-implementing it.  Each module's
docstring carries a YAML example that ``tests/test_scorers.py`` loads and scores.

Adding a scorer is one new module shaped like :mod:`perfscore.scorers.threshold` plus its entry
in :data:`_MODULES`; a plugin scorer is the same shape registered from outside
(:func:`perfscore.plugins.register_scorer_type`).
"""

from __future__ import annotations

from ..registry import Registry
from . import bands, checklist, deduct, formula, grade, proportional, series_bands, threshold, tier
from .bands import BandModel, BandsConfig, BandsScorer
from .base import (
    BaseScorer,
    BuildContext,
    Explaining,
    Fallback,
    PointsForm,
    Scored,
    Scorer,
    ScorerConfig,
    ScorerFactory,
    ScorerType,
    Working,
)
from .checklist import ChecklistConfig, ChecklistItem, ChecklistScorer
from .deduct import DeductConfig, DeductScorer
from .formula import FormulaConfig, FormulaScorer
from .grade import GradeInputConfig, GradeInputScorer
from .proportional import ProportionalConfig, ProportionalScorer
from .series_bands import SeriesBandsConfig, SeriesBandsScorer
from .threshold import ThresholdConfig, ThresholdScorer
from .tier import Tier, TierConfig, TierScorer

__all__ = [
    "SCORERS",
    "BandModel",
    "BandsConfig",
    "BandsScorer",
    "BaseScorer",
    "BuildContext",
    "ChecklistConfig",
    "ChecklistItem",
    "ChecklistScorer",
    "DeductConfig",
    "DeductScorer",
    "Explaining",
    "Fallback",
    "FormulaConfig",
    "FormulaScorer",
    "GradeInputConfig",
    "GradeInputScorer",
    "PointsForm",
    "ProportionalConfig",
    "ProportionalScorer",
    "Scored",
    "Scorer",
    "ScorerConfig",
    "ScorerFactory",
    "ScorerType",
    "SeriesBandsConfig",
    "SeriesBandsScorer",
    "ThresholdConfig",
    "ThresholdScorer",
    "Tier",
    "TierConfig",
    "TierScorer",
    "Working",
    "builtin_scorers",
]

#: The built-in scorer modules, in the order the rule language lists them.
_MODULES = (threshold, proportional, deduct, bands, series_bands, checklist, tier, formula, grade)


def _kind_name(kind: ScorerType) -> str:
    return kind.name


#: The built-in scorer kinds by YAML ``type:`` name (read-only; plugins add theirs to
#: :data:`perfscore.plugins.scorer_types`).
SCORERS: Registry[ScorerType] = Registry("scorer", key=_kind_name)
for _mod in _MODULES:
    SCORERS.add(_mod.KIND)
SCORERS.freeze()


def builtin_scorers() -> Registry[ScorerType]:
    """The built-in scorer kinds, in the language's order: the one place that knows which
    scorers are built in (the rule-language model builds its scorer union from it, the
    compiler its builders; plugins are refused its names)."""
    return SCORERS
