"""Warnings where a leaf's rule says the opposite of its own title (rev14's slips, said by
:mod:`perfscore.lint`): a strict ``>`` where the title says ≥ (达到 / 不低于 95%), or the
reverse; a ``deduct`` that deducts on the side its title does not (每低 1 个百分点扣 with
``direction: above``); a planned figure scored against the actual one (``value:`` 计划单位成本,
``target:`` 实际单位成本).

Only a contradiction plain from the text is warned about: the title's bound must name the
very number the rule compares with (≥95% beside ``target: 0.95``), the title must speak of one
side only, and the planned and actual figures must be the same thing (单位成本 and 单位成本).
What a bureau may mean either way — ``missing: full`` on 满意度, a check's tolerance — is not
read here (docs/rule-language.md, "Slips warned across the rule set").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from . import model as m
from .compile import Compiled
from .errors import Problem
from .lintlogic import leaf_indicators, lint_warning
from .lintslips import Rates

__all__ = ["title_warnings"]

Path = tuple[str | int, ...]

_NUM = r"(\d+(?:\.\d+)?)\s*([%％])?"
#: a bound that includes its number (≥ 95%, 不低于 95%, 95% 及以上) ...
_AT_LEAST = re.compile(
    rf"(?:≥|>=|＞=|不低于|不少于|不小于|达到|至少)\s*{_NUM}|{_NUM}\s*(?:及以上|以上)"
)
_AT_MOST = re.compile(
    rf"(?:≤|<=|＜=|不高于|不超过|不大于|不多于|至多)\s*{_NUM}|{_NUM}\s*(?:及以下|以下|以内)"
)
#: ... and one that does not (> 95%, 高于 95%, 超过 95%)
_ABOVE = re.compile(rf"(?:(?<![≥<>=＜＞])[>＞](?!=)|高于|超过|大于|多于)\s*{_NUM}")
_BELOW = re.compile(rf"(?:(?<![≤<>=＜＞])[<＜](?!=)|低于|少于|小于|不足)\s*{_NUM}")
#: the op a title's bound asks for, by the op written: (bound found, op meant)
_MEANT = {">": (_AT_LEAST, ">="), ">=": (_ABOVE, ">"), "<": (_AT_MOST, "<="), "<=": (_BELOW, "<")}
#: words of a deduction per step short (每低 1 个百分点扣) and per step over (每超过 1 个百分点扣);
#: only a step's words (不足 1 个百分点按 1 个百分点计 says how a part step counts, not a side)
_SHORT = ("每低", "每少", "每下降", "每降低", "每减少", "每差")
_OVER = ("每高", "每超", "每多", "每增加", "每上升", "每增长")
#: a planned figure and the actual one, in a title (计划单位成本 / 实际单位成本)
_PLANNED = ("计划", "预算", "目标", "预期", "标准", "核定")
_ACTUAL = ("实际", "实有")


def title_warnings(c: Compiled) -> Iterator[Problem]:
    """Every warning of this module for ``c`` (:func:`perfscore.lint.ruleset_warnings` sorts)."""
    reader = Rates(c.model)
    for path, ind in leaf_indicators(c.model.indicators, ("indicators",)):  # (no scorer: no kind)
        scorer = ind.scorer
        kind = getattr(scorer, "type", None)
        if kind == "threshold":
            yield from _strict(c, path, ind)
        if kind == "deduct":
            yield from _deduct(c, path, ind)
        if kind in ("threshold", "proportional"):
            yield from _swapped(c, reader, path, ind)


def _numbers(pattern: re.Pattern[str], title: str) -> Iterator[tuple[str, Decimal]]:
    """Each bound of ``pattern`` in ``title``: the words as written and the number meant (95%
    as 0.95; 95 as 95)."""
    for match in pattern.finditer(title):
        groups = [g for g in match.groups()]
        digits = groups[0] if groups[0] is not None else groups[2]
        percent = groups[1] if groups[0] is not None else groups[3]
        try:
            n = Decimal(digits)
        except (InvalidOperation, TypeError):
            continue
        yield match.group(0), (n / 100 if percent else n)


def _strict(c: Compiled, path: Path, ind: m.IndicatorModel) -> Iterator[Problem]:
    """``op: ">"`` beside a title saying ≥ the target (or the reverse, and so for ``<``)."""
    op = getattr(ind.scorer, "op", None)
    target = getattr(ind.scorer, "target", None)
    if op not in _MEANT or not isinstance(target, Decimal):
        return
    pattern, want = _MEANT[op]
    other, _ = _MEANT[want]  # (a title saying both is no contradiction)
    said = [words for words, n in _numbers(pattern, ind.title) if n == target]
    if said and not any(n == target for _, n in _numbers(other, ind.title)):
        yield lint_warning(
            c,
            (*path, "scorer", "op"),
            "op_vs_title",
            title=ind.title,
            id=ind.id,
            said=said[0],
            op=op,
            want=want,
            target=str(target),
        )


def _deduct(c: Compiled, path: Path, ind: m.IndicatorModel) -> Iterator[Problem]:
    """A deduction on the side the title does not speak of (the title speaking of one)."""
    direction = getattr(ind.scorer, "direction", None)
    short = next((w for w in _SHORT if w in ind.title), None)
    over = next((w for w in _OVER if w in ind.title), None)
    if (short is None) == (over is None):
        return  # neither side, or both: nothing plain
    meant = "below" if short is not None else "above"
    if direction != meant:
        yield lint_warning(
            c,
            (*path, "scorer", "direction"),
            "deduct_vs_title",
            title=ind.title,
            id=ind.id,
            word=short or over,
            direction=str(direction),
            want=meant,
        )


def _swapped(c: Compiled, reader: Rates, path: Path, ind: m.IndicatorModel) -> Iterator[Problem]:
    """The planned figure as the value and the actual one as the target (计划单位成本 scored
    against 实际单位成本): the two names each a plain input or metric, the same thing."""
    target = getattr(ind.scorer, "target", None)
    if not isinstance(target, str) or ind.value is None:
        return
    value, target = ind.value.strip(), target.strip()
    if not (value.isidentifier() and target.isidentifier()):
        return
    planned, actual = reader.title(value), reader.title(target)
    rest_p = _without(planned, _PLANNED)
    rest_a = _without(actual, _ACTUAL)
    if rest_p is not None and rest_p and rest_p == rest_a:
        yield lint_warning(
            c,
            (*path, "value"),
            "value_target_swapped",
            title=ind.title,
            id=ind.id,
            value=value,
            value_title=planned,
            target=target,
            target_title=actual,
        )


def _without(title: str, words: tuple[str, ...]) -> str | None:
    """``title`` without its one word of ``words`` (None: it has none)."""
    found = [w for w in words if w in title]
    if len(found) != 1:
        return None
    return title.replace(found[0], "", 1).strip()
