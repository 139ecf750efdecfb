"""A rule set travels to worker processes as its loaded document (data, source, positions,
overlay chain) and its function registry, and is validated and compiled again there."""

from __future__ import annotations

from typing import Any

from .._yaml import Document
from ..functions import FunctionRegistry

__all__ = ["doc_from_state", "doc_state", "functions_state"]


def doc_state(doc: Document, memo: dict[int, Any]) -> Any:
    """A picklable stand-in for a (merged) document: read-only mappings become dicts."""
    import dataclasses
    from types import MappingProxyType

    if id(doc) in memo:
        return memo[id(doc)]
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(doc):
        v = getattr(doc, f.name)
        if f.name == "origins":
            v = {k: (doc_state(d, memo), p) for k, (d, p) in v.items()}
        elif f.name == "chain":
            v = tuple(doc_state(d, memo) for d in v)
        elif isinstance(v, MappingProxyType):
            v = ("__proxy__", dict(v))
        fields[f.name] = v
    memo[id(doc)] = state = (type(doc), fields)
    return state


def doc_from_state(state: Any, memo: dict[int, Document]) -> Document:
    from types import MappingProxyType

    if id(state) in memo:
        return memo[id(state)]
    cls, fields = state
    kw: dict[str, Any] = {}
    for name, v in fields.items():
        if name == "origins":
            v = {k: (doc_from_state(d, memo), p) for k, (d, p) in v.items()}
        elif name == "chain":
            v = tuple(doc_from_state(d, memo) for d in v)
        elif isinstance(v, tuple) and len(v) == 2 and v[0] == "__proxy__":
            v = MappingProxyType(v[1])
        kw[name] = v
    memo[id(state)] = doc = cls(**kw)
    return doc  # type: ignore[no-any-return]


def functions_state(functions: FunctionRegistry) -> FunctionRegistry | None:
    from ..plugins import default_functions

    default = default_functions()
    if functions.names() == default.names() and all(
        (a := functions.get(n)) is not None and (b := default.get(n)) is not None and a.fn is b.fn
        for n in default.names()
    ):
        return None
    return functions
