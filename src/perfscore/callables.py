"""What a rule expression may call: a :class:`Function` (a callable with its arity and the kind
it returns), the :class:`FunctionRegistry` that vets one before it can be registered, and the
one check of what a function that is not perfscore's own returns (:func:`callable_for`).

Rule sets come from untrusted authors, so the set of callables an expression can reach is a
closed, reviewed registry: names are plain ASCII identifiers, and nothing on simpleeval's
``DISALLOW_FUNCTIONS`` (``eval``, ``os.system``...), nothing with side effects and nothing
nondeterministic (no ``rand``) can be registered.  The functions themselves are in
:mod:`perfscore.functions`.
"""

from __future__ import annotations

import builtins
import keyword
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, get_args

from simpleeval import DISALLOW_FUNCTIONS

from perfscore.errors import EvaluationError
from perfscore.numbers import RESULT_MAX_ADJUSTED, short_number
from perfscore.registry import PluginError, Registry, check_identifier
from perfscore.values import Kind, Series
from perfscore.words import EVAL, said

__all__ = ["Function", "FunctionRegistry", "MissingArgumentError", "callable_for", "check_function"]

_KINDS: frozenset[str] = frozenset(get_args(Kind))
# Beyond simpleeval's list: side effects, introspection, and sources of nondeterminism.
_FORBIDDEN_BUILTINS = frozenset(
    getattr(builtins, name)
    for name in (
        "__import__", "breakpoint", "delattr", "dir", "exit", "id", "input", "open",
        "print", "quit", "vars",
    )
    if hasattr(builtins, name)
)  # fmt: skip


_FORBIDDEN_MODULES = frozenset(
    {"os", "posix", "nt", "sys", "subprocess", "shutil", "socket", "importlib", "random",
     "secrets", "time", "uuid"}
)  # fmt: skip


class MissingArgumentError(TypeError):
    """A function got ``None`` (a missing optional value) where it needs a value.

    A ``TypeError`` on purpose: the expression layer turns it into an EvaluationError that
    names the missing field, exactly as it does for ``None + 1``.
    """


@dataclass(frozen=True)
class Function:
    """One callable an expression may use, with the arity checked when a rule set loads."""

    name: str
    fn: Callable[..., Any]
    min_args: int
    max_args: int | None  # None = variadic
    returns: Kind
    doc: str  # one line, shown in docs / error hints
    #: the result depends on the arguments alone (no state, no call counting): the columnar
    #: path may then call it once per distinct combination of what it reads, not per row
    pure: bool = False


def _module_of(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None)
    if not isinstance(module, str):
        owner = getattr(fn, "__self__", None)
        module = type(owner).__module__ if owner is not None else ""
    return module.split(".")[0]


def _is_forbidden(fn: Callable[..., Any]) -> bool:
    try:
        if fn in DISALLOW_FUNCTIONS or fn in _FORBIDDEN_BUILTINS:
            return True
    except TypeError:  # unhashable callable: cannot be one of the listed functions
        pass
    return _module_of(fn) in _FORBIDDEN_MODULES


class _Checked:
    """A third-party function whose results are checked: a NaN, an infinity (alone or in a
    series), a binary float or a number of 1e100 or more never enters a score (it becomes an
    error finding for the rule and subject that called it instead)."""

    __slots__ = ("fn", "name")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name, self.fn = name, fn

    def __call__(self, *args: Any) -> Any:
        result = self.fn(*args)
        if type(result) is Decimal:
            if not result.is_finite():
                raise EvaluationError(
                    said(EVAL, "returned_not_finite", name=self.name, value=result)
                )
            if not result.is_zero() and result.adjusted() > RESULT_MAX_ADJUSTED:
                big = short_number(result)
                raise EvaluationError(said(EVAL, "returned_too_large", name=self.name, value=big))
        elif isinstance(result, float):
            if not math.isfinite(result):
                raise EvaluationError(
                    said(EVAL, "returned_not_finite", name=self.name, value=result)
                )
            value = short_number(result)
            raise EvaluationError(said(EVAL, "returned_float", name=self.name, value=value))
        elif isinstance(result, Series):
            bad = next((v for v in result.values() if not _finite(v)), None)
            if bad is not None:
                raise EvaluationError(said(EVAL, "returned_series", name=self.name, value=bad))
        return result

    def __repr__(self) -> str:
        return f"checked({self.fn!r})"


def _finite(value: object) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def callable_for(function: Function) -> Callable[..., Any]:
    """What an expression calls for ``function``: perfscore's own functions directly, any
    other (a plugin's) behind a check of what it returns."""
    if _module_of(function.fn) == "perfscore":
        return function.fn
    return _Checked(function.name, function.fn)


def check_function(name: str, function: Function) -> None:
    """Vet a function's name, arity and callable before it can be registered."""
    if not isinstance(function, Function):
        raise PluginError(str(name), "an expression function is a perfscore.functions.Function")
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise PluginError(str(name), f"function name {name!r} is not a valid identifier")
    if name.startswith("_"):
        raise PluginError(name, f"function name {name!r}: names starting with '_' are reserved")
    check_identifier(name)  # ASCII, like every id of the rule language
    if not callable(function.fn):
        raise PluginError(name, f"function {name!r} is not callable")
    if _is_forbidden(function.fn):
        raise PluginError(
            name,
            f"function {name!r} wraps {getattr(function.fn, '__name__', function.fn)!r}, "
            "which is forbidden in expressions (unsafe or nondeterministic)",
        )
    if not isinstance(function.min_args, int) or function.min_args < 0:
        raise PluginError(name, f"function {name!r}: min_args must be a non-negative integer")
    if function.max_args is not None and (
        not isinstance(function.max_args, int) or function.max_args < function.min_args
    ):
        raise PluginError(name, f"function {name!r}: max_args must be None or >= min_args")
    if not isinstance(function.pure, bool):
        raise PluginError(name, f"function {name!r}: pure must be True or False")
    if function.returns not in _KINDS:
        raise PluginError(
            name, f"function {name!r}: returns must be one of {', '.join(sorted(_KINDS))}"
        )


def _function_name(function: Function) -> str:
    return function.name


def _make_function(
    name: str | None,
    fn: Callable[..., Any],
    *,
    min_args: int,
    max_args: int | None,
    returns: Kind = "number",
    doc: str = "",
    pure: bool = False,
) -> Function:
    """What ``@registry.register(name, min_args=..., max_args=...)`` registers; the doc
    defaults to the docstring's first line."""
    text = doc or (fn.__doc__ or "").strip().split("\n", 1)[0]
    return Function(name or fn.__name__, fn, min_args, max_args, returns, text, pure)


class FunctionRegistry(Registry[Function]):
    """Name → :class:`Function`; the only callables an expression can reach.

    ``@registry.register("name", min_args=1, max_args=1)`` registers a Python function;
    ``registry.add(Function(...))`` a ready one.  ``group`` is the entry point group plugins
    fill (only :data:`DEFAULT_FUNCTIONS` has one).
    """

    def __init__(self, *, group: str | None = None) -> None:
        super().__init__(
            "function", group=group, check=check_function, key=_function_name,
            make=_make_function, builtin="function",
        )  # fmt: skip

    def copy(self) -> FunctionRegistry:
        """A writable copy for one rule set (the way to extend :data:`DEFAULT_FUNCTIONS` for it
        alone): every name in it is the caller's, so a taken name — built-in or a plugin's — is
        refused unless ``replace=True``."""
        other = super().copy()
        assert isinstance(other, FunctionRegistry)
        other.unseal()
        return other

    def __repr__(self) -> str:
        return f"FunctionRegistry({sorted(self.keys())})"
