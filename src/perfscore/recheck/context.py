"""What the review of one batch knows (:class:`_Context`: the two rule sets, the thresholds, the
fields it reads) and the helpers that make a row's sentences in both languages (zh, en) from
:mod:`perfscore.words`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import words
from ..findings import RuleInfo, RuleLocation
from ..numbers import json_number, round_half_up
from ..ruleset import RuleSet
from .result import ReviewItem, Thresholds
from .targets import TargetWords

#: (zh, en): every sentence of a row is made in both languages, from perfscore.words.
Pair = tuple[str, str]


def _say(key: str, **fields: object) -> Pair:
    """The 事实及判定 phrase ``key`` (words.REVIEW_FACTS) in both languages; a field given as a
    (zh, en) pair is filled in per language."""
    zh, en = (
        words.REVIEW_FACTS[lang][key].format(
            **{k: (v[i] if isinstance(v, tuple) else v) for k, v in fields.items()}
        )
        for i, lang in enumerate(words.LANGS)
    )
    return zh, en


def _cause(key: str) -> Pair:
    return words.REVIEW_CAUSE["zh"][key], words.REVIEW_CAUSE["en"][key]


def _advice(key: str) -> Pair:
    table = words.REVIEW_ADVICE
    return table["zh"].get(key, ""), table["en"].get(key, "")


def _join(parts: Sequence[Pair], sep: str = "separator") -> Pair:
    s_zh, s_en = _say(sep)
    return s_zh.join(p[0] for p in parts), s_en.join(p[1] for p in parts)


def _num(x: Decimal | None) -> str:
    return "—" if x is None else json_number(x)


def _pct(x: Decimal | None) -> str:
    return "—" if x is None else f"{json_number(round_half_up(x * 100, 2))}%"


@dataclass(frozen=True)
class _Context:
    rs: RuleSet
    rules: RuleSet
    thresholds: Thresholds
    fp_id: str
    infos: Mapping[str, RuleInfo]  # scoring rule set
    children: Mapping[str, tuple[str, ...]]
    execution: str | None
    budget_field: str | None
    executed_field: str | None
    review_location: RuleLocation
    check_infos: Mapping[str, RuleInfo]
    words: TargetWords = field(default_factory=TargetWords)


def _basis(ctx: _Context, rule_id: str | None) -> str:
    info = ctx.infos.get(rule_id) if rule_id else None
    doc = None
    if info is not None and info.source:
        doc = info.source.get("document")
    base = f"{ctx.rs.title}（{ctx.rs.id} {ctx.rs.version}）复核重算"
    return f"{base}；{doc}" if doc else base


def _item(
    rule_id: str,
    level: str,
    outcome: str,
    dimension: str,
    cause: str,
    location: str,
    finding: Pair,
    facts: Pair,
    advice: Pair,
    basis: str,
    **kw: Any,
) -> ReviewItem:
    """A row whose sentences are given in both languages."""
    return ReviewItem(
        rule_id,
        level,
        outcome,
        dimension,
        cause,
        location,
        finding[0],
        facts[0],
        advice[0],
        basis,
        finding_en=finding[1],
        facts_en=facts[1],
        advice_en=advice[1],
        **kw,
    )
