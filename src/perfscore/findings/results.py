"""Findings, the results: what scoring one subject against a rule set gives — each rule's
:class:`Finding` (outcome kept apart from severity; its words made when first read), the
:class:`IndicatorScore` of each rule, the :class:`SubjectResult` — with the rules' metadata
(:class:`RuleInfo`, :class:`RuleLocation`), the arithmetic behind a score
(:class:`Explained`, :class:`Explanation`) and a finding's :func:`fingerprint`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..subjects import Subject


@dataclass(frozen=True)
class RuleLocation:
    uri: str
    pointer: str
    line: int | None
    column: int | None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"uri": self.uri, "pointer": self.pointer}
        if self.line is not None:
            d["line"] = self.line
        if self.column is not None:
            d["column"] = self.column
        return d


@dataclass(frozen=True)
class RuleInfo:
    """Rule metadata, once per run (SARIF ``tool.driver.rules``)."""

    id: str
    kind: str  # group | indicator | check
    title: str
    title_en: str | None
    parent: str | None
    level: int | None
    weight: Decimal | None
    unit: str | None
    default_severity: str
    description: str | None
    source: Mapping[str, Any] | None
    location: RuleLocation


@dataclass(frozen=True)
class Explained:
    """The arithmetic of one finding (findings 1.1, optional ``explanation``): the inputs read,
    the formulas with the subject's values put in, the standard applied, the scorer's steps
    (``{"step": id, "value": ...}`` in order) and the result — and the same as one sentence
    in Chinese and in English, with the very numbers the engine used."""

    scorer: str
    inputs: tuple[Mapping[str, Any], ...]
    formulas: tuple[Mapping[str, Any], ...]
    standard: Mapping[str, Any] | None
    steps: tuple[Mapping[str, Any], ...]
    result: Mapping[str, Any]
    zh: str
    en: str

    def text(self, lang: str) -> str:
        """The sentence in ``lang`` (zh unless ``en``)."""
        return self.en if lang == "en" else self.zh


class Explanation:
    """A finding's :class:`Explained`, built the first time it is read (scoring never pays
    for it; a points-only or columnar run never makes one).  Pickles as its built data."""

    __slots__ = ("_build", "_data")

    def __init__(self, build: Callable[..., Explained], *args: Any) -> None:
        self._build: tuple[Callable[..., Explained], tuple[Any, ...]] | None = (build, args)
        self._data: Explained | None = None

    @classmethod
    def of(cls, data: Explained) -> Explanation:
        """An explanation already built."""
        e = cls.__new__(cls)
        e._build, e._data = None, data
        return e

    @property
    def data(self) -> Explained:
        data = self._data
        return self._make() if data is None else data

    def _make(self) -> Explained:
        """Build the data (once), keep it, and let go of what it was built from."""
        build = self._build
        if build is None:  # (another thread built it meanwhile)
            assert self._data is not None
            return self._data
        fn, args = build
        data = self._data = fn(*args)
        self._build = None
        return data

    @property
    def zh(self) -> str:
        return self.data.zh

    @property
    def en(self) -> str:
        return self.data.en

    def text(self, lang: str) -> str:
        return self.data.text(lang)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Explanation.of, (self.data,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Explanation) and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.data.scorer, self.data.zh))

    def __repr__(self) -> str:
        return f"Explanation({self.data.zh!r})"


class NodeExplanation(Explanation):
    """An indicator's :class:`Explanation` as its finding's words make it when first read:
    ``build(node, value, points, grade, scope)`` held in its own slots — one object per
    finding, where the general form holds two tuples besides (fewer objects for the cyclic
    collector to walk, and less memory, for a report whose every 计算过程 is read)."""

    __slots__ = ("_fn", "_grade", "_node", "_points", "_scope", "_value")

    def __init__(
        self,
        build: Callable[..., Explained],
        node: Any,
        value: Any,
        points: Decimal | None,
        grade: str | None,
        scope: Mapping[str, Any],
    ) -> None:
        self._build, self._data = None, None
        self._fn: Callable[..., Explained] | None = build
        self._node, self._value, self._points, self._grade = node, value, points, grade
        self._scope: Mapping[str, Any] | None = scope

    def _make(self) -> Explained:
        # read in the reverse of the order they are let go of: a build function still
        # there means every other slot was read before another thread let go of any
        scope, grade, points, value = self._scope, self._grade, self._points, self._value
        node, fn = self._node, self._fn
        if fn is None or scope is None:  # (another thread built it meanwhile)
            assert self._data is not None
            return self._data
        data = self._data = fn(node, value, points, grade, scope)
        self._fn = self._node = self._value = self._points = self._grade = self._scope = None
        return data


def _no_explanation() -> Explanation | None:
    return None


@dataclass(frozen=True)
class Finding:
    """One rule × one subject: outcome (pass/fail/not_applicable/error) kept apart from severity."""

    rule_id: str
    subject: Subject
    outcome: str
    severity: str
    message: str
    message_en: str | None
    value: Any
    unit: str | None
    display: str | None
    threshold: Mapping[str, Any] | None
    points: Decimal | None
    weight: Decimal | None
    grade: str | None
    reason: str | None
    fields: tuple[str, ...]
    fingerprint: str
    location: RuleLocation
    kind: str = "indicator"
    waiver: Mapping[str, Any] | None = None
    data_locations: tuple[Mapping[str, Any], ...] = ()
    #: kind ``review`` only: the 复核 columns (level, dimension, cause, declared, recomputed,
    #: deviation, location, facts, advice, basis) — see perfscore.review
    review: Mapping[str, Any] | None = None
    #: the arithmetic behind the points or grade (scored findings only; findings 1.1)
    explanation: Explanation | None = field(default_factory=_no_explanation)

    # The evaluator builds a finding without its words: it leaves ``message``, ``message_en``,
    # ``display``, ``explanation``, ``reason`` (and the ``fingerprint``, unless it has it) out
    # of the new finding's ``__dict__`` and keeps what makes them instead: ``_lazy`` (the
    # rule's words), ``_run`` (the subject's run) and, when there are any, ``_why`` (the
    # failure behind the outcome) and ``_detail`` (the scorer's note).  The first time any of
    # them is read (a :class:`_Lazy` on the class: once a field is in the instance's
    # ``__dict__``, that is what is read), ``words.fill(d, run)`` writes them into the
    # ``__dict__`` ``d``; when it returns True the explanation is
    # ``words.explanation(d, run)``, made when it is read.  Reading them, comparing,
    # ``dataclasses.replace``/``asdict``, copying and pickling all see the same values as an
    # eagerly built finding (pickling fills them first).  Filling is idempotent and never
    # removes what it reads but ``_lazy`` and ``_run`` (then all is filled), so threads
    # reading one finding at once agree.

    def __getstate__(self) -> dict[str, Any]:
        d = self.__dict__
        if "_lazy" not in d:
            return d
        self.explanation  # noqa: B018 - fills the lazy fields into __dict__
        return {k: v for k, v in d.items() if k[0] != "_"}  # what made them: not kept


class _Lazy:
    """A field of :class:`Finding` that an unread finding fills when first read (a non-data
    descriptor: once the field is in the instance's ``__dict__``, that is what is read)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, f: Finding | None, owner: type | None = None) -> Any:
        name = self.name
        if f is None:  # the class has no such attribute (a dataclass field without default)
            raise AttributeError(f"type object 'Finding' has no attribute {name!r}")
        d = f.__dict__
        words = d.get("_lazy")
        if words is not None:
            run = d.get("_run")  # None: another thread has just finished
            if run is not None:
                if "message" not in d and not words.fill(d, run):
                    d.pop("_run", None)  # nothing left to make
                    d.pop("_lazy", None)
                elif name == "explanation" and "explanation" not in d:
                    d.setdefault("explanation", words.explanation(d, run))
                    d.pop("_run", None)
                    d.pop("_lazy", None)
        try:
            return d[name]  # filled, here or by another thread meanwhile
        except KeyError:
            if name == "explanation":  # built without one (the default)
                return None
            raise AttributeError(f"'Finding' object has no attribute {name!r}") from None


def make_texts(findings: Iterable[Finding]) -> None:
    """Make the words (and fingerprint) of each of ``findings`` not made yet, now — what
    reading any of them does (see :class:`Finding`), without an attribute read per finding:
    for a caller about to read every finding's texts (an export).  Its explanation is still
    made when it is read."""
    for f in findings:
        d = f.__dict__
        words = d.get("_lazy")
        if words is None or "message" in d:
            continue
        run = d.get("_run")  # None: another thread has just finished
        if run is not None and not words.fill(d, run):
            d.pop("_run", None)  # nothing left to make
            d.pop("_lazy", None)


#: The fields a finding may leave to ``_lazy`` (see :class:`Finding`).
_LAZY_FIELDS = ("message", "message_en", "display", "explanation", "fingerprint", "reason")
for _name in _LAZY_FIELDS:
    setattr(Finding, _name, _Lazy(_name))
del _name


@dataclass(frozen=True)
class IndicatorScore:
    rule_id: str
    points: Decimal | None
    weight: Decimal | None
    grade: str | None
    outcome: str
    coverage: Decimal


@dataclass(frozen=True)
class Notification:
    """An engine or data problem that is not a finding about a subject (SARIF notifications)."""

    level: str  # error | warning | note
    code: str
    message: str
    subject: str | None = None


@dataclass(frozen=True)
class SubjectResult:
    """Everything scored for one subject."""

    subject: Subject
    total: Decimal | None
    max: Decimal
    grade: str | None
    grade_label: str | None
    grade_reason: str | None
    coverage: Decimal
    scores: tuple[IndicatorScore, ...]
    findings: tuple[Finding, ...]
    notifications: tuple[Notification, ...] = ()
    grade_reason_zh: str | None = None

    @property
    def complete(self) -> bool:
        """True when nothing for this subject ended in ``error`` (finding or notification)."""
        return all(f.outcome != "error" for f in self.findings) and not any(
            n.level == "error" for n in self.notifications
        )

    def score(self, rule_id: str) -> IndicatorScore:
        for s in self.scores:
            if s.rule_id == rule_id:
                return s
        raise KeyError(rule_id)

    def finding(self, rule_id: str) -> Finding:
        for f in self.findings:
            if f.rule_id == rule_id:
                return f
        raise KeyError(rule_id)


def fingerprint(ruleset_id: str, rule_id: str, subject: Subject) -> str:
    """Identity independent of values, lines, messages and the period, so reruns deduplicate
    and the same question about the same department (``subject.key``) is tracked across years."""
    key = "\x1f".join((ruleset_id, rule_id, subject.type, subject.key))
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


OUTCOMES = ("pass", "fail", "not_applicable", "error")
SEVERITIES = ("error", "warning", "note")
