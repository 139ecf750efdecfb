"""A loaded rule-set document validated and compiled, with every problem located.

pydantic's errors are mapped back onto the document (union tags dropped, a misspelt key
reported once with its suggestion), and the parts that *are* well formed are compiled anyway so
one run reports structural and semantic problems together."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pydantic

from .. import model as m
from .._yaml import Document
from ..compile import Compiled, compile_model
from ..errors import Problem, RuleSetError, did_you_mean
from ..functions import FunctionRegistry
from ..numbers import numbers_out_of_range
from ..overlay import plain_copy

__all__ = ["compile_document"]


def _real_path(data: Any, loc: Sequence[str | int]) -> tuple[tuple[str | int, ...], bool]:
    """Map a pydantic ``loc`` onto the document, dropping union tags it inserts."""
    path: list[str | int] = []
    cur = data
    complete = True
    entered = True  # just stepped into ``cur``: a union tag, if any, comes now
    for item in loc:
        in_list = isinstance(cur, list) and isinstance(item, int) and 0 <= item < len(cur)
        tag = (
            entered
            and isinstance(cur, Mapping)
            and item in m.BUILTIN_SCORERS
            and cur.get("type") == item
        )
        entered = False
        if tag:  # the `bands` scorer's tag, not its `bands:` key (which comes next)
            continue
        if (isinstance(cur, Mapping) and item in cur) or in_list:
            entered = True
            path.append(item)
            cur = cur[item]
        elif isinstance(item, str) and isinstance(cur, Mapping):
            # union discriminator tag or a missing key
            if (item in m.BUILTIN_SCORERS and cur.get("type") == item) or (
                item == "plugin" and cur.get("type") not in m.BUILTIN_SCORERS
            ):
                continue
            path.append(item)
            complete = False
            cur = None
        else:
            complete = False
            cur = None
    return tuple(path), complete


def _model_fields(data: Any, path: Sequence[str | int]) -> list[str]:
    """Known keys at a path, for 'did you mean' on unknown keys."""
    target: Any = m.RuleSetModel
    skip_key = False
    for p in path:
        if isinstance(p, int):
            continue
        if skip_key:  # a key of a dict-valued field (an input or metric name)
            skip_key = False
            continue
        fld = getattr(target, "model_fields", {}).get(p)
        if fld is None:
            return []
        ann = fld.annotation
        skip_key = getattr(ann, "__origin__", None) is dict
        inner = _model_in(ann)
        if inner is None:
            return []
        target = inner
    if isinstance(target, type) and issubclass(target, pydantic.BaseModel):
        return list(target.model_fields)
    return []


def _model_in(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, pydantic.BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _pydantic_problems(doc: Document, exc: pydantic.ValidationError) -> list[Problem]:
    problems = []
    errors = exc.errors()
    inner = {tuple(e["loc"][:i]) for e in errors for i in range(len(e["loc"]))}
    for err in errors:
        path, complete = _real_path(doc.data, err["loc"])
        etype = err["type"]
        if etype == "too_short" and tuple(err["loc"]) in inner:
            continue  # its items were refused, each said where it is: "at least 1 item" too
        if etype == "missing":
            problems.append(doc.problem(path[:-1], f"missing required key {path[-1]!r}"))
        elif etype == "extra_forbidden":
            key = path[-1]
            known = _model_fields(doc.data, path[:-1])
            problems.append(
                doc.problem(
                    path, f"unknown key {key!r}", suggestion=did_you_mean(str(key), known), key=True
                )
            )
        elif etype == "union_tag_invalid":
            ctx = err.get("ctx", {})
            problems.append(
                doc.problem(
                    (*path, "type"),
                    f"unknown scorer type {ctx.get('tag')!r} "
                    f"(expected one of {ctx.get('expected_tags')})",
                )
            )
        elif etype == "union_tag_not_found":
            problems.append(doc.problem(path, "a scorer needs a 'type'"))
        elif etype == "literal_error":  # a choice list: `eqaul`, `percnet`
            choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
            got = err.get("input")
            problems.append(
                doc.problem(
                    path,
                    f"{got!r} is not one of {', '.join(choices)}",
                    suggestion=did_you_mean(str(got), choices) if isinstance(got, str) else None,
                )
            )
        else:
            msg = err["msg"]
            if etype == "string_pattern_mismatch":
                msg = "must be an ASCII identifier (letters, digits, _; starting with a letter)"
                got = err.get("input")
                if isinstance(got, str) and not got.isascii():
                    msg = (
                        f"{got!r} is not an ASCII identifier: ids are read by machines and stay "
                        "ASCII (letters, digits, _; starting with a letter); the Chinese goes in "
                        f"the title (title: {got})"
                    )
            problems.append(doc.problem(path, msg[0].lower() + msg[1:] if msg else "invalid value"))
        del complete
    return _one_per_typo(problems)


def _one_per_typo(problems: list[Problem]) -> list[Problem]:
    """A misspelt key gives pydantic two errors — the unknown key and the missing one it was
    meant to be — so a person would read two messages for one slip: keep the unknown key, with
    the missing one as its suggestion."""
    prefix = "missing required key "
    missing: dict[tuple[Any, ...], list[str]] = {}
    for p in problems:
        if p.message.startswith(prefix):
            missing.setdefault(p.path, []).append(p.message.removeprefix(prefix).strip("'"))
    out: list[Problem] = []
    meant: set[tuple[tuple[Any, ...], str]] = set()
    for p in problems:
        if p.message.startswith("unknown key") and p.path:
            parent = p.path[:-1]
            hint = p.suggestion or did_you_mean(str(p.path[-1]), missing.get(parent, ()))
            if hint is not None and hint in missing.get(parent, ()):
                meant.add((parent, hint))
            p = replace(p, suggestion=hint)
        out.append(p)
    return [
        p
        for p in out
        if not (
            p.message.startswith(prefix)
            and (p.path, p.message.removeprefix(prefix).strip("'")) in meant
        )
    ]


def compile_document(doc: Document, functions: FunctionRegistry | None) -> Compiled:
    """Validate a loaded document and compile it; every problem found (structural and, where
    the rest is well formed, semantic) is raised in one :class:`RuleSetError`, located."""
    data = doc.data
    if not isinstance(data, Mapping):
        raise RuleSetError(
            [
                Problem(
                    "a rule set is a mapping with 'perfscore', 'id', 'title', ...",
                    source=doc.source,
                    line=1,
                    column=1,
                )
            ]
        )
    lang = str(data.get("perfscore", ""))
    if lang and lang.split(".")[0] != m.LANGUAGE_VERSION:
        raise RuleSetError(
            [
                doc.problem(
                    ("perfscore",),
                    f"rule language version {lang!r} is not supported "
                    f"(this perfscore reads version {m.LANGUAGE_VERSION})",
                )
            ]
        )
    out_of_range = [doc.problem(path, why) for path, why in numbers_out_of_range(data)]
    if out_of_range:  # before the models: a NaN or 1e99999999 weight must not reach arithmetic
        raise RuleSetError(_sorted_unique(out_of_range))
    try:
        model = m.RuleSetModel.model_validate(data)
    except pydantic.ValidationError as e:
        problems = _pydantic_problems(doc, e) + _semantic_problems_despite(doc, e, functions)
        raise RuleSetError(_sorted_unique(problems)) from e
    return compile_model(model, doc, functions)


def _sorted_unique(problems: Sequence[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for p in sorted(problems, key=lambda p: (p.source or "", p.line or 0, p.column or 0)):
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def _semantic_problems_despite(
    doc: Document, exc: pydantic.ValidationError, functions: FunctionRegistry | None
) -> list[Problem]:
    """Compile what *is* well formed, so one run reports structural and semantic problems.

    Malformed inputs, metrics, indicators and checks are set aside; problems that only follow
    from setting them aside (names that no longer resolve, weights that no longer add up above a
    removed indicator) are not reported.
    """
    data: Any = plain_copy(doc.data)
    dropped_names: set[str] = set()
    dropped_weights: set[tuple[str | int, ...]] = set()
    drops: list[tuple[str | int, ...]] = []
    for err in exc.errors():
        path, _ = _real_path(doc.data, err["loc"])
        if len(path) >= 2 and path[0] in ("inputs", "metrics"):
            dropped_names.add(str(path[1]))
            drops.append(path[:2])
        elif len(path) >= 2 and path[0] in ("indicators", "checks") and isinstance(path[1], int):
            cut = 2
            while (
                cut + 2 <= len(path) and path[cut] == "children" and isinstance(path[cut + 1], int)
            ):
                cut += 2
            # the error is inside the indicator at path[:cut]; every ancestor's weights change
            drops.append(path[:cut])
            dropped_weights.update(path[:k] for k in range(2, cut, 2))
        else:
            return []  # a problem at the top of the file: nothing sensible to compile
    for k, path in enumerate(sorted(set(drops), key=lambda p: [str(x) for x in p], reverse=True)):
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
            # keep list positions (and so line numbers of what follows): a harmless stand-in
            parent[path[-1]] = _stand_in(parent[path[-1]], path[0], k, dropped_weights, path)
    try:
        model = m.RuleSetModel.model_validate(data)
        compile_model(model, doc, functions)
    except (pydantic.ValidationError, RuleSetError) as e:
        if not isinstance(e, RuleSetError):
            return []
        keep = []
        set_aside = any(path[0] == "indicators" for path in drops)
        for p in e.problems:
            if set_aside and p.path == ("settings", "total"):
                continue  # the weights added up without the indicators set aside
            if p.code == "expression" and any(f"'{n}'" in p.message for n in dropped_names):
                continue
            if p.path and p.path[-1] == "weight" and tuple(p.path[:-1]) in dropped_weights:
                continue
            keep.append(p)
        return keep
    return []


def _stand_in(item: Any, kind: Any, k: int, dropped_weights: set[Any], path: Any) -> dict[str, Any]:
    old = item if isinstance(item, Mapping) else {}
    rid = old.get("id")
    if not (isinstance(rid, str) and rid.isascii() and rid.isidentifier()):
        rid = f"set_aside_{k}"
    if kind == "checks":
        return {"id": rid, "title": "-", "type": "assert", "expr": "True"}
    weight = old.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, (int, Decimal)) or weight < 0:
        weight = 0
        dropped_weights.update(path[:j] for j in range(2, len(path), 2))
    return {"id": rid, "title": "-", "weight": weight, "scorer": {"type": "formula", "expr": "0"}}
