"""Evaluate, building the results: an indicator's :class:`~perfscore.findings.Finding`, its
:class:`~perfscore.findings.IndicatorScore` and a node's
:class:`~perfscore.aggregate.NodeScore` — made without their dataclass ``__init__`` (a frozen
dataclass sets every field through ``object.__setattr__``: ~2-6 µs each): same class, same
attributes, same behaviour."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..aggregate import NodeScore
from ..compile import IndicatorNode
from ..findings import Finding, IndicatorScore
from ..findings.results import UNMADE, FindingDraft
from ..numbers import round_once, round_places
from .messages import FindingTexts
from .state import ONE, ZERO, Outcome, SubjectRun

#: a leaf's coverage (0 or 1), rounded
COVERAGE4 = (round_places(ZERO, 4), round_places(ONE, 4))
#: how many distinct results of one leaf (or group) are kept to be shared (the common ones
#: come first)
SHARED_RESULTS = 64
_new = object.__new__
_setattr = object.__setattr__


def indicator_score(
    rule_id: str,
    points: Decimal | None,
    weight: Decimal | None,
    grade: str | None,
    outcome: str,
    coverage: Decimal,
    on_data: tuple[Decimal, Decimal] | None = None,
) -> IndicatorScore:
    s = _new(IndicatorScore)
    fields = {
        "rule_id": rule_id,
        "points": points,
        "weight": weight,
        "grade": grade,
        "outcome": outcome,
        "coverage": coverage,
    }
    if on_data is not None:  # (else the class's defaults, None: no keys in every score's dict)
        fields["earned"], fields["scorable"] = on_data
    _setattr(s, "__dict__", fields)
    return s


def node_score(
    rule_id: str,
    weight: Decimal | None,
    points: Decimal | None,
    grade: str | None,
    outcome: str,
    coverage: Decimal,
    reason: str | None = None,
    reason_zh: str | None = None,
) -> NodeScore:
    return NodeScore(rule_id, weight, points, grade, outcome, coverage, reason, reason_zh)


def leaf_pair(
    nid: str,
    weight: Decimal | None,
    same: dict[Any, tuple[IndicatorScore, NodeScore]],
    by_id: dict[str, dict[int, tuple[IndicatorScore, NodeScore]]],
    points: Decimal | None,
    grade: str | None,
    outcome: str,
    decided: bool,
) -> tuple[IndicatorScore, NodeScore]:
    """A leaf's two results (its score and its node's), shared: they are immutable and the
    same for every subject where it ends the same way (full marks, not applicable, …), so
    they are made once per rule and kept in ``same``, keyed by the points' text (a new
    Decimal's hash costs ~10× its str, and equal values written differently, 2.5 and 2.50,
    keep their own results).  A pass or fail's points that come back as the very object the
    kept results hold (a form's constant points: full marks, a band's) are found by it from
    then on, in ``by_id[outcome]`` (held there, its id is its)."""
    key = (str(points) if type(points) is Decimal else points, grade, outcome, decided)
    pair = same.get(key)
    if pair is not None:
        if decided and grade is None and pair[0].points is points:
            known = by_id[outcome]
            if len(known) < SHARED_RESULTS:
                known[id(points)] = pair
        return pair
    pair = (
        indicator_score(nid, points, weight, grade, outcome, COVERAGE4[decided]),
        node_score(nid, weight, points, grade, outcome, ONE if decided else ZERO),
    )
    if len(same) < SHARED_RESULTS:
        same[key] = pair
    return pair


def leaf_cover(node: IndicatorNode, scope: Mapping[str, Any]) -> Any:
    """The share of a scored leaf's weight that stood on data where its scorer scored around
    blanks (a checklist with blank items: the answered items' share), else None (all)."""
    covered = getattr(node.scorer, "covered", None)
    return None if covered is None else covered(scope)


def covered_pair(
    nid: str,
    weight: Decimal | None,
    points: Decimal | None,
    grade: str | None,
    outcome: str,
    cover: Any,
    on_data: tuple[Decimal, Decimal] | None = None,
) -> tuple[IndicatorScore, NodeScore]:
    """A scored leaf's two results where ``cover`` (exact) of its weight stood on data: the
    score's coverage rounded to 4 places, the node's exact (its group weighs it in); the
    score carries ``on_data``, the points earned on data and the points that stood on data
    (the standing's 实得 and 可评)."""
    cov4 = round_once(cover, 4)
    return (
        indicator_score(nid, points, weight, grade, outcome, cov4, on_data),
        node_score(nid, weight, points, grade, outcome, cover),
    )


def finding_template(node: IndicatorNode, words: Any) -> dict[str, Any]:
    """What :func:`indicator_finding` makes of ``node`` without a fingerprint (``texts``
    making it, ``words`` its node's words) that is the same for every subject, in its order;
    the rest (subject, outcome, value, threshold, points, grade, ``_run``) as placeholders,
    to be set, and severity, fields, ``_why``, ``_detail``, waiver as a passed finding without
    a reason has them (the evaluator's leaves: a copy per finding)."""
    return {
        "rule_id": node.id,
        "subject": None,
        "outcome": None,
        "severity": "none",
        "value": None,
        "unit": node.unit,
        "threshold": None,
        "points": None,
        "weight": node.weight,
        "grade": None,
        "fields": (),
        "location": node.location,
        "_lazy": words,
        "_run": None,
    }


def indicator_finding(
    node: IndicatorNode,
    o: Outcome,
    run: SubjectRun,
    fingerprint: str | None,
    units: Mapping[str, str | None],
    places: int,
    waiver: Mapping[str, Any] | None = None,
    texts: FindingTexts | None = None,
) -> Finding:
    """An indicator's (or a group's) finding.  Its words — ``display``, ``message``,
    ``message_en``, ``reason`` and the ``explanation`` — are made by the node's words of
    ``texts`` (default: these ``units`` and ``places``, no explanation) when first read (see
    :class:`~perfscore.findings.Finding`), and so is the ``fingerprint`` when it is None here
    (``texts`` then knows how); everything else is set here."""
    reason = o.reason
    outcome = o.outcome
    if texts is None:
        texts = FindingTexts(units, places)
    f: Any = _new(FindingDraft)
    f.rule_id = node.id
    f.subject = run.subject
    f.outcome = outcome
    f.severity = node.severity if outcome == "fail" else "none"
    f.value = o.value
    f.unit = node.unit
    f.threshold = o.threshold
    f.points = o.points
    f.weight = node.weight
    f.grade = o.grade
    f.fields = reason.fields if reason else ()
    f.location = node.location
    f.kind = "indicator"
    f.waiver = waiver
    f.data_locations = ()
    f.review = None
    if fingerprint is not None:
        f._fingerprint = fingerprint
        f._lazy = texts.node_words(node, fingerprint=False)
    elif texts.fingerprint is not None:
        f._lazy = texts.node_words(node)
    else:
        raise TypeError("indicator_finding needs a fingerprint or texts that make one")
    # what the words are made from besides the fields above (the Outcome itself is not kept)
    f._explanation = UNMADE
    f._run = run
    f._why = reason
    f._detail = o.detail
    f.__class__ = Finding
    return f  # type: ignore[no-any-return]
