"""What every scorer module shares: the result type, the build context, the kind descriptor and
the small helpers (numbers checked, targets read, weights required).

A scorer module declares, in one place, a :class:`ScorerType` — its YAML ``type:`` name, its
configuration model (a :class:`ScorerConfig`), and its build step — and the runtime scorer the
build step returns.  The runtime scorer has the per-record form (``score``) that decides every
result, and optionally a fast points form (``points_form``) and a column form (``column_form``)
that the points-only and columnar executors call; both must give exactly what ``score`` gives
(then rounded) or refuse the record with :class:`Fallback`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

import pydantic
from pydantic import Field

from ..errors import EvaluationError, MissingValueError
from ..modelbase import StrictModel
from ..numbers import exact_text, is_cjk
from ..values import Series
from ..words import EVAL, EXPLAIN, LANGS, SCORE, said

if TYPE_CHECKING:
    from ..letters import LetterScale

__all__ = [
    "ONE",
    "ZERO",
    "BaseScorer",
    "Blank",
    "BuildContext",
    "Explaining",
    "Fallback",
    "PointsForm",
    "Scored",
    "Scorer",
    "ScorerConfig",
    "ScorerFactory",
    "ScorerType",
    "Target",
    "Working",
    "check_letter",
    "kind_of",
    "need_weight",
    "number",
    "plain_value",
    "scored",
    "weight_of",
    "within_weight",
]

ZERO = Decimal(0)
ONE = Decimal(1)


class Fallback(Exception):
    """A fast form met something only the per-record form decides (a missing or non-finite
    value, an error): the executor scores that record with ``score`` instead."""


class Blank(Fallback):
    """``score`` met blanks in what it reads only when present (``optional_expressions``)
    where it cannot score around them: the indicator follows its ``missing`` policy, with the
    blank fields as the reason (a checklist with every item blank)."""


@dataclass(frozen=True)
class Scored:
    """What a scorer says: points or a letter, plus the threshold that decided it."""

    points: Decimal | None = None
    grade: str | None = None
    met: bool | None = None
    threshold: Mapping[str, Any] | None = None
    detail: str | None = None
    #: how far ``points`` may be from the exact value's points (None: only the few roundings
    #: of a product or quotient; see :func:`perfscore.numbers.round_places`)
    slack: Decimal | None = None
    #: where only part of the weight was scored from data (``covered``): the points earned on
    #: data and the points that stood on data, exactly (the standing's 实得 and 可评; a
    #: checklist with blank items: its answered items' points met, and theirs)
    on_data: tuple[Decimal, Decimal] | None = None


_new = object.__new__
_setattr = object.__setattr__


def scored(
    points: Decimal | None = None,
    grade: str | None = None,
    met: bool | None = None,
    threshold: Mapping[str, Any] | None = None,
    detail: str | None = None,
    slack: Decimal | None = None,
) -> Scored:
    """``Scored(...)`` without the frozen dataclass's per-field ``object.__setattr__`` (the
    built-in scorers make one per indicator per subject): the same class and attributes."""
    s = _new(Scored)
    _setattr(
        s,
        "__dict__",
        {
            "points": points,
            "grade": grade,
            "met": met,
            "threshold": threshold,
            "detail": detail,
            "slack": slack,
        },
    )
    return s


#: A fast points form: ``scope -> points rounded to the rule set's places``; raises
#: :class:`Fallback` (or any error) for a record the per-record form must decide.
PointsForm = Callable[[Mapping[str, Any]], Decimal]
#: A fast outcome form: ``scope -> (value, points, met, threshold, detail)`` — what ``score``
#: of the value read gives, its points rounded to the rule set's places (``met`` None: the
#: evaluator decides pass or fail from the points); raises as a :data:`PointsForm` does.
OutcomeForm = Callable[[Mapping[str, Any]], tuple[Any, Decimal, bool | None, Any, str | None]]


class Scorer(Protocol):
    """Turns a value into points within [0, weight] (or into a letter of the rule set's scale).

    That is all a plugin scorer must provide; :class:`BaseScorer` adds the optional forms."""

    @property
    def yields(self) -> str:
        """ "points" or "grade"."""

    @property
    def expressions(self) -> tuple[Any, ...]:
        """Compiled expressions the scorer reads (for dependency tracking)."""

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored: ...


class BaseScorer:
    """Defaults of the optional parts of a scorer; the built-in scorers derive from it.

    * ``optional_expressions`` — expressions read when present (a missing one is no error);
    * ``points_form(get, weight, places)`` — the fast points form, or None (then the
      points-only executor scores with ``score``); ``get(scope)`` reads the indicator's value
      (None: the indicator has no ``value``);
    * ``outcome_form(get, weight, places)`` — the same with what a finding shows besides the
      points (:data:`OutcomeForm`), or None (then the evaluator scores with ``score``);
    * ``column_form(weight, places, build)`` — the numpy form for :mod:`perfscore.columnar`
      (``build.form(run)``, see :class:`perfscore.columnar.plan.ColumnBuild`), or None; it
      raises ``build.no(reason, …)`` for a configuration it does not mirror;
    * ``boundaries()`` — values worth testing (targets, band edges): the property-testing kit;
    * ``texts()`` — text values the scorer reads as choices (tier names);
    * ``branches()`` — the named outcomes a rule-set test should cover (band ranges, tiers);
    * ``monotone(weight)`` — ``increasing`` / ``decreasing`` when more value never gives
      fewer (more) points, else None;
    * ``covered(scope)`` — the share of the weight a pass or fail stood on data, where the
      scorer itself scored around blanks (a checklist with blank items: the answered items'
      share); None: all of it.
    """

    @property
    def optional_expressions(self) -> tuple[Any, ...]:
        return ()

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        return None

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        return None

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        return None

    def boundaries(self) -> Iterable[Decimal]:
        return ()

    def texts(self) -> Iterable[str]:
        return ()

    def branches(self) -> list[str] | None:
        return None

    def monotone(self, weight: Decimal | None) -> str | None:
        return None

    def covered(self, scope: Mapping[str, Any]) -> Any:
        return None

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        """The arithmetic behind ``score(value, scope, weight)`` — the standard applied, the
        steps with the numbers the scorer used, one sentence per language — or None (the
        finding then says only its result).  Called only when a finding's explanation is
        read, never on the scoring paths."""
        return None


_ZH, _EN = EXPLAIN["zh"], EXPLAIN["en"]

#: A word that differs by language: ``("中文", "English")``; plain text is the same in both.
Words = str | tuple[str, str]


@dataclass(frozen=True)
class Working:
    """A scorer's arithmetic for one record: the standard it applied (structured), its steps
    (``{"step": id, "value": number, ...}`` in order) and the same as one sentence per
    language (:data:`perfscore.words.EXPLAIN`)."""

    standard: Mapping[str, Any] | None
    steps: tuple[Mapping[str, Any], ...]
    zh: str
    en: str


class Explaining:
    """What a scorer's ``explain`` may use: the indicator's weight, unit, decimal places and the
    finding's points (rounded) or grade; exact number text; the rule's expressions written out
    with the subject's values (``expr``); and the explanation words in both languages."""

    def __init__(
        self,
        *,
        weight: Decimal | None,
        unit: str | None,
        places: int,
        points: Decimal | None,
        grade: str | None,
        render: Callable[[Any], tuple[str, str]],
    ) -> None:
        self.weight = weight
        self.unit = unit
        self.places = places
        self.points = points
        self.grade = grade
        self._render = render

    @staticmethod
    def n(x: Decimal) -> str:
        """A bare number, exactly (or "≈" with 10 decimals for a long quotient)."""
        return exact_text(x)

    def q(self, x: Any, unit: str | bool | None = True) -> str:
        """A quantity in the indicator's unit (``unit=False``: none; a text: that unit):
        87.35%, 873.5万元, 12 项."""
        u = self.unit if unit is True else (None if unit is False else unit)
        if not isinstance(x, Decimal):
            return str(x)
        if u == "%":
            return f"{exact_text(x * 100)}%"
        text = exact_text(x)
        if not u:
            return text
        return f"{text}{u}" if is_cjk(u) else f"{text} {u}"

    def gap(self, x: Decimal) -> Words:
        """A difference of two values in the indicator's unit: percentage points for %."""
        if self.unit == "%":
            key = "percentage_point" if x * 100 == 1 else "percentage_points"
            zh, en = (EXPLAIN[lang][key].format(x=exact_text(x * 100)) for lang in LANGS)
            return zh, en
        return self.q(x)

    def expr(self, compiled: Any) -> tuple[str, str]:
        """An expression of the rule set written out with the subject's values (zh, en)."""
        return self._render(compiled)

    def say(self, key: str, **fields: Words) -> tuple[str, str]:
        """``EXPLAIN[key]`` in both languages, each field in that language."""
        zh: dict[str, str] = {}
        en: dict[str, str] = {}
        for k, v in fields.items():
            if type(v) is tuple:
                zh[k], en[k] = v
            else:
                zh[k] = en[k] = v  # type: ignore[assignment]
        return _ZH[key].format_map(zh), _EN[key].format_map(en)

    def result(self) -> tuple[str, str]:
        """What the finding got: ``得 6.18 / 10 分`` or ``评级 B``."""
        if self.grade is not None:
            return self.say("result_grade", grade=self.grade)
        w = self.weight if self.weight is not None else Decimal(0)
        return self.say("result", points=self.n(self.points or Decimal(0)), weight=self.n(w))

    def working(
        self,
        key: str,
        standard: Mapping[str, Any] | None,
        steps: Iterable[Mapping[str, Any]],
        **fields: Words,
    ) -> Working:
        """The scorer's :class:`Working`: its sentence is ``EXPLAIN[key]`` with ``{result}``
        filled in, and a final ``points``/``grade`` step added."""
        final = (
            {"step": "grade", "value": self.grade}
            if self.grade is not None
            else {"step": "points", "value": self.points}
        )
        zh, en = self.say(key, result=self.result(), **fields)
        return Working(standard, (*steps, final), zh, en)


@dataclass
class BuildContext:
    """What a scorer's build step may use while the rule set compiles."""

    compile: Callable[[str, tuple[str | int, ...]], Any]
    problem: Callable[[tuple[str | int, ...], str], None]
    path: tuple[str | int, ...]
    weight: Decimal | None
    letters: LetterScale | None
    #: the indicator's missing-data policy and what its not applicable weight does (a
    #: checklist decides its blank items by them)
    missing: str = "not_applicable"
    not_applicable_weight: str = "redistribute"


ScorerFactory = Callable[[Any, BuildContext], Scorer]


class ScorerConfig(StrictModel):
    """What every scorer's YAML may say besides its own keys."""

    pass_at: Decimal | None = Field(
        None, description="fraction of the weight at or above which the outcome is pass (1)"
    )
    type: str


@dataclass(frozen=True)
class ScorerType:
    """A scorer kind: ``type: <name>`` in YAML, its config model, and its build step.

    ``needs_value``: the indicator must have a ``value`` expression; ``weight_optional``: the
    scorer may give a letter, so an indicator without a weight is not refused up front."""

    name: str
    config: type[pydantic.BaseModel]
    build: Callable[[Any, BuildContext], Scorer]
    doc: str = ""
    needs_value: bool = False
    weight_optional: bool = False


def number(value: Any, what: str = "value") -> Decimal:
    """``value`` as a finite Decimal, or an :class:`EvaluationError` saying what it was
    (``what``: value, target, ratio or formula — its words are in :data:`words.SCORE`).

    On the exact path (:mod:`perfscore.exact`) a number is an exact rational: it is returned
    as it is."""
    if type(value) is Decimal and value.is_finite():  # the common case, decided at once
        return value
    if isinstance(value, bool) or not isinstance(value, Decimal):
        if isinstance(value, Fraction):
            return value  # type: ignore[return-value]
        if value is None:  # (year(s, y) of a year without a figure): the missing policy
            raise MissingValueError(said(EVAL, "a_value_missing"))
        raise EvaluationError(said(SCORE, "not_number", what=_what(what), kind=kind_of(value)))
    if not value.is_finite():
        raise EvaluationError(said(SCORE, "not_finite", what=_what(what)))
    return value


def _what(what: str) -> str:
    """The words for ``what`` a number should be (for a message only)."""
    return said(SCORE, f"what_{what}") if f"what_{what}" in SCORE["en"] else what


def kind_of(value: Any) -> str:
    """What a value is, in words (both languages), for a message."""
    if value is None:
        return said(SCORE, "kind_missing")
    if isinstance(value, bool):
        return said(SCORE, "kind_boolean")
    if isinstance(value, str):
        return said(SCORE, "kind_text", text=repr(value))
    if isinstance(value, Series):
        return said(SCORE, "kind_series")
    return type(value).__name__


class Target:
    """A number, or an expression evaluated per subject (a target read from the data)."""

    def __init__(self, raw: Decimal | str, ctx: BuildContext, key: str) -> None:
        self.const: Decimal | None = raw if isinstance(raw, Decimal) else None
        self.expr = None if isinstance(raw, Decimal) else ctx.compile(raw, (*ctx.path, key))

    def __call__(self, scope: Mapping[str, Any]) -> Decimal:
        if self.const is not None:
            return self.const
        assert self.expr is not None
        return number(self.expr(scope), "target")

    @property
    def expressions(self) -> tuple[Any, ...]:
        return () if self.expr is None else (self.expr,)


def weight_of(weight: Decimal | None) -> Decimal:
    """The indicator's weight, which a points scorer cannot do without."""
    if weight is None:
        raise EvaluationError(said(SCORE, "no_weight"))
    return weight


def need_weight(ctx: BuildContext) -> None:
    """Build step: a points scorer's indicator must have a weight."""
    if ctx.weight is None:
        ctx.problem(
            (*ctx.path[:-1], "weight"), "a points scorer needs the indicator to have a weight"
        )


def within_weight(points: Decimal | None, ctx: BuildContext, path: tuple[str | int, ...]) -> None:
    """Build step: fixed points (at ``path``) must lie in [0, weight]."""
    if points is not None and ctx.weight is not None and not ZERO <= points <= ctx.weight:
        ctx.problem(path, f"{points} points is outside [0, weight {ctx.weight}]")


def check_letter(letter: str, ctx: BuildContext, path: tuple[str | int, ...]) -> None:
    """Build step: a letter must belong to the rule set's scale."""
    if ctx.letters is None:
        ctx.problem(path, "grades need a 'letters' scale at the top of the rule set")
    elif not ctx.letters.is_grade(letter):
        ctx.problem(path, f"{letter!r} is not a grade of the scale {ctx.letters.describe()}")


def plain_value(x: Any) -> bool:
    """True for a finite Decimal (what the fast forms score; anything else falls back)."""
    return type(x) is Decimal and x.is_finite()
