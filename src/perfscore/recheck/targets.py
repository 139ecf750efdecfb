"""Read an indicator's printed 指标值 / 实际完成值 the way a reviewer does (复核 by hand).

Three patterns reviewers flag on a 自评表 need the printed texts, not the figures:

* a **cost indicator written "≥"** where "≤" is meant (成本/费用/单价/支出 with a target
  ``≥120元/人``, ``不低于 120 元``);
* a **target that cannot be assessed**: a clause with a vague word and no number
  (``≥95%，效益明显``, ``效果显著``), or a target with no measurable value at all;
* **"no complaints = satisfied"**: a 满意度 indicator evidenced by ``无投诉`` /
  ``未收到投诉`` instead of a measured rate.

The word lists are the review rule set's ``review_*_words`` inputs (``|``-separated), so a
bureau changes them by overlay.  Texts are compared after NFKC folding (full-width ``＞＝``,
``％`` and digits become ASCII) with ``≧ ⩾ =>`` read as ``≥`` and ``≦ ⩽ =<`` as ``≤``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Direction", "TargetWords", "Verdicts", "direction", "fold", "judge"]

Direction = str  # ">=", "<=", ">", "<", "="

#: Comparators as printed, longest first within each reading (不低于 before 低于).
_PREFIX: tuple[tuple[str, Direction], ...] = (
    ("大于或等于", ">="),
    ("大于等于", ">="),
    ("不得低于", ">="),
    ("不低于", ">="),
    ("不少于", ">="),
    ("不小于", ">="),
    ("至少", ">="),
    ("小于或等于", "<="),
    ("小于等于", "<="),
    ("不得高于", "<="),
    ("不得超过", "<="),
    ("不高于", "<="),
    ("不超过", "<="),
    ("不多于", "<="),
    ("不大于", "<="),
    ("控制在", "<="),
    ("最多", "<="),
    (">=", ">="),
    ("<=", "<="),
    ("≥", ">="),
    ("≤", "<="),
    ("大于", ">"),
    ("高于", ">"),
    ("超过", ">"),
    ("多于", ">"),
    ("小于", "<"),
    ("低于", "<"),
    ("少于", "<"),
    (">", ">"),
    ("<", "<"),
    ("=", "="),
    ("等于", "="),
)
_SUFFIX: tuple[tuple[str, Direction], ...] = (
    ("及以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
)
_SYMBOLS = str.maketrans({"≧": "≥", "⩾": "≥", "≦": "≤", "⩽": "≤"})
_NUMBER = re.compile(r"[0-9]|百分之[零〇一二两三四五六七八九十百]")
_CLAUSES = re.compile(r"[,;。，；、\n]+")


def fold(text: str) -> str:
    """NFKC, one spelling per comparator (``＞＝`` → ``>=``, ``≧`` → ``≥``, ``=>`` → ``>=``),
    no spaces."""
    t = unicodedata.normalize("NFKC", text).translate(_SYMBOLS)
    t = "".join(t.split())
    return t.replace("=>", ">=").replace("=<", "<=")


def direction(text: str) -> Direction | None:
    """The comparison a target states (``≥95%`` → ``>=``, ``120元以内`` → ``<=``), or None."""
    t = fold(text)
    for clause in _CLAUSES.split(t):
        if not _NUMBER.search(clause):
            continue
        for word, d in _PREFIX:
            at = clause.find(word)
            if at != -1 and _NUMBER.search(clause, at):
                return d
        for word, d in _SUFFIX:
            at = clause.find(word)
            if at > 0 and _NUMBER.search(clause[:at]):
                return d
    return None


def _words(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, str):
        return ()
    return tuple(w for w in (fold(x) for x in raw.split("|")) if w)


@dataclass(frozen=True)
class TargetWords:
    """The word lists of the three patterns (from the review rule set's inputs)."""

    cost: tuple[str, ...] = ("成本", "费用", "单价", "支出", "造价", "价格")
    vague: tuple[str, ...] = (
        "明显", "显著", "有所", "较好", "良好", "逐步", "稳步", "进一步", "大幅", "不断",
        "持续", "积极", "有效", "较大", "一定",
    )  # fmt: skip
    qualitative: tuple[str, ...] = (
        "是", "否", "合格", "达标", "完成", "按时", "及时", "通过", "全部", "全覆盖",
        "无", "零", "优", "良", "中", "差",
    )  # fmt: skip
    satisfaction: tuple[str, ...] = ("满意",)
    complaint: tuple[str, ...] = ("投诉", "信访", "举报", "差评", "不满")

    @classmethod
    def of(cls, defaults: Mapping[str, object]) -> TargetWords:
        """From ``review_cost_words`` ... ``review_complaint_words`` (absent: the built-ins)."""
        base = cls()
        return cls(
            *(
                _words(defaults[f"review_{name}_words"])
                if isinstance(defaults.get(f"review_{name}_words"), str)
                else getattr(base, name)
                for name in ("cost", "vague", "qualitative", "satisfaction", "complaint")
            )
        )


def _has(text: str, words: Sequence[str]) -> str | None:
    return next((w for w in words if w in text), None)


def unassessable(target: str, words: TargetWords) -> str | None:
    """Why ``target`` cannot be assessed (the vague words, or "no measurable value"), else
    None."""
    t = fold(target)
    if not t:
        return None
    vague = [
        w
        for clause in _CLAUSES.split(t)
        if clause and not _NUMBER.search(clause)
        for w in (_has(clause, words.vague),)
        if w is not None
    ]
    if vague:
        return "、".join(dict.fromkeys(vague))
    if not _NUMBER.search(t) and _has(t, words.qualitative) is None:
        return ""  # nothing measurable at all
    return None


def complaints_only(actual: str, words: TargetWords) -> str | None:
    """The complaint word when ``actual`` gives "no complaints" and no measured value."""
    t = fold(actual)
    hit = _has(t, words.complaint)
    if hit is None or _NUMBER.search(t):
        return None
    return hit


@dataclass(frozen=True)
class Verdicts:
    """Indicators matching each pattern, as (indicator id, name, printed text, detail)."""

    cost_ge: tuple[tuple[str, str, str, str], ...] = ()
    unassessable: tuple[tuple[str, str, str, str], ...] = ()
    complaints: tuple[tuple[str, str, str, str], ...] = ()


def judge(
    targets: Mapping[str, str],
    actuals: Mapping[str, str],
    names: Mapping[str, str],
    words: TargetWords,
) -> Verdicts:
    """The three patterns over one subject's printed texts (``names``: each indicator's name as
    the reviewer reads it — the form's, else the rule set's title)."""
    cost: list[tuple[str, str, str, str]] = []
    vague: list[tuple[str, str, str, str]] = []
    complaints: list[tuple[str, str, str, str]] = []
    for rid in sorted(set(targets) | set(actuals)):
        name = names.get(rid, rid)
        folded_name = fold(name)
        target = targets.get(rid)
        if target is not None:
            d = direction(target)
            hit = _has(folded_name, words.cost)
            if hit is not None and d in (">=", ">"):
                cost.append((rid, name, target, hit))
            why = unassessable(target, words)
            if why is not None:
                vague.append((rid, name, target, why))
        if _has(folded_name, words.satisfaction) is None:
            continue
        for text in (actuals.get(rid), target):
            if text is not None and (hit := complaints_only(text, words)) is not None:
                complaints.append((rid, name, text, hit))
                break
    return Verdicts(tuple(cost), tuple(vague), tuple(complaints))
