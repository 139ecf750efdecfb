"""Evaluate, the words of a finding: numbers as text (memoised), thresholds, the default zh/en
messages of an indicator, and a rule set's own message templates filled in."""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..compile import IndicatorNode, Template
from ..findings import Explanation
from ..numbers import display, json_number
from .state import EN, ZH, Outcome, SubjectRun

if TYPE_CHECKING:
    from ..explain import Explainer

OP_TEXT = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}

# --- hot-path helpers -------------------------------------------------------------------------
# Same results as numbers.json_number / display, without re-formatting the same few numbers
# for every subject.
_CACHE_LIMIT = 8192
_JSON_CACHE: dict[Decimal, str] = {}


def json_text(x: Decimal) -> str:
    """:func:`~perfscore.numbers.json_number` (a function of the numeric value), memoised."""
    text = _JSON_CACHE.get(x) if x.is_finite() else None
    if text is None:
        text = json_number(x)
        if len(_JSON_CACHE) >= _CACHE_LIMIT:
            _JSON_CACHE.clear()
        _JSON_CACHE[x] = text
    return text


_DISPLAY_CACHE: dict[tuple[Decimal, str | None, int], str] = {}


def display_text(x: object, unit: str | None, places: int) -> str:
    """:func:`~perfscore.numbers.display`; memoised for finite Decimals (text depends only on
    the numeric value, the unit and the places)."""
    if type(x) is not Decimal or not x.is_finite():
        return display(x, unit, places)
    key = (x, unit, places)
    text = _DISPLAY_CACHE.get(key)
    if text is None:
        text = display(x, unit, places)
        if len(_DISPLAY_CACHE) >= _CACHE_LIMIT:
            _DISPLAY_CACHE.clear()
        _DISPLAY_CACHE[key] = text
    return text


def threshold_text(th: Mapping[str, Any] | None, unit: str | None, lang: str = "en") -> str | None:
    if not th:
        return None
    if "op" in th:
        return f"{OP_TEXT.get(th['op'], th['op'])} {display_text(th['value'], unit, 2)}"
    if th.get("name") == "otherwise" and not th.get("range"):  # no band held: words, not an id
        return ZH["otherwise"] if lang == "zh" else EN["otherwise"]
    return str(th.get("range") or th.get("name"))


def render(
    templates: tuple[Template | None, Template | None] | None,
    fields: Mapping[str, str],
    scope: Mapping[str, Any],
    units: Mapping[str, str | None],
    places: int,
    default_zh: str,
    default_en: str,
) -> tuple[str, str]:
    """A rule set's own (zh, en) message templates filled in; the defaults where it has none."""
    out = []
    for i, default in enumerate((default_zh, default_en)):
        t = templates[i] if templates else None
        if t is None:
            out.append(default)
            continue
        values = dict(fields)
        for name in t.fields - values.keys():
            values[name] = display_text(scope.get(name), units.get(name), places)
        out.append(t.render(values))
    return out[0], out[1]


_STANDARD_CACHE: dict[tuple[Any, ...], tuple[str, str]] = {}


def standards(th: Mapping[str, Any] | None, unit: str | None) -> tuple[str, str]:
    """The (zh, en) standard of a default message (``（标准 ≥ 95%）``, `` (standard ≥ 95%)``;
    empty without a threshold), memoised on what :func:`threshold_text` reads."""
    if not th:
        return "", ""
    key: tuple[Any, ...] | None
    if "op" in th:
        v = th["value"]
        finite = type(v) is not Decimal or v.is_finite()
        key = ("op", th["op"], v, unit) if finite else None
    else:
        key = ("band", th.get("range"), th.get("name"))
    try:
        got = _STANDARD_CACHE.get(key) if key is not None else None
    except TypeError:  # something unhashable in the threshold: not memoised
        got, key = None, None
    if got is None:
        zh_t, en_t = threshold_text(th, unit, "zh"), threshold_text(th, unit)
        got = (
            ZH["standard"].format(threshold=zh_t) if zh_t else "",
            EN["standard"].format(threshold=en_t) if en_t else "",
        )
        if key is not None:
            if len(_STANDARD_CACHE) >= _CACHE_LIMIT:
                _STANDARD_CACHE.clear()
            _STANDARD_CACHE[key] = got
    return got


def positional(template: str, names: tuple[str, ...]) -> Callable[..., str]:
    """``template`` (a catalogue string with ``{name}`` fields) as a function of ``names``
    given in that order: ``positional(t, ("a", "b"))(x, y) == t.format(a=x, b=y)``, without
    parsing the template on every call (a %-format made once).  Falls back to ``str.format``
    for a template with format specs, conversions or fields outside ``names``."""
    pieces: list[str] = []
    where: list[int] = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        pieces.append(literal.replace("%", "%%"))
        if field is None:
            continue
        if spec or conversion or field not in names:
            return lambda *args: template.format(**dict(zip(names, args, strict=True)))
        pieces.append("%s")
        where.append(names.index(field))
    pattern = "".join(pieces)
    if not where:
        return lambda *args: pattern % ()
    pick = operator.itemgetter(*where)
    if len(where) == 1:
        return lambda *args: pattern % (pick(args),)
    return lambda *args: pattern % pick(args)


_SCORED = ("title", "colon", "value", "standard", "verdict", "points", "weight", "extra")
_SCORED_ZH, _SCORED_EN = positional(ZH["scored"], _SCORED), positional(EN["scored"], _SCORED)
_GRADED = ("title", "colon", "value", "standard", "grade")
_GRADED_ZH, _GRADED_EN = positional(ZH["graded"], _GRADED), positional(EN["graded"], _GRADED)


def indicator_messages(node: IndicatorNode, o: Outcome, value_text: str | None) -> tuple[str, str]:
    """The default (zh, en) messages of an indicator's finding."""
    outcome = o.outcome
    title_en = node.title_en or node.id
    reason = o.reason
    if outcome == "error" or outcome == "not_applicable":
        key = "indicator_error" if outcome == "error" else "indicator_na"
        reason_zh = reason.zh if reason else (o.detail or "")
        reason_en = reason.en if reason else (o.detail or "")
        return (
            ZH[key].format(title=node.title, reason=reason_zh),
            EN[key].format(title=title_en, reason=reason_en),
        )
    v_zh = f" {value_text}" if value_text else ""
    std_zh, std_en = standards(o.threshold, node.unit)
    colon = ":" if value_text else ""
    grade = o.grade
    if grade is not None:
        return (
            _GRADED_ZH(node.title, colon, v_zh, std_zh, grade),
            _GRADED_EN(title_en, colon, v_zh, std_en, grade),
        )
    pts = json_text(o.points) if o.points is not None else None
    w = json_text(node.weight) if node.weight is not None else None
    if reason is not None:
        extra_zh = ZH["scored_by_rule"].format(reason=reason.zh)
        extra_en = EN["scored_by_rule"].format(reason=reason.en)
    else:
        extra_zh = extra_en = ""
    met = outcome == "pass"
    return (
        _SCORED_ZH(
            node.title, colon, v_zh, std_zh, _MET_ZH if met else _NOT_MET_ZH, pts, w, extra_zh
        ),
        _SCORED_EN(
            title_en, colon, v_zh, std_en, _MET_EN if met else _NOT_MET_EN, pts, w, extra_en
        ),
    )


_MET_ZH, _NOT_MET_ZH, _MET_EN, _NOT_MET_EN = ZH["met"], ZH["not_met"], EN["met"], EN["not_met"]


class FindingTexts:
    """The words of an indicator's finding — ``display``, the (zh, en) messages (the rule set's
    own templates where it wrote them) and the lazy ``explanation`` — made when the finding is
    first read, not when it is scored (see :class:`~perfscore.findings.Finding`).  One per
    evaluator, shared by every subject: it keeps nothing per call."""

    __slots__ = ("explainer", "fingerprint", "places", "units")

    def __init__(
        self,
        units: Mapping[str, str | None],
        places: int,
        explainer: Explainer | None = None,
        fingerprint: Callable[[str, SubjectRun], str] | None = None,
    ) -> None:
        self.units = units
        self.places = places
        #: None: findings without an explanation
        self.explainer = explainer
        #: ``(rule id, run) -> fingerprint``, for findings built without theirs
        self.fingerprint = fingerprint

    def __call__(self, node: IndicatorNode, o: Outcome, run: SubjectRun) -> dict[str, Any]:
        unit, places = node.unit, self.places
        value_text = display_text(o.value, unit, places) if o.value is not None else None
        zh, en = indicator_messages(node, o, value_text)
        templates = node.messages.get(o.outcome) if node.messages else None
        if templates is not None:  # the rule set wrote its own message for this outcome
            zh, en = render(
                templates, self.fields(node, o, run, value_text), run.scope, self.units,
                places, zh, en,
            )  # fmt: skip
        explanation = None
        if self.explainer is not None and o.reason is None and o.outcome in ("pass", "fail"):
            # decided by the scorer: its arithmetic, built when first read
            explanation = Explanation(
                self.explainer.build, node, o.value, o.points, o.grade, run.scope
            )
        return {
            "display": value_text,
            "message": zh,
            "message_en": en,
            "reason": o.reason.en if o.reason else None,
            "explanation": explanation,
        }

    def with_fingerprint(self, node: IndicatorNode, o: Outcome, run: SubjectRun) -> dict[str, Any]:
        """The words and the fingerprint (for a finding built without it)."""
        assert self.fingerprint is not None
        out = self(node, o, run)
        out["fingerprint"] = self.fingerprint(node.id, run)
        return out

    def fields(
        self, node: IndicatorNode, o: Outcome, run: SubjectRun, value_text: str | None
    ) -> dict[str, str]:
        """What a rule set's own message template may say (``{value}``, ``{points}``, …)."""
        unit = node.unit
        th_text = threshold_text(o.threshold, unit)
        subject = run.subject
        return {
            "title": node.title,
            "value": value_text or "—",
            "points": json_text(o.points) if o.points is not None else "—",
            "weight": json_text(node.weight) if node.weight is not None else "—",
            "target": display_text(o.threshold.get("value"), unit, self.places)
            if o.threshold and "value" in o.threshold
            else "—",
            "threshold": th_text or "—",
            "grade": o.grade or "—",
            "reason": o.reason.zh if o.reason else (o.detail or ""),
            "subject": subject.name or subject.id,
        }
