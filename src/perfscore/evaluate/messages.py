"""Evaluate, the words of a finding made the general way: the default zh/en messages of an
indicator (any outcome), a rule set's own message templates filled in, and
:class:`FindingTexts`, which makes a finding's words when it is first read — through each
node's compiled :class:`~.nodewords.NodeWords` where it can."""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..compile import IndicatorNode, Template
from ..findings.explained import NodeExplanation
from .nodewords import NodeWords
from .state import EN, ZH, Outcome, SubjectRun
from .texts import display_text, json_text, standards, threshold_text

if TYPE_CHECKING:
    from ..explain import Explainer


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
    evaluator, shared by every subject: it keeps nothing per call but each node's
    :class:`~.nodewords.NodeWords` (made on first use).

    A finding's ``_lazy`` is its node's words (:meth:`node_words`), which write its words (and
    its fingerprint, unless it was given one) into its ``__dict__`` when first read."""

    __slots__ = ("_given", "_nodes", "explainer", "fingerprint", "places", "prefixes", "units")

    def __init__(
        self,
        units: Mapping[str, str | None],
        places: int,
        explainer: Explainer | None = None,
        fingerprint: Callable[[str, SubjectRun], str] | None = None,
        prefixes: Mapping[str, Any] | None = None,
    ) -> None:
        self.units = units
        self.places = places
        #: None: findings without an explanation
        self.explainer = explainer
        #: ``(rule id, run) -> fingerprint``, for findings built without theirs
        self.fingerprint = fingerprint
        #: rule id -> its hashed ``ruleset\x1frule\x1f`` (what ``fingerprint`` goes on from)
        self.prefixes = prefixes
        #: id(node) -> (node, its words, which make fingerprints); the node is held, so its
        #: id stays its own — and the same for findings given their fingerprint
        self._nodes: dict[int, tuple[IndicatorNode, NodeWords]] = {}
        self._given: dict[int, tuple[IndicatorNode, NodeWords]] = {}

    def words(self, node: IndicatorNode, o: Outcome, run: SubjectRun) -> dict[str, Any]:
        """The words of ``node``'s finding with outcome ``o``, made the general way (any
        outcome, value, threshold and template): what every faster way must equal."""
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
            explanation = NodeExplanation(
                self.explainer.build, node, o.value, o.points, o.grade, run.scope
            )
        return {
            "display": value_text,
            "message": zh,
            "message_en": en,
            "reason": o.reason.en if o.reason else None,
            "explanation": explanation,
        }

    def node_words(self, node: IndicatorNode, fingerprint: bool = True) -> NodeWords:
        """``node``'s words (and, unless ``fingerprint`` is False, its findings'
        fingerprints), made once per node."""
        made = self._nodes if fingerprint else self._given
        got = made.get(id(node))
        if got is None or got[0] is not node:
            prefix = self.prefixes.get(node.id) if self.prefixes and fingerprint else None
            words = NodeWords(
                node,
                self.places,
                self.words,
                self.explainer,
                self.fingerprint if fingerprint else None,
                prefix,
            )
            got = made[id(node)] = (node, words)
        return got[1]

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
