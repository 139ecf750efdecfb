"""A subject's standing: what it earned, out of what could be scored, out of the maximum — and
whether it may be ranked.

A total alone misleads when the data covered only part of the weight: a department with figures
for 30 of 100 points that earns all 30 gets a rule-set total of 100 / 100 (the missing weight is
redistributed).  Every people's format therefore shows the three numbers and the coverage
together — *earned / scorable / maximum* — and rankings and distributions take only graded
subjects, listing the others apart with the reason they have no grade.

``earned`` counts each scored indicator's share of its own weight in the rule set's weights
(before weight of indicators without data is redistributed); ``scorable`` is the weight those
indicators carry.  Both are exact decimals.  Only what was scored from data counts, as in the
coverage (so ``scorable`` = maximum × coverage): an indicator scored by a ``missing: zero`` /
``full`` policy counts in neither, and a checklist with blank items (coverage in part) counts
its answered items' points in ``scorable`` and the points those items earned in ``earned``
(:attr:`IndicatorScore.earned` / ``scorable``, exact under every missing policy — not its
points, which the policy made of the blank items too: scaled up from the answered ones, 0, or
theirs given; nor its coverage, rounded to 4 places).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .numbers import json_number
from .words import STANDING

if TYPE_CHECKING:  # annotations only: findings uses this module to write the document
    from .findings import Report, RuleInfo, SubjectResult

__all__ = ["Ranking", "Standing", "measure", "rank", "score_text", "standing", "standings"]

ZERO = Decimal(0)

WORDS = STANDING


@dataclass(frozen=True)
class Standing:
    """One subject's score with the weight behind it."""

    result: SubjectResult
    earned: Decimal | None  # points earned on the weight that had data (rule set's own weights)
    scorable: Decimal | None  # the weight that had data
    ranked: bool  # has a total and a grade (or a total, in a rule set without grades)
    reason: str | None  # why not ranked (zh)
    reason_en: str | None

    @property
    def total(self) -> Decimal | None:
        return self.result.total

    @property
    def max(self) -> Decimal:
        return self.result.max

    @property
    def coverage(self) -> Decimal:
        return self.result.coverage

    def why(self, lang: str) -> str | None:
        return self.reason if lang == "zh" else self.reason_en


@dataclass(frozen=True)
class Ranking:
    """Graded subjects ranked (competition ranking: 1, 2, 2, 4) and the rest listed apart."""

    ranked: tuple[tuple[int, Standing], ...]
    unranked: tuple[Standing, ...]

    def rank_of(self, subject_id: str) -> int | None:
        for n, st in self.ranked:
            if st.result.subject.id == subject_id:
                return n
        return None


def _shares(rules: Sequence[RuleInfo], top: Decimal) -> dict[str, Decimal] | None:
    """Each indicator's share of the maximum in the rule set's own weights (None when some
    indicator has no weight, e.g. letter grades)."""
    children: dict[str | None, list[RuleInfo]] = {}
    for r in rules:
        if r.kind != "check":
            children.setdefault(r.parent, []).append(r)
    shares: dict[str, Decimal] = {}

    def walk(parent: str | None, share: Decimal) -> bool:
        kids = children.get(parent, [])
        if any(k.weight is None for k in kids):
            return False
        total = sum((k.weight or ZERO for k in kids), ZERO)
        for k in kids:
            own = ZERO if total == 0 else share * (k.weight or ZERO) / total
            shares[k.id] = own
            if not walk(k.id, own):
                return False
        return True

    return shares if walk(None, top) else None


def _leaves(rules: Sequence[RuleInfo]) -> set[str]:
    parents = {r.parent for r in rules}
    return {r.id for r in rules if r.kind != "check" and r.id not in parents}


def measure(rules: Sequence[RuleInfo]) -> Callable[[SubjectResult], Standing]:
    """A function giving a subject's standing under ``rules`` (the weight tree is read once)."""
    leaves = _leaves(rules)
    cache: dict[Decimal, Mapping[str, Decimal] | None] = {}

    def of(s: SubjectResult) -> Standing:
        if s.max not in cache:
            cache[s.max] = _shares(rules, s.max)
        return _standing(s, cache[s.max], leaves)

    return of


def standing(s: SubjectResult, rules: Sequence[RuleInfo]) -> Standing:
    """``s``'s earned / scorable / maximum and whether it may be ranked."""
    return measure(rules)(s)


def _standing(s: SubjectResult, shares: Mapping[str, Decimal] | None, leaves: set[str]) -> Standing:
    earned = scorable = None
    if shares is not None and s.max > 0:
        earned = scorable = ZERO
        for x in s.scores:
            if x.rule_id not in leaves or x.outcome not in ("pass", "fail"):
                continue
            cov = x.coverage  # (the share of its weight scored from data: see the module)
            share = shares.get(x.rule_id, ZERO)
            if x.earned is not None and x.scorable is not None and x.weight:
                # a checklist with blank items: its answered items' points, those met (exact,
                # where the coverage is rounded: 9,999 of 10,000 points answered is 1.0000)
                scorable += share * x.scorable / x.weight
                earned += share * x.earned / x.weight
            elif not cov:
                continue
            elif cov == 1:
                scorable += share
                if x.points is not None and x.weight:
                    earned += share * x.points / x.weight
            else:  # (a plug-in scorer covering a part without saying what stood on data)
                scorable += share * cov
                if x.points is not None and x.weight:
                    earned += share * x.points / x.weight * cov
    reason: str | None = None
    reason_en: str | None = None
    ranked = s.total is not None and (s.grade is not None or s.grade_reason is None)
    if not ranked:
        key = "no_total" if s.total is None else "no_reason"
        reason = s.grade_reason_zh or s.grade_reason or WORDS["zh"][key]
        reason_en = s.grade_reason or WORDS["en"][key]
    return Standing(s, _exact(earned), _exact(scorable), ranked, reason, reason_en)


def _exact(x: Decimal | None) -> Decimal | None:
    """Trim representation noise from the share arithmetic (28 significant digits)."""
    return None if x is None else x.quantize(Decimal("1e-8")).normalize() + ZERO


def standings(report: Report) -> tuple[Standing, ...]:
    of = measure(report.rules)
    return tuple(of(s) for s in report.subjects)


def rank(report: Report) -> Ranking:
    """Rank only subjects with a grade (or a total, in rule sets without grades), highest total
    first, ties sharing a rank; the others are listed apart, in input order, with the reason."""
    all_ = standings(report)
    ranked = [st for st in all_ if st.ranked]
    totals = [st.total for st in ranked]
    numbered = sorted(
        ((1 + sum(1 for o in totals if o is not None and o > _total(st)), st) for st in ranked),
        key=lambda p: p[0],
    )
    unranked = tuple(st for st in all_ if not st.ranked)
    return Ranking(tuple(numbered), unranked)


def _total(st: Standing) -> Decimal:
    assert st.total is not None
    return st.total


def score_text(st: Standing, lang: str = "zh") -> str:
    """``100 / 100（实得 30 / 可评 30 / 满分 100，数据覆盖 30%）`` — never a bare total."""
    w = WORDS[lang if lang in WORDS else "zh"]
    cov = f"{json_number(st.coverage * 100)}%"
    if st.total is None:
        return w["no_total"]
    total = f"{json_number(st.total)} / {json_number(st.max)}"
    if st.coverage == 1 or st.earned is None or st.scorable is None:
        detail = f"{w['coverage']} {cov}"
    else:
        detail = (
            f"{w['earned']} {json_number(st.earned)} / {w['scorable']} "
            f"{json_number(st.scorable)} / {w['max']} {json_number(st.max)}, {w['coverage']} {cov}"
        )
    if lang == "zh":
        detail = detail.replace(", ", w["comma"])
    return w["score"].format(total=total, detail=detail)
