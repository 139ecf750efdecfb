"""Evaluate, one check (equal / assert / explain_if) for one subject → its finding."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..compile import CheckNode
from ..errors import EvaluationError, MissingValueError, ZeroDenominatorError
from ..exact import exact_difference, exact_value, full, plain
from ..findings import Finding
from ..findings.results import FindingDraft
from ..numbers import is_cjk, json_number
from ..placeholders import explains
from ..words import EVAL, in_language
from ..words import said as said_words
from .messages import positional, render
from .state import EN, ZH, Failure, SubjectRun, blocking
from .texts import display_text

_new = object.__new__


class CheckWords:
    """What a check's findings share, made once per check: the names whose failure stops it,
    its English title, the reason it is not applicable where its condition does not hold, and
    the messages said so far that depend on nothing but the outcome (an assertion held or not,
    an explanation needed or given, a reason): kept, up to :data:`_KEPT`."""

    __slots__ = ("condition_false", "fielded", "reads", "said", "title_en")

    def __init__(self, node: CheckNode) -> None:
        self.reads = tuple(n for n in node.reads if n != node.require)
        self.title_en = node.title_en or node.id
        #: the rule set wrote its own message for some outcome: the fields it may say
        self.fielded = bool(node.messages)
        self.said: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.condition_false: Failure | None = None
        if node.when is not None:
            text = node.when.text
            self.condition_false = Failure(
                "not_applicable",
                EN["check_condition_false"].format(condition=text),
                ZH["check_condition_false"].format(condition=text),
                (),
            )

    def keep(self, key: tuple[Any, ...], said: tuple[str, str]) -> tuple[str, str]:
        if len(self.said) < _KEPT:
            self.said[key] = said
        return said


#: how many outcomes' messages one check keeps (the common ones come first)
_KEPT = 64
#: an ``equal`` check's messages, compiled once (str.format's fields in this order)
_OK, _FAIL = ("title", "left", "right"), ("title", "left", "right", "difference", "tolerance")
_EQUAL_OK_ZH, _EQUAL_OK_EN = positional(ZH["equal_ok"], _OK), positional(EN["equal_ok"], _OK)
_EQUAL_FAIL_ZH = positional(ZH["equal_fail"], _FAIL)
_EQUAL_FAIL_EN = positional(EN["equal_fail"], _FAIL)
_EQUAL_NEAR_ZH = positional(ZH["equal_near"], _FAIL)
_EQUAL_NEAR_EN = positional(EN["equal_near"], _FAIL)


def check(
    node: CheckNode,
    run: SubjectRun,
    fingerprint: str,
    titles: Mapping[str, str],
    units: Mapping[str, str | None],
    places: int,
    words: CheckWords | None = None,
) -> Finding:
    """A check's finding for one subject (``words``: the check's :class:`CheckWords`, made
    here when not given)."""
    k = words if words is not None else CheckWords(node)
    scope, failures, subject = run.scope, run.failures, run.subject
    title_en = k.title_en
    said = k.said
    value: Any = None
    threshold: dict[str, Any] | None = None
    #: what the rule set's own message template may say (only when it wrote one)
    fields: dict[str, str] | None = (
        {"title": node.title, "subject": subject.name or subject.id} if k.fielded else None
    )
    reason: Failure | None = None
    outcome = "pass"
    zh = en = ""
    f = blocking(k.reads, failures, node.missing_aware)
    if node.require and node.require in failures and failures[node.require].kind == "error":
        f = failures[node.require]
    try:
        if f is not None:
            reason = f
            outcome = "error" if f.kind == "error" else "not_applicable"
        elif node.type != "explain_if" and node.when is not None and not node.when(scope):
            outcome = "not_applicable"
            reason = k.condition_false
        elif node.type == "equal":
            assert node.left is not None and node.right is not None
            left, right = node.left(scope), node.right(scope)
            if left is None or right is None:  # year(s, y) without a figure: 不适用
                raise MissingValueError(said_words(EVAL, "a_value_missing"))
            value = left
            if isinstance(left, Decimal) and isinstance(right, Decimal):
                if full(left) or full(right):  # a rounded side: the exact values decide
                    gap = exact_value(node.left.exact(scope)) - exact_value(node.right.exact(scope))
                else:
                    gap = exact_difference(left, right)
                # copy_abs: abs() would round the exact gap in the thread's 28-digit context
                # (0.01 + 2e-30 became 0.01, within a tolerance of 0.01)
                size = gap.copy_abs() if isinstance(gap, Decimal) else abs(gap)
                ok = size <= node.tolerance
            else:
                ok = left == right
                size = None
            outcome = "pass" if ok else "fail"
            threshold = {"op": "==", "value": right, "tolerance": node.tolerance}
            # sides exactly equal: "=" at the rule set's places; else as many decimals as
            # tell them apart (within the tolerance: "≈", beyond it "≠")
            same = size is None or not size
            shown = places if same else _apart(left, right, size, node, places, ok)
            text = _exact_text if shown is None else (lambda x, u: display_text(x, u, shown))
            lt, rt = text(left, node.unit), text(right, node.unit)
            tolerance = text(node.tolerance, node.unit)
            difference = "—" if size is None else text(plain(size), node.unit)
            if fields is not None:
                fields.update(left=lt, right=rt, difference=difference, tolerance=tolerance)
            if ok and same:
                zh = _EQUAL_OK_ZH(node.title, lt, rt)
                en = _EQUAL_OK_EN(title_en, lt, rt)
            elif ok:
                zh = _EQUAL_NEAR_ZH(node.title, lt, rt, difference, tolerance)
                en = _EQUAL_NEAR_EN(title_en, lt, rt, difference, tolerance)
            else:
                zh = _EQUAL_FAIL_ZH(node.title, lt, rt, difference, tolerance)
                en = _EQUAL_FAIL_EN(title_en, lt, rt, difference, tolerance)
        elif node.type == "assert":
            assert node.expr is not None
            ok = bool(node.expr(scope))
            outcome = "pass" if ok else "fail"
            got = said.get(("assert", ok))
            if got is None:
                key = "assert_ok" if ok else "assert_fail"
                got = k.keep(("assert", ok), (
                    ZH[key].format(title=node.title, expr=node.expr.text),
                    EN[key].format(title=title_en, expr=node.expr.text),
                ))  # fmt: skip
            zh, en = got
        else:
            assert node.when is not None and node.require is not None
            triggered = bool(node.when(scope))
            given = scope.get(node.require)
            explained = explains(given)
            branch = "not_needed" if not triggered else "explained" if explained else "missing"
            got = said.get(("explain", branch))
            if got is None:
                rtitle = titles.get(node.require, node.require)
                if branch == "not_needed":
                    got = (
                        ZH["explain_not_needed"].format(title=node.title),
                        EN["explain_not_needed"].format(title=title_en),
                    )
                elif branch == "explained":
                    got = (
                        ZH["explained"].format(title=node.title, field_title=rtitle),
                        EN["explained"].format(title=title_en, field=node.require),
                    )
                else:
                    texts = {"condition": node.when.text, "field": node.require}
                    got = (
                        ZH["not_explained"].format(title=node.title, field_title=rtitle, **texts),
                        EN["not_explained"].format(title=title_en, **texts),
                    )
                got = k.keep(("explain", branch), got)
            zh, en = got
            if branch == "missing":
                outcome = "fail"
                reason = None
                if fields is not None:
                    fields["reason"] = EN["explanation_missing"].format(field=node.require)
    except ZeroDenominatorError:
        outcome, reason = (
            "not_applicable",
            Failure("not_applicable", EN["division_by_zero"], ZH["division_by_zero"], ()),
        )
    except MissingValueError as e:  # a missing value computed with: 不适用, as a blank read
        outcome = "not_applicable"
        reason = Failure("missing", e.message, in_language(e.message, "zh"), ())
    except EvaluationError as e:
        outcome, reason = (
            "error",
            Failure(
                "error",
                e.message,
                ZH["cannot_check"].format(problem=in_language(e.message, "zh")),
                (),
            ),
        )
    if outcome == "error" or outcome == "not_applicable":
        assert reason is not None
        why = (outcome, reason.zh, reason.en)
        got = said.get(why)
        if got is None:
            key = "check_error" if outcome == "error" else "check_na"
            got = k.keep(why, (
                ZH[key].format(title=node.title, reason=reason.zh),
                EN[key].format(title=title_en, reason=reason.en),
            ))  # fmt: skip
        zh, en = got
        if fields is not None:
            fields["reason"] = reason.zh
    if fields is not None:
        fields.setdefault("reason", "")
        for name in ("left", "right", "difference", "tolerance"):
            fields.setdefault(name, "—")
        templates = node.messages.get(outcome)
        if templates is not None:
            zh, en = render(templates, fields, scope, units, places, zh, en)
    made: Any = _new(FindingDraft)  # (a Finding built by plain stores, then frozen)
    made.rule_id = node.id
    made.subject = subject
    made.outcome = outcome
    made.severity = node.severity if outcome == "fail" else "none"
    made._message = zh
    made._message_en = en
    made.value = value
    made.unit = node.unit
    made._display = None if value is None else display_text(value, node.unit, places)
    made.threshold = threshold
    made.points = made.weight = made.grade = None
    if reason is not None:
        made._reason = reason.en
        made.fields = reason.fields
    else:
        made._reason = None
        made.fields = ()
    made._fingerprint = fingerprint
    made.location = node.location
    made.kind = "check"
    made.waiver = made.review = made._explanation = None
    made.data_locations = ()
    made._lazy = made._run = made._why = made._detail = None
    made.__class__ = Finding
    return made  # type: ignore[no-any-return]


#: the most decimals a shown number has (:func:`~perfscore.numbers.json_number`)
_MOST_PLACES = 10


def _apart(
    left: Decimal, right: Decimal, size: Any, node: CheckNode, places: int, ok: bool = False
) -> int | None:
    """The fewest decimals (from the rule set's ``places``) at which an equality whose sides
    differ shows how: its two sides differ, its tolerance is shown exactly and its difference
    is shown above it (a failure) or above 0 (a pass within the tolerance, ``ok``); ``None``
    when even 10 decimals do not (then every figure is shown exactly).  A pass prefers the
    fewest decimals that show its sides and difference exactly too (up to 10).  At
    ``places`` alone 88.770000000000001 % against 88.77 % read "88.77% ≠ 88.77%（相差 0%，
    容差 0%）", a tolerance of 0.005 万元 "0.01万元", and 100.005 万元 against 100 万元 within
    0.01 "100.01万元 = 100万元"."""
    unit, tol = node.unit, node.tolerance
    exact_tol = _exact_text(tol, unit)
    #: a pass: every figure exact from this many decimals (None: more than 10)
    exact = _exactly(left, right, size, unit) if ok else None
    first = None
    for p in range(places, max(places, _MOST_PLACES) + 1):
        tolerance = display_text(tol, unit, p)
        if tolerance != exact_tol:
            continue
        if display_text(left, unit, p) == display_text(right, unit, p):
            continue
        # rounding keeps order: a pass's difference shows at most its tolerance, a failure's
        # at least; what is left to rule out is its bound itself (0 for a pass)
        bound = display_text(_ZERO, unit, p) if ok else tolerance
        if display_text(plain(size), unit, p) != bound:
            if exact is None or p >= exact:
                return p
            if first is None:
                first = p
    return first


def _exactly(left: Decimal, right: Decimal, size: Any, unit: str | None) -> int | None:
    """The decimals ``left``, ``right`` and their difference ``size`` need to be shown
    exactly in ``unit``'s way, if at most 10."""
    need = 0
    for x in (left, right, plain(size)):
        _, digits, exponent = x.as_tuple()
        if not isinstance(exponent, int):
            return None
        zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        need = max(need, -(exponent + zeros) - (2 if unit == "%" else 0))
    return need if need <= _MOST_PLACES else None


_ZERO = Decimal(0)


def _exact_text(x: Decimal, unit: str | None) -> str:
    """``x`` with every digit it has, in ``unit``'s way (a ratio in % × 100)."""
    y = x.scaleb(2) if unit == "%" else x
    text = json_number(y, max(0, -int(y.as_tuple().exponent)))
    if unit == "%":
        return f"{text}%"
    if not unit:
        return text
    return f"{text}{unit}" if is_cjk(unit) else f"{text} {unit}"
