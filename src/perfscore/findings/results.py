"""Findings, the results: what scoring one subject against a rule set gives — each rule's
:class:`Finding` (outcome kept apart from severity; its words made when first read), the
:class:`IndicatorScore` of each rule, the :class:`SubjectResult` — with the rules' metadata
(:class:`RuleInfo`, :class:`RuleLocation`) and a finding's :func:`fingerprint` (the
arithmetic behind a score: :mod:`.explained`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass
from decimal import Decimal
from typing import Any, ClassVar

from ..subjects import Subject

# (here too: a finding pickled before they moved names them as this module's)
from .explained import Explained as Explained
from .explained import Explanation
from .explained import NodeExplanation as NodeExplanation
from .scores import IndicatorScore as IndicatorScore
from .scores import Notification as Notification
from .scores import SubjectResult as SubjectResult


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


class _Unmade:
    """What a finding's ``_explanation`` slot holds while something is left to make (see
    :class:`Finding`): :data:`_UNMADE` (its words are not made yet) or :data:`_LATER` (they
    are; its explanation is made when it is read)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}>"


_UNMADE = _Unmade("words made when first read")
_LATER = _Unmade("explanation made when read")


@dataclass(frozen=True)
class _Fields:
    """:class:`Finding`'s fields, declared once: its ``dataclasses.fields``, ``==``, hash and
    repr are this dataclass's (none of these is ever made)."""

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
    explanation: Explanation | None = None


#: every field of :class:`Finding` in order; those made when first read; the slot of each
_FIELD_NAMES = tuple(_Fields.__dataclass_fields__)
_LAZY_FIELDS = ("message", "message_en", "display", "reason", "fingerprint", "explanation")
_SLOT_OF = {name: f"_{name}" if name in _LAZY_FIELDS else name for name in _FIELD_NAMES}
_FIELD_SET = frozenset(_FIELD_NAMES)
_SET = object.__setattr__


class Finding:
    """One rule × one subject: outcome (pass/fail/not_applicable/error) kept apart from severity.

    A frozen dataclass (``dataclasses.fields``, ``replace``, ``asdict``, ``==``, hash and repr
    are those of its fields as a dataclass; setting or deleting any attribute raises
    ``FrozenInstanceError``) that is one object: slots, no ``__dict__``.  The evaluator builds
    one as a :class:`FindingDraft` (the same slots, set by plain stores) and freezes it
    (``draft.__class__ = Finding``) without its words: ``message``, ``message_en``,
    ``display``, ``reason``, ``fingerprint`` and ``explanation`` are properties over private
    slots (``_message`` …), made the first time any of them is read — from ``_lazy`` (the
    rule's words), ``_run`` (the subject's run), ``_why`` (the failure behind the outcome)
    and ``_detail`` (the scorer's note) by ``words.fill(f, run, why, detail)`` — and read
    from their slots after.  Reading them, comparing, ``replace``/``asdict``, copying and
    pickling all see the same values as an eagerly built finding (pickling makes them
    first).  ``_explanation`` says what is left: :data:`_UNMADE` (the words), :data:`_LATER`
    (the explanation, made when read), else the explanation itself (None: none) and nothing
    is left.  Making is idempotent and sets ``_explanation`` after the words (never over what
    another thread made meanwhile) and lets go of ``_run`` and ``_lazy`` last, so threads
    reading one finding at once agree.  While its subject's result is held (``_run.result``,
    a weak reference), the first read of one of its findings makes every one's words, in one
    pass (:func:`_make_all`)."""

    __slots__ = (
        "__weakref__", "_detail", "_display", "_explanation", "_fingerprint", "_lazy", "_message",
        "_message_en", "_reason", "_run", "_why", "data_locations", "fields", "grade", "kind",
        "location", "outcome", "points", "review", "rule_id", "severity", "subject", "threshold",
        "unit", "value", "waiver", "weight",
    )  # fmt: skip

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]] = _Fields.__dataclass_fields__
    __eq__ = _Fields.__eq__
    __hash__ = _Fields.__hash__
    __repr__ = _Fields.__repr__

    rule_id: str
    subject: Subject
    outcome: str
    severity: str
    value: Any
    unit: str | None
    threshold: Mapping[str, Any] | None
    points: Decimal | None
    weight: Decimal | None
    grade: str | None
    fields: tuple[str, ...]
    location: RuleLocation
    kind: str
    waiver: Mapping[str, Any] | None
    data_locations: tuple[Mapping[str, Any], ...]
    review: Mapping[str, Any] | None
    _message: str
    _message_en: str | None
    _display: str | None
    _reason: str | None
    _fingerprint: str
    _explanation: Any
    _lazy: Any
    _run: Any
    _why: Any
    _detail: Any

    def __init__(
        self,
        rule_id: str,
        subject: Subject,
        outcome: str,
        severity: str,
        message: str,
        message_en: str | None,
        value: Any,
        unit: str | None,
        display: str | None,
        threshold: Mapping[str, Any] | None,
        points: Decimal | None,
        weight: Decimal | None,
        grade: str | None,
        reason: str | None,
        fields: tuple[str, ...],
        fingerprint: str,
        location: RuleLocation,
        kind: str = "indicator",
        waiver: Mapping[str, Any] | None = None,
        data_locations: tuple[Mapping[str, Any], ...] = (),
        review: Mapping[str, Any] | None = None,
        explanation: Explanation | None = None,
    ) -> None:
        values = (
            rule_id, subject, outcome, severity, message, message_en, value, unit, display,
            threshold, points, weight, grade, reason, fields, fingerprint, location, kind,
            waiver, data_locations, review, explanation, None, None, None, None,
        )  # fmt: skip
        for name, v in zip(_INIT_SLOTS, values, strict=True):
            _SET(self, name, v)

    @property
    def message(self) -> str:
        if self._explanation is _UNMADE:
            _make(self)
        return self._message

    @property
    def message_en(self) -> str | None:
        if self._explanation is _UNMADE:
            _make(self)
        return self._message_en

    @property
    def display(self) -> str | None:
        if self._explanation is _UNMADE:
            _make(self)
        return self._display

    @property
    def reason(self) -> str | None:
        if self._explanation is _UNMADE:
            _make(self)
        return self._reason

    @property
    def fingerprint(self) -> str:
        if self._explanation is _UNMADE:
            _make(self)
        return self._fingerprint

    @property
    def explanation(self) -> Explanation | None:
        e = self._explanation
        if e is _UNMADE or e is _LATER:
            return _explain(self)
        return e  # type: ignore[no-any-return]

    def __setattr__(self, name: str, value: Any) -> None:
        # (a frozen dataclass's: a subclass may set what is not a field)
        if type(self) is Finding or name in _FIELD_SET:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        _SET(self, name, value)

    def __delattr__(self, name: str) -> None:
        if type(self) is Finding or name in _FIELD_SET:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __getstate__(self) -> dict[str, Any]:
        """The fields by name (the words made first): what a finding pickled as before its
        slots, so that either reads the other's pickles."""
        return {name: getattr(self, name) for name in _FIELD_NAMES}

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots): a slotted pickle
            state = {**(state[0] or {}), **(state[1] or {})}
        if not isinstance(state, Mapping):  # dataclasses' own: the fields' values in order
            state = dict(zip(_FIELD_NAMES, state, strict=False))
        for name, default in _DEFAULTS:
            value = state.get(name, default) if name in _DEFAULT_NAMES else state[name]
            _SET(self, _SLOT_OF[name], value)
        for name in _STATE:
            _SET(self, name, None)


#: the slots ``Finding(...)`` sets, in its arguments' order: the fields', then the state's
_STATE = ("_lazy", "_run", "_why", "_detail")
_INIT_SLOTS = (*(_SLOT_OF[name] for name in _FIELD_NAMES), *_STATE)
_NO_DEFAULT = object()
#: each field with its default (:data:`_NO_DEFAULT`: none)
_DEFAULTS = tuple(
    (name, _NO_DEFAULT if f.default is MISSING else f.default)
    for name, f in _Fields.__dataclass_fields__.items()
)
_DEFAULT_NAMES = frozenset(name for name, d in _DEFAULTS if d is not _NO_DEFAULT)


setattr(Finding, "__match_args__", _FIELD_NAMES)  # noqa: B010  # (a dataclass's, as its fields)


class FindingDraft(Finding):
    """A :class:`Finding` being built: the same slots (no more), set by plain stores —
    ``object.__new__(FindingDraft)``, every field and the state set (a lazy word's private
    slot: ``_message`` …, or ``_explanation`` :data:`_UNMADE` for the words made when
    read), then ``draft.__class__ = Finding`` (the layouts are the same: nothing is copied)
    freezes it.  The evaluator's way to build one at a plain ``__init__``'s speed; never
    given out."""

    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]
    __delattr__ = object.__delattr__


#: what the evaluator stores in a draft's ``_explanation`` for its words made when read
UNMADE = _UNMADE
#: … and once its words are made, for its explanation made when read
LATER = _LATER


def _make(f: Finding) -> None:
    """Set ``f``'s words (and fingerprint, unless it has its own) as its node's words make
    them — and ``_explanation`` last: the explanation made, or :data:`_LATER` to make it when
    read — unless another thread has just made them.  Where its subject's result is still
    held (its run's ``result``, a weak reference), every finding of that result is made with
    it, in one pass (``words.make_all``)."""
    words, run = f._lazy, f._run
    if words is None or run is None:
        return
    ref = run.result
    if ref is not None:
        held = ref()
        if held is not None:
            _make_all(held.findings, run)
            if f._explanation is not _UNMADE:
                return
    _make_all((f,), run)


def _make_one(f: Finding, words: Any, run: Any) -> None:
    """``f``'s words made by its node's words' ``fill``."""
    display, zh, en, reason, explanation, fp = words.fill(f, run, f._why, f._detail)
    _put_display(f, display)
    _put_message(f, zh)
    _put_message_en(f, en)
    _put_reason(f, reason)
    if fp is not None:
        _put_fingerprint(f, fp)
    if f._explanation is not _UNMADE:  # (made meanwhile, by another thread: perhaps its
        return  # explanation too, which _LATER must not overwrite)
    if explanation is True:  # (True: left to be made when read)
        _put_explanation(f, _LATER)
    else:
        _put_explanation(f, explanation)
        _put_run(f, None)  # nothing left to make
        _put_lazy(f, None)


def _explain(f: Finding) -> Explanation | None:
    """``f``'s explanation, made now (and its words first, if need be)."""
    if f._explanation is _UNMADE:
        _make(f)
    words, run = f._lazy, f._run
    if words is not None and run is not None and f._explanation is _LATER:
        made: Explanation = words.explanation(f, run)
        _put_explanation(f, made)
        _put_run(f, None)  # nothing left to make
        _put_lazy(f, None)
        return made
    return f._explanation  # type: ignore[no-any-return]  # (made, here or by another thread)


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
    Finding.__dict__[name].__set__
    for name in (
        "_display", "_message", "_message_en", "_reason", "_fingerprint", "_explanation",
        "_run", "_lazy",
    )
)  # fmt: skip


def _make_all(findings: Iterable[Finding], run: Any) -> None:
    """The words of each of ``findings`` scored in ``run`` whose words are not made yet, made
    now in one pass — what reading one of them asks for all of its subject's.  A pass or a
    fail scored without a reason or a grade, whose node's words make it their own way
    (``words.rec``: see :class:`~perfscore.evaluate.nodewords.NodeWords`), is made here —
    what their ``texts`` makes, from the node's data in one tuple — every other by its
    node's ``fill``.  Idempotent, as :func:`_make` is."""
    key = run.key
    if key is None:  # (what its fingerprints hash after their rule's prefix, once per subject)
        subject = run.subject
        key = run.key = f"{subject.type}\x1f{subject.key}".encode()
    for f in findings:
        words = f._lazy
        if f._explanation is not _UNMADE or f._run is not run or words is None:
            continue
        rec = words.rec
        outcome = f.outcome
        why = f._why
        if why is not None:  # (not applicable or an error, by a reason: its words kept)
            if f.value is None and outcome in words.unscored:
                said = words.said.get((outcome, why.zh, why.en, True))
                if said is not None:
                    _put_said(f, said, words, run, key)
                    continue
            _make_one(f, words, run)
            continue
        if (
            rec is None
            or f.grade is not None
            or not (rec[0] if outcome == "pass" else outcome == "fail" and rec[1])
        ):
            _make_one(f, words, run)
            continue
        value = f.value
        if value is None:
            shown = None
        elif type(value) is Decimal and value.is_finite():
            shown = rec[2](value)
        else:
            _make_one(f, words, run)
            continue
        # (nodewords.rec_texts, written out here: its call costs 2.4 % of every text read)
        th = f.threshold
        seen = words.threshold_seen  # (one read: another thread may replace it)
        if th is seen[0] and th is not None:  # (a scorer's threshold, held)
            zh_std, en_std = seen[1], seen[2]
        else:
            zh_std, en_std = words.standard(th)
            words.threshold_seen = (th, zh_std, en_std)
        points = f.points
        held = words.points_seen
        if points is held[0]:  # (a scorer's constant points, held)
            pts = held[1]
        elif points is None:
            pts = "None"
        elif points == rec[3]:
            pts = rec[4]
        else:
            pts = rec[12](points)
            words.points_seen = (points, pts)
        if shown is None:
            z0, z1, z2, e0, e1, e2 = rec[7] if outcome == "pass" else rec[5]
            _put_message(f, f"{z0}{zh_std}{z1}{pts}{z2}")
            _put_message_en(f, f"{e0}{en_std}{e1}{pts}{e2}")
        else:
            z0, z1, z2, z3, e0, e1, e2, e3 = rec[8] if outcome == "pass" else rec[6]
            _put_message(f, f"{z0}{shown}{z1}{zh_std}{z2}{pts}{z3}")
            _put_message_en(f, f"{e0}{shown}{e1}{en_std}{e2}{pts}{e3}")
        _put_display(f, shown)
        _put_reason(f, None)
        if rec[10]:
            prefix = rec[9]
            if prefix is None:
                _put_fingerprint(f, words.fingerprint(words.node.id, run))
            else:
                h = prefix.copy()
                h.update(key)
                _put_fingerprint(f, "sha256:" + h.hexdigest()[:32])
        if f._explanation is not _UNMADE:  # (made meanwhile by another thread: see above)
            continue
        if rec[11]:  # (its 计算过程 made when first read: it holds the scope)
            _put_explanation(f, _LATER)
        else:
            _put_explanation(f, None)
            _put_run(f, None)  # nothing left to make
            _put_lazy(f, None)


def _put_said(f: Finding, said: Any, words: Any, run: Any, key: bytes) -> None:
    """``f``'s words kept by its node's words for its outcome and reason (``said``), as
    :func:`_make_one` sets them."""
    _put_display(f, None)
    _put_message(f, said[0])
    _put_message_en(f, said[1])
    _put_reason(f, said[2])
    if words.fingerprint is not None:
        prefix = words.prefix
        if prefix is None:
            _put_fingerprint(f, words.fingerprint(words.node.id, run))
        else:
            h = prefix.copy()
            h.update(key)
            _put_fingerprint(f, "sha256:" + h.hexdigest()[:32])
    if f._explanation is _UNMADE:  # (else made meanwhile by another thread: see _make_one)
        _put_explanation(f, None)
        _put_run(f, None)  # nothing left to make
        _put_lazy(f, None)


def make_texts(findings: Iterable[Finding]) -> None:
    """Make the words (and fingerprint) of each of ``findings`` not made yet, now — what
    reading any of them does (see :class:`Finding`): for a caller about to read every
    finding's texts (an export).  Its explanation is still made when it is read."""
    for f in findings:
        if f._explanation is _UNMADE:
            _make(f)


def fingerprint(ruleset_id: str, rule_id: str, subject: Subject) -> str:
    """Identity independent of values, lines, messages and the period, so reruns deduplicate
    and the same question about the same department (``subject.key``) is tracked across years."""
    key = "\x1f".join((ruleset_id, rule_id, subject.type, subject.key))
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


OUTCOMES = ("pass", "fail", "not_applicable", "error")
SEVERITIES = ("error", "warning", "note")
