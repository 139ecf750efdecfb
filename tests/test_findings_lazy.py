"""A finding's words are made when first read (perfscore.findings.Finding, evaluate/messages.py):
``display``, ``message``, ``message_en``, ``explanation``, ``reason`` and ``fingerprint`` read
lazily must equal the same finding read eagerly — in any order, after other subjects were
scored, from another thread, after pickling, copying or ``dataclasses.replace`` — and equal what
the public constructor builds."""

from __future__ import annotations

import copy
import dataclasses
import gc
import pickle
import threading
import weakref
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate.messages import positional
from perfscore.findings import Finding, finding_record, results
from perfscore.numbers import display
from perfscore.testing import subjects

ROOT = Path(__file__).resolve().parents[1]
LAZY = ("display", "message", "message_en", "explanation", "fingerprint", "reason")

#: default messages, a rule set's own templates (reading a value, the points and a scope name),
#: bands, proportional, a `when`, a missing input and a zero denominator
RULES = """
perfscore: 1
id: lazy
title: 惰性文字
version: 1
inputs:
  budget: {type: money, unit: 万元, required: true}
  spent: {type: money, unit: 万元, required: true}
  adjust: {type: percent}
  done: {type: integer}
metrics:
  rate: {expr: spent / budget, unit: "%", title: 预算执行率}
indicators:
  - id: money
    title: 资金管理
    weight: 60
    children:
      - id: execution
        title: 预算执行率
        weight: 30
        value: rate
        scorer: {type: threshold, op: ">=", target: 0.95, points_otherwise: 10}
        messages:
          fail: {zh: "{title}仅{value}，得{points}分（预算 {budget}）", en: "{title} only {value}"}
      - id: adjustment
        title: 预算调整率
        weight: 30
        value: adjust
        scorer:
          type: bands
          bands:
            - {range: "= 0", points: 30}
            - {range: "(0, 0.1]", points: 20}
          otherwise: 0
  - id: output
    title: 产出
    weight: 40
    when: done > 0
    value: done
    scorer: {type: proportional, target: 20}
"""

VALUES = st.one_of(st.none(), st.sampled_from(["0", "95", "99.5", "100", "300万元", "abc", "5%"]))


def _records() -> st.SearchStrategy[list[dict[str, Any]]]:
    record = st.fixed_dictionaries(
        {
            "budget": VALUES,
            "spent": VALUES,
            "adjust": st.one_of(st.none(), st.sampled_from(["0", "5%", "8%", "30%", "x"])),
            "done": st.one_of(st.none(), st.sampled_from([0, 5, 20, 25])),
        }
    )
    return st.lists(record, min_size=1, max_size=4).map(
        lambda vs: [{"id": f"d{i}", "name": f"部门{i}", "values": v} for i, v in enumerate(vs)]
    )


def _eager(f: Finding) -> Finding:
    """The same finding built by the public constructor from every field read."""
    return Finding(**{x.name: getattr(f, x.name) for x in dataclasses.fields(Finding)})


def _words(f: Finding, order: tuple[str, ...] = LAZY) -> dict[str, Any]:
    out = {name: getattr(f, name) for name in order}
    e = out["explanation"]
    out["explanation"] = None if e is None else (e.zh, e.en, e.data)
    return out


def _unfilled(f: Finding) -> bool:
    # (what its private slot says, read as is: its property would make the words)
    return object.__getattribute__(f, "_explanation") is results.UNMADE


def _check_lazy_equals_eager(
    rs: perfscore.RuleSet, again: perfscore.RuleSet, records: list[dict[str, Any]]
) -> None:
    """``rs`` and ``again``: the same rule set loaded twice (nothing shared between them)."""
    # eagerly: each finding read as soon as its subject is scored
    eager = []
    for r in records:
        for f in rs.evaluate_subject(r).findings:
            eager.append(_words(f))
    # lazily: every subject scored first, then read — in reverse field order
    results = [again.evaluate_subject(r) for r in records]
    lazy = [f for res in results for f in res.findings]
    assert any(_unfilled(f) for f in lazy) or not any(f.kind == "indicator" for f in lazy)
    assert [_words(f, tuple(reversed(LAZY))) for f in lazy] == eager
    for f, words in zip(lazy, eager, strict=True):
        g = _eager(f)
        assert g == f
        assert finding_record(g) == finding_record(f)
        if f.value is not None and f.kind == "indicator":  # un-memoised numbers.display
            assert words["display"] == display(f.value, f.unit, rs.compiled.model.settings.places)
        assert not _unfilled(f)


@settings(max_examples=40)
@given(records=_records())
def test_lazy_words_equal_eager_words(records: list[dict[str, Any]]) -> None:
    _check_lazy_equals_eager(
        perfscore.load_ruleset_text(RULES), perfscore.load_ruleset_text(RULES), records
    )


@pytest.mark.parametrize("name", ["cn-dept-overall", "cn-project-10"])
@settings(max_examples=15)
@given(data=st.data())
def test_lazy_words_equal_eager_words_on_bundled_rule_sets(name: str, data: st.DataObject) -> None:
    rs = _bundled(name, 0)
    records = data.draw(st.lists(subjects(rs), min_size=1, max_size=3))
    records = [{**r, "id": f"s{i}"} for i, r in enumerate(records)]
    _check_lazy_equals_eager(rs, _bundled(name, 1), records)


_LOADED: dict[tuple[str, int], perfscore.RuleSet] = {}


def _bundled(name: str, copy: int) -> perfscore.RuleSet:
    if (name, copy) not in _LOADED:
        _LOADED[name, copy] = perfscore.load_ruleset(ROOT / "rules" / f"{name}.yaml")
    return _LOADED[name, copy]


def _some_findings() -> tuple[list[Finding], list[dict[str, Any]]]:
    """Unread findings of the RULES rule set, and their words read from a separate run."""
    records = [
        {"id": f"d{i}", "values": {"budget": b, "spent": s, "adjust": a, "done": d}}
        for i, (b, s, a, d) in enumerate(
            [
                ("100", "95", "0", 20),  # exactly on the threshold
                ("100", "80", "8%", 5),  # the rule set's own fail message
                ("0", "5", None, 0),  # zero denominator, missing adjust, `when` false
                ("300万元", "abc", "x", None),  # a bad value, a bad percent
            ]
        )
    ]
    reference = perfscore.load_ruleset_text(RULES)
    words = [_words(f) for r in records for f in reference.evaluate_subject(r).findings]
    rs = perfscore.load_ruleset_text(RULES)
    found = [f for r in records for f in rs.evaluate_subject(r).findings]
    assert all(_unfilled(f) for f in found)
    return found, words


def test_pickling_an_unread_finding_fills_it_first() -> None:
    found, words = _some_findings()
    for f, w in zip(found, words, strict=True):
        state = f.__getstate__()
        assert "_lazy" not in state and state["message"] == w["message"]
    again = pickle.loads(pickle.dumps(found))
    assert again == found
    assert [_words(f) for f in again] == words


def test_copy_and_replace_see_the_words() -> None:
    found, words = _some_findings()
    copied = [copy.copy(f) for f in found]
    replaced = [dataclasses.replace(f, severity="note") for f in _some_findings()[0]]
    assert [_words(f) for f in copied] == words
    assert [_words(f) for f in replaced] == words
    assert all(f.severity == "note" for f in replaced)


def _read_at_once(found: list[Finding], orders: list[tuple[str, ...]]) -> list[Any]:
    """What each of ``len(orders)`` threads, released together, reads from ``found``."""
    start = threading.Barrier(len(orders))
    seen: list[list[dict[str, Any]]] = []
    lock = threading.Lock()

    def read(order: tuple[str, ...]) -> None:
        start.wait()
        got = [_words(f, order) for f in found]
        with lock:
            seen.append(got)

    threads = [threading.Thread(target=read, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


def test_threads_reading_one_unread_finding_at_once_agree() -> None:
    for _ in range(5):
        found, words = _some_findings()
        seen = _read_at_once(found, [LAZY, tuple(reversed(LAZY))] * 4)
        assert len(seen) == 8 and all(s == words for s in seen)
        assert not any(_unfilled(f) for f in found)


#: the records of :func:`_kept_results`: RULES' (every way a word is made: the rule set's own
#: message, bands, a `when`, a zero denominator, bad values) and batch3's for cn-dept-overall
_RULES_RECORDS = [
    {"id": f"d{i}", "values": {"budget": b, "spent": s, "adjust": a, "done": d}}
    for i, (b, s, a, d) in enumerate(
        [("100", "95", "0", 20), ("100", "80", "8%", 5), ("0", "5", None, 0),
         ("300万元", "abc", "x", None), ("100", "99", "5%", 25)]
    )
]  # fmt: skip


def _kept_results(bundled: bool = False) -> tuple[list[Any], list[list[dict[str, Any]]]]:
    """Unread results (held: their findings' words are made a subject at a time) of the RULES
    rule set (or cn-dept-overall on batch3), and their findings' words from a separate run."""
    if bundled:
        rs, reference = _bundled("cn-dept-overall", 0), _bundled("cn-dept-overall", 1)
        records = yaml.safe_load((ROOT / "tests" / "golden" / "batch3.yaml").read_text("utf-8"))
        records = records["subjects"]
    else:
        rs, reference = perfscore.load_ruleset_text(RULES), perfscore.load_ruleset_text(RULES)
        records = _RULES_RECORDS
    words = [[_words(f) for f in reference.evaluate_subject(r).findings] for r in records]
    held = [rs.evaluate_subject(r) for r in records]
    assert all(_unfilled(f) for r in held for f in r.findings if f.kind == "indicator")
    return held, words


@pytest.mark.parametrize("bundled", [False, True])
def test_reading_one_finding_makes_its_subjects_words_in_one_pass(bundled: bool) -> None:
    """A finding read first makes every finding of its subject's result (still held) at once,
    and no other subject's; each equals what reading it alone gives, whichever is read first
    (the first, the last, the explanation of one in the middle)."""
    for order in range(3):
        held, words = _kept_results(bundled)
        for i, r in enumerate(held):
            fs = r.findings
            made_later = [f for f in fs if f.kind == "indicator"]  # (a check's are made)
            first = (made_later[0], made_later[-1], made_later[len(made_later) // 2])[order]
            (first.message, first.fingerprint, first.explanation)[order]
            assert not any(_unfilled(f) for f in fs)
            later = [f for r2 in held[i + 1 :] for f in r2.findings if f.kind == "indicator"]
            assert all(_unfilled(f) for f in later)
            assert [_words(f, tuple(reversed(LAZY))) for f in fs] == words[i]


def test_a_finding_kept_without_its_result_makes_its_own_words_alone() -> None:
    """Findings do not keep their subject's result alive (a weak reference): once it is gone,
    a finding read makes its own words only, and they are the same."""
    held, words = _kept_results()
    alive = [weakref.ref(r) for r in held]
    kept = [r.findings for r in held]
    del held
    gc.collect()
    assert all(a() is None for a in alive)
    for fs, w in zip(kept, words, strict=True):
        indicators = [f for f in fs if f.kind == "indicator"]
        indicators[-1].message  # noqa: B018
        assert not _unfilled(indicators[-1])
        assert all(_unfilled(f) for f in indicators[:-1])
        assert [_words(f) for f in fs] == w


def _read_from_both_ends(fs: list[Finding], n: int) -> list[list[dict[str, Any]]]:
    """What each of ``n`` threads, released together, reads from ``fs`` — every other one
    from its last finding back (the words in ``fs``'s order)."""
    start = threading.Barrier(n)
    seen: list[list[dict[str, Any]]] = []
    lock = threading.Lock()

    def read(order: tuple[str, ...], backwards: bool) -> None:
        start.wait()
        got = [_words(f, order) for f in (fs[::-1] if backwards else fs)]
        with lock:
            seen.append(got[::-1] if backwards else got)

    orders = [LAZY, tuple(reversed(LAZY))]
    threads = [threading.Thread(target=read, args=(orders[i % 2], i % 4 > 1)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen


def test_threads_reading_one_subjects_findings_at_once_agree() -> None:
    """Threads reading different findings of one held result at once (each may start the
    subject's one-pass making, from either end) agree with a separate run."""
    for _ in range(5):
        held, words = _kept_results()
        for r, w in zip(held, words, strict=True):
            seen = _read_from_both_ends(list(r.findings), 8)
            assert len(seen) == 8 and all(s == w for s in seen)


@pytest.mark.parametrize("record, by", [(0, "rec"), (1, "fill")])
def test_words_made_while_another_thread_made_them_and_the_explanation_keep_it(
    record: int, by: str
) -> None:
    """A thread making a finding's words while another makes them and then its 计算过程 —
    played here in one thread: what makes the words (a pass's display from its node's
    ``rec``; a fail with the rule set's own message: its node's ``fill``) reads the
    explanation first — does not put "explanation left to make" back over the one made (its
    reader would get that marker)."""
    reference = perfscore.load_ruleset_text(RULES).evaluate_subject(_RULES_RECORDS[record])
    expected = _words(reference.finding("execution"))
    assert expected["explanation"] is not None
    rs = perfscore.load_ruleset_text(RULES)
    f = rs.evaluate_subject(_RULES_RECORDS[record]).finding("execution")  # (its result let go)
    words = object.__getattribute__(f, "_lazy")
    before = getattr(words, by)
    met: list[bool] = []

    def interrupt() -> None:
        setattr(words, by, before)
        met.append(f.explanation is not None)  # (the other thread's whole read, meanwhile)

    if by == "fill":

        def fill(g: Finding, run: Any, why: Any, detail: Any) -> Any:
            interrupt()
            return before(g, run, why, detail)

        words.fill = fill
    else:

        def show(value: Decimal) -> str:
            interrupt()
            return str(before[2](value))

        words.rec = (*before[:2], show, *before[3:])
    assert f.message == expected["message"]
    assert met == [True]  # (it ran)
    assert _words(f) == expected


def test_findings_built_by_the_constructor_keep_working() -> None:
    """The public constructor (used by perfscore.recheck and plugins) needs no lazy fields;
    ``explanation`` defaults to None."""
    found, _ = _some_findings()
    f = found[0]
    g = Finding(
        rule_id="r",
        subject=f.subject,
        outcome="pass",
        severity="none",
        message="好",
        message_en="good",
        value=Decimal("0.5"),
        unit="%",
        display="50%",
        threshold=None,
        points=Decimal(1),
        weight=Decimal(1),
        grade=None,
        reason=None,
        fields=(),
        fingerprint="sha256:0",
        location=f.location,
    )
    assert g.explanation is None and g.kind == "indicator" and g.display == "50%"
    assert pickle.loads(pickle.dumps(g)) == g
    with pytest.raises(AttributeError):
        g.nothing  # type: ignore[attr-defined]  # noqa: B018


_NAMES = ("title", "value", "points", "extra")
_PIECES = st.one_of(
    st.sampled_from([f"{{{n}}}" for n in _NAMES]),
    st.sampled_from(["{{", "}}", "%", "%s", "%%", "（标准 ", "：", " points", "\n"]),
    st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=4),
)


@given(
    pieces=st.lists(_PIECES, max_size=8),
    args=st.tuples(*(st.one_of(st.none(), st.text(max_size=3)) for _ in _NAMES)),
)
def test_positional_templates_equal_str_format(pieces: list[str], args: tuple[Any, ...]) -> None:
    """The catalogue's message templates compiled once (evaluate/messages.positional) give
    what ``str.format`` gives, ``%`` signs and escaped braces included."""
    template = "".join(pieces)
    fill = positional(template, _NAMES)
    assert fill(*args) == template.format(**dict(zip(_NAMES, args, strict=True)))


def test_positional_templates_fall_back_for_specs_and_other_fields() -> None:
    assert positional("{title!r}:{value:>4}", _NAMES)("a", "b", None, "") == "'a':   b"
    assert positional("{title}", ("title",))("x") == "x"
    assert positional("100%", ())() == "100%"
    with pytest.raises(KeyError):
        positional("{other}", _NAMES)("a", "b", "c", "d")


def test_indicator_finding_keeps_a_fingerprint_it_is_given() -> None:
    """evaluate.records.indicator_finding, as other paths call it: a fingerprint given is
    kept, the words are still made when read; without one it needs texts that make it."""
    from perfscore.evaluate.records import indicator_finding
    from perfscore.evaluate.state import Outcome, SubjectRun

    rs = perfscore.load_ruleset_text(RULES)
    record = {"id": "d0", "values": {"budget": "100", "spent": "80", "adjust": "0", "done": 5}}
    expected = rs.evaluate_subject(record).finding("execution")
    node = rs.compiled.indicators[0].children[0]
    o = Outcome(
        expected.outcome, expected.points, None, expected.value, expected.threshold, None, None
    )
    run = SubjectRun(expected.subject, {"budget": Decimal(100), "spent": Decimal(80)}, {}, {})
    f = indicator_finding(node, o, run, "sha256:given", rs.compiled.units, 2)
    assert _unfilled(f) and f.fingerprint == "sha256:given"
    assert (f.message, f.message_en, f.display) == (
        expected.message,
        expected.message_en,
        expected.display,
    )
    assert f.explanation is None  # default texts: no explanation
    with pytest.raises(TypeError):
        indicator_finding(node, o, run, None, rs.compiled.units, 2)
