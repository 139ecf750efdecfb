"""Plugins: a bureau adds its own expression functions, scorers and aggregators without forking.

Registration is by decorator in Python, or by package entry points (also
``perfscore.exporters`` for output formats: a :class:`perfscore.export.Format`)::

    [project.entry-points."perfscore.functions"]
    growth = "my_bureau.rules:growth"          # a perfscore.functions.Function
    [project.entry-points."perfscore.scorers"]
    band_target = "my_bureau.rules:band_target" # a perfscore.plugins.ScorerType
    [project.entry-points."perfscore.aggregators"]
    harmonic = "my_bureau.rules:harmonic"       # a callable (AggregateSpec, children) -> NodeScore

A scorer plugin declares its configuration model (pydantic) next to its code; the rule set's
``scorer:`` mapping is validated against it when the rule set loads, with located errors.  A
bad plugin is refused when it registers, with a message naming the plugin and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .aggregate import AGGREGATORS, Aggregator
from .functions import DEFAULT_FUNCTIONS, Function, FunctionRegistry
from .registry import (
    PluginError,
    PluginFailure,
    PluginWarning,
    Registry,
    all_registries,
    load_all,
)
from .scorers import SCORERS, ScorerType

__all__ = [
    "PluginError",
    "PluginFailure",
    "PluginWarning",
    "Registry",
    "ScorerType",
    "default_functions",
    "load_entry_points",
    "plugin_failures",
    "register_aggregator",
    "register_function",
    "register_scorer_type",
]


#: Scorer types, built-in and added: the one registry :data:`perfscore.scorers.SCORERS`.
scorer_types: Registry[ScorerType] = SCORERS
#: Aggregators, built-in and added (the same registry as :data:`perfscore.aggregate.AGGREGATORS`).
aggregators: Registry[Aggregator] = AGGREGATORS
#: Expression functions, built-in and added: the one registry
#: :data:`perfscore.functions.DEFAULT_FUNCTIONS`.
plugin_functions: FunctionRegistry = DEFAULT_FUNCTIONS


def registries() -> tuple[Registry[Any], ...]:
    """Every registry entry points can fill: functions, scorers, aggregators, output formats,
    extraction templates."""
    load_entry_points()
    return all_registries()


def register_scorer_type(st: ScorerType, *, replace: bool = False) -> ScorerType:
    """Add a scorer type to :data:`perfscore.scorers.SCORERS`.  A built-in name is refused;
    a name another plugin took is refused unless ``replace=True`` (the error says where
    both were registered)."""
    return scorer_types.add(st, name=st.name, replace=replace)


def register_aggregator(name: str) -> Callable[[Aggregator], Aggregator]:
    """Decorator: ``@register_aggregator("harmonic")``."""
    return aggregators.register(name)


def register_function(function: Function, *, replace: bool = False) -> Function:
    """Add an expression function to :data:`perfscore.functions.DEFAULT_FUNCTIONS`, the
    functions every rule set sees.  A built-in name is refused; a name another plugin took is
    refused unless ``replace=True`` (the error says where both were registered)."""
    return plugin_functions.add(function, replace=replace)


def default_functions() -> FunctionRegistry:
    """The functions a rule set gets when it is given none: a copy of
    :data:`~perfscore.functions.DEFAULT_FUNCTIONS` (built-ins and every plugin's) as it is now,
    every installed plugin loaded first."""
    load_entry_points()
    return DEFAULT_FUNCTIONS.copy()


def load_entry_points(*, force: bool = False) -> list[str]:
    """Load installed plugins (once).  Returns ``group:name`` for each loaded entry point.

    A plugin that cannot be imported (it raises, or calls ``sys.exit``) or whose object is
    refused is disabled: it is listed by :func:`plugin_failures`, a :class:`PluginWarning`
    names it and the reason, and everything else keeps working.
    """
    # the output side's registries (formats, extraction templates) exist once imported
    from .export import EXPORTERS
    from .extract.template import TEMPLATES

    assert EXPORTERS.group and TEMPLATES.group
    return load_all(force=force)


def plugin_failures() -> list[PluginFailure]:
    """The plugins that were disabled because they could not be loaded, and why."""
    return [f for registry in registries() for f in registry.failures]
