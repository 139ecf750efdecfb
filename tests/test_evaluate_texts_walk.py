"""Findings made with their words (``texts=True``: ``Evaluator.subject``, ``rs.evaluate_subject``,
``rs.evaluate``; the CLI asks for it, every output writes the words — perfscore.evaluate.textcode)
equal the findings whose words are made when first read: every field, the words, fingerprint and
explanation, every field by ``dataclasses.fields``, pickling, ``asdict``/``replace`` — on the
families, the bundled rule sets and records with blanks, refused cells, zeros, values on thresholds
and band edges, waivers.  And a finding is one object: a :class:`Finding` (its class, not a
subclass), slotted (no ``__dict__``), frozen on every field."""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.evaluate import Evaluator
from perfscore.findings import Finding, SubjectResult, make_texts
from perfscore.subjects import read_subject
from perfscore.testing.values import subjects
from test_evaluate_findcode import (
    PART_RS,
    RS,
    SCORED,
    _waivers,
    finding_slots,
    part_records,
    records,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402


def _has(f: Finding, name: str) -> bool:
    """Whether ``f``'s slot ``name`` is set (a lazy field made), without making it."""
    return name in finding_slots(f)


def _public(f: Any) -> dict[str, Any]:
    return {x.name: getattr(f, x.name) for x in dataclasses.fields(Finding)}


def _same(made: SubjectResult, lazy: SubjectResult) -> int:
    """``made`` (texts=True) against ``lazy`` (words when first read), field by field; the
    number of ``made``'s findings whose words were there before anything read them."""
    ready = sum(1 for f in made.findings if _has(f, "message") and _has(f, "fingerprint"))
    assert ready == len(made.findings)  # every finding's words made with it
    for f in (*made.findings, *lazy.findings):
        assert type(f) is Finding and not hasattr(f, "__dict__")
    assert made == lazy  # (every field: lazy's words made as they are read)
    assert [_public(f) for f in made.findings] == [_public(f) for f in lazy.findings]
    assert [f.explanation for f in made.findings] == [f.explanation for f in lazy.findings]
    assert [dataclasses.asdict(f) for f in made.findings] == [
        dataclasses.asdict(f) for f in lazy.findings
    ]
    for f, g in zip(made.findings, lazy.findings, strict=True):
        assert pickle.loads(pickle.dumps(f)) == g
        assert dataclasses.replace(f, severity="error") == dataclasses.replace(g, severity="error")
    assert made.scores == lazy.scores and str(made.total) == str(lazy.total)
    assert made.grade == lazy.grade
    return ready


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(records(), min_size=1, max_size=6), waived=st.integers(0, 3))
def test_findings_made_with_their_words_are_the_findings_read_later(
    batch: list[dict[str, Any]], waived: int
) -> None:
    """One evaluator making the words (its kept words and results found again across the
    batch), another making them when read."""
    made, lazy = Evaluator(RS.compiled, RS.id), Evaluator(RS.compiled, RS.id)
    for i, record in enumerate(batch):
        data = read_subject(record, RS.compiled.inputs, index=i, subject_type="department")
        _same(
            made.subject(data, _waivers(waived), texts=True), lazy.subject(data, _waivers(waived))
        )


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(part_records(), min_size=1, max_size=6))
def test_groups_scored_in_part_with_their_words(batch: list[dict[str, Any]]) -> None:
    made, lazy = Evaluator(PART_RS.compiled, PART_RS.id), Evaluator(PART_RS.compiled, PART_RS.id)
    for i, record in enumerate(batch):
        data = read_subject(record, PART_RS.compiled.inputs, index=i, subject_type="department")
        _same(made.subject(data, texts=True), lazy.subject(data))


def test_the_walk_writes_a_scored_findings_words_itself() -> None:
    """(Not vacuous: scored leaves get their words in the written walk, not from ``fill``
    afterwards — and a record with blanks still gets every finding's words.)"""
    ev = Evaluator(RS.compiled, RS.id)
    filled: list[str] = []
    data = read_subject({"id": "d", "values": {**SCORED, "lv": "county"}}, RS.compiled.inputs,
                        index=0, subject_type="department")  # fmt: skip
    ev.subject(data)  # (the leaves' words made: their fill counted from here)
    for node, words in list(ev._texts._nodes.values()):
        fill = words.fill

        def counted(
            f: Any, run: Any, why: Any, detail: Any, fill: Any = fill, nid: str = node.id
        ) -> Any:
            filled.append(nid)
            return fill(f, run, why, detail)

        words.fill = counted
    got = ev.subject(data, texts=True)
    assert "t1" not in filled and "p1" not in filled and "d1" not in filled  # in the walk
    assert "b1" in filled and "f1" in filled  # (g12 not applicable: fill, after the walk)
    assert got.finding("t1").message.startswith("执行率 95%")
    blanks = read_subject({"id": "e", "values": {"a": "x", "lv": "city"}}, RS.compiled.inputs,
                          index=1, subject_type="department")  # fmt: skip
    _same(ev.subject(blanks, texts=True), Evaluator(RS.compiled, RS.id).subject(blanks))


def test_make_texts_fills_what_is_left_and_nothing_twice() -> None:
    data = read_subject({"id": "d", "values": SCORED}, RS.compiled.inputs, index=0,
                        subject_type="department")  # fmt: skip
    lazy = Evaluator(RS.compiled, RS.id).subject(data)
    assert all(not _has(f, "message") for f in lazy.findings if f.kind == "indicator")
    make_texts(lazy.findings)
    before = [finding_slots(f) for f in lazy.findings]
    assert all("message" in d for d in before)
    make_texts(lazy.findings)  # (again: nothing changes)
    assert [finding_slots(f) for f in lazy.findings] == before
    _same(Evaluator(RS.compiled, RS.id).subject(data, texts=True), lazy)


@pytest.mark.parametrize("name", ["wide120", "dept30", "mixed", "proj"])
def test_the_families_findings_made_with_their_words(name: str) -> None:
    fam = families.family(name)
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source=f"{name}.yaml")
    made, lazy = Evaluator(rs.compiled, rs.id), Evaluator(rs.compiled, rs.id)
    outcomes: set[str] = set()
    for i, r in enumerate(families.records(fam, 40)):
        data = read_subject(r, rs.compiled.inputs, index=i, subject_type="department")
        got = made.subject(data, texts=True)
        _same(got, lazy.subject(data))
        outcomes.update(f.outcome for f in got.findings)
    assert {"pass", "fail", "not_applicable"} <= outcomes


_BUNDLED = sorted(p for p in (ROOT / "rules").glob("*.yaml") if not p.name.endswith(".tests.yaml"))


@pytest.mark.parametrize("path", _BUNDLED, ids=[p.stem for p in _BUNDLED])
def test_the_bundled_rule_sets_findings_made_with_their_words(path: Path) -> None:
    rs = perfscore.load_ruleset(path)

    @settings(max_examples=25, deadline=None)
    @given(record=subjects(rs))
    def check(record: dict[str, Any]) -> None:
        _same(rs.evaluate_subject(record, texts=True), rs.evaluate_subject(record))
        report = rs.evaluate([record], texts=True)
        assert report.to_json() == rs.evaluate([record]).to_json()

    check()


def test_the_example_in_docs_data_md(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/data.md's ``texts=True`` example runs and prints what the page says."""
    text = (ROOT / "docs" / "data.md").read_text("utf-8")
    code = re.search(r"^```python texts\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    shown = re.search(r"^```text texts\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    assert code is not None and shown is not None
    cwd = Path.cwd()
    try:
        os.chdir(ROOT)
        exec(code.group(1), {"perfscore": perfscore})
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out == shown.group(1)
