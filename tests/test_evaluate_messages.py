"""evaluate/messages.py: an indicator's words compiled once per node (:class:`NodeWords`) equal
the words made the general way (:meth:`FindingTexts.words`, the catalogue templates filled by
``str.format``-equivalents, ``numbers.display`` un-memoised) for any outcome, value, unit,
places, threshold, weight, title and template — byte for byte."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.compile import Template
from perfscore.evaluate.messages import FindingTexts
from perfscore.evaluate.nodewords import NodeWords
from perfscore.evaluate.state import Failure, Outcome, SubjectRun
from perfscore.evaluate.texts import display_text, number_text, shower, standards
from perfscore.evaluate.texts import shown as specialised
from perfscore.explain import Explainer
from perfscore.numbers import display, json_number
from perfscore.subjects import Subject

RULES = """
perfscore: 1
id: words
title: 文字
version: 1
inputs:
  budget: {type: money, unit: 万元}
  spent: {type: money, unit: 万元}
metrics:
  rate: {expr: spent / budget, unit: "%", title: 预算执行率}
indicators:
  - id: execution
    title: 预算执行率
    weight: 30
    value: rate
    scorer: {type: threshold, op: ">=", target: 0.95}
"""

_RS = perfscore.load_ruleset_text(RULES)
_NODE = _RS.compiled.indicators[0]
_SUBJECT = Subject(id="d1", name="部门一")

DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.decimals(min_value=-2, max_value=3, places=28, allow_nan=False),
    st.sampled_from(
        [Decimal(x) for x in ("0", "-0", "1", "0.95", "0.005", "-0.005", "1E+3", "90.0", "1e-30")]
    ),
    st.builds(lambda x: x / 7, st.decimals(min_value=-100, max_value=100, places=2)),
    # exactly a half at some place (…5 × 10^-e): where half-up and other roundings differ
    st.builds(
        lambda k, e: Decimal(10 * k + 5).scaleb(-e), st.integers(-99, 99), st.integers(1, 16)
    ),
    # 10, 11, 12 decimals: where json_number starts rounding
    st.builds(
        lambda k, e: Decimal(k).scaleb(-e), st.integers(-(10**13), 10**13), st.integers(9, 13)
    ),
)
UNITS = st.sampled_from(["%", None, "", "万元", "件", "points"])
THRESHOLDS = st.one_of(
    st.none(),
    st.builds(
        lambda op, v: {"op": op, "value": v},
        st.sampled_from([">=", "<=", "==", ">", "<", "!=", "~"]),
        DECIMALS,
    ),
    st.sampled_from(
        [
            {"name": "[90, 95)", "range": "[90, 95)"},
            {"name": "otherwise"},
            {"name": "high"},
            {"op": ">=", "value": True},
        ]
    ),
)
TITLES = st.text(
    alphabet=st.sampled_from(list("预算执行率 %s%%{}}{:：abc\u2028\x85")), min_size=1, max_size=6
)
REASON = Failure("missing", "no data for 'spent'", "缺少数据：spent（spent）", ("spent",))
#: the words of an unscored outcome are kept per reason: a reason whose two texts are one (an
#: evaluation error's), the same as a scorer's note (``detail``, said when there is no reason)
SAME = Failure("error", "2 step(s) × 0.5", "2 step(s) × 0.5", ())


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, ...]:
    node = dataclasses.replace(
        _NODE,
        title=draw(TITLES),
        title_en=draw(st.one_of(st.none(), TITLES)),
        unit=draw(UNITS),
        weight=draw(st.one_of(st.none(), DECIMALS)),
        messages=draw(
            st.sampled_from(
                [
                    {},
                    {"fail": (Template("{title} 仅 {value}", frozenset({"title", "value"})), None)},
                ]
            )
        ),
    )
    # one node's findings for several subjects: its kept standard and the memos in between
    outcomes = draw(st.lists(outcomes_(), min_size=1, max_size=4))
    places = draw(st.integers(0, 12))
    return node, outcomes, places


def outcomes_() -> st.SearchStrategy[Outcome]:
    return st.builds(
        Outcome,
        st.sampled_from(["pass", "fail", "pass", "fail", "not_applicable", "error"]),
        points=st.one_of(st.none(), DECIMALS),
        grade=st.sampled_from([None, None, None, "A"]),
        value=st.one_of(st.none(), DECIMALS, st.sampled_from([True, "text", Decimal("NaN")])),
        threshold=THRESHOLDS,
        reason=st.sampled_from([None, None, REASON, SAME]),
        detail=st.sampled_from([None, "2 step(s) × 0.5"]),
    )


def _general(texts: FindingTexts, node: Any, o: Outcome, run: SubjectRun) -> dict[str, Any]:
    try:
        d = texts.words(node, o, run)
    except Exception as e:  # the same exception either way
        return {"raised": type(e)}
    d["fingerprint"] = texts.fingerprint(node.id, run)  # type: ignore[misc]
    return d


def _compiled(words: NodeWords, node: Any, o: Outcome, run: SubjectRun) -> dict[str, Any]:
    """The words a finding of ``node`` with outcome ``o`` gets from ``words`` (written into
    the finding's fields, as the evaluator builds them)."""
    f = SimpleNamespace(
        outcome=o.outcome, value=o.value, threshold=o.threshold, points=o.points, grade=o.grade
    )
    try:
        display, zh, en, reason, explanation, fp = words.fill(f, run, o.reason, o.detail)
        if explanation is True:  # the explanation left for when it is read
            explanation = words.explanation(f, run)
    except Exception as e:
        return {"raised": type(e)}
    d = {"display": display, "message": zh, "message_en": en, "reason": reason}
    d["explanation"] = explanation
    if fp is not None:
        d["fingerprint"] = fp
    return d


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    """The words, the explanation as what it would be built from (building it may fail on
    made-up outcomes; the same either way)."""
    e = d.get("explanation")
    return {**d, "explanation": None if e is None else e._build}


@settings(max_examples=600)
@given(case=cases())
def test_compiled_words_equal_the_general_words(case: tuple[Any, ...]) -> None:
    node, outcomes, places = case
    run = SubjectRun(_SUBJECT, {"budget": Decimal(100)}, {}, {})
    texts = FindingTexts(_RS.compiled.units, places, Explainer(_RS.compiled, places), _fp)
    words = NodeWords(node, places, texts.words, texts.explainer, texts.fingerprint)
    assert words.patterns is not None  # the catalogue's templates compile
    for o in outcomes:
        got, want = _compiled(words, node, o, run), _general(texts, node, o, run)
        assert _plain(got) == _plain(want)
        v = o.value
        if "display" in got and type(v) is Decimal and v.is_finite():  # not memoised
            assert got["display"] == display(v, node.unit, places)


def test_unscored_words_are_kept_per_reason() -> None:
    """Not applicable and error, with each reason (and a note without one) in turn, twice (the
    second time from what was kept): each as the general way says it."""
    run = SubjectRun(_SUBJECT, {"budget": Decimal(100)}, {}, {})
    texts = FindingTexts(_RS.compiled.units, 2, Explainer(_RS.compiled, 2), _fp)
    words = NodeWords(_NODE, 2, texts.words, texts.explainer, texts.fingerprint)
    said = [
        Outcome(outcome, reason=reason, detail=detail)
        for outcome in ("not_applicable", "error")
        for reason, detail in ((REASON, None), (SAME, None), (None, SAME.en), (None, None))
    ]
    for o in said + said[::-1]:
        got, want = _compiled(words, _NODE, o, run), _general(texts, _NODE, o, run)
        assert got == want


def _fp(rule_id: str, run: SubjectRun) -> str:
    return f"fp:{rule_id}:{run.subject.id}"


def test_the_catalogue_templates_compile_and_fill_the_common_case() -> None:
    """The path the evaluator takes for a scored finding: made once per node, no fallback."""
    texts = FindingTexts(_RS.compiled.units, 2, None, _fp)
    words = texts.node_words(_NODE)
    assert texts.node_words(_NODE) is words
    run = SubjectRun(_SUBJECT, {}, {}, {})
    th = {"op": ">=", "value": Decimal("0.95")}
    calls = []
    words.general = lambda *a: calls.append(a) or {}  # type: ignore[method-assign]
    d = _compiled(words, _NODE, Outcome("pass", Decimal("30"), None, Decimal("0.95"), th), run)
    assert calls == []
    assert d == {
        "display": "95%",
        "message": "预算执行率 95%（标准 ≥ 95%），达标，得 30/30 分",
        "message_en": "execution: 95% (standard ≥ 95%), met, 30/30 points",
        "reason": None,
        "explanation": None,
        "fingerprint": "fp:execution:d1",
    }


def test_a_threshold_of_true_is_not_the_standard_of_one() -> None:
    """``True == Decimal(1)``: the memoised standard tells them apart (是, not 100%)."""
    one = standards({"op": "==", "value": Decimal(1)}, "%")
    assert one == ("（标准 = 100%）", " (standard = 100%)")
    assert standards({"op": "==", "value": True}, "%") == ("（标准 = 是）", " (standard = 是)")


@st.composite
def shown(draw: st.DrawFn) -> tuple[Decimal, str | None, int]:
    """A value, a unit and places — often a value exactly half a unit of the last place shown
    (what half-up decides), or with just over 10 decimals (where json_number rounds)."""
    unit = draw(UNITS)
    places = draw(st.integers(0, 12))
    shift = places + (3 if unit == "%" else 1)  # …5 one place beyond what is shown
    x = draw(
        st.one_of(
            DECIMALS,
            st.builds(lambda k: Decimal(10 * k + 5).scaleb(-shift), st.integers(-999, 999)),
            st.builds(lambda k: Decimal(k).scaleb(-shift - 8), st.integers(-(10**12), 10**12)),
        )
    )
    return x, unit, places


def _outcome_of(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as e:
        return type(e)


@settings(max_examples=1000)
@given(case=shown())
def test_a_node_shows_a_value_as_display_does(case: tuple[Decimal, str | None, int]) -> None:
    """A node's shower, the specialised operations themselves (display_text's way where its
    memo misses) and display_text all say what display says."""
    x, unit, places = case
    expected = _outcome_of(display, x, unit, places)
    assert _outcome_of(shower(unit, places), x) == expected
    assert _outcome_of(specialised(unit, places), x) == expected
    assert _outcome_of(display_text, x, unit, places) == expected


@settings(max_examples=1000)
@given(x=st.one_of(DECIMALS, st.sampled_from([Decimal(v) for v in ("NaN", "-Infinity", "1E+3")])))
def test_number_text_is_json_number(x: Decimal) -> None:
    assert _outcome_of(number_text, x) == _outcome_of(json_number, x)


@settings(max_examples=500)
@given(
    parts=st.lists(st.sampled_from(["a", "%%", "%s", "，", "标准 ≥ 95%%", "s", "%%s", "{x}"])),
)
def test_a_format_cut_at_its_placeholders_fills_as_the_format(parts: list[str]) -> None:
    """nodewords._pieces: the literal text between a %-format's ``%s`` (``%%`` a ``%``), so
    that the pieces with the arguments between them are ``pattern % args``."""
    from perfscore.evaluate.nodewords import _pieces

    pattern = "".join(parts)
    args = tuple(f"<{i}>" for i in range(parts.count("%s")))
    pieces = _pieces(pattern)
    assert len(pieces) == len(args) + 1
    assert pieces[0] + "".join(a + p for a, p in zip(args, pieces[1:], strict=True)) == (
        pattern % args
    )
