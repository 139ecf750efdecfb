"""Evaluate, a leaf's steps in the findings walk (:mod:`.findcode`), shared by every leaf of
perfscore's own scorers: called with the leaf's constants in one tuple (:func:`leaf_row`)
instead of the same lines written out once per leaf.  The walk writes out per leaf only what
is its own — its checks (a waiver, a failed read), its condition's call and its outcome
form's call (each call site its own, so the interpreter inlines it) — and hands the rest to
:func:`scored` (``met`` decided, the finding built as a draft whose slots are stored one by
one and then frozen, its shared results looked up by its points' object), :func:`stopped`
(what stops it, or the evaluator's own step) or :func:`unheld` (its condition false).

In texts mode (``Evaluator.subject(data, texts=True)``: an export, a JSON document),
:func:`scored` also makes a pass's or a fail's words as it builds the draft, where its node's
words make them their own way (:attr:`~.nodewords.NodeWords.fast`) — the same words
``fill`` makes when they are first read (tests/test_evaluate_texts_walk.py); every other
finding's are made by :func:`~perfscore.findings.results.make_texts` after the walk.

Why: the same steps written out per leaf were ~2.8 KB of bytecode a leaf (336 KB for 120
leaves), read once per subject, evicting the words' and scorers' data between subjects;
these functions are a few hundred bytes that stay in the processor's cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..compile import IndicatorNode
from ..findings import Finding
from ..findings.results import LATER, UNMADE, FindingDraft
from .leaves import applies, stopping
from .nodewords import rec_texts, subject_key
from .records import leaf_pair

__all__ = ["LeafRow", "leaf_row", "scored", "stopped", "unheld"]

#: a leaf's constants for :func:`scored`, :func:`stopped` and :func:`unheld` (see :func:`leaf_row`)
LeafRow = tuple[Any, ...]

_new = object.__new__


def leaf_row(
    node: IndicatorNode,
    consts: tuple[Any, ...],
    kinds: dict[str, tuple[str, Any]],
    general: Callable[..., Any],
    texts: bool,
) -> LeafRow:
    """The tuple the shared steps unpack for ``node``: from its constants ``consts`` (see
    :func:`~.findcode.leaf_consts`; its form is perfscore's own), the outcome and points a
    failure of each kind gives it (``kinds``), the evaluator's own step (``general``:
    ``(node, run, scores, findings) -> its result``) and, where ``texts``, how its scored
    findings' words are made in the walk (None: by ``make_texts`` after it)."""
    template, same, by_id, severity, _, reads, use_met, limit, when = consts
    words = template["_lazy"]
    said = None
    if texts and words.fast and words.prefix is not None and words.fingerprint is not None:
        fast = words.fast
        # which outcomes: 0 both, 1 a pass only, 2 a fail only (the rule set's own message
        # for the other)
        which = 0 if fast == frozenset(("pass", "fail")) else 1 if "pass" in fast else 2
        said = (words, words.prefix, words.explain is None, which)
    holds, why_not = (None, None) if when is None else when
    return (
        node.id, node.weight, limit, use_met, severity, node.unit, node.location, words,
        by_id["pass"], by_id["fail"], said, same, by_id,
        node, reads, kinds, holds, why_not, general,
    )  # fmt: skip


def scored(
    row: LeafRow,  # (its first 13: what a scored leaf needs)
    run: Any,
    value: Any,
    points: Any,
    met: Any,
    threshold: Any,
    detail: Any,
    add_s: Callable[[Any], None],
    add_f: Callable[[Any], None],
) -> Any:
    """The result (its node's) of a leaf its outcome form scored (``value``, ``points``,
    ``met``, ``threshold``, ``detail``: the form's), its finding and score added: ``met``
    decided where the form does not (its points against the bar), the finding built as a
    draft — its words too, in texts mode — frozen and added, its results shared by its
    points' object where they were met before."""
    (
        nid, weight, limit, use_met, severity, unit, location, words, on_pass, on_fail, said,
        same, by_id,
    ) = row  # fmt: skip
    if met is None or not use_met:
        met = points >= limit
    outcome = "pass" if met else "fail"
    f: Any = _new(FindingDraft)
    f.rule_id = nid
    f.subject = run.subject
    f.outcome = outcome
    f.severity = "none" if met else severity
    f.value = value
    f.unit = unit
    f.threshold = threshold
    f.points = points
    f.weight = weight
    f.grade = None
    f.fields = ()
    f.location = location
    f.kind = "indicator"
    f.waiver = None
    f.data_locations = ()
    f.review = None
    f._explanation = UNMADE
    f._lazy = words
    f._run = run
    f._why = None
    f._detail = detail
    if said is not None:  # texts mode: a pass's or a fail's words made here
        _said(f, said, run, value, points, threshold, met)
    f.__class__ = Finding
    add_f(f)
    p = (on_pass if met else on_fail).get(id(points))
    if p is None:
        p = leaf_pair(nid, weight, same, by_id, points, None, outcome, True)
    add_s(p[0])
    return p[1]


def stopped(row: LeafRow, run: Any, scores: list[Any], findings: list[Any]) -> Any:
    """The result (its node's) of a leaf that has a waiver or reads something that failed,
    its finding and score added: what :func:`~.leaves.leaf` decides — its condition first
    (what ``applies()`` says), then what stops it, by the kind of that failure
    (:func:`~.leaves.from_failure`); the evaluator's own step where it is waived or
    nothing stops it."""
    (
        nid, weight, _, _, severity, unit, location, words, _, _, _, same, by_id, node, _,
        kinds, when, _, general,
    ) = row  # fmt: skip
    waivers, failures = run.waivers, run.failures
    if waivers and nid in waivers:
        return general(node, run, scores, findings)
    outcome: Any
    o = None if when is None else applies(node, run.scope, failures)
    if o is not None:
        outcome, points, why = o.outcome, o.points, o.reason
    else:
        why = stopping(node, failures)
        outcome, points = (None, None) if why is None else kinds[why.kind]
    if why is None:  # (nothing stops it: scored, the evaluator's way)
        return general(node, run, scores, findings)
    f: Any = _new(FindingDraft)
    f.rule_id = nid
    f.subject = run.subject
    f.outcome = outcome
    f.severity = severity if outcome == "fail" else "none"
    f.value = None
    f.unit = unit
    f.threshold = None
    f.points = points
    f.weight = weight
    f.grade = None
    f.fields = why.fields
    f.location = location
    f.kind = "indicator"
    f.waiver = None
    f.data_locations = ()
    f.review = None
    f._explanation = UNMADE
    f._lazy = words
    f._run = run
    f._why = why
    f._detail = None
    f.__class__ = Finding
    findings.append(f)
    p = leaf_pair(nid, weight, same, by_id, points, None, outcome, False)
    scores.append(p[0])
    return p[1]


def unheld(
    row: LeafRow, run: Any, add_s: Callable[[Any], None], add_f: Callable[[Any], None]
) -> Any:
    """The result (its node's) of a leaf whose condition does not hold, its finding (not
    applicable) and score added."""
    (
        nid, weight, _, _, _, unit, location, words, _, _, _, same, by_id, _, _, _, _, why, _,
    ) = row  # fmt: skip
    f: Any = _new(FindingDraft)
    f.rule_id = nid
    f.subject = run.subject
    f.outcome = "not_applicable"
    f.severity = "none"
    f.value = None
    f.unit = unit
    f.threshold = None
    f.points = None
    f.weight = weight
    f.grade = None
    f.fields = why.fields
    f.location = location
    f.kind = "indicator"
    f.waiver = None
    f.data_locations = ()
    f.review = None
    f._explanation = UNMADE
    f._lazy = words
    f._run = run
    f._why = why
    f._detail = None
    f.__class__ = Finding
    add_f(f)
    p = leaf_pair(nid, weight, same, by_id, None, None, "not_applicable", False)
    add_s(p[0])
    return p[1]


def _said(
    f: Any, said: tuple[Any, Any, bool, int], run: Any, value: Any, points: Any, th: Any, met: Any
) -> None:
    """The draft ``f``'s words, where its node's words make them their own way (``said``:
    the words, the fingerprint's hashed prefix, whether no explanation is left to make,
    which outcomes) — nothing where ``rec_texts`` says no (a value not finite):
    ``make_texts`` fills those after the walk."""
    words, prefix, done, which = said
    if which and (which == 1) != bool(met):  # (the rule set's own message for this one)
        return
    g = rec_texts(words, value, points, th, met)
    if g is None:
        return
    f._display, f._message, f._message_en = g
    f._reason = None
    key = run.key
    if key is None:
        key = subject_key(run)
    h = prefix.copy()
    h.update(key)
    f._fingerprint = "sha256:" + h.hexdigest()[:32]
    if done:  # (nothing left to make: what fill's reader lets go of)
        f._explanation = f._run = f._lazy = None
    else:  # (its explanation made when read)
        f._explanation = LATER
