"""One shape for every extension point: functions, scorers, aggregators, output formats and
extraction templates are each a :class:`Registry` instance.

Modelled on Cloud Custodian's ``PluginRegistry``:

* an object is registered under a unique name, directly (:meth:`Registry.add`) or by decorator
  (:meth:`Registry.register`); a second object under a taken name is refused unless the caller
  says ``replace=True``; ``aliases`` are further names for the same object;
* each registry checks what it is given (its ``check``) and refuses a bad object with a
  :class:`PluginError` naming it and the problem, when it registers rather than when it is used;
* third parties add objects through package entry points (``perfscore.<kind>s`` groups), loaded
  by :meth:`Registry.load_entry_points`.  One plugin that cannot be imported — it raises, or even
  calls ``sys.exit`` — is recorded as a :class:`PluginFailure` and left out; the rest still load;
* an unknown name is an error that names the registry and suggests the closest known name;
* a registry holding built-in objects and plugins' together (scorers, expression functions) is
  sealed (:meth:`Registry.seal`) once the built-ins are in: a built-in name is never replaced
  or removed; a plugin's name is first come, first served (``replace=True`` takes it over); a
  refused name says where both objects come from (``file:line`` of the registering call, or
  the entry point).

This module sits at the bottom of the import graph (it imports only :mod:`perfscore.errors`), so
every layer can own its registry without importing the layers above it.
"""

from __future__ import annotations

import inspect
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Generic, TypeVar

from .errors import PerfscoreError, did_you_mean
from .words import CLI, say

__all__ = [
    "PluginError",
    "PluginFailure",
    "PluginWarning",
    "Registry",
    "UnknownNameError",
    "all_registries",
    "check_arity",
    "check_identifier",
    "check_slug",
    "load_all",
]

T = TypeVar("T")
F = TypeVar("F")

_IDENT_ERROR = "a plugin name is an ASCII identifier (letters, digits, _; starting with a letter)"
_SLUG = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*\Z")


class PluginError(PerfscoreError):
    """Something was refused when it registered (a plugin, or a built-in registered twice)."""

    def __init__(self, plugin: str, problem: str) -> None:
        self.plugin = plugin
        self.problem = problem
        super().__init__(f"plugin {plugin!r}: {problem}")


class PluginWarning(UserWarning):
    """A plugin could not be loaded and is disabled (the rest of perfscore works)."""


class UnknownNameError(PerfscoreError, LookupError):
    """A name that no object in the registry answers to."""

    def __init__(self, kind: str, name: str, known: Sequence[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = tuple(known)
        self.suggestion = did_you_mean(name, known)
        hint = f"did you mean {self.suggestion!r}? " if self.suggestion else ""
        super().__init__(f"unknown {kind} {name!r} ({hint}known: {', '.join(known) or 'none'})")


@dataclass(frozen=True)
class PluginFailure:
    """An entry point that was left out, and why (shown to the user, never raised)."""

    group: str
    name: str
    value: str
    reason: str

    def __str__(self) -> str:
        return say(
            CLI, "en", "plugin_disabled",
            name=self.name, group=self.group, value=self.value, reason=self.reason,
        )  # fmt: skip


def check_identifier(name: str) -> None:
    """The name rule for plugins: an ASCII identifier starting with a letter."""
    if not (
        isinstance(name, str)
        and name[:1].isascii()
        and name[:1].isalpha()
        and name.isascii()
        and name.isidentifier()
    ):
        raise PluginError(str(name), _IDENT_ERROR)


def check_slug(name: str) -> None:
    """The name rule for file-like names (templates): lower-case words joined by ``-``/``_``."""
    if not (isinstance(name, str) and _SLUG.match(name)):
        raise PluginError(str(name), "a name is lower-case ASCII words joined by '-' or '_'")


def check_arity(name: str, fn: object, n: int, shape: str) -> None:
    """Refuse a callable that cannot be called with ``n`` positional arguments."""
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


class Registry(Generic[T]):
    """Named objects of one kind, filled by decorator, direct call or entry points.

    ``kind`` names the registry in messages ("scorer", "output format"); ``group`` is the entry
    point group third parties use; ``check(name, obj)`` vets an object (raise
    :class:`PluginError`); ``key(obj)`` is the name an object declares for itself, which must
    match the name it is registered under; ``make(name, obj, **meta)`` builds the registered
    object from what a decorator decorates (e.g. a function plus its arity); ``unknown(kind,
    name, known)`` makes the exception for a name not found.
    """

    def __init__(
        self,
        kind: str,
        *,
        group: str | None = None,
        check: Callable[[str, T], None] | None = None,
        key: Callable[[T], str] | None = None,
        make: Callable[..., T] | None = None,
        unknown: Callable[[str, str, Sequence[str]], Exception] = UnknownNameError,
        builtin: str | None = None,
    ) -> None:
        self.kind = kind
        #: how messages name a built-in object ("scorer type", "function")
        self.builtin_word = builtin or f"{kind} type"
        self.group = group
        self._check = check
        self._key = key
        self._make = make
        self._unknown = unknown
        self._objects: dict[str, T] = {}
        self._aliases: dict[str, str] = {}
        self._frozen = False
        self._builtin: frozenset[str] = frozenset()
        self._origins: dict[str, str] = {}
        self._where: dict[str, str] = {}
        self._loaded = group is None
        self.failures: list[PluginFailure] = []
        if group is not None:
            _GROUPED.append(self)

    # -- registration ---------------------------------------------------------------------

    def add(
        self,
        obj: T,
        /,
        *,
        name: str | None = None,
        aliases: Iterable[str] = (),
        replace: bool = False,
        _where: str | None = None,
    ) -> T:
        """Register ``obj`` under ``name`` (by default the name it declares) and ``aliases``."""
        declared = self._declared_name(obj)
        if name is None:
            if declared is None:
                raise PluginError(repr(obj), f"a {self.kind} is registered under a name")
            name = declared
        if self._frozen:
            raise PluginError(
                name,
                f"cannot add {self.kind} {name!r}: this registry is shared and read-only; "
                "add to a copy() instead",
            )
        aliases = tuple(aliases)
        where = _where if _where is not None else _caller()
        for n in (name, *aliases):
            if n in self._builtin:
                raise PluginError(n, f"that is a built-in {self.builtin_word}{self._from(n)}")
        if self._check is not None:
            self._check(name, obj)
        if self._key is not None and declared != name:
            raise PluginError(name, f"registered as {name!r} but declares the name {declared!r}")
        for n in (name, *aliases):
            if not replace and (n in self._objects or n in self._aliases):
                here = f"; this one at {where}" if where else ""
                raise PluginError(
                    n, f"a {self.kind} named {n!r} is already registered{self._from(n)}{here}"
                )
        self._objects[name] = obj
        self._aliases = {a: t for a, t in self._aliases.items() if a != name}
        for alias in aliases:
            self._aliases[alias] = name
        if where:
            self._where[name] = where
        return obj

    def _from(self, name: str) -> str:
        """Where ``name``'s object came from: `` (at file:line)`` or `` (from dist: mod:attr)``."""
        target = self._aliases.get(name, name)
        if target in self._origins:
            return f" (from {self._origins[target]})"
        if target in self._where:
            return f" (at {self._where[target]})"
        return ""

    def _declared_name(self, obj: T) -> str | None:
        if self._key is None:
            return None
        try:
            return self._key(obj)
        except AttributeError:
            return None

    def register(
        self,
        name: str | None = None,
        /,
        *,
        aliases: Iterable[str] = (),
        replace: bool = False,
        **meta: Any,
    ) -> Callable[[F], F]:
        """Decorator: ``@registry.register("name")``; returns what it decorates unchanged.

        Registries that build their objects (functions, output formats) take the object's
        metadata as keywords, e.g. ``@functions.register("growth", min_args=1, max_args=1)``.
        """

        def deco(target: F) -> F:
            if self._make is not None:
                obj = self._make(name, target, **meta)
            elif meta:
                raise TypeError(f"{self.kind} registration takes no {', '.join(meta)}")
            else:
                obj = target  # type: ignore[assignment]  # F is T when nothing is built
            self.add(obj, name=name if self._make is None else None, aliases=aliases,
                     replace=replace)  # fmt: skip
            return target

        return deco

    def unregister(self, name: str) -> None:
        """Remove a name (and its aliases); unknown names are ignored."""
        if self._frozen:
            raise PluginError(name, f"cannot remove {self.kind} {name!r}: the registry is shared")
        if name in self._builtin:
            raise PluginError(name, f"cannot remove the built-in {self.builtin_word} {name!r}")
        self._objects.pop(name, None)
        self._origins.pop(name, None)
        self._where.pop(name, None)
        self._aliases = {a: t for a, t in self._aliases.items() if t != name}

    def freeze(self) -> None:
        """Make the registry read-only (a shared default); extend a :meth:`copy` instead."""
        self._frozen = True

    def seal(self) -> None:
        """The objects registered so far are the built-in ones: their names can be neither
        replaced nor removed; plugins may still add other names."""
        self._builtin = frozenset(self._objects) | frozenset(self._aliases)

    def unseal(self) -> None:
        """Forget which names are built in (a private copy: every name in it is the owner's)."""
        self._builtin = frozenset()

    def builtin(self) -> dict[str, T]:
        """The built-in objects (registered before :meth:`seal`), by name, in order."""
        return {n: o for n, o in self._objects.items() if n in self._builtin}

    def copy(self) -> Registry[T]:
        """A writable copy with the same objects and rules: what the registry answers now
        (its entry points loaded first); the copy loads none of its own."""
        self._autoload()
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other._objects = dict(self._objects)
        other._aliases = dict(self._aliases)
        other._origins = dict(self._origins)
        other._where = dict(self._where)
        other._frozen = False
        other._loaded = True
        other.failures = []
        return other

    # -- lookup -----------------------------------------------------------------------------

    def _autoload(self) -> None:
        if not self._loaded:
            self.load_entry_points()

    def get(self, name: str) -> T | None:
        if not self._loaded:
            self.load_entry_points()
        obj = self._objects.get(name)
        if obj is None and name in self._aliases:
            return self._objects.get(self._aliases[name])
        return obj

    def origin(self, name: str) -> str | None:
        """Where a plugin's object came from (``distribution: module:attr``); None for an
        object registered in Python (built-in, or by the caller)."""
        return self._origins.get(self._aliases.get(name, name))

    def __getitem__(self, name: str) -> T:
        obj = self.get(name)
        if obj is None:
            raise self._unknown(self.kind, name, self.keys())
        return obj

    def __contains__(self, name: object) -> bool:
        self._autoload()
        return name in self._objects or name in self._aliases

    def __iter__(self) -> Iterator[T]:
        """The registered objects, in registration order."""
        self._autoload()
        return iter(list(self._objects.values()))

    def __len__(self) -> int:
        self._autoload()
        return len(self._objects)

    def keys(self) -> list[str]:
        """The registered names (not aliases), in registration order."""
        self._autoload()
        return list(self._objects)

    def names(self) -> frozenset[str]:
        """Every name the registry answers to, aliases included."""
        self._autoload()
        return frozenset(self._objects) | frozenset(self._aliases)

    def items(self) -> list[tuple[str, T]]:
        self._autoload()
        return list(self._objects.items())

    def __repr__(self) -> str:
        return f"<Registry {self.kind}: {', '.join(self._objects)}>"

    # -- entry points -----------------------------------------------------------------------

    def load_entry_points(self, *, force: bool = False) -> list[str]:
        """Register every object of this registry's entry point group; ``group:name`` each.

        Done once, on first use (or again with ``force``).  A plugin that cannot be imported,
        or whose object is refused, is recorded in :attr:`failures`, named in a
        :class:`PluginWarning` and left out; the others still load.
        """
        if self.group is None or (self._loaded and not force):
            return []
        self._loaded = True  # first, so lookups while loading do not load again
        done: list[str] = []
        for ep in metadata.entry_points().select(group=self.group):
            failure = self._load_one(ep)
            if failure is None:
                done.append(f"{self.group}:{ep.name}")
            elif failure not in self.failures:
                self.failures.append(failure)
                warnings.warn(str(failure), PluginWarning, stacklevel=2)
        return done

    def _load_one(self, ep: metadata.EntryPoint) -> PluginFailure | None:
        group = self.group or ""
        try:
            obj = ep.load()
        except KeyboardInterrupt:
            raise
        except SystemExit as e:  # sys.exit() while importing must not end perfscore
            return PluginFailure(
                group, ep.name, ep.value, f"its import called sys.exit({e.code!r})"
            )
        except BaseException as e:  # any import failure disables that plugin only
            return PluginFailure(
                group, ep.name, ep.value, f"cannot be imported: {type(e).__name__}: {e}"
            )
        if self.get(ep.name) is obj:
            return None  # loaded before (entry points are loaded again with force=True)
        dist = ep.dist.name if ep.dist is not None else None
        origin = f"{dist}: {ep.value}" if dist else ep.value
        try:
            self.add(obj, name=ep.name, _where=origin)
        except PerfscoreError as e:
            problem = e.problem if isinstance(e, PluginError) else str(e)
            return PluginFailure(group, ep.name, ep.value, f"refused: {problem}")
        self._where.pop(ep.name, None)
        self._origins[ep.name] = origin
        return None


_GROUPED: list[Registry[Any]] = []
_HERE = os.path.dirname(os.path.abspath(__file__))


def _caller() -> str | None:
    """``file:line`` of the call that registers: the first frame outside this module and
    perfscore's own ``register_*`` wrappers."""
    frame = inspect.currentframe()
    while frame is not None:
        code = frame.f_code
        inside = os.path.dirname(os.path.abspath(code.co_filename)) == _HERE
        if not (code.co_filename == __file__ or (inside and code.co_name.startswith("register"))):
            return f"{code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None  # pragma: no cover - there is always a caller


def all_registries() -> tuple[Registry[Any], ...]:
    """Every registry third parties can fill through entry points (in creation order)."""
    return tuple(_GROUPED)


def load_all(*, force: bool = False) -> list[str]:
    """Load the entry points of every such registry; ``group:name`` for each loaded."""
    return [loaded for r in all_registries() for loaded in r.load_entry_points(force=force)]
