"""Findings and the report: the contract other tools consume.

The findings document (``format: perfscore.findings``, ``format_version: 1.1``) is described by
the JSON Schema shipped in ``perfscore/schemas/findings-1.json``.  Within a major version fields
are only ever added; readers must ignore fields they do not know.  Output is deterministic:
no clocks, no random ids — the run id and fingerprints are hashes of what was scored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring as _encode_str
from typing import IO, TYPE_CHECKING, Any

from ._version import __version__
from .errors import PerfscoreError
from .numbers import json_number
from .subjects import Subject
from .textsafe import clean
from .values import Series
from .words import NOTICE, Bilingual, in_language, language

if TYPE_CHECKING:
    from .standing import Standing

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "OUTCOMES",
    "SEVERITIES",
    "BatchTotals",
    "Explained",
    "Explanation",
    "Finding",
    "IndicatorScore",
    "Notification",
    "Report",
    "RuleInfo",
    "RuleLocation",
    "SubjectResult",
    "document",
    "dumps",
    "encode_items",
    "explanation_record",
    "finding_record",
    "fingerprint",
    "notification_record",
    "notification_text",
    "ranked_summary",
    "rule_record",
    "run_id",
    "subject_record",
    "write_document",
]

FORMAT = "perfscore.findings"
FORMAT_VERSION = "1.1"


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
        if self._data is None:
            assert self._build is not None
            fn, args = self._build
            self._data = fn(*args)
            self._build = None
        return self._data

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
    # of the new finding's ``__dict__`` and stores ``_lazy = (words, node, outcome, run)``
    # instead.  The first time any of them is read (a :class:`_Lazy` on the class: once a
    # field is in the instance's ``__dict__``, that is what is read),
    # ``words.fill(d, node, outcome, run)`` writes them into the ``__dict__`` ``d``; when it
    # returns True the explanation is ``words.explanation(node, outcome, run)``, made when it
    # is read.  Reading them, comparing, ``dataclasses.replace``/``asdict``, copying and
    # pickling all see the same values as an eagerly built finding (pickling fills them
    # first).  Filling is idempotent, so threads reading one finding at once agree.

    def __getstate__(self) -> dict[str, Any]:
        d = self.__dict__
        if "_lazy" in d or "_explain" in d:
            self.explanation  # noqa: B018 - fills the lazy fields into __dict__
            d.pop("_explain", None)  # (set again by a thread that filled it meanwhile)
        return d


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
        lazy = d.get("_lazy")
        if lazy is not None:
            words, node, outcome, run = lazy
            if words.fill(d, node, outcome, run):
                d["_explain"] = lazy  # the explanation: made when it is read
            d.pop("_lazy", None)
        try:
            return d[name]  # filled, here or by another thread meanwhile
        except KeyError:
            if name == "explanation":
                later = d.get("_explain")
                if later is None:  # built without one (the default)
                    return None
                words, node, outcome, run = later
                got = d.setdefault("explanation", words.explanation(node, outcome, run))
                d.pop("_explain", None)
                return got
            raise AttributeError(f"'Finding' object has no attribute {name!r}") from None


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


def _jsonable(value: Any) -> Any:
    if isinstance(value, Series):
        return {str(y): v for y, v in value.points}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


_NUMBER_TEXT: dict[Decimal, str] = {}
_KEY_TEXT: dict[str, str] = {}


def _number(x: Decimal) -> str:
    """``json_number`` memoised: its text depends only on the numeric value."""
    try:
        return _NUMBER_TEXT[x]
    except (KeyError, TypeError):
        text = json_number(x)  # raises for NaN/Infinity before anything is cached
        if len(_NUMBER_TEXT) > 8192:
            _NUMBER_TEXT.clear()
        _NUMBER_TEXT[x] = text
        return text


_LINE_BREAKS_AND_C1 = re.compile("[\x7f-\x9f\u2028\u2029]")


def _text(s: str) -> str:
    """A JSON string; surrogates joined or replaced first (textsafe.clean), so it encodes; C1
    controls and U+2028/U+2029 escaped too (line breaks to ``str.splitlines``, so a JSON Lines
    record stays one line, and nothing reaches a terminal that ``cat``s the file)."""
    out = _encode_str(clean(s))
    if out.isascii() and "\x7f" not in out:  # DEL is ASCII but is escaped like C1
        return out
    return _LINE_BREAKS_AND_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


_SCALAR: dict[type, Callable[[Any], str]] = {
    str: _text,
    Decimal: _number,
    bool: lambda b: "true" if b else "false",
    int: int.__repr__,
    type(None): lambda _: "null",
}


def _float(x: float) -> str:
    return json.dumps(x, allow_nan=False)


def _encode(value: Any, indent: int | None, level: int, out: list[str]) -> None:
    """Append the JSON text of ``value``; exact types are dispatched by table (the hot path for
    findings), subclasses fall through to the ``isinstance`` chain."""
    scalar = _SCALAR.get(type(value))
    if scalar is not None:
        out.append(scalar(value))
    elif type(value) is dict and indent is None:
        if not value:
            out.append("{}")
            return
        first = True
        for k, v in value.items():
            key = _KEY_TEXT.get(k)
            if key is None:
                key = _text(k if type(k) is str else str(k)) + ":"
                if len(_KEY_TEXT) < 4096 and type(k) is str:
                    _KEY_TEXT[k] = key
            out.append(("{" if first else ",") + key)
            first = False
            scalar = _SCALAR.get(type(v))
            if scalar is not None:
                out.append(scalar(v))
            else:
                _encode(v, indent, level + 1, out)
        out.append("}")
    elif isinstance(value, Decimal):
        out.append(json_number(value))
    elif isinstance(value, str):
        out.append(_text(str(value)))
    elif value is None or isinstance(value, (bool, int)):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, Series):
        _encode(_jsonable(value), indent, level, out)
    elif isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
        end = "" if indent is None else "\n" + " " * (indent * level)
        sep = ": " if indent is not None else ":"
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            out.append(("," if i else "") + pad + _text(str(k)) + sep)
            _encode(v, indent, level + 1, out)
        out.append(end + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
        end = "" if indent is None else "\n" + " " * (indent * level)
        out.append("[")
        for i, v in enumerate(value):
            out.append(("," if i else "") + pad)
            _encode(v, indent, level + 1, out)
        out.append(end + "]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(doc: Any, *, indent: int | None = 2) -> str:
    """Deterministic JSON: keys in insertion order, exact decimals, 中文 unescaped."""
    out: list[str] = []
    _encode(doc, indent, 0, out)
    return "".join(out) + "\n"


OUTCOMES = ("pass", "fail", "not_applicable", "error")
SEVERITIES = ("error", "warning", "note")


def run_id(ruleset_sha256: str, inputs: Iterable[Mapping[str, str]], ids: Iterable[str]) -> str:
    """The findings document's run id: the rule set's and inputs' hashes, then every subject id
    in input order."""
    h = hashlib.sha256()
    h.update(ruleset_sha256.encode())
    for i in inputs:
        h.update(i.get("sha256", "").encode())
    for sid in ids:
        h.update(sid.encode("utf-8"))
    return h.hexdigest()[:32]


class BatchTotals:
    """What a batch's documents say about all of its subjects — counts by outcome and
    severity, whether it is complete, which subjects may be ranked, the subjects' own
    notifications — as counters that add up shard by shard.

    The findings document, the JSON Lines summary line and ``perfscore score --jobs N`` read
    these figures from one ``BatchTotals``; with ``--jobs`` each worker fills one for its shard
    and the parent :meth:`merge`\\ s them in input order."""

    def __init__(self, *, keep: bool = True) -> None:
        #: ``keep=False`` (a stream): only counters; the subjects and the ids of those without
        #: a total are not kept, so memory does not grow with the batch
        self.keep = keep
        self.count = 0
        self.subjects: list[Subject] = []
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.severity = dict.fromkeys(SEVERITIES, 0)
        #: failed findings by severity, ``error`` findings counted as severity ``error``
        #: (what ``--fail-on`` reads)
        self.failed = dict.fromkeys(SEVERITIES, 0)
        self.complete = True
        self.ranked = 0
        self.not_ranked: list[dict[str, Any]] = []  # the summary's records
        self.first: tuple[Decimal | None, Decimal, str | None, str | None] | None = None
        self.notifications: list[Notification] = []  # the subjects' own, in order
        self.without_total: list[str] = []  # ids of subjects with no total

    def add(self, s: SubjectResult, st: Standing) -> None:
        if self.first is None:
            self.first = (s.total, s.max, s.grade, s.grade_label)
        self.count += 1
        if self.keep:
            self.subjects.append(s.subject)
        counts, severity, failed = self.counts, self.severity, self.failed
        for f in s.findings:
            counts[f.outcome] += 1
            if f.severity in severity:
                severity[f.severity] += 1
            if f.outcome == "error":
                self.complete = False
                failed["error"] += 1
            elif f.outcome == "fail" and f.severity in failed:
                failed[f.severity] += 1
        for n in s.notifications:
            if n.level == "error":
                self.complete = False
        self.notifications += s.notifications
        if st.ranked:
            self.ranked += 1
        else:
            self.not_ranked.append(
                {"subject": s.subject.id, "reason": st.reason, "reason_en": st.reason_en}
            )
        if s.total is None and self.keep:
            self.without_total.append(s.subject.id)

    def merge(self, other: BatchTotals) -> None:
        """Add ``other``'s counts, as if its subjects came after these."""
        if self.first is None:
            self.first = other.first
        self.count += other.count
        if self.keep:
            self.subjects += other.subjects
            self.without_total += other.without_total
        for mine, theirs in (
            (self.counts, other.counts),
            (self.severity, other.severity),
            (self.failed, other.failed),
        ):
            for k, n in theirs.items():
                mine[k] += n
        self.complete = self.complete and other.complete
        self.ranked += other.ranked
        self.not_ranked += other.not_ranked
        self.notifications += other.notifications

    @property
    def evaluated(self) -> int:
        return sum(self.counts.values())

    def run_id(self, ruleset_sha256: str, inputs: Sequence[Mapping[str, str]]) -> str:
        return run_id(ruleset_sha256, inputs, (s.id for s in self.subjects))

    def summary(self) -> dict[str, Any]:
        """The findings document's ``summary``."""
        out: dict[str, Any] = {
            "subjects": self.count,
            "evaluated": self.evaluated,
            **self.counts,
            "by_severity": dict(self.severity),
        }
        if self.count == 1 and self.first is not None:
            total, top, grade, label = self.first
            out.update(total=total, max=top, grade=grade, grade_label=label)
        out.update(ranked=self.ranked, not_ranked=list(self.not_ranked))
        return out

    def stream_summary(self, complete: bool) -> dict[str, Any]:
        """The JSON Lines ``summary`` record's fields (``complete`` first)."""
        return {"complete": complete, **self.summary()}


def encode_items(values: Iterable[Any], *, indent: int | None = 2, level: int = 1) -> str:
    """The JSON text of ``values`` as the items of a list written at ``level`` (a top-level
    field of a document is at level 1), each item preceded by its comma and line break;
    :func:`write_document` drops the first comma.  Lets a list be written in pieces
    (``indent=None``: compact, as ``dumps(..., indent=None)``)."""
    pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
    out: list[str] = []
    for v in values:
        out.append("," + pad)
        _encode(v, indent, level + 1, out)
    return "".join(out)


def write_document(
    out: IO[bytes],
    doc: Mapping[str, Any],
    lists: Mapping[str, Iterable[bytes]],
    *,
    indent: int | None = 2,
) -> None:
    """Write ``dumps(doc, indent=indent)`` to ``out``, except that the fields named in
    ``lists`` are written from pieces of :func:`encode_items` text (UTF-8) instead of from
    ``doc``: byte-identical to ``dumps`` of the same document with those lists whole."""
    pad = "" if indent is None else "\n" + " " * indent
    colon = ":" if indent is None else ": "
    out.write(b"{")
    for i, (key, value) in enumerate(doc.items()):
        out.write((("," if i else "") + pad + _text(str(key)) + colon).encode("utf-8"))
        pieces = lists.get(key)
        if pieces is None:
            text: list[str] = []
            _encode(value, indent, 1, text)
            out.write("".join(text).encode("utf-8"))
            continue
        first = True
        for piece in pieces:
            if not piece:
                continue
            if first:
                out.write(b"[" + piece[1:])  # the first item's comma
                first = False
            else:
                out.write(piece)
        out.write(b"[]" if first else (pad + "]").encode("utf-8"))
    out.write(b"}\n" if indent is None else b"\n}\n")


def document(
    head: Report,
    totals: BatchTotals,
    notifications: Sequence[Notification],
    *,
    subjects: list[Any],
    findings: list[Any],
) -> dict[str, Any]:
    """The findings document of ``head``'s run (its rule set, rules, inputs and waivers) with
    ``totals`` over its subjects, the run's own ``notifications`` (the subjects' follow them)
    and the given ``subjects`` and ``findings`` lists."""
    complete = totals.complete and not any(n.level == "error" for n in notifications)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tool": {"name": "perfscore", "version": __version__},
        "run": {
            "id": totals.run_id(str(head.ruleset.get("sha256", "")), head.inputs),
            "complete": complete,
            "ruleset": dict(head.ruleset),
            "inputs": [dict(i) for i in head.inputs],
            **({"waivers": dict(head.waivers)} if head.waivers else {}),
        },
        "rules": [rule_record(r) for r in head.rules],
        "subjects": subjects,
        "findings": findings,
        "notifications": [notification_record(n) for n in (*notifications, *totals.notifications)],
        "summary": totals.summary(),
    }


@dataclass(frozen=True)
class Report:
    """The result of scoring subjects against one rule set.

    For a single subject ``report.total``, ``report.grade`` and ``report.findings`` read
    directly; for a batch use ``report.subjects``.
    """

    ruleset: Mapping[str, Any]
    rules: tuple[RuleInfo, ...]
    subjects: tuple[SubjectResult, ...]
    inputs: tuple[Mapping[str, str], ...] = ()
    notifications: tuple[Notification, ...] = field(default=())
    waivers: Mapping[str, str] | None = None

    def _single(self) -> SubjectResult:
        if len(self.subjects) != 1:
            raise PerfscoreError(
                f"this report has {len(self.subjects)} subjects; use report.subjects[i]"
            )
        return self.subjects[0]

    @property
    def total(self) -> Decimal | None:
        return self._single().total

    @property
    def grade(self) -> str | None:
        return self._single().grade

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.subjects for f in s.findings)

    @property
    def complete(self) -> bool:
        return all(s.complete for s in self.subjects) and not any(
            n.level == "error" for n in self.notifications
        )

    def __getitem__(self, subject_id: str) -> SubjectResult:
        for s in self.subjects:
            if s.subject.id == subject_id:
                return s
        raise KeyError(subject_id)

    # --- the findings document ---------------------------------------------------------------

    def run_id(self) -> str:
        return run_id(
            str(self.ruleset.get("sha256", "")), self.inputs, (s.subject.id for s in self.subjects)
        )

    def to_dict(self) -> dict[str, Any]:
        """The findings document as plain data (Decimals kept exact)."""
        from .standing import measure  # standing builds on this module

        of = measure(self.rules)
        totals = BatchTotals()
        standings = []
        for s in self.subjects:
            st = of(s)
            standings.append(st)
            totals.add(s, st)
        return document(
            self,
            totals,
            self.notifications,
            subjects=[subject_record(st.result, st) for st in standings],
            findings=[finding_record(f) for f in self.findings],
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent=indent)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def rule_record(r: RuleInfo) -> dict[str, Any]:
    """A rule as the findings document (and each JSON Lines ``run`` record) writes it."""
    return _drop_none(
        {
            "id": r.id,
            "kind": r.kind,
            "title": r.title,
            "title_en": r.title_en,
            "parent": r.parent,
            "level": r.level,
            "weight": r.weight,
            "unit": r.unit,
            "default_severity": r.default_severity,
            "description": r.description,
            "source": dict(r.source) if r.source else None,
            "location": r.location.to_dict(),
        }
    )


def subject_ref(s: Subject) -> dict[str, Any]:
    """A subject as written in the document: ``key`` only when it differs from ``id`` (readers
    default it to ``id``), ``period`` and ``parent`` only when known (format 1.1)."""
    return _drop_none(
        {
            "type": s.type,
            "id": s.id,
            "key": s.key if s.key != s.id else None,
            "name": s.name,
            "period": s.period,
            "parent": s.parent,
        }
    )


def ranked_summary(standings: Sequence[Standing]) -> dict[str, Any]:
    """How many subjects may be ranked, and which may not, with why (findings 1.1)."""
    return {
        "ranked": sum(1 for st in standings if st.ranked),
        "not_ranked": [
            {"subject": st.result.subject.id, "reason": st.reason, "reason_en": st.reason_en}
            for st in standings
            if not st.ranked
        ],
    }


def subject_record(s: SubjectResult, st: Standing | None = None) -> dict[str, Any]:
    """A subject's total, grade and scores (and its standing) as the document writes them."""
    extra: dict[str, Any] = {}
    if st is not None:  # findings 1.1: the weight behind the total, and whether it is ranked
        extra = _drop_none({"earned": st.earned, "scorable": st.scorable})
        extra["ranked"] = st.ranked
        if not st.ranked:
            extra.update(not_ranked_reason=st.reason, not_ranked_reason_en=st.reason_en)
    return {
        "subject": subject_ref(s.subject),
        "total": s.total,
        "max": s.max,
        "grade": s.grade,
        "grade_label": s.grade_label,
        "grade_reason": s.grade_reason,
        "coverage": s.coverage,
        **extra,
        "complete": s.complete,
        "scores": [
            _drop_none(
                {
                    "rule_id": x.rule_id,
                    "outcome": x.outcome,
                    "points": x.points,
                    "weight": x.weight,
                    "grade": x.grade,
                    "coverage": x.coverage,
                }
            )
            for x in s.scores
        ],
    }


def finding_record(f: Finding) -> dict[str, Any]:
    """A finding as the findings document (and a JSON Lines ``finding`` record) writes it."""
    measurement = _drop_none(
        {
            "value": f.value,
            "unit": f.unit,
            "display": f.display,
            "threshold": dict(f.threshold) if f.threshold else None,
            "points": f.points,
            "weight": f.weight,
            "grade": f.grade,
        }
    )
    d: dict[str, Any] = {
        "fingerprint": f.fingerprint,
        "rule_id": f.rule_id,
        "kind": f.kind,
        "subject": subject_ref(f.subject),
        "outcome": f.outcome,
        "severity": f.severity,
        "message": f.message,
    }
    if f.message_en:
        d["message_en"] = f.message_en
    if f.reason:
        d["reason"] = f.reason
    if f.fields:
        d["fields"] = list(f.fields)
    if f.waiver:
        d["waiver"] = dict(f.waiver)
    if f.review:
        d["review"] = dict(f.review)
    if f.explanation is not None:
        d["explanation"] = explanation_record(f.explanation.data, f.data_locations)
    d["measurement"] = measurement
    d["locations"] = [
        {"role": "rule", **f.location.to_dict()},
        *(dict(x) for x in f.data_locations),
    ]
    return d


def explanation_record(
    e: Explained, data_locations: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """A finding's explanation as the document writes it; each input read carries the report
    line it came from (``source``) when the finding has one."""
    where = {
        str(loc.get("pointer", "")).removeprefix("/values/"): loc
        for loc in data_locations
        if loc.get("role") == "report"
    }
    inputs = []
    for i in e.inputs:
        rec = _drop_none(dict(i))
        loc = where.get(str(i.get("name")))
        if loc is not None:
            rec["source"] = _drop_none(
                {"uri": loc.get("uri"), "line": loc.get("line"), "column": loc.get("column")}
            )
        inputs.append(rec)
    return _drop_none(
        {
            "scorer": e.scorer,
            "inputs": inputs,
            "formulas": [_drop_none(dict(x)) for x in e.formulas],
            "standard": dict(e.standard) if e.standard is not None else None,
            "steps": [dict(s) for s in e.steps],
            "result": dict(e.result),
            "zh": e.zh,
            "en": e.en,
        }
    )


def notification_record(n: Notification) -> dict[str, Any]:
    """A notification as the findings document writes it (``message_zh`` when the message
    has a Chinese version: findings 1.1, optional)."""
    zh = n.message.zh if isinstance(n.message, Bilingual) else None
    return _drop_none(
        {
            "level": n.level,
            "code": n.code,
            "message": str.__str__(n.message),
            "message_zh": zh,
            "subject": n.subject,
        }
    )


def notification_text(n: Notification, lang: str) -> str:
    """``错误：…`` / ``error: …`` — a notification for people, in one language."""
    w = NOTICE[language(lang)]
    return w["line"].format(level=w.get(n.level, n.level), message=in_language(n.message, lang))


def rules_by_id(rules: Sequence[RuleInfo]) -> dict[str, RuleInfo]:
    return {r.id: r for r in rules}
