"""Findings, what one subject's scoring gives besides each rule's
:class:`~.results.Finding`: each rule's :class:`IndicatorScore`, the engine's or the data's
:class:`Notification`, and the :class:`SubjectResult` holding them all (here from
:mod:`.results`, which still names them, so old pickles load)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..subjects import Subject

if TYPE_CHECKING:
    from .results import Finding


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
