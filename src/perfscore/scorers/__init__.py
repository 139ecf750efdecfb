"""Scorers: how a leaf indicator's value becomes points (or a letter grade).

One module per scorer kind, each holding everything about it: its configuration model (what the
rule set's ``scorer:`` mapping may say), its build step (targets compiled, bands checked, once
when the rule set loads), its per-record ``score`` — the one definition of what it gives — and
its fast points form and column form, which every executor (full findings, points only,
columnar, the property-testing kit) calls instead of re-implementing it.  Each module's
docstring carries a YAML example that ``tests/test_scorers.py`` loads and scores.

Adding a scorer is one new module shaped like :mod:`perfscore.scorers.threshold` plus its entry
in :data:`_MODULES`; a plugin scorer is the same shape registered from outside
(:func:`perfscore.plugins.register_scorer_type`, or a ``perfscore.scorers`` entry point) into
the same registry, :data:`SCORERS`.  Built-in names come first and are never replaced; among
plugins the first to register a name keeps it (``replace=True`` takes it over), and a refused
name is reported with where both came from.
"""

from __future__ import annotations

from typing import Any

import pydantic

from ..registry import PluginError, Registry, check_arity, check_identifier
from . import bands, checklist, deduct, formula, grade, proportional, series_bands, threshold, tier
from .bands import BandModel, BandsConfig, BandsScorer
from .base import (
    BaseScorer,
    Blank,
    BuildContext,
    Explaining,
    Fallback,
    OutcomeForm,
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
    "Blank",
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
    "OutcomeForm",
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
    "is_builtin",
]

#: The built-in scorer modules, in the order the rule language lists them.
_MODULES = (threshold, proportional, deduct, bands, series_bands, checklist, tier, formula, grade)


def _kind_name(kind: ScorerType) -> str:
    return kind.name


def _check_scorer(name: str, st: Any) -> None:
    check_identifier(name)
    if not isinstance(st, ScorerType):
        raise PluginError(name, "a scorer plugin is a perfscore.plugins.ScorerType")
    if not (isinstance(st.config, type) and issubclass(st.config, pydantic.BaseModel)):
        raise PluginError(name, "its 'config' must be a pydantic model class")
    if "type" not in st.config.model_fields:
        raise PluginError(name, "its config model needs a 'type' field (the scorer's name)")
    check_arity(name, st.build, 2, "build(config, context)")


#: Every scorer kind by YAML ``type:`` name: the built-in ones (registered here, sealed: never
#: replaced or removed), then those plugins add (:func:`perfscore.plugins.register_scorer_type`
#: or the ``perfscore.scorers`` entry point group).
SCORERS: Registry[ScorerType] = Registry(
    "scorer", group="perfscore.scorers", check=_check_scorer, key=_kind_name
)
for _mod in _MODULES:
    SCORERS.add(_mod.KIND)
SCORERS.seal()
_BUILTIN = SCORERS.builtin()


def builtin_scorers() -> dict[str, ScorerType]:
    """The built-in scorer kinds by name, in the language's order: the one place that knows
    which scorers are built in (the rule-language model builds its scorer union from it; their
    configs are validated with the rule set, a plugin's by its own model when it compiles)."""
    return dict(_BUILTIN)


def is_builtin(name: str) -> bool:
    """Whether ``name`` is a built-in scorer kind (its config is part of the rule language)."""
    return name in _BUILTIN
