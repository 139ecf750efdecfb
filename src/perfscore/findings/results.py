"""Findings, the results: what scoring one subject against a rule set gives — each rule's
:class:`Finding` (outcome kept apart from severity; its words made when first read), the
:class:`IndicatorScore` of each rule, the :class:`SubjectResult` — with the rules' metadata
(:class:`RuleInfo`, :class:`RuleLocation`), the arithmetic behind a score
(:class:`Explained`, :class:`Explanation`) and a finding's :func:`fingerprint`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, FrozenInstanceError, dataclass, field
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


class _FindingState:
    """What a :class:`Finding` built by the evaluator keeps to make its words when first read
    (see :class:`Finding`): its node's words, the subject's run, the failure behind its
    outcome and the scorer's note — slots, not fields (no ``fields()``, ``==``, pickle)."""

    __slots__ = ("__weakref__", "_detail", "_lazy", "_run", "_why")

    _lazy: Any
    _run: Any
    _why: Any
    _detail: Any


@dataclass(frozen=True, slots=True)
class Finding(_FindingState):
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

    # One object per finding (slots: no ``__dict__`` for the cyclic collector to walk).  The
    # evaluator builds a finding as a :class:`FindingDraft` (the same slots, its fields set by
    # plain stores) and freezes it (``draft.__class__ = Finding``) — without its words: it
    # leaves ``message``, ``message_en``, ``display``, ``explanation``, ``reason`` (and the
    # ``fingerprint``, unless it has it) unset and keeps what makes them instead: ``_lazy``
    # (the rule's words), ``_run`` (the subject's run), ``_why`` (the failure behind the
    # outcome) and ``_detail`` (the scorer's note).  The first time any of them is read (an
    # unset slot: ``__getattr__``), ``words.fill(f, run, why, detail)`` gives them and they
    # are set; once set, a slot is what is read.  Reading them, comparing,
    # ``dataclasses.replace``/``asdict``, copying and pickling all see the same values as an
    # eagerly built finding (pickling fills them first).  Filling is idempotent, sets
    # ``message`` after the other words and lets go of ``_run`` and ``_lazy`` last (then all
    # is filled), so threads reading one finding at once agree.

    def __getstate__(self) -> dict[str, Any]:
        """The fields by name (the words made first): what a finding pickled as before its
        slots, so that either reads the other's pickles."""
        return {name: getattr(self, name) for name in _FIELD_NAMES}

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots): a slotted pickle
            state = {**(state[0] or {}), **(state[1] or {})}
        if not isinstance(state, Mapping):  # dataclasses' own: the fields' values in order
            state = dict(zip(_FIELD_NAMES, state, strict=False))
        put = _SET
        for name, default in _DEFAULTS:
            put(self, name, state.get(name, default) if name in _DEFAULT_NAMES else state[name])


#: every field of :class:`Finding` in order, and the defaults of those that have one
_FIELD_NAMES = tuple(Finding.__dataclass_fields__)
_NO_DEFAULT = object()
_DEFAULTS = tuple(
    (
        name,
        f.default
        if f.default is not MISSING
        else (f.default_factory() if f.default_factory is not MISSING else _NO_DEFAULT),
    )
    for name, f in Finding.__dataclass_fields__.items()
)
_DEFAULT_NAMES = frozenset(name for name, d in _DEFAULTS if d is not _NO_DEFAULT)
_SET = object.__setattr__
#: The fields a finding may leave to ``_lazy`` (see :class:`Finding`).
_LAZY_FIELDS = ("message", "message_en", "display", "explanation", "fingerprint", "reason")
_STATE = frozenset(_FindingState.__slots__) - {"__weakref__"}
#: a lazy field's slot, read without falling back on ``__getattr__`` (unset: AttributeError)
_SLOT = {name: getattr(Finding, name).__get__ for name in _LAZY_FIELDS}


class FindingDraft(Finding):
    """A :class:`Finding` being built: the same slots (no more), set by plain stores —
    ``object.__new__(FindingDraft)``, every field and the state set, then
    ``draft.__class__ = Finding`` (the layouts are the same: nothing is copied) freezes it.
    The evaluator's way to build one at a plain ``__init__``'s speed; never given out."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


def _unset(name: str) -> AttributeError:
    return AttributeError(f"'Finding' object has no attribute {name!r}")


def _getattr(f: Finding, name: str) -> Any:
    """``Finding.__getattr__``: reached only for a slot not set — a lazy field not made yet
    (made now), or the state of a finding built by ``__init__`` (None)."""
    get = _SLOT.get(name)
    if get is None:
        if name in _STATE:
            return None
        raise _unset(name)
    words, run = f._lazy, f._run  # (run None: another thread has just finished)
    if words is not None and run is not None:
        if name == "explanation":  # (unset: made now, and the words first if need be)
            try:
                _SLOT["message"](f, Finding)
                left = True
            except AttributeError:  # (read before any of the words)
                left = not _made(f, words, run)
            if left:
                made = words.explanation(f, run)
                _put_explanation(f, made)
                _put_run(f, None)  # nothing left to make
                _put_lazy(f, None)
                return made
        else:  # (its words are not made: one of them is not set)
            display, zh, en, reason, _, fp = _put_words(f, words, run)
            # what was asked, as made here (another thread making them meanwhile makes the
            # same words)
            if name == "message":
                return zh
            if name == "message_en":
                return en
            if name == "display":
                return display
            if name == "reason":
                return reason
            if name == "fingerprint" and fp is not None:
                return fp
    try:
        return get(f, Finding)  # filled, here or by another thread meanwhile
    except AttributeError:
        if name == "explanation":  # built without one (the default)
            return None
        raise _unset(name) from None


def _setattr(f: Finding, name: str, value: Any) -> None:
    """``Finding.__setattr__``: what a frozen dataclass's is — whose own, with slots, names
    the class as it was before its slots were added (CPython 3.11), and so fails with a
    TypeError for a name that is not a field."""
    if type(f) is Finding or name in _FIELD_SET:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    _SET(f, name, value)


def _delattr(f: Finding, name: str) -> None:
    if type(f) is Finding or name in _FIELD_SET:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
    object.__delattr__(f, name)


# (set after the class is made: a dataclass refuses a frozen class's own __setattr__, and a
# ``__getattr__`` in its body would let a type checker accept any attribute of a finding)
setattr(Finding, "__getattr__", _getattr)  # noqa: B010
setattr(Finding, "__setattr__", _setattr)  # noqa: B010
setattr(Finding, "__delattr__", _delattr)  # noqa: B010
_FIELD_SET = frozenset(_FIELD_NAMES)


def _fill(f: Finding, words: Any, run: Any) -> None:
    """Set ``f``'s words (and fingerprint) from its ``words`` and ``run`` unless they are set
    (its explanation: made when read)."""
    try:
        _SLOT["message"](f, Finding)
    except AttributeError:  # not made yet
        _made(f, words, run)


def _made(f: Finding, words: Any, run: Any) -> bool:
    """:func:`_put_words`; True when nothing is left to make (``words`` and ``run`` let go of)."""
    return _put_words(f, words, run)[4] is not True


def _put_words(f: Finding, words: Any, run: Any) -> tuple[Any, ...]:
    """Set ``f``'s words (and fingerprint) — ``message`` last: set, all are — and, unless it
    is left to be made when read (True in the result), its explanation; the words as made:
    ``(display, message, message_en, reason, explanation, fingerprint)``."""
    made: tuple[Any, ...] = words.fill(f, run, f._why, f._detail)
    display, zh, en, reason, explanation, fp = made
    _put_display(f, display)
    _put_message_en(f, en)
    _put_reason(f, reason)
    if fp is not None:
        _put_fingerprint(f, fp)
    if explanation is not True:  # (True: left to be made when read)
        _put_explanation(f, explanation)
        _put_message(f, zh)
        _put_run(f, None)  # nothing left to make
        _put_lazy(f, None)
    else:
        _put_message(f, zh)
    return made


#: a slot set in place (its member descriptor's own ``__set__``: a frozen finding refuses a
#: plain store; this is a third faster than ``object.__setattr__``)
(
    _put_display,
    _put_message,
    _put_message_en,
    _put_reason,
    _put_fingerprint,
    _put_explanation,
    _put_run,
    _put_lazy,
) = (
    getattr(Finding, name).__set__
    for name in (
        "display", "message", "message_en", "reason", "fingerprint", "explanation", "_run",
        "_lazy",
    )
)  # fmt: skip


def make_texts(findings: Iterable[Finding]) -> None:
    """Make the words (and fingerprint) of each of ``findings`` not made yet, now — what
    reading any of them does (see :class:`Finding`), without an attribute read per finding:
    for a caller about to read every finding's texts (an export).  Its explanation is still
    made when it is read."""
    for f in findings:
        words, run = f._lazy, f._run
        if words is not None and run is not None:
            _fill(f, words, run)


@dataclass(frozen=True)
class IndicatorScore:
    rule_id: str
    points: Decimal | None
    weight: Decimal | None
    grade: str | None
    outcome: str
    coverage: Decimal
    #: where only part of the weight stood on data (``coverage`` < 1: a checklist with blank
    #: items), the points earned on data — its answered items' points met, whatever the
    #: missing policy gave the blank ones — and the weight that stood on data (its answered
    #: items' points; ``coverage`` is that over the weight, rounded); None: all of it
    #: (perfscore.standing: 实得 / 可评)
    earned: Decimal | None = None
    scorable: Decimal | None = None


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
