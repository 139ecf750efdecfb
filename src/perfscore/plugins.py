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

import math
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .aggregate import AGGREGATORS, Aggregator
from .errors import EvaluationError
from .functions import DEFAULT_FUNCTIONS, Function, FunctionRegistry
from .registry import (
    PluginError,
    PluginFailure,
    PluginWarning,
    Registry,
    all_registries,
    check_identifier,
    load_all,
)
from .scorers import SCORERS, ScorerType
from .values import Series

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


def _check_plugin_function(name: str, function: Any) -> None:
    check_identifier(name)
    if not isinstance(function, Function):
        raise PluginError(
            name, "a perfscore.functions entry point must be a perfscore.functions.Function"
        )
    if name in DEFAULT_FUNCTIONS:
        raise PluginError(name, "that is a built-in function")
    DEFAULT_FUNCTIONS.copy().add(function)  # the same vetting every expression function gets


def _function_name(function: Function) -> str:
    return function.name


#: Scorer types, built-in and added: the one registry :data:`perfscore.scorers.SCORERS`.
scorer_types: Registry[ScorerType] = SCORERS
#: Aggregators, built-in and added (the same registry as :data:`perfscore.aggregate.AGGREGATORS`).
aggregators: Registry[Aggregator] = AGGREGATORS
#: Expression functions plugins add to the defaults every rule set sees.
plugin_functions: Registry[Function] = Registry(
    "function", group="perfscore.functions", check=_check_plugin_function, key=_function_name
)


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


def register_function(function: Function) -> Function:
    """Add an expression function to the defaults every rule set sees."""
    return plugin_functions.add(function)


class FiniteResult:
    """A plugin function whose results are checked: NaN and Infinity never enter a score.

    A non-finite number (or a series holding one) becomes an :class:`EvaluationError`, i.e. an
    ``error`` finding for the rule and subject that called it; everything else passes through.
    """

    __slots__ = ("fn", "name")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name = name
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        result = self.fn(*args)
        if isinstance(result, Series):
            bad = next((v for v in result.values() if not _finite(v)), None)
            if bad is not None:
                raise EvaluationError(
                    f"plugin function {self.name}() returned a series holding {bad}, "
                    "not a finite number"
                )
        elif not _finite(result):
            raise EvaluationError(
                f"plugin function {self.name}() returned {result}, not a finite number"
            )
        return result


def _finite(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return True


_checked: dict[str, tuple[Function, Function]] = {}


def _checked_function(function: Function) -> Function:
    """The plugin function with its result checked; the same object each time (so a rule set
    using only default functions still pickles by reference)."""
    pair = _checked.get(function.name)
    if pair is None or pair[0] is not function:
        pair = (function, replace(function, fn=FiniteResult(function.name, function.fn)))
        _checked[function.name] = pair
    return pair[1]


def default_functions() -> FunctionRegistry:
    """Built-in functions plus every registered plugin function."""
    load_entry_points()
    reg = DEFAULT_FUNCTIONS.copy()
    for fn in plugin_functions:
        reg.add(_checked_function(fn))
    return reg


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
