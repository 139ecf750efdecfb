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

import inspect
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any, Generic, TypeVar

import pydantic

from .aggregate import AGGREGATORS, Aggregator
from .errors import PerfscoreError
from .functions import DEFAULT_FUNCTIONS, Function, FunctionRegistry
from .scorers import ScorerType, builtin_scorers

__all__ = [
    "PluginError",
    "Registry",
    "ScorerType",
    "default_functions",
    "load_entry_points",
    "register_aggregator",
    "register_function",
    "register_scorer_type",
]

T = TypeVar("T")
_IDENT_ERROR = "a plugin name is an ASCII identifier (letters, digits, _; starting with a letter)"


class PluginError(PerfscoreError):
    """A plugin was refused when it registered."""

    def __init__(self, plugin: str, problem: str) -> None:
        self.plugin = plugin
        self.problem = problem
        super().__init__(f"plugin {plugin!r}: {problem}")


def _check_name(name: str) -> None:
    if not (name[:1].isascii() and name[:1].isalpha() and name.isascii() and name.isidentifier()):
        raise PluginError(name, _IDENT_ERROR)


class Registry(Generic[T]):
    """Named extension points, filled by decorator or entry points; names are unique."""

    def __init__(self, kind: str, store: dict[str, T], check: Callable[[str, T], None]) -> None:
        self.kind = kind
        self._store = store
        self._check = check

    def add(self, name: str, obj: T, *, replace: bool = False) -> T:
        _check_name(name)
        if name in self._store and not replace:
            raise PluginError(name, f"a {self.kind} named {name!r} is already registered")
        self._check(name, obj)
        self._store[name] = obj
        return obj

    def register(self, name: str, *, replace: bool = False) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            return self.add(name, obj, replace=replace)

        return deco

    def get(self, name: str) -> T | None:
        return self._store.get(name)

    def names(self) -> list[str]:
        return sorted(self._store)

    def __contains__(self, name: object) -> bool:
        return name in self._store

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._store))


def _check_scorer(name: str, st: Any) -> None:
    if not isinstance(st, ScorerType):
        raise PluginError(name, "a scorer plugin is a perfscore.plugins.ScorerType")
    if st.name != name:
        raise PluginError(name, f"registered as {name!r} but declares the name {st.name!r}")
    if not (isinstance(st.config, type) and issubclass(st.config, pydantic.BaseModel)):
        raise PluginError(name, "its 'config' must be a pydantic model class")
    if "type" not in st.config.model_fields:
        raise PluginError(name, "its config model needs a 'type' field (the scorer's name)")
    _check_arity(name, st.build, 2, "build(config, context)")


def _check_arity(name: str, fn: Any, n: int, shape: str) -> None:
    if not callable(fn):
        raise PluginError(name, f"{shape} is not callable")
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
    required = [p for p in positional if p.default is p.empty]
    if len(required) > n or (len(positional) < n and not varargs):
        raise PluginError(name, f"must be callable as {shape}")


def _check_aggregator(name: str, fn: Any) -> None:
    _check_arity(name, fn, 2, "aggregate(spec, children)")


PLUGIN_SCORERS: dict[str, ScorerType] = {}
scorer_types: Registry[ScorerType] = Registry("scorer", PLUGIN_SCORERS, _check_scorer)
aggregators: Registry[Aggregator] = Registry("aggregator", AGGREGATORS, _check_aggregator)
_plugin_functions = FunctionRegistry()


def register_scorer_type(st: ScorerType, *, replace: bool = False) -> ScorerType:
    """Add a scorer type; built-in names cannot be replaced."""
    if st.name in builtin_scorers():
        raise PluginError(st.name, "that is a built-in scorer type")
    return scorer_types.add(st.name, st, replace=replace)


def register_aggregator(name: str) -> Callable[[Aggregator], Aggregator]:
    """Decorator: ``@register_aggregator("harmonic")``."""
    return aggregators.register(name)


def register_function(function: Function) -> Function:
    """Add an expression function to the defaults every rule set sees."""
    if function.name in DEFAULT_FUNCTIONS.names():
        raise PluginError(function.name, "that is a built-in function")
    try:
        _plugin_functions.add(function)
    except PerfscoreError as e:
        raise PluginError(function.name, str(e)) from e
    return function


def default_functions() -> FunctionRegistry:
    """Built-in functions plus every registered plugin function."""
    load_entry_points()
    reg = DEFAULT_FUNCTIONS.copy()
    for fn in _plugin_functions:
        reg.add(fn)
    return reg


_loaded = False


def load_entry_points(*, force: bool = False) -> list[str]:
    """Load installed plugins (once).  Returns ``group:name`` for each loaded entry point."""
    global _loaded
    if _loaded and not force:
        return []
    _loaded = True
    done: list[str] = []
    eps = metadata.entry_points()
    for group, add in (
        ("perfscore.functions", _add_function_ep),
        ("perfscore.scorers", _add_scorer_ep),
        ("perfscore.aggregators", _add_aggregator_ep),
        ("perfscore.exporters", _add_exporter_ep),
    ):
        for ep in eps.select(group=group):
            try:
                obj = ep.load()
            except Exception as e:  # a broken plugin must not break perfscore: refuse it, loudly
                raise PluginError(ep.name, f"cannot be loaded from {ep.value}: {e}") from e
            add(ep.name, obj)
            done.append(f"{group}:{ep.name}")
    return done


def _add_function_ep(name: str, obj: Any) -> None:
    if not isinstance(obj, Function):
        raise PluginError(
            name, "a perfscore.functions entry point must be a perfscore.functions.Function"
        )
    if obj.name != name:
        raise PluginError(name, f"entry point {name!r} names a function called {obj.name!r}")
    if obj.name not in _plugin_functions.names():
        register_function(obj)


def _add_scorer_ep(name: str, obj: Any) -> None:
    if isinstance(obj, ScorerType) and scorer_types.get(name) is obj:
        return
    _check_scorer(name, obj)
    register_scorer_type(obj)


def _add_exporter_ep(name: str, obj: Any) -> None:
    from .export import EXPORTERS, Format

    if not isinstance(obj, Format):
        raise PluginError(
            name, "a perfscore.exporters entry point must be a perfscore.export.Format"
        )
    if obj.name != name:
        raise PluginError(name, f"entry point {name!r} names a format called {obj.name!r}")
    if name in EXPORTERS:
        if EXPORTERS[name] is obj:
            return
        raise PluginError(name, "an output format of that name already exists")
    _check_name(name)
    _check_arity(name, obj.render, 2, "render(report, options)")
    if not obj.extensions or not all(e.startswith(".") for e in obj.extensions):
        raise PluginError(name, "extensions must be like ('.tsv',)")
    EXPORTERS.add(obj)


def _add_aggregator_ep(name: str, obj: Any) -> None:
    if aggregators.get(name) is obj:
        return
    aggregators.add(name, obj)
