"""Evaluate, one subject's run state: the values and metrics in scope, the failures found (and
which input fields are to blame), the waivers that apply — one :class:`SubjectRun` per call,
nothing kept on the shared evaluator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..compile import Compiled
from ..errors import EvaluationError, ZeroDenominatorError
from ..subjects import SubjectData
from ..words import ENGINE, in_language

ZERO = Decimal(0)
ONE = Decimal(1)
ZERO_KIND = {"not_applicable": "not_applicable", "zero": "zero", "error": "error"}
PRIORITY = {"error": 0, "not_applicable": 1, "zero": 2, "missing": 3}
#: The engine's words (perfscore.words.ENGINE): every finding carries both languages.
ZH, EN = ENGINE["zh"], ENGINE["en"]


@dataclass(frozen=True)
class Failure:
    """Why a name has no usable value (and which input fields are to blame)."""

    kind: str  # error | missing | not_applicable | zero
    en: str
    zh: str
    fields: tuple[str, ...]


@dataclass(slots=True)
class Outcome:
    outcome: str
    points: Decimal | None = None
    grade: str | None = None
    value: Any = None
    threshold: Mapping[str, Any] | None = None
    reason: Failure | None = None
    detail: str | None = None


class SubjectRun:
    """What belongs to one subject call — its scope (values and metrics), the failures found,
    the waivers that apply, the encoded subject key — so that the shared
    :class:`~perfscore.evaluate.Evaluator` (and the :class:`~perfscore.ruleset.RuleSet` holding
    it) keeps no per-subject state and can score subjects on many threads at once."""

    __slots__ = ("failures", "key", "scope", "subject", "waivers")

    def __init__(
        self,
        subject: Any,
        scope: dict[str, Any],
        failures: dict[str, Failure],
        waivers: Mapping[str, Any],
    ) -> None:
        self.subject = subject
        self.scope = scope
        self.failures = failures
        self.waivers = waivers
        self.key: bytes | None = None  # the subject's encoded ``type\x1fkey``, when first needed


def subject_scope(
    compiled: Compiled, titles: Mapping[str, str], data: SubjectData
) -> tuple[dict[str, Any], dict[str, Failure]]:
    """The subject's values and metrics, and why each name that has no usable value lacks one."""
    scope: dict[str, Any] = dict(data.values)
    failures: dict[str, Failure] = {}
    for name, msg in data.field_errors.items():
        title = titles.get(name, name)
        failures[name] = Failure(
            "error",
            EN["field_invalid"].format(name=name, problem=msg),
            ZH["field_invalid"].format(title=title, name=name, problem=in_language(msg, "zh")),
            (name,),
        )
    for name, v in data.values.items():
        if v is None and name not in failures:
            failures[name] = _missing(name, titles.get(name, name))
    for mt in compiled.metrics:
        if failures and not failures.keys().isdisjoint(mt.expr.names):
            f = blocking(mt.expr.names, failures, mt.missing_aware)
            if f is not None:
                failures[mt.name] = f
                scope[mt.name] = None
                continue
        try:
            scope[mt.name] = mt.expr(scope)
        except ZeroDenominatorError:
            kind = ZERO_KIND[mt.zero_division]
            title = titles[mt.name]
            failures[mt.name] = Failure(
                kind,
                EN["metric_zero"].format(name=mt.name),
                ZH["metric_zero"].format(title=title, name=mt.name),
                compiled.fields[mt.name],
            )
            scope[mt.name] = None
        except EvaluationError as e:
            title = titles[mt.name]
            failures[mt.name] = Failure(
                "error",
                EN["metric_error"].format(name=mt.name, problem=e.message),
                ZH["metric_error"].format(
                    title=title, name=mt.name, problem=in_language(e.message, "zh")
                ),
                compiled.fields[mt.name],
            )
            scope[mt.name] = None
    return scope, failures


_MISSING: dict[tuple[str, str], Failure] = {}


def _missing(name: str, title: str) -> Failure:
    """The failure of a blank field (immutable, so one per name and title is shared by every
    subject and rule set that has it)."""
    f = _MISSING.get((name, title))
    if f is None:
        f = Failure(
            "missing",
            EN["field_missing"].format(name=name),
            ZH["field_missing"].format(title=title, name=name),
            (name,),
        )
        if len(_MISSING) >= 4096:
            _MISSING.clear()
        _MISSING[name, title] = f
    return f


def blocking(
    names: Iterable[str], failures: Mapping[str, Failure], missing_aware: bool
) -> Failure | None:
    """The failure that stops an expression reading ``names`` (the most serious kind; several
    of that kind joined), or None when nothing it reads has failed."""
    if not failures or failures.keys().isdisjoint(names):
        return None
    found = [failures[n] for n in sorted(names) if n in failures]
    if missing_aware:
        found = [f for f in found if f.kind != "missing"]
    if not found:
        return None
    first = min(found, key=lambda f: PRIORITY[f.kind])
    same = [f for f in found if f.kind == first.kind]
    if len(same) == 1:
        return first
    fields = tuple(sorted({x for f in same for x in f.fields}))
    return Failure(
        first.kind,
        EN["join"].join(f.en for f in same),
        ZH["join"].join(f.zh for f in same),
        fields,
    )
