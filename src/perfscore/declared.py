"""What a department claims for itself (自评): its own points per indicator, 自评得分, 等级.

A subject record may carry ``declared:`` beside ``values:``::

    declared:
      total: 92.5              # 自评得分
      grade: 优                # 自评等级: a grade label (优/良/中/差) or the rule set's grade id
      points:                  # the points the department gave itself, per indicator id
        execution: 9.94
        output_ge_1: 8
      weights:                 # optional: the weights printed on the department's form
        execution: 10
      targets:                 # optional: each indicator's 指标值 as printed (text)
        output_ge_1: "≥500人次"
        output_le_1: "≥120元/人"
      actuals:                 # optional: each indicator's 实际完成值 as printed (text)
        satisfaction_score: 无投诉
      names:                   # optional: each indicator's name as printed on the form
        output_le_1: 人均培训成本

The texts (``targets``, ``actuals``, ``names``) are kept as printed — ``≥95%，效益明显``,
``不高于 120 元`` — for the review's hand-review patterns (a cost indicator written ``≥``, a
target that cannot be assessed, "no complaints" given as satisfaction); a number is kept as its
text.

Nothing here is scored: the claims are read, checked for form, and kept for the review
(复核, :func:`perfscore.review`) to compare against the points perfscore recomputes.  A value
that cannot be read — ``points: {execution: 九分}``, a negative total, ``declared: 95`` — is a
*problem* naming the field (``declared.points.execution``); it never raises and never becomes
a zero.  A record without ``declared`` (or with an empty one) declared nothing, which the
review reports as "nothing declared", not as a claim of 0 points.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from .errors import did_you_mean
from .rawvalue import describe, describe_zh, is_blank_text, to_number
from .words import DECLARED, Bilingual, said

__all__ = ["Declared", "DeclaredProblem", "read_declared"]

_KEYS = ("total", "grade", "points", "weights", "targets", "actuals", "names")
_TEXTS = ("targets", "actuals", "names")
#: Points may carry the unit 分 (``"9.5分"``), as forms print them.
_POINT_UNIT = "分"
V = TypeVar("V")


@dataclass(frozen=True)
class DeclaredProblem:
    """A claim that could not be read: ``field`` is a dotted path (``declared.points.x``);
    ``message`` is its English text and carries its Chinese (a :class:`~perfscore.words.
    Bilingual`, ``in_language(message, "zh")``)."""

    field: str
    message: str
    level: str = "error"  # error: a value was refused; warning: a key was ignored


@dataclass(frozen=True)
class Declared:
    """The claims of one subject, exactly as declared (numbers as exact decimals)."""

    total: Decimal | None = None
    grade: str | None = None
    points: Mapping[str, Decimal] | None = None
    weights: Mapping[str, Decimal] | None = None
    problems: tuple[DeclaredProblem, ...] = ()
    #: per indicator id, as printed: 指标值, 实际完成值, the indicator's name on the form
    targets: Mapping[str, str] | None = None
    actuals: Mapping[str, str] | None = None
    names: Mapping[str, str] | None = None

    @property
    def empty(self) -> bool:
        """True when nothing was claimed (problems aside): no total, grade, points or weights."""
        return self.total is None and self.grade is None and not self.points and not self.weights


def _said(key: str, raw: object = None, /, **fields: object) -> Bilingual:
    """A problem with a claim in both languages (:data:`perfscore.words.DECLARED`)."""
    return said(DECLARED, key, what=describe(raw), raw=describe_zh(raw), **fields)


def _number(raw: object, where: str, problems: list[DeclaredProblem]) -> Decimal | None:
    if is_blank_text(raw):  # "", "-", "—", "/": a blank cell on the form claims nothing
        return None
    try:
        d = to_number(raw, _POINT_UNIT, percent=False)
    except ValueError as e:
        problems.append(DeclaredProblem(where, e.args[0]))  # Bilingual, from rawvalue
        return None
    if d < 0:
        problems.append(DeclaredProblem(where, _said("negative", value=d)))
        return None
    return d


def _by_indicator(
    raw: object,
    where: str,
    problems: list[DeclaredProblem],
    what: str,
    read: Callable[[object, str, list[DeclaredProblem]], V | None],
) -> dict[str, V] | None:
    """A mapping indicator id → value (``what`` per indicator id), each value ``read``; a blank
    value (a blank cell on the form) claims nothing for its indicator."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        kind = said(DECLARED, f"kind_{what}")
        problems.append(DeclaredProblem(where, _said("per_indicator", raw, kind=kind)))
        return None
    out: dict[str, V] = {}
    for key, value in raw.items():
        if isinstance(key, (bool, Mapping, list)) or key is None:
            problems.append(DeclaredProblem(where, _said("not_id", key=repr(key))))
            continue
        if value is None:
            continue
        got = read(value, f"{where}.{key}", problems)
        if got is not None:
            out[str(key)] = got
    return out


def _text(value: object, where: str, problems: list[DeclaredProblem]) -> str | None:
    """A text as printed on the form (a number printed there is its text); blank: nothing."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        problems.append(DeclaredProblem(where, _said("not_printed", value)))
        return None
    text = value if isinstance(value, str) else str(value)
    return None if is_blank_text(text) else text.strip()


def read_declared(raw: object) -> Declared:
    """Read a record's ``declared`` value; problems are returned, never raised."""
    if raw is None:
        return Declared()
    problems: list[DeclaredProblem] = []
    if not isinstance(raw, Mapping):
        problems.append(DeclaredProblem("declared", _said("not_claims", raw)))
        return Declared(problems=tuple(problems))
    for key in raw:
        if str(key) not in _KEYS:
            hint = did_you_mean(str(key), _KEYS)
            extra = said(DECLARED, "did_you_mean", hint=repr(hint)) if hint else ""
            message = _said("unknown_key", key=repr(str(key)), hint=extra)
            problems.append(DeclaredProblem(f"declared.{key}", message, "warning"))
    total = None
    if raw.get("total") is not None:
        total = _number(raw["total"], "declared.total", problems)
    grade = None
    g = raw.get("grade")
    if g is not None and not is_blank_text(g):
        if isinstance(g, str) and g.strip():
            grade = g.strip()
        else:
            problems.append(DeclaredProblem("declared.grade", _said("not_grade", g)))
    points = _by_indicator(raw.get("points"), "declared.points", problems, "points", _number)
    weights = _by_indicator(raw.get("weights"), "declared.weights", problems, "points", _number)
    texts = {k: _by_indicator(raw.get(k), f"declared.{k}", problems, "text", _text) for k in _TEXTS}
    return Declared(total, grade, points, weights, tuple(problems), **texts)
