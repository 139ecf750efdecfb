"""A risk-ranked sample for 抽查: the N subjects most worth re-checking, and what it covers.

Ranking (highest risk first; every step is a tie-break of the one before):

1. the worst level among the subject's review findings (P0 > P1 > P2 > 通过);
2. the red warning (``red_inflation``) fired;
3. never sampled before — only when a results store (or any ``sampled_before(key)``
   callable) is given; without one this step is skipped and the statement says so;
4. the largest |偏离度| of the declared total (no deviation counts as 0);
5. the larger budget (预算数; none counts as 0);
6. the subject id, so the order is deterministic.

The sample is *not* random: it says nothing about the error rate of the subjects left out,
and the statement printed with it says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..numbers import json_number, round_half_up

if TYPE_CHECKING:
    from .result import Review

__all__ = ["SAMPLE_RULE", "Sample", "SampleEntry", "choose_sample", "sampled_before_in"]

#: The rule id of the finding that marks a subject as drawn into a review's sample; a results
#: store that holds earlier reviews knows, from these findings, who was sampled before.
SAMPLE_RULE = "review_sample"

_RANK = {"P0": 3, "P1": 2, "P2": 1, "pass": 0}


@dataclass(frozen=True)
class SampleEntry:
    rank: int
    subject_id: str
    name: str | None
    worst: str
    red: bool
    deviation: Decimal | None
    budget: Decimal | None
    never_sampled: bool | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Sample:
    requested: int
    population: int
    entries: tuple[SampleEntry, ...]
    statement: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.subject_id for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "population": self.population,
            "subjects": [
                {"rank": e.rank, "id": e.subject_id, "worst": e.worst, "reasons": list(e.reasons)}
                for e in self.entries
            ],
            "statement": list(self.statement),
        }


def _pct(part: int | Decimal, whole: int | Decimal) -> str:
    if not whole:
        return "—"
    return f"{json_number(round_half_up(Decimal(part) * 100 / Decimal(whole), 1))}%"


def choose_sample(
    rv: Review, n: int, *, sampled_before: Callable[[str], bool] | None = None
) -> Sample:
    """The ``n`` subjects of ``rv`` most worth re-checking (see the module docstring)."""
    if n < 0:
        raise ValueError("the sample size must be 0 or more")
    rows: list[tuple[tuple[Any, ...], SampleEntry]] = []
    for s in rv.report.subjects:
        sid = s.subject.id
        items = rv.items.get(sid, ())
        worst = max((it.level for it in items), key=lambda lv: _RANK[lv], default="pass")
        red = any(it.rule_id == "red_inflation" and it.outcome == "fail" for it in items)
        dev = next(
            (it.deviation for it in items if it.rule_id == "claim__total" and it.deviation),
            None,
        )
        budget = rv.facts.get(sid, {}).get("budget")
        budget = budget if isinstance(budget, Decimal) else None
        key = str(getattr(s.subject, "key", None) or sid)
        never = None if sampled_before is None else not sampled_before(key)
        reasons = []
        if worst != "pass":
            count = sum(1 for it in items if it.level == worst)
            reasons.append(f"{worst} 问题 {count} 项")
        if red:
            reasons.append("红色预警")
        if never:
            reasons.append("以前未被抽查")
        if dev is not None:
            reasons.append(f"总分偏离度 {json_number(round_half_up(dev * 100, 2))}%")
        if budget is not None:
            reasons.append(f"预算 {json_number(budget)}")
        sort_key = (
            -_RANK[worst],
            not red,
            not never if never is not None else False,
            -(abs(dev) if dev is not None else Decimal(0)),
            -(budget if budget is not None else Decimal(0)),
            sid,
        )
        rows.append(
            (
                sort_key,
                SampleEntry(0, sid, s.subject.name, worst, red, dev, budget, never, tuple(reasons)),
            )
        )
    rows.sort(key=lambda r: r[0])
    chosen = [
        SampleEntry(i + 1, *(getattr(e, f) for f in _FIELDS)) for i, (_, e) in enumerate(rows[:n])
    ]
    rest = [e for _, e in rows[n:]]
    return Sample(n, len(rows), tuple(chosen), _statement(chosen, rest, sampled_before is not None))


_FIELDS = ("subject_id", "name", "worst", "red", "deviation", "budget", "never_sampled", "reasons")


def _statement(chosen: list[SampleEntry], rest: list[SampleEntry], store: bool) -> tuple[str, ...]:
    total = len(chosen) + len(rest)
    lines = [
        f"抽取 {len(chosen)} / {total} 个对象（{_pct(len(chosen), total)}）。"
        "按风险排序抽取，不是随机抽样：先看最严重的问题等级（P0 > P1 > P2），再看红色预警、"
        + ("以前是否被抽查过、" if store else "")
        + "自评得分偏离度的绝对值、预算规模。"
    ]
    covered = []
    for level in ("P0", "P1", "P2"):
        k_in = sum(1 for e in chosen if e.worst == level)
        k_all = k_in + sum(1 for e in rest if e.worst == level)
        if k_all:
            covered.append(f"最严重为 {level} 的对象 {k_in} / {k_all}")
    red_in = sum(1 for e in chosen if e.red)
    red_all = red_in + sum(1 for e in rest if e.red)
    if red_all:
        covered.append(f"红色预警 {red_in} / {red_all}")
    b_in = sum((e.budget for e in chosen if e.budget is not None), Decimal(0))
    b_all = b_in + sum((e.budget for e in rest if e.budget is not None), Decimal(0))
    if b_all:
        covered.append(f"预算 {json_number(b_in)} / {json_number(b_all)}（{_pct(b_in, b_all)}）")
    lines.append("覆盖：" + ("；".join(covered) if covered else "本批没有发现问题或预警") + "。")
    flagged_out = sum(1 for e in rest if e.worst != "pass")
    lines.append(
        f"不覆盖：其余 {len(rest)} 个对象，其中 {flagged_out} 个有 P0–P2 问题；"
        "样本按风险选取，不代表全体，不能据此推断全体的差错率或平均偏离度。"
    )
    if not store:
        lines.append(
            "未接入结果库：无法区分以前是否被抽查过（见 docs/review.md 的 sampled_before）。"
        )
    return tuple(lines)


def sampled_before_in(store: Any) -> Callable[[str], bool]:
    """``sampled_before`` from a :class:`perfscore.store.Store`: a subject key was sampled
    before when a stored run (an earlier ``perfscore review --sample … --store``) has a
    ``review_sample`` finding for it."""
    everything = store.findings(store.subjects(latest=False))
    keys = {
        x.subject.key
        for x in everything
        if any(f.rule_id == SAMPLE_RULE and f.outcome == "pass" for f in x.findings)
    }
    return lambda key: key in keys
