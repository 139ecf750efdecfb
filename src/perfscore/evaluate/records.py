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
from ..numbers import round_places
from .messages import display_text, indicator_messages, json_text, render, threshold_text
from .state import ONE, ZERO, Outcome, SubjectRun

#: a leaf's coverage (0 or 1), rounded
COVERAGE4 = (round_places(ZERO, 4), round_places(ONE, 4))
_new = object.__new__
_setattr = object.__setattr__


def finding_of(d: dict[str, Any]) -> Finding:
    """A :class:`Finding` whose attributes are ``d`` (every field given)."""
    f = _new(Finding)
    _setattr(f, "__dict__", d)
    return f


def indicator_score(
    rule_id: str,
    points: Decimal | None,
    weight: Decimal | None,
    grade: str | None,
    outcome: str,
    coverage: Decimal,
) -> IndicatorScore:
    s = _new(IndicatorScore)
    _setattr(
        s,
        "__dict__",
        {
            "rule_id": rule_id,
            "points": points,
            "weight": weight,
            "grade": grade,
            "outcome": outcome,
            "coverage": coverage,
        },
    )
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
    s = _new(NodeScore)
    _setattr(
        s,
        "__dict__",
        {
            "rule_id": rule_id,
            "weight": weight,
            "points": points,
            "grade": grade,
            "outcome": outcome,
            "coverage": coverage,
            "reason": reason,
            "reason_zh": reason_zh,
        },
    )
    return s


def indicator_finding(
    node: IndicatorNode,
    o: Outcome,
    run: SubjectRun,
    fingerprint: str,
    units: Mapping[str, str | None],
    places: int,
    waiver: Mapping[str, Any] | None = None,
) -> Finding:
    """An indicator's (or a group's) finding; its default messages are rendered when first
    read."""
    subject = run.subject
    unit = node.unit
    value_text = display_text(o.value, unit, places) if o.value is not None else None
    d: dict[str, Any] = {
        "rule_id": node.id,
        "subject": subject,
        "outcome": o.outcome,
        "severity": node.severity if o.outcome == "fail" else "none",
        "value": o.value,
        "unit": unit,
        "display": value_text,
        "threshold": o.threshold,
        "points": o.points,
        "weight": node.weight,
        "grade": o.grade,
        "reason": o.reason.en if o.reason else None,
        "fields": o.reason.fields if o.reason else (),
        "fingerprint": fingerprint,
        "location": node.location,
        "kind": "indicator",
        "waiver": waiver,
        "data_locations": (),
    }
    templates = node.messages.get(o.outcome) if node.messages else None
    if templates is None:  # default messages: rendered when first read
        d["_lazy_messages"] = (indicator_messages, (node, o, value_text))
    else:  # the rule set wrote its own message for this outcome
        zh, en = indicator_messages(node, o, value_text)
        th_text = threshold_text(o.threshold, unit)
        pts = json_text(o.points) if o.points is not None else None
        w = json_text(node.weight) if node.weight is not None else None
        fields = {
            "title": node.title,
            "value": value_text or "—",
            "points": pts or "—",
            "weight": w or "—",
            "target": display_text(o.threshold.get("value"), unit, places)
            if o.threshold and "value" in o.threshold
            else "—",
            "threshold": th_text or "—",
            "grade": o.grade or "—",
            "reason": o.reason.zh if o.reason else (o.detail or ""),
            "subject": subject.name or subject.id,
        }
        d["message"], d["message_en"] = render(templates, fields, run.scope, units, places, zh, en)
    return finding_of(d)
