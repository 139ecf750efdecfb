"""Evaluate, one subject's run state: the values and metrics in scope, the failures found (and
which input fields are to blame), the waivers that apply — one :class:`SubjectRun` per call,
nothing kept on the shared evaluator."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import aggregate
from ..compile import Compiled
from ..errors import EvaluationError, MissingValueError, ZeroDenominatorError
from ..subjects import SubjectData
from ..words import ENGINE, in_language

#: the aggregator's own objects: a leaf's coverage is one of them (checked by identity)
ZERO = aggregate.ZERO
ONE = aggregate.ONE
ZERO_KIND = {"not_applicable": "not_applicable", "zero": "zero", "error": "error"}
PRIORITY = {"error": 0, "not_applicable": 1, "zero": 2, "missing": 3}
#: The engine's words (perfscore.words.ENGINE): every finding carries both languages.
ZH, EN = ENGINE["zh"], ENGINE["en"]
_new = object.__new__


class Failure:
    """Why a name has no usable value (and which input fields are to blame).

    ``kind`` is all that decides a score (error | missing | not_applicable | zero); the
    messages ``en``/``zh`` of the failures a subject's scan finds are written when first read
    — the points-only path never reads them."""

    __slots__ = ("_en", "_why", "_zh", "fields", "kind")

    def __init__(self, kind: str, en: str, zh: str, fields: tuple[str, ...]) -> None:
        self.kind = kind
        self._en: str | None = en
        self._zh: str | None = zh
        self.fields = fields
        self._why: tuple[Any, ...] | None = None

    @classmethod
    def later(cls, kind: str, fields: tuple[str, ...], why: tuple[Any, ...]) -> Failure:
        """A failure whose messages are written when first read: ``why`` is ``(word, name,
        title, problem)`` (a :data:`~perfscore.words.ENGINE` message) or ``("join", failures)``
        (several of one kind, their messages joined)."""
        f: Failure = _new(cls)
        f.kind = kind
        f.fields = fields
        f._en = f._zh = None
        f._why = why
        return f

    def _write(self) -> None:
        why = self._why
        assert why is not None
        if why[0] == "join":
            parts: tuple[Failure, ...] = why[1]
            self._en = EN["join"].join(f.en for f in parts)
            self._zh = ZH["join"].join(f.zh for f in parts)
            return
        word, name, title, problem = why
        self._en = EN[word].format(name=name, problem=problem)
        zh_problem = None if problem is None else in_language(problem, "zh")
        self._zh = ZH[word].format(title=title, name=name, problem=zh_problem)

    @property
    def en(self) -> str:
        if self._en is None:
            self._write()
        assert self._en is not None
        return self._en

    @property
    def zh(self) -> str:
        if self._zh is None:
            self._write()
        assert self._zh is not None
        return self._zh

    def _key(self) -> tuple[str, str, str, tuple[str, ...]]:
        return (self.kind, self.en, self.zh, self.fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Failure):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        en, zh = self.en, self.zh
        return f"Failure(kind={self.kind!r}, en={en!r}, zh={zh!r}, fields={self.fields!r})"


@dataclass(slots=True)
class Outcome:
    outcome: str
    points: Decimal | None = None
    grade: str | None = None
    value: Any = None
    threshold: Mapping[str, Any] | None = None
    reason: Failure | None = None
    detail: str | None = None
    #: :attr:`perfscore.scorers.Scored.on_data` of a leaf scored on part of its data
    on_data: tuple[Decimal, Decimal] | None = None


class SubjectRun:
    """What belongs to one subject call — its scope (values and metrics), the failures found,
    the waivers that apply, the encoded subject key — so that the shared
    :class:`~perfscore.evaluate.Evaluator` (and the :class:`~perfscore.ruleset.RuleSet` holding
    it) keeps no per-subject state and can score subjects on many threads at once."""

    __slots__ = ("failures", "key", "result", "scope", "subject", "waivers")

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
        #: a weak reference to the subject's result once made, whose findings' words are made
        #: all at once when one of them is first read (None: each finding's alone)
        self.result: Any = None


class Scan:
    """How one subject's scope and failures are found — the one scan both the full evaluator
    and the points-only path run: built once per evaluator (each metric's function, the names
    it reads, its zero-division kind and input fields looked up once; which metrics read each
    name, so that a metric is checked against the failures only when one of its names
    failed).

    A rate ``x / y`` whose ``y`` is a zero raises in its code, and the exception costs
    microseconds; zero denominators are common in real returns (no audit issues, no cars).
    So once a denominator has been a zero, the scan looks at it first for every subject after
    (``watch``) and records the same failure without running the code.  What a subject gets
    does not depend on it (the same failure either way); only the time does."""

    __slots__ = (
        "joined",
        "metrics",
        "missing",
        "readers",
        "run",
        "titles",
        "watch",
        "zero_readers",
        "zeros",
    )

    def __init__(self, compiled: Compiled, titles: Mapping[str, str]) -> None:
        self.titles = titles
        self.metrics = tuple(
            (
                mt.name,
                mt.expr.__call__,  # the compiled function itself
                mt.expr.names,
                mt.missing_aware,
                ZERO_KIND[mt.zero_division],
                compiled.fields[mt.name],
                mt.expr.quotient,  # x / y: (x, y)
            )
            for mt in compiled.metrics
        )
        readers: dict[str, list[str]] = {}
        zero_readers: dict[str, list[str]] = {}
        for mt in compiled.metrics:
            for n in mt.expr.names:
                readers.setdefault(n, []).append(mt.name)
            q = mt.expr.quotient
            if q is not None:
                zero_readers.setdefault(q[1], []).append(mt.name)
        #: a name → the metrics that read it
        self.readers = {n: tuple(r) for n, r in readers.items()}
        #: a name → the rates ``x / name``
        self.zero_readers = {n: tuple(r) for n, r in zero_readers.items()}
        #: the denominators that have been a zero (looked at first from then on)
        self.watch: tuple[str, ...] = ()
        #: a declared name's failure where it is blank, made when first met: it says the same
        #: for every subject (a form's sections left blank are the common case), and a failure
        #: is never changed once made (its messages written once, the same either way)
        self.missing: dict[str, Failure] = {}
        #: a metric's failure where it divides by zero (see :meth:`_zero`)
        self.zeros: dict[str, Failure] = {}
        #: a metric → the failures of what it reads last joined, and their join
        self.joined: dict[str, tuple[tuple[Failure | None, ...], Failure]] = {}
        #: the metrics in order, as one generated function (see :func:`_metrics_code`)
        self.run = _metrics_code(compiled, self.readers, self.joined)

    def __call__(self, data: SubjectData) -> tuple[dict[str, Any], dict[str, Failure]]:
        """The subject's values and metrics, and why each name that has no usable value lacks
        one (the failures' messages written when first read)."""
        values = data.values
        scope: dict[str, Any] = dict(values)
        failures: dict[str, Failure] = {}
        later = Failure.later
        titles = self.titles
        why: tuple[Any, ...]
        for name, msg in data.field_errors.items():
            why = ("field_invalid", name, titles.get(name, name), msg)
            failures[name] = later("error", (name,), why)
        # ``v is None``, not ``None in values.values()``: that compares every Decimal with None
        missing = self.missing
        for name in [n for n, v in values.items() if v is None]:
            if name not in failures:
                f = missing.get(name)
                if f is None:
                    why = ("field_missing", name, titles.get(name, name), None)
                    f = later("missing", (name,), why)
                    if name in titles:  # (a declared name: the table stays small)
                        missing[name] = f
                failures[name] = f
        readers = self.readers
        #: the metrics reading a name that failed (only they can be blocked)
        suspects: set[str] = set()
        for name in failures:
            suspects.update(readers.get(name, ()))
        get = scope.get
        for name in self.watch:  # a denominator that has been a zero: its rates are suspects
            y = get(name)
            if y.__class__ is Decimal and not y:
                suspects.update(self.zero_readers[name])
        self.run(scope, failures, suspects, self.one)
        return scope, failures

    def one(
        self, i: int, scope: dict[str, Any], failures: dict[str, Failure], suspects: set[str]
    ) -> None:
        """Metric ``i`` into the scope, or its failure (and what reads it, a suspect)."""
        name, fn, names, aware, zero_kind, fields, quotient = self.metrics[i]
        readers = self.readers
        if name in suspects:
            f = self._blocked(name, names, failures, aware)
            if f is not None:
                failures[name] = f
                scope[name] = None
                suspects.update(readers.get(name, ()))
                return
            if quotient is not None and _zero_over(scope.get, quotient):
                failures[name] = self._zero(name, zero_kind, fields)  # what its code raises
                scope[name] = None
                suspects.update(readers.get(name, ()))
                return
        try:
            scope[name] = fn(scope)
        except ZeroDenominatorError:
            failures[name] = self._zero(name, zero_kind, fields)
            scope[name] = None
            suspects.update(readers.get(name, ()))
            if quotient is not None and quotient[1] not in self.watch:
                self.watch = (*self.watch, quotient[1])  # looked at first from now on
        except MissingValueError as e:  # computed with a missing value: missing, as a blank
            why = ("metric_missing", name, self.titles[name], e.message)
            failures[name] = Failure.later("missing", fields, why)
            scope[name] = None
            suspects.update(readers.get(name, ()))
        except EvaluationError as e:
            why = ("metric_error", name, self.titles[name], e.message)
            failures[name] = Failure.later("error", fields, why)
            scope[name] = None
            suspects.update(readers.get(name, ()))

    def _blocked(
        self, name: str, names: frozenset[str], failures: dict[str, Failure], aware: bool
    ) -> Failure | None:
        """:func:`blocking` for a metric: several failures joined are made once for the same
        failures (the same objects: a form's section left blank, the common case) and kept
        per metric, the last ones only."""
        memo = self.joined.get(name)
        if memo is not None:
            seen, joined = memo
            if all(failures.get(n) is f for n, f in zip(names, seen, strict=True)):
                return joined
        f = blocking(names, failures, aware)
        if f is not None and f._why is not None and f._why[0] == "join":
            self.joined[name] = (tuple(failures.get(n) for n in names), f)
        return f

    def _zero(self, name: str, kind: str, fields: tuple[str, ...]) -> Failure:
        """A metric's failure where it divides by zero, made when first met (the same for
        every subject, as :attr:`missing`)."""
        f = self.zeros.get(name)
        if f is None:
            why = ("metric_zero", name, self.titles[name], None)
            f = self.zeros[name] = Failure.later(kind, fields, why)
        return f


#: the internal names of an expression's body: its keys, constants and functions
_INTERNAL = re.compile(r"\b(_k\d+|_c\d+|_f_\w+)\b")

Run = Callable[[dict[str, Any], dict[str, Failure], set[str], Callable[..., None]], None]


def _metrics_code(
    compiled: Compiled,
    readers: Mapping[str, tuple[str, ...]],
    joined: Mapping[str, tuple[tuple[Failure | None, ...], Failure]],
) -> Run:
    """The scan's metrics in order, as one generated function ``(scope, failures, suspects,
    one)``: a metric reading nothing that failed (not a suspect) runs its expression's own
    body written in place (:meth:`~perfscore.expr.compiled.CompiledExpression.inline`: no
    call), or calls its expression where the body is more than that; a suspect whose one
    failed read (or whose two failed reads, as last joined: ``joined``) blocks it is blocked
    in place — the failure, itself or joined, recorded and its ``readers`` made suspects; any
    other suspect, and a metric whose code raises, are ``one(i, …)``'s — :meth:`Scan.one`,
    which runs the expression itself (what the body gave, or the value or error the
    expression gives where the body raised)."""
    lines = ["def _run(scope, failures, suspects, one):"]
    namespace: dict[str, Any] = {"__builtins__": {}, "_Exception": Exception, "_J": joined}
    for i, mt in enumerate(compiled.metrics):
        n = f"_n{i}"
        namespace[n] = mt.name
        call = f"one({i}, scope, failures, suspects)"
        made = mt.expr.inline()
        if made is None:
            namespace[f"_e{i}"] = mt.expr.__call__  # the compiled function itself
            body = f"_e{i}(scope)"
        else:
            body, keys, names = made
            prefix = f"_m{i}"
            for k, v in names.items():
                if _INTERNAL.fullmatch(k):
                    namespace[prefix + k] = v
                elif k not in namespace:  # (the operations: the same objects for every metric)
                    namespace[k] = v
            for j, key in enumerate(keys):
                namespace[f"{prefix}_k{j}"] = key
            body = _INTERNAL.sub(prefix + r"\1", body)
        lines.append(f"    if {n} in suspects:")
        reads = tuple(mt.expr.names)  # (the order Scan.one's memo of a join keeps)
        if mt.missing_aware or not 1 <= len(reads) <= 2:
            lines.append(f"        {call}")
        else:
            namespace[f"_r{i}"] = readers.get(mt.name, ())
            for j, r in enumerate(reads):
                namespace[f"_b{i}_{j}"] = r

            def block(f: str, indent: str, i: int = i, n: str = n) -> None:
                lines.append(f"{indent}failures[{n}] = {f}")
                lines.append(f"{indent}scope[{n}] = None")
                lines.append(f"{indent}suspects.update(_r{i})")

            lines.append(f"        _f = failures.get(_b{i}_0)")
            if len(reads) == 1:
                lines.append("        if _f is not None:")
                block("_f", "            ")
            else:
                lines.append(f"        _g = failures.get(_b{i}_1)")
                lines.append("        if _g is None and _f is not None:")
                block("_f", "            ")
                lines.append("        elif _f is None and _g is not None:")
                block("_g", "            ")
                lines.append("        elif _f is not None:")
                lines.append(f"            _j = _J.get({n})")
                lines.append("            if _j is not None and _j[0][0] is _f and _j[0][1] is _g:")
                block("_j[1]", "                ")
                lines.append("            else:")
                lines.append(f"                {call}")
            lines.append("        else:")
            lines.append(f"            {call}")
        lines.append("    else:")
        lines.append("        try:")
        lines.append(f"            scope[{n}] = {body}")
        lines.append("        except _Exception:")
        lines.append(f"            {call}")
    if len(lines) == 1:
        lines.append("    pass")
    exec(compile("\n".join(lines) + "\n", "<perfscore scan>", "exec"), namespace)
    return namespace["_run"]  # type: ignore[no-any-return]


def _zero_over(get: Callable[[str], Any], quotient: tuple[str, str]) -> bool:
    """Whether ``x / y`` is a division by zero — a finite ``x`` over a zero ``y`` — which its
    code raises as :class:`~perfscore.errors.ZeroDenominatorError`."""
    y = get(quotient[1])
    if y.__class__ is not Decimal or y:
        return False
    x = get(quotient[0])
    return x.__class__ is Decimal and x.is_finite()


def blocking_kind(
    names: Iterable[str], failures: Mapping[str, Failure], missing_aware: bool
) -> str | None:
    """The kind of the failure :func:`blocking` gives (None where it gives none), without
    making it (a joined failure is a new object): the most serious kind among the failures of
    ``names``, ``missing`` left out for a missing-aware expression.  All a score reads of it."""
    best = None
    rank = 9
    for n in names:
        f = failures.get(n)
        if f is not None:
            k = f.kind
            if k == "missing" and missing_aware:
                continue
            r = PRIORITY[k]
            if r < rank:
                best, rank = k, r
    return best


def blocking(
    names: Iterable[str], failures: Mapping[str, Failure], missing_aware: bool
) -> Failure | None:
    """The failure that stops an expression reading ``names`` (the most serious kind; several
    of that kind joined), or None when nothing it reads has failed."""
    if not failures:
        return None
    hit = [n for n in names if n in failures]
    if len(hit) < 2:  # (the common case: one failure, itself)
        f = failures[hit[0]] if hit else None
        return None if f is None or (missing_aware and f.kind == "missing") else f
    found = [failures[n] for n in sorted(hit)]
    if missing_aware:
        found = [f for f in found if f.kind != "missing"]
    if len(found) < 2:
        return found[0] if found else None
    first = min(found, key=lambda f: PRIORITY[f.kind])
    same = [f for f in found if f.kind == first.kind]
    if len(same) == 1:
        return first
    fields = tuple(sorted({x for f in same for x in f.fields}))
    return Failure.later(first.kind, fields, ("join", tuple(same)))
